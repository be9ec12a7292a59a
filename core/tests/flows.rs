//! End-to-end flows of the engine on real SQLite files: sign-up, TOTP enrollment, sign-in with
//! MFA, backup codes, lockout, step-up, status, disable, audit, deletion, configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::{EnableMfaRequest, Engine, MfaError, Proof};
use std::process::Command;

#[test]
fn totp_enrollment_and_sign_in_with_mfa() {
    let env = Env::new();
    let engine = env.engine();
    let signed_up = engine
        .sign_up("Alice@Example.com", PASSWORD, Some("admin"), &ctx())
        .unwrap();
    assert_eq!(signed_up.user.email, "alice@example.com");
    assert_eq!(signed_up.user.role, "admin");
    assert!(!signed_up.user.mfa_enabled);
    assert_eq!(signed_up.session.token.len(), 43);

    let setup = engine
        .enable_mfa(&EnableMfaRequest {
            user_id: signed_up.user.id.clone(),
            method: "totp".into(),
            label: Some("MyApp".into()),
            ..Default::default()
        })
        .unwrap();
    let secret = setup.secret.clone().unwrap();
    let uri = setup.qr_code_url.clone().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/MyApp:alice%40example.com?secret="),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}&issuer=MyApp")));
    assert!(setup.qr_code_svg.as_deref().unwrap().contains("<svg"));
    assert!(setup
        .qr_code_data_url
        .as_deref()
        .unwrap()
        .starts_with("data:image/svg+xml;base64,"));
    // Still pending: sign-in does not ask for MFA yet.
    assert!(
        !engine
            .sign_in("alice@example.com", PASSWORD, &ctx())
            .unwrap()
            .requires_mfa
    );
    assert!(!engine.get_mfa_status(&signed_up.user.id).unwrap().enabled);

    // A wrong code does not activate; the right one does and returns backup codes once.
    let wrong = engine
        .verify_mfa(&by_user(&signed_up.user.id, "totp", "000000"))
        .unwrap();
    assert_failed(&wrong);
    assert_eq!(wrong.attempts_remaining, Some(4));
    assert_eq!(wrong.error.as_deref(), Some("mfa_invalid_code"));
    let ok = engine
        .verify_mfa(&by_user(
            &signed_up.user.id,
            "totp",
            &code_for(&secret, env.now()),
        ))
        .unwrap();
    assert!(ok.success);
    let codes = ok.backup_codes.unwrap();
    assert_eq!(codes.len(), 10);
    let status = engine.get_mfa_status(&signed_up.user.id).unwrap();
    assert!(status.enabled);
    assert_eq!(status.methods, vec!["totp", "backup"]);
    assert_eq!(status.backup_codes_remaining, 10);
    assert_eq!(status.totp_devices.len(), 1);
    assert_eq!(status.totp_devices[0].name, "MyApp");
    assert!(status.setup_date.is_some());

    // Sign-in now needs MFA; the pending handle is not a usable session.
    env.clock.advance(30);
    let first = engine
        .sign_in("alice@example.com", PASSWORD, &ctx())
        .unwrap();
    assert!(first.requires_mfa && first.session.is_none() && first.user.is_none());
    assert_eq!(first.mfa_methods, vec!["totp", "backup"]);
    let pending = first.session_id.unwrap();
    // A pending sign-in authenticates nothing: not valid, no user, only its methods.
    let info = engine.verify_session(&pending).unwrap();
    assert!(!info.valid && info.requires_mfa && !info.mfa_completed);
    assert_eq!(info.state, "mfa_pending");
    assert!(info.id.is_none() && info.user.is_none());
    assert_eq!(info.mfa_methods, vec!["totp", "backup"]);

    let done = engine
        .verify_mfa(&by_session(&pending, "totp", &code_for(&secret, env.now())))
        .unwrap();
    assert!(done.success, "{done:?}");
    let session = done.session.unwrap();
    assert_ne!(session.token, pending, "a new token is issued after MFA");
    assert!(session.id.starts_with("ses_") && session.id != session.token);
    assert_eq!(session.expires_in, 43_200);
    assert_eq!(done.user.unwrap().email, "alice@example.com");
    let info = engine.verify_session(&session.token).unwrap();
    assert!(info.valid && !info.requires_mfa && info.mfa_completed && info.mfa_verified);
    assert_eq!(info.mfa_method.as_deref(), Some("totp"));
    // The pending handle is spent.
    assert!(!engine.verify_session(&pending).unwrap().valid);
    assert_eq!(
        engine
            .verify_mfa(&by_session(&pending, "totp", "123456"))
            .err(),
        Some(MfaError::SessionInvalid)
    );
}

