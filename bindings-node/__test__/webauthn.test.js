// @ts-check
// Security keys through the package, answered by a software authenticator (the core's
// soft_authenticator example binary, which keeps its key in a file between calls).
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { mkdtempSync, existsSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { execFileSync } = require('node:child_process')
const { createPlinto } = require('..')

const PASSWORD = 'TestPassword123!'
const KEY = '22'.repeat(32)
const FAST = { password: { memoryKib: 64, iterations: 1 } }
const ORIGIN = 'https://example.com'
const WEBAUTHN = { methods: { webauthn: { rpId: 'example.com', rpName: 'Example', origins: [ORIGIN] } } }

const triple = process.env.CARGO_BUILD_TARGET || 'x86_64-unknown-linux-gnu'
const targetDir = process.env.CARGO_TARGET_DIR || join(__dirname, '..', '..', 'target')
const SOFT = process.env.PLINTO_SOFT_AUTHENTICATOR || join(targetDir, triple, 'debug', 'examples', 'soft_authenticator')

/** @param {string} state @param {'register' | 'authenticate'} op @param {object} options @param {string} [origin] */
function authenticator(state, op, options, origin = ORIGIN) {
  const out = execFileSync(SOFT, [state, op, origin], { input: JSON.stringify(options) })
  return JSON.parse(out.toString())
}

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-webauthn-'))
  const plinto = createPlinto({ database: join(dir, 'plinto.db'), secretKey: KEY, ...FAST, ...WEBAUTHN })
  return { dir, plinto, state: join(dir, 'key.cbor') }
}

test('the software authenticator is built', () => {
  assert.ok(existsSync(SOFT), `missing ${SOFT}: cargo build -p plinto-mfa-core --example soft_authenticator`)
})

test('register a security key and sign in with it (guide names and explicit names)', async () => {
  const { plinto, state } = fresh()
  const { user } = await plinto.auth.signUp({ email: 'key@example.com', password: PASSWORD })
  const challenge = await plinto.auth.getPasskeyRegistrationOptions({ userId: user.id, type: 'registration' })
  assert.equal(challenge.type, 'registration')
  assert.equal(challenge.publicKey.challenge, challenge.challenge)
  assert.equal(challenge.expiresIn, 300)
  const credential = authenticator(state, 'register', challenge)
  const verification = await plinto.auth.verifyPasskeyRegistration({ challengeId: challenge.challengeId, credential, name: 'YubiKey' })
  assert.equal(verification.success, true)
  assert.equal(verification.backupCodes?.length, 10)
  const credentialId = verification.credentialId ?? ''
  assert.ok(credentialId)
  await assert.rejects(plinto.auth.verifyPasskeyRegistration({ challengeId: challenge.challengeId, credential }), { code: 'mfa_invalid_code' })

  const status = await plinto.auth.getMFAStatus({ userId: user.id })
  assert.deepEqual(status.methods, ['webauthn', 'backup'])

  const signIn = await plinto.auth.signIn({ email: 'key@example.com', password: PASSWORD })
  assert.equal(signIn.requiresMfa, true)
  assert.ok(signIn.mfaMethods.includes('webauthn'))
  const sessionId = signIn.sessionId ?? ''
  const auth = await plinto.auth.getPasskeyRegistrationOptions({ sessionId, type: 'authentication' })
  assert.equal(auth.allowCredentials?.[0]?.id, credentialId)
  const assertion = authenticator(state, 'authenticate', auth)
  const result = await plinto.auth.verifyPasskeyRegistration({ challengeId: auth.challengeId, assertion, type: 'authentication' })
  assert.equal(result.success, true)
  assert.equal(result.user?.email, 'key@example.com')
  const token = result.session?.token ?? ''
  const session = await plinto.auth.verifySession(token)
  assert.equal(session.mfaVerified, true)

  // Step-up with the explicit names.
  const stepUp = await plinto.auth.getPasskeyAuthenticationOptions({ sessionId: token })
  const again = authenticator(state, 'authenticate', stepUp)
  const stepped = await plinto.auth.verifyPasskeyAuthentication({ challengeId: stepUp.challengeId, credential: again, sessionId: token })
  assert.equal(stepped.success, true)

  const list = await plinto.auth.listPasskeys({ userId: user.id })
  assert.equal(list.length, 1)
  assert.equal(list[0].name, 'YubiKey')
  await plinto.auth.renamePasskey({ userId: user.id, credentialId, name: 'Desk key', sessionToken: token })
  assert.equal((await plinto.auth.listPasskeys({ userId: user.id }))[0].name, 'Desk key')
  await assert.rejects(plinto.auth.removePasskey({ userId: user.id, credentialId }), { code: 'invalid_input', field: 'confirmationCode' })
  const removed = await plinto.auth.removePasskey({
    userId: user.id, credentialId, password: PASSWORD, confirmationCode: verification.backupCodes?.[0],
  })
  assert.equal(removed.mfaDisabled, true)
  assert.deepEqual(await plinto.auth.listPasskeys({ userId: user.id }), [])
})

test('wrong origin and malformed answers are typed errors', async () => {
  const { plinto, state } = fresh()
  const { user } = await plinto.auth.signUp({ email: 'bad@example.com', password: PASSWORD })
  const challenge = await plinto.auth.getPasskeyRegistrationOptions({ userId: user.id })
  const credential = authenticator(state, 'register', challenge, 'https://sub.example.com')
  await assert.rejects(plinto.auth.verifyPasskeyRegistration({ challengeId: challenge.challengeId, credential }), { code: 'mfa_invalid_code' })
  await assert.rejects(
    plinto.auth.verifyPasskeyRegistration({ challengeId: challenge.challengeId, credential: /** @type {any} */ ({ rawId: [1, 2], response: 3 }) }),
    { code: 'invalid_input', field: 'credential' },
  )
  await assert.rejects(plinto.auth.verifyPasskeyRegistration({ challengeId: 'wch_unknown', credential }), { code: 'mfa_invalid_code' })
})
