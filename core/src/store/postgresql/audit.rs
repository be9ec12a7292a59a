//! The audit log and its hash chain.
//!
//! Appending links a row to the newest one, so appends must take turns: the checkpoint row
//! is the lock they take. To keep that lock from ordering against the others (user rows,
//! counters), a transaction collects its audit rows and its retention purge and writes them
//! last, just before COMMIT ([`PgTx::flush_audit`]): holding the chain's lock, it needs no
//! other, so it cannot be part of a deadlock, and it holds it only until its commit.

use super::{get, PgTx};
use crate::error::{MfaError, Result};
use crate::store::{verified_run, AuditChain, AuditCheckpoint, AuditRow, AuditTx};
use postgres::Row;

/// Oldest audit rows one purge looks at (rows older than the chain).
const PURGE_WINDOW: i64 = 1_000;
/// Linked rows one purge reads and verifies (a purge runs at every sign-in; a backlog goes
/// over several).
const PURGE_RUN: i64 = 200;

const COLUMNS: &str =
    "id, user_id, action, method, success, ip, user_agent, detail, created_at, chain";

/// What a transaction changes in the audit log at its end.
#[derive(Debug, Default)]
pub(super) struct PendingAudit {
    rows: Vec<AuditRow>,
    /// Purge rows older than this.
    purge_before: Option<i64>,
    /// Deleted users: (id, pseudonym) for their rows, also the ones appended now.
    renames: Vec<(String, String)>,
}

fn row_from(r: &Row) -> Result<AuditRow> {
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
        chain: get(r, 9)?,
    })
}

fn checkpoint_from(r: &Row) -> Result<AuditCheckpoint> {
    Ok(AuditCheckpoint {
        last_id: get(r, 0)?,
        link: get(r, 1)?,
        mac: get(r, 2)?,
    })
}

impl PgTx<'_, '_> {
    /// Gives a deleted user's audit rows the pseudonym, at the transaction's end.
    pub(super) fn rename_in_audit(&mut self, id: &str, pseudonym: &str) {
        self.audit
            .renames
            .push((id.to_string(), pseudonym.to_string()));
    }

    /// Writes the transaction's audit rows, renames and purge, under the chain's lock.
    pub(super) fn flush_audit(&mut self) -> Result<()> {
        let a = &self.audit;
        // Nothing to write, or a statement failed (the transaction is rolled back anyway).
        let idle = a.rows.is_empty() && a.purge_before.is_none() && a.renames.is_empty();
        if idle || self.failed.is_some() {
            return Ok(());
        }
        let chain = self
            .chain
            .clone()
            .ok_or_else(|| MfaError::internal("the audit chain's keys are not set"))?;
        let cp = self
            .optional(
                "SELECT last_id, link, mac FROM audit_checkpoint WHERE id = 1 FOR UPDATE",
                &[],
            )?
            .as_ref()
            .map(checkpoint_from)
            .transpose()?
            .ok_or_else(|| MfaError::internal("the audit chain was not started"))?;
        if cp.mac.is_empty() {
            return Err(MfaError::internal("the audit chain was not started"));
        }
        if let Some(before) = self.audit.purge_before.take() {
            self.purge_now(&chain, &cp, before)?;
        }
        let renames = std::mem::take(&mut self.audit.renames);
        let newest = self.optional(
            "SELECT id, chain FROM audit_events ORDER BY id DESC LIMIT 1",
            &[],
        )?;
        let (mut last_id, mut prev) = match newest {
            Some(r) => match get::<Option<Vec<u8>>>(&r, 1)? {
                Some(link) => (get::<i64>(&r, 0)?, link),
                None => (get::<i64>(&r, 0)?.max(cp.last_id), cp.link),
            },
            None => (cp.last_id, cp.link),
        };
        for a in std::mem::take(&mut self.audit.rows) {
            let renamed = renames
                .iter()
                .find(|(id, _)| a.user_id.as_deref() == Some(id.as_str()))
                .map(|(_, pseudonym)| pseudonym.clone());
            let row = AuditRow {
                id: last_id + 1,
                user_id: renamed.or(a.user_id.clone()),
                ..a
            };
            let link = chain.link(&prev, &row);
            self.exec(
                "INSERT INTO audit_events (id, user_id, action, method, success, ip, user_agent, detail, created_at, chain)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &row.id,
                    &row.user_id,
                    &row.action,
                    &row.method,
                    &row.success,
                    &row.ip,
                    &row.user_agent,
                    &row.detail,
                    &row.created_at,
                    &link,
                ],
            )?;
            last_id = row.id;
            prev = link;
        }
        for (id, pseudonym) in &renames {
            self.exec(
                "UPDATE audit_events SET user_id = $2 WHERE user_id = $1",
                &[id, pseudonym],
            )?;
        }
        Ok(())
    }

    /// The purge itself (the caller holds the chain's lock): see [`AuditTx::purge_audit`].
    fn purge_now(&mut self, chain: &AuditChain, cp: &AuditCheckpoint, before: i64) -> Result<()> {
        // Rows older than the chain (at or below the checkpoint) are not linked: they go by age.
        self.exec(
            "DELETE FROM audit_events WHERE id IN (
               SELECT id FROM audit_events WHERE id <= $1 ORDER BY id LIMIT $3)
               AND created_at < $2",
            &[&cp.last_id, &before, &PURGE_WINDOW],
        )?;
        let oldest = self.optional(
            "SELECT created_at FROM audit_events WHERE id > $1 ORDER BY id LIMIT 1",
            &[&cp.last_id],
        )?;
        let old_enough = match oldest {
            Some(r) => get::<i64>(&r, 0)? < before,
            None => false,
        };
        if !old_enough {
            return Ok(());
        }
        let rows = self
            .rows(
                &format!(
                    "SELECT {COLUMNS} FROM audit_events
                     WHERE id > $1 AND id < (SELECT MAX(id) FROM audit_events) ORDER BY id LIMIT $2"
                ),
                &[&cp.last_id, &PURGE_RUN],
            )?
            .iter()
            .map(row_from)
            .collect::<Result<Vec<_>>>()?;
        let Some((last_id, link)) = verified_run(chain, cp, &rows, before) else {
            return Ok(());
        };
        self.exec(
            "DELETE FROM audit_events WHERE id > $1 AND id <= $2",
            &[&cp.last_id, &last_id],
        )?;
        let mac = chain.checkpoint_mac(last_id, &link);
        self.exec(
            "UPDATE audit_checkpoint SET last_id = $1, link = $2, mac = $3 WHERE id = 1",
            &[&last_id, &link, &mac],
        )?;
        Ok(())
    }
}

