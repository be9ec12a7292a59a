//! The embedded SQLite backend: WAL, busy timeout, foreign keys, numbered migrations, one
//! write connection with group commit, and a small pool of read connections.
//!
//! Group commit: a write operation runs inside the open transaction of the current batch, in
//! a savepoint of its own (a failing operation rolls back only itself), and the operation
//! that finds no other writer waiting commits the batch; every operation of the batch is
//! answered after that one commit. A lone writer therefore commits at once, and concurrent
//! writers share one flush. Other processes on the same file wait on SQLite's lock.
//!
//! Checkpoints of the write-ahead log run on a thread of their own ([`checkpoint`]).
//!
//! Fork safety: connections inherited through `fork()` are abandoned, never used or closed,
//! and the child opens its own.

mod attempts;
mod audit;
mod backup_codes;
mod channels;
mod checkpoint;
mod keys;
mod push;
mod rollout;
mod sessions;
mod totp;
mod users;
mod webauthn;

#[cfg(test)]
mod without_waiting_tests;

use super::migrations::{MIGRATIONS, SCHEMA_VERSION};
use super::{hold, wait, AuditChain, Backend, Durability, Tx};
use crate::config::StorageConfig;
use crate::error::{MfaError, Result};
use rusqlite::{Connection, OpenFlags, Row, TransactionBehavior};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, TryLockError};
use std::time::Duration;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Prepared statements kept per connection (the store has about 70 distinct ones).
const STATEMENT_CACHE: usize = 128;
/// Most operations one batch holds before it is committed regardless of who waits.
const MAX_BATCH: u32 = 64;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A transaction's view of one connection: what the domain modules implement [`Tx`] on.
pub(super) struct SqliteTx<'c> {
    conn: &'c Connection,
    /// The keys audit rows are linked with (none before the engine set them).
    chain: Option<Arc<AuditChain>>,
}

impl SqliteTx<'_> {
    /// `Connection::execute` with a cached statement.
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<usize> {
        Ok(self.conn.prepare_cached(sql)?.execute(params)?)
    }

    /// `Connection::query_row` with a cached statement.
    fn row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T> {
        Ok(self.conn.prepare_cached(sql)?.query_row(params, f)?)
    }

    /// Like [`SqliteTx::row`], `None` when there is no row.
    fn optional<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .prepare_cached(sql)?
            .query_row(params, f)
            .optional()?)
    }

    /// Every row of a query.
    ///
    /// Per-user lists are sorted by the caller rather than with `ORDER BY`: SQLite marks a
    /// statement that orders rows selected by a bound parameter for re-preparation whenever
    /// its bindings are cleared, which the statement cache does after every use.
    fn rows<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, f)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

fn configure(conn: &Connection, file: bool) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)?;
    if file {
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    }
    Ok(())
}

/// `BEGIN IMMEDIATE` without waiting for another connection's write lock: a refusal (see
/// [`wait`]) when it is held.
fn begin_at_once(conn: &Connection) -> Result<()> {
    at_once(conn, || {
        conn.prepare_cached("BEGIN IMMEDIATE")?
            .execute([])
            .map(|_| ())
    })
}

/// Begins a read transaction and takes its snapshot without waiting for the file's locks: a
/// refusal (see [`wait`]) when they are held.
fn begin_read_at_once(conn: &Connection) -> Result<()> {
    at_once(conn, || {
        conn.prepare_cached("BEGIN")?.execute([])?;
        // The snapshot is taken by the first read.
        conn.prepare_cached("SELECT 1 FROM sqlite_schema LIMIT 1")?
            .exists([])
            .map(|_| ())
    })
}

/// Runs `begin` (which opens a transaction on `conn`) with no busy timeout: a lock another
/// connection holds is a refusal (see [`wait`]), not a wait. On any failure no transaction is
/// left open.
fn at_once(conn: &Connection, begin: impl FnOnce() -> rusqlite::Result<()>) -> Result<()> {
    conn.busy_timeout(Duration::ZERO)?;
    let begun = begin().and_then(|()| conn.busy_timeout(BUSY_TIMEOUT));
    let Err(e) = begun else {
        return Ok(());
    };
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let _ = conn.busy_timeout(BUSY_TIMEOUT);
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) {
        Err(wait::refuse())
    } else {
        Err(e.into())
    }
}

