//! The one public error type of the engine, and the table of its stable codes.
//!
//! Every failure leaves core as an [`MfaError`]; [`MfaError::code`] gives its [`ErrorCode`],
//! whose string, HTTP status and retryability are declared once, in [`error_codes!`] below.
//! Every binding's error surface (the vectors file, the TypeScript union, the Python
//! exception classes, the uniffi enum) is generated from or derived on these types.
//! Messages never contain secrets, codes or tokens.

use std::fmt;

/// Result alias used throughout the engine.
pub type Result<T, E = MfaError> = std::result::Result<T, E>;

macro_rules! error_codes {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $code:literal, $status:literal, $retry:literal; )+) => {
        /// The stable, machine-readable code of an error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl ErrorCode {
            /// Every code, in a fixed order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),+];

            /// The code as bindings and HTTP bodies spell it, e.g. `mfa_rate_limited`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),+ }
            }

            /// The HTTP status an application answers with for this code.
            pub fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status),+ }
            }

            /// Whether the same request can succeed later unchanged (after `retryAfter`, or
            /// when a service recovers).
            pub fn retryable(self) -> bool {
                match self { $(ErrorCode::$variant => $retry),+ }
            }

            /// The variant's name, e.g. `RateLimited` (bindings name classes after it).
            pub fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => stringify!($variant)),+ }
            }

            /// One sentence on what the code means.
            pub fn description(self) -> &'static str {
                match self { $(ErrorCode::$variant => concat!($($doc),+).trim_ascii()),+ }
            }
        }
    };
}

