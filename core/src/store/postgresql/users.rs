//! Users, the factor summary, and engine metadata.

use super::{count, get, PgTx};
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{EnrollmentRequirement, FactorSummary, MetaTx, UserRow, UserStamp, UserTx};
use postgres::Row;

fn user_from(r: &Row) -> Result<UserRow> {
    Ok(UserRow {
        id: get(r, 0)?,
        email: get(r, 1)?,
        password_hash: get(r, 2)?,
        role: get(r, 3)?,
        created_at: get(r, 4)?,
        mfa_setup_at: get(r, 5)?,
        mfa_last_used_at: get(r, 6)?,
        password_verified_at: get(r, 7)?,
        mfa_failures: count(r, 8)?,
        codes_suspended_at: get(r, 9)?,
        factor_added_at: get(r, 10)?,
        enrollment: requirement_from(r, 11)?,
    })
}

/// The requirement in columns `at` (since) and `at + 1` (source).
pub(super) fn requirement_from(r: &Row, at: usize) -> Result<Option<EnrollmentRequirement>> {
    let since: Option<i64> = get(r, at)?;
    let source: Option<String> = get(r, at + 1)?;
    Ok(since.map(|since| EnrollmentRequirement {
        since,
        source: source.unwrap_or_default(),
    }))
}

const BY_EMAIL: &str = "SELECT id, email, password_hash, role, created_at, mfa_setup_at, mfa_last_used_at, password_verified_at, mfa_failures, codes_suspended_at, factor_added_at, enrollment_required_at, enrollment_required_by
     FROM users WHERE email = $1";
const BY_ID: &str = "SELECT id, email, password_hash, role, created_at, mfa_setup_at, mfa_last_used_at, password_verified_at, mfa_failures, codes_suspended_at, factor_added_at, enrollment_required_at, enrollment_required_by
     FROM users WHERE id = $1";

fn taken() -> MfaError {
    MfaError::AlreadyExists {
        what: "A user with this email".into(),
    }
}

impl MetaTx for PgTx<'_, '_> {
    fn meta_get_or_init(&mut self, key: &str, init: &Sealed) -> Result<Sealed> {
        self.exec(
            "INSERT INTO meta (key, value, key_id) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
            &[&key, &init.data, &init.key_id],
        )?;
        let r = self.row("SELECT value, key_id FROM meta WHERE key = $1", &[&key])?;
        Ok(Sealed {
            data: get(&r, 0)?,
            key_id: get::<Option<String>>(&r, 1)?.unwrap_or_default(),
        })
    }
}

impl UserTx for PgTx<'_, '_> {
    fn insert_user(&mut self, u: &UserRow) -> Result<()> {
        // A taken email (or id) inserts nothing; the transaction stays usable.
        let n = self.exec(
            "INSERT INTO users (id, email, password_hash, role, created_at, enrollment_required_at, enrollment_required_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT DO NOTHING",
            &[
                &u.id,
                &u.email,
                &u.password_hash,
                &u.role,
                &u.created_at,
                &u.enrollment.as_ref().map(|e| e.since),
                &u.enrollment.as_ref().map(|e| e.source.as_str()),
            ],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(taken())
        }
    }

    fn user_by_email(&mut self, email: &str) -> Result<Option<UserRow>> {
        self.optional(BY_EMAIL, &[&email])?
            .as_ref()
            .map(user_from)
            .transpose()
    }

    fn user_by_id(&mut self, id: &str) -> Result<Option<UserRow>> {
        self.optional(BY_ID, &[&id])?
            .as_ref()
            .map(user_from)
            .transpose()
    }

    fn hold_user(&mut self, id: &str) -> Result<()> {
        self.lock_user(id)
    }

    fn delete_user(&mut self, id: &str, pseudonym: &str) -> Result<bool> {
        // The audit rows take the pseudonym at commit, with the rows this transaction
        // appends (all changes to the audit log happen under the chain's lock).
        self.rename_in_audit(id, pseudonym);
        Ok(self.exec("DELETE FROM users WHERE id = $1", &[&id])? == 1)
    }

    fn set_email(&mut self, id: &str, email: &str) -> Result<()> {
        if self.exec_unique("UPDATE users SET email = $2 WHERE id = $1", &[&id, &email])? {
            Ok(())
        } else {
            Err(taken())
        }
    }

