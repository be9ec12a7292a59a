//! Password hashes brought in by an import: argon2 (any variant and parameters), bcrypt,
//! scrypt and PBKDF2-SHA-256/512, each verified with its own implementation. A user's
//! imported hash is replaced by the engine's argon2id at their next correct sign-in.
//!
//! Cost parameters are bounded when a hash is imported (argon2 at most 256 MiB and 10 passes,
//! scrypt at most 2^17 with r·p ≤ 16, PBKDF2 at most 1,000,000 iterations, bcrypt at most
//! cost 14), so a crafted file cannot make one sign-in take more than about a second or much
//! memory; salts and outputs must have lengths that can verify.

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

/// The bcrypt alphabet (its own base64).
fn is_bcrypt_b64(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'/')
}

/// Checks that `stored` is a hash this module can verify, with bounded cost.
pub(super) fn check(stored: &str) -> Result<()> {
    let format = format(stored).ok_or_else(|| {
        malformed("must be a PHC string of argon2, scrypt or pbkdf2-sha256/512, or a bcrypt hash")
    })?;
    if format == Format::Bcrypt {
        // `$2b$` + two-digit cost + `$` + 22 salt and 31 hash characters: 60 ASCII bytes.
        let parts: Vec<&str> = stored.split('$').collect();
        let cost = parts
            .get(2)
            .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|c| c.parse::<u32>().ok());
        let body_ok = parts
            .get(3)
            .is_some_and(|b| b.len() == 53 && is_bcrypt_b64(b));
        if stored.len() != 60
            || parts.len() != 4
            || !body_ok
            || !cost.is_some_and(|c| (4..=14).contains(&c))
        {
            return Err(malformed("is not a bcrypt hash of cost 4 to 14"));
        }
        return Ok(());
    }
    let hash = PasswordHash::new(stored).map_err(|_| malformed("is not a valid PHC string"))?;
    let salt_len = hash
        .salt
        .as_ref()
        .map_or(0, |s| AsRef::<[u8]>::as_ref(s).len());
    let out_len = hash.hash.as_ref().map_or(0, |h| h.len());
    if salt_len < 8 || !(16..=64).contains(&out_len) {
        return Err(malformed(
            "needs a salt of at least 8 bytes and an output of 16 to 64 bytes",
        ));
    }
    let get = |name: &str| param(&hash, name).unwrap_or(0);
    let within = |name: &str, max: u64| (1..=max).contains(&get(name));
    let bounded = match format {
        Format::Argon2 => {
            within("m", 262_144) && within("t", 10) && within("p", 16) && get("m") >= 8 * get("p")
        }
        Format::Scrypt => {
            within("ln", 17) && within("r", 16) && within("p", 16) && get("r") * get("p") <= 16
        }
        Format::Pbkdf2 => within("i", 1_000_000),
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

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn costs_and_shapes_are_bounded() {
        let ok_bcrypt = "$2b$05$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ2";
        assert!(check(ok_bcrypt).is_ok());
        for bad in [
            "$2b$15$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ2",
            "$2b$5$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ2x",
            "$2b$05$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ",
            "$2b$05$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQ!2",
            "$argon2id$v=19$m=1048576,t=2,p=1$0gJJeft7fE5tIm/gEeYIxw$egIN7thtJEUWgekjziXahkGtIS7/Zc6JO0MfikabhX0",
            "$argon2id$v=19$m=64,t=2,p=16$0gJJeft7fE5tIm/gEeYIxw$egIN7thtJEUWgekjziXahkGtIS7/Zc6JO0MfikabhX0",
            "$argon2i$v=19$m=1024,p=1,t=2$0gJJeft7fE5tIm/gEeYIxw$egIN7thtJEU",
            "$scrypt$ln=20,r=8,p=1$sw0igmWLZYfGjrNJS+UThA$Sb5z6u/rllnMm9cy+2vqWstPKEroPtxQ3FvcqY6df18",
            "$scrypt$ln=10,r=16,p=4$sw0igmWLZYfGjrNJS+UThA$Sb5z6u/rllnMm9cy+2vqWstPKEroPtxQ3FvcqY6df18",
            "$pbkdf2-sha256$i=5000000,l=32$sw0igmWLZYfGjrNJS+UThA$CSP423g9IvU5rdQbcXWTX/hXhowjOI7koKbN9NB9MDU",
            "$pbkdf2-sha256$i=1000,l=32$c2FsdA$CSP423g9IvU5rdQbcXWTX/hXhowjOI7koKbN9NB9MDU",
            "$md5$abc",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
