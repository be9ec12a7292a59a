//! Enrolling, verifying, listing and removing MFA factors.
//!
//! Every code check reads the attempt counters, looks at the code and, when the answer is
//! wrong, counts the attempt, all in one transaction holding the write lock and at one point
//! in time, so concurrent guesses can never exceed the configured maximum (a right answer
//! only deletes counters that exist). A wrong answer counts against
//! the window (the last allowed one starts the lockout), sets the progressive delay before
//! the next attempt (enforced, not just reported), and adds to the user's consecutive
//! failures, which survive lockouts: at `rateLimiting.maxConsecutiveFailures` the code-based
//! factors are suspended until a backup code at sign-in or an administrator restores them.
//! A success clears the counters; everything a verification records commits together.

use super::step_up::{Proof, Sensitive};
use super::{Engine, Notices};
use crate::api::{
    BackupCodes, DisableMfaResult, EnableMfaRequest, EnableMfaResult, IssuedSession, Method,
    MfaStatus, RemoveFactorResult, RequestContext, TotpDevice, VerifyMfaRequest, VerifyMfaResult,
};
use crate::audit::AuditAction;
use crate::backup_codes;
use crate::clock::iso8601;
use crate::crypto::{self, sha256};
use crate::error::{MfaError, Result};
use crate::notify::NotificationKind;
use crate::qr;
use crate::store::{
    BackupUse, Reservation, Scope, SessionRow, TotpDeviceRow, Tx, UserRow, UserStamp,
};
use crate::totp;
use crate::validate;

/// Most authenticator devices one user may enroll.
const MAX_TOTP_DEVICES: usize = 10;

/// What a verification is for.
pub(super) enum Mode {
    /// Confirm a factor being set up (or re-check one) for a user; `keep` is the caller's
    /// session, kept when the new factor ends the user's other sessions.
    Setup { keep: Option<SessionRow> },
    /// Complete the MFA step of sign-in on a pending session.
    Challenge {
        session: SessionRow,
        token_hash: Vec<u8>,
    },
    /// Refresh the MFA time of a signed-in session.
    StepUp { session: SessionRow, token: String },
}

impl Mode {
    fn purpose(&self) -> Purpose<'_> {
        match self {
            Self::Setup { .. } => Purpose::Setup,
            Self::Challenge { session, .. } => Purpose::SignIn(&session.id),
            Self::StepUp { session, .. } => Purpose::StepUp(&session.id),
        }
    }
}

/// What a code must have been issued for to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose<'a> {
    /// Confirming a factor being set up (pending devices and destinations).
    Setup,
    /// The MFA step of the pending session with this id.
    SignIn(&'a str),
    /// A step-up of the signed-in session with this id.
    StepUp(&'a str),
    /// A confirmation code given without a session: TOTP and backup codes only.
    Confirm,
}

impl Purpose<'_> {
    /// The purpose an SMS or email code is stored under, with its session; `None` when such
    /// codes cannot serve it.
    pub(super) fn code_binding(self) -> Option<(&'static str, Option<String>)> {
        match self {
            Self::Setup => Some(("setup", None)),
            Self::SignIn(s) => Some(("sign_in", Some(s.to_string()))),
            Self::StepUp(s) => Some(("step_up", Some(s.to_string()))),
            Self::Confirm => None,
        }
    }
}

/// Outcome of looking at a code.
pub(super) enum Check {
    /// Right code; `activated` names a factor this confirmed.
    Ok { activated: bool },
    /// Wrong code, with the error code to report.
    Wrong(&'static str),
}

/// Looks at an answer once the attempt counters allow it (a code, an assertion).
pub(super) type CodeCheck<'a> =
    dyn FnMut(&mut dyn Tx, &mut Notices, &UserRow, Purpose<'_>) -> Result<Check> + 'a;

/// An allowed attempt, or the time before which none is allowed.
pub(super) enum Attempt {
    /// Go ahead (a wrong answer is then counted).
    Granted,
    /// Locked out (or inside the progressive delay) until `until`; `used` attempts taken.
    Refused { until: i64, used: u32 },
}

/// What a counted failure led to.
pub(super) struct Failure {
    /// Attempts left in the window.
    pub remaining: u32,
    /// This failure started a lockout.
    pub locked: bool,
    /// Seconds before the next attempt is considered.
    pub retry_after: i64,
}

/// Removing the last factor needs a current code, as turning MFA off does.
pub(super) fn last_factor_needs_code() -> MfaError {
    MfaError::invalid(
        "confirmationCode",
        "is required to remove the last MFA factor",
    )
}

/// Whether a method's answers are typed codes (suspended after too many failures).
fn code_based(method: Method) -> bool {
    matches!(method, Method::Totp | Method::Sms | Method::Email)
}

impl Engine {
    /// Methods with an active factor, then `backup` if codes remain.
    pub(super) fn active_methods(&self, tx: &mut dyn Tx, user_id: &str) -> Result<Vec<String>> {
        let f = tx.factor_summary(user_id)?;
        // The guide's order: TOTP, security keys, SMS, email, push, then backup codes.
        let factors = [
            (f.totp, "totp"),
            (f.webauthn, "webauthn"),
            (f.sms, "sms"),
            (f.email, "email"),
            (f.push, "push"),
        ];
        let mut methods: Vec<String> = factors
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, m)| (*m).to_string())
            .collect();
        if !methods.is_empty() && f.backup_codes > 0 && self.config().backup_codes.enabled {
            methods.push("backup".to_string());
        }
        Ok(methods)
    }

