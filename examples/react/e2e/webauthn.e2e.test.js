// Security keys (WebAuthn) end to end: headless Chromium on the built React app, served by
// the Express example on its own database, with Chromium's virtual authenticator (a USB
// security key driven through the DevTools protocol) answering navigator.credentials.create()
// and .get(). Keys, signatures and counters are real; the server checks them as it would a
// hardware key's.
//
// The relying party is `localhost`, so these pages are opened at http://localhost:PORT.
import { describe, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { PASSWORD, e2eTest, expect, fileName, launchBrowser, screenshot, signUpInApp, startServer, uniqueEmail } from './support.js'

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').BrowserContext} BrowserContext */
/** @typedef {import('playwright-core').CDPSession} CDPSession */

/** @type {Awaited<ReturnType<typeof startServer>>} */
let server
/** @type {import('playwright-core').Browser} */
let browser
/** The server's address with the relying party's host name. */
let origin = ''

/** Per test: a fresh browser context and page with one virtual security key, and the user. */
/** @type {{ context: BrowserContext, page: Page, cdp: CDPSession, authenticatorId: string, email: string }} */
let t

/** A USB security key with a PIN (user verification) that is touched at once when asked. */
const SECURITY_KEY = {
  protocol: /** @type {const} */ ('ctap2'),
  transport: /** @type {const} */ ('usb'),
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
}

/** This device's own authenticator (a passkey unlocked with the screen lock). */
const PLATFORM_AUTHENTICATOR = { ...SECURITY_KEY, transport: /** @type {const} */ ('internal') }

before(async () => {
  server = await startServer()
  browser = await launchBrowser()
  const url = new URL(server.baseURL)
  if (url.hostname === '127.0.0.1') url.hostname = 'localhost'
  origin = url.origin
})

after(async () => {
  await browser?.close()
  await server?.stop()
})

beforeEach(async (ctx) => {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1024, height: 720 } })
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: SECURITY_KEY })
  t = { context, page, cdp, authenticatorId, email: uniqueEmail(fileName(ctx.name).slice(0, 24)) }

  await signUpInApp(page, t.email)
})

afterEach(async () => {
  await t.context.close()
})

/** The open pages of the current test, for screenshots when it fails. */
const pages = () => t.context.pages()

/** The credentials the virtual key holds (ids in base64url, as the server names them). */
async function keyCredentials(authenticatorId = t.authenticatorId) {
  const { credentials } = await t.cdp.send('WebAuthn.getCredentials', { authenticatorId })
  return credentials.map((c) => ({ ...c, id: Buffer.from(c.credentialId, 'base64').toString('base64url') }))
}

/** The signed-in user's keys, as the server lists them.
 * @param {Page} page @returns {Promise<{ credentialId: string, name: string, type: string, signCount: number }[]>} */
async function serverKeys(page) {
  return page.evaluate(async () => {
    const response = await fetch('/api/auth/mfa/webauthn/credentials')
    return (await response.json()).credentials
  })
}

/**
 * Turns MFA on with a security key from Settings → Security, saves the backup codes shown
 * once, and returns them.
 * @param {Page} page @param {string} keyName @param {string} [shot] screenshot of the name form
 */
async function registerFirstKey(page, keyName, shot) {
  await page.click('text=Settings')
  await page.click('text=Security')
  await page.click('text=Enable Two-Factor Authentication')
  await page.click('.method-card:has-text("Security Key")')
  await expect(page.locator('h2')).toContainText('Add a security key')
  await page.fill('[name="keyName"]', keyName)
  if (shot) await screenshot(page, shot)
  await page.click('button:has-text("Register Security Key")')

  await expect(page.locator('.backup-codes')).toBeVisible()
  await expect(page.locator('.backup-codes-panel')).toContainText('lose access to your security key')
  const codes = await page.locator('.backup-code').allTextContents()
  assert.equal(codes.length, 10)
  await page.click("text=I've saved these codes")
  await expect(page.locator('text=✅ Two-Factor Authentication is enabled')).toBeVisible()
  return codes
}

