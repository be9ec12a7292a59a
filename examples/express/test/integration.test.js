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
// Let the core's attempt limit (5 wrong codes) be what answers 429, not the per-IP limiter,
// and send wrong codes back to back (email.test.js waits out the enforced delay instead).
process.env.MFA_VERIFY_MAX_PER_WINDOW = '1000'
process.env.PLINTO_CONFIG = JSON.stringify({ rateLimiting: { progressiveDelay: false } })
// Requests through supertest come from loopback: X-Forwarded-Proto from there is believed.
process.env.TRUST_PROXY = 'loopback'

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
  assert.equal(signup.status, 201, JSON.stringify(signup.body))
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
  // The pending handle authenticates nothing: not the status, not the guarded routes at any
  // level, not a factor change.
  for (const [method, path] of [['get', '/api/auth/mfa/status'], ['get', '/api/profile'], ['get', '/api/reports'],
    ['post', '/api/payments'], ['post', '/api/auth/mfa/setup'], ['get', '/api/auth/sessions']]) {
    const blocked = await /** @type {any} */ (request(app))[method](path)
      .set('Authorization', `Bearer ${signInResponse.body.sessionId}`)
      .send({ method: 'totp' })
    assert.equal(blocked.status, 401, `${method} ${path}`)
  }

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
  assert.equal(wrong.status, 401)
  assert.equal(wrong.body.code, 'invalid_credentials')
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
  assert.equal(response.body.field, 'password')
  const ok = await request(app)
    .post('/api/auth/mfa/disable')
    .set('Authorization', `Bearer ${authToken}`)
    .send({ password: PASSWORD, confirmationCode: totp(secret, 1) })
  assert.equal(ok.status, 200, JSON.stringify(ok.body))
  const status = await request(app).get('/api/auth/mfa/status').set('Authorization', `Bearer ${authToken}`)
  assert.equal(status.body.enabled, false)
})

test('every MfaLevel on the guarded routes; admin routes check the role', async () => {
  // A plain user without MFA.
  const plain = await request(app).post('/api/auth/signup').send({ email: 'plain@example.com', password: PASSWORD })
  const plainAuth = `Bearer ${plain.body.session.token}`
  assert.equal((await request(app).get('/api/profile').set('Authorization', plainAuth)).status, 200) // NONE
  assert.equal((await request(app).get('/api/reports').set('Authorization', plainAuth)).status, 200) // OPTIONAL
  // ADMIN_ONLY lets a non-admin through the MFA check, but the route is for administrators.
  const notAdmin = await request(app).post('/api/admin/users').set('Authorization', plainAuth)
    .send({ email: 'made-by-user@example.com', password: PASSWORD, role: 'super_admin' })
  assert.equal(notAdmin.status, 403)
  assert.equal(notAdmin.body.code, 'forbidden_role')
  await assert.rejects(plinto.auth.signIn({ email: 'made-by-user@example.com', password: PASSWORD }), { code: 'invalid_credentials' })
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
  const setup = await request(app).post('/api/auth/mfa/setup').set('Authorization', adminAuth).send({ method: 'totp' })
  assert.equal(setup.status, 200, JSON.stringify(setup.body))
  const confirmed = await request(app).post('/api/auth/mfa/verify').set('Authorization', adminAuth)
    .send({ method: 'totp', code: totp(setup.body.secret) })
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
  // The session that confirmed the factor has been through password and TOTP: it passes, and
  // the new user's role is never taken from the request.
  const created = await request(app).post('/api/admin/users').set('Authorization', adminAuth)
    .send({ email: 'made-by-admin@example.com', password: PASSWORD, role: 'super_admin' })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  assert.equal(created.body.user.role, 'user')
  assert.equal((await request(app).post('/api/payments').set('Authorization', adminAuth)).status, 200)
  // A fresh sign-in with MFA passes too; the payment's step-up lasts its ten minutes.
  const signin = await plinto.auth.signIn({ email: 'admin@example.com', password: PASSWORD })
  const step = await request(app).post('/api/auth/mfa/verify').send({ sessionId: signin.sessionId, method: 'totp', code: totp(setup.body.secret, 1) })
  assert.equal(step.status, 200, JSON.stringify(step.body))
  assert.equal((await request(app).post('/api/payments').set('Authorization', `Bearer ${step.body.session.token}`)).status, 200)
})

