//! The audit log and its hash chain. The write lock, held from a transaction's start,
//! orders every append, so each row links to the newest one before it.

use super::SqliteTx;
use crate::error::{MfaError, Result};
use crate::store::{AuditChain, AuditCheckpoint, AuditRow, AuditTx};
use rusqlite::{params, Row};
use std::sync::Arc;

/// Oldest audit rows one purge looks at.
const PURGE_WINDOW: i64 = 1_000;

const COLUMNS: &str =
    "id, user_id, action, method, success, ip, user_agent, detail, created_at, chain";

fn row_from(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
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
        chain: r.get(9)?,
    })
}

impl SqliteTx<'_> {
    fn chain_keys(&self) -> Result<Arc<AuditChain>> {
        self.chain
            .clone()
            .ok_or_else(|| MfaError::internal("the audit chain's keys are not set"))
    }
}

impl AuditTx for SqliteTx<'_> {
    fn insert_audit(&mut self, a: &AuditRow) -> Result<()> {
        let chain = self.chain_keys()?;
        let newest: Option<(i64, Option<Vec<u8>>)> = self.optional(
            "SELECT id, chain FROM audit_events ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let checkpoint = self.audit_checkpoint()?;
        // The newest linked row, or else the checkpoint (a log older than the chain).
        let (last_id, prev) = match (newest, checkpoint) {
            (Some((id, Some(link))), _) => (id, link),
            (newest, Some(cp)) => (
                newest.map_or(cp.last_id, |(id, _)| id.max(cp.last_id)),
                cp.link,
            ),
            (_, None) => return Err(MfaError::internal("the audit chain was not started")),
        };
        let row = AuditRow {
            id: last_id + 1,
            ..a.clone()
        };
        let link = chain.link(&prev, &row);
        self.exec(
            "INSERT INTO audit_events (id, user_id, action, method, success, ip, user_agent, detail, created_at, chain)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                row.id,
                row.user_id,
                row.action,
                row.method,
                row.success,
                row.ip,
                row.user_agent,
                row.detail,
                row.created_at,
                link
            ],
        )?;
        Ok(())
    }

    fn purge_audit(&mut self, before: i64) -> Result<usize> {
        // Rows are in id order of insertion. The purge looks at the oldest `PURGE_WINDOW`
        // rows only (bounded work on every sign-in, no index by time to keep up) and deletes
        // those older than `before`: a row stamped ahead of the clock stays and blocks
        // nothing behind it. The newest row stays, so the next id is above every id handed out.
        let gone: Vec<(i64, Option<Vec<u8>>)> = self.rows(
            "DELETE FROM audit_events
             WHERE id IN (SELECT id FROM audit_events ORDER BY id LIMIT ?2)
               AND created_at < ?1
               AND id < (SELECT MAX(id) FROM audit_events)
             RETURNING id, chain",
            params![before, PURGE_WINDOW],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let last = gone
            .iter()
            .filter_map(|(id, link)| link.as_ref().map(|l| (*id, l)))
            .max_by_key(|(id, _)| *id);
        if let Some((id, link)) = last {
            let mac = self.chain_keys()?.checkpoint_mac(id, link);
            self.exec(
                "UPDATE audit_checkpoint SET last_id = ?1, link = ?2, mac = ?3 WHERE id = 1 AND last_id < ?1",
                params![id, link, mac],
            )?;
        }
        Ok(gone.len())
    }

    fn list_audit(&mut self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.rows(
            &format!(
                "SELECT {COLUMNS} FROM audit_events
                 WHERE user_id = ?1 AND created_at >= ?2 ORDER BY id DESC LIMIT ?3"
            ),
            params![user_id, since, limit],
            row_from,
        )
    }

    fn audit_page(&mut self, after_id: i64, since: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.rows(
            &format!(
                "SELECT {COLUMNS} FROM audit_events
                 WHERE id > ?1 AND created_at >= ?2 ORDER BY id LIMIT ?3"
            ),
            params![after_id, since, limit],
            row_from,
        )
    }

    fn audit_checkpoint(&mut self) -> Result<Option<AuditCheckpoint>> {
        self.optional(
            "SELECT last_id, link, mac FROM audit_checkpoint WHERE id = 1",
            [],
            |r| {
                Ok(AuditCheckpoint {
                    last_id: r.get(0)?,
                    link: r.get(1)?,
                    mac: r.get(2)?,
                })
            },
        )
    }

    fn start_audit_chain(&mut self, chain: &AuditChain) -> Result<bool> {
        if self.audit_checkpoint()?.is_some() {
            return Ok(false);
        }
        let last_id: i64 = self.row("SELECT COALESCE(MAX(id), 0) FROM audit_events", [], |r| {
            r.get(0)
        })?;
        let link = chain.genesis();
        let mac = chain.checkpoint_mac(last_id, &link);
        self.exec(
            "INSERT INTO audit_checkpoint (id, last_id, link, mac) VALUES (1, ?1, ?2, ?3)",
            params![last_id, link, mac],
        )?;
        Ok(true)
    }
}