#[test]
fn code_from_oathtool_completes_sign_in() {
    let env = Env::new();
    let engine = env.engine();
    let (_, secret, _) = enrolled_user(&env, &engine, "oath@example.com");
    let pending = pending_session(&engine, "oath@example.com");
    let out = Command::new("oathtool")
        .args(["--totp", "-b", "-N", &format!("@{}", env.now()), &secret])
        .output()
        .expect("oathtool");
    let code = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let r = engine
        .verify_mfa(&by_session(&pending, "totp", &code))
        .unwrap();
    assert!(r.success, "{r:?}");
}

#[test]
fn replayed_totp_step_is_refused_and_audited() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, secret, _) = enrolled_user(&env, &engine, "replay@example.com");
    let code = code_for(&secret, env.now());
    let p1 = pending_session(&engine, "replay@example.com");
    assert!(
        engine
            .verify_mfa(&by_session(&p1, "totp", &code))
            .unwrap()
            .success
    );
    let p2 = pending_session(&engine, "replay@example.com");
    let again = engine.verify_mfa(&by_session(&p2, "totp", &code)).unwrap();
    assert_failed(&again);
    // An older step inside the window is refused too once a later one was used.
    let older = code_for(&secret, env.now() - 30);
    assert_failed(&engine.verify_mfa(&by_session(&p2, "totp", &older)).unwrap());
    let events = engine.list_audit_events(&uid, None, None).unwrap();
    assert!(events
        .iter()
        .any(|e| e.action == "totp_replay" && !e.success));
    // The next step works.
    env.clock.advance(30);
    assert!(
        engine
            .verify_mfa(&by_session(&p2, "totp", &code_for(&secret, env.now())))
            .unwrap()
            .success
    );
}

#[test]
fn backup_codes_are_single_use_and_regenerate_voids_old() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, _, codes) = enrolled_user(&env, &engine, "backup@example.com");
    let p = pending_session(&engine, "backup@example.com");
    // Lower case with a separator is accepted.
    let typed = format!("{}-{}", &codes[0][..5], &codes[0][5..]).to_lowercase();
    let ok = engine
        .verify_mfa(&by_session(&p, "backup", &typed))
        .unwrap();
    assert!(ok.success, "{ok:?}");
    assert_eq!(
        engine.get_mfa_status(&uid).unwrap().backup_codes_remaining,
        9
    );
    let p2 = pending_session(&engine, "backup@example.com");
    let reused = engine
        .verify_mfa(&by_session(&p2, "backup", &codes[0]))
        .unwrap();
    assert_failed(&reused);
    assert_eq!(
        reused.error.as_deref(),
        Some("mfa_backup_code_already_used")
    );

    // New codes are a step-up operation: here a remaining code is the proof.
    let fresh = engine
        .regenerate_backup_codes(&uid, Some(12), Proof::new(None, Some(&codes[5])), &ctx())
        .unwrap();
    assert_eq!(fresh.codes.len(), 12);
    let old = engine
        .verify_mfa(&by_session(&p2, "backup", &codes[1]))
        .unwrap();
    assert_failed(&old);
    assert!(
        engine
            .verify_mfa(&by_session(&p2, "backup", &fresh.codes[3]))
            .unwrap()
            .success
    );
    assert_eq!(
        engine.get_mfa_status(&uid).unwrap().backup_codes_remaining,
        11
    );
}

