//! The authenticator side (no database): reading `otpauth://` URIs and computing codes.

use super::UnixTime;
use schemars::JsonSchema;
use serde::Deserialize;

/// Parses and validates an `otpauth://totp/…` URI into its account. A malformed URI is
/// `invalid_input` naming the part at fault (`uri`, `label`, `issuer`, `secret`,
/// `algorithm`, `digits`, `period`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ParseOtpauthUriRequest {
    /// The `otpauth://` URI.
    #[schemars(extend("x-bare" = true))]
    pub uri: String,
}

/// The code of an `otpauth://` URI now, or at `time`, and the seconds it stays valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorCodeRequest {
    /// The `otpauth://` URI.
    #[schemars(extend("x-bare" = true))]
    pub uri: String,
    /// Unix seconds or RFC 3339 (default now).
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub time: Option<UnixTime>,
}
