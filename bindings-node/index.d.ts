// Types of @plinto/mfa. The native engine's own declarations are generated into native.d.ts.

/** Stable error codes of the core (see MFA_ERROR_CODES). */
export type MfaErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'already_exists'
  | 'invalid_credentials'
  | 'session_invalid'
  | 'mfa_setup_failed'
  | 'mfa_invalid_code'
  | 'mfa_expired_code'
  | 'mfa_method_not_supported'
  | 'mfa_not_enabled'
  | 'mfa_rate_limited'
  | 'mfa_backup_code_already_used'
  | 'mfa_no_backup_codes_remaining'
  | 'mfa_delivery_failed'
  | 'mfa_step_up_required'
  | 'key_mismatch'
  | 'database_too_new'
  | 'storage'
  | 'internal'

/** Rejection reason of every call. */
export declare class MfaError extends Error {
  constructor(message: string, code: MfaErrorCode | string, details?: { field?: string; retryAfter?: number })
  readonly name: 'MfaError'
  /** Stable machine-readable code. */
  readonly code: MfaErrorCode
  /** The argument at fault, for `invalid_input`. */
  readonly field?: string
  /** Seconds to wait, for `mfa_rate_limited`. */
  readonly retryAfter?: number
}

export declare const MFA_ERROR_CODES: readonly MfaErrorCode[]

export type MfaMethod = 'totp' | 'sms' | 'email' | 'webauthn' | 'backup' | 'push'

/** Caller details recorded in the audit log. */
export interface RequestContext {
  ipAddress?: string
  userAgent?: string
}

export interface User {
  id: string
  email: string
  role: string
  /** ISO 8601 */
  createdAt: string
  mfaEnabled: boolean
  mfaMethods: MfaMethod[]
}

/** A session handed to the client; `id` and `token` are the same bearer secret. */
export interface Session {
  id: string
  token: string
  expiresIn: number
  /** ISO 8601 */
  expiresAt: string
  mfaVerified: boolean
}

export interface SignUpOptions extends RequestContext {
  email: string
  password: string
  role?: string
}
export interface SignUpResult {
  user: User
  session: Session
}

export interface SignInOptions extends RequestContext {
  email: string
  password: string
}
export interface SignInResult {
  success: true
  requiresMfa: boolean
  /** Pending-session handle to pass to verifyMFA / mfa.challenge, when requiresMfa. */
  sessionId?: string
  mfaMethods: MfaMethod[]
  expiresIn: number
  user?: User
  session?: Session
}

/** What verifySession knows about a token: narrow on `valid`. */
export type SessionInfo = ValidSession | InvalidSession
export interface ValidSession {
  valid: true
  /** The session's id: the token itself. */
  id: string
  user: User
  requiresMfa: boolean
  mfaCompleted: boolean
  mfaVerified: boolean
  mfaVerifiedAt?: string
  mfaMethod?: MfaMethod
  mfaMethods: MfaMethod[]
  expiresIn: number
}
export interface InvalidSession {
  valid: false
  id?: undefined
  user?: undefined
  requiresMfa: false
  mfaCompleted: false
  mfaVerified: false
  mfaMethods: MfaMethod[]
  expiresIn: 0
}

export interface EnableMFAOptions extends RequestContext {
  userId: string
  method: MfaMethod | string
  /** Shown by authenticator apps as the issuer (default: the configured issuer). */
  label?: string
  /** Name of the device in the user's list (default: the label). */
  deviceName?: string
  phoneNumber?: string
  email?: string
}
export interface EnableMFAResult {
  success: boolean
  method: MfaMethod
  secret?: string
  /** The otpauth:// URI to encode as a QR code. */
  qrCodeUrl?: string
  qrCodeSvg?: string
  /** data:image/svg+xml;base64 URL of the QR code. */
  qrCodeDataUrl?: string
  backupCodes?: string[]
  challengeId?: string
  expiresIn?: number
  /** A code was sent (sms, email). */
  codeSent?: boolean
  /** Where it was sent, masked, e.g. '+1******7890'. */
  destination?: string
}

export interface RequestNewCodeOptions extends RequestContext {
  /** Pending session from signIn (or omit it and give userId to resend a setup code). */
  sessionId?: string
  userId?: string
  method: 'sms' | 'email'
}
export interface RequestNewCodeResult {
  success: true
  method: 'sms' | 'email'
  /** Seconds until the code expires. */
  expiresIn: number
  /** Wrong codes allowed before lockout. */
  attemptsRemaining: number
  /** Masked destination. */
  destination: string
}

