//! Security keys and passkeys end to end against software authenticators: registration and
//! authentication through the JSON operations, ceremony state reloaded from SQLite by a second
//! engine, counter regression, wrong origin and rpId, replay, expiry, malformed input.
#![cfg(feature = "webauthn")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{ctx, Env, PASSWORD};
use plinto_mfa_core::ops::dispatch;
use plinto_mfa_core::{Engine, Proof};
use serde_json::{json, Value};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse, Url};

const ORIGIN: &str = "https://example.com";

fn configure(e: &Engine) {
    e.configure(&json!({"methods": {"webauthn": {
        "rpId": "example.com",
        "rpName": "Example",
        "origins": [ORIGIN, "android:apk-key-hash:c2lnbmF0dXJl"],
    }}}))
    .unwrap();
}

fn engine(env: &Env) -> Engine {
    let e = env.engine();
    configure(&e);
    e
}

fn register(e: &Engine, auth: &mut impl WebauthnAuthenticator, user_id: &str, kind: &str) -> Value {
    register_with(e, auth, user_id, kind, json!({}))
}

/// [`register`] with more option arguments (a step-up proof for a second factor).
fn register_with(
    e: &Engine,
    auth: &mut impl WebauthnAuthenticator,
    user_id: &str,
    kind: &str,
    extra: Value,
) -> Value {
    let mut args = json!({"userId": user_id, "type": "registration", "authenticatorType": kind});
    // The session named for the step-up is also the one the new key keeps.
    let keep = extra.get("sessionToken").cloned();
    if let (Some(a), Value::Object(more)) = (args.as_object_mut(), extra) {
        a.extend(more);
    }
    let opts = dispatch(e, "get_passkey_registration_options", &args).unwrap();
    // Chromium refuses a `userVerificationRequired` protection policy that is neither enforced
    // nor backed by required user verification: security keys (UV preferred) must not ask.
    let pk = &opts["publicKey"];
    let uv = pk["authenticatorSelection"]["userVerification"].clone();
    assert_eq!(
        uv,
        json!(if kind == "passkey" {
            "required"
        } else {
            "preferred"
        }),
        "{pk}"
    );
    if kind != "passkey" {
        assert_eq!(
            pk["extensions"].get("credentialProtectionPolicy"),
            None,
            "{pk}"
        );
    }
    let ccr: CreationChallengeResponse =
        serde_json::from_value(json!({"publicKey": opts["publicKey"]})).unwrap();
    let cred = auth
        .do_registration(Url::parse(ORIGIN).unwrap(), ccr)
        .unwrap();
    let mut verify = json!({"challengeId": opts["challengeId"], "credential": serde_json::to_value(cred).unwrap()});
    if let Some(token) = keep {
        verify["sessionToken"] = token;
    }
    verify
}

fn assert_for(
    e: &Engine,
    auth: &mut impl WebauthnAuthenticator,
    session_id: &str,
    origin: &str,
) -> (String, Value) {
    let opts = dispatch(
        e,
        "get_passkey_authentication_options",
        &json!({ "sessionId": session_id }),
    )
    .unwrap();
    let rcr: RequestChallengeResponse =
        serde_json::from_value(json!({"publicKey": opts["publicKey"]})).unwrap();
    let cred = auth
        .do_authentication(Url::parse(origin).unwrap(), rcr)
        .unwrap();
    (
        opts["challengeId"].as_str().unwrap().to_string(),
        serde_json::to_value(cred).unwrap(),
    )
}

fn pending_session(e: &Engine, email: &str) -> String {
    let r = e.sign_in(email, PASSWORD, &ctx()).unwrap();
    assert!(r.requires_mfa);
    assert!(r.mfa_methods.contains(&"webauthn".to_string()));
    r.session_id.unwrap()
}

