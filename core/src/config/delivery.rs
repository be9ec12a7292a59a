//! `delivery` (a Plinto extension): how SMS and email codes are sent, and what a failing
//! channel costs.

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
            text(&mut t.base_url, "delivery.twilio.baseUrl", 512)?;
            if !(t.base_url.starts_with("https://") || t.base_url.starts_with("http://")) {
                return Err(MfaError::invalid(
                    "delivery.twilio.baseUrl",
                    "must be an http(s) URL",
                ));
            }
            t.base_url = t.base_url.trim_end_matches('/').to_string();
        }
        Ok(())
    }
}
