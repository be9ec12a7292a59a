//! The engine object: one SQLite database, the same operations as the Node and Python
//! packages (generated into `operations.rs`). Every method blocks (argon2, SQLite): call it
//! off the main thread.

use crate::error::guard;
use crate::hooks::{
    AppNotifier, AppPasswordCheck, AppSender, MessageSender, PasswordCheck, SecurityNotifier,
};
use plinto_mfa_core::ops::{self, Operation};
use plinto_mfa_core::{self as core, env, MfaError};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The MFA engine over one database file.
#[derive(Debug, uniffi::Object)]
pub struct Engine {
    inner: core::Engine,
}

fn parse_object(field: &str, text: Option<&str>) -> Result<Map<String, Value>, MfaError> {
    match text.map(str::trim) {
        None | Some("") => Ok(Map::new()),
        Some(t) => match serde_json::from_str(t) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(MfaError::invalid(field, "must be a JSON object")),
            Err(e) => Err(MfaError::invalid(field, format!("is not valid JSON: {e}"))),
        },
    }
}

impl Engine {
    /// Runs operation `O` in the panic guard (what every generated method does).
    pub(crate) fn run<O: Operation>(&self, request: O::Request) -> Result<O::Response, MfaError> {
        guard(|| self.inner.call::<O>(request))
    }
}

#[uniffi::export]
impl Engine {
    /// Opens (creating and migrating as needed) the database at `database_path` (`:memory:`
    /// for a private in-memory one), sealed with `secret_key` (32 bytes as 64 hex digits or
    /// base64). `options_json` holds `issuer` and the `configure()` options, e.g.
    /// `{"issuer": "Acme", "rateLimiting": {"maxAttempts": 5}}`.
    #[uniffi::constructor(default(options_json = None))]
    pub fn new(
        database_path: String,
        secret_key: String,
        options_json: Option<String>,
    ) -> Result<Arc<Self>, MfaError> {
        guard(|| {
            let mut options = parse_object("options", options_json.as_deref())?;
            options.insert("database".into(), Value::String(database_path));
            options.insert("secretKey".into(), Value::String(secret_key));
            let opened = core::Engine::open(env::options_from_json(&Value::Object(options))?)?;
            Ok(Arc::new(Self { inner: opened }))
        })
    }

    /// Runs any operation by its name with a JSON object of arguments and returns the result
    /// as JSON: the form the Node and Python packages use, for tools and the conformance
    /// vectors. The typed methods are the API to program against.
    pub fn call_json(&self, operation: String, arguments_json: String) -> Result<String, MfaError> {
        guard(|| {
            let args = Value::Object(parse_object("arguments", Some(&arguments_json))?);
            let result = ops::dispatch(&self.inner, &operation, &args)?;
            serde_json::to_string(&result)
                .map_err(|e| MfaError::internal(format!("serialize: {e}")))
        })
    }

    /// Registers the app's sender for `channel` (`sms` or `email`), or with `None` removes
    /// it. The engine calls it on a thread of its own with its timeout around it, voids the
    /// code of a failed send and keeps channel health.
    #[uniffi::method(default(sender = None))]
    pub fn set_sender(
        &self,
        channel: String,
        sender: Option<Arc<dyn MessageSender>>,
    ) -> Result<(), MfaError> {
        guard(|| {
            let sender =
                sender.map(|s| Arc::new(AppSender(s)) as Arc<dyn core::delivery::CodeSender>);
            self.inner.set_sender(&channel, sender)
        })
    }

    /// Registers the app's notifier of security events (factor added or removed, MFA turned
    /// off, a reused TOTP code, a lockout, suspended factors, password and email changes), or
    /// with `None` removes it.
    #[uniffi::method(default(notifier = None))]
    pub fn set_notifier(
        &self,
        notifier: Option<Arc<dyn SecurityNotifier>>,
    ) -> Result<(), MfaError> {
        guard(|| {
            let notifier =
                notifier.map(|n| Arc::new(AppNotifier(n)) as Arc<dyn core::notify::Notifier>);
            self.inner.set_notifier(notifier)
        })
    }

    /// Registers the app's breached-password check, asked about every new password, or with
    /// `None` removes it.
    #[uniffi::method(default(check = None))]
    pub fn set_password_check(
        &self,
        check: Option<Arc<dyn PasswordCheck>>,
    ) -> Result<(), MfaError> {
        guard(|| {
            let check = check.map(|c| {
                Arc::new(AppPasswordCheck(c)) as Arc<dyn core::password_rules::PasswordScreen>
            });
            self.inner.set_password_check(check)
        })
    }
}
