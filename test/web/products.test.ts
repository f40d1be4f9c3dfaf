import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { PNG } from 'pngjs'
import type { Browser } from 'playwright-core'
import type { ProductView } from '../../src/protocol/console-api.ts'
import {
  api,
  setUpNetwork,
  tearDown,
  type TestNode,
  type TestParty,
  waitFor,
} from '../helpers/nodes.ts'
import { imageryPost } from '../helpers/products.ts'
import { launchBrowser, type Officer, openView, shoot, signIn } from './console-browser.ts'
import { buildWeb } from '../helpers/web-build.ts'

/** Run in the page (a string: this file compiles without the DOM's types). */
const UNLABELLED_CONTROLS = `[...document.querySelectorAll('input, select, textarea, button, a')]
  .filter((c) => !(c.labels?.length > 0 || c.getAttribute('aria-label') ||
    ((c.tagName === 'BUTTON' || c.tagName === 'A') && c.textContent.trim() !== '')))
  .map((c) => c.outerHTML.slice(0, 80))`

/** An image file of 64×64 grey pixels: small, but a real PNG. */
function imageFile(): Buffer {
  const png = new PNG({ width: 64, height: 64 })
  png.data.fill(90)
  return PNG.sync.write(png)
}

/**
 * Issue 17, item 3, against three real node processes: JPN posts an image (metadata, then its
 * file) releasable to KOR under the GSOMIA (auto here); KOR's officer sees it on the console's
 * Products view with its thumbnail, footprint, acquisition and sensor, and downloads the file.
 */
