// The example's security-key routes over HTTP, answered by a software authenticator (the
// core's soft_authenticator example binary, which prints what navigator.credentials.create()
// and .get() would return). Real app, real native core, temp SQLite file.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execFileSync } from 'node:child_process'
import request from 'supertest'

const PASSWORD = 'TestPassword123!'
const dir = mkdtempSync(join(tmpdir(), 'plinto-express-webauthn-'))
process.env.PLINTO_DATABASE = join(dir, 'plinto.db')
process.env.PLINTO_SECRET_KEY = 'cd'.repeat(32)
// The core's attempt limit is under test below: express-rate-limit must not answer first.
process.env.MFA_VERIFY_MAX_PER_WINDOW = '1000'
// Wrong answers back to back (the enforced delay has its test in email.test.js).
process.env.PLINTO_CONFIG = JSON.stringify({ rateLimiting: { progressiveDelay: false } })

// The default relying party is localhost: a page on any http://localhost port may answer.
const PAGE = 'http://localhost:3000'
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const triple = process.env.CARGO_BUILD_TARGET || 'x86_64-unknown-linux-gnu'
const targetDir = process.env.CARGO_TARGET_DIR || join(root, 'target')
const SOFT = process.env.PLINTO_SOFT_AUTHENTICATOR || join(targetDir, triple, 'debug', 'examples', 'soft_authenticator')

/** @type {import('express').Express} */
let app

