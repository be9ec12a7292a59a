// @ts-check
// The package's API on the real native core with temp SQLite files, or with
// PLINTO_TEST_BACKEND=postgres on the PostgreSQL server at PLINTO_TEST_POSTGRES (a schema
// of its own per test).
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const STATUS_OF = Object.fromEntries(
  require('../../tests/vectors/error_codes.json').errors.map((/** @type {{code: string, httpStatus: number}} */ c) => [c.code, c.httpStatus])
)
const { mkdtempSync, readFileSync, statSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { execFileSync } = require('node:child_process')
const { randomBytes } = require('node:crypto')
const { authenticator } = require('otplib')
const { createPlinto, MfaError, MFA_ERROR_CODES, MfaLevel, requireMfa, requireStepUp } = require('..')

const PASSWORD = 'TestPassword123!'
const KEY = '11'.repeat(32)
// Cheap argon2, and no progressive delay: these tests send wrong codes back to back (the
// delay's own test turns it on).
const FAST = { password: { memoryKib: 64, iterations: 1 }, rateLimiting: { progressiveDelay: false } }

/** A database of its own for one test: a SQLite file in `dir`, or a fresh PostgreSQL schema. */
function freshDatabase(/** @type {string} */ dir) {
  const server = process.env.PLINTO_TEST_POSTGRES
  if (process.env.PLINTO_TEST_BACKEND !== 'postgres') return join(dir, 'plinto.db')
  if (!server) throw new Error('PLINTO_TEST_BACKEND=postgres needs PLINTO_TEST_POSTGRES')
  const schema = `t_${randomBytes(8).toString('hex')}`
  execFileSync('psql', [server, '-qc', `CREATE SCHEMA ${schema}`])
  return `${server}${server.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`
}

/** @param {object} [extra] */
function fresh(extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-node-'))
  return { dir, plinto: createPlinto({ database: freshDatabase(dir), secretKey: KEY, ...FAST, ...extra }) }
}

/** @param {string} secret @param {number} [offset] */
const totp = (secret, offset = 0) => authenticator.clone({ epoch: Date.now() + offset * 30_000 }).generate(secret)

test('the guide quick start: enable, verify, sign in with MFA, challenge', async () => {
  const { plinto } = fresh({ issuer: 'MyApp' })
  const { user } = await plinto.auth.signUp({ email: 'user@example.com', password: PASSWORD })
  const mfaSetup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp', label: 'MyApp Account' })
  assert.equal(mfaSetup.success, true)
  assert.match(mfaSetup.qrCodeUrl ?? '', /^otpauth:\/\/totp\/MyApp%20Account:user%40example\.com\?secret=/)
  assert.equal(mfaSetup.backupCodes, undefined)
  const secret = mfaSetup.secret ?? ''
  const verificationResult = await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: totp(secret) })
  assert.equal(verificationResult.success, true)
  assert.equal(verificationResult.backupCodes?.length, 10)
  const backupCodes = await plinto.auth.regenerateMFABackupCodes({ userId: user.id })
  assert.equal(backupCodes.codes.length, 10)
  assert.ok(!Number.isNaN(Date.parse(backupCodes.generatedAt)))

  const primaryAuth = await plinto.auth.signIn({ email: 'user@example.com', password: PASSWORD })
  assert.equal(primaryAuth.requiresMfa, true)
  assert.deepEqual(primaryAuth.mfaMethods, ['totp', 'backup'])
  const mfaResult = await plinto.auth.mfa.challenge({ sessionId: primaryAuth.sessionId ?? '', method: 'totp', code: totp(secret, 1) })
  assert.equal(mfaResult.success, true)
  if (!mfaResult.success) return
  assert.equal(mfaResult.user.email, 'user@example.com')
  assert.equal(mfaResult.session.expiresIn, 43200)
  const session = await plinto.auth.verifySession(mfaResult.session.token)
  assert.equal(session.valid, true)
  assert.equal(session.mfaCompleted, true)
  await plinto.auth.requireRecentMfa({ token: mfaResult.session.token })
  const status = await plinto.auth.getMFAStatus({ userId: user.id })
  assert.equal(status.backupCodesRemaining, 10)
  assert.equal(status.totpDevices[0].name, 'MyApp Account')
  assert.equal((await plinto.auth.signOut(mfaResult.session.token)).success, true)
  assert.equal((await plinto.auth.verifySession(mfaResult.session.token)).valid, false)
})

