// Types of @plinto/mfa. Every operation's request, result and signature is generated into
// operations.d.ts from the core's operation table; this file declares what is written by hand:
// the error class, options, senders, the guide's aliases and the Express middleware.
import type {
  AuthOperations,
  AuthenticatorFunctions,
  DeliveryMeta,
  IssuedSession,
  MfaErrorCode,
  MfaOperations,
  Notification,
  VerifyMfaRequest,
  VerifyMfaResult,
  VerifyMfaResultIfNotSuccess,
  VerifyMfaResultIfSuccess,
} from './operations'

export * from './operations'

/** Delivers a security notification; rejecting or timing out is recorded in the audit log. */
export type Notifier = (notification: Notification) => unknown | Promise<unknown>

/** The application's breached-password check: true when the password is known compromised. */
export type PasswordCheck = (password: string) => boolean | Promise<boolean>

/** Thrown by a sender when the provider refuses the destination: the send fails without counting against the provider's health. */
export declare class DestinationRejected extends Error {
  constructor(message?: string)
  readonly rejected: true
}

/** Rejection reason of every call. */
export declare class MfaError extends Error {
  constructor(
    message: string,
    code: MfaErrorCode | string,
    details?: { field?: string; retryAfter?: number; reason?: string; maxAge?: number; methods?: string[]; status?: number },
  )
  readonly name: 'MfaError'
  /** Stable machine-readable code. */
  readonly code: MfaErrorCode
  /** The argument at fault, for `invalid_input`. */
  readonly field?: string
  /** Seconds to wait, for `mfa_rate_limited`. */
  readonly retryAfter?: number
  /** The message without the field name (for `invalid_input`, what is wrong with it). */
  readonly reason?: string
  /** For `mfa_step_up_required`: how recent the verification must be, in seconds. */
  readonly maxAge?: number
  /** For `mfa_step_up_required`: what satisfies it (the user's MFA methods, or `password`). */
  readonly methods?: string[]
  /** The HTTP status the core gives the code (400, 401, 403, 404, 409, 429, 500, 503), for a
   * server to answer with; set on every error from the core. */
  readonly status?: number
}

export declare const MFA_ERROR_CODES: readonly MfaErrorCode[]

export type MfaMethod = 'totp' | 'sms' | 'email' | 'webauthn' | 'backup' | 'push'

/**
 * Delivers one code. Rejecting, throwing or taking longer than `delivery.timeoutSeconds`
 * (default 10) fails the send with `mfa_delivery_failed` and voids the code.
 */
export type CodeSender = (destination: string, message: string, meta: DeliveryMeta) => unknown | Promise<unknown>

export interface RateLimitOptions {
  perMinute?: number
  perHour?: number
  perDay?: number
}

