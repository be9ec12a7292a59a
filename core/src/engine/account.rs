//! The account's credentials and lifetime: changing the password or email, deleting the
//! account (self-service, with a step-up, or by an administrator), and the audit retention.

use super::step_up::{Proof, Sensitive};
use super::Engine;
use crate::api::{RequestContext, RevokedSessions};
use crate::audit::AuditAction;
use crate::error::{MfaError, Result};
use crate::notify::NotificationKind;
use crate::password;
use crate::store::{Tx, UserRow};

/// What a credential change is: its step-up, audit action and notification.
struct Change {
    op: Sensitive,
    action: AuditAction,
    kind: NotificationKind,
}
use crate::validate;

impl Engine {
    /// Deletes audit events older than `audit.retentionDays`.
    pub(super) fn purge_old_audit(&self, tx: &mut dyn Tx) -> Result<()> {
        let days = i64::from(self.config().audit.retention_days);
        tx.purge_audit(self.now() - days * 86_400)?;
        Ok(())
    }

    /// Deletes a user and every row that belongs to them, as an administrator; the audit
    /// trail stays under a pseudonym.
    pub fn delete_user(&self, user_id: &str, ctx: &RequestContext) -> Result<()> {
        let id = validate::token("userId", user_id)?;
        let pseudonym = self.pseudonym(id);
        self.store.write(|tx| {
            let user = self.user_row(tx, id)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::AccountDelete,
                None,
                true,
                ctx,
                Some("administrator"),
            )?;
            tx.delete_user(&user.id, &pseudonym)?;
            self.purge_old_audit(tx)
        })
    }

    /// Deletes the session's own account after the password and the step-up
    /// (`account_delete`).
    pub fn delete_account(
        &self,
        token: &str,
        password: &str,
        confirmation_code: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let user = self.store.read(|tx| {
            let session = self.session_for(tx, "sessionToken", token)?;
            if session.pending {
                return Err(MfaError::SessionInvalid);
            }
            self.user_row(tx, &session.user_id)
        })?;
        self.check_password(&user, password, "password", None, ctx)?;
        let pseudonym = self.pseudonym(&user.id);
        let proof = Proof::new(Some(token), confirmation_code);
        self.write_noting(|tx, notices| {
            if let Err(e) =
                self.step_up(tx, notices, &user, Sensitive::AccountDelete, proof, ctx)?
            {
                return Ok(Err(e));
            }
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::AccountDelete,
                None,
                true,
                ctx,
                Some("self"),
            )?;
            tx.delete_user(&user.id, &pseudonym)?;
            self.purge_old_audit(tx)?;
            Ok(Ok(()))
        })?
    }

    /// Changes the password (see `ChangePasswordRequest`).
    pub fn change_password(
        &self,
        user_id: &str,
        current: &str,
        new: &str,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<RevokedSessions> {
        let user = self.store.read(|tx| self.user_row(tx, user_id))?;
        self.check_new_password(new, &user.email, ctx)
            .map_err(|e| e.in_field("newPassword"))?;
        if current == new {
            return Err(MfaError::invalid(
                "newPassword",
                "must differ from the current password",
            ));
        }
        self.check_password(&user, current, "currentPassword", None, ctx)?;
        let hash = password::hash(self.config().password, new)?;
        let change = Change {
            op: Sensitive::PasswordChange,
            action: AuditAction::PasswordChange,
            kind: NotificationKind::PasswordChanged,
        };
        self.change_credential(&user, change, proof, ctx, &mut |tx| {
            tx.set_password_hash(&user.id, &hash)
        })
    }

    /// Changes the email address (see `ChangeEmailRequest`); the old address is notified.
    pub fn change_email(
        &self,
        user_id: &str,
        new_email: &str,
        password: &str,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<RevokedSessions> {
        let email = validate::email(new_email).map_err(|e| e.in_field("newEmail"))?;
        let user = self.store.read(|tx| self.user_row(tx, user_id))?;
        self.check_password(&user, password, "password", None, ctx)?;
        let change = Change {
            op: Sensitive::EmailChange,
            action: AuditAction::EmailChange,
            kind: NotificationKind::EmailChanged,
        };
        self.change_credential(&user, change, proof, ctx, &mut |tx| {
            tx.set_email(&user.id, &email)
        })
    }

    /// A credential change after its step-up, in one transaction: `apply`, the audit event,
    /// the other sessions ended, the user notified (at the address they had).
    fn change_credential(
        &self,
        user: &UserRow,
        change: Change,
        proof: Proof<'_>,
        ctx: &RequestContext,
        apply: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Result<RevokedSessions> {
        self.write_noting(|tx, notices| {
            let keep = match self.step_up(tx, notices, user, change.op, proof, ctx)? {
                Ok(keep) => keep,
                Err(e) => return Ok(Err(e)),
            };
            apply(tx)?;
            if let Some(s) = &keep {
                // The caller's session has just been through the password.
                tx.stamp_session_password(&s.id, self.now())?;
            }
            self.audit(tx, Some(&user.id), change.action, None, true, ctx, None)?;
            let n = self.end_other_sessions(tx, &user.id, keep.as_ref(), ctx, change.op.name())?;
            notices.raise(self, change.kind, user, None, ctx);
            Ok(Ok(RevokedSessions {
                success: true,
                revoked: u32::try_from(n).unwrap_or(u32::MAX),
            }))
        })?
    }

    /// Lifts a suspension of the user's code-based factors, as an administrator.
    pub fn restore_factors(&self, user_id: &str, ctx: &RequestContext) -> Result<()> {
        self.store.write(|tx| {
            let user = self.user_row(tx, user_id)?;
            tx.set_codes_suspended(&user.id, None)?;
            tx.reset_mfa_failures(&user.id)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::FactorsRestored,
                None,
                true,
                ctx,
                Some("administrator"),
            )
        })
    }
}
