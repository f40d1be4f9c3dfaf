// `npm run bench`: the project's benchmarks. Each prints its figures and ends with one line
// of JSON, so that runs can be compared. Figures are printed, never asserted.
import { benchDetection } from './detection.ts'
import { benchRelease } from './release.ts'
import { reportFigures } from './report.ts'
import { benchSimulate } from './simulate.ts'

const only = process.argv.slice(2)
const wanted = (name: string): boolean => only.length === 0 || only.includes(name)

if (wanted('release')) reportFigures('release', benchRelease())
if (wanted('detection')) reportFigures('detection', await benchDetection())
if (wanted('simulate')) reportFigures('simulate', benchSimulate())