/** What a sender is told besides destination and message. */
export interface DeliveryMeta {
  channel: 'sms' | 'email'
  purpose: 'setup' | 'sign_in'
  userId: string
  code: string
  expiresIn: number
  /** Email subject (email only). */
  subject?: string
}

/**
 * Delivers one code. Rejecting, throwing or taking longer than `delivery.timeoutSeconds`
 * (default 10) fails the send with `mfa_delivery_failed` and voids the code.
 */
export type CodeSender = (destination: string, message: string, meta: DeliveryMeta) => unknown | Promise<unknown>

export interface VerifyMFAOptions extends RequestContext {
  /** Pending session from signIn (sign-in), or a session token (step-up). */
  sessionId?: string
  /** The user, to confirm a method being set up. */
  userId?: string
  method: MfaMethod | string
  code: string
  challengeId?: string
}
/** Result of verifyMFA / mfa.challenge: narrow on `success`. */
export type VerifyMFAResult = VerifyMFASuccess | VerifyMFAFailure
export interface VerifyMFASuccess {
  success: true
  method: MfaMethod
  user: User
  /** The completed (sign-in) or refreshed (step-up) session; absent for setup confirmation. */
  session?: Session
  /** Issued by the first activation only. */
  backupCodes?: string[]
  rateLimited: false
}
/** With a `sessionId`, success always carries the session. */
export type VerifySessionMFAResult = (VerifyMFASuccess & { session: Session }) | VerifyMFAFailure
export interface VerifyMFAFailure {
  success: false
  method: MfaMethod
  user?: undefined
  session?: undefined
  attemptsRemaining: number
  /** Locked out: no code is accepted until retryAfter seconds pass. */
  rateLimited: boolean
  /** Seconds until the lockout ends, or the suggested delay before the next attempt. */
  retryAfter: number
  /** Why, e.g. 'mfa_invalid_code', 'mfa_expired_code', 'mfa_backup_code_already_used', 'mfa_rate_limited'. */
  error: MfaErrorCode
  /** The user's other methods to offer, in the guide's fallback order. */
  fallbackMethods: MfaMethod[]
}

export interface TotpDevice {
  id: string
  name: string
  createdAt: string
  lastUsed?: string
}
export interface MFAStatus {
  enabled: boolean
  methods: MfaMethod[]
  backupCodesRemaining: number
  lastUsed?: string
  setupDate?: string
  totpDevices: TotpDevice[]
  /** SMS and email factors with masked destinations. */
  channels: Array<{ method: 'sms' | 'email'; destination: string; confirmed: boolean; createdAt: string; lastUsed?: string }>
}

export interface DisableMFAOptions extends RequestContext {
  userId: string
  /** Required unless verifyPassword succeeded for this user in the last five minutes. */
  password?: string
  confirmationCode: string
}
export interface DisableMFAResult {
  success: true
  disabledAt: string
}

export interface BackupCodesResult {
  codes: string[]
  generatedAt: string
}

export interface AuditEvent {
  id: number
  userId?: string
  action: string
  method?: MfaMethod
  success: boolean
  ipAddress?: string
  userAgent?: string
  detail?: string
  createdAt: string
}

export interface RateLimitOptions {
  perMinute?: number
  perHour?: number
  perDay?: number
}

/** The guide's mfa.configure() options (all optional; camelCase or snake_case). */
export interface MfaConfigureOptions {
  methods?: {
    totp?: { enabled?: boolean; issuer?: string; algorithm?: 'SHA1' | 'SHA256' | 'SHA512'; digits?: 6 | 8; period?: number; skew?: number }
    sms?: { enabled?: boolean; provider?: 'twilio' | 'aws-sns' | string; rateLimits?: RateLimitOptions; codeTtlSeconds?: number; template?: string }
    email?: { enabled?: boolean; provider?: string; rateLimits?: RateLimitOptions; codeTtlSeconds?: number; template?: string; subject?: string }
    webauthn?: {
      enabled?: boolean
      rpId?: string
      rpName?: string
      requireResidentKey?: boolean
      userVerification?: 'required' | 'preferred' | 'discouraged'
    }
  }
  backupCodes?: { enabled?: boolean; count?: number; length?: number; algorithm?: 'alphanumeric' | 'numeric' }
  rateLimiting?: { maxAttempts?: number; windowMinutes?: number; lockoutMinutes?: number }
  security?: { requireForAdmins?: boolean; gracePeriodDays?: number; stepUpRequired?: string[]; stepUpMaxAgeSeconds?: number }
  sessions?: { ttlSeconds?: number; pendingTtlSeconds?: number }
  password?: { memoryKib?: number; iterations?: number; parallelism?: number }
  /** Built-in senders and delivery limits (a Plinto extension). */
  delivery?: {
    timeoutSeconds?: number
    failureThreshold?: number
    cooldownSeconds?: number
    smtp?: { host: string; port?: number; tls?: 'none' | 'starttls' | 'tls'; username?: string; password?: string; from: string }
    twilio?: { accountSid: string; authToken: string; from: string; baseUrl?: string }
  }
}

