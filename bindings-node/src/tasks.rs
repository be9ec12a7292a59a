//! One engine operation, run on the JS thread, the core's writer thread or the libuv pool.

use crate::error;
use napi::bindgen_prelude::{Env, Task};
use plinto_mfa_core::{ops, Engine};
use serde_json::Value;
use std::sync::Arc;

/// One operation: name, JSON arguments, and the engine to run it on.
pub struct Call {
    engine: Arc<Engine>,
    op: String,
    args: String,
    /// The arguments as parsed by [`Call::run_now`], kept for a run where it may wait.
    parsed: Option<Value>,
}

impl Call {
    /// A call of `op` with `args` (JSON text).
    pub fn new(engine: Arc<Engine>, op: String, args: String) -> Self {
        Self {
            engine,
            op,
            args,
            parsed: None,
        }
    }

    /// The operation's name.
    pub fn op(&self) -> &str {
        &self.op
    }

    /// The engine it runs on.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Runs the operation on the calling thread if the core can finish it there without
    /// waiting (`ops::dispatch_now`); `None` when it is to run where it may wait.
    pub fn run_now(&mut self) -> Option<String> {
        let out = error::guard(|| {
            let args = error::parse_json("options", &self.args)?;
            let out = ops::dispatch_now(&self.engine, &self.op, &args);
            if out.is_none() {
                self.parsed = Some(args);
            }
            Ok(out)
        });
        out.transpose().map(|r| error::envelope(r.and_then(|r| r)))
    }

    /// Runs the operation (on the arguments [`Call::run_now`] parsed, if it did) and returns
    /// the JSON envelope.
    pub fn run(&mut self) -> String {
        error::envelope(error::guard(|| {
            let args = match self.parsed.take() {
                Some(args) => args,
                None => error::parse_json("options", &self.args)?,
            };
            ops::dispatch(&self.engine, &self.op, &args)
        }))
    }
}

impl Task for Call {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(self.run())
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}
