//! Shared set-up for the integration tests: real SQLite files in temp dirs, a manual clock,
//! and cheap argon2 parameters so the suite stays fast.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plinto_mfa_core::delivery::{CodeSender, Delivery, SendError};
use plinto_mfa_core::totp::{self, TotpParams};
use plinto_mfa_core::{
    Config, EnableMfaRequest, Engine, EngineOptions, ManualClock, RequestContext, SecretKey,
    VerifyMfaRequest, VerifyMfaResult,
};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const PASSWORD: &str = "TestPassword123!";
pub const T0: i64 = 1_800_000_000;

/// Cheap argon2, and no progressive delay between wrong codes (the manual clock stands
/// still between attempts; the tests of the delay turn it back on).
pub fn fast_config() -> Config {
    let mut c = Config::default();
    c.apply_json(&serde_json::json!({
        "password": {"memoryKib": 64, "iterations": 1},
        "rateLimiting": {"progressiveDelay": false}
    }))
    .unwrap();
    c
}

/// Which database a test runs on: `PLINTO_TEST_BACKEND=postgres` runs the suite on the
/// PostgreSQL server at `PLINTO_TEST_POSTGRES`, each test in a schema of its own; otherwise
/// each test has a SQLite file in its temp dir.
pub enum Db {
    Sqlite,
    Postgres { url: String },
}

pub struct Env {
    pub dir: tempfile::TempDir,
    pub key: SecretKey,
    pub clock: Arc<ManualClock>,
    pub db: Db,
}

/// The PostgreSQL server of this test run, when the suite runs on PostgreSQL.
pub fn postgres_base() -> Option<String> {
    if std::env::var("PLINTO_TEST_BACKEND").ok().as_deref() != Some("postgres") {
        return None;
    }
    Some(std::env::var("PLINTO_TEST_POSTGRES").expect(
        "PLINTO_TEST_BACKEND=postgres needs PLINTO_TEST_POSTGRES (tests/postgres/with-server.sh)",
    ))
}

