//! What only the PostgreSQL backend has: migrations raced by servers starting at once, a
//! separate migration step, removals that READ COMMITTED alone would let both pass, rows at
//! rest, and verified TLS. These run in the suite's PostgreSQL pass
//! (`PLINTO_TEST_BACKEND=postgres`); the SQLite pass has no server to run them on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::config::StorageConfig;
use plinto_mfa_core::crypto::Sealed;
use plinto_mfa_core::store::{
    migrate_postgres, ChannelRow, PostgresBackend, Store, TotpDeviceRow, UserRow,
    POSTGRES_SCHEMA_VERSION,
};
use plinto_mfa_core::totp::TotpParams;
use plinto_mfa_core::{Engine, Proof};
use std::sync::{Arc, Barrier};

/// The test server's base URL, `None` in the SQLite pass.
fn server() -> Option<String> {
    postgres_base()
}

fn client(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).unwrap()
}

#[test]
fn servers_starting_at_once_migrate_the_schema_once() {
    let Some(_) = server() else { return };
    let env = Env::new();
    let barrier = Arc::new(Barrier::new(10));
    let engines: Vec<Engine> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let barrier = barrier.clone();
                let options = env.options();
                s.spawn(move || {
                    barrier.wait();
                    Engine::open(options)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    let version = env.sql_count("SELECT version FROM plinto_schema", &[]);
    assert_eq!(version, POSTGRES_SCHEMA_VERSION);
    // One hash key for all of them: a user enrolled through one signs in through another.
    let (_, secret, _) = enrolled_user(&env, &engines[0], "many@example.com");
    let p = pending_session(&engines[9], "many@example.com");
    let r = engines[5]
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap();
    assert!(r.success, "{r:?}");
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let Some(_) = server() else { return };
    let env = Env::new();
    drop(env.engine());
    let Db::Postgres { url } = &env.db else {
        unreachable!()
    };
    client(url)
        .execute(
            "UPDATE plinto_schema SET version = $1",
            &[&(POSTGRES_SCHEMA_VERSION + 1)],
        )
        .unwrap();
    let err = Engine::open(env.options()).err().unwrap();
    assert_eq!(err.code(), "database_too_new");
}

#[test]
fn a_separate_migration_step_for_servers_that_do_not_migrate() {
    let Some(_) = server() else { return };
    let env = Env::new();
    let mut options = env.options();
    options
        .config
        .apply_json(&serde_json::json!({"storage": {"migrate": false}}))
        .unwrap();
    let err = Engine::open(options.clone()).err().unwrap();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("run the migration first"), "{err}");
    // Refusing wrote nothing.
    assert_eq!(
        env.sql_count(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
            &[]
        ),
        0
    );
    migrate_postgres(&env.database()).unwrap();
    let engine = Engine::open(options).unwrap();
    engine
        .sign_up("after@example.com", PASSWORD, None, &ctx())
        .unwrap();
}

fn user(id: &str) -> UserRow {
    UserRow::new(
        id.into(),
        format!("{id}@example.com"),
        "x".into(),
        "user".into(),
        0,
    )
}

fn sealed() -> Sealed {
    Sealed {
        key_id: "k".into(),
        data: vec![1, 2, 3],
    }
}

#[test]
fn two_removals_at_once_never_leave_a_user_without_a_factor() {
    let Some(_) = server() else { return };
    let env = Env::new();
    drop(env.engine());
    let store = Store::new(Box::new(
        PostgresBackend::open(&env.database(), &StorageConfig::default()).unwrap(),
    ));
    for round in 0..30 {
        let uid = format!("usr_{round}");
        let (device, channel) = (format!("dev_{round}"), format!("chn_{round}"));
        store
            .write(|tx| {
                tx.insert_user(&user(&uid))?;
                tx.replace_pending_totp(&TotpDeviceRow {
                    id: device.clone(),
                    user_id: uid.clone(),
                    name: "phone".into(),
                    secret: sealed(),
                    params: TotpParams::default(),
                    created_at: 0,
                    confirmed_at: None,
                    last_used_at: None,
                })?;
                tx.confirm_totp_device(&device, 1)?;
                tx.put_pending_channel(&ChannelRow {
                    id: channel.clone(),
                    user_id: uid.clone(),
                    channel: "sms".into(),
                    destination: sealed(),
                    masked: "***1234".into(),
                    created_at: 0,
                    confirmed_at: None,
                    last_used_at: None,
                })?;
                tx.confirm_channel(&channel, 1)
            })
            .unwrap();
        let barrier = Barrier::new(2);
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                barrier.wait();
                store
                    .write(|tx| tx.delete_totp_device(&uid, &device))
                    .unwrap()
            });
            let b = s.spawn(|| {
                barrier.wait();
                store.write(|tx| tx.delete_channel(&uid, &channel)).unwrap()
            });
            (a.join().unwrap(), b.join().unwrap())
        });
        assert!(
            a != b,
            "round {round}: exactly one removal passes ({a}, {b})"
        );
        let left = store.read(|tx| tx.factor_summary(&uid)).unwrap();
        assert!(left.totp || left.sms, "round {round}: no factor left");
    }
}

