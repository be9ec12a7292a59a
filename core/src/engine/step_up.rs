//! Step-up: what a sensitive operation needs beyond a signed-in session.
//!
//! On an account with MFA, an operation named in `security.stepUpRequired` needs the caller's
//! session to have passed MFA within `security.stepUpMaxAgeSeconds`, or a current code of
//! one of the user's factors given with the call (NIST SP 800-63B §6.1.2.1: binding or
//! removing an authenticator requires authenticating at the account's level). On an account
//! without MFA it needs a password check (sign-in, sign-up, `verify_password`) or a session
//! from the last five minutes. A refusal is `mfa_step_up_required` naming what satisfies it.

use super::{Engine, Notices};
use crate::api::{Authorization, RequestContext};
use crate::audit::AuditAction;
use crate::error::{MfaError, Result};
use crate::store::{SessionRow, Tx, UserRow};
use crate::validate;

/// Without MFA: how recent a password check (or the session) must be, in seconds.
pub(super) const PASSWORD_GRACE_SECS: i64 = 300;

/// The sensitive operations of core, by their `security.stepUpRequired` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sensitive {
    /// Adding, replacing or renaming a factor.
    FactorAdd,
    /// Removing a factor.
    FactorRemove,
    /// New backup codes.
    BackupCodesRegenerate,
    /// A new password.
    PasswordChange,
    /// A new email address.
    EmailChange,
    /// Deleting one's own account.
    AccountDelete,
}

impl Sensitive {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::FactorAdd => "factor_add",
            Self::FactorRemove => "factor_remove",
            Self::BackupCodesRegenerate => "backup_codes_regenerate",
            Self::PasswordChange => "password_change",
            Self::EmailChange => "email_change",
            Self::AccountDelete => "account_delete",
        }
    }
}

/// What a caller offers for a step-up: its session token (whose recent MFA counts, and which
/// is kept when a change ends the user's other sessions) and a current code of one of the
/// user's factors.
#[derive(Clone, Copy, Default)]
pub struct Proof<'a> {
    /// The caller's session token.
    pub token: Option<&'a str>,
    /// A current code of one of the user's factors.
    pub code: Option<&'a str>,
}

impl std::fmt::Debug for Proof<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proof")
            .field("token", &self.token.map(|_| "<redacted>"))
            .field("code", &self.code.map(|_| "<redacted>"))
            .finish()
    }
}

impl<'a> Proof<'a> {
    /// A proof from optional request fields (empty strings count as absent).
    pub fn new(token: Option<&'a str>, code: Option<&'a str>) -> Self {
        let given = |v: Option<&'a str>| v.filter(|s| !s.trim().is_empty());
        Self {
            token: given(token),
            code: given(code),
        }
    }
}

impl Engine {
    /// The signed-in session of `token` for `user` (`session_invalid` if it is pending, gone
    /// or someone else's).
    pub(super) fn own_session(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        token: &str,
    ) -> Result<SessionRow> {
        let session = self.session_for(tx, "sessionToken", token)?;
        if session.pending || session.user_id != user.id {
            return Err(MfaError::SessionInvalid);
        }
        Ok(session)
    }

    /// The caller's own signed-in session, when it names one (in its own read).
    pub(super) fn caller_session(
        &self,
        user: &UserRow,
        token: Option<&str>,
    ) -> Result<Option<SessionRow>> {
        match token {
            Some(t) => self
                .store
                .read(|tx| self.own_session(tx, user, t))
                .map(Some),
            None => Ok(None),
        }
    }

    /// Why `operation` may not run now for `user` on `session`, without a code: `None` when
    /// it may.
    fn step_up_refusal(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        session: Option<&SessionRow>,
        operation: &str,
    ) -> Result<Option<MfaError>> {
        let config = self.config();
        if !config
            .security
            .step_up_required
            .iter()
            .any(|o| o == operation)
        {
            return Ok(None);
        }
        let now = self.now();
        let methods = self.active_methods(tx, &user.id)?;
        if methods.iter().any(|m| m != "backup") {
            let max_age = i64::from(config.security.step_up_max_age_seconds);
            let recent_session = session
                .and_then(|s| s.mfa_verified_at)
                .is_some_and(|at| now - at <= max_age);
            // New backup codes right after the first factor was confirmed, by a caller naming
            // no session (the guide's quick start: confirm, then regenerate). Safe only while
            // adding a factor ends every other session: then no session outlived it.
            let just_added = session.is_none()
                && operation == "backup_codes_regenerate"
                && config.sessions.revoke_other_sessions
                && user.factor_added_at.is_some_and(|at| now - at <= max_age)
                && user.mfa_setup_at == user.factor_added_at;
            let recent = recent_session || just_added;
            return Ok((!recent).then(|| MfaError::StepUpRequired {
                max_age: u64::try_from(max_age).unwrap_or(0),
                methods,
            }));
        }
        // The password check must be this session's own (its sign-in, or a re-check naming
        // it): a stale stolen session cannot ride on the owner signing in elsewhere. A caller
        // naming no session has the user's explicit `verify_password`, or an account created
        // in the last five minutes (sign-up, then set up MFA).
        let recent = |at: Option<i64>| at.is_some_and(|at| now - at <= PASSWORD_GRACE_SECS);
        let checked = match session {
            Some(s) => recent(s.password_at),
            None => recent(user.password_verified_at) || recent(Some(user.created_at)),
        };
        Ok((!checked).then(|| MfaError::StepUpRequired {
            max_age: u64::try_from(PASSWORD_GRACE_SECS).unwrap_or(0),
            methods: vec!["password".into()],
        }))
    }

