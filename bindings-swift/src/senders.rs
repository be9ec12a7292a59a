//! Senders the app implements (Swift or Kotlin objects), registered with core's sender
//! interface, which owns the timeout, voiding failed codes and channel health.

use plinto_mfa_core::delivery::{CodeSender, Delivery};
use std::sync::Arc;

/// Why an app's sender could not send a message (kept in the audit log, never shown to users).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum SendFailure {
    /// The message did not go out.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
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

/// An app's sender as core sees it.
pub(crate) struct AppSender(pub(crate) Arc<dyn MessageSender>);

impl CodeSender for AppSender {
    fn send(&self, delivery: &Delivery) -> Result<(), String> {
        self.0.send(delivery.clone()).map_err(|e| e.to_string())
    }
}