#[test]
fn security_key_registration_and_sign_in_across_two_engines() {
    let env = Env::new();
    let (a, b) = (engine(&env), engine(&env));
    let user = a
        .sign_up("key@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let (mut token, _) = SoftToken::new(true).unwrap();

    // Begin on one engine, finish on the other: the state lives in SQLite.
    let mut verify = register(&a, &mut token, &user.id, "securityKey");
    verify["name"] = json!("YubiKey");
    let done = dispatch(&b, "verify_passkey_registration", &verify).unwrap();
    assert_eq!(done["success"], json!(true));
    let credential_id = done["credentialId"].as_str().unwrap().to_string();
    assert_eq!(done["backupCodes"].as_array().unwrap().len(), 10);
    // Replaying the same answer finds no challenge.
    let err = dispatch(&b, "verify_passkey_registration", &verify).unwrap_err();
    assert_eq!(err.code(), "mfa_invalid_code");

    let status = a.get_mfa_status(&user.id).unwrap();
    assert!(status.enabled);
    assert_eq!(status.methods, vec!["webauthn", "backup"]);
    let list = dispatch(&b, "list_passkeys", &json!({"userId": user.id})).unwrap();
    assert_eq!(list[0]["credentialId"], json!(credential_id));
    assert_eq!(list[0]["name"], json!("YubiKey"));
    assert_eq!(list[0]["type"], json!("securityKey"));

    // A second registration (a step-up: here a backup code) excludes the first key.
    let backup = done["backupCodes"][0].as_str().unwrap().to_string();
    let opts = dispatch(
        &a,
        "get_passkey_registration_options",
        &json!({"userId": user.id, "confirmationCode": backup}),
    )
    .unwrap();
    assert_eq!(
        opts["publicKey"]["excludeCredentials"][0]["id"],
        json!(credential_id)
    );

    // Sign-in: options on one engine, assertion on the other; same result as verify_mfa.
    let sid = pending_session(&a, "key@example.com");
    let (challenge_id, assertion) = assert_for(&a, &mut token, &sid, ORIGIN);
    let args =
        json!({"challengeId": challenge_id, "credential": assertion, "type": "authentication"});
    let r = dispatch(&b, "verify_passkey_registration", &args).unwrap();
    assert_eq!(r["success"], json!(true), "{r}");
    assert_eq!(r["method"], json!("webauthn"));
    assert_eq!(r["user"]["email"], json!("key@example.com"));
    let token_str = r["session"]["token"].as_str().unwrap().to_string();
    let info = a.verify_session(&token_str).unwrap();
    assert!(info.valid && info.mfa_verified);
    assert_eq!(info.mfa_method.as_deref(), Some("webauthn"));
    // Replay of the assertion: the challenge is gone.
    let err = dispatch(&a, "verify_passkey_authentication", &args).unwrap_err();
    assert_eq!(err.code(), "mfa_invalid_code");

    // Step-up on the signed-in session.
    let (challenge_id, assertion) = assert_for(&b, &mut token, &token_str, ORIGIN);
    let r = dispatch(
        &a,
        "verify_passkey_authentication",
        &json!({"challengeId": challenge_id, "credential": assertion, "sessionId": token_str}),
    )
    .unwrap();
    assert_eq!(r["success"], json!(true), "{r}");
    a.require_recent_mfa(&token_str, None).unwrap();
    let list = dispatch(&b, "list_passkeys", &json!({"userId": user.id})).unwrap();
    assert!(list[0]["lastUsed"].is_string());
}

#[test]
fn passkey_with_user_verification_and_guide_byte_arrays() {
    let env = Env::new();
    let e = engine(&env);
    e.configure(&json!({"methods": {"webauthn": {"userVerification": "required"}}}))
        .unwrap();
    let user = e
        .sign_up("pk@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let mut pk = SoftPasskey::new(true);
    let mut verify = register(&e, &mut pk, &user.id, "passkey");
    // The guide's shape: arrays of byte values instead of base64url.
    let to_bytes = |v: &Value| -> Value {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(v.as_str().unwrap())
            .unwrap();
        json!(raw)
    };
    let c = verify["credential"].clone();
    verify["credential"] = json!({
        "id": c["id"],
        "rawId": to_bytes(&c["rawId"]),
        "response": {
            "attestationObject": to_bytes(&c["response"]["attestationObject"]),
            "clientDataJSON": to_bytes(&c["response"]["clientDataJSON"]),
        },
        "type": "public-key",
    });
    let done = dispatch(&e, "verify_passkey_registration", &verify).unwrap();
    let cid = done["credentialId"].as_str().unwrap().to_string();
    let list = e.list_passkeys(&user.id).unwrap();
    assert_eq!(list[0].kind, "passkey");

    let sid = pending_session(&e, "pk@example.com");
    let (challenge_id, assertion) = assert_for(&e, &mut pk, &sid, ORIGIN);
    let r = dispatch(
        &e,
        "verify_passkey_authentication",
        &json!({"challengeId": challenge_id, "assertion": assertion}),
    )
    .unwrap();
    assert_eq!(r["success"], json!(true), "{r}");

    // A second key (added with the fresh session as the step-up) can be removed with the
    // password (or right after a password check).
    let (mut spare, _) = SoftToken::new(true).unwrap();
    let r_session = r["session"]["token"].clone();
    let fresh = json!({ "sessionToken": r_session });
    let second = register_with(&e, &mut spare, &user.id, "securityKey", fresh);
    let second_id =
        dispatch(&e, "verify_passkey_registration", &second).unwrap()["credentialId"].clone();
    let remove_second = json!({"userId": user.id, "credentialId": second_id,
                               "sessionToken": r["session"]["token"]});
    // The sign-in's password check counts for five minutes; after that one is needed.
    env.clock.advance(301);
    let err = dispatch(&e, "remove_passkey", &remove_second).unwrap_err();
    assert_eq!(err.field(), Some("password"));
    let mut wrong = remove_second.clone();
    wrong["password"] = json!("not-the-password");
    let err = dispatch(&e, "remove_passkey", &wrong).unwrap_err();
    assert_eq!(err.code(), "invalid_credentials");
    assert_eq!(e.list_passkeys(&user.id).unwrap().len(), 2);
    // A password check naming the session counts for it.
    let caller = r_session.as_str().unwrap().to_string();
    e.verify_password(&user.id, PASSWORD, Some(&caller), &ctx())
        .unwrap();
    let r = dispatch(&e, "remove_passkey", &remove_second).unwrap();
    assert_eq!(r["mfaDisabled"], json!(false));

    // Rename, then remove: the last factor needs the disable_mfa rules.
    dispatch(
        &e,
        "rename_passkey",
        &json!({"userId": user.id, "credentialId": cid, "name": "Laptop",
                "sessionToken": r_session}),
    )
    .unwrap();
    assert_eq!(e.list_passkeys(&user.id).unwrap()[0].name, "Laptop");
    let err = dispatch(
        &e,
        "remove_passkey",
        &json!({"userId": user.id, "credentialId": cid}),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("confirmationCode"));
    let codes = done["backupCodes"].as_array().unwrap();
    let r = dispatch(
        &e,
        "remove_passkey",
        &json!({"userId": user.id, "credentialId": cid, "password": PASSWORD,
                "confirmationCode": codes[0]}),
    )
    .unwrap();
    assert_eq!(r["mfaDisabled"], json!(true));
    assert!(!e.get_mfa_status(&user.id).unwrap().enabled);
}

#[test]
fn counter_regression_is_refused_and_audited() {
    let env = Env::new();
    let e = engine(&env);
    let user = e
        .sign_up("clone@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let (mut token, _) = SoftToken::new(true).unwrap();
    let verify = register(&e, &mut token, &user.id, "securityKey");
    dispatch(&e, "verify_passkey_registration", &verify).unwrap();
    // A copy of the key as it is now: its counter will lag behind the original's.
    let mut clone = SoftToken::from_cbor(&token.to_cbor().unwrap()).unwrap();
    let sid = pending_session(&e, "clone@example.com");
    let (cid, assertion) = assert_for(&e, &mut token, &sid, ORIGIN);
    let r = dispatch(
        &e,
        "verify_passkey_authentication",
        &json!({"challengeId": cid, "credential": assertion}),
    )
    .unwrap();
    assert_eq!(r["success"], json!(true), "{r}");

    let sid = pending_session(&e, "clone@example.com");
    let (cid, assertion) = assert_for(&e, &mut clone, &sid, ORIGIN);
    let r = dispatch(
        &e,
        "verify_passkey_authentication",
        &json!({"challengeId": cid, "credential": assertion}),
    )
    .unwrap();
    assert_eq!(r["success"], json!(false));
    assert_eq!(r["error"], json!("mfa_invalid_code"));
    assert_eq!(r["attemptsRemaining"], json!(4));
    let events = e.list_audit_events(&user.id, None, None).unwrap();
    assert!(events
        .iter()
        .any(|ev| ev.action == "webauthn_counter_regression"));
}

#[test]
fn wrong_origin_rpid_expiry_and_malformed_input() {
    let env = Env::new();
    let e = engine(&env);
    let user = e
        .sign_up("bad@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let (mut token, _) = SoftToken::new(true).unwrap();

    // Wrong origin at registration.
    let opts = dispatch(
        &e,
        "get_passkey_registration_options",
        &json!({"userId": user.id}),
    )
    .unwrap();
    let ccr: CreationChallengeResponse =
        serde_json::from_value(json!({"publicKey": opts["publicKey"]})).unwrap();
    let cred = token
        .do_registration(Url::parse("https://sub.example.com").unwrap(), ccr)
        .unwrap();
    let err = dispatch(
        &e,
        "verify_passkey_registration",
        &json!({"challengeId": opts["challengeId"], "credential": cred}),
    )
    .unwrap_err();
    assert_eq!(err.code(), "mfa_invalid_code");

    // Wrong rpId: the authenticator signs for another relying party.
    let mut opts = dispatch(
        &e,
        "get_passkey_registration_options",
        &json!({"userId": user.id}),
    )
    .unwrap();
    opts["publicKey"]["rp"]["id"] = json!("other.example");
    let ccr: CreationChallengeResponse =
        serde_json::from_value(json!({"publicKey": opts["publicKey"]})).unwrap();
    let cred = token
        .do_registration(Url::parse("https://other.example").unwrap(), ccr)
        .unwrap();
    let err = dispatch(
        &e,
        "verify_passkey_registration",
        &json!({"challengeId": opts["challengeId"], "credential": cred}),
    )
    .unwrap_err();
    assert_eq!(err.code(), "mfa_invalid_code");

    // Expired challenge (default five minutes).
    let opts = dispatch(
        &e,
        "get_passkey_registration_options",
        &json!({"userId": user.id}),
    )
    .unwrap();
    assert_eq!(opts["expiresIn"], json!(300));
    let ccr: CreationChallengeResponse =
        serde_json::from_value(json!({"publicKey": opts["publicKey"]})).unwrap();
    let cred = token
        .do_registration(Url::parse(ORIGIN).unwrap(), ccr)
        .unwrap();
    env.clock.advance(301);
    let args = json!({"challengeId": opts["challengeId"], "credential": cred});
    let err = dispatch(&e, "verify_passkey_registration", &args).unwrap_err();
    assert_eq!(err.code(), "mfa_expired_code");

    // Malformed input: typed errors, nothing consumed (a password check first: the one of
    // sign-up is more than five minutes old).
    e.verify_password(&user.id, PASSWORD, None, &ctx()).unwrap();
    let verify = register(&e, &mut token, &user.id, "securityKey");
    for bad in [
        json!("nope"),
        json!({"rawId": "AA", "response": 5}),
        json!({"rawId": [1, 300], "response": {}}),
        json!({"rawId": "AA", "response": {"clientDataJSON": "AA"}}),
    ] {
        let err = dispatch(
            &e,
            "verify_passkey_registration",
            &json!({"challengeId": verify["challengeId"], "credential": bad}),
        )
        .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{err}");
        assert_eq!(err.field(), Some("credential"));
    }
    let err = dispatch(
        &e,
        "verify_passkey_registration",
        &json!({"challengeId": "x"}),
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("credential"));
    // A tampered signature of a valid ceremony.
    dispatch(&e, "verify_passkey_registration", &verify).unwrap();
    let sid = pending_session(&e, "bad@example.com");
    let (cid, mut assertion) = assert_for(&e, &mut token, &sid, ORIGIN);
    let sig = assertion["response"]["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    assertion["response"]["signature"] = json!(format!("{flipped}{}", &sig[1..]));
    let r = dispatch(
        &e,
        "verify_passkey_authentication",
        &json!({"challengeId": cid, "credential": assertion}),
    )
    .unwrap();
    assert_eq!(r["success"], json!(false));
    // Wrong origin on assertion (a subdomain not in the allowed list).
    let (cid, assertion) = assert_for(&e, &mut token, &sid, "https://sub.example.com");
    let r = dispatch(
        &e,
        "verify_passkey_authentication",
        &json!({"challengeId": cid, "credential": assertion}),
    )
    .unwrap();
    assert_eq!(r["success"], json!(false));
    // The soft authenticator refuses non-web origins, so the Android origin is checked as
    // configured (accepted by configure() and by the relying party).
    let ok = dispatch(
        &e,
        "get_passkey_authentication_options",
        &json!({ "sessionId": sid }),
    );
    assert!(ok.is_ok());
}

#[test]
fn two_removals_at_once_keep_the_last_factor_and_wrong_passwords_lock() {
    let env = Env::new();
    let (a, b) = (engine(&env), engine(&env));
    let user = a
        .sign_up("race@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user;
    let mut ids = Vec::new();
    let mut backup: Vec<String> = Vec::new();
    for _ in 0..2 {
        let (mut key, _) = SoftToken::new(true).unwrap();
        // The second key is a factor change on an account with MFA: a backup code steps up.
        let proof = backup
            .pop()
            .map_or(json!({}), |c| json!({ "confirmationCode": c }));
        let verify = register_with(&a, &mut key, &user.id, "securityKey", proof);
        let done = dispatch(&a, "verify_passkey_registration", &verify).unwrap();
        ids.push(done["credentialId"].as_str().unwrap().to_string());
        if let Some(codes) = done["backupCodes"].as_array() {
            backup = codes
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect();
        }
    }

    // A session whose MFA is recent steps both removals up, and neither brings a code: the
    // last factor cannot go, whichever removal comes second and whether or not it started
    // before the first one committed (the conditional delete, or the last-factor check).
    let pending = a.sign_in("race@example.com", PASSWORD, &ctx()).unwrap();
    let signed_in = dispatch(
        &a,
        "verify_mfa",
        &json!({ "sessionId": pending.session_id, "method": "backup", "code": backup.pop().unwrap() }),
    )
    .unwrap();
    let token = signed_in["session"]["token"].as_str().unwrap().to_string();

    // Each engine removes a different key at the same moment: only one may go.
    let barrier = std::sync::Barrier::new(2);
    let outcomes: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = [(&a, &ids[0]), (&b, &ids[1])]
            .into_iter()
            .map(|(e, id)| {
                let barrier = &barrier;
                let user_id = user.id.clone();
                let token = token.as_str();
                s.spawn(move || {
                    barrier.wait();
                    e.remove_passkey(
                        &user_id,
                        id,
                        Some(PASSWORD),
                        Proof::new(Some(token), None),
                        &ctx(),
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let removed = outcomes.iter().filter(|r| r.is_ok()).count();
    assert_eq!(removed, 1, "{outcomes:?}");
    let refused = outcomes.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(refused.field(), Some("confirmationCode"));
    assert_eq!(a.list_passkeys(&user.id).unwrap().len(), 1);
    assert!(a.get_mfa_status(&user.id).unwrap().enabled);

    // Password guesses through removal count like verify_password's: the 5th locks.
    let left = a.list_passkeys(&user.id).unwrap()[0].credential_id.clone();
    for _ in 0..5 {
        let err = a
            .remove_passkey(
                &user.id,
                &left,
                Some("wrong-password-1"),
                Proof::new(None, Some("123456")),
                &ctx(),
            )
            .unwrap_err();
        assert_eq!(err.code(), "invalid_credentials");
    }
    let locked = a
        .verify_password(&user.id, PASSWORD, None, &ctx())
        .unwrap_err();
    assert_eq!(locked.code(), "mfa_rate_limited");
}
