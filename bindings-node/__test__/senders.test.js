// @ts-check
// SMS and email codes through application senders: delivered, thrown, never returning.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { mkdtempSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { createPlinto, MfaError, DestinationRejected } = require('..')

const PASSWORD = 'TestPassword123!'

/** @param {import('..').PlintoOptions} [extra] */
function fresh(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-senders-'))
  return createPlinto({ database: join(dir, 'p.db'), secretKey: '55'.repeat(32), password: { memoryKib: 64, iterations: 1 }, ...extra })
}

test('an async sender delivers setup and sign-in codes', async () => {
  /** @type {Array<{destination: string, message: string, meta: import('..').DeliveryMeta}>} */
  const outbox = []
  const plinto = fresh({
    senders: {
      sms: async (destination, message, meta) => {
        await new Promise((r) => setTimeout(r, 5))
        outbox.push({ destination, message, meta })
      },
    },
  })
  const { user } = await plinto.auth.signUp({ email: 'sms@example.com', password: PASSWORD })
  await assert.rejects(plinto.auth.enableMFA({ userId: user.id, method: 'sms', phoneNumber: 'invalid' }), (/** @type {any} */ e) => {
    assert.ok(e instanceof MfaError)
    assert.equal(e.code, 'invalid_input')
    assert.match(e.message, /Invalid phone number/)
    return true
  })
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'sms', phoneNumber: '+1234567890' })
  assert.equal(setup.codeSent, true)
  assert.equal(setup.destination, '+1******7890')
  assert.equal(/** @type {any} */ (setup).delivery, undefined, 'the delivery envelope stays inside the package')
  assert.equal(outbox[0].destination, '+1234567890')
  assert.equal(outbox[0].meta.purpose, 'setup')
  assert.ok(outbox[0].message.includes(outbox[0].meta.code))
  const confirmed = await plinto.auth.verifyMFA({ userId: user.id, method: 'sms', code: outbox[0].meta.code })
  assert.equal(confirmed.success, true)

  const signIn = await plinto.auth.signIn({ email: 'sms@example.com', password: PASSWORD })
  assert.deepEqual(signIn.mfaMethods, ['sms', 'backup'])
  const sessionId = signIn.sessionId ?? ''
  // The per-minute resend limit (1): sign-in codes count apart from setup codes, so the first
  // goes and the second is refused.
  await plinto.auth.mfa.requestNewCode({ sessionId, method: 'sms' })
  await assert.rejects(plinto.auth.mfa.requestNewCode({ sessionId, method: 'sms' }), (/** @type {any} */ e) => {
    assert.equal(e.code, 'mfa_rate_limited')
    assert.ok(e.retryAfter > 0 && e.retryAfter <= 60)
    return true
  })
  await plinto.auth.mfa.configure({ methods: { sms: { rateLimits: { perMinute: 5, perHour: 10, perDay: 20 } } } })
  const sent = await plinto.auth.mfa.requestNewCode({ sessionId, method: 'sms' })
  assert.equal(sent.expiresIn, 600)
  assert.equal(sent.attemptsRemaining, 5)
  const code = outbox[outbox.length - 1].meta.code
  const done = await plinto.auth.mfa.challenge({ sessionId, method: 'sms', code })
  assert.equal(done.success, true)
})

test('a sender that throws gives mfa_delivery_failed and its code is void', async () => {
  /** @type {string[]} */
  const attempted = []
  const plinto = fresh({
    senders: {
      email: (_destination, _message, meta) => {
        attempted.push(meta.code)
        throw new Error('mail server down')
      },
    },
  })
  const { user } = await plinto.auth.signUp({ email: 'throw@example.com', password: PASSWORD })
  await assert.rejects(plinto.auth.enableMFA({ userId: user.id, method: 'email' }), (/** @type {any} */ e) => {
    assert.ok(e instanceof MfaError)
    assert.equal(e.code, 'mfa_delivery_failed')
    assert.match(e.message, /email/)
    return true
  })
  const r = await plinto.auth.verifyMFA({ userId: user.id, method: 'email', code: attempted[0] })
  assert.equal(r.success, false)
  const events = await plinto.auth.listAuditEvents({ userId: user.id })
  assert.ok(events.some((e) => e.action === 'delivery_failed' && e.detail === 'failed: mail server down'))
})

