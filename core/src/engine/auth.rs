//! Primary sign-in, sessions and step-up checks.
//!
//! Password hashing (deliberately slow) never runs inside a transaction: the attempt is
//! reserved and committed first, then the hash is checked, then the outcome is recorded.

use super::Engine;
use crate::api::{IssuedSession, RequestContext, SessionInfo, SignInResult, SignUpResult, User};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::crypto::{self, sha256};
use crate::error::{MfaError, Result};
use crate::password;
use crate::store::{NewSession, Reservation, Scope, SessionRow, Tx, UserRow, UserStamp};
use crate::validate;

/// How long a password re-verification lets `disable_mfa` skip asking again.
pub(super) const PASSWORD_GRACE_SECS: i64 = 300;

impl Engine {
    /// Creates a user with an argon2id password hash and signs them in: the user, the audit
    /// event and the session are one transaction.
    pub fn sign_up(
        &self,
        email: &str,
        password: &str,
        role: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<SignUpResult> {
        let email = validate::email(email)?;
        let password = validate::new_password(password)?;
        let role = validate::role(role.unwrap_or("user"))?;
        let hash = password::hash(self.config().password, password)?;
        let row = UserRow {
            id: crypto::new_id("usr")?,
            email,
            password_hash: hash,
            role,
            created_at: self.now(),
            mfa_setup_at: None,
            mfa_last_used_at: None,
            password_verified_at: None,
        };
        let (new, session) = self.new_session(&row.id, false, None, ctx)?;
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
        let found = self.store.read(|tx| tx.user_by_email(&email))?;
        let Some(user) = found else {
            let dummy = self.dummy_hash()?;
            let _ = password::verify(&dummy, password)?;
            self.store.write(|tx| {
                self.audit(
                    tx,
                    None,
                    AuditAction::SignIn,
                    None,
                    false,
                    ctx,
                    Some("unknown_email"),
                )
            })?;
            return Err(MfaError::InvalidCredentials);
        };
        if !password::verify(&user.password_hash, password)? {
            self.store.write(|tx| {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::SignIn,
                    None,
                    false,
                    ctx,
                    Some("invalid_credentials"),
                )
            })?;
            return Err(MfaError::InvalidCredentials);
        }
        let now = self.now();
        self.store.write(|tx| {
            tx.purge_expired_sessions(now)?;
            let view = self.user_view(tx, &user)?;
            if view.mfa_enabled {
                let (new, pending) = self.new_session(&user.id, true, None, ctx)?;
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
                });
            }
            let (new, session) = self.new_session(&user.id, false, None, ctx)?;
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
            Ok(SignInResult {
                success: true,
                requires_mfa: false,
                session_id: None,
                mfa_methods: view.mfa_methods.clone(),
                expires_in: session.expires_in,
                user: Some(view),
                session: Some(session),
            })
        })
    }

    /// Ends a session. Returns whether it existed.
    pub fn sign_out(&self, token: &str, ctx: &RequestContext) -> Result<bool> {
        let token = validate::token("token", token)?;
        let hash = sha256(token.as_bytes());
        let now = self.now();
        self.store.write(|tx| {
            let session = tx.session_by_token(&hash, now)?;
            let existed = tx.delete_session(&hash)?;
            if let Some(s) = session {
                self.audit(
                    tx,
                    Some(&s.user_id),
                    AuditAction::SignOut,
                    None,
                    true,
                    ctx,
                    None,
                )?;
            }
            Ok(existed)
        })
    }

    /// Describes a session token. Unknown or expired tokens give `valid: false`.
    pub fn verify_session(&self, token: &str) -> Result<SessionInfo> {
        if token.trim().is_empty() {
            return Ok(SessionInfo::invalid());
        }
        let token = validate::token("token", token)?;
        let now = self.now();
        let hash = sha256(token.as_bytes());
        self.store.read(|tx| {
            let Some(row) = tx.session_by_token(&hash, now)? else {
                return Ok(SessionInfo::invalid());
            };
            let Some(user) = tx.user_by_id(&row.user_id)? else {
                return Ok(SessionInfo::invalid());
            };
            let user = self.user_view(tx, &user)?;
            let completed = !row.pending && row.mfa_verified_at.is_some();
            Ok(SessionInfo {
                valid: true,
                id: Some(token.to_string()),
                requires_mfa: row.pending,
                mfa_completed: completed,
                mfa_verified: completed,
                mfa_verified_at: row.mfa_verified_at.map(iso8601),
                mfa_method: row.mfa_method,
                mfa_methods: user.mfa_methods.clone(),
                user: Some(user),
                expires_in: u64::try_from(row.expires_at - now).unwrap_or(0),
            })
        })
    }

    /// Fails with `mfa_step_up_required` unless the session passed MFA within `max_age` seconds
    /// (default: `security.stepUpMaxAgeSeconds`, 600).
    pub fn require_recent_mfa(&self, token: &str, max_age: Option<u64>) -> Result<()> {
        let max_age =
            max_age.unwrap_or_else(|| u64::from(self.config().security.step_up_max_age_seconds));
        let row = self.store.read(|tx| self.session_row(tx, token))?;
        let now = self.now();
        match row.mfa_verified_at {
            Some(at) if !row.pending && u64::try_from(now - at).unwrap_or(u64::MAX) <= max_age => {
                Ok(())
            }
            _ => Err(MfaError::StepUpRequired { max_age }),
        }
    }

    /// Checks a user's password (e.g. before disabling MFA). Wrong → `invalid_credentials`;
    /// repeated failures lock like wrong codes do. The attempt is reserved (and committed)
    /// before the password is hashed, so concurrent guesses never exceed the limit.
    pub fn verify_password(
        &self,
        user_id: &str,
        password: &str,
        ctx: &RequestContext,
    ) -> Result<()> {
        let password = validate::password(password)?;
        let now = self.now();
        let policy = self.attempt_policy();
        let reserved = self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            let scope = [Scope {
                key: format!("password:{}", user.id),
                user_id: user.id.clone(),
            }];
            let reservation = tx.reserve_attempt(&scope, now, policy)?;
            if let Reservation::Locked { until } = reservation {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::PasswordVerify,
                    None,
                    false,
                    ctx,
                    Some("mfa_rate_limited"),
                )?;
                return Ok(Err(MfaError::RateLimited {
                    retry_after: u64::try_from(until - now).unwrap_or(0),
                }));
            }
            Ok(Ok((user, scope, reservation)))
        })?;
        let (user, scope, reservation) = reserved?;
        let Reservation::Granted { used } = reservation else {
            return Err(MfaError::internal("unexpected reservation"));
        };
        let right = password::verify(&user.password_hash, password)?;
        self.store.write(|tx| {
            if right {
                tx.reset_scopes(&scope)?;
                tx.stamp_user(&user.id, UserStamp::PasswordVerified, now)?;
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::PasswordVerify,
                    None,
                    true,
                    ctx,
                    None,
                )?;
                return Ok(());
            }
            if used >= policy.max_attempts {
                tx.lock_scopes(&scope, now + policy.lockout_secs)?;
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::Lockout,
                    None,
                    false,
                    ctx,
                    Some("password"),
                )?;
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

    /// Deletes a user and every row that belongs to them.
    pub fn delete_user(&self, user_id: &str) -> Result<()> {
        let id = validate::token("userId", user_id)?;
        if self.store.write(|tx| tx.delete_user(id))? {
            Ok(())
        } else {
            Err(MfaError::not_found("User"))
        }
    }

    /// The public view of a user.
    pub fn get_user(&self, user_id: &str) -> Result<User> {
        self.store.read(|tx| {
            let row = self.user_row(tx, user_id)?;
            self.user_view(tx, &row)
        })
    }

    /// The unexpired session of a token (or pending-session handle).
    pub(super) fn session_row(&self, tx: &mut dyn Tx, token: &str) -> Result<SessionRow> {
        let token = validate::token("sessionId", token)?;
        tx.session_by_token(&sha256(token.as_bytes()), self.now())?
            .ok_or(MfaError::SessionInvalid)
    }

    /// Builds a new session (not yet stored) with a fresh token.
    pub(super) fn new_session(
        &self,
        user_id: &str,
        pending: bool,
        mfa_method: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<(NewSession, IssuedSession)> {
        let cfg = self.config().sessions;
        let ttl = i64::from(if pending {
            cfg.pending_ttl_seconds
        } else {
            cfg.ttl_seconds
        });
        let now = self.now();
        let token = crypto::b64url(&crypto::random_bytes(32)?);
        let row = SessionRow {
            id: crypto::new_id("ses")?,
            user_id: user_id.to_string(),
            created_at: now,
            expires_at: now + ttl,
            pending,
            mfa_verified_at: mfa_method.map(|_| now),
            mfa_method: mfa_method.map(str::to_string),
        };
        let issued = IssuedSession {
            id: token.clone(),
            token: token.clone(),
            expires_in: u64::try_from(ttl).unwrap_or(0),
            expires_at: iso8601(now + ttl),
            mfa_verified: mfa_method.is_some(),
        };
        let new = NewSession {
            row,
            token_hash: sha256(token.as_bytes()),
            ip: ctx.ip_address.clone(),
            user_agent: ctx.user_agent.clone(),
        };
        Ok((new, issued))
    }
}
