//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), secrets and `otpauth://` URIs.
//!
//! Invariants: codes are compared in constant time and every step of the skew window is
//! computed, match or not; the matching *step* is returned so the caller can refuse a step
//! already used (replay protection lives in the store, not here).

use crate::crypto::{ct_eq, random_bytes};
use crate::error::{MfaError, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Builder, Secret};

/// HMAC algorithm of a TOTP credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "UPPERCASE")]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1 (what every authenticator app supports).
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

impl TotpAlgorithm {
    /// Name as used in otpauth URIs and configuration: `SHA1`, `SHA256`, `SHA512`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// Parses `SHA1`, `SHA256` or `SHA512` (case-insensitive).
    pub fn parse(s: &str, field: &str) -> Result<Self> {
        match s.to_ascii_uppercase().as_str() {
            "SHA1" => Ok(Self::Sha1),
            "SHA256" => Ok(Self::Sha256),
            "SHA512" => Ok(Self::Sha512),
            _ => Err(MfaError::invalid(field, "must be SHA1, SHA256 or SHA512")),
        }
    }

    fn lib(self) -> Algorithm {
        match self {
            Self::Sha1 => Algorithm::SHA1,
            Self::Sha256 => Algorithm::SHA256,
            Self::Sha512 => Algorithm::SHA512,
        }
    }

    /// Secret length recommended by RFC 6238 for this hash (its output size).
    pub fn secret_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }
}

/// The parameters of one TOTP credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TotpParams {
    /// HMAC algorithm.
    pub algorithm: TotpAlgorithm,
    /// 6 or 8 digits.
    pub digits: u8,
    /// Step length in seconds.
    pub period: u32,
}

impl Default for TotpParams {
    fn default() -> Self {
        Self {
            algorithm: TotpAlgorithm::Sha1,
            digits: 6,
            period: 30,
        }
    }
}

impl TotpParams {
    /// Checks digits (6 to 8) and period (1 to 3600 s).
    pub fn validate(&self) -> Result<()> {
        if !(6..=8).contains(&self.digits) {
            return Err(MfaError::invalid("digits", "must be 6, 7 or 8"));
        }
        if !(1..=3600).contains(&self.period) {
            return Err(MfaError::invalid("period", "must be 1 to 3600 seconds"));
        }
        Ok(())
    }

    /// The time step containing `unix_time`.
    pub fn step_at(&self, unix_time: i64) -> i64 {
        unix_time.div_euclid(i64::from(self.period))
    }

    /// Seconds left in the step containing `unix_time`.
    pub fn seconds_remaining(&self, unix_time: i64) -> u32 {
        let p = i64::from(self.period);
        u32::try_from(p - unix_time.rem_euclid(p)).unwrap_or(self.period)
    }
}

/// Generates a fresh random secret of the length suited to `algorithm`.
pub fn generate_secret(algorithm: TotpAlgorithm) -> Result<Vec<u8>> {
    random_bytes(algorithm.secret_len())
}

/// Encodes a raw secret as unpadded RFC 4648 base32 (what authenticator apps expect).
pub fn secret_to_base32(secret: &[u8]) -> String {
    Secret::from(secret)
        .to_base32()
        .trim_end_matches('=')
        .to_string()
}

/// Decodes a base32 secret (spaces, hyphens, lowercase and padding tolerated).
pub fn secret_from_base32(text: &str, field: &str) -> Result<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '='))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if cleaned.is_empty() || cleaned.len() > 1024 {
        return Err(MfaError::invalid(
            field,
            "must be a non-empty base32 string",
        ));
    }
    Secret::try_from_base32(&cleaned)
        .map(|s| s.to_vec())
        .map_err(|_| MfaError::invalid(field, "is not valid base32"))
}

/// The code for the step containing `unix_time`.
pub fn code_at(secret: &[u8], params: TotpParams, unix_time: i64) -> Result<String> {
    params.validate()?;
    let time = u64::try_from(unix_time).map_err(|_| MfaError::invalid("time", "is negative"))?;
    let totp = Builder::new()
        .with_algorithm(params.algorithm.lib())
        .with_digits(params.digits)
        .with_step_duration(u64::from(params.period))
        .with_secret(secret)
        .build_noncompliant();
    Ok(totp.generate(time).to_string())
}

/// Checks `code` against every step in `now ± skew` steps, in constant time per step.
/// Returns the matching step, if any.
pub fn check(
    secret: &[u8],
    params: TotpParams,
    skew: u32,
    code: &str,
    now: i64,
) -> Result<Option<i64>> {
    let current = params.step_at(now);
    let mut found = None;
    for delta in -i64::from(skew)..=i64::from(skew) {
        let step = current + delta;
        if step < 0 {
            continue;
        }
        let expected = code_at(secret, params, step * i64::from(params.period))?;
        if ct_eq(expected.as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    Ok(found)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Builds a Google Authenticator key URI:
/// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=…&digits=…&period=…`.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8], params: TotpParams) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm={}&digits={}&period={}",
        uri_encode(issuer),
        uri_encode(account),
        secret_to_base32(secret),
        uri_encode(issuer),
        params.algorithm.as_str(),
        params.digits,
        params.period
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_roundtrip() -> Result<()> {
        let raw = b"12345678901234567890";
        let b32 = secret_to_base32(raw);
        assert_eq!(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(secret_from_base32(&b32.to_lowercase(), "secret")?, raw);
        assert!(secret_from_base32("!!!", "secret").is_err());
        Ok(())
    }

    #[test]
    fn check_window_and_step() -> Result<()> {
        let secret = b"12345678901234567890";
        let p = TotpParams::default();
        let now = 1_700_000_000;
        let prev = code_at(secret, p, now - 30)?;
        assert_eq!(check(secret, p, 1, &prev, now)?, Some(p.step_at(now) - 1));
        assert_eq!(check(secret, p, 0, &prev, now)?, None);
        let far = code_at(secret, p, now - 90)?;
        assert_eq!(check(secret, p, 1, &far, now)?, None);
        Ok(())
    }

    #[test]
    fn uri_is_escaped() {
        let u = otpauth_uri(
            "My App",
            "a+b@x.io",
            b"12345678901234567890",
            TotpParams::default(),
        );
        assert!(u.starts_with("otpauth://totp/My%20App:a%2Bb%40x.io?secret="));
        assert!(u.contains("&issuer=My%20App&algorithm=SHA1&digits=6&period=30"));
    }
}
