// @ts-check
// Push approvals through the Node package, with a simulated phone on the package's phone-side
// functions (a software P-256 key): enrollment, confirmation, a sign-in approved with the
// number shown, and a deny.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { mkdtempSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const {
  createPlinto,
  pushPhoneKey,
  parsePushEnrollment,
  pushRegistration,
  pinPushServerKey,
  pushPoll,
  openPushChallenge,
  pushAnswer,
} = require('..')

const PASSWORD = 'TestPassword123!'

/** @param {import('..').PlintoOptions} [extra] */
function fresh(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-push-'))
  return createPlinto({ database: join(dir, 'p.db'), secretKey: '66'.repeat(32), password: { memoryKib: 64, iterations: 1 }, ...extra })
}

/**
 * Enrolls a simulated phone for `userId` and confirms it.
 * @param {import('..').Plinto} plinto
 * @param {string} userId
 */
async function enrollPhone(plinto, userId) {
  const setup = await plinto.auth.enableMFA({ userId, method: 'push', deviceName: 'Test phone' })
  const uri = setup.qrCodeUrl ?? ''
  assert.match(uri, /^plinto-push:\/\/enroll\?/)
  assert.equal(parsePushEnrollment(uri).account, 'push@example.com')
  const key = pushPhoneKey()
  const registration = pushRegistration({ uri, privateKey: key.privateKey, platform: 'android', pushToken: 'token-1' })
  const device = await plinto.auth.mfa.registerPushDevice({ registration: registration.message })
  const pinned = pinPushServerKey({ uri, serverKey: device.serverKey })
  const confirmed = await plinto.auth.verifyMFA({ userId, method: 'push', code: device.confirmationCode })
  assert.equal(confirmed.success, true)
  assert.equal(confirmed.backupCodes?.length, 10)
  return { key, deviceId: device.deviceId, serverKey: pinned.serverKey }
}

test('a simulated phone approves a sign-in by typing the number shown', async () => {
  /** @type {string[]} */
  const pushed = []
  const plinto = fresh({ senders: { push: (destination, message, meta) => void pushed.push(`${meta.platform}:${destination}:${message}`) } })
  const { user } = await plinto.auth.signUp({ email: 'push@example.com', password: PASSWORD })
  const phone = await enrollPhone(plinto, user.id)
  const status = await plinto.auth.getMFAStatus({ userId: user.id })
  assert.deepEqual(status.methods, ['push', 'backup'])
  assert.equal(status.pushDevices[0].name, 'Test phone')

  const signIn = await plinto.auth.signIn({ email: 'push@example.com', password: PASSWORD })
  const sessionId = signIn.sessionId ?? ''
  const challenge = await plinto.auth.mfa.pushChallenge({ sessionId, appName: 'Acme', ipAddress: '203.0.113.9' })
  assert.equal(challenge.number.length, 6)
  assert.deepEqual(pushed, [`android:token-1:${challenge.challengeId}`])

  const poll = pushPoll({ deviceId: phone.deviceId, privateKey: phone.key.privateKey })
  const pending = await plinto.auth.mfa.pushPending({ request: poll.message })
  assert.equal(pending.challenges.length, 1)
  const details = pending.challenges[0].details
  const shown = openPushChallenge({ details, serverKey: phone.serverKey })
  assert.equal(shown.app, 'Acme')
  assert.equal(shown.ipAddress, '203.0.113.9')
  assert.equal((await plinto.auth.mfa.pushStatus({ challengeId: challenge.challengeId, sessionId })).status, 'pending')

  const answer = pushAnswer({ details, serverKey: phone.serverKey, deviceId: phone.deviceId, action: 'approve', number: challenge.number, privateKey: phone.key.privateKey })
  assert.equal((await plinto.auth.mfa.pushRespond({ response: answer.message })).status, 'approved')
  const done = await plinto.auth.mfa.pushStatus({ challengeId: challenge.challengeId, sessionId })
  assert.equal(done.status, 'approved')
  assert.equal(done.result?.success, true)
  const token = done.result?.session?.token ?? ''
  const info = await plinto.auth.verifySession(token)
  assert.equal(info.valid && info.user.id, user.id)
  await assert.rejects(plinto.auth.mfa.pushRespond({ response: answer.message }), (/** @type {any} */ e) => e.code === 'invalid_input')
})

test('a denied challenge offers the other methods and a forged answer is refused', async () => {
  const plinto = fresh()
  const { user } = await plinto.auth.signUp({ email: 'push@example.com', password: PASSWORD })
  const phone = await enrollPhone(plinto, user.id)
  const other = pushPhoneKey()
  const signIn = await plinto.auth.signIn({ email: 'push@example.com', password: PASSWORD })
  const sessionId = signIn.sessionId ?? ''
  const challenge = await plinto.auth.mfa.pushChallenge({ sessionId })
  const { challenges } = await plinto.auth.mfa.pushPending({ request: pushPoll({ deviceId: phone.deviceId, privateKey: phone.key.privateKey }).message })
  const details = challenges[0].details
  const forged = pushAnswer({ details, serverKey: phone.serverKey, deviceId: phone.deviceId, action: 'approve', number: challenge.number, privateKey: other.privateKey })
  await assert.rejects(plinto.auth.mfa.pushRespond({ response: forged.message }), (/** @type {any} */ e) => e.code === 'mfa_invalid_code')
  const deny = pushAnswer({ details, serverKey: phone.serverKey, deviceId: phone.deviceId, action: 'deny', reason: 'not_me', privateKey: phone.key.privateKey })
  assert.equal((await plinto.auth.mfa.pushRespond({ response: deny.message })).status, 'denied')
  const after = await plinto.auth.mfa.pushStatus({ challengeId: challenge.challengeId, sessionId })
  assert.equal(after.status, 'denied')
  assert.deepEqual(after.result?.fallbackMethods, ['backup'])
  // 10 s from the first challenge, in whole seconds (9 when a second ended since it).
  await assert.rejects(plinto.auth.mfa.pushChallenge({ sessionId }), (/** @type {any} */ e) => e.code === 'mfa_rate_limited' && (e.retryAfter === 10 || e.retryAfter === 9))
})