#[test]
fn wrong_codes_lock_out_and_correct_code_is_refused_during_lockout() {
    let env = Env::new();
    let engine = env.engine();
    let (_, secret, _) = enrolled_user(&env, &engine, "lock@example.com");
    let p = pending_session(&engine, "lock@example.com");
    let mut seen = Vec::new();
    for _ in 0..5 {
        let r = engine
            .verify_mfa(&by_session(&p, "totp", "000000"))
            .unwrap();
        assert_failed(&r);
        seen.push((r.attempts_remaining, r.rate_limited, r.retry_after));
    }
    assert_eq!(
        seen,
        vec![
            (Some(4), false, Some(2)),
            (Some(3), false, Some(4)),
            (Some(2), false, Some(8)),
            (Some(1), false, Some(16)),
            (Some(0), true, Some(900)),
        ]
    );
    let right = engine
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap();
    assert_failed(&right);
    assert!(right.rate_limited);
    assert_eq!(right.error.as_deref(), Some("mfa_rate_limited"));
    // After the lockout the (new) right code works, on a fresh pending session.
    env.clock.advance(15 * 60);
    let p2 = pending_session(&engine, "lock@example.com");
    assert!(
        engine
            .verify_mfa(&by_session(&p2, "totp", &code_for(&secret, env.now())))
            .unwrap()
            .success
    );
}

#[test]
fn lockout_survives_closing_and_reopening_the_database() {
    let env = Env::new();
    let secret;
    let p;
    {
        let engine = env.engine();
        let enrolled = enrolled_user(&env, &engine, "persist@example.com");
        secret = enrolled.1;
        p = pending_session(&engine, "persist@example.com");
        for _ in 0..5 {
            engine
                .verify_mfa(&by_session(&p, "totp", "999999"))
                .unwrap();
        }
    }
    let engine = env.engine();
    let r = engine
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap();
    assert!(r.rate_limited, "{r:?}");
    assert!(r.retry_after.unwrap() > 0);
}

#[test]
fn step_up_refreshes_mfa_time() {
    let env = Env::new();
    let engine = env.engine();
    let (_, secret, _) = enrolled_user(&env, &engine, "stepup@example.com");
    let p = pending_session(&engine, "stepup@example.com");
    let s = engine
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap()
        .session
        .unwrap();
    engine.require_recent_mfa(&s.token, None).unwrap();
    env.clock.advance(11 * 60);
    assert_eq!(
        engine
            .require_recent_mfa(&s.token, None)
            .err()
            .map(|e| e.code().as_str()),
        Some("mfa_step_up_required")
    );
    engine.require_recent_mfa(&s.token, Some(3600)).unwrap();
    let r = engine
        .verify_mfa(&by_session(&s.token, "totp", &code_for(&secret, env.now())))
        .unwrap();
    assert!(r.success);
    assert_eq!(
        r.session.unwrap().token,
        s.token,
        "step-up keeps the session"
    );
    engine.require_recent_mfa(&s.token, None).unwrap();
    // A session without MFA never passes.
    let plain = engine
        .sign_up("nomfa@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .session;
    assert!(engine.require_recent_mfa(&plain.token, None).is_err());
}

#[test]
fn sessions_expire_and_sign_out() {
    let env = Env::new();
    let engine = env.engine();
    let s = engine
        .sign_up("exp@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .session;
    assert!(engine.verify_session(&s.token).unwrap().valid);
    env.clock.advance(86_400);
    assert!(!engine.verify_session(&s.token).unwrap().valid);
    let s2 = engine
        .sign_in("exp@example.com", PASSWORD, &ctx())
        .unwrap()
        .session
        .unwrap();
    assert!(engine.sign_out(&s2.token, &ctx()).unwrap());
    assert!(!engine.verify_session(&s2.token).unwrap().valid);
    assert!(!engine.sign_out(&s2.token, &ctx()).unwrap());
    // Pending sessions expire after 10 minutes.
    let (_, secret, _) = enrolled_user(&env, &engine, "pend@example.com");
    let p = pending_session(&engine, "pend@example.com");
    env.clock.advance(601);
    assert_eq!(
        engine
            .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
            .err(),
        Some(MfaError::SessionInvalid)
    );
}

#[test]
fn sign_in_errors_do_not_reveal_which_part_was_wrong() {
    let env = Env::new();
    let engine = env.engine();
    engine
        .sign_up("known@example.com", PASSWORD, None, &ctx())
        .unwrap();
    let unknown = engine
        .sign_in("unknown@example.com", PASSWORD, &ctx())
        .err()
        .unwrap();
    let wrong = engine
        .sign_in("known@example.com", "WrongPassword1!", &ctx())
        .err()
        .unwrap();
    assert_eq!(unknown, MfaError::InvalidCredentials);
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert_eq!(
        engine
            .sign_up("KNOWN@example.com", PASSWORD, None, &ctx())
            .err()
            .map(|e| e.code().as_str()),
        Some("already_exists")
    );
}

#[test]
fn unknown_email_costs_a_password_hash() {
    // Same time for unknown and wrong: both run argon2 with the configured cost.
    let env = Env::new();
    let mut opts = env.options();
    opts.config = plinto_mfa_core::Config::default();
    let engine = Engine::open(opts).unwrap();
    engine
        .sign_up("timing@example.com", PASSWORD, None, &ctx())
        .unwrap();
    let time = |email: &str| {
        let t = std::time::Instant::now();
        for _ in 0..3 {
            let _ = engine.sign_in(email, "WrongPassword1!", &ctx());
        }
        t.elapsed().as_secs_f64()
    };
    let _ = time("nobody@example.com"); // warm the dummy hash

    // The fastest of interleaved rounds: other tests share the cores, and a round that
    // waited for one says nothing about the work. Each unknown round has an email of its
    // own, and the known one stays below the account's attempt limit, so no round is
    // refused before hashing.
    let (mut unknown, mut wrong) = (f64::MAX, f64::MAX);
    for round in 0..3 {
        unknown = unknown.min(time(&format!("nobody{round}@example.com")));
        wrong = wrong.min(time("timing@example.com"));
    }
    let ratio = unknown / wrong;
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown:.3}s vs wrong {wrong:.3}s"
    );
}

