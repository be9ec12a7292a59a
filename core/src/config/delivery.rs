//! `delivery` (a Plinto extension): how SMS and email codes and push messages are sent, and
//! what a failing channel costs.

use super::check::{ranged, text};
use crate::api::SecretString;
use crate::error::{MfaError, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Delivery of SMS and email codes (`delivery`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryConfig {
    /// A send not finished within this many seconds fails (default 10).
    pub timeout_seconds: u32,
    /// Consecutive failed sends that degrade a channel (default 3).
    pub failure_threshold: u32,
    /// How long a degraded channel is skipped, in seconds (default 300).
    pub cooldown_seconds: u32,
    /// Built-in SMTP sender for email, when configured.
    pub smtp: Option<SmtpConfig>,
    /// Built-in Twilio sender for SMS, when configured.
    pub twilio: Option<TwilioConfig>,
    /// Built-in Amazon SNS sender for SMS (`methods.sms.provider: aws-sns`), when configured.
    pub sns: Option<SnsConfig>,
    /// Built-in Firebase Cloud Messaging sender for Android push devices, when configured.
    pub fcm: Option<FcmConfig>,
    /// Built-in Apple Push Notification service sender for iOS push devices, when configured.
    pub apns: Option<ApnsConfig>,
}

/// The built-in SMS sender over Amazon SNS `Publish` (`delivery.sns`), signed with AWS
/// Signature Version 4.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnsConfig {
    /// AWS region, e.g. `us-east-1`.
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: SecretString,
    /// Session token of temporary credentials (empty: none).
    #[serde(default)]
    pub session_token: SecretString,
    /// Endpoint (default `https://sns.<region>.amazonaws.com`).
    #[serde(default)]
    pub endpoint: String,
    /// `Transactional` (default) or `Promotional`.
    #[serde(default = "transactional")]
    pub sms_type: String,
    /// Alphanumeric sender id where the destination allows one (empty: none).
    #[serde(default)]
    pub sender_id: String,
}

fn transactional() -> String {
    "Transactional".into()
}

/// The built-in FCM HTTP v1 sender (`delivery.fcm`): a service account's signed assertion is
/// exchanged for an access token at its token URI, kept until it nearly expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FcmConfig {
    /// Firebase project id.
    pub project_id: String,
    /// The service account's `client_email`.
    pub client_email: String,
    /// The service account's `private_key` (PEM, PKCS#8 RSA).
    pub private_key: SecretString,
    /// The service account's `token_uri` (default `https://oauth2.googleapis.com/token`).
    #[serde(default = "google_token_uri")]
    pub token_uri: String,
    /// API base URL (default `https://fcm.googleapis.com`).
    #[serde(default = "fcm_base")]
    pub base_url: String,
}

fn google_token_uri() -> String {
    "https://oauth2.googleapis.com/token".into()
}

fn fcm_base() -> String {
    "https://fcm.googleapis.com".into()
}

/// The built-in APNs sender (`delivery.apns`): HTTP/2 with an ES256 provider token, made
/// again before it is an hour old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApnsConfig {
    /// Apple developer team id.
    pub team_id: String,
    /// Id of the APNs authentication key.
    pub key_id: String,
    /// The authentication key (`.p8` file contents: PEM, PKCS#8 P-256).
    pub private_key: SecretString,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    /// API base URL (default `https://api.push.apple.com`; development builds of the app use
    /// `https://api.sandbox.push.apple.com`).
    #[serde(default = "apns_base")]
    pub base_url: String,
}

fn apns_base() -> String {
    "https://api.push.apple.com".into()
}

/// Trims `url` and its trailing slash, refusing anything but `https://` (or `http://` to this
/// machine, for tests and local relays): these URLs receive the providers' credentials.
fn base_url(url: &mut String, field: &str) -> Result<()> {
    text(url, field, 512)?;
    if !(url.starts_with("https://") || crate::push::loopback_http(url)) {
        return Err(MfaError::invalid(
            field,
            "must be an https:// URL (http:// only to localhost or 127.0.0.1)",
        ));
    }
    *url = url.trim_end_matches('/').to_string();
    Ok(())
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (local relays and tests only).
    None,
    /// STARTTLS upgrade (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::StartTls => 587,
            Self::Tls => 465,
        }
    }
}

