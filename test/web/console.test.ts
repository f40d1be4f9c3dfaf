import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { api, setUpNetwork, tearDown, type TestNode, type TestParty } from '../helpers/nodes.ts'
import { launchBrowser, type Officer, openView, shoot, signIn } from './console-browser.ts'
import { buildWeb } from '../helpers/web-build.ts'

/** Run in the page (a string: this file compiles without the DOM's types). */
const UNLABELLED_CONTROLS = `[...document.querySelectorAll('input, select, textarea, button')]
  .filter((c) => !(c.labels?.length > 0 || c.getAttribute('aria-label') ||
    (c.tagName === 'BUTTON' && c.textContent.trim() !== '')))
  .map((c) => c.outerHTML.slice(0, 80))`

/** In the page: the instant of the next click on the confirmation's OK. */
const STAMP_CLICK = `document.addEventListener('click', (e) => {
  if (e.target.closest('[data-testid="confirm-ok"]')) window.__clickedAtMs ??= Date.now()
}, { capture: true })`

/** In the page: the instant the report's row is added to the picture. */
const stampWhenShown = (reportId: string): string => `{
  const selector = '[data-testid="picture-report"][data-report-id="${reportId}"]'
  const observer = new MutationObserver(() => {
    if (document.querySelector(selector) === null) return
    window.__shownAtMs = Date.now()
    observer.disconnect()
  })
  observer.observe(document.body, { childList: true, subtree: true })
}`

/** Within a second of the officer's click, as the issue asks (printed, and asserted). */
const WITHIN_MS = 1_000

/**
 * Issue 15, done as the officers would, against three real node processes: KOR releases to
 * USA only with an officer's approval (kor-usa is manual) and to JPN only when asked (the
 * GSOMIA releases on request, and KOR's officer answers the requests).
 */
