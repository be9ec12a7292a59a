//! SMS and email codes: sending a new one.

use super::RequestContext;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Sends a new SMS or email code, voiding the previous one: for a pending sign-in or a
/// signed-in session's step-up (`sessionId`), or the destination being set up (`userId`).
/// Each code is good only for what it was sent for: that session (or that setup) and that
/// destination. Resend limits per minute, hour and day apply. The code goes out through the
/// registered sender and never appears in the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RequestNewCodeRequest {
    /// `sms` or `email`.
    pub method: String,
    /// Pending session from sign-in.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub session_id: Option<String>,
    /// Or the user, to resend a setup code.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub user_id: Option<String>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// Result of `request_new_code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
}