test('a destination the provider refuses is invalid_input and leaves the provider healthy', async () => {
  const plinto = fresh({
    delivery: { failureThreshold: 1 },
    senders: {
      sms: (destination) => {
        if (destination.startsWith('+1555555000')) throw new DestinationRejected('unreachable number')
      },
    },
  })
  for (let i = 0; i < 3; i++) {
    const { user } = await plinto.auth.signUp({ email: `reject${i}@example.com`, password: PASSWORD })
    await assert.rejects(plinto.auth.enableMFA({ userId: user.id, method: 'sms', phoneNumber: `+1555555000${i}` }), {
      code: 'invalid_input',
      field: 'phoneNumber',
    })
  }
  // One failure degrades at this threshold: had the refusals counted, SMS would be down.
  const { user } = await plinto.auth.signUp({ email: 'fine@example.com', password: PASSWORD })
  const ok = await plinto.auth.enableMFA({ userId: user.id, method: 'sms', phoneNumber: '+15555550123' })
  assert.equal(ok.codeSent, true)
  const events = await plinto.auth.listAuditEvents({ userId: user.id })
  assert.ok(!events.some((e) => e.action === 'delivery_failed'))
})

test('notifications reach the application notifier; a failing one is on record', async () => {
  /** @type {import('..').Notification[]} */
  const received = []
  const plinto = fresh({ notifier: async (n) => { received.push(n) } })
  const { user, session } = await plinto.auth.signUp({ email: 'notes@example.com', password: PASSWORD })
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp', sessionToken: session.token })
  const { authenticator } = require('otplib')
  const done = await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: authenticator.generate(setup.secret ?? ''), sessionToken: session.token })
  assert.equal(done.success, true)
  assert.deepEqual(received.map((n) => n.kind), ['factor_added'])
  assert.equal(received[0].email, 'notes@example.com')
  assert.equal(received[0].method, 'totp')
  assert.match(received[0].subject, /sign-in method was added/)
  plinto.auth.mfa.setNotifier(() => { throw new Error('push service down') })
  await plinto.auth.changePassword({ userId: user.id, currentPassword: PASSWORD, newPassword: 'A-Brand-New-Pass-4', sessionToken: session.token })
  const events = await plinto.auth.listAuditEvents({ userId: user.id })
  assert.ok(events.some((e) => e.action === 'notification_failed' && e.detail === 'password_changed: push service down'))
  assert.throws(() => plinto.auth.mfa.setNotifier(/** @type {any} */ (7)), { code: 'invalid_input', field: 'notifier' })
})

test('the breached-password check is asked about new passwords', async () => {
  /** @type {string[]} */
  const asked = []
  const plinto = fresh({ passwordCheck: async (p) => { asked.push(p); return p === 'Correct-Horse-Battery-9' } })
  await assert.rejects(plinto.auth.signUp({ email: 'breach@example.com', password: 'Correct-Horse-Battery-9' }), (/** @type {any} */ e) => {
    assert.equal(e.code, 'invalid_input')
    assert.equal(e.field, 'password')
    assert.match(e.reason, /data breach/)
    return true
  })
  await plinto.auth.signUp({ email: 'breach@example.com', password: 'Correct-Horse-Battery-8' })
  assert.deepEqual(asked, ['Correct-Horse-Battery-9', 'Correct-Horse-Battery-8'])
  // The common list needs no hook.
  await assert.rejects(plinto.auth.signUp({ email: 'common@example.com', password: 'password123' }), { field: 'password' })
  // A check that fails lets the password through.
  plinto.auth.mfa.setPasswordCheck(() => { throw new Error('service down') })
  await plinto.auth.signUp({ email: 'outage@example.com', password: 'Outage-Password-5' })
})

test('a sender that never returns times out', async () => {
  const plinto = fresh({ delivery: { timeoutSeconds: 1 }, senders: { sms: () => new Promise(() => {}) } })
  const { user } = await plinto.auth.signUp({ email: 'hang@example.com', password: PASSWORD })
  const started = Date.now()
  await assert.rejects(plinto.auth.enableMFA({ userId: user.id, method: 'sms', phoneNumber: '+15555550199' }), { code: 'mfa_delivery_failed' })
  const elapsed = Date.now() - started
  assert.ok(elapsed >= 900 && elapsed < 5000, `${elapsed} ms`)
})

test('fallback methods and senders are checked', async () => {
  const plinto = fresh()
  assert.throws(() => plinto.auth.mfa.setSender(/** @type {any} */ ('fax'), () => {}), { code: 'invalid_input', field: 'channel' })
  assert.throws(() => plinto.auth.mfa.setSender('sms', /** @type {any} */ (42)), { code: 'invalid_input', field: 'sender' })
  const { user } = await plinto.auth.signUp({ email: 'fb@example.com', password: PASSWORD })
  assert.deepEqual(await plinto.auth.getFallbackMethods({ userId: user.id, failedMethod: 'sms' }), [])
  // No application sender and no built-in one: the code cannot be sent.
  await assert.rejects(plinto.auth.enableMFA({ userId: user.id, method: 'email' }), { code: 'mfa_delivery_failed' })
})
