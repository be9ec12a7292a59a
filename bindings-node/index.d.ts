// Types of @plinto/mfa. Every operation's request, result and signature is generated into
// operations.d.ts from the core's operation table; this file declares what is written by hand:
// the error class, options, senders, the guide's aliases and the Express middleware.
import type {
  AuthOperations,
  AuthenticatorFunctions,
  IssuedSession,
  MfaErrorCode,
  MfaOperations,
  VerifyMfaRequest,
  VerifyMfaResult,
  VerifyMfaResultIfNotSuccess,
  VerifyMfaResultIfSuccess,
} from './operations'
import type { DeliveryMeta } from './native'

export * from './operations'
export type { DeliveryMeta } from './native'

/** Rejection reason of every call. */
export declare class MfaError extends Error {
  constructor(message: string, code: MfaErrorCode | string, details?: { field?: string; retryAfter?: number; reason?: string })
  readonly name: 'MfaError'
  /** Stable machine-readable code. */
  readonly code: MfaErrorCode
  /** The argument at fault, for `invalid_input`. */
  readonly field?: string
  /** Seconds to wait, for `mfa_rate_limited`. */
  readonly retryAfter?: number
  /** The message without the field name (for `invalid_input`, what is wrong with it). */
  readonly reason?: string
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

/** With a `sessionId` (sign-in or step-up), success always carries the session. */
export type VerifySessionMfaResult = (VerifyMfaResultIfSuccess & { session: IssuedSession }) | VerifyMfaResultIfNotSuccess

/** `plinto.auth.mfa`: the generated operations, the guide's `challenge`, and senders. */
export interface PlintoMfa extends MfaOperations {
  /** The guide's name for `verifyMFA`. */
  challenge(options: VerifyMfaRequest & { sessionId: string }): Promise<VerifySessionMfaResult>
  challenge(options: VerifyMfaRequest): Promise<VerifyMfaResult>
  configure(options: MfaConfigureOptions): Promise<{ success: boolean; appliedAt: string }>
  /** Sets (or with null removes) the application sender of a channel. */
  setSender(channel: 'sms' | 'email', sender: CodeSender | null): void
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

/** Parses and validates an otpauth://totp/ URI; throws MfaError (`invalid_input`, with `field`) when malformed. */
export declare const parseOtpauthUri: AuthenticatorFunctions['parseOtpauthUri']

/** The code of an otpauth URI now, or at `time` (Date, RFC 3339 or Unix seconds). */
export declare const authenticatorCode: AuthenticatorFunctions['authenticatorCode']

// --- Earlier names ----------------------------------------------------------------------------

/** @deprecated Use `IssuedSession`. */
export type Session = IssuedSession