/** The guide's mfa.configure() options (all optional; camelCase or snake_case). */
export interface MfaConfigureOptions {
  methods?: {
    totp?: { enabled?: boolean; issuer?: string; algorithm?: 'SHA1' | 'SHA256' | 'SHA512'; digits?: 6 | 8; period?: number; skew?: number }
    /** `provider`: `twilio` and `aws-sns` are built in (register a sender for any other). */
    sms?: { enabled?: boolean; provider?: 'twilio' | 'aws-sns'; rateLimits?: RateLimitOptions; codeTtlSeconds?: number; template?: string }
    /** `provider`: only `smtp` is built in (register a sender for any other). */
    email?: { enabled?: boolean; provider?: 'smtp'; rateLimits?: RateLimitOptions; codeTtlSeconds?: number; template?: string; subject?: string }
    webauthn?: {
      enabled?: boolean
      rpId?: string
      rpName?: string
      requireResidentKey?: boolean
      userVerification?: 'required' | 'preferred' | 'discouraged'
    }
    /** Push approvals: digits of the number to match (2 to 8; unset: 6 under nist-aal2, else 3), the challenge's lifetime (30 to 600 s), and the URL phones reach the device routes at. */
    push?: { enabled?: boolean; matchDigits?: number; challengeTtlSeconds?: number; backoffSeconds?: number; serviceUrl?: string }
  }
  backupCodes?: { enabled?: boolean; count?: number; length?: number; algorithm?: 'alphanumeric' | 'numeric' }
  rateLimiting?: {
    maxAttempts?: number
    windowMinutes?: number
    lockoutMinutes?: number
    maxConsecutiveFailures?: number
    progressiveDelay?: boolean
    signInAttempts?: number
    signInAttemptsPerIp?: number
  }
  security?: {
    profile?: 'nist-aal2' | 'asvs-l2' | 'custom'
    /** Admins (`admin`, `super_admin`) must enroll a factor whatever the rollout's phase. */
    requireForAdmins?: boolean
    /** Days a user required to enroll may go on without MFA (0 to 365, default 30). */
    gracePeriodDays?: number
    stepUpRequired?: string[]
    stepUpMaxAgeSeconds?: number
    passwordMinLength?: number
    refuseCommonPasswords?: boolean
  }
  sessions?: { ttlSeconds?: number; idleTimeoutSeconds?: number; pendingTtlSeconds?: number; revokeOtherSessions?: boolean }
  audit?: { retentionDays?: number }
  notifications?: { email?: boolean }
  storage?: { durability?: 'full' | 'normal'; maxIdleConnections?: number; migrate?: boolean }
  password?: { memoryKib?: number; iterations?: number; parallelism?: number }
  /** Built-in senders and delivery limits (a Plinto extension). */
  delivery?: {
    timeoutSeconds?: number
    failureThreshold?: number
    cooldownSeconds?: number
    smtp?: { host: string; port?: number; tls?: 'none' | 'starttls' | 'tls'; username?: string; password?: string; from: string }
    twilio?: { accountSid: string; authToken: string; from: string; baseUrl?: string }
    /** Amazon SNS `Publish` for SMS (with `methods.sms.provider: 'aws-sns'`). */
    sns?: { region: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string; endpoint?: string; smsType?: 'Transactional' | 'Promotional'; senderId?: string }
    /** FCM HTTP v1 for Android push devices: the service account's fields. */
    fcm?: { projectId: string; clientEmail: string; privateKey: string; tokenUri?: string; baseUrl?: string }
    /** APNs for iOS push devices: the `.p8` authentication key and the app's bundle id. */
    apns?: { teamId: string; keyId: string; privateKey: string; topic: string; baseUrl?: string }
  }
}

export interface PlintoOptions extends MfaConfigureOptions {
  /** SQLite file path or ':memory:' (default PLINTO_DATABASE or ./plinto.db). */
  database?: string
  /** 32 bytes as 64 hex digits or base64 (default PLINTO_SECRET_KEY, else a development key file). */
  secretKey?: string
  /** Earlier keys, only to open values they sealed (a rotation under way). */
  previousSecretKeys?: string[]
  /** Issuer shown by authenticator apps (default PLINTO_ISSUER or 'Plinto'). */
  issuer?: string
  /** Application senders per channel (they take precedence over the built-in ones). */
  senders?: { sms?: CodeSender; email?: CodeSender; push?: CodeSender }
  /** The application's notifier for security events (see setNotifier). */
  notifier?: Notifier
  /** The application's breached-password check (see setPasswordCheck). */
  passwordCheck?: PasswordCheck
}

/** With a `sessionId` (sign-in or step-up), success always carries the session. */
export type VerifySessionMfaResult = (VerifyMfaResultIfSuccess & { session: IssuedSession }) | VerifyMfaResultIfNotSuccess

