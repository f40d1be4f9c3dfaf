import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { ROOT } from '../helpers/cli.ts'
import { buildWeb } from '../helpers/web-build.ts'
import { type DemoProcess, startDemo, stopDemo, waitForRun } from '../helpers/demo.ts'

const ARTIFACTS = join(ROOT, 'artifacts/web')
const DOC_IMAGES = join(ROOT, 'docs/img')
const RUN_TIMEOUT_MS = 240_000
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

describe('the dashboard in Chromium, against live demos', { timeout: 420_000 }, () => {
  let demo: DemoProcess | undefined
  let lapsed: DemoProcess | undefined
  let context: BrowserContext | undefined
  let page: Page
  const profile = mkdtempSync(join(tmpdir(), 'entente-web-chromium-'))

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `the dashboard tests drive Debian's chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`,
    )
    await buildWeb()
    ;[demo, lapsed] = await Promise.all([
      startDemo(['--speed', '60', '--no-build']),
      startDemo(['--speed', '60', '--what-if', 'gsomia-lapsed', '--no-build']),
    ])
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    })
    page = context.pages()[0] ?? (await context.newPage())
    mkdirSync(ARTIFACTS, { recursive: true })
  })

  after(async () => {
    await context?.close()
    await Promise.all([stopDemo(demo), stopDemo(lapsed)])
    rmSync(profile, { recursive: true, force: true })
  })

  it('the map shows the launch: site, track, impact and the sensors', async () => {
    await open(page, url(demo), 'map')
    await page.locator('[data-testid="launch-site"]').waitFor()
    assert.equal(await page.locator('[data-testid="impact"]').count(), 1)
    const track = await page.locator('[data-testid="track"]').getAttribute('d')
    assert.match(track ?? '', /^M[\d.]+,[\d.]+L/, 'the track is a drawn path')
    assert.ok((await page.locator('[data-testid="sensor"]').count()) >= 3, 'sensors drawn')
    const title = await page.locator('svg[data-testid="map"] > title').textContent()
    assert.match(title ?? '', /^Launch 2019-10-31-a/)
    await shoot(page, 'map')
  })

  it('the slider at 2019-11-23 shows the GSOMIA in force (its notice was suspended)', async () => {
    await open(page, url(demo), 'agreements')
    assert.equal(await statusOn(page, '2019-11-23', 'kor-jpn-gsomia'), 'in-force')
    assert.equal(await page.locator('[data-testid="date-input"]').inputValue(), '2019-11-23')
  })

  it('the why panel lists every reason of a denial (KOR → JPN, MIL-I, cyber)', async () => {
    const query = { from: 'KOR', to: 'JPN', level: 'MIL-I', topic: 'cyber', at: '2019-10-31' }
    await page.selectOption('[data-testid="why-from"]', query.from)
    await page.selectOption('[data-testid="why-to"]', query.to)
    await page.selectOption('[data-testid="why-level"]', query.level)
    await page.fill('[data-testid="why-topic"]', query.topic)
    await page.fill('[data-testid="why-at"]', query.at)
    await page.click('[data-testid="why-ask"]')
    await page.locator('[data-testid="why-decision"][data-decision="denied"]').waitFor()
    const expected = (await getJson(
      `${url(demo)}/demo/api/release?${new URLSearchParams(query).toString()}`,
    )) as { reasons: { code: string }[] }
    const shown = await page.locator('[data-testid="why-reasons"] li code').allTextContents()
    assert.ok(shown.length > 0, 'a denial shows its reasons')
    assert.deepEqual(
      shown,
      expected.reasons.map((r) => r.code),
    )
    await page.locator('[data-testid="date-mark"][data-date="2019-08-23"]').click()
    await page.locator('[data-testid="status-table"][data-at="2019-08-23T12:00"]').waitFor()
    await shoot(page, 'agreements')
  })

  it('with --what-if gsomia-lapsed, the slider at 2019-11-23 shows the GSOMIA terminated', async () => {
    await open(page, url(lapsed), 'agreements')
    assert.equal(await statusOn(page, '2019-11-23', 'kor-jpn-gsomia'), 'terminated')
    await stopDemo(lapsed) // its nodes would only compete with the other demo's
  })

  it('baseline: Japan receives nothing directly from Korea; KOR → JPN is held', async () => {
    await waitForRun(need(demo), 'baseline', RUN_TIMEOUT_MS)
    await open(page, url(demo), 'timeline')
    await page.selectOption('[data-testid="run-select"]', 'baseline')
    await page.locator('[data-testid="run-status"][data-run="baseline"]:text("done")').waitFor()
    const held = page.locator('[data-testid="marker-held"][data-party="KOR"][data-peer="JPN"]')
    await held.first().waitFor()
    const label = await held.first().getAttribute('aria-label')
    assert.match(label ?? '', /^KOR → JPN held: kor-jpn-gsomia releases only on request/)
    await held.first().focus()
    const tooltip = await page.locator('[data-testid="timeline-tooltip"]').textContent()
    assert.equal(tooltip, label, 'focus shows the same text as a tooltip')
    // Three parties' own reports of two launches; the lanes fill in as the run's data arrives.
    await page.locator('[data-testid="marker-ingest"]').nth(5).waitFor()
    const direct = '[data-testid="marker-received"][data-party="JPN"][data-path="KOR JPN"]'
    assert.equal(await page.locator(direct).count(), 0, 'no direct KOR → JPN receipt')
  })

  it('auto-release: Japan receives Korea’s report directly, with its path', async () => {
    await waitForRun(need(demo), 'auto-release', RUN_TIMEOUT_MS)
    await page.selectOption('[data-testid="run-select"]', 'auto-release')
    const direct = page.locator(
      '[data-testid="marker-received"][data-party="JPN"][data-path="KOR JPN"]',
    )
    await direct.first().waitFor()
    assert.match((await direct.first().getAttribute('aria-label')) ?? '', /by KOR → JPN/)
    const row = page.locator('[data-testid="receipt"][data-party="JPN"][data-path="KOR JPN"]')
    assert.ok((await row.count()) >= 1, 'the receipts table lists it')
    assert.match((await row.first().textContent()) ?? '', /KOR → JPN/)
    await page.locator('[data-testid="marker-held"]').first().waitFor({ state: 'detached' })
    const japan = page.locator('[data-testid="warning-row"][data-party="JPN"]').first()
    const nodes = (await japan.locator('[data-testid="warning-nodes"]').textContent()) ?? ''
    assert.ok(Number.parseFloat(nodes) > 0, `the nodes' warning for JPN is shown: ${nodes}`)
    await direct.first().focus()
    await shoot(page, 'timeline')
  })

  it('reports and audit: Japan holds Korea’s report in its own marking; its chain verifies', async () => {
    await open(page, url(demo), 'audit')
    await page.selectOption('[data-testid="run-select"]', 'auto-release')
    await page.click('[data-testid="node-tab-JPN"]')
    await page.locator('[data-testid="audit-verify"][data-ok="true"]').waitFor()
    const reports = page.locator(
      '[data-testid="reports"][data-party="JPN"][data-run="auto-release"]',
    )
    const fromKorea = reports.locator('[data-testid="report"][data-originator="KOR"]')
    await fromKorea.first().waitFor()
    const scenario = (await getJson(`${url(demo)}/demo/api/scenario`)) as {
      parties: { id: string; levels: string[] }[]
    }
    const levels = (party: string): string[] =>
      scenario.parties.find((p) => p.id === party)?.levels ?? []
    const here = await fromKorea.first().getAttribute('data-level-here')
    const original = await fromKorea.first().getAttribute('data-level')
    assert.ok(levels('JPN').includes(here ?? ''), `marked in JPN's scheme: ${here ?? '?'}`)
    assert.ok(levels('KOR').includes(original ?? ''), `KOR's level kept: ${original ?? '?'}`)
    const audit = '[data-testid="audit-entries"][data-party="JPN"][data-run="auto-release"]'
    await page.locator(`${audit} [data-testid="audit-entry"]`).first().waitFor()
    await page.selectOption('[data-testid="audit-type"]', 'arrival')
    const arrivals = `${audit}[data-filter="arrival"]`
    await page
      .locator(`${arrivals} [data-testid="audit-entry"][data-type="arrival"]`)
      .first()
      .waitFor()
    const others = page.locator(
      `${arrivals} [data-testid="audit-entry"]:not([data-type="arrival"])`,
    )
    assert.equal(await others.count(), 0, 'the type filter keeps arrivals only')
    await shoot(page, 'audit')
  })
})

