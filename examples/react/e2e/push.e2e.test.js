// Push approvals end to end: headless Chromium on the built React app, served by the Express
// example, and a simulated phone (./phone.js) that scans the enrollment QR code from the page
// and answers over the device routes. A sign-in approved by typing the number shown; a denial
// and a wrong number; the sixth push in 15 minutes refused with the wait; a reported request
// that suspends push, and a backup code instead.
import { describe, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { PASSWORD, e2eTest, expect, launchBrowser, scanQrCode, screenshot, signUpInApp, startServer, uniqueEmail } from './support.js'
import { Phone } from './phone.js'

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */

/** @type {import('playwright-core').Browser} */
let browser
/** @type {Awaited<ReturnType<typeof startServer>>} */
let server
/** @type {BrowserContext[]} */
let contexts = []

before(async () => {
  browser = await launchBrowser()
  // No back-off between pushes, so five go at once and the sixth meets the window's limit.
  server = await startServer({ config: { methods: { push: { backoffSeconds: 0 } } } })
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

afterEach(async () => {
  for (const c of contexts) await c.close()
  contexts = []
})

async function newPage() {
  const context = await browser.newContext({ baseURL: server.baseURL, viewport: { width: 1024, height: 720 } })
  contexts.push(context)
  return context.newPage()
}

const pages = () => contexts.flatMap((c) => c.pages())

/**
 * Signs up, enrolls `phone` from Settings (the phone scans the QR code, the user types the code
 * it shows) and signs out; returns the user's email and backup codes.
 * @param {Page} page @param {Phone} phone @param {string} name @param {boolean} [shots]
 */
async function userWithPhone(page, phone, name, shots = false) {
  const email = uniqueEmail(name)
  await signUpInApp(page, email)
  await page.click('text=Settings')
  await page.click('text=Security')
  await page.click('text=Enable Two-Factor Authentication')
  await page.click('text=Push Approval')
  await page.click('button:has-text("Continue")')
  await expect(page.locator('.push-enroll')).toBeVisible()
  const uri = await scanQrCode(page)
  assert.match(uri, /^plinto-push:\/\/enroll\?/)
  if (shots) await screenshot(page, '40-push-enroll-qr')
  const code = await phone.enroll(uri)
  await page.fill('[name="verificationCode"]', code)
  await page.click('button:has-text("Verify")')
  await expect(page.locator('.backup-codes')).toBeVisible()
  const backupCodes = await page.locator('.backup-code').allTextContents()
  await page.click("text=I've saved these codes")
  await expect(page.locator('.push-devices')).toContainText('Test phone')
  if (shots) await screenshot(page, '41-settings-push-device')
  await page.click('text=Sign Out')
  await expect(page.locator('h1')).toContainText('Sign In')
  return { email, backupCodes }
}

/** Signs in with the password; the page then offers the push approval. @param {Page} page @param {string} email */
async function signIn(page, email) {
  await page.goto('/')
  await page.click('text=Sign In')
  await page.fill('[name="email"]', email)
  await page.fill('[name="password"]', PASSWORD)
  await page.click('button:has-text("Sign In")')
  await expect(page.locator('.push-approval')).toBeVisible()
}

/** Sends a push from the page; returns the number it shows. @param {Page} page */
async function sendPush(page) {
  await page.click('button:has-text("Approve on your phone")')
  await expect(page.locator('.push-number')).toBeVisible()
  return ((await page.locator('.push-number').textContent()) ?? '').trim()
}

describe('Push approval E2E', () => {
  e2eTest('a sign-in is approved on the phone by typing the number shown', pages, async () => {
    const page = await newPage()
    const phone = new Phone(server.baseURL)
    const { email } = await userWithPhone(page, phone, 'push-approve', true)
    await signIn(page, email)
    await screenshot(page, '42-sign-in-approve-on-phone')
    const number = await sendPush(page)
    assert.match(number, /^\d{6}$/)
    const { shown } = await phone.waitForRequest()
    assert.equal(shown.account, email)
    await screenshot(page, '43-push-number-waiting')
    assert.equal(await phone.answer('approve', number), 'approved')
    await expect(page.locator('h1')).toContainText('Dashboard')
  })

  e2eTest('a denial and a wrong number are shown, and the sixth push in 15 minutes waits', pages, async () => {
    const page = await newPage()
    const phone = new Phone(server.baseURL)
    const { email } = await userWithPhone(page, phone, 'push-deny')
    await signIn(page, email)
    await sendPush(page)
    assert.equal(await phone.answer('deny'), 'denied')
    await expect(page.locator('.push-approval .error')).toContainText('denied on your phone')
    await screenshot(page, '44-push-denied')
    const number = await sendPush(page)
    const wrong = number.startsWith('1') ? '2'.repeat(6) : '1'.repeat(6)
    assert.equal(await phone.answer('approve', wrong), 'wrong_number')
    await expect(page.locator('.push-approval .error')).toContainText('did not match')
    await screenshot(page, '45-push-wrong-number')
    // Three more pushes (from other password sign-ins of the same user) fill the window.
    for (let i = 0; i < 3; i++) {
      const other = await fetch(`${server.baseURL}/api/auth/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) })
      const { sessionId } = await other.json()
      const sent = await fetch(`${server.baseURL}/api/auth/mfa/push/challenge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId }) })
      assert.equal(sent.status, 200)
    }
    await page.click('button:has-text("Approve on your phone")')
    await expect(page.locator('.push-approval .error')).toContainText('Too many requests')
    const text = (await page.locator('.push-approval .error').textContent()) ?? ''
    const wait = Number(/in (\d+) seconds/.exec(text)?.[1])
    assert.ok(wait > 800 && wait <= 900, text)
    await expect(page.locator('button:has-text("Approve on your phone")')).toBeDisabled()
    await screenshot(page, '46-push-too-many')
  })

  e2eTest('a reported request suspends push, and a backup code signs in instead', pages, async () => {
    const page = await newPage()
    const phone = new Phone(server.baseURL)
    const { email, backupCodes } = await userWithPhone(page, phone, 'push-report')
    await signIn(page, email)
    await sendPush(page)
    assert.equal(await phone.answer('report'), 'reported')
    await expect(page.locator('.push-approval .error')).toContainText('push approvals are paused')
    await screenshot(page, '47-push-reported')
    await page.click('text=Use another method')
    await page.fill('[name="code"]', backupCodes[0])
    await page.click('button:has-text("Verify")')
    await expect(page.locator('h1')).toContainText('Dashboard')
  })
})
