//! The panic guard every call runs in, and the list of error codes. The error type itself is
//! core's `MfaError` (Swift `MfaError`, Kotlin `MfaException`), derived there.

use plinto_mfa_core::{ErrorCode, MfaError};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Every error code the engine can report, in the core's order.
#[uniffi::export]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

/// Runs `f`, turning a panic into `MfaError::Internal` so it never crosses the FFI.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, MfaError>) -> Result<T, MfaError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(MfaError::internal("unexpected failure in the native core")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn panics_become_internal_errors() {
        let r: Result<(), MfaError> = guard(|| panic!("boom"));
        assert_eq!(r.err().map(|e| e.code()), Some(ErrorCode::Internal));
        assert_eq!(error_codes().len(), ErrorCode::ALL.len());
    }
}
