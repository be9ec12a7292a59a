//! Node.js binding of Plinto MFA: a native `NativeEngine` whose calls run on the libuv thread
//! pool. Arguments and results cross as JSON text; core's operation table
//! (`plinto_mfa_core::ops`) checks the arguments and shapes the results, and the generated
//! `operations.js` gives every operation its method. Application senders, the notifier and
//! the breached-password check are JavaScript functions registered with the core's hook
//! interfaces (`hooks.rs`).
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod error;
mod hooks;
mod tasks;

use napi::bindgen_prelude::{AsyncTask, Either3, Env, Object, Unknown};
use napi_derive::napi;
use plinto_mfa_core::delivery::CodeSender;
use plinto_mfa_core::notify::Notifier;
use plinto_mfa_core::password_rules::PasswordScreen;
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

    /// Runs operation `op`: on the JS thread when the core can finish it there without
    /// waiting (a brief operation on a free database, see `ops::dispatch_now`), answering
    /// the JSON envelope itself; otherwise a brief operation runs on the core's writer thread
    /// (`ops::run_grouped`, where the calls queued meanwhile share a commit) and any other on the
    /// libuv thread pool, answering a promise of it. The envelope is `{"ok": result}` or
    /// `{"error": {code, message, reason, field?, retryAfter?}}`.
    #[napi(ts_return_type = "string | Promise<string>")]
    pub fn call<'env>(
        &self,
        env: &'env Env,
        op: String,
        args_json: String,
    ) -> napi::Result<Either3<String, Object<'env>, AsyncTask<Call>>> {
        let mut call = Call::new(self.inner.clone(), op, args_json);
        if !ops::may_run_now(call.op()) {
            return Ok(Either3::C(AsyncTask::new(call)));
        }
        if let Some(envelope) = call.run_now() {
            return Ok(Either3::A(envelope));
        }
        let (deferred, promise) = env.create_deferred()?;
        ops::run_grouped(
            call.engine().clone(),
            move || call.run(),
            move |envelope| {
                let envelope = envelope.unwrap_or_else(|e| error::envelope(Err(e)));
                deferred.resolve(move |_| Ok(envelope));
            },
        );
        Ok(Either3::B(promise))
    }

    /// The same as `call` for a quick operation (one that touches no database), on the
    /// calling thread; any other operation is refused (an `invalid_input` envelope naming
    /// `operation`), as it could wait there.
    #[napi]
    pub fn call_sync(&self, op: String, args_json: String) -> String {
        if let Err(refused) = ops::quick(&op) {
            return error::envelope(Err(refused));
        }
        let mut call = Call::new(self.inner.clone(), op, args_json);
        call.run_now().unwrap_or_else(|| call.run())
    }

    /// Registers the application's sender for `channel` (`sms`, `email` or `push`), or with `null`
    /// removes it. It is called on the JavaScript thread with the JSON text of
    /// `{destination, message, meta}` and answers a promise of `null` (sent) or the JSON text
    /// of `{reason, rejected}`; the core applies the timeout, voids the code of a failed send
    /// and keeps the provider's health. Throws an Error whose message is a JSON error envelope.
    #[napi(
        ts_args_type = "channel: string, sender: ((payload: string) => Promise<string | null>) | null"
    )]
    pub fn set_sender(&self, channel: String, sender: Unknown<'_>) -> napi::Result<()> {
        let sender = hooks::from_js(sender, "sender").map_err(|e| error::thrown(&e))?;
        let sender = sender.map(|h| Arc::new(hooks::JsSender(h)) as Arc<dyn CodeSender>);
        error::guard(|| self.inner.set_sender(&channel, sender)).map_err(|e| error::thrown(&e))
    }

    /// Registers the application's notifier, or with `null` removes it. It is called with the
    /// JSON text of a notification and answers a promise of `null` or the JSON text of
    /// `{reason}`.
    #[napi(ts_args_type = "notifier: ((notification: string) => Promise<string | null>) | null")]
    pub fn set_notifier(&self, notifier: Unknown<'_>) -> napi::Result<()> {
        let notifier = hooks::from_js(notifier, "notifier").map_err(|e| error::thrown(&e))?;
        let notifier = notifier.map(|h| Arc::new(hooks::JsNotifier(h)) as Arc<dyn Notifier>);
        error::guard(|| self.inner.set_notifier(notifier)).map_err(|e| error::thrown(&e))
    }

    /// Registers the application's breached-password check, or with `null` removes it. It is
    /// called with the JSON text of `{password}` and answers a promise of the JSON text of
    /// `{compromised}` or `{reason}`.
    #[napi(ts_args_type = "check: ((candidate: string) => Promise<string | null>) | null")]
    pub fn set_password_check(&self, check: Unknown<'_>) -> napi::Result<()> {
        let check = hooks::from_js(check, "check").map_err(|e| error::thrown(&e))?;
        let check = check.map(|h| Arc::new(hooks::JsScreen(h)) as Arc<dyn PasswordScreen>);
        error::guard(|| self.inner.set_password_check(check)).map_err(|e| error::thrown(&e))
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

/// Runs the `plinto` admin command with `args` (without the program name) on the calling
/// thread, writing to this process's stdout and stderr; returns the exit status. For the
/// package's `plinto` executable, not for a server's event loop.
#[napi]
pub fn run_cli(args: Vec<String>) -> i32 {
    plinto_mfa_cli::run(&args)
}

/// Every error code the engine can produce.
#[napi]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}
