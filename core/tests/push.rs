//! Push approvals end to end with a software phone (the phone-side protocol of
//! `plinto_mfa_core::push::phone` and a P-256 key in memory): enrollment and its
//! confirmation, number matching, single use, binding to the session, anti-fatigue limits,
//! reports, expiry, delivery through the application's sender, and forged or replayed
//! requests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{by_session, by_user, code_for, ctx, enrolled_user, keeping, mfa_session, Env};
use plinto_mfa_core::delivery::{CodeSender, Delivery, SendError};
use plinto_mfa_core::notify::{Notification, Notifier};
use plinto_mfa_core::push::{phone, EnrollmentUri, KeyPair};
use plinto_mfa_core::{
    EnableMfaRequest, Engine, ErrorCode, MfaError, PushChallenge, PushChallengeRequest,
    PushPendingRequest, PushRespondRequest, PushStatus, PushStatusRequest,
    RegisterPushDeviceRequest,
};
use std::sync::{Arc, Mutex};

/// A phone with a software key, enrolled once.
struct Phone {
    key: KeyPair,
    device_id: String,
    server_key: Vec<u8>,
}

impl Phone {
    /// Enrolls a phone for `user_id` (the step-up proven by `session`), confirms it, and
    /// returns it with the confirmation's result.
    fn enroll(env: &Env, e: &Engine, user_id: &str, session: Option<&str>) -> (Self, Vec<String>) {
        let (phone, code) = Self::register(env, e, user_id, session, Some("fcm-token-1"));
        let mut req = by_user(user_id, "push", &code);
        if let Some(t) = session {
            req = keeping(req, t);
        }
        let r = e.verify_mfa(&req).unwrap();
        assert!(r.success, "{r:?}");
        (phone, r.backup_codes.unwrap_or_default())
    }

