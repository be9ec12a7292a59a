//! Security keys and passkeys (WebAuthn relying party) on the [`Engine`]: for a JVM or Kotlin
//! server, or an app that checks its own users' keys. WebAuthn data crosses as JSON text in
//! the standard browser shapes — exactly what Android's Credential Manager takes
//! (`requestJson`) and returns (`registrationResponseJson`, `authenticationResponseJson`).
//!
//! The calls go through the core's JSON API, so a library built without the core's `webauthn`
//! feature (the iOS XCFramework) has the same interface and answers `MethodNotSupported`.

use crate::convert::{context, RequestContext, VerifyMfaResult};
use crate::engine::Engine;
use crate::error::{guard, MfaError};
use plinto_mfa_core::{self as core, json_api};
use serde_json::{json, Map, Value};

/// Options for `navigator.credentials.create()` / `.get()` or Credential Manager.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasskeyOptions {
    /// Answer with this id; each challenge is answered once.
    pub challenge_id: String,
    /// `registration` or `authentication`.
    pub kind: String,
    /// Seconds until the challenge expires.
    pub expires_in: u64,
    /// `PublicKeyCredentialCreationOptionsJSON` or `…RequestOptionsJSON` (base64url fields).
    pub options_json: String,
}

/// A stored security key or passkey.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasskeyRegistration {
    /// The credential's id (base64url).
    pub credential_id: String,
    /// Backup codes issued when this is the user's first factor: show them once.
    pub backup_codes: Option<Vec<String>>,
}

/// One of a user's security keys or passkeys.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasskeyInfo {
    /// The credential's id (base64url).
    pub credential_id: String,
    /// User-given name.
    pub name: String,
    /// `securityKey` or `passkey`.
    pub kind: String,
    /// Transports the authenticator reported (`usb`, `nfc`, `internal`, …).
    pub transports: Vec<String>,
    /// The authenticator model's AAGUID, when attested.
    pub aaguid: Option<String>,
    /// The last signature counter seen (0 for synced passkeys).
    pub sign_count: u32,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601, when last used.
    pub last_used: Option<String>,
}

/// Outcome of removing a key.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RemovePasskeyResult {
    /// Removing the last factor turned MFA off.
    pub mfa_disabled: bool,
    /// ISO 8601, when MFA was turned off.
    pub disabled_at: Option<String>,
}

/// Parses a credential given as JSON text; malformed text is `InvalidInput` on `credential`.
fn credential(text: &str) -> Result<Value, core::MfaError> {
    serde_json::from_str(text)
        .map_err(|e| core::MfaError::invalid("credential", format!("is not valid JSON: {e}")))
}