test('sessions over HTTP: listed, one revoked, the others revoked, and ended by a password change', async () => {
  const signup = await request(app).post('/api/auth/signup').set('User-Agent', 'laptop').send({ email: 'sessions-http@example.com', password: PASSWORD })
  const mine = `Bearer ${signup.body.session.token}`
  const phone = await request(app).post('/api/auth/signin').set('User-Agent', 'phone').send({ email: 'sessions-http@example.com', password: PASSWORD })
  const tablet = await request(app).post('/api/auth/signin').set('User-Agent', 'tablet').send({ email: 'sessions-http@example.com', password: PASSWORD })
  const list = await request(app).get('/api/auth/sessions').set('Authorization', mine)
  assert.equal(list.status, 200)
  assert.deepEqual(list.body.sessions.map((/** @type {any} */ s) => [s.userAgent, s.current]), [['tablet', false], ['phone', false], ['laptop', true]])
  assert.ok(list.body.sessions.every((/** @type {any} */ s) => s.id.startsWith('ses_') && !JSON.stringify(s).includes(phone.body.session.token)))
  const revoked = await request(app).delete(`/api/auth/sessions/${phone.body.session.id}`).set('Authorization', mine)
  assert.equal(revoked.status, 200)
  assert.equal((await request(app).get('/api/profile').set('Authorization', `Bearer ${phone.body.session.token}`)).status, 401)
  assert.equal((await request(app).delete(`/api/auth/sessions/${phone.body.session.id}`).set('Authorization', mine)).status, 404)
  // A new password ends the other sessions.
  const weak = await request(app).post('/api/auth/password').set('Authorization', mine).send({ currentPassword: PASSWORD, newPassword: 'password1' })
  assert.equal(weak.status, 400)
  assert.equal(weak.body.field, 'newPassword')
  const changed = await request(app).post('/api/auth/password').set('Authorization', mine).send({ currentPassword: PASSWORD, newPassword: 'Second-Long-Password-3' })
  assert.equal(changed.status, 200, JSON.stringify(changed.body))
  assert.equal(changed.body.revoked, 1)
  assert.equal((await request(app).get('/api/profile').set('Authorization', `Bearer ${tablet.body.session.token}`)).status, 401)
  assert.equal((await request(app).get('/api/profile').set('Authorization', mine)).status, 200)
  const others = await request(app).post('/api/auth/sessions/revoke-others').set('Authorization', mine)
  assert.deepEqual(others.body, { success: true, revoked: 0 })
})

test('no code in any response: SMS setup and resend answer without it', async () => {
  /** @type {string[]} */
  const sent = []
  plinto.auth.mfa.setSender('sms', (_to, _message, meta) => { sent.push(meta.code) })
  try {
    const signup = await request(app).post('/api/auth/signup').send({ email: 'nocode-http@example.com', password: PASSWORD })
    const auth = `Bearer ${signup.body.session.token}`
    const setup = await request(app).post('/api/auth/mfa/setup').set('Authorization', auth).send({ method: 'sms', phoneNumber: '+15555550111' })
    assert.equal(setup.status, 200, JSON.stringify(setup.body))
    assert.equal(sent.length, 1)
    assert.ok(!JSON.stringify(setup.body).includes(sent[0]))
    await plinto.auth.mfa.configure({ methods: { sms: { rateLimits: { perMinute: 5 } } } })
    const resent = await request(app).post('/api/auth/mfa/resend').set('Authorization', auth).send({ method: 'sms' })
    assert.equal(resent.status, 200, JSON.stringify(resent.body))
    assert.equal(sent.length, 2)
    assert.ok(!JSON.stringify(resent.body).includes(sent[1]))
    assert.equal(resent.body.destination, '+1******0111')
  } finally {
    plinto.auth.mfa.setSender('sms', null)
  }
})

