// server.js — the MFA guide's Express server, running on @plinto/mfa.
// The guide's routes are kept as written; additions are marked "Plinto:".
import express from 'express'
import { plinto, requireMfa, MfaLevel } from '@plinto/mfa'
import rateLimit from 'express-rate-limit'
import cookieParser from 'cookie-parser'
import { fileURLToPath } from 'node:url'

const app = express()
// Plinto: body and cookie parsing, which the guide's routes assume.
app.use(express.json({ limit: '2mb' }))
app.use(cookieParser())

// Plinto: SMS and email codes go through the built-in senders when PLINTO_SMTP_* / PLINTO_TWILIO_*
// are set; otherwise, for development, they are printed on this console.
/** @param {string} destination @param {string} message */
const consoleSender = (destination, message) => {
  console.log(`[plinto] code for ${destination}: ${message}`)
}
if (!process.env.PLINTO_TWILIO_ACCOUNT_SID) plinto.auth.mfa.setSender('sms', consoleSender)
if (!process.env.PLINTO_SMTP_HOST) plinto.auth.mfa.setSender('email', consoleSender)

// Rate limiting for MFA endpoints
const mfaLimiter = rateLimit({
  windowMs: 15 * 60 * 1000, // 15 minutes
  max: Number(process.env.MFA_VERIFY_MAX_PER_WINDOW ?? 5), // 5 attempts per window
  message: 'Too many MFA attempts, please try again later'
})

/** Plinto: caller details for the audit log.
 * @param {import('express').Request} req */
const clientOf = (req) => ({ ipAddress: req.ip, userAgent: req.get('user-agent') })

/** Plinto: the session cookie, as the guide's verify route sets it.
 * @param {import('express').Response} res
 * @param {{ token: string, expiresIn: number }} session */
function setSessionCookie(res, session) {
  res.cookie('session', session.token, {
    httpOnly: true,
    secure: process.env.NODE_ENV === 'production',
    sameSite: 'lax',
    maxAge: session.expiresIn * 1000
  })
}

// Plinto: sign-up, sign-in and sign-out, which the guide's integration tests use.
app.post('/api/auth/signup', async (req, res) => {
  try {
    const { email, password } = req.body ?? {}
    const result = await plinto.auth.signUp({ email, password, ...clientOf(req) })
    setSessionCookie(res, result.session)
    res.json(result)
  } catch (error) {
    res.status(error.code === 'already_exists' ? 409 : 400).json({ error: 'Sign-up failed', code: error.code, details: error.message })
  }
})

app.post('/api/auth/signin', async (req, res) => {
  try {
    const { email, password } = req.body ?? {}
    const result = await plinto.auth.signIn({ email, password, ...clientOf(req) })
    if (result.session) setSessionCookie(res, result.session)
    res.json(result)
  } catch (error) {
    const status = error.code === 'invalid_credentials' ? 401 : 400
    res.status(status).json({ error: 'Sign-in failed', code: error.code, details: error.message })
  }
})

app.post('/api/auth/signout', async (req, res) => {
  const token = req.cookies.session || req.headers.authorization?.split(' ')[1]
  if (token) await plinto.auth.signOut({ token, ...clientOf(req) }).catch(() => undefined)
  res.clearCookie('session')
  res.json({ success: true })
})

// MFA setup endpoint
app.post('/api/auth/mfa/setup', authenticate, async (req, res) => {
  try {
    const { method, phoneNumber, label } = req.body
    
    const mfaSetup = await plinto.auth.enableMFA({
      userId: req.user.id,
      method,
      phoneNumber, // for SMS
      label: label || 'MyApp'
    })
    
    res.json({
      success: true,
      qrCodeUrl: mfaSetup.qrCodeUrl,
      qrCodeDataUrl: mfaSetup.qrCodeDataUrl, // Plinto: the QR code as an SVG data URL
      destination: mfaSetup.destination, // Plinto: where an SMS or email code went (masked)
      expiresIn: mfaSetup.expiresIn, // Plinto: how long that code lasts
      secret: mfaSetup.secret,
      backupCodes: mfaSetup.backupCodes
    })
  } catch (error) {
    console.error('MFA setup error:', error)
    res.status(400).json({ 
      error: 'Failed to setup MFA',
      details: error.message
    })
  }
})

// MFA verification endpoint
app.post('/api/auth/mfa/verify', mfaLimiter, async (req, res) => {
  try {
    const { sessionId, method, code } = req.body

    // Plinto: without a sessionId this confirms a method being set up for the signed-in user.
    if (!sessionId) {
      return confirmSetup(req, res)
    }
    
    const result = await plinto.auth.verifyMFA({
      sessionId,
      method,
      code
    })
    
    if (result.success) {
      // Set session cookie
      res.cookie('session', result.session.token, {
        httpOnly: true,
        secure: process.env.NODE_ENV === 'production',
        sameSite: 'lax',
        maxAge: result.session.expiresIn * 1000
      })
      
      res.json({
        success: true,
        user: result.user,
        session: result.session
      })
    } else if (result.rateLimited) {
      // Plinto: locked out by the core's persisted attempt limit.
      res.status(429).json({
        error: 'Too many attempts',
        attemptsRemaining: 0,
        retryAfter: result.retryAfter
      })
    } else {
      res.status(401).json({
        error: 'Invalid MFA code',
        attemptsRemaining: result.attemptsRemaining,
        code: result.error, // Plinto: e.g. mfa_expired_code
        fallbackMethods: result.fallbackMethods // Plinto: other methods to offer
      })
    }
  } catch (error) {
    console.error('MFA verification error:', error)
    res.status(400).json({ 
      error: 'MFA verification failed',
      details: error.message
    })
  }
})

