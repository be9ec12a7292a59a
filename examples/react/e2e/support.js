// What the browser tests stand on: the server process, Chromium through playwright-core,
// a few `expect`-style checks, TOTP codes from otplib, and screenshots.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import otplib from 'otplib'
import jsQRModule from 'jsqr'
import { test } from 'node:test'
import { chromium } from 'playwright-core'

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').Locator} Locator */
/** @typedef {import('playwright-core').Browser} Browser */

export const PASSWORD = 'TestPassword123!'
const here = fileURLToPath(new URL('.', import.meta.url))

/** Screenshots of every run (not tracked); E2E_OUTPUT overrides. */
export const OUTPUT = process.env.E2E_OUTPUT ?? join(here, 'output')

/** How long a check waits for the page, in ms (a loaded machine can take seconds). */
const TIMEOUT = Number(process.env.E2E_TIMEOUT ?? 30_000)

/**
 * Starts the Express example (serving the built app) on a fresh database, unless
 * E2E_BASE_URL points at a running one. `config` adds configure() options; `env` has the
 * database and key the server uses (for the admin command on the same database).
 * @param {{ config?: object }} [options]
 * @returns {Promise<{ baseURL: string, stop: () => Promise<void>, sentCodes: (destination: string) => string[], env: Record<string, string> }>}
 */
