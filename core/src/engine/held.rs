//! Operations run with their commits held (see `store::hold`): the core's writer thread runs
//! the queued brief operations one after the other in one batch, commits once, and answers
//! each after the commit. The notifications an operation raised wait for its commit too.

use super::notices::{Notices, Route};
use super::Engine;
use crate::error::Result;
use crate::store::hold::{self, Held};
use std::cell::RefCell;

thread_local! {
    /// The notifications of the operation running in [`Engine::run_holding`] on this
    /// thread, with where each goes.
    static POSTPONED: RefCell<Option<Vec<(Notices, Route)>>> = const { RefCell::new(None) };
}

/// One operation run with its commits held: what it waits for, and the notifications to
/// send once that is done.
#[must_use = "an operation's result stands only once its commits are done"]
pub(crate) struct HeldCall {
    held: Held,
    notices: Vec<(Notices, Route)>,
}

impl HeldCall {
    /// Whether finishing it sends notifications (which may wait for the network).
    pub(crate) fn sends(&self) -> bool {
        !self.notices.is_empty()
    }
}

/// Puts the thread's earlier list back, also when the operation panics.
struct Restore(Option<Vec<(Notices, Route)>>);

impl Drop for Restore {
    fn drop(&mut self) {
        POSTPONED.with(|p| *p.borrow_mut() = self.0.take());
    }
}

/// Keeps `notices` for after the commit when an operation runs in [`Engine::run_holding`];
/// otherwise gives them back to be sent now.
pub(super) fn postpone(notices: Notices, route: Route) -> Option<(Notices, Route)> {
    POSTPONED.with(|p| match p.borrow_mut().as_mut() {
        Some(list) => {
            list.push((notices, route));
            None
        }
        None => Some((notices, route)),
    })
}

impl Engine {
    /// Runs `f` (one operation of this engine) with its commits held: its transactions
    /// leave their batch open for the next operation, and its notifications wait. Commit
    /// with [`Engine::flush_held`], then finish it with [`Engine::finish_held`].
    pub(crate) fn run_holding<T>(&self, f: impl FnOnce() -> T) -> (T, HeldCall) {
        let restore = Restore(POSTPONED.with(|p| p.borrow_mut().replace(Vec::new())));
        let (out, held) = hold::holding(f);
        let notices = POSTPONED
            .with(|p| p.borrow_mut().take())
            .unwrap_or_default();
        drop(restore);
        (out, HeldCall { held, notices })
    }

    /// Whether its operations gain from running in a row on one thread (see
    /// `Backend::holds_commits`): SQLite's, yes; PostgreSQL's each wait for their own round
    /// trip and run where they are.
    pub(crate) fn holds_commits(&self) -> bool {
        self.store.holds_commits()
    }

    /// Commits the batch the operations run in [`Engine::run_holding`] on this thread left
    /// open.
    pub(crate) fn flush_held(&self) {
        self.store.flush_held();
    }

    /// Waits for `call`'s commits and then sends its notifications; an error if a commit
    /// failed (nothing it did stands then, and nothing is sent).
    pub(crate) fn finish_held(&self, call: HeldCall) -> Result<()> {
        call.held.wait()?;
        for (notices, route) in call.notices {
            self.send_notices(notices, route);
        }
        Ok(())
    }
}
