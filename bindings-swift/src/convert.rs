//! Records of the API: plain copies of the core's request and result types, so the core stays
//! free of FFI attributes. Field names are the core's, in uniffi's naming (camelCase in Swift
//! and Kotlin).

use plinto_mfa_core as core;

/// Who is calling, for the audit log. Both fields are optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct RequestContext {
    /// Client IP address.
    #[uniffi(default = None)]
    pub ip_address: Option<String>,
    /// Client user agent.
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
}

impl From<RequestContext> for core::RequestContext {
    fn from(c: RequestContext) -> Self {
        Self {
            ip: c.ip_address,
            user_agent: c.user_agent,
        }
    }
}

/// The core's context from an optional one.
pub(crate) fn context(c: Option<RequestContext>) -> core::RequestContext {
    c.map(Into::into).unwrap_or_default()
}

/// A user (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<core::User> for User {
    fn from(u: core::User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            role: u.role,
            created_at: u.created_at,
            mfa_enabled: u.mfa_enabled,
            mfa_methods: u.mfa_methods,
        }
    }
}

/// A session handed to the client; `id` and `token` are the same bearer secret.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Session {
    /// The session's id (its bearer token).
    pub id: String,
    /// Bearer token.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// ISO 8601 expiry time.
    pub expires_at: String,
    /// Whether MFA was verified on this session.
    pub mfa_verified: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("expires_in", &self.expires_in)
            .field("mfa_verified", &self.mfa_verified)
            .finish_non_exhaustive()
    }
}

impl From<core::IssuedSession> for Session {
    fn from(s: core::IssuedSession) -> Self {
        Self {
            id: s.id,
            token: s.token,
            expires_in: s.expires_in,
            expires_at: s.expires_at,
            mfa_verified: s.mfa_verified,
        }
    }
}

/// Result of sign-up: the user, signed in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignUpResult {
    /// The new user.
    pub user: User,
    /// Their session.
    pub session: Session,
}

impl From<core::SignUpResult> for SignUpResult {
    fn from(r: core::SignUpResult) -> Self {
        Self {
            user: r.user.into(),
            session: r.session.into(),
        }
    }
}

/// Result of sign-in: a session, or a pending one (`session_id`) that needs MFA.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SignInResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// An MFA step is needed: complete it with `session_id`.
    pub requires_mfa: bool,
    /// Handle of the pending session, when MFA is required.
    pub session_id: Option<String>,
    /// Methods the user can complete MFA with.
    pub mfa_methods: Vec<String>,
    /// Seconds the (pending) session remains valid.
    pub expires_in: u64,
    /// The user, when signed in without MFA.
    pub user: Option<User>,
    /// The session, when signed in without MFA.
    pub session: Option<Session>,
}

impl From<core::SignInResult> for SignInResult {
    fn from(r: core::SignInResult) -> Self {
        Self {
            success: r.success,
            requires_mfa: r.requires_mfa,
            session_id: r.session_id,
            mfa_methods: r.mfa_methods,
            expires_in: r.expires_in,
            user: r.user.map(Into::into),
            session: r.session.map(Into::into),
        }
    }
}

/// What the engine knows about a session token.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionInfo {
    /// The token is known and unexpired.
    pub valid: bool,
    /// The session's id (its token), when valid.
    pub id: Option<String>,
    /// The owner, when valid.
    pub user: Option<User>,
    /// The session still has to pass MFA.
    pub requires_mfa: bool,
    /// The session passed MFA.
    pub mfa_completed: bool,
    /// Same as `mfa_completed`.
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

impl From<core::SessionInfo> for SessionInfo {
    fn from(s: core::SessionInfo) -> Self {
        Self {
            valid: s.valid,
            id: s.id,
            user: s.user.map(Into::into),
            requires_mfa: s.requires_mfa,
            mfa_completed: s.mfa_completed,
            mfa_verified: s.mfa_verified,
            mfa_verified_at: s.mfa_verified_at,
            mfa_method: s.mfa_method,
            mfa_methods: s.mfa_methods,
            expires_in: s.expires_in,
        }
    }
}

/// Request of `enable_mfa`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EnableMfaRequest {
    /// The user.
    pub user_id: String,
    /// `totp` (other methods as the server enables them).
    pub method: String,
    /// Shown by authenticator apps as the issuer (default: the configured issuer).
    #[uniffi(default = None)]
    pub label: Option<String>,
    /// Name of the device in the user's list (default: the label).
    #[uniffi(default = None)]
    pub device_name: Option<String>,
    /// For `sms`.
    #[uniffi(default = None)]
    pub phone_number: Option<String>,
    /// For `email` (default: the user's address).
    #[uniffi(default = None)]
    pub email: Option<String>,
    /// For `sms` and `email`: the app sends the code itself (the result's `delivery`) and
    /// reports back with `complete_delivery`.
    #[uniffi(default = false)]
    pub external_delivery: bool,
    /// Caller details for the audit log.
    #[uniffi(default = None)]
    pub context: Option<RequestContext>,
}

