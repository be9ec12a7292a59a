//! JavaScript functions as the core's hooks: code senders, the notifier and the
//! breached-password check.
//!
//! The core calls a hook on a thread of its own, with its timeout around it; the call is
//! queued to the JavaScript thread (a weak threadsafe function, so a registered hook never
//! keeps Node running) and this thread waits for the promise it returns. Every hook takes one
//! JSON text and answers a promise of `null` or a JSON text; `index.js` wraps the
//! application's function to that shape (it parses the argument, catches failures and
//! describes them), so no JavaScript value crosses threads.

use napi::bindgen_prelude::{FromNapiValue, Function, Promise, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Status, ValueType};
use plinto_mfa_core::delivery::{CodeSender, Delivery, SendError};
use plinto_mfa_core::notify::{Notification, Notifier};
use plinto_mfa_core::password_rules::PasswordScreen;
use plinto_mfa_core::MfaError;
use serde_json::{json, Value};
use std::future::Future;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake};
use std::time::{Duration, Instant};

type Tsfn = ThreadsafeFunction<String, Promise<Option<String>>, String, Status, false, true>;

/// A registered JavaScript function.
pub struct JsHook(Tsfn);

/// The function `value` (`None` for null / undefined); `field` names the argument.
pub fn from_js(value: Unknown<'_>, field: &str) -> Result<Option<JsHook>, MfaError> {
    let not_a_function = || MfaError::invalid(field, "must be a function");
    match value.get_type().map_err(|_| not_a_function())? {
        ValueType::Null | ValueType::Undefined => Ok(None),
        ValueType::Function => {
            let f: Function<'_, String, Promise<Option<String>>> =
                Function::from_unknown(value).map_err(|_| not_a_function())?;
            let tsfn = f
                .build_threadsafe_function::<String>()
                .weak::<true>()
                .build()
                .map_err(|e| MfaError::internal(format!("cannot register the {field}: {e}")))?;
            Ok(Some(JsHook(tsfn)))
        }
        _ => Err(not_a_function()),
    }
}

/// Wakes the waiting thread when the promise settles.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Waits for `future` on this thread until `deadline`.
fn wait_until<F: Future>(future: F, deadline: Instant) -> Option<F::Output> {
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return Some(v);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        std::thread::park_timeout(left);
    }
}

impl JsHook {
    /// Calls the function with `payload` and waits for its answer. The core gives up at its
    /// own timeout; this thread stops waiting soon after (`wait`).
    fn call(&self, payload: String, wait: Duration) -> Result<Option<Value>, String> {
        let deadline = Instant::now() + wait + Duration::from_secs(1);
        let (tx, rx) = mpsc::channel();
        let status = self.0.call_with_return_value(
            payload,
            ThreadsafeFunctionCallMode::NonBlocking,
            move |returned, _env| {
                let _ = tx.send(returned.map_err(|e| e.reason.clone()));
                Ok(())
            },
        );
        if status != Status::Ok {
            return Err(format!("the function could not be called ({status})"));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let promise = rx
            .recv_timeout(left)
            .map_err(|_| "the function was not called in time".to_string())??;
        match wait_until(promise, deadline) {
            Some(Ok(None)) => Ok(None),
            Some(Ok(Some(text))) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| format!("the function answered malformed JSON: {e}")),
            Some(Err(e)) => Err(e.reason.clone()),
            None => Err("the function did not finish".into()),
        }
    }
}

/// The `reason` of a failure the wrapper described.
fn reason_of(v: &Value) -> String {
    v.get("reason")
        .and_then(Value::as_str)
        .unwrap_or("the function failed")
        .to_string()
}

/// A sender: called with `{destination, message, meta}`; answers `null` (sent) or
/// `{reason, rejected}`.
pub struct JsSender(pub JsHook);

impl CodeSender for JsSender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let payload = json!({"destination": d.destination, "message": d.message, "meta": d.meta});
        match self
            .0
            .call(payload.to_string(), Duration::from_millis(d.timeout_ms))
        {
            Ok(None) => Ok(()),
            Ok(Some(failure)) if failure.get("rejected") == Some(&Value::Bool(true)) => {
                Err(SendError::Rejected(reason_of(&failure)))
            }
            Ok(Some(failure)) => Err(SendError::Failed(reason_of(&failure))),
            Err(e) => Err(SendError::Failed(e)),
        }
    }
}

/// How long a thread waits for the notifier or the password check; the core's own timeout
/// (`delivery.timeoutSeconds`) answers the operation first.
const HOOK_WAIT: Duration = Duration::from_secs(60);

/// The notifier: called with the notification; answers `null` or `{reason}`.
pub struct JsNotifier(pub JsHook);

impl Notifier for JsNotifier {
    fn notify(&self, n: &Notification) -> Result<(), String> {
        let payload = serde_json::to_string(n).map_err(|e| e.to_string())?;
        match self.0.call(payload, HOOK_WAIT)? {
            None => Ok(()),
            Some(failure) => Err(reason_of(&failure)),
        }
    }
}

/// The breached-password check: called with `{password}`; answers `{compromised}` or
/// `{reason}`.
pub struct JsScreen(pub JsHook);

impl PasswordScreen for JsScreen {
    fn is_compromised(&self, password: &str) -> Result<bool, String> {
        let payload = json!({ "password": password }).to_string();
        match self.0.call(payload, HOOK_WAIT)? {
            Some(v) => match v.get("compromised").and_then(Value::as_bool) {
                Some(b) => Ok(b),
                None => Err(reason_of(&v)),
            },
            None => Err("the check gave no answer".into()),
        }
    }
}
