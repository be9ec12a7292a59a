//! The engine object: one SQLite database, the same operations as the Node and Python
//! packages. Every method blocks (argon2, SQLite): call it off the main thread.

use crate::convert::{
    context, AuditEvent, BackupCodes, ConfigureResult, DisableMfaResult, EnableMfaRequest,
    EnableMfaResult, MfaStatus, RequestCodeResult, RequestContext, SessionInfo, SignInResult,
    SignUpResult, User, VerifyMfaRequest, VerifyMfaResult,
};
use crate::error::{guard, MfaError};
use plinto_mfa_core::{self as core, json_api, policy};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The MFA engine over one database file.
#[derive(Debug, uniffi::Object)]
pub struct Engine {
    inner: core::Engine,
}

fn parse_object(field: &str, text: Option<&str>) -> Result<Map<String, Value>, core::MfaError> {
    match text.map(str::trim) {
        None | Some("") => Ok(Map::new()),
        Some(t) => match serde_json::from_str(t) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(core::MfaError::invalid(field, "must be a JSON object")),
            Err(e) => Err(core::MfaError::invalid(
                field,
                format!("is not valid JSON: {e}"),
            )),
        },
    }
}

impl Engine {
    /// The core engine behind this object.
    pub(crate) fn core(&self) -> &core::Engine {
        &self.inner
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
            let opened = core::Engine::open(json_api::options_from_json(&Value::Object(options))?)?;
            Ok(Arc::new(Self { inner: opened }))
        })
    }

    /// Creates a user (argon2id password hash) and signs them in.
    #[uniffi::method(default(role = None, context = None))]
    pub fn sign_up(
        &self,
        email: String,
        password: String,
        role: Option<String>,
        context: Option<RequestContext>,
    ) -> Result<SignUpResult, MfaError> {
        guard(|| {
            self.inner
                .sign_up(
                    &email,
                    &password,
                    role.as_deref(),
                    &crate::convert::context(context),
                )
                .map(Into::into)
        })
    }

    /// Checks email and password; users with MFA get a pending `session_id` to complete with
    /// `verify_mfa`.
    #[uniffi::method(default(context = None))]
    pub fn sign_in(
        &self,
        email: String,
        password: String,
        context: Option<RequestContext>,
    ) -> Result<SignInResult, MfaError> {
        guard(|| {
            self.inner
                .sign_in(&email, &password, &crate::convert::context(context))
                .map(Into::into)
        })
    }

    /// Ends a session. Returns whether it existed.
    #[uniffi::method(default(context = None))]
    pub fn sign_out(
        &self,
        token: String,
        context: Option<RequestContext>,
    ) -> Result<bool, MfaError> {
        guard(|| {
            self.inner
                .sign_out(&token, &crate::convert::context(context))
        })
    }

    /// Describes a session token (`valid == false` when unknown or expired).
    pub fn verify_session(&self, token: String) -> Result<SessionInfo, MfaError> {
        guard(|| self.inner.verify_session(&token).map(Into::into))
    }

    /// Checks a user's password; a wrong one is `InvalidCredentials` and counts toward lockout.
    #[uniffi::method(default(context = None))]
    pub fn verify_password(
        &self,
        user_id: String,
        password: String,
        context: Option<RequestContext>,
    ) -> Result<(), MfaError> {
        guard(|| {
            self.inner
                .verify_password(&user_id, &password, &crate::convert::context(context))
        })
    }

    /// Deletes a user and everything that belongs to them.
    pub fn delete_user(&self, user_id: String) -> Result<(), MfaError> {
        guard(|| self.inner.delete_user(&user_id))
    }

    /// The public view of a user.
    pub fn get_user(&self, user_id: String) -> Result<User, MfaError> {
        guard(|| self.inner.get_user(&user_id).map(Into::into))
    }

    /// Starts setting up a method; for `totp` returns the secret and its otpauth URI.
    pub fn enable_mfa(&self, request: EnableMfaRequest) -> Result<EnableMfaResult, MfaError> {
        guard(|| {
            let ctx = context(request.context.clone());
            self.inner.enable_mfa(&request.into(), &ctx).map(Into::into)
        })
    }

    /// Checks a code: confirms a setup, completes a sign-in, or refreshes a session (step-up).
    pub fn verify_mfa(&self, request: VerifyMfaRequest) -> Result<VerifyMfaResult, MfaError> {
        guard(|| self.inner.verify_mfa(&request.into()).map(Into::into))
    }

    /// Sends a new SMS or email code (voiding the previous one) for a pending sign-in
    /// (`session_id`) or a method being set up (`user_id`). With `external_delivery` the
    /// result's `delivery` is for the app to send.
    #[uniffi::method(default(session_id = None, user_id = None, external_delivery = false, context = None))]
    pub fn request_new_code(
        &self,
        method: String,
        session_id: Option<String>,
        user_id: Option<String>,
        external_delivery: bool,
        context: Option<RequestContext>,
    ) -> Result<RequestCodeResult, MfaError> {
        guard(|| {
            self.inner
                .request_new_code(
                    session_id.as_deref(),
                    user_id.as_deref(),
                    &method,
                    external_delivery,
                    &crate::convert::context(context),
                )
                .map(Into::into)
        })
    }

    /// Reports how an app-made delivery went; a failure voids its code and is returned as
    /// `DeliveryFailed`.
    #[uniffi::method(default(reason = None, context = None))]
    pub fn complete_delivery(
        &self,
        delivery_id: String,
        ok: bool,
        reason: Option<String>,
        context: Option<RequestContext>,
    ) -> Result<(), MfaError> {
        guard(|| {
            self.inner.complete_delivery(
                &delivery_id,
                ok,
                reason.as_deref(),
                &crate::convert::context(context),
            )
        })
    }

    /// The user's other methods to offer after `failed_method` failed, in fallback order.
    pub fn get_fallback_methods(
        &self,
        user_id: String,
        failed_method: String,
    ) -> Result<Vec<String>, MfaError> {
        guard(|| self.inner.get_fallback_methods(&user_id, &failed_method))
    }

    /// MFA state of a user.
    pub fn get_mfa_status(&self, user_id: String) -> Result<MfaStatus, MfaError> {
        guard(|| self.inner.get_mfa_status(&user_id).map(Into::into))
    }

    /// Turns MFA off; needs the password (or a recent `verify_password`) and a current code.
    #[uniffi::method(default(context = None))]
    pub fn disable_mfa(
        &self,
        user_id: String,
        password: Option<String>,
        confirmation_code: String,
        context: Option<RequestContext>,
    ) -> Result<DisableMfaResult, MfaError> {
        guard(|| {
            self.inner
                .disable_mfa(
                    &user_id,
                    password.as_deref(),
                    &confirmation_code,
                    &crate::convert::context(context),
                )
                .map(Into::into)
        })
    }

    /// Replaces the user's backup codes with `count` new ones (default from configuration).
    #[uniffi::method(default(count = None, context = None))]
    pub fn regenerate_backup_codes(
        &self,
        user_id: String,
        count: Option<u32>,
        context: Option<RequestContext>,
    ) -> Result<BackupCodes, MfaError> {
        guard(|| {
            self.inner
                .regenerate_backup_codes(
                    &user_id,
                    count.map(i64::from),
                    &crate::convert::context(context),
                )
                .map(Into::into)
        })
    }

    /// Audit events of a user, newest first; `since` in Unix seconds, `limit` 1 to 1000
    /// (default 100).
    #[uniffi::method(default(since = None, limit = None))]
    pub fn list_audit_events(
        &self,
        user_id: String,
        since: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<AuditEvent>, MfaError> {
        guard(|| {
            self.inner
                .list_audit_events(&user_id, since, limit)
                .map(|events| events.into_iter().map(Into::into).collect())
        })
    }

    /// Fails with `StepUpRequired` unless the session passed MFA within `max_age` seconds
    /// (default: the configured step-up age).
    #[uniffi::method(default(max_age = None))]
    pub fn require_recent_mfa(&self, token: String, max_age: Option<u64>) -> Result<(), MfaError> {
        guard(|| self.inner.require_recent_mfa(&token, max_age))
    }

    /// Applies `configure()` options given as a JSON object; all or nothing.
    pub fn configure(&self, options_json: String) -> Result<ConfigureResult, MfaError> {
        guard(|| {
            let options = parse_object("options", Some(&options_json))?;
            self.inner
                .configure(&Value::Object(options))
                .map(Into::into)
        })
    }
}

/// Whether a route at `level` (`none`, `optional`, `required`, `admin_only`) requires MFA of
/// a user with `role`.
#[uniffi::export(default(role = None))]
pub fn should_require_mfa(level: String, role: Option<String>) -> Result<bool, MfaError> {
    guard(|| policy::should_require_mfa(&level, role.as_deref().unwrap_or_default()))
}
