import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core'
import { scenarioView } from '../../src/cli/demo/scenario-view.ts'
import { DemoServer } from '../../src/cli/demo/server.ts'
import { loadScenario } from '../../src/cli/load-scenario.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import type { AgreementRow } from '../../web/src/api/types.ts'
import { ROOT } from '../helpers/cli.ts'
import { buildWeb } from '../helpers/web-build.ts'

const ARTIFACTS = join(ROOT, 'artifacts/web')
const DOC_IMAGES = join(ROOT, 'docs/img')
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run']
const AT = '2019-10-31T12:00'

/**
 * Issue 16: the agreements view on the 2019 registry of 25 parties and 30 agreements
 * (scenarios/networks-2019.yaml), in Chromium. The demo's own server, in-process, serves the
 * built dashboard and the registry; no nodes run (the file has no launches to play).
 */
describe('the agreement network with the 2019 registry, in Chromium', { timeout: 180_000 }, () => {
  let server: DemoServer | undefined
  let context: BrowserContext | undefined
  let page: Page
  let base = ''
  let rows: AgreementRow[] = []
  const profile = mkdtempSync(join(tmpdir(), 'entente-web-networks-'))

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `the web tests drive Debian's chromium at ${CHROMIUM}`)
    await buildWeb()
    const { input } = loadScenario(join(ROOT, 'scenarios/networks-2019.yaml'), [])
    const index = buildRegistryIndex(input.registry)
    server = new DemoServer({
      index,
      scenario: scenarioView(input, index),
      runs: [],
      webRoot: join(ROOT, 'web/dist'),
    })
    await server.listen(0)
    base = `http://localhost:${server.port}`
    rows = (await (await fetch(`${base}/demo/api/agreements?at=${AT}`)).json()) as AgreementRow[]
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 1000 },
    })
    page = context.pages()[0] ?? (await context.newPage())
    await page.goto(`${base}/#agreements`)
    await page.locator(`[data-testid="status-table"][data-at="${AT}"]`).waitFor()
  })

  after(async () => {
    await context?.close()
    await server?.close()
    rmSync(profile, { recursive: true, force: true })
  })

  it('draws every party, grouped by region, and no two nodes overlap', async () => {
    const circles = page.locator('[data-testid="party-node"] circle')
    const [cx, cy, r] = await Promise.all(
      ['cx', 'cy', 'r'].map(async (name) => (await attributes(circles, name)).map(Number)),
    )
    const nodes = (cx ?? []).map((x, i) => [x, cy?.[i] ?? 0, r?.[i] ?? 0])
    assert.equal(nodes.length, 25, 'the 25 parties of networks-2019.yaml')
    for (let i = 0; i < nodes.length; i++)
      for (let j = i + 1; j < nodes.length; j++) {
        const [x1 = 0, y1 = 0, r1 = 0] = nodes[i] ?? []
        const [x2 = 0, y2 = 0, r2 = 0] = nodes[j] ?? []
        assert.ok(Math.hypot(x1 - x2, y1 - y2) > r1 + r2, `nodes ${i} and ${j} overlap`)
      }
    const regions = await page.locator('.region-label').allTextContents()
    assert.ok(regions.includes('East Asia') && regions.includes('Europe'), regions.join(', '))
    assert.equal(await page.locator('[data-testid="status-row"]').count(), rows.length)
    await shoot(page, 'agreements-networks')
  })

  it("filtering by party keeps that party's agreements in the network and the table", async () => {
    await page.selectOption('[data-testid="network-party"]', 'JPN')
    const expected = rows.filter((r) => r.parties.includes('JPN')).map((r) => r.id)
    await page.locator(`[data-testid="network-count"][data-shown="${expected.length}"]`).waitFor()
    const table = await attributes(page.locator('[data-testid="status-row"]'), 'data-agreement')
    assert.deepEqual(table.sort(), [...expected].sort())
    const edges = await attributes(page.locator('[data-testid="edge"]'), 'data-agreement')
    assert.deepEqual([...new Set(edges)].sort(), [...expected].sort())
    const dimmed = await page.locator('[data-testid="party-node"].dim').count()
    const named = new Set(rows.filter((r) => r.parties.includes('JPN')).flatMap((r) => r.parties))
    assert.equal(dimmed, 25 - named.size, 'the parties JPN has no agreement with are dimmed')
    assert.equal(
      await page.locator('[data-testid="party-node"].focus').getAttribute('data-party'),
      'JPN',
    )
  })

  it("search finds agreements by a party's name, within the party filter", async () => {
    await page.fill('[data-testid="network-search"]', 'australia')
    const expected = rows.filter((r) => r.parties.includes('JPN') && r.parties.includes('AUS'))
    assert.ok(expected.length > 0, 'Japan and Australia share an agreement in the registry')
    await page.locator(`[data-testid="network-count"][data-shown="${expected.length}"]`).waitFor()
    // Few agreements shown: each edge carries its id again.
    const labels = await page.locator('[data-testid="edge"] text').allTextContents()
    assert.deepEqual(labels.sort(), expected.map((r) => r.id).sort())
    await page.selectOption('[data-testid="network-party"]', '')
    const withAustralia = rows.filter((r) => r.parties.includes('AUS')).length
    await page.locator(`[data-testid="network-count"][data-shown="${withAustralia}"]`).waitFor()
  })
})

/** One attribute of every element a locator finds (the tests have no DOM types). */
async function attributes(locator: Locator, name: string): Promise<string[]> {
  const all = await locator.all()
  return Promise.all(all.map(async (l) => (await l.getAttribute(name)) ?? ''))
}

async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const file = join(ARTIFACTS, `${name}.png`)
  await page.locator('[data-testid="view-agreements"]').screenshot({ path: file })
  // `npm run screenshots` refreshes the committed images; a plain test run leaves docs/ alone.
  if (process.env['ENTENTE_UPDATE_SCREENSHOTS'] !== '1') return
  copyFileSync(file, join(DOC_IMAGES, `${name}.png`))
}