    /// Checks the step-up of `op` for `user` in the caller's transaction. `Ok(Ok(session))`:
    /// allowed (with the caller's session, when a token was given). `Ok(Err(_))`: refused,
    /// with what the transaction must keep (the audit event, a counted wrong code).
    pub(super) fn step_up(
        &self,
        tx: &mut dyn Tx,
        notices: &mut Notices,
        user: &UserRow,
        op: Sensitive,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<Result<Option<SessionRow>>> {
        let session = match proof.token {
            Some(t) => Some(self.own_session(tx, user, t)?),
            None => None,
        };
        let Some(refusal) = self.step_up_refusal(tx, user, session.as_ref(), op.name())? else {
            return Ok(Ok(session));
        };
        let has_mfa = refusal
            .step_up()
            .is_some_and(|(_, m)| m.iter().any(|m| m != "password"));
        if let (true, Some(code)) = (has_mfa, proof.code) {
            let code = validate::code(code)
                .map_err(|_| MfaError::invalid("confirmationCode", "is not a valid code"))?;
            return Ok(
                match self.confirm_with_code(tx, notices, user, &code, session.as_ref(), ctx)? {
                    Ok(method) => {
                        self.audit(
                            tx,
                            Some(&user.id),
                            AuditAction::StepUp,
                            Some(method),
                            true,
                            ctx,
                            Some(op.name()),
                        )?;
                        Ok(session)
                    }
                    Err(e) => Err(e),
                },
            );
        }
        self.audit(
            tx,
            Some(&user.id),
            AuditAction::StepUp,
            None,
            false,
            ctx,
            Some(op.name()),
        )?;
        Ok(Err(refusal))
    }

    /// Whether a signed-in session may perform the application's `operation` now (see
    /// `AuthorizeRequest`).
    pub fn authorize(&self, token: &str, operation: &str) -> Result<Authorization> {
        let operation = validate::text("operation", operation, 64)?.to_string();
        let token = validate::token("sessionToken", token)?;
        let (user, session) = self.store.read(|tx| {
            let session = self.session_for(tx, "sessionToken", token)?;
            if session.pending {
                return Err(MfaError::SessionInvalid);
            }
            let user = self.user_row(tx, &session.user_id)?;
            let view = self.user_view(tx, &user)?;
            // Past the deadline to enroll, a session may do nothing the application guards.
            if self
                .enrollment_in(tx, &user, view.mfa_enabled, false)?
                .0
                .restricted
            {
                return Err(MfaError::SetupRequired);
            }
            if let Some(refusal) = self.step_up_refusal(tx, &user, Some(&session), &operation)? {
                return Err(refusal);
            }
            Ok((view, session))
        })?;
        self.touch_if_due(&session);
        let step_up = self.config().security.step_up_required.contains(&operation);
        Ok(Authorization {
            authorized: true,
            operation,
            step_up,
            user,
            session_id: session.id,
        })
    }

    /// Ends the user's sessions other than `keep` after a security change, when
    /// `sessions.revokeOtherSessions` is on. Returns how many ended.
    pub(super) fn end_other_sessions(
        &self,
        tx: &mut dyn Tx,
        user_id: &str,
        keep: Option<&SessionRow>,
        ctx: &RequestContext,
        why: &str,
    ) -> Result<usize> {
        if !self.config().sessions.revoke_other_sessions {
            return Ok(0);
        }
        let n = tx.delete_user_sessions(user_id, keep.map(|s| s.id.as_str()))?;
        if n > 0 {
            self.audit(
                tx,
                Some(user_id),
                AuditAction::SessionRevoke,
                None,
                true,
                ctx,
                Some(&format!("{why}: {n}")),
            )?;
        }
        Ok(n)
    }
}
