//! Errors to JavaScript: every failure becomes a JSON envelope `{"error": {...}}` that
//! `index.js` turns into an `MfaError`; panics are caught and reported as `internal`.

use plinto_mfa_core::{json_api, MfaError};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a panic into an `internal` error so it never unwinds into Node.
pub fn guard<T>(f: impl FnOnce() -> Result<T, MfaError>) -> Result<T, MfaError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(MfaError::Internal(
            "unexpected failure in the native core".into(),
        ))
    })
}

/// Parses JSON text handed over by `index.js`.
pub fn parse_json(field: &str, text: &str) -> Result<serde_json::Value, MfaError> {
    serde_json::from_str(text)
        .map_err(|e| MfaError::invalid(field, format!("is not valid JSON: {e}")))
}

/// The error envelope.
pub fn envelope(e: &MfaError) -> String {
    serde_json::json!({ "error": json_api::error_json(e) }).to_string()
}
