//! Core benchmarks on a real SQLite file (`make bench`, release build), one JSON object per line.
//!
//! - `verify_scale`: TOTP verification latency (p50/p99) as the user base grows to 1k, 100k and
//!   1M users (`BENCH_SCALE` for other sizes), at `storage.durability = "normal"` so the index
//!   depth shows instead of the disk flush. The first size is enrolled through the engine; the
//!   rest are written straight into the store (sealed the same way), as an import would.
//! - `backup_codes`: checking a backup code with 10 codes left and with 50 (the most a user
//!   can hold).
//! - `core_ops`: single operations (session check, the JSON step the bindings take, status).
//!
//! Time is a manual clock, so TOTP steps advance without waiting and every code is fresh.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use plinto_mfa_core::{
    ops, totp, Clock, Config, EnableMfaRequest, Engine, EngineOptions, ManualClock, Proof,
    RequestContext, SecretKey, VerifyMfaRequest,
};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Bench-Password-42";
const START: i64 = 1_800_000_000;
/// Verifications timed at each user-base size.
const SAMPLES: usize = 5_000;

/// Latency percentiles of one set of timed calls, in microseconds.
struct Stats {
    p50: f64,
    p99: f64,
    mean: f64,
}

impl Stats {
    fn of(mut times: Vec<Duration>) -> Self {
        times.sort();
        let micros = |d: Duration| d.as_secs_f64() * 1e6;
        let at = |q: usize| micros(times[(times.len() * q / 100).min(times.len() - 1)]);
        Self {
            p50: at(50),
            p99: at(99),
            mean: times.iter().map(|d| micros(*d)).sum::<f64>() / times.len() as f64,
        }
    }

    fn emit(&self, name: &str, extra: serde_json::Value) {
        let mut line = json!({ "lang": "rust", "name": name, "p50_us": self.p50,
                               "p99_us": self.p99, "mean_us": self.mean });
        if let (Some(line), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
            line.extend(extra.clone());
        }
        println!("{line}");
    }
}

/// Times `n` calls of `op`, each after an untimed `prepare` whose output it consumes.
fn timed<T>(n: usize, mut prepare: impl FnMut(usize) -> T, mut op: impl FnMut(T)) -> Stats {
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let input = prepare(i);
        let t = Instant::now();
        op(input);
        times.push(t.elapsed());
    }
    Stats::of(times)
}

/// An engine on a fresh file with cheap password hashing (the bench enrolls many users).
fn engine(dir: &std::path::Path, name: &str, clock: &Arc<ManualClock>) -> Engine {
    engine_with(dir, name, clock, SecretKey::generate().expect("key"))
}

/// [`engine`] with a given key.
fn engine_with(
    dir: &std::path::Path,
    name: &str,
    clock: &Arc<ManualClock>,
    key: SecretKey,
) -> Engine {
    let mut config = Config::default();
    config
        .apply_json(&json!({
            "password": { "memoryKib": 64, "iterations": 1 },
            "storage": { "durability": "normal" },
        }))
        .expect("config");
    let mut options = EngineOptions::new(dir.join(name).to_string_lossy().into_owned(), key);
    options.config = config;
    options.clock = Some(clock.clone());
    Engine::open(options).expect("open")
}

/// Users `from..to` with a confirmed TOTP device each, written straight into the store in
/// large transactions (as an import would), their secrets sealed under `key` as the engine
/// seals them: the engine path renders a QR code per user (about 2 ms), too slow for a
/// million. Returns their ids and raw secrets.
fn filled(path: &str, key: &SecretKey, from: usize, to: usize) -> Vec<(String, Vec<u8>)> {
    use plinto_mfa_core::config::StorageConfig;
    use plinto_mfa_core::store::{SqliteBackend, Store, TotpDeviceRow, UserRow, UserStamp};
    let storage = StorageConfig {
        durability: plinto_mfa_core::store::Durability::Normal,
        ..StorageConfig::default()
    };
    let store = Store::new(Box::new(
        SqliteBackend::open(path, &storage).expect("store"),
    ));
    let mut out = Vec::with_capacity(to - from);
    for chunk in (from..to).collect::<Vec<_>>().chunks(20_000) {
        let users: Vec<(String, Vec<u8>)> = chunk
            .iter()
            .map(|n| {
                let secret = plinto_mfa_core::crypto::random_bytes(20).expect("secret");
                (format!("usr_fill{n:07}"), secret)
            })
            .collect();
        store
            .write(|tx| {
                for (id, secret) in &users {
                    tx.insert_user(&UserRow::new(
                        id.clone(),
                        format!("{id}@bench.example"),
                        "unused".into(),
                        "user".into(),
                        START,
                    ))?;
                    let device = format!("dev_{id}");
                    let sealed =
                        plinto_mfa_core::crypto::seal(key, &format!("totp:{device}"), secret)?;
                    tx.replace_pending_totp(&TotpDeviceRow {
                        id: device.clone(),
                        user_id: id.clone(),
                        name: "Bench".into(),
                        secret: sealed,
                        params: totp::TotpParams::default(),
                        created_at: START,
                        confirmed_at: None,
                        last_used_at: None,
                    })?;
                    tx.confirm_totp_device(&device, START)?;
                    tx.stamp_user(id, UserStamp::MfaSetup, START)?;
                }
                Ok(())
            })
            .expect("fill");
        out.extend(users);
    }
    out
}

