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
}

/// Policy settings (`security`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityConfig {
    /// Admins (`admin`, `super_admin`) must use MFA.
    pub require_for_admins: bool,
    /// Days a user may go without enrolling when MFA is required.
    pub grace_period_days: u32,
    /// Operations that need a recent MFA verification.
    pub step_up_required: Vec<String>,
    /// How recent, in seconds (default 600).
    pub step_up_max_age_seconds: u32,
}

/// Session lifetimes (`sessions`, a Plinto extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionConfig {
    /// Lifetime of a signed-in session in seconds (default 86400).
    pub ttl_seconds: u32,
    /// Lifetime of a session waiting for its MFA step in seconds (default 600).
    pub pending_ttl_seconds: u32,
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
        }
    }
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            require_for_admins: false,
            grace_period_days: 0,
            step_up_required: [
                "password_change",
                "email_change",
                "mfa_disable",
                "account_delete",
                "payment_method_add",
            ]
            .map(str::to_string)
            .to_vec(),
            step_up_max_age_seconds: 600,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            ttl_seconds: 86_400,
            pending_ttl_seconds: 600,
        }
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
        )
    }
}

impl SecurityConfig {
    pub(super) fn check(&self) -> Result<()> {
        ranged(self.grace_period_days, "security.gracePeriodDays", 0, 365)?;
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
            self.pending_ttl_seconds,
            "sessions.pendingTtlSeconds",
            30,
            3600,
        )
    }
}
