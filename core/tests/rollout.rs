//! Rolling MFA out: each phase, the deadline on the engine's manual clock, the percentage
//! buckets against fixed vectors, batch enforcement and statistics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::api::{SetRolloutRequest, SignInResult};
use plinto_mfa_core::{rollout, Engine, MfaError};

fn set(engine: &Engine, phase: &str, percentage: Option<u32>) {
    engine
        .set_rollout(&SetRolloutRequest {
            phase: Some(phase.into()),
            percentage,
            prompt_locations: Some(vec!["dashboard".into(), "settings".into()]),
            context: ctx(),
        })
        .unwrap();
}

fn sign_in(engine: &Engine, email: &str) -> SignInResult {
    engine.sign_in(email, PASSWORD, &ctx()).unwrap()
}

/// An environment and an engine whose grace period is `days`.
fn graced(days: u32) -> (Env, Engine) {
    let env = Env::new();
    let engine = configured(&env, days);
    (env, engine)
}

fn configured(env: &Env, days: u32) -> Engine {
    let engine = env.engine();
    engine
        .configure(&serde_json::json!({ "security": { "gracePeriodDays": days } }))
        .unwrap();
    engine
}

#[test]
fn buckets_match_the_documented_hash_and_fixed_vectors() {
    // SHA-256("plinto-rollout:" ‖ id), first four bytes big-endian, modulo 100. The shared
    // vectors file is checked by the Node and Python tests too.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/rollout_buckets.json"
    ))
    .unwrap();
    let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let id = case["userId"].as_str().unwrap();
        assert_eq!(
            u64::from(rollout::bucket(id)),
            case["bucket"].as_u64().unwrap(),
            "{id}"
        );
    }
    // Spread: 10,000 ids fill every bucket, none far from 1 %.
    let mut counts = [0u32; 100];
    for i in 0..10_000 {
        counts[rollout::bucket(&format!("usr_{i}")) as usize] += 1;
    }
    assert!(counts.iter().all(|c| (60..=140).contains(c)), "{counts:?}");
}

#[test]
fn phases_prompt_and_require_as_documented() {
    let (_env, engine) = graced(30);
    engine
        .sign_up("admin@example.com", PASSWORD, Some("admin"), &ctx())
        .unwrap();
    engine
        .sign_up("user@example.com", PASSWORD, None, &ctx())
        .unwrap();
    let standing = |email: &str| sign_in(&engine, email).mfa_enrollment.unwrap();

    // A store never rolled out is optional: nothing asked.
    let status = engine.get_rollout(None).unwrap();
    assert_eq!(
        (status.phase.as_str(), status.percentage),
        ("optional", 100)
    );
    assert!(!standing("admin@example.com").prompt);

    set(&engine, "DISABLED", None);
    assert!(!standing("user@example.com").prompt);

    set(&engine, "encouraged", Some(100));
    let s = standing("user@example.com");
    assert!(s.prompt && !s.required && !s.restricted);
    assert_eq!(s.prompt_locations, ["dashboard", "settings"]);

    set(&engine, "required_admin", None);
    let admin = standing("admin@example.com");
    assert!(admin.required && !admin.restricted);
    assert_eq!(admin.days_left, Some(30));
    let user = standing("user@example.com");
    assert!(user.prompt && !user.required);

    set(&engine, "required_all", None);
    let user = standing("user@example.com");
    assert!(user.required);
    assert_eq!(user.days_left, Some(30));

    // Percentage 0 leaves users out of the rollout (admins stay required).
    set(&engine, "required_all", Some(0));
    assert!(!standing("user@example.com").prompt);
    assert!(standing("admin@example.com").required);

    let status = engine.get_rollout(None).unwrap();
    let phases: Vec<_> = status.phases.iter().map(|p| p.phase.as_str()).collect();
    assert_eq!(
        phases,
        ["disabled", "encouraged", "required_admin", "required_all"]
    );
    assert!(status.phase_started_at.is_some());
}

