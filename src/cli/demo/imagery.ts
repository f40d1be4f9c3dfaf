import { PNG } from 'pngjs'
import type { LocalNode } from '../local-network.ts'

/**
 * The demo's imagery (issue 17, item 4): Japan's node holds a synthetic satellite image of the
 * Sunchon area, made here when the demo starts (a few hundred KB, so nothing is committed), and
 * Korea asks Japan for imagery under the GSOMIA; Japan's officer answers as for reports.
 */

/** The image's corners (lon, lat): about 9 × 11 km around Sunchon airbase. */
const WEST = 125.88
const EAST = 125.98
const SOUTH = 39.38
const NORTH = 39.48
/** The day before the launches of 31 Oct 2019: a look at the site before it fired. */
export const SUNCHON_ACQUIRED_AT = '2019-10-30T02:10:00Z'
export const SUNCHON_TOPIC = 'dprk-imagery'

const SIZE_PX = 768
const THUMBNAIL_PX = 64

/** A deterministic value in [0, 1) for a lattice point (so every run draws the same image). */
function lattice(x: number, y: number, seed: number): number {
  let h =
    (Math.imul(x, 374_761_393) + Math.imul(y, 668_265_263) + Math.imul(seed, 1_442_695_041)) | 0
  h = Math.imul(h ^ (h >>> 13), 1_274_126_177)
  return ((h ^ (h >>> 16)) >>> 0) / 4_294_967_296
}

/** Smooth value noise: terrain made of a few octaves of interpolated lattice values. */
function terrain(x: number, y: number): number {
  let sum = 0
  let weight = 0
  for (let octave = 0; octave < 4; octave++) {
    const cell = 96 >> octave
    const gx = x / cell
    const gy = y / cell
    const x0 = Math.floor(gx)
    const y0 = Math.floor(gy)
    const fx = (gx - x0) * (gx - x0) * (3 - 2 * (gx - x0))
    const fy = (gy - y0) * (gy - y0) * (3 - 2 * (gy - y0))
    const top = lattice(x0, y0, octave) * (1 - fx) + lattice(x0 + 1, y0, octave) * fx
    const bottom = lattice(x0, y0 + 1, octave) * (1 - fx) + lattice(x0 + 1, y0 + 1, octave) * fx
    const w = 1 / (1 << octave)
    sum += (top * (1 - fy) + bottom * fy) * w
    weight += w
  }
  return sum / weight
}

/** Grey level of a pixel: fields and hills, a river, the airbase's runway and revetments. */
function grey(x: number, y: number): number {
  let value = 70 + terrain(x, y) * 110
  // A river winding north to south on the west side.
  const riverX = 150 + 40 * Math.sin(y / 90)
  if (Math.abs(x - riverX) < 9) value = 38
  // The runway: a bright strip, north-north-east, with a taxiway beside it.
  const along = (x - 420) * 0.94 + (y - 400) * 0.34
  const across = -(x - 420) * 0.34 + (y - 400) * 0.94
  if (Math.abs(along) < 230 && Math.abs(across) < 10) value = 215
  if (Math.abs(along) < 200 && Math.abs(across - 38) < 4) value = 190
  // Revetments east of the taxiway: small bright squares with a dark shelter inside.
  for (let i = 0; i < 6; i++) {
    const cx = -150 + i * 60
    if (Math.abs(along - cx) < 11 && Math.abs(across - 70) < 11)
      value = Math.abs(along - cx) < 6 && Math.abs(across - 70) < 6 ? 60 : 200
  }
  return Math.max(0, Math.min(255, Math.round(value)))
}

function draw(sizePx: number): Buffer {
  const png = new PNG({ width: sizePx, height: sizePx, colorType: 0, inputHasAlpha: false })
  const scale = SIZE_PX / sizePx
  for (let y = 0; y < sizePx; y++)
    for (let x = 0; x < sizePx; x++) {
      const v = grey(x * scale, y * scale)
      const i = (y * sizePx + x) * 4
      png.data[i] = v
      png.data[i + 1] = v
      png.data[i + 2] = v
      png.data[i + 3] = 255
    }
  return PNG.sync.write(png, { colorType: 0 })
}

