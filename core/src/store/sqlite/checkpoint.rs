//! WAL checkpoints off the committing caller's path.
//!
//! SQLite's automatic checkpoint runs inside the commit that takes the log past its threshold,
//! so one operation in a few hundred pays for copying the log into the database file and for
//! its flushes: that is most of the verification p99, and it grows with the database. Instead
//! the write connection notes the log's size after each commit, and past [`WAKE_PAGES`] a
//! thread of this process with its own connection runs a passive checkpoint, which never
//! blocks writers or readers.
//!
//! The log starts again from its beginning only when a write transaction begins with every
//! frame copied, which a pass running beside busy writers never leaves behind. So the thread
//! repeats its pass until one has little left to copy (the frames that arrived during the
//! pass before), the next commit copies the few that arrived meanwhile (the catch-up), and
//! the transaction after it restarts the log. Past [`INLINE_PAGES`] (the thread cannot keep
//! up, or could not be started) the committing connection checkpoints itself, as SQLite
//! would.
//!
//! Fork safety: the thread belongs to the process that started it. A child of `fork()` starts
//! its own when it first needs one; the parent's thread and its connection do not exist in the
//! child, and nothing there is used or closed. The thread never forks mid-call: a `fork()`
//! waits (through `pthread_atfork`) until no checkpoint thread of the process is inside
//! SQLite, and none enters it until the fork is done, so the child inherits no SQLite lock or
//! mutex the thread held (a pass holds the file's checkpoint lock).

use crate::store::wait;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Once};
use std::thread::JoinHandle;
use std::time::Duration;

/// Set while a `fork()` is being prepared: checkpoint threads make no SQLite call.
static FORKING: AtomicBool = AtomicBool::new(false);
/// Checkpoint threads of this process inside a SQLite call.
static IN_SQLITE: AtomicUsize = AtomicUsize::new(0);
static FORK_HANDLERS: Once = Once::new();

/// Runs `f` (a SQLite call of the checkpoint thread) unless a fork is being prepared.
fn outside_forks<T>(f: impl FnOnce() -> T) -> Option<T> {
    IN_SQLITE.fetch_add(1, Ordering::SeqCst);
    let out = if FORKING.load(Ordering::SeqCst) {
        None
    } else {
        Some(f())
    };
    IN_SQLITE.fetch_sub(1, Ordering::SeqCst);
    out
}

