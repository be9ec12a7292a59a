//! The policy sections: `backupCodes`, `rateLimiting`, `security`, `sessions`.

use super::check::ranged;
use crate::error::{MfaError, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Alphabet of backup codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BackupAlphabet {
    /// Digits and upper-case letters without look-alikes (32 symbols, 5 bits each).
    Alphanumeric,
    /// Digits only.
    Numeric,
}

/// Backup-code settings (`backupCodes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupCodesConfig {
    /// Whether backup codes are issued and accepted.
    pub enabled: bool,
    /// How many codes a set holds (default 10).
    pub count: u32,
    /// Characters per code (default 10).
    pub length: u32,
    /// Alphabet (`alphanumeric` or `numeric`).
    #[serde(rename = "algorithm")]
    pub alphabet: BackupAlphabet,
}

/// Attempt limiting (`rateLimiting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RateLimitConfig {
    /// Wrong codes allowed per window before lockout (default 5).
    pub max_attempts: u32,
    /// Window over which wrong codes are counted, in minutes (default 15).
    pub window_minutes: u32,
    /// Lockout length in minutes (default 15).
    pub lockout_minutes: u32,
    /// Consecutive failed MFA attempts, across lockouts, after which the user's code-based
    /// factors (TOTP, SMS, email) are suspended until recovery (default 100, NIST SP 800-63B
    /// §5.2.2).
    pub max_consecutive_failures: u32,
    /// Enforce the progressive delay between wrong codes (1 s doubling per failure, at most
    /// 30 s): an attempt before it has passed is refused (default true).
    pub progressive_delay: bool,
    /// Wrong passwords per account in the window before sign-in to it locks (default 10).
    pub sign_in_attempts: u32,
    /// Wrong passwords per client IP in the window before sign-ins from it lock (default 100).
    pub sign_in_attempts_per_ip: u32,
}

/// The standard whose floor `configure()` holds settings to (`security.profile`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum SecurityProfile {
    /// NIST SP 800-63B at AAL2 (the default).
    #[default]
    #[serde(rename = "nist-aal2")]
    NistAal2,
    /// OWASP ASVS 4.0 level 2: AAL2, and passwords of at least 12 characters.
    #[serde(rename = "asvs-l2")]
    AsvsL2,
    /// No floor: any setting in range is accepted.
    #[serde(rename = "custom")]
    Custom,
}

/// Policy settings (`security`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityConfig {
    /// The standard settings are held to: `nist-aal2` (default), `asvs-l2` or `custom`.
    pub profile: SecurityProfile,
    /// Admins (`admin`, `super_admin`) must enroll a factor whatever the rollout's phase
    /// (their grace period starts when they next sign in, or at `enforce_rollout`).
    pub require_for_admins: bool,
    /// Days a user required to enroll may still use the application without MFA (0 to 365,
    /// default 30); after that the session may only enroll a factor.
    pub grace_period_days: u32,
    /// Operations that need a recent MFA verification (or, on an account without MFA, a
    /// recent password check). Core enforces `mfa_disable`, `backup_codes_regenerate`,
    /// `factor_add`, `factor_remove`, `password_change`, `email_change` and
    /// `account_delete` on its own operations; `authorize` checks any name for the
    /// application's.
    pub step_up_required: Vec<String>,
    /// How recent, in seconds (default 600).
    pub step_up_max_age_seconds: u32,
    /// Shortest new password, in characters (default 8).
    pub password_min_length: u32,
    /// Refuse new passwords from the shipped list of common passwords (default true).
    pub refuse_common_passwords: bool,
}

/// Audit-log settings (`audit`, a Plinto extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditConfig {
    /// Days audit events are kept, also after their user is deleted (then under a
    /// pseudonym). Default 365.
    pub retention_days: u32,
}

/// Security notifications (`notifications`, a Plinto extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationConfig {
    /// Without a registered notifier, email the user with the built-in template when SMTP
    /// is configured (default true).
    pub email: bool,
}

