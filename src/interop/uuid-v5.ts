/**
 * Name-based UUIDs (RFC 9562 version 5, SHA-1), so that exporting the same report twice
 * gives the same STIX ids. Pure: SHA-1 is computed here, without node:crypto.
 */

/** Entente's namespace for STIX ids (a fixed v4 UUID chosen once). */
export const ENTENTE_NAMESPACE = '6c3b2a1e-5d4f-4e8a-9b7c-0a1b2c3d4e5f'

export function uuidV5(name: string, namespace: string = ENTENTE_NAMESPACE): string {
  const ns = hexToBytes(namespace.replaceAll('-', ''))
  const text = new TextEncoder().encode(name)
  const input = new Uint8Array(ns.length + text.length)
  input.set(ns)
  input.set(text, ns.length)
  const hash = sha1(input).slice(0, 16)
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80
  const hex = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return bytes
}

/** SHA-1 (FIPS 180-4) over bytes; used for name-based ids only, never for security. */
export function sha1(message: Uint8Array): Uint8Array {
  const bitLength = message.length * 8
  const padded = new Uint8Array(Math.ceil((message.length + 9) / 64) * 64)
  padded.set(message)
  padded[message.length] = 0x80
  const view = new DataView(padded.buffer)
  view.setUint32(padded.length - 8, Math.floor(bitLength / 2 ** 32))
  view.setUint32(padded.length - 4, bitLength >>> 0)
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]
  const w = new Uint32Array(80)
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + 4 * i)
    for (let i = 16; i < 80; i++) {
      const x = (w[i - 3] ?? 0) ^ (w[i - 8] ?? 0) ^ (w[i - 14] ?? 0) ^ (w[i - 16] ?? 0)
      w[i] = (x << 1) | (x >>> 31)
    }
    compress(h, w)
  }
  const out = new Uint8Array(20)
  const outView = new DataView(out.buffer)
  h.forEach((word, i) => outView.setUint32(4 * i, word >>> 0))
  return out
}

function compress(h: number[], w: Uint32Array): void {
  let [a, b, c, d, e] = h as [number, number, number, number, number]
  for (let i = 0; i < 80; i++) {
    const [f, k] =
      i < 20
        ? [(b & c) | (~b & d), 0x5a827999]
        : i < 40
          ? [b ^ c ^ d, 0x6ed9eba1]
          : i < 60
            ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc]
            : [b ^ c ^ d, 0xca62c1d6]
    const temp = (((a << 5) | (a >>> 27)) + f + e + k + (w[i] ?? 0)) >>> 0
    e = d
    d = c
    c = (b << 30) | (b >>> 2)
    b = a
    a = temp
  }
  h[0] = ((h[0] ?? 0) + a) >>> 0
  h[1] = ((h[1] ?? 0) + b) >>> 0
  h[2] = ((h[2] ?? 0) + c) >>> 0
  h[3] = ((h[3] ?? 0) + d) >>> 0
  h[4] = ((h[4] ?? 0) + e) >>> 0
}