/// `pthread_atfork` prepare handler: waits until no checkpoint thread is inside SQLite.
#[cfg(unix)]
extern "C" fn before_fork() {
    FORKING.store(true, Ordering::SeqCst);
    while IN_SQLITE.load(Ordering::SeqCst) > 0 {
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// `pthread_atfork` parent and child handler.
#[cfg(unix)]
extern "C" fn after_fork() {
    FORKING.store(false, Ordering::SeqCst);
}

/// Registers the fork handlers once per process (a child inherits them). The one `unsafe`
/// block of core: `pthread_atfork` has no safe wrapper.
#[allow(unsafe_code)]
fn guard_forks() {
    FORK_HANDLERS.call_once(|| {
        #[cfg(unix)]
        // SAFETY: the handlers are plain functions that only touch atomics and sleep.
        unsafe {
            libc::pthread_atfork(Some(before_fork), Some(after_fork), Some(after_fork));
        }
    });
}

/// Log size (in pages) at which the checkpoint thread is woken: SQLite's default threshold.
const WAKE_PAGES: i32 = 1_000;
/// Log size at which the committing connection checkpoints itself.
const INLINE_PAGES: i32 = 8 * WAKE_PAGES;
/// The thread repeats its pass until one copies at most this many frames (those that arrived
/// during the pass before), so the catch-up left to a commit stays small.
const CATCH_UP_FRAMES: i32 = 64;
/// Most passes the thread runs for one wake-up.
const MAX_PASSES: u32 = 8;

/// [`Signal::phase`]: no pass is wanted or running.
const IDLE: u8 = 0;
/// The thread was woken for a pass, or runs one.
const RUNNING: u8 = 1;
/// The thread's pass ended: the next commit copies what arrived during it.
const CATCH_UP: u8 = 2;
/// The catch-up ran: the next commit starts the log again if every frame was copied, which
/// flushes the log's new header.
const RESTART_DUE: u8 = 3;

/// What the write connection's commit hook and the checkpoint thread share.
#[derive(Default)]
pub(super) struct Signal {
    /// [`IDLE`], [`RUNNING`], [`CATCH_UP`] or [`RESTART_DUE`].
    phase: AtomicU8,
    /// The store is being closed: the thread ends.
    stop: AtomicBool,
    /// A committing connection checkpointed the whole log: the next commit may start it
    /// again (whatever the thread's phase).
    copied: AtomicBool,
    /// Checkpoints the thread has run.
    background: AtomicU64,
    /// Catch-up passes run by committing connections.
    catch_ups: AtomicU64,
    /// Checkpoints a committing connection ran itself past [`INLINE_PAGES`] (not counting
    /// those refused because the thread's pass was running).
    inline: AtomicU64,
}

impl Signal {
    /// Whether the thread should be woken (it may already be awake).
    pub(super) fn wanted(&self) -> bool {
        self.phase.load(Ordering::Acquire) == RUNNING
    }

    /// Whether a commit now neither catches up nor starts the log again: what a commit that
    /// must not wait for a flush needs (see [`wait`]). The thread's pass may be running: the
    /// commits that arrive meanwhile leave frames it has not copied, so none of them starts
    /// the log again, except one that begins in the moment between the end of a pass that
    /// copied every frame and the thread's marking it (a flush of the log's header, at most
    /// once per pass).
    pub(super) fn quiet(&self) -> bool {
        matches!(self.phase.load(Ordering::Acquire), IDLE | RUNNING)
            && !self.copied.load(Ordering::Acquire)
    }

    /// Checkpoints run by the thread, catch-ups, and full checkpoints by committing
    /// connections.
    #[cfg(test)]
    pub(super) fn counts(&self) -> (u64, u64, u64) {
        (
            self.background.load(Ordering::Relaxed),
            self.catch_ups.load(Ordering::Relaxed),
            self.inline.load(Ordering::Relaxed),
        )
    }
}

/// Replaces SQLite's automatic checkpoint on the write connection by the hook described in
/// the module notes.
pub(super) fn install_hook(
    conn: &mut rusqlite::Connection,
    signal: &Arc<Signal>,
) -> rusqlite::Result<()> {
    let signal = Arc::clone(signal);
    // The hook runs after the commit: an error it returned would report a committed
    // transaction as failed, so a checkpoint that cannot run now (another connection is
    // checkpointing) is left to the next commit.
    //
    // The catch-up comes first, even past INLINE_PAGES: a log that grew while the thread's
    // passes ran (a busy machine) is the thread's work finished, not a whole checkpoint. A
    // checkpoint of the committer's own past INLINE_PAGES counts only when it ran: while the
    // thread's pass holds the checkpoint lock it is refused at once (SQLITE_BUSY), at no cost.
    //
    // A commit on a thread that must not wait (see [`wait`]) flushes nothing here: it leaves
    // the catch-up and the committer's checkpoint to the next commit that may (past
    // INLINE_PAGES it marks the catch-up due, which sends the next commit to a thread).
    conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
        let phase = &signal.phase;
        let may_flush = !wait::must_not_wait();
        // The commit after a catch-up or a committer's checkpoint: the log started again
        // with it, or cannot yet.
        let _ = phase.compare_exchange(RESTART_DUE, IDLE, Ordering::AcqRel, Ordering::Acquire);
        signal.copied.store(false, Ordering::Release);
        if may_flush
            && phase
                .compare_exchange(CATCH_UP, RESTART_DUE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            signal.catch_ups.fetch_add(1, Ordering::Relaxed);
            let _ = wal.checkpoint();
        } else if may_flush && pages >= INLINE_PAGES {
            if wal.checkpoint().is_ok() {
                signal.inline.fetch_add(1, Ordering::Relaxed);
                // Every frame may be copied now: the next commit may start the log again.
                signal.copied.store(true, Ordering::Release);
            }
        } else if pages >= INLINE_PAGES {
            // Past the size at which a committer checkpoints itself (the thread is missing or
            // behind), on a thread that may not: the next commit goes where it may, and
            // catches up.
            let _ = phase.fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| {
                matches!(p, IDLE | RUNNING).then_some(CATCH_UP)
            });
        } else if pages >= WAKE_PAGES {
            let _ = phase.compare_exchange(IDLE, RUNNING, Ordering::AcqRel, Ordering::Acquire);
        }
        Ok(())
    }))
}