error_codes! {
    /// An argument was missing, malformed, unknown or out of range; `field` names it.
    InvalidInput = "invalid_input", 400, false;
    /// The user, device or record does not exist.
    NotFound = "not_found", 404, false;
    /// A user with this email, or this credential, already exists.
    AlreadyExists = "already_exists", 409, false;
    /// Email or password is wrong (deliberately not saying which).
    InvalidCredentials = "invalid_credentials", 401, false;
    /// The session token is unknown, expired or signed out.
    SessionInvalid = "session_invalid", 401, false;
    /// MFA could not be set up.
    SetupFailed = "mfa_setup_failed", 400, false;
    /// The MFA code or answer is wrong.
    InvalidCode = "mfa_invalid_code", 401, false;
    /// The MFA code or challenge has expired.
    ExpiredCode = "mfa_expired_code", 401, false;
    /// The method is unknown, disabled, or not enrolled for this user.
    MethodNotSupported = "mfa_method_not_supported", 400, false;
    /// The operation needs MFA to be enabled for the user first.
    NotEnabled = "mfa_not_enabled", 400, false;
    /// Too many attempts or sends: wait `retryAfter` seconds.
    RateLimited = "mfa_rate_limited", 429, true;
    /// The backup code was already used.
    BackupCodeAlreadyUsed = "mfa_backup_code_already_used", 401, false;
    /// The user has no backup codes left.
    NoBackupCodesRemaining = "mfa_no_backup_codes_remaining", 401, false;
    /// The code could not be sent on this channel; try again or use another method.
    DeliveryFailed = "mfa_delivery_failed", 503, true;
    /// The operation needs a recent MFA verification (or, without MFA, a recent password
    /// check); `methods` lists what can satisfy it.
    StepUpRequired = "mfa_step_up_required", 403, false;
    /// The user's code-based factors are suspended after too many consecutive failures:
    /// recover with a backup code at sign-in, or ask an administrator.
    FactorsSuspended = "mfa_factors_suspended", 403, false;
    /// The user's grace period to enroll a factor is over: the session may only enroll one
    /// until the user does.
    SetupRequired = "mfa_setup_required", 403, false;
    /// Push approvals are suspended for the user after a request they reported: sign in with
    /// another factor to restore them.
    PushSuspended = "mfa_push_suspended", 403, false;
    /// The secret key does not match the key this database was sealed with.
    KeyMismatch = "key_mismatch", 500, false;
    /// The database was written by a newer version of Plinto MFA.
    DatabaseTooNew = "database_too_new", 500, false;
    /// The database failed (I/O, corruption, lock timeout).
    Storage = "storage", 503, true;
    /// A bug or an unexpected state inside the engine.
    Internal = "internal", 500, false;
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for ErrorCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error the engine can return. Match on [`MfaError::code`] for a stable code.
///
/// With the `uniffi` feature this is the error of the Swift and Kotlin bindings too (Swift
/// `MfaError`, Kotlin `MfaException`): each variant below is one class there.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
#[non_exhaustive]
pub enum MfaError {
    /// An argument was missing, malformed, unknown or out of range.
    InvalidInput {
        /// The argument or option at fault, e.g. `email` or `methods.totp.digits`.
        field: String,
        /// What is wrong with it, e.g. `is required`.
        reason: String,
    },
    /// The user, device or record does not exist.
    NotFound {
        /// What was looked for, e.g. `User`.
        what: String,
    },
    /// A user with this email (or this credential) already exists.
    AlreadyExists {
        /// What exists, e.g. `A user with this email`.
        what: String,
    },
    /// Email or password is wrong (deliberately not saying which).
    InvalidCredentials,
    /// The session token is unknown, expired or signed out.
    SessionInvalid,
    /// MFA could not be set up.
    SetupFailed {
        /// Why.
        reason: String,
    },
    /// The MFA code is wrong.
    InvalidCode,
    /// The MFA code or challenge has expired.
    ExpiredCode,
    /// The method is unknown, disabled, or not enrolled for this user.
    MethodNotSupported {
        /// The method, or why it cannot be used.
        reason: String,
    },
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
    /// The operation needs a recent MFA verification (or, on an account without MFA, a
    /// recent password check).
    StepUpRequired {
        /// The maximum age that was required, in seconds.
        max_age: u64,
        /// What can satisfy it: the user's MFA methods, or `password`.
        methods: Vec<String>,
    },
    /// The user's code-based factors (TOTP, SMS, email) are suspended after too many
    /// consecutive failures.
    FactorsSuspended,
    /// The user's grace period to enroll a factor is over: until they enroll one, their
    /// sessions may do nothing else.
    SetupRequired,
    /// Push approvals are suspended for the user (they reported a request) until they sign
    /// in with another factor.
    PushSuspended,
    /// The secret key given at open does not match the key that sealed this database.
    KeyMismatch,
    /// The database was written by a newer version of Plinto MFA.
    DatabaseTooNew {
        /// Schema version found in the file.
        found: i64,
        /// Newest schema version this build understands.
        supported: i64,
    },
    /// The database failed (I/O, corruption, lock timeout).
    Storage {
        /// What failed.
        reason: String,
    },
    /// A bug or an unexpected state inside the engine.
    Internal {
        /// What went wrong.
        reason: String,
    },
}

impl MfaError {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidInput { .. } => ErrorCode::InvalidInput,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::SessionInvalid => ErrorCode::SessionInvalid,
            Self::SetupFailed { .. } => ErrorCode::SetupFailed,
            Self::InvalidCode => ErrorCode::InvalidCode,
            Self::ExpiredCode => ErrorCode::ExpiredCode,
            Self::MethodNotSupported { .. } => ErrorCode::MethodNotSupported,
            Self::NotEnabled => ErrorCode::NotEnabled,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::BackupCodeAlreadyUsed => ErrorCode::BackupCodeAlreadyUsed,
            Self::NoBackupCodesRemaining => ErrorCode::NoBackupCodesRemaining,
            Self::DeliveryFailed { .. } => ErrorCode::DeliveryFailed,
            Self::StepUpRequired { .. } => ErrorCode::StepUpRequired,
            Self::FactorsSuspended => ErrorCode::FactorsSuspended,
            Self::SetupRequired => ErrorCode::SetupRequired,
            Self::PushSuspended => ErrorCode::PushSuspended,
            Self::KeyMismatch => ErrorCode::KeyMismatch,
            Self::DatabaseTooNew { .. } => ErrorCode::DatabaseTooNew,
            Self::Storage { .. } => ErrorCode::Storage,
            Self::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// Seconds to wait before retrying, for rate-limit errors.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// What can satisfy a step-up, with its maximum age, for `mfa_step_up_required`.
    pub fn step_up(&self) -> Option<(u64, &[String])> {
        match self {
            Self::StepUpRequired { max_age, methods } => Some((*max_age, methods)),
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

    /// The message without the field: for `invalid_input` what is wrong with the field
    /// (`is required`), for every other code the whole message. Bindings that spell field
    /// names their own way compose `Invalid <field>: <reason>` from this.
    pub fn reason(&self) -> String {
        match self {
            Self::InvalidInput { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }

    /// Shorthand for an `invalid_input` error.
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// The same error, an `invalid_input` one naming `field` instead (for a check shared by
    /// arguments of different names).
    pub(crate) fn in_field(self, field: &str) -> Self {
        match self {
            Self::InvalidInput { reason, .. } => Self::invalid(field, reason),
            other => other,
        }
    }

    /// Shorthand for a `not_found` error about `what` (e.g. `User`).
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound { what: what.into() }
    }

    /// Shorthand for an `internal` error.
    pub fn internal(reason: impl Into<String>) -> Self {
        Self::Internal {
            reason: reason.into(),
        }
    }

    /// Shorthand for a `storage` error.
    pub fn storage(reason: impl Into<String>) -> Self {
        Self::Storage {
            reason: reason.into(),
        }
    }

    /// Shorthand for a `mfa_method_not_supported` error.
    pub fn unsupported(reason: impl Into<String>) -> Self {
        Self::MethodNotSupported {
            reason: reason.into(),
        }
    }

    /// Shorthand for a `mfa_setup_failed` error.
    pub fn setup_failed(reason: impl Into<String>) -> Self {
        Self::SetupFailed {
            reason: reason.into(),
        }
    }
}

/// The code and message as the Swift and Kotlin bindings read them (`e.code()`).
#[cfg(feature = "uniffi")]
#[uniffi::export]
impl MfaError {
    /// The stable code, e.g. `mfa_rate_limited`.
    #[uniffi::method(name = "code")]
    pub fn code_string(&self) -> String {
        self.code().as_str().to_string()
    }

    /// The HTTP status a server answers this error with, e.g. 429 for `mfa_rate_limited`.
    #[uniffi::method(name = "httpStatus")]
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// Whether the same request can succeed later unchanged (after `retryAfter`, or once a
    /// provider or the store recovers).
    #[uniffi::method(name = "retryable")]
    pub fn retryable(&self) -> bool {
        self.code().retryable()
    }

    /// The human-readable message (never holds a secret).
    #[uniffi::method(name = "describe")]
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for MfaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInput { field, reason } => write!(f, "Invalid {field}: {reason}"),
            Self::NotFound { what } => write!(f, "{what} not found"),
            Self::AlreadyExists { what } => write!(f, "{what} already exists"),
            Self::InvalidCredentials => f.write_str("Invalid email or password"),
            Self::SessionInvalid => f.write_str("Invalid or expired session"),
            Self::SetupFailed { reason } => write!(f, "MFA setup failed: {reason}"),
            Self::InvalidCode => f.write_str("Invalid code"),
            Self::ExpiredCode => f.write_str("The code has expired; request a new one"),
            Self::MethodNotSupported { reason } => write!(f, "MFA method not supported: {reason}"),
            Self::NotEnabled => f.write_str("MFA is not enabled for this user"),
            Self::PushSuspended => f.write_str(
                "Push approvals are suspended after a reported request: sign in with another method",
            ),
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
            Self::StepUpRequired { max_age, methods } => {
                if methods.iter().all(|m| m == "password") {
                    write!(
                        f,
                        "Confirm your password first (a check within the last {max_age} seconds is required)"
                    )
                } else {
                    write!(
                        f,
                        "Recent MFA verification required (within the last {max_age} seconds)"
                    )
                }
            }
            Self::FactorsSuspended => f.write_str(
                "Code-based MFA is suspended for this account after too many failed attempts; \
                 sign in with a backup code or contact support",
            ),
            Self::SetupRequired => f.write_str(
                "Set up multi-factor authentication to continue: the time to enroll is over",
            ),
            Self::KeyMismatch => f.write_str(
                "The secret key does not match the key this database was encrypted with",
            ),
            Self::DatabaseTooNew { found, supported } => write!(
                f,
                "The database schema version {found} is newer than this library supports ({supported}); upgrade Plinto MFA"
            ),
            Self::Storage { reason } => write!(f, "Storage error: {reason}"),
            Self::Internal { reason } => write!(f, "Internal error: {reason}"),
        }
    }
}

impl std::error::Error for MfaError {}

impl From<rusqlite::Error> for MfaError {
    fn from(e: rusqlite::Error) -> Self {
        Self::storage(e.to_string())
    }
}

impl From<postgres::Error> for MfaError {
    fn from(e: postgres::Error) -> Self {
        Self::storage(crate::store::describe_postgres_error(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_string_and_a_status() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!((400..600).contains(&code.http_status()), "{code}");
            assert!(!code.description().is_empty(), "{code}");
        }
        assert_eq!(ErrorCode::RateLimited.as_str(), "mfa_rate_limited");
        assert_eq!(ErrorCode::RateLimited.http_status(), 429);
        assert!(ErrorCode::RateLimited.retryable());
        assert!(!ErrorCode::InvalidInput.retryable());
    }

    #[test]
    fn reason_leaves_out_the_field() {
        let e = MfaError::invalid("userId", "is required");
        assert_eq!(e.to_string(), "Invalid userId: is required");
        assert_eq!(e.reason(), "is required");
        assert_eq!(MfaError::InvalidCode.reason(), "Invalid code");
    }
}
