// make bench, HTTP side: the Express example's `POST /api/auth/mfa/verify` (a sign-in's TOTP
// step) under autocannon on loopback, against the same route written with otplib and
// better-sqlite3. Both servers run as their own processes; each request completes a different
// pending sign-in, so every one succeeds and does the whole work. Prints one JSON line.
import { createRequire } from 'node:module'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const here = dirname(fileURLToPath(import.meta.url))
const { createPlinto } = require('../bindings-node')
const { authenticator } = require('otplib')
const autocannon = require('autocannon')
const { seedPeer } = await import('./peer-server.mjs')

const REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 2000)
const CONNECTIONS = 16
const KEY = '42'.repeat(32)
const PASSWORD = 'Bench-Password-1'
const dir = mkdtempSync(join(tmpdir(), 'plinto-bench-http-'))

/** A free loopback port. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      const port = typeof address === 'object' && address ? address.port : 0
      s.close(() => resolve(port))
    })
  })

/** Starts `script` with `env` and resolves once it accepts connections. */
async function start(script, env) {
  const port = await freePort()
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('http://')) resolve(undefined)
    })
  })
  return { child, url: `http://127.0.0.1:${port}` }
}

/** Pending sign-ins for the Express example: users enrolled with TOTP, then signed in. */
async function seedOurs(database) {
  // Cheap password hashing for the set-up only: the timed route verifies a code, not a password.
  const plinto = createPlinto({ database, secretKey: KEY, password: { memoryKib: 64, iterations: 1 } })
  const pending = []
  for (let i = 0; i < REQUESTS; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, REQUESTS - i) }, async (_, j) => {
        const email = `h${i + j}@bench.example`
        const { user, session } = await plinto.auth.signUp({ email, password: PASSWORD })
        const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp', sessionToken: session.token })
        const secret = setup.secret ?? ''
        await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: authenticator.generate(secret), sessionToken: session.token })
        const signIn = await plinto.auth.signIn({ email, password: PASSWORD })
        return { sessionId: signIn.sessionId ?? '', secret }
      }),
    )
    pending.push(...batch)
  }
  return pending
}

/** Runs REQUESTS verifications against `url`, each with the next pending sign-in. */
async function load(url, pending) {
  const bodies = pending.map(({ sessionId, secret }) =>
    JSON.stringify({ sessionId, method: 'totp', code: authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret) }),
  )
  let next = 0
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    amount: bodies.length,
    requests: [
      {
        method: 'POST',
        path: '/api/auth/mfa/verify',
        headers: { 'content-type': 'application/json', origin: url },
        setupRequest: (/** @type {any} */ req) => ({ ...req, body: bodies[next++ % bodies.length] }),
      },
    ],
  })
  const failed = result.non2xx + result.errors + result.timeouts
  if (failed) throw new Error(`${url}: ${failed} of ${result.requests.total} requests failed`)
  const seconds = (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000
  return { rps: result.requests.total / seconds, p50_ms: result.latency.p50, p99_ms: result.latency.p99 }
}

const servers = []
try {
  const database = join(dir, 'ours.db')
  const pending = await seedOurs(database)
  const ours = await start(join(here, '../examples/express/server.js'), {
    PLINTO_DATABASE: database,
    PLINTO_SECRET_KEY: KEY,
    MFA_VERIFY_MAX_PER_WINDOW: String(REQUESTS * 10),
  })
  servers.push(ours.child)
  const oursResult = await load(ours.url, pending)

  const peerDb = join(dir, 'peer.db')
  const peerPending = seedPeer(peerDb, REQUESTS)
  const peer = await start(join(here, 'peer-server.mjs'), { PEER_DATABASE: peerDb, MFA_VERIFY_MAX_PER_WINDOW: String(REQUESTS * 10) })
  servers.push(peer.child)
  const peerResult = await load(peer.url, peerPending)
  console.log(
    JSON.stringify({
      lang: 'http',
      name: 'express_verify',
      connections: CONNECTIONS,
      requests: REQUESTS,
      ours_rps: oursResult.rps,
      peer_rps: peerResult.rps,
      ours_p50_ms: oursResult.p50_ms,
      ours_p99_ms: oursResult.p99_ms,
      peer_p50_ms: peerResult.p50_ms,
      peer_p99_ms: peerResult.p99_ms,
      peer: 'Express + otplib + better-sqlite3 (synchronous=FULL)',
    }),
  )
} finally {
  for (const child of servers) child.kill()
  rmSync(dir, { recursive: true, force: true })
}
