import assert from 'node:assert/strict'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { ROOT } from '../helpers/cli.ts'
import type { TestNode } from '../helpers/nodes.ts'

/** The console tests' browser: Debian's chromium, one context (cookie jar) per officer. */

const ARTIFACTS = join(ROOT, 'artifacts/web')
const DOC_IMAGES = join(ROOT, 'docs/img')
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

export async function launchBrowser(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `the console tests drive Debian's chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`,
  )
  mkdirSync(ARTIFACTS, { recursive: true })
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

export interface Officer {
  readonly page: Page
  /** Every URL the page asked for: all must be the node's own. */
  readonly requested: string[]
  /** Console errors and uncaught exceptions (a CSP violation is one). */
  readonly errors: string[]
  readonly node: TestNode
  readonly role: string
}

/** A fresh browser context on `node`'s console, signed in with the token of `role`. */
export async function signIn(
  browser: Browser,
  node: TestNode,
  role: keyof TestNode['tokens'],
): Promise<Officer> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } })
  const page = await context.newPage()
  const requested: string[] = []
  page.on('request', (request) => requested.push(request.url()))
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`${node.url}/`)
  await page.locator('[data-testid="sign-in"]').waitFor()
  await page.fill('[data-testid="token-input"]', node.tokens[role])
  await page.click('[data-testid="sign-in-button"]')
  await page.locator(`[data-testid="who"][data-role="${role}"]`).waitFor()
  return { page, requested, errors, node, role }
}

export async function openView(page: Page, view: string): Promise<void> {
  await page.click(`[data-testid="nav-${view}"]`)
  await page.locator(`[data-testid="view-${view}"]`).waitFor()
}

/** Saves a screenshot to artifacts/web; `npm run screenshots` also refreshes docs/img. */
export async function shoot(page: Page, name: string): Promise<void> {
  const file = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path: file })
  if (process.env['ENTENTE_UPDATE_SCREENSHOTS'] !== '1') return
  mkdirSync(DOC_IMAGES, { recursive: true })
  copyFileSync(file, join(DOC_IMAGES, `${name}.png`))
}
