//! The engine as JSON in, JSON out: what the Node and Python bindings call, so argument
//! checking and result shapes live here once instead of in each binding.
//!
//! Arguments are one JSON object whose keys are the guide's camelCase names (`userId`) or
//! their snake_case twins (`user_id`). A missing or mistyped argument is an `invalid_input`
//! error naming it as the caller spelled it. Results are the public types serialized camelCase.

use crate::engine::{Engine, EngineOptions};
use crate::error::{MfaError, Result};
use crate::types::{EnableMfaRequest, RequestContext, VerifyMfaRequest};
use crate::{authenticator, env, policy, SecretKey};
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Every operation [`dispatch`] knows, by canonical (snake_case) name.
pub const OPERATIONS: &[&str] = &[
    "sign_up",
    "sign_in",
    "sign_out",
    "verify_session",
    "verify_password",
    "delete_user",
    "get_user",
    "enable_mfa",
    "verify_mfa",
    "get_mfa_status",
    "disable_mfa",
    "regenerate_mfa_backup_codes",
    "list_audit_events",
    "require_recent_mfa",
    "configure",
    "should_require_mfa",
    "request_new_code",
    "complete_delivery",
    "get_fallback_methods",
    "parse_otpauth_uri",
    "authenticator_code",
    "get_passkey_registration_options",
    "verify_passkey_registration",
    "get_passkey_authentication_options",
    "verify_passkey_authentication",
    "list_passkeys",
    "rename_passkey",
    "remove_passkey",
];

/// The operations [`dispatch_stateless`] runs without an engine (the authenticator side).
pub const STATELESS_OPERATIONS: &[&str] = &["parse_otpauth_uri", "authenticator_code"];

fn snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 4);
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

struct Args<'a>(&'a Map<String, Value>);

impl<'a> Args<'a> {
    fn get(&self, camel: &str) -> Option<(String, &'a Value)> {
        if let Some(v) = self.0.get(camel) {
            return Some((camel.to_string(), v));
        }
        let s = snake(camel);
        self.0.get(&s).map(|v| (s, v))
    }

    fn opt_str(&self, camel: &str) -> Result<Option<String>> {
        match self.get(camel) {
            None | Some((_, Value::Null)) => Ok(None),
            Some((_, Value::String(s))) => Ok(Some(s.clone())),
            Some((name, _)) => Err(MfaError::invalid(name, "must be a string")),
        }
    }

    fn str(&self, camel: &str) -> Result<String> {
        self.opt_str(camel)?
            .ok_or_else(|| MfaError::invalid(camel, "is required"))
    }

    fn opt_int(&self, camel: &str) -> Result<Option<i64>> {
        match self.get(camel) {
            None | Some((_, Value::Null)) => Ok(None),
            Some((name, Value::Number(n))) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| MfaError::invalid(name, "must be an integer")),
            Some((name, _)) => Err(MfaError::invalid(name, "must be an integer")),
        }
    }

    fn opt_bool(&self, camel: &str) -> Result<Option<bool>> {
        match self.get(camel) {
            None | Some((_, Value::Null)) => Ok(None),
            Some((_, Value::Bool(b))) => Ok(Some(*b)),
            Some((name, _)) => Err(MfaError::invalid(name, "must be true or false")),
        }
    }

    fn context(&self) -> Result<RequestContext> {
        Ok(RequestContext {
            ip: self.opt_str("ipAddress")?,
            user_agent: self.opt_str("userAgent")?,
        })
    }
}

fn to_json<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| MfaError::Internal(format!("serialize: {e}")))
}

fn non_negative(field: &str, v: Option<i64>) -> Result<Option<u64>> {
    v.map(|n| u64::try_from(n).map_err(|_| MfaError::invalid(field, "must not be negative")))
        .transpose()
}

