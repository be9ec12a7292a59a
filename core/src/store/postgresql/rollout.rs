//! The rollout's state, users' requirements to enroll, and adoption counts.

use super::users::requirement_from;
use super::{get, PgTx};
use crate::error::Result;
use crate::store::{
    EnrollmentCounts, EnrollmentPageRow, EnrollmentRequirement, RolloutRow, RolloutTx,
};

/// A count column (BIGINT) as `u64`.
fn total(r: &postgres::Row, idx: usize) -> Result<u64> {
    let n: i64 = get(r, idx)?;
    Ok(u64::try_from(n.max(0)).unwrap_or(0))
}

impl RolloutTx for PgTx<'_, '_> {
    fn rollout(&mut self) -> Result<Option<RolloutRow>> {
        self.optional(
            "SELECT phase, percentage, prompt_locations, phase_starts, updated_at FROM rollout WHERE id = 1",
            &[],
        )?
        .map(|r| {
            let percentage: i64 = get(&r, 1)?;
            Ok(RolloutRow {
                phase: get(&r, 0)?,
                percentage: u32::try_from(percentage.clamp(0, 100)).unwrap_or(0),
                prompt_locations: get(&r, 2)?,
                phase_starts: get(&r, 3)?,
                updated_at: get(&r, 4)?,
            })
        })
        .transpose()
    }

    fn put_rollout(&mut self, row: &RolloutRow) -> Result<()> {
        self.exec(
            "INSERT INTO rollout (id, phase, percentage, prompt_locations, phase_starts, updated_at)
             VALUES (1, $1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET phase = $1, percentage = $2, prompt_locations = $3,
                                            phase_starts = $4, updated_at = $5",
            &[
                &row.phase,
                &i64::from(row.percentage),
                &row.prompt_locations,
                &row.phase_starts,
                &row.updated_at,
            ],
        )?;
        Ok(())
    }

    fn hold_rollout(&mut self) -> Result<()> {
        // Changes take turns (also the first, when there is no row to lock yet); reads go on.
        self.exec("LOCK TABLE rollout IN SHARE ROW EXCLUSIVE MODE", &[])?;
        Ok(())
    }

    fn set_enrollment(
        &mut self,
        user_id: &str,
        requirement: Option<&EnrollmentRequirement>,
        only_unset: bool,
    ) -> Result<bool> {
        let sql = if only_unset {
            "UPDATE users SET enrollment_required_at = $2, enrollment_required_by = $3
             WHERE id = $1 AND enrollment_required_at IS NULL"
        } else {
            "UPDATE users SET enrollment_required_at = $2, enrollment_required_by = $3
             WHERE id = $1 AND (enrollment_required_at IS DISTINCT FROM $2
                                OR enrollment_required_by IS DISTINCT FROM $3)"
        };
        let n = self.exec(
            sql,
            &[
                &user_id,
                &requirement.map(|r| r.since),
                &requirement.map(|r| r.source.as_str()),
            ],
        )?;
        Ok(n == 1)
    }

    fn enrollment_page(&mut self, after: &str, limit: u32) -> Result<Vec<EnrollmentPageRow>> {
        self.rows(
            "SELECT id, role, mfa_setup_at IS NOT NULL, enrollment_required_at, enrollment_required_by
             FROM users WHERE id > $1 ORDER BY id LIMIT $2",
            &[&after, &i64::from(limit)],
        )?
        .iter()
        .map(|r| {
            Ok(EnrollmentPageRow {
                id: get(r, 0)?,
                role: get(r, 1)?,
                enrolled: get(r, 2)?,
                enrollment: requirement_from(r, 3)?,
            })
        })
        .collect()
    }

    fn enrollment_counts(&mut self, since: i64) -> Result<EnrollmentCounts> {
        let r = self.row(
            "SELECT
               (SELECT COUNT(DISTINCT user_id) FROM totp_devices WHERE confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM webauthn_credentials),
               (SELECT COUNT(DISTINCT user_id) FROM mfa_channels
                WHERE channel = 'sms' AND confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM mfa_channels
                WHERE channel = 'email' AND confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM push_devices WHERE confirmed_at IS NOT NULL),
               (SELECT COUNT(DISTINCT user_id) FROM backup_codes WHERE used_at IS NULL)",
            &[],
        )?;
        let mut counts = EnrollmentCounts {
            totp: total(&r, 0)?,
            webauthn: total(&r, 1)?,
            sms: total(&r, 2)?,
            email: total(&r, 3)?,
            push: total(&r, 4)?,
            backup_codes: total(&r, 5)?,
            per_day: Vec::new(),
        };
        counts.per_day = self
            .rows(
                "SELECT mfa_setup_at - mfa_setup_at % 86400 AS day, COUNT(*) FROM users
                 WHERE mfa_setup_at IS NOT NULL AND mfa_setup_at >= $1 GROUP BY day ORDER BY day",
                &[&since],
            )?
            .iter()
            .map(|r| Ok((get(r, 0)?, total(r, 1)?)))
            .collect::<Result<_>>()?;
        Ok(counts)
    }
}
