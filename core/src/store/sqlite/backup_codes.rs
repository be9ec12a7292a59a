//! Backup codes (keyed hashes), each usable once.

use super::SqliteTx;
use crate::error::Result;
use crate::store::{BackupCodeTx, BackupUse};
use rusqlite::params;

impl BackupCodeTx for SqliteTx<'_> {
    fn replace_backup_codes(&mut self, user_id: &str, hashes: &[Vec<u8>], at: i64) -> Result<()> {
        self.exec("DELETE FROM backup_codes WHERE user_id = ?1", [user_id])?;
        for h in hashes {
            self.exec(
                "INSERT INTO backup_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
                params![user_id, h, at],
            )?;
        }
        self.exec(
            "UPDATE users SET backup_codes_generated_at = ?2 WHERE id = ?1",
            params![user_id, at],
        )?;
        Ok(())
    }

    fn consume_backup_code(&mut self, user_id: &str, hash: &[u8], at: i64) -> Result<BackupUse> {
        let n = self.exec(
            "UPDATE backup_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
            params![user_id, hash, at],
        )?;
        if n == 1 {
            return Ok(BackupUse::Consumed);
        }
        let exists: bool = self.row(
            "SELECT EXISTS (SELECT 1 FROM backup_codes WHERE user_id = ?1 AND code_hash = ?2)",
            params![user_id, hash],
            |r| r.get(0),
        )?;
        Ok(if exists {
            BackupUse::AlreadyUsed
        } else {
            BackupUse::Unknown
        })
    }

    fn backup_codes_remaining(&mut self, user_id: &str) -> Result<u32> {
        let n: i64 = self.row(
            "SELECT COUNT(*) FROM backup_codes WHERE user_id = ?1 AND used_at IS NULL",
            [user_id],
            |r| r.get(0),
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }
}
