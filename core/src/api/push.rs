//! Push approvals: the sign-in page's calls (challenge, status) and the phone's (register,
//! pending, respond). The protocol is described in [`crate::push`].

use super::{debug_fields, RequestContext, SecretString, VerifyMfaResult};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Sends a push challenge to the user's phones for a pending sign-in or a signed-in
/// session's step-up (`sessionId`), and returns the number the sign-in screen shows: the user
/// types it on the phone to approve. One challenge is pending per user (a new one cancels the
/// old); it is created even when no push message could be sent (phones that poll still find
/// it). At most 5 per user in 15 minutes, at least 10 s apart and doubling
/// (`methods.push.backoffSeconds`), until a
/// successful sign-in; 3 denials or wrong numbers in a row pause push for an hour.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushChallengeRequest {
    /// Pending session from sign-in, or a session token for step-up.
    pub session_id: String,
    /// `push` (the only method this sends; optional).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub method: Option<String>,
    /// The application's name as the phone shows it (default: the TOTP issuer).
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub app_name: Option<String>,
    /// Caller details for the audit log and for the phone to show.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

debug_fields!(PushChallengeRequest {
    method,
    app_name,
    context
});

/// Result of `push_challenge`.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushChallenge {
    /// `pch_…` id, for `push_status`.
    pub challenge_id: String,
    /// `push`.
    pub method: String,
    /// The number to show on the sign-in screen.
    #[schemars(extend("x-secret" = true))]
    pub number: String,
    /// Seconds until the challenge expires.
    pub expires_in: u64,
    /// The user's active push devices.
    pub devices: u32,
    /// Push messages that went out (the other devices find the challenge when they poll).
    pub delivered: u32,
}
debug_fields!(PushChallenge {
    challenge_id,
    expires_in,
    devices,
    delivered
});

/// Where a push challenge stands, for the sign-in page (poll every second or two). An
/// approved challenge completes the pending sign-in (or refreshes the session's MFA time)
/// exactly as `verify_mfa` does, once: the first call that sees the approval gets the
/// session.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushStatusRequest {
    /// The challenge.
    pub challenge_id: String,
    /// The session the challenge was made for.
    pub session_id: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

debug_fields!(PushStatusRequest {
    challenge_id,
    context
});

/// Result of `push_status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushStatus {
    /// `pending`, `approved` (this call completed the sign-in), `denied`, `wrong_number`,
    /// `reported`, `expired`, `cancelled` (a newer challenge replaced it), `used` (an
    /// earlier call completed it) or `refused` (approved, but the sign-in could not complete
    /// now, e.g. the user is locked out: see `result`).
    pub status: String,
    /// Seconds left, while pending.
    pub expires_in: Option<u64>,
    /// On approval: the verification's result (user, session). On a refusal: the methods to
    /// offer instead.
    pub result: Option<VerifyMfaResult>,
}

/// A phone registers for push approvals with the signed registration made from the
/// enrollment QR code (see `pushRegistration` in the phone library). The device becomes
/// active when the user types the answer's `confirmationCode` on the sign-in page
/// (`verify_mfa` with method `push` and the user's id), within the enrollment's five minutes.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct RegisterPushDeviceRequest {
    /// The registration: a compact JWS signed by the new device key.
    pub registration: SecretString,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}
debug_fields!(RegisterPushDeviceRequest { context });

/// Result of `register_push_device`.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushRegistration {
    /// `pdv_…` id of the device.
    pub device_id: String,
    /// The server's signing key (base64url P-256 point): pin it.
    pub server_key: String,
    /// Its fingerprint, as in the enrollment QR code.
    pub server_key_fingerprint: String,
    /// The code the phone shows and the user types on the sign-in page to finish the set-up.
    #[schemars(extend("x-secret" = true))]
    pub confirmation_code: String,
    /// Seconds left to confirm.
    pub expires_in: u64,
}
debug_fields!(PushRegistration {
    device_id,
    server_key_fingerprint,
    expires_in
});

/// A phone asks for its user's pending challenge (after a push message, or on its own when
/// it has no push token), with a request signed by its device key. A push token in the
/// request replaces the device's stored one (the platforms rotate them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushPendingRequest {
    /// The signed poll: a compact JWS (`pushPoll` in the phone library).
    pub request: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// One challenge waiting for the phone's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PendingPush {
    /// The challenge id.
    pub challenge_id: String,
    /// Its details signed by the server key (check them with the pinned key before showing
    /// them: `openPushChallenge` in the phone library).
    pub details: String,
    /// Seconds left.
    pub expires_in: u64,
}

/// Result of `push_pending`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushPending {
    /// Pending challenges (at most one).
    pub challenges: Vec<PendingPush>,
    /// The server has no push token for this device (the provider refused the last one):
    /// send the current one with the next poll.
    pub push_token_wanted: bool,
}

