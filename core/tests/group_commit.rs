//! The batched writer of one engine: concurrent operations of one process share a
//! transaction (each in its own savepoint) and one commit. The single-use and attempt rules
//! give exactly the results they give across separate connections, one failing operation
//! rolls back only itself, and a process killed (SIGKILL) in the middle of batches leaves no
//! operation half done and loses no acknowledged one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::{EnableMfaRequest, Engine, EngineOptions, MfaError, SecretKey};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// `n` threads run `f(i)` on one shared engine at the same moment.
fn together<T: Send + 'static>(
    engine: &Arc<Engine>,
    n: usize,
    f: impl Fn(&Engine, usize) -> T + Send + Sync + 'static,
) -> Vec<T> {
    let barrier = Arc::new(Barrier::new(n));
    let f = Arc::new(f);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let (engine, barrier, f) = (engine.clone(), barrier.clone(), f.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(&engine, i)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn one_backup_code_raced_in_one_engine_succeeds_once() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    let (_, _, codes) = enrolled_user(&env, &engine, "batch-race@example.com");
    let pendings: Arc<Vec<String>> = Arc::new(
        (0..16)
            .map(|_| pending_session(&engine, "batch-race@example.com"))
            .collect(),
    );
    let code = codes[0].clone();
    let wins = together(&engine, 16, move |e, i| {
        e.verify_mfa(&by_session(&pendings[i], "backup", &code))
            .unwrap()
            .success
    });
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
}

#[test]
fn one_totp_code_raced_in_one_engine_is_accepted_once() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    let (_, secret, _) = enrolled_user(&env, &engine, "batch-totp@example.com");
    let code = code_for(&secret, env.now());
    let pendings: Arc<Vec<String>> = Arc::new(
        (0..8)
            .map(|_| pending_session(&engine, "batch-totp@example.com"))
            .collect(),
    );
    let wins = together(&engine, 8, move |e, i| {
        e.verify_mfa(&by_session(&pendings[i], "totp", &code))
            .unwrap()
            .success
    });
    assert_eq!(wins.iter().filter(|w| **w).count(), 1);
}

#[test]
fn wrong_codes_raced_in_one_engine_never_exceed_the_limit() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    enrolled_user(&env, &engine, "batch-burst@example.com");
    let pending = pending_session(&engine, "batch-burst@example.com");
    let results = together(&engine, 12, move |e, _| {
        e.verify_mfa(&by_session(&pending, "totp", "000000"))
            .unwrap()
    });
    assert_attempt_limit(&results);
}

#[test]
fn a_failing_operation_in_a_batch_rolls_back_only_itself() {
    let env = Env::new();
    let engine = Arc::new(env.engine());
    // 24 sign-ups at once, every third one an email another of them also uses.
    let results = together(&engine, 24, |e, i| {
        let email = if i % 3 == 0 {
            "shared@example.com".to_string()
        } else {
            format!("batch{i}@example.com")
        };
        e.sign_up(&email, PASSWORD, None, &ctx()).map(|r| r.user.id)
    });
    let (ok, failed): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
    assert_eq!(ok.len(), 17, "16 distinct emails and one of the 8 shared");
    assert!(failed
        .iter()
        .all(|r| matches!(r, Err(MfaError::AlreadyExists { .. }))));
    for id in ok.into_iter().map(Result::unwrap) {
        let events = engine.list_audit_events(&id, None, None).unwrap();
        assert_eq!(events.last().map(|e| e.action.as_str()), Some("sign_up"));
    }
}

