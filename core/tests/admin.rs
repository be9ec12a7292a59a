//! An administrator's changes to a user: unlocking after lockouts, resetting lost MFA.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::MfaError;

#[test]
fn unlocking_ends_a_lockout_and_is_audited_with_the_reason() {
    let env = Env::new();
    let engine = env.engine();
    let uid = engine
        .sign_up("locked@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    let mut refused = false;
    for _ in 0..50 {
        match engine.sign_in("locked@example.com", "Wrong-Password-9", &ctx()) {
            Err(MfaError::RateLimited { .. }) => {
                refused = true;
                break;
            }
            Err(MfaError::InvalidCredentials) => {}
            other => panic!("{other:?}"),
        }
    }
    assert!(refused, "the account locks");
    assert!(matches!(
        engine.sign_in("locked@example.com", PASSWORD, &ctx()),
        Err(MfaError::RateLimited { .. })
    ));
    let r = engine
        .unlock_user(&uid, "ticket 4711: verified by phone", &ctx())
        .unwrap();
    assert!(r.success && r.cleared >= 1);
    assert!(engine
        .sign_in("locked@example.com", PASSWORD, &ctx())
        .unwrap()
        .session
        .is_some());
    let detail = env.sql_text(
        "SELECT detail FROM audit_events WHERE action = 'user_unlock' AND user_id = ?1",
        &[&uid],
    );
    assert_eq!(detail, [Some("ticket 4711: verified by phone".to_string())]);
    for reason in ["", "   ", "line\nbreak"] {
        let e = engine.unlock_user(&uid, reason, &ctx()).unwrap_err();
        assert_eq!(e.field(), Some("reason"), "{reason:?}");
    }
    assert_eq!(
        engine
            .unlock_user("usr_nobody", "x", &ctx())
            .unwrap_err()
            .code(),
        "not_found"
    );
}

#[test]
fn resetting_mfa_removes_every_factor_and_session() {
    let env = Env::new();
    let engine = env.engine();
    let (uid, secret, _) = enrolled_user(&env, &engine, "lost@example.com");
    let token = mfa_session(&env, &engine, "lost@example.com", &secret);
    let r = engine
        .reset_mfa(&uid, "lost phone, identity checked", &ctx())
        .unwrap();
    assert!(r.success && r.cleared >= 2, "{r:?}");
    assert!(!engine.get_mfa_status(&uid).unwrap().enabled);
    assert!(!engine.verify_session(&token).unwrap().valid);
    // The next sign-in is by password alone.
    assert!(engine
        .sign_in("lost@example.com", PASSWORD, &ctx())
        .unwrap()
        .session
        .is_some());
    assert_eq!(
        env.sql_count(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'mfa_reset' AND user_id = ?1",
            &[&uid]
        ),
        1
    );
    assert!(engine.verify_audit(None).unwrap().valid);
}
