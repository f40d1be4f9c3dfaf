import { ticks, TOP, xScale } from './scale.ts'

/** Seconds-after-launch ticks with light gridlines. */
export function Axis({
  maxSeconds,
  height,
}: {
  readonly maxSeconds: number
  readonly height: number
}) {
  const x = xScale(maxSeconds)
  return (
    <g class="axis" aria-hidden="true">
      {ticks(maxSeconds).map((t) => (
        <g key={t}>
          <line class="grid" x1={x(t)} x2={x(t)} y1={TOP - 4} y2={height - 20} />
          <text x={x(t)} y={height - 6} text-anchor="middle">
            {t} s
          </text>
        </g>
      ))}
    </g>
  )
}
