//! Input checks shared by every public operation. Each failure is an `invalid_input` error
//! naming the argument, so bindings can pass caller input straight through.

use crate::error::{MfaError, Result};

/// Longest accepted email address (RFC 5321 path limit).
pub const MAX_EMAIL: usize = 254;
/// Longest accepted password, in bytes.
pub const MAX_PASSWORD: usize = 1024;
/// Longest accepted id or token.
pub const MAX_TOKEN: usize = 512;
/// Longest accepted MFA code (backup codes with separators included).
pub const MAX_CODE: usize = 64;

fn no_nul(field: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(MfaError::invalid(field, "must not contain NUL characters"));
    }
    Ok(())
}

/// A required short text: non-empty after trimming, at most `max` bytes, no NUL.
pub fn text<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str> {
    no_nul(field, value)?;
    let v = value.trim();
    if v.is_empty() {
        return Err(MfaError::invalid(field, "is required"));
    }
    if v.len() > max {
        return Err(MfaError::invalid(
            field,
            format!("must be at most {max} bytes"),
        ));
    }
    Ok(v)
}

/// An email address, returned normalized (trimmed, lower-case).
pub fn email(value: &str) -> Result<String> {
    let v = text("email", value, MAX_EMAIL)?;
    let bad = || MfaError::invalid("email", "is not a valid email address");
    let (local, domain) = v.rsplit_once('@').ok_or_else(bad)?;
    let ok_chars = v.chars().all(|c| !c.is_whitespace() && !c.is_control());
    if local.is_empty()
        || local.len() > 64
        || domain.len() < 3
        || !domain.contains('.')
        || !ok_chars
    {
        return Err(bad());
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(bad());
    }
    Ok(v.to_lowercase())
}

/// A password to check (any non-empty value up to the limit).
pub fn password(value: &str) -> Result<&str> {
    no_nul("password", value)?;
    if value.is_empty() {
        return Err(MfaError::invalid("password", "is required"));
    }
    if value.len() > MAX_PASSWORD {
        return Err(MfaError::invalid(
            "password",
            format!("must be at most {MAX_PASSWORD} bytes"),
        ));
    }
    Ok(value)
}

/// A role name: 1 to 64 of `a-z 0-9 _ -`.
pub fn role(value: &str) -> Result<String> {
    let v = text("role", value, 64)?;
    if !v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(MfaError::invalid(
            "role",
            "may contain only a-z, 0-9, _ and -",
        ));
    }
    Ok(v.to_string())
}

/// An id or token.
pub fn token<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    text(field, value, MAX_TOKEN)
}

/// An MFA code: spaces and hyphens are dropped, letters upper-cased.
pub fn code(value: &str) -> Result<String> {
    let v = text("code", value, MAX_CODE)?;
    Ok(v.chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect())
}

/// An optional label: at most 128 bytes, no NUL, no `:` (it becomes the issuer prefix).
pub fn label(value: Option<&str>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => {
            let v = text("label", v, 128)?;
            if v.contains(':') {
                return Err(MfaError::invalid("label", "must not contain ':'"));
            }
            Ok(Some(v.to_string()))
        }
    }
}
