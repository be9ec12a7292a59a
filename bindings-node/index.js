// @ts-check
'use strict'
// @plinto/mfa — the guide's API over the native core. The operations are generated
// (operations.js, from the core's operation table); this file only converts: JS values to
// JSON for the core, JSON envelopes back to results or MfaError. All checks live in the core.

const { NativeEngine, errorCodes, statelessCall } = require('./native.js')
const { engineOperations, authenticatorFunctions } = require('./operations.js')

/** Error thrown (as a rejected promise) by every call; `code` is the core's stable code. */
class MfaError extends Error {
  /**
   * @param {string} message
   * @param {string} code
   * @param {{ field?: string, retryAfter?: number, reason?: string, maxAge?: number, methods?: string[], status?: number }} [details]
   */
  constructor(message, code, details = {}) {
    super(message)
    this.name = 'MfaError'
    this.code = code
    if (details.field !== undefined) this.field = details.field
    if (details.retryAfter !== undefined) this.retryAfter = details.retryAfter
    if (details.reason !== undefined) this.reason = details.reason
    if (details.maxAge !== undefined) this.maxAge = details.maxAge
    if (details.methods !== undefined) this.methods = details.methods
    if (details.status !== undefined) this.status = details.status
  }
}

/** Thrown by a sender when the provider refuses the destination (an invalid or blocked
 * number, an unknown mailbox): the send fails without counting against the provider's health. */
class DestinationRejected extends Error {
  /** @param {string} [message] */
  constructor(message = 'the provider refused the destination') {
    super(message)
    this.name = 'DestinationRejected'
    this.rejected = true
  }
}

/** Every code an MfaError can carry. */
const MFA_ERROR_CODES = Object.freeze(errorCodes())

/** @param {{ code: string, status?: number, message: string, reason?: string, field?: string, retryAfter?: number, maxAge?: number, methods?: string[] }} e */
function toError(e) {
  return new MfaError(e.message, e.code, {
    status: e.status,
    field: e.field,
    retryAfter: e.retryAfter,
    reason: e.reason,
    maxAge: e.maxAge,
    methods: e.methods,
  })
}

/** @param {string} text */
function unwrap(text) {
  const envelope = JSON.parse(text)
  if (envelope.error) throw toError(envelope.error)
  return envelope.ok
}

/**
 * The arguments as JSON; a Date becomes Unix seconds.
 * @param {unknown} args @param {string} field
 */
function encode(args, field) {
  if (args === undefined || args === null) return '{}'
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new MfaError(`Invalid ${field}: must be an object`, 'invalid_input', { field, reason: 'must be an object', status: 400 })
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
    throw new MfaError(`Invalid ${name}: must be JSON-compatible`, 'invalid_input', { field: name, reason: 'must be JSON-compatible', status: 400 })
  }
}

/**
 * Runs a native call that throws its error as a JSON envelope.
 * @template T @param {() => T} f @returns {T}
 */
function native(f) {
  try {
    return f()
  } catch (err) {
    if (err instanceof MfaError || !(err instanceof Error)) throw err
    /** @type {any} */
    let envelope = null
    try {
      envelope = JSON.parse(err.message)
    } catch {
      throw err
    }
    throw toError(envelope.error)
  }
}

/** @param {unknown} e */
const describe = (e) => (e instanceof Error ? e.message : String(e)) || 'the function failed'

/**
 * An application function as the core calls it: with one JSON text, answering a promise
 * that always resolves, with null or a JSON text (`answer` turns the function's result into
 * one; a failure becomes `{reason, rejected}`).
 * @param {unknown} fn
 * @param {(fn: Function, argument: any) => unknown} invoke
 * @param {(result: unknown) => string | null} answer
 */
function adapt(fn, invoke, answer) {
  if (typeof fn !== 'function') return fn ?? null
  /** @param {string} payload @returns {Promise<string | null>} */
  const hook = (payload) =>
    Promise.resolve()
      .then(() => invoke(fn, JSON.parse(payload)))
      .then(answer, (e) => JSON.stringify({ reason: describe(e), rejected: /** @type {any} */ (e)?.rejected === true }))
  return hook
}

/** @param {unknown} sender */
const adaptSender = (sender) =>
  adapt(sender, (f, { destination, message, meta }) => f(destination, message, meta), () => null)

/** @param {unknown} notifier */
const adaptNotifier = (notifier) => adapt(notifier, (f, notification) => f(notification), () => null)

/** @param {unknown} check */
const adaptPasswordCheck = (check) =>
  adapt(check, (f, { password }) => f(password), (compromised) => JSON.stringify({ compromised: compromised === true }))

/**
 * A Plinto instance over one database: `{ auth }` with the guide's methods.
 * @param {import('./index').PlintoOptions} [options]
 * @returns {import('./index').Plinto}
 */