function need(demo: DemoProcess | undefined): DemoProcess {
  assert.ok(demo !== undefined, 'the demo started')
  return demo
}

function url(demo: DemoProcess | undefined): string {
  return need(demo).url
}

async function open(page: Page, base: string, view: string): Promise<void> {
  await page.goto(`${base}/#${view}`)
  await page.locator(`[data-testid="view-${view}"]`).waitFor()
}

/** Moves the day slider to `date` (input and change events) and reads one agreement's status. */
async function statusOn(page: Page, date: string, agreement: string): Promise<string> {
  const slider = page.locator('[data-testid="date-slider"]')
  const days = Math.round((Date.parse(date) - Date.parse('2014-01-01')) / 86_400_000)
  await slider.fill(String(days))
  const table = page.locator(`[data-testid="status-table"][data-at="${date}T12:00"]`)
  await table.waitFor()
  const row = table.locator(`[data-testid="status-row"][data-agreement="${agreement}"]`)
  return (await row.locator('[data-testid="status"]').textContent()) ?? ''
}

async function shoot(page: Page, name: string): Promise<void> {
  const file = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file })
  // `npm run screenshots` refreshes the committed images; a plain test run leaves docs/ alone.
  if (process.env['ENTENTE_UPDATE_SCREENSHOTS'] !== '1') return
  mkdirSync(DOC_IMAGES, { recursive: true })
  copyFileSync(file, join(DOC_IMAGES, `${name}.png`))
}

async function getJson(target: string): Promise<unknown> {
  const response = await fetch(target)
  assert.equal(response.status, 200, `GET ${target}`)
  return response.json()
}