#[test]
fn past_the_deadline_a_session_may_only_enroll() {
    let (env, engine) = graced(2);
    let year = 31_536_000;
    engine
        .configure(&serde_json::json!({ "security": { "profile": "custom" }, "sessions": { "ttlSeconds": year, "idleTimeoutSeconds": year } }))
        .unwrap();
    engine
        .sign_up("late@example.com", PASSWORD, None, &ctx())
        .unwrap();
    set(&engine, "required_all", Some(100));
    let first = sign_in(&engine, "late@example.com");
    let token = first.session.unwrap().token;
    assert_eq!(first.mfa_enrollment.unwrap().days_left, Some(2));
    assert!(engine.authorize(&token, "view_reports").unwrap().authorized);

    // One second before the deadline: still allowed, one day left.
    env.clock.advance(2 * 86_400 - 1);
    let info = engine.verify_session(&token).unwrap();
    let e = info.mfa_enrollment.unwrap();
    assert!(!e.restricted && e.days_left == Some(1));
    assert!(engine.authorize(&token, "view_reports").is_ok());

    // At the deadline: held to enrollment.
    env.clock.advance(1);
    let e = engine
        .verify_session(&token)
        .unwrap()
        .mfa_enrollment
        .unwrap();
    assert!(e.restricted && e.days_left == Some(0));
    assert_eq!(
        engine.authorize(&token, "view_reports").err(),
        Some(MfaError::SetupRequired)
    );
    // A new sign-in keeps the same deadline (the grace period starts once).
    let again = sign_in(&engine, "late@example.com");
    assert!(again.mfa_enrollment.unwrap().restricted);

    // Enrolling (the one thing left to do, with the fresh sign-in as step-up) lifts it.
    let uid = again.user.unwrap().id;
    let token = again.session.unwrap().token;
    let setup = engine
        .enable_mfa(&plinto_mfa_core::api::EnableMfaRequest {
            user_id: uid.clone(),
            method: "totp".into(),
            session_token: Some(token.clone().into()),
            context: ctx(),
            ..Default::default()
        })
        .unwrap();
    let code = code_for(&setup.secret.unwrap(), env.now());
    assert!(
        engine
            .verify_mfa(&keeping(by_user(&uid, "totp", &code), &token))
            .unwrap()
            .success
    );
    let e = engine
        .verify_session(&token)
        .unwrap()
        .mfa_enrollment
        .unwrap();
    assert!(!e.required && !e.restricted);
    assert!(engine.authorize(&token, "view_reports").is_ok());
}

