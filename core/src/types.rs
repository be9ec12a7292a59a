//! Requests and results of the public API, in the guide's field names (serialized camelCase).

use crate::error::{MfaError, Result};
use serde::{Deserialize, Serialize};

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
                Err(MfaError::MethodNotSupported(shown))
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// Client IP address.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
}

/// A user as returned to applications (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A session handed to the client. `id` and `token` are the same bearer secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedSession {
    /// The session's id, which is its bearer token.
    pub id: String,
    /// Bearer token (256 random bits, base64url).
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// ISO 8601 expiry time.
    pub expires_at: String,
    /// Whether MFA was verified on this session.
    pub mfa_verified: bool,
}

/// Result of sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignUpResult {
    /// The new user.
    pub user: User,
    /// A signed-in session.
    pub session: IssuedSession,
}

/// Result of sign-in: either a full session or a pending one that needs MFA.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// An MFA step is needed: complete it with `session_id`.
    pub requires_mfa: bool,
    /// Handle of the pending session (a bearer secret), when MFA is required.
    pub session_id: Option<String>,
    /// Methods the user can complete MFA with.
    pub mfa_methods: Vec<String>,
    /// Seconds the pending session (or the session) remains valid.
    pub expires_in: u64,
    /// The user, when signed in without MFA.
    pub user: Option<User>,
    /// The session, when signed in without MFA.
    pub session: Option<IssuedSession>,
}

/// What `verify_session` knows about a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// The token is known and unexpired.
    pub valid: bool,
    /// The session's id (its token), when valid.
    pub id: Option<String>,
    /// The owner, when valid.
    pub user: Option<User>,
    /// The session still has to pass MFA before use.
    pub requires_mfa: bool,
    /// The session has passed MFA at sign-in or later.
    pub mfa_completed: bool,
    /// Same as `mfa_completed` (the guide uses both names).
    pub mfa_verified: bool,
    /// ISO 8601 time of the last MFA verification on this session.
    pub mfa_verified_at: Option<String>,
    /// Method of that verification.
    pub mfa_method: Option<String>,
    /// The user's active methods.
    pub mfa_methods: Vec<String>,
    /// Seconds until expiry (0 when invalid).
    pub expires_in: u64,
}

impl SessionInfo {
    pub(crate) fn invalid() -> Self {
        Self {
            valid: false,
            id: None,
            user: None,
            requires_mfa: false,
            mfa_completed: false,
            mfa_verified: false,
            mfa_verified_at: None,
            mfa_method: None,
            mfa_methods: Vec::new(),
            expires_in: 0,
        }
    }
}

/// Request of `enable_mfa`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnableMfaRequest {
    /// The user.
    pub user_id: String,
    /// `totp`, `sms`, `email`, `webauthn`.
    pub method: String,
    /// Shown by authenticator apps as the issuer (default: the configured issuer).
    pub label: Option<String>,
    /// Name of the device in the user's list (default: the label).
    pub device_name: Option<String>,
    /// For `sms`.
    pub phone_number: Option<String>,
    /// For `email` (default: the user's address).
    pub email: Option<String>,
    /// The caller delivers the code itself and reports back with `complete_delivery`.
    pub external_delivery: bool,
}

/// Result of `enable_mfa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableMfaResult {
    /// Setup started.
    pub success: bool,
    /// The method being set up.
    pub method: String,
    /// Base32 TOTP secret for manual entry.
    pub secret: Option<String>,
    /// The `otpauth://` URI to encode in a QR code.
    pub qr_code_url: Option<String>,
    /// That QR code as SVG.
    pub qr_code_svg: Option<String>,
    /// That QR code as a `data:image/svg+xml` URL.
    pub qr_code_data_url: Option<String>,
    /// Backup codes, when this call issued them.
    pub backup_codes: Option<Vec<String>>,
    /// Id of the new device or challenge.
    pub challenge_id: Option<String>,
    /// Seconds the setup stays open, when it expires.
    pub expires_in: Option<u64>,
    /// A code was sent (sms, email).
    pub code_sent: Option<bool>,
    /// Where it was sent, masked (e.g. `+1******7890`).
    pub destination: Option<String>,
    /// The message for the caller to deliver, when it asked to deliver codes itself.
    pub delivery: Option<crate::delivery::Delivery>,
}

/// Result of `request_new_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestCodeResult {
    /// A code was issued.
    pub success: bool,
    /// `sms` or `email`.
    pub method: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Wrong codes allowed before lockout.
    pub attempts_remaining: u32,
    /// Where it was sent, masked.
    pub destination: String,
    /// The message for the caller to deliver, when it asked to deliver codes itself.
    pub delivery: Option<crate::delivery::Delivery>,
}

/// An enrolled SMS or email factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelInfo {
    /// `sms` or `email`.
    pub method: String,
    /// Masked destination.
    pub destination: String,
    /// Confirmed by a code (active).
    pub confirmed: bool,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601, when last used.
    pub last_used: Option<String>,
}

/// Request of `verify_mfa`: `session_id` (sign-in or step-up) or `user_id` (setup).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyMfaRequest {
    /// Pending session handle from sign-in, or a session token for step-up.
    pub session_id: Option<String>,
    /// The user, to confirm a method being set up.
    pub user_id: Option<String>,
    /// Method of the code.
    pub method: String,
    /// The code.
    pub code: String,
    /// Setup challenge id (optional).
    pub challenge_id: Option<String>,
    /// Caller details for the audit log.
    pub context: RequestContext,
}

/// Result of `verify_mfa`. A wrong code is `success: false`, not an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyMfaResult {
    /// The code was right.
    pub success: bool,
    /// The method checked.
    pub method: String,
    /// The user, on success.
    pub user: Option<User>,
    /// The completed (sign-in) or refreshed (step-up) session, on success.
    pub session: Option<IssuedSession>,
    /// Backup codes issued by this first activation.
    pub backup_codes: Option<Vec<String>>,
    /// Attempts left before lockout, on failure.
    pub attempts_remaining: Option<u32>,
    /// Locked out: no code is accepted until `retry_after` seconds pass.
    pub rate_limited: bool,
    /// Seconds to wait before the next attempt (lockout, or the progressive delay).
    pub retry_after: Option<u64>,
    /// Error code on failure, e.g. `mfa_invalid_code`.
    pub error: Option<String>,
    /// On failure: the user's other methods to offer, in the guide's fallback order.
    pub fallback_methods: Option<Vec<String>>,
}

/// An enrolled authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// Result of `get_mfa_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}

/// Result of `disable_mfa`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DisableMfaResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// ISO 8601.
    pub disabled_at: String,
}

/// Result of `regenerate_backup_codes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackupCodes {
    /// The new codes: show them once.
    pub codes: Vec<String>,
    /// ISO 8601.
    pub generated_at: String,
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Sequence number.
    pub id: i64,
    /// The user.
    pub user_id: Option<String>,
    /// What happened.
    pub action: String,
    /// MFA method involved.
    pub method: Option<String>,
    /// Whether it succeeded.
    pub success: bool,
    /// Client IP.
    pub ip_address: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// Non-secret detail such as an error code.
    pub detail: Option<String>,
    /// ISO 8601.
    pub created_at: String,
}

/// Result of `configure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigureResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// ISO 8601.
    pub applied_at: String,
}