/// A fresh schema on the test server and the URL that selects it.
pub fn postgres_schema(base: &str) -> String {
    let mut client = postgres::Client::connect(base, postgres::NoTls)
        .expect("the PostgreSQL test server must be reachable");
    let schema = format!(
        "t_{}",
        hex(&plinto_mfa_core::crypto::random_bytes(8).unwrap())
    );
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-csearch_path%3D{schema}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Env {
    /// A test environment on the suite's backend.
    pub fn new() -> Self {
        let db = match postgres_base() {
            Some(base) => Db::Postgres {
                url: postgres_schema(&base),
            },
            None => Db::Sqlite,
        };
        Self::with_db(db)
    }

    /// A test environment on a SQLite file, whatever the suite's backend (for what only a
    /// file has: its bytes, its pragmas, older file versions).
    pub fn sqlite() -> Self {
        Self::with_db(Db::Sqlite)
    }

    fn with_db(db: Db) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            key: SecretKey::generate().unwrap(),
            clock: Arc::new(ManualClock::new(T0)),
            db,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.db, Db::Postgres { .. })
    }

    /// The SQLite file (only for a SQLite environment).
    pub fn db_path(&self) -> PathBuf {
        assert!(
            !self.is_postgres(),
            "a PostgreSQL test has no database file"
        );
        self.dir.path().join("plinto.db")
    }

    /// What `database` is set to: the file path or the server URL.
    pub fn database(&self) -> String {
        match &self.db {
            Db::Sqlite => self.db_path().to_string_lossy().into_owned(),
            Db::Postgres { url } => url.clone(),
        }
    }

    pub fn options(&self) -> EngineOptions {
        EngineOptions {
            database: self.database(),
            secret_key: self.key.clone(),
            previous_keys: Vec::new(),
            config: fast_config(),
            clock: Some(self.clock.clone()),
        }
    }

    pub fn engine(&self) -> Engine {
        Engine::open(self.options()).unwrap()
    }

    pub fn now(&self) -> i64 {
        use plinto_mfa_core::Clock;
        self.clock.now()
    }

    /// The first column of every row of `sql` (parameters `?1`, `?2`… bound to `params`), read
    /// straight from the database, as text.
    pub fn sql_text(&self, sql: &str, params: &[&str]) -> Vec<Option<String>> {
        match &self.db {
            Db::Sqlite => {
                let db = rusqlite::Connection::open(self.db_path()).unwrap();
                let mut stmt = db.prepare(sql).unwrap();
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                        let v: rusqlite::types::Value = r.get(0)?;
                        Ok(match v {
                            rusqlite::types::Value::Null => None,
                            rusqlite::types::Value::Integer(i) => Some(i.to_string()),
                            rusqlite::types::Value::Text(t) => Some(t),
                            other => Some(format!("{other:?}")),
                        })
                    })
                    .unwrap();
                rows.map(Result::unwrap).collect()
            }
            Db::Postgres { url } => {
                let mut sql = sql.to_string();
                for i in (1..=params.len()).rev() {
                    sql = sql.replace(&format!("?{i}"), &format!("${i}"));
                }
                let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
                let values: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                    .iter()
                    .map(|p| p as &(dyn postgres::types::ToSql + Sync))
                    .collect();
                let rows = client
                    .query(&sql, &values)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.iter()
                    .map(|r| match *r.columns()[0].type_() {
                        postgres::types::Type::INT8 => {
                            r.get::<_, Option<i64>>(0).map(|i| i.to_string())
                        }
                        postgres::types::Type::INT4 => {
                            r.get::<_, Option<i32>>(0).map(|i| i.to_string())
                        }
                        postgres::types::Type::BOOL => r
                            .get::<_, Option<bool>>(0)
                            .map(|b| i32::from(b).to_string()),
                        _ => r.get::<_, Option<String>>(0),
                    })
                    .collect()
            }
        }
    }

    /// Runs statements straight on the database (what someone with write access to it could
    /// do), the same SQL on both backends.
    pub fn sql_exec(&self, sql: &str) {
        match &self.db {
            Db::Sqlite => rusqlite::Connection::open(self.db_path())
                .unwrap()
                .execute_batch(sql)
                .unwrap(),
            Db::Postgres { url } => postgres::Client::connect(url, postgres::NoTls)
                .unwrap()
                .batch_execute(sql)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        }
    }

    /// The number `sql` (one row, one integer column) answers.
    pub fn sql_count(&self, sql: &str, params: &[&str]) -> i64 {
        self.sql_text(sql, params)[0]
            .as_deref()
            .unwrap()
            .parse()
            .unwrap()
    }
}

pub fn ctx() -> RequestContext {
    RequestContext {
        ip_address: Some("127.0.0.1".into()),
        user_agent: Some("plinto-tests".into()),
    }
}

/// A user with TOTP enrolled and confirmed. Returns (user id, base32 secret, backup codes).
pub fn enrolled_user(env: &Env, engine: &Engine, email: &str) -> (String, String, Vec<String>) {
    let user = engine.sign_up(email, PASSWORD, None, &ctx()).unwrap().user;
    let setup = engine
        .enable_mfa(&EnableMfaRequest {
            user_id: user.id.clone(),
            method: "totp".into(),
            label: Some("MyApp".into()),
            context: ctx(),
            ..Default::default()
        })
        .unwrap();
    let secret = setup.secret.unwrap();
    let code = code_for(&secret, env.now());
    let res = engine
        .verify_mfa(&by_user(&user.id, "totp", &code))
        .unwrap();
    assert!(res.success, "{res:?}");
    let backup = res.backup_codes.unwrap();
    // Move past the step just used so later codes are fresh.
    env.clock.advance(30);
    (user.id, secret, backup)
}

/// Signs in with a TOTP code and returns the session token: its MFA is fresh, so it proves a
/// step-up for the next ten minutes. The clock moves past the step it used.
pub fn mfa_session(env: &Env, engine: &Engine, email: &str, secret: &str) -> String {
    let p = pending_session(engine, email);
    let r = engine
        .verify_mfa(&by_session(&p, "totp", &code_for(secret, env.now())))
        .unwrap();
    assert!(r.success, "{r:?}");
    env.clock.advance(30);
    r.session.unwrap().token
}

pub fn code_for(secret_b32: &str, at: i64) -> String {
    let raw = totp::secret_from_base32(secret_b32, "secret").unwrap();
    totp::code_at(&raw, TotpParams::default(), at).unwrap()
}

