//! The audit log.

use super::SqliteTx;
use crate::error::Result;
use crate::store::{AuditRow, AuditTx};
use rusqlite::params;

/// Oldest audit rows one purge looks at.
const PURGE_WINDOW: i64 = 1_000;

impl AuditTx for SqliteTx<'_> {
    fn insert_audit(&mut self, a: &AuditRow) -> Result<()> {
        self.exec(
            "INSERT INTO audit_events (user_id, action, method, success, ip, user_agent, detail, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![a.user_id, a.action, a.method, a.success, a.ip, a.user_agent, a.detail, a.created_at],
        )?;
        Ok(())
    }

    fn purge_audit(&mut self, before: i64) -> Result<usize> {
        // Rows are in id order of insertion. The purge looks at the oldest `PURGE_WINDOW`
        // rows only (bounded work on every sign-in, no index by time to keep up) and deletes
        // those older than `before`: a row stamped ahead of the clock stays and blocks
        // nothing behind it. The newest row stays, so the next id is above every id handed out.
        self.exec(
            "DELETE FROM audit_events
             WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT ?2)
               AND created_at < ?1
               AND id < (SELECT MAX(id) FROM audit_events)",
            params![before, PURGE_WINDOW],
        )
    }

    fn list_audit(&mut self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.rows(
            "SELECT id, user_id, action, method, success, ip, user_agent, detail, created_at
             FROM audit_events WHERE user_id = ?1 AND created_at >= ?2 ORDER BY id DESC LIMIT ?3",
            params![user_id, since, limit],
            |r| {
                Ok(AuditRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    action: r.get(2)?,
                    method: r.get(3)?,
                    success: r.get(4)?,
                    ip: r.get(5)?,
                    user_agent: r.get(6)?,
                    detail: r.get(7)?,
                    created_at: r.get(8)?,
                })
            },
        )
    }
}
