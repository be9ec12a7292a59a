//! What one transaction can do, by domain. A backend implements every trait for its
//! transaction type; the engine sees `&mut dyn Tx`.
//!
//! Every method runs inside the transaction the engine opened with `Store::write` (or
//! `Store::read`), so an operation's checks and updates commit together or not at all.

use super::rows::*;
use super::{AuditChain, AuditCheckpoint};
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
    /// Holds the user's row until the transaction ends, so what is read about the user after
    /// this (factors, suspension, counters) cannot change before the transaction commits. A
    /// server database locks the row; SQLite's write lock, held from the start, already does.
    fn hold_user(&mut self, id: &str) -> Result<()>;
    /// Deletes a user and every row that belongs to them, except their audit events, which
    /// are kept under `pseudonym` instead of the user's id. False if there was none.
    fn delete_user(&mut self, id: &str, pseudonym: &str) -> Result<bool>;
    /// Changes the user's email; `already_exists` if another user has it.
    fn set_email(&mut self, id: &str, email: &str) -> Result<()>;
    /// The password hash of the first user whose id sorts at or after `from` (wrapping to the
    /// first user; none without users): with `from` derived from an email, a stable pick.
    fn sample_password_hash(&mut self, from: &str) -> Result<Option<String>>;
    /// Replaces the user's password hash.
    fn set_password_hash(&mut self, id: &str, hash: &str) -> Result<()>;
    /// Counts one more consecutive failed MFA attempt; returns the new count.
    fn record_mfa_failure(&mut self, id: &str) -> Result<u32>;
    /// A right MFA answer: the consecutive failures start again from zero.
    fn reset_mfa_failures(&mut self, id: &str) -> Result<()>;
    /// A right MFA answer at `at`: the consecutive failures start again from zero and the
    /// time is recorded as the last MFA use, in one update.
    fn record_mfa_success(&mut self, id: &str, at: i64) -> Result<()>;
    /// Suspends (or with `None` restores) the user's code-based factors.
    fn set_codes_suspended(&mut self, id: &str, at: Option<i64>) -> Result<()>;
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
    /// Finds a live session by token hash: not past its absolute expiry (`now`) and used
    /// since `seen_after` (the idle timeout).
    fn session_by_token(
        &mut self,
        token_hash: &[u8],
        now: i64,
        seen_after: i64,
    ) -> Result<Option<SessionRow>>;
    /// Records a use of the session.
    fn touch_session(&mut self, session_id: &str, at: i64) -> Result<()>;
    /// The user's live sessions (see [`SessionTx::session_by_token`]), newest first, with
    /// their token hashes.
    fn list_sessions(
        &mut self,
        user_id: &str,
        now: i64,
        seen_after: i64,
    ) -> Result<Vec<(SessionRow, Vec<u8>)>>;
    /// Deletes one of the user's sessions by its id. False if there was none.
    fn delete_session_by_id(&mut self, user_id: &str, session_id: &str) -> Result<bool>;
    /// Deletes the user's sessions, except `keep` (a session id). Returns how many.
    fn delete_user_sessions(&mut self, user_id: &str, keep: Option<&str>) -> Result<usize>;
    /// Replaces a pending session by a completed one, once: false if the pending one is gone.
    fn complete_pending_session(
        &mut self,
        pending_hash: &[u8],
        now: i64,
        next: &NewSession,
    ) -> Result<bool>;
    /// Records a password check for a session.
    fn stamp_session_password(&mut self, session_id: &str, at: i64) -> Result<()>;
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
    /// Deletes one of the user's devices: an unconfirmed one always, a confirmed one unless it
    /// is the user's last MFA factor (decided in this transaction). False if nothing went.
    fn delete_totp_device(&mut self, user_id: &str, device_id: &str) -> Result<bool>;
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
    /// Stores an unconfirmed destination beside the confirmed one (replacing the user's other
    /// pending destination on that channel, never the confirmed one).
    fn put_pending_channel(&mut self, row: &ChannelRow) -> Result<()>;
    /// The user's SMS and email factors.
    fn channels(&mut self, user_id: &str) -> Result<Vec<ChannelRow>>;
    /// Confirms a pending destination and stamps its use; it replaces the user's confirmed
    /// destination on that channel. False if it is gone or already confirmed.
    fn confirm_channel(&mut self, channel_id: &str, at: i64) -> Result<bool>;
    /// Deletes one of the user's destinations: a pending one always, a confirmed one unless it
    /// is the user's last MFA factor (decided in this transaction). False if nothing went.
    fn delete_channel(&mut self, user_id: &str, channel_id: &str) -> Result<bool>;
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
    /// Stores a code, voiding the user's previous code for the same destination, purpose and
    /// session (a code in flight for another sign-in stays).
    fn put_otp_code(&mut self, row: &OtpCodeRow) -> Result<()>;
    /// Uses the code if it matches, was sent to `channel_id` for `purpose` (and, for a
    /// sign-in, for `session_id`), is unused and unexpired.
    fn consume_otp_code(
        &mut self,
        user_id: &str,
        channel_id: &str,
        purpose: &str,
        session_id: Option<&str>,
        code_hash: &[u8],
        now: i64,
    ) -> Result<OtpUse>;
    /// Deletes the code a failed delivery would have carried. Returns its (user, channel).
    fn void_delivery(&mut self, delivery_id: &str) -> Result<Option<(String, String)>>;
    /// Records a send outcome for a provider (`sms:twilio`, `email:app`…); consecutive
    /// failures reaching `threshold` degrade it until `now + cooldown_secs`. Success clears
    /// the count.
    fn record_channel_health(
        &mut self,
        provider: &str,
        ok: bool,
        now: i64,
        threshold: u32,
        cooldown_secs: i64,
    ) -> Result<()>;
    /// The provider's consecutive failed sends and the Unix time until which it is degraded
    /// (`(0, 0)` when healthy).
    fn channel_health(&mut self, provider: &str) -> Result<(u32, i64)>;
}

