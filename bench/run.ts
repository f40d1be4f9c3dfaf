// `npm run bench`: the project's benchmarks. Each prints its figures and ends with one line
// of JSON, so that runs can be compared. Figures are printed, never asserted.
import { benchDetection } from './detection.ts'
import { benchRelease } from './release.ts'
import { benchSimulate } from './simulate.ts'

function report(name: string, figures: Record<string, number>): void {
  for (const [key, value] of Object.entries(figures)) {
    console.log(`${name.padEnd(10)} ${key.padEnd(28)} ${value.toLocaleString('en-US')}`)
  }
  console.log(JSON.stringify({ bench: name, ...figures }))
}

const only = process.argv.slice(2)
const wanted = (name: string): boolean => only.length === 0 || only.includes(name)

if (wanted('release')) report('release', benchRelease())
if (wanted('detection')) report('detection', await benchDetection())
if (wanted('simulate')) report('simulate', benchSimulate())
