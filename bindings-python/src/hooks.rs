//! Python callables as the core's hooks: code senders, the notifier and the breached-password
//! check.
//!
//! The core calls a hook on a thread of its own, with its timeout around it; that thread
//! takes the GIL and calls the callable the package built around the application's function
//! with one JSON text. The callable answers `None` or a JSON text: it parses the argument,
//! runs a coroutine to completion and turns an exception into `{reason, rejected}`, so the
//! protocol is the one the Node binding speaks.

use plinto_mfa_core::delivery::{CodeSender, Delivery, SendError};
use plinto_mfa_core::notify::{Notification, Notifier};
use plinto_mfa_core::password_rules::PasswordScreen;
use pyo3::prelude::*;
use serde_json::{json, Value};

/// A registered Python callable.
pub(crate) struct PyHook(Py<PyAny>);

impl PyHook {
    pub(crate) fn new(callable: Py<PyAny>) -> Self {
        Self(callable)
    }

    /// Calls it with `payload`; its answer as JSON (`None` for `None`).
    fn call(&self, payload: String) -> Result<Option<Value>, String> {
        let answer: Option<String> = Python::attach(|py| {
            self.0
                .call1(py, (payload,))
                .and_then(|r| r.extract::<Option<String>>(py))
                .map_err(|e| {
                    let text = e.value(py).to_string();
                    if text.is_empty() {
                        "the function failed".to_string()
                    } else {
                        text
                    }
                })
        })?;
        answer
            .map(|text| serde_json::from_str(&text).map_err(|e| format!("malformed answer: {e}")))
            .transpose()
    }
}

fn reason_of(v: &Value) -> String {
    v.get("reason")
        .and_then(Value::as_str)
        .unwrap_or("the function failed")
        .to_string()
}

/// A sender: called with `{destination, message, meta}`; answers `None` or `{reason, rejected}`.
pub(crate) struct PySender(pub(crate) PyHook);

impl CodeSender for PySender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let payload = json!({"destination": d.destination, "message": d.message, "meta": d.meta});
        match self.0.call(payload.to_string()) {
            Ok(None) => Ok(()),
            Ok(Some(f)) if f.get("rejected") == Some(&Value::Bool(true)) => {
                Err(SendError::Rejected(reason_of(&f)))
            }
            Ok(Some(f)) => Err(SendError::Failed(reason_of(&f))),
            Err(e) => Err(SendError::Failed(e)),
        }
    }
}

/// The notifier: called with the notification; answers `None` or `{reason}`.
pub(crate) struct PyNotifier(pub(crate) PyHook);

impl Notifier for PyNotifier {
    fn notify(&self, n: &Notification) -> Result<(), String> {
        let payload = serde_json::to_string(n).map_err(|e| e.to_string())?;
        match self.0.call(payload)? {
            None => Ok(()),
            Some(f) => Err(reason_of(&f)),
        }
    }
}

/// The breached-password check: called with `{password}`; answers `{compromised}` or
/// `{reason}`.
pub(crate) struct PyScreen(pub(crate) PyHook);

impl PasswordScreen for PyScreen {
    fn is_compromised(&self, password: &str) -> Result<bool, String> {
        match self.0.call(json!({ "password": password }).to_string())? {
            Some(v) => v
                .get("compromised")
                .and_then(Value::as_bool)
                .ok_or_else(|| reason_of(&v)),
            None => Err("the check gave no answer".into()),
        }
    }
}
