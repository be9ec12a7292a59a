//! The audit log.

use super::SqliteTx;
use crate::error::Result;
use crate::store::{AuditRow, AuditTx};
use rusqlite::params;

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
        // Rows are in id order of insertion: the purge stops at the first row at or after
        // `before` (a row written while the clock was behind waits for a later purge), and it
        // keeps the newest row, so the next id stays above every id handed out.
        self.exec(
            "DELETE FROM audit_events
             WHERE id < COALESCE(
                 (SELECT id FROM audit_events WHERE created_at >= ?1 ORDER BY id LIMIT 1),
                 (SELECT MAX(id) FROM audit_events))",
            [before],
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
