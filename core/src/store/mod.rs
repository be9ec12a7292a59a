//! Persistence behind one interface, [`Store`]. All SQL of the engine lives under this module.
//!
//! Invariants every backend keeps: each check-and-update that must happen once (TOTP replay
//! guard, single-use backup codes, attempt reservations, completing a pending session) is a
//! single atomic statement or transaction, so several processes sharing one database can
//! never both win; secrets arrive already sealed and codes and tokens already hashed.

mod migrations;
mod sqlite;

pub use migrations::{MIGRATIONS, SCHEMA_VERSION};
pub use sqlite::SqliteStore;

use crate::crypto::Sealed;
use crate::error::Result;
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
    /// Last successful password re-verification.
    pub password_verified_at: Option<i64>,
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
    /// Unused backup codes.
    pub backup_codes: u32,
}

/// What a right MFA answer records (see [`Store::record_mfa_success`]).
#[derive(Debug, Clone, Copy)]
pub struct MfaSuccess<'a> {
    /// Attempt counters to clear.
    pub scopes: &'a [Scope],
    /// The user whose last MFA use is stamped.
    pub user_id: &'a str,
    /// When (Unix seconds).
    pub at: i64,
    /// A signed-in session (id, method) whose MFA time is refreshed: a step-up.
    pub step_up: Option<(&'a str, &'a str)>,
    /// The audit event.
    pub audit: &'a AuditRow,
}

/// A time stamp on the user row that the engine updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStamp {
    /// MFA activated (kept if already set).
    MfaSetup,
    /// MFA used successfully.
    MfaUsed,
    /// Password re-verified.
    PasswordVerified,
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
}

/// A session to insert, with its token hash and client details.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The row.
    pub row: SessionRow,
    /// SHA-256 of the bearer token.
    pub token_hash: Vec<u8>,
    /// Client IP, if known.
    pub ip: Option<String>,
    /// Client user agent, if known.
    pub user_agent: Option<String>,
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

/// A one-time code sent by SMS or email (only its keyed hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpCodeRow {
    /// Owner.
    pub user_id: String,
    /// `sms` or `email`.
    pub channel: String,
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
    /// Owner, so the counter goes when the user does.
    pub user_id: String,
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
    /// The attempt may proceed; `used` attempts of the window are now taken (highest over scopes).
    Granted {
        /// Attempts taken in the current window, this one included.
        used: u32,
    },
    /// No attempt allowed before `until` (Unix seconds).
    Locked {
        /// End of the lockout.
        until: i64,
    },
}

/// Everything the engine persists. Implementations must be safe to share across threads.
pub trait Store: Send + Sync {
    /// Returns the meta value under `key`, storing `init` first if there is none (atomically).
    fn meta_get_or_init(&self, key: &str, init: &Sealed) -> Result<Sealed>;

    /// Inserts a user; `already_exists` if the email is taken.
    fn insert_user(&self, user: &UserRow) -> Result<()>;
    /// Finds a user by normalized email.
    fn user_by_email(&self, email: &str) -> Result<Option<UserRow>>;
    /// Finds a user by id.
    fn user_by_id(&self, id: &str) -> Result<Option<UserRow>>;
    /// Deletes a user and every row that belongs to them. False if there was none.
    fn delete_user(&self, id: &str) -> Result<bool>;
    /// Sets a time stamp on the user.
    fn stamp_user(&self, id: &str, stamp: UserStamp, at: i64) -> Result<()>;
    /// Removes every MFA factor of the user (devices, codes) and clears the setup date.
    /// The TOTP replay guard is kept.
    fn clear_mfa(&self, user_id: &str) -> Result<()>;

    /// Stores a new unconfirmed TOTP device, replacing the user's other unconfirmed ones.
    fn replace_pending_totp(&self, device: &TotpDeviceRow) -> Result<()>;
    /// The user's TOTP devices, confirmed or not, oldest first.
    fn totp_devices(&self, user_id: &str) -> Result<Vec<TotpDeviceRow>>;
    /// Confirms a device. False if it was already confirmed or is gone.
    fn confirm_totp_device(&self, device_id: &str, at: i64) -> Result<bool>;
    /// Records the use of a device.
    fn touch_totp_device(&self, device_id: &str, at: i64) -> Result<()>;
    /// Accepts TOTP `step` for the user only if it is later than every step accepted before.
    fn accept_totp_step(&self, user_id: &str, step: i64) -> Result<bool>;

    /// Replaces all backup codes of the user with these hashes.
    fn replace_backup_codes(&self, user_id: &str, hashes: &[Vec<u8>], at: i64) -> Result<()>;
    /// Marks a backup code used if it exists and is unused.
    fn consume_backup_code(&self, user_id: &str, hash: &[u8], at: i64) -> Result<BackupUse>;
    /// Unused backup codes of the user.
    fn backup_codes_remaining(&self, user_id: &str) -> Result<u32>;
    /// Which factors the user has active (one round trip: read on every session check).
    fn factor_summary(&self, user_id: &str) -> Result<FactorSummary>;