export async function startServer(options = {}) {
  if (process.env.E2E_BASE_URL) {
    return { baseURL: process.env.E2E_BASE_URL.replace(/\/$/, ''), stop: async () => {}, sentCodes: () => [], env: {} }
  }
  if (!existsSync(join(here, '..', 'dist', 'index.html'))) throw new Error('the app is not built: run `npm run build` first')
  const dir = mkdtempSync(join(tmpdir(), 'plinto-e2e-'))
  const env = { PLINTO_DATABASE: join(dir, 'plinto.db'), PLINTO_SECRET_KEY: randomBytes(32).toString('hex') }
  const child = spawn(process.execPath, [join(here, 'serve.js')], {
    env: {
      ...process.env,
      ...env,
      PORT: '0',
      // The core's attempt limit is under test: express-rate-limit must not answer first.
      MFA_VERIFY_MAX_PER_WINDOW: '10000',
      // The guide's tests type wrong codes back to back; the enforced delay between them has
      // its own HTTP test (examples/express/test/email.test.js).
      PLINTO_CONFIG: JSON.stringify({ rateLimiting: { progressiveDelay: false }, ...options.config }),
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stderr.on('data', (d) => (log += d))
  const baseURL = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s: ${log}`)), 30_000)
    child.stdout.on('data', (d) => {
      log += d
      const match = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(log)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}: ${log}`))
    })
  })
  return {
    baseURL,
    env,
    /** The SMS and email codes the example printed for `destination` (its development
     * sender writes "[plinto] code for <destination>: <message>"), oldest first. */
    sentCodes: (destination) =>
      log
        .split('\n')
        .filter((line) => line.startsWith(`[plinto] code for ${destination}: `))
        .map((line) => /\b(\d{6})\b/.exec(line.slice(line.indexOf(': ') + 2))?.[1] ?? '')
        .filter(Boolean),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Debian's Chromium, headless. Playwright gives every launch a fresh temporary profile
 * (its own --user-data-dir). Without the background-networking flags Chromium reaches
 * for outside services at start.
 * @returns {Promise<Browser>}
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** A test name as a file name: "should do X" → "should-do-x".
 * @param {string} name */
export const fileName = (name) => name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()

/**
 * A test that, when it fails, saves the screens it failed on (every page of the context
 * `pages()` gives) as FAILED-<name>.png, or FAILED-<name>-<n>.png when there are several.
 * @param {string} name @param {() => Page[]} pages @param {() => Promise<void>} body
 */
export function e2eTest(name, pages, body) {
  test(name, async () => {
    try {
      await body()
    } catch (error) {
      const open = pages()
      for (const [i, p] of open.entries()) {
        await screenshot(p, `FAILED-${fileName(name)}${open.length > 1 ? `-${i + 1}` : ''}`).catch(() => undefined)
      }
      throw error
    }
  })
}

/** Signs `email` up through the app's Sign Up page and waits for the Dashboard.
 * @param {Page} page @param {string} email */
export async function signUpInApp(page, email) {
  await page.goto('/')
  await page.click('text=Sign Up')
  await page.fill('[name="email"]', email)
  await page.fill('[name="password"]', PASSWORD)
  await page.click('button:has-text("Sign Up")')
  await expect(page.locator('h1')).toContainText('Dashboard')
}

// jsqr is CommonJS with a `default` that is the function itself.
const jsQR = jsQRModule.default

/**
 * Reads the QR code drawn on the page's canvas, as a phone's camera would.
 * @param {Page} page
 * @returns {Promise<string>} the encoded text (an otpauth:// or plinto-push:// URI)
 */
export async function scanQrCode(page) {
  await page.waitForSelector('canvas[data-state="drawn"]')
  const image = await page.locator('canvas').evaluate((/** @type {HTMLCanvasElement} */ canvas) => {
    const context = canvas.getContext('2d')
    if (!context) throw new Error('no 2d context')
    const { data, width, height } = context.getImageData(0, 0, canvas.width, canvas.height)
    return { data: Array.from(data), width, height }
  })
  const decoded = jsQR(Uint8ClampedArray.from(image.data), image.width, image.height)
  if (!decoded) throw new Error('the canvas holds no readable QR code')
  return decoded.data
}

/** axe-core's script, run in the page at every screenshot. */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

/**
 * Saves a full-page screenshot as OUTPUT/<name>.png, then checks the screen with axe-core
 * (every rule, colour contrast included): each screenshot is a screen the user sees.
 * @param {Page} page @param {string} name
 */
export async function screenshot(page, name) {
  mkdirSync(OUTPUT, { recursive: true })
  await page.screenshot({ path: join(OUTPUT, `${name}.png`), fullPage: true, animations: 'disabled' })
  /** @type {string[]} */
  const violations = await page.evaluate(async (source) => {
    if (!('axe' in window)) new Function(source)()
    const axe = /** @type {any} */ (window).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map(
      (/** @type {any} */ v) => `${v.id}: ${v.help} (${v.nodes.map((/** @type {any} */ n) => n.target.join(' ')).join(', ')})`,
    )
  }, axeSource)
  if (violations.length) throw new Error(`accessibility of ${name}:\n${violations.join('\n')}`)
}

/**
 * Polls until `check` returns true; fails with `describe()` of the last state.
 * @param {() => Promise<boolean>} check @param {() => string} describe
 */
async function until(check, describe) {
  const deadline = Date.now() + TIMEOUT
  /** @type {unknown} */
  let lastError
  for (;;) {
    try {
      if (await check()) return
      lastError = undefined
    } catch (error) {
      // A strict-mode violation (several matches) is a failure at once, as in @playwright/test.
      if (error instanceof Error && /strict mode violation/.test(error.message)) throw error
      lastError = error
    }
    if (Date.now() > deadline) {
      throw new Error(`${describe()} (after ${TIMEOUT} ms)${lastError instanceof Error ? `: ${lastError.message}` : ''}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The guide's `expect(locator)` matchers that its tests use, on playwright-core.
 * @param {Locator} locator */
export function expect(locator) {
  return {
    async toBeVisible() {
      await until(() => locator.isVisible(), () => `expected ${locator} to be visible`)
    },
    /** @param {string} text */
    async toContainText(text) {
      let last = ''
      await until(
        async () => (last = (await locator.textContent({ timeout: 1000 })) ?? '').includes(text),
        () => `expected ${locator} to contain ${JSON.stringify(text)}, it has ${JSON.stringify(last)}`,
      )
    },
    /** @param {string} value */
    async toHaveValue(value) {
      let last = ''
      await until(
        async () => (last = await locator.inputValue({ timeout: 1000 })) === value,
        () => `expected ${locator} to have value ${JSON.stringify(value)}, it has ${JSON.stringify(last)}`,
      )
    },
    /** @param {number} count */
    async toHaveCount(count) {
      let last = 0
      await until(
        async () => (last = await locator.count()) === count,
        () => `expected ${locator} to match ${count} elements, it matches ${last}`,
      )
    },
    async toBeDisabled() {
      await until(() => locator.isDisabled({ timeout: 1000 }), () => `expected ${locator} to be disabled`)
    },
    async toBeEnabled() {
      await until(() => locator.isEnabled({ timeout: 1000 }), () => `expected ${locator} to be enabled`)
    },
  }
}

/**
 * TOTP codes as an authenticator app would show them, from otplib. The core accepts each
 * 30-second step once per user, so every call returns the code of a step not yet handed out
 * for that secret: the current one, else the next (inside the core's ±1 step window), else
 * it waits for the next step.
 */
export class Authenticator {
  /** @type {Map<string, number>} */
  #lastStep = new Map()

  /** @param {string} secret base32, spaces allowed */
  async code(secret) {
    const key = secret.replace(/\s+/g, '')
    let now = Math.floor(Date.now() / 30_000)
    let step = Math.max(now, (this.#lastStep.get(key) ?? -1) + 1)
    if (step > now + 1) {
      await new Promise((resolve) => setTimeout(resolve, (step - 1) * 30_000 - Date.now() + 200))
      now = Math.floor(Date.now() / 30_000)
      step = Math.max(now, step)
    }
    this.#lastStep.set(key, step)
    return otplib.authenticator.clone({ epoch: step * 30_000 + 1000 }).generate(key)
  }

  /** A 6-digit code that is wrong for this secret now and for a while around now.
   * @param {string} secret */
  wrongCode(secret) {
    const key = secret.replace(/\s+/g, '')
    const now = Date.now()
    const near = new Set([-2, -1, 0, 1, 2].map((d) => otplib.authenticator.clone({ epoch: now + d * 30_000 }).generate(key)))
    for (let n = 0; ; n++) {
      const candidate = String((123_457 + n * 111_111) % 1_000_000).padStart(6, '0')
      if (!near.has(candidate)) return candidate
    }
  }
}

let counter = 0
/** A new email address for each test's user (one database serves the whole run).
 * @param {string} name */
export function uniqueEmail(name) {
  counter += 1
  return `e2e-${name}-${Date.now().toString(36)}-${counter}@example.com`
}