    /// The counters every verification of `user` is limited by (and the pending session's).
    pub(super) fn attempt_scopes(
        &self,
        user: &UserRow,
        pending: Option<&SessionRow>,
    ) -> Vec<Scope> {
        let mut scopes = vec![Scope {
            key: format!("user:{}", user.id),
            user_id: Some(user.id.clone()),
        }];
        if let Some(session) = pending {
            scopes.push(Scope {
                key: format!("session:{}", session.id),
                user_id: Some(user.id.clone()),
            });
        }
        scopes
    }

    /// Whether `scopes` allow one more attempt at `now` (counted by [`Engine::count_failure`]
    /// at the same `now` if the answer is wrong), or the lockout or progressive delay that
    /// refuses it.
    pub(super) fn code_attempt_standing(
        &self,
        tx: &mut dyn Tx,
        scopes: &[Scope],
        now: i64,
    ) -> Result<Attempt> {
        let policy = self.attempt_policy();
        Ok(match tx.attempt_standing(scopes, now, policy)? {
            Reservation::Granted { .. } => Attempt::Granted,
            Reservation::Locked { until } => Attempt::Refused {
                until,
                used: policy.max_attempts,
            },
            Reservation::Wait { until } => Attempt::Refused {
                until,
                used: tx.attempts_used(scopes, now, policy)?,
            },
        })
    }

