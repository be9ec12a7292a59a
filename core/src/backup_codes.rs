//! Backup codes: generation from the CSPRNG and keyed hashing for storage.
//!
//! Invariants: only `HMAC-SHA-256(hash_key, user_id ‖ code)` is stored, so a code is found
//! with one indexed lookup (O(1) in the number of codes) and the database alone does not
//! allow guessing codes offline; the hash key itself is sealed under the master key.

use crate::config::{BackupAlphabet, BackupCodesConfig};
use crate::crypto::{hmac_sha256, random_below};
use crate::error::Result;

/// Alphanumeric alphabet without look-alikes (no I, L, O, U): 32 symbols.
const ALPHANUMERIC: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Generates `count` codes of the configured length and alphabet.
pub fn generate(cfg: &BackupCodesConfig, count: u32) -> Result<Vec<String>> {
    let alphabet: &[u8] = match cfg.alphabet {
        BackupAlphabet::Alphanumeric => ALPHANUMERIC,
        BackupAlphabet::Numeric => b"0123456789",
    };
    let bound = u32::try_from(alphabet.len()).unwrap_or(10);
    let mut codes = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    while codes.len() < usize::try_from(count).unwrap_or(0) {
        let mut code = String::with_capacity(usize::try_from(cfg.length).unwrap_or(0));
        for _ in 0..cfg.length {
            let i = usize::try_from(random_below(bound)?).unwrap_or(0);
            code.push(char::from(alphabet[i % alphabet.len()]));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// The stored form of a (normalized) code for a user.
pub fn hash(hash_key: &[u8], user_id: &str, normalized_code: &str) -> Vec<u8> {
    let mut msg = Vec::with_capacity(user_id.len() + normalized_code.len() + 8);
    msg.extend_from_slice(b"backup\0");
    msg.extend_from_slice(user_id.as_bytes());
    msg.push(0);
    msg.extend_from_slice(normalized_code.as_bytes());
    hmac_sha256(hash_key, &msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn codes_have_configured_shape_and_are_distinct() -> Result<()> {
        let mut cfg = Config::default().backup_codes;
        let codes = generate(&cfg, 10)?;
        assert_eq!(codes.len(), 10);
        assert!(codes
            .iter()
            .all(|c| c.len() == 10 && c.bytes().all(|b| ALPHANUMERIC.contains(&b))));
        cfg.alphabet = BackupAlphabet::Numeric;
        cfg.length = 8;
        let codes = generate(&cfg, 3)?;
        assert!(codes
            .iter()
            .all(|c| c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit())));
        Ok(())
    }

    #[test]
    fn hash_depends_on_user_and_key() {
        let a = hash(b"k1", "usr_a", "ABC");
        assert_ne!(a, hash(b"k1", "usr_b", "ABC"));
        assert_ne!(a, hash(b"k2", "usr_a", "ABC"));
        assert_eq!(a, hash(b"k1", "usr_a", "ABC"));
    }
}