/// Persisted attempt counters, shared by every process on the database.
pub trait AttemptTx {
    /// Reserves one attempt in every scope, or reports the lockout (or the progressive delay)
    /// of the first scope that refuses.
    fn reserve_attempt(
        &mut self,
        scopes: &[Scope],
        now: i64,
        policy: AttemptPolicy,
    ) -> Result<Reservation>;
    /// What [`AttemptTx::reserve_attempt`] would answer, writing nothing. A caller that
    /// counts the attempt later in the same transaction relies on nobody writing the scopes'
    /// counters in between: SQLite's write lock, held from the transaction's start, ensures it
    /// (a server database must lock the scopes, including ones with no row yet).
    fn attempt_standing(
        &mut self,
        scopes: &[Scope],
        now: i64,
        policy: AttemptPolicy,
    ) -> Result<Reservation>;
    /// Reserves one attempt in every scope, each under its own policy, or (writing nothing)
    /// the time until which the first scope that refuses refuses.
    fn reserve_each(
        &mut self,
        scopes: &[(Scope, AttemptPolicy)],
        now: i64,
    ) -> Result<std::result::Result<Vec<u32>, i64>>;
    /// Gives back the attempt a success reserved in a scope that only counts failures.
    fn release_attempt(&mut self, scope: &Scope) -> Result<()>;
    /// Locks the scopes until `until`.
    fn lock_scopes(&mut self, scopes: &[Scope], until: i64) -> Result<()>;
    /// Refuses further attempts in the scopes before `until` (the progressive delay).
    fn delay_scopes(&mut self, scopes: &[Scope], until: i64) -> Result<()>;
    /// Clears the counters of the scopes (after a success), except a lockout still running
    /// at `now`.
    fn reset_scopes(&mut self, scopes: &[Scope], now: i64) -> Result<()>;
    /// Deletes the user's counters and the one under `key` (a counter kept without a user,
    /// e.g. the sign-in counter of their email). Returns how many.
    fn clear_attempts(&mut self, user_id: &str, key: &str) -> Result<usize>;
    /// Attempts used in the current window, highest over the scopes.
    fn attempts_used(&mut self, scopes: &[Scope], now: i64, policy: AttemptPolicy) -> Result<u32>;
}

