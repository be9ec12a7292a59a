//! Operations that run on a thread which must not wait: an event loop's (Node's main thread,
//! an asyncio loop), where a verification that finds the database free costs less than the
//! hop to a worker thread and back.
//!
//! [`without_waiting`] marks the calling thread while it runs an operation, and no
//! transaction of that operation waits: not for a write lock another connection holds, a
//! batch being committed, a flush to disk (durability `full`), a checkpoint, a connection
//! still to open, a network round trip (PostgreSQL) or a notification to deliver.
//!
//! Until the operation has committed something, a transaction that would wait refuses: it
//! fails before it changes anything (or rolls back), the call is marked as refused, every
//! later transaction of the call fails at once, and the caller runs the whole operation again
//! where it may wait. So nothing an operation does can happen twice.
//!
//! The operations allowed here commit at most once; what may follow that commit is
//! best-effort (recording a session's use). Such a later transaction fails instead of
//! waiting, and the call's result stands.

use crate::error::MfaError;
use std::cell::Cell;

/// Where the calling thread stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside [`without_waiting`]: transactions wait as they need to.
    Waits,
    /// Inside it, nothing committed yet: a transaction that would wait refuses.
    MustNot,
    /// A transaction refused: the call's result is discarded, and every later transaction
    /// of the call fails at once, so nothing commits.
    Refused,
    /// Something committed: the call's result stands; a later transaction that would wait
    /// fails alone.
    Committed,
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State::Waits) };
}

/// Puts the thread's earlier state back, also when the operation panics.
struct Restore(State);

impl Drop for Restore {
    fn drop(&mut self) {
        STATE.set(self.0);
    }
}

/// Runs `f` (one operation) so that its transactions do not wait; `None` when one refused,
/// in which case nothing was changed and the operation is to be run again where it may
/// wait.
pub(crate) fn without_waiting<T>(f: impl FnOnce() -> T) -> Option<T> {
    let restore = Restore(STATE.replace(State::MustNot));
    let out = f();
    let refused = STATE.get() == State::Refused;
    drop(restore);
    (!refused).then_some(out)
}

/// Whether the transaction about to begin must not wait.
pub(crate) fn must_not_wait() -> bool {
    STATE.get() != State::Waits
}

/// Fails at once when the call was refused: the start of every transaction.
pub(crate) fn unless_refused() -> Result<(), MfaError> {
    if STATE.get() == State::Refused {
        return Err(refused());
    }
    Ok(())
}

/// Refuses to wait: marks the call as refused (see [`without_waiting`]) unless it has
/// committed, and returns the error the transaction fails with. Nobody sees it from a
/// refused call, whose result is discarded.
pub(crate) fn refuse() -> MfaError {
    if STATE.get() == State::MustNot {
        STATE.set(State::Refused);
    }
    refused()
}

fn refused() -> MfaError {
    MfaError::internal("the operation would wait")
}

/// A write transaction of the call committed: the call's result stands.
pub(crate) fn committed() {
    if STATE.get() == State::MustNot {
        STATE.set(State::Committed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_discards_the_call_and_later_transactions_fail_at_once() {
        assert!(!must_not_wait());
        assert!(unless_refused().is_ok());
        let out = without_waiting(|| {
            assert!(must_not_wait());
            assert!(unless_refused().is_ok());
            let _ = refuse();
            // A caller that swallowed the refusal begins no other transaction.
            (must_not_wait(), unless_refused().is_err())
        });
        assert_eq!(out, None);
        assert!(!must_not_wait());
        assert!(unless_refused().is_ok());
    }

    #[test]
    fn after_a_commit_the_call_stands_and_still_does_not_wait() {
        let out = without_waiting(|| {
            committed();
            let _ = refuse();
            // The later transaction failed alone: the call is not refused.
            (must_not_wait(), unless_refused().is_ok())
        });
        assert_eq!(out, Some((true, true)));
    }

    #[test]
    #[allow(clippy::panic)]
    fn the_state_comes_back_after_a_panic() {
        let caught = std::panic::catch_unwind(|| without_waiting(|| panic!("in the operation")));
        assert!(caught.is_err());
        assert!(!must_not_wait());
        assert_eq!(without_waiting(|| 1), Some(1));
    }
}
