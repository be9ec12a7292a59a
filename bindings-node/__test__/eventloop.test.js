// @ts-check
// argon2 and SQLite run on the libuv pool: the event loop keeps turning while 8 sign-ins hash
// passwords with the default (OWASP) argon2id cost.
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

  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  const started = process.hrtime.bigint()
  const results = await Promise.all(users.map((u) => plinto.auth.signIn(u)))
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6
  histogram.disable()
  assert.equal(results.filter((r) => r.session).length, 8)
  const maxMs = histogram.max / 1e6
  const p99Ms = histogram.percentile(99) / 1e6
  console.log(`8 sign-ins took ${elapsedMs.toFixed(0)} ms; event-loop delay max ${maxMs.toFixed(2)} ms, p99 ${p99Ms.toFixed(2)} ms`)
  assert.ok(elapsedMs > 20, 'the sign-ins really hashed passwords')
  // A loop running a hash itself would stall for a whole hash (at least elapsed / 8, as at
  // most 8 run at once). The limit is 10 ms, or half a hash when other load on the machine
  // makes hashes slower than 20 ms.
  const limitMs = Math.max(10, elapsedMs / 8 / 2)
  assert.ok(maxMs < limitMs, `event-loop delay ${maxMs} ms (limit ${limitMs.toFixed(1)} ms)`)
})
