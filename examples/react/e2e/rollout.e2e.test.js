// Rolling MFA out, end to end: headless Chromium on the built React app, served by the
// Express example; the rollout is changed with the admin command (`npx @plinto/mfa`, run on
// the server's database as an operator would) and from the app's admin page. A user within
// the grace period sees a banner; past the deadline the app is held to enrollment until the
// user sets up TOTP; an administrator (imported with a bcrypt hash and a TOTP secret) changes
// the phase and sees adoption as charts.
import { describe, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Authenticator, e2eTest, expect, launchBrowser, screenshot, signUpInApp, startServer, uniqueEmail } from './support.js'

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */

const cli = fileURLToPath(new URL('../../../bindings-node/cli.js', import.meta.url))
/** An administrator of the application being migrated: bcrypt hash of this password. */
const ADMIN_PASSWORD = 'Imported-Pass-1'
const ADMIN_HASH = '$2b$05$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ2'
const ADMIN_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'

/** @type {import('playwright-core').Browser} */
let browser
/** @type {BrowserContext[]} */
let contexts = []
const authenticator = new Authenticator()

before(async () => {
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
})

afterEach(async () => {
  for (const c of contexts) await c.close()
  contexts = []
})

/** A fresh page on `baseURL`. @param {string} baseURL */
async function newPage(baseURL) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1024, height: 720 } })
  contexts.push(context)
  return context.newPage()
}

const pages = () => contexts.flatMap((c) => c.pages())

/** The admin command on the server's database. @param {Record<string, string>} env @param {string[]} args */
function plinto(env, args) {
  return JSON.parse(execFileSync(process.execPath, [cli, '--json', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' }))
}

/** Sets up TOTP from the setup screen that is open on `page`, through its backup codes. @param {Page} page */
async function setUpTotp(page) {
  await page.click('text=Authenticator App')
  // (`text=Continue` would match this page's heading, "… to continue".)
  await page.click('button:has-text("Continue")')
  await expect(page.locator('code')).toBeVisible()
  const secret = ((await page.locator('code').textContent()) ?? '').replace(/\s+/g, '')
  await page.fill('[name="verificationCode"]', await authenticator.code(secret))
  await page.click('button:has-text("Verify")')
  await expect(page.locator('.backup-codes')).toBeVisible()
  await page.click("text=I've saved these codes")
}

describe('MFA rollout E2E', () => {
  e2eTest('within the grace period a banner counts the days left', pages, async () => {
    const server = await startServer()
    try {
      const page = await newPage(server.baseURL)
      await signUpInApp(page, uniqueEmail('grace'))
      assert.equal(await page.locator('.banner').count(), 0)
      plinto(server.env, ['rollout', 'set-phase', 'encouraged'])
      await page.reload()
      await expect(page.locator('.banner')).toContainText('Protect your account')
      plinto(server.env, ['rollout', 'set-phase', 'required_all'])
      await page.reload()
      await expect(page.locator('.banner.required')).toContainText('within 30 days')
      await screenshot(page, '30-rollout-banner-days-left')
      await page.click('.banner >> text=Set up now')
      await expect(page.locator('h1')).toContainText('Settings')
    } finally {
      await server.stop()
    }
  })

  e2eTest('past the deadline a user is held to enrollment, enrolls TOTP and gets the full app', pages, async () => {
    const server = await startServer({ config: { security: { gracePeriodDays: 0 } } })
    try {
      const page = await newPage(server.baseURL)
      await signUpInApp(page, uniqueEmail('late'))
      const status = plinto(server.env, ['rollout', 'set-phase', 'REQUIRED_ALL'])
      assert.equal(status.phase, 'required_all')
      await page.reload()
      await expect(page.locator('h1')).toContainText('Set up two-factor authentication to continue')
      // Nothing else answers this session: the app's guarded routes refuse it.
      const profile = await page.evaluate(async () => {
        const r = await fetch('/api/profile')
        return { status: r.status, body: await r.json() }
      })
      assert.deepEqual([profile.status, profile.body.code], [403, 'mfa_setup_required'])
      await page.goto('/settings')
      await expect(page.locator('h1')).toContainText('Set up two-factor authentication to continue')
      await screenshot(page, '31-rollout-held-to-enrollment')
      await setUpTotp(page)
      await expect(page.locator('h1')).toContainText('Dashboard')
      await expect(page.locator('.status')).toContainText('On')
      assert.equal(await page.locator('.banner').count(), 0)
      await screenshot(page, '32-rollout-enrolled-full-app')
    } finally {
      await server.stop()
    }
  })

  e2eTest('an imported administrator changes the phase and sees adoption as charts', pages, async () => {
    const server = await startServer()
    try {
      const dir = mkdtempSync(join(tmpdir(), 'plinto-import-'))
      const file = join(dir, 'admins.csv')
      const email = uniqueEmail('admin')
      writeFileSync(file, `email,passwordHash,role,totpSecret\n${email},${ADMIN_HASH},admin,${ADMIN_SECRET}\n`)
      const report = plinto(server.env, ['import', file])
      assert.equal(report.imported, 1)
      // A user who enrolls from the app, for the charts.
      const userPage = await newPage(server.baseURL)
      await signUpInApp(userPage, uniqueEmail('member'))

      const page = await newPage(server.baseURL)
      await page.goto('/signin')
      await page.fill('[name="email"]', email)
      await page.fill('[name="password"]', ADMIN_PASSWORD)
      await page.click('button:has-text("Sign In")')
      await expect(page.locator('h2')).toContainText('Two-Factor Authentication')
      await page.fill('[name="code"]', await authenticator.code(ADMIN_SECRET))
      await page.click('text=Verify')
      await expect(page.locator('h1')).toContainText('Dashboard')
      await page.click('nav >> text=Admin')
      await expect(page.locator('h1')).toContainText('MFA rollout')
      await expect(page.locator('#adoption-heading')).toBeVisible()
      await expect(page.locator('.legend')).toContainText('Enrolled: 1')
      await page.click('button:has-text("Required for admins")')
      await expect(page.locator('.notice')).toContainText('Rollout updated')
      await expect(page.locator('.phase.current')).toContainText('Required for admins')
      assert.equal(plinto(server.env, ['rollout', 'status']).phase, 'required_admin')
      const bars = await page.locator('svg.chart rect').count()
      assert.ok(bars >= 14, `${bars} bars drawn`)
      await screenshot(page, '33-rollout-admin-charts')
      // A member is no administrator: the page is not theirs, and the server refuses them.
      const refused = await userPage.evaluate(async () => (await fetch('/api/admin/rollout')).status)
      assert.equal(refused, 403)
    } finally {
      await server.stop()
    }
  })
})
