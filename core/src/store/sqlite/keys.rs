//! Key rotation: every sealed column re-sealed in the caller's transaction.

use super::SqliteTx;
use crate::crypto::Sealed;
use crate::error::Result;
use crate::store::KeyTx;
use rusqlite::params;

/// Each sealed column: table, key column, sealed column, and the associated data it is bound
/// to (SQL building `<prefix>:<key>…`, as the engine sealed it).
const SEALED: &[(&str, &str, &str, &str)] = &[
    ("meta", "key", "value", "'meta:' || key"),
    ("totp_devices", "id", "secret", "'totp:' || id"),
    ("mfa_channels", "id", "destination", "'channel:' || id"),
    (
        "webauthn_credentials",
        "credential_id",
        "credential",
        "'webauthn:' || credential_id",
    ),
    (
        "webauthn_challenges",
        "id",
        "state",
        "'webauthn_challenge:' || id || ':' || user_id || ':' || purpose",
    ),
];

impl KeyTx for SqliteTx<'_> {
    fn reseal_all(
        &mut self,
        reseal: &mut dyn FnMut(&str, &Sealed) -> Result<Sealed>,
    ) -> Result<usize> {
        let mut count = 0;
        for (table, key, col, aad) in SEALED {
            let rows: Vec<(String, String, Vec<u8>, Option<String>)> = self.rows(
                &format!(
                    "SELECT {key}, {aad}, {col}, key_id FROM {table} WHERE key_id IS NOT NULL"
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
            for (id, aad, data, key_id) in rows {
                let old = Sealed {
                    data,
                    key_id: key_id.unwrap_or_default(),
                };
                let new = reseal(&aad, &old)?;
                self.exec(
                    &format!("UPDATE {table} SET {col} = ?2, key_id = ?3 WHERE {key} = ?1"),
                    params![id, new.data, new.key_id],
                )?;
                count += 1;
            }
        }
        Ok(count)
    }
}
