//! What the app implements (Swift or Kotlin objects) and core calls: code senders, the
//! notifier of security events and the breached-password check. Core owns the timeouts,
//! voiding failed codes and provider health.

use plinto_mfa_core::delivery::{CodeSender, Delivery, SendError};
use plinto_mfa_core::notify::{Notification, Notifier};
use plinto_mfa_core::password_rules::PasswordScreen;
use std::sync::Arc;

/// Why an app's hook could not do its work (kept in the audit log, never shown to users).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SendFailure {
    /// The message did not go out, or the hook failed: counts against the provider's health.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
    /// The provider refused this destination (an invalid or blocked number, an unknown
    /// mailbox): the send fails, the provider stays healthy.
    #[error("{reason}")]
    Rejected {
        /// What the provider said.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for SendFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: e.reason }
    }
}

/// A way to send SMS or email codes, implemented by the app (e.g. its own SMS gateway).
#[uniffi::export(with_foreign)]
pub trait MessageSender: Send + Sync {
    /// Sends `delivery.message` to `delivery.destination`; throwing fails the send.
    fn send(&self, delivery: Delivery) -> Result<(), SendFailure>;
}

/// The app's way to tell users about security events (a push message, an email service).
#[uniffi::export(with_foreign)]
pub trait SecurityNotifier: Send + Sync {
    /// Delivers one notification; throwing is recorded in the audit log.
    fn notify(&self, notification: Notification) -> Result<(), SendFailure>;
}

/// The app's breached-password check.
#[uniffi::export(with_foreign)]
pub trait PasswordCheck: Send + Sync {
    /// Whether `password` is known to be compromised; throwing lets it pass, on record.
    fn is_compromised(&self, password: String) -> Result<bool, SendFailure>;
}

/// An app's sender as core sees it.
pub(crate) struct AppSender(pub(crate) Arc<dyn MessageSender>);

impl CodeSender for AppSender {
    fn send(&self, delivery: &Delivery) -> Result<(), SendError> {
        self.0.send(delivery.clone()).map_err(|e| match e {
            SendFailure::Rejected { reason } => SendError::Rejected(reason),
            SendFailure::Failed { reason } => SendError::Failed(reason),
        })
    }
}

/// An app's notifier as core sees it.
pub(crate) struct AppNotifier(pub(crate) Arc<dyn SecurityNotifier>);

impl Notifier for AppNotifier {
    fn notify(&self, n: &Notification) -> Result<(), String> {
        self.0.notify(n.clone()).map_err(|e| e.to_string())
    }
}

/// An app's password check as core sees it.
pub(crate) struct AppPasswordCheck(pub(crate) Arc<dyn PasswordCheck>);

impl PasswordScreen for AppPasswordCheck {
    fn is_compromised(&self, password: &str) -> Result<bool, String> {
        self.0
            .is_compromised(password.to_string())
            .map_err(|e| e.to_string())
    }
}
