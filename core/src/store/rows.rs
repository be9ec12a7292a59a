//! The rows the engine reads and writes: plain data, secrets already sealed, codes and tokens
//! already hashed.

use crate::crypto::Sealed;
use crate::totp::TotpParams;

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// `usr_…` id.
    pub id: String,
    /// Normalized (trimmed, lower-case) email.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Application role, e.g. `user` or `admin`.
    pub role: String,
    /// Unix seconds.
    pub created_at: i64,
    /// When MFA was first activated (cleared by disable).
    pub mfa_setup_at: Option<i64>,
    /// Last successful MFA verification.
    pub mfa_last_used_at: Option<i64>,
    /// Last successful password check (sign-up, sign-in, re-verification).
    pub password_verified_at: Option<i64>,
    /// Consecutive failed MFA attempts, across lockouts (reset by a success).
    pub mfa_failures: u32,
    /// When code-based factors were suspended after too many consecutive failures.
    pub codes_suspended_at: Option<i64>,
    /// When a factor was last added (confirmed).
    pub factor_added_at: Option<i64>,
    /// Since when the user must enroll a factor, and who required it (the rollout's
    /// enforcement or the application).
    pub enrollment: Option<EnrollmentRequirement>,
}

impl UserRow {
    /// A new user: no MFA, no stamps, no requirement to enroll.
    pub fn new(
        id: String,
        email: String,
        password_hash: String,
        role: String,
        created_at: i64,
    ) -> Self {
        Self {
            id,
            email,
            password_hash,
            role,
            created_at,
            mfa_setup_at: None,
            mfa_last_used_at: None,
            password_verified_at: None,
            mfa_failures: 0,
            codes_suspended_at: None,
            factor_added_at: None,
            enrollment: None,
        }
    }
}

/// A requirement to enroll an MFA factor: the grace period counts from `since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentRequirement {
    /// Unix seconds.
    pub since: i64,
    /// `rollout` (lapses when the rollout no longer covers the user) or `application`
    /// (stands until the application lifts it).
    pub source: String,
}

/// The rollout's persisted state (one per database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutRow {
    /// `disabled`, `optional`, `encouraged`, `required_admin` or `required_all`.
    pub phase: String,
    /// Share of users (by bucket, 0–100) the phase applies to.
    pub percentage: u32,
    /// Where the application shows enrollment prompts (JSON array of names).
    pub prompt_locations: String,
    /// When each phase last started (JSON object: phase → Unix seconds).
    pub phase_starts: String,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

/// One user as the rollout's enforcement and statistics page through them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentPageRow {
    /// `usr_…` id.
    pub id: String,
    /// Application role.
    pub role: String,
    /// The user has an active MFA factor (MFA set up and not disabled).
    pub enrolled: bool,
    /// Their requirement to enroll, if any.
    pub enrollment: Option<EnrollmentRequirement>,
}

/// Enrollment counts over the whole store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnrollmentCounts {
    /// Users with a confirmed authenticator app.
    pub totp: u64,
    /// Users with a security key or passkey.
    pub webauthn: u64,
    /// Users with a confirmed SMS number.
    pub sms: u64,
    /// Users with a confirmed email for codes.
    pub email: u64,
    /// Users with a confirmed push device.
    pub push: u64,
    /// Users with unused backup codes.
    pub backup_codes: u64,
    /// Users whose MFA was set up on each day since the asked-for time: (day's start in Unix
    /// seconds, count), oldest first, days without enrollments left out.
    pub per_day: Vec<(i64, u64)>,
}

/// Which MFA factors a user has active, read in one query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FactorSummary {
    /// A confirmed TOTP device.
    pub totp: bool,
    /// A security key or passkey.
    pub webauthn: bool,
    /// A confirmed SMS destination.
    pub sms: bool,
    /// A confirmed email destination.
    pub email: bool,
    /// A confirmed push device.
    pub push: bool,
    /// Unused backup codes.
    pub backup_codes: u32,
}

/// A time stamp on the user row that the engine updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStamp {
    /// MFA activated (kept if already set).
    MfaSetup,
    /// Password re-verified by an explicit check (`verify_password`), not by sign-in.
    PasswordVerified,
    /// A factor was added (confirmed).
    FactorAdded,
}

