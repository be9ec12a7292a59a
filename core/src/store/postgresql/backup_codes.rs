//! Backup codes (keyed hashes), each usable once.

use super::{count, get, PgTx};
use crate::error::Result;
use crate::store::{BackupCodeTx, BackupUse};

impl BackupCodeTx for PgTx<'_, '_> {
    fn replace_backup_codes(&mut self, user_id: &str, hashes: &[Vec<u8>], at: i64) -> Result<()> {
        // Two replacements at once would otherwise leave both sets.
        self.lock_user(user_id)?;
        self.exec("DELETE FROM backup_codes WHERE user_id = $1", &[&user_id])?;
        self.exec(
            "INSERT INTO backup_codes (user_id, code_hash, created_at)
             SELECT $1, h, $3 FROM unnest($2::bytea[]) AS h",
            &[&user_id, &hashes, &at],
        )?;
        self.exec(
            "UPDATE users SET backup_codes_generated_at = $2 WHERE id = $1",
            &[&user_id, &at],
        )?;
        Ok(())
    }

    fn consume_backup_code(&mut self, user_id: &str, hash: &[u8], at: i64) -> Result<BackupUse> {
        let n = self.exec(
            "UPDATE backup_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
            &[&user_id, &hash, &at],
        )?;
        if n == 1 {
            return Ok(BackupUse::Consumed);
        }
        let r = self.row(
            "SELECT EXISTS (SELECT 1 FROM backup_codes WHERE user_id = $1 AND code_hash = $2)",
            &[&user_id, &hash],
        )?;
        Ok(if get(&r, 0)? {
            BackupUse::AlreadyUsed
        } else {
            BackupUse::Unknown
        })
    }

    fn backup_codes_remaining(&mut self, user_id: &str) -> Result<u32> {
        let r = self.row(
            "SELECT COUNT(*) FROM backup_codes WHERE user_id = $1 AND used_at IS NULL",
            &[&user_id],
        )?;
        count(&r, 0)
    }
}
