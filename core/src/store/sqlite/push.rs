//! Push approvals: enrollments, devices, challenges and the ids of signed requests seen.

use super::SqliteTx;
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{PushChallengeRow, PushDeviceRow, PushEnrollmentRow, PushTx};
use rusqlite::{params, ErrorCode, Row};

/// Challenges are kept this long after they were made (the history shows recent ones).
const CHALLENGE_RETENTION_SECS: i64 = 86_400;

const DEVICE_COLUMNS: &str = "id, user_id, name, platform, public_key, push_token, key_id, confirm_hash, confirm_expires_at, created_at, confirmed_at, last_used_at, suspended_at";

const CHALLENGE_COLUMNS: &str = "id, user_id, session_hash, purpose, nonce, number_hash, context, status, device_id, created_at, expires_at, answered_at";

fn device(r: &Row<'_>) -> rusqlite::Result<PushDeviceRow> {
    let token: Option<Vec<u8>> = r.get(5)?;
    let key_id: Option<String> = r.get(6)?;
    Ok(PushDeviceRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        platform: r.get(3)?,
        public_key: r.get(4)?,
        push_token: token.map(|data| Sealed {
            data,
            key_id: key_id.unwrap_or_default(),
        }),
        confirm_hash: r.get(7)?,
        confirm_expires_at: r.get(8)?,
        created_at: r.get(9)?,
        confirmed_at: r.get(10)?,
        last_used_at: r.get(11)?,
        suspended_at: r.get(12)?,
    })
}

fn challenge(r: &Row<'_>) -> rusqlite::Result<PushChallengeRow> {
    Ok(PushChallengeRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        session_hash: r.get(2)?,
        purpose: r.get(3)?,
        nonce: r.get(4)?,
        number_hash: r.get(5)?,
        context: r.get(6)?,
        status: r.get(7)?,
        device_id: r.get(8)?,
        created_at: r.get(9)?,
        expires_at: r.get(10)?,
        answered_at: r.get(11)?,
    })
}

