// server.js — the MFA guide's Express server, running on @plinto/mfa.
// The guide's routes are kept as written; additions are marked "Plinto:".
import express from 'express'
import { plinto, requireMfa, requireStepUp, MfaLevel, MfaError } from '@plinto/mfa'
import rateLimit from 'express-rate-limit'
import cookieParser from 'cookie-parser'
import { fileURLToPath } from 'node:url'

const app = express()
// Plinto: behind a TLS-terminating proxy, X-Forwarded-Proto says whether the request was https.
if (process.env.TRUST_PROXY) app.set('trust proxy', process.env.TRUST_PROXY)

// Plinto: requests that change state must come from this site. A browser names the page that
// sent a request in Origin (or at least in Sec-Fetch-Site); a cross-site form or fetch is
// refused before any route runs, with or without the session cookie, so it cannot sign a user
// out, sign them in to another account, change their factors or use their session. Clients
// that are not browsers send neither header and are not affected. ALLOWED_ORIGINS lists other
// origins of this app (e.g. a dev server), comma-separated.
const allowedOrigins = new Set((process.env.ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean))
app.use((req, res, next) => {
  if (['GET', 'HEAD', 'OPTIONS'].includes(req.method)) return next()
  const origin = req.get('origin')
  const own = `${req.protocol}://${req.get('host')}`
  const sameSite = origin ? origin === own || allowedOrigins.has(origin) : req.get('sec-fetch-site') !== 'cross-site'
  if (!sameSite) return res.status(403).json({ error: 'Cross-site request refused', code: 'forbidden_origin' })
  next()
})

// Plinto: body and cookie parsing, which the guide's routes assume (after the origin check, so
// a cross-site request is refused whatever its body).
app.use(express.json({ limit: '2mb' }))
app.use(cookieParser())

// Plinto: SMS and email codes go through the built-in senders when PLINTO_SMTP_* /
// PLINTO_TWILIO_* / PLINTO_SNS_* are set; otherwise, for development, they are printed on this
// console.
/** @param {string} destination @param {string} message */
const consoleSender = (destination, message) => {
  console.log(`[plinto] code for ${destination}: ${message}`)
}
if (!process.env.PLINTO_TWILIO_ACCOUNT_SID && !process.env.PLINTO_SNS_REGION) plinto.auth.mfa.setSender('sms', consoleSender)
if (!process.env.PLINTO_SMTP_HOST) plinto.auth.mfa.setSender('email', consoleSender)

// Rate limiting for MFA endpoints
const mfaLimiter = rateLimit({
  windowMs: 15 * 60 * 1000, // 15 minutes
  max: Number(process.env.MFA_VERIFY_MAX_PER_WINDOW ?? 5), // 5 attempts per window
  message: 'Too many MFA attempts, please try again later',
  // Plinto: answered as JSON, in the shape of every other error (the contract's ErrorBody).
  handler: (req, res, next, options) => {
    res.status(options.statusCode).json({ error: options.message, code: 'mfa_rate_limited', retryAfter: Math.ceil(options.windowMs / 1000) })
  }
})

/** Plinto: caller details for the audit log.
 * @param {import('express').Request} req */
const clientOf = (req) => ({ ipAddress: req.ip, userAgent: req.get('user-agent') })

/** Plinto: the session cookie's name: `__Host-session` over https (the browser then insists on
 * Secure, Path=/ and no Domain), `session` on plain-http development servers.
 * @param {import('express').Request} req */
const cookieName = (req) => (req.secure ? '__Host-session' : 'session')

/** Plinto: the session token of the cookie: over https only the `__Host-` one (a plain
 * `session` cookie could have been planted by a sibling subdomain).
 * @param {import('express').Request} req
 * @returns {string | undefined} */
const sessionCookieOf = (req) => req.cookies?.[cookieName(req)]

/** Plinto: the session token of the cookie or the bearer header.
 * @param {import('express').Request} req
 * @returns {string | undefined} */