    fn sample_password_hash(&mut self, from: &str) -> Result<Option<String>> {
        let row = match self.optional(
            "SELECT password_hash FROM users WHERE id >= $1 ORDER BY id LIMIT 1",
            &[&from],
        )? {
            Some(r) => Some(r),
            None => self.optional("SELECT password_hash FROM users ORDER BY id LIMIT 1", &[])?,
        };
        row.as_ref().map(|r| get(r, 0)).transpose()
    }

    fn set_password_hash(&mut self, id: &str, hash: &str) -> Result<()> {
        self.exec(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            &[&id, &hash],
        )?;
        Ok(())
    }

    fn record_mfa_failure(&mut self, id: &str) -> Result<u32> {
        let r = self.row(
            "UPDATE users SET mfa_failures = mfa_failures + 1 WHERE id = $1 RETURNING mfa_failures",
            &[&id],
        )?;
        count(&r, 0)
    }

    fn reset_mfa_failures(&mut self, id: &str) -> Result<()> {
        self.exec(
            "UPDATE users SET mfa_failures = 0 WHERE id = $1 AND mfa_failures <> 0",
            &[&id],
        )?;
        Ok(())
    }

    fn record_mfa_success(&mut self, id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE users SET mfa_last_used_at = $2, mfa_failures = 0 WHERE id = $1",
            &[&id, &at],
        )?;
        Ok(())
    }

    fn set_codes_suspended(&mut self, id: &str, at: Option<i64>) -> Result<()> {
        self.exec(
            "UPDATE users SET codes_suspended_at = $2 WHERE id = $1",
            &[&id, &at],
        )?;
        Ok(())
    }

    fn stamp_user(&mut self, id: &str, stamp: UserStamp, at: i64) -> Result<()> {
        let sql = match stamp {
            UserStamp::MfaSetup => {
                "UPDATE users SET mfa_setup_at = COALESCE(mfa_setup_at, $2) WHERE id = $1"
            }
            UserStamp::FactorAdded => "UPDATE users SET factor_added_at = $2 WHERE id = $1",
            UserStamp::PasswordVerified => {
                "UPDATE users SET password_verified_at = $2 WHERE id = $1"
            }
        };
        self.exec(sql, &[&id, &at])?;
        Ok(())
    }

    fn clear_mfa(&mut self, user_id: &str) -> Result<()> {
        self.lock_user(user_id)?;
        for sql in [
            "DELETE FROM totp_devices WHERE user_id = $1",
            "DELETE FROM backup_codes WHERE user_id = $1",
            "DELETE FROM mfa_channels WHERE user_id = $1",
            "DELETE FROM otp_codes WHERE user_id = $1",
            "DELETE FROM webauthn_credentials WHERE user_id = $1",
            "DELETE FROM webauthn_challenges WHERE user_id = $1",
            "DELETE FROM push_enrollments WHERE user_id = $1",
            "DELETE FROM push_devices WHERE user_id = $1",
            "DELETE FROM push_challenges WHERE user_id = $1",
        ] {
            self.exec(sql, &[&user_id])?;
        }
        self.exec(
            "UPDATE users SET mfa_setup_at = NULL, mfa_last_used_at = NULL, backup_codes_generated_at = NULL,
                              mfa_failures = 0, codes_suspended_at = NULL WHERE id = $1",
            &[&user_id],
        )?;
        Ok(())
    }

    fn factor_summary(&mut self, user_id: &str) -> Result<FactorSummary> {
        let r = self.row(
            "SELECT
               EXISTS(SELECT 1 FROM totp_devices WHERE user_id = $1 AND confirmed_at IS NOT NULL),
               EXISTS(SELECT 1 FROM webauthn_credentials WHERE user_id = $1),
               EXISTS(SELECT 1 FROM mfa_channels
                      WHERE user_id = $1 AND channel = 'sms' AND confirmed_at IS NOT NULL),
               EXISTS(SELECT 1 FROM mfa_channels
                      WHERE user_id = $1 AND channel = 'email' AND confirmed_at IS NOT NULL),
               EXISTS(SELECT 1 FROM push_devices WHERE user_id = $1 AND confirmed_at IS NOT NULL),
               (SELECT COUNT(*) FROM backup_codes WHERE user_id = $1 AND used_at IS NULL)",
            &[&user_id],
        )?;
        Ok(FactorSummary {
            totp: get(&r, 0)?,
            webauthn: get(&r, 1)?,
            sms: get(&r, 2)?,
            email: get(&r, 3)?,
            push: get(&r, 4)?,
            backup_codes: count(&r, 5)?,
        })
    }
}
