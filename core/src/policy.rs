//! MFA requirement levels of the guide's `requireMfa(level)` middleware, decided in one place
//! for every binding.

use crate::error::{MfaError, Result};

/// Whether a route guarded at `level` requires MFA of a user with `role`.
/// Levels: `none`, `optional` (let through), `required`, `admin_only` (`admin`, `super_admin`).
pub fn should_require_mfa(level: &str, role: &str) -> Result<bool> {
    match level {
        "none" | "optional" => Ok(false),
        "required" => Ok(true),
        "admin_only" => Ok(matches!(role, "admin" | "super_admin")),
        _ => Err(MfaError::invalid(
            "level",
            "must be none, optional, required or admin_only",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::should_require_mfa;

    #[test]
    fn levels() {
        assert_eq!(should_require_mfa("none", "admin"), Ok(false));
        assert_eq!(should_require_mfa("optional", "admin"), Ok(false));
        assert_eq!(should_require_mfa("required", "user"), Ok(true));
        assert_eq!(should_require_mfa("admin_only", "user"), Ok(false));
        assert_eq!(should_require_mfa("admin_only", "admin"), Ok(true));
        assert_eq!(should_require_mfa("admin_only", "super_admin"), Ok(true));
        assert!(should_require_mfa("sometimes", "user").is_err());
    }
}
