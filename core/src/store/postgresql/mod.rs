//! The PostgreSQL backend, for applications whose servers share one database: the `postgres`
//! crate (synchronous, no libpq), a small pool of connections per process, one transaction
//! per operation on READ COMMITTED, retried on serialization failures and deadlocks.
//!
//! Atomicity: single conditional `UPDATE`/`DELETE` statements decide on their own (PostgreSQL
//! re-checks their condition on the row a concurrent commit left). The read-then-write
//! operations lock first: attempt scopes in sorted key order, a per-key row for resend
//! limits, and the user's row before any change to their set of factors, so two removals at
//! once cannot leave a user with none.
//!
//! Fork safety: opening connects, migrates and closes. Connections are made lazily in the
//! process that uses them, and a pool that finds itself in a child of `fork()` abandons the
//! connections it inherited without closing them (closing would end the parent's sessions).

mod attempts;
mod audit;
mod backup_codes;
mod channels;
mod keys;
mod migrate;
mod push;
mod rollout;
mod sessions;
mod tls;
mod totp;
mod users;
mod webauthn;

pub use migrate::migrate_postgres;

use super::{AuditChain, Backend, Durability, Tx};
use crate::config::StorageConfig;
use crate::error::{MfaError, Result};
use audit::PendingAudit;
use postgres::error::SqlState;
use postgres::types::{FromSql, ToSql};
use postgres::{Client, IsolationLevel, Row, Statement, Transaction};
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

/// Times one operation runs before a serialization failure or deadlock is reported.
const MAX_TRIES: u32 = 8;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether `database` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres_url(database: &str) -> bool {
    database.starts_with("postgres://") || database.starts_with("postgresql://")
}

/// One parameter of a statement.
type Param<'a> = &'a (dyn ToSql + Sync);

/// A transaction's view of one connection: what the domain modules implement [`Tx`] on.
pub(super) struct PgTx<'t, 'c> {
    tx: &'t mut Transaction<'c>,
    statements: &'t mut HashMap<String, Statement>,
    /// The keys audit rows are linked with (none before the engine set them).
    chain: Option<Arc<AuditChain>>,
    /// Audit rows to append when the operation's work is done (see `audit.rs`).
    audit: &'t mut PendingAudit,
    /// The SQLSTATE of the first statement that failed, so the backend can tell a
    /// serialization failure (retried) from any other error, and knows the transaction is
    /// aborted even if the operation went on.
    failed: &'t mut Option<SqlState>,
}

impl PgTx<'_, '_> {
    fn note(&mut self, e: postgres::Error) -> MfaError {
        if self.failed.is_none() {
            // A failure without a server code (a lost connection) still aborts the work.
            *self.failed = Some(e.code().cloned().unwrap_or(SqlState::CONNECTION_FAILURE));
        }
        e.into()
    }

