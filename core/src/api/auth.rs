//! Users, primary sign-in, sessions, step-up and settings.

use super::{
    debug_fields, IssuedSession, Json, MfaEnrollment, RequestContext, SecretString, UnixTime, User,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Creates a user with an argon2id password hash and signs them in.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SignUpRequest {
    /// Email address (stored trimmed and lower-case).
    pub email: String,
    /// Password, 8 to 1024 bytes.
    pub password: SecretString,
    /// Application role (default `user`).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub role: Option<String>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(SignUpRequest {
    email,
    role,
    context
});

/// Result of sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SignUpResult {
    /// The new user.
    pub user: User,
    /// A signed-in session.
    pub session: IssuedSession,
}

/// Checks email and password. Users with MFA get a pending session (`sessionId`) to complete
/// with `verify_mfa`; others a full session. An unknown email and a wrong password are the
/// same error, `invalid_credentials`, and cost the same time.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: SecretString,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(SignInRequest { email, context });

/// Result of sign-in: either a full session or a pending one that needs MFA.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SignInResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// An MFA step is needed: complete it with `session_id`.
    pub requires_mfa: bool,
    /// Handle of the pending session (a bearer secret), when MFA is required.
    #[schemars(extend("x-secret" = true))]
    pub session_id: Option<String>,
    /// Methods the user can complete MFA with.
    pub mfa_methods: Vec<String>,
    /// Seconds the pending session (or the session) remains valid.
    pub expires_in: u64,
    /// The user, when signed in without MFA.
    pub user: Option<User>,
    /// The session, when signed in without MFA.
    pub session: Option<IssuedSession>,
    /// Where the user stands with enrolling a factor, when signed in without MFA.
    pub mfa_enrollment: Option<MfaEnrollment>,
}
debug_fields!(SignInResult {
    success,
    requires_mfa,
    mfa_methods,
    expires_in,
    user,
    session,
    mfa_enrollment
});

/// Ends a session; `success` tells whether it existed.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SignOutRequest {
    /// The session token.
    #[schemars(extend("x-bare" = true))]
    pub token: SecretString,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(SignOutRequest { context });

/// Describes a session token. Only a signed-in session is `valid`: unknown, expired, idle
/// and empty tokens give `valid: false` (`state: "invalid"`), and so does a pending sign-in
/// that has not passed MFA (`state: "mfa_pending"`, with only its methods). A use refreshes
/// the idle timeout.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VerifySessionRequest {
    /// The session token (an empty one is simply not valid).
    #[schemars(extend("x-bare" = true))]
    pub token: SecretString,
}
debug_fields!(VerifySessionRequest {});

/// What `verify_session` knows about a token.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// The token is a live, signed-in session: it authenticates its user.
    #[schemars(extend("x-discriminant" = true))]
    pub valid: bool,
    /// `active` (signed in), `mfa_pending` (a sign-in waiting for its MFA step: it
    /// authenticates nothing but that step) or `invalid`.
    pub state: String,
    /// The session's public id (`ses_…`), when valid.
    #[schemars(extend("x-when" = "valid"))]
    pub id: Option<String>,
    /// The owner, when valid.
    #[schemars(extend("x-when" = "valid"))]
    pub user: Option<User>,
    /// The session still has to pass MFA before use (`mfa_pending`).
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
    /// Where the user stands with enrolling a factor (signed-in sessions).
    #[schemars(extend("x-when" = "valid"))]
    pub mfa_enrollment: Option<MfaEnrollment>,
}
debug_fields!(SessionInfo {
    valid,
    state,
    id,
    user,
    requires_mfa,
    mfa_completed,
    mfa_verified_at,
    mfa_method,
    mfa_methods,
    expires_in,
    mfa_enrollment
});

impl SessionInfo {
    pub(crate) fn invalid() -> Self {
        Self {
            valid: false,
            state: "invalid".into(),
            id: None,
            user: None,
            requires_mfa: false,
            mfa_completed: false,
            mfa_verified: false,
            mfa_verified_at: None,
            mfa_method: None,
            mfa_methods: Vec::new(),
            expires_in: 0,
            mfa_enrollment: None,
        }
    }
}

/// Checks a user's password (e.g. before turning MFA off). Wrong is `invalid_credentials`;
/// repeated failures lock like wrong codes do.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct VerifyPasswordRequest {
    /// The user.
    pub user_id: String,
    /// The password to check.
    pub password: SecretString,
    /// The caller's session token: the check then counts for that session (a step-up of an
    /// account without MFA, removing a factor without the password again).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(VerifyPasswordRequest { user_id, context });

/// Deletes a user and everything that belongs to them, as an administrator does (no step-up:
/// guard the route that calls it). Their audit events are kept under a pseudonym for
/// `audit.retentionDays`. A user deleting their own account uses `delete_account`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct DeleteUserRequest {
    /// The user.
    pub user_id: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// The public view of a user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct GetUserRequest {
    /// The user.
    pub user_id: String,
}

/// Fails with `mfa_step_up_required` unless the signed-in session passed MFA within `maxAge`
/// seconds (default `security.stepUpMaxAgeSeconds`, 600); a pending or unknown session is
/// `session_invalid`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RequireRecentMfaRequest {
    /// The session token.
    #[schemars(extend("x-bare" = true))]
    pub token: SecretString,
    /// Longest accepted age of the last MFA verification, in seconds.
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub max_age: Option<u64>,
}
debug_fields!(RequireRecentMfaRequest { max_age });

/// Whether a route guarded at `level` requires MFA of a user with `role` (the guide's
/// `requireMfa` levels: `none`, `optional`, `required`, `admin_only`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ShouldRequireMfaRequest {
    /// `none`, `optional`, `required` or `admin_only`.
    pub level: String,
    /// The user's role (default none).
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub role: Option<String>,
}

/// A user's audit events, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ListAuditEventsRequest {
    /// The user.
    pub user_id: String,
    /// Only events at or after this time (Unix seconds or RFC 3339).
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub since: Option<UnixTime>,
    /// At most this many (1 to 1000, default 100).
    #[schemars(extend("x-positional" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub limit: Option<u32>,
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// Sequence number.
    pub id: i64,
    /// The user.
    pub user_id: Option<String>,
    /// What happened, e.g. `sign_in`, `mfa_verify`, `lockout`.
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
    /// The row's link in the audit chain (hex), keyed with the engine's key; none on rows
    /// older than the chain.
    pub chain: Option<String>,
}

/// Applies settings in the guide's `mfa.configure()` shape (camelCase or snake_case keys),
/// all or nothing; unknown keys and out-of-range values are `invalid_input` naming the path.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(transparent)]
pub struct ConfigureRequest {
    /// The options: `methods`, `backupCodes`, `rateLimiting`, `security`, `sessions`,
    /// `password`, `delivery`.
    pub options: Json,
}

/// Result of `configure`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ConfigureResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// ISO 8601.
    pub applied_at: String,
}

/// Re-seals every secret at rest from `oldKey` to `newKey` in one transaction; the engine then
/// uses `newKey`. `oldKey` must be the key it was opened with (`key_mismatch` otherwise).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RotateKeyRequest {
    /// The current master key (64 hex digits or base64 of 32 bytes).
    pub old_key: SecretString,
    /// The new master key, in the same form.
    pub new_key: SecretString,
}
debug_fields!(RotateKeyRequest {});

/// Result of `rotate_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RotateKeyResult {
    /// Always true (failures are errors).
    pub success: bool,
    /// How many sealed values were re-sealed.
    pub resealed: u64,
}
