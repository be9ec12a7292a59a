//! Requests and results of every operation, in the guide's field names (camelCase on the
//! wire; the snake_case spelling is accepted at the boundary, see [`crate::ops`]).
//!
//! Each request type's doc comment is its operation's documentation: the generator copies it,
//! with the field docs, into the Node, Python, Swift and Kotlin surfaces. With the `uniffi`
//! feature every type here is a uniffi record, so Swift and Kotlin use them as they are.
//! `Debug` never shows a password, code, token or secret.

mod admin;
mod auth;
mod authenticator;
mod channels;
mod mfa;
mod push;
mod rollout;
mod sessions;
mod webauthn;

pub use admin::*;
pub use auth::*;
pub use authenticator::*;
pub use channels::*;
pub use mfa::*;
pub use push::*;
pub use rollout::*;
pub use sessions::*;
pub use webauthn::*;

use crate::error::{MfaError, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// `Debug` that prints only the listed fields, so a secret field added later stays hidden.
macro_rules! debug_fields {
    ($ty:ident { $($shown:ident),* $(,)? }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    .finish_non_exhaustive()
            }
        }
    };
}
pub(crate) use debug_fields;

/// A JSON value passed through as it is (the browser's WebAuthn `publicKey` options and
/// credentials). Swift and Kotlin see it as JSON text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Json(pub serde_json::Value);

impl Eq for Json {}

impl JsonSchema for Json {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Json".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        true.into()
    }
}

// Text that is not JSON arrives as a JSON string, so the operation refuses it with a typed
// error naming its field (a failed lift would only be an internal error in Swift and Kotlin).
#[cfg(feature = "uniffi")]
uniffi::custom_type!(Json, String, {
    lower: |json| json.0.to_string(),
    try_lift: |text| Ok(Json(
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
    )),
});

/// A secret text (password, token, shared secret): zeroed when dropped, never printed by
/// `Debug`. On the wire and in Swift and Kotlin it is a plain string.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(pub String);

impl JsonSchema for SecretString {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "SecretString".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "x-secret": true})
    }
}

impl SecretString {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "<redacted>"
        })
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        Self(s)
    }
}

#[cfg(feature = "uniffi")]
uniffi::custom_type!(SecretString, String, {
    lower: |s| s.0.clone(),
    try_lift: |text| Ok(SecretString(text)),
});

/// A point in time given by a caller: Unix seconds, or an RFC 3339 timestamp
/// (`2026-11-25T12:00:00Z`). Bindings pass their date types (`Date`, `datetime`) as seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl<'de> Deserialize<'de> for UnixTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Seconds;
        impl serde::de::Visitor<'_> for Seconds {
            type Value = UnixTime;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("Unix seconds or an RFC 3339 timestamp")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<UnixTime, E> {
                Ok(UnixTime(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<UnixTime, E> {
                i64::try_from(v)
                    .map(UnixTime)
                    .map_err(|_| E::custom("is out of range"))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<UnixTime, E> {
                crate::clock::parse_rfc3339(v)
                    .map(UnixTime)
                    .ok_or_else(|| E::custom("must be Unix seconds or an RFC 3339 timestamp"))
            }
        }
        d.deserialize_any(Seconds)
    }
}

impl JsonSchema for UnixTime {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "UnixTime".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [{"type": "integer"}, {"type": "string", "format": "date-time"}],
            "x-time": true
        })
    }
}

#[cfg(feature = "uniffi")]
uniffi::custom_type!(UnixTime, i64, {
    lower: |t| t.0,
    try_lift: |s| Ok(UnixTime(s)),
});

/// An MFA method name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Authenticator app codes.
    Totp,
    /// Text-message codes.
    Sms,
    /// Email codes.
    Email,
    /// Security keys and passkeys.
    Webauthn,
    /// Single-use recovery codes.
    Backup,
    /// Push approvals on a phone.
    Push,
}

impl Method {
    /// Parses a method name; unknown names give `mfa_method_not_supported`.
    pub fn parse(name: &str) -> Result<Self> {
        match name.trim() {
            "totp" => Ok(Self::Totp),
            "sms" => Ok(Self::Sms),
            "email" => Ok(Self::Email),
            "webauthn" => Ok(Self::Webauthn),
            "backup" | "backup_codes" | "backup_code" => Ok(Self::Backup),
            "push" => Ok(Self::Push),
            other => {
                let shown: String = other.chars().take(32).filter(|c| !c.is_control()).collect();
                Err(MfaError::unsupported(shown))
            }
        }
    }

    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Totp => "totp",
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Webauthn => "webauthn",
            Self::Backup => "backup",
            Self::Push => "push",
        }
    }
}

/// Who is calling: recorded in the audit log. Both fields are optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RequestContext {
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub ip_address: Option<String>,
    /// Client user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub user_agent: Option<String>,
}

/// The outcome of an operation that returns nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SuccessResult {
    /// Whether it happened (for `sign_out`: whether the session existed).
    pub success: bool,
}

/// A user as returned to applications (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// `usr_…` id.
    pub id: String,
    /// Email address.
    pub email: String,
    /// Application role.
    pub role: String,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// Whether an MFA factor is active.
    pub mfa_enabled: bool,
    /// Active methods, e.g. `["totp", "backup"]`.
    pub mfa_methods: Vec<String>,
}

/// A session handed to the client: `token` is the bearer secret (keep it in an `HttpOnly`
/// cookie); `id` names the session in lists and revocations and grants nothing.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct IssuedSession {
    /// The session's public id (`ses_…`), as `list_sessions` shows it.
    pub id: String,
    /// Bearer token (256 random bits, base64url).
    #[schemars(extend("x-secret" = true))]
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// ISO 8601 expiry time.
    pub expires_at: String,
    /// Whether MFA was verified on this session.
    pub mfa_verified: bool,
}

debug_fields!(IssuedSession {
    id,
    expires_in,
    expires_at,
    mfa_verified
});
