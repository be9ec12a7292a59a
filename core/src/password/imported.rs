//! Password hashes brought in by an import: argon2 (any variant and parameters), bcrypt,
//! scrypt and PBKDF2-SHA-256/512, each verified with its own implementation. A user's
//! imported hash is replaced by the engine's argon2id at their next correct sign-in.
//!
//! Cost parameters are bounded when a hash is imported, so a crafted file cannot make one
//! sign-in take minutes or gigabytes.

use crate::error::{MfaError, Result};
use password_hash::phc::PasswordHash;
use password_hash::PasswordVerifier;

/// A hash format this module verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Argon2,
    Bcrypt,
    Scrypt,
    Pbkdf2,
}

/// The format of a stored hash, by its prefix; `None` for anything else.
pub(super) fn format(stored: &str) -> Option<Format> {
    let id = stored.strip_prefix('$')?.split('$').next()?;
    match id {
        "argon2id" | "argon2i" | "argon2d" => Some(Format::Argon2),
        "2a" | "2b" | "2y" => Some(Format::Bcrypt),
        "scrypt" => Some(Format::Scrypt),
        "pbkdf2-sha256" | "pbkdf2-sha512" => Some(Format::Pbkdf2),
        _ => None,
    }
}

fn malformed(why: &str) -> MfaError {
    MfaError::invalid("passwordHash", why.to_string())
}

/// A numeric PHC parameter of `hash`.
fn param(hash: &PasswordHash, name: &str) -> Option<u64> {
    hash.params
        .get_str(name)
        .and_then(|v| v.parse::<u64>().ok())
}

/// Checks that `stored` is a hash this module can verify, with bounded cost.
pub(super) fn check(stored: &str) -> Result<()> {
    let format = format(stored).ok_or_else(|| {
        malformed("must be a PHC string of argon2, scrypt or pbkdf2-sha256/512, or a bcrypt hash")
    })?;
    if format == Format::Bcrypt {
        let parts: Vec<&str> = stored.split('$').collect();
        let cost = parts.get(2).and_then(|c| c.parse::<u32>().ok());
        if parts.len() != 4 || parts[3].len() != 53 || !cost.is_some_and(|c| (4..=16).contains(&c))
        {
            return Err(malformed("is not a bcrypt hash of cost 4 to 16"));
        }
        return Ok(());
    }
    let hash = PasswordHash::new(stored).map_err(|_| malformed("is not a valid PHC string"))?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(malformed("has no salt or no hash"));
    }
    let within = |name: &str, max: u64| param(&hash, name).is_some_and(|v| v >= 1 && v <= max);
    let bounded = match format {
        Format::Argon2 => within("m", 4_194_304) && within("t", 100) && within("p", 64),
        Format::Scrypt => within("ln", 20) && within("r", 32) && within("p", 16),
        Format::Pbkdf2 => within("i", 10_000_000),
        Format::Bcrypt => true,
    };
    if !bounded {
        return Err(malformed("has cost parameters out of the accepted range"));
    }
    Ok(())
}

/// Checks `password` against an imported hash (the caller holds a hashing permit).
pub(super) fn verify(stored: &str, password: &str) -> Result<bool> {
    let format =
        format(stored).ok_or_else(|| MfaError::internal("unknown password hash format"))?;
    if format == Format::Bcrypt {
        return bcrypt::verify(password, stored)
            .map_err(|_| MfaError::internal("stored bcrypt hash is malformed"));
    }
    let hash = PasswordHash::new(stored)
        .map_err(|_| MfaError::internal("stored password hash is malformed"))?;
    let outcome = match format {
        Format::Argon2 => argon2::Argon2::default().verify_password(password.as_bytes(), &hash),
        Format::Scrypt => scrypt::Scrypt::default().verify_password(password.as_bytes(), &hash),
        Format::Pbkdf2 => pbkdf2::Pbkdf2::default().verify_password(password.as_bytes(), &hash),
        Format::Bcrypt => return Err(MfaError::internal("unreachable bcrypt branch")),
    };
    match outcome {
        Ok(()) => Ok(true),
        Err(password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(MfaError::internal(format!("stored password hash: {e}"))),
    }
}
