//! The whole audit log for administrators: export in id order, and the check of its hash
//! chain.

use super::Engine;
use crate::api::{AuditEvent, AuditVerification};
use crate::crypto::{ct_eq, hex};
use crate::error::{MfaError, Result};
use crate::store::{AuditRow, Tx};

/// Rows one page of a verification reads.
const PAGE: u32 = 1_000;

impl Engine {
    /// Every user's audit events after `after_id` (see `ExportAuditRequest`).
    pub fn export_audit(
        &self,
        since: Option<i64>,
        after_id: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<AuditEvent>> {
        let limit = limit.unwrap_or(1_000);
        if !(1..=10_000).contains(&limit) {
            return Err(MfaError::invalid("limit", "must be between 1 and 10000"));
        }
        let rows = self
            .store
            .read(|tx| tx.audit_page(after_id.unwrap_or(0), since.unwrap_or(i64::MIN), limit))?;
        Ok(rows.into_iter().map(super::audit_event).collect())
    }

    /// Checks the audit chain (see `VerifyAuditRequest`), on one consistent snapshot.
    pub fn verify_audit(&self, anchor: Option<&str>) -> Result<AuditVerification> {
        let anchor = anchor.map(parse_anchor).transpose()?;
        self.store.read(|tx| self.verify_chain(tx, anchor.as_ref()))
    }

    fn verify_chain(
        &self,
        tx: &mut dyn Tx,
        anchor: Option<&(i64, String)>,
    ) -> Result<AuditVerification> {
        let mut out = AuditVerification::default();
        // The migration created the checkpoint and the first open filled it in: without it
        // (or with a MAC that does not fit) nothing can be trusted.
        let cp = match tx.audit_checkpoint()? {
            Some(cp) if ct_eq(&self.chain.checkpoint_mac(cp.last_id, &cp.link), &cp.mac) => cp,
            other => {
                out.checkpoint_id = other.map(|cp| cp.last_id);
                out.problem = Some("checkpoint".into());
                return Ok(out);
            }
        };
        out.checkpoint_id = Some(cp.last_id);
        let purged_past = cp.link != self.chain.genesis();
        let mut prev = cp.link;
        let mut prev_id = cp.last_id;
        // An anchor is checked when its row comes by; one retention purged cannot be.
        // An anchor is checked when its row comes by. One at or below the checkpoint passes
        // only if retention moved the checkpoint there (its link is then no longer the
        // genesis): a checkpoint at the genesis has never purged anything.
        let mut anchored = match anchor {
            None => true,
            Some((id, _)) => *id <= cp.last_id && purged_past,
        };
        let mut page = tx.audit_page(cp.last_id, i64::MIN, PAGE)?;
        let mut at = 0;
        loop {
            if at == page.len() {
                let Some(last) = page.last().map(|r| r.id) else {
                    break;
                };
                page = tx.audit_page(last, i64::MIN, PAGE)?;
                at = 0;
                if page.is_empty() {
                    break;
                }
            }
            let row = &page[at];
            let fits = row
                .chain
                .as_deref()
                .is_some_and(|link| ct_eq(&self.chain.link(&prev, row), link));
            if !fits {
                let next = match page.get(at + 1) {
                    Some(n) => Some(n.clone()),
                    None => tx.audit_page(row.id, i64::MIN, 1)?.into_iter().next(),
                };
                out.first_bad_id = Some(row.id);
                out.problem = Some(self.classify(&prev, prev_id, row, next.as_ref()).into());
                return Ok(out);
            }
            prev = row.chain.clone().unwrap_or_default();
            prev_id = row.id;
            if let Some((id, link)) = anchor {
                if *id == row.id {
                    anchored = ct_eq(link.as_bytes(), hex(&prev).as_bytes());
                }
            }
            out.checked += 1;
            at += 1;
        }
        if out.checked > 0 {
            out.head = Some(hex(&prev));
            out.anchor = Some(format!("{prev_id}:{}", hex(&prev)));
        }
        if !anchored {
            out.first_bad_id = anchor.map(|(id, _)| *id);
            out.problem = Some("anchor".into());
            return Ok(out);
        }
        out.valid = true;
        Ok(out)
    }

    /// Why `row` does not follow `prev` (the row `prev_id`): the next row follows `prev`
    /// instead (`row` was `inserted`), ids were handed out one by one and one is missing
    /// before it (rows were `deleted`), or else its content changed (`edited`).
    fn classify(
        &self,
        prev: &[u8],
        prev_id: i64,
        row: &AuditRow,
        next: Option<&AuditRow>,
    ) -> &'static str {
        let follows_prev = next.is_some_and(|n| {
            n.chain
                .as_deref()
                .is_some_and(|link| ct_eq(&self.chain.link(prev, n), link))
        });
        if follows_prev {
            "inserted"
        } else if row.id != prev_id + 1 {
            "deleted"
        } else {
            "edited"
        }
    }
}

/// `<id>:<link hex>`.
fn parse_anchor(anchor: &str) -> Result<(i64, String)> {
    let bad = || MfaError::invalid("anchor", "must be <id>:<link> as a check printed it");
    let (id, link) = anchor.trim().split_once(':').ok_or_else(bad)?;
    let id = id
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(bad)?;
    let link = link.to_ascii_lowercase();
    if link.len() != 64 || !link.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((id, link))
}