impl PushTx for SqliteTx<'_> {
    fn put_push_enrollment(&mut self, e: &PushEnrollmentRow, now: i64) -> Result<()> {
        self.exec(
            "DELETE FROM push_enrollments WHERE user_id = ?1 OR expires_at <= ?2",
            params![e.user_id, now],
        )?;
        self.exec(
            "DELETE FROM push_devices WHERE confirmed_at IS NULL AND (user_id = ?1 OR confirm_expires_at <= ?2)",
            params![e.user_id, now],
        )?;
        self.exec(
            "INSERT INTO push_enrollments (id, user_id, secret_hash, name, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                e.id,
                e.user_id,
                e.secret_hash,
                e.name,
                e.created_at,
                e.expires_at
            ],
        )?;
        Ok(())
    }

    fn push_enrollment_owner(&mut self, id: &str) -> Result<Option<String>> {
        self.optional(
            "SELECT user_id FROM push_enrollments WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
    }

    fn take_push_enrollment(&mut self, id: &str) -> Result<Option<PushEnrollmentRow>> {
        self.optional(
            "DELETE FROM push_enrollments WHERE id = ?1
             RETURNING id, user_id, secret_hash, name, created_at, expires_at",
            [id],
            |r| {
                Ok(PushEnrollmentRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    secret_hash: r.get(2)?,
                    name: r.get(3)?,
                    created_at: r.get(4)?,
                    expires_at: r.get(5)?,
                })
            },
        )
    }

    fn insert_push_device(&mut self, d: &PushDeviceRow) -> Result<()> {
        let inserted = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO push_devices ({DEVICE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
            ))?
            .execute(params![
                d.id,
                d.user_id,
                d.name,
                d.platform,
                d.public_key,
                d.push_token.as_ref().map(|t| &t.data),
                d.push_token.as_ref().map(|t| &t.key_id),
                d.confirm_hash,
                d.confirm_expires_at,
                d.created_at,
                d.confirmed_at,
                d.last_used_at,
                d.suspended_at
            ]);
        match inserted {
            Ok(_) => Ok(()),
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                Err(MfaError::AlreadyExists {
                    what: "This device key".into(),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    fn push_devices(&mut self, user_id: &str) -> Result<Vec<PushDeviceRow>> {
        let mut devices = self.rows(
            &format!("SELECT {DEVICE_COLUMNS} FROM push_devices WHERE user_id = ?1"),
            [user_id],
            device,
        )?;
        devices.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(devices)
    }

    fn push_device(&mut self, id: &str) -> Result<Option<PushDeviceRow>> {
        self.optional(
            &format!("SELECT {DEVICE_COLUMNS} FROM push_devices WHERE id = ?1"),
            [id],
            device,
        )
    }

    fn confirm_push_device(
        &mut self,
        user_id: &str,
        confirm_hash: &[u8],
        now: i64,
    ) -> Result<Option<String>> {
        self.optional(
            "UPDATE push_devices SET confirmed_at = ?3, confirm_hash = NULL, confirm_expires_at = NULL
             WHERE user_id = ?1 AND confirmed_at IS NULL AND confirm_hash = ?2
               AND confirm_expires_at > ?3
             RETURNING id",
            params![user_id, confirm_hash, now],
            |r| r.get(0),
        )
    }

    fn touch_push_device(&mut self, id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE push_devices SET last_used_at = ?2 WHERE id = ?1",
            params![id, at],
        )?;
        Ok(())
    }

    fn set_push_token(&mut self, id: &str, token: Option<&Sealed>) -> Result<()> {
        self.exec(
            "UPDATE push_devices SET push_token = ?2, key_id = ?3 WHERE id = ?1",
            params![id, token.map(|t| &t.data), token.map(|t| &t.key_id)],
        )?;
        Ok(())
    }

    fn clear_push_token(&mut self, id: &str, sealed: &[u8]) -> Result<bool> {
        Ok(self.exec(
            "UPDATE push_devices SET push_token = NULL, key_id = NULL WHERE id = ?1 AND push_token = ?2",
            params![id, sealed],
        )? == 1)
    }

    fn suspend_push(&mut self, user_id: &str, at: Option<i64>) -> Result<()> {
        self.exec(
            "UPDATE push_devices SET suspended_at = ?2
             WHERE user_id = ?1 AND suspended_at IS NOT ?2",
            params![user_id, at],
        )?;
        Ok(())
    }

    fn delete_push_device(&mut self, user_id: &str, device_id: &str) -> Result<bool> {
        Ok(self.exec(
            "DELETE FROM push_devices
             WHERE user_id = ?1 AND id = ?2
               AND (confirmed_at IS NULL
                    OR EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = ?1 AND id <> ?2))",
            params![user_id, device_id],
        )? == 1)
    }

    fn put_push_challenge(&mut self, c: &PushChallengeRow, now: i64) -> Result<()> {
        self.exec(
            "DELETE FROM push_challenges WHERE created_at <= ?1",
            [now - CHALLENGE_RETENTION_SECS],
        )?;
        self.exec(
            "UPDATE push_challenges SET status = 'cancelled'
             WHERE user_id = ?1 AND status = 'pending'",
            [&c.user_id],
        )?;
        self.exec(
            &format!(
                "INSERT INTO push_challenges ({CHALLENGE_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ),
            params![
                c.id,
                c.user_id,
                c.session_hash,
                c.purpose,
                c.nonce,
                c.number_hash,
                c.context,
                c.status,
                c.device_id,
                c.created_at,
                c.expires_at,
                c.answered_at
            ],
        )?;
        Ok(())
    }

    fn push_challenge(&mut self, id: &str) -> Result<Option<PushChallengeRow>> {
        self.optional(
            &format!("SELECT {CHALLENGE_COLUMNS} FROM push_challenges WHERE id = ?1"),
            [id],
            challenge,
        )
    }

    fn pending_push_challenges(
        &mut self,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<PushChallengeRow>> {
        self.rows(
            &format!(
                "SELECT {CHALLENGE_COLUMNS} FROM push_challenges
                 WHERE user_id = ?1 AND status = 'pending' AND expires_at > ?2"
            ),
            params![user_id, now],
            challenge,
        )
    }

    fn answer_push_challenge(
        &mut self,
        id: &str,
        status: &str,
        device_id: &str,
        at: i64,
    ) -> Result<bool> {
        Ok(self.exec(
            "UPDATE push_challenges SET status = ?2, device_id = ?3, answered_at = ?4
             WHERE id = ?1 AND status = 'pending' AND expires_at > ?4",
            params![id, status, device_id, at],
        )? == 1)
    }

    fn use_push_challenge(&mut self, id: &str) -> Result<bool> {
        Ok(self.exec(
            "UPDATE push_challenges SET status = 'used' WHERE id = ?1 AND status = 'approved'",
            [id],
        )? == 1)
    }

    fn note_push_request(&mut self, jti: &str, expires_at: i64, now: i64) -> Result<bool> {
        self.exec("DELETE FROM push_replays WHERE expires_at <= ?1", [now])?;
        Ok(self.exec(
            "INSERT INTO push_replays (jti, expires_at) VALUES (?1, ?2) ON CONFLICT (jti) DO NOTHING",
            params![jti, expires_at],
        )? == 1)
    }
}
