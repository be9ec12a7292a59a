//! Shared set-up for the integration tests: real SQLite files in temp dirs, a manual clock,
//! and cheap argon2 parameters so the suite stays fast.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use plinto_mfa_core::totp::{self, TotpParams};
use plinto_mfa_core::{
    Config, EnableMfaRequest, Engine, EngineOptions, ManualClock, RequestContext, SecretKey,
    VerifyMfaRequest, VerifyMfaResult,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

pub struct Env {
    pub dir: tempfile::TempDir,
    pub key: SecretKey,
    pub clock: Arc<ManualClock>,
}

impl Env {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            key: SecretKey::generate().unwrap(),
            clock: Arc::new(ManualClock::new(T0)),
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("plinto.db")
    }

    pub fn options(&self) -> EngineOptions {
        EngineOptions {
            database: self.db_path().to_string_lossy().into_owned(),
            secret_key: self.key.clone(),
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
