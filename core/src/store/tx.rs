//! What one transaction can do, by domain. A backend implements every trait for its
//! transaction type; the engine sees `&mut dyn Tx`.
//!
//! Every method runs inside the transaction the engine opened with `Store::write` (or
//! `Store::read`), so an operation's checks and updates commit together or not at all.

use super::rows::*;
use crate::crypto::Sealed;
use crate::error::Result;

/// Engine metadata (the sealed hash key).
pub trait MetaTx {
    /// Returns the meta value under `key`, storing `init` first if there is none.
    fn meta_get_or_init(&mut self, key: &str, init: &Sealed) -> Result<Sealed>;
}

/// Users and the factor summary read on every session check.
pub trait UserTx {
    /// Inserts a user; `already_exists` if the email is taken.
    fn insert_user(&mut self, user: &UserRow) -> Result<()>;
    /// Finds a user by normalized email.
    fn user_by_email(&mut self, email: &str) -> Result<Option<UserRow>>;
    /// Finds a user by id.
    fn user_by_id(&mut self, id: &str) -> Result<Option<UserRow>>;
    /// Deletes a user and every row that belongs to them. False if there was none.
    fn delete_user(&mut self, id: &str) -> Result<bool>;
    /// Sets a time stamp on the user.
    fn stamp_user(&mut self, id: &str, stamp: UserStamp, at: i64) -> Result<()>;
    /// Removes every MFA factor of the user (devices, codes, keys) and clears the setup date.
    /// The TOTP replay guard is kept.
    fn clear_mfa(&mut self, user_id: &str) -> Result<()>;
    /// Which factors the user has active, in one query.
    fn factor_summary(&mut self, user_id: &str) -> Result<FactorSummary>;
}

/// Sessions (only token hashes are stored).
pub trait SessionTx {
    /// Inserts a session.
    fn insert_session(&mut self, session: &NewSession) -> Result<()>;
    /// Finds an unexpired session by token hash.
    fn session_by_token(&mut self, token_hash: &[u8], now: i64) -> Result<Option<SessionRow>>;
    /// Replaces a pending session by a completed one, once: false if the pending one is gone.
    fn complete_pending_session(
        &mut self,
        pending_hash: &[u8],
        now: i64,
        next: &NewSession,
    ) -> Result<bool>;
    /// Records an MFA verification on a signed-in session (a step-up).
    fn stamp_session_mfa(&mut self, session_id: &str, at: i64, method: &str) -> Result<()>;
    /// Deletes a session. False if there was none.
    fn delete_session(&mut self, token_hash: &[u8]) -> Result<bool>;
    /// Deletes sessions that expired before `now`.
    fn purge_expired_sessions(&mut self, now: i64) -> Result<usize>;
}

/// Authenticator-app devices and the replay guard.
pub trait TotpTx {
    /// Stores a new unconfirmed device, replacing the user's other unconfirmed ones.
    fn replace_pending_totp(&mut self, device: &TotpDeviceRow) -> Result<()>;
    /// The user's devices, confirmed or not, oldest first.
    fn totp_devices(&mut self, user_id: &str) -> Result<Vec<TotpDeviceRow>>;
    /// Confirms a device. False if it was already confirmed or is gone.
    fn confirm_totp_device(&mut self, device_id: &str, at: i64) -> Result<bool>;
    /// Records the use of a device.
    fn touch_totp_device(&mut self, device_id: &str, at: i64) -> Result<()>;
    /// Accepts TOTP `step` for the user only if it is later than every step accepted before.
    fn accept_totp_step(&mut self, user_id: &str, step: i64) -> Result<bool>;
}

/// Backup codes (stored as keyed hashes).
pub trait BackupCodeTx {
    /// Replaces all backup codes of the user with these hashes.
    fn replace_backup_codes(&mut self, user_id: &str, hashes: &[Vec<u8>], at: i64) -> Result<()>;
    /// Marks a backup code used if it exists and is unused.
    fn consume_backup_code(&mut self, user_id: &str, hash: &[u8], at: i64) -> Result<BackupUse>;
    /// Unused backup codes of the user.
    fn backup_codes_remaining(&mut self, user_id: &str) -> Result<u32>;
}

