import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { ROOT } from '../helpers/cli.ts'
import { buildWeb } from '../helpers/web-build.ts'
import { type DemoProcess, startDemo, stopDemo, waitForRun } from '../helpers/demo.ts'

const ARTIFACTS = join(ROOT, 'artifacts/web')
const CHROMIUM = '/usr/bin/chromium'
const RUN_TIMEOUT_MS = 240_000
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run']

/** Issue 12 item 3: each party's own picture, live, from the demo's real nodes. */
describe("the dashboard's pictures in Chromium, against a live demo", { timeout: 600_000 }, () => {
  let demo: DemoProcess | undefined
  let context: BrowserContext | undefined
  let page: Page
  const profile = mkdtempSync(join(tmpdir(), 'entente-web-pictures-'))

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `the browser tests drive Debian's chromium at ${CHROMIUM}`)
    await buildWeb()
    demo = await startDemo(['--speed', '30', '--no-build'])
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    })
    page = context.pages()[0] ?? (await context.newPage())
  })

  after(async () => {
    await context?.close()
    await stopDemo(demo)
    rmSync(profile, { recursive: true, force: true })
  })

  it("baseline: Japan's picture holds its own and US tracks, no Korean one; the false alarm shows withdrawn; Japan's image reaches Korea", async () => {
    await waitForRun(need(demo), 'baseline', RUN_TIMEOUT_MS)
    await openPictures(page, need(demo).url, 'baseline')
    const japan = page.locator('[data-testid="picture-JPN"]')
    await page.locator('[data-testid="picture-JPN"][data-originators~="JPN"]').waitFor()
    // Korea's own picture has its tracks, so Korea did measure and post them.
    await page.locator('[data-testid="picture-KOR"][data-originators~="KOR"]').waitFor()
    const originators = (await japan.getAttribute('data-originators')) ?? ''
    assert.ok(!originators.split(' ').includes('KOR'), `no KOR track at JPN: '${originators}'`)
    const alarm = page.locator(
      '[data-testid="picture-KOR"] [data-testid="picture-report"][data-status="withdrawn"]',
    )
    await alarm.first().waitFor()
    assert.match((await alarm.first().textContent()) ?? '', /false alarm/)
    // Issue 17: Japan's image of Sunchon, on Japan's map and, once Korea asked and Japan's
    // officer released it, on Korea's, in Japan's colour.
    for (const party of ['JPN', 'KOR'])
      await page
        .locator(
          `[data-testid="picture-${party}"] [data-testid="map-footprint"][data-originator="JPN"]`,
        )
        .waitFor()
  })

  it("auto-release: Japan's picture receives Korea's track", async () => {
    await waitForRun(need(demo), 'auto-release', RUN_TIMEOUT_MS)
    await openPictures(page, need(demo).url, 'auto-release')
    const japan = page.locator('[data-testid="picture-JPN"][data-originators~="KOR"]')
    await japan.waitFor()
    const summary = (await japan.locator('[data-testid="picture-summary"]').textContent()) ?? ''
    assert.match(summary, /from .*KOR/, `JPN's summary names KOR: '${summary}'`)
    // The correction reached Japan too: a Korean or other report with two objects.
    const corrected = page.locator('[data-testid="picture-JPN"] [data-testid="picture-report"]', {
      hasText: '×2',
    })
    await corrected.first().waitFor()
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, 'pictures.png'), fullPage: true })
  })
})

function need(demo: DemoProcess | undefined): DemoProcess {
  assert.ok(demo !== undefined, 'the demo started')
  return demo
}

async function openPictures(page: Page, base: string, run: string): Promise<void> {
  await page.goto(`${base}/#pictures`)
  await page.locator('[data-testid="view-pictures"]').waitFor()
  await page.selectOption('[data-testid="run-select"]', run)
}