/// Runs operation `op` with the arguments object `args` and returns its result as JSON.
pub fn dispatch(engine: &Engine, op: &str, args: &Value) -> Result<Value> {
    let empty = Map::new();
    let map = match args {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err(MfaError::invalid("options", "must be an object")),
    };
    let a = Args(map);
    match op {
        "sign_up" => to_json(&engine.sign_up(
            &a.str("email")?,
            &a.str("password")?,
            a.opt_str("role")?.as_deref(),
            &a.context()?,
        )?),
        "sign_in" => {
            to_json(&engine.sign_in(&a.str("email")?, &a.str("password")?, &a.context()?)?)
        }
        "sign_out" => {
            let existed = engine.sign_out(&a.str("token")?, &a.context()?)?;
            Ok(json!({ "success": existed }))
        }
        "verify_session" => to_json(&engine.verify_session(&a.str("token")?)?),
        "verify_password" => {
            engine.verify_password(&a.str("userId")?, &a.str("password")?, &a.context()?)?;
            Ok(json!({ "success": true }))
        }
        "delete_user" => {
            engine.delete_user(&a.str("userId")?)?;
            Ok(json!({ "success": true }))
        }
        "get_user" => to_json(&engine.get_user(&a.str("userId")?)?),
        "enable_mfa" => {
            let req = EnableMfaRequest {
                user_id: a.str("userId")?,
                method: a.str("method")?,
                label: a.opt_str("label")?,
                device_name: a.opt_str("deviceName")?,
                phone_number: a.opt_str("phoneNumber")?,
                email: a.opt_str("email")?,
                external_delivery: a.opt_bool("externalDelivery")?.unwrap_or(false),
            };
            to_json(&engine.enable_mfa(&req, &a.context()?)?)
        }
        "verify_mfa" => {
            let req = VerifyMfaRequest {
                session_id: a.opt_str("sessionId")?,
                user_id: a.opt_str("userId")?,
                method: a.str("method")?,
                code: a.str("code")?,
                challenge_id: a.opt_str("challengeId")?,
                context: a.context()?,
            };
            to_json(&engine.verify_mfa(&req)?)
        }
        "get_mfa_status" => to_json(&engine.get_mfa_status(&a.str("userId")?)?),
        "disable_mfa" => to_json(&engine.disable_mfa(
            &a.str("userId")?,
            a.opt_str("password")?.as_deref(),
            &a.str("confirmationCode")?,
            &a.context()?,
        )?),
        "regenerate_mfa_backup_codes" => to_json(&engine.regenerate_backup_codes(
            &a.str("userId")?,
            a.opt_int("count")?,
            &a.context()?,
        )?),
        "list_audit_events" => {
            let limit = non_negative("limit", a.opt_int("limit")?)?
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            to_json(&engine.list_audit_events(&a.str("userId")?, a.opt_int("since")?, limit)?)
        }
        "require_recent_mfa" => {
            let max_age = non_negative("maxAge", a.opt_int("maxAge")?)?;
            engine.require_recent_mfa(&a.str("token")?, max_age)?;
            Ok(json!({ "success": true }))
        }
        "configure" => to_json(&engine.configure(args)?),
        "should_require_mfa" => {
            let role = a.opt_str("role")?.unwrap_or_default();
            Ok(Value::Bool(policy::should_require_mfa(
                &a.str("level")?,
                &role,
            )?))
        }
        "request_new_code" => to_json(&engine.request_new_code(
            a.opt_str("sessionId")?.as_deref(),
            a.opt_str("userId")?.as_deref(),
            &a.str("method")?,
            a.opt_bool("externalDelivery")?.unwrap_or(false),
            &a.context()?,
        )?),
        "complete_delivery" => {
            let ok = a
                .opt_bool("ok")?
                .ok_or_else(|| MfaError::invalid("ok", "is required"))?;
            engine.complete_delivery(
                &a.str("deliveryId")?,
                ok,
                a.opt_str("reason")?.as_deref(),
                &a.context()?,
            )?;
            Ok(json!({ "success": true }))
        }
        "get_fallback_methods" => {
            to_json(&engine.get_fallback_methods(&a.str("userId")?, &a.str("failedMethod")?)?)
        }
        "get_passkey_registration_options"
        | "verify_passkey_registration"
        | "get_passkey_authentication_options"
        | "verify_passkey_authentication"
        | "list_passkeys"
        | "rename_passkey"
        | "remove_passkey" => passkey_dispatch(engine, op, &a),
        "parse_otpauth_uri" | "authenticator_code" => dispatch_stateless(op, args),
        other => {
            let shown: String = other.chars().take(64).collect();
            Err(MfaError::invalid(
                "operation",
                format!("unknown operation {shown}"),
            ))
        }
    }
}