function createPlinto(options = {}) {
  const { senders, notifier, passwordCheck, ...engineOptions } = options ?? {}
  const engine = native(() => new NativeEngine(encode(engineOptions, 'options')))
  /** @type {import('./index').PlintoMfa['setSender']} */
  const setSender = (channel, sender) => native(() => engine.setSender(channel, /** @type {any} */ (adaptSender(sender))))
  /** @type {import('./index').PlintoMfa['setNotifier']} */
  const setNotifier = (fn) => native(() => engine.setNotifier(/** @type {any} */ (adaptNotifier(fn))))
  /** @type {import('./index').PlintoMfa['setPasswordCheck']} */
  const setPasswordCheck = (fn) => native(() => engine.setPasswordCheck(/** @type {any} */ (adaptPasswordCheck(fn))))
  for (const [channel, sender] of Object.entries(senders ?? {})) setSender(/** @type {any} */ (channel), sender)
  if (notifier !== undefined) setNotifier(notifier)
  if (passwordCheck !== undefined) setPasswordCheck(passwordCheck)

  /** @param {string} op @param {unknown} args */
  const call = (op, args) => {
    let json
    try {
      json = encode(args, 'options')
    } catch (err) {
      return Promise.reject(err)
    }
    // A string when the core ran the operation at once, otherwise a promise of one.
    return Promise.resolve(engine.call(op, json)).then(unwrap)
  }
  const { auth, mfa } = engineOperations(call)
  /** @type {import('./index').PlintoAuth} */
  const api = Object.freeze({
    ...auth,
    mfa: Object.freeze({ ...mfa, challenge: auth.verifyMFA, setSender, setNotifier, setPasswordCheck }),
  })
  /** @type {import('./index').Plinto['shouldRequireMfa']} */
  const shouldRequireMfa = (level, role) => unwrap(engine.callSync('should_require_mfa', encode({ level, role }, 'level')))
  return Object.freeze({ auth: api, shouldRequireMfa })
}

/** @type {import('./index').Plinto | null} */
let defaultInstance = null
function defaultPlinto() {
  if (!defaultInstance) defaultInstance = createPlinto({})
  return defaultInstance
}

/**
 * The default instance, configured from PLINTO_DATABASE, PLINTO_SECRET_KEY and PLINTO_ISSUER on first use.
 * @type {import('./index').Plinto}
 */
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
  NONE: /** @type {'none'} */ ('none'),
  OPTIONAL: /** @type {'optional'} */ ('optional'),
  REQUIRED: /** @type {'required'} */ ('required'),
  ADMIN_ONLY: /** @type {'admin_only'} */ ('admin_only'),
})

/**
 * The guide's Express middleware: place after an `authenticate` middleware that sets
 * `req.user` and `req.session` (from verifySession).
 * @type {typeof import('./index').requireMfa}
 */
function requireMfa(level = MfaLevel.REQUIRED, instance = plinto) {
  return async (req, res, next) => {
    try {
      const { user, session } = req
      // Only a signed-in session passes, at every level: a pending sign-in (state
      // mfa_pending) authenticates nothing but its MFA step.
      if (!user || !session || session.valid === false || (session.state !== undefined && session.state !== 'active')) {
        return res.status(401).json({ error: 'No authentication token' })
      }
      // Past the deadline to enroll (the rollout or the application required it), the
      // session may only enroll a factor: every level refuses it.
      if (session.mfaEnrollment?.restricted) {
        return res.status(403).json({
          error: 'MFA setup required',
          code: 'mfa_setup_required',
          requiresMfaSetup: true,
          redirectTo: '/settings/security',
        })
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

/**
 * The session token of a request: `req.sessionToken` if an earlier middleware set it, else
 * the session cookie (over https only `__Host-session`: a plain `session` cookie could have
 * been planted by a sibling subdomain), else the bearer token.
 * @param {any} req
 * @returns {string | undefined}
 */
function sessionTokenOf(req) {
  const bearer = req.headers?.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1]
  const cookie = req.secure ? req.cookies?.['__Host-session'] : req.cookies?.session
  return req.sessionToken ?? cookie ?? bearer
}

/**
 * Express middleware for the application's sensitive operations: `authorize(sessionToken,
 * operation)` in the core. Operations in `security.stepUpRequired` need a recent MFA check
 * on this session (or, without MFA, a recent password check): 403 with `stepUpRequired`,
 * the `methods` that satisfy it and `maxAge`; no valid session is 401.
 * @type {typeof import('./index').requireStepUp}
 */
function requireStepUp(operation, instance = plinto) {
  return async (req, res, next) => {
    const sessionToken = sessionTokenOf(req)
    if (!sessionToken) return res.status(401).json({ error: 'No authentication token' })
    try {
      req.authorization = await instance.auth.authorize({ sessionToken, operation })
      next()
    } catch (error) {
      const e = /** @type {any} */ (error)
      if (e?.code === 'mfa_step_up_required') {
        return res.status(403).json({
          error: 'Recent verification required',
          code: e.code,
          stepUpRequired: true,
          operation,
          methods: e.methods,
          maxAge: e.maxAge,
        })
      }
      if (e?.code === 'session_invalid') return res.status(401).json({ error: 'Invalid or expired session' })
      if (e?.code === 'mfa_setup_required') {
        return res.status(403).json({ error: 'MFA setup required', code: e.code, requiresMfaSetup: true, redirectTo: '/settings/security' })
      }
      console.error('Step-up middleware error:', error)
      res.status(500).json({ error: 'Authorization failed' })
    }
  }
}

// --- Authenticator side: what an authenticator app does with the otpauth:// URI ------------

const {
  parseOtpauthUri,
  authenticatorCode,
  pushPhoneKey,
  parsePushEnrollment,
  pushRegistration,
  pinPushServerKey,
  pushPoll,
  openPushChallenge,
  pushAnswer,
} = authenticatorFunctions((op, args) => unwrap(statelessCall(op, encode(args, 'options'))))

module.exports = {
  createPlinto,
  plinto,
  MfaError,
  DestinationRejected,
  MFA_ERROR_CODES,
  MfaLevel,
  requireMfa,
  requireStepUp,
  parseOtpauthUri,
  authenticatorCode,
  pushPhoneKey,
  parsePushEnrollment,
  pushRegistration,
  pinPushServerKey,
  pushPoll,
  openPushChallenge,
  pushAnswer,
}