const sessionTokenOf = (req) => sessionCookieOf(req) || req.headers.authorization?.split(' ')[1]

/** Plinto: the Host names of a development server on this machine. */
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]'])  // as req.hostname gives them

/** Plinto: the session cookie's attributes (see `secure`); clearing it repeats them.
 * @param {import('express').Request} req */
const cookieOptions = (req) => ({
  httpOnly: true,
  // Secure, except on a plain-http development server on this machine (a Host of localhost or
  // a loopback address, outside production), where no client would send it back; behind a TLS
  // proxy that TRUST_PROXY does not name, the request looks like http and it is still Secure,
  // unless the proxy also rewrites Host to a loopback address (nginx's `proxy_pass
  // http://127.0.0.1:…` does): set NODE_ENV=production (or PLINTO_ENV) in any deployment.
  secure: req.secure || process.env.NODE_ENV === 'production' || process.env.PLINTO_ENV === 'production' ||
    !loopbackHosts.has(req.hostname.toLowerCase()),
  sameSite: /** @type {const} */ ('lax'),
  path: '/'
})

/** Plinto: the session cookie, as the guide's verify route sets it.
 * @param {import('express').Request} req
 * @param {import('express').Response} res
 * @param {{ token: string, expiresIn: number }} session */
function setSessionCookie(req, res, session) {
  res.cookie(cookieName(req), session.token, { ...cookieOptions(req), maxAge: session.expiresIn * 1000 })
}

/** Plinto: errors of the core as HTTP answers, with the status the core gives the code.
 * @param {import('express').Response} res @param {string} what @param {any} error */
function fail(res, what, error) {
  // Only the core's errors say their status; anything else is the server's own failure.
  const core = error instanceof MfaError && typeof error.status === 'number'
  const status = core ? error.status : 500
  if (error?.retryAfter) res.set('Retry-After', String(error.retryAfter))
  // The server's own failures (and anything that is not the core's error) are logged, not
  // described to the caller.
  const ours = status >= 500 && error?.code !== 'mfa_delivery_failed'
  if (ours) {
    console.error(`${what}:`, error)
    return res.status(status).json({ error: what, code: core ? error.code : 'internal' })
  }
  res.status(status).json({
    error: what, code: error.code, details: error.message, field: error.field,
    retryAfter: error.retryAfter, methods: error.methods, maxAge: error.maxAge
  })
}

/** Plinto: what a factor change needs beyond the session: this session (its recent MFA counts,
 * and it is kept when the change ends the others) and a code the user typed, if any.
 * @param {import('express').Request} req */
const stepUpOf = (req) => ({ sessionToken: req.sessionToken, confirmationCode: req.body?.confirmationCode || undefined })

// Plinto: sign-up, sign-in and sign-out, which the guide's integration tests use.
app.post('/api/auth/signup', async (req, res) => {
  try {
    const { email, password } = req.body ?? {}
    const result = await plinto.auth.signUp({ email, password, ...clientOf(req) })
    setSessionCookie(req, res, result.session)
    res.status(201).json({ success: true, ...result })
  } catch (error) {
    fail(res, 'Sign-up failed', error)
  }
})

app.post('/api/auth/signin', async (req, res) => {
  try {
    const { email, password } = req.body ?? {}
    const result = await plinto.auth.signIn({ email, password, ...clientOf(req) })
    if (result.session) setSessionCookie(req, res, result.session)
    res.json(result)
  } catch (error) {
    fail(res, 'Sign-in failed', error)
  }
})

app.post('/api/auth/signout', async (req, res) => {
  const token = sessionTokenOf(req)
  if (token) await plinto.auth.signOut({ token, ...clientOf(req) }).catch(() => undefined)
  res.clearCookie(cookieName(req), cookieOptions(req))
  res.json({ success: true })
})

// Plinto: the signed-in user's sessions: list them, end one, or end all the others.
app.get('/api/auth/sessions', authenticate, async (req, res) => {
  try {
    res.json({ sessions: await plinto.auth.listSessions({ userId: req.user.id, sessionToken: req.sessionToken }) })
  } catch (error) {
    fail(res, 'Failed to list sessions', error)
  }
})

