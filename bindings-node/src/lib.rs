//! Node.js binding of Plinto MFA: a native `NativeEngine` whose calls run on the libuv thread
//! pool. Arguments and results cross as JSON text; core's operation table
//! (`plinto_mfa_core::ops`) checks the arguments and shapes the results, and the generated
//! `operations.js` gives every operation its method. Application senders are JavaScript
//! functions registered with the core's sender interface (`senders.rs`).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod error;
mod senders;
mod tasks;

use napi::bindgen_prelude::{AsyncTask, Unknown};
use napi_derive::napi;
use plinto_mfa_core::{env, ops, Engine, ErrorCode};
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
            Engine::open(env::options_from_json(&value)?)
        });
        match opened {
            Ok(engine) => Ok(Self {
                inner: Arc::new(engine),
            }),
            Err(e) => Err(error::thrown(&e)),
        }
    }

    /// Runs operation `op` off the JS thread. Resolves with a JSON envelope:
    /// `{"ok": result}` or `{"error": {code, message, reason, field?, retryAfter?}}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn call(&self, op: String, args_json: String) -> AsyncTask<Call> {
        AsyncTask::new(Call::new(self.inner.clone(), op, args_json))
    }

    /// The same as `call`, on the calling thread (for quick operations that touch no database).
    #[napi]
    pub fn call_sync(&self, op: String, args_json: String) -> String {
        Call::new(self.inner.clone(), op, args_json).run()
    }

    /// Registers the application's sender for `channel` (`sms` or `email`), or with `null`
    /// removes it. The sender is called as `sender(destination, message, meta)` on the
    /// JavaScript thread and answers with a promise of `null` (sent) or a failure reason; the
    /// core applies the timeout, voids the code of a failed send and keeps channel health.
    /// Throws an Error whose message is a JSON error envelope.
    #[napi(
        ts_args_type = "channel: string, sender: ((destination: string, message: string, meta: DeliveryMeta) => Promise<string | null>) | null"
    )]
    pub fn set_sender(&self, channel: String, sender: Unknown<'_>) -> napi::Result<()> {
        let sender = senders::from_js(sender).map_err(|e| error::thrown(&e))?;
        error::guard(|| self.inner.set_sender(&channel, sender)).map_err(|e| error::thrown(&e))
    }
}

/// Runs an operation that needs no engine (the authenticator side: `parse_otpauth_uri`,
/// `authenticator_code`) on the calling thread; it only parses and hashes a few bytes.
/// Returns the same JSON envelope as `NativeEngine.call`.
#[napi]
pub fn stateless_call(op: String, args_json: String) -> String {
    let out = error::guard(|| {
        let args = error::parse_json("options", &args_json)?;
        ops::run_stateless(&op, &args)
    });
    error::envelope(out)
}

/// Every error code the engine can produce.
#[napi]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}
