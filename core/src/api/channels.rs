//! SMS and email codes: resending and caller-made deliveries.

use super::RequestContext;
use crate::delivery::Delivery;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Sends a new SMS or email code, voiding the previous one: for a pending sign-in
/// (`sessionId`) or a method being set up (`userId`). Resend limits per minute, hour and day
/// apply.
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
    /// The caller delivers the code itself and reports back with `complete_delivery`.
    #[serde(default)]
    #[schemars(extend("x-internal" = true))]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub external_delivery: bool,
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
    /// The message for the caller to deliver, when it asked to deliver codes itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-internal" = true))]
    pub delivery: Option<Delivery>,
}

/// Reports how a caller-made delivery went (`externalDelivery`). A failure voids the code it
/// carried and is answered with `mfa_delivery_failed`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct CompleteDeliveryRequest {
    /// The `delivery.id` the engine handed out.
    pub delivery_id: String,
    /// Whether the message was sent.
    pub ok: bool,
    /// Why it failed (kept in the audit log, never shown to users).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub reason: Option<String>,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