impl AuditTx for PgTx<'_, '_> {
    fn insert_audit(&mut self, a: &AuditRow) -> Result<()> {
        self.audit.rows.push(a.clone());
        Ok(())
    }

    fn purge_audit(&mut self, before: i64) -> Result<usize> {
        let next = self.audit.purge_before.map_or(before, |b| b.max(before));
        self.audit.purge_before = Some(next);
        Ok(0)
    }

    fn list_audit(&mut self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.rows(
            &format!(
                "SELECT {COLUMNS} FROM audit_events
                 WHERE user_id = $1 AND created_at >= $2 ORDER BY id DESC LIMIT $3"
            ),
            &[&user_id, &since, &i64::from(limit)],
        )?
        .iter()
        .map(row_from)
        .collect()
    }

    fn audit_page(&mut self, after_id: i64, since: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.rows(
            &format!(
                "SELECT {COLUMNS} FROM audit_events
                 WHERE id > $1 AND created_at >= $2 ORDER BY id LIMIT $3"
            ),
            &[&after_id, &since, &i64::from(limit)],
        )?
        .iter()
        .map(row_from)
        .collect()
    }

    fn audit_checkpoint(&mut self) -> Result<Option<AuditCheckpoint>> {
        self.optional(
            "SELECT last_id, link, mac FROM audit_checkpoint WHERE id = 1",
            &[],
        )?
        .as_ref()
        .map(checkpoint_from)
        .transpose()
    }

    fn start_audit_chain(&mut self, chain: &AuditChain) -> Result<bool> {
        // Two servers starting at once: the row lock makes the second see the first's link.
        let Some(r) = self.optional(
            "SELECT last_id, link, mac FROM audit_checkpoint WHERE id = 1 FOR UPDATE",
            &[],
        )?
        else {
            return Ok(false);
        };
        let cp = checkpoint_from(&r)?;
        let linked: bool = get(
            &self.row(
                "SELECT EXISTS(SELECT 1 FROM audit_events WHERE chain IS NOT NULL)",
                &[],
            )?,
            0,
        )?;
        if !cp.mac.is_empty() || linked {
            return Ok(false);
        }
        let link = chain.genesis();
        let mac = chain.checkpoint_mac(cp.last_id, &link);
        self.exec(
            "UPDATE audit_checkpoint SET link = $1, mac = $2 WHERE id = 1",
            &[&link, &mac],
        )?;
        Ok(true)
    }
}