/// A stored session (the token itself is never stored, only its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// `ses_…` id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Waiting for the MFA step of sign-in.
    pub pending: bool,
    /// Last MFA verification on this session.
    pub mfa_verified_at: Option<i64>,
    /// Method of that verification.
    pub mfa_method: Option<String>,
    /// Last time the session was used (the idle timeout counts from it).
    pub last_seen_at: i64,
    /// Last password check for this session (its sign-in, or a re-check naming it).
    pub password_at: Option<i64>,
    /// Client IP at sign-in, if known.
    pub ip: Option<String>,
    /// Client user agent at sign-in, if known.
    pub user_agent: Option<String>,
}

/// A session to insert, with its token hash.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The row.
    pub row: SessionRow,
    /// SHA-256 of the bearer token.
    pub token_hash: Vec<u8>,
}

/// A TOTP authenticator device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpDeviceRow {
    /// `dev_…` id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// User-given name.
    pub name: String,
    /// Sealed raw secret (associated data `totp:<id>`).
    pub secret: Sealed,
    /// Algorithm, digits, period.
    pub params: TotpParams,
    /// Unix seconds.
    pub created_at: i64,
    /// Set by the first correct code.
    pub confirmed_at: Option<i64>,
    /// Last accepted code.
    pub last_used_at: Option<i64>,
}

/// A security key or passkey of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebauthnCredentialRow {
    /// Credential id (base64url), unique across users.
    pub credential_id: String,
    /// Owner.
    pub user_id: String,
    /// User-given name.
    pub name: String,
    /// `passkey` or `security_key` (the ceremony it was registered with).
    pub kind: String,
    /// Sealed serialized credential: public key, counter, flags
    /// (associated data `webauthn:<credential_id>`).
    pub credential: Sealed,
    /// Last signature counter seen (0 for authenticators without one, e.g. synced passkeys).
    pub sign_count: u32,
    /// Transports the browser reported, as a JSON array.
    pub transports: String,
    /// Authenticator model (AAGUID), when it told us.
    pub aaguid: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Last successful assertion.
    pub last_used_at: Option<i64>,
}

/// A WebAuthn ceremony waiting for the browser's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebauthnChallengeRow {
    /// `wch_…` id handed to the client.
    pub id: String,
    /// The user the ceremony is for.
    pub user_id: String,
    /// What it is for, e.g. `registration:passkey` or `authentication:security_key`.
    pub purpose: String,
    /// SHA-256 of the session token an authentication belongs to.
    pub session_hash: Option<Vec<u8>>,
    /// Sealed ceremony state (associated data `webauthn_challenge:<id>:<user_id>:<purpose>`).
    pub state: Sealed,
    /// Unix seconds.
    pub expires_at: i64,
}

/// An audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Sequence number (0 when inserting).
    pub id: i64,
    /// The user concerned, when known.
    pub user_id: Option<String>,
    /// What happened, e.g. `sign_in`, `mfa_verify`, `totp_replay`, `lockout`.
    pub action: String,
    /// MFA method involved.
    pub method: Option<String>,
    /// Whether it succeeded.
    pub success: bool,
    /// Client IP.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Non-secret detail, e.g. an error code.
    pub detail: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Its link in the audit chain (set by the store when inserting; none on rows older
    /// than the chain).
    pub chain: Option<Vec<u8>>,
}

/// An SMS or email factor of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRow {
    /// `chn_…` id.
    pub id: String,
    /// Owner.
    pub user_id: String,
    /// `sms` or `email`.
    pub channel: String,
    /// Sealed destination (associated data `channel:<id>`).
    pub destination: Sealed,
    /// Masked destination for display, e.g. `+1******7890`.
    pub masked: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Set by the first correct code.
    pub confirmed_at: Option<i64>,
    /// Last accepted code.
    pub last_used_at: Option<i64>,
}

