//! The user's sessions, their credentials (password, email, the account itself) and
//! authorization of the application's sensitive operations.

use super::{debug_fields, RequestContext, SecretString, User};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The user's signed-in sessions, newest first (pending sign-ins are not sessions yet; they
/// are in the audit log).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ListSessionsRequest {
    /// The user.
    pub user_id: String,
    /// The caller's session token, to mark it `current`.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_token: Option<SecretString>,
}
debug_fields!(ListSessionsRequest { user_id });

/// One signed-in session, as a user reviews them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    /// Public id (`ses_…`): names the session for `revoke_session`; grants nothing.
    pub id: String,
    /// ISO 8601 sign-in time.
    pub created_at: String,
    /// ISO 8601 time of the last use.
    pub last_seen_at: String,
    /// ISO 8601 absolute expiry.
    pub expires_at: String,
    /// Client IP at sign-in.
    pub ip_address: Option<String>,
    /// Client user agent at sign-in.
    pub user_agent: Option<String>,
    /// Method of the last MFA verification on it.
    pub mfa_method: Option<String>,
    /// ISO 8601 time of that verification.
    pub mfa_verified_at: Option<String>,
    /// It is the caller's session (`sessionToken`).
    pub current: bool,
}

/// Ends one of the user's sessions by its public id (`not_found` if it is not theirs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RevokeSessionRequest {
    /// The user.
    pub user_id: String,
    /// The session's public id (`ses_…`).
    pub session_id: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// Ends every session of the token's user except this one ("sign out everywhere else").
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RevokeOtherSessionsRequest {
    /// The caller's session token (kept).
    #[schemars(extend("x-bare" = true))]
    pub session_token: SecretString,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(RevokeOtherSessionsRequest { context });

/// Ends every session of a user, as an administrator does after a reported compromise (no
/// step-up: guard the route that calls it). Audited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RevokeUserSessionsRequest {
    /// The user.
    pub user_id: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// How many sessions an operation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RevokedSessions {
    /// Always true (failures are errors).
    pub success: bool,
    /// Sessions ended.
    pub revoked: u32,
}

/// Changes the password: needs the current one and, on an account with MFA, a session whose
/// MFA is recent or a `confirmationCode` (`password_change` in `security.stepUpRequired`).
/// The new password follows the password rules; the user's other sessions end.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    /// The user.
    pub user_id: String,
    /// The current password.
    pub current_password: SecretString,
    /// The new password.
    pub new_password: SecretString,
    /// The caller's session token: kept when the others end; its recent MFA is the step-up.
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
debug_fields!(ChangePasswordRequest { user_id, context });

/// Changes the user's email address (sign-in name): needs the password and, on an account
/// with MFA, the step-up (`email_change`). The old address is notified; other sessions end.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct ChangeEmailRequest {
    /// The user.
    pub user_id: String,
    /// The new address.
    pub new_email: String,
    /// The user's password.
    pub password: SecretString,
    /// The caller's session token: kept when the others end; its recent MFA is the step-up.
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
debug_fields!(ChangeEmailRequest {
    user_id,
    new_email,
    context
});

/// Deletes the caller's own account: needs the password and, on an account with MFA, the
/// step-up (`account_delete`). The audit trail is kept under a pseudonym.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct DeleteAccountRequest {
    /// The caller's session token (the account is its user's).
    pub session_token: SecretString,
    /// The user's password.
    pub password: SecretString,
    /// A current code of one of the user's factors, when the session's MFA is not recent.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub confirmation_code: Option<SecretString>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(DeleteAccountRequest { context });

/// Whether a signed-in session may perform `operation` now. Operations named in
/// `security.stepUpRequired` (e.g. `payment_method_add`) need a recent MFA verification on
/// this session, or on an account without MFA a recent password check; others need only a
/// signed-in session. A refusal is `session_invalid` or `mfa_step_up_required` (with the
/// methods that satisfy it).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    /// The session token.
    #[schemars(extend("x-bare" = true))]
    pub session_token: SecretString,
    /// The operation, e.g. `payment_method_add`.
    #[schemars(extend("x-positional" = true))]
    pub operation: String,
}
debug_fields!(AuthorizeRequest { operation });

/// A granted `authorize`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct Authorization {
    /// Always true (refusals are errors).
    pub authorized: bool,
    /// The operation.
    pub operation: String,
    /// Whether the operation needed a step-up (it is in `security.stepUpRequired`).
    pub step_up: bool,
    /// The session's user.
    pub user: User,
    /// The session's public id.
    pub session_id: String,
}
