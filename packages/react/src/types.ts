// The shapes of the servers' HTTP contract (examples/contract/openapi.json), as the
// components read and send them.
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

/** A session, as the client hands it over: without its token (the page never holds it; the
 * browser sends the httpOnly cookie). */
export interface Session {
  id: string
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
