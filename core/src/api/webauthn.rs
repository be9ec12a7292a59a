//! Security keys and passkeys (WebAuthn ceremonies and key management).
//!
//! The browser's options and answers are the standard JSON shapes
//! (`PublicKeyCredentialCreationOptionsJSON` / `…RequestOptionsJSON`, and what
//! `credential.toJSON()` gives), carried as one opaque [`Json`] field each.

use super::{debug_fields, Json, RequestContext, SecretString};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Options for `navigator.credentials.create()` to register a security key or passkey
/// (`userId`), or, with `type: "authentication"` and `sessionId`, for signing in with one
/// (the guide's form). Pass `publicKey` to the browser; the challenge expires after
/// `expiresIn` seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyOptionsRequest {
    /// Registration: the user registering a key.
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub user_id: Option<String>,
    /// `registration` (the default) or `authentication`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<String>,
    /// Authentication: a pending sign-in session, or a signed-in session to step up.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_id: Option<String>,
    /// Registration: `passkey` (user verification required) or `securityKey`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub authenticator_type: Option<String>,
    /// The caller's session token: its recent MFA satisfies the step-up, and it is kept when
    /// the change ends the user's other sessions.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
    /// A current code of one of the user's factors, when the session's MFA is not recent.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub confirmation_code: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// Options for `navigator.credentials.get()`: for a pending sign-in session (`sessionId` from
/// sign-in), or a signed-in session's token (step-up). Pass `publicKey` to the browser.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyAuthenticationOptionsRequest {
    /// The pending session from sign-in, or a signed-in session's token.
    pub session_id: String,
    /// Accepted for the guide's form; must be `authentication`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<String>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// A credential the browser may use, as in `allowCredentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AllowedCredential {
    /// Credential id, base64url.
    pub id: String,
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Transports the key reported at registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<String>>,
}

/// The start of a ceremony: the browser's options and the challenge to answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyOptions {
    /// Always true (failures are errors).
    pub success: bool,
    /// `registration` or `authentication`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Same as `challengeId`.
    pub id: String,
    /// The challenge to answer with `verify_passkey_registration` /
    /// `verify_passkey_authentication`.
    pub challenge_id: String,
    /// Registration: `passkey` or `securityKey`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_type: Option<String>,
    /// The WebAuthn challenge, base64url.
    pub challenge: String,
    /// Milliseconds the browser should wait.
    pub timeout: Option<u64>,
    /// Seconds until the challenge expires.
    pub expires_in: u64,
    /// Authentication: the user's credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<Vec<AllowedCredential>>,
    /// The options to pass to the browser as they are (`publicKey` of
    /// `navigator.credentials.create()` / `.get()`), base64url binary fields.
    pub public_key: Json,
}

/// Verifies the browser's answer to `get_passkey_registration_options`: a new credential
/// (stored under `name`; the first factor also gets backup codes) gives `credentialId`; an
/// `assertion` (or `type: "authentication"`) completes sign-in exactly as
/// `verify_passkey_authentication`. Each challenge is answered once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VerifyPasskeyRequest {
    /// The challenge from the options.
    pub challenge_id: String,
    /// The browser's `RegistrationResponseJSON` (or `AuthenticationResponseJSON` for the
    /// guide's authentication form), or the guide's arrays of byte values.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub credential: Option<Json>,
    /// The guide's name for an authentication answer.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub assertion: Option<Json>,
    /// `registration` or `authentication` (the default when an `assertion` is given).
    #[serde(rename = "type")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<String>,
    /// Registration: the user the challenge was issued to (checked when given).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub user_id: Option<String>,
    /// Authentication: the session the challenge was issued for.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_id: Option<String>,
    /// Registration: a name for the key (default `Passkey` or `Security key`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub name: Option<String>,
    /// Registration: the caller's session token, kept when the new key ends the user's other
    /// sessions.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// Verifies an assertion (the browser's `AuthenticationResponseJSON`): completes the pending
/// sign-in or refreshes the session's MFA time, with the result and attempt limiting of
/// `verify_mfa`. A wrong answer is `success: false`; an unknown, used or expired challenge is
/// an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VerifyPasskeyAuthenticationRequest {
    /// The challenge from the options.
    pub challenge_id: String,
    /// The browser's `AuthenticationResponseJSON` (or the guide's arrays of byte values).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub credential: Option<Json>,
    /// The guide's name for the same answer.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub assertion: Option<Json>,
    /// The session the challenge was issued for (required for a step-up).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_id: Option<String>,
    /// Accepted for the guide's form; must be `authentication`.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub kind: Option<String>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// The user's security keys and passkeys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ListPasskeysRequest {
    /// The user.
    pub user_id: String,
}

/// A registered security key or passkey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyInfo {
    /// Same as `credentialId`.
    pub id: String,
    /// Credential id, base64url.
    pub credential_id: String,
    /// User-given name.
    pub name: String,
    /// `passkey` or `securityKey`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Transports the key reported.
    pub transports: Vec<String>,
    /// Authenticator model (AAGUID), when it told us.
    pub aaguid: Option<String>,
    /// Last signature counter seen.
    pub sign_count: u32,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601, when last used.
    pub last_used: Option<String>,
}

/// Renames one of the user's security keys or passkeys (a factor change: `factor_add`'s
/// step-up applies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RenamePasskeyRequest {
    /// The user.
    pub user_id: String,
    /// The key.
    pub credential_id: String,
    /// Its new name (1 to 128 bytes).
    pub name: String,
    /// The caller's session token: its recent MFA satisfies the step-up, and it is kept when
    /// the change ends the user's other sessions.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
    /// A current code of one of the user's factors, when the session's MFA is not recent.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub confirmation_code: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// Removes a key; needs `password` (or a `verify_password` in the last five minutes) and the
/// step-up (`factor_remove`: a session whose MFA is recent, or `confirmationCode`). Removing
/// the last MFA factor is turning MFA off, with the rules of `disable_mfa`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RemovePasskeyRequest {
    /// The user.
    pub user_id: String,
    /// The key.
    pub credential_id: String,
    /// The user's password.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub password: Option<SecretString>,
    /// A current code, when this is the last factor.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub confirmation_code: Option<SecretString>,
    /// The caller's session token: its recent MFA satisfies the step-up, and it is kept when
    /// the change ends the user's other sessions.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(RemovePasskeyRequest {
    user_id,
    credential_id,
    context
});