export interface PlintoOptions extends MfaConfigureOptions {
  /** SQLite file path or ':memory:' (default PLINTO_DATABASE or ./plinto.db). */
  database?: string
  /** 32 bytes as 64 hex digits or base64 (default PLINTO_SECRET_KEY, else a development key file). */
  secretKey?: string
  /** Issuer shown by authenticator apps (default PLINTO_ISSUER or 'Plinto'). */
  issuer?: string
  /** Application senders per channel (they take precedence over the built-in ones). */
  senders?: { sms?: CodeSender; email?: CodeSender }
}

export interface PlintoAuth {
  signUp(options: SignUpOptions): Promise<SignUpResult>
  signIn(options: SignInOptions): Promise<SignInResult>
  signOut(token: string | ({ token: string } & RequestContext)): Promise<{ success: boolean }>
  verifySession(token: string | { token: string }): Promise<SessionInfo>
  verifyPassword(options: { userId: string; password: string } & RequestContext): Promise<{ success: true }>
  deleteUser(options: { userId: string }): Promise<{ success: true }>
  getUser(options: { userId: string }): Promise<User>
  enableMFA(options: EnableMFAOptions): Promise<EnableMFAResult>
  verifyMFA(options: VerifyMFAOptions & { sessionId: string }): Promise<VerifySessionMFAResult>
  verifyMFA(options: VerifyMFAOptions): Promise<VerifyMFAResult>
  getMFAStatus(options: { userId: string }): Promise<MFAStatus>
  disableMFA(options: DisableMFAOptions): Promise<DisableMFAResult>
  regenerateMFABackupCodes(options: { userId: string; count?: number } & RequestContext): Promise<BackupCodesResult>
  /** `since`: Date, ISO string or Unix seconds. */
  listAuditEvents(options: { userId: string; since?: Date | string | number; limit?: number }): Promise<AuditEvent[]>
  /** The user's other enrolled methods after `failedMethod` failed, in the guide's fallback order, skipping degraded channels. */
  getFallbackMethods(options: { userId: string; failedMethod: MfaMethod | string }): Promise<MfaMethod[]>
  /** Options for `navigator.credentials.create()` (`type: 'registration'`, the default) or `.get()` (`type: 'authentication'`). */
  getPasskeyRegistrationOptions(options: PasskeyOptionsRequest): Promise<PasskeyOptions>
  /** Verifies a registration (returns `credentialId`) or, with `type: 'authentication'`, an assertion (returns `user` and `session`). */
  verifyPasskeyRegistration(options: PasskeyVerifyRequest): Promise<PasskeyRegistrationResult & Partial<VerifyMFASuccess>>
  getPasskeyAuthenticationOptions(options: { sessionId: string } & RequestContext): Promise<PasskeyOptions>
  verifyPasskeyAuthentication(options: Omit<PasskeyVerifyRequest, 'type'>): Promise<VerifyMFAResult>
  listPasskeys(options: { userId: string }): Promise<PasskeyInfo[]>
  renamePasskey(options: { userId: string; credentialId: string; name: string }): Promise<{ success: boolean }>
  /** Needs `password` (or a `verifyPassword` in the last five minutes); removing the last MFA factor also needs `confirmationCode`, as disableMFA does. */
  removePasskey(options: { userId: string; credentialId: string; password?: string; confirmationCode?: string } & RequestContext): Promise<{ success: boolean; mfaDisabled: boolean; disabledAt?: string }>
  /** Rejects with `mfa_step_up_required` unless MFA was verified within `maxAge` seconds (default 600). */
  requireRecentMfa(options: string | { token: string; maxAge?: number }): Promise<{ success: true }>
  readonly mfa: {
    challenge(options: VerifyMFAOptions & { sessionId: string }): Promise<VerifySessionMFAResult>
    challenge(options: VerifyMFAOptions): Promise<VerifyMFAResult>
    configure(options: MfaConfigureOptions): Promise<{ success: true; appliedAt: string }>
    /** Sends a new SMS or email code (voiding the previous one); resend limits apply. */
    requestNewCode(options: RequestNewCodeOptions): Promise<RequestNewCodeResult>
    /** Sets (or with null removes) the application sender of a channel. */
    setSender(channel: 'sms' | 'email', sender: CodeSender | null): void
  }
}