    /// Registers without confirming; returns the phone and its confirmation code.
    fn register(
        env: &Env,
        e: &Engine,
        user_id: &str,
        session: Option<&str>,
        token: Option<&str>,
    ) -> (Self, String) {
        let setup = e
            .enable_mfa(&EnableMfaRequest {
                user_id: user_id.into(),
                method: "push".into(),
                device_name: Some("Pixel".into()),
                session_token: session.map(Into::into),
                context: ctx(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(setup.expires_in, Some(300));
        assert!(setup.qr_code_svg.unwrap().contains("<svg"));
        let uri = EnrollmentUri::parse(&setup.qr_code_url.unwrap()).unwrap();
        assert_eq!(Some(uri.enrollment.clone()), setup.challenge_id);
        let key = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8().unwrap()).unwrap();
        let platform = if token.is_some() { "android" } else { "none" };
        let registration = phone::registration(
            &uri,
            &key.public_key(),
            &key,
            platform,
            token,
            None,
            env.now(),
        )
        .unwrap();
        let answer = e
            .register_push_device(&RegisterPushDeviceRequest {
                registration: registration.into(),
                context: ctx(),
            })
            .unwrap();
        let server_key = phone::pin_server_key(&uri, &answer.server_key).unwrap();
        let phone = Self {
            key,
            device_id: answer.device_id,
            server_key,
        };
        (phone, answer.confirmation_code)
    }

    /// The pending challenges, their signed details opened with the pinned key.
    fn pending(&self, env: &Env, e: &Engine) -> Vec<plinto_mfa_core::push::ChallengeClaims> {
        let request = phone::poll(&self.device_id, None, &self.key, env.now()).unwrap();
        e.push_pending(&PushPendingRequest {
            request,
            context: ctx(),
        })
        .unwrap()
        .challenges
        .iter()
        .map(|p| phone::open_challenge(&p.details, &self.server_key, env.now()).unwrap())
        .collect()
    }

    /// The signed answer to the one pending challenge.
    fn answer(&self, env: &Env, e: &Engine, action: &str, number: Option<&str>) -> String {
        let pending = self.pending(env, e);
        assert_eq!(pending.len(), 1, "{pending:?}");
        phone::answer(
            &pending[0],
            &self.device_id,
            action,
            number,
            (action == "deny").then_some("not_me"),
            &self.key,
            env.now(),
        )
        .unwrap()
    }

    fn respond(&self, env: &Env, e: &Engine, action: &str, number: Option<&str>) -> String {
        let response = self.answer(env, e, action, number);
        respond(e, &response).unwrap()
    }
}

fn respond(e: &Engine, response: &str) -> Result<String, MfaError> {
    e.push_respond(&PushRespondRequest {
        response: response.into(),
        context: ctx(),
    })
    .map(|r| r.status)
}

fn challenge(e: &Engine, session: &str) -> Result<PushChallenge, MfaError> {
    e.push_challenge(&PushChallengeRequest {
        session_id: session.into(),
        method: Some("push".into()),
        app_name: Some("Acme".into()),
        context: ctx(),
    })
}

fn status(e: &Engine, challenge_id: &str, session: &str) -> Result<PushStatus, MfaError> {
    e.push_status(&PushStatusRequest {
        challenge_id: challenge_id.into(),
        session_id: session.into(),
        context: ctx(),
    })
}

/// A user with TOTP and a confirmed phone; returns (user id, TOTP secret, phone).
fn user_with_phone(env: &Env, e: &Engine, email: &str) -> (String, String, Phone) {
    let (uid, secret, _) = enrolled_user(env, e, email);
    let session = mfa_session(env, e, email, &secret);
    let (phone, _) = Phone::enroll(env, e, &uid, Some(&session));
    (uid, secret, phone)
}

fn pending(e: &Engine, email: &str) -> String {
    common::pending_session(e, email)
}

#[test]
fn a_phone_enrolled_as_first_factor_gets_backup_codes_and_approves_a_sign_in() {
    let env = Env::new();
    let e = env.engine();
    let user = e
        .sign_up("p@example.com", common::PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let (phone, backup) = Phone::enroll(&env, &e, &user.id, None);
    assert_eq!(backup.len(), 10, "the first factor issues backup codes");
    let status_now = e.get_mfa_status(&user.id).unwrap();
    assert_eq!(status_now.methods, vec!["push", "backup"]);
    assert_eq!(status_now.push_devices.len(), 1);
    assert_eq!(status_now.push_devices[0].platform, "android");
    assert!(!status_now.push_devices[0].poll_only);

    let p = pending(&e, "p@example.com");
    let c = challenge(&e, &p).unwrap();
    // nist-aal2 (the default profile) shows six digits.
    assert_eq!(c.number.len(), 6);
    assert_eq!((c.devices, c.expires_in), (1, 120));
    let shown = phone.pending(&env, &e);
    assert_eq!(shown[0].challenge, c.challenge_id);
    assert_eq!(shown[0].account, "p@example.com");
    assert_eq!(shown[0].app, "Acme");
    assert_eq!(shown[0].ip_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(status(&e, &c.challenge_id, &p).unwrap().status, "pending");

    let response = phone.answer(&env, &e, "approve", Some(&c.number));
    assert_eq!(respond(&e, &response).unwrap(), "approved");
    // The same signed answer again is refused (its jti was used).
    assert_eq!(
        respond(&e, &response).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let done = status(&e, &c.challenge_id, &p).unwrap();
    assert_eq!(done.status, "approved");
    let result = done.result.unwrap();
    assert!(result.success);
    let session = result.session.unwrap();
    assert!(session.mfa_verified);
    assert!(e.verify_session(&session.token).is_ok());
    // A second poll learns it was used, and gets no session.
    let again = status(&e, &c.challenge_id, &p).unwrap();
    assert_eq!((again.status.as_str(), again.result), ("used", None));
    assert!(e.get_mfa_status(&user.id).unwrap().push_devices[0]
        .last_used
        .is_some());
}

#[test]
fn a_wrong_number_ends_the_challenge() {
    let env = Env::new();
    let e = env.engine();
    let (_, _, phone) = user_with_phone(&env, &e, "w@example.com");
    let p = pending(&e, "w@example.com");
    let c = challenge(&e, &p).unwrap();
    let wrong = if c.number.starts_with('1') { "2" } else { "1" }.repeat(c.number.len());
    let first = phone.answer(&env, &e, "approve", Some(&wrong));
    let right = phone.answer(&env, &e, "approve", Some(&c.number));
    assert_eq!(respond(&e, &first).unwrap(), "wrong_number");
    // No second try: the right number, signed before the wrong one was sent, is refused.
    assert_eq!(respond(&e, &right).unwrap_err(), MfaError::ExpiredCode);
    let s = status(&e, &c.challenge_id, &p).unwrap();
    assert_eq!(s.status, "wrong_number");
    let r = s.result.unwrap();
    assert!(!r.success);
    assert_eq!(r.fallback_methods.unwrap(), vec!["totp", "backup"]);
    assert!(phone.pending(&env, &e).is_empty());
}

#[test]
fn the_answer_is_bound_to_its_challenge_device_and_session() {
    let env = Env::new();
    let e = env.engine();
    let (_, _, alice) = user_with_phone(&env, &e, "alice@example.com");
    let (_, _, bob) = user_with_phone(&env, &e, "bob@example.com");
    let pa = pending(&e, "alice@example.com");
    let ca = challenge(&e, &pa).unwrap();
    let pb = pending(&e, "bob@example.com");
    challenge(&e, &pb).unwrap();

    // Bob's phone cannot answer Alice's challenge, even with her challenge's details.
    let details = alice.pending(&env, &e).remove(0);
    let forged = phone::answer(
        &details,
        &bob.device_id,
        "approve",
        Some(&ca.number),
        None,
        &bob.key,
        env.now(),
    )
    .unwrap();
    assert_eq!(respond(&e, &forged).unwrap_err(), MfaError::InvalidCode);
    // Nor can a key that is not Alice's phone's sign as it.
    let stolen_id = phone::answer(
        &details,
        &alice.device_id,
        "approve",
        Some(&ca.number),
        None,
        &bob.key,
        env.now(),
    )
    .unwrap();
    assert_eq!(respond(&e, &stolen_id).unwrap_err(), MfaError::InvalidCode);
    // Details the server did not sign are refused by the phone.
    assert!(phone::open_challenge(
        &e.push_pending(&PushPendingRequest {
            request: phone::poll(&bob.device_id, None, &bob.key, env.now()).unwrap(),
            context: ctx(),
        })
        .unwrap()
        .challenges[0]
            .details,
        &bob.key.public_key(),
        env.now()
    )
    .is_err());
    // Another session cannot read or complete Alice's challenge.
    assert_eq!(
        status(&e, &ca.challenge_id, &pb).unwrap_err(),
        MfaError::SessionInvalid
    );
    assert_eq!(
        alice.respond(&env, &e, "approve", Some(&ca.number)),
        "approved"
    );
    assert_eq!(
        status(&e, &ca.challenge_id, &pb).unwrap_err(),
        MfaError::SessionInvalid
    );
    assert!(
        status(&e, &ca.challenge_id, &pa)
            .unwrap()
            .result
            .unwrap()
            .success
    );
}

#[test]
fn a_new_challenge_cancels_the_pending_one_and_challenges_expire() {
    let env = Env::new();
    let e = env.engine();
    let (_, _, phone) = user_with_phone(&env, &e, "c@example.com");
    let p = pending(&e, "c@example.com");
    let first = challenge(&e, &p).unwrap();
    let old = phone.answer(&env, &e, "approve", Some(&first.number));
    env.clock.advance(10);
    let second = challenge(&e, &p).unwrap();
    assert_eq!(
        status(&e, &first.challenge_id, &p).unwrap().status,
        "cancelled"
    );
    assert_eq!(respond(&e, &old).unwrap_err(), MfaError::ExpiredCode);
    assert_eq!(phone.pending(&env, &e)[0].challenge, second.challenge_id);
    let late = phone.answer(&env, &e, "approve", Some(&second.number));
    env.clock.advance(121);
    assert_eq!(
        status(&e, &second.challenge_id, &p).unwrap().status,
        "expired"
    );
    // The answer outlived its own 60 seconds too.
    assert_eq!(respond(&e, &late).unwrap_err(), MfaError::ExpiredCode);
    assert!(phone.pending(&env, &e).is_empty());
}

#[test]
fn pushes_back_off_and_stop_at_five_in_fifteen_minutes_until_a_sign_in() {
    let env = Env::new();
    let e = env.engine();
    let (_, secret, _) = user_with_phone(&env, &e, "b@example.com");
    let p = pending(&e, "b@example.com");
    challenge(&e, &p).unwrap();
    // 10 s after the first, then 20, 40, 80: per user, so a new password sign-in each time
    // does not help.
    for wait in [10, 20, 40, 80] {
        let refused = challenge(&e, &pending(&e, "b@example.com")).unwrap_err();
        assert_eq!(refused.retry_after(), Some(wait), "{refused:?}");
        env.clock.advance(i64::try_from(wait).unwrap() - 1);
        assert_eq!(challenge(&e, &p).unwrap_err().retry_after(), Some(1));
        env.clock.advance(1);
        challenge(&e, &p).unwrap();
    }
    // Five in the window: the sixth waits for the window's end (150 s of it are gone).
    let sixth = challenge(&e, &p).unwrap_err();
    assert_eq!(sixth.code(), ErrorCode::RateLimited);
    assert_eq!(sixth.retry_after(), Some(900 - 150));
    // A sign-in with another factor starts the count again.
    let r = e
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap();
    assert!(r.success);
    challenge(&e, &pending(&e, "b@example.com")).unwrap();
}

#[test]
fn three_refusals_in_a_row_pause_push_for_an_hour() {
    let env = Env::new();
    let e = env.engine();
    let (_, _, phone) = user_with_phone(&env, &e, "d@example.com");
    for round in 0..3 {
        let p = pending(&e, "d@example.com");
        let c = challenge(&e, &p).unwrap();
        if round == 1 {
            let wrong = if c.number.starts_with('1') { "2" } else { "1" }.repeat(c.number.len());
            assert_eq!(
                phone.respond(&env, &e, "approve", Some(&wrong)),
                "wrong_number"
            );
        } else {
            assert_eq!(phone.respond(&env, &e, "deny", None), "denied");
        }
        env.clock.advance(10 << round);
    }
    // The third refusal was 40 s ago.
    let paused = challenge(&e, &pending(&e, "d@example.com")).unwrap_err();
    assert_eq!(paused.code(), ErrorCode::RateLimited);
    assert_eq!(paused.retry_after(), Some(3560));
    env.clock.advance(3560);
    challenge(&e, &pending(&e, "d@example.com")).unwrap();
}

#[test]
fn a_report_suspends_push_until_a_sign_in_with_another_factor() {
    let env = Env::new();
    let notes = Arc::new(Mutex::new(Vec::new()));
    let e = env.engine();
    let sink = notes.clone();
    e.set_notifier(Some(Arc::new(Kinds(sink)))).unwrap();
    let (uid, secret, phone) = user_with_phone(&env, &e, "r@example.com");
    let p = pending(&e, "r@example.com");
    let c = challenge(&e, &p).unwrap();
    assert_eq!(phone.respond(&env, &e, "report", None), "reported");
    assert_eq!(status(&e, &c.challenge_id, &p).unwrap().status, "reported");
    assert!(notes.lock().unwrap().contains(&"push_reported".to_string()));
    assert!(e.get_mfa_status(&uid).unwrap().push_devices[0].suspended);
    env.clock.advance(60);
    assert_eq!(challenge(&e, &p).unwrap_err(), MfaError::PushSuspended);
    let r = e
        .verify_mfa(&by_session(&p, "totp", &code_for(&secret, env.now())))
        .unwrap();
    assert!(r.success);
    assert!(!e.get_mfa_status(&uid).unwrap().push_devices[0].suspended);
    challenge(&e, &pending(&e, "r@example.com")).unwrap();
}

/// A notifier that keeps the kinds it was told of.
struct Kinds(Arc<Mutex<Vec<String>>>);

impl Notifier for Kinds {
    fn notify(&self, n: &Notification) -> Result<(), String> {
        self.0.lock().unwrap().push(n.kind.clone());
        Ok(())
    }
}

/// Records push messages; refuses the tokens listed in `unregistered`.
#[derive(Default)]
struct PushOutbox {
    sent: Mutex<Vec<Delivery>>,
    unregistered: Mutex<Vec<String>>,
}

struct PushSender(Arc<PushOutbox>);

impl CodeSender for PushSender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        if self.0.unregistered.lock().unwrap().contains(&d.destination) {
            return Err(SendError::Rejected("UNREGISTERED".into()));
        }
        self.0.sent.lock().unwrap().push(d.clone());
        Ok(())
    }
}

#[test]
fn the_push_message_carries_only_the_challenge_id_and_a_dead_token_turns_to_polling() {
    let env = Env::new();
    let e = env.engine();
    let outbox = Arc::new(PushOutbox::default());
    e.set_sender("push", Some(Arc::new(PushSender(outbox.clone()))))
        .unwrap();
    let (uid, _, phone) = user_with_phone(&env, &e, "m@example.com");
    let p = pending(&e, "m@example.com");
    let c = challenge(&e, &p).unwrap();
    assert_eq!(c.delivered, 1);
    let sent = outbox.sent.lock().unwrap().pop().unwrap();
    assert_eq!(sent.message, c.challenge_id);
    assert_eq!(sent.destination, "fcm-token-1");
    assert_eq!(sent.meta.channel, "push");
    assert_eq!(sent.meta.platform.as_deref(), Some("android"));
    assert!(sent.meta.code.is_empty() && !format!("{sent:?}").contains(&c.number));
    outbox
        .unregistered
        .lock()
        .unwrap()
        .push("fcm-token-1".into());
    env.clock.advance(10);
    let again = challenge(&e, &p).unwrap();
    assert_eq!(again.delivered, 0);
    assert!(e.get_mfa_status(&uid).unwrap().push_devices[0].poll_only);
    // The app got a new token from the platform: its next poll carries it, and pushes resume.
    e.push_pending(&PushPendingRequest {
        request: phone::poll(&phone.device_id, Some("fcm-token-2"), &phone.key, env.now()).unwrap(),
        context: ctx(),
    })
    .unwrap();
    assert!(!e.get_mfa_status(&uid).unwrap().push_devices[0].poll_only);
    env.clock.advance(20);
    assert_eq!(challenge(&e, &p).unwrap().delivered, 1);
    assert_eq!(
        outbox.sent.lock().unwrap().last().unwrap().destination,
        "fcm-token-2"
    );
}

#[test]
fn registrations_are_checked_and_used_once() {
    let env = Env::new();
    let e = env.engine();
    let user = e
        .sign_up("g@example.com", common::PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let setup = e
        .enable_mfa(&EnableMfaRequest {
            user_id: user.id.clone(),
            method: "push".into(),
            context: ctx(),
            ..Default::default()
        })
        .unwrap();
    let uri = EnrollmentUri::parse(&setup.qr_code_url.unwrap()).unwrap();
    let key = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8().unwrap()).unwrap();
    let other = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8().unwrap()).unwrap();
    let register = |reg: String| {
        e.register_push_device(&RegisterPushDeviceRequest {
            registration: reg.into(),
            context: ctx(),
        })
    };
    // Signed by a key other than the one it registers: no proof of possession.
    let unproven = phone::registration(
        &uri,
        &key.public_key(),
        &other,
        "none",
        None,
        None,
        env.now(),
    )
    .unwrap();
    assert_eq!(
        register(unproven).unwrap_err().field(),
        Some("registration")
    );
    // A wrong secret changes nothing: the enrollment still works for the right phone.
    let mut guessed = uri.clone();
    guessed.secret = "AAAAAAAAAAAAAAAAAAAAAA".into();
    let wrong = phone::registration(
        &guessed,
        &key.public_key(),
        &key,
        "none",
        None,
        None,
        env.now(),
    )
    .unwrap();
    assert_eq!(register(wrong).unwrap_err(), MfaError::InvalidCode);
    let good =
        phone::registration(&uri, &key.public_key(), &key, "none", None, None, env.now()).unwrap();
    let answer = register(good.clone()).unwrap();
    assert!(phone::pin_server_key(&uri, &answer.server_key).is_ok());
    // Used once.
    assert_eq!(register(good).unwrap_err(), MfaError::InvalidCode);
    // A wrong confirmation code is a counted failure, like any code; then the right one.
    let r = e.verify_mfa(&by_user(&user.id, "push", "000000")).unwrap();
    if answer.confirmation_code != "000000" {
        assert!(!r.success);
        assert_eq!(r.attempts_remaining, Some(4));
    }
    assert!(
        e.verify_mfa(&by_user(&user.id, "push", &answer.confirmation_code))
            .unwrap()
            .success
    );
    // A pinned key that does not match the QR code is refused by the phone.
    assert!(
        phone::pin_server_key(&uri, &plinto_mfa_core::crypto::b64url(&other.public_key())).is_err()
    );
    // Adding another phone needs the step-up now that MFA is on.
    let later = e.enable_mfa(&EnableMfaRequest {
        user_id: user.id.clone(),
        method: "push".into(),
        context: ctx(),
        ..Default::default()
    });
    assert_eq!(later.unwrap_err().code(), ErrorCode::StepUpRequired);
}

#[test]
fn an_enrollment_expires_after_five_minutes_and_a_push_device_can_be_removed() {
    let env = Env::new();
    let e = env.engine();
    let (uid, secret, phone) = user_with_phone(&env, &e, "x@example.com");
    let session = mfa_session(&env, &e, "x@example.com", &secret);
    let setup = e
        .enable_mfa(&EnableMfaRequest {
            user_id: uid.clone(),
            method: "push".into(),
            session_token: Some(session.as_str().into()),
            context: ctx(),
            ..Default::default()
        })
        .unwrap();
    let uri = EnrollmentUri::parse(&setup.qr_code_url.unwrap()).unwrap();
    let key = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8().unwrap()).unwrap();
    let made_in_time =
        phone::registration(&uri, &key.public_key(), &key, "none", None, None, env.now()).unwrap();
    env.clock.advance(301);
    assert_eq!(
        phone::registration(&uri, &key.public_key(), &key, "none", None, None, env.now())
            .unwrap_err(),
        MfaError::ExpiredCode
    );
    assert_eq!(
        e.register_push_device(&RegisterPushDeviceRequest {
            registration: made_in_time.into(),
            context: ctx(),
        })
        .unwrap_err(),
        MfaError::ExpiredCode
    );
    let session = mfa_session(&env, &e, "x@example.com", &secret);
    let removed = e
        .remove_factor(
            &uid,
            &phone.device_id,
            Some(common::PASSWORD),
            plinto_mfa_core::Proof::new(Some(&session), None),
            &ctx(),
        )
        .unwrap();
    assert!(!removed.mfa_disabled);
    assert!(e.get_mfa_status(&uid).unwrap().push_devices.is_empty());
    assert_eq!(
        challenge(&e, &pending(&e, "x@example.com"))
            .unwrap_err()
            .code(),
        ErrorCode::MethodNotSupported
    );
}

#[test]
fn concurrent_status_polls_complete_the_sign_in_once() {
    let env = Env::new();
    let e = Arc::new(env.engine());
    let (_, _, phone) = user_with_phone(&env, &e, "cc@example.com");
    let p = pending(&e, "cc@example.com");
    let c = challenge(&e, &p).unwrap();
    assert_eq!(
        phone.respond(&env, &e, "approve", Some(&c.number)),
        "approved"
    );
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (e, id, p) = (e.clone(), c.challenge_id.clone(), p.clone());
            std::thread::spawn(move || status(&e, &id, &p))
        })
        .collect();
    let sessions = threads
        .into_iter()
        .filter_map(|t| t.join().unwrap().ok())
        .filter(|s| s.result.as_ref().is_some_and(|r| r.session.is_some()))
        .count();
    assert_eq!(sessions, 1);
}

