//! The rollout's state, users' requirements to enroll, and adoption counts.

use super::users::requirement_from;
use super::SqliteTx;
use crate::error::Result;
use crate::store::{
    EnrollmentCounts, EnrollmentPageRow, EnrollmentRequirement, RolloutRow, RolloutTx,
};
use rusqlite::{params, Row};

/// A count column as `u64`.
fn total(r: &Row<'_>, idx: usize) -> rusqlite::Result<u64> {
    let n: i64 = r.get(idx)?;
    Ok(u64::try_from(n.max(0)).unwrap_or(0))
}

impl RolloutTx for SqliteTx<'_> {
    fn rollout(&mut self) -> Result<Option<RolloutRow>> {
        self.optional(
            "SELECT phase, percentage, prompt_locations, phase_starts, updated_at FROM rollout WHERE id = 1",
            [],
            |r| {
                Ok(RolloutRow {
                    phase: r.get(0)?,
                    percentage: r.get(1)?,
                    prompt_locations: r.get(2)?,
                    phase_starts: r.get(3)?,
                    updated_at: r.get(4)?,
                })
            },
        )
    }

    fn put_rollout(&mut self, row: &RolloutRow) -> Result<()> {
        self.exec(
            "INSERT INTO rollout (id, phase, percentage, prompt_locations, phase_starts, updated_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (id) DO UPDATE SET phase = ?1, percentage = ?2, prompt_locations = ?3,
                                            phase_starts = ?4, updated_at = ?5",
            params![
                row.phase,
                row.percentage,
                row.prompt_locations,
                row.phase_starts,
                row.updated_at
            ],
        )?;
        Ok(())
    }

    fn hold_rollout(&mut self) -> Result<()> {
        // The transaction holds the database's write lock from its start.
        Ok(())
    }

    fn set_enrollment(
        &mut self,
        user_id: &str,
        requirement: Option<&EnrollmentRequirement>,
        only_unset: bool,
    ) -> Result<bool> {
        let sql = if only_unset {
            "UPDATE users SET enrollment_required_at = ?2, enrollment_required_by = ?3
             WHERE id = ?1 AND enrollment_required_at IS NULL"
        } else {
            "UPDATE users SET enrollment_required_at = ?2, enrollment_required_by = ?3
             WHERE id = ?1 AND (enrollment_required_at IS NOT ?2 OR enrollment_required_by IS NOT ?3)"
        };
        let n = self.exec(
            sql,
            params![
                user_id,
                requirement.map(|r| r.since),
                requirement.map(|r| r.source.as_str())
            ],
        )?;
        Ok(n == 1)
    }

    fn enrollment_page(&mut self, after: &str, limit: u32) -> Result<Vec<EnrollmentPageRow>> {
        self.rows(
            "SELECT id, role, mfa_setup_at IS NOT NULL, enrollment_required_at, enrollment_required_by
             FROM users WHERE id > ?1 ORDER BY id LIMIT ?2",
            params![after, limit],
            |r| {
                Ok(EnrollmentPageRow {
                    id: r.get(0)?,
                    role: r.get(1)?,
                    enrolled: r.get(2)?,
                    enrollment: requirement_from(r, 3)?,
                })
            },
        )
    }

    fn enrollment_counts(&mut self, since: i64) -> Result<EnrollmentCounts> {
        let mut counts = self.row(
            "SELECT
               (SELECT COUNT(DISTINCT user_id) FROM totp_devices WHERE confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM webauthn_credentials),
               (SELECT COUNT(DISTINCT user_id) FROM mfa_channels
                WHERE channel = 'sms' AND confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM mfa_channels
                WHERE channel = 'email' AND confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM push_devices WHERE confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM backup_codes WHERE used_at IS NULL)",
            [],
            |r| {
                Ok(EnrollmentCounts {
                    totp: total(r, 0)?,
                    webauthn: total(r, 1)?,
                    sms: total(r, 2)?,
                    email: total(r, 3)?,
                    push: total(r, 4)?,
                    backup_codes: total(r, 5)?,
                    per_day: Vec::new(),
                })
            },
        )?;
        counts.per_day = self.rows(
            "SELECT mfa_setup_at - mfa_setup_at % 86400 AS day, COUNT(*) FROM users
             WHERE mfa_setup_at IS NOT NULL AND mfa_setup_at >= ?1 GROUP BY day ORDER BY day",
            [since],
            |r| Ok((r.get(0)?, total(r, 1)?)),
        )?;
        Ok(counts)
    }
}