/// The audit log, linked into a hash chain by the store (see [`super::AuditChain`]).
pub trait AuditTx {
    /// Appends to the audit log: the store gives the row the next id and its link.
    fn insert_audit(&mut self, event: &AuditRow) -> Result<()>;
    /// The user's audit events since `since`, newest first, at most `limit`.
    fn list_audit(&mut self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>>;
    /// Every user's audit events with an id above `after_id` and a time at or after
    /// `since`, oldest first, at most `limit`, with their links.
    fn audit_page(&mut self, after_id: i64, since: i64, limit: u32) -> Result<Vec<AuditRow>>;
    /// Deletes the oldest audit events older than `before` (a bounded number per call, so a
    /// large backlog goes over several calls) and moves the checkpoint past them: only an
    /// unbroken run right after the checkpoint whose links verify, never the newest event
    /// (ids never go back). Returns how many (a server database may do it at commit and
    /// report 0).
    fn purge_audit(&mut self, before: i64) -> Result<usize>;
    /// Where retention left the chain (`None` if its row is gone: a broken chain).
    fn audit_checkpoint(&mut self) -> Result<Option<AuditCheckpoint>>;
    /// Fills in the checkpoint the schema migration left (after the rows older than the
    /// chain, which are not linked) with the chain's first link, if no row is linked yet.
    /// True if it did.
    fn start_audit_chain(&mut self, chain: &AuditChain) -> Result<bool>;
}

/// Security keys and passkeys, and their pending ceremonies.
pub trait WebauthnTx {
    /// Stores a ceremony state (and forgets expired ones).
    fn put_webauthn_challenge(&mut self, row: &WebauthnChallengeRow, now: i64) -> Result<()>;
    /// The user a ceremony belongs to, if it is still stored (read without taking it, so the
    /// caller can hold the user's row first).
    fn webauthn_challenge_owner(&mut self, id: &str) -> Result<Option<String>>;
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

/// The MFA rollout: its state, users' requirements to enroll, and adoption counts.
pub trait RolloutTx {
    /// The rollout's state; `None` before it was first set.
    fn rollout(&mut self) -> Result<Option<RolloutRow>>;
    /// Stores the rollout's state.
    fn put_rollout(&mut self, row: &RolloutRow) -> Result<()>;
    /// Holds the rollout's state until the transaction ends, so two changes at once cannot
    /// lose one (SQLite's write lock already does).
    fn hold_rollout(&mut self) -> Result<()>;
    /// Sets (or with `None` lifts) the user's requirement to enroll; with `only_unset`, only
    /// if the user has none. False if nothing changed (or there is no such user).
    fn set_enrollment(
        &mut self,
        user_id: &str,
        requirement: Option<&EnrollmentRequirement>,
        only_unset: bool,
    ) -> Result<bool>;
    /// Up to `limit` users whose id sorts after `after`, in id order.
    fn enrollment_page(&mut self, after: &str, limit: u32) -> Result<Vec<EnrollmentPageRow>>;
    /// Users by active method, and MFA set-ups per day since `since`.
    fn enrollment_counts(&mut self, since: i64) -> Result<EnrollmentCounts>;
}

/// Push approvals: enrollments, devices, challenges and seen request ids.
pub trait PushTx {
    /// Stores an enrollment, dropping the user's earlier enrollments and devices that were
    /// never confirmed, and anyone's expired enrollments and unconfirmed devices.
    fn put_push_enrollment(&mut self, row: &PushEnrollmentRow, now: i64) -> Result<()>;
    /// The user an enrollment is for (read before holding the user).
    fn push_enrollment_owner(&mut self, id: &str) -> Result<Option<String>>;
    /// Removes and returns an enrollment (it is used once).
    fn take_push_enrollment(&mut self, id: &str) -> Result<Option<PushEnrollmentRow>>;
    /// Adds a device; `already_exists` if its key is registered.
    fn insert_push_device(&mut self, row: &PushDeviceRow) -> Result<()>;
    /// A user's devices, oldest first.
    fn push_devices(&mut self, user_id: &str) -> Result<Vec<PushDeviceRow>>;
    /// One device.
    fn push_device(&mut self, id: &str) -> Result<Option<PushDeviceRow>>;
    /// Confirms the user's unconfirmed device whose code hash is `confirm_hash` and whose
    /// code is unexpired; returns its id.
    fn confirm_push_device(
        &mut self,
        user_id: &str,
        confirm_hash: &[u8],
        now: i64,
    ) -> Result<Option<String>>;
    /// Records that a device answered.
    fn touch_push_device(&mut self, id: &str, at: i64) -> Result<()>;
    /// Replaces a device's push token (none: the device polls).
    fn set_push_token(&mut self, id: &str, token: Option<&Sealed>) -> Result<()>;
    /// Clears a device's push token if it is still `sealed` (a refused send must not erase a
    /// token the phone sent meanwhile); false if it changed.
    fn clear_push_token(&mut self, id: &str, sealed: &[u8]) -> Result<bool>;
    /// Suspends (`Some(at)`) or restores (`None`) push for all of the user's devices.
    fn suspend_push(&mut self, user_id: &str, at: Option<i64>) -> Result<()>;
    /// Deletes a device unless it is the user's last active factor.
    fn delete_push_device(&mut self, user_id: &str, device_id: &str) -> Result<bool>;
    /// Stores a challenge: the user's pending challenges are cancelled, and challenges older
    /// than a day are dropped.
    fn put_push_challenge(&mut self, row: &PushChallengeRow, now: i64) -> Result<()>;
    /// One challenge.
    fn push_challenge(&mut self, id: &str) -> Result<Option<PushChallengeRow>>;
    /// The user's pending, unexpired challenges.
    fn pending_push_challenges(&mut self, user_id: &str, now: i64)
        -> Result<Vec<PushChallengeRow>>;
    /// Moves a pending, unexpired challenge to `status` (an answer); false if it was not.
    fn answer_push_challenge(
        &mut self,
        id: &str,
        status: &str,
        device_id: &str,
        at: i64,
    ) -> Result<bool>;
    /// Marks an approved challenge used (its sign-in completed); false if it was not
    /// approved.
    fn use_push_challenge(&mut self, id: &str) -> Result<bool>;
    /// Records a signed request's id until it expires; false if it was seen before.
    fn note_push_request(&mut self, jti: &str, expires_at: i64, now: i64) -> Result<bool>;
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
    + RolloutTx
    + PushTx
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
        + RolloutTx
        + PushTx
        + KeyTx
{
}
