//! `plinto._native`: the native half of the Python package of Plinto MFA.
//!
//! Deliberately thin: one class that opens an engine from a JSON options string and runs any
//! operation of core's operation table (`plinto_mfa_core::ops`) with JSON in and JSON out,
//! so argument checks and result shapes live once, in core; the package's generated
//! `_operations.py` gives every operation its method. Invariants: the GIL is released around
//! every call into core (argon2 and SQLite block), and no panic unwinds into the interpreter.

mod error;
mod senders;

use error::{guarded, IntoPyResult, NativeError};
use plinto_mfa_core::{env, ops, Engine, ErrorCode, MfaError};
use pyo3::prelude::*;
use serde_json::Value;

/// Parses a JSON argument; malformed text is an `invalid_input` error naming `field`.
fn parse(field: &str, text: &str) -> Result<Value, MfaError> {
    serde_json::from_str(text)
        .map_err(|e| MfaError::invalid(field, format!("is not valid JSON ({e})")))
}

fn json_text(value: &Value) -> Result<String, MfaError> {
    serde_json::to_string(value).map_err(|e| MfaError::internal(format!("serialize: {e}")))
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
                    let options = env::options_from_json(&parse("options", &options_json)?)?;
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
                json_text(&ops::dispatch(
                    engine,
                    &op,
                    &parse("arguments", &args_json)?,
                )?)
            })
        })
        .into_py()
    }

    /// Registers `deliver(destination, message, meta_json)` as the sender of `channel` (`sms`
    /// or `email`), or with None removes it. The engine applies the timeout, voids the code of
    /// a failed send (an exception) and keeps channel health.
    fn set_sender(&self, channel: String, deliver: Option<Py<PyAny>>) -> PyResult<()> {
        guarded(|| {
            self.engine
                .set_sender(&channel, deliver.map(senders::PySender::shared))
        })
        .into_py()
    }
}

/// Runs an operation that needs no database (`parse_otpauth_uri`, `authenticator_code`):
/// JSON arguments in, JSON result out. Cheap, so the GIL is kept.
#[pyfunction]
fn call_stateless(op: String, args_json: String) -> PyResult<String> {
    guarded(|| json_text(&ops::run_stateless(&op, &parse("arguments", &args_json)?)?)).into_py()
}

/// Every operation name `NativeEngine.call` accepts.
#[pyfunction]
fn operations() -> Vec<&'static str> {
    ops::OPERATIONS.iter().map(|o| o.name).collect()
}

/// Every error code the engine can report.
#[pyfunction]
fn error_codes() -> Vec<&'static str> {
    ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
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
