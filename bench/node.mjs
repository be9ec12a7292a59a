// make bench, Node side: Plinto MFA's Node package against the stack a Node user writes in an
// afternoon (otplib + better-sqlite3, argon2), in one run. Prints one JSON object per line.
//
// Workload "persisted TOTP verify": N users with a confirmed TOTP device; one operation looks up
// the secret, checks the code with ±1 step, refuses a replayed step, updates the attempt
// counters and writes an audit row. Each user's next code (the following step) is verified
// once, so every operation succeeds and does the whole work. Codes are computed before the
// clock starts (otplib takes ~45 µs per code here, as much as the peer's whole operation).
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const require = createRequire(import.meta.url)
const { createPlinto } = require('../bindings-node')
const Database = require('better-sqlite3')
const { authenticator } = require('otplib')
const argon2 = require('argon2')

const USERS = Number(process.env.BENCH_USERS ?? 1000)
// Each measure alternates ours and the peer this many times (USERS operations each) and reports
// medians: the machine's speed drifts within a run, and a single pair would measure the drift.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SIGN_INS = Number(process.env.BENCH_SIGN_INS ?? 20)
const KEY = '42'.repeat(32)
const PASSWORD = 'Bench-Password-1'
const OWASP = { memoryKib: 19456, iterations: 2, parallelism: 1 }
const dir = mkdtempSync(join(tmpdir(), 'plinto-bench-node-'))

/** @param {string} name @param {Record<string, unknown>} fields */
const emit = (name, fields) => console.log(JSON.stringify({ lang: 'node', name, ...fields }))

/** Codes of the step after the current one (the core accepts ±1 step). */
const nextCode = (/** @type {string} */ secret) => authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret)

/** Runs `op(i)` for i < n with `callers` in flight; returns operations per second. */
async function throughput(n, callers, op) {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n) await op(next++)
    }),
  )
  return (n / (performance.now() - started)) * 1000
}

/** Ours: a fresh database with USERS enrolled users; returns the instance and the users. */
async function oursWith(durability) {
  const plinto = createPlinto({
    database: join(dir, `ours-${durability}-${Math.random().toString(36).slice(2)}.db`),
    secretKey: KEY,
    password: { memoryKib: 64, iterations: 1 },
    storage: { durability },
  })
  const users = []
  const total = USERS * ROUNDS
  for (let i = 0; i < total; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, total - i) }, async (_, j) => {
        const { user, session } = await plinto.auth.signUp({ email: `u${i + j}@bench.example`, password: PASSWORD })
        const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp', sessionToken: session.token })
        const secret = setup.secret ?? ''
        await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: authenticator.generate(secret), sessionToken: session.token })
        return { id: user.id, secret }
      }),
    )
    users.push(...batch)
  }
  return { plinto, users }
}

/** The peer: the same workload written directly on otplib and better-sqlite3. */
function peerWith(synchronous) {
  const db = new Database(join(dir, `peer-${synchronous}-${Math.random().toString(36).slice(2)}.db`))
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.exec(`CREATE TABLE users (id TEXT PRIMARY KEY, secret TEXT NOT NULL, last_step INTEGER NOT NULL DEFAULT 0);
           CREATE TABLE attempts (user_id TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_start INTEGER NOT NULL);
           CREATE TABLE audit (id INTEGER PRIMARY KEY, user_id TEXT, action TEXT, success INTEGER, created_at INTEGER)`)
  const insert = db.prepare('INSERT INTO users (id, secret) VALUES (?, ?)')
  const users = []
  db.transaction(() => {
    for (let i = 0; i < USERS * ROUNDS; i++) {
      const secret = authenticator.generateSecret()
      insert.run(`u${i}`, secret)
      users.push({ id: `u${i}`, secret })
    }
  })()
  const getUser = db.prepare('SELECT secret, last_step FROM users WHERE id = ?')
  const reserve = db.prepare(`INSERT INTO attempts (user_id, failures, window_start) VALUES (?, 1, ?)
    ON CONFLICT(user_id) DO UPDATE SET failures = failures + 1`)
  const setStep = db.prepare('UPDATE users SET last_step = ? WHERE id = ?')
  const reset = db.prepare('DELETE FROM attempts WHERE user_id = ?')
  const audit = db.prepare('INSERT INTO audit (user_id, action, success, created_at) VALUES (?, ?, ?, ?)')
  const check = authenticator.clone({ window: 1 })
  const verify = db.transaction((/** @type {string} */ id, /** @type {string} */ code) => {
    const now = Math.floor(Date.now() / 1000)
    const u = /** @type {{secret: string, last_step: number}} */ (getUser.get(id))
    reserve.run(id, now)
    const delta = check.checkDelta(code, u.secret)
    const step = Math.floor(now / 30) + (delta ?? 0)
    const ok = delta !== null && step > u.last_step
    if (ok) {
      setStep.run(step, id)
      reset.run(id)
    }
    audit.run(id, 'mfa_verify', ok ? 1 : 0, now)
    return ok
  })
  return { verify, users }
}