/// A user with a confirmed TOTP device: its id and raw secret.
fn enrolled(engine: &Engine, clock: &ManualClock, n: usize) -> (String, Vec<u8>) {
    let ctx = RequestContext::default();
    let user = engine
        .sign_up(&format!("u{n}@bench.example"), PASSWORD, None, &ctx)
        .expect("sign up")
        .user;
    let setup = engine
        .enable_mfa(&EnableMfaRequest {
            user_id: user.id.clone(),
            method: "totp".into(),
            ..Default::default()
        })
        .expect("enable");
    let secret = totp::secret_from_base32(&setup.secret.expect("secret"), "secret").expect("b32");
    let code = totp::code_at(&secret, totp::TotpParams::default(), clock.now()).expect("code");
    let done = engine
        .verify_mfa(&VerifyMfaRequest {
            user_id: Some(user.id.clone()),
            method: "totp".into(),
            code: code.into(),
            ..Default::default()
        })
        .expect("confirm");
    assert!(done.success, "confirmation failed");
    (user.id, secret)
}

fn verify_totp(engine: &Engine, user: &str, secret: &[u8], at: i64) {
    let code = totp::code_at(secret, totp::TotpParams::default(), at).expect("code");
    let r = engine
        .verify_mfa(&VerifyMfaRequest {
            user_id: Some(user.into()),
            method: "totp".into(),
            code: code.into(),
            ..Default::default()
        })
        .expect("verify");
    assert!(r.success, "verification failed: {:?}", r.error);
}

/// Verification latency as one database grows through each size of `BENCH_SCALE`.
fn verify_scale(dir: &std::path::Path) {
    let sizes: Vec<usize> = std::env::var("BENCH_SCALE")
        .unwrap_or_else(|_| "1000,100000,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("BENCH_SCALE: comma-separated counts")
        })
        .collect();
    let clock = Arc::new(ManualClock::new(START));
    let key = SecretKey::generate().expect("key");
    let engine = engine_with(dir, "scale.db", &clock, key.clone());
    let path = dir.join("scale.db").to_string_lossy().into_owned();
    let mut users: Vec<(String, Vec<u8>)> = Vec::new();
    let mut pick = 0x9e37_79b9_7f4a_7c15_u64;
    for size in sizes {
        let grow = Instant::now();
        if !users.is_empty() {
            // Past the first size, users are written straight into the store.
            let start = users.len();
            users.extend(filled(&path, &key, start, size.max(start)));
            let per_user = grow.elapsed().as_secs_f64() * 1e6 / (users.len() - start).max(1) as f64;
            clock.advance(30);
            let stats = scale_samples(&engine, &clock, &users, &mut pick);
            stats.emit(
                "verify_scale",
                json!({ "users": users.len(), "filled_us_per_user": per_user }),
            );
            continue;
        }
        // Enrollment renders a QR code (about 2 ms of CPU): spread it over the cores.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let start = users.len();
        let added: Vec<Vec<(String, Vec<u8>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let (engine, clock) = (&engine, &clock);
                    scope.spawn(move || {
                        (start + w..size)
                            .step_by(workers)
                            .map(|n| enrolled(engine, clock, n))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("enroll"))
                .collect()
        });
        users.extend(added.into_iter().flatten());
        let per_user = grow.elapsed().as_secs_f64() * 1e6 / (users.len() - start).max(1) as f64;
        clock.advance(30);
        let stats = scale_samples(&engine, &clock, &users, &mut pick);
        stats.emit(
            "verify_scale",
            json!({ "users": users.len(), "enroll_us_per_user": per_user }),
        );
    }
}