app.delete('/api/auth/sessions/:id', authenticate, async (req, res) => {
  try {
    res.json(await plinto.auth.revokeSession({ userId: req.user.id, sessionId: String(req.params.id), ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Failed to end the session', error)
  }
})

app.post('/api/auth/sessions/revoke-others', authenticate, async (req, res) => {
  try {
    res.json(await plinto.auth.revokeOtherSessions({ sessionToken: req.sessionToken ?? '', ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Failed to end the other sessions', error)
  }
})

// Plinto: a new password (the current one, plus a recent MFA check when MFA is on); the
// user's other sessions end.
app.post('/api/auth/password', authenticate, async (req, res) => {
  try {
    const { currentPassword, newPassword } = req.body ?? {}
    res.json(await plinto.auth.changePassword({ userId: req.user.id, currentPassword, newPassword, ...stepUpOf(req), ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Failed to change the password', error)
  }
})

// Plinto: a fresh MFA check on the signed-in session (step-up), for operations that need a
// recent one; SMS and email codes for it come from /api/auth/mfa/resend without a sessionId.
app.post('/api/auth/mfa/step-up', mfaLimiter, authenticate, async (req, res) => {
  try {
    const { method, code } = req.body ?? {}
    const result = await plinto.auth.verifyMFA({ sessionId: req.sessionToken, method, code, ...clientOf(req) })
    if (result.success) return res.json({ success: true, method: result.method })
    refuseCode(res, result)
  } catch (error) {
    fail(res, 'Step-up failed', error)
  }
})

// MFA setup endpoint
app.post('/api/auth/mfa/setup', authenticate, async (req, res) => {
  try {
    const { method, phoneNumber, label, deviceName } = req.body ?? {}
    
    const mfaSetup = await plinto.auth.enableMFA({
      userId: req.user.id,
      method,
      phoneNumber, // for SMS
      deviceName, // Plinto: the phone's name, for push
      label: label || 'MyApp',
      ...stepUpOf(req), // Plinto: adding a factor is a step-up operation
      ...clientOf(req)
    })
    
    res.json({
      success: true,
      qrCodeUrl: mfaSetup.qrCodeUrl,
      qrCodeDataUrl: mfaSetup.qrCodeDataUrl, // Plinto: the QR code as an SVG data URL
      destination: mfaSetup.destination, // Plinto: where an SMS or email code went (masked)
      expiresIn: mfaSetup.expiresIn, // Plinto: how long that code (or the push enrollment QR code) lasts
      challengeId: mfaSetup.challengeId, // Plinto: the push enrollment's id
      secret: mfaSetup.secret,
      backupCodes: mfaSetup.backupCodes
    })
  } catch (error) {
    console.error('MFA setup error:', error)
    fail(res, 'Failed to setup MFA', error) // Plinto: the status says why (403 for a step-up)
  }
})

// MFA verification endpoint
app.post('/api/auth/mfa/verify', mfaLimiter, async (req, res) => {
  try {
    const { sessionId, method, code } = req.body ?? {}

    // Plinto: without a sessionId this confirms a method being set up for the signed-in user.
    if (!sessionId) {
      return await confirmSetup(req, res)
    }
    
    const result = await plinto.auth.verifyMFA({
      sessionId,
      method,
      code,
      ...clientOf(req)
    })
    
    if (result.success) {
      // Set session cookie
      setSessionCookie(req, res, result.session) // Plinto: Secure and __Host- over https
      
      res.json({
        success: true,
        user: result.user,
        session: result.session
      })
    } else {
      refuseCode(res, result) // Plinto: 401 with the attempts left, or 429 when locked out
    }
  } catch (error) {
    fail(res, 'MFA verification failed', error) // Plinto: the status from the core's code
  }
})

/** Plinto: a refused code, as the verify, step-up and security-key routes answer it: 429 (with
 * Retry-After) when the core's persisted attempt limit locked the user out, else 401 with the
 * attempts left, the enforced delay and the other methods to offer.
 * @param {import('express').Response} res
 * @param {{ rateLimited?: boolean, error?: string, attemptsRemaining?: number, retryAfter?: number, fallbackMethods?: string[] }} result
 * @param {number} [status] the status of a refused code (400 for a security key's response) */
function refuseCode(res, result, status = 401) {
  if (result.rateLimited) {
    if (result.retryAfter) res.set('Retry-After', String(result.retryAfter))
    return res.status(429).json({ error: 'Too many attempts', code: 'mfa_rate_limited', attemptsRemaining: 0, retryAfter: result.retryAfter })
  }
  res.status(status).json({
    error: status === 401 ? 'Invalid MFA code' : 'Invalid security key response',
    code: result.error, // e.g. mfa_invalid_code, mfa_expired_code
    attemptsRemaining: result.attemptsRemaining,
    retryAfter: result.retryAfter, // the enforced delay before the next attempt
    fallbackMethods: result.fallbackMethods
  })
}

/** Plinto: setup confirmation (and re-verification) for the signed-in user.
 * @param {import('express').Request} req
 * @param {import('express').Response} res */
async function confirmSetup(req, res) {
  const token = sessionTokenOf(req)
  const session = token ? await plinto.auth.verifySession(token) : null
  if (!session?.valid || !session.user) {
    return res.status(401).json({ error: 'No authentication token', code: 'session_invalid' })
  }
  const { method, code } = req.body ?? {}
  // The new factor ends the user's other sessions; this one is kept.
  const result = await plinto.auth.verifyMFA({ userId: session.user.id, method, code, sessionToken: token, ...clientOf(req) })
  if (result.success) {
    return res.json({ success: true, user: result.user, backupCodes: result.backupCodes })
  }
  refuseCode(res, result)
}

// Plinto: the guide's mfa.requestNewCode over HTTP ("Send New Code"). With a sessionId it resends
// for a pending sign-in; without one, for a method the signed-in user is setting up.
// With `stepUp: true` it sends a code for a step-up of the signed-in session.
app.post('/api/auth/mfa/resend', async (req, res) => {
  try {
    const { sessionId, method, stepUp } = req.body ?? {}
    let userId
    let session = sessionId
    if (!sessionId) {
      const token = sessionTokenOf(req)
      const info = token ? await plinto.auth.verifySession(token) : null
      if (!info?.valid || !info.user) return res.status(401).json({ error: 'No authentication token', code: 'session_invalid' })
      if (stepUp) session = token
      else userId = info.user.id
    }
    const result = await plinto.auth.mfa.requestNewCode({ sessionId: session, userId, method, ...clientOf(req) })
    res.json(result)
  } catch (error) {
    fail(res, 'Failed to send a new code', error)
  }
})

// MFA status endpoint
app.get('/api/auth/mfa/status', authenticate, async (req, res) => {
  try {
    const status = await plinto.auth.getMFAStatus({
      userId: req.user.id
    })
    
    res.json({
      enabled: status.enabled,
      methods: status.methods,
      backupCodesRemaining: status.backupCodesRemaining,
      lastUsed: status.lastUsed,
      totpDevices: status.totpDevices, // Plinto: the factors, to list and remove them
      channels: status.channels,
      pushDevices: status.pushDevices, // Plinto: phones enrolled for push approvals
      codesSuspended: status.codesSuspended
    })
  } catch (error) {
    console.error('MFA status error:', error)
    res.status(500).json({ error: 'Failed to get MFA status', code: 'internal' })
  }
})

// Disable MFA endpoint
app.post('/api/auth/mfa/disable', authenticate, async (req, res) => {
  try {
    const { password, confirmationCode } = req.body ?? {}
    
    // Verify password for security
    await plinto.auth.verifyPassword({
      userId: req.user.id,
      password
    })
    
    await plinto.auth.disableMFA({
      userId: req.user.id,
      confirmationCode,
      sessionToken: req.sessionToken, // Plinto: this session stays; the others end
      ...clientOf(req)
    })
    
    res.json({ success: true, message: 'MFA disabled' })
  } catch (error) {
    console.error('MFA disable error:', error)
    fail(res, 'Failed to disable MFA', error)
  }
})

// Backup codes management
app.post('/api/auth/mfa/backup-codes/regenerate', authenticate, async (req, res) => {
  try {
    const { password } = req.body ?? {}
    
    // Verify password for security
    await plinto.auth.verifyPassword({
      userId: req.user.id,
      password
    })
    
    const backupCodes = await plinto.auth.regenerateMFABackupCodes({
      userId: req.user.id,
      ...stepUpOf(req), // Plinto: new codes are a step-up operation
      ...clientOf(req)
    })
    
    res.json({
      success: true,
      codes: backupCodes.codes,
      generatedAt: backupCodes.generatedAt
    })
  } catch (error) {
    console.error('Backup codes regeneration error:', error)
    fail(res, 'Failed to regenerate backup codes', error)
  }
})

// Plinto: removing an authenticator device or an SMS/email destination (ids from the status):
// the password and a step-up; the last factor also needs a confirmation code.
app.delete('/api/auth/mfa/factors/:id', authenticate, async (req, res) => {
  try {
    const { password } = req.body ?? {}
    res.json(await plinto.auth.removeFactor({ userId: req.user.id, factorId: String(req.params.id), password, ...stepUpOf(req), ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Failed to remove the factor', error)
  }
})

// Plinto: security keys and passkeys (WebAuthn). The browser passes `publicKey` to
// navigator.credentials.create() / .get() and posts the credential's toJSON() back.
app.post('/api/auth/mfa/webauthn/register/options', authenticate, async (req, res) => {
  try {
    res.json(await plinto.auth.getPasskeyRegistrationOptions({
      userId: req.user.id, type: 'registration', authenticatorType: req.body?.authenticatorType, ...stepUpOf(req), ...clientOf(req)
    }))
  } catch (error) {
    fail(res, 'Security key request failed', error)
  }
})

app.post('/api/auth/mfa/webauthn/register/verify', authenticate, async (req, res) => {
  try {
    const { challengeId, credential, name } = req.body ?? {}
    res.json(await plinto.auth.verifyPasskeyRegistration({
      userId: req.user.id, challengeId, credential, name, sessionToken: req.sessionToken, ...clientOf(req)
    }))
  } catch (error) {
    fail(res, 'Security key request failed', error)
  }
})

/** The pending sign-in session from the body, or the signed-in session (step-up): what the
 * security-key and push challenges are for.
 * @param {import('express').Request} req */
const challengeSession = (req) => req.body?.sessionId || sessionTokenOf(req)

app.post('/api/auth/mfa/webauthn/authenticate/options', async (req, res) => {
  try {
    const sessionId = challengeSession(req)
    if (!sessionId) return res.status(401).json({ error: 'No session', code: 'session_invalid' })
    res.json(await plinto.auth.getPasskeyAuthenticationOptions({ sessionId, ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Security key request failed', error)
  }
})

app.post('/api/auth/mfa/webauthn/authenticate/verify', mfaLimiter, async (req, res) => {
  try {
    const { challengeId, credential } = req.body ?? {}
    const sessionId = challengeSession(req)
    const result = await plinto.auth.verifyPasskeyAuthentication({ challengeId, credential, sessionId, ...clientOf(req) })
    // Plinto: locked out (429) or refused (400), as /api/auth/mfa/verify says it.
    if (!result.success) return refuseCode(res, result, 400)
    if (result.session) setSessionCookie(req, res, result.session)
    res.json({ success: true, user: result.user, session: result.session })
  } catch (error) {
    fail(res, 'Security key request failed', error)
  }
})

// Plinto: the signed-in user's security keys and passkeys, for the settings page.
app.get('/api/auth/mfa/webauthn/credentials', authenticate, async (req, res) => {
  try {
    res.json({ credentials: await plinto.auth.listPasskeys({ userId: req.user.id }) })
  } catch (error) {
    fail(res, 'Security key request failed', error)
  }
})

// Plinto: renaming one of the signed-in user's keys; the core trims the name and refuses an
// empty one or one over 128 bytes (invalid_input, field "name").
app.patch('/api/auth/mfa/webauthn/credentials/:id', authenticate, async (req, res) => {
  try {
    const name = req.body?.name
    if (typeof name !== 'string') return res.status(400).json({ error: 'Invalid request', code: 'invalid_input', field: 'name', details: 'A name is required' })
    res.json(await plinto.auth.renamePasskey({ userId: req.user.id, credentialId: String(req.params.id), name, ...stepUpOf(req), ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Security key request failed', error)
  }
})

// Plinto: removing a key needs the password; removing the user's last MFA factor turns MFA
// off, so it also needs a current code (a backup code), as /api/auth/mfa/disable does.
app.delete('/api/auth/mfa/webauthn/credentials/:id', authenticate, async (req, res) => {
  try {
    const { password, confirmationCode } = req.body ?? {}
    if (!password) return res.status(400).json({ error: 'Invalid request', code: 'invalid_input', field: 'password', details: 'Password is required' })
    res.json(await plinto.auth.removePasskey({
      userId: req.user.id, credentialId: String(req.params.id), password, confirmationCode, sessionToken: req.sessionToken, ...clientOf(req)
    }))
  } catch (error) {
    fail(res, 'Security key request failed', error)
  }
})

// Plinto: push approvals with number matching. The sign-in page asks for a challenge (for the
// pending sign-in in `sessionId`, or a step-up of the signed-in session), shows its number, and
// polls its status; the approval completes the sign-in once, and the session cookie is set.
app.post('/api/auth/mfa/push/challenge', async (req, res) => {
  try {
    const sessionId = challengeSession(req)
    if (!sessionId) return res.status(401).json({ error: 'No session', code: 'session_invalid' })
    const challenge = await plinto.auth.mfa.pushChallenge({ sessionId, appName: process.env.PLINTO_ISSUER, ...clientOf(req) })
    res.json(challenge)
  } catch (error) {
    fail(res, 'Failed to send the push approval', error)
  }
})

app.post('/api/auth/mfa/push/status', async (req, res) => {
  try {
    const sessionId = challengeSession(req)
    if (!sessionId) return res.status(401).json({ error: 'No session', code: 'session_invalid' })
    const { status, expiresIn, result } = await plinto.auth.mfa.pushStatus({ challengeId: req.body?.challengeId, sessionId, ...clientOf(req) })
    if (result?.success && result.session) setSessionCookie(req, res, result.session)
    res.json({
      status, expiresIn,
      success: result?.success ?? false,
      user: result?.user, session: result?.session,
      code: result?.error, retryAfter: result?.retryAfter, fallbackMethods: result?.fallbackMethods
    })
  } catch (error) {
    fail(res, 'Failed to read the push approval', error)
  }
})

// Plinto: the phone's routes (an authenticator app, not a browser): every request is signed
// by the device key, so none needs a session. Registration comes from the enrollment QR code.
app.post('/api/push/register', async (req, res) => {
  try {
    res.json(await plinto.auth.mfa.registerPushDevice({ registration: req.body?.registration, ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Registration failed', error)
  }
})

app.post('/api/push/pending', async (req, res) => {
  try {
    res.json(await plinto.auth.mfa.pushPending({ request: req.body?.request, ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Poll failed', error)
  }
})

app.post('/api/push/respond', async (req, res) => {
  try {
    res.json(await plinto.auth.mfa.pushRespond({ response: req.body?.response, ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Answer failed', error)
  }
})

// Plinto: the routes a session held to enrollment (past its deadline) may use.
const enrollmentRoutes = new Set([
  '/api/auth/session',
  '/api/auth/mfa/setup',
  '/api/auth/mfa/verify',
  '/api/auth/mfa/status',
  '/api/auth/mfa/webauthn/register/options',
  '/api/auth/mfa/webauthn/register/verify'
])

// Authentication middleware with MFA support
/**
 * @param {import('express').Request} req
 * @param {import('express').Response} res
 * @param {import('express').NextFunction} next
 */
async function authenticate(req, res, next) {
  try {
    const token = sessionTokenOf(req) // Plinto: the __Host- cookie over https
    
    if (!token) {
      return res.status(401).json({ error: 'No authentication token', code: 'session_invalid' })
    }
    
    const session = await plinto.auth.verifySession(token)
    
    if (!session.valid) {
      return res.status(401).json({ error: 'Invalid or expired session', code: 'session_invalid' })
    }
    
    // Check if MFA is required but not completed
    if (session.requiresMfa && !session.mfaCompleted) {
      return res.status(403).json({ 
        error: 'MFA required',
        requiresMfa: true,
        sessionId: session.id,
        availableMethods: session.mfaMethods
      })
    }
    
    // Plinto: past the deadline to enroll, the session reaches only what enrolling needs.
    if (session.mfaEnrollment?.restricted && !enrollmentRoutes.has(req.path)) {
      return res.status(403).json({ error: 'MFA setup required', code: 'mfa_setup_required', requiresMfaSetup: true, redirectTo: '/settings/security' })
    }

    req.user = session.user
    req.session = session
    req.sessionToken = token // Plinto: for step-ups and to keep this session on changes
    next()
  } catch (error) {
    console.error('Authentication error:', error)
    res.status(401).json({ error: 'Authentication failed', code: 'session_invalid' })
  }
}

// Plinto: the guide's "Advanced MFA Middleware" routes, with requireMfa from the package.
// MFA levels say how strongly the caller signed in, not what they may do: admin routes also
// check the role (authorization), and the new user's role is never taken from the request.
/** @param {...string} roles */
function requireRole(...roles) {
  /** @type {import('express').RequestHandler} */
  return (req, res, next) => {
    if (!req.user || !roles.includes(req.user.role)) {
      return res.status(403).json({ error: 'Administrator role required', code: 'forbidden_role' })
    }
    next()
  }
}

/** @param {import('express').Request} req @param {import('express').Response} res */
async function createUser(req, res) {
  try {
    const { email, password } = req.body ?? {}
    const created = await plinto.auth.signUp({ email, password, role: 'user', ...clientOf(req) })
    // The new user's session is theirs, not the administrator's.
    await plinto.auth.signOut({ token: created.session.token })
    res.status(201).json({ success: true, createdBy: req.user?.id, user: created.user })
  } catch (error) {
    fail(res, 'Failed to create the user', error)
  }
}

/** @param {import('express').Request} req @param {import('express').Response} res */
function processPayment(req, res) {
  res.json({ success: true, paidBy: req.user?.id })
}

// Usage in routes
app.post('/api/admin/users', 
  authenticate, 
  requireRole('admin', 'super_admin'), // Plinto: authorization, apart from the MFA level
  requireMfa(MfaLevel.ADMIN_ONLY), 
  createUser
)

app.post('/api/payments', 
  authenticate, 
  requireMfa(MfaLevel.REQUIRED), 
  requireStepUp('payment_method_add'), // Plinto: a recent MFA check for this operation
  processPayment
)

// Plinto: the signed-in session as the web app sees it: its user and where they stand with
// enrolling a factor (the rollout's prompts and deadline). A session held to enrollment may
// call this, the setup, verify and status routes and sign-out; every other route answers it
// 403 mfa_setup_required (authenticate, and requireMfa at every level).
app.get('/api/auth/session', authenticate, (req, res) => {
  res.json({ user: req.user, mfaVerified: req.session.mfaVerified, mfaEnrollment: req.session.mfaEnrollment ?? null })
})

// Plinto: administrators' rollout routes: the admin role, MFA on this session, and an MFA
// check within the last ten minutes (the core's requireRecentMfa).
/** @param {number} maxAge seconds @returns {import('express').RequestHandler} */
function requireRecentMfa(maxAge) {
  return (req, res, next) => {
    plinto.auth.requireRecentMfa({ token: req.sessionToken ?? '', maxAge }).then(
      () => next(),
      (error) => fail(res, 'Recent verification required', error)
    )
  }
}
const adminRollout = [authenticate, requireRole('admin', 'super_admin'), requireMfa(MfaLevel.REQUIRED), requireRecentMfa(600)]

app.get('/api/admin/rollout', ...adminRollout, async (req, res) => {
  try {
    res.json(await plinto.auth.getRollout())
  } catch (error) {
    fail(res, 'Failed to read the rollout', error)
  }
})

app.post('/api/admin/rollout', ...adminRollout, async (req, res) => {
  try {
    const { phase, percentage, promptLocations } = req.body ?? {}
    res.json(await plinto.auth.setRollout({ phase, percentage, promptLocations, ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Failed to change the rollout', error)
  }
})

app.post('/api/admin/rollout/enforce', ...adminRollout, async (req, res) => {
  try {
    res.json(await plinto.auth.enforceRollout({ ...clientOf(req) }))
  } catch (error) {
    fail(res, 'Failed to enforce the rollout', error)
  }
})

app.get('/api/admin/rollout/stats', ...adminRollout, async (req, res) => {
  try {
    const days = req.query.days === undefined ? undefined : Number(req.query.days)
    res.json(await plinto.auth.getRolloutStats({ days }))
  } catch (error) {
    fail(res, 'Failed to read the statistics', error)
  }
})

// Plinto: the other levels, so every MfaLevel can be exercised.
app.get('/api/reports', authenticate, requireMfa(MfaLevel.OPTIONAL), (req, res) => {
  res.json({ success: true })
})
app.get('/api/profile', authenticate, requireMfa(MfaLevel.NONE), (req, res) => {
  res.json({ success: true, user: req.user })
})

// Plinto: the React example's web app (examples/react), once built into its dist/ folder:
// its files, and index.html for every other GET outside /api so the app's own routes load.
import { existsSync } from 'node:fs'
const reactDist = fileURLToPath(new URL('../react/dist/', import.meta.url))
if (existsSync(`${reactDist}index.html`)) {
  app.use(express.static(reactDist, { index: false }))
  app.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path === '/api' || req.path.startsWith('/api/')) return next()
    res.set('Cache-Control', 'no-cache')
    res.sendFile(`${reactDist}index.html`)
  })
}

// Plinto: what no route answers, in the contract's error shape: an unknown /api route is 404
// not_found; a body that is not JSON (or in a charset or encoding it does not read) is 400
// invalid_input, 413 when too large;
// anything else a handler let escape is 500 internal, logged and not described.
app.use('/api', (req, res) => {
  res.status(404).json({ error: 'Not found', code: 'not_found' })
})
app.use(/** @type {import('express').ErrorRequestHandler} */ ((error, req, res, next) => {
  if (res.headersSent) return next(error)
  if (error?.type === 'entity.parse.failed') {
    return res.status(400).json({ error: 'Invalid request', code: 'invalid_input', details: 'The body is not valid JSON' })
  }
  if (error?.type === 'entity.too.large') {
    return res.status(413).json({ error: 'Invalid request', code: 'invalid_input', details: 'The body is too large' })
  }
  if (['charset.unsupported', 'encoding.unsupported', 'request.aborted', 'request.size.invalid'].includes(error?.type)) {
    return res.status(400).json({ error: 'Invalid request', code: 'invalid_input', details: String(error.message) })
  }
  console.error('Unhandled error:', error)
  res.status(500).json({ error: 'Internal error', code: 'internal' })
}))

export { app }

// Plinto: start listening when run directly (`node server.js`, `make demo`).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000)
  const server = app.listen(port, () => {
    const address = server.address()
    const actual = typeof address === 'object' && address ? address.port : port
    console.log(`Plinto MFA Express example on http://localhost:${actual}`)
  })
}
