//! An administrator's changes to one user: ending their lockouts, resetting their MFA.
//! Both are audited with the administrator's reason.

use super::Engine;
use crate::api::{AdminResult, RequestContext};
use crate::audit::AuditAction;
use crate::error::{MfaError, Result};
use crate::notify::NotificationKind;
use crate::validate;

impl Engine {
    /// Clears the user's counters and lockouts and lifts a suspension of their code-based
    /// factors (see `UnlockUserRequest`).
    pub fn unlock_user(
        &self,
        user_id: &str,
        reason: &str,
        ctx: &RequestContext,
    ) -> Result<AdminResult> {
        let reason = admin_reason(reason)?;
        self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            tx.hold_user(&user.id)?;
            let cleared = tx.clear_attempts(&user.id, &self.sign_in_key(&user.email))?;
            tx.set_codes_suspended(&user.id, None)?;
            tx.reset_mfa_failures(&user.id)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::UserUnlock,
                None,
                true,
                ctx,
                Some(&reason),
            )?;
            Ok(AdminResult {
                success: true,
                cleared: u64::try_from(cleared).unwrap_or(u64::MAX),
            })
        })
    }

    /// Removes every factor of the user and ends their sessions (see `ResetMfaRequest`).
    pub fn reset_mfa(
        &self,
        user_id: &str,
        reason: &str,
        ctx: &RequestContext,
    ) -> Result<AdminResult> {
        let reason = admin_reason(reason)?;
        self.write_noting(|tx, notices| {
            let user = self.user_row(tx, user_id)?;
            tx.hold_user(&user.id)?;
            let had = self.active_methods(tx, &user.id)?.len();
            tx.clear_mfa(&user.id)?;
            let sessions = tx.delete_user_sessions(&user.id, None)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::MfaReset,
                None,
                true,
                ctx,
                Some(&reason),
            )?;
            if had > 0 {
                notices.raise(self, NotificationKind::MfaDisabled, &user, None, ctx);
            }
            Ok(AdminResult {
                success: true,
                cleared: u64::try_from(had + sessions).unwrap_or(u64::MAX),
            })
        })
    }
}

/// An administrator's reason: 1 to 200 characters, no control characters.
fn admin_reason(reason: &str) -> Result<String> {
    let r = validate::text("reason", reason.trim(), 800)?;
    if r.chars().count() > 200 || r.chars().any(char::is_control) {
        return Err(MfaError::invalid(
            "reason",
            "must be 1 to 200 characters without control characters",
        ));
    }
    Ok(r.to_string())
}
