//! The one public error type of the engine.
//!
//! Every failure leaves core as an [`MfaError`] whose [`MfaError::code`] is a stable string.
//! Bindings map these codes one to one; `tests/vectors/error_codes.json` lists them all.
//! Messages never contain secrets, codes or tokens.

use std::fmt;

/// Result alias used throughout the engine.
pub type Result<T, E = MfaError> = std::result::Result<T, E>;

/// Every error the engine can return. Match on [`MfaError::code`] for a stable string.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MfaError {
    /// An argument was missing, malformed, too long or out of range. `field` names it.
    InvalidInput {
        /// The argument or option at fault, e.g. `email` or `methods.totp.digits`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The user, device or record does not exist.
    NotFound(String),
    /// A user with this email already exists.
    AlreadyExists(String),
    /// Email or password is wrong (deliberately not saying which).
    InvalidCredentials,
    /// The session token is unknown, expired or signed out.
    SessionInvalid,
    /// MFA could not be set up.
    SetupFailed(String),
    /// The MFA code is wrong.
    InvalidCode,
    /// The MFA code or challenge has expired.
    ExpiredCode,
    /// The method is unknown, disabled, or not enrolled for this user.
    MethodNotSupported(String),
    /// The operation needs MFA to be enabled for the user first.
    NotEnabled,
    /// Too many attempts: try again after `retry_after` seconds.
    RateLimited {
        /// Seconds until another attempt will be considered.
        retry_after: u64,
    },
    /// The backup code was already used.
    BackupCodeAlreadyUsed,
    /// The user has no backup codes left.
    NoBackupCodesRemaining,
    /// The code could not be sent on this channel (`sms` or `email`); try another method.
    DeliveryFailed {
        /// The channel that failed.
        channel: String,
    },
    /// The operation needs an MFA verification more recent than the allowed age.
    StepUpRequired {
        /// The maximum age that was required, in seconds.
        max_age: u64,
    },
    /// The secret key given at open does not match the key that encrypted this database.
    KeyMismatch,
    /// The database was written by a newer version of Plinto MFA.
    DatabaseTooNew {
        /// Schema version found in the file.
        found: i64,
        /// Newest schema version this build understands.
        supported: i64,
    },
    /// The database failed (I/O, corruption, lock timeout).
    Storage(String),
    /// A bug or an unexpected state inside the engine.
    Internal(String),
}

impl MfaError {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "invalid_input",
            Self::NotFound(_) => "not_found",
            Self::AlreadyExists(_) => "already_exists",
            Self::InvalidCredentials => "invalid_credentials",
            Self::SessionInvalid => "session_invalid",
            Self::SetupFailed(_) => "mfa_setup_failed",
            Self::InvalidCode => "mfa_invalid_code",
            Self::ExpiredCode => "mfa_expired_code",
            Self::MethodNotSupported(_) => "mfa_method_not_supported",
            Self::NotEnabled => "mfa_not_enabled",
            Self::RateLimited { .. } => "mfa_rate_limited",
            Self::BackupCodeAlreadyUsed => "mfa_backup_code_already_used",
            Self::NoBackupCodesRemaining => "mfa_no_backup_codes_remaining",
            Self::DeliveryFailed { .. } => "mfa_delivery_failed",
            Self::StepUpRequired { .. } => "mfa_step_up_required",
            Self::KeyMismatch => "key_mismatch",
            Self::DatabaseTooNew { .. } => "database_too_new",
            Self::Storage(_) => "storage",
            Self::Internal(_) => "internal",
        }
    }

    /// Every code [`MfaError::code`] can return, in a fixed order.
    pub const ALL_CODES: &'static [&'static str] = &[
        "invalid_input",
        "not_found",
        "already_exists",
        "invalid_credentials",
        "session_invalid",
        "mfa_setup_failed",
        "mfa_invalid_code",
        "mfa_expired_code",
        "mfa_method_not_supported",
        "mfa_not_enabled",
        "mfa_rate_limited",
        "mfa_backup_code_already_used",
        "mfa_no_backup_codes_remaining",
        "mfa_delivery_failed",
        "mfa_step_up_required",
        "key_mismatch",
        "database_too_new",
        "storage",
        "internal",
    ];

    /// Seconds to wait before retrying, for rate-limit errors.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// The offending field, for `invalid_input` errors.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Shorthand for an `invalid_input` error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for MfaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput { field, message } => write!(f, "Invalid {field}: {message}"),
            Self::NotFound(what) => write!(f, "{what} not found"),
            Self::AlreadyExists(what) => write!(f, "{what} already exists"),
            Self::InvalidCredentials => f.write_str("Invalid email or password"),
            Self::SessionInvalid => f.write_str("Invalid or expired session"),
            Self::SetupFailed(why) => write!(f, "MFA setup failed: {why}"),
            Self::InvalidCode => f.write_str("Invalid code"),
            Self::ExpiredCode => f.write_str("The code has expired; request a new one"),
            Self::MethodNotSupported(m) => write!(f, "MFA method not supported: {m}"),
            Self::NotEnabled => f.write_str("MFA is not enabled for this user"),
            Self::RateLimited { retry_after } => write!(
                f,
                "Too many attempts. Please wait {retry_after} seconds before trying again."
            ),
            Self::BackupCodeAlreadyUsed => f.write_str("This backup code has already been used"),
            Self::NoBackupCodesRemaining => f.write_str("No backup codes remaining"),
            Self::DeliveryFailed { channel } => {
                let what = if channel == "sms" { "SMS" } else { "email" };
                write!(f, "Failed to send the {what} code. Please try again or use another method.")
            }
            Self::StepUpRequired { max_age } => write!(
                f,
                "Recent MFA verification required (within the last {max_age} seconds)"
            ),
            Self::KeyMismatch => f.write_str(
                "The secret key does not match the key this database was encrypted with",
            ),
            Self::DatabaseTooNew { found, supported } => write!(
                f,
                "The database schema version {found} is newer than this library supports ({supported}); upgrade Plinto MFA"
            ),
            Self::Storage(why) => write!(f, "Storage error: {why}"),
            Self::Internal(why) => write!(f, "Internal error: {why}"),
        }
    }
}

impl std::error::Error for MfaError {}

impl From<rusqlite::Error> for MfaError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Storage(e.to_string())
    }
}
