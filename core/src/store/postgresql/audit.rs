//! The audit log.

use super::{get, PgTx};
use crate::error::Result;
use crate::store::{AuditRow, AuditTx};

/// Oldest audit rows one purge looks at.
const PURGE_WINDOW: i64 = 1_000;

impl AuditTx for PgTx<'_, '_> {
    fn insert_audit(&mut self, a: &AuditRow) -> Result<()> {
        self.exec(
            "INSERT INTO audit_events (user_id, action, method, success, ip, user_agent, detail, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[&a.user_id, &a.action, &a.method, &a.success, &a.ip, &a.user_agent, &a.detail, &a.created_at],
        )?;
        Ok(())
    }

    fn purge_audit(&mut self, before: i64) -> Result<usize> {
        // As on SQLite: the oldest rows in id order, older than `before`, never the newest;
        // rows another transaction holds (a user being deleted) are left for a later purge.
        let n = self.exec(
            "DELETE FROM audit_events WHERE id IN (
               SELECT id FROM audit_events
               WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT $2)
                 AND created_at < $1
                 AND id < (SELECT MAX(id) FROM audit_events)
               FOR UPDATE SKIP LOCKED)",
            &[&before, &PURGE_WINDOW],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn list_audit(&mut self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.rows(
            "SELECT id, user_id, action, method, success, ip, user_agent, detail, created_at
             FROM audit_events WHERE user_id = $1 AND created_at >= $2 ORDER BY id DESC LIMIT $3",
            &[&user_id, &since, &i64::from(limit)],
        )?
        .iter()
        .map(|r| {
            Ok(AuditRow {
                id: get(r, 0)?,
                user_id: get(r, 1)?,
                action: get(r, 2)?,
                method: get(r, 3)?,
                success: get(r, 4)?,
                ip: get(r, 5)?,
                user_agent: get(r, 6)?,
                detail: get(r, 7)?,
                created_at: get(r, 8)?,
            })
        })
        .collect()
    }
}