/// The built-in SMTP sender for email codes (`delivery.smtp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Server port (default by `tls`: 25, 587 or 465).
    #[serde(default)]
    pub port: u16,
    /// Connection security (default `starttls`).
    #[serde(default = "starttls")]
    pub tls: SmtpTls,
    /// Login user (empty: no authentication).
    #[serde(default)]
    pub username: String,
    /// Login password.
    #[serde(default)]
    pub password: SecretString,
    /// Sender address.
    pub from: String,
}

fn starttls() -> SmtpTls {
    SmtpTls::StartTls
}

/// The built-in SMS sender speaking Twilio's Messages API (`delivery.twilio`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TwilioConfig {
    /// Account SID (also the Basic-auth user).
    pub account_sid: String,
    /// Auth token (the Basic-auth password).
    pub auth_token: SecretString,
    /// Sending number in E.164 form.
    pub from: String,
    /// API base URL (default `https://api.twilio.com`).
    #[serde(default = "twilio_base")]
    pub base_url: String,
}

fn twilio_base() -> String {
    "https://api.twilio.com".into()
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            timeout_seconds: 10,
            failure_threshold: 3,
            cooldown_seconds: 300,
            smtp: None,
            twilio: None,
            sns: None,
            fcm: None,
            apns: None,
        }
    }
}

impl DeliveryConfig {
    pub(super) fn check(&mut self) -> Result<()> {
        ranged(self.timeout_seconds, "delivery.timeoutSeconds", 1, 120)?;
        ranged(self.failure_threshold, "delivery.failureThreshold", 1, 100)?;
        ranged(self.cooldown_seconds, "delivery.cooldownSeconds", 1, 86_400)?;
        if let Some(m) = &mut self.smtp {
            text(&mut m.host, "delivery.smtp.host", 253)?;
            text(&mut m.from, "delivery.smtp.from", 254)?;
            if m.port == 0 {
                m.port = m.tls.default_port();
            }
        }
        if let Some(t) = &mut self.twilio {
            text(&mut t.account_sid, "delivery.twilio.accountSid", 64)?;
            text(&mut t.from, "delivery.twilio.from", 32)?;
            base_url(&mut t.base_url, "delivery.twilio.baseUrl")?;
        }
        if let Some(s) = &mut self.sns {
            text(&mut s.region, "delivery.sns.region", 32)?;
            if !s
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(MfaError::invalid(
                    "delivery.sns.region",
                    "must be a region name such as us-east-1",
                ));
            }
            text(&mut s.access_key_id, "delivery.sns.accessKeyId", 128)?;
            if s.endpoint.trim().is_empty() {
                s.endpoint = format!("https://sns.{}.amazonaws.com", s.region);
            }
            base_url(&mut s.endpoint, "delivery.sns.endpoint")?;
            if !matches!(s.sms_type.as_str(), "Transactional" | "Promotional") {
                return Err(MfaError::invalid(
                    "delivery.sns.smsType",
                    "must be Transactional or Promotional",
                ));
            }
            if s.sender_id.len() > 11 || !s.sender_id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(MfaError::invalid(
                    "delivery.sns.senderId",
                    "must be at most 11 letters and digits",
                ));
            }
        }
        if let Some(f) = &mut self.fcm {
            text(&mut f.project_id, "delivery.fcm.projectId", 128)?;
            if !f
                .project_id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(MfaError::invalid(
                    "delivery.fcm.projectId",
                    "must be a Firebase project id (lower-case letters, digits, -)",
                ));
            }
            text(&mut f.client_email, "delivery.fcm.clientEmail", 254)?;
            base_url(&mut f.token_uri, "delivery.fcm.tokenUri")?;
            base_url(&mut f.base_url, "delivery.fcm.baseUrl")?;
            crate::delivery::rsa_key(&f.private_key.0, "delivery.fcm.privateKey")?;
        }
        if let Some(a) = &mut self.apns {
            text(&mut a.team_id, "delivery.apns.teamId", 32)?;
            text(&mut a.key_id, "delivery.apns.keyId", 32)?;
            text(&mut a.topic, "delivery.apns.topic", 255)?;
            base_url(&mut a.base_url, "delivery.apns.baseUrl")?;
            crate::delivery::ec_key(&a.private_key.0, "delivery.apns.privateKey")?;
        }
        Ok(())
    }
}
