// The guide's "Integration Tests", run for real: the example app on the native core, a temp
// SQLite file, codes from otplib (an independent TOTP implementation). No mocks.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import request from 'supertest'
import otplib from 'otplib'

const PASSWORD = 'TestPassword123!'
const dir = mkdtempSync(join(tmpdir(), 'plinto-express-'))
process.env.PLINTO_DATABASE = join(dir, 'plinto.db')
process.env.PLINTO_SECRET_KEY = 'ab'.repeat(32)
// Let the core's attempt limit (5 wrong codes) be what answers 429, not the per-IP limiter.
process.env.MFA_VERIFY_MAX_PER_WINDOW = '1000'

/** @type {import('express').Express} */
let app
/** @type {import('@plinto/mfa').Plinto} */
let plinto

before(async () => {
  ;({ app } = await import('../server.js'))
  ;({ plinto } = await import('@plinto/mfa'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** A code for the step `offset` steps from now (the core accepts ±1 step).
 * @param {string} secret @param {number} [offset] */
function totp(secret, offset = 0) {
  const a = otplib.authenticator.clone({ epoch: Date.now() + offset * 30_000 })
  return a.generate(secret)
}

/** Sign up, set up TOTP and confirm it over HTTP. @param {string} email */
async function enrolledUser(email) {
  const signup = await request(app).post('/api/auth/signup').send({ email, password: PASSWORD })
  assert.equal(signup.status, 200, JSON.stringify(signup.body))
  const authToken = signup.body.session.token
  const setup = await request(app)
    .post('/api/auth/mfa/setup')
    .set('Authorization', `Bearer ${authToken}`)
    .send({ method: 'totp', label: 'Integration Test' })
  assert.equal(setup.status, 200, JSON.stringify(setup.body))
  assert.equal(setup.body.success, true)
  assert.ok(setup.body.qrCodeUrl.includes('otpauth://'))
  const secret = setup.body.secret
  const confirm = await request(app)
    .post('/api/auth/mfa/verify')
    .set('Authorization', `Bearer ${authToken}`)
    .send({ method: 'totp', code: totp(secret) })
  assert.equal(confirm.status, 200, JSON.stringify(confirm.body))
  assert.equal(confirm.body.backupCodes.length, 10)
  return { userId: signup.body.user.id, authToken, secret, backupCodes: confirm.body.backupCodes }
}

/** @param {string} email */
async function pendingSignIn(email) {
  const r = await request(app).post('/api/auth/signin').send({ email, password: PASSWORD })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  assert.equal(r.body.requiresMfa, true)
  return r.body.sessionId
}

test('TOTP flow: setup, sign in, verify with otplib code, cookie works on /status', async () => {
  const { secret } = await enrolledUser('mfa-test@example.com')
  const signInResponse = await request(app)
    .post('/api/auth/signin')
    .send({ email: 'mfa-test@example.com', password: PASSWORD })
  assert.equal(signInResponse.status, 200)
  assert.equal(signInResponse.body.requiresMfa, true)
  assert.deepEqual(signInResponse.body.mfaMethods, ['totp', 'backup'])
  // The pending handle does not pass `authenticate`.
  const blocked = await request(app)
    .get('/api/auth/mfa/status')
    .set('Authorization', `Bearer ${signInResponse.body.sessionId}`)
  assert.equal(blocked.status, 403)
  assert.equal(blocked.body.requiresMfa, true)
  assert.equal(blocked.body.sessionId, signInResponse.body.sessionId)

  const mfaResponse = await request(app)
    .post('/api/auth/mfa/verify')
    .send({ sessionId: signInResponse.body.sessionId, method: 'totp', code: totp(secret, 1) })
  assert.equal(mfaResponse.status, 200, JSON.stringify(mfaResponse.body))
  assert.equal(mfaResponse.body.success, true)
  assert.ok(mfaResponse.body.session.token)
  const cookie = mfaResponse.headers['set-cookie']
  assert.ok(String(cookie).includes('HttpOnly') && String(cookie).includes('SameSite=Lax'))

  const status = await request(app).get('/api/auth/mfa/status').set('Cookie', cookie)
  assert.equal(status.status, 200)
  assert.deepEqual(status.body.methods, ['totp', 'backup'])
  assert.equal(status.body.enabled, true)
  assert.equal(status.body.backupCodesRemaining, 10)
  assert.ok(status.body.lastUsed)
})

test('a backup code works once, then 401', async () => {
  const { authToken } = await enrolledUser('backup@example.com')
  const generateResponse = await request(app)
    .post('/api/auth/mfa/backup-codes/regenerate')
    .set('Authorization', `Bearer ${authToken}`)
    .send({ password: PASSWORD })
  assert.equal(generateResponse.status, 200)
  assert.equal(generateResponse.body.codes.length, 10)
  const backupCode = generateResponse.body.codes[0]

  const authResponse = await request(app)
    .post('/api/auth/mfa/verify')
    .send({ sessionId: await pendingSignIn('backup@example.com'), method: 'backup', code: backupCode })
  assert.equal(authResponse.status, 200)
  assert.equal(authResponse.body.success, true)

  const reusedResponse = await request(app)
    .post('/api/auth/mfa/verify')
    .send({ sessionId: await pendingSignIn('backup@example.com'), method: 'backup', code: backupCode })
  assert.equal(reusedResponse.status, 401)
  // Regenerating needs the password.
  const wrong = await request(app)
    .post('/api/auth/mfa/backup-codes/regenerate')
    .set('Authorization', `Bearer ${authToken}`)
    .send({ password: 'not-the-password' })
  assert.equal(wrong.status, 400)
})

test('6 concurrent wrong codes: at least one 429, at most 5 attempts counted', async () => {
  const { userId } = await enrolledUser('ratelimit@example.com')
  const sessionId = await pendingSignIn('ratelimit@example.com')
  const responses = await Promise.all(
    Array.from({ length: 6 }, () =>
      request(app).post('/api/auth/mfa/verify').send({ sessionId, method: 'totp', code: '000000' }),
    ),
  )
  const statuses = responses.map((r) => r.status).sort()
  assert.ok(statuses.includes(429), JSON.stringify(statuses))
  assert.ok(statuses.every((s) => s === 401 || s === 429), JSON.stringify(statuses))
  const events = await plinto.auth.listAuditEvents({ userId })
  const counted = events.filter((e) => e.action === 'mfa_verify' && !e.success && e.detail === 'mfa_invalid_code')
  assert.equal(counted.length, 5)
  const limited = responses.find((r) => r.status === 429)
  assert.ok(limited && limited.body.retryAfter > 0)
})

test('disable MFA: password required, then password + code disables', async () => {
  const { authToken, secret } = await enrolledUser('disable@example.com')
  const response = await request(app)
    .post('/api/auth/mfa/disable')
    .set('Authorization', `Bearer ${authToken}`)
    .send({ confirmationCode: '123456' })
  assert.equal(response.status, 400)
  assert.match(response.body.details, /password/)
  const ok = await request(app)
    .post('/api/auth/mfa/disable')
    .set('Authorization', `Bearer ${authToken}`)
    .send({ password: PASSWORD, confirmationCode: totp(secret, 1) })
  assert.equal(ok.status, 200, JSON.stringify(ok.body))
  const status = await request(app).get('/api/auth/mfa/status').set('Authorization', `Bearer ${authToken}`)
  assert.equal(status.body.enabled, false)
})

test('every MfaLevel on the guarded routes', async () => {
  // A plain user without MFA.
  const plain = await request(app).post('/api/auth/signup').send({ email: 'plain@example.com', password: PASSWORD })
  const plainAuth = `Bearer ${plain.body.session.token}`
  assert.equal((await request(app).get('/api/profile').set('Authorization', plainAuth)).status, 200) // NONE
  assert.equal((await request(app).get('/api/reports').set('Authorization', plainAuth)).status, 200) // OPTIONAL
  assert.equal((await request(app).post('/api/admin/users').set('Authorization', plainAuth)).status, 201) // ADMIN_ONLY, not admin
  const notConfigured = await request(app).post('/api/payments').set('Authorization', plainAuth) // REQUIRED
  assert.equal(notConfigured.status, 403)
  assert.equal(notConfigured.body.requiresMfaSetup, true)
  assert.equal(notConfigured.body.redirectTo, '/settings/security')
  assert.equal((await request(app).get('/api/profile')).status, 401)

  // An admin: ADMIN_ONLY requires MFA.
  const admin = await plinto.auth.signUp({ email: 'admin@example.com', password: PASSWORD, role: 'admin' })
  const adminAuth = `Bearer ${admin.session.token}`
  const setupNeeded = await request(app).post('/api/admin/users').set('Authorization', adminAuth)
  assert.equal(setupNeeded.status, 403)
  assert.equal(setupNeeded.body.requiresMfaSetup, true)
  const setup = await plinto.auth.enableMFA({ userId: admin.user.id, method: 'totp' })
  assert.ok(setup.secret)
  const confirmed = await plinto.auth.verifyMFA({ userId: admin.user.id, method: 'totp', code: totp(setup.secret) })
  assert.equal(confirmed.success, true)
  // MFA enabled, but this session never verified it: step-up needed.
  const stepUp = await request(app).post('/api/admin/users').set('Authorization', adminAuth)
  assert.equal(stepUp.status, 403)
  assert.equal(stepUp.body.requiresMfa, true)
  assert.deepEqual(stepUp.body.availableMethods, ['totp', 'backup'])
  // Step up on this session with a fresh code, then the route passes.
  const verified = await request(app)
    .post('/api/auth/mfa/verify')
    .send({ sessionId: stepUp.body.sessionId, method: 'totp', code: totp(setup.secret, 1) })
  assert.equal(verified.status, 200, JSON.stringify(verified.body))
  assert.equal((await request(app).post('/api/admin/users').set('Authorization', adminAuth)).status, 201)
  assert.equal((await request(app).post('/api/payments').set('Authorization', adminAuth)).status, 200)
})

test('bad input over HTTP gives typed errors, not crashes', async () => {
  const big = 'x'.repeat(1 << 20)
  const r1 = await request(app).post('/api/auth/signup').send({ email: big, password: PASSWORD })
  assert.equal(r1.status, 400)
  assert.equal(r1.body.code, 'invalid_input')
  const r2 = await request(app).post('/api/auth/signup').send({ email: 12, password: PASSWORD })
  assert.equal(r2.body.code, 'invalid_input')
  const r3 = await request(app).post('/api/auth/mfa/verify').send({ sessionId: 'nope', method: 'totp', code: '123456' })
  assert.equal(r3.status, 400)
  assert.match(r3.body.details, /Invalid or expired session/)
  const r4 = await request(app).post('/api/auth/signin').send({ email: 'nobody@example.com', password: PASSWORD })
  assert.equal(r4.status, 401)
  assert.equal(r4.body.code, 'invalid_credentials')
})