/// SMS and email factors, their codes, resend counters and channel health.
pub trait ChannelTx {
    /// Stores an unconfirmed channel, replacing the user's factor on that channel.
    fn replace_channel(&mut self, row: &ChannelRow) -> Result<()>;
    /// The user's SMS and email factors.
    fn channels(&mut self, user_id: &str) -> Result<Vec<ChannelRow>>;
    /// Confirms a channel and stamps its use.
    fn confirm_channel(&mut self, channel_id: &str, at: i64) -> Result<bool>;
    /// Records the use of a channel.
    fn touch_channel(&mut self, channel_id: &str, at: i64) -> Result<()>;
    /// Records one send under every limit key, unless one of them is full: then returns the
    /// Unix time when the oldest send of the fullest window leaves it.
    fn reserve_send(
        &mut self,
        user_id: &str,
        limits: &[SendLimit],
        now: i64,
    ) -> Result<Option<i64>>;
    /// Stores a code, voiding the user's previous code on that channel.
    fn put_otp_code(&mut self, row: &OtpCodeRow) -> Result<()>;
    /// Uses the code if it matches, is unused and unexpired.
    fn consume_otp_code(
        &mut self,
        user_id: &str,
        channel: &str,
        code_hash: &[u8],
        now: i64,
    ) -> Result<OtpUse>;
    /// Deletes the code a failed delivery would have carried. Returns its (user, channel).
    fn void_delivery(&mut self, delivery_id: &str) -> Result<Option<(String, String)>>;
    /// Records a send outcome for a channel; failures past `threshold` degrade it until
    /// `now + cooldown_secs`. Success clears the count.
    fn record_channel_health(
        &mut self,
        channel: &str,
        ok: bool,
        now: i64,
        threshold: u32,
        cooldown_secs: i64,
    ) -> Result<()>;
    /// The channel's consecutive failed sends and the Unix time until which it is degraded
    /// (`(0, 0)` when healthy).
    fn channel_health(&mut self, channel: &str) -> Result<(u32, i64)>;
}

/// Persisted attempt counters, shared by every process on the database.
pub trait AttemptTx {
    /// Reserves one attempt in every scope, or reports the lockout of the first locked one.
    fn reserve_attempt(
        &mut self,
        scopes: &[Scope],
        now: i64,
        policy: AttemptPolicy,
    ) -> Result<Reservation>;
    /// Locks the scopes until `until`.
    fn lock_scopes(&mut self, scopes: &[Scope], until: i64) -> Result<()>;
    /// Clears the counters of the scopes (after a success).
    fn reset_scopes(&mut self, scopes: &[Scope]) -> Result<()>;
    /// Attempts used in the current window, highest over the scopes.
    fn attempts_used(&mut self, scopes: &[Scope], now: i64, policy: AttemptPolicy) -> Result<u32>;
}

/// The audit log.
pub trait AuditTx {
    /// Appends to the audit log.
    fn insert_audit(&mut self, event: &AuditRow) -> Result<()>;
    /// The user's audit events since `since`, newest first, at most `limit`.
    fn list_audit(&mut self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>>;
}

/// Security keys and passkeys, and their pending ceremonies.
pub trait WebauthnTx {
    /// Stores a ceremony state (and forgets expired ones).
    fn put_webauthn_challenge(&mut self, row: &WebauthnChallengeRow, now: i64) -> Result<()>;
    /// Removes and returns the ceremony `id` for `purpose_prefix…`, once: a second take finds
    /// nothing. The caller checks `expires_at`.
    fn take_webauthn_challenge(
        &mut self,
        id: &str,
        purpose_prefix: &str,
    ) -> Result<Option<WebauthnChallengeRow>>;
    /// Stores a new credential; `already_exists` if its id is registered (to anyone).
    fn insert_webauthn_credential(&mut self, row: &WebauthnCredentialRow) -> Result<()>;
    /// The user's credentials, oldest first.
    fn webauthn_credentials(&mut self, user_id: &str) -> Result<Vec<WebauthnCredentialRow>>;
    /// Records an assertion: new sealed credential, counter and use time, only if the counter
    /// did not go backwards meanwhile (a counter of 0 always passes). False if refused or gone.
    fn record_webauthn_use(
        &mut self,
        credential_id: &str,
        credential: &Sealed,
        sign_count: u32,
        at: i64,
    ) -> Result<bool>;
    /// Renames a credential of the user. False if there is none.
    fn rename_webauthn_credential(
        &mut self,
        user_id: &str,
        credential_id: &str,
        name: &str,
    ) -> Result<bool>;
    /// Deletes a credential of the user unless it is their last MFA factor (no other key,
    /// confirmed TOTP device or SMS/email), decided in this write transaction so two removals
    /// at once cannot both pass. False if nothing was deleted.
    fn delete_webauthn_credential(&mut self, user_id: &str, credential_id: &str) -> Result<bool>;
}

/// Key rotation.
pub trait KeyTx {
    /// Re-seals every sealed value with `reseal(aad, old) -> new`. Returns how many.
    fn reseal_all(
        &mut self,
        reseal: &mut dyn FnMut(&str, &Sealed) -> Result<Sealed>,
    ) -> Result<usize>;
}

/// One transaction: everything the engine persists.
pub trait Tx:
    MetaTx
    + UserTx
    + SessionTx
    + TotpTx
    + BackupCodeTx
    + ChannelTx
    + AttemptTx
    + AuditTx
    + WebauthnTx
    + KeyTx
{
}

impl<T> Tx for T where
    T: MetaTx
        + UserTx
        + SessionTx
        + TotpTx
        + BackupCodeTx
        + ChannelTx
        + AttemptTx
        + AuditTx
        + WebauthnTx
        + KeyTx
{
}
