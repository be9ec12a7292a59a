//! The audit log's hash chain: each row carries `HMAC(chain key, previous link ‖ row)`, so
//! editing, inserting or deleting a row breaks every link from it on, and nobody without
//! the engine's key can write a link that fits.
//!
//! The chain key and the pseudonym key both derive from the engine's sealed hash key. A row
//! is linked under its user's pseudonym, so deleting a user (whose rows then carry the
//! pseudonym) leaves the chain intact. Retention purges leave a checkpoint (the last purged
//! row's id and link, with a MAC), from which verification starts.

use super::AuditRow;
use crate::crypto::{hex, hmac_sha256};
use zeroize::Zeroizing;

/// Prefix of the ids a deleted user's audit rows carry.
pub const PSEUDONYM_PREFIX: &str = "deleted_";

/// The keys that link audit rows.
pub struct AuditChain {
    chain_key: Zeroizing<Vec<u8>>,
    pseudonym_key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for AuditChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditChain").finish_non_exhaustive()
    }
}

impl AuditChain {
    /// The chain of the engine whose hash key is `hash_key`.
    pub fn new(hash_key: &[u8]) -> Self {
        Self {
            chain_key: Zeroizing::new(hmac_sha256(hash_key, b"audit-chain\0key")),
            pseudonym_key: Zeroizing::new(hash_key.to_vec()),
        }
    }

    /// The pseudonym a deleted user's rows are kept under.
    pub fn pseudonym(&self, user_id: &str) -> String {
        let mac = hmac_sha256(
            &self.pseudonym_key,
            format!("pseudonym\0{user_id}").as_bytes(),
        );
        format!("{PSEUDONYM_PREFIX}{}", hex(&mac[..12]))
    }

    /// The link before the first row.
    pub fn genesis(&self) -> Vec<u8> {
        hmac_sha256(&self.chain_key, b"genesis")
    }

    /// The link of `row` after `prev`. The row's id is not part of it: what proves a row
    /// missing is the next row's link, which no longer follows.
    pub fn link(&self, prev: &[u8], row: &AuditRow) -> Vec<u8> {
        let user = row.user_id.as_deref().map(|u| {
            if u.starts_with(PSEUDONYM_PREFIX) {
                u.to_string()
            } else {
                self.pseudonym(u)
            }
        });
        let mut msg = Vec::with_capacity(256);
        field(&mut msg, Some(prev));
        for text in [
            user.as_deref(),
            Some(row.action.as_str()),
            row.method.as_deref(),
            row.ip.as_deref(),
            row.user_agent.as_deref(),
            row.detail.as_deref(),
        ] {
            field(&mut msg, text.map(str::as_bytes));
        }
        field(&mut msg, Some(&[u8::from(row.success)]));
        field(&mut msg, Some(&row.created_at.to_be_bytes()));
        hmac_sha256(&self.chain_key, &msg)
    }

    /// The MAC of a retention checkpoint.
    pub fn checkpoint_mac(&self, last_id: i64, link: &[u8]) -> Vec<u8> {
        let mut msg = b"checkpoint\0".to_vec();
        msg.extend_from_slice(&last_id.to_be_bytes());
        msg.extend_from_slice(link);
        hmac_sha256(&self.chain_key, &msg)
    }
}

/// Appends a field: absent (0), or present (1) with its length and bytes.
fn field(msg: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        None => msg.push(0),
        Some(v) => {
            msg.push(1);
            msg.extend_from_slice(&u32::try_from(v.len()).unwrap_or(u32::MAX).to_be_bytes());
            msg.extend_from_slice(v);
        }
    }
}

/// Where retention left the chain: rows up to `last_id` are gone (or not covered), and the
/// next row links to `link`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheckpoint {
    /// The last purged (or, for a log older than the chain, the last unlinked) row's id.
    pub last_id: i64,
    /// The link the next row follows.
    pub link: Vec<u8>,
    /// [`AuditChain::checkpoint_mac`] of the two.
    pub mac: Vec<u8>,
}

/// The run of `rows` (in id order, right after the checkpoint `cp`) that retention may
/// purge: consecutive ids, older than `before`, each link following the one before. Returns
/// the last such row's id and link, or `None` when the first row already stops the run.
pub fn verified_run(
    chain: &AuditChain,
    cp: &AuditCheckpoint,
    rows: &[AuditRow],
    before: i64,
) -> Option<(i64, Vec<u8>)> {
    let mut prev = (cp.last_id, cp.link.clone());
    let mut last = None;
    for row in rows {
        let link = chain.link(&prev.1, row);
        if row.created_at >= before || row.id != prev.0 + 1 || row.chain.as_ref() != Some(&link) {
            break;
        }
        prev = (row.id, link);
        last = Some(prev.clone());
    }
    last
}
