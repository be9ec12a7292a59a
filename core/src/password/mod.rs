//! Password hashing with argon2id, stored in the PHC string format
//! (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
//!
//! Invariants: the parameters are read back from each stored hash, so changing the
//! configured cost never breaks existing passwords; comparison is constant-time. Imported
//! hashes of other formats ([`imported`]) are verified as they are and replaced at the next
//! correct sign-in.

mod imported;

use crate::crypto::{ct_eq, random_bytes};
use crate::error::{MfaError, Result};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::sync::{Condvar, Mutex, PoisonError};
use zeroize::Zeroizing;

/// argon2id cost parameters (`password` in `configure()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasswordParams {
    /// Memory in KiB (OWASP: 19456 = 19 MiB).
    pub memory_kib: u32,
    /// Passes over memory (OWASP: 2).
    pub iterations: u32,
    /// Lanes (OWASP: 1).
    pub parallelism: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl PasswordParams {
    /// The ranges argon2 and this engine accept.
    pub(crate) fn check(&self) -> Result<()> {
        let range = |v: u32, field: &str, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(MfaError::invalid(
                    field,
                    format!("must be between {lo} and {hi}"),
                ))
            }
        };
        range(self.memory_kib, "password.memoryKib", 8, 4_194_304)?;
        range(self.iterations, "password.iterations", 1, 100)?;
        range(self.parallelism, "password.parallelism", 1, 64)?;
        if self.memory_kib < 8 * self.parallelism {
            return Err(MfaError::invalid(
                "password.memoryKib",
                "must be at least 8 × parallelism",
            ));
        }
        Ok(())
    }
}

const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

/// How many argon2 hashes may run at once in this process: one core is always left to the
/// host's event loop (Node's, asyncio's), so hashing never starves it of CPU.
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get().saturating_sub(1))
        .unwrap_or(1)
        .max(1)
}

/// A counting semaphore around argon2.
struct Gate {
    running: Mutex<usize>,
    freed: Condvar,
}

static GATE: Gate = Gate {
    running: Mutex::new(0),
    freed: Condvar::new(),
};

struct Permit;

impl Gate {
    fn enter(&'static self) -> Permit {
        let limit = max_concurrent_hashes();
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        while *running >= limit {
            running = self
                .freed
                .wait(running)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *running += 1;
        Permit
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut running = GATE.running.lock().unwrap_or_else(PoisonError::into_inner);
        *running = running.saturating_sub(1);
        GATE.freed.notify_one();
    }
}

fn derive(params: PasswordParams, password: &[u8], salt: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let _permit = GATE.enter();
    let p = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(HASH_LEN),
    )
    .map_err(|e| MfaError::invalid("password.params", e.to_string()))?;
    let mut out = Zeroizing::new(vec![0u8; HASH_LEN]);
    let mut memory = Memory::take(p.block_count());
    let hashed = Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into_with_memory(password, salt, &mut out, memory.blocks());
    memory.give_back();
    hashed.map_err(|e| MfaError::internal(format!("argon2: {e}")))?;
    Ok(out)
}

/// Working memory of the hashes that ran, kept for the next ones: at most as many buffers as
/// hashes may run at once ([`max_concurrent_hashes`]) and [`MAX_KEPT_BYTES`] in all. A fresh
/// 19 MiB buffer costs its page faults and zeroing on every hash (a third of the hash's time
/// in a thread that never hashed before); a kept one costs a wipe.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Most memory [`MEMORY`] keeps: three buffers at the OWASP cost (19 MiB). Hashes beyond it
/// (more at once, or imported hashes of a higher cost) allocate theirs and free it after.
const MAX_KEPT_BYTES: usize = 64 << 20;

/// One hash's working memory, taken from [`MEMORY`] or allocated.
struct Memory {
    buffer: Vec<Block>,
    len: usize,
}

impl Memory {
    /// A buffer of at least `len` blocks.
    fn take(len: usize) -> Self {
        let kept = MEMORY.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let buffer = match kept {
            Some(buffer) if buffer.len() >= len => buffer,
            _ => vec![Block::new(); len],
        };
        Self { buffer, len }
    }

    /// The `len` blocks the hash uses.
    fn blocks(&mut self) -> &mut [Block] {
        &mut self.buffer[..self.len]
    }

    /// Wipes what the hash wrote and keeps the buffer for the next hash.
    fn give_back(mut self) {
        self.blocks().fill(Block::new());
        std::hint::black_box(&mut self.buffer);
        let mut kept = MEMORY.lock().unwrap_or_else(PoisonError::into_inner);
        let bytes = |blocks: usize| blocks.saturating_mul(Block::SIZE);
        let held: usize = kept.iter().map(|b| bytes(b.len())).sum();
        if kept.len() < max_concurrent_hashes()
            && held.saturating_add(bytes(self.buffer.len())) <= MAX_KEPT_BYTES
        {
            kept.push(std::mem::take(&mut self.buffer));
        }
    }
}