export interface Plinto {
  readonly auth: PlintoAuth
  /** Whether a route at `level` requires MFA of a user with `role`. */
  shouldRequireMfa(level: MfaLevelValue, role?: string): boolean
}

export declare function createPlinto(options?: PlintoOptions): Plinto

/** Default instance from PLINTO_DATABASE, PLINTO_SECRET_KEY and PLINTO_ISSUER, opened on first use. */
export declare const plinto: Plinto

export declare const MfaLevel: {
  readonly NONE: 'none'
  readonly OPTIONAL: 'optional'
  readonly REQUIRED: 'required'
  readonly ADMIN_ONLY: 'admin_only'
}
export type MfaLevelValue = (typeof MfaLevel)[keyof typeof MfaLevel]

/** Minimal shapes of Express' request, response and next, so Express types are optional. */
export interface MfaRequest {
  user?: { id: string; role?: string }
  session?: { id?: string; mfaVerified?: boolean }
}
export interface MfaResponse {
  status(code: number): { json(body: unknown): unknown }
}

/** The guide's Express middleware; run it after a middleware that sets req.user and req.session. */
export declare function requireMfa(
  level?: MfaLevelValue,
  instance?: Plinto,
): (req: MfaRequest, res: MfaResponse, next: (err?: unknown) => void) => Promise<unknown>

// --- Authenticator side ---------------------------------------------------------------------

/** One TOTP account, as read from an otpauth:// URI. `secret` is base32: do not log it. */
export interface OtpAccount {
  /** The `issuer` parameter, else the label's prefix. */
  issuer?: string
  /** The account at that issuer, usually an email address. */
  accountName: string
  /** Unpadded upper-case base32. */
  secret: string
  algorithm: 'SHA1' | 'SHA256' | 'SHA512'
  digits: number
  period: number
}

/** A code and how long it stays valid. */
export interface AuthenticatorCode {
  code: string
  /** Seconds until the next code (1 to period). */
  secondsRemaining: number
  period: number
}

/** Parses and validates an otpauth://totp/ URI; throws MfaError (`invalid_input`, with `field`) when malformed. */
export declare function parseOtpauthUri(uri: string): OtpAccount

/** The code of an otpauth URI now, or at `time` (Date or Unix seconds). */
export declare function authenticatorCode(options: string | { uri: string; time?: Date | number }): AuthenticatorCode

/** Binary fields are base64url text (the browser's toJSON()) or arrays of byte values. */
export type PasskeyBytes = string | number[]

export interface PasskeyOptionsRequest extends RequestContext {
  type?: 'registration' | 'authentication'
  /** Registration: the user registering a key. */
  userId?: string
  /** Authentication: a pending sign-in session, or a signed-in session to step up. */
  sessionId?: string
  /** Registration: `passkey` (user verification required) or `securityKey`. */
  authenticatorType?: 'passkey' | 'securityKey'
}

export interface PasskeyOptions {
  success: boolean
  type: 'registration' | 'authentication'
  /** Same as `challengeId`. */
  id: string
  challengeId: string
  authenticatorType?: 'passkey' | 'securityKey'
  /** base64url */
  challenge: string
  timeout?: number
  expiresIn: number
  allowCredentials?: Array<{ id: string; type: string; transports?: string[] }>
  /** PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON (base64url). */
  publicKey: Record<string, unknown>
}

export interface PasskeyCredentialJSON {
  id?: string
  rawId: PasskeyBytes
  type?: string
  response: Record<string, PasskeyBytes | string[] | null | undefined>
  clientExtensionResults?: Record<string, unknown>
  authenticatorAttachment?: string | null
}

export interface PasskeyVerifyRequest extends RequestContext {
  type?: 'registration' | 'authentication'
  challengeId: string
  credential?: PasskeyCredentialJSON
  /** The guide's name for an authentication answer. */
  assertion?: PasskeyCredentialJSON
  /** Registration: a name for the key. */
  name?: string
  userId?: string
  sessionId?: string
}

export interface PasskeyRegistrationResult {
  success: boolean
  method: 'webauthn'
  credentialId?: string
  /** Issued once, when this is the user's first MFA factor. */
  backupCodes?: string[]
}

export interface PasskeyInfo {
  id: string
  credentialId: string
  name: string
  type: 'passkey' | 'securityKey'
  transports: string[]
  aaguid?: string
  signCount: number
  createdAt: string
  lastUsed?: string
}
