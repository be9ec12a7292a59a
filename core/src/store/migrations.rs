//! Numbered schema migrations, applied in order inside one transaction on open.
//! `PRAGMA user_version` records the newest applied on SQLite, the `plinto_schema` row on
//! PostgreSQL; a newer database is refused.

/// Migrations in order; entry `i` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[(&str, &str)] = &[
    ("001_init", include_str!("../../migrations/001_init.sql")),
    (
        "002_attempts_audit",
        include_str!("../../migrations/002_attempts_audit.sql"),
    ),
    (
        "003_channels",
        include_str!("../../migrations/003_channels.sql"),
    ),
    (
        "004_webauthn",
        include_str!("../../migrations/004_webauthn.sql"),
    ),
    (
        "005_account_security",
        include_str!("../../migrations/005_account_security.sql"),
    ),
    (
        "006_audit_pages",
        include_str!("../../migrations/006_audit_pages.sql"),
    ),
    (
        "007_rollout",
        include_str!("../../migrations/007_rollout.sql"),
    ),
    (
        "008_audit_chain",
        include_str!("../../migrations/008_audit_chain.sql"),
    ),
    ("009_push", include_str!("../../migrations/009_push.sql")),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// PostgreSQL's migrations in order (the first creates the schema SQLite's first six build).
pub const POSTGRES_MIGRATIONS: &[(&str, &str)] = &[
    (
        "001_init",
        include_str!("../../migrations/postgres/001_init.sql"),
    ),
    (
        "002_rollout",
        include_str!("../../migrations/postgres/002_rollout.sql"),
    ),
    (
        "003_audit_chain",
        include_str!("../../migrations/postgres/003_audit_chain.sql"),
    ),
    (
        "004_push",
        include_str!("../../migrations/postgres/004_push.sql"),
    ),
];

/// The PostgreSQL schema version this build writes.
pub const POSTGRES_SCHEMA_VERSION: i64 = POSTGRES_MIGRATIONS.len() as i64;
