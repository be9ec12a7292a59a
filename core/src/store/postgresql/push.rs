//! Push approvals: enrollments, devices, challenges and the ids of signed requests seen.

use super::{get, PgTx};
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::store::{PushChallengeRow, PushDeviceRow, PushEnrollmentRow, PushTx};
use postgres::Row;

/// Challenges are kept this long after they were made (the history shows recent ones).
const CHALLENGE_RETENTION_SECS: i64 = 86_400;

const DEVICE_COLUMNS: &str = "id, user_id, name, platform, public_key, push_token, key_id, confirm_hash, confirm_expires_at, created_at, confirmed_at, last_used_at, suspended_at";

const CHALLENGE_COLUMNS: &str = "id, user_id, session_hash, purpose, nonce, number_hash, context, status, device_id, created_at, expires_at, answered_at";

fn device(r: &Row) -> Result<PushDeviceRow> {
    let token: Option<Vec<u8>> = get(r, 5)?;
    let key_id: Option<String> = get(r, 6)?;
    Ok(PushDeviceRow {
        id: get(r, 0)?,
        user_id: get(r, 1)?,
        name: get(r, 2)?,
        platform: get(r, 3)?,
        public_key: get(r, 4)?,
        push_token: token.map(|data| Sealed {
            data,
            key_id: key_id.unwrap_or_default(),
        }),
        confirm_hash: get(r, 7)?,
        confirm_expires_at: get(r, 8)?,
        created_at: get(r, 9)?,
        confirmed_at: get(r, 10)?,
        last_used_at: get(r, 11)?,
        suspended_at: get(r, 12)?,
    })
}

fn challenge(r: &Row) -> Result<PushChallengeRow> {
    Ok(PushChallengeRow {
        id: get(r, 0)?,
        user_id: get(r, 1)?,
        session_hash: get(r, 2)?,
        purpose: get(r, 3)?,
        nonce: get(r, 4)?,
        number_hash: get(r, 5)?,
        context: get(r, 6)?,
        status: get(r, 7)?,
        device_id: get(r, 8)?,
        created_at: get(r, 9)?,
        expires_at: get(r, 10)?,
        answered_at: get(r, 11)?,
    })
}