/** Plinto: setup confirmation (and re-verification) for the signed-in user.
 * @param {import('express').Request} req
 * @param {import('express').Response} res */
async function confirmSetup(req, res) {
  const token = req.cookies.session || req.headers.authorization?.split(' ')[1]
  const session = token ? await plinto.auth.verifySession(token) : null
  if (!session?.valid || !session.user || session.requiresMfa) {
    return res.status(401).json({ error: 'No authentication token' })
  }
  const { method, code } = req.body
  const result = await plinto.auth.verifyMFA({ userId: session.user.id, method, code, ...clientOf(req) })
  if (result.success) {
    return res.json({ success: true, user: result.user, backupCodes: result.backupCodes })
  }
  res.status(result.rateLimited ? 429 : 401).json({
    error: result.rateLimited ? 'Too many attempts' : 'Invalid MFA code',
    attemptsRemaining: result.attemptsRemaining,
    retryAfter: result.retryAfter
  })
}

// Plinto: the guide's mfa.requestNewCode over HTTP ("Send New Code"). With a sessionId it resends
// for a pending sign-in; without one, for a method the signed-in user is setting up.
app.post('/api/auth/mfa/resend', async (req, res) => {
  try {
    const { sessionId, method } = req.body ?? {}
    let userId
    if (!sessionId) {
      const token = req.cookies.session || req.headers.authorization?.split(' ')[1]
      const session = token ? await plinto.auth.verifySession(token) : null
      if (!session?.valid) return res.status(401).json({ error: 'No authentication token' })
      userId = session.user.id
    }
    const result = await plinto.auth.mfa.requestNewCode({ sessionId, userId, method, ...clientOf(req) })
    res.json(result)
  } catch (error) {
    const status = error.code === 'mfa_rate_limited' ? 429 : error.code === 'mfa_delivery_failed' ? 503 : 400
    res.status(status).json({ error: 'Failed to send a new code', code: error.code, details: error.message, retryAfter: error.retryAfter })
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
      lastUsed: status.lastUsed
    })
  } catch (error) {
    console.error('MFA status error:', error)
    res.status(500).json({ error: 'Failed to get MFA status' })
  }
})

// Disable MFA endpoint
app.post('/api/auth/mfa/disable', authenticate, async (req, res) => {
  try {
    const { password, confirmationCode } = req.body
    
    // Verify password for security
    await plinto.auth.verifyPassword({
      userId: req.user.id,
      password
    })
    
    await plinto.auth.disableMFA({
      userId: req.user.id,
      confirmationCode
    })
    
    res.json({ success: true, message: 'MFA disabled' })
  } catch (error) {
    console.error('MFA disable error:', error)
    res.status(400).json({ 
      error: 'Failed to disable MFA',
      details: error.message
    })
  }
})

// Backup codes management
app.post('/api/auth/mfa/backup-codes/regenerate', authenticate, async (req, res) => {
  try {
    const { password } = req.body
    
    // Verify password for security
    await plinto.auth.verifyPassword({
      userId: req.user.id,
      password
    })
    
    const backupCodes = await plinto.auth.regenerateMFABackupCodes({
      userId: req.user.id
    })
    
    res.json({
      success: true,
      codes: backupCodes.codes,
      generatedAt: backupCodes.generatedAt
    })
  } catch (error) {
    console.error('Backup codes regeneration error:', error)
    res.status(400).json({ 
      error: 'Failed to regenerate backup codes',
      details: error.message
    })
  }
})

// Plinto: security keys and passkeys (WebAuthn). The browser passes `publicKey` to
// navigator.credentials.create() / .get() and posts the credential's toJSON() back.
/** @param {import('express').Response} res @param {any} error */
function webauthnError(res, error) {
  const status = error?.code === 'session_invalid' ? 401 : error?.code === 'mfa_rate_limited' ? 429 : error?.code === 'not_found' ? 404 : 400
  if (error?.retryAfter) res.set('Retry-After', String(error.retryAfter))
  res.status(status).json({ error: error?.message ?? 'WebAuthn failed', code: error?.code, field: error?.field })
}

app.post('/api/auth/mfa/webauthn/register/options', authenticate, async (req, res) => {
  try {
    res.json(await plinto.auth.getPasskeyRegistrationOptions({
      userId: req.user.id, type: 'registration', authenticatorType: req.body?.authenticatorType, ...clientOf(req)
    }))
  } catch (error) {
    webauthnError(res, error)
  }
})