/// `SAMPLES` verifications, each of a different random user with the next step's code.
fn scale_samples(
    engine: &Engine,
    clock: &ManualClock,
    users: &[(String, Vec<u8>)],
    pick: &mut u64,
) -> Stats {
    timed(
        SAMPLES,
        |_| {
            *pick ^= *pick << 13;
            *pick ^= *pick >> 7;
            *pick ^= *pick << 17;
            let i = usize::try_from(*pick % users.len() as u64).expect("index");
            clock.advance(30);
            i
        },
        |i| verify_totp(engine, &users[i].0, &users[i].1, clock.now()),
    )
}

/// Backup-code checks with `left` codes remaining before each check.
fn backup_codes(dir: &std::path::Path) {
    let clock = Arc::new(ManualClock::new(START));
    let engine = engine(dir, "backup.db", &clock);
    let ctx = RequestContext::default();
    let (user, secret) = enrolled(&engine, &clock, 0);
    clock.advance(30);
    let pending = engine
        .sign_in("u0@bench.example", PASSWORD, &ctx)
        .expect("sign in");
    let code = totp::code_at(&secret, totp::TotpParams::default(), clock.now()).expect("code");
    let token = engine
        .verify_mfa(&VerifyMfaRequest {
            session_id: pending.session_id,
            method: "totp".into(),
            code: code.into(),
            ..Default::default()
        })
        .expect("challenge")
        .session
        .expect("session")
        .token;
    for left in [10_usize, 50] {
        let mut codes: Vec<String> = Vec::new();
        let stats = timed(
            500,
            |_| {
                // A fresh set of `left` codes before every check keeps `left` constant.
                codes = engine
                    .regenerate_backup_codes(
                        &user,
                        Some(i64::try_from(left).expect("count")),
                        Proof::new(Some(&token), None),
                        &ctx,
                    )
                    .expect("regenerate")
                    .codes;
                codes.pop().expect("code")
            },
            |code| {
                let r = engine
                    .verify_mfa(&VerifyMfaRequest {
                        session_id: Some(token.clone()),
                        method: "backup".into(),
                        code: code.into(),
                        ..Default::default()
                    })
                    .expect("verify");
                assert!(r.success, "backup code refused: {:?}", r.error);
            },
        );
        stats.emit("backup_codes", json!({ "codes": left }));
    }
    let stats = timed(
        5_000,
        |_| (),
        |()| assert!(engine.verify_session(&token).expect("verify").valid),
    );
    stats.emit("core_ops", json!({ "op": "verify_session" }));
    let args = json!({ "token": token });
    let stats = timed(
        5_000,
        |_| (),
        |()| {
            ops::dispatch(&engine, "verify_session", &args).expect("call");
        },
    );
    stats.emit(
        "core_ops",
        json!({ "op": "verify_session through the JSON step" }),
    );
    let stats = timed(
        5_000,
        |_| (),
        |()| {
            engine.get_mfa_status(&user).expect("status");
        },
    );
    stats.emit("core_ops", json!({ "op": "get_mfa_status" }));
}

/// Importing 100,000 users with TOTP secrets (bcrypt hashes kept as they are: no password is
/// hashed), from a JSON Lines file, durability `full`: users per second.
fn import(dir: &std::path::Path) {
    use plinto_mfa_core::api::ImportUsersRequest;
    const USERS: usize = 100_000;
    let hash = "$2b$05$6wIyLG3S38BHDytvKAJEa.MKBcN9aG0eT7seFgVWP51txPMIOmQJ2";
    let mut data = String::with_capacity(USERS * 160);
    for i in 0..USERS {
        let secret =
            totp::secret_to_base32(&plinto_mfa_core::crypto::random_bytes(20).expect("secret"));
        data.push_str(&format!(
            "{{\"email\":\"imported{i}@bench.example\",\"passwordHash\":\"{hash}\",\"totpSecret\":\"{secret}\"}}\n"
        ));
    }
    let path = dir.join("import.jsonl");
    std::fs::write(&path, data).expect("write");
    let mut options = EngineOptions::new(
        dir.join("import.db").to_string_lossy().into_owned(),
        SecretKey::generate().expect("key"),
    );
    options.config = Config::default();
    let engine = Engine::open(options).expect("open");
    let t = Instant::now();
    let report = engine
        .import_users(&ImportUsersRequest {
            path: Some(path.to_string_lossy().into_owned()),
            ..Default::default()
        })
        .expect("import");
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(
        report.imported as usize,
        USERS,
        "{:?}",
        report.issues.first()
    );
    println!(
        "{}",
        json!({ "lang": "rust", "name": "import", "users": USERS, "seconds": secs,
                "users_per_s": USERS as f64 / secs })
    );
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    backup_codes(dir.path());
    import(dir.path());
    verify_scale(dir.path());
}
