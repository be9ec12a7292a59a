//! What a new password must be (NIST SP 800-63B §5.1.1.2): long enough (`security.
//! passwordMinLength`, 8 by default; at most 1024 bytes, far above the 64 characters the
//! standard asks to allow), not a common password from the shipped list, not the user's email
//! or the service's name, and not known breached by the application's check when it has one.

use crate::error::{MfaError, Result};
use crate::validate;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The application's breached-password check (e.g. a k-anonymity query to a breach corpus),
/// registered with `Engine::set_password_check`.
pub trait PasswordScreen: Send + Sync {
    /// Whether `password` is known to be compromised. An `Err` (the service is down) lets the
    /// password through and is recorded in the audit log.
    fn is_compromised(&self, password: &str) -> std::result::Result<bool, String>;
}

fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Checks a new password against the rules that need no service: its length, the common
/// list (when `refuse_common`), and the `context` words (email, its local part, the issuer).
pub fn check(password: &str, min_length: u32, refuse_common: bool, context: &[&str]) -> Result<()> {
    let password = validate::password(password)?;
    let min = usize::try_from(min_length).unwrap_or(usize::MAX);
    if password.chars().count() < min {
        return Err(MfaError::invalid(
            "password",
            format!("must be at least {min} characters"),
        ));
    }
    let lower = password.to_lowercase();
    if refuse_common {
        if common().contains(lower.as_str()) {
            return Err(MfaError::invalid(
                "password",
                "is too common; choose one that is not on lists of leaked passwords",
            ));
        }
        let mut chars = lower.chars();
        let first = chars.next();
        if first.is_some() && chars.all(|c| Some(c) == first) {
            return Err(MfaError::invalid(
                "password",
                "must not repeat a single character",
            ));
        }
    }
    for word in context {
        let word = word.trim().to_lowercase();
        if word.chars().count() >= 4 && lower == word {
            return Err(MfaError::invalid(
                "password",
                "must not be your email address or the service's name",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_list_and_context() {
        let reason = |p: &str| check(p, 8, true, &["bob@example.com", "bob", "Acme"]).err();
        assert!(reason("correct horse battery").is_none());
        assert_eq!(
            reason("short").map(|e| e.reason()),
            Some("must be at least 8 characters".into())
        );
        for p in [
            "password",
            "Password1",
            "QWERTYUIOP",
            "iloveyou",
            "12345678",
        ] {
            let e = reason(p);
            assert_eq!(
                e.as_ref().and_then(MfaError::field),
                Some("password"),
                "{p}"
            );
        }
        assert!(reason("zzzzzzzzzz").is_some());
        assert!(reason("bob@example.com").is_some());
        // The list is off only when the application turns it off.
        assert!(check("password", 8, false, &[]).is_ok());
        assert!(check(&"x".repeat(1025), 8, true, &[]).is_err());
        assert!(check(&"long passphrase ".repeat(4), 8, true, &[]).is_ok());
    }

    #[test]
    fn list_is_lower_case_and_large() {
        assert!(common().len() > 400);
        assert!(common().iter().all(|p| *p == p.to_lowercase()));
    }
}