pub fn by_user(user_id: &str, method: &str, code: &str) -> VerifyMfaRequest {
    VerifyMfaRequest {
        user_id: Some(user_id.into()),
        method: method.into(),
        code: code.into(),
        context: ctx(),
        ..Default::default()
    }
}

/// A setup confirmation that keeps the session `token` when the new factor ends the others.
pub fn keeping(mut req: VerifyMfaRequest, token: &str) -> VerifyMfaRequest {
    req.session_token = Some(token.into());
    req
}

pub fn by_session(session_id: &str, method: &str, code: &str) -> VerifyMfaRequest {
    VerifyMfaRequest {
        session_id: Some(session_id.into()),
        method: method.into(),
        code: code.into(),
        context: ctx(),
        ..Default::default()
    }
}

pub fn pending_session(engine: &Engine, email: &str) -> String {
    let r = engine.sign_in(email, PASSWORD, &ctx()).unwrap();
    assert!(r.requires_mfa);
    r.session_id.unwrap()
}

pub fn assert_failed(r: &VerifyMfaResult) {
    assert!(!r.success, "expected failure: {r:?}");
    assert!(r.user.is_none() && r.session.is_none());
}

pub fn read_all_files(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            all.extend(std::fs::read(&p).unwrap());
        }
    }
    all
}

/// What the capturing sender sent; `fail` makes it fail, `delay_ms` makes it slow.
#[derive(Default)]
pub struct Outbox {
    pub sent: Mutex<Vec<Delivery>>,
    pub fail: Mutex<bool>,
    pub delay_ms: Mutex<u64>,
}

impl Outbox {
    pub fn last_code(&self) -> String {
        self.sent.lock().unwrap().last().unwrap().meta.code.clone()
    }
}

/// A sender that records what it sends (or fails, or is slow, as the outbox says).
pub struct Capture(pub Arc<Outbox>);

impl CodeSender for Capture {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let delay = *self.0.delay_ms.lock().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        if *self.0.fail.lock().unwrap() {
            return Err(SendError::Failed("provider down".into()));
        }
        self.0.sent.lock().unwrap().push(d.clone());
        Ok(())
    }
}

pub fn engine_with_outbox(env: &Env) -> (Engine, Arc<Outbox>) {
    let engine = env.engine();
    let outbox = Arc::new(Outbox::default());
    engine
        .set_sender("sms", Some(Arc::new(Capture(outbox.clone()))))
        .unwrap();
    engine
        .set_sender("email", Some(Arc::new(Capture(outbox.clone()))))
        .unwrap();
    (engine, outbox)
}

/// A minimal SMTP peer: accepts one message and returns its DATA.
pub fn smtp_peer() -> (u16, std::thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        stream.write_all(b"220 peer ESMTP\r\n").unwrap();
        let mut data = String::new();
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if in_data {
                if line == ".\r\n" {
                    in_data = false;
                    stream.write_all(b"250 queued\r\n").unwrap();
                } else {
                    data.push_str(&line);
                }
                continue;
            }
            let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" | "HELO" => stream.write_all(b"250-peer\r\n250 8BITMIME\r\n").unwrap(),
                "DATA" => {
                    in_data = true;
                    stream.write_all(b"354 go ahead\r\n").unwrap();
                }
                "QUIT" => {
                    stream.write_all(b"221 bye\r\n").unwrap();
                    break;
                }
                _ => stream.write_all(b"250 ok\r\n").unwrap(),
            }
        }
        data
    });
    (port, handle)
}

/// Twelve wrong answers raced on one pending sign-in: exactly the attempt limit (5) of them
/// is counted as wrong codes, the rest refused, and none succeeds.
pub fn assert_attempt_limit(results: &[VerifyMfaResult]) {
    let counted = results
        .iter()
        .filter(|r| r.error.as_deref() == Some("mfa_invalid_code"))
        .count();
    assert_eq!(counted, 5, "{results:?}");
    assert!(results.iter().all(|r| !r.success));
}

/// A notifier that keeps the kinds it was given.
#[derive(Default)]
pub struct Kinds(pub Mutex<Vec<String>>);

impl plinto_mfa_core::notify::Notifier for Kinds {
    fn notify(&self, n: &plinto_mfa_core::notify::Notification) -> Result<(), String> {
        self.0.lock().unwrap().push(n.kind.clone());
        Ok(())
    }
}
