// The example as a real server process on loopback: sign up, enroll, sign in with MFA over HTTP.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import otplib from 'otplib'

test('server.js serves the whole flow as its own process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-proc-'))
  const server = spawn(process.execPath, [fileURLToPath(new URL('../server.js', import.meta.url))], {
    env: { ...process.env, PORT: '0', PLINTO_DATABASE: join(dir, 'plinto.db'), PLINTO_SECRET_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  try {
    let stderr = ''
    server.stderr.on('data', (d) => (stderr += d))
    const base = await new Promise((resolve, reject) => {
      server.stdout.on('data', (d) => {
        const m = /http:\/\/localhost:(\d+)/.exec(String(d))
        if (m) resolve(`http://127.0.0.1:${m[1]}`)
      })
      server.on('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)))
    })
    /** @param {string} path @param {object} body @param {string} [token] */
    const post = async (path, body, token) => {
      /** @type {Record<string, string>} */
      const headers = { 'content-type': 'application/json' }
      if (token) headers.authorization = `Bearer ${token}`
      const r = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })
      return { status: r.status, body: await r.json() }
    }
    const up = await post('/api/auth/signup', { email: 'proc@example.com', password: 'TestPassword123!' })
    assert.equal(up.status, 201)
    const setup = await post('/api/auth/mfa/setup', { method: 'totp' }, up.body.session.token)
    const confirm = await post('/api/auth/mfa/verify', { method: 'totp', code: otplib.authenticator.generate(setup.body.secret) }, up.body.session.token)
    assert.equal(confirm.status, 200)
    const signin = await post('/api/auth/signin', { email: 'proc@example.com', password: 'TestPassword123!' })
    assert.equal(signin.body.requiresMfa, true)
    const next = otplib.authenticator.clone({ epoch: Date.now() + 30_000 }).generate(setup.body.secret)
    const done = await post('/api/auth/mfa/verify', { sessionId: signin.body.sessionId, method: 'totp', code: next })
    assert.equal(done.status, 200, JSON.stringify(done.body))
    // No PLINTO_SECRET_KEY: the development key file was created and the warning printed once.
    assert.equal(stderr.match(/development key/g)?.length, 1, stderr)
  } finally {
    server.kill()
    rmSync(dir, { recursive: true, force: true })
  }
})