/// Wakes this process's checkpoint thread for the database at `path`, starting it if the
/// process has none (`thread` holds it, tagged with the process id). A thread that cannot be
/// started leaves the checkpoints to the committing connection.
pub(super) fn wake(thread: &mut Option<(u32, JoinHandle<()>)>, signal: &Arc<Signal>, path: &str) {
    let pid = std::process::id();
    if let Some((owner, handle)) = thread.take() {
        if owner == pid && !handle.is_finished() {
            handle.thread().unpark();
            *thread = Some((owner, handle));
            return;
        }
        if owner != pid {
            // The parent's thread: not ours to join or detach.
            std::mem::forget(handle);
        }
    }
    guard_forks();
    let signal = Arc::clone(signal);
    let path = path.to_string();
    let started = std::thread::Builder::new()
        .name("plinto-checkpoint".into())
        .spawn(move || run(&signal, &path));
    if let Ok(handle) = started {
        *thread = Some((pid, handle));
    }
}

/// Stops this process's checkpoint thread and waits for it (a thread of another process is
/// left alone).
pub(super) fn stop(thread: Option<(u32, JoinHandle<()>)>, signal: &Signal) {
    signal.stop.store(true, Ordering::Release);
    if let Some((owner, handle)) = thread {
        if owner == std::process::id() {
            handle.thread().unpark();
            let _ = handle.join();
        } else {
            std::mem::forget(handle);
        }
    }
}

/// The thread: a passive checkpoint each time it is wanted, on a connection of its own.
fn run(signal: &Signal, path: &str) {
    let mut conn: Option<rusqlite::Connection> = None;
    while !signal.stop.load(Ordering::Acquire) {
        if signal.phase.load(Ordering::Acquire) != RUNNING {
            std::thread::park();
            continue;
        }
        if conn.is_none() {
            match outside_forks(|| super::SqliteBackend::connect(path, false).ok()) {
                Some(opened) => conn = opened,
                None => {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
            }
        }
        let next = match conn.as_ref().map(|c| passes(c, signal)) {
            // Commits may have added frames since the last pass.
            Some(Ok(())) => CATCH_UP,
            // Another connection is checkpointing (its pass serves this log too), or no
            // connection (opened again at the next wake-up). Either way the log may be
            // wholly copied, so the next commit may start it again.
            Some(Err(e)) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
                RESTART_DUE
            }
            Some(Err(_)) | None => {
                close(conn.take());
                RESTART_DUE
            }
        };
        signal.phase.store(next, Ordering::Release);
    }
    close(conn);
}

/// Closes the thread's connection (a SQLite call too).
fn close(conn: Option<rusqlite::Connection>) {
    let mut conn = conn;
    while conn.is_some() {
        if outside_forks(|| drop(conn.take())).is_none() {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Passive checkpoints until one copies at most [`CATCH_UP_FRAMES`] new frames.
fn passes(conn: &rusqlite::Connection, signal: &Signal) -> rusqlite::Result<()> {
    let mut before = 0;
    for _ in 0..MAX_PASSES {
        // `copied` counts every frame copied since the log last restarted. A fork in
        // preparation ends the passes (the next commit catches up).
        let Some(pass) = outside_forks(|| {
            conn.wal_checkpoint_v2(None::<&str>, rusqlite::wal::CheckpointMode::PASSIVE)
        }) else {
            break;
        };
        let (_, copied) = pass?;
        signal.background.fetch_add(1, Ordering::Relaxed);
        if copied - before <= CATCH_UP_FRAMES {
            break;
        }
        before = copied;
    }
    Ok(())
}
