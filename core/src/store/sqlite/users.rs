//! Users, the factor summary, and engine metadata.

use super::SqliteTx;
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{EnrollmentRequirement, FactorSummary, MetaTx, UserRow, UserStamp, UserTx};
use rusqlite::{params, ErrorCode, Row};

fn user_from(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        email: r.get(1)?,
        password_hash: r.get(2)?,
        role: r.get(3)?,
        created_at: r.get(4)?,
        mfa_setup_at: r.get(5)?,
        mfa_last_used_at: r.get(6)?,
        password_verified_at: r.get(7)?,
        mfa_failures: r.get(8)?,
        codes_suspended_at: r.get(9)?,
        factor_added_at: r.get(10)?,
        enrollment: requirement_from(r, 11)?,
    })
}

/// The requirement in columns `at` (since) and `at + 1` (source).
pub(super) fn requirement_from(
    r: &Row<'_>,
    at: usize,
) -> rusqlite::Result<Option<EnrollmentRequirement>> {
    let since: Option<i64> = r.get(at)?;
    let source: Option<String> = r.get(at + 1)?;
    Ok(since.map(|since| EnrollmentRequirement {
        since,
        source: source.unwrap_or_default(),
    }))
}

const USER_COLUMNS: &str = "id, email, password_hash, role, created_at, mfa_setup_at, mfa_last_used_at, password_verified_at, mfa_failures, codes_suspended_at, factor_added_at, enrollment_required_at, enrollment_required_by";

impl MetaTx for SqliteTx<'_> {
    fn meta_get_or_init(&mut self, key: &str, init: &Sealed) -> Result<Sealed> {
        self.exec(
            "INSERT OR IGNORE INTO meta (key, value, key_id) VALUES (?1, ?2, ?3)",
            params![key, init.data, init.key_id],
        )?;
        self.row(
            "SELECT value, key_id FROM meta WHERE key = ?1",
            [key],
            |r| {
                Ok(Sealed {
                    data: r.get(0)?,
                    key_id: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                })
            },
        )
    }
}