before(async () => {
  assert.ok(existsSync(SOFT), `missing ${SOFT}: cargo build -p plinto-mfa-core --example soft_authenticator`)
  ;({ app } = await import('../server.js'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

/** The browser's credential JSON for `publicKey` options, made at `origin`.
 * @param {string} state @param {'register' | 'authenticate'} op @param {object} publicKey @param {string} [origin] */
function authenticator(state, op, publicKey, origin = PAGE) {
  const out = execFileSync(SOFT, [state, op, origin], { input: JSON.stringify(publicKey) })
  return JSON.parse(out.toString())
}

test('register a security key over HTTP, then sign in with it', async () => {
  const state = join(dir, 'key-1.cbor')
  const email = 'express-key@example.com'
  const signup = await request(app).post('/api/auth/signup').send({ email, password: PASSWORD })
  assert.equal(signup.status, 201, JSON.stringify(signup.body))
  const bearer = `Bearer ${signup.body.session.token}`

  const unauthenticated = await request(app).post('/api/auth/mfa/webauthn/register/options').send({})
  assert.equal(unauthenticated.status, 401)

  const options = await request(app).post('/api/auth/mfa/webauthn/register/options').set('Authorization', bearer).send({})
  assert.equal(options.status, 200, JSON.stringify(options.body))
  assert.equal(options.body.publicKey.rp.id, 'localhost')
  const credential = authenticator(state, 'register', options.body.publicKey)
  const stored = await request(app)
    .post('/api/auth/mfa/webauthn/register/verify')
    .set('Authorization', bearer)
    .send({ challengeId: options.body.challengeId, credential, name: 'YubiKey' })
  assert.equal(stored.status, 200, JSON.stringify(stored.body))
  assert.ok(stored.body.credentialId)
  assert.equal(stored.body.backupCodes.length, 10)

  // The same answer again: the challenge is gone.
  const replay = await request(app)
    .post('/api/auth/mfa/webauthn/register/verify')
    .set('Authorization', bearer)
    .send({ challengeId: options.body.challengeId, credential })
  // A refused credential is 401, as a refused code is on every route.
  assert.equal(replay.status, 401)
  assert.equal(replay.body.code, 'mfa_invalid_code')

  const signin = await request(app).post('/api/auth/signin').send({ email, password: PASSWORD })
  assert.equal(signin.body.requiresMfa, true)
  assert.ok(signin.body.mfaMethods.includes('webauthn'))
  const sessionId = signin.body.sessionId

  const challenge = await request(app).post('/api/auth/mfa/webauthn/authenticate/options').send({ sessionId })
  assert.equal(challenge.status, 200, JSON.stringify(challenge.body))
  assert.deepEqual(challenge.body.allowCredentials.map((/** @type {{id: string}} */ c) => c.id), [stored.body.credentialId])

  // An assertion made on another site is refused and no session is issued.
  const foreign = authenticator(state, 'authenticate', challenge.body.publicKey, 'https://sub.localhost')
  const refused = await request(app)
    .post('/api/auth/mfa/webauthn/authenticate/verify')
    .send({ challengeId: challenge.body.challengeId, credential: foreign, sessionId })
  assert.equal(refused.status, 400, JSON.stringify(refused.body))
  assert.equal(refused.headers['set-cookie'], undefined)

  const again = await request(app).post('/api/auth/mfa/webauthn/authenticate/options').send({ sessionId })
  const assertion = authenticator(state, 'authenticate', again.body.publicKey)
  const verified = await request(app)
    .post('/api/auth/mfa/webauthn/authenticate/verify')
    .send({ challengeId: again.body.challengeId, credential: assertion, sessionId })
  assert.equal(verified.status, 200, JSON.stringify(verified.body))
  assert.equal(verified.body.user.email, email)
  assert.equal(verified.body.session.mfaVerified, true)
  assert.match(String(verified.headers['set-cookie']), /session=.*HttpOnly/)

  const status = await request(app).get('/api/auth/mfa/status').set('Authorization', `Bearer ${verified.body.session.token}`)
  assert.equal(status.status, 200)
  assert.deepEqual(status.body.methods, ['webauthn', 'backup'])
})

test('malformed answers are typed 400s, missing sessions 401', async () => {
  const signup = await request(app).post('/api/auth/signup').send({ email: 'express-bad@example.com', password: PASSWORD })
  const bearer = `Bearer ${signup.body.session.token}`
  const options = await request(app).post('/api/auth/mfa/webauthn/register/options').set('Authorization', bearer).send({})
  const malformed = await request(app)
    .post('/api/auth/mfa/webauthn/register/verify')
    .set('Authorization', bearer)
    .send({ challengeId: options.body.challengeId, credential: { rawId: [1, 2], response: 3 } })
  assert.equal(malformed.status, 400)
  assert.equal(malformed.body.code, 'invalid_input')
  assert.equal(malformed.body.field, 'credential')

  const badType = await request(app)
    .post('/api/auth/mfa/webauthn/register/options')
    .set('Authorization', bearer)
    .send({ authenticatorType: 'toaster' })
  assert.equal(badType.status, 400)
  assert.equal(badType.body.field, 'authenticatorType')

  const noSession = await request(app).post('/api/auth/mfa/webauthn/authenticate/options').send({})
  assert.equal(noSession.status, 401)
  const unknown = await request(app).post('/api/auth/mfa/webauthn/authenticate/options').send({ sessionId: 'nope' })
  assert.equal(unknown.status, 401)
  assert.equal(unknown.body.code, 'session_invalid')
})

/** Signs up `email` and registers one security key per state file; the first registration's
 * backup codes are returned.
 * @param {string} email @param {{ state: string, name: string }[]} keys */
async function userWithKeys(email, keys) {
  const signup = await request(app).post('/api/auth/signup').send({ email, password: PASSWORD })
  assert.equal(signup.status, 201, JSON.stringify(signup.body))
  const bearer = `Bearer ${signup.body.session.token}`
  /** @type {string[]} */
  let backupCodes = []
  /** @type {string[]} */
  const ids = []
  for (const { state, name } of keys) {
    const options = await request(app).post('/api/auth/mfa/webauthn/register/options').set('Authorization', bearer).send({ authenticatorType: 'securityKey' })
    assert.equal(options.status, 200, JSON.stringify(options.body))
    const credential = authenticator(state, 'register', options.body.publicKey)
    const stored = await request(app)
      .post('/api/auth/mfa/webauthn/register/verify')
      .set('Authorization', bearer)
      .send({ challengeId: options.body.challengeId, credential, name })
    assert.equal(stored.status, 200, JSON.stringify(stored.body))
    if (stored.body.backupCodes) backupCodes = stored.body.backupCodes
    ids.push(stored.body.credentialId)
  }
  return { bearer, backupCodes, ids }
}

test('list the keys; removing one needs the password, removing the last also a backup code', async () => {
  const { bearer, backupCodes, ids } = await userWithKeys('express-keys@example.com', [
    { state: join(dir, 'list-a.cbor'), name: 'Key A' },
    { state: join(dir, 'list-b.cbor'), name: 'Key B' },
  ])
  assert.equal(backupCodes.length, 10)
  const list = () => request(app).get('/api/auth/mfa/webauthn/credentials').set('Authorization', bearer)
  /** @param {string} id @param {object} body */
  const remove = (id, body) => request(app).delete(`/api/auth/mfa/webauthn/credentials/${encodeURIComponent(id)}`).set('Authorization', bearer).send(body)

  assert.equal((await request(app).get('/api/auth/mfa/webauthn/credentials')).status, 401)
  const listed = await list()
  assert.equal(listed.status, 200, JSON.stringify(listed.body))
  // (Keys added within the same second come in no particular order.)
  assert.deepEqual(
    listed.body.credentials.map((/** @type {any} */ c) => [c.credentialId, c.name, c.type]).sort((/** @type {string[]} */ a, /** @type {string[]} */ b) => a[1].localeCompare(b[1])),
    [[ids[0], 'Key A', 'securityKey'], [ids[1], 'Key B', 'securityKey']],
  )
  assert.ok(listed.body.credentials.every((/** @type {any} */ c) => !Number.isNaN(Date.parse(c.createdAt))))

  const wrongPassword = await remove(ids[1], { password: 'not-my-password' })
  assert.equal(wrongPassword.status, 401)
  assert.equal(wrongPassword.body.code, 'invalid_credentials')
  const unknown = await remove('bm90LWEta2V5', { password: PASSWORD })
  assert.equal(unknown.status, 404)
  assert.equal((await list()).body.credentials.length, 2)

  // Another key remains: the password is enough.
  const removed = await remove(ids[1], { password: PASSWORD })
  assert.equal(removed.status, 200, JSON.stringify(removed.body))
  assert.equal(removed.body.mfaDisabled, false)
  assert.deepEqual((await list()).body.credentials.map((/** @type {any} */ c) => c.name), ['Key A'])

  // The last factor: without a code, or with a wrong one, nothing changes.
  const noCode = await remove(ids[0], { password: PASSWORD })
  assert.equal(noCode.status, 400)
  assert.equal(noCode.body.field, 'confirmationCode')
  const wrongCode = await remove(ids[0], { password: PASSWORD, confirmationCode: 'AAAAAAAAAA' })
  assert.equal(wrongCode.status, 401, JSON.stringify(wrongCode.body))
  assert.equal(wrongCode.body.code, 'mfa_invalid_code')
  assert.equal((await list()).body.credentials.length, 1)

  const last = await remove(ids[0], { password: PASSWORD, confirmationCode: backupCodes[0] })
  assert.equal(last.status, 200, JSON.stringify(last.body))
  assert.equal(last.body.mfaDisabled, true)
  assert.deepEqual((await list()).body.credentials, [])
  const status = await request(app).get('/api/auth/mfa/status').set('Authorization', bearer)
  assert.equal(status.body.enabled, false)
})

test('rename a key: the list shows the new name; empty, too long or unknown are refused', async () => {
  const { bearer, ids } = await userWithKeys('express-rename@example.com', [{ state: join(dir, 'rename.cbor'), name: 'Old name' }])
  const [id] = ids
  /** @param {string} credentialId @param {object} body @param {string} [auth] */
  const rename = (credentialId, body, auth = bearer) =>
    request(app).patch(`/api/auth/mfa/webauthn/credentials/${encodeURIComponent(credentialId)}`).set('Authorization', auth).send(body)
  const names = async () =>
    (await request(app).get('/api/auth/mfa/webauthn/credentials').set('Authorization', bearer)).body.credentials.map((/** @type {any} */ c) => c.name)

  const anonymous = await request(app).patch(`/api/auth/mfa/webauthn/credentials/${encodeURIComponent(id)}`).send({ name: 'Nope' })
  assert.equal(anonymous.status, 401)

  // The core trims the name.
  const renamed = await rename(id, { name: '  Desk key  ' })
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
  assert.equal(renamed.body.success, true)
  assert.deepEqual(await names(), ['Desk key'])

  for (const name of ['', '   ', 'k'.repeat(129)]) {
    const refused = await rename(id, { name })
    assert.equal(refused.status, 400, `${JSON.stringify(name)}: ${JSON.stringify(refused.body)}`)
    assert.equal(refused.body.code, 'invalid_input')
    assert.equal(refused.body.field, 'name')
  }
  const missing = await rename(id, {})
  assert.equal(missing.status, 400)
  assert.equal(missing.body.field, 'name')
  // 128 bytes is the limit, and allowed.
  assert.equal((await rename(id, { name: 'k'.repeat(128) })).status, 200)
  assert.deepEqual(await names(), ['k'.repeat(128)])

  const unknown = await rename('bm90LWEta2V5', { name: 'Ghost' })
  assert.equal(unknown.status, 404, JSON.stringify(unknown.body))
  assert.equal(unknown.body.code, 'not_found')

  // Someone else's key is not found for this user, and keeps its name.
  const other = await request(app).post('/api/auth/signup').send({ email: 'express-rename-other@example.com', password: PASSWORD })
  const theirs = await rename(id, { name: 'Taken' }, `Bearer ${other.body.session.token}`)
  assert.equal(theirs.status, 404, JSON.stringify(theirs.body))
  assert.deepEqual(await names(), ['k'.repeat(128)])
})

test('wrong security key answers count against the attempt limit: the 5th locks (429)', async () => {
  const state = join(dir, 'lock.cbor')
  const email = 'express-key-lock@example.com'
  await userWithKeys(email, [{ state, name: 'Lock test' }])
  const signin = await request(app).post('/api/auth/signin').send({ email, password: PASSWORD })
  const sessionId = signin.body.sessionId
  /** @param {string} origin */
  const attempt = async (origin) => {
    const options = await request(app).post('/api/auth/mfa/webauthn/authenticate/options').send({ sessionId })
    assert.equal(options.status, 200, JSON.stringify(options.body))
    const credential = authenticator(state, 'authenticate', options.body.publicKey, origin)
    return request(app).post('/api/auth/mfa/webauthn/authenticate/verify').send({ challengeId: options.body.challengeId, credential, sessionId })
  }
  for (let i = 1; i <= 4; i++) {
    const wrong = await attempt('https://sub.localhost')
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body))
    assert.equal(wrong.body.attemptsRemaining, 5 - i)
  }
  const locked = await attempt('https://sub.localhost')
  assert.equal(locked.status, 429, JSON.stringify(locked.body))
  assert.ok(locked.body.retryAfter > 0)
  // The right key, while locked: still refused, no session.
  const right = await attempt(PAGE)
  assert.equal(right.status, 429, JSON.stringify(right.body))
  assert.equal(right.headers['set-cookie'], undefined)
})
