//! The one error type of the bindings: a uniffi error enum with a variant per stable code of
//! the core (Swift `MfaError`, Kotlin `MfaException`), and the panic guard every call runs in.

use plinto_mfa_core::MfaError as CoreError;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Every failure of the API. Each variant is one of the core's stable codes (see
/// [`MfaError::code`]); `reason` is the human-readable message, which never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum MfaError {
    /// `invalid_input`: an argument was missing, malformed or out of range.
    #[error("{reason}")]
    InvalidInput {
        /// The argument at fault, e.g. `email`, `uri`, `digits`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// `not_found`: the user or record does not exist.
    #[error("{reason}")]
    NotFound {
        /// Message.
        reason: String,
    },
    /// `already_exists`: a user with this email (or a vault account) already exists.
    #[error("{reason}")]
    AlreadyExists {
        /// Message.
        reason: String,
    },
    /// `invalid_credentials`: email or password is wrong.
    #[error("{reason}")]
    InvalidCredentials {
        /// Message.
        reason: String,
    },
    /// `session_invalid`: the session is unknown, expired or signed out.
    #[error("{reason}")]
    SessionInvalid {
        /// Message.
        reason: String,
    },
    /// `mfa_setup_failed`.
    #[error("{reason}")]
    SetupFailed {
        /// Message.
        reason: String,
    },
    /// `mfa_invalid_code`.
    #[error("{reason}")]
    InvalidCode {
        /// Message.
        reason: String,
    },
    /// `mfa_expired_code`.
    #[error("{reason}")]
    ExpiredCode {
        /// Message.
        reason: String,
    },
    /// `mfa_method_not_supported`.
    #[error("{reason}")]
    MethodNotSupported {
        /// Message.
        reason: String,
    },
    /// `mfa_not_enabled`.
    #[error("{reason}")]
    NotEnabled {
        /// Message.
        reason: String,
    },
    /// `mfa_rate_limited`: wait `retry_after` seconds.
    #[error("{reason}")]
    RateLimited {
        /// Seconds until another attempt is considered.
        retry_after: u64,
        /// Message.
        reason: String,
    },
    /// `mfa_backup_code_already_used`.
    #[error("{reason}")]
    BackupCodeAlreadyUsed {
        /// Message.
        reason: String,
    },
    /// `mfa_no_backup_codes_remaining`.
    #[error("{reason}")]
    NoBackupCodesRemaining {
        /// Message.
        reason: String,
    },
    /// `mfa_delivery_failed`: an SMS or email code could not be sent; offer another method.
    #[error("{reason}")]
    DeliveryFailed {
        /// Message.
        reason: String,
    },
    /// `mfa_step_up_required`: MFA must have been verified within `max_age` seconds.
    #[error("{reason}")]
    StepUpRequired {
        /// The maximum age required, in seconds.
        max_age: u64,
        /// Message.
        reason: String,
    },
    /// `key_mismatch`: the secret key is not the one this database was sealed with.
    #[error("{reason}")]
    KeyMismatch {
        /// Message.
        reason: String,
    },
    /// `database_too_new`: written by a newer Plinto MFA.
    #[error("{reason}")]
    DatabaseTooNew {
        /// Schema version in the file.
        found: i64,
        /// Newest schema version this build reads.
        supported: i64,
        /// Message.
        reason: String,
    },
    /// `storage`: the database failed.
    #[error("{reason}")]
    Storage {
        /// Message.
        reason: String,
    },
    /// `internal`: a bug or unexpected state.
    #[error("{reason}")]
    Internal {
        /// Message.
        reason: String,
    },
}

#[uniffi::export]
impl MfaError {
    /// The stable machine-readable code, e.g. `mfa_rate_limited`.
    pub fn code(&self) -> String {
        self.code_str().to_string()
    }
}

impl MfaError {
    fn code_str(&self) -> &'static str {
        match self {
            Self::InvalidInput { .. } => "invalid_input",
            Self::NotFound { .. } => "not_found",
            Self::AlreadyExists { .. } => "already_exists",
            Self::InvalidCredentials { .. } => "invalid_credentials",
            Self::SessionInvalid { .. } => "session_invalid",
            Self::SetupFailed { .. } => "mfa_setup_failed",
            Self::InvalidCode { .. } => "mfa_invalid_code",
            Self::ExpiredCode { .. } => "mfa_expired_code",
            Self::MethodNotSupported { .. } => "mfa_method_not_supported",
            Self::NotEnabled { .. } => "mfa_not_enabled",
            Self::RateLimited { .. } => "mfa_rate_limited",
            Self::BackupCodeAlreadyUsed { .. } => "mfa_backup_code_already_used",
            Self::NoBackupCodesRemaining { .. } => "mfa_no_backup_codes_remaining",
            Self::DeliveryFailed { .. } => "mfa_delivery_failed",
            Self::StepUpRequired { .. } => "mfa_step_up_required",
            Self::KeyMismatch { .. } => "key_mismatch",
            Self::DatabaseTooNew { .. } => "database_too_new",
            Self::Storage { .. } => "storage",
            Self::Internal { .. } => "internal",
        }
    }
}

