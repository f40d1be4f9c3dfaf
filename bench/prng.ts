/** A small seeded PRNG (mulberry32) so that every benchmark run sees the same data. */
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

export function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T
}

/** Runs `fn` repeatedly for about `seconds` and returns calls per second. */
export function measureRate(
  fn: (i: number) => void,
  seconds: number,
): { perSecond: number; calls: number } {
  const budgetNs = BigInt(Math.round(seconds * 1e9))
  const start = process.hrtime.bigint()
  let calls = 0
  let elapsed = 0n
  while (elapsed < budgetNs) {
    for (let i = 0; i < 10_000; i++) fn(calls + i)
    calls += 10_000
    elapsed = process.hrtime.bigint() - start
  }
  return { perSecond: Math.round(calls / (Number(elapsed) / 1e9)), calls }
}