describe("products on the officer's console, in Chromium", { timeout: 300_000 }, () => {
  let net: Record<TestParty, TestNode>
  let browser: Browser
  let kor: Officer

  before(async () => {
    await buildWeb()
    net = await setUpNetwork({ JPN: { modes: { 'kor-jpn-gsomia': 'auto' } } })
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    if (net !== undefined) await tearDown(net)
  })

  it("an image JPN posts (two-step upload) appears on KOR's console with its thumbnail", async () => {
    const created = await api<ProductView>(net.JPN, 'POST', '/api/products', imageryPost())
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.id
    const file = imageFile()
    const uploaded = await fetch(`${net.JPN.url}/api/products/${encodeURIComponent(id)}/content`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${net.JPN.tokens.operator}`,
        'content-type': 'application/octet-stream',
      },
      body: file,
    })
    assert.equal(uploaded.status, 200, await uploaded.clone().text())
    assert.equal(((await uploaded.json()) as ProductView).state, 'complete')

    const held = await waitFor(
      "KOR holds JPN's image, whole",
      () => api<ProductView[]>(net.KOR, 'GET', '/api/products'),
      (r) => r.body.some((p) => p.id === id && p.state === 'complete'),
    )

    const atKor = held.body.find((p) => p.id === id)
    kor = await signIn(browser, net.KOR, 'operator')
    await openView(kor.page, 'products')
    const card = kor.page.locator(`[data-testid="product"][data-product-id="${id}"]`)
    await card.waitFor()
    assert.equal(await card.getAttribute('data-kind'), 'imagery')
    assert.match((await card.textContent()) ?? '', /Sunchon airbase/)
    assert.match((await card.textContent()) ?? '', /from JPN/)
    // The marking in KOR's scheme: JPN's GOKUHI reads as KOR's own level, not JPN's word.
    const marking = (await card.locator('[data-testid="product-marking"]').textContent()) ?? ''
    assert.equal(marking, atKor?.localLevel, 'the level KOR reads it at')
    assert.notEqual(marking, 'GOKUHI', "KOR's console shows the marking in KOR's scheme")
    assert.equal(await card.locator('[data-testid="product-state"]').textContent(), 'complete')

    const thumbnail = card.locator('[data-testid="product-thumbnail"]')
    const loaded = await thumbnail.evaluate(
      (img) =>
        new Promise<number>((resolve) => {
          const image = img as unknown as {
            complete: boolean
            naturalWidth: number
            onload: (() => void) | null
          }
          if (image.complete) resolve(image.naturalWidth)
          else image.onload = () => resolve(image.naturalWidth)
        }),
    )
    assert.equal(loaded, 8, 'the 8-px thumbnail decoded (the CSP let its data: URL through)')
    const points = await card
      .locator('[data-testid="product-footprint"] polygon')
      .getAttribute('points')
    assert.equal(points?.split(' ').length, 5, 'the footprint ring drawn with its five corners')
    assert.match(
      (await card.locator('[data-testid="product-sensor"]').textContent()) ?? '',
      /IGS-Optical 7 \/ PAN/,
    )
    assert.match(
      (await card.locator('[data-testid="product-acquired"]').textContent()) ?? '',
      /2019-10-31/,
    )

    // Download: the file as JPN uploaded it, through KOR's node, with the session cookie.
    const [download] = await Promise.all([
      kor.page.waitForEvent('download'),
      card.locator('[data-testid="product-download"]').click(),
    ])
    const path = await download.path()
    assert.deepEqual(readFileSync(path), file, 'the downloaded file is the uploaded one')

    // The picture's map: the image's footprint where it was taken, in JPN's colour. The ring
    // is written anticlockwise as GeoJSON has it; drawn the other way round it would cover the
    // map but for the footprint.
    await openView(kor.page, 'picture')
    const onMap = kor.page.locator(`[data-testid="map-footprint"][data-product-id="${id}"]`)
    await onMap.waitFor()
    assert.equal(await onMap.getAttribute('data-originator'), 'JPN')
    const [area, map] = await Promise.all([
      onMap.locator('.footprint-area').boundingBox(),
      kor.page.locator('[data-testid="picture-map"]').boundingBox(),
    ])
    assert.ok(area !== null && map !== null, 'the footprint and the map are drawn')
    assert.ok(area.width < map.width / 20, `a footprint of 9 km, not the map: ${area.width} px`)
    assert.ok(
      area.x > map.x && area.x + area.width < map.x + map.width,
      'the footprint lies on the map',
    )
    await openView(kor.page, 'products')

    // An assessment about the image: its text, and a link to what it refers to; newest first.
    const assessed = await api<ProductView>(net.JPN, 'POST', '/api/products', {
      kind: 'assessment',
      marking: { originator: 'JPN', level: 'GOKUHI' },
      topic: 'dprk-imagery',
      releasableTo: ['KOR'],
      title: 'Revetments at Sunchon',
      assessment: {
        text: 'Six revetments east of the taxiway, two of them open.',
        refs: [{ kind: 'product', id }],
      },
    })
    assert.equal(assessed.status, 201, JSON.stringify(assessed.body))
    const note = kor.page.locator(`[data-testid="product"][data-product-id="${assessed.body.id}"]`)
    await note.waitFor()
    assert.equal(
      await note.locator('[data-testid="assessment-text"]').textContent(),
      'Six revetments east of the taxiway, two of them open.',
    )
    assert.equal(
      await note.locator('[data-testid="assessment-ref"]').getAttribute('href'),
      `/api/products/${encodeURIComponent(id)}`,
    )
    const order: (string | null)[] = []
    for (const c of await kor.page.locator('[data-testid="product"]').all())
      order.push(await c.getAttribute('data-product-id'))
    assert.deepEqual(order, [assessed.body.id, id], 'newest first')

    const unlabelled = await kor.page.evaluate<string[]>(UNLABELLED_CONTROLS)
    assert.deepEqual(unlabelled, [], 'every control of the Products view has a name')
    await shoot(kor.page, 'console-products')
    await kor.page.locator('[data-testid="theme"]').selectOption('dark')
    await card.waitFor()
    await shoot(kor.page, 'console-products-dark')

    const foreign = kor.requested.filter(
      (u) => !u.startsWith(`${net.KOR.url}/`) && !u.startsWith('data:'),
    )
    assert.deepEqual(foreign, [], "KOR's console asked only its node")
    const unexpected = kor.errors.filter((e) => !/status of 401 /.test(e))
    assert.deepEqual(unexpected, [], 'no console error, no CSP violation')
  })
})