test('wrong codes: attempts remaining, then rate limited (the guide unit test, for real)', async () => {
  const { plinto } = fresh()
  const { user } = await plinto.auth.signUp({ email: 'rl@example.com', password: PASSWORD })
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp' })
  await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: totp(setup.secret ?? '') })
  const { sessionId } = await plinto.auth.signIn({ email: 'rl@example.com', password: PASSWORD })
  const attempts = []
  for (let i = 0; i < 5; i++) {
    attempts.push(await plinto.auth.verifyMFA({ sessionId: sessionId ?? '', method: 'totp', code: 'wrong' }))
  }
  assert.deepEqual(attempts.map((a) => a.success ? -1 : a.attemptsRemaining), [4, 3, 2, 1, 0])
  const last = attempts[4]
  assert.equal(last.success, false)
  if (last.success) return
  assert.equal(last.rateLimited, true)
  assert.equal(last.retryAfter, 900)
})

test('MfaError: instanceof, stable codes, fields named for wrong JS types', async () => {
  const { plinto } = fresh()
  const { user } = await plinto.auth.signUp({ email: 'types@example.com', password: PASSWORD })
  const big = 'a'.repeat(1 << 20)
  /** @type {Array<[string, () => Promise<unknown>, string, string | undefined]>} */
  const cases = [
    // @ts-expect-error a number for userId
    ['number userId', () => plinto.auth.getMFAStatus({ userId: 42 }), 'invalid_input', 'userId'],
    // @ts-expect-error missing fields
    ['missing fields', () => plinto.auth.enableMFA({}), 'invalid_input', 'userId'],
    ['1 MB email', () => plinto.auth.signUp({ email: big, password: PASSWORD }), 'invalid_input', 'email'],
    ['1 MB code', () => plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: big }), 'invalid_input', 'code'],
    // @ts-expect-error not an object
    ['not an object', () => plinto.auth.getMFAStatus('usr_x'), 'invalid_input', 'options'],
    // @ts-expect-error BigInt is not JSON
    ['bigint', () => plinto.auth.regenerateMFABackupCodes({ userId: user.id, count: 10n }), 'invalid_input', 'count'],
    ['unknown method', () => plinto.auth.enableMFA({ userId: user.id, method: 'fax' }), 'mfa_method_not_supported', undefined],
    ['unknown user', () => plinto.auth.getMFAStatus({ userId: 'usr_nobody' }), 'not_found', undefined],
    ['wrong password', () => plinto.auth.signIn({ email: 'types@example.com', password: 'WrongPassword1' }), 'invalid_credentials', undefined],
    ['bad session', () => plinto.auth.verifyMFA({ sessionId: 'nope', method: 'totp', code: '123456' }), 'session_invalid', undefined],
    ['not enabled', () => plinto.auth.regenerateMFABackupCodes({ userId: user.id }), 'mfa_not_enabled', undefined],
    // @ts-expect-error digits must be 6 or 8
    ['configure', () => plinto.auth.mfa.configure({ methods: { totp: { digits: 7 } } }), 'invalid_input', 'methods.totp.digits'],
  ]
  for (const [name, run, code, field] of cases) {
    await assert.rejects(run, (/** @type {any} */ err) => {
      assert.ok(err instanceof MfaError, `${name}: ${err}`)
      assert.ok(err instanceof Error)
      assert.equal(err.name, 'MfaError')
      assert.equal(err.code, code, `${name}: ${err.message}`)
      assert.equal(err.field, field, name)
      // The HTTP status the core gives the code (the shared error table).
      assert.equal(err.status, STATUS_OF[code], name)
      assert.ok(err.message.length > 0 && err.message.length < 300, name)
      return true
    })
  }
})

test('every core error code is exported and matches the shared list', () => {
  const shared = JSON.parse(readFileSync(join(__dirname, '../../tests/vectors/error_codes.json'), 'utf8')).codes
  assert.deepEqual([...MFA_ERROR_CODES], shared)
})

