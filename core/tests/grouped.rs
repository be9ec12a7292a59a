//! `ops::run_grouped`: the core's writer thread runs queued brief operations one after the
//! other in one batch with one commit. The single-use and attempt rules give the results
//! they give one call at a time (also for blocking calls from many threads), notifications
//! go out before their call is answered, and calls of two engines on one file never wait for
//! each other's lock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::notify::Notifier;
use plinto_mfa_core::{ops, Engine, MfaError, VerifyMfaResult};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

/// Queues every request on the writer thread at once and returns the answers in order.
fn grouped(
    engine: &Arc<Engine>,
    requests: Vec<plinto_mfa_core::VerifyMfaRequest>,
) -> Vec<Result<VerifyMfaResult, MfaError>> {
    let (tx, rx) = mpsc::channel();
    let n = requests.len();
    for (i, req) in requests.into_iter().enumerate() {
        let (tx, e) = (tx.clone(), Arc::clone(engine));
        ops::run_grouped(
            Arc::clone(engine),
            move || e.verify_mfa(&req),
            move |out| {
                let _ = tx.send((i, out.and_then(|r| r)));
            },
        );
    }
    let mut answers: Vec<_> = (0..n)
        .map(|_| rx.recv_timeout(Duration::from_secs(30)).expect("answered"))
        .collect();
    answers.sort_by_key(|(i, _)| *i);
    answers.into_iter().map(|(_, out)| out).collect()
}

#[test]
fn one_totp_code_grouped_is_accepted_once_and_wrong_codes_stop_at_the_limit() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    let (_, secret, _) = enrolled_user(&env, &engine, "grouped-totp@example.com");
    let code = code_for(&secret, env.now());
    let replays: Vec<_> = (0..8)
        .map(|_| {
            let pending = pending_session(&engine, "grouped-totp@example.com");
            by_session(&pending, "totp", &code)
        })
        .collect();
    let wins = grouped(&engine, replays)
        .into_iter()
        .filter(|r| r.as_ref().unwrap().success)
        .count();
    assert_eq!(wins, 1);

    enrolled_user(&env, &engine, "grouped-burst@example.com");
    let pending = pending_session(&engine, "grouped-burst@example.com");
    let wrong = (0..12)
        .map(|_| by_session(&pending, "totp", "000000"))
        .collect();
    let results: Vec<VerifyMfaResult> = grouped(&engine, wrong)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_attempt_limit(&results);
}

#[test]
fn grouped_backup_codes_are_each_used_once() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    let (user, _, codes) = enrolled_user(&env, &engine, "grouped-backup@example.com");
    // Every code twice, each on its own pending sign-in.
    let requests = codes
        .iter()
        .take(4)
        .chain(codes.iter().take(4))
        .map(|code| {
            let pending = pending_session(&engine, "grouped-backup@example.com");
            by_session(&pending, "backup", code)
        })
        .collect();
    let results = grouped(&engine, requests);
    let wins = results
        .iter()
        .filter(|r| r.as_ref().unwrap().success)
        .count();
    assert_eq!(wins, 4, "{results:?}");
    let status = engine.get_mfa_status(&user).unwrap();
    assert_eq!(status.backup_codes_remaining, codes.len() as u32 - 4);
}

#[test]
fn a_grouped_call_is_answered_after_its_notifications_are_sent() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    let (user, secret, _) = enrolled_user(&env, &engine, "grouped-notice@example.com");
    let kinds = Arc::new(Kinds::default());
    engine
        .set_notifier(Some(kinds.clone() as Arc<dyn Notifier>))
        .unwrap();
    let code = code_for(&secret, env.now());
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let (tx, e, kinds) = (tx.clone(), Arc::clone(&engine), Arc::clone(&kinds));
        let req = by_user(&user, "totp", &code);
        ops::run_grouped(
            Arc::clone(&engine),
            move || e.verify_mfa(&req),
            move |out| {
                let seen = kinds.0.lock().unwrap().clone();
                let _ = tx.send((out.and_then(|r| r).unwrap(), seen));
            },
        );
    }
    let answers: Vec<_> = (0..2)
        .map(|_| rx.recv_timeout(Duration::from_secs(30)).unwrap())
        .collect();
    let (replayed, seen) = answers
        .iter()
        .find(|(r, _)| !r.success)
        .expect("the second use is a replay");
    assert_eq!(replayed.error.as_deref(), Some("mfa_invalid_code"));
    assert!(
        seen.iter().any(|k| k == "totp_reuse"),
        "answered before the notice: {seen:?}"
    );
    assert_eq!(answers.iter().filter(|(r, _)| r.success).count(), 1);
}

#[test]
fn grouped_calls_of_two_engines_on_one_file_do_not_wait_for_each_other() {
    let env = Env::new();
    let a = Arc::new(env.engine());
    let b = Arc::new(env.engine());
    let users: Vec<(String, String)> = (0..6)
        .map(|i| {
            let (id, secret, _) = enrolled_user(&env, &a, &format!("grouped-two{i}@example.com"));
            (id, secret)
        })
        .collect();
    let (tx, rx) = mpsc::channel();
    for (i, (user, secret)) in users.iter().enumerate() {
        let engine = if i % 2 == 0 { &a } else { &b };
        let (tx, e) = (tx.clone(), Arc::clone(engine));
        let req = by_user(user, "totp", &code_for(secret, env.now()));
        ops::run_grouped(
            Arc::clone(engine),
            move || e.verify_mfa(&req),
            move |out| {
                let _ = tx.send(out.and_then(|r| r));
            },
        );
    }
    for _ in &users {
        // Far below a lock wait's timeout: no call waited for the other engine's batch.
        let out = rx.recv_timeout(Duration::from_secs(4)).expect("answered");
        assert!(out.unwrap().success);
    }
}

#[test]
fn blocking_grouped_calls_from_many_threads_accept_one_code_once() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    let (_, secret, _) = enrolled_user(&env, &engine, "grouped-threads@example.com");
    let code = code_for(&secret, env.now());
    let pendings: Vec<String> = (0..8)
        .map(|_| pending_session(&engine, "grouped-threads@example.com"))
        .collect();
    let barrier = Arc::new(std::sync::Barrier::new(pendings.len()));
    let handles: Vec<_> = pendings
        .into_iter()
        .map(|pending| {
            let (engine, barrier, code) = (Arc::clone(&engine), Arc::clone(&barrier), code.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let args =
                    serde_json::json!({"sessionId": pending, "method": "totp", "code": code});
                ops::dispatch_blocking(&engine, "verify_mfa", args).unwrap()["success"]
                    .as_bool()
                    .unwrap()
            })
        })
        .collect();
    let wins = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|won| *won)
        .count();
    assert_eq!(wins, 1);
}