#[test]
fn verify_password_and_disable_mfa() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, secret, codes) = enrolled_user(&env, &engine, "disable@example.com");
    assert_eq!(
        engine
            .verify_password(&uid, "nope-nope-nope", None, &ctx())
            .err(),
        Some(MfaError::InvalidCredentials)
    );
    // No password and no recent password check (sign-in counts for five minutes) →
    // invalid_input naming the password.
    env.clock.advance(301);
    let err = engine
        .disable_mfa(&uid, None, &codes[0], None, &ctx())
        .err()
        .unwrap();
    assert_eq!(
        (err.code().as_str(), err.field()),
        ("invalid_input", Some("password"))
    );
    assert_eq!(
        engine
            .disable_mfa(&uid, Some("WrongPassword1!"), &codes[0], None, &ctx())
            .err(),
        Some(MfaError::InvalidCredentials)
    );
    assert_eq!(
        engine
            .disable_mfa(&uid, Some(PASSWORD), "000000", None, &ctx())
            .err(),
        Some(MfaError::InvalidCode)
    );
    // The guide's order: verifyPassword, then disableMFA with the confirmation code.
    engine
        .verify_password(&uid, PASSWORD, None, &ctx())
        .unwrap();
    let r = engine
        .disable_mfa(&uid, None, &code_for(&secret, env.now()), None, &ctx())
        .unwrap();
    assert!(r.success);
    let status = engine.get_mfa_status(&uid).unwrap();
    assert!(!status.enabled && status.methods.is_empty() && status.backup_codes_remaining == 0);
    assert!(
        !engine
            .sign_in("disable@example.com", PASSWORD, &ctx())
            .unwrap()
            .requires_mfa
    );
    assert_eq!(
        engine
            .disable_mfa(&uid, Some(PASSWORD), "123456", None, &ctx())
            .err(),
        Some(MfaError::NotEnabled)
    );
    // Re-enrolling gives a new set of backup codes.
    env.clock.advance(30);
    let (_, _, again) = {
        let setup = engine
            .enable_mfa(&EnableMfaRequest {
                user_id: uid.clone(),
                method: "totp".into(),
                ..Default::default()
            })
            .unwrap();
        let s = setup.secret.unwrap();
        let r = engine
            .verify_mfa(&by_user(&uid, "totp", &code_for(&s, env.now())))
            .unwrap();
        (uid.clone(), s, r.backup_codes.unwrap())
    };
    assert_eq!(again.len(), 10);
}

