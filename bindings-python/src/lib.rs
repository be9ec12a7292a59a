//! `plinto._native`: the native half of the Python package of Plinto MFA.
//!
//! Deliberately thin: one class that opens an engine from a JSON options string and runs any
//! operation of core's operation table (`plinto_mfa_core::ops`) with JSON in and JSON out,
//! so argument checks and result shapes live once, in core; the package's generated
//! `_operations.py` gives every operation its method. Invariants: the GIL is released around
//! every call into core (argon2 and SQLite block), and no panic unwinds into the interpreter.

mod error;
mod hooks;

use error::{guarded, IntoPyResult, NativeError};
use hooks::{PyHook, PyNotifier, PyScreen, PySender};
use plinto_mfa_core::delivery::CodeSender;
use plinto_mfa_core::notify::Notifier;
use plinto_mfa_core::password_rules::PasswordScreen;
use plinto_mfa_core::{env, ops, Engine, ErrorCode, MfaError};
use pyo3::prelude::*;
use serde_json::Value;
use std::sync::Arc;

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
/// Safe to share between threads: calls run with the GIL released, side by side (brief ones
/// that would wait share the core's writer thread).
#[pyclass(frozen, module = "plinto._native")]
pub struct NativeEngine {
    engine: Arc<Engine>,
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
        Ok(Self {
            engine: Arc::new(engine),
        })
    }

    /// Runs operation `op` with the JSON object `args_json`; returns the result as JSON.
    /// Raises `NativeError` carrying the error's JSON.
    fn call(&self, py: Python<'_>, op: String, args_json: String) -> PyResult<String> {
        let engine = &self.engine;
        py.detach(move || {
            guarded(|| {
                // A brief operation that would wait goes to the core's writer thread, where
                // the calls of every thread share one commit.
                json_text(&ops::dispatch_blocking(
                    engine,
                    &op,
                    parse("arguments", &args_json)?,
                )?)
            })
        })
        .into_py()
    }

    /// Runs operation `op` as `call` does if the engine can finish it without waiting (a
    /// brief operation on a free database: an event loop's thread calls this first); None
    /// when it would wait, and nothing was done: run it with `call` in a worker thread.
    fn call_now(&self, py: Python<'_>, op: String, args_json: String) -> PyResult<Option<String>> {
        if !ops::may_run_now(&op) {
            return Ok(None);
        }
        let engine = &self.engine;
        py.detach(move || {
            guarded(|| {
                let args = parse("arguments", &args_json)?;
                ops::dispatch_now(engine, &op, &args)
                    .map(|out| out.and_then(|v| json_text(&v)))
                    .transpose()
            })
        })
        .into_py()
    }

    /// Registers `deliver(payload_json)` as the sender of `channel` (`sms`, `email` or `push`), or
    /// with None removes it: called with `{destination, message, meta}`, it answers None
    /// (sent) or the JSON of `{reason, rejected}`. The engine applies the timeout, voids the
    /// code of a failed send and keeps the provider's health.
    fn set_sender(&self, channel: String, deliver: Option<Py<PyAny>>) -> PyResult<()> {
        let sender = deliver.map(|d| Arc::new(PySender(PyHook::new(d))) as Arc<dyn CodeSender>);
        guarded(|| self.engine.set_sender(&channel, sender)).into_py()
    }

    /// Registers `notify(notification_json)` as the notifier, or with None removes it; it
    /// answers None or the JSON of `{reason}`.
    fn set_notifier(&self, notify: Option<Py<PyAny>>) -> PyResult<()> {
        let notifier = notify.map(|n| Arc::new(PyNotifier(PyHook::new(n))) as Arc<dyn Notifier>);
        guarded(|| self.engine.set_notifier(notifier)).into_py()
    }

    /// Registers `check(candidate_json)` as the breached-password check, or with None removes
    /// it; called with `{password}`, it answers the JSON of `{compromised}` or `{reason}`.
    fn set_password_check(&self, check: Option<Py<PyAny>>) -> PyResult<()> {
        let check = check.map(|c| Arc::new(PyScreen(PyHook::new(c))) as Arc<dyn PasswordScreen>);
        guarded(|| self.engine.set_password_check(check)).into_py()
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

/// Runs the `plinto` admin command with `args` (without the program name), without the GIL;
/// returns the exit status (`python -m plinto`).
#[pyfunction]
fn run_cli(py: Python<'_>, args: Vec<String>) -> i32 {
    py.detach(move || plinto_mfa_cli::run(&args))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeEngine>()?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_function(wrap_pyfunction!(call_stateless, m)?)?;
    m.add_function(wrap_pyfunction!(operations, m)?)?;
    m.add_function(wrap_pyfunction!(error_codes, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
