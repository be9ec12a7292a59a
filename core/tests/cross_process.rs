//! Several OS processes on one database file (as Express cluster or gunicorn workers would be):
//! one backup code raced by child processes is accepted exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::{Engine, EngineOptions, SecretKey};
use std::process::Command;

/// Run inside a child process: try the code once and print the outcome.
#[test]
fn child_worker() {
    let (Ok(db), Ok(key), Ok(session), Ok(code)) = (
        std::env::var("PLINTO_CHILD_DB"),
        std::env::var("PLINTO_CHILD_KEY"),
        std::env::var("PLINTO_CHILD_SESSION"),
        std::env::var("PLINTO_CHILD_CODE"),
    ) else {
        return; // not a child: nothing to do
    };
    let mut opts = EngineOptions::new(db, SecretKey::parse(&key).unwrap());
    opts.config = fast_config();
    let engine = Engine::open(opts).unwrap();
    let r = engine
        .verify_mfa(&by_session(&session, "backup", &code))
        .unwrap();
    println!("CHILD-RESULT success={}", r.success);
}

#[test]
fn backup_code_raced_by_child_processes_succeeds_once() {
    let env = Env::new();
    let engine = env.engine();
    let (_, _, codes) = enrolled_user(&env, &engine, "procs@example.com");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..6)
        .map(|_| {
            let pending = pending_session(&engine, "procs@example.com");
            Command::new(&exe)
                .args(["--exact", "child_worker", "--nocapture", "--test-threads=1"])
                .env("PLINTO_CHILD_DB", env.database())
                .env("PLINTO_CHILD_KEY", env.key.to_hex())
                .env("PLINTO_CHILD_SESSION", pending)
                .env("PLINTO_CHILD_CODE", &codes[0])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<String> = children
        .into_iter()
        .map(|c| String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap())
        .collect();
    let wins = outputs
        .iter()
        .filter(|o| o.contains("CHILD-RESULT success=true"))
        .count();
    let losses = outputs
        .iter()
        .filter(|o| o.contains("CHILD-RESULT success=false"))
        .count();
    assert_eq!((wins, losses), (1, 5), "{outputs:?}");
}
