//! Operations that run on a thread which must not wait: an event loop's (Node's main thread,
//! an asyncio loop), where a verification that finds the database free costs less than the
//! hop to a worker thread and back.
//!
//! [`without_waiting`] marks the calling thread while it runs an operation. Until that
//! operation has committed something, every transaction it begins refuses to wait: a write
//! lock another connection holds, a batch being committed, a flush to disk (durability
//! `full`), a connection still to open, a network round trip (PostgreSQL), a notification to
//! deliver. A refusal fails the transaction before it changes anything (or rolls it back),
//! marks the call as refused, and the caller runs the operation again where it may wait. So
//! nothing an operation does can happen twice: once a transaction has committed, the rest of
//! the operation runs as it would anywhere (the operations allowed here have one).

use crate::error::MfaError;
use std::cell::Cell;

/// Where the calling thread stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Outside [`without_waiting`]: transactions wait as they need to.
    Waits,
    /// Inside it, nothing committed yet: transactions must not wait.
    MustNot,
    /// A transaction refused: the call's result is discarded, and every later transaction
    /// of the call refuses too, so nothing commits.
    Refused,
    /// Something committed: the call's result stands, and later transactions may wait.
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
    matches!(STATE.get(), State::MustNot | State::Refused)
}

/// Refuses to wait: marks the call (see [`without_waiting`]) and returns the error the
/// transaction fails with. Nobody sees it: the refused call's result is discarded.
pub(crate) fn refuse() -> MfaError {
    if must_not_wait() {
        STATE.set(State::Refused);
    }
    MfaError::internal("the operation would wait")
}

/// A transaction of the call committed: what follows may wait.
pub(crate) fn committed() {
    if STATE.get() == State::MustNot {
        STATE.set(State::Committed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_discards_the_call_and_later_transactions_refuse_too() {
        assert!(!must_not_wait());
        let out = without_waiting(|| {
            assert!(must_not_wait());
            let _ = refuse();
            // A caller that swallowed the refusal still may not wait (or commit).
            must_not_wait()
        });
        assert_eq!(out, None);
        assert!(!must_not_wait());
    }

    #[test]
    fn after_a_commit_the_call_stands_and_may_wait() {
        let out = without_waiting(|| {
            committed();
            let waits = !must_not_wait();
            let _ = refuse();
            waits
        });
        assert_eq!(out, Some(true));
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
