//! The core's writer thread for brief operations that have to wait (see
//! [`super::dispatch_now`]): a verification at durability `full`, or one that found the writer
//! busy.
//!
//! [`run_grouped`] queues a call; the writer thread takes every call queued, runs them one
//! after the other with their commits held (`store::hold`), so they share one transaction and
//! one flush, then commits and answers each. While it flushes, the next calls queue up: the
//! busier the process, the larger the groups. Compared with one thread per call sharing the
//! commit among threads, no call costs a thread switch of its own.
//!
//! Consecutive calls of one engine run in one batch; when the next call is another engine's,
//! the batch is committed first (two engines on one file would otherwise wait for each
//! other's lock). A call whose commit failed is answered with that error. A call that raised
//! notifications is finished on the pool of `run_later` (sending waits for the notifier,
//! which must not hold up the next group); it is answered after they are sent, as it would
//! be without the writer thread. An engine on PostgreSQL, whose transactions each wait for
//! their own round trip, gains nothing here: its calls run on that pool (or, for
//! [`dispatch_blocking`], on the caller's thread), side by side.
//!
//! The thread starts with the first call and stays for the life of the process. A child of
//! `fork()` has none of its parent's threads: its first call starts its own (a `fork()`
//! while the thread commits leaves the child's engine locked, as with any thread that
//! writes; fork before the first call, or open engines in the child).

use super::later::run_later;
use crate::engine::Engine;
use crate::error::{MfaError, Result};
use serde_json::Value;
use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Condvar, Mutex, MutexGuard, OnceLock};

/// Most calls one group runs (the store commits a batch of this many anyway).
const MAX_GROUP: usize = 64;

/// What answers a call, given whether its commits were done.
type Answer = Box<dyn FnOnce(Result<()>) + Send>;

/// A queued call: its engine, and the work that runs it and returns its answer.
struct Call {
    engine: Arc<Engine>,
    run: Box<dyn FnOnce() -> Answer + Send>,
}

struct Queue {
    /// The process the writer thread belongs to.
    pid: u32,
    calls: VecDeque<Call>,
    /// Whether this process's writer thread was started.
    started: bool,
}

struct Writer {
    queue: Mutex<Queue>,
    ready: Condvar,
}

fn writer() -> &'static Writer {
    static WRITER: OnceLock<Writer> = OnceLock::new();
    WRITER.get_or_init(|| Writer {
        queue: Mutex::new(Queue {
            pid: std::process::id(),
            calls: VecDeque::new(),
            started: false,
        }),
        ready: Condvar::new(),
    })
}

fn lock(writer: &Writer) -> MutexGuard<'_, Queue> {
    writer
        .queue
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `job` (a brief operation of `engine`, and of no other engine) on the core's writer
/// thread, grouped with the calls queued meanwhile (see the module notes), and hands
/// `answer` its result once the operation's commits are done, or the error of a commit that
/// failed. A job that panics is not answered (`answer` is dropped): it is to catch its own
/// panics. If the writer thread cannot be started, or `engine` is on PostgreSQL, the call
/// runs on the pool of `run_later`.
pub fn run_grouped<R: Send + 'static>(
    engine: Arc<Engine>,
    job: impl FnOnce() -> R + Send + 'static,
    answer: impl FnOnce(Result<R>) + Send + 'static,
) {
    if !engine.holds_commits() {
        run_later(move || answer(Ok(job())));
        return;
    }
    let run: Box<dyn FnOnce() -> Answer + Send> = Box::new(move || {
        let out = job();
        Box::new(move |committed: Result<()>| answer(committed.map(|()| out)))
    });
    let writer = writer();
    let mut queue = lock(writer);
    let pid = std::process::id();
    if queue.pid != pid {
        // A fork()ed child: the parent's thread and its calls are not here.
        std::mem::forget(std::mem::take(&mut queue.calls));
        *queue = Queue {
            pid,
            calls: VecDeque::new(),
            started: false,
        };
    }
    queue.calls.push_back(Call { engine, run });
    if queue.started {
        drop(queue);
        writer.ready.notify_one();
        return;
    }
    let started = std::thread::Builder::new()
        .name("plinto-writer".into())
        .spawn(move || drive(writer));
    if started.is_ok() {
        queue.started = true;
        return;
    }
    // No thread: this call runs alone, where calls that wait run.
    if let Some(call) = queue.calls.pop_back() {
        drop(queue);
        run_later(move || {
            let (answer, held) = call.engine.run_holding(|| (call.run)());
            call.engine.flush_held();
            answer(call.engine.finish_held(held));
        });
    }
}