#[test]
fn rows_at_rest_hold_no_secret_code_or_token() {
    let Some(_) = server() else { return };
    let env = Env::new();
    let engine = env.engine();
    let (uid, secret, codes) = enrolled_user(&env, &engine, "atrest@example.com");
    let p = pending_session(&engine, "atrest@example.com");
    let session = engine
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap()
        .session
        .unwrap();
    let more = engine
        .regenerate_backup_codes(&uid, None, Proof::new(Some(&session.token), None), &ctx())
        .unwrap()
        .codes;
    // Every row of every table as text (bytea as hex).
    let tables: Vec<String> = env
        .sql_text(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
            &[],
        )
        .into_iter()
        .flatten()
        .collect();
    assert!(tables.len() >= 10, "{tables:?}");
    let mut all = String::new();
    for t in &tables {
        for row in env.sql_text(&format!("SELECT t::text FROM {t} t"), &[]) {
            all.push_str(&row.unwrap_or_default());
            all.push('\n');
        }
    }
    assert!(
        all.contains("atrest@example.com"),
        "sanity: the scan sees plain data"
    );
    let raw = plinto_mfa_core::totp::secret_from_base32(&secret, "s").unwrap();
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!all.contains(&secret), "base32 secret");
    assert!(!all.contains(&hex), "raw secret");
    for c in codes.iter().chain(more.iter()) {
        assert!(!all.contains(c.as_str()), "backup code");
    }
    for t in [&p, &session.token] {
        assert!(!all.contains(t.as_str()), "token");
    }
    assert!(!all.contains(PASSWORD), "password");
}

/// A URL to the test server's schema over TLS, verified against `ca`.
fn over_tls(env: &Env, mode: &str, ca: Option<&str>) -> String {
    let mut url = format!("{}&sslmode={mode}", env.database());
    if let Some(ca) = ca {
        url.push_str(&format!("&sslrootcert={ca}"));
    }
    url
}

