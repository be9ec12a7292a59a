//! `ops::dispatch_now`: brief operations on the calling thread (an event loop's), only when
//! they can finish without waiting. Everything that would wait is refused before it changes
//! anything, and the operation then gives, where it may wait, the result it always gives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::{ops, Engine, EngineOptions};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// An engine at durability `normal` (flushes are left to the OS, so nothing waits on the disk).
fn normal(env: &Env) -> Engine {
    let mut options: EngineOptions = env.options();
    options
        .config
        .apply_json(&json!({"storage": {"durability": "normal"}}))
        .unwrap();
    Engine::open(options).unwrap()
}

fn verify(user: &str, code: &str) -> Value {
    json!({"userId": user, "method": "totp", "code": code})
}

fn success(out: &Value) -> bool {
    out["success"].as_bool().unwrap()
}

fn audit_count(env: &Env, user: &str, action: &str) -> i64 {
    env.sql_count(
        "SELECT COUNT(*) FROM audit_events WHERE user_id = ?1 AND action = ?2",
        &[user, action],
    )
}

#[test]
fn a_verification_runs_at_once_on_a_free_sqlite_file_and_never_on_postgres() {
    let env = Env::new();
    let engine = normal(&env);
    let (user, secret, _) = enrolled_user(&env, &engine, "now@example.com");
    let args = verify(&user, &code_for(&secret, env.now()));
    let now = ops::dispatch_now(&engine, "verify_mfa", &args);
    if env.is_postgres() {
        // Every transaction is a round trip to the server.
        assert!(now.is_none());
        assert!(success(
            &ops::dispatch(&engine, "verify_mfa", &args).unwrap()
        ));
    } else {
        assert!(success(&now.expect("ran at once").unwrap()));
    }
    assert_eq!(audit_count(&env, &user, "mfa_verify"), 1);
}

#[test]
fn a_replay_that_raises_a_notification_is_refused_whole_and_counted_once_on_a_thread() {
    let env = Env::sqlite();
    let engine = normal(&env);
    let sent = Arc::new(Kinds::default());
    engine.set_notifier(Some(sent.clone())).unwrap();
    let (user, secret, _) = enrolled_user(&env, &engine, "replay-now@example.com");
    let args = verify(&user, &code_for(&secret, env.now()));
    assert!(success(
        &ops::dispatch_now(&engine, "verify_mfa", &args)
            .unwrap()
            .unwrap()
    ));
    let before = sent.0.lock().unwrap().len();
    // The replay notifies the user: sending waits, so the attempt is refused and rolled back.
    assert!(ops::dispatch_now(&engine, "verify_mfa", &args).is_none());
    assert_eq!(sent.0.lock().unwrap().len(), before);
    assert_eq!(audit_count(&env, &user, "totp_replay"), 0);
    let failures: i64 = env.sql_count("SELECT mfa_failures FROM users WHERE id = ?1", &[&user]);
    assert_eq!(failures, 0);
    // Run again where it may wait: refused as a replay, counted once.
    assert!(!success(
        &ops::dispatch(&engine, "verify_mfa", &args).unwrap()
    ));
    assert_eq!(audit_count(&env, &user, "totp_replay"), 1);
    assert_eq!(
        env.sql_count("SELECT mfa_failures FROM users WHERE id = ?1", &[&user]),
        1
    );
    assert_eq!(sent.0.lock().unwrap().len(), before + 1);
}

#[test]
fn with_nowhere_to_send_a_notification_a_replay_is_answered_at_once() {
    // Nothing would be sent (no notifier, no SMTP server): a replay takes the path of any
    // wrong code, once, on the calling thread.
    let env = Env::sqlite();
    let engine = normal(&env);
    let (user, secret, _) = enrolled_user(&env, &engine, "quiet-now@example.com");
    let args = verify(&user, &code_for(&secret, env.now()));
    for expected in [true, false] {
        let out = ops::dispatch_now(&engine, "verify_mfa", &args).expect("ran at once");
        assert_eq!(success(&out.unwrap()), expected);
    }
    assert_eq!(audit_count(&env, &user, "totp_replay"), 1);
}

#[test]
fn durability_full_sends_every_write_to_a_thread_and_changes_nothing() {
    let env = Env::sqlite();
    let engine = env.engine();
    let (user, secret, _) = enrolled_user(&env, &engine, "full-now@example.com");
    let args = verify(&user, &code_for(&secret, env.now()));
    assert!(ops::dispatch_now(&engine, "verify_mfa", &args).is_none());
    assert_eq!(audit_count(&env, &user, "mfa_verify"), 0);
    // The code was not used up by the refused attempt.
    assert!(success(
        &ops::dispatch(&engine, "verify_mfa", &args).unwrap()
    ));
}

