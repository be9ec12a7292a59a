// The peer of the Express example's verify route for `make bench`: the same route written in
// an afternoon with otplib and better-sqlite3 (WAL, synchronous=FULL like our default), behind
// the same middleware (JSON body, cookies, express-rate-limit). Run directly, it serves
// PEER_DATABASE on PORT; `seedPeer` writes the users and pending sign-ins it verifies.
import { createRequire } from 'node:module'
import { createHash, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const fromExample = createRequire(new URL('../examples/express/package.json', import.meta.url))
const Database = require('better-sqlite3')
const { authenticator } = require('otplib')

const SCHEMA = `
  CREATE TABLE users (id TEXT PRIMARY KEY, email TEXT NOT NULL, secret TEXT NOT NULL, last_step INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE sessions (token_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL, pending INTEGER NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE attempts (user_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_start INTEGER NOT NULL);
  CREATE TABLE audit (id INTEGER PRIMARY KEY, user_id TEXT, action TEXT, success INTEGER, ip TEXT, user_agent TEXT, created_at INTEGER)`

const hash = (/** @type {string} */ token) => createHash('sha256').update(token).digest()

/** Opens `path` as the peer does: WAL, synchronous=FULL. */
function open(path) {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  return db
}

/**
 * Writes `n` users with TOTP secrets and a pending sign-in each; returns what a client holds.
 * @param {string} path @param {number} n
 */
export function seedPeer(path, n) {
  const db = open(path)
  db.exec(SCHEMA)
  const user = db.prepare('INSERT INTO users (id, email, secret) VALUES (?, ?, ?)')
  const session = db.prepare('INSERT INTO sessions (token_hash, user_id, pending, expires_at) VALUES (?, ?, 1, ?)')
  const pending = []
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const secret = authenticator.generateSecret()
      const token = randomBytes(32).toString('base64url')
      user.run(`u${i}`, `u${i}@bench.example`, secret)
      session.run(hash(token), `u${i}`, Math.floor(Date.now() / 1000) + 600)
      pending.push({ sessionId: token, secret })
    }
  })()
  db.close()
  return pending
}

/** The Express app over `path`. */
function app(path) {
  const express = fromExample('express')
  const cookieParser = fromExample('cookie-parser')
  const rateLimit = fromExample('express-rate-limit').rateLimit
  const db = open(path)
  const findSession = db.prepare('SELECT user_id, pending, expires_at FROM sessions WHERE token_hash = ?')
  const findUser = db.prepare('SELECT id, email, secret, last_step FROM users WHERE id = ?')
  const reserve = db.prepare(`INSERT INTO attempts (user_id, failures, window_start) VALUES (?, 1, ?)
    ON CONFLICT(user_id) DO UPDATE SET failures = failures + 1`)
  const attempts = db.prepare('SELECT failures FROM attempts WHERE user_id = ?')
  const setStep = db.prepare('UPDATE users SET last_step = ? WHERE id = ?')
  const reset = db.prepare('DELETE FROM attempts WHERE user_id = ?')
  const complete = db.prepare('UPDATE sessions SET pending = 0 WHERE token_hash = ?')
  const audit = db.prepare('INSERT INTO audit (user_id, action, success, ip, user_agent, created_at) VALUES (?, ?, ?, ?, ?, ?)')
  const check = authenticator.clone({ window: 1 })
  const verify = db.transaction((/** @type {string} */ token, /** @type {string} */ code, /** @type {string} */ ip, /** @type {string} */ agent) => {
    const now = Math.floor(Date.now() / 1000)
    const s = /** @type {any} */ (findSession.get(hash(token)))
    if (!s || !s.pending || s.expires_at < now) return { status: 401, body: { error: 'Invalid session' } }
    const u = /** @type {any} */ (findUser.get(s.user_id))
    reserve.run(u.id, now)
    if (/** @type {any} */ (attempts.get(u.id)).failures > 5) return { status: 429, body: { error: 'Too many attempts' } }
    const delta = check.checkDelta(code, u.secret)
    const step = Math.floor(now / 30) + (delta ?? 0)
    const ok = delta !== null && step > u.last_step
    if (ok) {
      setStep.run(step, u.id)
      reset.run(u.id)
      complete.run(hash(token))
    }
    audit.run(u.id, 'mfa_verify', ok ? 1 : 0, ip, agent, now)
    return ok
      ? { status: 200, body: { success: true, user: { id: u.id, email: u.email }, session: { token } } }
      : { status: 401, body: { error: 'Invalid MFA code' } }
  })
  const server = express()
  server.use(express.json({ limit: '2mb' }))
  server.use(cookieParser())
  const limiter = rateLimit({ windowMs: 15 * 60 * 1000, max: Number(process.env.MFA_VERIFY_MAX_PER_WINDOW ?? 5) })
  server.post('/api/auth/mfa/verify', limiter, (/** @type {any} */ req, /** @type {any} */ res) => {
    const { sessionId, code } = req.body
    const result = verify(String(sessionId), String(code), req.ip, req.get('user-agent') ?? '')
    if (result.status === 200) res.cookie('session', sessionId, { httpOnly: true, sameSite: 'strict', path: '/' })
    res.status(result.status).json(result.body)
  })
  return server
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3001)
  app(process.env.PEER_DATABASE ?? 'peer.db').listen(port, '127.0.0.1', () => console.log(`peer on http://127.0.0.1:${port}`))
}
