//! Enrolling, verifying, listing and removing MFA factors.
//!
//! Every code check reserves an attempt and looks at the code in the same transaction, so
//! concurrent guesses can never exceed the configured maximum; a success clears the
//! counters, the last allowed failure starts the lockout, and everything a verification
//! records (the used step or code, counters, last use, the session, the audit event, the
//! first activation's backup codes) commits together.

use super::auth::PASSWORD_GRACE_SECS;
use super::Engine;
use crate::api::{
    BackupCodes, DisableMfaResult, EnableMfaRequest, EnableMfaResult, IssuedSession, Method,
    MfaStatus, RequestContext, TotpDevice, VerifyMfaRequest, VerifyMfaResult,
};
use crate::audit::AuditAction;
use crate::backup_codes;
use crate::clock::iso8601;
use crate::crypto::{self, sha256};
use crate::error::{MfaError, Result};
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
    /// Confirm a method being set up (or re-check a factor) for a user.
    Setup,
    /// Complete the MFA step of sign-in on a pending session.
    Challenge {
        session: SessionRow,
        token_hash: Vec<u8>,
    },
    /// Refresh the MFA time of a signed-in session.
    StepUp { session: SessionRow, token: String },
}

/// Outcome of looking at a code.
pub(super) enum Check {
    /// Right code; `activated` names a device this confirmed.
    Ok { activated: bool },
    /// Wrong code, with the error code to report.
    Wrong(&'static str),
}

impl Engine {
    /// Methods with an active factor, then `backup` if codes remain.
    pub(super) fn active_methods(&self, tx: &mut dyn Tx, user_id: &str) -> Result<Vec<String>> {
        let f = tx.factor_summary(user_id)?;
        // The guide's order: TOTP, security keys, SMS, email, then backup codes.
        let factors = [
            (f.totp, "totp"),
            (f.webauthn, "webauthn"),
            (f.sms, "sms"),
            (f.email, "email"),
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

    /// Starts setting up a method. For `totp`: a new secret, its `otpauth://` URI and QR code;
    /// the device stays unconfirmed until `verify_mfa` sees a correct code.
    pub fn enable_mfa(
        &self,
        req: &EnableMfaRequest,
        ctx: &RequestContext,
    ) -> Result<EnableMfaResult> {
        let method = Method::parse(&req.method)?;
        let label = validate::label(req.label.as_deref())?;
        let cfg = self.config();
        match method {
            Method::Totp if cfg.methods.totp.enabled => {}
            Method::Sms | Method::Email => return self.enable_channel(method, req, ctx),
            _ => return Err(MfaError::unsupported(method.as_str())),
        }
        let name = match req.device_name.as_deref() {
            Some(n) if !n.trim().is_empty() => validate::text("deviceName", n, 128)?.to_string(),
            _ => label.clone().unwrap_or_else(|| "Authenticator".to_string()),
        };
        let params = cfg.methods.totp.params;
        let secret = zeroize::Zeroizing::new(totp::generate_secret(params.algorithm)?);
        let id = crypto::new_id("dev")?;
        let sealed = crypto::seal(&self.sealing_key(), &format!("totp:{id}"), &secret)?;
        let now = self.now();
        let user = self.store.write(|tx| {
            let user = self.user_row(tx, &req.user_id)?;
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
            Ok(user)
        })?;
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
            delivery: None,
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
        self.store.write(|tx| {
            let (user, mode) = match (&token, &req.user_id) {
                (Some(token), _) => {
                    let session = self.session_row(tx, token)?;
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
                (None, Some(uid)) => (self.user_row(tx, uid)?, Mode::Setup),
                (None, None) => return Err(MfaError::internal("no session or user")),
            };
            let setup = matches!(mode, Mode::Setup);
            self.ensure_enrolled(tx, &user, method, setup)?;
            self.run_verification(tx, user, method, mode, ctx, &mut |tx, user| {
                self.check_code(tx, user, method, &code, setup, ctx)
            })
        })
    }

    /// The attempt-limited part of every verification, in the caller's transaction: reserves
    /// an attempt (per user, and per pending session), runs `check`, then either counts the
    /// failure (lockout on the last one) or clears the counters and completes `mode`
    /// (activation, sign-in or step-up).
    pub(super) fn run_verification(
        &self,
        tx: &mut dyn Tx,
        user: UserRow,
        method: Method,
        mode: Mode,
        ctx: &RequestContext,
        check: &mut dyn FnMut(&mut dyn Tx, &UserRow) -> Result<Check>,
    ) -> Result<VerifyMfaResult> {
        let mut scopes = vec![Scope {
            key: format!("user:{}", user.id),
            user_id: user.id.clone(),
        }];
        if let Mode::Challenge { session, .. } = &mode {
            scopes.push(Scope {
                key: format!("session:{}", session.id),
                user_id: user.id.clone(),
            });
        }
        let now = self.now();
        let policy = self.attempt_policy();
        let fallback = self.fallback_methods(tx, &user, method)?;
        let failed =
            |attempts_remaining, rate_limited, retry_after: i64, error: &str| VerifyMfaResult {
                success: false,
                method: method.as_str().into(),
                attempts_remaining: Some(attempts_remaining),
                rate_limited,
                retry_after: Some(u64::try_from(retry_after).unwrap_or(0)),
                error: Some(error.into()),
                fallback_methods: Some(fallback.clone()),
                ..VerifyMfaResult::default()
            };
        let used = match tx.reserve_attempt(&scopes, now, policy)? {
            Reservation::Locked { until } => {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::MfaVerify,
                    Some(method),
                    false,
                    ctx,
                    Some("mfa_rate_limited"),
                )?;
                return Ok(failed(0, true, until - now, "mfa_rate_limited"));
            }
            Reservation::Granted { used } => used,
        };

        let activated = match check(tx, &user)? {
            Check::Wrong(error) => {
                let remaining = policy.max_attempts.saturating_sub(used);
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::MfaVerify,
                    Some(method),
                    false,
                    ctx,
                    Some(error),
                )?;
                if remaining == 0 {
                    tx.lock_scopes(&scopes, now + policy.lockout_secs)?;
                    self.audit(
                        tx,
                        Some(&user.id),
                        AuditAction::Lockout,
                        Some(method),
                        false,
                        ctx,
                        None,
                    )?;
                    return Ok(failed(0, true, policy.lockout_secs, error));
                }
                // The guide's progressive delay: 1 s doubling per failure, at most 30 s.
                let delay = 1i64.checked_shl(used).unwrap_or(30).min(30);
                return Ok(failed(remaining, false, delay, error));
            }
            Check::Ok { activated } => activated,
        };
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
        tx.reset_scopes(&scopes)?;
        tx.stamp_user(&user.id, UserStamp::MfaUsed, now)?;
        self.audit(tx, Some(&user.id), action, Some(method), true, ctx, None)?;
        let session = match mode {
            Mode::Setup => None,
            Mode::Challenge { token_hash, .. } => {
                let (new, issued) =
                    self.new_session(&user.id, false, Some(method.as_str()), ctx)?;
                if !tx.complete_pending_session(&token_hash, now, &new)? {
                    return Err(MfaError::SessionInvalid);
                }
                Some(issued)
            }
            Mode::StepUp { session, token } => {
                tx.stamp_session_mfa(&session.id, now, method.as_str())?;
                Some(IssuedSession {
                    id: token.clone(),
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

    /// Refuses methods the user cannot use here (not a counted attempt).
    fn ensure_enrolled(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        method: Method,
        setup: bool,
    ) -> Result<()> {
        match method {
            Method::Totp => {
                let devices = tx.totp_devices(&user.id)?;
                let usable = devices.iter().any(|d| setup || d.confirmed_at.is_some());
                if usable {
                    return Ok(());
                }
                Err(MfaError::unsupported("totp is not set up for this user"))
            }
            Method::Sms | Method::Email => {
                if self.has_channel(tx, &user.id, method.as_str(), setup)? {
                    return Ok(());
                }
                Err(MfaError::unsupported(format!(
                    "{} is not set up for this user",
                    method.as_str()
                )))
            }
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
                Ok(())
            }
            other => Err(MfaError::unsupported(other.as_str())),
        }
    }

    /// Looks at a code after an attempt was reserved.
    fn check_code(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        method: Method,
        code: &str,
        setup: bool,
        ctx: &RequestContext,
    ) -> Result<Check> {
        match method {
            Method::Totp => self.check_totp(tx, user, code, setup, ctx),
            Method::Sms | Method::Email => Ok(
                match self.check_channel_code(tx, user, method.as_str(), code, setup)? {
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
            other => Err(MfaError::unsupported(other.as_str())),
        }
    }

    fn check_totp(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        code: &str,
        setup: bool,
        ctx: &RequestContext,
    ) -> Result<Check> {
        let devices = tx.totp_devices(&user.id)?;
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
        let key = self.sealing_key();
        let skew = self.config().methods.totp.skew;
        let now = self.now();
        for device in candidates {
            if code.len() != usize::from(device.params.digits) {
                continue;
            }
            let secret = crypto::open(&key, &format!("totp:{}", device.id), &device.secret)?;
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
            })
        })
    }

    /// Re-authentication before removing a factor: the `password`, checked like
    /// [`Engine::verify_password`] (attempt-limited, audited, a lockout refuses it), or
    /// without it a successful password check in the last five minutes; none at all is
    /// `invalid_input` on `password`.
    pub(super) fn confirm_password(
        &self,
        user: &UserRow,
        password: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<()> {
        match password {
            Some(p) => self.verify_password(&user.id, p, ctx),
            None => {
                let recent = user
                    .password_verified_at
                    .is_some_and(|at| self.now() - at <= PASSWORD_GRACE_SECS);
                if recent {
                    Ok(())
                } else {
                    Err(MfaError::invalid("password", "is required"))
                }
            }
        }
    }

    /// Turns MFA off: needs the password (or a password check in the last five minutes) and a
    /// current code of an active factor; removes every factor.
    pub fn disable_mfa(
        &self,
        user_id: &str,
        password: Option<&str>,
        confirmation_code: &str,
        ctx: &RequestContext,
    ) -> Result<DisableMfaResult> {
        let code = validate::code(confirmation_code).map_err(|e| match e {
            MfaError::InvalidInput {
                reason: message, ..
            } => MfaError::invalid("confirmationCode", message),
            other => other,
        })?;
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
        self.confirm_password(&user, password, ctx)?;
        let now = self.now();
        let policy = self.attempt_policy();
        let outcome = self.store.write(|tx| {
            let scopes = [Scope {
                key: format!("user:{}", user.id),
                user_id: user.id.clone(),
            }];
            let used = match tx.reserve_attempt(&scopes, now, policy)? {
                Reservation::Locked { until } => {
                    return Ok(Err(MfaError::RateLimited {
                        retry_after: u64::try_from(until - now).unwrap_or(0),
                    }))
                }
                Reservation::Granted { used } => used,
            };
            let mut candidates: Vec<Method> = Vec::new();
            for m in self.active_methods(tx, &user.id)? {
                let method = Method::parse(&m)?;
                // A security key cannot answer with a typed code.
                if method != Method::Webauthn {
                    candidates.push(method);
                }
            }
            let mut outcome = Check::Wrong("mfa_invalid_code");
            for method in candidates {
                outcome = self.check_code(tx, &user, method, &code, false, ctx)?;
                if matches!(outcome, Check::Ok { .. }) {
                    break;
                }
            }
            if let Check::Wrong(_) = outcome {
                if used >= policy.max_attempts {
                    tx.lock_scopes(&scopes, now + policy.lockout_secs)?;
                    self.audit(
                        tx,
                        Some(&user.id),
                        AuditAction::Lockout,
                        None,
                        false,
                        ctx,
                        None,
                    )?;
                }
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::MfaDisable,
                    None,
                    false,
                    ctx,
                    Some("mfa_invalid_code"),
                )?;
                return Ok(Err(MfaError::InvalidCode));
            }
            tx.reset_scopes(&scopes)?;
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
            Ok(Ok(DisableMfaResult {
                success: true,
                disabled_at: iso8601(now),
            }))
        })?;
        outcome
    }

    /// Replaces the user's backup codes with `count` new ones (default from configuration).
    pub fn regenerate_backup_codes(
        &self,
        user_id: &str,
        count: Option<i64>,
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
        self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            if !self
                .active_methods(tx, &user.id)?
                .iter()
                .any(|m| m != "backup")
            {
                return Err(MfaError::NotEnabled);
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
            Ok(codes)
        })
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
