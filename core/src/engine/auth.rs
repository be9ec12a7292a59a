//! Users and primary sign-in: sign-up, sign-in, password checks, new-password rules.
//!
//! Password hashing (deliberately slow) never runs inside a transaction: the attempt is
//! reserved and committed first, then the hash is checked, then the outcome is recorded. A
//! reservation is refused (`mfa_rate_limited`) before any hashing, so guesses cost the
//! attacker a refusal, not the server an argon2 run.

use super::step_up::{Proof, PASSWORD_GRACE_SECS};
use super::{failure_detail, Engine};
use crate::api::{RequestContext, SignInResult, SignUpResult, User};
use crate::audit::AuditAction;
use crate::crypto::{self, hmac_sha256};
use crate::delivery::{self, SendError};
use crate::error::{MfaError, Result};
use crate::notify::NotificationKind;
use crate::password;
use crate::password_rules;
use crate::store::{AttemptPolicy, Scope, SessionRow, Tx, UserRow, UserStamp};
use crate::validate;
use std::sync::Arc;
use std::time::Duration;

/// Attempt counters a password check reserves, with the limit of each.
struct PasswordScopes(Vec<(Scope, AttemptPolicy)>);

impl Engine {
    /// Creates a user with an argon2id password hash and signs them in: the user, the audit
    /// event and the session are one transaction. The password follows the password rules.
    pub fn sign_up(
        &self,
        email: &str,
        password: &str,
        role: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<SignUpResult> {
        let email = validate::email(email)?;
        self.check_new_password(password, &email, ctx)?;
        let role = validate::role(role.unwrap_or("user"))?;
        let hash = password::hash(self.config().password, password)?;
        let now = self.now();
        let row = UserRow::new(crypto::new_id("usr")?, email, hash, role, now);
        let (new, session) = self.new_session(&row.id, false, None, Some(now), ctx)?;
        self.store.write(|tx| {
            tx.insert_user(&row)?;
            self.audit(
                tx,
                Some(&row.id),
                AuditAction::SignUp,
                None,
                true,
                ctx,
                None,
            )?;
            tx.insert_session(&new)?;
            Ok(SignUpResult {
                user: self.user_view(tx, &row)?,
                session: session.clone(),
            })
        })
    }

    /// Refuses a new password that breaks the rules (`security.passwordMinLength`, the common
    /// list, the email) or that the application's breached-password check knows.
    pub(super) fn check_new_password(
        &self,
        password: &str,
        email: &str,
        ctx: &RequestContext,
    ) -> Result<()> {
        let config = self.config();
        let local = email.split('@').next().unwrap_or("");
        password_rules::check(
            password,
            config.security.password_min_length,
            config.security.refuse_common_passwords,
            &[email, local, &config.methods.totp.issuer],
        )?;
        let Some(screen) = self.password_screen.read().ok().and_then(|s| s.clone()) else {
            return Ok(());
        };
        let candidate = zeroize::Zeroizing::new(password.to_string());
        let timeout = Duration::from_secs(u64::from(config.delivery.timeout_seconds));
        let screen = Arc::clone(&screen);
        let verdict = delivery::with_timeout("password check", timeout, move || {
            screen.is_compromised(&candidate).map_err(SendError::Failed)
        });
        match verdict {
            Ok(false) => Ok(()),
            Ok(true) => Err(MfaError::invalid(
                "password",
                "appears in a known data breach; choose another",
            )),
            Err(e) => {
                // The check is unavailable: the password passes, and the gap is on record.
                let detail = failure_detail(&format!("password check failed: {}", e.reason()));
                self.store.write(|tx| {
                    self.audit(
                        tx,
                        None,
                        AuditAction::PasswordVerify,
                        None,
                        false,
                        ctx,
                        Some(&detail),
                    )
                })
            }
        }
    }

    /// The counters a sign-in reserves: the account (by a keyed hash of the email, so known
    /// and unknown emails behave alike) and, when the caller passes one, the client IP.
    fn sign_in_scopes(&self, email: &str, ctx: &RequestContext) -> PasswordScopes {
        let rl = self.config().rate_limiting;
        let base = self.attempt_policy();
        let mut scopes = vec![(
            Scope {
                key: self.sign_in_key(email),
                user_id: None,
            },
            AttemptPolicy {
                max_attempts: rl.sign_in_attempts,
                ..base
            },
        )];
        if let Some(ip) = ctx
            .ip_address
            .as_deref()
            .map(str::trim)
            .filter(|ip| !ip.is_empty())
        {
            let ip: String = ip.chars().filter(|c| !c.is_control()).take(64).collect();
            scopes.push((
                Scope {
                    key: format!("signin-ip:{ip}"),
                    user_id: None,
                },
                AttemptPolicy {
                    max_attempts: rl.sign_in_attempts_per_ip,
                    ..base
                },
            ));
        }
        PasswordScopes(scopes)
    }

    /// A keyed hash of an email: the sign-in counter's key, and where the dummy hash of an
    /// unknown email is sampled from (stable per email).
    /// The key of the sign-in counter of an email (kept without a user, so unknown emails
    /// are counted alike).
    pub(super) fn sign_in_key(&self, email: &str) -> String {
        format!("signin:{}", self.email_key(email))
    }

    fn email_key(&self, email: &str) -> String {
        crypto::hex(&hmac_sha256(&self.hash_key, format!("signin\0{email}").as_bytes())[..16])
    }

    /// Reserves one attempt in every scope (all or none), or the refusal (with seconds to
    /// wait). Call in a write transaction that commits before the hash is checked.
    fn reserve_password(
        &self,
        tx: &mut dyn Tx,
        scopes: &PasswordScopes,
    ) -> Result<std::result::Result<Vec<u32>, u64>> {
        let now = self.now();
        Ok(tx
            .reserve_each(&scopes.0, now)?
            .map_err(|until| u64::try_from(until - now).unwrap_or(0).max(1)))
    }

    /// After a wrong password: locks each scope whose attempts ran out.
    fn count_wrong_password(
        &self,
        tx: &mut dyn Tx,
        scopes: &PasswordScopes,
        used: &[u32],
    ) -> Result<bool> {
        let now = self.now();
        let mut locked = false;
        // In key order, as counters are locked everywhere (see the sign-in's settling).
        let mut counted: Vec<_> = scopes.0.iter().zip(used).collect();
        counted.sort_by(|a, b| a.0 .0.key.cmp(&b.0 .0.key));
        for ((scope, policy), n) in counted {
            if *n >= policy.max_attempts {
                tx.lock_scopes(std::slice::from_ref(scope), now + policy.lockout_secs)?;
                locked = true;
            }
        }
        Ok(locked)
    }

    /// Checks email and password. Users with MFA get a pending session to complete with
    /// `verify_mfa`; others a full session. Unknown email and wrong password are the same error.
    pub fn sign_in(
        &self,
        email: &str,
        password: &str,
        ctx: &RequestContext,
    ) -> Result<SignInResult> {
        let email = validate::email(email).map_err(|_| MfaError::InvalidCredentials)?;
        let password = validate::password(password)?;
        let scopes = self.sign_in_scopes(&email, ctx);
        let reserved = self.store.write(|tx| {
            let used = match self.reserve_password(tx, &scopes)? {
                Ok(used) => used,
                Err(retry_after) => {
                    self.audit(
                        tx,
                        None,
                        AuditAction::SignIn,
                        None,
                        false,
                        ctx,
                        Some("mfa_rate_limited"),
                    )?;
                    return Ok(Err(MfaError::RateLimited { retry_after }));
                }
            };
            let user = tx.user_by_email(&email)?;
            let sample = match &user {
                Some(_) => None,
                None => tx.sample_password_hash(&format!("usr_{}", self.email_key(&email)))?,
            };
            Ok(Ok((used, user, sample)))
        })?;
        let (used, user, sample) = reserved?;
        let (user, right) = match user {
            Some(user) => {
                let right = password::verify(&user.password_hash, password)?;
                (Some(user), right)
            }
            None => {
                let dummy = self.dummy_hash(sample.as_deref())?;
                let _ = password::verify(&dummy, password)?;
                (None, false)
            }
        };
        let (Some(user), true) = (user.as_ref(), right) else {
            self.write_noting(|tx, notices| {
                if self.count_wrong_password(tx, &scopes, &used)? {
                    if let Some(u) = &user {
                        self.audit(
                            tx,
                            Some(&u.id),
                            AuditAction::Lockout,
                            None,
                            false,
                            ctx,
                            Some("sign_in"),
                        )?;
                        notices.raise(self, NotificationKind::Lockout, u, None, ctx);
                    }
                }
                let detail = if user.is_some() {
                    "invalid_credentials"
                } else {
                    "unknown_email"
                };
                self.audit(
                    tx,
                    user.as_ref().map(|u| u.id.as_str()),
                    AuditAction::SignIn,
                    None,
                    false,
                    ctx,
                    Some(detail),
                )
            })?;
            return Err(MfaError::InvalidCredentials);
        };
        // A hash made with a lower cost than the current one is made again, once.
        let current = self.config().password;
        let rehashed = if password::needs_rehash(&user.password_hash, current) {
            Some(password::hash(current, password)?)
        } else {
            None
        };
        let now = self.now();
        self.store.write(|tx| {
            // The password was checked against the hash read before hashing: if it changed
            // since (a password change), the old password no longer signs in, and nothing
            // overwrites the new hash.
            tx.hold_user(&user.id)?;
            let current = tx.user_by_id(&user.id)?;
            if current.as_ref().map(|u| &u.password_hash) != Some(&user.password_hash) {
                return Err(MfaError::InvalidCredentials);
            }
            // The account's counter starts again; the IP's counts failures only, so this
            // attempt is given back (and signing in to one's own account resets nothing).
            // In key order, the order a server database locks counters in (no deadlock with
            // a reservation running at the same time).
            let mut settle: Vec<(usize, &Scope)> =
                scopes.0.iter().map(|(s, _)| s).enumerate().collect();
            settle.sort_by(|a, b| a.1.key.cmp(&b.1.key));
            for (i, scope) in settle {
                if i == 0 {
                    tx.reset_scopes(std::slice::from_ref(scope), now)?;
                } else {
                    tx.release_attempt(scope)?;
                }
            }
            tx.purge_expired_sessions(now)?;
            self.purge_old_audit(tx)?;
            if let Some(hash) = &rehashed {
                tx.set_password_hash(&user.id, hash)?;
            }
            let view = self.user_view(tx, user)?;
            if view.mfa_enabled {
                let (new, pending) = self.new_session(&user.id, true, None, Some(now), ctx)?;
                tx.insert_session(&new)?;
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::SignIn,
                    None,
                    true,
                    ctx,
                    Some("mfa_required"),
                )?;
                return Ok(SignInResult {
                    success: true,
                    requires_mfa: true,
                    session_id: Some(pending.token),
                    mfa_methods: view.mfa_methods,
                    expires_in: pending.expires_in,
                    user: None,
                    session: None,
                    mfa_enrollment: None,
                });
            }
            let (new, session) = self.new_session(&user.id, false, None, Some(now), ctx)?;
            tx.insert_session(&new)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::SignIn,
                None,
                true,
                ctx,
                None,
            )?;
            let (enrollment, _) = self.enrollment_in(tx, user, false, true)?;
            Ok(SignInResult {
                success: true,
                requires_mfa: false,
                session_id: None,
                mfa_methods: view.mfa_methods.clone(),
                expires_in: session.expires_in,
                user: Some(view),
                session: Some(session),
                mfa_enrollment: Some(enrollment),
            })
        })
    }

    /// Checks a user's password (e.g. before disabling MFA). Wrong → `invalid_credentials`;
    /// repeated failures lock like wrong codes do. The attempt is reserved (and committed)
    /// before the password is hashed, so concurrent guesses never exceed the limit.
    pub fn verify_password(
        &self,
        user_id: &str,
        password: &str,
        session_token: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let token = Proof::new(session_token, None).token;
        let (user, session) = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            let session = match token {
                Some(t) => Some(self.own_session(tx, &user, t)?),
                None => None,
            };
            Ok((user, session))
        })?;
        self.check_password(&user, password, "password", session.as_ref(), ctx)
    }

    /// [`Engine::verify_password`] for a user already read; `field` names the argument. A
    /// right password stamps the user (for callers naming no session) and `session`.
    pub(super) fn check_password(
        &self,
        user: &UserRow,
        password: &str,
        field: &str,
        session: Option<&SessionRow>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let password = validate::password(password).map_err(|e| e.in_field(field))?;
        let scopes = PasswordScopes(vec![(
            Scope {
                key: format!("password:{}", user.id),
                user_id: Some(user.id.clone()),
            },
            self.attempt_policy(),
        )]);
        let reserved = self
            .store
            .write(|tx| match self.reserve_password(tx, &scopes)? {
                Ok(used) => Ok(Ok(used)),
                Err(retry_after) => {
                    self.audit(
                        tx,
                        Some(&user.id),
                        AuditAction::PasswordVerify,
                        None,
                        false,
                        ctx,
                        Some("mfa_rate_limited"),
                    )?;
                    Ok(Err(MfaError::RateLimited { retry_after }))
                }
            })?;
        let used = reserved?;
        let right = password::verify(&user.password_hash, password)?;
        let now = self.now();
        self.write_noting(|tx, notices| {
            if right {
                tx.reset_scopes(std::slice::from_ref(&scopes.0[0].0), now)?;
                tx.stamp_user(&user.id, UserStamp::PasswordVerified, now)?;
                if let Some(s) = session {
                    tx.stamp_session_password(&s.id, now)?;
                }
                return self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::PasswordVerify,
                    None,
                    true,
                    ctx,
                    None,
                );
            }
            if self.count_wrong_password(tx, &scopes, &used)? {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::Lockout,
                    None,
                    false,
                    ctx,
                    Some("password"),
                )?;
                notices.raise(
                    self,
                    crate::notify::NotificationKind::Lockout,
                    user,
                    None,
                    ctx,
                );
            }
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::PasswordVerify,
                None,
                false,
                ctx,
                Some("invalid_credentials"),
            )
        })?;
        if right {
            Ok(())
        } else {
            Err(MfaError::InvalidCredentials)
        }
    }

    /// Re-authentication before removing a factor: the `password`, checked like
    /// [`Engine::verify_password`], or without it a password check in the last five minutes
    /// (of `session` when the caller names one, else an explicit `verify_password` of the
    /// user); none at all is `invalid_input` on `password`.
    pub(super) fn confirm_password(
        &self,
        user: &UserRow,
        password: Option<&str>,
        session: Option<&SessionRow>,
        ctx: &RequestContext,
    ) -> Result<()> {
        match password.filter(|p| !p.is_empty()) {
            Some(p) => self.check_password(user, p, "password", session, ctx),
            None => {
                let checked = match session {
                    Some(s) => s.password_at,
                    None => user.password_verified_at,
                };
                let recent = checked.is_some_and(|at| self.now() - at <= PASSWORD_GRACE_SECS);
                if recent {
                    Ok(())
                } else {
                    Err(MfaError::invalid("password", "is required"))
                }
            }
        }
    }

    /// The public view of a user.
    pub fn get_user(&self, user_id: &str) -> Result<User> {
        self.store.read(|tx| {
            let row = self.user_row(tx, user_id)?;
            self.user_view(tx, &row)
        })
    }

    /// The user with this id, or else with this email (for administrators' tools).
    pub fn find_user(&self, id_or_email: &str) -> Result<User> {
        let key = validate::text("user", id_or_email, 320)?;
        self.store.read(|tx| {
            let row = match tx.user_by_id(key)? {
                Some(row) => Some(row),
                None => match validate::email(key) {
                    Ok(email) => tx.user_by_email(&email)?,
                    Err(_) => None,
                },
            };
            let row = row.ok_or_else(|| MfaError::not_found("User"))?;
            self.user_view(tx, &row)
        })
    }
}