    /// Counts a wrong answer in `scopes`, which [`Engine::code_attempt_standing`] found open
    /// at `now` earlier in this transaction (see the module notes), and audits it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn count_failure(
        &self,
        tx: &mut dyn Tx,
        notices: &mut Notices,
        user: &UserRow,
        scopes: &[Scope],
        method: Option<Method>,
        error: &str,
        ctx: &RequestContext,
        now: i64,
    ) -> Result<Failure> {
        let config = self.config();
        let policy = self.attempt_policy();
        // The same rows at the same time as the standing check (no check writes attempt
        // counters, and the transaction holds the write lock): the attempt is granted.
        let Reservation::Granted { used } = tx.reserve_attempt(scopes, now, policy)? else {
            return Err(MfaError::internal(
                "the attempt counters changed within one transaction",
            ));
        };
        self.audit(
            tx,
            Some(&user.id),
            AuditAction::MfaVerify,
            method,
            false,
            ctx,
            Some(error),
        )?;
        let consecutive = tx.record_mfa_failure(&user.id)?;
        if consecutive >= config.rate_limiting.max_consecutive_failures
            && user.codes_suspended_at.is_none()
        {
            tx.set_codes_suspended(&user.id, Some(now))?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::FactorsSuspended,
                method,
                false,
                ctx,
                Some(&format!("{consecutive} consecutive failures")),
            )?;
            notices.raise(self, NotificationKind::FactorsSuspended, user, method, ctx);
        }
        let remaining = policy.max_attempts.saturating_sub(used);
        if remaining == 0 {
            tx.lock_scopes(scopes, now + policy.lockout_secs)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::Lockout,
                method,
                false,
                ctx,
                None,
            )?;
            notices.raise(self, NotificationKind::Lockout, user, method, ctx);
            return Ok(Failure {
                remaining,
                locked: true,
                retry_after: policy.lockout_secs,
            });
        }
        // The guide's progressive delay: 1 s doubling per failure, at most 30 s.
        let delay = (1i64 << used.min(5)).min(30);
        if config.rate_limiting.progressive_delay {
            tx.delay_scopes(scopes, now + delay)?;
        }
        Ok(Failure {
            remaining,
            locked: false,
            retry_after: delay,
        })
    }

    /// A right answer: the window's counters and the consecutive failures start again.
    pub(super) fn count_success(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        scopes: &[Scope],
        now: i64,
    ) -> Result<()> {
        tx.reset_scopes(scopes, now)?;
        tx.record_mfa_success(&user.id, now)
    }

    /// Starts setting up a method. For `totp`: a new secret, its `otpauth://` URI and QR code;
    /// the device stays unconfirmed until `verify_mfa` sees a correct code.
    pub fn enable_mfa(&self, req: &EnableMfaRequest) -> Result<EnableMfaResult> {
        let ctx = &req.context;
        let method = Method::parse(&req.method)?;
        let label = validate::label(req.label.as_deref())?;
        let cfg = self.config();
        match method {
            Method::Totp if cfg.methods.totp.enabled => {}
            Method::Sms | Method::Email => return self.enable_channel(method, req),
            Method::Push => return self.enable_push(req),
            _ => return Err(MfaError::unsupported(method.as_str())),
        }
        let name = match req.device_name.as_deref() {
            Some(n) if !n.trim().is_empty() => validate::text("deviceName", n, 128)?.to_string(),
            _ => label.clone().unwrap_or_else(|| "Authenticator".to_string()),
        };
        let proof = Proof::new(
            req.session_token.as_ref().map(|s| s.expose()),
            req.confirmation_code.as_ref().map(|s| s.expose()),
        );
        let params = cfg.methods.totp.params;
        let secret = zeroize::Zeroizing::new(totp::generate_secret(params.algorithm)?);
        let id = crypto::new_id("dev")?;
        let sealed = crypto::seal(&self.sealing_key(), &format!("totp:{id}"), &secret)?;
        let now = self.now();
        let user = self.write_noting(|tx, notices| {
            let user = self.user_row(tx, &req.user_id)?;
            if let Err(e) = self.step_up(tx, notices, &user, Sensitive::FactorAdd, proof, ctx)? {
                return Ok(Err(e));
            }
            let devices = tx.totp_devices(&user.id)?;
            if devices.iter().filter(|d| d.confirmed_at.is_some()).count() >= MAX_TOTP_DEVICES {
                return Err(MfaError::setup_failed(format!(
                    "at most {MAX_TOTP_DEVICES} authenticator devices per user"
                )));
            }
            tx.replace_pending_totp(&TotpDeviceRow {
                id: id.clone(),
                user_id: user.id.clone(),
                name: name.clone(),
                secret: sealed.clone(),
                params,
                created_at: now,
                confirmed_at: None,
                last_used_at: None,
            })?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::MfaEnable,
                Some(Method::Totp),
                true,
                ctx,
                None,
            )?;
            Ok(Ok(user))
        })??;
        let issuer = label.unwrap_or_else(|| cfg.methods.totp.issuer.clone());
        let uri = totp::otpauth_uri(&issuer, &user.email, &secret, params);
        let svg = qr::svg(&uri)?;
        Ok(EnableMfaResult {
            success: true,
            method: "totp".into(),
            secret: Some(totp::secret_to_base32(&secret)),
            qr_code_url: Some(uri),
            qr_code_data_url: Some(qr::svg_data_url(&svg)),
            qr_code_svg: Some(svg),
            backup_codes: None,
            challenge_id: Some(id),
            expires_in: None,
            code_sent: None,
            destination: None,
        })
    }

    /// Checks an MFA code: confirms a method being set up (`user_id`), completes sign-in on a
    /// pending session, or refreshes a signed-in session's MFA time (`session_id`).
    /// A wrong code is `success: false` with `attempts_remaining`, not an error.
    pub fn verify_mfa(&self, req: &VerifyMfaRequest) -> Result<VerifyMfaResult> {
        let method = Method::parse(&req.method)?;
        let code = validate::code(req.code.expose())?;
        let ctx = &req.context;
        let token = match &req.session_id {
            Some(sid) if !sid.trim().is_empty() => {
                Some(validate::token("sessionId", sid)?.to_string())
            }
            _ => None,
        };
        if token.is_none() && req.user_id.is_none() {
            return Err(MfaError::invalid(
                "sessionId",
                "sessionId or userId is required",
            ));
        }
        let keep = Proof::new(req.session_token.as_ref().map(|s| s.expose()), None).token;
        self.write_noting(|tx, notices| {
            let (user, mode) = match (&token, &req.user_id) {
                // The user's row is held first: a factor removed or suspended meanwhile is
                // seen, and every path that both holds users and counts attempts takes them
                // in this order.
                (Some(token), _) => {
                    let session = self.session_row(tx, token)?;
                    tx.hold_user(&session.user_id)?;
                    let user = self.user_row(tx, &session.user_id)?;
                    let mode = if session.pending {
                        Mode::Challenge {
                            session,
                            token_hash: sha256(token.as_bytes()),
                        }
                    } else {
                        Mode::StepUp {
                            session,
                            token: token.clone(),
                        }
                    };
                    (user, mode)
                }
                (None, Some(uid)) => {
                    tx.hold_user(uid)?;
                    let user = self.user_row(tx, uid)?;
                    let keep = match keep {
                        Some(t) => Some(self.own_session(tx, &user, t)?),
                        None => None,
                    };
                    (user, Mode::Setup { keep })
                }
                (None, None) => return Err(MfaError::internal("no session or user")),
            };
            let mut devices = self.ensure_enrolled(tx, &user, method, mode.purpose())?;
            self.run_verification(
                tx,
                notices,
                user,
                method,
                mode,
                ctx,
                &mut |tx, notices, user, purpose| {
                    self.check_code(
                        tx,
                        notices,
                        user,
                        method,
                        &code,
                        purpose,
                        ctx,
                        devices.take(),
                    )
                },
            )
        })
    }

    /// The attempt-limited part of every verification, in the caller's transaction: checks
    /// the attempt counters (per user, and per pending session), runs `check`, then either
    /// counts the failure or clears the counters and completes `mode` (activation, sign-in or
    /// step-up).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_verification(
        &self,
        tx: &mut dyn Tx,
        notices: &mut Notices,
        user: UserRow,
        method: Method,
        mode: Mode,
        ctx: &RequestContext,
        check: &mut CodeCheck<'_>,
    ) -> Result<VerifyMfaResult> {
        let pending = match &mode {
            Mode::Challenge { session, .. } => Some(session),
            _ => None,
        };
        let pending_password_at = pending.and_then(|s| s.password_at);
        // The user's row before the attempt counters, on every path (see `verify_mfa`).
        tx.hold_user(&user.id)?;
        let scopes = self.attempt_scopes(&user, pending);
        let now = self.now();
        let policy = self.attempt_policy();
        // A refusal names the methods to try instead (a right answer needs none).
        let failed = |tx: &mut dyn Tx,
                      attempts_remaining,
                      rate_limited,
                      retry_after: i64,
                      error: &str|
         -> Result<VerifyMfaResult> {
            Ok(VerifyMfaResult {
                success: false,
                method: method.as_str().into(),
                attempts_remaining: Some(attempts_remaining),
                rate_limited,
                retry_after: Some(u64::try_from(retry_after).unwrap_or(0)),
                error: Some(error.into()),
                // After the attempt was counted: a failure to read them must not undo that.
                fallback_methods: Some(
                    self.fallback_methods(tx, &user, method).unwrap_or_default(),
                ),
                ..VerifyMfaResult::default()
            })
        };
        match self.code_attempt_standing(tx, &scopes, now)? {
            Attempt::Refused { until, used } => {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::MfaVerify,
                    Some(method),
                    false,
                    ctx,
                    Some("mfa_rate_limited"),
                )?;
                let remaining = policy.max_attempts.saturating_sub(used);
                return failed(tx, remaining, true, until - now, "mfa_rate_limited");
            }
            Attempt::Granted => {}
        }
        let activated = match check(tx, notices, &user, mode.purpose())? {
            Check::Wrong(error) => {
                let f =
                    self.count_failure(tx, notices, &user, &scopes, Some(method), error, ctx, now)?;
                return failed(tx, f.remaining, f.locked, f.retry_after, error);
            }
            Check::Ok { activated } => activated,
        };
        self.count_success(tx, &user, &scopes, now)?;
        if matches!(mode, Mode::Challenge { .. }) {
            self.push_signed_in(tx, &user.id, method, now)?;
        }
        if matches!(mode, Mode::Challenge { .. })
            && method == Method::Backup
            && user.codes_suspended_at.is_some()
        {
            // Recovery: a backup code right after the password at sign-in.
            tx.set_codes_suspended(&user.id, None)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::FactorsRestored,
                Some(Method::Backup),
                true,
                ctx,
                Some("backup_code"),
            )?;
        }
        let backup = if activated {
            self.activate_factor(tx, &user, now)?
        } else {
            None
        };
        let action = if activated {
            AuditAction::MfaActivate
        } else {
            AuditAction::MfaVerify
        };
        self.audit(tx, Some(&user.id), action, Some(method), true, ctx, None)?;
        let session = match mode {
            Mode::Setup { keep } => {
                if activated {
                    self.factor_added(tx, notices, &user, method, keep.as_ref(), ctx, now)?;
                }
                None
            }
            Mode::Challenge { token_hash, .. } => {
                let (new, issued) = self.new_session(
                    &user.id,
                    false,
                    Some(method.as_str()),
                    pending_password_at,
                    ctx,
                )?;
                if !tx.complete_pending_session(&token_hash, now, &new)? {
                    return Err(MfaError::SessionInvalid);
                }
                Some(issued)
            }
            Mode::StepUp { session, token } => {
                tx.stamp_session_mfa(&session.id, now, method.as_str())?;
                Some(IssuedSession {
                    id: session.id.clone(),
                    token,
                    expires_in: u64::try_from(session.expires_at - now).unwrap_or(0),
                    expires_at: iso8601(session.expires_at),
                    mfa_verified: true,
                })
            }
        };
        let user = self.user_view(tx, &user)?;
        Ok(VerifyMfaResult {
            success: true,
            method: method.as_str().into(),
            user: Some(user),
            session,
            backup_codes: backup,
            ..VerifyMfaResult::default()
        })
    }

    /// After a factor became active: the user hears of it and their other sessions end. The
    /// caller's session has now been through the password (or a step-up, to be allowed to add
    /// the factor) and the new factor, so it counts as verified by it. `now` is the
    /// operation's time, the one `activate_factor` stamped (the two stamps are compared).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn factor_added(
        &self,
        tx: &mut dyn Tx,
        notices: &mut Notices,
        user: &UserRow,
        method: Method,
        keep: Option<&SessionRow>,
        ctx: &RequestContext,
        now: i64,
    ) -> Result<()> {
        tx.stamp_user(&user.id, UserStamp::FactorAdded, now)?;
        if let Some(session) = keep {
            tx.stamp_session_mfa(&session.id, now, method.as_str())?;
        }
        notices.raise(self, NotificationKind::FactorAdded, user, Some(method), ctx);
        self.end_other_sessions(tx, &user.id, keep, ctx, "factor_add")?;
        Ok(())
    }

    /// Records that a factor of `user` became active: stamps the setup date and, on the first
    /// activation, issues backup codes (returned once, here).
    pub(super) fn activate_factor(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        now: i64,
    ) -> Result<Option<Vec<String>>> {
        let first_activation = user.mfa_setup_at.is_none();
        tx.stamp_user(&user.id, UserStamp::MfaSetup, now)?;
        if first_activation && self.config().backup_codes.enabled {
            return Ok(Some(self.issue_backup_codes(tx, &user.id, None)?.codes));
        }
        Ok(None)
    }

    /// Refuses methods the user cannot use here (not a counted attempt). For TOTP, returns
    /// the user's devices it read (the check uses them).
    fn ensure_enrolled(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        method: Method,
        purpose: Purpose<'_>,
    ) -> Result<Option<Vec<TotpDeviceRow>>> {
        let setup = purpose == Purpose::Setup;
        if !setup && code_based(method) && user.codes_suspended_at.is_some() {
            return Err(MfaError::FactorsSuspended);
        }
        // Past twice the cap, backup codes stop too (their guessing would never end): only
        // an administrator restores the account.
        let cap = self.config().rate_limiting.max_consecutive_failures;
        if method == Method::Backup && user.mfa_failures >= cap.saturating_mul(2) {
            return Err(MfaError::FactorsSuspended);
        }
        match method {
            Method::Totp => {
                let devices = tx.totp_devices(&user.id)?;
                let usable = devices.iter().any(|d| setup || d.confirmed_at.is_some());
                if usable {
                    return Ok(Some(devices));
                }
                Err(MfaError::unsupported("totp is not set up for this user"))
            }
            Method::Sms | Method::Email => {
                if self
                    .channel_row(tx, &user.id, method.as_str(), setup)?
                    .is_some()
                {
                    return Ok(None);
                }
                Err(MfaError::unsupported(format!(
                    "{} is not set up for this user",
                    method.as_str()
                )))
            }
            Method::Push if setup => {
                let now = self.now();
                if tx.push_devices(&user.id)?.iter().any(|d| {
                    d.confirmed_at.is_none() && d.confirm_expires_at.is_some_and(|t| t > now)
                }) {
                    return Ok(None);
                }
                Err(MfaError::unsupported(
                    "no push device is waiting for its confirmation code",
                ))
            }
            Method::Push => Err(MfaError::unsupported(
                "push is answered on the phone: use push_challenge and push_status",
            )),
            Method::Backup => {
                if !self.config().backup_codes.enabled {
                    return Err(MfaError::unsupported("backup"));
                }
                if !self
                    .active_methods(tx, &user.id)?
                    .iter()
                    .any(|m| m != "backup")
                {
                    return Err(MfaError::NotEnabled);
                }
                Ok(None)
            }
            other => Err(MfaError::unsupported(other.as_str())),
        }
    }

    /// Looks at a code once the attempt counters allow it (`devices`: the user's TOTP
    /// devices if this transaction read them already).
    #[allow(clippy::too_many_arguments)]
    fn check_code(
        &self,
        tx: &mut dyn Tx,
        notices: &mut Notices,
        user: &UserRow,
        method: Method,
        code: &str,
        purpose: Purpose<'_>,
        ctx: &RequestContext,
        devices: Option<Vec<TotpDeviceRow>>,
    ) -> Result<Check> {
        match method {
            Method::Totp => {
                let devices = match devices {
                    Some(d) => d,
                    None => tx.totp_devices(&user.id)?,
                };
                self.check_totp(tx, notices, user, code, purpose, ctx, &devices)
            }
            Method::Sms | Method::Email => Ok(
                match self.check_channel_code(tx, user, method.as_str(), code, purpose)? {
                    Ok(activated) => Check::Ok { activated },
                    Err(error) => Check::Wrong(error),
                },
            ),
            Method::Backup => {
                let hash = backup_codes::hash(&self.hash_key, &user.id, code);
                match tx.consume_backup_code(&user.id, &hash, self.now())? {
                    BackupUse::Consumed => Ok(Check::Ok { activated: false }),
                    BackupUse::AlreadyUsed => {
                        self.audit(
                            tx,
                            Some(&user.id),
                            AuditAction::BackupCodeReuse,
                            Some(Method::Backup),
                            false,
                            ctx,
                            None,
                        )?;
                        Ok(Check::Wrong("mfa_backup_code_already_used"))
                    }
                    BackupUse::Unknown if tx.backup_codes_remaining(&user.id)? == 0 => {
                        Ok(Check::Wrong("mfa_no_backup_codes_remaining"))
                    }
                    BackupUse::Unknown => Ok(Check::Wrong("mfa_invalid_code")),
                }
            }
            Method::Push if purpose == Purpose::Setup => self.confirm_push_device(tx, user, code),
            other => Err(MfaError::unsupported(other.as_str())),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_totp(
        &self,
        tx: &mut dyn Tx,
        notices: &mut Notices,
        user: &UserRow,
        code: &str,
        purpose: Purpose<'_>,
        ctx: &RequestContext,
        devices: &[TotpDeviceRow],
    ) -> Result<Check> {
        let setup = purpose == Purpose::Setup;
        let pending: Vec<&TotpDeviceRow> = devices
            .iter()
            .filter(|d| d.confirmed_at.is_none())
            .collect();
        // Setup confirms the pending device; otherwise only confirmed devices count.
        let candidates: Vec<&TotpDeviceRow> = if setup && !pending.is_empty() {
            pending
        } else {
            devices
                .iter()
                .filter(|d| d.confirmed_at.is_some())
                .collect()
        };
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Check::Wrong("mfa_invalid_code"));
        }
        let skew = self.config().methods.totp.skew;
        let now = self.now();
        for device in candidates {
            if code.len() != usize::from(device.params.digits) {
                continue;
            }
            let secret = self.open_sealed(&format!("totp:{}", device.id), &device.secret)?;
            let Some(step) = totp::check(&secret, device.params, skew, code, now)? else {
                continue;
            };
            if !tx.accept_totp_step(&user.id, step)? {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::TotpReplay,
                    Some(Method::Totp),
                    false,
                    ctx,
                    None,
                )?;
                notices.raise(
                    self,
                    NotificationKind::TotpReuse,
                    user,
                    Some(Method::Totp),
                    ctx,
                );
                return Ok(Check::Wrong("mfa_invalid_code"));
            }
            if device.confirmed_at.is_none() {
                let confirmed = tx.confirm_totp_device(&device.id, now)?;
                return Ok(Check::Ok {
                    activated: confirmed,
                });
            }
            tx.touch_totp_device(&device.id, now)?;
            return Ok(Check::Ok { activated: false });
        }
        Ok(Check::Wrong("mfa_invalid_code"))
    }

    /// A confirmation code for a sensitive operation, in the caller's transaction: a current
    /// code of one of the user's active factors (TOTP, a backup code, or with `session` an SMS
    /// or email code sent for that session's step-up), attempt-limited like a verification.
    /// `Ok(Err(_))` is a refusal the transaction keeps (the counted failure).
    pub(super) fn confirm_with_code(
        &self,
        tx: &mut dyn Tx,
        notices: &mut Notices,
        user: &UserRow,
        code: &str,
        session: Option<&SessionRow>,
        ctx: &RequestContext,
    ) -> Result<Result<Method>> {
        // As in a verification: the user's row before the attempt counters, and what is
        // decided about the user read again under it (a suspension meanwhile counts).
        tx.hold_user(&user.id)?;
        let held = self.user_row(tx, &user.id)?;
        let user = &held;
        let scopes = self.attempt_scopes(user, None);
        let now = self.now();
        if let Attempt::Refused { until, .. } = self.code_attempt_standing(tx, &scopes, now)? {
            return Ok(Err(MfaError::RateLimited {
                retry_after: u64::try_from(until - now).unwrap_or(0).max(1),
            }));
        }
        let purpose = match session {
            Some(s) => Purpose::StepUp(&s.id),
            None => Purpose::Confirm,
        };
        let mut candidates = Vec::new();
        for m in self.active_methods(tx, &user.id)? {
            let method = Method::parse(&m)?;
            let usable = match method {
                // A security key or a phone's approval cannot answer with a typed code.
                Method::Webauthn | Method::Push => false,
                Method::Sms | Method::Email => session.is_some(),
                _ => true,
            };
            if usable && !(code_based(method) && user.codes_suspended_at.is_some()) {
                candidates.push(method);
            }
        }
        for method in candidates {
            if let Check::Ok { .. } =
                self.check_code(tx, notices, user, method, code, purpose, ctx, None)?
            {
                self.count_success(tx, user, &scopes, now)?;
                return Ok(Ok(method));
            }
        }
        self.count_failure(
            tx,
            notices,
            user,
            &scopes,
            None,
            "mfa_invalid_code",
            ctx,
            now,
        )?;
        Ok(Err(MfaError::InvalidCode))
    }

    /// MFA state of a user, as in the guide's `getMFAStatus`.
    pub fn get_mfa_status(&self, user_id: &str) -> Result<MfaStatus> {
        self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            let methods = self.active_methods(tx, &user.id)?;
            let devices = tx
                .totp_devices(&user.id)?
                .into_iter()
                .filter(|d| d.confirmed_at.is_some())
                .map(|d| TotpDevice {
                    id: d.id,
                    name: d.name,
                    created_at: iso8601(d.created_at),
                    last_used: d.last_used_at.map(iso8601),
                })
                .collect();
            Ok(MfaStatus {
                enabled: methods.iter().any(|m| m != "backup"),
                methods,
                backup_codes_remaining: tx.backup_codes_remaining(&user.id)?,
                last_used: user.mfa_last_used_at.map(iso8601),
                setup_date: user.mfa_setup_at.map(iso8601),
                totp_devices: devices,
                channels: self.channel_infos(tx, &user.id)?,
                push_devices: self.push_device_infos(tx, &user.id)?,
                codes_suspended: user.codes_suspended_at.is_some(),
            })
        })
    }

    /// Turns MFA off: needs the password (or a password check in the last five minutes) and a
    /// current code of an active factor; removes every factor and ends the other sessions.
    pub fn disable_mfa(
        &self,
        user_id: &str,
        password: Option<&str>,
        confirmation_code: &str,
        session_token: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<DisableMfaResult> {
        let code = validate::code(confirmation_code).map_err(|e| e.in_field("confirmationCode"))?;
        let token = Proof::new(session_token, None).token;
        let user = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            if !self
                .active_methods(tx, &user.id)?
                .iter()
                .any(|m| m != "backup")
            {
                return Err(MfaError::NotEnabled);
            }
            Ok(user)
        })?;
        let caller = self.caller_session(&user, token)?;
        self.confirm_password(&user, password, caller.as_ref(), ctx)?;
        let now = self.now();
        self.write_noting(|tx, notices| {
            let session = match token {
                Some(t) => Some(self.own_session(tx, &user, t)?),
                None => None,
            };
            if let Err(e) =
                self.confirm_with_code(tx, notices, &user, &code, session.as_ref(), ctx)?
            {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::MfaDisable,
                    None,
                    false,
                    ctx,
                    Some(e.code().as_str()),
                )?;
                return Ok(Err(e));
            }
            tx.clear_mfa(&user.id)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::MfaDisable,
                None,
                true,
                ctx,
                None,
            )?;
            self.end_other_sessions(tx, &user.id, session.as_ref(), ctx, "mfa_disable")?;
            notices.raise(self, NotificationKind::MfaDisabled, &user, None, ctx);
            Ok(Ok(DisableMfaResult {
                success: true,
                disabled_at: iso8601(now),
            }))
        })?
    }

    /// Removes one authenticator device or SMS/email destination (see `RemoveFactorRequest`).
    pub fn remove_factor(
        &self,
        user_id: &str,
        factor_id: &str,
        password: Option<&str>,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<RemoveFactorResult> {
        let fid = validate::token("factorId", factor_id)?;
        let (user, method, confirmed, last) = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            let devices = tx.totp_devices(&user.id)?;
            let channels = tx.channels(&user.id)?;
            let keys = tx.webauthn_credentials(&user.id)?.len();
            let phones = tx.push_devices(&user.id)?;
            // A phone whose push is suspended (a reported request) does not count: removing
            // the last other factor is turning MFA off.
            let active = devices.iter().filter(|d| d.confirmed_at.is_some()).count()
                + channels.iter().filter(|c| c.confirmed_at.is_some()).count()
                + phones
                    .iter()
                    .filter(|p| p.confirmed_at.is_some() && p.suspended_at.is_none())
                    .count()
                + keys;
            let found = devices
                .iter()
                .find(|d| d.id == fid)
                .map(|d| (Method::Totp, d.confirmed_at.is_some()))
                .or_else(|| {
                    channels.iter().find(|c| c.id == fid).map(|c| {
                        let m = if c.channel == "sms" {
                            Method::Sms
                        } else {
                            Method::Email
                        };
                        (m, c.confirmed_at.is_some())
                    })
                })
                .map(|(m, confirmed)| (m, confirmed, confirmed))
                .or_else(|| {
                    phones.iter().find(|p| p.id == fid).map(|p| {
                        let confirmed = p.confirmed_at.is_some();
                        (
                            Method::Push,
                            confirmed,
                            confirmed && p.suspended_at.is_none(),
                        )
                    })
                });
            let (method, confirmed, counted) =
                found.ok_or_else(|| MfaError::not_found("Factor"))?;
            let others = active - usize::from(counted);
            Ok((user, method, confirmed, confirmed && others == 0))
        })?;
        if last {
            return self.remove_last_factor(&user, password, proof, ctx);
        }
        if confirmed {
            let caller = self.caller_session(&user, proof.token)?;
            self.confirm_password(&user, password, caller.as_ref(), ctx)?;
        }
        self.write_noting(|tx, notices| {
            let mut keep = None;
            if confirmed {
                match self.step_up(tx, notices, &user, Sensitive::FactorRemove, proof, ctx)? {
                    Ok(session) => keep = session,
                    Err(e) => return Ok(Err(e)),
                }
            }
            let removed = match method {
                Method::Totp => tx.delete_totp_device(&user.id, fid)?,
                Method::Push => tx.delete_push_device(&user.id, fid)?,
                _ => tx.delete_channel(&user.id, fid)?,
            };
            if !removed {
                // Gone meanwhile, or another removal made it the last factor.
                return Err(last_factor_needs_code());
            }
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::FactorRemove,
                Some(method),
                true,
                ctx,
                None,
            )?;
            if confirmed {
                self.end_other_sessions(tx, &user.id, keep.as_ref(), ctx, "factor_remove")?;
                notices.raise(
                    self,
                    NotificationKind::FactorRemoved,
                    &user,
                    Some(method),
                    ctx,
                );
            }
            Ok(Ok(RemoveFactorResult {
                success: true,
                mfa_disabled: false,
                disabled_at: None,
            }))
        })?
    }

    /// Removing the last factor is turning MFA off, with the rules of `disable_mfa`: a
    /// confirmation code is required.
    pub(super) fn remove_last_factor(
        &self,
        user: &UserRow,
        password: Option<&str>,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<RemoveFactorResult> {
        let code = proof.code.ok_or_else(last_factor_needs_code)?;
        let done = self.disable_mfa(&user.id, password, code, proof.token, ctx)?;
        Ok(RemoveFactorResult {
            success: true,
            mfa_disabled: true,
            disabled_at: Some(done.disabled_at),
        })
    }

    /// Replaces the user's backup codes with `count` new ones (default from configuration),
    /// after the step-up (`backup_codes_regenerate`).
    pub fn regenerate_backup_codes(
        &self,
        user_id: &str,
        count: Option<i64>,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<BackupCodes> {
        if !self.config().backup_codes.enabled {
            return Err(MfaError::unsupported("backup"));
        }
        let count = match count {
            None => None,
            Some(n) if (1..=50).contains(&n) => u32::try_from(n).ok(),
            Some(_) => return Err(MfaError::invalid("count", "must be between 1 and 50")),
        };
        self.write_noting(|tx, notices| {
            let user = self.user_row(tx, user_id)?;
            if !self
                .active_methods(tx, &user.id)?
                .iter()
                .any(|m| m != "backup")
            {
                return Err(MfaError::NotEnabled);
            }
            if let Err(e) = self.step_up(
                tx,
                notices,
                &user,
                Sensitive::BackupCodesRegenerate,
                proof,
                ctx,
            )? {
                return Ok(Err(e));
            }
            let codes = self.issue_backup_codes(tx, &user.id, count)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::BackupCodesRegenerate,
                Some(Method::Backup),
                true,
                ctx,
                None,
            )?;
            Ok(Ok(codes))
        })?
    }

    fn issue_backup_codes(
        &self,
        tx: &mut dyn Tx,
        user_id: &str,
        count: Option<u32>,
    ) -> Result<BackupCodes> {
        let cfg = self.config().backup_codes;
        let codes = backup_codes::generate(&cfg, count.unwrap_or(cfg.count))?;
        let hashes: Vec<Vec<u8>> = codes
            .iter()
            .map(|c| backup_codes::hash(&self.hash_key, user_id, c))
            .collect();
        let now = self.now();
        tx.replace_backup_codes(user_id, &hashes, now)?;
        Ok(BackupCodes {
            codes,
            generated_at: iso8601(now),
        })
    }
}
