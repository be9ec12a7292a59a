//! The embedded SQLite backend: WAL, busy timeout, foreign keys, migrations on open, and a
//! small per-process pool of connections (connections inherited through `fork()` are
//! abandoned, never used or closed, and the child opens its own).

use super::migrations::{MIGRATIONS, SCHEMA_VERSION};
use super::{
    AttemptPolicy, AuditRow, BackupUse, ChannelRow, FactorSummary, MfaSuccess, NewSession,
    OtpCodeRow, OtpUse, Reservation, Scope, SendLimit, SessionRow, Store, TotpDeviceRow, UserRow,
    UserStamp, WebauthnChallengeRow, WebauthnCredentialRow,
};
use crate::crypto::Sealed;
use crate::error::{MfaError, Result};
use crate::totp::{TotpAlgorithm, TotpParams};
use rusqlite::{
    params, Connection, ErrorCode, OpenFlags, OptionalExtension, Row, TransactionBehavior,
};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_IDLE: usize = 8;
/// Prepared statements kept per connection (the store has about 60 distinct ones).
const STATEMENT_CACHE: usize = 96;

enum Pool {
    File {
        path: String,
        idle: Mutex<(u32, Vec<Connection>)>,
    },
    Memory(Mutex<Connection>),
}

/// SQLite implementation of [`Store`].
pub struct SqliteStore {
    pool: Pool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Statements through each connection's cache of prepared statements: every query here is a
/// fixed string, so after the first use it runs without being parsed and planned again.
trait Cached {
    /// `Connection::execute` with a cached statement.
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `Connection::query_row` with a cached statement.
    fn row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

fn storage(e: rusqlite::Error) -> MfaError {
    MfaError::storage(e.to_string())
}

fn configure(conn: &Connection, file: bool) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)?;
    if file {
        conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(MfaError::DatabaseTooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let start = usize::try_from(version).map_err(|_| MfaError::storage("negative user_version"))?;
    for (_, sql) in MIGRATIONS.iter().skip(start) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, or a private in-memory one for
    /// `:memory:`, and brings its schema up to date.
    pub fn open(path: &str) -> Result<Self> {
        if path.is_empty() || path.contains('\0') {
            return Err(MfaError::invalid(
                "database",
                "must be a file path or :memory:",
            ));
        }
        if path == ":memory:" {
            let mut conn = Connection::open_in_memory()?;
            configure(&conn, false)?;
            migrate(&mut conn)?;
            return Ok(Self {
                pool: Pool::Memory(Mutex::new(conn)),
            });
        }
        let mut conn = Self::connect(path)?;
        migrate(&mut conn)?;
        Ok(Self {
            pool: Pool::File {
                path: path.to_string(),
                idle: Mutex::new((std::process::id(), vec![conn])),
            },
        })
    }

    fn connect(path: &str) -> Result<Connection> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)
            .map_err(|e| MfaError::storage(format!("cannot open database: {e}")))?;
        configure(&conn, true)?;
        Ok(conn)
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        match &self.pool {
            Pool::Memory(conn) => f(&mut lock(conn)),
            Pool::File { path, idle } => {
                let taken = {
                    let mut guard = lock(idle);
                    let pid = std::process::id();
                    if guard.0 != pid {
                        // Inherited from the parent through fork(): never touch them.
                        for c in guard.1.drain(..) {
                            std::mem::forget(c);
                        }
                        guard.0 = pid;
                    }
                    guard.1.pop()
                };
                let mut conn = match taken {
                    Some(c) => c,
                    None => Self::connect(path)?,
                };
                let out = f(&mut conn);
                let mut guard = lock(idle);
                if guard.0 == std::process::id() && guard.1.len() < MAX_IDLE {
                    guard.1.push(conn);
                }
                out
            }
        }
    }
}

fn user_from(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        email: r.get(1)?,
        password_hash: r.get(2)?,
        role: r.get(3)?,
        created_at: r.get(4)?,
        mfa_setup_at: r.get(5)?,
        mfa_last_used_at: r.get(6)?,
        password_verified_at: r.get(7)?,
    })
}

