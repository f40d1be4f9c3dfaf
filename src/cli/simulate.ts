import type { LaunchResult, PartyResult, SimulationResult } from '../sim/simulate.ts'
import { simulate } from '../sim/simulate.ts'
import type { TimelineEvent } from '../sim/timeline.ts'
import { loadScenario } from './load-scenario.ts'
import { renderTable } from './table.ts'

/** The baseline with the what-ifs applied in order, or (compare) the baseline and each alone. */
export function runSimulations(
  file: string | undefined,
  whatIfs: readonly string[],
  compare: boolean,
): SimulationResult[] {
  const variants = compare ? [[], ...whatIfs.map((w) => [w])] : [whatIfs]
  return variants.map((list) => simulate(loadScenario(file, list).input, list))
}

const seconds = (s: number | null): string => (s === null ? '-' : s.toFixed(1))

function whyKnows(p: PartyResult): string {
  if (p.knowsSeconds === null) return 'never learns of it'
  if (
    p.receivedSeconds !== null &&
    (p.reportedSeconds === null || p.receivedSeconds < p.reportedSeconds)
  ) {
    return `${p.receivedFrom ?? '?'}'s report by ${(p.path ?? []).join('→')}`
  }
  return `own report (${p.sensor ?? '?'})`
}

export function renderSimulation(result: SimulationResult): string {
  const title = `${result.scenario}${result.whatIfs.length > 0 ? ` — what-if ${result.whatIfs.join(' + ')}` : ' — baseline'}`
  const blocks = result.launches.map((launch) => {
    const rows = launch.parties.map((p) => [
      p.party,
      p.detectedSeconds === null ? '-' : `${seconds(p.detectedSeconds)} (${p.sensor ?? '?'})`,
      seconds(p.reportedSeconds),
      p.receivedSeconds === null
        ? '-'
        : `${seconds(p.receivedSeconds)} from ${p.receivedFrom ?? '?'} (${(p.path ?? []).join('→')})`,
      seconds(p.knowsSeconds),
      seconds(p.warningSeconds),
      whyKnows(p),
    ])
    const header = [
      'PARTY',
      'DETECTED s (SENSOR)',
      'REPORTED s',
      'FIRST RECEIPT s',
      'KNOWS s',
      'WARNING s',
      'KNOWS BY',
    ]
    return [
      `Launch ${launch.id}: ${launch.launchAt} → impact ${launch.impactAt} (${launch.flightSeconds.toFixed(1)} s flight); seconds after launch`,
      renderTable(header, rows),
      ...exchangeSummary(launch),
    ].join('\n')
  })
  return [title, '', blocks.join('\n\n')].join('\n')
}

/** One line per pair that did not simply go through: what held or denied each release. */
function exchangeSummary(launch: LaunchResult): string[] {
  const lines: string[] = []
  for (const p of launch.parties) {
    for (const e of p.events) {
      const line = describe(e)
      if (line !== null) lines.push(`  ${seconds(e.t).padStart(6)} s  ${line}`)
    }
  }
  return lines.length === 0 ? [] : ['Exchange:', ...lines]
}

function describe(e: TimelineEvent): string | null {
  switch (e.type) {
    case 'release-held':
      return `${e.party} → ${e.to}: held, ${e.agreement ?? '?'} releases only on request`
    case 'release-queued':
      return `${e.party} → ${e.to}: waits for a release officer under ${e.agreement ?? '?'} until ${seconds(e.releaseAtS)} s`
    case 'release-denied':
      return `${e.party} → ${e.to}: denied (${e.reasons.map((r) => r.code).join(', ')})`
    case 'request-sent':
      return `${e.party} asks ${e.to} for its data`
    case 'answer-denied':
      return `${e.party} refuses ${e.to}'s request (${e.reasons.map((r) => r.code).join(', ')})`
    case 'received':
      return `${e.party} receives ${e.originator}'s report from ${e.from} under ${e.agreement ?? 'public release'}`
    case 'detected':
    case 'reported':
    case 'sent':
    case 'request-received':
    case 'denial-received':
      return null
  }
}

export function renderComparison(results: readonly SimulationResult[]): string {
  const [baseline, ...variants] = results
  if (baseline === undefined) return ''
  const names = ['baseline', ...variants.map((v) => v.whatIfs.join('+'))]
  const blocks = baseline.launches.map((launch, i) => {
    const runs = results.map((r) => r.launches[i])
    const rows = launch.parties.map((p) => {
      const cells = runs.slice(1).map((run) => {
        const w = run?.parties.find((q) => q.party === p.party)?.warningSeconds ?? null
        return w === null || p.warningSeconds === null
          ? seconds(w)
          : `${seconds(w)} (${signed(w - p.warningSeconds)})`
      })
      return [p.party, seconds(p.warningSeconds), ...cells]
    })
    const table = renderTable(['PARTY', ...names], rows)
    return [
      `Launch ${launch.id} (${launch.flightSeconds.toFixed(1)} s flight): warning seconds = impact − first knowledge`,
      table,
      'Why:',
      ...whyLines(launch, runs, names),
    ].join('\n')
  })
  return [`${baseline.scenario}: baseline and each what-if`, '', blocks.join('\n\n')].join('\n')
}

/** How each party first knew, grouped by variant, plus the requests made and when answers came. */
function whyLines(
  launch: LaunchResult,
  runs: readonly (LaunchResult | undefined)[],
  names: readonly string[],
): string[] {
  const lines: string[] = []
  for (const p of launch.parties) {
    const byReason = new Map<string, string[]>()
    runs.forEach((run, k) => {
      const q = run?.parties.find((x) => x.party === p.party)
      if (q === undefined) return
      const reason = `${whyKnows(q)}${q.knowsSeconds === null ? '' : ` at ${seconds(q.knowsSeconds)} s`}`
      byReason.set(reason, [...(byReason.get(reason) ?? []), names[k] ?? '?'])
    })
    for (const [reason, where] of byReason)
      lines.push(`  ${p.party}: ${reason} (${where.join(', ')})`)
  }
  runs.forEach((run, k) => {
    for (const q of run?.parties ?? []) {
      for (const e of q.events) {
        if (e.type !== 'request-sent') continue
        const answer = q.events.find((x) => x.type === 'received' && x.from === e.to && x.t > e.t)
        const when =
          answer === undefined
            ? 'no answer'
            : `answer at ${seconds(answer.t)} s${answer.t > launch.flightSeconds ? ', after impact' : ''}`
        lines.push(`  ${names[k] ?? '?'}: ${q.party} asks ${e.to} at ${seconds(e.t)} s; ${when}`)
      }
    }
  })
  return lines
}

function signed(x: number): string {
  const rounded = Math.round(x * 10) / 10
  return rounded > 0 ? `+${rounded.toFixed(1)}` : rounded.toFixed(1)
}
