// @ts-check
// The authenticator side from Node: otpauth URIs the engine issues, parsed and turned into codes.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { mkdtempSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const { createPlinto, parseOtpauthUri, authenticatorCode, MfaError } = require('..')

// RFC 6238 appendix B: the SHA-1 key "12345678901234567890".
const RFC_URI = 'otpauth://totp/Example:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example&digits=8'

test('RFC 6238 vectors through an otpauth URI, at a given time', () => {
  assert.deepEqual(authenticatorCode({ uri: RFC_URI, time: 59 }), { code: '94287082', secondsRemaining: 1, period: 30 })
  assert.equal(authenticatorCode({ uri: RFC_URI, time: new Date(1111111109 * 1000) }).code, '07081804')
  assert.equal(authenticatorCode({ uri: RFC_URI, time: 2000000000 }).code, '69279037')
  const now = authenticatorCode(RFC_URI)
  assert.match(now.code, /^\d{8}$/)
  assert.ok(now.secondsRemaining >= 1 && now.secondsRemaining <= 30)
})

test('parseOtpauthUri reads the account', () => {
  assert.deepEqual(parseOtpauthUri(RFC_URI), {
    issuer: 'Example',
    accountName: 'alice@example.com',
    secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
    algorithm: 'SHA1',
    digits: 8,
    period: 30,
  })
  const bare = parseOtpauthUri('otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP')
  assert.equal(bare.issuer, undefined)
  assert.equal(bare.accountName, 'bob')
})

test('malformed URIs throw MfaError invalid_input naming the part', () => {
  const s = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'
  /** @type {[string, string][]} */
  const cases = [
    [`https://x/?secret=${s}`, 'uri'],
    [`otpauth://hotp/A:b?secret=${s}&counter=1`, 'uri'],
    ['otpauth://totp/A:b', 'secret'],
    ['otpauth://totp/A:b?secret=*bad*', 'secret'],
    [`otpauth://totp/A:b?secret=${s}&digits=5`, 'digits'],
    [`otpauth://totp/A:b?secret=${s}&period=0`, 'period'],
    [`otpauth://totp/A:b?secret=${s}&algorithm=MD5`, 'algorithm'],
    [`otpauth://totp/:?secret=${s}`, 'label'],
    [`otpauth://totp/A:b\u0000?secret=${s}`, 'uri'],
  ]
  for (const [uri, field] of cases) {
    assert.throws(
      () => parseOtpauthUri(uri),
      (/** @type {any} */ e) => e instanceof MfaError && e.code === 'invalid_input' && e.field === field,
      uri,
    )
  }
  assert.throws(() => authenticatorCode({ uri: RFC_URI, time: -1 }), (/** @type {any} */ e) => e.field === 'time')
  // @ts-expect-error: a number is not a URI
  assert.throws(() => parseOtpauthUri(42), (/** @type {any} */ e) => e.code === 'invalid_input' && e.field === 'uri')
})

test('a code from the URI the engine issued enrolls TOTP', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-auth-'))
  const plinto = createPlinto({ database: join(dir, 'p.db'), secretKey: '22'.repeat(32), issuer: 'Acme', password: { memoryKib: 64, iterations: 1 } })
  const { user } = await plinto.auth.signUp({ email: 'phone@example.com', password: 'TestPassword123!' })
  const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp' })
  const account = parseOtpauthUri(setup.qrCodeUrl ?? '')
  assert.equal(account.issuer, 'Acme')
  assert.equal(account.secret, setup.secret)
  const result = await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: authenticatorCode(setup.qrCodeUrl ?? '').code })
  assert.equal(result.success, true)
})
