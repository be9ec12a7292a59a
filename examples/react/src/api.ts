// A small typed client for the Express example's routes. It plays the part of the guide's
// browser SDK (`plinto.auth.*`): the session lives in the server's httpOnly `session` cookie,
// so every call is a same-origin fetch with credentials.
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from './webauthn'

export type MfaMethod = 'totp' | 'sms' | 'email' | 'webauthn' | 'backup' | 'push'

export interface User {
  id: string
  email: string
  role: string
  createdAt: string
  mfaEnabled: boolean
  mfaMethods: MfaMethod[]
}

/** Where the user stands with enrolling a factor (the rollout's prompts and deadline). */
export interface MfaEnrollment {
  required: boolean
  prompt: boolean
  /** The deadline passed: this session may only enroll a factor. */
  restricted: boolean
  deadline?: string | null
  daysLeft?: number | null
  promptLocations: string[]
}

/** The signed-in session, as GET /api/auth/session describes it. */
export interface CurrentSession {
  user: User
  mfaVerified: boolean
  mfaEnrollment: MfaEnrollment | null
}

export type RolloutPhase = 'disabled' | 'optional' | 'encouraged' | 'required_admin' | 'required_all'

export interface RolloutStatus {
  phase: RolloutPhase
  percentage: number
  promptLocations: string[]
  phaseStartedAt?: string | null
  requireForAdmins: boolean
  gracePeriodDays: number
}

export interface RolloutStats {
  phase: RolloutPhase
  percentage: number
  users: number
  enrolled: number
  withinGrace: number
  overdue: number
  prompted: number
  notRequired: number
  byMethod: { totp: number; webauthn: number; sms: number; email: number; backup: number }
  enrollmentsPerDay: { date: string; count: number }[]
}

export interface Session {
  id: string
  token: string
  expiresIn: number
  expiresAt: string
  mfaVerified: boolean
}

export interface SignInResult {
  success: true
  requiresMfa: boolean
  /** Pending-session handle for the MFA challenge, when requiresMfa. */
  sessionId?: string
  mfaMethods: MfaMethod[]
  expiresIn: number
  user?: User
  session?: Session
}

export interface MfaSetupResult {
  success: boolean
  /** otpauth:// URI (TOTP). */
  qrCodeUrl?: string
  /** The same URI as a QR code: an SVG data URL (TOTP). */
  qrCodeDataUrl?: string
  /** Base32 secret for manual entry (TOTP). */
  secret?: string
  backupCodes?: string[]
  /** Where an SMS or email code went, masked (e.g. +1******7890). */
  destination?: string
  /** Seconds the sent code (or the push enrollment QR code) stays valid. */
  expiresIn?: number
  /** The push enrollment's id. */
  challengeId?: string
}

/** A push approval sent to the user's phones: the number to show, and how long it waits. */
export interface PushChallenge {
  challengeId: string
  number: string
  expiresIn: number
  devices: number
  delivered: number
}

/** Where a push approval stands (polled by the sign-in page). */
export interface PushStatus {
  status: 'pending' | 'approved' | 'denied' | 'wrong_number' | 'reported' | 'expired' | 'cancelled' | 'used' | 'refused'
  expiresIn?: number
  success: boolean
  user?: User
  session?: Session
  code?: string
  fallbackMethods?: MfaMethod[]
}

/** A phone enrolled for push approvals. */
export interface PushDevice {
  id: string
  name: string
  platform: string
  pollOnly: boolean
  createdAt: string
  lastUsed?: string
  suspended: boolean
}

/** Outcome of a code check: a wrong code is a result, not an exception. */
export type VerifyResult =
  | { success: true; user: User; session?: Session; backupCodes?: string[] }
  | {
      success: false
      /** Locked out: no code is accepted until retryAfter seconds pass. */
      rateLimited: boolean
      attemptsRemaining?: number
      retryAfter?: number
      /** Why, when the server says: e.g. 'mfa_invalid_code', 'mfa_expired_code'. */
      code?: string
    }

export interface MfaStatus {
  enabled: boolean
  methods: MfaMethod[]
  backupCodesRemaining: number
  lastUsed?: string
  pushDevices?: PushDevice[]
}

export interface BackupCodes {
  codes: string[]
  generatedAt: string
}

/** A USB/NFC security key, or a passkey kept on a device (unlocked with its screen lock). */
export type KeyType = 'securityKey' | 'passkey'

/** A registered security key (or passkey). */
export interface SecurityKey {
  credentialId: string
  name: string
  type: KeyType
  transports: string[]
  signCount: number
  createdAt: string
  lastUsed?: string
}

/** A registration challenge: `publicKey` goes to navigator.credentials.create(). */
export interface KeyRegistrationOptions {
  challengeId: string
  expiresIn: number
  publicKey: PublicKeyCredentialCreationOptionsJSON
}

/** A sign-in challenge: `publicKey` goes to navigator.credentials.get(). */
export interface KeyAuthenticationOptions {
  challengeId: string
  expiresIn: number
  publicKey: PublicKeyCredentialRequestOptionsJSON
}