#[test]
fn several_authenticator_devices() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, phone, _) = enrolled_user(&env, &engine, "devices@example.com");
    let token = mfa_session(&env, &engine, "devices@example.com", &phone);
    let tablet = engine
        .enable_mfa(&EnableMfaRequest {
            user_id: uid.clone(),
            method: "totp".into(),
            device_name: Some("Tablet".into()),
            session_token: Some(token.as_str().into()),
            ..Default::default()
        })
        .unwrap()
        .secret
        .unwrap();
    let r = engine
        .verify_mfa(&by_user(&uid, "totp", &code_for(&tablet, env.now())))
        .unwrap();
    assert!(r.success);
    assert!(
        r.backup_codes.is_none(),
        "backup codes come with the first activation only"
    );
    let names: Vec<String> = engine
        .get_mfa_status(&uid)
        .unwrap()
        .totp_devices
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, vec!["MyApp", "Tablet"]);
    env.clock.advance(30);
    let p = pending_session(&engine, "devices@example.com");
    assert!(
        engine
            .verify_mfa(&by_session(&p, "totp", &code_for(&phone, env.now())))
            .unwrap()
            .success
    );
    env.clock.advance(30);
    let p = pending_session(&engine, "devices@example.com");
    assert!(
        engine
            .verify_mfa(&by_session(&p, "totp", &code_for(&tablet, env.now())))
            .unwrap()
            .success
    );
}

#[test]
fn audit_log_records_each_step() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, secret, _) = enrolled_user(&env, &engine, "audit@example.com");
    let _ = engine.sign_in("audit@example.com", "bad-password-1", &ctx());
    let p = pending_session(&engine, "audit@example.com");
    engine
        .verify_mfa(&by_session(&p, "totp", "000000"))
        .unwrap();
    let token = engine
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap()
        .session
        .unwrap()
        .token;
    engine
        .regenerate_backup_codes(&uid, None, Proof::new(Some(&token), None), &ctx())
        .unwrap();
    let events = engine.list_audit_events(&uid, None, None).unwrap();
    let actions: Vec<(String, bool)> = events
        .iter()
        .rev()
        .map(|e| (e.action.clone(), e.success))
        .collect();
    let expected = [
        ("sign_up", true),
        ("mfa_enable", true),
        ("mfa_activate", true),
        // The new factor ended the sign-up session (no session was named to keep).
        ("session_revoke", true),
        ("sign_in", false),
        ("sign_in", true),
        ("mfa_verify", false),
        ("mfa_verify", true),
        ("backup_codes_regenerate", true),
    ];
    let expected: Vec<(String, bool)> = expected.iter().map(|(a, s)| (a.to_string(), *s)).collect();
    assert_eq!(actions, expected);
    assert!(events
        .iter()
        .all(|e| e.ip_address.as_deref() == Some("127.0.0.1")));
    assert_eq!(events[2].detail.as_deref(), Some("mfa_invalid_code"));
    assert_eq!(events[5].detail.as_deref(), Some("factor_add: 1"));
    assert_eq!(
        engine.list_audit_events(&uid, None, Some(2)).unwrap().len(),
        2
    );
    assert!(engine
        .list_audit_events(&uid, Some(env.now() + 1), None)
        .unwrap()
        .is_empty());
}

#[test]
fn delete_user_removes_every_row() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, _, _) = enrolled_user(&env, &engine, "gone@example.com");
    let p = pending_session(&engine, "gone@example.com");
    engine
        .verify_mfa(&by_session(&p, "totp", "000000"))
        .unwrap();
    engine.delete_user(&uid, &ctx()).unwrap();
    assert_eq!(
        engine.get_user(&uid).err().map(|e| e.code().as_str()),
        Some("not_found")
    );
    assert_eq!(
        engine
            .delete_user(&uid, &ctx())
            .err()
            .map(|e| e.code().as_str()),
        Some("not_found")
    );
    drop(engine);
    for table in [
        "users",
        "sessions",
        "totp_devices",
        "backup_codes",
        "attempts",
        "audit_events",
    ] {
        let n = env.sql_count(
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE {} = ?1",
                if table == "users" { "id" } else { "user_id" }
            ),
            &[&uid],
        );
        assert_eq!(n, 0, "{table}");
    }
}

