'use strict'
// @plinto/mfa — the guide's API over the native core. This file only converts: JS values to
// JSON for the core, JSON envelopes back to results or MfaError. All checks live in the core.

const { NativeEngine, errorCodes, authenticatorCall } = require('./native.js')

/** Error thrown (as a rejected promise) by every call; `code` is the core's stable code. */
class MfaError extends Error {
  constructor(message, code, details = {}) {
    super(message)
    this.name = 'MfaError'
    this.code = code
    if (details.field !== undefined) this.field = details.field
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter
  }
}

/** Every code an MfaError can carry. */
const MFA_ERROR_CODES = Object.freeze(errorCodes())

function toError(e) {
  return new MfaError(e.message, e.code, { field: e.field, retryAfter: e.retryAfter })
}

// Absent values arrive as null; JavaScript callers expect them undefined (omitted).
const dropNulls = (_key, value) => (value === null ? undefined : value)

function unwrap(text) {
  const envelope = JSON.parse(text, dropNulls)
  if (envelope.error) throw toError(envelope.error)
  return envelope.ok
}

function encode(args, field) {
  if (args === undefined || args === null) return '{}'
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new MfaError(`Invalid ${field}: must be an object`, 'invalid_input', { field })
  }
  try {
    return JSON.stringify(args, function (key, value) {
      // A Date has already been turned into a string by its toJSON: look at the original.
      const original = this[key]
      if (original instanceof Date) return Math.floor(original.getTime() / 1000)
      if (typeof value === 'bigint') throw new TypeError(key)
      return value
    })
  } catch (err) {
    const name = err instanceof TypeError && err.message ? err.message : field
    throw new MfaError(`Invalid ${name}: must be JSON-compatible`, 'invalid_input', { field: name })
  }
}

function openEngine(options) {
  try {
    return new NativeEngine(encode(options, 'options'))
  } catch (err) {
    if (err instanceof MfaError) throw err
    let envelope = null
    try {
      envelope = JSON.parse(err.message)
    } catch {
      throw err
    }
    throw toError(envelope.error)
  }
}

function tokenArgs(arg, field) {
  return typeof arg === 'string' || arg === undefined || arg === null ? { [field]: arg ?? '' } : arg
}

function sinceArgs(opts) {
  if (!opts || typeof opts !== 'object' || opts.since === undefined || opts.since === null) return opts
  const s = opts.since
  const seconds = s instanceof Date ? Math.floor(s.getTime() / 1000) : typeof s === 'string' ? Math.floor(Date.parse(s) / 1000) : s
  return { ...opts, since: Number.isNaN(seconds) ? s : seconds }
}

/**
 * A Plinto instance over one database: `{ auth }` with the guide's methods.
 * @param {object} [options] database, secretKey, issuer and mfa.configure() options
 */
