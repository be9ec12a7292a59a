//! Python callables as the core's code senders.
//!
//! The core calls [`CodeSender::send`] on a thread of its own, with its timeout around it;
//! that thread takes the GIL and calls `deliver(destination, message, meta_json)`, which the
//! package builds around the application's function (it turns `meta` into a record and runs a
//! coroutine to completion). An exception is the failure's reason.

use plinto_mfa_core::delivery::{CodeSender, Delivery};
use pyo3::prelude::*;
use std::sync::Arc;

/// A registered Python sender.
pub(crate) struct PySender(Py<PyAny>);

impl PySender {
    /// The sender of `callable`.
    pub(crate) fn shared(callable: Py<PyAny>) -> Arc<dyn CodeSender> {
        Arc::new(Self(callable))
    }
}

impl CodeSender for PySender {
    fn send(&self, delivery: &Delivery) -> Result<(), String> {
        let meta = serde_json::to_string(&delivery.meta).map_err(|e| e.to_string())?;
        Python::attach(|py| {
            self.0
                .call1(
                    py,
                    (
                        delivery.destination.as_str(),
                        delivery.message.as_str(),
                        meta,
                    ),
                )
                .map(|_| ())
                .map_err(|e| {
                    let text = e.value(py).to_string();
                    if text.is_empty() {
                        e.get_type(py)
                            .name()
                            .map(|n| n.to_string())
                            .unwrap_or_else(|_| "the sender failed".into())
                    } else {
                        text
                    }
                })
        })
    }
}