test('cookies: Secure __Host- over https; cross-site POSTs are refused and cannot sign out', async () => {
  const https = await request(app).post('/api/auth/signup').set('X-Forwarded-Proto', 'https').send({ email: 'cookie@example.com', password: PASSWORD })
  const set = String(https.headers['set-cookie'])
  assert.match(set, /^__Host-session=[^;]+; Max-Age=\d+; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/)
  const cookie = set.split(';')[0]
  assert.equal((await request(app).get('/api/profile').set('X-Forwarded-Proto', 'https').set('Cookie', cookie)).status, 200)
  // Over plain http (development) the cookie is `session`, without Secure.
  const http = await request(app).post('/api/auth/signin').send({ email: 'cookie@example.com', password: PASSWORD })
  assert.match(String(http.headers['set-cookie']), /^session=[^;]+;.*HttpOnly; SameSite=Lax$/)
  // Plain http under another name (a TLS proxy in front that TRUST_PROXY does not name): Secure.
  const proxied = await request(app).post('/api/auth/signin').set('Host', 'app.example').send({ email: 'cookie@example.com', password: PASSWORD })
  assert.match(String(proxied.headers['set-cookie']), /^session=[^;]+;.*HttpOnly; Secure; SameSite=Lax$/)
  // A cross-site form posting: refused before the route, with the cookie or without it (a
  // SameSite=Lax cookie is not sent on a cross-site POST, and the sign-out would still clear
  // it; a cross-site sign-in would log the victim in to another account).
  const evil = await request(app).post('/api/auth/signout').set('X-Forwarded-Proto', 'https').set('Cookie', cookie).set('Origin', 'https://evil.example')
  assert.equal(evil.status, 403)
  assert.equal(evil.body.code, 'forbidden_origin')
  const noCookie = await request(app).post('/api/auth/signout').set('X-Forwarded-Proto', 'https').set('Origin', 'https://evil.example')
  assert.equal(noCookie.status, 403)
  assert.equal(noCookie.headers['set-cookie'], undefined)
  const loginCsrf = await request(app).post('/api/auth/signin').set('Sec-Fetch-Site', 'cross-site').send({ email: 'cookie@example.com', password: PASSWORD })
  assert.equal(loginCsrf.status, 403)
  const fetchMeta = await request(app).post('/api/auth/signout').set('Cookie', cookie).set('Sec-Fetch-Site', 'cross-site')
  assert.equal(fetchMeta.status, 403)
  assert.equal((await request(app).get('/api/profile').set('X-Forwarded-Proto', 'https').set('Cookie', cookie)).status, 200, 'still signed in')
  // Over https a plain `session` cookie (one a sibling subdomain could plant) is not read.
  const planted = `session=${cookie.split('=')[1]}`
  assert.equal((await request(app).get('/api/profile').set('X-Forwarded-Proto', 'https').set('Cookie', planted)).status, 401)
  // The same site's own page may.
  const own = await request(app).post('/api/auth/signout').set('X-Forwarded-Proto', 'https').set('Cookie', cookie)
    .set('Host', 'app.example').set('Origin', 'https://app.example')
  assert.equal(own.status, 200)
  // Cleared with the attributes it was set with (a __Host- cookie is only cleared so).
  assert.match(String(own.headers['set-cookie']), /^__Host-session=; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/)
  assert.equal((await request(app).get('/api/profile').set('X-Forwarded-Proto', 'https').set('Cookie', cookie)).status, 401)
})

test('bad input over HTTP gives typed errors, not crashes', async () => {
  const big = 'x'.repeat(1 << 20)
  const r1 = await request(app).post('/api/auth/signup').send({ email: big, password: PASSWORD })
  assert.equal(r1.status, 400)
  assert.equal(r1.body.code, 'invalid_input')
  const r2 = await request(app).post('/api/auth/signup').send({ email: 12, password: PASSWORD })
  assert.equal(r2.body.code, 'invalid_input')
  const r3 = await request(app).post('/api/auth/mfa/verify').send({ sessionId: 'nope', method: 'totp', code: '123456' })
  // An unknown pending session is the core's session_invalid: 401, as every route answers it.
  assert.deepEqual([r3.status, r3.body.code], [401, 'session_invalid'])
  assert.match(r3.body.details, /Invalid or expired session/)
  const r4 = await request(app).post('/api/auth/signin').send({ email: 'nobody@example.com', password: PASSWORD })
  assert.equal(r4.status, 401)
  assert.equal(r4.body.code, 'invalid_credentials')
})

