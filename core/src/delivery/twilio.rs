//! The built-in SMS sender: Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`
//! with Basic auth and the form fields `To`, `From`, `Body`). The base URL is configurable.

use super::{CodeSender, Delivery, SendError};
use crate::config::TwilioConfig;
use crate::crypto::b64;
use std::time::Duration;

/// Sends SMS codes through Twilio (or any server speaking its Messages API).
#[derive(Debug, Clone)]
pub struct TwilioSender {
    config: TwilioConfig,
}

impl TwilioSender {
    /// A sender for this account.
    pub fn new(config: TwilioConfig) -> Self {
        Self { config }
    }
}

impl CodeSender for TwilioSender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let c = &self.config;
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            c.base_url, c.account_sid
        );
        let auth = format!(
            "Basic {}",
            b64(format!("{}:{}", c.account_sid, c.auth_token.0).as_bytes())
        );
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(d.timeout_ms)))
            .http_status_as_error(false)
            .build()
            .into();
        let response = agent
            .post(&url)
            .header("Authorization", &auth)
            .send_form([
                ("To", d.destination.as_str()),
                ("From", c.from.as_str()),
                ("Body", d.message.as_str()),
            ])
            .map_err(|e| format!("twilio: {e}"))?;
        let status = response.status().as_u16();
        match status {
            200..=299 => Ok(()),
            // Twilio answers 400 for a number or message it refuses (invalid, unreachable,
            // blocked); anything else (auth, 429, 5xx) is the provider failing.
            400 => Err(SendError::Rejected(format!(
                "twilio answered HTTP {status}"
            ))),
            _ => Err(SendError::Failed(format!("twilio answered HTTP {status}"))),
        }
    }
}