/// Runs operation `op` as [`super::dispatch`] does, for a blocking caller (an application's
/// thread): a brief operation where it is if it can finish without waiting
/// ([`super::dispatch_now`]), else on the core's writer thread with the calls queued
/// meanwhile, waiting for its answer; any other operation where it is.
pub fn dispatch_blocking(engine: &Arc<Engine>, op: &str, args: Value) -> Result<Value> {
    if !super::may_run_now(op) {
        return super::dispatch(engine, op, &args);
    }
    if let Some(out) = super::dispatch_now(engine, op, &args) {
        return out;
    }
    dispatch_grouped(engine, op, args)
}

/// Runs brief operation `op` on the writer thread and waits for its answer. On the writer
/// thread itself, or for an engine on PostgreSQL, it runs where it is.
fn dispatch_grouped(engine: &Arc<Engine>, op: &str, args: Value) -> Result<Value> {
    if ON_WRITER.get() || !engine.holds_commits() {
        return super::dispatch(engine, op, &args);
    }
    let (answered, answer) = mpsc::channel();
    let (e, op) = (Arc::clone(engine), op.to_string());
    run_grouped(
        Arc::clone(engine),
        move || super::dispatch(&e, &op, &args),
        move |out| {
            let _ = answered.send(out.and_then(|out| out));
        },
    );
    answer
        .recv()
        .unwrap_or_else(|_| Err(MfaError::internal("the call was not answered")))
}

thread_local! {
    /// Set on the writer thread.
    static ON_WRITER: Cell<bool> = const { Cell::new(false) };
}

/// The writer thread: runs the queued calls in groups, as they come.
fn drive(writer: &'static Writer) {
    ON_WRITER.set(true);
    loop {
        let group: Vec<Call> = {
            let mut queue = lock(writer);
            while queue.calls.is_empty() {
                queue = writer
                    .ready
                    .wait(queue)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            let n = queue.calls.len().min(MAX_GROUP);
            queue.calls.drain(..n).collect()
        };
        // A panic past the guards of the jobs and answers ends that group alone: the
        // thread stays for the calls that follow.
        let _ = catch_unwind(AssertUnwindSafe(|| run_group(group)));
    }
}

/// Runs `group` with commits held, commits, and answers each call.
fn run_group(group: Vec<Call>) {
    let mut done = Vec::with_capacity(group.len());
    let mut current: Option<Arc<Engine>> = None;
    for call in group {
        if let Some(engine) = current.as_ref().filter(|e| !Arc::ptr_eq(e, &call.engine)) {
            engine.flush_held();
        }
        let run = call.run;
        let (answer, held) = call
            .engine
            .run_holding(|| catch_unwind(AssertUnwindSafe(run)));
        current = Some(Arc::clone(&call.engine));
        // A job that panicked has nothing to answer; its work commits or not with the
        // others, as it would have alone, and its notifications go out if it does.
        let answer = answer.unwrap_or_else(|_| Box::new(|_| ()));
        done.push((call.engine, held, answer));
    }
    if let Some(engine) = current {
        engine.flush_held();
    }
    for (engine, held, answer) in done {
        if held.sends() {
            run_later(move || {
                let committed = engine.finish_held(held);
                answer(committed);
            });
        } else {
            // One answer that panics leaves the others to be given.
            let committed = engine.finish_held(held);
            let _ = catch_unwind(AssertUnwindSafe(move || answer(committed)));
        }
    }
}