impl MfaError {
    /// The variant of a code that carries only a message (`None` for the codes with fields
    /// and for codes this build does not know).
    fn from_code(code: &str, reason: String) -> Option<Self> {
        Some(match code {
            "not_found" => Self::NotFound { reason },
            "already_exists" => Self::AlreadyExists { reason },
            "invalid_credentials" => Self::InvalidCredentials { reason },
            "session_invalid" => Self::SessionInvalid { reason },
            "mfa_setup_failed" => Self::SetupFailed { reason },
            "mfa_invalid_code" => Self::InvalidCode { reason },
            "mfa_expired_code" => Self::ExpiredCode { reason },
            "mfa_method_not_supported" => Self::MethodNotSupported { reason },
            "mfa_not_enabled" => Self::NotEnabled { reason },
            "mfa_backup_code_already_used" => Self::BackupCodeAlreadyUsed { reason },
            "mfa_no_backup_codes_remaining" => Self::NoBackupCodesRemaining { reason },
            "mfa_delivery_failed" => Self::DeliveryFailed { reason },
            "key_mismatch" => Self::KeyMismatch { reason },
            "storage" => Self::Storage { reason },
            "internal" => Self::Internal { reason },
            _ => return None,
        })
    }
}

impl From<CoreError> for MfaError {
    fn from(e: CoreError) -> Self {
        let reason = e.to_string();
        match e {
            CoreError::InvalidInput { field, .. } => Self::InvalidInput { field, reason },
            CoreError::RateLimited { retry_after } => Self::RateLimited {
                retry_after,
                reason,
            },
            CoreError::StepUpRequired { max_age } => Self::StepUpRequired { max_age, reason },
            CoreError::DatabaseTooNew { found, supported } => Self::DatabaseTooNew {
                found,
                supported,
                reason,
            },
            // The rest carry only a message: matched by their stable code.
            other => {
                let code = other.code();
                Self::from_code(code, reason.clone()).unwrap_or_else(|| Self::Internal {
                    reason: format!("{reason} ({code})"),
                })
            }
        }
    }
}

/// Every code an [`MfaError`] can carry, in the core's order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    CoreError::ALL_CODES.iter().map(|c| c.to_string()).collect()
}

/// Runs `f` and converts its error; a panic becomes [`MfaError::Internal`] instead of
/// unwinding into Swift or the JVM.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, CoreError>) -> Result<T, MfaError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(MfaError::from),
        Err(_) => Err(MfaError::Internal {
            reason: "unexpected failure in the native core".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<CoreError> {
        vec![
            CoreError::invalid("email", "is required"),
            CoreError::NotFound("User".into()),
            CoreError::AlreadyExists("User".into()),
            CoreError::InvalidCredentials,
            CoreError::SessionInvalid,
            CoreError::SetupFailed("x".into()),
            CoreError::InvalidCode,
            CoreError::ExpiredCode,
            CoreError::MethodNotSupported("push".into()),
            CoreError::NotEnabled,
            CoreError::RateLimited { retry_after: 9 },
            CoreError::BackupCodeAlreadyUsed,
            CoreError::NoBackupCodesRemaining,
            CoreError::StepUpRequired { max_age: 600 },
            CoreError::KeyMismatch,
            CoreError::DatabaseTooNew {
                found: 9,
                supported: 3,
            },
            CoreError::Storage("disk".into()),
            CoreError::Internal("bug".into()),
        ]
    }

    #[test]
    fn every_listed_code_has_its_own_variant() {
        for code in CoreError::ALL_CODES {
            let ours = match *code {
                "invalid_input" => MfaError::from(CoreError::invalid("x", "y")),
                "mfa_rate_limited" => MfaError::from(CoreError::RateLimited { retry_after: 1 }),
                "mfa_step_up_required" => MfaError::from(CoreError::StepUpRequired { max_age: 1 }),
                "database_too_new" => MfaError::from(CoreError::DatabaseTooNew {
                    found: 2,
                    supported: 1,
                }),
                other => MfaError::from_code(other, String::new()).unwrap_or_else(|| {
                    MfaError::Internal {
                        reason: format!("no variant for {other}"),
                    }
                }),
            };
            assert_eq!(ours.code(), *code);
        }
    }

    #[test]
    fn core_errors_keep_their_code() {
        let mapped: Vec<String> = samples()
            .into_iter()
            .map(|e| {
                let code = e.code();
                let ours = MfaError::from(e);
                assert_eq!(ours.code(), code);
                ours.code()
            })
            .collect();
        for code in mapped {
            assert!(error_codes().contains(&code), "{code}");
        }
    }

    #[test]
    fn fields_and_messages_survive() {
        let e = MfaError::from(CoreError::RateLimited { retry_after: 9 });
        assert!(matches!(e, MfaError::RateLimited { retry_after: 9, .. }));
        assert!(e.to_string().contains("9 seconds"));
        let e = MfaError::from(CoreError::invalid("uri", "must start with otpauth://"));
        assert_eq!(e.to_string(), "Invalid uri: must start with otpauth://");
        assert!(matches!(e, MfaError::InvalidInput { ref field, .. } if field == "uri"));
    }

    #[test]
    #[allow(clippy::panic)]
    fn panics_become_internal_errors() {
        let out: Result<(), MfaError> = guard(|| panic!("boom"));
        assert_eq!(out.err().map(|e| e.code()), Some("internal".to_string()));
    }
}
