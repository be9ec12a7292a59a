//! The audit log and its hash chain. The write lock, held from a transaction's start,
//! orders every append, so each row links to the newest one before it.

use super::SqliteTx;
use crate::error::{MfaError, Result};
use crate::store::{verified_run, AuditChain, AuditCheckpoint, AuditRow, AuditTx};
use rusqlite::{params, Row};
use std::sync::Arc;

/// Oldest audit rows one purge looks at (rows older than the chain).
const PURGE_WINDOW: i64 = 1_000;
/// Linked rows one purge reads and verifies (a purge runs at every sign-in; a backlog goes
/// over several).
const PURGE_RUN: i64 = 200;

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
        // The newest linked row, or else the checkpoint (a log older than the chain).
        let (last_id, prev) = match newest {
            Some((id, Some(link))) => (id, link),
            newest => match self.audit_checkpoint()? {
                Some(cp) if !cp.mac.is_empty() => (
                    newest.map_or(cp.last_id, |(id, _)| id.max(cp.last_id)),
                    cp.link,
                ),
                _ => return Err(MfaError::internal("the audit chain was not started")),
            },
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
        let chain = self.chain_keys()?;
        let Some(cp) = self.audit_checkpoint()?.filter(|cp| !cp.mac.is_empty()) else {
            return Ok(0);
        };
        // Rows older than the chain (at or below the checkpoint) are not linked: they go by age.
        let mut purged = self.exec(
            "DELETE FROM audit_events WHERE id IN (
               SELECT id FROM audit_events WHERE id <= ?1 ORDER BY id LIMIT ?3)
               AND created_at < ?2",
            params![cp.last_id, before, PURGE_WINDOW],
        )?;
        // Most calls stop here: the oldest linked row is not old enough.
        let oldest: Option<i64> = self.optional(
            "SELECT created_at FROM audit_events WHERE id > ?1 ORDER BY id LIMIT 1",
            [cp.last_id],
            |r| r.get(0),
        )?;
        if !oldest.is_some_and(|t| t < before) {
            return Ok(purged);
        }
        let rows = self.rows(
            &format!(
                "SELECT {COLUMNS} FROM audit_events
                 WHERE id > ?1 AND id < (SELECT MAX(id) FROM audit_events) ORDER BY id LIMIT ?2"
            ),
            params![cp.last_id, PURGE_RUN],
            row_from,
        )?;
        let Some((last_id, link)) = verified_run(&chain, &cp, &rows, before) else {
            return Ok(purged);
        };
        purged += self.exec(
            "DELETE FROM audit_events WHERE id > ?1 AND id <= ?2",
            params![cp.last_id, last_id],
        )?;
        let mac = chain.checkpoint_mac(last_id, &link);
        self.exec(
            "UPDATE audit_checkpoint SET last_id = ?1, link = ?2, mac = ?3 WHERE id = 1",
            params![last_id, link, mac],
        )?;
        Ok(purged)
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
        let Some(cp) = self.audit_checkpoint()? else {
            return Ok(false);
        };
        let linked: bool = self.row(
            "SELECT EXISTS(SELECT 1 FROM audit_events WHERE chain IS NOT NULL)",
            [],
            |r| r.get(0),
        )?;
        if !cp.mac.is_empty() || linked {
            return Ok(false);
        }
        let link = chain.genesis();
        let mac = chain.checkpoint_mac(cp.last_id, &link);
        self.exec(
            "UPDATE audit_checkpoint SET link = ?1, mac = ?2 WHERE id = 1",
            params![link, mac],
        )?;
        Ok(true)
    }
}
