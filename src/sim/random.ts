/**
 * A seeded PRNG (mulberry32) and a normal deviate from it (Box–Muller): ten lines, so written
 * here rather than taken from npm, and pure (no Math.random) so a seed replays exactly.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A standard normal deviate (mean 0, sigma 1) drawn from `random`. */
export function normal(random: () => number): number {
  const u = 1 - random() // in (0, 1]: log(0) would be −∞
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** FNV-1a of a string mixed with a seed: one independent stream per (seed, name). */
export function seedOf(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
  return h
}