test('several instances, each with its own database', async () => {
  const a = fresh().plinto
  const b = fresh().plinto
  await a.auth.signUp({ email: 'same@example.com', password: PASSWORD })
  await b.auth.signUp({ email: 'same@example.com', password: PASSWORD })
  await assert.rejects(a.auth.signUp({ email: 'same@example.com', password: PASSWORD }), { code: 'already_exists' })
})

test('a wrong secret key for an existing database is refused', () => {
  const { dir } = fresh()
  createPlinto({ database: join(dir, 'k.db'), secretKey: KEY })
  assert.throws(() => createPlinto({ database: join(dir, 'k.db'), secretKey: '22'.repeat(32) }), { code: 'key_mismatch' })
  assert.throws(() => createPlinto({ database: join(dir, 'k2.db'), secretKey: 'short' }), { code: 'invalid_input', field: 'secretKey' })
})

test('MfaLevel and shouldRequireMfa', () => {
  const { plinto } = fresh()
  assert.equal(plinto.shouldRequireMfa(MfaLevel.ADMIN_ONLY, 'admin'), true)
  assert.equal(plinto.shouldRequireMfa(MfaLevel.ADMIN_ONLY, 'user'), false)
  assert.equal(plinto.shouldRequireMfa(MfaLevel.REQUIRED, 'user'), true)
  assert.equal(plinto.shouldRequireMfa(MfaLevel.OPTIONAL, 'admin'), false)
})

test('ES module import gives the same API', async () => {
  const esm = await import('../index.mjs')
  assert.equal(esm.MfaError, MfaError)
  assert.equal(typeof esm.createPlinto, 'function')
  assert.equal(esm.MfaLevel.ADMIN_ONLY, 'admin_only')
})

test('default instance from the environment with a development key file', () => {
  const { dir } = fresh()
  const db = join(dir, 'env.db')
  const script = `
    const { plinto } = require(${JSON.stringify(join(__dirname, '..'))});
    plinto.auth.signUp({ email: 'env@example.com', password: 'TestPassword123!' })
      .then(r => plinto.auth.getMFAStatus({ userId: r.user.id }))
      .then(s => console.log('status', s.enabled))`
  const env = { ...process.env, PLINTO_DATABASE: db, PLINTO_SECRET_KEY: '', PLINTO_ISSUER: 'EnvApp' }
  const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  assert.match(out, /status false/)
  assert.equal(statSync(`${db}.key`).mode & 0o777, 0o600)
  // The second process reuses the key file (same database opens).
  const again = execFileSync(process.execPath, ['-e', script.replace('env@', 'env2@')], { env, encoding: 'utf8' })
  assert.match(again, /status false/)
})

test('in production a missing key is an error, not a key file', () => {
  const { dir } = fresh()
  const db = join(dir, 'prod.db')
  const script = `
    try { require(${JSON.stringify(join(__dirname, '..'))}).createPlinto({ database: ${JSON.stringify(db)} }); console.log('opened') }
    catch (e) { console.log(e.code, e.field) }`
  const env = { ...process.env, NODE_ENV: 'production', PLINTO_SECRET_KEY: '', PLINTO_SECRET_KEY_FILE: '' }
  const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' })
  assert.match(out, /invalid_input secretKey/)
  assert.throws(() => statSync(`${db}.key`))
})

test('a pending sign-in is not a session; sessions have public ids and can be revoked', async () => {
  const { plinto } = fresh()
  const { user, session } = await plinto.auth.signUp({ email: 'sessions@example.com', password: PASSWORD, ipAddress: '203.0.113.9' })
  assert.match(session.id, /^ses_/)
  assert.notEqual(session.id, session.token)
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp', sessionToken: session.token })
  await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: totp(setup.secret ?? ''), sessionToken: session.token })
  const { sessionId } = await plinto.auth.signIn({ email: 'sessions@example.com', password: PASSWORD })
  const pending = await plinto.auth.verifySession(sessionId ?? '')
  assert.equal(pending.valid, false)
  assert.equal(pending.state, 'mfa_pending')
  assert.equal(pending.user, undefined)
  assert.deepEqual(pending.mfaMethods, ['totp', 'backup'])
  await assert.rejects(plinto.auth.requireRecentMfa({ token: sessionId ?? '' }), { code: 'session_invalid' })
  const other = await plinto.auth.mfa.challenge({ sessionId: sessionId ?? '', method: 'totp', code: totp(setup.secret ?? '', 1) })
  assert.equal(other.success, true)
  if (!other.success) return
  const list = await plinto.auth.listSessions({ userId: user.id, sessionToken: session.token })
  assert.deepEqual(list.map((s) => s.current), [false, true])
  assert.equal(list[1].ipAddress, '203.0.113.9')
  assert.equal(list[0].mfaMethod, 'totp')
  assert.deepEqual(await plinto.auth.revokeOtherSessions({ sessionToken: session.token }), { success: true, revoked: 1 })
  assert.equal((await plinto.auth.verifySession(other.session.token)).valid, false)
  await assert.rejects(plinto.auth.revokeSession({ userId: user.id, sessionId: other.session.id }), { code: 'not_found' })
})

