//! JavaScript functions as the core's code senders.
//!
//! The core calls [`CodeSender::send`] on a thread of its own, with its timeout around it; the
//! call is queued to the JavaScript thread (a weak threadsafe function, so a registered sender
//! never keeps Node running) and this thread waits for the promise it returns. `index.js`
//! wraps the application's function so the promise always resolves, with `null` when the
//! message went out or the failure's text; no JavaScript value crosses threads.

use napi::bindgen_prelude::{FnArgs, FromNapiValue, Function, Promise, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Status, ValueType};
use napi_derive::napi;
use plinto_mfa_core::delivery::{CodeSender, Delivery};
use plinto_mfa_core::MfaError;
use std::future::Future;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake};
use std::time::{Duration, Instant};

/// What a sender is told besides destination and message.
#[napi(object)]
pub struct DeliveryMeta {
    /// `sms` or `email`.
    pub channel: String,
    /// `setup` or `sign_in`.
    pub purpose: String,
    /// The user the code is for.
    pub user_id: String,
    /// The code, for senders that compose their own message.
    pub code: String,
    /// Seconds until it expires.
    pub expires_in: u32,
    /// Email subject (email only).
    pub subject: Option<String>,
}

type Args = FnArgs<(String, String, DeliveryMeta)>;
type Tsfn = ThreadsafeFunction<Args, Promise<Option<String>>, Args, Status, false, true>;

struct JsSender(Tsfn);

/// The registered sender of `value`: a function, or `None` for null / undefined.
pub fn from_js(value: Unknown<'_>) -> Result<Option<Arc<dyn CodeSender>>, MfaError> {
    let not_a_function = || MfaError::invalid("sender", "must be a function");
    match value.get_type().map_err(|_| not_a_function())? {
        ValueType::Null | ValueType::Undefined => Ok(None),
        ValueType::Function => {
            let f: Function<'_, Args, Promise<Option<String>>> =
                Function::from_unknown(value).map_err(|_| not_a_function())?;
            let tsfn = f
                .build_threadsafe_function::<Args>()
                .weak::<true>()
                .build()
                .map_err(|e| MfaError::internal(format!("cannot register the sender: {e}")))?;
            Ok(Some(Arc::new(JsSender(tsfn))))
        }
        _ => Err(not_a_function()),
    }
}

/// Wakes the waiting thread when the promise settles.
struct Unpark(std::thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Waits for `future` on this thread until `deadline`.
fn wait_until<F: Future>(future: F, deadline: Instant) -> Option<F::Output> {
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return Some(v);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        std::thread::park_timeout(left);
    }
}

impl CodeSender for JsSender {
    fn send(&self, delivery: &Delivery) -> Result<(), String> {
        // The core gives up at the timeout; this thread then stops waiting soon after.
        let deadline =
            Instant::now() + Duration::from_millis(delivery.timeout_ms) + Duration::from_secs(1);
        let meta = DeliveryMeta {
            channel: delivery.meta.channel.clone(),
            purpose: delivery.meta.purpose.clone(),
            user_id: delivery.meta.user_id.clone(),
            code: delivery.meta.code.clone(),
            expires_in: u32::try_from(delivery.meta.expires_in).unwrap_or(u32::MAX),
            subject: delivery.meta.subject.clone(),
        };
        let (tx, rx) = mpsc::channel();
        let status = self.0.call_with_return_value(
            FnArgs::from((delivery.destination.clone(), delivery.message.clone(), meta)),
            ThreadsafeFunctionCallMode::NonBlocking,
            move |returned, _env| {
                let _ = tx.send(returned.map_err(|e| e.reason.clone()));
                Ok(())
            },
        );
        if status != Status::Ok {
            return Err(format!("the sender could not be called ({status})"));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let promise = rx
            .recv_timeout(left)
            .map_err(|_| "the sender was not called in time".to_string())??;
        match wait_until(promise, deadline) {
            Some(Ok(None)) => Ok(()),
            Some(Ok(Some(reason))) => Err(reason),
            Some(Err(e)) => Err(e.reason.clone()),
            None => Err("the sender did not finish".into()),
        }
    }
}