#[test]
fn configure_changes_enrollment_and_limits() {
    let env = Env::new();
    let engine = env.engine();
    engine
        .configure(&serde_json::json!({
            "methods": {"totp": {"issuer": "Acme", "algorithm": "SHA512", "digits": 8, "period": 60}},
            "rateLimiting": {"maxAttempts": 2, "windowMinutes": 5, "lockoutMinutes": 1},
            "backupCodes": {"count": 4, "length": 12, "algorithm": "numeric"}
        }))
        .unwrap();
    let user = engine
        .sign_up("cfg@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let setup = engine
        .enable_mfa(&EnableMfaRequest {
            user_id: user.id.clone(),
            method: "totp".into(),
            ..Default::default()
        })
        .unwrap();
    let uri = setup.qr_code_url.unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Acme:")
            && uri.contains("algorithm=SHA512&digits=8&period=60"),
        "{uri}"
    );
    let raw = plinto_mfa_core::totp::secret_from_base32(&setup.secret.unwrap(), "s").unwrap();
    assert_eq!(raw.len(), 64);
    let params = plinto_mfa_core::totp::TotpParams {
        algorithm: plinto_mfa_core::totp::TotpAlgorithm::Sha512,
        digits: 8,
        period: 60,
    };
    let code = plinto_mfa_core::totp::code_at(&raw, params, env.now()).unwrap();
    let r = engine
        .verify_mfa(&by_user(&user.id, "totp", &code))
        .unwrap();
    let codes = r.backup_codes.unwrap();
    assert_eq!(codes.len(), 4);
    assert!(codes
        .iter()
        .all(|c| c.len() == 12 && c.bytes().all(|b| b.is_ascii_digit())));
    let p = pending_session(&engine, "cfg@example.com");
    assert_eq!(
        engine
            .verify_mfa(&by_session(&p, "totp", "00000000"))
            .unwrap()
            .attempts_remaining,
        Some(1)
    );
    assert!(
        engine
            .verify_mfa(&by_session(&p, "totp", "00000000"))
            .unwrap()
            .rate_limited
    );
    let err = engine
        .configure(&serde_json::json!({"rateLimiting": {"lockoutMinutes": -1}}))
        .err()
        .unwrap();
    assert_eq!(err.field(), Some("rateLimiting.lockoutMinutes"));
    assert_eq!(engine.config().rate_limiting.lockout_minutes, 1);
}

#[test]
fn methods_not_available_are_typed_errors() {
    let env = Env::new();
    let engine = env.engine();
    let user = engine
        .sign_up("methods@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user;
    // Push is a method, but not once the settings turn it off.
    engine
        .configure(&serde_json::json!({"methods": {"push": {"enabled": false}}}))
        .unwrap();
    for m in ["push", "carrier-pigeon"] {
        let e = engine
            .enable_mfa(&EnableMfaRequest {
                user_id: user.id.clone(),
                method: m.into(),
                ..Default::default()
            })
            .err()
            .unwrap();
        assert_eq!(e.code(), "mfa_method_not_supported", "{m}");
    }
    assert_eq!(
        engine
            .verify_mfa(&by_user(&user.id, "totp", "123456"))
            .err()
            .map(|e| e.code().as_str()),
        Some("mfa_method_not_supported")
    );
    assert_eq!(
        engine
            .regenerate_backup_codes(&user.id, None, Proof::default(), &ctx())
            .err(),
        Some(MfaError::NotEnabled)
    );
    engine
        .configure(&serde_json::json!({"methods": {"totp": {"enabled": false}}}))
        .unwrap();
    assert_eq!(
        engine
            .enable_mfa(&EnableMfaRequest {
                user_id: user.id.clone(),
                method: "totp".into(),
                ..Default::default()
            })
            .err()
            .map(|e| e.code().as_str()),
        Some("mfa_method_not_supported")
    );
}