/** `plinto.auth.mfa`: the generated operations, the guide's `challenge`, and senders. */
export interface PlintoMfa extends MfaOperations {
  /** The guide's name for `verifyMFA`. */
  challenge(options: VerifyMfaRequest & { sessionId: string }): Promise<VerifySessionMfaResult>
  challenge(options: VerifyMfaRequest): Promise<VerifyMfaResult>
  configure(options: MfaConfigureOptions): Promise<{ success: boolean; appliedAt: string }>
  /** Sets (or with null removes) the application sender of a channel. */
  setSender(channel: 'sms' | 'email' | 'push', sender: CodeSender | null): void
  /** Sets (or with null removes) the notifier of security events; without one, and with SMTP configured, the built-in email is sent. */
  setNotifier(notifier: Notifier | null): void
  /** Sets (or with null removes) the breached-password check asked about every new password. */
  setPasswordCheck(check: PasswordCheck | null): void
}

/** `plinto.auth`: every generated operation, with the guide's overload of `verifyMFA`. */
export interface PlintoAuth extends Omit<AuthOperations, 'verifyMFA'> {
  verifyMFA(options: VerifyMfaRequest & { sessionId: string }): Promise<VerifySessionMfaResult>
  verifyMFA(options: VerifyMfaRequest): Promise<VerifyMfaResult>
  readonly mfa: PlintoMfa
}

export interface Plinto {
  readonly auth: PlintoAuth
  /** Whether a route at `level` requires MFA of a user with `role` (on the calling thread). */
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
  session?: { id?: string; valid?: boolean; state?: string; mfaVerified?: boolean }
  /** The session token, when an earlier middleware keeps it here (else cookies or bearer). */
  sessionToken?: string
  /** Whether the request came over https (Express sets it). */
  secure?: boolean
  cookies?: Record<string, string | undefined>
  headers?: { authorization?: string }
  /** Set by requireStepUp. */
  authorization?: unknown
}
export interface MfaResponse {
  status(code: number): { json(body: unknown): unknown }
}

/** The guide's Express middleware; run it after a middleware that sets req.user and req.session. */
export declare function requireMfa(
  level?: MfaLevelValue,
  instance?: Plinto,
): (req: MfaRequest, res: MfaResponse, next: (err?: unknown) => void) => Promise<unknown>

/** Express middleware for the application's sensitive operations (core's `authorize`): 403 with `stepUpRequired`, `methods` and `maxAge` until this session passed MFA recently. */
export declare function requireStepUp(
  operation: string,
  instance?: Plinto,
): (req: MfaRequest, res: MfaResponse, next: (err?: unknown) => void) => Promise<unknown>

// --- Authenticator side ---------------------------------------------------------------------

/** Parses and validates an otpauth://totp/ URI; throws MfaError (`invalid_input`, with `field`) when malformed. */
export declare const parseOtpauthUri: AuthenticatorFunctions['parseOtpauthUri']

/** The code of an otpauth URI now, or at `time` (Date, RFC 3339 or Unix seconds). */
export declare const authenticatorCode: AuthenticatorFunctions['authenticatorCode']

// --- The phone's side of push approvals, with a software key (simulated phones, tests) -------

/** A software P-256 key for a simulated phone. */
export declare const pushPhoneKey: AuthenticatorFunctions['pushPhoneKey']
/** Reads a plinto-push://enroll URI from the enrollment QR code. */
export declare const parsePushEnrollment: AuthenticatorFunctions['parsePushEnrollment']
/** The signed registration for an enrollment URI (send it to `registerPushDevice`). */
export declare const pushRegistration: AuthenticatorFunctions['pushRegistration']
/** Checks the registration's server key against the QR code's fingerprint: the key to pin. */
export declare const pinPushServerKey: AuthenticatorFunctions['pinPushServerKey']
/** A signed poll for the device's pending challenges (send it to `pushPending`). */
export declare const pushPoll: AuthenticatorFunctions['pushPoll']
/** Opens a challenge's details, checking the pinned server key's signature. */
export declare const openPushChallenge: AuthenticatorFunctions['openPushChallenge']
/** The signed answer to a challenge (send it to `pushRespond`). */
export declare const pushAnswer: AuthenticatorFunctions['pushAnswer']

// --- Earlier names ----------------------------------------------------------------------------

/** @deprecated Use `IssuedSession`. */
export type Session = IssuedSession