#[test]
fn the_application_requires_or_lifts_per_user_and_phases_lapse() {
    let (env, engine) = graced(0);
    let uid = engine
        .sign_up("one@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    let e = engine.require_enrollment(&uid, true, &ctx()).unwrap();
    assert!(e.required && e.restricted, "grace 0: at once");
    assert!(
        sign_in(&engine, "one@example.com")
            .mfa_enrollment
            .unwrap()
            .restricted
    );
    let e = engine.require_enrollment(&uid, false, &ctx()).unwrap();
    assert!(!e.required);

    // A rollout requirement lapses when the phase goes back down.
    set(&engine, "required_all", Some(100));
    assert!(
        sign_in(&engine, "one@example.com")
            .mfa_enrollment
            .unwrap()
            .required
    );
    set(&engine, "optional", None);
    assert!(
        !sign_in(&engine, "one@example.com")
            .mfa_enrollment
            .unwrap()
            .required
    );
    let actions = env.sql_count(
        "SELECT COUNT(*) FROM audit_events WHERE action IN ('enrollment_requirement', 'rollout_change')",
        &[],
    );
    assert_eq!(actions, 4);
}

#[test]
fn enforcement_pages_through_users_idempotently_and_resumably() {
    let (env, engine) = graced(30);
    for i in 0..1_234 {
        engine
            .sign_up(&format!("u{i:04}@example.com"), PASSWORD, None, &ctx())
            .unwrap();
    }
    let (_, _, _) = enrolled_user(&env, &engine, "has-mfa@example.com");
    set(&engine, "required_all", Some(50));
    let expected = env.sql_text("SELECT id FROM users WHERE mfa_setup_at IS NULL", &[]);
    let expected = expected
        .iter()
        .filter(|id| rollout::bucket(id.as_deref().unwrap()) < 50)
        .count() as u64;

    // Stopped after one page, then resumed from its cursor.
    let first = engine.enforce_rollout(None, Some(500), &ctx()).unwrap();
    assert_eq!((first.scanned, first.done), (500, false));
    let rest = engine
        .enforce_rollout(first.cursor.as_deref(), None, &ctx())
        .unwrap();
    assert!(rest.done);
    assert_eq!(first.scanned + rest.scanned, 1_235);
    assert_eq!(first.newly_required + rest.newly_required, expected);
    assert_eq!(first.enrolled + rest.enrolled, 1);
    let stamped = env.sql_count(
        "SELECT COUNT(*) FROM users WHERE enrollment_required_by = 'rollout'",
        &[],
    );
    assert_eq!(stamped as u64, expected);

    // Again: nothing changes.
    let again = engine.enforce_rollout(None, None, &ctx()).unwrap();
    assert_eq!(
        (again.newly_required, again.already_required),
        (0, expected)
    );

    let stats = engine.get_rollout_stats(Some(7)).unwrap();
    assert_eq!(stats.users, 1_235);
    assert_eq!(stats.enrolled, 1);
    assert_eq!(stats.within_grace, expected);
    assert_eq!(stats.overdue, 0);
    assert_eq!(
        stats.within_grace + stats.not_required + stats.prompted + 1,
        1_235
    );
    assert_eq!(stats.by_method.totp, 1);
    assert_eq!(stats.by_method.backup, 1);
    assert_eq!(stats.enrollments_per_day.len(), 7);
    assert_eq!(
        stats
            .enrollments_per_day
            .iter()
            .map(|d| d.count)
            .sum::<u64>(),
        1
    );

    env.clock.advance(30 * 86_400);
    let later = engine.get_rollout_stats(None).unwrap();
    assert_eq!((later.overdue, later.within_grace), (expected, 0));
}

#[test]
fn require_for_admins_applies_in_every_phase_and_bad_settings_are_refused() {
    let env = Env::new();
    let engine = env.engine();
    engine
        .configure(&serde_json::json!({ "security": { "requireForAdmins": true } }))
        .unwrap();
    engine
        .sign_up("boss@example.com", PASSWORD, Some("super_admin"), &ctx())
        .unwrap();
    let e = sign_in(&engine, "boss@example.com").mfa_enrollment.unwrap();
    assert!(e.required && e.days_left == Some(30));

    let bad = |v: serde_json::Value| {
        engine
            .configure(&v)
            .err()
            .and_then(|e| e.field().map(str::to_string))
    };
    assert_eq!(
        bad(serde_json::json!({ "security": { "gracePeriodDays": 366 } })).as_deref(),
        Some("security.gracePeriodDays")
    );
    let refuse = |r: SetRolloutRequest| {
        engine
            .set_rollout(&r)
            .err()
            .and_then(|e| e.field().map(str::to_string))
    };
    assert_eq!(
        refuse(SetRolloutRequest {
            phase: Some("later".into()),
            ..Default::default()
        })
        .as_deref(),
        Some("phase")
    );
    assert_eq!(
        refuse(SetRolloutRequest {
            percentage: Some(101),
            ..Default::default()
        })
        .as_deref(),
        Some("percentage")
    );
    assert_eq!(
        refuse(SetRolloutRequest {
            prompt_locations: Some(vec![String::new()]),
            ..Default::default()
        })
        .as_deref(),
        Some("promptLocations")
    );
    assert_eq!(
        refuse(SetRolloutRequest::default()).as_deref(),
        Some("phase")
    );
    assert_eq!(
        engine
            .get_rollout_stats(Some(0))
            .err()
            .and_then(|e| e.field().map(str::to_string))
            .as_deref(),
        Some("days")
    );
}

#[test]
fn every_process_reads_the_same_rollout() {
    let (env, a) = graced(30);
    let b = configured(&env, 30);
    set(&a, "required_admin", Some(40));
    let seen = b.get_rollout(None).unwrap();
    assert_eq!(
        (seen.phase.as_str(), seen.percentage),
        ("required_admin", 40)
    );
    let uid = b
        .sign_up("x@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    let mine = a.get_rollout(Some(&uid)).unwrap().user.unwrap();
    assert_eq!(mine.bucket, rollout::bucket(&uid));
}

#[test]
fn narrowing_lifts_rollout_requirements_and_covered_users_keep_their_deadline() {
    let (env, engine) = graced(10);
    let uid = engine
        .sign_up("toggle@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    engine
        .sign_up("boss@example.com", PASSWORD, Some("admin"), &ctx())
        .unwrap();
    set(&engine, "required_all", Some(100));
    assert!(
        sign_in(&engine, "toggle@example.com")
            .mfa_enrollment
            .unwrap()
            .required
    );
    let admin_deadline = sign_in(&engine, "boss@example.com")
        .mfa_enrollment
        .unwrap()
        .deadline;
    // Down to 0 %: the user's requirement is lifted at once (no sign-in needed).
    set(&engine, "required_all", Some(0));
    assert_eq!(
        env.sql_count(
            "SELECT COUNT(*) FROM users WHERE id = ?1 AND enrollment_required_at IS NOT NULL",
            &[&uid]
        ),
        0
    );
    // Long after the first deadline, back to 100 %: a whole new grace period.
    env.clock.advance(30 * 86_400);
    set(&engine, "required_all", Some(100));
    let e = sign_in(&engine, "toggle@example.com")
        .mfa_enrollment
        .unwrap();
    assert!(
        e.required && !e.restricted && e.days_left == Some(10),
        "{e:?}"
    );
    // The admin stayed covered all along (and across phase changes): the deadline stands.
    set(&engine, "required_admin", None);
    let admin = sign_in(&engine, "boss@example.com").mfa_enrollment.unwrap();
    assert_eq!(admin.deadline, admin_deadline);
    assert!(admin.restricted);
}
