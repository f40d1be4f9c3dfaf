/** Prints a benchmark's figures, one per line, then one line of JSON so that runs can be compared. */
export function reportFigures(name: string, figures: Record<string, number>): void {
  for (const [key, value] of Object.entries(figures)) {
    console.log(`${name.padEnd(10)} ${key.padEnd(28)} ${value.toLocaleString('en-US')}`)
  }
  console.log(JSON.stringify({ bench: name, ...figures }))
}

/** Is this module the script node was started with (not imported by bench/run.ts)? */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === `file://${process.argv[1]}`
}