/// A one-time code sent by SMS or email (only its keyed hash is stored), bound to what it
/// was sent for: the destination, the purpose, and for sign-in the pending session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpCodeRow {
    /// Owner.
    pub user_id: String,
    /// `sms` or `email`.
    pub channel: String,
    /// The destination (channel row) it was sent to.
    pub channel_id: String,
    /// `setup` or `sign_in`.
    pub purpose: String,
    /// The pending session a sign-in code is for.
    pub session_id: Option<String>,
    /// Keyed hash of the code.
    pub code_hash: Vec<u8>,
    /// Id of the delivery that carries it.
    pub delivery_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Outcome of trying to use a one-time code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpUse {
    /// Right, unexpired and unused: now used.
    Consumed,
    /// Right but expired.
    Expired,
    /// Wrong, used, or no code outstanding.
    Invalid,
}

/// A send counter window: at most `max` sends under `key` in `window_secs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendLimit {
    /// Counter key, e.g. `user:sms:usr_…` or `dest:sms:<hash>`.
    pub key: String,
    /// Window length in seconds.
    pub window_secs: i64,
    /// Sends allowed in the window.
    pub max: u32,
}

/// Outcome of trying to use a backup code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupUse {
    /// It was unused and is now used.
    Consumed,
    /// It exists but was used before.
    AlreadyUsed,
    /// No such code for this user.
    Unknown,
}

/// A counter of wrong attempts, e.g. per user or per pending session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Counter key, e.g. `user:usr_…`.
    pub key: String,
    /// Owner, so the counter goes when the user does (none for a client IP or an unknown
    /// email).
    pub user_id: Option<String>,
}

/// Attempt-limiting policy in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptPolicy {
    /// Attempts per window.
    pub max_attempts: u32,
    /// Window length.
    pub window_secs: i64,
    /// Lockout length.
    pub lockout_secs: i64,
}

/// Outcome of reserving an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt may proceed; `used` attempts of the window are taken with it (highest over
    /// scopes): written by `reserve_attempt`, only reported by `attempt_standing`.
    Granted {
        /// Attempts taken in the current window, this one included.
        used: u32,
    },
    /// No attempt allowed before `until` (Unix seconds).
    Locked {
        /// End of the lockout.
        until: i64,
    },
    /// The progressive delay after the last failure has not passed: no attempt before `until`.
    Wait {
        /// When the next attempt may be made.
        until: i64,
    },
}

/// A push enrollment: the one-time secret of the QR code (hashed), waiting for a phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEnrollmentRow {
    /// `pen_…` id.
    pub id: String,
    /// The user enrolling.
    pub user_id: String,
    /// SHA-256 of the enrollment secret.
    pub secret_hash: Vec<u8>,
    /// Name for the device (the phone may give its own).
    pub name: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// A phone that answers push challenges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushDeviceRow {
    /// `pdv_…` id.
    pub id: String,
    /// The owner.
    pub user_id: String,
    /// User-given name.
    pub name: String,
    /// `android`, `ios` or `none` (polls only).
    pub platform: String,
    /// The device key: an uncompressed P-256 point.
    pub public_key: Vec<u8>,
    /// The push token (sealed); none for a device that polls.
    pub push_token: Option<Sealed>,
    /// Keyed hash of the code that confirms the set-up, until confirmed.
    pub confirm_hash: Option<Vec<u8>>,
    /// When that code expires.
    pub confirm_expires_at: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// When the set-up was confirmed (the device is active from then on).
    pub confirmed_at: Option<i64>,
    /// When it last answered a challenge.
    pub last_used_at: Option<i64>,
    /// When push was suspended for the user (a reported request), until a sign-in with
    /// another factor.
    pub suspended_at: Option<i64>,
}

/// A push challenge: one sign-in (or step-up) waiting for a phone's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushChallengeRow {
    /// `pch_…` id (128 random bits).
    pub id: String,
    /// The user asked.
    pub user_id: String,
    /// SHA-256 of the session token (pending or signed-in) it is bound to.
    pub session_hash: Vec<u8>,
    /// `sign_in` or `step_up`.
    pub purpose: String,
    /// Random value the phone's answer must carry.
    pub nonce: String,
    /// Keyed hash of the number shown on the sign-in screen.
    pub number_hash: Vec<u8>,
    /// What the phone shows (JSON: application, IP address, user agent).
    pub context: String,
    /// `pending`, `approved`, `denied`, `wrong_number`, `reported`, `cancelled`, `used`.
    pub status: String,
    /// The device that answered.
    pub device_id: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// When it was answered.
    pub answered_at: Option<i64>,
}
