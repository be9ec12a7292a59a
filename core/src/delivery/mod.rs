//! Delivery of SMS and email codes and push messages: the message, the senders (built-in SMTP,
//! Twilio, Amazon SNS, FCM and APNs, or one the application supplies), timeouts, and masking
//! of destinations for display.
//!
//! Invariants: a send that fails or outlives its timeout is reported as failed, and the engine
//! then voids the code it carried; destinations are shown only masked.

mod apns;
mod fcm;
mod keys;
mod push;
mod smtp;
pub mod sns;
mod twilio;

pub use apns::ApnsSender;
pub use fcm::FcmSender;
pub use keys::{ec_key, rsa_key};
pub use push::PushSenders;
pub use smtp::SmtpSender;
pub use sns::SnsSender;
pub use twilio::TwilioSender;

use crate::api::debug_fields;
use crate::error::{MfaError, Result};
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// What a sender receives besides the destination and the message.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryMeta {
    /// `sms`, `email` or `push` (a push message: the destination is the device's push token
    /// and the message the challenge id, which the phone fetches the details of).
    pub channel: String,
    /// `setup` (confirming a new destination), `sign_in`, `step_up`, or `notification` (a
    /// security notification, which carries no code).
    pub purpose: String,
    /// The user the code is for.
    pub user_id: String,
    /// The code itself, for senders that compose their own message.
    pub code: String,
    /// Seconds until the code expires.
    pub expires_in: u64,
    /// Email subject (email only).
    pub subject: Option<String>,
    /// Push only: the device's platform (`android` or `ios`).
    pub platform: Option<String>,
}

/// One message to send.
#[derive(Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Id of this delivery (in the audit log).
    pub id: String,
    /// Phone number (E.164) or email address.
    pub destination: String,
    /// The rendered message.
    pub message: String,
    /// Details for the sender.
    pub meta: DeliveryMeta,
    /// How long the sender may take, in milliseconds.
    pub timeout_ms: u64,
}

debug_fields!(DeliveryMeta {
    channel,
    purpose,
    user_id,
    expires_in,
    subject
});
debug_fields!(Delivery {
    id,
    meta,
    timeout_ms
});

/// Why a message did not go out. The reason goes to the audit log, never to end users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The provider refused this destination or message (an invalid or blocked number, an
    /// unknown mailbox): input the caller controls, so the provider stays healthy.
    Rejected(String),
    /// The provider or the transport failed (including timeouts): counts against the
    /// provider's health.
    Failed(String),
}

impl SendError {
    /// The reason, for the audit log.
    pub fn reason(&self) -> &str {
        match self {
            Self::Rejected(r) | Self::Failed(r) => r,
        }
    }
}

impl From<String> for SendError {
    fn from(reason: String) -> Self {
        Self::Failed(reason)
    }
}

/// A way to send codes. Implemented by the built-in senders; applications in Rust (and the
/// mobile bindings) can register their own with `Engine::set_sender`.
pub trait CodeSender: Send + Sync {
    /// Sends one message.
    fn send(&self, delivery: &Delivery) -> std::result::Result<(), SendError>;
}

/// Runs `f` on a thread of its own with a deadline; `f` still running at the deadline is
/// abandoned, and a panic in it is an error. `what` names it in the error.
pub fn with_timeout<T: Send + 'static>(
    what: &str,
    timeout: Duration,
    f: impl FnOnce() -> std::result::Result<T, SendError> + Send + 'static,
) -> std::result::Result<T, SendError> {
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("plinto-hook".into())
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .unwrap_or_else(|_| Err(SendError::Failed("it panicked".into())));
            let _ = tx.send(outcome);
        });
    if let Err(e) = spawned {
        return Err(SendError::Failed(format!("cannot start the {what}: {e}")));
    }
    match rx.recv_timeout(timeout) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(SendError::Failed(format!(
            "the {what} timed out after {} ms",
            timeout.as_millis()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(SendError::Failed(format!("the {what} stopped")))
        }
    }
}

/// Runs `sender` with the delivery's deadline.
pub fn send_with_timeout(
    sender: Arc<dyn CodeSender>,
    delivery: &Delivery,
) -> std::result::Result<(), SendError> {
    let d = delivery.clone();
    with_timeout(
        "sender",
        Duration::from_millis(delivery.timeout_ms),
        move || sender.send(&d),
    )
}

/// Fills `{code}`, `{app}` and `{minutes}` into a template.
pub fn render(template: &str, code: &str, app: &str, minutes: u64) -> String {
    template
        .replace("{code}", code)
        .replace("{app}", app)
        .replace("{minutes}", &minutes.to_string())
}

/// Checks an E.164 phone number (`+` and 7 to 15 digits, no leading zero), ignoring spaces,
/// dots, dashes and parentheses; returns it normalized.
pub fn normalize_phone(value: &str) -> Result<String> {
    let bad = || MfaError::invalid("phoneNumber", "Invalid phone number");
    if value.len() > 64 || value.contains('\0') {
        return Err(bad());
    }
    let compact: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = compact.strip_prefix('+').ok_or_else(bad)?;
    if !(7..=15).contains(&digits.len())
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || digits.starts_with('0')
    {
        return Err(bad());
    }
    Ok(compact)
}

/// `+1234567890` → `+1******7890`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    // Always six stars, so the mask does not reveal the number's length.
    format!("{head}******{tail}")
}

/// `john@example.com` → `j***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Slow;
    impl CodeSender for Slow {
        fn send(&self, _: &Delivery) -> std::result::Result<(), SendError> {
            std::thread::sleep(Duration::from_millis(500));
            Ok(())
        }
    }

    fn delivery(timeout_ms: u64) -> Delivery {
        Delivery {
            id: "dlv_1".into(),
            destination: "+15555550100".into(),
            message: "m".into(),
            meta: DeliveryMeta {
                channel: "sms".into(),
                purpose: "setup".into(),
                user_id: "usr_1".into(),
                code: "123456".into(),
                expires_in: 600,
                subject: None,
                platform: None,
            },
            timeout_ms,
        }
    }

    #[test]
    fn timeout_is_enforced() {
        let r = send_with_timeout(Arc::new(Slow), &delivery(50));
        assert!(r.is_err_and(|e| e.reason().contains("timed out")));
        assert_eq!(send_with_timeout(Arc::new(Slow), &delivery(2000)), Ok(()));
    }

    #[test]
    fn phones_and_masks() {
        assert_eq!(
            normalize_phone("+1 (234) 567-890"),
            Ok("+1234567890".into())
        );
        for bad in [
            "invalid",
            "1234567890",
            "+0123456789",
            "+12",
            "+1234567890123456",
            "+12345abc90",
            "",
        ] {
            assert_eq!(
                normalize_phone(bad).err().map(|e| e.to_string()),
                Some("Invalid phoneNumber: Invalid phone number".into()),
                "{bad}"
            );
        }
        assert_eq!(mask_phone("+1234567890"), "+1******7890");
        assert_eq!(mask_email("john@example.com"), "j***@example.com");
        assert_eq!(
            render("{code} for {app} ({minutes} min)", "042", "Acme", 10),
            "042 for Acme (10 min)"
        );
    }
}