export interface KeyRegistrationResult {
  success: boolean
  credentialId: string
  /** Issued once, when the key is the user's first second factor. */
  backupCodes?: string[]
}

export interface KeyRemovalResult {
  success: boolean
  /** The key was the last second factor: two-factor authentication is now off. */
  mfaDisabled: boolean
}

/** A refused request, with the server's explanation. */
export class ApiError extends Error {
  readonly status: number
  readonly code?: string
  readonly body: unknown

  constructor(status: number, message: string, code?: string, body?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.body = body
  }
}

interface Reply {
  status: number
  body: Record<string, unknown>
  headers: Headers
}

type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE'

async function send(method: HttpMethod, path: string, payload?: unknown): Promise<Reply> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: payload === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  })
  const text = await response.text()
  let body: Record<string, unknown> = {}
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text)
      body = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : { value: parsed }
    } catch {
      // express-rate-limit and proxies answer in plain text.
      body = { error: text }
    }
  }
  return { status: response.status, body, headers: response.headers }
}

function messageOf(reply: Reply): string {
  const { details, error } = reply.body
  if (typeof details === 'string' && details) return details
  if (typeof error === 'string' && error) return error
  return `Request failed (${reply.status})`
}

async function call<T>(method: HttpMethod, path: string, payload?: unknown): Promise<T> {
  const reply = await send(method, path, payload)
  if (reply.status >= 400) {
    const code = typeof reply.body.code === 'string' ? reply.body.code : undefined
    throw new ApiError(reply.status, messageOf(reply), code, reply.body)
  }
  return reply.body as T
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** POST /api/auth/mfa/verify: 200 success, 401 wrong code, 429 locked out, else an error. */
const verify = (payload: { sessionId?: string; method: string; code: string }) => verifyAt('/api/auth/mfa/verify', 401, payload)

/** A check whose wrong answer (`wrongStatus` with attemptsRemaining) is a result, not an error. */
async function verifyAt(path: string, wrongStatus: number, payload: unknown): Promise<VerifyResult> {
  const reply = await send('POST', path, payload)
  if (reply.status === 200) return reply.body as VerifyResult
  if (reply.status === wrongStatus && 'attemptsRemaining' in reply.body) {
    return {
      success: false,
      rateLimited: false,
      attemptsRemaining: num(reply.body.attemptsRemaining),
      retryAfter: num(reply.body.retryAfter),
      code: typeof reply.body.code === 'string' ? reply.body.code : undefined,
    }
  }
  if (reply.status === 429) {
    const header = Number(reply.headers.get('retry-after'))
    return {
      success: false,
      rateLimited: true,
      attemptsRemaining: 0,
      retryAfter: num(reply.body.retryAfter) ?? (Number.isFinite(header) && header > 0 ? header : undefined),
    }
  }
  throw new ApiError(reply.status, messageOf(reply), undefined, reply.body)
}

export const api = {
  auth: {
    signUp: (options: { email: string; password: string }) =>
      call<{ user: User; session: Session }>('POST', '/api/auth/signup', options),

    signIn: (options: { email: string; password: string }) => call<SignInResult>('POST', '/api/auth/signin', options),

    signOut: () => call<{ success: boolean }>('POST', '/api/auth/signout', {}),

    /** The signed-in session (its user and enrollment standing), or null without one. */
    async currentSession(): Promise<CurrentSession | null> {
      const reply = await send('GET', '/api/auth/session')
      if (reply.status === 401 || reply.status === 403) return null
      if (reply.status >= 400) throw new ApiError(reply.status, messageOf(reply), undefined, reply.body)
      return reply.body as unknown as CurrentSession
    },

    /** Starts setting up a method for the signed-in user. */
    enableMFA: (options: { method: MfaMethod; phoneNumber?: string; label?: string; deviceName?: string }) =>
      call<MfaSetupResult>('POST', '/api/auth/mfa/setup', options),

    /** Without sessionId: confirms a method being set up. With it: completes sign-in. */
    verifyMFA: (options: { sessionId?: string; method: MfaMethod; code: string }) => verify(options),

    getMFAStatus: () => call<MfaStatus>('GET', '/api/auth/mfa/status'),

    /** Needs the password and a current code (authenticator or backup code). */
    disableMFA: (options: { password: string; confirmationCode: string }) =>
      call<{ success: true; message: string }>('POST', '/api/auth/mfa/disable', options),

    regenerateMFABackupCodes: (options: { password: string }) =>
      call<BackupCodes>('POST', '/api/auth/mfa/backup-codes/regenerate', options),

    mfa: {
      /** The guide's challenge: a code for a pending sign-in. */
      challenge: (options: { sessionId: string; method: MfaMethod; code: string }) => verify(options),

      /** Sends a new SMS or email code: for a pending sign-in (sessionId), else for the
       * method the signed-in user is setting up. */
      requestNewCode: (options: { sessionId?: string; method: MfaMethod }) =>
        call<{ success: boolean; expiresIn?: number }>('POST', '/api/auth/mfa/resend', options),

      /** Sends a push approval to the user's phones: for a pending sign-in (sessionId), else a
       * step-up of the signed-in session. 429 with retryAfter when pushes come too fast. */
      pushChallenge: (options: { sessionId?: string }) => call<PushChallenge>('POST', '/api/auth/mfa/push/challenge', options),

      /** Where a push approval stands; an approval sets the session cookie once. */
      pushStatus: (options: { sessionId?: string; challengeId: string }) =>
        call<PushStatus>('POST', '/api/auth/mfa/push/status', options),

      /** Removes a push device (needs the password; the last factor also a current code). */
      removeFactor: ({ factorId, ...confirmation }: { factorId: string; password: string; confirmationCode?: string }) =>
        call<KeyRemovalResult>('DELETE', `/api/auth/mfa/factors/${encodeURIComponent(factorId)}`, confirmation),
    },

    /** The rollout, for administrators (their session needs a recent MFA check). */
    rollout: {
      status: () => call<RolloutStatus>('GET', '/api/admin/rollout'),
      change: (options: { phase?: RolloutPhase; percentage?: number; promptLocations?: string[] }) =>
        call<RolloutStatus>('POST', '/api/admin/rollout', options),
      enforce: () => call<{ scanned: number; newlyRequired: number }>('POST', '/api/admin/rollout/enforce', {}),
      stats: (days = 14) => call<RolloutStats>('GET', `/api/admin/rollout/stats?days=${days}`),
    },

    /** Security keys (WebAuthn): the server's challenges and checks; the browser's part is in webauthn.ts. */
    webauthn: {
      /** 'securityKey' (USB/NFC, the default) or 'passkey' (this device's screen lock: user verification required). */
      registrationOptions: (options: { authenticatorType?: KeyType } = {}) =>
        call<KeyRegistrationOptions>('POST', '/api/auth/mfa/webauthn/register/options', options),

      /** Stores the key the browser just created, under `name`. */
      verifyRegistration: (options: { challengeId: string; credential: RegistrationResponseJSON; name?: string }) =>
        call<KeyRegistrationResult>('POST', '/api/auth/mfa/webauthn/register/verify', options),

      /** A challenge for a pending sign-in (sessionId), else for the signed-in session. */
      authenticationOptions: (options: { sessionId?: string }) =>
        call<KeyAuthenticationOptions>('POST', '/api/auth/mfa/webauthn/authenticate/options', options),

      /** 200 success (sets the session cookie), 400 a refused answer, 429 locked out. */
      verifyAuthentication: (options: { challengeId: string; credential: AuthenticationResponseJSON; sessionId?: string }) =>
        verifyAt('/api/auth/mfa/webauthn/authenticate/verify', 400, options),

      list: async () => (await call<{ credentials: SecurityKey[] }>('GET', '/api/auth/mfa/webauthn/credentials')).credentials,

      /** A new name (trimmed by the server; empty or over 128 bytes is refused). */
      rename: ({ credentialId, name }: { credentialId: string; name: string }) =>
        call<{ success: boolean }>('PATCH', `/api/auth/mfa/webauthn/credentials/${encodeURIComponent(credentialId)}`, { name }),

      /** Needs the password; the last second factor also a current (backup) code. */
      remove: ({ credentialId, ...confirmation }: { credentialId: string; password: string; confirmationCode?: string }) =>
        call<KeyRemovalResult>('DELETE', `/api/auth/mfa/webauthn/credentials/${encodeURIComponent(credentialId)}`, confirmation),
    },
  },
}

/** Seconds to wait, when the server refused with 429 and said how long. */
export function retryAfterOf(err: unknown): number | undefined {
  if (!(err instanceof ApiError) || err.status !== 429) return undefined
  const body = err.body as { retryAfter?: unknown } | undefined
  return typeof body?.retryAfter === 'number' && body.retryAfter > 0 ? body.retryAfter : undefined
}

/** A readable message for anything thrown by the client or fetch. */
export function errorMessage(err: unknown, fallback: string): string {
  // "Invalid phoneNumber: Invalid phone number" reads better as its second half.
  if (err instanceof ApiError) return /^Invalid \w+: (Invalid .+)$/.exec(err.message)?.[1] ?? err.message
  if (err instanceof TypeError) return 'Cannot reach the server. Check your connection and try again.'
  if (err instanceof Error && err.message) return err.message
  return fallback
}

/**
 * The message a password dialog shows for a failed action: "Wrong password." when the server
 * refused the password (by its code, or by the guide's routes' message), else the failure.
 */
export function dialogError(err: unknown, fallback: string): Error {
  const message = errorMessage(err, fallback)
  const wrongPassword =
    (err instanceof ApiError && err.code === 'invalid_credentials') ||
    /invalid (email or )?password|invalid credentials/i.test(message)
  return new Error(wrongPassword ? 'Wrong password.' : message)
}