impl UserTx for SqliteTx<'_> {
    fn insert_user(&mut self, u: &UserRow) -> Result<()> {
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO users (id, email, password_hash, role, created_at, enrollment_required_at, enrollment_required_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                u.id,
                u.email,
                u.password_hash,
                u.role,
                u.created_at,
                u.enrollment.as_ref().map(|e| e.since),
                u.enrollment.as_ref().map(|e| e.source.as_str()),
            ]);
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                Err(MfaError::AlreadyExists {
                    what: "A user with this email".into(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    fn user_by_email(&mut self, email: &str) -> Result<Option<UserRow>> {
        self.optional(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1"),
            [email],
            user_from,
        )
    }

    fn user_by_id(&mut self, id: &str) -> Result<Option<UserRow>> {
        self.optional(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            [id],
            user_from,
        )
    }

    fn hold_user(&mut self, _id: &str) -> Result<()> {
        // The transaction holds the database's write lock from its start.
        Ok(())
    }

    fn delete_user(&mut self, id: &str, pseudonym: &str) -> Result<bool> {
        // The audit trail stays, under a pseudonym; foreign keys cascade to sessions,
        // devices, codes and counters.
        self.exec(
            "UPDATE audit_events SET user_id = ?2 WHERE user_id = ?1",
            params![id, pseudonym],
        )?;
        Ok(self.exec("DELETE FROM users WHERE id = ?1", [id])? == 1)
    }

    fn set_email(&mut self, id: &str, email: &str) -> Result<()> {
        let updated = self
            .conn
            .prepare_cached("UPDATE users SET email = ?2 WHERE id = ?1")?
            .execute(params![id, email]);
        match updated {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                Err(MfaError::AlreadyExists {
                    what: "A user with this email".into(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    fn sample_password_hash(&mut self, from: &str) -> Result<Option<String>> {
        match self.optional(
            "SELECT password_hash FROM users WHERE id >= ?1 ORDER BY id LIMIT 1",
            [from],
            |r| r.get(0),
        )? {
            Some(h) => Ok(Some(h)),
            None => self.optional(
                "SELECT password_hash FROM users ORDER BY id LIMIT 1",
                [],
                |r| r.get(0),
            ),
        }
    }

    fn set_password_hash(&mut self, id: &str, hash: &str) -> Result<()> {
        self.exec(
            "UPDATE users SET password_hash = ?2 WHERE id = ?1",
            params![id, hash],
        )?;
        Ok(())
    }

    fn record_mfa_failure(&mut self, id: &str) -> Result<u32> {
        self.row(
            "UPDATE users SET mfa_failures = mfa_failures + 1 WHERE id = ?1 RETURNING mfa_failures",
            [id],
            |r| r.get(0),
        )
    }

    fn reset_mfa_failures(&mut self, id: &str) -> Result<()> {
        self.exec(
            "UPDATE users SET mfa_failures = 0 WHERE id = ?1 AND mfa_failures <> 0",
            [id],
        )?;
        Ok(())
    }

    fn record_mfa_success(&mut self, id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE users SET mfa_last_used_at = ?2, mfa_failures = 0 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }

    fn set_codes_suspended(&mut self, id: &str, at: Option<i64>) -> Result<()> {
        self.exec(
            "UPDATE users SET codes_suspended_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }

    fn stamp_user(&mut self, id: &str, stamp: UserStamp, at: i64) -> Result<()> {
        let sql = match stamp {
            UserStamp::MfaSetup => {
                "UPDATE users SET mfa_setup_at = COALESCE(mfa_setup_at, ?2) WHERE id = ?1"
            }
            UserStamp::FactorAdded => "UPDATE users SET factor_added_at = ?2 WHERE id = ?1",
            UserStamp::PasswordVerified => {
                "UPDATE users SET password_verified_at = ?2 WHERE id = ?1"
            }
        };
        self.exec(sql, params![id, at])?;
        Ok(())
    }

    fn clear_mfa(&mut self, user_id: &str) -> Result<()> {
        for table in [
            "totp_devices",
            "backup_codes",
            "mfa_channels",
            "otp_codes",
            "webauthn_credentials",
            "webauthn_challenges",
            "push_enrollments",
            "push_devices",
            "push_challenges",
        ] {
            self.exec(
                &format!("DELETE FROM {table} WHERE user_id = ?1"),
                [user_id],
            )?;
        }
        self.exec(
            "UPDATE users SET mfa_setup_at = NULL, mfa_last_used_at = NULL, backup_codes_generated_at = NULL,
                              mfa_failures = 0, codes_suspended_at = NULL WHERE id = ?1",
            [user_id],
        )?;
        Ok(())
    }

    fn factor_summary(&mut self, user_id: &str) -> Result<FactorSummary> {
        self.row(
            "SELECT
               EXISTS(SELECT 1 FROM totp_devices WHERE user_id = ?1 AND confirmed_at IS NOT NULL),
               EXISTS(SELECT 1 FROM webauthn_credentials WHERE user_id = ?1),
               EXISTS(SELECT 1 FROM mfa_channels
                      WHERE user_id = ?1 AND channel = 'sms' AND confirmed_at IS NOT NULL),
               EXISTS(SELECT 1 FROM mfa_channels
                      WHERE user_id = ?1 AND channel = 'email' AND confirmed_at IS NOT NULL),
               EXISTS(SELECT 1 FROM push_devices WHERE user_id = ?1 AND confirmed_at IS NOT NULL),
               (SELECT COUNT(*) FROM backup_codes WHERE user_id = ?1 AND used_at IS NULL)",
            [user_id],
            |r| {
                Ok(FactorSummary {
                    totp: r.get(0)?,
                    webauthn: r.get(1)?,
                    sms: r.get(2)?,
                    email: r.get(3)?,
                    push: r.get(4)?,
                    backup_codes: r.get(5)?,
                })
            },
        )
    }
}