test('rollout admin routes; a session past its deadline may only enroll', async () => {
  // Administrators: role, MFA on the session, recent MFA.
  const admin = await plinto.auth.signUp({ email: 'rollout-admin@example.com', password: PASSWORD, role: 'admin' })
  const adminAuth = `Bearer ${admin.session.token}`
  assert.equal((await request(app).get('/api/admin/rollout').set('Authorization', adminAuth)).status, 403)
  const setup = await request(app).post('/api/auth/mfa/setup').set('Authorization', adminAuth).send({ method: 'totp' })
  const confirmed = await request(app).post('/api/auth/mfa/verify').set('Authorization', adminAuth).send({ method: 'totp', code: totp(setup.body.secret) })
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body))
  const status = await request(app).get('/api/admin/rollout').set('Authorization', adminAuth)
  assert.equal(status.status, 200, JSON.stringify(status.body))
  const changed = await request(app).post('/api/admin/rollout').set('Authorization', adminAuth).send({ phase: 'ENCOURAGED', promptLocations: ['dashboard'] })
  assert.equal(changed.status, 200, JSON.stringify(changed.body))
  assert.equal(changed.body.phase, 'encouraged')
  const bad = await request(app).post('/api/admin/rollout').set('Authorization', adminAuth).send({ phase: 'soon' })
  assert.deepEqual([bad.status, bad.body.field], [400, 'phase'])
  const stats = await request(app).get('/api/admin/rollout/stats?days=7').set('Authorization', adminAuth)
  assert.equal(stats.status, 200)
  assert.equal(stats.body.enrollmentsPerDay.length, 7)
  assert.equal((await request(app).post('/api/admin/rollout/enforce').set('Authorization', adminAuth)).body.done, true)
  const plain = await request(app).post('/api/auth/signup').send({ email: 'rollout-plain@example.com', password: PASSWORD })
  const notAdmin = await request(app).get('/api/admin/rollout').set('Authorization', `Bearer ${plain.body.session.token}`)
  assert.deepEqual([notAdmin.status, notAdmin.body.code], [403, 'forbidden_role'])

  // A user required to enroll, past the deadline (grace 0): only enrollment is open.
  await plinto.auth.mfa.configure({ security: { gracePeriodDays: 0 } })
  try {
    const late = await request(app).post('/api/auth/signup').send({ email: 'rollout-late@example.com', password: PASSWORD })
    const auth = `Bearer ${late.body.session.token}`
    await plinto.auth.requireEnrollment({ userId: late.body.user.id, required: true })
    const session = await request(app).get('/api/auth/session').set('Authorization', auth)
    assert.equal(session.body.mfaEnrollment.restricted, true)
    const blocked = [
      await request(app).get('/api/profile').set('Authorization', auth),
      await request(app).post('/api/payments').set('Authorization', auth),
      await request(app).get('/api/auth/sessions').set('Authorization', auth),
      await request(app).post('/api/auth/password').set('Authorization', auth).send({ currentPassword: PASSWORD, newPassword: 'Another-Password-77' })
    ]
    for (const r of blocked) {
      assert.deepEqual([r.status, r.body.code], [403, 'mfa_setup_required'])
    }
    const own = await request(app).post('/api/auth/mfa/setup').set('Authorization', auth).send({ method: 'totp' })
    assert.equal(own.status, 200, JSON.stringify(own.body))
    assert.equal((await request(app).post('/api/auth/mfa/verify').set('Authorization', auth).send({ method: 'totp', code: totp(own.body.secret) })).status, 200)
    assert.equal((await request(app).get('/api/profile').set('Authorization', auth)).status, 200)
    assert.equal((await request(app).get('/api/auth/session').set('Authorization', auth)).body.mfaEnrollment.required, false)
  } finally {
    await plinto.auth.mfa.configure({ security: { gracePeriodDays: 30 } })
    await plinto.auth.setRollout({ phase: 'optional' })
  }
})
