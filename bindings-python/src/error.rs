//! Errors crossing into Python, mapped in this one place.
//!
//! Every failure of a native call becomes a `plinto._native.NativeError` whose single
//! argument is the JSON of `ops::error_json` (`{code, message, reason, field?, retryAfter?}`);
//! the pure-Python package turns it into `plinto.MfaError` or the subclass of its code. A
//! panic inside core is caught before it reaches the interpreter and reported as `internal`.

use plinto_mfa_core::{ops, MfaError};
use pyo3::exceptions::PyException;
use pyo3::{create_exception, PyErr, PyResult};
use std::panic::{catch_unwind, AssertUnwindSafe};

create_exception!(
    plinto._native,
    NativeError,
    PyException,
    "A failure of the native engine; args[0] is its JSON: {code, message, reason, field?, retryAfter?}."
);

/// Conversion of core results into Python results.
pub(crate) trait IntoPyResult<T> {
    /// Maps an [`MfaError`] to a [`NativeError`] carrying its JSON.
    fn into_py(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, MfaError> {
    fn into_py(self) -> PyResult<T> {
        self.map_err(|e| to_py_err(&e))
    }
}

/// The Python exception of a core error.
pub(crate) fn to_py_err(e: &MfaError) -> PyErr {
    NativeError::new_err(ops::error_json(e).to_string())
}

/// Runs `f`, turning a panic into an `internal` error so it never unwinds into Python.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T, MfaError>) -> Result<T, MfaError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(MfaError::internal(
            "unexpected failure in the native engine",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn panics_become_internal_errors() {
        let r: Result<(), MfaError> = guarded(|| panic!("boom"));
        assert_eq!(r.err().map(|e| e.code().as_str()), Some("internal"));
        let ok = guarded(|| Ok(7));
        assert_eq!(ok, Ok(7));
    }
}
