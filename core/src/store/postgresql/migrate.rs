//! Numbered schema migrations for PostgreSQL, applied in one transaction that holds the row
//! of `plinto_schema`: servers starting at once take turns, and the ones after the first find
//! the schema current. A database from a newer version is refused.

use super::describe;
use crate::error::{MfaError, Result};
use crate::store::migrations::{POSTGRES_MIGRATIONS, POSTGRES_SCHEMA_VERSION};
use postgres::error::SqlState;
use postgres::Client;

fn too_new(found: i64) -> MfaError {
    MfaError::DatabaseTooNew {
        found,
        supported: POSTGRES_SCHEMA_VERSION,
    }
}

fn failed(e: &postgres::Error) -> MfaError {
    MfaError::storage(format!("migration failed: {}", describe(e)))
}

/// The recorded schema version, `None` on a database never migrated.
fn recorded(client: &mut Client) -> Result<Option<i64>> {
    match client.query_opt("SELECT version FROM plinto_schema WHERE id = 1", &[]) {
        Ok(row) => Ok(row.map(|r| r.get(0))),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(None),
        Err(e) => Err(failed(&e)),
    }
}

/// Brings the schema up to date; writes nothing when it is current.
pub(super) fn migrate(client: &mut Client) -> Result<()> {
    match recorded(client)? {
        Some(v) if v == POSTGRES_SCHEMA_VERSION => return Ok(()),
        Some(v) if v > POSTGRES_SCHEMA_VERSION => return Err(too_new(v)),
        _ => {}
    }
    // Two servers creating the table at once: the one that loses the race sees a duplicate
    // table, type or catalog key (the winner has committed: the table exists) and goes on.
    let create = "CREATE TABLE IF NOT EXISTS plinto_schema (
                      id      INTEGER PRIMARY KEY CHECK (id = 1),
                      version BIGINT NOT NULL)";
    match client.batch_execute(create) {
        Ok(()) => {}
        Err(e)
            if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                || e.code() == Some(&SqlState::DUPLICATE_TABLE)
                || e.code() == Some(&SqlState::DUPLICATE_OBJECT) => {}
        Err(e) => return Err(failed(&e)),
    }
    let mut tx = client.transaction().map_err(|e| failed(&e))?;
    tx.execute(
        "INSERT INTO plinto_schema (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        &[],
    )
    .map_err(|e| failed(&e))?;
    let version: i64 = tx
        .query_one(
            "SELECT version FROM plinto_schema WHERE id = 1 FOR UPDATE",
            &[],
        )
        .map_err(|e| failed(&e))?
        .get(0);
    if version > POSTGRES_SCHEMA_VERSION {
        return Err(too_new(version));
    }
    let start = usize::try_from(version).map_err(|_| MfaError::storage("negative version"))?;
    for (_, sql) in POSTGRES_MIGRATIONS.iter().skip(start) {
        tx.batch_execute(sql).map_err(|e| failed(&e))?;
    }
    tx.execute(
        "UPDATE plinto_schema SET version = $1 WHERE id = 1",
        &[&POSTGRES_SCHEMA_VERSION],
    )
    .map_err(|e| failed(&e))?;
    tx.commit().map_err(|e| failed(&e))
}

/// Refuses a schema that is not current, writing nothing (`storage.migrate: false`).
pub(super) fn require_current(client: &mut Client) -> Result<()> {
    match recorded(client)? {
        Some(v) if v == POSTGRES_SCHEMA_VERSION => Ok(()),
        Some(v) if v > POSTGRES_SCHEMA_VERSION => Err(too_new(v)),
        found => Err(MfaError::storage(format!(
            "the database schema is at version {} and this build needs {POSTGRES_SCHEMA_VERSION}: \
             run the migration first (storage.migrate, or migrate_postgres)",
            found.unwrap_or(0)
        ))),
    }
}

/// Connects to `url`, brings its schema up to date and closes the connection: the step a
/// deployment runs once before it starts servers with `storage.migrate: false`.
pub fn migrate_postgres(url: &str) -> Result<()> {
    let (config, tls) = super::tls::parse(url)?;
    let mut client = tls
        .connect(&config)
        .map_err(|e| MfaError::storage(format!("cannot connect to PostgreSQL: {e}")))?;
    migrate(&mut client)
}
