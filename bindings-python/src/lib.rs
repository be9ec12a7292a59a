//! `plinto._native`: the native half of the Python package of Plinto MFA.
//!
//! Deliberately thin: one class that opens an engine from a JSON options string and runs any
//! operation of `plinto_mfa_core::json_api` with JSON in and JSON out, so argument checks and
//! result shapes live once, in core. Invariants: the GIL is released around every call into
//! core (argon2 and SQLite block), and no panic unwinds into the interpreter. Python names,
//! result types and exception classes live in the pure-Python package `plinto`.

mod error;

use error::{guarded, IntoPyResult, NativeError};
use plinto_mfa_core::{json_api, Engine, MfaError};
use pyo3::prelude::*;
use serde_json::Value;

/// Parses a JSON argument; malformed text is an `invalid_input` error naming `field`.
fn parse(field: &str, text: &str) -> Result<Value, MfaError> {
    serde_json::from_str(text)
        .map_err(|e| MfaError::invalid(field, format!("is not valid JSON ({e})")))
}

/// An engine over one database, driven with JSON strings.
///
/// Safe to share between threads: calls run concurrently with the GIL released.
#[pyclass(frozen, module = "plinto._native")]
pub struct NativeEngine {
    engine: Engine,
}

#[pymethods]
impl NativeEngine {
    /// Opens (creating and migrating as needed) the database described by `options_json`:
    /// `database`, `secretKey`, `issuer` and any `configure()` options; missing values come
    /// from `PLINTO_DATABASE`, `PLINTO_SECRET_KEY` and `PLINTO_ISSUER`.
    #[new]
    fn new(py: Python<'_>, options_json: String) -> PyResult<Self> {
        let engine = py
            .detach(move || {
                guarded(|| {
                    let options = json_api::options_from_json(&parse("options", &options_json)?)?;
                    Engine::open(options)
                })
            })
            .into_py()?;
        Ok(Self { engine })
    }

    /// Runs operation `op` with the JSON object `args_json`; returns the result as JSON.
    /// Raises `NativeError` carrying the error's JSON.
    fn call(&self, py: Python<'_>, op: String, args_json: String) -> PyResult<String> {
        let engine = &self.engine;
        py.detach(move || {
            guarded(|| {
                let args = parse("arguments", &args_json)?;
                let result = json_api::dispatch(engine, &op, &args)?;
                serde_json::to_string(&result)
                    .map_err(|e| MfaError::Internal(format!("serialize: {e}")))
            })
        })
        .into_py()
    }
}

/// Runs an operation that needs no database (`parse_otpauth_uri`, `authenticator_code`):
/// JSON arguments in, JSON result out. Cheap, so the GIL is kept.
#[pyfunction]
fn call_stateless(op: String, args_json: String) -> PyResult<String> {
    guarded(|| {
        let args = parse("arguments", &args_json)?;
        let result = json_api::dispatch_stateless(&op, &args)?;
        serde_json::to_string(&result).map_err(|e| MfaError::Internal(format!("serialize: {e}")))
    })
    .into_py()
}

/// Every operation name `NativeEngine.call` accepts.
#[pyfunction]
fn operations() -> Vec<&'static str> {
    json_api::OPERATIONS.to_vec()
}

/// Every error code the engine can report.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    MfaError::ALL_CODES.to_vec()
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeEngine>()?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_function(wrap_pyfunction!(call_stateless, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