/// Hashes `password` with a fresh random salt.
pub fn hash(params: PasswordParams, password: &str) -> Result<String> {
    let salt = random_bytes(SALT_LEN)?;
    let out = derive(params, password.as_bytes(), &salt)?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.memory_kib,
        params.iterations,
        params.parallelism,
        STANDARD_NO_PAD.encode(&salt),
        STANDARD_NO_PAD.encode(out.as_slice())
    ))
}

/// Checks `password` against a stored hash: the engine's own argon2id, or an imported one.
pub fn verify(stored: &str, password: &str) -> Result<bool> {
    match parse(stored) {
        Ok((params, salt, expected)) if expected.len() == HASH_LEN => {
            let out = derive(params, password.as_bytes(), &salt)?;
            Ok(ct_eq(&out, &expected))
        }
        _ if imported::format(stored).is_some() => {
            // The bounds again: a hash that did not come through an import stays refused.
            imported::check(stored).map_err(|_| {
                MfaError::internal("stored password hash is outside the accepted cost")
            })?;
            let _permit = GATE.enter();
            imported::verify(stored, password)
        }
        Err(e) => Err(e),
        Ok(_) => Err(MfaError::internal("stored password hash is malformed")),
    }
}

/// Checks a password hash given to an import: argon2, scrypt or PBKDF2-SHA-256/512 as PHC
/// strings, or bcrypt (`$2a$`, `$2b$`, `$2y$`), with bounded cost; `invalid_input` naming
/// `passwordHash` otherwise.
pub fn check_imported(stored: &str) -> Result<()> {
    imported::check(stored)
}

/// Whether `stored` is in the engine's own form (argon2id with its output length).
fn is_own(stored: &str) -> bool {
    parse(stored).is_ok_and(|(_, _, hash)| hash.len() == HASH_LEN)
}

/// The cost parameters a stored hash was made with.
pub fn params_of(stored: &str) -> Result<PasswordParams> {
    parse(stored).map(|(p, _, _)| p)
}

/// Whether a stored hash is imported or made with other parameters than `current` (it is
/// then re-made at the next correct sign-in, so every hash ends up at the configured cost).
pub fn needs_rehash(stored: &str, current: PasswordParams) -> bool {
    !is_own(stored) || params_of(stored).is_ok_and(|p| p != current)
}

fn parse(stored: &str) -> Result<(PasswordParams, Vec<u8>, Vec<u8>)> {
    let bad = || MfaError::internal("stored password hash is malformed");
    let parts: Vec<&str> = stored.split('$').collect();
    let [_, "argon2id", "v=19", params, salt, hash] = parts.as_slice() else {
        return Err(bad());
    };
    let mut p = PasswordParams::default();
    for kv in params.split(',') {
        let (k, v) = kv.split_once('=').ok_or_else(bad)?;
        let v: u32 = v.parse().map_err(|_| bad())?;
        match k {
            "m" => p.memory_kib = v,
            "t" => p.iterations = v,
            "p" => p.parallelism = v,
            _ => return Err(bad()),
        }
    }
    let salt = STANDARD_NO_PAD.decode(salt).map_err(|_| bad())?;
    let hash = STANDARD_NO_PAD.decode(hash).map_err(|_| bad())?;
    Ok((p, salt, hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() -> Result<()> {
        let params = PasswordParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let h = hash(params, "correct horse")?;
        assert!(h.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(verify(&h, "correct horse")?);
        assert!(!verify(&h, "wrong horse")?);
        assert!(verify("$argon2id$v=19$garbage", "x").is_err());
        assert_eq!(params_of(&h)?, params);
        assert!(!needs_rehash(&h, params));
        let stronger = PasswordParams {
            memory_kib: 128,
            ..params
        };
        assert!(needs_rehash(&h, stronger));
        Ok(())
    }

    #[test]
    fn kept_memory_hashes_as_fresh_memory_does() -> Result<()> {
        // Larger costs first, so later hashes run in a kept buffer that is larger than they
        // need and holds an earlier hash's (wiped) blocks.
        for (memory_kib, iterations) in [(256, 2), (64, 1), (32, 3), (64, 1)] {
            let params = PasswordParams {
                memory_kib,
                iterations,
                parallelism: 1,
            };
            let salt = [7u8; SALT_LEN];
            let ours = derive(params, b"correct horse", &salt)?;
            let p = Params::new(memory_kib, iterations, 1, Some(HASH_LEN))
                .map_err(|e| MfaError::internal(e.to_string()))?;
            let mut fresh = [0u8; HASH_LEN];
            Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
                .hash_password_into(b"correct horse", &salt, &mut fresh)
                .map_err(|e| MfaError::internal(e.to_string()))?;
            assert_eq!(
                ours.as_slice(),
                fresh.as_slice(),
                "m={memory_kib} t={iterations}"
            );
        }
        Ok(())
    }

    #[test]
    fn default_params_are_owasp() {
        let p = PasswordParams::default();
        assert_eq!((p.memory_kib, p.iterations, p.parallelism), (19_456, 2, 1));
    }
}