const USER_COLS: &str = "id, email, password_hash, role, created_at, mfa_setup_at, mfa_last_used_at, password_verified_at";

fn session_from(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        created_at: r.get(2)?,
        expires_at: r.get(3)?,
        pending: r.get(4)?,
        mfa_verified_at: r.get(5)?,
        mfa_method: r.get(6)?,
    })
}

fn device_from(r: &Row<'_>) -> rusqlite::Result<(TotpDeviceRow, String)> {
    let digits: i64 = r.get(6)?;
    let period: i64 = r.get(7)?;
    Ok((
        TotpDeviceRow {
            id: r.get(0)?,
            user_id: r.get(1)?,
            name: r.get(2)?,
            secret: Sealed {
                data: r.get(3)?,
                key_id: r.get(4)?,
            },
            params: TotpParams {
                algorithm: TotpAlgorithm::Sha1,
                digits: u8::try_from(digits).unwrap_or(0),
                period: u32::try_from(period).unwrap_or(0),
            },
            created_at: r.get(8)?,
            confirmed_at: r.get(9)?,
            last_used_at: r.get(10)?,
        },
        r.get(5)?,
    ))
}

fn insert_audit_tx(conn: &Connection, a: &AuditRow) -> Result<()> {
    conn.exec(
        "INSERT INTO audit_events (user_id, action, method, success, ip, user_agent, detail, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![a.user_id, a.action, a.method, a.success, a.ip, a.user_agent, a.detail, a.created_at],
    )?;
    Ok(())
}

fn insert_session_tx(conn: &Connection, s: &NewSession) -> Result<()> {
    conn.exec(
        "INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, pending, mfa_verified_at, mfa_method, ip, user_agent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            s.row.id,
            s.token_hash,
            s.row.user_id,
            s.row.created_at,
            s.row.expires_at,
            s.row.pending,
            s.row.mfa_verified_at,
            s.row.mfa_method,
            s.ip,
            s.user_agent
        ],
    )?;
    Ok(())
}

impl Store for SqliteStore {
    fn meta_get_or_init(&self, key: &str, init: &Sealed) -> Result<Sealed> {
        self.with(|c| {
            c.exec(
                "INSERT OR IGNORE INTO meta (key, value, key_id) VALUES (?1, ?2, ?3)",
                params![key, init.data, init.key_id],
            )?;
            Ok(c.row(
                "SELECT value, key_id FROM meta WHERE key = ?1",
                [key],
                |r| {
                    Ok(Sealed {
                        data: r.get(0)?,
                        key_id: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    })
                },
            )?)
        })
    }