/// Security keys and passkeys. The guide's pair `get_passkey_registration_options` /
/// `verify_passkey_registration` serves both ceremonies through `type`
/// (`registration`, the default, or `authentication`).
#[cfg(feature = "webauthn")]
fn passkey_dispatch(engine: &Engine, op: &str, a: &Args<'_>) -> Result<Value> {
    let kind = a.opt_str("type")?;
    let authentication = match kind.as_deref().map(str::trim) {
        None | Some("") => op.contains("authentication") || a.get("assertion").is_some(),
        Some("registration") => false,
        Some("authentication") => true,
        Some(_) => {
            return Err(MfaError::invalid(
                "type",
                "must be registration or authentication",
            ))
        }
    };
    let credential = |a: &Args<'_>| -> Result<Value> {
        match a.get("credential").or_else(|| a.get("assertion")) {
            Some((_, v)) if !v.is_null() => Ok(v.clone()),
            _ => Err(MfaError::invalid("credential", "is required")),
        }
    };
    let ctx = a.context()?;
    match op {
        "get_passkey_registration_options" | "get_passkey_authentication_options" => {
            if authentication {
                engine.passkey_authentication_options(&a.str("sessionId")?, &ctx)
            } else {
                engine.passkey_registration_options(
                    &a.str("userId")?,
                    a.opt_str("authenticatorType")?.as_deref(),
                    &ctx,
                )
            }
        }
        "verify_passkey_registration" | "verify_passkey_authentication" => {
            if authentication {
                to_json(&engine.verify_passkey_authentication(
                    &a.str("challengeId")?,
                    &credential(a)?,
                    a.opt_str("sessionId")?.as_deref(),
                    &ctx,
                )?)
            } else {
                engine.verify_passkey_registration(
                    &a.str("challengeId")?,
                    &credential(a)?,
                    a.opt_str("userId")?.as_deref(),
                    a.opt_str("name")?.as_deref(),
                    &ctx,
                )
            }
        }
        "list_passkeys" => engine.list_passkeys(&a.str("userId")?),
        "rename_passkey" => {
            engine.rename_passkey(
                &a.str("userId")?,
                &a.str("credentialId")?,
                &a.str("name")?,
                &ctx,
            )?;
            Ok(json!({ "success": true }))
        }
        _ => engine.remove_passkey(
            &a.str("userId")?,
            &a.str("credentialId")?,
            a.opt_str("password")?.as_deref(),
            a.opt_str("confirmationCode")?.as_deref(),
            &ctx,
        ),
    }
}

/// Without the `webauthn` feature the passkey operations exist but are not supported.
#[cfg(not(feature = "webauthn"))]
fn passkey_dispatch(_engine: &Engine, _op: &str, _a: &Args<'_>) -> Result<Value> {
    Err(MfaError::MethodNotSupported("webauthn".into()))
}

/// Runs an operation that needs no engine (see [`STATELESS_OPERATIONS`]):
/// `parse_otpauth_uri {uri}` gives the account; `authenticator_code {uri, time?}` gives
/// `{code, secondsRemaining, period}` at `time` (Unix seconds, default now).
pub fn dispatch_stateless(op: &str, args: &Value) -> Result<Value> {
    let empty = Map::new();
    let map = match args {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err(MfaError::invalid("options", "must be an object")),
    };
    let a = Args(map);
    match op {
        "parse_otpauth_uri" => to_json(&authenticator::OtpAccount::parse_uri(&a.str("uri")?)?),
        "authenticator_code" => to_json(&authenticator::code_for_uri(
            &a.str("uri")?,
            a.opt_int("time")?,
        )?),
        other => {
            let shown: String = other.chars().take(64).collect();
            Err(MfaError::invalid(
                "operation",
                format!("unknown operation {shown}"),
            ))
        }
    }
}