/// Run inside a child process: sign up and enroll users from four threads until killed,
/// printing each acknowledged step.
#[test]
fn fault_child() {
    let (Ok(db), Ok(key)) = (
        std::env::var("PLINTO_FAULT_DB"),
        std::env::var("PLINTO_FAULT_KEY"),
    ) else {
        return; // not a child: nothing to do
    };
    let round = std::env::var("PLINTO_FAULT_ROUND").unwrap_or_default();
    let mut options = EngineOptions::new(db, SecretKey::parse(&key).unwrap());
    options.config = fast_config();
    let engine = Arc::new(Engine::open(options).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let engine = engine.clone();
            let round = round.clone();
            std::thread::spawn(move || {
                for n in 0.. {
                    let email = format!("r{round}t{t}n{n}@example.com");
                    let up = engine.sign_up(&email, PASSWORD, None, &ctx()).unwrap();
                    println!("ACK signup {}", up.user.id);
                    let setup = engine
                        .enable_mfa(&EnableMfaRequest {
                            user_id: up.user.id.clone(),
                            method: "totp".into(),
                            session_token: Some(up.session.token.as_str().into()),
                            ..Default::default()
                        })
                        .unwrap();
                    let now = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_secs();
                    let code = code_for(
                        setup.secret.as_deref().unwrap(),
                        i64::try_from(now).unwrap(),
                    );
                    let done = engine.verify_mfa(&keeping(
                        by_user(&up.user.id, "totp", &code),
                        &up.session.token,
                    ));
                    if done.is_ok_and(|r| r.success) {
                        println!("ACK confirmed {}", up.user.id);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

/// A small deterministic sequence of kill delays (milliseconds after the child's first
/// acknowledged operation), different each round.
fn delay(round: u64) -> Duration {
    let x = round
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    Duration::from_millis((x >> 33) % 240)
}

#[test]
fn killed_writers_leave_every_operation_whole() {
    let env = Env::new();
    let exe = std::env::current_exe().unwrap();
    let db = env.database();
    // Create the file (and its schema) before the children race to.
    drop(env.engine());
    let mut acked_users = Vec::new();
    let mut acked_confirmed = Vec::new();
    let rounds = 24u64;
    let started = Instant::now();
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args(["--exact", "fault_child", "--nocapture", "--test-threads=1"])
            .env("PLINTO_FAULT_DB", &db)
            .env("PLINTO_FAULT_KEY", env.key.to_hex())
            .env("PLINTO_FAULT_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines_out, lines) = std::sync::mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout)
                .lines()
                .map_while(std::io::Result::ok)
            {
                if lines_out.send(line).is_err() {
                    break;
                }
            }
        });
        // The delay counts from the child's first acknowledged operation, so its start (exec,
        // opening the store) never takes it all on a slow machine.
        let mut seen = Vec::new();
        while let Ok(line) = lines.recv_timeout(Duration::from_secs(60)) {
            let acked = line.starts_with("ACK ");
            seen.push(line);
            if acked {
                break;
            }
        }
        std::thread::sleep(delay(round));
        child.kill().unwrap(); // SIGKILL: no destructor, no flush, mid-batch
        child.wait().unwrap();
        reader.join().unwrap();
        seen.extend(lines.try_iter());
        for line in seen {
            if let Some(id) = line.strip_prefix("ACK signup ") {
                acked_users.push(id.to_string());
            } else if let Some(id) = line.strip_prefix("ACK confirmed ") {
                acked_confirmed.push(id.to_string());
            }
        }
    }
    assert!(
        acked_users.len() >= rounds as usize,
        "the children did work: {} sign-ups in {:?}",
        acked_users.len(),
        started.elapsed()
    );

    if !env.is_postgres() {
        let raw = rusqlite::Connection::open(&db).unwrap();
        let integrity: String = raw
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    let users: Vec<String> = env
        .sql_text("SELECT id FROM users", &[])
        .into_iter()
        .flatten()
        .collect();
    let engine = env.engine();
    // Every acknowledged operation is there (durability full: acknowledged = on disk).
    for id in &acked_users {
        assert!(users.contains(id), "acknowledged sign-up {id} lost");
    }
    for id in &acked_confirmed {
        assert!(engine.get_mfa_status(id).unwrap().enabled, "{id} lost MFA");
    }
    // Every user there is whole: signed up with its audit event; MFA on only with its
    // backup codes, its setup date and its activation event.
    for id in &users {
        let events = engine.list_audit_events(id, None, Some(1000)).unwrap();
        assert!(events.iter().any(|e| e.action == "sign_up"), "{id}");
        let status = engine.get_mfa_status(id).unwrap();
        if status.enabled {
            assert_eq!(status.backup_codes_remaining, 10, "{id}");
            assert!(status.setup_date.is_some(), "{id}");
            assert!(events.iter().any(|e| e.action == "mfa_activate"), "{id}");
        }
    }
}