test('step-up: refusals carry what satisfies them; requireStepUp and requireMfa guard routes', async () => {
  const { plinto } = fresh()
  const { user, session } = await plinto.auth.signUp({ email: 'stepup@example.com', password: PASSWORD })
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp', sessionToken: session.token })
  await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: totp(setup.secret ?? '') })
  // The sign-up session did not confirm the factor (no sessionToken) and was ended by it.
  assert.equal((await plinto.auth.verifySession(session.token)).valid, false)
  const { sessionId } = await plinto.auth.signIn({ email: 'stepup@example.com', password: PASSWORD })
  /** @type {{ status: number, body: any } | null} */
  let answered = null
  const res = { status: (/** @type {number} */ status) => ({ json: (/** @type {any} */ body) => { answered = { status, body } } }) }
  let passed = false
  const next = () => { passed = true }
  // requireMfa refuses a pending sign-in at every level.
  for (const level of [MfaLevel.NONE, MfaLevel.OPTIONAL, MfaLevel.ADMIN_ONLY, MfaLevel.REQUIRED]) {
    const info = await plinto.auth.verifySession(sessionId ?? '')
    await requireMfa(level, plinto)({ user: { id: user.id, role: 'user' }, session: info }, res, next)
    assert.equal(passed, false, level)
    assert.equal(/** @type {any} */ (answered)?.status, 401, level)
  }
  const done = await plinto.auth.mfa.challenge({ sessionId: sessionId ?? '', method: 'totp', code: totp(setup.secret ?? '', 1) })
  if (!done.success) throw new Error('challenge failed')
  const token = done.session.token
  await requireStepUp('payment_method_add', plinto)({ cookies: { session: token } }, res, next)
  assert.equal(passed, true)
  passed = false
  // A configured operation, on a session without recent MFA (a new password-only sign-in is
  // impossible with MFA on, so the recency window is shortened instead).
  await plinto.auth.mfa.configure({ security: { stepUpMaxAgeSeconds: 1 } })
  await new Promise((r) => setTimeout(r, 2100))
  await requireStepUp('payment_method_add', plinto)({ headers: { authorization: `Bearer ${token}` } }, res, next)
  assert.equal(passed, false)
  assert.equal(/** @type {any} */ (answered)?.status, 403)
  assert.equal(/** @type {any} */ (answered)?.body.stepUpRequired, true)
  assert.deepEqual(/** @type {any} */ (answered)?.body.methods, ['totp', 'backup'])
  await assert.rejects(plinto.auth.regenerateMFABackupCodes({ userId: user.id, sessionToken: token }), (/** @type {any} */ e) => {
    assert.ok(e instanceof MfaError)
    assert.equal(e.code, 'mfa_step_up_required')
    assert.equal(e.maxAge, 1)
    assert.deepEqual(e.methods, ['totp', 'backup'])
    return true
  })
  await requireStepUp('payment_method_add', plinto)({ cookies: {} }, res, next)
  assert.equal(/** @type {any} */ (answered)?.status, 401)
})

test('the progressive delay is enforced', async () => {
  const { plinto } = fresh({ rateLimiting: { progressiveDelay: true } })
  const { user } = await plinto.auth.signUp({ email: 'delay@example.com', password: PASSWORD })
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp' })
  await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: totp(setup.secret ?? '') })
  const { sessionId } = await plinto.auth.signIn({ email: 'delay@example.com', password: PASSWORD })
  const wrong = await plinto.auth.verifyMFA({ sessionId: sessionId ?? '', method: 'totp', code: '000000' })
  assert.equal(wrong.success, false)
  if (wrong.success) return
  assert.equal(wrong.retryAfter, 2)
  const early = await plinto.auth.verifyMFA({ sessionId: sessionId ?? '', method: 'totp', code: totp(setup.secret ?? '', 1) })
  assert.equal(early.success, false)
  if (early.success) return
  assert.equal(early.rateLimited, true)
  assert.equal(early.attemptsRemaining, 4)
})

