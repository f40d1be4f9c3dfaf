import type { Scenario } from '../api/types.ts'
import {
  dayAt,
  dayIndex,
  isDayInRange,
  LAST_INDEX,
  MARK_ROWS,
  markRows,
  marksOf,
  mergeSameDay,
  pendingBands,
} from './dates.ts'

interface DateControlProps {
  readonly scenario: Scenario
  readonly date: string
  readonly onDate: (date: string) => void
}

/** A day slider 2014–2024 with a date input, the agreements' events marked beneath it. */
export function DateControl({ scenario, date, onDate }: DateControlProps) {
  const marks = mergeSameDay(marksOf(scenario.agreements))
  const bands = pendingBands(scenario.agreements)
  const pct = (d: string): string => `${((dayIndex(d) / LAST_INDEX) * 100).toFixed(3)}%`
  const rows = markRows(marks, (d) => (dayIndex(d) / LAST_INDEX) * 100, 70)
  return (
    <div class="date-control">
      <div class="date-fields">
        <label class="field grow">
          <span>Day (2014-01-01 … 2024-12-31)</span>
          <input
            type="range"
            min={0}
            max={LAST_INDEX}
            step={1}
            value={dayIndex(date)}
            list="agreement-marks"
            data-testid="date-slider"
            aria-valuetext={date}
            onInput={(e) => onDate(dayAt(Number(e.currentTarget.value)))}
          />
        </label>
        <label class="field">
          <span>Date</span>
          <input
            type="date"
            min={dayAt(0)}
            max={dayAt(LAST_INDEX)}
            value={date}
            data-testid="date-input"
            onChange={(e) => {
              const value = e.currentTarget.value
              if (isDayInRange(value)) onDate(value)
            }}
          />
        </label>
      </div>
      <datalist id="agreement-marks">
        {marks.map((m) => (
          <option
            key={`${m.agreement}-${m.date}-${m.type}`}
            value={dayIndex(m.date)}
            label={m.label}
          />
        ))}
      </datalist>
      <div
        class="marks"
        data-testid="date-marks"
        style={{ height: `${Math.max(MARK_ROWS, ...rows.map((r) => r + 1)) * 20 + 4}px` }}
      >
        {bands.map((b) => (
          <span
            key={`${b.agreement}-${b.from}`}
            class="band"
            style={{ left: pct(b.from), width: `calc(${pct(b.to)} - ${pct(b.from)})` }}
            title={`${b.label}: ${b.from} → ${b.to}`}
            data-testid="pending-band"
          />
        ))}
        {marks.map((m, i) => (
          <button
            type="button"
            key={`${m.agreement}-${m.date}-${m.type}`}
            class={`mark mark-${m.type} row-${rows[i] ?? 0}${dayIndex(m.date) > LAST_INDEX * 0.7 ? ' flip' : ''}`}
            style={{ left: pct(m.date), top: `${(rows[i] ?? 0) * 20}px` }}
            data-testid="date-mark"
            data-date={m.date}
            aria-label={`Go to ${m.date}: ${m.label}`}
            title={`${m.date}: ${m.label}${m.members === undefined ? '' : ` (${m.members.join(', ')})`}`}
            onClick={() => onDate(m.date)}
          >
            <span>
              {m.date} {m.label}
            </span>
          </button>
        ))}
      </div>
    </div>
  )
}
