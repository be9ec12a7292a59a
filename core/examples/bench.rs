//! Benchmarks of the core's operations on a real SQLite file (`make bench`, release build).
//!
//! Each operation runs a warm-up, then N timed iterations one at a time; the table gives the
//! median, 99th percentile and mean per operation. Time is a manual clock, so TOTP steps
//! advance without waiting and every code is fresh (the replay guard sees no reuse).
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use plinto_mfa_core::{
    crypto, ops, totp, EnableMfaRequest, Engine, EngineOptions, ManualClock, Proof, RequestContext,
    SecretKey, VerifyMfaRequest,
};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "Bench-Password-42";
const START: i64 = 1_800_000_000;

/// Times `iterations` calls of `op` (after a tenth as many warm-up calls) and prints a row.
fn bench(name: &str, iterations: usize, mut op: impl FnMut()) {
    bench_prepared(name, iterations, || (), |()| op());
}

/// Like [`bench`], with an untimed `prepare` before each call whose output `op` consumes.
fn bench_prepared<T>(
    name: &str,
    iterations: usize,
    mut prepare: impl FnMut() -> T,
    mut op: impl FnMut(T),
) {
    for _ in 0..(iterations / 10).max(1) {
        op(prepare());
    }
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let input = prepare();
        let t = Instant::now();
        op(input);
        times.push(t.elapsed());
    }
    times.sort();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    let mean = times.iter().map(|d| micros(*d)).sum::<f64>() / times.len() as f64;
    let p50 = micros(times[times.len() / 2]);
    let p99 = micros(times[(times.len() * 99 / 100).min(times.len() - 1)]);
    println!("| {name:<50} | {iterations:>6} | {p50:>10.1} | {p99:>10.1} | {mean:>10.1} |");
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(START));
    let mut options = EngineOptions::new(
        dir.path().join("bench.db").to_string_lossy().into_owned(),
        SecretKey::generate().expect("key"),
    );
    options.clock = Some(clock.clone());
    let engine = Engine::open(options).expect("open");
    let ctx = RequestContext::default();

    println!("Plinto MFA core, release build, SQLite file in a temp dir (WAL, synchronous=FULL)\n");
    println!(
        "| {:<50} | {:>6} | {:>10} | {:>10} | {:>10} |",
        "operation", "n", "median µs", "p99 µs", "mean µs"
    );
    println!(
        "|{:-<52}|{:-<8}|{:-<12}|{:-<12}|{:-<12}|",
        "", "", "", "", ""
    );

    // Pure computations.
    let secret = totp::generate_secret(totp::TotpAlgorithm::Sha1).expect("secret");
    let params = totp::TotpParams::default();
    let mut t = START;
    bench("TOTP code (HMAC-SHA1, 6 digits)", 20_000, || {
        t += 30;
        totp::code_at(&secret, params, t).expect("code");
    });
    let key = SecretKey::generate().expect("key");
    bench("seal + open a secret (AES-256-GCM)", 20_000, || {
        let sealed = crypto::seal(&key, "bench", &secret).expect("seal");
        crypto::open(&key, "bench", &sealed).expect("open");
    });

    // A user with TOTP, signed in with MFA.
    let user = engine
        .sign_up("bench@example.com", PASSWORD, None, &ctx)
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
    let code_now = |clock: &ManualClock| {
        use plinto_mfa_core::Clock;
        totp::code_at(&secret, params, clock.now()).expect("code")
    };
    let confirmed = engine
        .verify_mfa(&VerifyMfaRequest {
            user_id: Some(user.id.clone()),
            method: "totp".into(),
            code: code_now(&clock).into(),
            ..Default::default()
        })
        .expect("confirm");
    assert!(confirmed.success);
    clock.advance(30);
    let pending = engine
        .sign_in("bench@example.com", PASSWORD, &ctx)
        .expect("sign in");
    let done = engine
        .verify_mfa(&VerifyMfaRequest {
            session_id: pending.session_id.clone(),
            method: "totp".into(),
            code: code_now(&clock).into(),
            ..Default::default()
        })
        .expect("challenge");
    let token = done.session.expect("session").token;

    bench("verify_session (SQLite read)", 5_000, || {
        assert!(engine.verify_session(&token).expect("verify").valid);
    });
    bench("json_api dispatch verify_session (bindings)", 5_000, || {
        ops::dispatch(&engine, "verify_session", &json!({ "token": token })).expect("call");
    });
    bench_prepared(
        "verify_mfa TOTP, step-up (attempt + replay guard)",
        1_000,
        || {
            clock.advance(30);
            code_now(&clock)
        },
        |code| {
            let r = engine
                .verify_mfa(&VerifyMfaRequest {
                    session_id: Some(token.clone()),
                    method: "totp".into(),
                    code: code.into(),
                    ..Default::default()
                })
                .expect("verify");
            assert!(r.success);
        },
    );
    let mut codes: Vec<String> = Vec::new();
    bench_prepared(
        "verify_mfa backup code (single use)",
        500,
        || {
            if codes.is_empty() {
                codes = engine
                    .regenerate_backup_codes(
                        &user.id,
                        Some(20),
                        Proof::new(Some(&token), None),
                        &ctx,
                    )
                    .expect("regenerate")
                    .codes;
            }
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
            assert!(r.success);
        },
    );
    bench("get_mfa_status", 5_000, || {
        engine.get_mfa_status(&user.id).expect("status");
    });
    bench("sign_in + verify_mfa (argon2id 19 MiB, t=2)", 20, || {
        clock.advance(30);
        let p = engine
            .sign_in("bench@example.com", PASSWORD, &ctx)
            .expect("sign in");
        let r = engine
            .verify_mfa(&VerifyMfaRequest {
                session_id: p.session_id,
                method: "totp".into(),
                code: code_now(&clock).into(),
                ..Default::default()
            })
            .expect("verify");
        assert!(r.success);
    });
}