/** Signs out and signs in again with the password, up to the second step.
 * @param {Page} page */
async function signOutAndSignIn(page) {
  await page.click('text=Sign Out')
  await expect(page.locator('h1')).toContainText('Sign In')
  await page.fill('[name="email"]', t.email)
  await page.fill('[name="password"]', PASSWORD)
  await page.click('button:has-text("Sign In")')
  await expect(page.locator('h2')).toContainText('Two-Factor Authentication')
}

describe('Security key (WebAuthn) E2E Tests', () => {
  e2eTest('should register a security key and sign in with it', pages, async () => {
    const { page } = t
    await page.click('text=Settings')
    await page.click('text=Security')
    await page.click('text=Enable Two-Factor Authentication')
    await page.click('.method-card:has-text("Security Key")')

    // A name is asked for first: nothing is created without one.
    await page.click('button:has-text("Register Security Key")')
    await expect(page.locator('.error')).toContainText('Give the key a name')
    assert.equal((await keyCredentials()).length, 0)

    await page.fill('[name="keyName"]', 'YubiKey 5C')
    await screenshot(page, '16-register-security-key')
    await page.click('button:has-text("Register Security Key")')

    // The first factor comes with backup codes, shown once.
    await expect(page.locator('.backup-codes')).toBeVisible()
    assert.equal((await page.locator('.backup-code').allTextContents()).length, 10)
    await page.click("text=I've saved these codes")

    // Settings show MFA on, with the key under its name.
    await expect(page.locator('text=✅ Two-Factor Authentication is enabled')).toBeVisible()
    await expect(page.locator('.mfa-info')).toContainText('Security key')
    await expect(page.locator('.key-list')).toContainText('YubiKey 5C')
    await expect(page.locator('.key-list')).toContainText('not used yet')
    await screenshot(page, '17-security-key-added')

    // The key holds one credential for this site, and it is the one the server stored.
    const [created, ...others] = await keyCredentials()
    assert.equal(others.length, 0)
    assert.equal(created.rpId, 'localhost')
    assert.deepEqual(
      (await serverKeys(page)).map((k) => [k.credentialId, k.name]),
      [[created.id, 'YubiKey 5C']],
    )

    // Sign in again: password, then the key.
    await signOutAndSignIn(page)
    await expect(page.locator('button:has-text("Use security key")')).toBeVisible()
    assert.equal(await page.locator('[name="code"]').count(), 0, 'no code to type with only a key and backup codes')
    await screenshot(page, '18-sign-in-security-key')
    await page.click('button:has-text("Use security key")')

    await expect(page.locator('h1')).toContainText('Dashboard')
    await expect(page.locator('.status')).toContainText('On')

    // The key signed once more: its counter went up, and the server took the new value.
    const [used] = await keyCredentials()
    assert.equal(used.id, created.id)
    assert.ok(used.signCount > created.signCount, `signCount ${created.signCount} -> ${used.signCount}`)
    const [stored] = await serverKeys(page)
    assert.equal(stored.signCount, used.signCount)
    await page.click('text=Settings')
    await page.click('text=Security')
    await expect(page.locator('.key-list')).toContainText('last used')
  })

  e2eTest('should refuse a copied key and say when no registered key answers', pages, async () => {
    const { page, cdp, authenticatorId } = t
    const backupCodes = await registerFirstKey(page, 'Office key')

    // A copy of the key whose signature counter is behind the one the server saw (as a
    // cloned key's would be): same private key, counter back to 0.
    const [original] = await keyCredentials()
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId })
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: {
        credentialId: original.credentialId,
        isResidentCredential: original.isResidentCredential,
        rpId: original.rpId,
        privateKey: original.privateKey,
        userHandle: original.userHandle,
        signCount: 0,
      },
    })

    await signOutAndSignIn(page)
    await page.click('button:has-text("Use security key")')
    await expect(page.locator('.error')).toContainText('Your security key was not accepted')
    await expect(page.locator('.error')).toContainText('4 attempts remaining')
    await expect(page.locator('h1')).toContainText('Sign In')
    await screenshot(page, '19-security-key-refused')

    // No key holds a credential for this account any more: the browser says nothing was
    // chosen (NotAllowedError), the page says what to do.
    await cdp.send('WebAuthn.clearCredentials', { authenticatorId })
    await page.click('button:has-text("Use security key")')
    await expect(page.locator('.error')).toContainText('No security key answered')
    await expect(page.locator('.error')).toContainText('use another method')
    await expect(page.locator('button:has-text("Use security key")')).toBeEnabled()
    await screenshot(page, '20-security-key-not-registered')

    // A backup code still signs in.
    await page.click('text=Use backup code')
    await page.fill('[name="code"]', backupCodes[0])
    await page.click('button:has-text("Verify")')
    await expect(page.locator('h1')).toContainText('Dashboard')
  })

  e2eTest('should work without the JSON helpers, add a second key and remove both in settings', pages, async () => {
    const { page, cdp } = t
    // A browser without PublicKeyCredential.parse*FromJSON() and credential.toJSON(): the
    // app converts the binary fields itself.
    await t.context.addInitScript(() => {
      const PKC = /** @type {any} */ (window.PublicKeyCredential)
      delete PKC.parseCreationOptionsFromJSON
      delete PKC.parseRequestOptionsFromJSON
      delete PKC.prototype.toJSON
    })
    await page.reload()
    assert.equal(await page.evaluate(() => 'toJSON' in PublicKeyCredential.prototype), false)

    const backupCodes = await registerFirstKey(page, 'Key one')

    // The same key again is refused by the key itself (the server lists it as excluded).
    await page.click('button:has-text("Add Security Key")')
    await page.fill('[name="keyName"]', 'Key one again')
    await page.click('button:has-text("Register Security Key")')
    await expect(page.locator('.security-keys .error')).toContainText('already registered')

    // Another key (the first one unplugged) is added, without new backup codes.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: t.authenticatorId })
    const { authenticatorId: spare } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: SECURITY_KEY })
    await page.fill('[name="keyName"]', 'Spare key')
    await page.click('button:has-text("Register Security Key")')
    await expect(page.locator('.notice')).toContainText('Security key added')
    await expect(page.locator('.key-item')).toHaveCount(2)
    await expect(page.locator('.key-list')).toContainText('Spare key')
    assert.equal(await page.locator('.backup-codes').count(), 0)

    // Sign in with the spare key.
    await signOutAndSignIn(page)
    await page.click('button:has-text("Use security key")')
    await expect(page.locator('h1')).toContainText('Dashboard')
    const [spareCredential] = await keyCredentials(spare)
    assert.ok(spareCredential.signCount > 1, `signCount ${spareCredential.signCount}`)

    // Removing a key while another remains needs the password only.
    await page.click('text=Settings')
    await page.click('text=Security')
    await page.click('button[aria-label="Remove Key one"]')
    const dialog = page.locator('dialog[open]')
    await expect(dialog).toBeVisible()
    assert.equal(await dialog.locator('[name="confirmationCode"]').count(), 0)
    await page.fill('[name="password"]', 'not-my-password')
    await dialog.locator('button:has-text("Remove Key")').click()
    await expect(dialog.locator('[role="alert"]')).toContainText('Wrong password')
    await page.fill('[name="password"]', PASSWORD)
    await dialog.locator('button:has-text("Remove Key")').click()
    await expect(page.locator('.notice')).toContainText('Security key removed.')
    await expect(page.locator('.key-item')).toHaveCount(1)
    assert.deepEqual(await page.locator('.key-name').allTextContents(), ['Spare key'])

    // The last one turns MFA off: password and a backup code.
    await page.click('button[aria-label="Remove Spare key"]')
    await expect(dialog).toContainText('turns two-factor authentication off')
    await page.fill('[name="password"]', PASSWORD)
    await page.fill('[name="confirmationCode"]', backupCodes[0])
    await screenshot(page, '21-remove-last-security-key')
    await dialog.locator('button:has-text("Remove Key")').click()
    await expect(page.locator('.notice')).toContainText('Two-factor authentication is now off')
    await expect(page.locator('text=Enable Two-Factor Authentication')).toBeVisible()
    assert.deepEqual(await serverKeys(page), [])
  })

  e2eTest('should add a passkey on this device, rename it and sign in with it', pages, async () => {
    const { page, cdp } = t
    // This device's authenticator, next to the USB key: "Passkey on this device" must use it.
    const { authenticatorId: platform } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: PLATFORM_AUTHENTICATOR })

    await page.click('text=Settings')
    await page.click('text=Security')
    await page.click('text=Enable Two-Factor Authentication')
    await page.click('.method-card:has-text("Security Key")')
    await expect(page.locator('h2')).toContainText('Add a security key or passkey')
    await page.check('input[name="authenticatorType"][value="passkey"]')
    await expect(page.locator('button[type="submit"]')).toContainText('Create Passkey')
    await page.fill('[name="keyName"]', 'My laptop')
    await page.click('button:has-text("Create Passkey")')

    await expect(page.locator('.backup-codes')).toBeVisible()
    await page.click("text=I've saved these codes")
    await expect(page.locator('text=✅ Two-Factor Authentication is enabled')).toBeVisible()
    await expect(page.locator('.key-item')).toHaveCount(1)
    await expect(page.locator('.key-item')).toContainText('My laptop')
    assert.deepEqual(await page.locator('.key-type').allTextContents(), ['Passkey'])
    await screenshot(page, '22-passkey-added')

    // The passkey is on this device's authenticator, none on the USB key; the server stored
    // it as a passkey.
    const [passkey, ...others] = await keyCredentials(platform)
    assert.equal(others.length, 0)
    assert.deepEqual(await keyCredentials(t.authenticatorId), [])
    assert.deepEqual(
      (await serverKeys(page)).map((k) => [k.credentialId, k.name, k.type]),
      [[passkey.id, 'My laptop', 'passkey']],
    )

    // Rename it in the dialog: an empty name is refused there, then the new one is saved.
    await page.click('button[aria-label="Rename My laptop"]')
    const dialog = page.locator('dialog[open]')
    await expect(dialog).toBeVisible()
    await expect(dialog.locator('[name="newKeyName"]')).toHaveValue('My laptop')
    await expect(dialog.locator('button:has-text("Save Name")')).toBeDisabled()
    await dialog.locator('[name="newKeyName"]').fill('   ')
    await dialog.locator('button:has-text("Save Name")').click()
    await expect(dialog.locator('[role="alert"]')).toContainText('Give the key a name')
    await dialog.locator('[name="newKeyName"]').fill('  Work laptop ')
    await dialog.locator('button:has-text("Save Name")').click()
    await expect(page.locator('.notice')).toContainText('Renamed to Work laptop.')
    assert.equal(await page.locator('dialog[open]').count(), 0)
    assert.deepEqual(await page.locator('.key-name').allTextContents(), ['Work laptop'])
    assert.deepEqual((await serverKeys(page)).map((k) => k.name), ['Work laptop'])
    await screenshot(page, '23-key-renamed')

    // Sign in again with the passkey. The USB key is unplugged first: Chromium's virtual
    // keys all answer at once, and an empty one answering first ends the request.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: t.authenticatorId })
    await signOutAndSignIn(page)
    await page.click('button:has-text("Use security key or passkey")')
    await expect(page.locator('h1')).toContainText('Dashboard')
    const [used] = await keyCredentials(platform)
    assert.equal(used.id, passkey.id)
    assert.ok(used.signCount > passkey.signCount, `signCount ${passkey.signCount} -> ${used.signCount}`)
    await page.click('text=Settings')
    await page.click('text=Security')
    await expect(page.locator('.key-list')).toContainText('Work laptop')
    await expect(page.locator('.key-list')).toContainText('last used')
  })
})
