export const LANE_HEIGHT = 58
export const LEFT = 64
export const RIGHT = 16
export const TOP = 26
export const WIDTH = 1000

/** The x extent of a launch's lanes: 0 to max(flight, last event), rounded up to a minute. */
export function extentSeconds(flightSeconds: number, lastEventSeconds: number): number {
  return Math.ceil((Math.max(flightSeconds, lastEventSeconds) * 1.02) / 60) * 60
}

/** Seconds after launch → x in the SVG. */
export function xScale(maxSeconds: number): (t: number) => number {
  return (t) => LEFT + (t / maxSeconds) * (WIDTH - LEFT - RIGHT)
}

/** Tick marks every minute (every 2 minutes past 10 minutes). */
export function ticks(maxSeconds: number): number[] {
  const step = maxSeconds > 600 ? 120 : 60
  const out: number[] = []
  for (let t = 0; t <= maxSeconds; t += step) out.push(t)
  return out
}

/** The first instant (s) a party knows of the launch: its own report or a receipt. */
export function knowsSeconds(
  events: readonly { type: string; party: string; t: number | null }[],
  party: string,
): number | null {
  const times = events
    .filter((e) => e.party === party && (e.type === 'ingest' || e.type === 'received'))
    .map((e) => e.t)
    .filter((t): t is number => t !== null)
  return times.length === 0 ? null : Math.min(...times)
}
