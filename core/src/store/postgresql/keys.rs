//! Key rotation: every sealed column re-sealed in the caller's transaction. The tables that
//! hold sealed values are locked against writers first (readers go on), so no server can
//! insert a value sealed with the old key between the read and the commit.

use super::{get, PgTx};
use crate::crypto::Sealed;
use crate::error::Result;
use crate::store::{KeyTx, SEALED_COLUMNS};

impl KeyTx for PgTx<'_, '_> {
    fn reseal_all(
        &mut self,
        reseal: &mut dyn FnMut(&str, &Sealed) -> Result<Sealed>,
    ) -> Result<usize> {
        let tables: Vec<&str> = SEALED_COLUMNS.iter().map(|(t, ..)| *t).collect();
        // Writers in flight finish first; a rotation that cannot get the tables in time
        // fails instead of holding every writer behind it.
        self.exec("SET LOCAL lock_timeout = '10s'", &[])?;
        self.exec(
            &format!(
                "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
                tables.join(", ")
            ),
            &[],
        )?;
        let mut count = 0;
        for (table, key, col, aad) in SEALED_COLUMNS {
            let rows = self.rows(
                &format!(
                    "SELECT {key}, {aad}, {col}, key_id FROM {table} WHERE key_id IS NOT NULL"
                ),
                &[],
            )?;
            for r in &rows {
                let id: String = get(r, 0)?;
                let aad: String = get(r, 1)?;
                let old = Sealed {
                    data: get(r, 2)?,
                    key_id: get::<Option<String>>(r, 3)?.unwrap_or_default(),
                };
                let new = reseal(&aad, &old)?;
                self.exec(
                    &format!("UPDATE {table} SET {col} = $2, key_id = $3 WHERE {key} = $1"),
                    &[&id, &new.data, &new.key_id],
                )?;
                count += 1;
            }
        }
        Ok(count)
    }
}