describe(
  "the watch officer's console in Chromium, against three nodes",
  { timeout: 300_000 },
  () => {
    let net: Record<TestParty, TestNode>
    let browser: Browser
    let reportId = ''
    const officers: Officer[] = []
    /** The officer signed in earlier on `node` with `role`. */
    const officer = (node: TestNode, role: string): Officer => {
      const found = officers.find((o) => o.node === node && o.role === role)
      assert.ok(found !== undefined, `${role} signed in on ${node.party}`)
      return found
    }
    const as = async (node: TestNode, role: keyof TestNode['tokens']): Promise<Officer> => {
      const officer = await signIn(browser, node, role)
      officers.push(officer)
      return officer
    }

    before(async () => {
      await buildWeb()
      net = await setUpNetwork({ KOR: { answerRequests: 'officer' } })
      browser = await launchBrowser()
    })
    after(async () => {
      await browser?.close()
      if (net !== undefined) await tearDown(net)
    })

    it("the node's edge: a strict CSP, the cookie's flags, CSRF refused, each node reads only its own cookie", async () => {
      const page = await fetch(`${net.KOR.url}/`)
      assert.equal(page.status, 200)
      const csp = page.headers.get('content-security-policy') ?? ''
      assert.match(csp, /default-src 'none'/)
      assert.match(csp, /script-src 'self'(;|$)/)
      assert.match(csp, /connect-src 'self'(;|$)/)
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/, 'nothing from elsewhere')
      const signIn = (headers: Record<string, string>, token: string) =>
        fetch(`${net.KOR.url}/api/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ token }),
        })
      assert.equal((await signIn({}, net.KOR.tokens.operator)).status, 403, 'no CSRF header')
      assert.equal(
        (await signIn({ 'x-entente-csrf': '1' }, 'not-a-token')).status,
        401,
        'an unknown token',
      )
      const ok = await signIn({ 'x-entente-csrf': '1' }, net.KOR.tokens.operator)
      assert.equal(ok.status, 200)
      const cookie = ok.headers.get('set-cookie') ?? ''
      assert.match(
        cookie,
        /^entente-session-KOR=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/,
      )
      const session = cookie.split(';')[0] ?? ''
      const withCookie = (node: TestNode, method: string, path: string, headers = {}) =>
        fetch(`${node.url}${path}`, { method, headers: { cookie: session, ...headers } })
      const who = await withCookie(net.KOR, 'GET', '/api/session')
      assert.equal(who.status, 200)
      assert.equal(((await who.json()) as { role: string }).role, 'operator')
      const withdraw = `/api/reports/${reportId || 'none'}/withdraw`
      const noHeader = await withCookie(net.KOR, 'POST', withdraw)
      assert.equal(noHeader.status, 403, 'a cookie alone does not change state')
      assert.match(((await noHeader.json()) as { detail: string }).detail, /x-entente-csrf/)
      const elsewhere = await withCookie(net.KOR, 'POST', withdraw, {
        'x-entente-csrf': '1',
        origin: 'http://attacker.example',
      })
      assert.equal(elsewhere.status, 403, 'another origin is refused')
      assert.equal(
        (await withCookie(net.JPN, 'GET', '/api/session')).status,
        401,
        "JPN's node does not take KOR's session",
      )
      const inUrl = await fetch(
        `${net.KOR.url}/api/session?access_token=${net.KOR.tokens.operator}`,
      )
      assert.equal(inUrl.status, 401, 'no token in a URL (but on the event stream)')
      const out = await withCookie(net.KOR, 'DELETE', '/api/session', { 'x-entente-csrf': '1' })
      assert.equal(out.status, 204)
      assert.equal(
        (await withCookie(net.KOR, 'GET', '/api/session')).status,
        401,
        'the cookie replayed after sign-out is refused: the session is revoked',
      )
    })

    it('KOR’s operator ingests a report on the console; no Approve button; a forged approve is refused 403', async () => {
      const { page } = await as(net.KOR, 'operator')
      assert.equal(await page.locator('[data-testid="role"]').textContent(), 'operator')
      await openView(page, 'ingest')
      await page.fill('[data-testid="ingest-text"]', 'two SRBMs toward the East Sea')
      await page.fill('[data-testid="ingest-rangeKm"]', '-5')
      await page.click('[data-testid="ingest-submit"]')
      const problem = page.locator('[data-testid="ingest-problems"] li')
      await problem.first().waitFor()
      assert.match((await problem.first().textContent()) ?? '', /^launch\.rangeKm: /)
      await shoot(page, 'console-ingest')
      await page.fill('[data-testid="ingest-rangeKm"]', '370')
      await page.click('[data-testid="ingest-submit"]')
      const stored = page.locator('[data-testid="ingest-message"][role="status"]')
      await stored.waitFor()
      reportId = /Report ([0-9a-f-]{36}) stored/.exec((await stored.textContent()) ?? '')?.[1] ?? ''
      assert.notEqual(reportId, '', 'the console names the stored report')

      await openView(page, 'releases')
      const pending = page.locator(
        `[data-testid="pending-release"][data-recipient="USA"][data-agreement="kor-usa"][data-report-id="${reportId}"]`,
      )
      await pending.waitFor()
      assert.equal(
        await page.locator('[data-testid="approve"]').count(),
        0,
        'no Approve for an operator',
      )
      assert.equal(await page.locator('[data-testid="deny"]').count(), 0, 'no Deny for an operator')
      const releaseId = (await pending.getAttribute('data-release-id')) ?? ''
      const forged = await page.evaluate(async (id) => {
        const response = await fetch(`/api/releases/${id}/approve`, {
          method: 'POST',
          headers: { 'x-entente-csrf': '1', 'content-type': 'application/json' },
          body: JSON.stringify({ note: 'forged' }),
        })
        return { status: response.status, body: (await response.json()) as { title: string } }
      }, releaseId)
      assert.equal(forged.status, 403, 'the API refuses the operator anyway')
      assert.equal(forged.body.title, 'FORBIDDEN')
      const still = await api<{ state: string }[]>(
        net.KOR,
        'GET',
        `/api/releases?reportId=${reportId}&recipient=USA`,
      )
      assert.ok(
        still.body.some((r) => r.state === 'pending-approval'),
        'still pending',
      )
    })

    it('KOR’s release officer approves the release to USA with a note; USA’s console shows it within a second', async () => {
      const usa = await as(net.USA, 'operator')
      await openView(usa.page, 'picture')
      const atUsa = usa.page.locator(`[data-testid="picture-report"][data-report-id="${reportId}"]`)
      assert.equal(await atUsa.count(), 0, 'USA holds nothing before the approval')

      const { page } = await as(net.KOR, 'release-officer')
      await openView(page, 'releases')
      const card = page.locator(
        `[data-testid="pending-release"][data-recipient="USA"][data-agreement="kor-usa"][data-report-id="${reportId}"]`,
      )
      await card.waitFor()
      await card.locator('[data-testid="approve"]').click()
      await page
        .locator('[data-testid="release-note"] ~ p[role="alert"], [role="alert"]')
        .first()
        .waitFor()
      await card
        .locator('[data-testid="release-note"]')
        .fill('launch confirmed by two radars; USA needs it now')
      await shoot(page, 'console-releases')
      await card.locator('[data-testid="approve"]').click()
      const dialog = card.locator('[data-testid="confirm-dialog"][open]')
      await dialog.waitFor()
      // Both instants are taken in the pages themselves (one browser, one clock): the click's
      // event, and the mutation that adds the row; Playwright's polling adds nothing.
      await usa.page.evaluate(stampWhenShown(reportId))
      await page.evaluate(STAMP_CLICK)
      await dialog.locator('[data-testid="confirm-ok"]').click()
      await atUsa.waitFor()
      const clickedAtMs = await page.evaluate<number>('window.__clickedAtMs')
      const shownAtMs = await usa.page.evaluate<number>('window.__shownAtMs')
      const elapsedMs = shownAtMs - clickedAtMs
      console.log(`# approval on KOR's console → report on USA's console: ${elapsedMs} ms`)
      assert.ok(
        elapsedMs >= 0 && elapsedMs <= WITHIN_MS,
        `USA's console showed it after ${elapsedMs} ms (≤ ${WITHIN_MS} ms)`,
      )
      assert.equal(await atUsa.getAttribute('data-originator'), 'KOR')
      await card.waitFor({ state: 'detached' })

      // The same report's release to USA under the TISA: denied, and the note says why.
      const tisa = page.locator(
        `[data-testid="pending-release"][data-agreement="tisa"][data-report-id="${reportId}"]`,
      )
      const tisaId = (await tisa.getAttribute('data-release-id')) ?? ''
      await tisa.locator('[data-testid="release-note"]').fill('already sent under kor-usa')
      await tisa.locator('[data-testid="deny"]').click()
      await tisa.locator('[data-testid="confirm-dialog"][open] [data-testid="confirm-ok"]').click()
      const denied = page.locator(
        `[data-testid="releases-denied"] [data-release-id="${tisaId}"][data-state="rejected"]`,
      )
      await denied.waitFor()
      assert.match((await denied.textContent()) ?? '', /already sent under kor-usa/)
      const audit = await api<{ data: Record<string, unknown> }[]>(
        net.KOR,
        'GET',
        `/api/audit?type=approval&subject=${reportId}`,
      )
      assert.ok(
        audit.body.some(
          (e) =>
            e.data['note'] === 'launch confirmed by two radars; USA needs it now' &&
            e.data['approved'] === true,
        ),
        'the note is in the approval’s audit entry',
      )
      await shoot(usa.page, 'console-picture')
    })

    it('KOR’s sensors post a track of the report; KOR’s and USA’s pictures draw it (released to USA under kor-usa), JPN’s does not (on request, not asked)', async () => {
      const kor = officer(net.KOR, 'operator')
      const usa = officer(net.USA, 'operator')
      const jpn = await as(net.JPN, 'auditor')
      await openView(jpn.page, 'picture')
      await openView(kor.page, 'picture')
      const t0 = Date.now()
      const posted = await api<{ sentTo: string[] }>(
        net.KOR,
        'POST',
        '/api/tracks/4011/updates',
        {
          reportId,
          updates: [
            {
              kind: 'initial',
              state: {
                atMs: t0,
                position: { lat: 39.9, lon: 127.6, altM: 60_000 },
                velocity: { eastMps: 1_500, northMps: 100, upMps: 400 },
                quality: 11,
                phase: 'midcourse',
                impact: {
                  lat: 40.1,
                  lon: 129.9,
                  atMs: t0 + 240_000,
                  semiMajorM: 20_000,
                  semiMinorM: 8_000,
                  orientationDeg: 70,
                },
                lost: false,
                boosting: false,
                dataMode: 'simulated',
                sensor: 'green-pine-1',
              },
            },
          ],
        },
        net.KOR.tokens.operator,
      )
      assert.equal(posted.status, 201, JSON.stringify(posted.body))
      assert.deepEqual(posted.body.sentTo, ['USA'])
      const track = '[data-testid="map-track"][data-originator="KOR"][data-track-number="4011"]'
      await kor.page.locator(track).waitFor()
      await usa.page.locator(track).waitFor()
      assert.equal(await jpn.page.locator(track).count(), 0, 'JPN’s picture stays empty of it')
      await shoot(usa.page, 'console-picture-track')
    })

    it('JPN asks KOR on its console; KOR’s officer answers “release”; JPN’s console shows the report', async () => {
      const jpn = await as(net.JPN, 'operator')
      await openView(jpn.page, 'requests')
      await jpn.page.selectOption('[data-testid="ask-to"]', 'KOR')
      await jpn.page.click('[data-testid="ask-submit"]')
      await jpn.page.locator('[data-testid="request-row"][data-direction="outgoing"]').waitFor()

      const { page } = officer(net.KOR, 'release-officer')
      await openView(page, 'requests')
      const incoming = page.locator(
        '[data-testid="request-row"][data-direction="incoming"][data-requester="JPN"][data-status="open"]',
      )
      await incoming.waitFor()
      await shoot(page, 'console-requests')
      await incoming.locator('[data-testid="answer-release"]').click()
      await page.locator('[data-testid="confirm-dialog"][open] [data-testid="confirm-ok"]').click()
      await page
        .locator('[data-testid="request-row"][data-direction="incoming"][data-status="answered"]')
        .waitFor()

      await openView(jpn.page, 'picture')
      const atJpn = jpn.page.locator(`[data-testid="picture-report"][data-report-id="${reportId}"]`)
      await atJpn.waitFor()
      assert.equal(await atJpn.getAttribute('data-status'), 'current')
      assert.match((await atJpn.textContent()) ?? '', /KOR → JPN/)
    })

    it('KOR’s operator withdraws the report; JPN’s console marks it withdrawn', async () => {
      const jpn = officer(net.JPN, 'operator')
      const kor = officer(net.KOR, 'operator')
      await openView(kor.page, 'ingest')
      const row = kor.page.locator(`[data-testid="own-report"][data-report-id="${reportId}"]`)
      await row.locator('[data-testid="withdraw-reason"]').fill('false alarm: a radar artefact')
      await row.locator('[data-testid="withdraw"]').click()
      await kor.page
        .locator('[data-testid="confirm-dialog"][open] [data-testid="confirm-ok"]')
        .click()
      await kor.page
        .locator(
          `[data-testid="own-report"][data-report-id="${reportId}"][data-status="withdrawn"]`,
        )
        .waitFor()
      await jpn.page
        .locator(
          `[data-testid="picture-report"][data-report-id="${reportId}"][data-status="withdrawn"]`,
        )
        .waitFor()
      const status = jpn.page.locator(
        `[data-testid="picture-report"][data-report-id="${reportId}"] [data-testid="report-status"]`,
      )
      assert.equal(await status.textContent(), 'withdrawn')
    })

    it('KOR’s auditor verifies the log, searches it and accounts for JPN', async () => {
      const { page } = await as(net.KOR, 'auditor')
      await openView(page, 'audit')
      await page.click('[data-testid="audit-verify-button"]')
      await page.locator('[data-testid="audit-verify-result"][data-ok="true"]').waitFor()
      await page.selectOption('[data-testid="audit-type"]', 'approval')
      await page.click('[data-testid="audit-search-button"]')
      await page.locator('[data-testid="audit-row"][data-type="approval"]').first().waitFor()
      assert.equal(
        await page.locator('[data-testid="audit-row"]:not([data-type="approval"])').count(),
        0,
      )
      // A proof of the approval's entry, under a checkpoint, for anyone holding public keys.
      await page.locator('[data-testid="audit-prove"]').first().click()
      const proof = page.locator('[data-testid="audit-proof"]')
      await proof.waitFor()
      const text = (await proof.textContent()) ?? ''
      assert.match(text, /^c2sp\.org\/tlog-proof@v1\n/)
      assert.match(text, /\nindex \d+\n/)
      assert.match(text, /entente\/KOR/, 'the checkpoint names KOR’s log')
      await page.selectOption('[data-testid="account-party"]', 'JPN')
      await page.click('[data-testid="account-button"]')
      const account = page.locator('[data-testid="account-result"]')
      await account.waitFor()
      const findings = await page.locator('[data-testid="account-findings"] li').allTextContents()
      assert.ok(findings.includes('1 report was delivered to JPN'), findings.join('; '))
      assert.ok(findings.includes('1 request was received from JPN'), findings.join('; '))
      assert.match((await account.textContent()) ?? '', /"askedBy"/)
      await shoot(page, 'console-audit')
      await page.click('[data-testid="sign-out"]')
      await page.locator('[data-testid="sign-in"]').waitFor()
      await page.reload()
      await page.locator('[data-testid="sign-in"]').waitFor()
      await shoot(page, 'console-sign-in')
      const after = await page.evaluate<number>(`fetch('/api/session').then((r) => r.status)`)
      assert.equal(after, 401, 'signed out: the cookie no longer opens the API')
    })

    it('every other view renders; no request left any node’s origin', async () => {
      const kor = officer(net.KOR, 'release-officer')
      for (const view of ['consents', 'quarantine', 'peers'] as const) {
        await openView(kor.page, view)
        if (view === 'peers') {
          const usa = kor.page.locator('[data-testid="peer"][data-peer="USA"]')
          await usa.waitFor()
          // KOR delivered to USA above: USA cosigned a checkpoint of KOR's log (issue 13).
          const size = await usa.locator('[data-testid="peer-cosigned-size"]').textContent()
          assert.ok(Number(size) > 0, `USA cosigned KOR's log at size ${size}`)
          assert.match(
            (await usa.locator('[data-testid="peer-cosigned"]').textContent()) ?? '',
            /by entente\/USA/,
          )
        }
        await shoot(kor.page, `console-${view}`)
      }
      for (const view of ['picture', 'releases', 'requests', 'consents'] as const) {
        await openView(kor.page, view)
        const unlabelled = await kor.page.evaluate<string[]>(UNLABELLED_CONTROLS)
        assert.deepEqual(unlabelled, [], `every control of ${view} has a name`)
      }
      // Keyboard: Tab reaches the views' links and the sign-out button.
      await kor.page.locator('[data-testid="theme"]').focus()
      await kor.page.keyboard.press('Tab')
      assert.equal(await kor.page.locator(':focus').getAttribute('data-testid'), 'sign-out')
      await kor.page.keyboard.press('Tab')
      assert.equal(await kor.page.locator(':focus').getAttribute('data-testid'), 'nav-picture')
      const theme = kor.page.locator('[data-testid="theme"]')
      await theme.selectOption('dark')
      await openView(kor.page, 'picture')
      await shoot(kor.page, 'console-picture-dark')
      for (const o of officers) {
        const foreign = o.requested.filter((u) => !u.startsWith(`${o.node.url}/`))
        assert.deepEqual(foreign, [], `${o.node.party}'s console asked only its node`)
        assert.ok(o.requested.length > 3, 'the requests were recorded')
        // Expected refusals: the sign-in probe before signing in (401), the forged approve (403).
        const unexpected = o.errors.filter((e) => !/status of 40[13] /.test(e))
        assert.deepEqual(
          unexpected,
          [],
          `${o.node.party} ${o.role}: no console error, no CSP violation`,
        )
      }
    })
  },
)
