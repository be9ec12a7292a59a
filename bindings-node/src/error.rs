//! Errors to JavaScript: every failure becomes a JSON envelope `{"error": {...}}` that
//! `index.js` turns into an `MfaError`; panics are caught and reported as `internal`.

use plinto_mfa_core::{ops, MfaError};
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a panic into an `internal` error so it never unwinds into Node.
pub fn guard<T>(f: impl FnOnce() -> Result<T, MfaError>) -> Result<T, MfaError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(MfaError::internal("unexpected failure in the native core")))
}

/// Parses JSON text handed over by `index.js`.
pub fn parse_json(field: &str, text: &str) -> Result<Value, MfaError> {
    serde_json::from_str(text)
        .map_err(|e| MfaError::invalid(field, format!("is not valid JSON: {e}")))
}

/// Drops the members whose value is null, at every depth: JavaScript callers see an absent
/// field as `undefined`, as the type declarations describe it.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The envelope of an outcome: `{"ok": value}` or `{"error": {...}}`, without null members.
pub fn envelope(out: Result<Value, MfaError>) -> String {
    let mut envelope = match out {
        Ok(v) => serde_json::json!({ "ok": v }),
        Err(e) => serde_json::json!({ "error": ops::error_json(&e) }),
    };
    drop_nulls(&mut envelope);
    envelope.to_string()
}

/// An exception whose message is the error envelope (`index.js` rebuilds the `MfaError`).
pub fn thrown(e: &MfaError) -> napi::Error {
    napi::Error::from_reason(envelope(Err(e.clone())))
}