/** The median of some numbers. */
const median = (/** @type {number[]} */ xs) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Runs each of `measures` (round index → ops/s) once per round, alternating, and returns the
 * rounds' figures of each.
 * @param {Array<(round: number) => Promise<number>>} measures
 */
async function alternate(measures) {
  /** @type {number[][]} */
  const figures = measures.map(() => [])
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, measure] of measures.entries()) figures[k].push(await measure(r))
  }
  return figures
}

/** Medians of ours and the peer's rounds, and the median of the rounds' ratios. */
const summary = (/** @type {number[]} */ ours, /** @type {number[]} */ peer) => ({
  ours_ops: median(ours),
  peer_ops: median(peer),
  ratio: median(ours.map((o, r) => o / peer[r])),
  rounds: ours.length,
})

async function verifyBench() {
  for (const durability of ['normal', 'full']) {
    const synchronous = durability === 'full' ? 'FULL' : 'NORMAL'
    for (const callers of [1, 16]) {
      const { plinto, users } = await oursWith(durability)
      const peer = peerWith(synchronous)
      const vsNormal = durability === 'full' && callers === 16 ? peerWith('NORMAL') : null
      const codes = users.map((u) => nextCode(u.secret))
      const peerCodes = peer.users.map((u) => nextCode(u.secret))
      const normalCodes = vsNormal ? vsNormal.users.map((u) => nextCode(u.secret)) : []
      const ours = async (/** @type {number} */ r) => {
        let failures = 0
        const ops = await throughput(USERS, callers, async (i) => {
          const u = users[r * USERS + i]
          const res = await plinto.auth.verifyMFA({ userId: u.id, method: 'totp', code: codes[r * USERS + i] })
          if (!res.success) failures++
        })
        if (failures) throw new Error(`ours: ${failures} verifications failed`)
        return ops
      }
      // The peer is synchronous: 16 callers on one event loop run one at a time.
      const theirs = (/** @type {typeof peer} */ p, /** @type {string[]} */ pc) => async (/** @type {number} */ r) =>
        throughput(USERS, callers, async (i) => {
          if (!p.verify(p.users[r * USERS + i].id, pc[r * USERS + i])) throw new Error('peer: verification failed')
        })
      const measures = [ours, theirs(peer, peerCodes)]
      if (vsNormal) measures.push(theirs(vsNormal, normalCodes))
      const [o, t, n] = await alternate(measures)
      emit('totp_verify', { durability, callers, ...summary(o, t), peer: `otplib + better-sqlite3 (synchronous=${synchronous})` })
      // Against the peer at NORMAL too: durable verification against the others' speed without it.
      if (n) emit('totp_verify_full_vs_peer_normal', { callers, ...summary(o, n), peer: 'otplib + better-sqlite3 (synchronous=NORMAL)' })
    }
  }
}

async function signInBench() {
  const plinto = createPlinto({ database: join(dir, 'signin.db'), secretKey: KEY, password: OWASP })
  await plinto.auth.signUp({ email: 'signin@bench.example', password: PASSWORD })
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: OWASP.memoryKib, timeCost: OWASP.iterations, parallelism: OWASP.parallelism })
  const time = async (/** @type {() => Promise<unknown>} */ f) => {
    const started = performance.now()
    for (let i = 0; i < SIGN_INS; i++) await f()
    return (performance.now() - started) / SIGN_INS
  }
  const ours = await time(() => plinto.auth.signIn({ email: 'signin@bench.example', password: PASSWORD }))
  const theirs = await time(() => argon2.verify(hash, PASSWORD))
  emit('sign_in', { ours_ms: ours, peer_ms: theirs, peer: 'argon2 (npm), argon2id m=19456 t=2 p=1' })
}

try {
  await verifyBench()
  await signInBench()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