    /// Inserts a session.
    fn insert_session(&self, session: &NewSession) -> Result<()>;
    /// Finds an unexpired session by token hash.
    fn session_by_token(&self, token_hash: &[u8], now: i64) -> Result<Option<SessionRow>>;
    /// Replaces a pending session by a completed one, once: false if the pending one is gone.
    fn complete_pending_session(
        &self,
        pending_hash: &[u8],
        now: i64,
        next: &NewSession,
    ) -> Result<bool>;
    /// Deletes a session. False if there was none.
    fn delete_session(&self, token_hash: &[u8]) -> Result<bool>;
    /// Deletes sessions that expired before `now`.
    fn purge_expired_sessions(&self, now: i64) -> Result<usize>;

    /// Reserves one attempt in every scope, or reports the lockout of the first locked one.
    fn reserve_attempt(
        &self,
        scopes: &[Scope],
        now: i64,
        policy: AttemptPolicy,
    ) -> Result<Reservation>;
    /// Locks the scopes until `until`.
    fn lock_scopes(&self, scopes: &[Scope], until: i64) -> Result<()>;
    /// Clears the counters of the scopes (after a success).
    fn reset_scopes(&self, scopes: &[Scope]) -> Result<()>;
    /// Records a right MFA answer in one transaction: clears the attempt counters, stamps the
    /// user's last MFA use, refreshes a step-up session and appends the audit event.
    fn record_mfa_success(&self, success: &MfaSuccess<'_>) -> Result<()>;

    /// Appends to the audit log.
    fn insert_audit(&self, event: &AuditRow) -> Result<()>;
    /// The user's audit events since `since`, newest first, at most `limit`.
    fn list_audit(&self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>>;

    /// Stores an unconfirmed channel, replacing the user's factor on that channel.
    fn replace_channel(&self, row: &ChannelRow) -> Result<()>;
    /// The user's SMS and email factors.
    fn channels(&self, user_id: &str) -> Result<Vec<ChannelRow>>;
    /// Confirms a channel and stamps its use.
    fn confirm_channel(&self, channel_id: &str, at: i64) -> Result<bool>;
    /// Records the use of a channel.
    fn touch_channel(&self, channel_id: &str, at: i64) -> Result<()>;
    /// Records one send under every limit key, unless one of them is full: then returns the
    /// Unix time when the oldest send of the fullest window leaves it.
    fn reserve_send(&self, user_id: &str, limits: &[SendLimit], now: i64) -> Result<Option<i64>>;
    /// Stores a code, voiding the user's previous code on that channel.
    fn put_otp_code(&self, row: &OtpCodeRow) -> Result<()>;
    /// Uses the code if it matches, is unused and unexpired.
    fn consume_otp_code(
        &self,
        user_id: &str,
        channel: &str,
        code_hash: &[u8],
        now: i64,
    ) -> Result<OtpUse>;
    /// Deletes the code a failed delivery would have carried. Returns its (user, channel).
    fn void_delivery(&self, delivery_id: &str) -> Result<Option<(String, String)>>;
    /// Records a send outcome for a channel; failures past `threshold` degrade it until
    /// `now + cooldown_secs`. Success clears the count.
    fn record_channel_health(
        &self,
        channel: &str,
        ok: bool,
        now: i64,
        threshold: u32,
        cooldown_secs: i64,
    ) -> Result<()>;
    /// Unix time until which the channel is degraded (0 when healthy).
    fn channel_degraded_until(&self, channel: &str) -> Result<i64>;
    /// Attempts used in the current window, highest over the scopes.
    fn attempts_used(&self, scopes: &[Scope], now: i64, policy: AttemptPolicy) -> Result<u32>;

    /// Stores a ceremony state (and forgets expired ones).
    fn put_webauthn_challenge(&self, row: &WebauthnChallengeRow, now: i64) -> Result<()>;
    /// Removes and returns the ceremony `id` for `purpose_prefix…`, once: a second take finds
    /// nothing. The caller checks `expires_at`.
    fn take_webauthn_challenge(
        &self,
        id: &str,
        purpose_prefix: &str,
    ) -> Result<Option<WebauthnChallengeRow>>;
    /// Stores a new credential; `already_exists` if its id is registered (to anyone).
    fn insert_webauthn_credential(&self, row: &WebauthnCredentialRow) -> Result<()>;
    /// The user's credentials, oldest first.
    fn webauthn_credentials(&self, user_id: &str) -> Result<Vec<WebauthnCredentialRow>>;
    /// Records an assertion: new sealed credential, counter and use time, only if the counter
    /// did not go backwards meanwhile (a counter of 0 always passes). False if refused or gone.
    fn record_webauthn_use(
        &self,
        credential_id: &str,
        credential: &Sealed,
        sign_count: u32,
        at: i64,
    ) -> Result<bool>;
    /// Renames a credential of the user. False if there is none.
    fn rename_webauthn_credential(
        &self,
        user_id: &str,
        credential_id: &str,
        name: &str,
    ) -> Result<bool>;
    /// Deletes a credential of the user unless it is their last MFA factor (no other key,
    /// confirmed TOTP device or SMS/email), decided in the same write transaction so two
    /// removals at once cannot both pass. False if nothing was deleted.
    fn delete_webauthn_credential(&self, user_id: &str, credential_id: &str) -> Result<bool>;

    /// Re-seals every sealed value in one transaction with `reseal(aad, old) -> new`.
    /// Returns how many values were re-sealed.
    fn reseal_all(&self, reseal: &mut dyn FnMut(&str, &Sealed) -> Result<Sealed>) -> Result<usize>;
}