impl From<EnableMfaRequest> for core::EnableMfaRequest {
    // The core's request may grow fields; they keep their defaults here.
    #[allow(clippy::needless_update)]
    fn from(r: EnableMfaRequest) -> Self {
        Self {
            user_id: r.user_id,
            method: r.method,
            label: r.label,
            device_name: r.device_name,
            phone_number: r.phone_number,
            email: r.email,
            external_delivery: r.external_delivery,
            ..Default::default()
        }
    }
}

/// Result of `enable_mfa`: for TOTP, the secret, its otpauth URI and QR code.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
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
    /// A code was sent (`sms`, `email`).
    pub code_sent: Option<bool>,
    /// Where it was sent, masked (e.g. `+1******7890`).
    pub destination: Option<String>,
    /// The message to send, when the app delivers codes itself.
    pub delivery: Option<Delivery>,
}

impl std::fmt::Debug for EnableMfaResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnableMfaResult")
            .field("success", &self.success)
            .field("method", &self.method)
            .field("challenge_id", &self.challenge_id)
            .finish_non_exhaustive()
    }
}

impl From<core::EnableMfaResult> for EnableMfaResult {
    fn from(r: core::EnableMfaResult) -> Self {
        Self {
            success: r.success,
            method: r.method,
            secret: r.secret,
            qr_code_url: r.qr_code_url,
            qr_code_svg: r.qr_code_svg,
            qr_code_data_url: r.qr_code_data_url,
            backup_codes: r.backup_codes,
            challenge_id: r.challenge_id,
            expires_in: r.expires_in,
            code_sent: r.code_sent,
            destination: r.destination,
            delivery: r.delivery.map(Into::into),
        }
    }
}

/// Request of `verify_mfa`: `session_id` (sign-in or step-up) or `user_id` (setup).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifyMfaRequest {
    /// Method of the code: `totp` or `backup`.
    pub method: String,
    /// The code.
    pub code: String,
    /// Pending session from sign-in, or a session token for step-up.
    #[uniffi(default = None)]
    pub session_id: Option<String>,
    /// The user, to confirm a method being set up.
    #[uniffi(default = None)]
    pub user_id: Option<String>,
    /// Setup challenge id.
    #[uniffi(default = None)]
    pub challenge_id: Option<String>,
    /// Caller details for the audit log.
    #[uniffi(default = None)]
    pub context: Option<RequestContext>,
}

impl From<VerifyMfaRequest> for core::VerifyMfaRequest {
    // The core's request may grow fields; they keep their defaults here.
    #[allow(clippy::needless_update)]
    fn from(r: VerifyMfaRequest) -> Self {
        Self {
            session_id: r.session_id,
            user_id: r.user_id,
            method: r.method,
            code: r.code,
            challenge_id: r.challenge_id,
            context: context(r.context),
            ..Default::default()
        }
    }
}

/// Result of `verify_mfa`. A wrong code is `success == false`, not an error.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VerifyMfaResult {
    /// The code was right.
    pub success: bool,
    /// The method checked.
    pub method: String,
    /// The user, on success.
    pub user: Option<User>,
    /// The completed (sign-in) or refreshed (step-up) session, on success.
    pub session: Option<Session>,
    /// Backup codes issued by the first activation: show them once.
    pub backup_codes: Option<Vec<String>>,
    /// Attempts left before lockout, on failure.
    pub attempts_remaining: Option<u32>,
    /// Locked out until `retry_after` seconds pass.
    pub rate_limited: bool,
    /// Seconds to wait before the next attempt.
    pub retry_after: Option<u64>,
    /// Error code on failure, e.g. `mfa_invalid_code`.
    pub error: Option<String>,
    /// On failure: the user's other methods to offer, in fallback order.
    pub fallback_methods: Option<Vec<String>>,
}

impl From<core::VerifyMfaResult> for VerifyMfaResult {
    fn from(r: core::VerifyMfaResult) -> Self {
        Self {
            success: r.success,
            method: r.method,
            user: r.user.map(Into::into),
            session: r.session.map(Into::into),
            backup_codes: r.backup_codes,
            attempts_remaining: r.attempts_remaining,
            rate_limited: r.rate_limited,
            retry_after: r.retry_after,
            error: r.error,
            fallback_methods: r.fallback_methods,
        }
    }
}

