//! Sessions: issuing them, finding the live one of a token (absolute lifetime and idle
//! timeout), describing, listing and revoking them.
//!
//! A session has a public id (`ses_…`, shown in lists, used to revoke) and a bearer token
//! (256 random bits) of which only the SHA-256 is stored. A pending session (a sign-in
//! waiting for its MFA step) authenticates nothing but that step.

use super::{clip, Engine};
use crate::api::{IssuedSession, RequestContext, RevokedSessions, SessionInfo, SessionSummary};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::crypto::{self, sha256};
use crate::error::{MfaError, Result};
use crate::store::{NewSession, SessionRow, Tx};
use crate::validate;

/// A session's last use is written at most this often, in seconds.
const TOUCH_EVERY_SECS: i64 = 60;

impl Engine {
    /// Builds a new session (not yet stored) with a fresh token; `password_at` is when its
    /// password was checked (the sign-in it comes from).
    pub(super) fn new_session(
        &self,
        user_id: &str,
        pending: bool,
        mfa_method: Option<&str>,
        password_at: Option<i64>,
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
            last_seen_at: now,
            password_at,
            ip: clip(&ctx.ip_address),
            user_agent: clip(&ctx.user_agent),
        };
        let issued = IssuedSession {
            id: row.id.clone(),
            token: token.clone(),
            expires_in: u64::try_from(ttl).unwrap_or(0),
            expires_at: iso8601(now + ttl),
            mfa_verified: mfa_method.is_some(),
        };
        let new = NewSession {
            row,
            token_hash: sha256(token.as_bytes()),
        };
        Ok((new, issued))
    }

    /// Whether `token` is the session whose token hash is `hash` (constant-time).
    fn is_token_of(token: &str, hash: &[u8]) -> bool {
        crypto::ct_eq(&sha256(token.as_bytes()), hash)
    }

    /// Sessions last used before this are over (the idle timeout).
    fn idle_cutoff(&self, now: i64) -> i64 {
        now - i64::from(self.config().sessions.idle_timeout_seconds)
    }

    /// The live session (pending or signed in) of a token passed as `field`.
    pub(super) fn session_for(
        &self,
        tx: &mut dyn Tx,
        field: &str,
        token: &str,
    ) -> Result<SessionRow> {
        let token = validate::token(field, token)?;
        let now = self.now();
        tx.session_by_token(&sha256(token.as_bytes()), now, self.idle_cutoff(now))?
            .ok_or(MfaError::SessionInvalid)
    }

    /// The live session whose token hash is `hash`.
    pub(super) fn session_by_hash(
        &self,
        tx: &mut dyn Tx,
        hash: &[u8],
    ) -> Result<Option<SessionRow>> {
        let now = self.now();
        tx.session_by_token(hash, now, self.idle_cutoff(now))
    }

    /// The live session of a `sessionId` (a pending-session handle or a session token).
    pub(super) fn session_row(&self, tx: &mut dyn Tx, token: &str) -> Result<SessionRow> {
        self.session_for(tx, "sessionId", token)
    }

    /// Records a use of the session (at most once a minute), outside the caller's work. A
    /// failure to record it only shortens the session.
    pub(super) fn touch_if_due(&self, session: &SessionRow) {
        let now = self.now();
        if now - session.last_seen_at >= TOUCH_EVERY_SECS {
            let _ = self
                .store
                .write_best_effort(|tx| tx.touch_session(&session.id, now));
        }
    }

    /// Describes a session token (see `VerifySessionRequest`).
    pub fn verify_session(&self, token: &str) -> Result<SessionInfo> {
        if token.trim().is_empty() {
            return Ok(SessionInfo::invalid());
        }
        let token = validate::token("token", token)?;
        let now = self.now();
        let hash = sha256(token.as_bytes());
        let found = self.store.read(|tx| {
            let Some(row) = tx.session_by_token(&hash, now, self.idle_cutoff(now))? else {
                return Ok(None);
            };
            let Some(user) = tx.user_by_id(&row.user_id)? else {
                return Ok(None);
            };
            let view = self.user_view(tx, &user)?;
            let enrollment = if row.pending {
                None
            } else {
                Some(self.enrollment_in(tx, &user, view.mfa_enabled, false)?)
            };
            Ok(Some((row, view, enrollment)))
        })?;
        let Some((row, user, enrollment)) = found else {
            return Ok(SessionInfo::invalid());
        };
        let enrollment = match enrollment {
            // The rollout requires this user from now: record it (once per user).
            Some((_, true)) => Some(self.session_enrollment(&user.id)?),
            other => other.map(|(view, _)| view),
        };
        let expires_in = u64::try_from(row.expires_at - now).unwrap_or(0);
        if row.pending {
            return Ok(SessionInfo {
                state: "mfa_pending".into(),
                requires_mfa: true,
                mfa_methods: user.mfa_methods,
                expires_in,
                ..SessionInfo::invalid()
            });
        }
        self.touch_if_due(&row);
        let completed = row.mfa_verified_at.is_some();
        Ok(SessionInfo {
            valid: true,
            state: "active".into(),
            id: Some(row.id),
            requires_mfa: false,
            mfa_completed: completed,
            mfa_verified: completed,
            mfa_verified_at: row.mfa_verified_at.map(iso8601),
            mfa_method: row.mfa_method,
            mfa_methods: user.mfa_methods.clone(),
            user: Some(user),
            expires_in,
            mfa_enrollment: enrollment,
        })
    }

    /// The user's signed-in sessions, newest first; `current` marks the one of `token`.
    pub fn list_sessions(&self, user_id: &str, token: Option<&str>) -> Result<Vec<SessionSummary>> {
        let token = match token.filter(|t| !t.trim().is_empty()) {
            Some(t) => Some(validate::token("sessionToken", t)?),
            None => None,
        };
        let now = self.now();
        let rows = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            tx.list_sessions(&user.id, now, self.idle_cutoff(now))
        })?;
        Ok(rows
            .into_iter()
            .filter(|(row, _)| !row.pending)
            .map(|(row, hash)| SessionSummary {
                current: token.is_some_and(|t| Self::is_token_of(t, &hash)),
                id: row.id,
                created_at: iso8601(row.created_at),
                last_seen_at: iso8601(row.last_seen_at),
                expires_at: iso8601(row.expires_at),
                ip_address: row.ip,
                user_agent: row.user_agent,
                mfa_method: row.mfa_method,
                mfa_verified_at: row.mfa_verified_at.map(iso8601),
            })
            .collect())
    }

    /// Ends one of the user's sessions by its public id.
    pub fn revoke_session(
        &self,
        user_id: &str,
        session_id: &str,
        ctx: &RequestContext,
    ) -> Result<()> {
        let sid = validate::token("sessionId", session_id)?;
        self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            if !tx.delete_session_by_id(&user.id, sid)? {
                return Err(MfaError::not_found("Session"));
            }
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::SessionRevoke,
                None,
                true,
                ctx,
                Some("one"),
            )
        })
    }

    /// Ends every session of the token's user except that one.
    pub fn revoke_other_sessions(
        &self,
        token: &str,
        ctx: &RequestContext,
    ) -> Result<RevokedSessions> {
        self.store.write(|tx| {
            let session = self.session_for(tx, "sessionToken", token)?;
            if session.pending {
                return Err(MfaError::SessionInvalid);
            }
            let n = tx.delete_user_sessions(&session.user_id, Some(&session.id))?;
            self.audit(
                tx,
                Some(&session.user_id),
                AuditAction::SessionRevoke,
                None,
                true,
                ctx,
                Some(&format!("others: {n}")),
            )?;
            Ok(RevokedSessions {
                success: true,
                revoked: u32::try_from(n).unwrap_or(u32::MAX),
            })
        })
    }

    /// Ends every session of the user (see `RevokeUserSessionsRequest`).
    pub fn revoke_user_sessions(
        &self,
        user_id: &str,
        ctx: &RequestContext,
    ) -> Result<RevokedSessions> {
        self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            let n = tx.delete_user_sessions(&user.id, None)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::SessionRevoke,
                None,
                true,
                ctx,
                Some(&format!("administrator: {n}")),
            )?;
            Ok(RevokedSessions {
                success: true,
                revoked: u32::try_from(n).unwrap_or(u32::MAX),
            })
        })
    }

    /// Ends a session. Returns whether it existed.
    pub fn sign_out(&self, token: &str, ctx: &RequestContext) -> Result<bool> {
        let token = validate::token("token", token)?;
        let hash = sha256(token.as_bytes());
        let now = self.now();
        self.store.write(|tx| {
            let session = tx.session_by_token(&hash, now, i64::MIN)?;
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

    /// Fails with `mfa_step_up_required` unless the signed-in session passed MFA within
    /// `max_age` seconds (default `security.stepUpMaxAgeSeconds`).
    pub fn require_recent_mfa(&self, token: &str, max_age: Option<u64>) -> Result<()> {
        let max_age =
            max_age.unwrap_or_else(|| u64::from(self.config().security.step_up_max_age_seconds));
        let (row, methods) = self.store.read(|tx| {
            let row = self.session_for(tx, "token", token)?;
            if row.pending {
                return Err(MfaError::SessionInvalid);
            }
            let methods = self.active_methods(tx, &row.user_id)?;
            Ok((row, methods))
        })?;
        self.touch_if_due(&row);
        let now = self.now();
        // A verification counts while the user still has a factor (not after MFA was
        // turned off, or reset by an administrator).
        let enrolled = methods.iter().any(|m| m != "backup");
        match row.mfa_verified_at {
            Some(at) if enrolled && u64::try_from(now - at).unwrap_or(u64::MAX) <= max_age => {
                Ok(())
            }
            _ => Err(MfaError::StepUpRequired { max_age, methods }),
        }
    }
}
