import { PNG } from 'pngjs'

/** A product post of JPN's: an image of the Sunchon area, releasable to KOR (issue 17). */

export function thumbnailPng(): string {
  const png = new PNG({ width: 8, height: 8 })
  png.data.fill(128)
  return PNG.sync.write(png).toString('base64')
}

export const imageryPost = (over: Record<string, unknown> = {}) => ({
  kind: 'imagery',
  marking: { originator: 'JPN', level: 'GOKUHI' },
  topic: 'dprk-imagery',
  releasableTo: ['KOR'],
  title: 'Sunchon airbase, TEL revetments',
  imagery: {
    format: 'png',
    footprint: [
      [125.9, 39.4],
      [126.0, 39.4],
      [126.0, 39.5],
      [125.9, 39.5],
      [125.9, 39.4],
    ],
    acquiredAtMs: Date.parse('2019-10-31T01:00:00Z'),
    platform: 'IGS-Optical 7',
    sensor: 'PAN',
    groundResolutionM: 0.5,
    thumbnailPng: thumbnailPng(),
  },
  ...over,
})