/// A phone answers a challenge with a response signed by its device key: `approve` with the
/// number the user typed, `deny`, or `report` (not me: push is suspended for the user until
/// they sign in with another factor). A wrong number ends the challenge. Each response is
/// used once and lives at most 60 seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushRespondRequest {
    /// The signed answer: a compact JWS (`pushAnswer` in the phone library).
    pub response: String,
    /// Caller details for the audit log.
    #[serde(flatten)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub context: RequestContext,
}

/// Result of `push_respond`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushAnswerResult {
    /// The challenge's status now: `approved`, `denied`, `wrong_number` or `reported`.
    pub status: String,
}

/// A phone enrolled for push approvals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct PushDeviceInfo {
    /// `pdv_…` id (for `remove_factor`).
    pub id: String,
    /// User-given name.
    pub name: String,
    /// `android`, `ios` or `none`.
    pub platform: String,
    /// It has no push token: it finds challenges by polling.
    pub poll_only: bool,
    /// ISO 8601.
    pub created_at: String,
    /// ISO 8601, when it last answered.
    pub last_used: Option<String>,
    /// Push is suspended for the user (a reported request) until a sign-in with another
    /// factor.
    pub suspended: bool,
}

// --- The phone's side, with a software key (simulated phones and tests) -------------------

/// Makes a software P-256 key for a simulated phone or a test. A real authenticator app keeps
/// its key in the platform keystore instead (the Swift and Kotlin library takes a signer).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushPhoneKeyRequest {}

/// Result of `push_phone_key`.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushPhoneKey {
    /// The private key: PKCS#8 DER, base64url. Keep it secret.
    #[schemars(extend("x-secret" = true))]
    pub private_key: String,
    /// The public key: uncompressed P-256 point, base64url.
    pub public_key: String,
}
debug_fields!(PushPhoneKey { public_key });

/// Reads a `plinto-push://enroll?…` URI (from the enrollment QR code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParsePushEnrollmentRequest {
    /// The enrollment URI.
    #[schemars(extend("x-bare" = true))]
    pub uri: String,
}

/// The phone's registration for an enrollment URI, signed with its key (proof of
/// possession): send it to `register_push_device`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushRegistrationRequest {
    /// The enrollment URI.
    pub uri: String,
    /// The phone's private key (from `push_phone_key`).
    pub private_key: SecretString,
    /// `android`, `ios` or `none` (the phone polls).
    pub platform: String,
    /// FCM registration token or APNs device token.
    #[serde(default)]
    pub push_token: Option<String>,
    /// The device's name in the user's list.
    #[serde(default)]
    pub name: Option<String>,
    /// Unix seconds or RFC 3339 (default now).
    #[serde(default)]
    pub time: Option<super::UnixTime>,
}
debug_fields!(PushRegistrationRequest {
    platform,
    name,
    time
});

/// A signed message for the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignedPushMessage {
    /// A compact JWS.
    pub message: String,
}

/// Checks the server key a registration's answer names against the fingerprint in the
/// enrollment URI, and returns the key to pin.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PinPushServerKeyRequest {
    /// The enrollment URI.
    pub uri: String,
    /// `serverKey` from `register_push_device`.
    pub server_key: String,
}

/// Result of `pin_push_server_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PinnedPushServerKey {
    /// The key to keep (uncompressed P-256 point, base64url).
    pub server_key: String,
    /// Its fingerprint.
    pub fingerprint: String,
}

/// A signed poll for the device's pending challenges: send it to `push_pending`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushPollRequest {
    /// The device id from the registration.
    pub device_id: String,
    /// The phone's private key.
    pub private_key: SecretString,
    /// The device's new push token, when the platform rotated it.
    #[serde(default)]
    pub push_token: Option<String>,
    /// Unix seconds or RFC 3339 (default now).
    #[serde(default)]
    pub time: Option<super::UnixTime>,
}
debug_fields!(PushPollRequest { device_id, time });

/// Opens a pending challenge's details, checking the pinned server key's signature and the
/// expiry: what the phone shows before the user answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenPushChallengeRequest {
    /// `details` from `push_pending`.
    pub details: String,
    /// The pinned server key.
    pub server_key: String,
    /// Unix seconds or RFC 3339 (default now).
    #[serde(default)]
    pub time: Option<super::UnixTime>,
}

/// The signed answer to a challenge (its details checked first, as `open_push_challenge`
/// does): send it to `push_respond`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushAnswerRequest {
    /// `details` from `push_pending`.
    pub details: String,
    /// The pinned server key.
    pub server_key: String,
    /// The device id.
    pub device_id: String,
    /// `approve`, `deny` or `report`.
    pub action: String,
    /// For `approve`: the number the user typed.
    #[serde(default)]
    pub number: Option<String>,
    /// For `deny`: `not_me` or `cancelled`.
    #[serde(default)]
    pub reason: Option<String>,
    /// The phone's private key.
    pub private_key: SecretString,
    /// Unix seconds or RFC 3339 (default now).
    #[serde(default)]
    pub time: Option<super::UnixTime>,
}
debug_fields!(PushAnswerRequest {
    device_id,
    action,
    reason,
    time
});
