// Push approvals over HTTP: the sign-in page's routes (challenge, status) and the phone's
// (register, pending, respond) on the example app, with a simulated phone on the package's
// phone-side functions (a software P-256 key). No mocks: the native core, a temp SQLite file.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'

const PASSWORD = 'TestPassword123!'
const dir = mkdtempSync(join(tmpdir(), 'plinto-express-push-'))
process.env.PLINTO_DATABASE = join(dir, 'plinto.db')
process.env.PLINTO_SECRET_KEY = 'cd'.repeat(32)
process.env.PLINTO_ISSUER = 'Acme'

/** @type {import('express').Express} */
let app
/** @type {typeof import('@plinto/mfa')} */
let mfa

before(async () => {
  ;({ app } = await import('../server.js'))
  mfa = await import('@plinto/mfa')
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** Signs up and enrolls a simulated phone over HTTP. @param {string} email */
async function userWithPhone(email) {
  const signup = await request(app).post('/api/auth/signup').send({ email, password: PASSWORD })
  const token = signup.body.session.token
  const setup = await request(app).post('/api/auth/mfa/setup').set('Authorization', `Bearer ${token}`).send({ method: 'push', deviceName: 'Test phone' })
  assert.equal(setup.status, 200, JSON.stringify(setup.body))
  const uri = setup.body.qrCodeUrl
  assert.match(uri, /^plinto-push:\/\/enroll\?/)
  const key = mfa.pushPhoneKey()
  const registration = mfa.pushRegistration({ uri, privateKey: key.privateKey, platform: 'none' }).message
  const device = await request(app).post('/api/push/register').send({ registration })
  assert.equal(device.status, 200, JSON.stringify(device.body))
  const serverKey = mfa.pinPushServerKey({ uri, serverKey: device.body.serverKey }).serverKey
  const confirm = await request(app).post('/api/auth/mfa/verify').set('Authorization', `Bearer ${token}`).send({ method: 'push', code: device.body.confirmationCode })
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body))
  assert.equal(confirm.body.backupCodes.length, 10)
  const status = await request(app).get('/api/auth/mfa/status').set('Authorization', `Bearer ${token}`)
  assert.equal(status.body.pushDevices[0].name, 'Test phone')
  return { key, deviceId: device.body.deviceId, serverKey }
}

/** The phone's answer to its one pending challenge.
 * @param {{ key: { privateKey: string }, deviceId: string, serverKey: string }} phone
 * @param {'approve' | 'deny' | 'report'} action @param {string} [number] */
async function answer(phone, action, number) {
  const request_ = mfa.pushPoll({ deviceId: phone.deviceId, privateKey: phone.key.privateKey }).message
  const pending = await request(app).post('/api/push/pending').send({ request: request_ })
  assert.equal(pending.status, 200, JSON.stringify(pending.body))
  const details = pending.body.challenges[0].details
  const shown = mfa.openPushChallenge({ details, serverKey: phone.serverKey })
  assert.equal(shown.app, 'Acme')
  const response = mfa.pushAnswer({ details, serverKey: phone.serverKey, deviceId: phone.deviceId, action, number, privateKey: phone.key.privateKey }).message
  const sent = await request(app).post('/api/push/respond').send({ response })
  assert.equal(sent.status, 200, JSON.stringify(sent.body))
  return sent.body.status
}

/** @param {string} email */
async function signIn(email) {
  const r = await request(app).post('/api/auth/signin').send({ email, password: PASSWORD })
  assert.equal(r.body.requiresMfa, true)
  assert.deepEqual(r.body.mfaMethods, ['push', 'backup'])
  return r.body.sessionId
}

test('a sign-in approved on the phone with the number shown sets the session cookie', async () => {
  const phone = await userWithPhone('push-ok@example.com')
  const sessionId = await signIn('push-ok@example.com')
  const challenge = await request(app).post('/api/auth/mfa/push/challenge').send({ sessionId })
  assert.equal(challenge.status, 200, JSON.stringify(challenge.body))
  assert.equal(challenge.body.number.length, 6)
  const waiting = await request(app).post('/api/auth/mfa/push/status').send({ sessionId, challengeId: challenge.body.challengeId })
  assert.equal(waiting.body.status, 'pending')
  assert.ok(waiting.body.expiresIn > 0 && waiting.body.expiresIn <= 120)
  assert.equal(await answer(phone, 'approve', challenge.body.number), 'approved')
  const done = await request(app).post('/api/auth/mfa/push/status').send({ sessionId, challengeId: challenge.body.challengeId })
  assert.equal(done.body.status, 'approved')
  assert.equal(done.body.success, true)
  assert.match(String(done.headers['set-cookie']), /session=/)
  const me = await request(app).get('/api/auth/session').set('Authorization', `Bearer ${done.body.session.token}`)
  assert.equal(me.body.user.email, 'push-ok@example.com')
})

test('a denial offers the other methods, and pushes too soon are refused with Retry-After', async () => {
  const phone = await userWithPhone('push-deny@example.com')
  const sessionId = await signIn('push-deny@example.com')
  const challenge = await request(app).post('/api/auth/mfa/push/challenge').send({ sessionId })
  assert.equal(await answer(phone, 'deny'), 'denied')
  const denied = await request(app).post('/api/auth/mfa/push/status').send({ sessionId, challengeId: challenge.body.challengeId })
  assert.equal(denied.body.status, 'denied')
  assert.equal(denied.body.code, 'mfa_push_denied')
  assert.deepEqual(denied.body.fallbackMethods, ['backup'])
  const again = await request(app).post('/api/auth/mfa/push/challenge').send({ sessionId })
  assert.equal(again.status, 429)
  assert.equal(again.body.code, 'mfa_rate_limited')
  assert.equal(again.headers['retry-after'], '10')
})

test('a report suspends push, and a forged answer is refused', async () => {
  const phone = await userWithPhone('push-report@example.com')
  const sessionId = await signIn('push-report@example.com')
  await request(app).post('/api/auth/mfa/push/challenge').send({ sessionId })
  const stranger = mfa.pushPhoneKey()
  const poll = mfa.pushPoll({ deviceId: phone.deviceId, privateKey: stranger.privateKey }).message
  const forged = await request(app).post('/api/push/pending').send({ request: poll })
  assert.equal(forged.status, 401)
  assert.equal(forged.body.code, 'mfa_invalid_code')
  // An answer signed by a key that is not the phone's is refused too.
  const real = mfa.pushPoll({ deviceId: phone.deviceId, privateKey: phone.key.privateKey }).message
  const details = (await request(app).post('/api/push/pending').send({ request: real })).body.challenges[0].details
  const forgedAnswer = mfa.pushAnswer({ details, serverKey: phone.serverKey, deviceId: phone.deviceId, action: 'approve', number: '000000', privateKey: stranger.privateKey }).message
  const refused = await request(app).post('/api/push/respond').send({ response: forgedAnswer })
  assert.equal(refused.status, 401)
  assert.equal(refused.body.code, 'mfa_invalid_code')
  assert.equal(await answer(phone, 'report'), 'reported')
  const suspended = await request(app).post('/api/auth/mfa/push/challenge').send({ sessionId })
  assert.equal(suspended.status, 403)
  assert.equal(suspended.body.code, 'mfa_push_suspended')
})
