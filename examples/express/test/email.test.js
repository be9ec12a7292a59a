// Email codes end to end: a real SMTP server (aiosmtpd) on loopback, the example as its own
// server process configured with the built-in SMTP sender, and the whole sign-in over HTTP.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const python = process.env.PLINTO_TEST_PYTHON ?? join(root, '.venv/bin/python')

/** @returns {Promise<number>} a free loopback port */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))))
    })
  })
}

/** Whether something takes TCP connections on loopback `port`.
 * @param {number} port @returns {Promise<boolean>} */
function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/** Waits until `read()` matches `re` (the SMTP server's or the app's output). 
 * @param {() => string} read @param {RegExp} re @param {number} [ms] */
async function waitFor(read, re, ms = 10_000) {
  const end = Date.now() + ms
  for (;;) {
    const m = re.exec(read())
    if (m) return m
    if (Date.now() > end) throw new Error(`timed out waiting for ${re}: ${read().slice(-500)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

test('email code through a real SMTP server completes sign-in over HTTP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-email-'))
  const smtpPort = await freePort()
  const smtp = spawn(python, ['-u', '-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${smtpPort}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let mail = ''
  smtp.stdout.on('data', (d) => (mail += d))
  smtp.stderr.on('data', (d) => (mail += d))
  const server = spawn(process.execPath, [fileURLToPath(new URL('../server.js', import.meta.url))], {
    env: {
      ...process.env,
      PORT: '0',
      PLINTO_DATABASE: join(dir, 'plinto.db'),
      PLINTO_SECRET_KEY: 'cd'.repeat(32),
      PLINTO_ISSUER: 'MailApp',
      PLINTO_SMTP_HOST: '127.0.0.1',
      PLINTO_SMTP_PORT: String(smtpPort),
      PLINTO_SMTP_TLS: 'none',
      PLINTO_SMTP_FROM: 'mfa@mailapp.example',
      MFA_VERIFY_MAX_PER_WINDOW: '1000',
      PLINTO_CONFIG: JSON.stringify({ methods: { email: { rateLimits: { perMinute: 2, perHour: 10, perDay: 20 } } } }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  server.stdout.on('data', (d) => (out += d))
  server.stderr.on('data', (d) => (out += d))
  try {
    const port = (await waitFor(() => out, /http:\/\/localhost:(\d+)/))[1]
    const base = `http://127.0.0.1:${port}`
    // Let the SMTP server come up: it takes connections.
    for (const end = Date.now() + 15_000; !(await accepts(smtpPort));) {
      if (Date.now() > end) throw new Error(`the SMTP server did not come up: ${mail.slice(-500)}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    /** @param {string} path @param {object} body @param {string} [token] */
    const post = async (path, body, token) => {
      /** @type {Record<string, string>} */
      const headers = { 'content-type': 'application/json' }
      if (token) headers.authorization = `Bearer ${token}`
      const r = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
      return { status: r.status, body: await r.json() }
    }
    const codeIn = async (/** @type {number} */ n) => {
      const all = await waitFor(() => mail, new RegExp(`(?:[\\s\\S]*?code is (\\d{6})){${n}}`))
      return all[1]
    }

    const up = await post('/api/auth/signup', { email: 'mailuser@example.com', password: 'TestPassword123!' })
    assert.equal(up.status, 201)
    const setup = await post('/api/auth/mfa/setup', { method: 'email' }, up.body.session.token)
    assert.equal(setup.status, 200, JSON.stringify(setup.body))
    assert.equal(setup.body.destination, 'm***@example.com')
    const first = await codeIn(1)
    assert.match(mail, /Subject: MailApp verification code/)
    assert.match(mail, /To: mailuser@example.com/)
    const confirm = await post('/api/auth/mfa/verify', { method: 'email', code: first }, up.body.session.token)
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body))
    assert.equal(confirm.body.backupCodes.length, 10)

    const signin = await post('/api/auth/signin', { email: 'mailuser@example.com', password: 'TestPassword123!' })
    assert.equal(signin.body.requiresMfa, true)
    assert.deepEqual(signin.body.mfaMethods, ['email', 'backup'])
    const sent = await post('/api/auth/mfa/resend', { sessionId: signin.body.sessionId, method: 'email' })
    assert.equal(sent.status, 200, JSON.stringify(sent.body))
    assert.equal(sent.body.expiresIn, 600)
    const second = await codeIn(2)
    const wrong = await post('/api/auth/mfa/verify', { sessionId: signin.body.sessionId, method: 'email', code: first })
    assert.equal(wrong.status, 401, 'the setup code was used once already')
    assert.deepEqual(wrong.body.fallbackMethods, ['backup'])
    // The progressive delay is enforced: right away, even the right code is refused (429).
    assert.equal(wrong.body.retryAfter, 2)
    const early = await post('/api/auth/mfa/verify', { sessionId: signin.body.sessionId, method: 'email', code: second })
    assert.equal(early.status, 429)
    await new Promise((r) => setTimeout(r, 2000))
    const done = await post('/api/auth/mfa/verify', { sessionId: signin.body.sessionId, method: 'email', code: second })
    assert.equal(done.status, 200, JSON.stringify(done.body))
    assert.ok(done.body.session.token)
    const status = await fetch(`${base}/api/auth/mfa/status`, { headers: { authorization: `Bearer ${done.body.session.token}` } })
    assert.deepEqual((await status.json()).methods, ['email', 'backup'])
    // The per-minute resend limit (2) of sign-in codes (setup codes count apart) is now used
    // up by the next one: 429 with retryAfter.
    const again = await post('/api/auth/signin', { email: 'mailuser@example.com', password: 'TestPassword123!' })
    const another = await post('/api/auth/mfa/resend', { sessionId: again.body.sessionId, method: 'email' })
    assert.equal(another.status, 200, JSON.stringify(another.body))
    const limited = await post('/api/auth/mfa/resend', { sessionId: again.body.sessionId, method: 'email' })
    assert.equal(limited.status, 429)
    assert.ok(limited.body.retryAfter > 0)
    assert.ok(!out.includes('[plinto] code'), 'the console sender is not used when SMTP is configured')
    // The new factor was announced by the built-in security email.
    assert.match(mail, /Subject: MailApp: A sign-in method was added/)
  } finally {
    server.kill()
    smtp.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})
