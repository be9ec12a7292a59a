//! Persistence behind one interface: [`Store::write`] and [`Store::read`] run an operation's
//! work in one transaction on a [`Backend`]. All SQL of the engine lives under this module.
//!
//! Invariants every backend keeps: each operation's reads and writes commit together or not
//! at all (one transaction, one commit); each check-and-update that must happen once (TOTP
//! replay guard, single-use codes, attempt reservations, completing a pending session) runs
//! inside that transaction, so several processes sharing one database can never both win;
//! secrets arrive already sealed and codes and tokens already hashed.

mod audit_chain;
mod counters;
pub(crate) mod hold;
mod migrations;
mod postgresql;
mod rows;
mod sqlite;
mod tx;
pub(crate) mod wait;

pub use audit_chain::{verified_run, AuditChain, AuditCheckpoint, PSEUDONYM_PREFIX};
pub use migrations::{MIGRATIONS, POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION, SCHEMA_VERSION};
pub(crate) use postgresql::describe as describe_postgres_error;
pub use postgresql::{is_postgres_url, migrate_postgres, PostgresBackend};
pub use rows::*;
pub use sqlite::SqliteBackend;
pub use tx::*;

use crate::config::StorageConfig;
use crate::error::{MfaError, Result};

/// Each sealed column: table, key column, sealed column, and the associated data it is bound
/// to (SQL building `<prefix>:<key>…`, as the engine sealed it; the
/// same SQL on every backend).
pub(crate) const SEALED_COLUMNS: &[(&str, &str, &str, &str)] = &[
    ("meta", "key", "value", "'meta:' || key"),
    ("totp_devices", "id", "secret", "'totp:' || id"),
    ("mfa_channels", "id", "destination", "'channel:' || id"),
    (
        "webauthn_credentials",
        "credential_id",
        "credential",
        "'webauthn:' || credential_id",
    ),
    (
        "webauthn_challenges",
        "id",
        "state",
        "'webauthn_challenge:' || id || ':' || user_id || ':' || purpose",
    ),
    ("push_devices", "id", "push_token", "'push_token:' || id"),
];

/// What a commit must survive before the engine answers (`storage.durability`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Flushed to disk before the answer: survives power loss (SQLite `synchronous=FULL`).
    #[default]
    Full,
    /// Survives a crash of the process; an OS crash or power loss can lose the last commits
    /// (SQLite WAL with `synchronous=NORMAL`).
    Normal,
}

/// A database the engine can run transactions on.
pub trait Backend: Send + Sync {
    /// Runs `f` in one write transaction, which may be shared with concurrent writers of
    /// this process (group commit): `f`'s own changes are undone if it fails, and it is
    /// answered only after the commit; inside [`hold::holding`] (on a backend that
    /// [`Backend::holds_commits`]) it is answered before, and the commit is waited for
    /// through the [`hold::Held`].
    fn write(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Whether operations run in [`hold::holding`] share one transaction (SQLite's single
    /// write connection); a backend whose transactions each wait for their own round trip
    /// gains nothing from running them in a row.
    fn holds_commits(&self) -> bool {
        false
    }
    /// Commits what operations run in [`hold::holding`] on this thread left uncommitted
    /// (a backend that never holds a commit has nothing to do).
    fn flush_held(&self) {}
    /// Runs `f` on a consistent snapshot, without taking the write lock.
    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<()>) -> Result<()>;
    /// Applies `storage` settings (durability, idle connections) to what follows.
    fn apply(&self, storage: &StorageConfig);
    /// The keys audit rows are linked with from now on (the engine sets them once it has
    /// opened its hash key, before writing any audit row).
    fn set_audit_chain(&self, chain: std::sync::Arc<AuditChain>);
}

/// The backend `database` names: a `postgres://` (or `postgresql://`) URL, else a SQLite file
/// path (or `:memory:`).
pub fn open_backend(database: &str, storage: &StorageConfig) -> Result<Box<dyn Backend>> {
    let backend: Box<dyn Backend> = if is_postgres_url(database) {
        Box::new(PostgresBackend::open(database, storage)?)
    } else {
        Box::new(SqliteBackend::open(database, storage)?)
    };
    backend.apply(storage);
    Ok(backend)
}

/// The engine's store: a backend and typed access to its transactions.
pub struct Store {
    backend: Box<dyn Backend>,
}

impl Store {
    /// A store on `backend`.
    pub fn new(backend: Box<dyn Backend>) -> Self {
        Self { backend }
    }

    /// Runs `f` in one write transaction and returns its result. `f` may run again if the
    /// backend retries the transaction (PostgreSQL serialization failures), so it must not
    /// have effects outside the transaction.
    pub fn write<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.backend.write(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| MfaError::internal("the transaction returned nothing"))
    }

    /// Whether operations run in [`hold::holding`] share one transaction (see
    /// [`Backend::holds_commits`]).
    pub(crate) fn holds_commits(&self) -> bool {
        self.backend.holds_commits()
    }

    /// Commits what operations run in [`hold::holding`] on this thread left uncommitted.
    pub(crate) fn flush_held(&self) {
        self.backend.flush_held();
    }

    /// [`Store::write`] for a write whose failure the operation ignores (recording a
    /// session's use): inside [`hold::holding`] the operation does not wait for its commit.
    pub(crate) fn write_best_effort<T>(
        &self,
        f: impl FnMut(&mut dyn Tx) -> Result<T>,
    ) -> Result<T> {
        hold::best_effort(|| self.write(f))
    }

    /// Runs `f` on a read snapshot and returns its result.
    pub fn read<T>(&self, mut f: impl FnMut(&mut dyn Tx) -> Result<T>) -> Result<T> {
        let mut out = None;
        self.backend.read(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })?;
        out.ok_or_else(|| MfaError::internal("the transaction returned nothing"))
    }

    /// Applies `storage` settings to what follows.
    pub fn apply(&self, storage: &StorageConfig) {
        self.backend.apply(storage);
    }

    /// Links audit rows with `chain` from now on.
    pub fn set_audit_chain(&self, chain: std::sync::Arc<AuditChain>) {
        self.backend.set_audit_chain(chain);
    }
}