/** The synthetic image of Sunchon (greyscale PNG, 768 px square) and its 64-px thumbnail. */
export function sunchonImage(): { readonly png: Buffer; readonly thumbnailPng: Buffer } {
  return { png: draw(SIZE_PX), thumbnailPng: draw(THUMBNAIL_PX) }
}

/** Japan's post of it: marked GOKUHI, releasable to Korea, on the GSOMIA's imagery topic. */
export function sunchonPost(thumbnailPng: Buffer): Record<string, unknown> {
  return {
    id: 'JPN-IMG-SUNCHON-20191030',
    kind: 'imagery',
    marking: { originator: 'JPN', level: 'GOKUHI' },
    topic: SUNCHON_TOPIC,
    releasableTo: ['KOR'],
    title: 'Sunchon airbase and its revetments (synthetic)',
    imagery: {
      format: 'png',
      footprint: [
        [WEST, SOUTH],
        [EAST, SOUTH],
        [EAST, NORTH],
        [WEST, NORTH],
        [WEST, SOUTH],
      ],
      acquiredAtMs: Date.parse(SUNCHON_ACQUIRED_AT),
      platform: 'IGS-Optical 7',
      sensor: 'PAN',
      groundResolutionM: 12,
      thumbnailPng: thumbnailPng.toString('base64'),
    },
  }
}

async function call(node: LocalNode, method: string, path: string, body: unknown, type: string) {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${node.tokens.operator}`, 'content-type': type },
    body: body instanceof Buffer ? body : JSON.stringify(body),
  })
  if (!response.ok)
    throw new Error(
      `${node.party} ${method} ${path}: HTTP ${response.status} ${await response.text()}`,
    )
  return (await response.json()) as { readonly id: string }
}

/**
 * Japan posts the image (metadata, then the file: the two-step upload), then Korea asks Japan
 * for imagery of that day on the imagery topic. Japan's officer answers it (the demo plays the
 * officers), and the engine decides under the agreements in force at that instant.
 */
export async function offerSunchonImagery(jpn: LocalNode, kor: LocalNode): Promise<string> {
  const { png, thumbnailPng } = sunchonImage()
  const { id } = await call(
    jpn,
    'POST',
    '/api/products',
    sunchonPost(thumbnailPng),
    'application/json',
  )
  await call(
    jpn,
    'PUT',
    `/api/products/${encodeURIComponent(id)}/content`,
    png,
    'application/octet-stream',
  )
  const acquiredMs = Date.parse(SUNCHON_ACQUIRED_AT)
  await call(
    kor,
    'POST',
    '/api/requests',
    {
      to: jpn.party,
      topic: SUNCHON_TOPIC,
      from: new Date(acquiredMs - 3_600_000).toISOString(),
      until: new Date(acquiredMs + 3_600_000).toISOString(),
    },
    'application/json',
  )
  return id
}

/** Resolves once `node` holds the product whole (false after `timeoutMs`: never received). */
export async function holdsProduct(
  node: LocalNode,
  id: string,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const response = await fetch(`${node.url}/api/products/${encodeURIComponent(id)}`, {
      headers: { authorization: `Bearer ${node.tokens.operator}` },
    }).catch(() => null)
    if (response === null) return false // the run's nodes stopped
    if (response.ok && ((await response.json()) as { state?: string }).state === 'complete')
      return true
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  return false
}

/**
 * The demo's imagery exchange, in the background of a run: tells the terminal when Korea holds
 * Japan's image (or that it did not arrive while the run's nodes were up).
 */
export async function playSunchonImagery(
  nodes: readonly LocalNode[],
  say: (line: string) => void,
): Promise<void> {
  const jpn = nodes.find((n) => n.party === 'JPN')
  const kor = nodes.find((n) => n.party === 'KOR')
  if (jpn === undefined || kor === undefined) return
  try {
    const id = await offerSunchonImagery(jpn, kor)
    say(`  JPN holds its image of Sunchon (${id}); KOR asks JPN for imagery`)
    const received = await holdsProduct(kor, id, 30 * 60_000)
    say(
      received
        ? `  KOR receives JPN's image of Sunchon (console: Products)`
        : `  KOR has not received JPN's image of Sunchon`,
    )
  } catch (error) {
    process.stderr.write(`entente demo: imagery: ${(error as Error).message}\n`)
  }
}