/// Session lifetimes (`sessions`, a Plinto extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionConfig {
    /// Absolute lifetime of a signed-in session in seconds (default 43200, 12 hours).
    pub ttl_seconds: u32,
    /// A session unused this long ends, in seconds (default 1800, 30 minutes).
    pub idle_timeout_seconds: u32,
    /// Lifetime of a session waiting for its MFA step in seconds (default 600).
    pub pending_ttl_seconds: u32,
    /// Adding or removing a factor, turning MFA off and changing the password or email end
    /// the user's other sessions (default true).
    pub revoke_other_sessions: bool,
}

impl Default for BackupCodesConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            count: 10,
            length: 10,
            alphabet: BackupAlphabet::Alphanumeric,
        }
    }
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            window_minutes: 15,
            lockout_minutes: 15,
            max_consecutive_failures: 100,
            progressive_delay: true,
            sign_in_attempts: 10,
            sign_in_attempts_per_ip: 100,
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            profile: SecurityProfile::NistAal2,
            require_for_admins: false,
            grace_period_days: 30,
            step_up_required: [
                "mfa_disable",
                "backup_codes_regenerate",
                "factor_add",
                "factor_remove",
                "password_change",
                "email_change",
                "account_delete",
                "payment_method_add",
            ]
            .map(str::to_string)
            .to_vec(),
            step_up_max_age_seconds: 600,
            password_min_length: 8,
            refuse_common_passwords: true,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            ttl_seconds: 43_200,
            idle_timeout_seconds: 1800,
            pending_ttl_seconds: 600,
            revoke_other_sessions: true,
        }
    }
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            retention_days: 365,
        }
    }
}

impl Default for NotificationConfig {
    fn default() -> Self {
        Self { email: true }
    }
}

impl BackupCodesConfig {
    pub(super) fn check(&self) -> Result<()> {
        ranged(self.count, "backupCodes.count", 1, 50)?;
        ranged(self.length, "backupCodes.length", 6, 32)
    }
}

impl RateLimitConfig {
    pub(super) fn check(&self) -> Result<()> {
        ranged(self.max_attempts, "rateLimiting.maxAttempts", 1, 100)?;
        ranged(self.window_minutes, "rateLimiting.windowMinutes", 1, 1440)?;
        ranged(
            self.lockout_minutes,
            "rateLimiting.lockoutMinutes",
            1,
            10_080,
        )?;
        ranged(
            self.max_consecutive_failures,
            "rateLimiting.maxConsecutiveFailures",
            self.max_attempts,
            100_000,
        )?;
        ranged(
            self.sign_in_attempts,
            "rateLimiting.signInAttempts",
            1,
            1000,
        )?;
        ranged(
            self.sign_in_attempts_per_ip,
            "rateLimiting.signInAttemptsPerIp",
            1,
            100_000,
        )
    }
}

impl SecurityConfig {
    pub(super) fn check(&self) -> Result<()> {
        ranged(self.grace_period_days, "security.gracePeriodDays", 0, 365)?;
        ranged(
            self.password_min_length,
            "security.passwordMinLength",
            1,
            64,
        )?;
        let ops = &self.step_up_required;
        if ops.len() > 100 || ops.iter().any(|o| o.is_empty() || o.len() > 64) {
            return Err(MfaError::invalid(
                "security.stepUpRequired",
                "must be at most 100 names of 1 to 64 characters",
            ));
        }
        ranged(
            self.step_up_max_age_seconds,
            "security.stepUpMaxAgeSeconds",
            1,
            86_400,
        )
    }
}

impl SessionConfig {
    pub(super) fn check(&self) -> Result<()> {
        ranged(self.ttl_seconds, "sessions.ttlSeconds", 60, 31_536_000)?;
        ranged(
            self.idle_timeout_seconds,
            "sessions.idleTimeoutSeconds",
            60,
            31_536_000,
        )?;
        ranged(
            self.pending_ttl_seconds,
            "sessions.pendingTtlSeconds",
            30,
            3600,
        )
    }
}

impl AuditConfig {
    pub(super) fn check(&self) -> Result<()> {
        ranged(self.retention_days, "audit.retentionDays", 1, 3650)
    }
}
