//! Bad input at every entry point gives the right typed error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::{EnableMfaRequest, MfaError, Proof, SecretKey, VerifyMfaRequest};

type Outcome = (String, Option<String>);

fn code_and_field(r: Result<impl std::fmt::Debug, MfaError>) -> Outcome {
    let e = r.expect_err("expected an error");
    (e.code().to_string(), e.field().map(str::to_string))
}

#[test]
fn table_of_bad_inputs() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, _, _) = enrolled_user(&env, &engine, "bad@example.com");
    let mb = "a".repeat(1 << 20);
    let nul = "abc\0def";
    let c = ctx();
    let inv = |f: &str| ("invalid_input".to_string(), Some(f.to_string()));

    let cases: Vec<(&str, Outcome, Outcome)> = vec![
        (
            "sign_up empty email",
            code_and_field(engine.sign_up("", PASSWORD, None, &c)),
            inv("email"),
        ),
        (
            "sign_up 1MB email",
            code_and_field(engine.sign_up(&mb, PASSWORD, None, &c)),
            inv("email"),
        ),
        (
            "sign_up NUL email",
            code_and_field(engine.sign_up(nul, PASSWORD, None, &c)),
            inv("email"),
        ),
        (
            "sign_up no @",
            code_and_field(engine.sign_up("not-an-email", PASSWORD, None, &c)),
            inv("email"),
        ),
        (
            "sign_up short password",
            code_and_field(engine.sign_up("x@example.com", "short", None, &c)),
            inv("password"),
        ),
        (
            "sign_up 1MB password",
            code_and_field(engine.sign_up("x@example.com", &mb, None, &c)),
            inv("password"),
        ),
        (
            "sign_up NUL password",
            code_and_field(engine.sign_up("x@example.com", "abcdefgh\0", None, &c)),
            inv("password"),
        ),
        (
            "sign_up bad role",
            code_and_field(engine.sign_up("x@example.com", PASSWORD, Some("Root!"), &c)),
            inv("role"),
        ),
        (
            "sign_in 1MB password",
            code_and_field(engine.sign_in("bad@example.com", &mb, &c)),
            inv("password"),
        ),
        (
            "sign_in empty password",
            code_and_field(engine.sign_in("bad@example.com", "", &c)),
            inv("password"),
        ),
        (
            "verify_session 1MB",
            code_and_field(engine.verify_session(&mb)),
            inv("token"),
        ),
        (
            "verify_session NUL",
            code_and_field(engine.verify_session(nul)),
            inv("token"),
        ),
        (
            "enable unknown method",
            code_and_field(engine.enable_mfa(&EnableMfaRequest {
                user_id: uid.clone(),
                method: "fax".into(),
                ..Default::default()
            })),
            ("mfa_method_not_supported".into(), None),
        ),
        (
            "enable empty user",
            code_and_field(engine.enable_mfa(&EnableMfaRequest {
                user_id: String::new(),
                method: "totp".into(),
                ..Default::default()
            })),
            inv("userId"),
        ),
        (
            "enable unknown user",
            code_and_field(engine.enable_mfa(&EnableMfaRequest {
                user_id: "usr_nope".into(),
                method: "totp".into(),
                ..Default::default()
            })),
            ("not_found".into(), None),
        ),
        (
            "enable 1MB label",
            code_and_field(engine.enable_mfa(&EnableMfaRequest {
                user_id: uid.clone(),
                method: "totp".into(),
                label: Some(mb.clone()),
                ..Default::default()
            })),
            inv("label"),
        ),
        (
            "enable label with colon",
            code_and_field(engine.enable_mfa(&EnableMfaRequest {
                user_id: uid.clone(),
                method: "totp".into(),
                label: Some("a:b".into()),
                ..Default::default()
            })),
            inv("label"),
        ),
        (
            "verify empty code",
            code_and_field(engine.verify_mfa(&by_user(&uid, "totp", ""))),
            inv("code"),
        ),
        (
            "verify 1MB code",
            code_and_field(engine.verify_mfa(&by_user(&uid, "totp", &mb))),
            inv("code"),
        ),
        (
            "verify NUL code",
            code_and_field(engine.verify_mfa(&by_user(&uid, "totp", nul))),
            inv("code"),
        ),
        (
            "verify no session or user",
            code_and_field(engine.verify_mfa(&VerifyMfaRequest {
                method: "totp".into(),
                code: "123456".into(),
                ..Default::default()
            })),
            inv("sessionId"),
        ),
        (
            "verify unknown session",
            code_and_field(engine.verify_mfa(&by_session("nope", "totp", "123456"))),
            ("session_invalid".into(), None),
        ),
        (
            "verify 1MB session",
            code_and_field(engine.verify_mfa(&by_session(&mb, "totp", "123456"))),
            inv("sessionId"),
        ),
        (
            "verify unknown method",
            code_and_field(engine.verify_mfa(&by_user(&uid, "sms2", "123456"))),
            ("mfa_method_not_supported".into(), None),
        ),
        (
            "regenerate zero",
            code_and_field(engine.regenerate_backup_codes(&uid, Some(0), Proof::default(), &c)),
            inv("count"),
        ),
        (
            "regenerate negative",
            code_and_field(engine.regenerate_backup_codes(&uid, Some(-3), Proof::default(), &c)),
            inv("count"),
        ),
        (
            "regenerate huge",
            code_and_field(engine.regenerate_backup_codes(
                &uid,
                Some(1 << 40),
                Proof::default(),
                &c,
            )),
            inv("count"),
        ),
        (
            "disable empty code",
            code_and_field(engine.disable_mfa(&uid, Some(PASSWORD), "", None, &c)),
            inv("confirmationCode"),
        ),
        (
            "audit zero limit",
            code_and_field(engine.list_audit_events(&uid, None, Some(0))),
            inv("limit"),
        ),
        (
            "status 1MB user",
            code_and_field(engine.get_mfa_status(&mb)),
            inv("userId"),
        ),
        (
            "delete unknown",
            code_and_field(engine.delete_user("usr_unknown", &ctx())),
            ("not_found".into(), None),
        ),
        (
            "step-up unknown session",
            code_and_field(engine.require_recent_mfa("nope", None)),
            ("session_invalid".into(), None),
        ),
        (
            "configure not an object",
            code_and_field(engine.configure(&serde_json::json!("x"))),
            inv("options"),
        ),
        (
            "malformed key: short",
            code_and_field(SecretKey::parse("abcd")),
            inv("secretKey"),
        ),
        (
            "malformed key: bad hex",
            code_and_field(SecretKey::parse(&"zz".repeat(32))),
            inv("secretKey"),
        ),
        (
            "malformed key: 31 bytes",
            code_and_field(SecretKey::from_bytes(&[0u8; 31])),
            inv("secretKey"),
        ),
        (
            "bad database path",
            code_and_field(plinto_mfa_core::Engine::open(
                plinto_mfa_core::EngineOptions::new("", env.key.clone()),
            )),
            inv("database"),
        ),
        (
            "unwritable database",
            code_and_field(plinto_mfa_core::Engine::open(
                plinto_mfa_core::EngineOptions::new(
                    "/nonexistent-dir/x/plinto.db",
                    env.key.clone(),
                ),
            )),
            ("storage".into(), None),
        ),
    ];
    let mut failures = Vec::new();
    for (name, got, want) in cases {
        if got != want {
            failures.push(format!("{name}: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nothing above was counted as an attempt or changed the user.
    assert!(engine.get_mfa_status(&uid).unwrap().enabled);
}

#[test]
fn every_error_has_a_listed_code_and_a_message() {
    use plinto_mfa_core::{ErrorCode, MfaError as E};
    let all = [
        E::invalid("f", "m"),
        E::not_found("User"),
        E::AlreadyExists { what: "x".into() },
        E::InvalidCredentials,
        E::SessionInvalid,
        E::setup_failed("x"),
        E::InvalidCode,
        E::ExpiredCode,
        E::unsupported("x"),
        E::NotEnabled,
        E::RateLimited { retry_after: 3 },
        E::BackupCodeAlreadyUsed,
        E::NoBackupCodesRemaining,
        E::DeliveryFailed {
            channel: "sms".into(),
        },
        E::StepUpRequired {
            max_age: 600,
            methods: vec!["totp".into()],
        },
        E::FactorsSuspended,
        E::SetupRequired,
        E::PushSuspended,
        E::KeyMismatch,
        E::DatabaseTooNew {
            found: 9,
            supported: 2,
        },
        E::storage("x"),
        E::internal("x"),
    ];
    let codes: Vec<ErrorCode> = all.iter().map(E::code).collect();
    assert_eq!(codes, ErrorCode::ALL);
    assert!(all.iter().all(|e| !e.to_string().is_empty()));
    assert_eq!(E::RateLimited { retry_after: 3 }.retry_after(), Some(3));
}