#[test]
fn a_write_lock_held_by_another_connection_is_not_waited_for() {
    let env = Env::sqlite();
    let engine = normal(&env);
    let (user, secret, _) = enrolled_user(&env, &engine, "locked-now@example.com");
    let args = verify(&user, &code_for(&secret, env.now()));
    let other = rusqlite::Connection::open(env.db_path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    assert!(ops::dispatch_now(&engine, "verify_mfa", &args).is_none());
    // Refused at once, not after the store's busy timeout of seconds.
    assert!(started.elapsed() < Duration::from_secs(1));
    other.execute_batch("COMMIT").unwrap();
    assert!(success(
        &ops::dispatch_now(&engine, "verify_mfa", &args)
            .unwrap()
            .unwrap()
    ));
    assert_eq!(audit_count(&env, &user, "mfa_verify"), 1);
}

#[test]
fn a_session_check_runs_at_once_on_an_idle_read_connection() {
    let env = Env::sqlite();
    let engine = normal(&env);
    let (_, secret, _) = enrolled_user(&env, &engine, "session-now@example.com");
    let token = mfa_session(&env, &engine, "session-now@example.com", &secret);
    let args = json!({"token": token});
    // The first read of the engine opens its read connection, which may wait for the file.
    let first = ops::dispatch(&engine, "verify_session", &args).unwrap();
    assert_eq!(first["valid"], true);
    let now = ops::dispatch_now(&engine, "verify_session", &args).expect("ran at once");
    assert_eq!(now.unwrap(), first);
    let status = ops::dispatch_now(
        &engine,
        "get_mfa_status",
        &json!({"userId": first["user"]["id"]}),
    );
    assert_eq!(status.expect("ran at once").unwrap()["enabled"], true);
}

#[test]
fn a_due_session_touch_with_the_file_locked_sends_the_check_to_a_thread() {
    let env = Env::sqlite();
    let engine = normal(&env);
    let (_, secret, _) = enrolled_user(&env, &engine, "touch-now@example.com");
    let token = mfa_session(&env, &engine, "touch-now@example.com", &secret);
    let args = json!({"token": token});
    assert_eq!(
        ops::dispatch(&engine, "verify_session", &args).unwrap()["valid"],
        true
    );
    // The check now records the session's use, a write: another connection holds the lock.
    env.clock.advance(120);
    let other = rusqlite::Connection::open(env.db_path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    assert!(ops::dispatch_now(&engine, "verify_session", &args).is_none());
    assert!(started.elapsed() < Duration::from_secs(1));
    other.execute_batch("COMMIT").unwrap();
    let seen = || env.sql_count("SELECT MAX(last_seen_at) FROM sessions", &[]);
    assert!(seen() < env.now());
    // Where it may wait, the check records the use.
    assert_eq!(
        ops::dispatch(&engine, "verify_session", &args).unwrap()["valid"],
        true
    );
    assert_eq!(seen(), env.now());
}

#[test]
fn operations_that_hash_or_send_always_go_to_a_thread() {
    let env = Env::sqlite();
    let engine = normal(&env);
    enrolled_user(&env, &engine, "slow-now@example.com");
    for (op, args) in [
        (
            "sign_in",
            json!({"email": "slow-now@example.com", "password": PASSWORD}),
        ),
        (
            "sign_up",
            json!({"email": "new-now@example.com", "password": PASSWORD}),
        ),
        (
            "verify_password",
            json!({"email": "slow-now@example.com", "password": PASSWORD}),
        ),
    ] {
        assert!(!ops::may_run_now(op), "{op}");
        assert!(ops::dispatch_now(&engine, op, &args).is_none(), "{op}");
    }
    // Nothing of them happened.
    assert_eq!(
        env.sql_count(
            "SELECT COUNT(*) FROM users WHERE email = ?1",
            &["new-now@example.com"]
        ),
        0
    );
    // Bad input of a brief operation is answered at once, as `dispatch` answers it.
    let bad = ops::dispatch_now(&engine, "verify_mfa", &json!({"userId": 5})).unwrap();
    assert_eq!(bad.unwrap_err().code().as_str(), "invalid_input");
}
