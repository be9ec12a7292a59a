//! Races between connections on one database file: single-use codes, the replay guard and
//! the attempt counter must hold when several engines (as several processes would) share it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use std::sync::{Arc, Barrier};

#[test]
fn one_backup_code_raced_by_16_connections_succeeds_once() {
    let env = Env::new();
    let setup = env.engine();
    let (_, _, codes) = enrolled_user(&env, &setup, "race@example.com");
    let pendings: Vec<String> = (0..16)
        .map(|_| pending_session(&setup, "race@example.com"))
        .collect();
    // 16 engines: 16 separate SQLite connections, as in 16 worker processes.
    let engines: Vec<_> = (0..16).map(|_| Arc::new(env.engine())).collect();
    let barrier = Arc::new(Barrier::new(16));
    let code = codes[0].clone();
    let handles: Vec<_> = engines
        .into_iter()
        .zip(pendings)
        .map(|(engine, pending)| {
            let barrier = barrier.clone();
            let code = code.clone();
            std::thread::spawn(move || {
                barrier.wait();
                engine
                    .verify_mfa(&by_session(&pending, "backup", &code))
                    .unwrap()
                    .success
            })
        })
        .collect();
    let wins = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|w| *w)
        .count();
    assert_eq!(wins, 1);
}

#[test]
fn replay_is_refused_across_two_connections() {
    let env = Env::new();
    let a = env.engine();
    let b = env.engine();
    let (_, secret, _) = enrolled_user(&env, &a, "replay2@example.com");
    let code = code_for(&secret, env.now());
    let pa = pending_session(&a, "replay2@example.com");
    let pb = pending_session(&b, "replay2@example.com");
    assert!(
        a.verify_mfa(&by_session(&pa, "totp", &code))
            .unwrap()
            .success
    );
    let r = b.verify_mfa(&by_session(&pb, "totp", &code)).unwrap();
    assert!(!r.success, "{r:?}");
}

#[test]
fn same_code_raced_by_8_connections_is_accepted_once() {
    let env = Env::new();
    let setup = env.engine();
    let (_, secret, _) = enrolled_user(&env, &setup, "totprace@example.com");
    let code = code_for(&secret, env.now());
    let pendings: Vec<String> = (0..8)
        .map(|_| pending_session(&setup, "totprace@example.com"))
        .collect();
    let barrier = Arc::new(Barrier::new(8));
    let handles: Vec<_> = pendings
        .into_iter()
        .map(|p| {
            let engine = env.engine();
            let barrier = barrier.clone();
            let code = code.clone();
            std::thread::spawn(move || {
                barrier.wait();
                engine
                    .verify_mfa(&by_session(&p, "totp", &code))
                    .unwrap()
                    .success
            })
        })
        .collect();
    assert_eq!(
        handles
            .into_iter()
            .map(|h| h.join().unwrap())
            .filter(|w| *w)
            .count(),
        1
    );
}

#[test]
fn concurrent_wrong_codes_never_exceed_the_limit() {
    let env = Env::new();
    let setup = env.engine();
    enrolled_user(&env, &setup, "burst@example.com");
    let pending = pending_session(&setup, "burst@example.com");
    let barrier = Arc::new(Barrier::new(12));
    let handles: Vec<_> = (0..12)
        .map(|_| {
            let engine = env.engine();
            let barrier = barrier.clone();
            let pending = pending.clone();
            std::thread::spawn(move || {
                barrier.wait();
                engine
                    .verify_mfa(&by_session(&pending, "totp", "000000"))
                    .unwrap()
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // Exactly five attempts were looked at; the rest were refused as rate limited.
    let counted = results
        .iter()
        .filter(|r| r.error.as_deref() == Some("mfa_invalid_code"))
        .count();
    let limited = results
        .iter()
        .filter(|r| r.error.as_deref() == Some("mfa_rate_limited"))
        .count();
    assert_eq!((counted, limited), (5, 7), "{results:?}");
    assert!(results.iter().all(|r| !r.success));
}