test('rollout: buckets match the shared vectors, a past-deadline session is held to enrollment by authorize and requireMfa', async () => {
  const { plinto } = fresh({ security: { gracePeriodDays: 0 } })
  const vectors = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tests', 'vectors', 'rollout_buckets.json'), 'utf8'))
  const { createHash } = require('node:crypto')
  for (const c of vectors.cases) {
    // The documented formula, computed here independently.
    const digest = createHash('sha256').update(`plinto-rollout:${c.userId}`).digest()
    assert.equal(digest.readUInt32BE(0) % 100, c.bucket, c.userId)
  }
  const { user } = await plinto.auth.signUp({ email: 'late@example.com', password: PASSWORD })
  const status = await plinto.auth.getRollout({ userId: user.id })
  const digest = createHash('sha256').update(`plinto-rollout:${user.id}`).digest()
  assert.equal(status.user?.bucket, digest.readUInt32BE(0) % 100)
  await plinto.auth.setRollout({ phase: 'REQUIRED_ALL', percentage: 100, promptLocations: ['dashboard'] })
  const signedIn = await plinto.auth.signIn({ email: 'late@example.com', password: PASSWORD })
  assert.equal(signedIn.mfaEnrollment?.restricted, true)
  const token = signedIn.session?.token ?? ''
  const info = await plinto.auth.verifySession(token)
  assert.deepEqual(info.mfaEnrollment?.promptLocations, ['dashboard'])
  await assert.rejects(plinto.auth.authorize({ sessionToken: token, operation: 'reports' }), (/** @type {any} */ e) => e.code === 'mfa_setup_required')
  /** @type {any} */
  let answered = null
  const res = { status: (/** @type {number} */ status) => ({ json: (/** @type {any} */ body) => { answered = { status, body } } }) }
  let passed = false
  await requireMfa(MfaLevel.NONE, plinto)({ user: info.user, session: info }, res, () => { passed = true })
  assert.equal(passed, false)
  assert.equal(answered?.status, 403)
  assert.equal(answered?.body.code, 'mfa_setup_required')
  const stats = await plinto.auth.getRolloutStats({ days: 3 })
  assert.equal(stats.overdue, 1)
})

test('import users, then the audit chain verifies and reports tampering', async () => {
  const { dir, plinto } = fresh()
  const vectors = JSON.parse(readFileSync(join(__dirname, '..', '..', 'tests', 'vectors', 'imported_password_hashes.json'), 'utf8'))
  const data = vectors.cases.map((/** @type {any} */ c, /** @type {number} */ i) => JSON.stringify({ email: `imp${i}@example.com`, passwordHash: c.hash })).join('\n') + '\n{"email": 1}\n'
  const report = await plinto.auth.importUsers({ data, format: 'jsonl' })
  assert.equal(report.imported, vectors.cases.length)
  assert.deepEqual(report.issues.map((i) => [i.line, i.field]), [[vectors.cases.length + 1, 'email']])
  const signedIn = await plinto.auth.signIn({ email: 'imp0@example.com', password: vectors.password })
  assert.ok(signedIn.session)
  const verified = await plinto.auth.verifyAudit()
  assert.equal(verified.valid, true)
  assert.ok(verified.checked >= vectors.cases.length + 1)
  const exported = await plinto.auth.exportAudit({ limit: 2 })
  assert.equal(exported.length, 2)
  assert.match(exported[0].chain ?? '', /^[0-9a-f]{64}$/)
  if (process.env.PLINTO_TEST_BACKEND !== 'postgres') {
    execFileSync('python3', ['-c', `import sqlite3; c = sqlite3.connect(${JSON.stringify(join(dir, 'plinto.db'))}); c.execute("DELETE FROM audit_events WHERE id = 2"); c.commit()`])
    const broken = await plinto.auth.verifyAudit()
    assert.deepEqual([broken.valid, broken.firstBadId, broken.problem], [false, 3, 'deleted'])
  }
})