    /// The connection's prepared statement for `sql`, prepared on first use.
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        match self.tx.prepare(sql) {
            Ok(s) => {
                self.statements.insert(sql.to_string(), s.clone());
                Ok(s)
            }
            Err(e) => Err(self.note(e)),
        }
    }

    /// Runs a statement; returns how many rows it changed.
    fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        let stmt = self.statement(sql)?;
        match self.tx.execute(&stmt, params) {
            Ok(n) => Ok(n),
            Err(e) => Err(self.note(e)),
        }
    }

    /// Like [`PgTx::exec`], `Ok(false)` (the transaction still usable) when the statement
    /// breaks a unique constraint.
    fn exec_unique(&mut self, sql: &str, params: &[Param<'_>]) -> Result<bool> {
        let stmt = self.statement(sql)?;
        let outcome = match self.tx.savepoint("unique_check") {
            Ok(mut sp) => match sp.execute(&stmt, params) {
                Ok(_) => sp.commit().map(|()| true),
                Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                    sp.rollback().map(|()| false)
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        outcome.map_err(|e| self.note(e))
    }

    /// Every row of a query.
    fn rows(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>> {
        let stmt = self.statement(sql)?;
        match self.tx.query(&stmt, params) {
            Ok(rows) => Ok(rows),
            Err(e) => Err(self.note(e)),
        }
    }

    /// The one row of a query.
    fn row(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Row> {
        self.optional(sql, params)?
            .ok_or_else(|| MfaError::storage("a query that returns a row returned none"))
    }

    /// The row of a query, `None` when there is none.
    fn optional(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>> {
        let stmt = self.statement(sql)?;
        match self.tx.query_opt(&stmt, params) {
            Ok(row) => Ok(row),
            Err(e) => Err(self.note(e)),
        }
    }

    /// Locks the user's row until the transaction ends: changes to one user's factors that
    /// read before they write take turns. `NO KEY UPDATE`: rows referring to the user (which
    /// hold a key-share lock on it) can still be inserted, so this never deadlocks with them.
    fn lock_user(&mut self, user_id: &str) -> Result<()> {
        self.rows(
            "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE",
            &[&user_id],
        )?;
        Ok(())
    }
}

/// Column `idx` of `row`.
fn get<'a, T: FromSql<'a>>(row: &'a Row, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(MfaError::from)
}

/// A counter column (BIGINT) as the `u32` the rows hold.
fn count(row: &Row, idx: usize) -> Result<u32> {
    let n: i64 = get(row, idx)?;
    Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}

/// A pooled connection with its prepared statements.
struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

struct Pool {
    pid: u32,
    idle: Vec<Conn>,
}

/// PostgreSQL implementation of [`Backend`].
pub struct PostgresBackend {
    config: postgres::Config,
    tls: tls::Connector,
    pool: Mutex<Pool>,
    durability: AtomicU8,
    max_idle: AtomicUsize,
    chain: RwLock<Option<Arc<AuditChain>>>,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend").finish_non_exhaustive()
    }
}

fn durability_code(d: Durability) -> u8 {
    match d {
        Durability::Full => 0,
        Durability::Normal => 1,
    }
}

impl PostgresBackend {
    /// Connects to the server at `url`, brings the schema up to date (unless `migrate` is
    /// false: then a schema that is not current is refused), and closes the connection.
    pub fn open(url: &str, storage: &StorageConfig) -> Result<Self> {
        let (config, tls) = tls::parse(url)?;
        let backend = Self {
            config,
            tls,
            pool: Mutex::new(Pool {
                pid: std::process::id(),
                idle: Vec::new(),
            }),
            durability: AtomicU8::new(durability_code(storage.durability)),
            max_idle: AtomicUsize::new(storage.max_idle_connections as usize),
            chain: RwLock::new(None),
        };
        let mut client = backend.connect()?;
        if storage.migrate {
            migrate::migrate(&mut client)?;
        } else {
            migrate::require_current(&mut client)?;
        }
        drop(client);
        Ok(backend)
    }

    fn connect(&self) -> Result<Client> {
        self.tls
            .connect(&self.config)
            .map_err(|e| MfaError::storage(format!("cannot connect to PostgreSQL: {e}")))
    }

    fn durability(&self) -> Durability {
        if self.durability.load(Ordering::Relaxed) == durability_code(Durability::Normal) {
            Durability::Normal
        } else {
            Durability::Full
        }
    }

    /// An idle connection of this process, or a new one.
    fn checkout(&self) -> Result<Conn> {
        {
            let mut pool = lock(&self.pool);
            let pid = std::process::id();
            if pool.pid != pid {
                // Inherited through fork(): the parent still uses these sessions.
                for conn in pool.idle.drain(..) {
                    std::mem::forget(conn);
                }
                pool.pid = pid;
            }
            if let Some(conn) = pool.idle.pop() {
                return Ok(conn);
            }
        }
        Ok(Conn {
            client: self.connect()?,
            statements: HashMap::new(),
        })
    }

    fn give_back(&self, conn: Conn) {
        if conn.client.is_closed() {
            return;
        }
        let mut pool = lock(&self.pool);
        if pool.pid == std::process::id() && pool.idle.len() < self.max_idle.load(Ordering::Relaxed)
        {
            pool.idle.push(conn);
        }
    }

    /// Runs `f` in one transaction on a pooled connection, again on a serialization failure
    /// or deadlock, and on a fresh connection when an idle one turns out to be closed.
    fn run(&self, write: bool, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        if super::wait::must_not_wait() {
            // Every transaction is a round trip to the server.
            return Err(super::wait::refuse());
        }
        let mut tries = 0;
        loop {
            tries += 1;
            let mut conn = self.checkout()?;
            let outcome = self.attempt(&mut conn, write, f);
            let closed = conn.client.is_closed();
            self.give_back(conn);
            match outcome {
                Attempt::Done(result) => return result,
                Attempt::Stale(e) if !closed || tries >= MAX_TRIES => return Err(e),
                Attempt::Retry(e) if tries >= MAX_TRIES => return Err(e),
                Attempt::Retry(_) => std::thread::sleep(backoff(tries)),
                Attempt::Stale(_) => {}
            }
        }
    }

    fn attempt(
        &self,
        conn: &mut Conn,
        write: bool,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>,
    ) -> Attempt {
        let Conn { client, statements } = conn;
        let mut builder = client.build_transaction();
        if !write {
            builder = builder
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true);
        }
        let mut tx = match builder.start() {
            Ok(tx) => tx,
            // Nothing was sent but BEGIN: trying again on another connection is safe.
            Err(e) => return Attempt::Stale(e.into()),
        };
        let mut failed = None;
        let mut audit = PendingAudit::default();
        let chain = self.chain();
        // `normal` holds for this transaction only (`SET LOCAL`), so a connection shared
        // through a pooler never carries it to another one; `full` is the server's setting
        // (`synchronous_commit = on` unless the database says otherwise).
        if write && self.durability() == Durability::Normal {
            if let Err(e) = tx.batch_execute("SET LOCAL synchronous_commit TO off") {
                let _ = tx.rollback();
                return Attempt::Done(Err(e.into()));
            }
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            f(&mut PgTx {
                tx: &mut tx,
                statements,
                chain: chain.clone(),
                audit: &mut audit,
                failed: &mut failed,
            })?;
            // Last, so the chain's lock is the last one the transaction takes.
            PgTx {
                tx: &mut tx,
                statements,
                chain: chain.clone(),
                audit: &mut audit,
                failed: &mut failed,
            }
            .flush_audit()
        }))
        .unwrap_or_else(|_| Err(MfaError::internal("unexpected failure in the store")));
        let result = match (result, &failed) {
            // PostgreSQL has aborted the transaction at the failed statement: its COMMIT
            // would roll back in silence, so the operation fails instead.
            (Ok(()), Some(code)) => {
                let _ = tx.rollback();
                Err(MfaError::storage(format!(
                    "a statement failed ({}) and the transaction was rolled back",
                    code.code()
                )))
            }
            (Ok(()), None) => match tx.commit() {
                Ok(()) => Ok(()),
                Err(e) => {
                    failed = e.code().cloned();
                    Err(MfaError::storage(format!(
                        "commit failed: {}",
                        describe(&e)
                    )))
                }
            },
            (Err(e), _) => {
                let _ = tx.rollback();
                Err(e)
            }
        };
        match (result, failed) {
            (Err(e), Some(code))
                if code == SqlState::T_R_SERIALIZATION_FAILURE
                    || code == SqlState::T_R_DEADLOCK_DETECTED =>
            {
                Attempt::Retry(e)
            }
            (result, _) => Attempt::Done(result),
        }
    }
}

/// How one try of a transaction ended.
enum Attempt {
    Done(Result<()>),
    /// A serialization failure or deadlock: rolled back, worth running again.
    Retry(MfaError),
    /// The connection failed before the transaction started.
    Stale(MfaError),
}

/// A jittered, growing pause before the next try: 1–2 ms, then doubling, at most ~128 ms.
fn backoff(tries: u32) -> Duration {
    let base = 1u64 << tries.min(7);
    let jitter = crate::crypto::random_bytes(2)
        .map(|b| u64::from(u16::from_le_bytes([b[0], b[1]])))
        .unwrap_or(0);
    Duration::from_micros(base * 1000 + jitter % (base * 1000))
}

/// A PostgreSQL error with the server's SQLSTATE and message when there is one.
pub(crate) fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

impl PostgresBackend {
    fn chain(&self) -> Option<Arc<AuditChain>> {
        self.chain
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl Drop for PostgresBackend {
    fn drop(&mut self) {
        let pool = self
            .pool
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pool.pid != std::process::id() {
            for conn in pool.idle.drain(..) {
                std::mem::forget(conn);
            }
        }
    }
}

impl Backend for PostgresBackend {
    fn write(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(true, f)
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()> {
        self.run(false, f)
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
        self.max_idle
            .store(storage.max_idle_connections as usize, Ordering::Relaxed);
    }
}