app.post('/api/auth/mfa/webauthn/register/verify', authenticate, async (req, res) => {
  try {
    const { challengeId, credential, name } = req.body
    res.json(await plinto.auth.verifyPasskeyRegistration({
      userId: req.user.id, challengeId, credential, name, ...clientOf(req)
    }))
  } catch (error) {
    webauthnError(res, error)
  }
})

/** The pending sign-in session from the body, or the signed-in session (step-up).
 * @param {import('express').Request} req */
const webauthnSession = (req) =>
  req.body?.sessionId || req.cookies.session || req.headers.authorization?.split(' ')[1]

app.post('/api/auth/mfa/webauthn/authenticate/options', async (req, res) => {
  try {
    const sessionId = webauthnSession(req)
    if (!sessionId) return res.status(401).json({ error: 'No session' })
    res.json(await plinto.auth.getPasskeyAuthenticationOptions({ sessionId, ...clientOf(req) }))
  } catch (error) {
    webauthnError(res, error)
  }
})

app.post('/api/auth/mfa/webauthn/authenticate/verify', mfaLimiter, async (req, res) => {
  try {
    const { challengeId, credential } = req.body
    const sessionId = webauthnSession(req)
    const result = await plinto.auth.verifyPasskeyAuthentication({ challengeId, credential, sessionId, ...clientOf(req) })
    if (!result.success && result.rateLimited) {
      // Plinto: locked out by the core's attempt limit, as /api/auth/mfa/verify says it.
      return res.status(429).json({ error: 'Too many attempts', code: result.error, attemptsRemaining: 0, retryAfter: result.retryAfter })
    }
    if (!result.success) {
      return res.status(400).json({ error: 'Invalid security key response', code: result.error, attemptsRemaining: result.attemptsRemaining })
    }
    if (result.session) setSessionCookie(res, result.session)
    res.json({ success: true, user: result.user, session: result.session })
  } catch (error) {
    webauthnError(res, error)
  }
})

// Plinto: the signed-in user's security keys and passkeys, for the settings page.
app.get('/api/auth/mfa/webauthn/credentials', authenticate, async (req, res) => {
  try {
    res.json({ credentials: await plinto.auth.listPasskeys({ userId: req.user.id }) })
  } catch (error) {
    webauthnError(res, error)
  }
})

// Plinto: renaming one of the signed-in user's keys; the core trims the name and refuses an
// empty one or one over 128 bytes (invalid_input, field "name").
app.patch('/api/auth/mfa/webauthn/credentials/:id', authenticate, async (req, res) => {
  try {
    const name = req.body?.name
    if (typeof name !== 'string') return res.status(400).json({ error: 'A name is required', code: 'invalid_input', field: 'name' })
    res.json(await plinto.auth.renamePasskey({ userId: req.user.id, credentialId: String(req.params.id), name }))
  } catch (error) {
    webauthnError(res, error)
  }
})

// Plinto: removing a key needs the password; removing the user's last MFA factor turns MFA
// off, so it also needs a current code (a backup code), as /api/auth/mfa/disable does.
app.delete('/api/auth/mfa/webauthn/credentials/:id', authenticate, async (req, res) => {
  try {
    const { password, confirmationCode } = req.body ?? {}
    if (!password) return res.status(400).json({ error: 'Password is required', code: 'invalid_input', field: 'password' })
    res.json(await plinto.auth.removePasskey({
      userId: req.user.id, credentialId: String(req.params.id), password, confirmationCode, ...clientOf(req)
    }))
  } catch (error) {
    webauthnError(res, error)
  }
})

// Authentication middleware with MFA support
/**
 * @param {import('express').Request} req
 * @param {import('express').Response} res
 * @param {import('express').NextFunction} next
 */
async function authenticate(req, res, next) {
  try {
    const token = req.cookies.session || req.headers.authorization?.split(' ')[1]
    
    if (!token) {
      return res.status(401).json({ error: 'No authentication token' })
    }
    
    const session = await plinto.auth.verifySession(token)
    
    if (!session.valid) {
      return res.status(401).json({ error: 'Invalid or expired session' })
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
    
    req.user = session.user
    req.session = session
    next()
  } catch (error) {
    console.error('Authentication error:', error)
    res.status(401).json({ error: 'Authentication failed' })
  }
}

// Plinto: the guide's "Advanced MFA Middleware" routes, with requireMfa from the package.
/** @param {import('express').Request} req @param {import('express').Response} res */
function createUser(req, res) {
  res.status(201).json({ success: true, createdBy: req.user?.id })
}

/** @param {import('express').Request} req @param {import('express').Response} res */
function processPayment(req, res) {
  res.json({ success: true, paidBy: req.user?.id })
}

// Usage in routes
app.post('/api/admin/users', 
  authenticate, 
  requireMfa(MfaLevel.ADMIN_ONLY), 
  createUser
)

app.post('/api/payments', 
  authenticate, 
  requireMfa(MfaLevel.REQUIRED), 
  processPayment
)

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