impl PushTx for PgTx<'_, '_> {
    fn put_push_enrollment(&mut self, e: &PushEnrollmentRow, now: i64) -> Result<()> {
        self.exec(
            "DELETE FROM push_enrollments WHERE user_id = $1 OR expires_at <= $2",
            &[&e.user_id, &now],
        )?;
        self.exec(
            "DELETE FROM push_devices WHERE confirmed_at IS NULL AND (user_id = $1 OR confirm_expires_at <= $2)",
            &[&e.user_id, &now],
        )?;
        self.exec(
            "INSERT INTO push_enrollments (id, user_id, secret_hash, name, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &e.id,
                &e.user_id,
                &e.secret_hash,
                &e.name,
                &e.created_at,
                &e.expires_at,
            ],
        )?;
        Ok(())
    }

    fn push_enrollment_owner(&mut self, id: &str) -> Result<Option<String>> {
        self.optional("SELECT user_id FROM push_enrollments WHERE id = $1", &[&id])?
            .map(|r| get(&r, 0))
            .transpose()
    }

    fn take_push_enrollment(&mut self, id: &str) -> Result<Option<PushEnrollmentRow>> {
        self.optional(
            "DELETE FROM push_enrollments WHERE id = $1
             RETURNING id, user_id, secret_hash, name, created_at, expires_at",
            &[&id],
        )?
        .map(|r| {
            Ok(PushEnrollmentRow {
                id: get(&r, 0)?,
                user_id: get(&r, 1)?,
                secret_hash: get(&r, 2)?,
                name: get(&r, 3)?,
                created_at: get(&r, 4)?,
                expires_at: get(&r, 5)?,
            })
        })
        .transpose()
    }

    fn insert_push_device(&mut self, d: &PushDeviceRow) -> Result<()> {
        let inserted = self.exec_unique(
            &format!(
                "INSERT INTO push_devices ({DEVICE_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ),
            &[
                &d.id,
                &d.user_id,
                &d.name,
                &d.platform,
                &d.public_key,
                &d.push_token.as_ref().map(|t| t.data.clone()),
                &d.push_token.as_ref().map(|t| t.key_id.clone()),
                &d.confirm_hash,
                &d.confirm_expires_at,
                &d.created_at,
                &d.confirmed_at,
                &d.last_used_at,
                &d.suspended_at,
            ],
        )?;
        if inserted {
            Ok(())
        } else {
            Err(MfaError::AlreadyExists {
                what: "This device key".into(),
            })
        }
    }

    fn push_devices(&mut self, user_id: &str) -> Result<Vec<PushDeviceRow>> {
        let mut devices = self
            .rows(
                &format!("SELECT {DEVICE_COLUMNS} FROM push_devices WHERE user_id = $1"),
                &[&user_id],
            )?
            .iter()
            .map(device)
            .collect::<Result<Vec<_>>>()?;
        devices.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(devices)
    }

    fn push_device(&mut self, id: &str) -> Result<Option<PushDeviceRow>> {
        self.optional(
            &format!("SELECT {DEVICE_COLUMNS} FROM push_devices WHERE id = $1"),
            &[&id],
        )?
        .map(|r| device(&r))
        .transpose()
    }

    fn confirm_push_device(
        &mut self,
        user_id: &str,
        confirm_hash: &[u8],
        now: i64,
    ) -> Result<Option<String>> {
        self.optional(
            "UPDATE push_devices SET confirmed_at = $3, confirm_hash = NULL, confirm_expires_at = NULL
             WHERE user_id = $1 AND confirmed_at IS NULL AND confirm_hash = $2
               AND confirm_expires_at > $3
             RETURNING id",
            &[&user_id, &confirm_hash, &now],
        )?
        .map(|r| get(&r, 0))
        .transpose()
    }

    fn touch_push_device(&mut self, id: &str, at: i64) -> Result<()> {
        self.exec(
            "UPDATE push_devices SET last_used_at = $2 WHERE id = $1",
            &[&id, &at],
        )?;
        Ok(())
    }

    fn set_push_token(&mut self, id: &str, token: Option<&Sealed>) -> Result<()> {
        self.exec(
            "UPDATE push_devices SET push_token = $2, key_id = $3 WHERE id = $1",
            &[
                &id,
                &token.map(|t| t.data.clone()),
                &token.map(|t| t.key_id.clone()),
            ],
        )?;
        Ok(())
    }

    fn clear_push_token(&mut self, id: &str, sealed: &[u8]) -> Result<bool> {
        Ok(self.exec(
            "UPDATE push_devices SET push_token = NULL, key_id = NULL WHERE id = $1 AND push_token = $2",
            &[&id, &sealed],
        )? == 1)
    }

    fn suspend_push(&mut self, user_id: &str, at: Option<i64>) -> Result<()> {
        self.exec(
            "UPDATE push_devices SET suspended_at = $2
             WHERE user_id = $1 AND suspended_at IS DISTINCT FROM $2",
            &[&user_id, &at],
        )?;
        Ok(())
    }

    fn delete_push_device(&mut self, user_id: &str, device_id: &str) -> Result<bool> {
        self.lock_user(user_id)?;
        Ok(self.exec(
            "DELETE FROM push_devices
             WHERE user_id = $1 AND id = $2
               AND (confirmed_at IS NULL
                    OR EXISTS(SELECT 1 FROM mfa_factors WHERE user_id = $1 AND id <> $2))",
            &[&user_id, &device_id],
        )? == 1)
    }

    fn put_push_challenge(&mut self, c: &PushChallengeRow, now: i64) -> Result<()> {
        // Old challenges of anyone, skipping rows another transaction holds.
        self.exec(
            "DELETE FROM push_challenges WHERE id IN (
               SELECT id FROM push_challenges WHERE created_at <= $1
               LIMIT 1000 FOR UPDATE SKIP LOCKED)",
            &[&(now - CHALLENGE_RETENTION_SECS)],
        )?;
        self.exec(
            "UPDATE push_challenges SET status = 'cancelled'
             WHERE user_id = $1 AND status = 'pending'",
            &[&c.user_id],
        )?;
        self.exec(
            &format!(
                "INSERT INTO push_challenges ({CHALLENGE_COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ),
            &[
                &c.id,
                &c.user_id,
                &c.session_hash,
                &c.purpose,
                &c.nonce,
                &c.number_hash,
                &c.context,
                &c.status,
                &c.device_id,
                &c.created_at,
                &c.expires_at,
                &c.answered_at,
            ],
        )?;
        Ok(())
    }

    fn push_challenge(&mut self, id: &str) -> Result<Option<PushChallengeRow>> {
        self.optional(
            &format!("SELECT {CHALLENGE_COLUMNS} FROM push_challenges WHERE id = $1"),
            &[&id],
        )?
        .map(|r| challenge(&r))
        .transpose()
    }

    fn pending_push_challenges(
        &mut self,
        user_id: &str,
        now: i64,
    ) -> Result<Vec<PushChallengeRow>> {
        self.rows(
            &format!(
                "SELECT {CHALLENGE_COLUMNS} FROM push_challenges
                 WHERE user_id = $1 AND status = 'pending' AND expires_at > $2"
            ),
            &[&user_id, &now],
        )?
        .iter()
        .map(challenge)
        .collect()
    }

    fn answer_push_challenge(
        &mut self,
        id: &str,
        status: &str,
        device_id: &str,
        at: i64,
    ) -> Result<bool> {
        Ok(self.exec(
            "UPDATE push_challenges SET status = $2, device_id = $3, answered_at = $4
             WHERE id = $1 AND status = 'pending' AND expires_at > $4",
            &[&id, &status, &device_id, &at],
        )? == 1)
    }

    fn use_push_challenge(&mut self, id: &str) -> Result<bool> {
        Ok(self.exec(
            "UPDATE push_challenges SET status = 'used' WHERE id = $1 AND status = 'approved'",
            &[&id],
        )? == 1)
    }

    fn note_push_request(&mut self, jti: &str, expires_at: i64, now: i64) -> Result<bool> {
        self.exec(
            "DELETE FROM push_replays WHERE jti IN (
               SELECT jti FROM push_replays WHERE expires_at <= $1
               LIMIT 1000 FOR UPDATE SKIP LOCKED)",
            &[&now],
        )?;
        Ok(self.exec(
            "INSERT INTO push_replays (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
            &[&jti, &expires_at],
        )? == 1)
    }
}
