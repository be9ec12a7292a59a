// @ts-check
// argon2 and anything that waits run on the libuv pool: the event loop keeps turning while 8
// sign-ins hash passwords with the default (OWASP) argon2id cost. A brief operation the core
// can finish at once (a verification at durability normal on a free database) runs on the JS
// thread, cheaper than the hop to the pool and back.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { mkdtempSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { createPlinto } = require('..')

test('the event loop keeps turning during 8 concurrent sign-ins', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-loop-'))
  const plinto = createPlinto({ database: join(dir, 'loop.db'), secretKey: '33'.repeat(32) })
  const users = []
  for (let i = 0; i < 8; i++) users.push({ email: `loop${i}@example.com`, password: 'TestPassword123!' })
  await Promise.all(users.map((u) => plinto.auth.signUp(u)))

  // One pause of the whole machine (another process, the hypervisor) can stall the loop
  // whatever this process does: the bound must hold in one of three runs.
  const runs = []
  for (let run = 1; run <= 3; run++) {
    const histogram = monitorEventLoopDelay({ resolution: 1 })
    histogram.enable()
    const started = process.hrtime.bigint()
    /** @type {Awaited<ReturnType<typeof plinto.auth.signIn>>[]} */
    const results = await Promise.all(users.map((u) => plinto.auth.signIn(u)))
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
    histogram.disable()
    assert.equal(results.filter((r) => r.session).length, 8)
    const maxMs = histogram.max / 1e6
    const p99Ms = histogram.percentile(99) / 1e6
    console.log(`run ${run}: 8 sign-ins took ${elapsedMs.toFixed(0)} ms; event-loop delay max ${maxMs.toFixed(2)} ms, p99 ${p99Ms.toFixed(2)} ms`)
    assert.ok(elapsedMs > 20, 'the sign-ins really hashed passwords')
    // A loop running a hash itself would stall for a whole hash (at least elapsed / 8, as at
    // most 8 run at once). The limit is 10 ms, or half a hash when other load on the machine
    // makes hashes slower than 20 ms.
    const limitMs = Math.max(10, elapsedMs / 8 / 2)
    runs.push(`${maxMs.toFixed(2)} ms (limit ${limitMs.toFixed(1)} ms)`)
    if (maxMs < limitMs) return
  }
  assert.fail(`event-loop delay in each run: ${runs.join(', ')}`)
})

test('at durability normal a verification runs on the JS thread; at full, and for a notification, on the pool', async () => {
  const { NativeEngine } = require('../native.js')
  const { authenticator } = require('otplib')
  const dir = mkdtempSync(join(tmpdir(), 'plinto-now-'))
  const fast = { password: { memoryKib: 64, iterations: 1 } }
  /** @type {string[]} */
  const notified = []
  const options = { database: join(dir, 'now.db'), secretKey: '44'.repeat(32), ...fast }
  const plinto = createPlinto({ ...options, storage: { durability: 'normal' }, notifier: async (n) => { notified.push(n.kind) } })
  const { user } = await plinto.auth.signUp({ email: 'now@example.com', password: 'TestPassword123!' })
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp' })
  const secret = setup.secret ?? ''
  const next = authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret)
  assert.equal((await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: authenticator.generate(secret) })).success, true)

  const args = JSON.stringify({ userId: user.id, method: 'totp', code: next })
  const normal = new NativeEngine(JSON.stringify({ ...options, storage: { durability: 'normal' } }))
  const answered = normal.call('verify_mfa', args)
  assert.equal(typeof answered, 'string', 'answered at once, without the pool')
  assert.equal(JSON.parse(/** @type {string} */ (answered)).ok.success, true)

  // The replay notifies: the core hands it to the pool, where the notifier is called.
  const replay = await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: next })
  assert.equal(replay.success, false)
  assert.deepEqual(notified, ['factor_added', 'totp_reuse'])

  // The synchronous door takes quick operations only, whatever the durability.
  const refused = JSON.parse(normal.callSync('verify_mfa', args)).error
  assert.deepEqual([refused.code, refused.field], ['invalid_input', 'operation'])
  const unknown = JSON.parse(normal.callSync('no_such_op', '{}')).error
  assert.deepEqual([unknown.code, unknown.field], ['invalid_input', 'operation'])

  const full = new NativeEngine(JSON.stringify({ ...options, storage: { durability: 'full' } }))
  const later = full.call('verify_mfa', args)
  assert.ok(later instanceof Promise, 'a flush to disk waits on the pool')
  assert.equal(JSON.parse(await later).ok.success, false)
})
