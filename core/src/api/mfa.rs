//! Enrolling, verifying, listing and removing MFA factors.

use super::{debug_fields, IssuedSession, RequestContext, SecretString, User};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Starts setting up a method. For `totp`: a new secret, its `otpauth://` URI and QR code
/// (the device stays unconfirmed until `verify_mfa` sees a correct code); for `sms` and
/// `email`: a destination that a code is sent to, kept beside the confirmed one until its
/// code is confirmed. Adding a factor is a step-up operation (`factor_add`): on an account
/// with MFA it needs a session whose MFA is recent or a `confirmationCode`; without MFA, a
/// password check (sign-in, `verify_password`) or a session from the last five minutes.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct EnableMfaRequest {
    /// The user.
    pub user_id: String,
    /// `totp`, `sms`, `email` or `push`.
    pub method: String,
    /// Shown by authenticator apps as the issuer (default: the configured issuer).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub label: Option<String>,
    /// Name of the device in the user's list (default: the label).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub device_name: Option<String>,
    /// For `sms`: the phone number (E.164).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub phone_number: Option<String>,
    /// For `email`: the address (default: the user's).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub email: Option<String>,
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

debug_fields!(EnableMfaRequest {
    user_id,
    method,
    label,
    device_name,
    context
});

/// Result of `enable_mfa`.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct EnableMfaResult {
    /// Setup started.
    pub success: bool,
    /// The method being set up.
    pub method: String,
    /// Base32 TOTP secret for manual entry.
    #[schemars(extend("x-secret" = true))]
    pub secret: Option<String>,
    /// The `otpauth://` URI to encode in a QR code.
    #[schemars(extend("x-secret" = true))]
    pub qr_code_url: Option<String>,
    /// That QR code as SVG.
    #[schemars(extend("x-secret" = true))]
    pub qr_code_svg: Option<String>,
    /// That QR code as a `data:image/svg+xml` URL.
    #[schemars(extend("x-secret" = true))]
    pub qr_code_data_url: Option<String>,
    /// Backup codes, when this call issued them.
    #[schemars(extend("x-secret" = true))]
    pub backup_codes: Option<Vec<String>>,
    /// Id of the new device or challenge.
    pub challenge_id: Option<String>,
    /// Seconds the setup stays open, when it expires.
    pub expires_in: Option<u64>,
    /// A code was sent (sms, email).
    pub code_sent: Option<bool>,
    /// Where it was sent, masked (e.g. `+1******7890`).
    pub destination: Option<String>,
}
debug_fields!(EnableMfaResult {
    success,
    method,
    challenge_id,
    expires_in,
    code_sent,
    destination
});

/// Checks an MFA code: completes sign-in on a pending session (`sessionId` from sign-in),
/// refreshes a signed-in session's MFA time (`sessionId` = its token), or confirms a method
/// being set up (`userId`). A wrong code is `success: false` with `attemptsRemaining`, not an
/// error.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VerifyMfaRequest {
    /// Method of the code.
    pub method: String,
    /// The code.
    pub code: SecretString,
    /// Pending session handle from sign-in, or a session token for step-up.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_id: Option<String>,
    /// The user, to confirm a method being set up.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub user_id: Option<String>,
    /// Setup challenge id (optional).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub challenge_id: Option<String>,
    /// Confirming a setup (`userId`): the caller's session token, kept when the new factor
    /// ends the user's other sessions.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(VerifyMfaRequest {
    method,
    user_id,
    challenge_id,
    context
});

/// Result of `verify_mfa` (and of the WebAuthn ceremonies). A wrong code is
/// `success: false`, not an error.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VerifyMfaResult {
    /// The code was right.
    #[schemars(extend("x-discriminant" = true))]
    pub success: bool,
    /// The method checked.
    pub method: String,
    /// The user, on success.
    #[schemars(extend("x-when" = "success"))]
    pub user: Option<User>,
    /// The completed (sign-in) or refreshed (step-up) session, on success; absent when a
    /// method being set up was confirmed.
    pub session: Option<IssuedSession>,
    /// Backup codes issued by this first activation (shown once).
    #[schemars(extend("x-secret" = true))]
    pub backup_codes: Option<Vec<String>>,
    /// The security key or passkey registered or used (WebAuthn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_id: Option<String>,
    /// Attempts left before lockout, on failure.
    #[schemars(extend("x-when" = "!success"))]
    pub attempts_remaining: Option<u32>,
    /// Locked out: no code is accepted until `retry_after` seconds pass.
    pub rate_limited: bool,
    /// Seconds to wait before the next attempt (lockout, or the progressive delay).
    #[schemars(extend("x-when" = "!success"))]
    pub retry_after: Option<u64>,
    /// Error code on failure, e.g. `mfa_invalid_code`.
    #[schemars(extend("x-when" = "!success"))]
    pub error: Option<String>,
    /// On failure: the user's other methods to offer, in the guide's fallback order.
    #[schemars(extend("x-when" = "!success"))]
    pub fallback_methods: Option<Vec<String>>,
}
debug_fields!(VerifyMfaResult {
    success,
    method,
    user,
    session,
    credential_id,
    attempts_remaining,
    rate_limited,
    retry_after,
    error,
    fallback_methods
});

