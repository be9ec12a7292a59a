//! The store: secrets at rest in the SQLite file, its migrations and schema versions (file
//! tests run on SQLite whatever the suite's backend), key checks and rotation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::store::{MIGRATIONS, SCHEMA_VERSION};
use plinto_mfa_core::{Engine, MfaError, Proof, SecretKey};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn raw_database_files_hold_no_secret_code_or_token() {
    let env = Env::sqlite();
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
    let raw_secret = plinto_mfa_core::totp::secret_from_base32(&secret, "s").unwrap();
    // Read the files while the engine is still open, so the WAL is there too.
    let bytes = read_all_files(env.dir.path());
    assert!(bytes.len() > 4096);
    assert!(
        contains(&bytes, b"atrest@example.com"),
        "sanity: the scan sees plain data"
    );
    assert!(!contains(&bytes, secret.as_bytes()), "base32 secret");
    assert!(!contains(&bytes, &raw_secret), "raw secret");
    for c in codes.iter().chain(more.iter()) {
        assert!(!contains(&bytes, c.as_bytes()), "backup code");
    }
    for t in [&p, &session.token] {
        assert!(!contains(&bytes, t.as_bytes()), "token");
    }
    assert!(!contains(&bytes, PASSWORD.as_bytes()), "password");
}

#[test]
fn wrong_key_is_refused_with_a_clear_error() {
    let env = Env::new();
    drop(env.engine());
    let mut opts = env.options();
    opts.secret_key = SecretKey::generate().unwrap();
    let err = Engine::open(opts).err().unwrap();
    assert_eq!(err, MfaError::KeyMismatch);
    assert!(err.to_string().contains("secret key does not match"));
}

#[test]
fn rotate_key_reseals_every_secret() {
    let env = Env::new();
    let engine = env.engine();
    let (_, secret, _) = enrolled_user(&env, &engine, "rotate@example.com");
    let new_key = SecretKey::generate().unwrap();
    let wrong = SecretKey::generate().unwrap();
    assert_eq!(
        engine.rotate_key(&wrong, &new_key).err(),
        Some(MfaError::KeyMismatch)
    );
    let n = engine.rotate_key(&env.key, &new_key).unwrap();
    assert_eq!(n, 2, "the hash key and one device");
    // The running engine keeps working under the new key…
    let p = pending_session(&engine, "rotate@example.com");
    assert!(
        engine
            .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
            .unwrap()
            .success
    );
    drop(engine);
    // …the old key no longer opens the file, the new one does.
    assert_eq!(
        Engine::open(env.options()).err(),
        Some(MfaError::KeyMismatch)
    );
    let mut opts = env.options();
    opts.secret_key = new_key;
    let reopened = Engine::open(opts).unwrap();
    env.clock.advance(30);
    let p = pending_session(&reopened, "rotate@example.com");
    assert!(
        reopened
            .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
            .unwrap()
            .success
    );
}

#[test]
fn database_from_a_newer_version_is_refused() {
    let env = Env::sqlite();
    drop(env.engine());
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = Engine::open(env.options()).err().unwrap();
    assert_eq!(err.code(), "database_too_new");
    assert!(err.to_string().contains("upgrade Plinto MFA"), "{err}");
}

#[test]
fn an_older_database_is_upgraded_in_place() {
    let env = Env::sqlite();
    // A snapshot at schema version 1, with a user in it.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.execute_batch(MIGRATIONS[0].1).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    let hash = plinto_mfa_core::password::hash(fast_config().password, PASSWORD).unwrap();
    conn.execute(
        "INSERT INTO users (id, email, password_hash, role, created_at) VALUES ('usr_old', 'old@example.com', ?1, 'user', 1)",
        [hash],
    )
    .unwrap();
    drop(conn);
    let engine = env.engine();
    let r = engine.sign_in("old@example.com", PASSWORD, &ctx()).unwrap();
    assert_eq!(r.user.unwrap().id, "usr_old");
    // The tables of migration 2 now exist and work.
    assert!(!engine
        .list_audit_events("usr_old", None, None)
        .unwrap()
        .is_empty());
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn in_memory_database_for_tests() {
    let mut opts = Env::sqlite().options();
    opts.database = ":memory:".into();
    let engine = Engine::open(opts).unwrap();
    let u = engine
        .sign_up("mem@example.com", PASSWORD, None, &ctx())
        .unwrap();
    assert!(engine.verify_session(&u.session.token).unwrap().valid);
}

#[test]
fn a_rolling_rotation_keeps_every_server_working() {
    let env = Env::new();
    let before = env.engine();
    let (_, first, _) = enrolled_user(&env, &before, "before@example.com");
    // Every server moves to the new key and keeps the old one for opening.
    let new_key = SecretKey::generate().unwrap();
    let mut options = env.options();
    options.secret_key = new_key.clone();
    options.previous_keys = vec![env.key.clone()];
    let rolling = Engine::open(options).unwrap();
    let p = pending_session(&rolling, "before@example.com");
    let r = rolling
        .verify_mfa(&by_session(&p, "totp", &code_for(&first, env.now())))
        .unwrap();
    assert!(r.success, "a value sealed with the old key opens: {r:?}");
    env.clock.advance(30);
    let (_, second, _) = enrolled_user(&env, &rolling, "during@example.com");
    // What is still under the old key is re-sealed; then the old key can go.
    let looked_at = rolling.rotate_key(&env.key, &new_key).unwrap();
    assert!(looked_at >= 3, "{looked_at}");
    let mut options = env.options();
    options.secret_key = new_key.clone();
    let after = Engine::open(options).unwrap();
    for (email, secret) in [
        ("before@example.com", &first),
        ("during@example.com", &second),
    ] {
        env.clock.advance(30);
        let p = pending_session(&after, email);
        let r = after
            .verify_mfa(&by_session(&p, "totp", &code_for(secret, env.now())))
            .unwrap();
        assert!(r.success, "{email}: {r:?}");
    }
    // A server left with the old key alone cannot open what the new key sealed.
    assert_eq!(
        Engine::open(env.options()).err(),
        Some(MfaError::KeyMismatch)
    );
    // Previous keys are checked like the key itself.
    let err = plinto_mfa_core::env::options_from_json(&serde_json::json!({
        "database": env.database(),
        "secretKey": new_key.to_hex(),
        "previousSecretKeys": ["not a key"],
    }))
    .err()
    .unwrap();
    assert_eq!(err.field(), Some("previousSecretKeys"));
}
