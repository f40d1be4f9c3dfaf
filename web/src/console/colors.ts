/** The originators' colours: the dashboard's (src/cli/demo/scenario-view.ts), grey for others. */
const PALETTE: Readonly<Record<string, string>> = { KOR: '#1f6feb', JPN: '#d1242f', USA: '#8250df' }
const OTHERS = ['#1a7f37', '#bf8700', '#0a7ea4', '#6e7781'] as const

export function originatorColor(party: string): string {
  const known = PALETTE[party]
  if (known !== undefined) return known
  const sum = [...party].reduce((total, c) => total + c.charCodeAt(0), 0)
  return OTHERS[sum % OTHERS.length] ?? '#6e7781'
}
