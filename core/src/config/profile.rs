//! The floor a `security.profile` holds settings to. Each rule names the option it reads and
//! the clause it comes from, and a refusal says both.

use super::{BackupAlphabet, Config, SecurityProfile};
use crate::error::{MfaError, Result};

/// Operations that change a user's factors: every profile but `custom` keeps them behind a
/// step-up (NIST SP 800-63B §6.1.2.1).
pub(crate) const FACTOR_OPERATIONS: [&str; 4] = [
    "factor_add",
    "factor_remove",
    "mfa_disable",
    "backup_codes_regenerate",
];

/// Bits of entropy of one backup code.
fn backup_code_bits(config: &Config) -> f64 {
    let per_symbol = match config.backup_codes.alphabet {
        BackupAlphabet::Alphanumeric => 5.0,
        BackupAlphabet::Numeric => 10f64.log2(),
    };
    f64::from(config.backup_codes.length) * per_symbol
}

impl Config {
    /// Refuses settings below the profile's standard (nothing for `custom`).
    pub(super) fn check_profile(&self) -> Result<()> {
        let (name, min_password) = match self.security.profile {
            SecurityProfile::Custom => return Ok(()),
            SecurityProfile::NistAal2 => ("nist-aal2", 8),
            SecurityProfile::AsvsL2 => ("asvs-l2", 12),
        };
        let refuse = |field: &str, rule: &str| {
            Err(MfaError::invalid(
                field,
                format!("{rule} under security.profile {name} (use \"custom\" to allow it)"),
            ))
        };
        if self.rate_limiting.max_consecutive_failures > 100 {
            return refuse(
                "rateLimiting.maxConsecutiveFailures",
                "must be at most 100 (NIST SP 800-63B §5.2.2)",
            );
        }
        for (field, channel) in [
            ("methods.sms.codeTtlSeconds", &self.methods.sms),
            ("methods.email.codeTtlSeconds", &self.methods.email),
        ] {
            if channel.code_ttl_seconds > 600 {
                return refuse(
                    field,
                    "one-time codes must live at most 600 seconds (NIST SP 800-63B §5.1.3)",
                );
            }
        }
        if backup_code_bits(self) < 20.0 {
            return refuse(
                "backupCodes.length",
                "backup codes must hold at least 20 bits (NIST SP 800-63B §5.1.2.1)",
            );
        }
        if self.sessions.ttl_seconds > 43_200 {
            return refuse(
                "sessions.ttlSeconds",
                "must be at most 43200, 12 hours (NIST SP 800-63B §4.2.3)",
            );
        }
        if self.sessions.idle_timeout_seconds > 1800 {
            return refuse(
                "sessions.idleTimeoutSeconds",
                "must be at most 1800, 30 minutes (NIST SP 800-63B §4.2.3)",
            );
        }
        if self.security.password_min_length < min_password {
            let rule = if min_password == 12 {
                "must be at least 12 (OWASP ASVS 2.1.1)"
            } else {
                "must be at least 8 (NIST SP 800-63B §5.1.1.2)"
            };
            return refuse("security.passwordMinLength", rule);
        }
        if !self.security.refuse_common_passwords {
            return refuse(
                "security.refuseCommonPasswords",
                "must be true (NIST SP 800-63B §5.1.1.2)",
            );
        }
        if self.security.step_up_max_age_seconds > 3600 {
            return refuse(
                "security.stepUpMaxAgeSeconds",
                "must be at most 3600 (NIST SP 800-63B §6.1.2.1)",
            );
        }
        if self.security.profile == SecurityProfile::NistAal2
            && self.methods.push.digits(self.security.profile) < 6
        {
            return refuse(
                "methods.push.matchDigits",
                "must be at least 6: the number is an out-of-band secret carried from the sign-in screen to the phone (NIST SP 800-63B-4, out-of-band authenticators)",
            );
        }
        for op in FACTOR_OPERATIONS {
            if !self.security.step_up_required.iter().any(|o| o == op) {
                return refuse(
                    "security.stepUpRequired",
                    &format!("must include {op} (NIST SP 800-63B §6.1.2.1)"),
                );
            }
        }
        Ok(())
    }
}
