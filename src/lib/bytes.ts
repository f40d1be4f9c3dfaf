// Byte helpers the pure layers need without Buffer, TextEncoder or atob (tsconfig.pure.json
// has no DOM or Node types): UTF-8 encoding, strict standard base64 (RFC 4648 §4), equality.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]))

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** UTF-8 bytes of a well-formed string (lone surrogates are encoded as U+FFFD). */
export function utf8(text: string): Uint8Array {
  const out: number[] = []
  for (const char of text) {
    let c = char.codePointAt(0) ?? 0
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd
    if (c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    else
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
  }
  return Uint8Array.from(out)
}

/** Does the string hold an unpaired surrogate (so that it is not valid UTF-8 text)? */
export function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)
}

export function toBase64(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const [a = 0, b = 0, c = 0] = [bytes[i], bytes[i + 1], bytes[i + 2]]
    const n = (a << 16) | (b << 8) | c
    const left = bytes.length - i
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63)
    out += left > 1 ? ALPHABET.charAt((n >> 6) & 63) : '='
    out += left > 2 ? ALPHABET.charAt(n & 63) : '='
  }
  return out
}

/** Standard padded base64; anything else (other alphabets, stray bits, whitespace) is undefined. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - padding)
  let at = 0
  for (let i = 0; i < text.length; i += 4) {
    let n = 0
    for (let j = 0; j < 4; j++) {
      const char = text.charAt(i + j)
      const last = i + 4 === text.length
      const value = char === '=' && last && j >= 4 - padding ? 0 : VALUE.get(char)
      if (value === undefined) return undefined
      n = (n << 6) | value
    }
    for (const byte of [n >> 16, (n >> 8) & 255, n & 255]) if (at < out.length) out[at++] = byte
  }
  // Canonical only: the bits a padded quantum leaves over must be zero.
  return toBase64(out) === text ? out : undefined
}
