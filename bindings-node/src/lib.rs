//! Node.js binding of Plinto MFA: a native `NativeEngine` whose calls run on the libuv thread
//! pool. Arguments and results cross as JSON text; `plinto_mfa_core::json_api` checks the
//! arguments and shapes the results, and `index.js` turns error envelopes into `MfaError`.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod error;
mod tasks;

use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use plinto_mfa_core::{json_api, Engine};
use std::sync::Arc;
use tasks::Call;

/// One engine over one database. Open several for several databases.
#[napi]
pub struct NativeEngine {
    inner: Arc<Engine>,
}

#[napi]
impl NativeEngine {
    /// Opens the database described by `options_json` (database, secretKey, issuer and
    /// configure() options). Throws an Error whose message is a JSON error envelope.
    #[napi(constructor)]
    pub fn new(options_json: String) -> napi::Result<Self> {
        let opened = error::guard(|| {
            let value = error::parse_json("options", &options_json)?;
            Engine::open(json_api::options_from_json(&value)?)
        });
        match opened {
            Ok(engine) => Ok(Self {
                inner: Arc::new(engine),
            }),
            Err(e) => Err(napi::Error::from_reason(error::envelope(&e))),
        }
    }

    /// Runs operation `op` off the JS thread. Resolves with a JSON envelope:
    /// `{"ok": result}` or `{"error": {code, message, field?, retryAfter?}}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call(&self, op: String, args_json: String) -> AsyncTask<Call> {
        AsyncTask::new(Call::new(self.inner.clone(), op, args_json))
    }

    /// The same as `call`, on the calling thread (for quick, non-blocking operations).
    #[napi]
    pub fn call_sync(&self, op: String, args_json: String) -> String {
        Call::new(self.inner.clone(), op, args_json).run()
    }
}

/// Runs an operation that needs no engine (the authenticator side: `parse_otpauth_uri`,
/// `authenticator_code`) on the calling thread; it only parses and hashes a few bytes.
/// Returns the same JSON envelope as `NativeEngine.call`.
#[napi]
pub fn authenticator_call(op: String, args_json: String) -> String {
    let out = error::guard(|| {
        let args = error::parse_json("options", &args_json)?;
        json_api::dispatch_stateless(&op, &args)
    });
    match out {
        Ok(v) => serde_json::json!({ "ok": v }).to_string(),
        Err(e) => error::envelope(&e),
    }
}

/// Every error code the engine can produce.
#[napi]
pub fn error_codes() -> Vec<String> {
    plinto_mfa_core::MfaError::ALL_CODES
        .iter()
        .map(|c| c.to_string())
        .collect()
}
