//! The built-in email sender: SMTP through lettre (plain, STARTTLS or TLS, optional login).

use super::{CodeSender, Delivery, SendError};
use crate::config::{SmtpConfig, SmtpTls};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::time::Duration;

/// Sends email codes through an SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpSender {
    config: SmtpConfig,
}

impl SmtpSender {
    /// A sender for this server.
    pub fn new(config: SmtpConfig) -> Self {
        Self { config }
    }

    fn transport(&self, timeout: Duration) -> Result<SmtpTransport, String> {
        let c = &self.config;
        let builder = match c.tls {
            SmtpTls::None => SmtpTransport::builder_dangerous(&c.host),
            SmtpTls::StartTls => {
                SmtpTransport::starttls_relay(&c.host).map_err(|e| e.to_string())?
            }
            SmtpTls::Tls => SmtpTransport::relay(&c.host).map_err(|e| e.to_string())?,
        };
        let mut builder = builder.port(c.port).timeout(Some(timeout));
        if !c.username.is_empty() {
            builder =
                builder.credentials(Credentials::new(c.username.clone(), c.password.0.clone()));
        }
        Ok(builder.build())
    }
}

impl CodeSender for SmtpSender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let message = Message::builder()
            .from(
                self.config
                    .from
                    .parse()
                    .map_err(|e| format!("from address: {e}"))?,
            )
            .to(d
                .destination
                .parse()
                .map_err(|e| SendError::Rejected(format!("to address: {e}")))?)
            .subject(d.meta.subject.clone().unwrap_or_default())
            .header(ContentType::TEXT_PLAIN)
            .body(d.message.clone())
            .map_err(|e| format!("message: {e}"))?;
        self.transport(Duration::from_millis(d.timeout_ms))?
            .send(&message)
            .map(|_| ())
            .map_err(|e| {
                // The server refused this recipient (mailbox or domain unknown or unavailable,
                // over quota, bad address): the server itself works.
                let recipient = e.status().is_some_and(|c| {
                    matches!(
                        c.to_string().as_str(),
                        "450" | "501" | "550" | "551" | "552" | "553"
                    )
                });
                if recipient {
                    SendError::Rejected(format!("smtp: {e}"))
                } else {
                    SendError::Failed(format!("smtp: {e}"))
                }
            })
    }
}