/// Page cache of the write connection, in KiB: the pages every operation touches (users,
/// factors, the audit index) stay in memory instead of being read again from the file.
const WRITER_CACHE_KIB: i64 = 16 * 1024;

/// What the write connection of a file has beyond [`configure`]: a larger page cache and the
/// checkpoint hook.
fn prepare_writer(conn: &mut Connection, checkpoints: &Arc<checkpoint::Signal>) -> Result<()> {
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    checkpoint::install_hook(conn, checkpoints)?;
    Ok(())
}

/// The path of an opened database file as an absolute one, so connections opened later
/// (readers, the checkpoint thread, a child after `fork()`) find the same file whatever the
/// working directory has become.
fn absolute(path: &str) -> String {
    std::fs::canonicalize(path)
        .map_or_else(|_| path.to_string(), |p| p.to_string_lossy().into_owned())
}

fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the schema up to date in one transaction (nothing is written when it is current).
fn migrate(conn: &mut Connection) -> Result<()> {
    let too_new = |found| MfaError::DatabaseTooNew {
        found,
        supported: SCHEMA_VERSION,
    };
    let version = schema_version(conn)?;
    if version > SCHEMA_VERSION {
        return Err(too_new(version));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(too_new(version));
    }
    let start = usize::try_from(version).map_err(|_| MfaError::storage("negative user_version"))?;
    for (_, sql) in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

/// The write side: one connection, the open batch, and who waits on it.
struct Writer {
    state: Mutex<WriterState>,
    /// Writers that announced themselves and wait for the state lock.
    queued: AtomicUsize,
    /// Shared with the write connection's commit hook and the checkpoint thread.
    checkpoints: Arc<checkpoint::Signal>,
}

struct WriterState {
    pid: u32,
    conn: Option<Connection>,
    /// The batch whose transaction is open, if one is.
    open: Option<Arc<Batch>>,
    /// Operations run in the open batch.
    ops: u32,
    /// The `synchronous` level the connection has.
    applied: Option<Durability>,
    /// This process's checkpoint thread, tagged with the process id.
    checkpointer: Option<(u32, std::thread::JoinHandle<()>)>,
}

/// One batch's outcome, set once when it is committed. Its operations wait for it here, not
/// on the writer's lock, so the next batch runs while they wake up.
#[derive(Default)]
struct Batch {
    outcome: Mutex<Option<std::result::Result<(), String>>>,
    committed: Condvar,
}

impl Batch {
    fn finish(&self, outcome: std::result::Result<(), String>) {
        *lock(&self.outcome) = Some(outcome);
        self.committed.notify_all();
    }

    fn wait(&self) -> std::result::Result<(), String> {
        let mut outcome = lock(&self.outcome);
        loop {
            if let Some(done) = outcome.as_ref() {
                return done.clone();
            }
            outcome = self
                .committed
                .wait(outcome)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }
}

enum Source {
    File { path: String, read_only: bool },
    Memory,
}

/// SQLite implementation of [`Backend`].
pub struct SqliteBackend {
    source: Source,
    writer: Writer,
    readers: Mutex<(u32, Vec<Connection>)>,
    durability: AtomicU8,
    max_idle_readers: AtomicUsize,
    chain: RwLock<Option<Arc<AuditChain>>>,
}

fn durability_code(d: Durability) -> u8 {
    match d {
        Durability::Full => 0,
        Durability::Normal => 1,
    }
}

impl SqliteBackend {
    /// Opens (creating if needed) the database at `path`, or a private in-memory one for
    /// `:memory:`, and brings its schema up to date. A file the process may not write is
    /// opened read-only when its schema is current (reads work, writes are `storage` errors).
    ///
    /// With `storage.migrate` false, a schema that is not current is refused instead.
    pub fn open(path: &str, storage: &StorageConfig) -> Result<Self> {
        if path.is_empty() || path.contains('\0') {
            return Err(MfaError::invalid(
                "database",
                "must be a file path or :memory:",
            ));
        }
        let (source, mut conn) = if path == ":memory:" {
            let conn = Connection::open_in_memory()?;
            configure(&conn, false)?;
            (Source::Memory, conn)
        } else {
            match Self::connect(path, false) {
                Ok(conn) => (
                    Source::File {
                        path: absolute(path),
                        read_only: false,
                    },
                    conn,
                ),
                Err(_) if std::path::Path::new(path).is_file() => {
                    let conn = Self::connect(path, true)?;
                    let version = schema_version(&conn)?;
                    if version != SCHEMA_VERSION {
                        return Err(MfaError::storage(format!(
                            "the database is read-only and its schema (version {version}) is not current"
                        )));
                    }
                    (
                        Source::File {
                            path: absolute(path),
                            read_only: true,
                        },
                        conn,
                    )
                }
                Err(e) => return Err(e),
            }
        };
        if !storage.migrate {
            let version = schema_version(&conn)?;
            if version != SCHEMA_VERSION {
                return Err(MfaError::storage(format!(
                    "the database schema is at version {version} and this build needs {SCHEMA_VERSION}: \
                     open it once with storage.migrate on to bring it up to date"
                )));
            }
        } else if !matches!(
            source,
            Source::File {
                read_only: true,
                ..
            }
        ) {
            migrate(&mut conn)?;
        }
        let checkpoints = Arc::new(checkpoint::Signal::default());
        if matches!(
            source,
            Source::File {
                read_only: false,
                ..
            }
        ) {
            prepare_writer(&mut conn, &checkpoints)?;
        }
        let pid = std::process::id();
        Ok(Self {
            source,
            writer: Writer {
                state: Mutex::new(WriterState {
                    pid,
                    conn: Some(conn),
                    open: None,
                    ops: 0,
                    applied: None,
                    checkpointer: None,
                }),
                queued: AtomicUsize::new(0),
                checkpoints,
            },
            readers: Mutex::new((pid, Vec::new())),
            durability: AtomicU8::new(durability_code(storage.durability)),
            max_idle_readers: AtomicUsize::new(storage.max_idle_connections as usize),
            chain: RwLock::new(None),
        })
    }

    fn connect(path: &str, read_only: bool) -> Result<Connection> {
        let flags = if read_only {
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
        } else {
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
        };
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| MfaError::storage(format!("cannot open database: {e}")))?;
        configure(&conn, !read_only)?;
        Ok(conn)
    }

    fn durability(&self) -> Durability {
        if self.durability.load(Ordering::Relaxed) == durability_code(Durability::Normal) {
            Durability::Normal
        } else {
            Durability::Full
        }
    }

    /// Makes sure this process has its write connection (a child of `fork()` opens its own)
    /// with the wanted durability.
    fn ensure_writer(&self, st: &mut WriterState) -> Result<()> {
        let pid = std::process::id();
        if st.pid != pid {
            if let Some(inherited) = st.conn.take() {
                std::mem::forget(inherited);
            }
            st.open = None;
            st.ops = 0;
            st.applied = None;
            st.pid = pid;
        }
        if st.conn.is_none() {
            match &self.source {
                Source::File { path, read_only } => {
                    let mut conn = Self::connect(path, *read_only)?;
                    if !*read_only {
                        prepare_writer(&mut conn, &self.writer.checkpoints)?;
                    }
                    st.conn = Some(conn);
                }
                Source::Memory => {
                    return Err(MfaError::storage(
                        "an in-memory database cannot be used after fork()",
                    ))
                }
            }
        }
        let wanted = self.durability();
        if st.applied != Some(wanted) && st.open.is_none() {
            if let Some(conn) = &st.conn {
                if matches!(
                    self.source,
                    Source::File {
                        read_only: false,
                        ..
                    }
                ) {
                    let level = match wanted {
                        Durability::Full => "FULL",
                        Durability::Normal => "NORMAL",
                    };
                    conn.pragma_update(None, "synchronous", level)?;
                }
            }
            st.applied = Some(wanted);
        }
        Ok(())
    }

    /// Runs `f` in the open batch (opening one if there is none), then commits the batch
    /// unless another writer is waiting to join it.
    ///
    /// A transaction that must not wait (see [`wait`]) runs only in a batch of its own, begun
    /// at once on an open connection, and commits it itself; it refuses when its commit would
    /// flush: with durability `full`, or when it would catch up after a checkpoint pass or
    /// start the log again (see `checkpoint::Signal::quiet`).
    ///
    /// `writes` is false for the reads of an in-memory database, which run here too.
    fn write_batched(
        &self,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
        writes: bool,
    ) -> Result<()> {
        wait::unless_refused()?;
        let no_conn = || MfaError::internal("no write connection");
        let no_wait = wait::must_not_wait();
        let mut st = if no_wait {
            match self.writer.state.try_lock() {
                Ok(st) => st,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => return Err(wait::refuse()),
            }
        } else {
            self.writer.queued.fetch_add(1, Ordering::SeqCst);
            let st = lock(&self.writer.state);
            self.writer.queued.fetch_sub(1, Ordering::SeqCst);
            st
        };
        if no_wait && (st.open.is_some() || st.conn.is_none() || st.pid != std::process::id()) {
            // Joining a batch waits for its commit; opening a connection may wait for locks.
            return Err(wait::refuse());
        }
        if let Err(e) = self.ensure_writer(&mut st) {
            // A batch left open for this writer would wait for it forever: it ends here.
            if let Some(batch) = st.open.take() {
                if let Some(conn) = st.conn.as_ref() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                batch.finish(Err(e.to_string()));
            }
            return Err(e);
        }
        if no_wait
            && matches!(self.source, Source::File { .. })
            && (st.applied != Some(Durability::Normal) || !self.writer.checkpoints.quiet())
        {
            return Err(wait::refuse());
        }
        let holds = !no_wait && hold::is_holding();
        let mut held = false;
        let opens = st.open.is_none();
        if opens {
            let conn = st.conn.as_ref().ok_or_else(no_conn)?;
            if no_wait {
                begin_at_once(conn)?;
            } else {
                conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            }
            st.open = Some(Arc::new(Batch::default()));
            st.ops = 0;
        }
        let batch = st
            .open
            .clone()
            .ok_or_else(|| MfaError::internal("no open batch"))?;
        // The operation that opens the batch runs alone in its transaction (a failure rolls
        // that back); one joining the batch runs in a savepoint. `Err` here means the
        // savepoint itself failed: the batch's transaction cannot be trusted and is rolled
        // back below.
        let step = st.conn.as_ref().ok_or_else(no_conn).and_then(|conn| {
            if !opens {
                conn.prepare_cached("SAVEPOINT op")?.execute([])?;
            }
            let chain = self.chain();
            let result = catch_unwind(AssertUnwindSafe(|| f(&mut SqliteTx { conn, chain })))
                .unwrap_or_else(|_| Err(MfaError::internal("unexpected failure in the store")));
            if opens {
                // Nothing to release; a failure is handled below.
            } else if result.is_ok() {
                conn.prepare_cached("RELEASE op")?.execute([])?;
            } else {
                conn.execute_batch("ROLLBACK TO op; RELEASE op")?;
            }
            Ok(result)
        });
        st.ops += 1;
        let broken = step.is_err();
        if opens && matches!(step, Ok(Err(_))) {
            // The batch held only this operation: it ends with its transaction rolled back,
            // and the operation answers with its own error.
            if let Some(conn) = st.conn.as_ref() {
                let _ = conn
                    .prepare_cached("ROLLBACK")
                    .and_then(|mut r| r.execute([]));
            }
            batch.finish(Ok(()));
            st.open = None;
            drop(st);
        } else if !broken
            && !no_wait
            && (holds || self.writer.queued.load(Ordering::SeqCst) > 0)
            && st.ops < MAX_BATCH
        {
            // Another writer will run in this batch, or the holding thread's next operation;
            // the last one (or the holding thread's flush) commits it.
            held = holds;
            drop(st);
        } else {
            let step = step.as_ref().map(|_| ()).map_err(ToString::to_string);
            self.commit_open(&mut st, &batch, step, writes);
            drop(st);
        }
        let result = step?;
        if held {
            let waiter: hold::Waiter = Box::new(move || batch.wait());
            return match hold::hold(waiter) {
                Ok(()) => result,
                Err(waiter) => waiter()
                    .map_err(|reason| MfaError::storage(format!("commit failed: {reason}")))
                    .and(result),
            };
        }
        match batch.wait() {
            Ok(()) => result,
            Err(reason) => Err(MfaError::storage(format!("commit failed: {reason}"))),
        }
    }

    /// Ends the open batch `batch`: commits it if `step` (what ran in it last) is `Ok`, else
    /// rolls it back; answers its operations and wakes the checkpoint thread if it is due.
    fn commit_open(
        &self,
        st: &mut WriterState,
        batch: &Batch,
        step: std::result::Result<(), String>,
        writes: bool,
    ) {
        let outcome = match (step, st.conn.as_ref()) {
            (Ok(()), Some(conn)) => conn
                .prepare_cached("COMMIT")
                .and_then(|mut commit| commit.execute([]))
                .map(|_| ())
                .map_err(|e| e.to_string()),
            (Err(e), _) => Err(e),
            (_, None) => Err("no write connection".to_string()),
        };
        if outcome.is_err() {
            if let Some(conn) = st.conn.as_ref() {
                let _ = conn.execute_batch("ROLLBACK");
            }
        } else if writes {
            wait::committed();
        }
        batch.finish(outcome);
        st.open = None;
        if self.writer.checkpoints.wanted() {
            if let Source::File { path, .. } = &self.source {
                checkpoint::wake(&mut st.checkpointer, &self.writer.checkpoints, path);
            }
        }
    }

    /// Commits the batch operations run in [`hold::holding`] left open, if it still is (a
    /// writer that came meanwhile may have committed it).
    fn flush_held(&self) {
        let mut st = lock(&self.writer.state);
        if st.pid != std::process::id() {
            return;
        }
        if let Some(batch) = st.open.clone() {
            self.commit_open(&mut st, &batch, Ok(()), true);
        }
    }

    /// An idle read connection of this process, if there is one.
    fn idle_reader(&self) -> Option<Connection> {
        let mut guard = lock(&self.readers);
        let pid = std::process::id();
        if guard.0 != pid {
            for c in guard.1.drain(..) {
                std::mem::forget(c);
            }
            guard.0 = pid;
        }
        guard.1.pop()
    }

    fn reader(&self) -> Result<Connection> {
        if let Some(c) = self.idle_reader() {
            return Ok(c);
        }
        if wait::must_not_wait() {
            // Opening one may wait for the file's locks.
            return Err(wait::refuse());
        }
        match &self.source {
            Source::File { path, read_only } => {
                let conn = Self::connect(path, *read_only)?;
                conn.pragma_update(None, "query_only", true)?;
                Ok(conn)
            }
            Source::Memory => Err(MfaError::internal("no reader for an in-memory database")),
        }
    }

    fn give_back(&self, conn: Connection) {
        let mut guard = lock(&self.readers);
        if guard.0 == std::process::id()
            && guard.1.len() < self.max_idle_readers.load(Ordering::Relaxed)
        {
            guard.1.push(conn);
        }
    }
}

impl SqliteBackend {
    fn chain(&self) -> Option<Arc<AuditChain>> {
        self.chain
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for SqliteBackend {
    fn drop(&mut self) {
        let st = self
            .writer
            .state
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        checkpoint::stop(st.checkpointer.take(), &self.writer.checkpoints);
    }
}

impl Backend for SqliteBackend {
    fn write(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.write_batched(f, true)
    }

    fn holds_commits(&self) -> bool {
        true
    }

    fn flush_held(&self) {
        SqliteBackend::flush_held(self);
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        if matches!(self.source, Source::Memory) {
            // One connection: reads go through the writer (and see committed batches only
            // once they are committed, as on a file).
            return self.write_batched(f, false);
        }
        wait::unless_refused()?;
        let conn = self.reader()?;
        if wait::must_not_wait() {
            begin_read_at_once(&conn)?;
        } else {
            conn.prepare_cached("BEGIN")?.execute([])?;
        }
        let chain = self.chain();
        let result = catch_unwind(AssertUnwindSafe(|| f(&mut SqliteTx { conn: &conn, chain })))
            .unwrap_or_else(|_| Err(MfaError::internal("unexpected failure in the store")));
        let end = conn
            .prepare_cached("COMMIT")
            .and_then(|mut c| c.execute([]));
        if end.is_ok() {
            self.give_back(conn);
        }
        result
    }

    fn set_audit_chain(&self, chain: Arc<AuditChain>) {
        *self
            .chain
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(chain);
    }

    fn apply(&self, storage: &StorageConfig) {
        self.durability
            .store(durability_code(storage.durability), Ordering::Relaxed);
        self.max_idle_readers
            .store(storage.max_idle_connections as usize, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Held by the tests that write thousands of commits to watch the checkpoint thread:
    /// run side by side on two cores they would starve each other's threads.
    static CHECKPOINTING: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// Takes [`CHECKPOINTING`] for the rest of the test.
    pub(super) fn checkpointing_alone() -> std::sync::MutexGuard<'static, ()> {
        CHECKPOINTING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until the checkpoint thread's pass has ended, if a commit woke it: the tests that
    /// watch the log do not race the thread (however late a loaded machine runs it), so what
    /// they see follows from the commits alone.
    pub(super) fn until_the_pass_ends(backend: &SqliteBackend) {
        let started = std::time::Instant::now();
        while backend.writer.checkpoints.wanted() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the checkpoint thread never ended its pass"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// The log's checkpoint sequence number (in its header): SQLite adds one each time the
    /// log starts again from its beginning.
    pub(super) fn log_restarts(wal: &std::path::Path) -> u32 {
        std::fs::read(wal)
            .ok()
            .and_then(|bytes| bytes.get(12..16).map(|b| [b[0], b[1], b[2], b[3]]))
            .map_or(0, u32::from_be_bytes)
    }

    /// A user row for the store's own tests.
    pub(super) fn test_user(id: &str) -> crate::store::UserRow {
        crate::store::UserRow::new(
            id.into(),
            format!("{id}@example.com"),
            "x".into(),
            "user".into(),
            0,
        )
    }

    fn synchronous(backend: &SqliteBackend) -> i64 {
        let st = lock(&backend.writer.state);
        st.conn
            .as_ref()
            .map(|c| {
                c.query_row("PRAGMA synchronous", [], |r| r.get(0))
                    .unwrap_or(-1)
            })
            .unwrap_or(-1)
    }

    #[test]
    fn durability_applies_to_the_next_commit() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| MfaError::internal(e.to_string()))?;
        let path = dir.path().join("d.db");
        let backend = SqliteBackend::open(&path.to_string_lossy(), &StorageConfig::default())?;
        let store = Store::new(Box::new(backend));
        store.write(|tx| tx.user_by_id("usr_none"))?;
        // PRAGMA synchronous: 1 is NORMAL, 2 is FULL.
        let backend = SqliteBackend::open(&path.to_string_lossy(), &StorageConfig::default())?;
        backend.write(&mut |tx| tx.user_by_id("usr_none").map(|_| ()))?;
        assert_eq!(synchronous(&backend), 2);
        backend.apply(&StorageConfig {
            durability: Durability::Normal,
            ..StorageConfig::default()
        });
        backend.write(&mut |tx| tx.user_by_id("usr_none").map(|_| ()))?;
        assert_eq!(synchronous(&backend), 1);
        backend.apply(&StorageConfig::default());
        backend.write(&mut |tx| tx.user_by_id("usr_none").map(|_| ()))?;
        assert_eq!(synchronous(&backend), 2);
        Ok(())
    }

    #[test]
    fn per_user_lists_are_not_re_prepared_between_uses() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| MfaError::internal(e.to_string()))?;
        let backend = SqliteBackend::open(
            &dir.path().join("p.db").to_string_lossy(),
            &StorageConfig::default(),
        )?;
        for user in ["usr_a", "usr_b", "usr_c"] {
            backend.write(&mut |tx| {
                tx.totp_devices(user)?;
                tx.channels(user)?;
                tx.webauthn_credentials(user)?;
                Ok(())
            })?;
        }
        let st = lock(&backend.writer.state);
        let conn = st
            .conn
            .as_ref()
            .ok_or_else(|| MfaError::internal("no conn"))?;
        for sql in [totp::DEVICES, channels::CHANNELS, webauthn::CREDENTIALS] {
            let stmt = conn.prepare_cached(sql)?;
            // The statement the store ran (three times), never parsed again.
            assert_eq!(stmt.get_status(rusqlite::StatementStatus::Run), 3, "{sql}");
            assert_eq!(
                stmt.get_status(rusqlite::StatementStatus::RePrepare),
                0,
                "{sql}"
            );
        }
        Ok(())
    }

    #[test]
    fn checkpoints_run_on_their_own_thread_and_the_log_restarts() -> Result<()> {
        let _alone = checkpointing_alone();
        let dir = tempfile::tempdir().map_err(|e| MfaError::internal(e.to_string()))?;
        let path = dir.path().join("c.db");
        let wal = std::path::PathBuf::from(format!("{}-wal", path.display()));
        let backend = SqliteBackend::open(&path.to_string_lossy(), &StorageConfig::default())?;
        backend.apply(&StorageConfig {
            durability: Durability::Normal,
            ..StorageConfig::default()
        });
        // Commits of a few pages each, about ten times the wake threshold.
        let mut largest_log = 0;
        for n in 0..4_000 {
            backend.write(&mut |tx| {
                tx.insert_user(&test_user(&format!("usr_{n:05}")))?;
                tx.stamp_user(
                    &format!("usr_{n:05}"),
                    crate::store::UserStamp::PasswordVerified,
                    n,
                )
            })?;
            largest_log = largest_log.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            until_the_pass_ends(&backend);
        }
        let (background, catch_ups, inline) = backend.writer.checkpoints.counts();
        assert!(background > 0, "no checkpoint ran on the thread");
        assert!(
            catch_ups > 0,
            "no commit caught up after a pass: the log never restarted"
        );
        assert_eq!(inline, 0, "a committing caller ran a whole checkpoint");
        assert!(log_restarts(&wal) >= 2, "the log did not start again");
        // The log kept starting again: without restarts it would hold every commit until it
        // reached the 8,000 pages at which a committing connection checkpoints itself. Each
        // pass begins at the wake threshold (4 KiB pages) and the catch-up and restart follow
        // it within two commits.
        let page = 4096;
        assert!(
            largest_log < 2 * 1_000 * page,
            "the log grew to {largest_log} bytes"
        );
        // Closing the store stops the thread; every commit is there and the file is whole.
        drop(backend);
        let conn = Connection::open(&path)?;
        let users: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        assert_eq!(users, 4_000);
        let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(ok, "ok");
        Ok(())
    }

    #[test]
    fn the_audit_purge_takes_an_unbroken_run_of_old_rows_and_keeps_the_newest() -> Result<()> {
        let backend = SqliteBackend::open(":memory:", &StorageConfig::default())?;
        let chain = Arc::new(AuditChain::new(b"test hash key"));
        backend.set_audit_chain(Arc::clone(&chain));
        backend.write(&mut |tx| tx.start_audit_chain(&chain).map(|_| ()))?;
        let event = |created_at| crate::store::AuditRow {
            id: 0,
            user_id: None,
            action: "sign_in".into(),
            method: None,
            success: true,
            ip: None,
            user_agent: None,
            detail: None,
            created_at,
            chain: None,
        };
        let ids = |backend: &SqliteBackend| -> Result<Vec<(i64, i64)>> {
            let st = lock(&backend.writer.state);
            let conn = st
                .conn
                .as_ref()
                .ok_or_else(|| MfaError::internal("no conn"))?;
            let mut stmt = conn.prepare("SELECT id, created_at FROM audit_events ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        };
        // The clock stepped back once: the row at 20 comes after the row at 50.
        for t in [10, 50, 20, 60] {
            backend.write(&mut |tx| tx.insert_audit(&event(t)))?;
        }
        let mut purged = 0;
        backend.write(&mut |tx| {
            purged = tx.purge_audit(30)?;
            Ok(())
        })?;
        // Only an unbroken run from the oldest goes (the checkpoint moves over it): the row
        // stamped later holds back the older one behind it until its own time passes.
        assert_eq!(purged, 1);
        assert_eq!(ids(&backend)?, vec![(2, 50), (3, 20), (4, 60)]);
        // Everything is past the cutoff: the newest row stays, and ids go on from it.
        backend.write(&mut |tx| tx.purge_audit(1_000).map(|_| ()))?;
        assert_eq!(ids(&backend)?, vec![(4, 60)]);
        backend.write(&mut |tx| tx.insert_audit(&event(70)))?;
        assert_eq!(ids(&backend)?, vec![(4, 60), (5, 70)]);
        Ok(())
    }

    #[test]
    fn a_failing_operation_rolls_back_only_itself() -> Result<()> {
        let backend = SqliteBackend::open(":memory:", &StorageConfig::default())?;
        let user = test_user;
        backend.write(&mut |tx| tx.insert_user(&user("usr_a")))?;
        let failed = backend.write(&mut |tx| {
            tx.insert_user(&user("usr_b"))?;
            Err(MfaError::internal("the operation failed after a write"))
        });
        assert!(failed.is_err());
        let mut found = (false, false);
        backend.read(&mut |tx| {
            found = (
                tx.user_by_id("usr_a")?.is_some(),
                tx.user_by_id("usr_b")?.is_some(),
            );
            Ok(())
        })?;
        assert_eq!(found, (true, false));
        Ok(())
    }
}