#[test]
fn tls_connections_verify_the_server_certificate() {
    let Some(_) = server() else { return };
    let ca = std::env::var("PLINTO_TEST_POSTGRES_CA").expect("the test server's CA");
    let env = Env::new();
    drop(env.engine());
    // Verified against the server's CA: the connection is encrypted.
    let mut options = env.options();
    options.database = over_tls(&env, "verify-full", Some(&ca));
    let engine = Engine::open(options).unwrap();
    engine
        .sign_up("tls@example.com", PASSWORD, None, &ctx())
        .unwrap();
    let encrypted = env.sql_count(
        "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
         WHERE s.ssl AND a.application_name = '' AND a.pid <> pg_backend_pid()",
        &[],
    );
    assert!(encrypted >= 1, "the engine's idle connection is TLS");
    // The same server against another CA (the public roots): refused, never plain.
    let mut options = env.options();
    options.database = over_tls(&env, "require", None);
    let err = Engine::open(options).err().unwrap();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("cannot connect"), "{err}");
    // A second sslmode (also one spelled with percent escapes) cannot turn verification off.
    for twice in [
        format!(
            "{}&sslmode=disable",
            over_tls(&env, "verify-full", Some(&ca))
        ),
        format!(
            "{}&ssl%6Dode=prefer",
            over_tls(&env, "verify-full", Some(&ca))
        ),
    ] {
        let mut options = env.options();
        options.database = twice;
        let err = Engine::open(options).err().unwrap();
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains("sslmode is given twice"), "{err}");
    }
    // A raw `?` in the password does not hide the sslmode after it: TLS is still required
    // (and refused here, the public roots not knowing the test CA), never plain text.
    let (server, schema) = env
        .database()
        .split_once('?')
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .unwrap();
    let mut options = env.options();
    options.database = format!(
        "{}?sslmode=require&{schema}",
        server.replacen("postgres@", "postgres:pa?ss@", 1)
    );
    let err = Engine::open(options).err().unwrap();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("cannot connect"), "{err}");
    // `prefer` is plain TCP here, never an unverified TLS connection.
    let name = format!("plain_{}", std::process::id());
    let mut options = env.options();
    options.database = format!("{}&sslmode=prefer&application_name={name}", env.database());
    let plain = Engine::open(options).unwrap();
    plain.sign_in("tls@example.com", PASSWORD, &ctx()).unwrap();
    let unencrypted = env.sql_count(
        "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
         WHERE NOT s.ssl AND a.application_name = ?1",
        &[&name],
    );
    assert!(unencrypted >= 1, "prefer connects in plain text");
    // A CA file that is not there is a configuration error naming the field.
    let mut options = env.options();
    options.database = over_tls(&env, "verify-full", Some("/nonexistent/ca.pem"));
    let err = Engine::open(options).err().unwrap();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("sslrootcert"), "{err}");
}

#[test]
fn each_process_keeps_at_most_the_configured_idle_connections() {
    let Some(_) = server() else { return };
    let env = Env::new();
    let name = format!("idle_{}", std::process::id());
    let mut options = env.options();
    options.database = format!("{}&application_name={name}", env.database());
    options
        .config
        .apply_json(&serde_json::json!({"storage": {"maxIdleConnections": 2}}))
        .unwrap();
    let engine = Engine::open(options).unwrap();
    engine
        .sign_up("idle@example.com", PASSWORD, None, &ctx())
        .unwrap();
    let barrier = Barrier::new(8);
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                barrier.wait();
                for _ in 0..5 {
                    engine
                        .sign_in("idle@example.com", PASSWORD, &ctx())
                        .unwrap();
                }
            });
        }
    });
    let open = || {
        env.sql_count(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ?1",
            &[&name],
        )
    };
    // Connections beyond the cap were closed when given back (their server processes end
    // a moment later).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while open() > 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(open() <= 2, "{} connections stayed open", open());
    assert!(open() >= 1, "the pool keeps connections for reuse");
}

#[test]
fn a_device_removed_while_a_verification_waits_does_not_verify() {
    let Some(_) = server() else { return };
    let env = Env::new();
    let engine = env.engine();
    let (uid, secret, _) = enrolled_user(&env, &engine, "removed@example.com");
    let Db::Postgres { url } = &env.db else {
        unreachable!()
    };
    // Another server is in the middle of removing the device: it holds the user's row.
    let mut other = client(url);
    let remover: i32 = other
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let mut removal = other.transaction().unwrap();
    removal
        .query(
            "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE",
            &[&uid],
        )
        .unwrap();
    removal
        .execute("DELETE FROM totp_devices WHERE user_id = $1", &[&uid])
        .unwrap();
    let code = code_for(&secret, env.now());
    let mut watcher = client(url);
    let outcome = std::thread::scope(|s| {
        let verify = s.spawn(|| engine.verify_mfa(&by_user(&uid, "totp", &code)));
        // The removal commits only once the verification waits on it (on the user's row).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let waiting: i64 = watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))",
                    &[&remover],
                )
                .unwrap()
                .get(0);
            if waiting > 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline && !verify.is_finished(),
                "the verification never waited for the removal"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        removal.commit().unwrap();
        verify.join().unwrap()
    });
    // The verification waited for the removal and then found no device.
    assert!(
        !matches!(&outcome, Ok(r) if r.success),
        "a code of a removed device was accepted: {outcome:?}"
    );
}