/// Engine options from a JSON object: `database`, `secretKey` (hex or base64), `issuer`, and
/// any `configure()` options (`methods`, `backupCodes`, `rateLimiting`, `security`, `sessions`,
/// `password`). Missing `database` / `secretKey` fall back to the environment (see [`env`]).
pub fn options_from_json(options: &Value) -> Result<EngineOptions> {
    let empty = Map::new();
    let map = match options {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => return Err(MfaError::invalid("options", "must be an object")),
    };
    let a = Args(map);
    let mut base = match (a.opt_str("database")?, a.opt_str("secretKey")?) {
        (Some(db), Some(key)) => EngineOptions::new(db, SecretKey::parse(&key)?),
        (Some(db), None) => match std::env::var("PLINTO_SECRET_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty())
        {
            Some(key) => EngineOptions::new(db, SecretKey::parse(&key)?),
            None => {
                let key = env::development_key(&db)?;
                EngineOptions::new(db, key)
            }
        },
        (None, key) => {
            let mut o = env::options_from_env()?;
            if let Some(key) = key {
                o.secret_key = SecretKey::parse(&key)?;
            }
            o
        }
    };
    let mut rest = map.clone();
    for k in ["database", "secretKey", "secret_key", "issuer"] {
        rest.remove(k);
    }
    if let Some(issuer) = a.opt_str("issuer")? {
        base.config
            .apply_json(&json!({"methods": {"totp": {"issuer": issuer}}}))?;
    }
    base.config.apply_json(&Value::Object(rest))?;
    Ok(base)
}

/// The JSON form of an error, as bindings hand it to their host language:
/// `{code, message, field?, retryAfter?}`.
pub fn error_json(e: &MfaError) -> Value {
    let mut v = json!({ "code": e.code(), "message": e.to_string() });
    if let Some(f) = e.field() {
        v["field"] = json!(f);
    }
    if let Some(r) = e.retry_after() {
        v["retryAfter"] = json!(r);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Result<Engine> {
        Engine::open(options_from_json(&json!({
            "database": ":memory:",
            "secretKey": "00".repeat(32),
            "issuer": "Acme",
            "password": {"memoryKib": 64, "iterations": 1}
        }))?)
    }

    #[test]
    fn camel_and_snake_keys_and_typed_errors() -> Result<()> {
        let e = engine()?;
        assert_eq!(e.config().totp.issuer, "Acme");
        let up = dispatch(
            &e,
            "sign_up",
            &json!({"email": "a@example.com", "password": "Password123!"}),
        )?;
        let uid = up["user"]["id"].as_str().unwrap_or_default().to_string();
        let status = dispatch(&e, "get_mfa_status", &json!({ "user_id": uid }))?;
        assert_eq!(status["backupCodesRemaining"], json!(0));
        let err = dispatch(&e, "get_mfa_status", &json!({ "userId": 42 })).err();
        assert_eq!(err.as_ref().and_then(MfaError::field), Some("userId"));
        let err = dispatch(&e, "get_mfa_status", &json!({})).err();
        assert_eq!(
            err.as_ref().map(|e| (e.code(), e.field())),
            Some(("invalid_input", Some("userId")))
        );
        let err = dispatch(
            &e,
            "enable_mfa",
            &json!({"user_id": uid, "method": ["totp"]}),
        )
        .err();
        assert_eq!(err.as_ref().and_then(MfaError::field), Some("method"));
        assert!(dispatch(&e, "nope", &json!({})).is_err());
        assert_eq!(
            dispatch(
                &e,
                "should_require_mfa",
                &json!({"level": "admin_only", "role": "admin"})
            )?,
            json!(true)
        );
        let ej = error_json(&MfaError::RateLimited { retry_after: 7 });
        assert_eq!(ej["retryAfter"], json!(7));
        Ok(())
    }

    #[test]
    fn authenticator_operations_need_no_engine() -> Result<()> {
        let uri = "otpauth://totp/Acme:a%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme&digits=8";
        let account = dispatch_stateless("parse_otpauth_uri", &json!({ "uri": uri }))?;
        assert_eq!(account["issuer"], json!("Acme"));
        assert_eq!(account["accountName"], json!("a@example.com"));
        assert_eq!(account["algorithm"], json!("SHA1"));
        assert_eq!(account["digits"], json!(8));
        let code = dispatch_stateless("authenticator_code", &json!({ "uri": uri, "time": 59 }))?;
        assert_eq!(
            code,
            json!({"code": "94287082", "secondsRemaining": 1, "period": 30})
        );
        let err = dispatch_stateless(
            "parse_otpauth_uri",
            &json!({ "uri": "otpauth://hotp/x?secret=A" }),
        )
        .err();
        assert_eq!(
            err.as_ref().map(|e| (e.code(), e.field())),
            Some(("invalid_input", Some("uri")))
        );
        let err =
            dispatch_stateless("authenticator_code", &json!({ "uri": uri, "time": "x" })).err();
        assert_eq!(err.as_ref().and_then(MfaError::field), Some("time"));
        let err = dispatch_stateless("sign_up", &json!({})).err();
        assert_eq!(err.as_ref().and_then(MfaError::field), Some("operation"));
        for op in STATELESS_OPERATIONS {
            assert!(OPERATIONS.contains(op));
        }
        let e = engine()?;
        assert_eq!(
            dispatch(&e, "authenticator_code", &json!({ "uri": uri, "time": 59 }))?["code"],
            json!("94287082")
        );
        Ok(())
    }

    #[test]
    fn every_operation_is_dispatched() -> Result<()> {
        let e = engine()?;
        for op in OPERATIONS {
            let err = dispatch(&e, op, &json!({})).err();
            assert_ne!(
                err.as_ref().and_then(MfaError::field),
                Some("operation"),
                "{op} is listed but not dispatched"
            );
        }
        Ok(())
    }
}