/// A user's MFA state, as in the guide's `getMFAStatus`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct GetMfaStatusRequest {
    /// The user.
    pub user_id: String,
}

/// An enrolled authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct TotpDevice {
    /// `dev_…` id.
    pub id: String,
    /// User-given name.
    pub name: String,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601, when last used.
    pub last_used: Option<String>,
}

/// An enrolled SMS or email factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ChannelInfo {
    /// `chn_…` id (for `remove_factor`).
    pub id: String,
    /// `sms` or `email`.
    pub method: String,
    /// Masked destination.
    pub destination: String,
    /// Confirmed by a code (active). An unconfirmed destination waits beside the confirmed
    /// one and replaces it when its code is confirmed.
    pub confirmed: bool,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601, when last used.
    pub last_used: Option<String>,
}

/// Result of `get_mfa_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct MfaStatus {
    /// At least one factor is active.
    pub enabled: bool,
    /// Active methods.
    pub methods: Vec<String>,
    /// Unused backup codes.
    pub backup_codes_remaining: u32,
    /// ISO 8601 time of the last successful verification.
    pub last_used: Option<String>,
    /// ISO 8601 time MFA was activated.
    pub setup_date: Option<String>,
    /// Enrolled authenticator apps.
    pub totp_devices: Vec<TotpDevice>,
    /// SMS and email factors, with masked destinations.
    pub channels: Vec<ChannelInfo>,
    /// Phones enrolled for push approvals.
    pub push_devices: Vec<super::PushDeviceInfo>,
    /// Code-based factors (TOTP, SMS, email) are suspended after too many consecutive
    /// failures: a backup code at sign-in (or an administrator) restores them.
    pub codes_suspended: bool,
}

/// Turns MFA off: needs the password (or a `verify_password` in the last five minutes) and a
/// current code of an active factor (TOTP, SMS or email for this session, or a backup code);
/// removes every factor and ends the user's other sessions.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct DisableMfaRequest {
    /// The user.
    pub user_id: String,
    /// A current code of one of the user's factors.
    pub confirmation_code: SecretString,
    /// The user's password (not needed within five minutes of a `verify_password`).
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub password: Option<SecretString>,
    /// The caller's session token: its recent MFA satisfies the step-up, and it is kept when
    /// the change ends the user's other sessions.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(DisableMfaRequest { user_id, context });

/// Result of `disable_mfa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct DisableMfaResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// ISO 8601.
    pub disabled_at: String,
}

/// Replaces the user's backup codes with `count` new ones (default from settings, 10): a
/// step-up operation (`backup_codes_regenerate`).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RegenerateBackupCodesRequest {
    /// The user.
    pub user_id: String,
    /// How many codes (1 to 50).
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub count: Option<u32>,
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

debug_fields!(RegenerateBackupCodesRequest {
    user_id,
    count,
    context
});

/// Result of `regenerate_mfa_backup_codes`.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct BackupCodes {
    /// The new codes: show them once.
    #[schemars(extend("x-secret" = true))]
    pub codes: Vec<String>,
    /// ISO 8601.
    pub generated_at: String,
}
debug_fields!(BackupCodes { generated_at });

/// The user's other enrolled methods after `failedMethod` failed, in the guide's fallback
/// order, without channels that are currently degraded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct GetFallbackMethodsRequest {
    /// The user.
    pub user_id: String,
    /// The method that failed.
    pub failed_method: String,
}

/// Removes one authenticator device (`dev_…`), SMS/email destination (`chn_…`) or push device
/// (`pdv_…`, from
/// `get_mfa_status`): needs the password (or a password check in the last five minutes) and
/// the step-up (`factor_remove`). Removing the last factor is turning MFA off, with the rules
/// of `disable_mfa` (a `confirmationCode` is then required).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RemoveFactorRequest {
    /// The user.
    pub user_id: String,
    /// The device or destination id.
    pub factor_id: String,
    /// The user's password.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub password: Option<SecretString>,
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
debug_fields!(RemoveFactorRequest {
    user_id,
    factor_id,
    context
});

/// Result of `remove_factor` and `remove_passkey`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RemoveFactorResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// It was the last factor: MFA is now off.
    pub mfa_disabled: bool,
    /// ISO 8601, when MFA was turned off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
}

/// Lifts a suspension of the user's code-based factors, as an administrator does after
/// checking who is asking (no step-up: guard the route that calls it). Audited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RestoreFactorsRequest {
    /// The user.
    pub user_id: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
