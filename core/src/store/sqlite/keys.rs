//! Key rotation: every sealed column re-sealed in the caller's transaction.

use super::SqliteTx;
use crate::crypto::Sealed;
use crate::error::Result;
use crate::store::{KeyTx, SEALED_COLUMNS};
use rusqlite::params;

impl KeyTx for SqliteTx<'_> {
    fn reseal_all(
        &mut self,
        reseal: &mut dyn FnMut(&str, &Sealed) -> Result<Sealed>,
    ) -> Result<usize> {
        let mut count = 0;
        for (table, key, col, aad) in SEALED_COLUMNS {
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