function createPlinto(options = {}) {
  const { senders: initialSenders, ...engineOptions } = options ?? {}
  const engine = openEngine(engineOptions)
  /** Application senders by channel: (destination, message, meta) => Promise. */
  const senders = new Map()
  const setSender = (channel, sender) => {
    if (channel !== 'sms' && channel !== 'email') {
      throw new MfaError('Invalid channel: must be sms or email', 'invalid_input', { field: 'channel' })
    }
    if (sender !== null && sender !== undefined && typeof sender !== 'function') {
      throw new MfaError('Invalid sender: must be a function', 'invalid_input', { field: 'sender' })
    }
    if (sender) senders.set(channel, sender)
    else senders.delete(channel)
  }
  for (const [channel, sender] of Object.entries(initialSenders ?? {})) setSender(channel, sender)

  const call = (op, args) => {
    let json
    try {
      json = encode(args, 'options')
    } catch (err) {
      return Promise.reject(err)
    }
    return engine.call(op, json).then(unwrap)
  }

  // Calls that may send a code: with an application sender for the channel, the core hands the
  // message back; it is sent here (with the core's timeout) and the outcome reported to the core.
  const sending = async (op, args) => {
    const sender = args && typeof args === 'object' ? senders.get(args.method) : undefined
    if (!sender) return call(op, args)
    const result = await call(op, { ...args, externalDelivery: true })
    const { delivery, ...rest } = result
    if (!delivery) return rest
    let reason
    let timer
    try {
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${delivery.timeoutMs} ms`)), delivery.timeoutMs)
      })
      await Promise.race([Promise.resolve().then(() => sender(delivery.destination, delivery.message, delivery.meta)), timeout])
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err)
    } finally {
      clearTimeout(timer)
    }
    await call('complete_delivery', { deliveryId: delivery.id, ok: reason === undefined, reason })
    return rest
  }

  const verifyMFA = (opts) => call('verify_mfa', opts)
  const auth = {
    signUp: (opts) => call('sign_up', opts),
    signIn: (opts) => call('sign_in', opts),
    signOut: (tokenOrOpts) => call('sign_out', tokenArgs(tokenOrOpts, 'token')),
    verifySession: (tokenOrOpts) => call('verify_session', tokenArgs(tokenOrOpts, 'token')),
    verifyPassword: (opts) => call('verify_password', opts),
    deleteUser: (opts) => call('delete_user', opts),
    getUser: (opts) => call('get_user', opts),
    enableMFA: (opts) => sending('enable_mfa', opts),
    verifyMFA,
    getMFAStatus: (opts) => call('get_mfa_status', opts),
    disableMFA: (opts) => call('disable_mfa', opts),
    regenerateMFABackupCodes: (opts) => call('regenerate_mfa_backup_codes', opts),
    listAuditEvents: (opts) => call('list_audit_events', sinceArgs(opts)),
    requireRecentMfa: (opts) => call('require_recent_mfa', tokenArgs(opts, 'token')),
    getFallbackMethods: (opts) => call('get_fallback_methods', opts),
    getPasskeyRegistrationOptions: (opts) => call('get_passkey_registration_options', opts),
    verifyPasskeyRegistration: (opts) => call('verify_passkey_registration', opts),
    getPasskeyAuthenticationOptions: (opts) => call('get_passkey_authentication_options', opts),
    verifyPasskeyAuthentication: (opts) => call('verify_passkey_authentication', opts),
    listPasskeys: (opts) => call('list_passkeys', opts),
    renamePasskey: (opts) => call('rename_passkey', opts),
    removePasskey: (opts) => call('remove_passkey', opts),
    mfa: {
      challenge: verifyMFA,
      configure: (opts) => call('configure', opts),
      requestNewCode: (opts) => sending('request_new_code', opts),
      setSender,
    },
  }
  const shouldRequireMfa = (level, role) => unwrap(engine.callSync('should_require_mfa', encode({ level, role }, 'level')))
  return Object.freeze({ auth: Object.freeze({ ...auth, mfa: Object.freeze(auth.mfa) }), shouldRequireMfa })
}

let defaultInstance = null
function defaultPlinto() {
  if (!defaultInstance) defaultInstance = createPlinto({})
  return defaultInstance
}

/** The default instance, configured from PLINTO_DATABASE, PLINTO_SECRET_KEY and PLINTO_ISSUER on first use. */
const plinto = {
  get auth() {
    return defaultPlinto().auth
  },
  shouldRequireMfa(level, role) {
    return defaultPlinto().shouldRequireMfa(level, role)
  },
}

/** The guide's MFA requirement levels. */
const MfaLevel = Object.freeze({
  NONE: 'none',
  OPTIONAL: 'optional',
  REQUIRED: 'required',
  ADMIN_ONLY: 'admin_only',
})

/**
 * The guide's Express middleware: place after an `authenticate` middleware that sets
 * `req.user` and `req.session` (from verifySession).
 */
function requireMfa(level = MfaLevel.REQUIRED, instance = plinto) {
  return async (req, res, next) => {
    try {
      const { user, session } = req
      if (!user || !session) {
        return res.status(401).json({ error: 'No authentication token' })
      }
      if (!instance.shouldRequireMfa(level, user.role)) {
        return next()
      }
      const mfaStatus = await instance.auth.getMFAStatus({ userId: user.id })
      if (!mfaStatus.enabled) {
        return res.status(403).json({
          error: 'MFA required but not configured',
          requiresMfaSetup: true,
          redirectTo: '/settings/security',
        })
      }
      if (!session.mfaVerified) {
        return res.status(403).json({
          error: 'MFA verification required',
          requiresMfa: true,
          sessionId: session.id,
          availableMethods: mfaStatus.methods,
        })
      }
      next()
    } catch (error) {
      console.error('MFA middleware error:', error)
      res.status(500).json({ error: 'MFA verification failed' })
    }
  }
}

// --- Authenticator side: what an authenticator app does with the otpauth:// URI ------------

/**
 * Parses and validates an `otpauth://totp/...` URI into its account
 * `{ issuer?, accountName, secret, algorithm, digits, period }`. Throws MfaError
 * (`invalid_input` naming the part at fault) for malformed URIs.
 * @param {string} uri
 */
function parseOtpauthUri(uri) {
  return unwrap(authenticatorCall('parse_otpauth_uri', encode({ uri }, 'uri')))
}

/**
 * The code of an otpauth URI now, or at `time` (Date or Unix seconds), and the seconds it
 * stays valid: `{ code, secondsRemaining, period }`.
 * @param {string | { uri: string, time?: Date | number }} options
 */
function authenticatorCode(options) {
  const args = typeof options === 'string' ? { uri: options } : options
  const time = args && args.time instanceof Date ? Math.floor(args.time.getTime() / 1000) : args && args.time
  return unwrap(authenticatorCall('authenticator_code', encode(args && { ...args, time }, 'options')))
}

module.exports = {
  createPlinto,
  plinto,
  MfaError,
  MFA_ERROR_CODES,
  MfaLevel,
  requireMfa,
  parseOtpauthUri,
  authenticatorCode,
}