#[test]
fn match_digits_follow_the_profile() {
    let env = Env::new();
    let e = env.engine();
    let refused = e
        .configure(&serde_json::json!({"methods": {"push": {"matchDigits": 3}}}))
        .unwrap_err();
    assert_eq!(refused.field(), Some("methods.push.matchDigits"));
    e.configure(&serde_json::json!({"security": {"profile": "custom"}}))
        .unwrap();
    let user = e
        .sign_up("n@example.com", common::PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let (phone, _) = Phone::enroll(&env, &e, &user.id, None);
    let c = challenge(&e, &pending(&e, "n@example.com")).unwrap();
    assert_eq!(c.number.len(), 3);
    assert_eq!(phone.pending(&env, &e)[0].digits, 3);
    e.configure(
        &serde_json::json!({"methods": {"push": {"matchDigits": 4, "challengeTtlSeconds": 30}}}),
    )
    .unwrap();
    env.clock.advance(10);
    let c = challenge(&e, &pending(&e, "n@example.com")).unwrap();
    assert_eq!((c.number.len(), c.expires_in), (4, 30));
    // Without the back-off, five pushes go at once and the sixth waits for the window.
    e.configure(&serde_json::json!({"methods": {"push": {"backoffSeconds": 0}}}))
        .unwrap();
    env.clock.advance(20);
    for _ in 0..3 {
        challenge(&e, &pending(&e, "n@example.com")).unwrap();
    }
    let sixth = challenge(&e, &pending(&e, "n@example.com")).unwrap_err();
    assert_eq!(sixth.retry_after(), Some(900 - 30));
    assert!(e
        .configure(&serde_json::json!({"methods": {"push": {"challengeTtlSeconds": 20}}}))
        .is_err());
}

#[test]
fn an_approval_completes_its_session_only_soon_and_only_while_its_phone_is_enrolled() {
    let env = Env::new();
    let e = env.engine();
    let (uid, secret, phone) = user_with_phone(&env, &e, "late@example.com");
    // Collected 31 s after the approval: too late.
    let p = pending(&e, "late@example.com");
    let c = challenge(&e, &p).unwrap();
    assert_eq!(
        phone.respond(&env, &e, "approve", Some(&c.number)),
        "approved"
    );
    env.clock.advance(31);
    let s = status(&e, &c.challenge_id, &p).unwrap();
    assert_eq!(s.status, "expired");
    assert!(!s.result.unwrap().success);
    // Approved, then the phone is removed before the page collects it.
    env.clock.advance(10);
    let p = pending(&e, "late@example.com");
    let c = challenge(&e, &p).unwrap();
    assert_eq!(
        phone.respond(&env, &e, "approve", Some(&c.number)),
        "approved"
    );
    let session = mfa_session(&env, &e, "late@example.com", &secret);
    e.remove_factor(
        &uid,
        &phone.device_id,
        Some(common::PASSWORD),
        plinto_mfa_core::Proof::new(Some(&session), None),
        &ctx(),
    )
    .unwrap();
    assert_eq!(status(&e, &c.challenge_id, &p).unwrap().status, "expired");
}

#[test]
fn a_signed_in_session_steps_up_with_push() {
    let env = Env::new();
    let e = env.engine();
    let (_, secret, phone) = user_with_phone(&env, &e, "up@example.com");
    let token = mfa_session(&env, &e, "up@example.com", &secret);
    env.clock.advance(900);
    let c = challenge(&e, &token).unwrap();
    assert_eq!(phone.pending(&env, &e)[0].purpose, "step_up");
    assert_eq!(
        phone.respond(&env, &e, "approve", Some(&c.number)),
        "approved"
    );
    let s = status(&e, &c.challenge_id, &token).unwrap();
    let session = s.result.unwrap().session.unwrap();
    // The same session, its MFA time refreshed.
    assert_eq!(session.token, token);
    let info = e.verify_session(&token).unwrap();
    assert_eq!(info.mfa_method.as_deref(), Some("push"));
}

#[test]
fn a_confirmation_code_expires_with_its_enrollment() {
    let env = Env::new();
    let e = env.engine();
    let user = e
        .sign_up("late-confirm@example.com", common::PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let (_, code) = Phone::register(&env, &e, &user.id, None, None);
    env.clock.advance(301);
    assert_eq!(
        e.verify_mfa(&by_user(&user.id, "push", &code))
            .unwrap_err()
            .code(),
        ErrorCode::MethodNotSupported
    );
}

#[test]
fn a_key_rotation_keeps_push_tokens_and_the_pinned_server_key() {
    let env = Env::new();
    let e = env.engine();
    let outbox = Arc::new(PushOutbox::default());
    let (_, _, phone) = user_with_phone(&env, &e, "rot@example.com");
    let new_key = plinto_mfa_core::SecretKey::generate().unwrap();
    assert!(e.rotate_key(&env.key, &new_key).unwrap() >= 2);
    drop(e);
    let mut options = env.options();
    options.secret_key = new_key;
    let e = Engine::open(options).unwrap();
    e.set_sender("push", Some(Arc::new(PushSender(outbox.clone()))))
        .unwrap();
    let p = pending(&e, "rot@example.com");
    let c = challenge(&e, &p).unwrap();
    assert_eq!(c.delivered, 1);
    assert_eq!(outbox.sent.lock().unwrap()[0].destination, "fcm-token-1");
    // The phone still opens the details with the key it pinned at enrollment.
    assert_eq!(
        phone.respond(&env, &e, "approve", Some(&c.number)),
        "approved"
    );
}

#[test]
fn a_phone_suspended_by_a_report_is_not_a_factor_to_keep_another() {
    let env = Env::new();
    let e = env.engine();
    let (uid, secret, phone) = user_with_phone(&env, &e, "keep@example.com");
    // A session with recent MFA from before the report (a sign-in afterwards would lift it).
    let session = mfa_session(&env, &e, "keep@example.com", &secret);
    let p = pending(&e, "keep@example.com");
    challenge(&e, &p).unwrap();
    assert_eq!(phone.respond(&env, &e, "report", None), "reported");
    // Removing TOTP now is removing the last usable factor: it needs a confirmation code and
    // turns MFA off, instead of leaving the account with a suspended phone only.
    let totp_id = e.get_mfa_status(&uid).unwrap().totp_devices[0].id.clone();
    let refused = e
        .remove_factor(
            &uid,
            &totp_id,
            Some(common::PASSWORD),
            plinto_mfa_core::Proof::new(Some(&session), None),
            &ctx(),
        )
        .unwrap_err();
    assert_eq!(refused.field(), Some("confirmationCode"));
}

#[test]
fn a_user_has_at_most_five_phones() {
    let env = Env::new();
    let e = env.engine();
    let (uid, secret, _) = enrolled_user(&env, &e, "five@example.com");
    for _ in 0..5 {
        let session = mfa_session(&env, &e, "five@example.com", &secret);
        Phone::enroll(&env, &e, &uid, Some(&session));
    }
    assert_eq!(e.get_mfa_status(&uid).unwrap().push_devices.len(), 5);
    let session = mfa_session(&env, &e, "five@example.com", &secret);
    let sixth = e
        .enable_mfa(&EnableMfaRequest {
            user_id: uid,
            method: "push".into(),
            session_token: Some(session.as_str().into()),
            context: ctx(),
            ..Default::default()
        })
        .unwrap_err();
    assert_eq!(sixth.code(), ErrorCode::SetupFailed);
}

#[test]
fn push_tokens_must_look_like_their_platform_s() {
    let env = Env::new();
    let e = env.engine();
    let user = e
        .sign_up("tok@example.com", common::PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let uri = EnrollmentUri::parse(
        &e.enable_mfa(&EnableMfaRequest {
            user_id: user.id.clone(),
            method: "push".into(),
            context: ctx(),
            ..Default::default()
        })
        .unwrap()
        .qr_code_url
        .unwrap(),
    )
    .unwrap();
    let key = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8().unwrap()).unwrap();
    for (platform, token) in [
        ("ios", "not-hex/../x"),
        ("android", "a/b?c"),
        ("none", "abc"),
    ] {
        let reg = phone::registration(
            &uri,
            &key.public_key(),
            &key,
            platform,
            Some(token),
            None,
            env.now(),
        )
        .unwrap();
        let refused = e
            .register_push_device(&RegisterPushDeviceRequest {
                registration: reg.into(),
                context: ctx(),
            })
            .unwrap_err();
        assert_eq!(refused.field(), Some("pushToken"), "{platform}");
    }
}
