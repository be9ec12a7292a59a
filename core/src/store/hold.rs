//! Commits held over a run of operations on one thread (see [`holding`]): the core's writer
//! thread runs the brief operations queued meanwhile one after the other in one batch, and
//! commits once for all of them.
//!
//! Group commit among threads (each operation on its own thread, the last one of a batch
//! committing it) costs every operation three thread switches: its thread waking for it, the
//! write lock passing to it, and the batch's commit waking it. One thread running the queued
//! operations in a row costs none of them. An operation run inside [`holding`] leaves its
//! batch open for the next one instead of committing it, and instead of waiting for the
//! commit it records a [`Held`] to wait on; the thread commits the open batch with
//! [`super::Store::flush_held`] after the run, then waits on each operation's `Held` before
//! answering it. An operation is answered only after the batch it ran in has committed (at
//! durability `full`, flushed to disk), as without holding.

use crate::error::{MfaError, Result};
use std::cell::RefCell;

/// Waits for one held batch's commit; `Err` is the reason it failed.
pub(crate) type Waiter = Box<dyn FnOnce() -> std::result::Result<(), String> + Send>;

thread_local! {
    /// The commits the operation running in [`holding`] on this thread waits for.
    static HELD: RefCell<Option<Vec<Waiter>>> = const { RefCell::new(None) };
}

/// The commits one operation run in [`holding`] waits for.
#[must_use = "an operation's result stands only once its commits are done"]
pub struct Held(Vec<Waiter>);

impl Held {
    /// Waits for every commit the operation's transactions are in; an error if one failed
    /// (the operation's writes are then undone, and its result does not stand).
    pub fn wait(self) -> Result<()> {
        for waiter in self.0 {
            waiter().map_err(|reason| MfaError::storage(format!("commit failed: {reason}")))?;
        }
        Ok(())
    }
}

/// Puts the thread's earlier list back, also when `f` panics.
struct Restore(Option<Vec<Waiter>>);

impl Drop for Restore {
    fn drop(&mut self) {
        HELD.with(|h| *h.borrow_mut() = self.0.take());
    }
}

/// Runs `f` (one operation) with its commits held: its write transactions leave their batch
/// open, and what they wait for comes back as the [`Held`].
pub fn holding<T>(f: impl FnOnce() -> T) -> (T, Held) {
    let restore = Restore(HELD.with(|h| h.borrow_mut().replace(Vec::new())));
    let out = f();
    let held = HELD.with(|h| h.borrow_mut().take()).unwrap_or_default();
    drop(restore);
    (out, Held(held))
}

/// Whether the transaction about to run is inside [`holding`].
pub(crate) fn is_holding() -> bool {
    HELD.with(|h| h.borrow().is_some())
}

/// Records a commit the running operation waits for (only inside [`holding`]; elsewhere the
/// caller waits itself). Inside [`best_effort`] nothing is recorded: the operation's result
/// does not depend on that commit.
pub(crate) fn hold(waiter: Waiter) -> std::result::Result<(), Waiter> {
    if BEST_EFFORT.get() && is_holding() {
        return Ok(());
    }
    HELD.with(|h| match h.borrow_mut().as_mut() {
        Some(list) => {
            list.push(waiter);
            Ok(())
        }
        None => Err(waiter),
    })
}

thread_local! {
    /// Set while a best-effort write runs (see [`best_effort`]).
    static BEST_EFFORT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, a write whose failure the operation ignores (recording a session's use): inside
/// [`holding`] the operation does not wait for its commit, so a batch that fails after it
/// fails only the operations that depend on it.
pub(crate) fn best_effort<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            BEST_EFFORT.set(self.0);
        }
    }
    let _reset = Reset(BEST_EFFORT.replace(true));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holding_collects_the_commits_and_ends_with_the_run() {
        assert!(!is_holding());
        let (n, held) = holding(|| {
            assert!(is_holding());
            assert!(hold(Box::new(|| Ok(()))).is_ok());
            assert!(hold(Box::new(|| Err("disk full".into()))).is_ok());
            2
        });
        assert_eq!(n, 2);
        assert!(!is_holding());
        assert!(hold(Box::new(|| Ok(()))).is_err());
        let err = held.wait().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("disk full"), "{err}");
    }

    #[test]
    fn a_best_effort_write_is_not_waited_for() {
        let ((), held) = holding(|| {
            best_effort(|| assert!(hold(Box::new(|| Err("disk full".into()))).is_ok()));
        });
        assert!(held.wait().is_ok());
        // Outside holding a best-effort write waits for its commit as any other.
        assert!(best_effort(|| hold(Box::new(|| Ok(()))).is_err()));
    }
}