    fn insert_user(&self, u: &UserRow) -> Result<()> {
        self.with(|c| {
            c.exec(
                "INSERT INTO users (id, email, password_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![u.id, u.email, u.password_hash, u.role, u.created_at],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => MfaError::AlreadyExists { what: "A user with this email".into() },
                _ => storage(e),
            })?;
            Ok(())
        })
    }

    fn user_by_email(&self, email: &str) -> Result<Option<UserRow>> {
        self.with(|c| {
            Ok(c.row(
                &format!("SELECT {USER_COLS} FROM users WHERE email = ?1"),
                [email],
                user_from,
            )
            .optional()?)
        })
    }

    fn user_by_id(&self, id: &str) -> Result<Option<UserRow>> {
        self.with(|c| {
            Ok(c.row(
                &format!("SELECT {USER_COLS} FROM users WHERE id = ?1"),
                [id],
                user_from,
            )
            .optional()?)
        })
    }

    fn delete_user(&self, id: &str) -> Result<bool> {
        // Foreign keys cascade to sessions, devices, codes, counters and audit rows.
        self.with(|c| Ok(c.exec("DELETE FROM users WHERE id = ?1", [id])? == 1))
    }

    fn stamp_user(&self, id: &str, stamp: UserStamp, at: i64) -> Result<()> {
        let sql = match stamp {
            UserStamp::MfaSetup => {
                "UPDATE users SET mfa_setup_at = COALESCE(mfa_setup_at, ?2) WHERE id = ?1"
            }
            UserStamp::MfaUsed => "UPDATE users SET mfa_last_used_at = ?2 WHERE id = ?1",
            UserStamp::PasswordVerified => {
                "UPDATE users SET password_verified_at = ?2 WHERE id = ?1"
            }
        };
        self.with(|c| {
            c.exec(sql, params![id, at])?;
            Ok(())
        })
    }

    fn clear_mfa(&self, user_id: &str) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.exec("DELETE FROM totp_devices WHERE user_id = ?1", [user_id])?;
            tx.exec("DELETE FROM backup_codes WHERE user_id = ?1", [user_id])?;
            tx.exec("DELETE FROM mfa_channels WHERE user_id = ?1", [user_id])?;
            tx.exec("DELETE FROM otp_codes WHERE user_id = ?1", [user_id])?;
            tx.exec("DELETE FROM webauthn_credentials WHERE user_id = ?1", [user_id])?;
            tx.exec("DELETE FROM webauthn_challenges WHERE user_id = ?1", [user_id])?;
            tx.exec(
                "UPDATE users SET mfa_setup_at = NULL, mfa_last_used_at = NULL, backup_codes_generated_at = NULL WHERE id = ?1",
                [user_id],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn replace_pending_totp(&self, d: &TotpDeviceRow) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.exec(
                "DELETE FROM totp_devices WHERE user_id = ?1 AND confirmed_at IS NULL",
                [&d.user_id],
            )?;
            tx.exec(
                "INSERT INTO totp_devices (id, user_id, name, secret, key_id, algorithm, digits, period, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    d.id,
                    d.user_id,
                    d.name,
                    d.secret.data,
                    d.secret.key_id,
                    d.params.algorithm.as_str(),
                    d.params.digits,
                    d.params.period,
                    d.created_at
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn totp_devices(&self, user_id: &str) -> Result<Vec<TotpDeviceRow>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, user_id, name, secret, key_id, algorithm, digits, period, created_at, confirmed_at, last_used_at
                 FROM totp_devices WHERE user_id = ?1 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([user_id], device_from)?;
            let mut out = Vec::new();
            for row in rows {
                let (mut dev, alg) = row?;
                dev.params.algorithm = TotpAlgorithm::parse(&alg, "algorithm")
                    .map_err(|_| MfaError::storage("stored TOTP algorithm is invalid"))?;
                out.push(dev);
            }
            Ok(out)
        })
    }

    fn confirm_totp_device(&self, device_id: &str, at: i64) -> Result<bool> {
        self.with(|c| {
            Ok(c.exec(
                "UPDATE totp_devices SET confirmed_at = ?2, last_used_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL",
                params![device_id, at],
            )? == 1)
        })
    }

    fn touch_totp_device(&self, device_id: &str, at: i64) -> Result<()> {
        self.with(|c| {
            c.exec(
                "UPDATE totp_devices SET last_used_at = ?2 WHERE id = ?1",
                params![device_id, at],
            )?;
            Ok(())
        })
    }

    fn accept_totp_step(&self, user_id: &str, step: i64) -> Result<bool> {
        self.with(|c| {
            Ok(c.exec(
                "UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
                params![user_id, step],
            )? == 1)
        })
    }

    fn replace_backup_codes(&self, user_id: &str, hashes: &[Vec<u8>], at: i64) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.exec("DELETE FROM backup_codes WHERE user_id = ?1", [user_id])?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO backup_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
                )?;
                for h in hashes {
                    stmt.execute(params![user_id, h, at])?;
                }
            }
            tx.exec(
                "UPDATE users SET backup_codes_generated_at = ?2 WHERE id = ?1",
                params![user_id, at],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn consume_backup_code(&self, user_id: &str, hash: &[u8], at: i64) -> Result<BackupUse> {
        self.with(|c| {
            let n = c.exec(
                "UPDATE backup_codes SET used_at = ?3 WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
                params![user_id, hash, at],
            )?;
            if n == 1 {
                return Ok(BackupUse::Consumed);
            }
            let exists: bool = c.row(
                "SELECT EXISTS (SELECT 1 FROM backup_codes WHERE user_id = ?1 AND code_hash = ?2)",
                params![user_id, hash],
                |r| r.get(0),
            )?;
            Ok(if exists { BackupUse::AlreadyUsed } else { BackupUse::Unknown })
        })
    }

    fn backup_codes_remaining(&self, user_id: &str) -> Result<u32> {
        self.with(|c| {
            let n: i64 = c.row(
                "SELECT COUNT(*) FROM backup_codes WHERE user_id = ?1 AND used_at IS NULL",
                [user_id],
                |r| r.get(0),
            )?;
            Ok(u32::try_from(n).unwrap_or(u32::MAX))
        })
    }

    fn factor_summary(&self, user_id: &str) -> Result<FactorSummary> {
        self.with(|c| {
            Ok(c.row(
                "SELECT
                   EXISTS(SELECT 1 FROM totp_devices WHERE user_id = ?1 AND confirmed_at IS NOT NULL),
                   EXISTS(SELECT 1 FROM webauthn_credentials WHERE user_id = ?1),
                   EXISTS(SELECT 1 FROM mfa_channels
                          WHERE user_id = ?1 AND channel = 'sms' AND confirmed_at IS NOT NULL),
                   EXISTS(SELECT 1 FROM mfa_channels
                          WHERE user_id = ?1 AND channel = 'email' AND confirmed_at IS NOT NULL),
                   (SELECT COUNT(*) FROM backup_codes WHERE user_id = ?1 AND used_at IS NULL)",
                [user_id],
                |r| {
                    Ok(FactorSummary {
                        totp: r.get(0)?,
                        webauthn: r.get(1)?,
                        sms: r.get(2)?,
                        email: r.get(3)?,
                        backup_codes: r.get(4)?,
                    })
                },
            )?)
        })
    }

    fn insert_session(&self, s: &NewSession) -> Result<()> {
        self.with(|c| insert_session_tx(c, s))
    }

    fn session_by_token(&self, token_hash: &[u8], now: i64) -> Result<Option<SessionRow>> {
        self.with(|c| {
            Ok(c.row(
                "SELECT id, user_id, created_at, expires_at, pending, mfa_verified_at, mfa_method
                 FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                params![token_hash, now],
                session_from,
            )
            .optional()?)
        })
    }

    fn complete_pending_session(
        &self,
        pending_hash: &[u8],
        now: i64,
        next: &NewSession,
    ) -> Result<bool> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.exec(
                "DELETE FROM sessions WHERE token_hash = ?1 AND pending = 1 AND expires_at > ?2",
                params![pending_hash, now],
            )?;
            if n != 1 {
                return Ok(false);
            }
            insert_session_tx(&tx, next)?;
            tx.commit()?;
            Ok(true)
        })
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<bool> {
        self.with(|c| Ok(c.exec("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])? == 1))
    }

    fn purge_expired_sessions(&self, now: i64) -> Result<usize> {
        self.with(|c| Ok(c.exec("DELETE FROM sessions WHERE expires_at <= ?1", [now])?))
    }

    fn reserve_attempt(
        &self,
        scopes: &[Scope],
        now: i64,
        policy: AttemptPolicy,
    ) -> Result<Reservation> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut next = Vec::with_capacity(scopes.len());
            for s in scopes {
                let row: Option<(i64, i64, i64)> = tx
                    .row(
                        "SELECT failures, window_start, locked_until FROM attempts WHERE scope = ?1",
                        [&s.key],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                let (failures, start, locked_until) = row.unwrap_or((0, now, 0));
                if locked_until > now {
                    return Ok(Reservation::Locked { until: locked_until });
                }
                let (failures, start) = if start + policy.window_secs <= now || locked_until > 0 {
                    (0, now)
                } else {
                    (failures, start)
                };
                if failures >= i64::from(policy.max_attempts) {
                    return Ok(Reservation::Locked {
                        until: start + policy.window_secs,
                    });
                }
                next.push((s, failures + 1, start));
            }
            let mut used = 0;
            for (s, failures, start) in next {
                tx.exec(
                    "INSERT INTO attempts (scope, user_id, failures, window_start, locked_until) VALUES (?1, ?2, ?3, ?4, 0)
                     ON CONFLICT(scope) DO UPDATE SET failures = ?3, window_start = ?4, locked_until = 0",
                    params![s.key, s.user_id, failures, start],
                )?;
                used = used.max(failures);
            }
            tx.commit()?;
            Ok(Reservation::Granted {
                used: u32::try_from(used).unwrap_or(u32::MAX),
            })
        })
    }

    fn lock_scopes(&self, scopes: &[Scope], until: i64) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for s in scopes {
                tx.exec(
                    "UPDATE attempts SET locked_until = MAX(locked_until, ?2) WHERE scope = ?1",
                    params![s.key, until],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn reset_scopes(&self, scopes: &[Scope]) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for s in scopes {
                tx.exec(
                    "DELETE FROM attempts WHERE scope = ?1 AND locked_until = 0",
                    [&s.key],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn record_mfa_success(&self, m: &MfaSuccess<'_>) -> Result<()> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for s in m.scopes {
                tx.exec(
                    "DELETE FROM attempts WHERE scope = ?1 AND locked_until = 0",
                    [&s.key],
                )?;
            }
            tx.exec(
                "UPDATE users SET mfa_last_used_at = ?2 WHERE id = ?1",
                params![m.user_id, m.at],
            )?;
            if let Some((session_id, method)) = m.step_up {
                tx.exec(
                    "UPDATE sessions SET mfa_verified_at = ?2, mfa_method = ?3 WHERE id = ?1",
                    params![session_id, m.at, method],
                )?;
            }
            insert_audit_tx(&tx, m.audit)?;
            tx.commit()?;
            Ok(())
        })
    }

    fn insert_audit(&self, a: &AuditRow) -> Result<()> {
        self.with(|c| insert_audit_tx(c, a))
    }

    fn list_audit(&self, user_id: &str, since: i64, limit: u32) -> Result<Vec<AuditRow>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, user_id, action, method, success, ip, user_agent, detail, created_at
                 FROM audit_events WHERE user_id = ?1 AND created_at >= ?2 ORDER BY id DESC LIMIT ?3",
            )?;
            let rows = stmt.query_map(params![user_id, since, limit], |r| {
                Ok(AuditRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    action: r.get(2)?,
                    method: r.get(3)?,
                    success: r.get(4)?,
                    ip: r.get(5)?,
                    user_agent: r.get(6)?,
                    detail: r.get(7)?,
                    created_at: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn reseal_all(&self, reseal: &mut dyn FnMut(&str, &Sealed) -> Result<Sealed>) -> Result<usize> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut count = 0;
            let metas: Vec<(String, Vec<u8>, Option<String>)> = {
                let mut stmt =
                    tx.prepare("SELECT key, value, key_id FROM meta WHERE key_id IS NOT NULL")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (key, data, key_id) in metas {
                let old = Sealed {
                    data,
                    key_id: key_id.unwrap_or_default(),
                };
                let new = reseal(&format!("meta:{key}"), &old)?;
                tx.exec(
                    "UPDATE meta SET value = ?2, key_id = ?3 WHERE key = ?1",
                    params![key, new.data, new.key_id],
                )?;
                count += 1;
            }
            let devices: Vec<(String, Vec<u8>, String)> = {
                let mut stmt = tx.prepare("SELECT id, secret, key_id FROM totp_devices")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (id, data, key_id) in devices {
                let new = reseal(&format!("totp:{id}"), &Sealed { data, key_id })?;
                tx.exec(
                    "UPDATE totp_devices SET secret = ?2, key_id = ?3 WHERE id = ?1",
                    params![id, new.data, new.key_id],
                )?;
                count += 1;
            }
            let channels: Vec<(String, Vec<u8>, String)> = {
                let mut stmt = tx.prepare("SELECT id, destination, key_id FROM mfa_channels")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.collect::<rusqlite::Result<_>>()?
            };
            for (id, data, key_id) in channels {
                let new = reseal(&format!("channel:{id}"), &Sealed { data, key_id })?;
                tx.exec(
                    "UPDATE mfa_channels SET destination = ?2, key_id = ?3 WHERE id = ?1",
                    params![id, new.data, new.key_id],
                )?;
                count += 1;
            }
            for (table, key, col, prefix) in [
                (
                    "webauthn_credentials",
                    "credential_id",
                    "credential",
                    "webauthn",
                ),
                ("webauthn_challenges", "id", "state", "webauthn_challenge"),
            ] {
                let rows: Vec<(String, Vec<u8>, String, String)> = {
                    let extra = if table == "webauthn_challenges" {
                        "':' || user_id || ':' || purpose"
                    } else {
                        "''"
                    };
                    let mut stmt = tx.prepare(&format!(
                        "SELECT {key}, {col}, key_id, {extra} FROM {table}"
                    ))?;
                    let rows =
                        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
                    rows.collect::<rusqlite::Result<_>>()?
                };
                for (id, data, key_id, suffix) in rows {
                    let new = reseal(&format!("{prefix}:{id}{suffix}"), &Sealed { data, key_id })?;
                    tx.exec(
                        &format!("UPDATE {table} SET {col} = ?2, key_id = ?3 WHERE {key} = ?1"),
                        params![id, new.data, new.key_id],
                    )?;
                    count += 1;
                }
            }
            tx.commit()?;
            Ok(count)
        })
    }

    fn put_webauthn_challenge(&self, w: &WebauthnChallengeRow, now: i64) -> Result<()> {
        self.with(|c| {
            c.exec("DELETE FROM webauthn_challenges WHERE expires_at <= ?1", [now])?;
            c.exec(
                "INSERT INTO webauthn_challenges (id, user_id, purpose, session_hash, state, key_id, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![w.id, w.user_id, w.purpose, w.session_hash, w.state.data, w.state.key_id, w.expires_at],
            )?;
            Ok(())
        })
    }

    fn take_webauthn_challenge(
        &self,
        id: &str,
        purpose_prefix: &str,
    ) -> Result<Option<WebauthnChallengeRow>> {
        self.with(|c| {
            Ok(c.row(
                "DELETE FROM webauthn_challenges WHERE id = ?1 AND substr(purpose, 1, length(?2)) = ?2
                 RETURNING id, user_id, purpose, session_hash, state, key_id, expires_at",
                params![id, purpose_prefix],
                |r| {
                    Ok(WebauthnChallengeRow {
                        id: r.get(0)?,
                        user_id: r.get(1)?,
                        purpose: r.get(2)?,
                        session_hash: r.get(3)?,
                        state: Sealed { data: r.get(4)?, key_id: r.get(5)? },
                        expires_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
        })
    }

    fn insert_webauthn_credential(&self, w: &WebauthnCredentialRow) -> Result<()> {
        self.with(|c| {
            c.exec(
                "INSERT INTO webauthn_credentials (credential_id, user_id, name, kind, credential, key_id, sign_count, transports, aaguid, created_at, last_used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    w.credential_id,
                    w.user_id,
                    w.name,
                    w.kind,
                    w.credential.data,
                    w.credential.key_id,
                    w.sign_count,
                    w.transports,
                    w.aaguid,
                    w.created_at,
                    w.last_used_at
                ],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => {
                    MfaError::AlreadyExists { what: "This security key or passkey".into() }
                }
                _ => storage(e),
            })?;
            Ok(())
        })
    }

    fn webauthn_credentials(&self, user_id: &str) -> Result<Vec<WebauthnCredentialRow>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT credential_id, user_id, name, kind, credential, key_id, sign_count, transports, aaguid, created_at, last_used_at
                 FROM webauthn_credentials WHERE user_id = ?1 ORDER BY created_at, credential_id",
            )?;
            let rows = stmt.query_map([user_id], |r| {
                Ok(WebauthnCredentialRow {
                    credential_id: r.get(0)?,
                    user_id: r.get(1)?,
                    name: r.get(2)?,
                    kind: r.get(3)?,
                    credential: Sealed { data: r.get(4)?, key_id: r.get(5)? },
                    sign_count: r.get(6)?,
                    transports: r.get(7)?,
                    aaguid: r.get(8)?,
                    created_at: r.get(9)?,
                    last_used_at: r.get(10)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn record_webauthn_use(
        &self,
        credential_id: &str,
        credential: &Sealed,
        sign_count: u32,
        at: i64,
    ) -> Result<bool> {
        self.with(|c| {
            Ok(c.exec(
                "UPDATE webauthn_credentials SET credential = ?2, key_id = ?3, sign_count = ?4, last_used_at = ?5
                 WHERE credential_id = ?1 AND (?4 = 0 OR sign_count < ?4)",
                params![credential_id, credential.data, credential.key_id, sign_count, at],
            )? == 1)
        })
    }

    fn rename_webauthn_credential(
        &self,
        user_id: &str,
        credential_id: &str,
        name: &str,
    ) -> Result<bool> {
        self.with(|c| {
            Ok(c.exec(
                "UPDATE webauthn_credentials SET name = ?3 WHERE user_id = ?1 AND credential_id = ?2",
                params![user_id, credential_id, name],
            )? == 1)
        })
    }

    fn delete_webauthn_credential(&self, user_id: &str, credential_id: &str) -> Result<bool> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let n = tx.exec(
                "DELETE FROM webauthn_credentials
                 WHERE user_id = ?1 AND credential_id = ?2
                   AND (EXISTS(SELECT 1 FROM webauthn_credentials
                               WHERE user_id = ?1 AND credential_id <> ?2)
                        OR EXISTS(SELECT 1 FROM totp_devices
                                  WHERE user_id = ?1 AND confirmed_at IS NOT NULL)
                        OR EXISTS(SELECT 1 FROM mfa_channels
                                  WHERE user_id = ?1 AND confirmed_at IS NOT NULL))",
                params![user_id, credential_id],
            )?;
            tx.commit()?;
            Ok(n == 1)
        })
    }

    fn replace_channel(&self, c: &ChannelRow) -> Result<()> {
        self.with(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.exec(
                "DELETE FROM mfa_channels WHERE user_id = ?1 AND channel = ?2",
                params![c.user_id, c.channel],
            )?;
            tx.exec(
                "INSERT INTO mfa_channels (id, user_id, channel, destination, key_id, masked, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![c.id, c.user_id, c.channel, c.destination.data, c.destination.key_id, c.masked, c.created_at],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn channels(&self, user_id: &str) -> Result<Vec<ChannelRow>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, user_id, channel, destination, key_id, masked, created_at, confirmed_at, last_used_at
                 FROM mfa_channels WHERE user_id = ?1 ORDER BY channel",
            )?;
            let rows = stmt.query_map([user_id], |r| {
                Ok(ChannelRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    channel: r.get(2)?,
                    destination: Sealed { data: r.get(3)?, key_id: r.get(4)? },
                    masked: r.get(5)?,
                    created_at: r.get(6)?,
                    confirmed_at: r.get(7)?,
                    last_used_at: r.get(8)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn confirm_channel(&self, channel_id: &str, at: i64) -> Result<bool> {
        self.with(|c| {
            Ok(c.exec(
                "UPDATE mfa_channels SET confirmed_at = ?2, last_used_at = ?2 WHERE id = ?1 AND confirmed_at IS NULL",
                params![channel_id, at],
            )? == 1)
        })
    }

    fn touch_channel(&self, channel_id: &str, at: i64) -> Result<()> {
        self.with(|c| {
            c.exec(
                "UPDATE mfa_channels SET last_used_at = ?2 WHERE id = ?1",
                params![channel_id, at],
            )?;
            Ok(())
        })
    }

    fn reserve_send(&self, user_id: &str, limits: &[SendLimit], now: i64) -> Result<Option<i64>> {
        self.with(|c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut retry_at: Option<i64> = None;
            for l in limits {
                let since = now - l.window_secs;
                let (count, oldest): (i64, Option<i64>) = tx.row(
                    "SELECT COUNT(*), MIN(sent_at) FROM code_sends WHERE key = ?1 AND sent_at > ?2",
                    params![l.key, since],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if count >= i64::from(l.max) {
                    let free_at = oldest.unwrap_or(now) + l.window_secs;
                    retry_at = Some(retry_at.map_or(free_at, |r| r.max(free_at)));
                }
            }
            if retry_at.is_some() {
                return Ok(retry_at);
            }
            for l in limits {
                tx.exec(
                    "INSERT INTO code_sends (key, user_id, sent_at) VALUES (?1, ?2, ?3)",
                    params![l.key, user_id, now],
                )?;
            }
            // Forget sends older than a day (the longest window).
            tx.exec("DELETE FROM code_sends WHERE sent_at <= ?1", [now - 86_400])?;
            tx.commit()?;
            Ok(None)
        })
    }

    fn put_otp_code(&self, r: &OtpCodeRow) -> Result<()> {
        self.with(|c| {
            c.exec(
                "INSERT OR REPLACE INTO otp_codes (user_id, channel, code_hash, delivery_id, created_at, expires_at, used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL)",
                params![r.user_id, r.channel, r.code_hash, r.delivery_id, r.created_at, r.expires_at],
            )?;
            Ok(())
        })
    }

    fn consume_otp_code(
        &self,
        user_id: &str,
        channel: &str,
        code_hash: &[u8],
        now: i64,
    ) -> Result<OtpUse> {
        self.with(|c| {
            let n = c.exec(
                "UPDATE otp_codes SET used_at = ?4
                 WHERE user_id = ?1 AND channel = ?2 AND code_hash = ?3 AND used_at IS NULL AND expires_at > ?4",
                params![user_id, channel, code_hash, now],
            )?;
            if n == 1 {
                return Ok(OtpUse::Consumed);
            }
            let expired: bool = c.row(
                "SELECT EXISTS (SELECT 1 FROM otp_codes WHERE user_id = ?1 AND channel = ?2 AND code_hash = ?3
                                AND used_at IS NULL AND expires_at <= ?4)",
                params![user_id, channel, code_hash, now],
                |r| r.get(0),
            )?;
            Ok(if expired { OtpUse::Expired } else { OtpUse::Invalid })
        })
    }

    fn void_delivery(&self, delivery_id: &str) -> Result<Option<(String, String)>> {
        self.with(|c| {
            Ok(c.row(
                "DELETE FROM otp_codes WHERE delivery_id = ?1 RETURNING user_id, channel",
                [delivery_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
        })
    }

    fn record_channel_health(
        &self,
        channel: &str,
        ok: bool,
        now: i64,
        threshold: u32,
        cooldown_secs: i64,
    ) -> Result<()> {
        self.with(|c| {
            if ok {
                c.exec(
                    "INSERT INTO channel_health (channel, consecutive_failures, degraded_until) VALUES (?1, 0, 0)
                     ON CONFLICT(channel) DO UPDATE SET consecutive_failures = 0, degraded_until = 0",
                    [channel],
                )?;
            } else {
                c.exec(
                    "INSERT INTO channel_health (channel, consecutive_failures, degraded_until) VALUES (?1, 1, 0)
                     ON CONFLICT(channel) DO UPDATE SET consecutive_failures = consecutive_failures + 1",
                    [channel],
                )?;
                c.exec(
                    "UPDATE channel_health SET degraded_until = ?2, consecutive_failures = 0
                     WHERE channel = ?1 AND consecutive_failures >= ?3",
                    params![channel, now + cooldown_secs, threshold],
                )?;
            }
            Ok(())
        })
    }

    fn channel_degraded_until(&self, channel: &str) -> Result<i64> {
        self.with(|c| {
            Ok(c.row(
                "SELECT degraded_until FROM channel_health WHERE channel = ?1",
                [channel],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0))
        })
    }

    fn attempts_used(&self, scopes: &[Scope], now: i64, policy: AttemptPolicy) -> Result<u32> {
        self.with(|c| {
            let mut used = 0i64;
            for s in scopes {
                let row: Option<(i64, i64, i64)> = c
                    .row(
                        "SELECT failures, window_start, locked_until FROM attempts WHERE scope = ?1",
                        [&s.key],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()?;
                if let Some((failures, start, locked_until)) = row {
                    if locked_until > now {
                        used = used.max(i64::from(policy.max_attempts));
                    } else if start + policy.window_secs > now && locked_until == 0 {
                        used = used.max(failures);
                    }
                }
            }
            Ok(u32::try_from(used).unwrap_or(u32::MAX))
        })
    }
}
