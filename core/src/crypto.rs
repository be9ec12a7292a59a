//! Cryptographic building blocks: the master key, AES-256-GCM sealing of secrets at rest,
//! keyed hashes for codes, SHA-256 for tokens, randomness and constant-time comparison.
//!
//! Invariants: every ciphertext carries the id of the key that sealed it and is bound to
//! its row by associated data, so a sealed value cannot be moved to another row; key bytes
//! are zeroed on drop and never printed.

use crate::error::{MfaError, Result};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of a master key in bytes.
pub const KEY_LEN: usize = 32;

/// The 32-byte master key that encrypts secrets at rest. Debug output is redacted.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; KEY_LEN]);

impl SecretKey {
    /// A key from exactly 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|_| MfaError::invalid("secretKey", "must be exactly 32 bytes"))?;
        Ok(Self(arr))
    }

    /// A key from its text form: 64 hex digits or base64 (standard or URL-safe) of 32 bytes.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        let bad = || {
            MfaError::invalid(
                "secretKey",
                "must be 32 bytes given as 64 hex digits or as base64",
            )
        };
        if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut out = [0u8; KEY_LEN];
            for (i, chunk) in text.as_bytes().chunks(2).enumerate() {
                let s = std::str::from_utf8(chunk).map_err(|_| bad())?;
                out[i] = u8::from_str_radix(s, 16).map_err(|_| bad())?;
            }
            let key = Self(out);
            out.zeroize();
            return Ok(key);
        }
        let mut raw = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| bad())?;
        let key = Self::from_bytes(&raw).map_err(|_| bad());
        raw.zeroize();
        key
    }

    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        let mut k = [0u8; KEY_LEN];
        fill_random(&mut k)?;
        let key = Self(k);
        k.zeroize();
        Ok(key)
    }

    /// The key as 64 lowercase hex digits (for writing a development key file).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// A short public identifier of the key (first 8 bytes of SHA-256 over a domain tag and the key).
    pub fn id(&self) -> String {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(b"plinto-mfa key id v1\0");
        ctx.update(&self.0);
        hex(&ctx.finish().as_ref()[..8])
    }

    fn aead(&self) -> Result<LessSafeKey> {
        UnboundKey::new(&AES_256_GCM, &self.0)
            .map(LessSafeKey::new)
            .map_err(|_| MfaError::internal("cannot build AES key"))
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(id={}, <redacted>)", self.id())
    }
}

/// A sealed value as stored: the sealing key's id and `nonce || ciphertext || tag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Id of the key that sealed it ([`SecretKey::id`]).
    pub key_id: String,
    /// Nonce, ciphertext and tag.
    pub data: Vec<u8>,
}

/// Encrypts `plain` under `key`, bound to `aad` (the row it belongs to).
pub fn seal(key: &SecretKey, aad: &str, plain: &[u8]) -> Result<Sealed> {
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce)?;
    let mut buf = plain.to_vec();
    key.aead()?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad.as_bytes()),
            &mut buf,
        )
        .map_err(|_| MfaError::internal("encryption failed"))?;
    let mut data = nonce.to_vec();
    data.extend_from_slice(&buf);
    buf.zeroize();
    Ok(Sealed {
        key_id: key.id(),
        data,
    })
}

/// Decrypts a value sealed by [`seal`]; a wrong key gives `key_mismatch`.
pub fn open(key: &SecretKey, aad: &str, sealed: &Sealed) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    if sealed.key_id != key.id() || sealed.data.len() < NONCE_LEN {
        return Err(MfaError::KeyMismatch);
    }
    let (nonce, ct) = sealed.data.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| MfaError::KeyMismatch)?;
    let mut buf = zeroize::Zeroizing::new(ct.to_vec());
    let len = key
        .aead()?
        .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
        .map_err(|_| MfaError::KeyMismatch)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// The key that seals, and earlier keys that still open what they sealed (a rotation under
/// way: every server seals with the new key and opens values not yet re-sealed).
#[derive(Clone)]
pub struct Keyring {
    /// Seals new values (and opens its own).
    pub current: SecretKey,
    /// Open only.
    pub previous: Vec<SecretKey>,
}

impl Keyring {
    /// Opens `sealed` with whichever key of the ring sealed it (`key_mismatch` if none).
    pub fn open(&self, aad: &str, sealed: &Sealed) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id() == sealed.key_id)
            .unwrap_or(&self.current);
        open(key, aad, sealed)
    }
}

/// Fills `buf` from the operating system's CSPRNG (safe across `fork()`).
pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| MfaError::internal("system random generator failed"))
}

/// `n` random bytes.
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut v = vec![0u8; n];
    fill_random(&mut v)?;
    Ok(v)
}

/// A uniformly random integer in `0..bound` (rejection sampling, no modulo bias).
pub fn random_below(bound: u32) -> Result<u32> {
    if bound == 0 {
        return Err(MfaError::internal("random_below(0)"));
    }
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let mut b = [0u8; 4];
        fill_random(&mut b)?;
        let v = u32::from_le_bytes(b);
        if v < zone {
            return Ok(v % bound);
        }
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    digest::digest(&digest::SHA256, data).as_ref().to_vec()
}

/// HMAC-SHA-256 of `data` under `key`.
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// Constant-time equality of two byte strings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// Base64url without padding.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Standard base64 with padding.
pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A random identifier with a type prefix, e.g. `usr_3f9a…` (128 random bits).
pub fn new_id(prefix: &str) -> Result<String> {
    Ok(format!("{prefix}_{}", hex(&random_bytes(16)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_roundtrip_and_binding() -> Result<()> {
        let k = SecretKey::generate()?;
        let s = seal(&k, "row:1", b"hello")?;
        assert_eq!(open(&k, "row:1", &s)?.as_slice(), b"hello");
        assert_eq!(open(&k, "row:2", &s), Err(MfaError::KeyMismatch));
        let other = SecretKey::generate()?;
        assert_eq!(open(&other, "row:1", &s), Err(MfaError::KeyMismatch));
        Ok(())
    }

    #[test]
    fn parses_hex_and_base64_keys() -> Result<()> {
        let k = SecretKey::generate()?;
        let hex_form = k.to_hex();
        assert_eq!(SecretKey::parse(&hex_form)?.id(), k.id());
        let b = b64(&SecretKey::parse(&hex_form)?.0);
        assert_eq!(SecretKey::parse(&b)?.id(), k.id());
        assert!(SecretKey::parse("short").is_err());
        assert!(format!("{k:?}").contains("redacted"));
        assert!(!format!("{k:?}").contains(&hex_form));
        Ok(())
    }
}