fn string(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn opt_string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn options(v: &Value) -> PasskeyOptions {
    PasskeyOptions {
        challenge_id: string(v, "challengeId"),
        kind: string(v, "type"),
        expires_in: v
            .get("expiresIn")
            .and_then(Value::as_u64)
            .unwrap_or_default(),
        options_json: v.get("publicKey").map(Value::to_string).unwrap_or_default(),
    }
}

fn info(v: &Value) -> PasskeyInfo {
    let transports = v
        .get("transports")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    PasskeyInfo {
        credential_id: string(v, "credentialId"),
        name: string(v, "name"),
        kind: string(v, "type"),
        transports,
        aaguid: opt_string(v, "aaguid"),
        sign_count: v
            .get("signCount")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or_default(),
        created_at: string(v, "createdAt"),
        last_used: opt_string(v, "lastUsed"),
    }
}

impl Engine {
    /// Runs a passkey operation of the core's JSON API with `args` plus the request context.
    fn passkey_call(
        &self,
        op: &str,
        mut args: Map<String, Value>,
        ctx: Option<RequestContext>,
    ) -> Result<Value, core::MfaError> {
        let ctx = context(ctx);
        if let Some(ip) = ctx.ip {
            args.insert("ipAddress".into(), Value::String(ip));
        }
        if let Some(agent) = ctx.user_agent {
            args.insert("userAgent".into(), Value::String(agent));
        }
        json_api::dispatch(self.core(), op, &Value::Object(args))
    }
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[uniffi::export]
impl Engine {
    /// Options to register a security key (`authenticator_type` `securityKey`, the default)
    /// or a passkey (`passkey`) for a signed-in user; the user's keys are excluded.
    #[uniffi::method(default(authenticator_type = None, context = None))]
    pub fn passkey_registration_options(
        &self,
        user_id: String,
        authenticator_type: Option<String>,
        context: Option<RequestContext>,
    ) -> Result<PasskeyOptions, MfaError> {
        guard(|| {
            let args =
                object(json!({ "userId": user_id, "authenticatorType": authenticator_type }));
            let v = self.passkey_call("get_passkey_registration_options", args, context)?;
            Ok(options(&v))
        })
    }

    /// Verifies the registration response (`RegistrationResponseJSON` text) and stores the
    /// key under `name`; the first factor activates MFA and issues backup codes.
    #[uniffi::method(default(name = None, context = None))]
    pub fn verify_passkey_registration(
        &self,
        user_id: String,
        challenge_id: String,
        credential_json: String,
        name: Option<String>,
        context: Option<RequestContext>,
    ) -> Result<PasskeyRegistration, MfaError> {
        guard(|| {
            let args = object(json!({
                "type": "registration",
                "userId": user_id,
                "challengeId": challenge_id,
                "credential": credential(&credential_json)?,
                "name": name,
            }));
            let v = self.passkey_call("verify_passkey_registration", args, context)?;
            let codes = v.get("backupCodes").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            });
            Ok(PasskeyRegistration {
                credential_id: string(&v, "credentialId"),
                backup_codes: codes,
            })
        })
    }

    /// Options to sign in with a key: for a pending sign-in session, or a signed-in
    /// session's token (step-up).
    #[uniffi::method(default(context = None))]
    pub fn passkey_authentication_options(
        &self,
        session_id: String,
        context: Option<RequestContext>,
    ) -> Result<PasskeyOptions, MfaError> {
        guard(|| {
            let args = object(json!({ "sessionId": session_id }));
            let v = self.passkey_call("get_passkey_authentication_options", args, context)?;
            Ok(options(&v))
        })
    }

    /// Verifies an assertion (`AuthenticationResponseJSON` text): completes the pending
    /// sign-in or refreshes the session's MFA time, with the same result as `verify_mfa`.
    #[uniffi::method(default(session_id = None, context = None))]
    pub fn verify_passkey_authentication(
        &self,
        challenge_id: String,
        credential_json: String,
        session_id: Option<String>,
        context: Option<RequestContext>,
    ) -> Result<VerifyMfaResult, MfaError> {
        guard(|| {
            let args = object(json!({
                "challengeId": challenge_id,
                "credential": credential(&credential_json)?,
                "sessionId": session_id,
            }));
            let v = self.passkey_call("verify_passkey_authentication", args, context)?;
            let result: core::VerifyMfaResult = serde_json::from_value(v)
                .map_err(|e| core::MfaError::Internal(format!("result: {e}")))?;
            Ok(result.into())
        })
    }

    /// The user's security keys and passkeys.
    pub fn list_passkeys(&self, user_id: String) -> Result<Vec<PasskeyInfo>, MfaError> {
        guard(|| {
            let v =
                self.passkey_call("list_passkeys", object(json!({ "userId": user_id })), None)?;
            Ok(v.as_array()
                .map(|a| a.iter().map(info).collect())
                .unwrap_or_default())
        })
    }

    /// Renames one of the user's keys.
    pub fn rename_passkey(
        &self,
        user_id: String,
        credential_id: String,
        name: String,
    ) -> Result<(), MfaError> {
        guard(|| {
            let args =
                object(json!({ "userId": user_id, "credentialId": credential_id, "name": name }));
            self.passkey_call("rename_passkey", args, None).map(drop)
        })
    }

    /// Removes a key; needs the password (or a `verify_password` in the last five minutes).
    /// Removing the last factor also needs a current `confirmation_code`, as `disable_mfa` does.
    #[uniffi::method(default(password = None, confirmation_code = None, context = None))]
    pub fn remove_passkey(
        &self,
        user_id: String,
        credential_id: String,
        password: Option<String>,
        confirmation_code: Option<String>,
        context: Option<RequestContext>,
    ) -> Result<RemovePasskeyResult, MfaError> {
        guard(|| {
            let args = object(json!({
                "userId": user_id,
                "credentialId": credential_id,
                "password": password,
                "confirmationCode": confirmation_code,
            }));
            let v = self.passkey_call("remove_passkey", args, context)?;
            Ok(RemovePasskeyResult {
                mfa_disabled: v
                    .get("mfaDisabled")
                    .and_then(Value::as_bool)
                    .unwrap_or_default(),
                disabled_at: opt_string(&v, "disabledAt"),
            })
        })
    }
}