/// An enrolled authenticator app.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<core::TotpDevice> for TotpDevice {
    fn from(d: core::TotpDevice) -> Self {
        Self {
            id: d.id,
            name: d.name,
            created_at: d.created_at,
            last_used: d.last_used,
        }
    }
}

/// MFA state of a user.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<core::MfaStatus> for MfaStatus {
    fn from(s: core::MfaStatus) -> Self {
        Self {
            enabled: s.enabled,
            methods: s.methods,
            backup_codes_remaining: s.backup_codes_remaining,
            last_used: s.last_used,
            setup_date: s.setup_date,
            totp_devices: s.totp_devices.into_iter().map(Into::into).collect(),
            channels: s.channels.into_iter().map(Into::into).collect(),
        }
    }
}

/// Result of `disable_mfa`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DisableMfaResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// ISO 8601.
    pub disabled_at: String,
}

impl From<core::DisableMfaResult> for DisableMfaResult {
    fn from(r: core::DisableMfaResult) -> Self {
        Self {
            success: r.success,
            disabled_at: r.disabled_at,
        }
    }
}

/// New backup codes: show them once.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupCodes {
    /// The codes.
    pub codes: Vec<String>,
    /// ISO 8601.
    pub generated_at: String,
}

impl std::fmt::Debug for BackupCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupCodes")
            .field("count", &self.codes.len())
            .field("generated_at", &self.generated_at)
            .finish()
    }
}

impl From<core::BackupCodes> for BackupCodes {
    fn from(b: core::BackupCodes) -> Self {
        Self {
            codes: b.codes,
            generated_at: b.generated_at,
        }
    }
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuditEvent {
    /// Sequence number.
    pub id: i64,
    /// The user.
    pub user_id: Option<String>,
    /// What happened, e.g. `sign_in`, `mfa_verify`.
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

impl From<core::AuditEvent> for AuditEvent {
    fn from(e: core::AuditEvent) -> Self {
        Self {
            id: e.id,
            user_id: e.user_id,
            action: e.action,
            method: e.method,
            success: e.success,
            ip_address: e.ip_address,
            user_agent: e.user_agent,
            detail: e.detail,
            created_at: e.created_at,
        }
    }
}

/// Result of `configure`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConfigureResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// ISO 8601.
    pub applied_at: String,
}

impl From<core::ConfigureResult> for ConfigureResult {
    fn from(r: core::ConfigureResult) -> Self {
        Self {
            success: r.success,
            applied_at: r.applied_at,
        }
    }
}

/// An enrolled SMS or email factor.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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

impl From<core::ChannelInfo> for ChannelInfo {
    fn from(c: core::ChannelInfo) -> Self {
        Self {
            method: c.method,
            destination: c.destination,
            confirmed: c.confirmed,
            created_at: c.created_at,
            last_used: c.last_used,
        }
    }
}

/// What a sender needs besides the destination and the message.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeliveryMeta {
    /// `sms` or `email`.
    pub channel: String,
    /// `setup` or `sign_in`.
    pub purpose: String,
    /// The user the code is for.
    pub user_id: String,
    /// The code itself, for senders that compose their own message.
    pub code: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Email subject (email only).
    pub subject: Option<String>,
}

/// One SMS or email for the app to send, then report with `complete_delivery`.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct Delivery {
    /// Id to report the outcome with.
    pub id: String,
    /// Phone number (E.164) or email address.
    pub destination: String,
    /// The rendered message (it contains the code).
    pub message: String,
    /// Details for the sender.
    pub meta: DeliveryMeta,
    /// How long the sender may take, in milliseconds.
    pub timeout_ms: u64,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("id", &self.id)
            .field("channel", &self.meta.channel)
            .finish_non_exhaustive()
    }
}

impl From<core::delivery::Delivery> for Delivery {
    fn from(d: core::delivery::Delivery) -> Self {
        Self {
            id: d.id,
            destination: d.destination,
            message: d.message,
            meta: DeliveryMeta {
                channel: d.meta.channel,
                purpose: d.meta.purpose,
                user_id: d.meta.user_id,
                code: d.meta.code,
                expires_in: d.meta.expires_in,
                subject: d.meta.subject,
            },
            timeout_ms: d.timeout_ms,
        }
    }
}

/// Result of `request_new_code`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
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
    /// The message to send, when the app delivers codes itself.
    pub delivery: Option<Delivery>,
}

impl From<core::RequestCodeResult> for RequestCodeResult {
    fn from(r: core::RequestCodeResult) -> Self {
        Self {
            success: r.success,
            method: r.method,
            expires_in: r.expires_in,
            attempts_remaining: r.attempts_remaining,
            destination: r.destination,
            delivery: r.delivery.map(Into::into),
        }
    }
}
