//! SMS and email codes: lifecycle, expiry, resend limits, delivery failure and timeout,
//! channel health, fallback order, and the built-in Twilio and SMTP senders against local
//! protocol peers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::*;
use plinto_mfa_core::{EnableMfaRequest, Engine, MfaError};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

fn enable(
    engine: &Engine,
    uid: &str,
    method: &str,
    phone: Option<&str>,
) -> Result<plinto_mfa_core::EnableMfaResult, MfaError> {
    engine.enable_mfa(&EnableMfaRequest {
        user_id: uid.into(),
        method: method.into(),
        phone_number: phone.map(str::to_string),
        ..Default::default()
    })
}

/// [`enable`] with a step-up: the session token of a fresh MFA verification.
fn enable_with(
    engine: &Engine,
    uid: &str,
    method: &str,
    phone: Option<&str>,
    token: &str,
) -> Result<plinto_mfa_core::EnableMfaResult, MfaError> {
    engine.enable_mfa(&EnableMfaRequest {
        user_id: uid.into(),
        method: method.into(),
        phone_number: phone.map(str::to_string),
        session_token: Some(token.into()),
        ..Default::default()
    })
}

#[test]
fn sms_setup_sign_in_and_masked_status() {
    let env = Env::new();
    let (engine, outbox) = engine_with_outbox(&env);
    let uid = engine
        .sign_up("sms@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    let err = enable(&engine, &uid, "sms", Some("invalid")).err().unwrap();
    assert_eq!(err.code(), "invalid_input");
    assert!(err.to_string().contains("Invalid phone number"));
    let setup = enable(&engine, &uid, "sms", Some("+1234567890")).unwrap();
    assert_eq!(setup.code_sent, Some(true));
    assert_eq!(setup.destination.as_deref(), Some("+1******7890"));
    assert_eq!(setup.expires_in, Some(600));
    let sent = outbox.sent.lock().unwrap().last().unwrap().clone();
    assert_eq!(sent.destination, "+1234567890");
    assert_eq!(sent.meta.purpose, "setup");
    assert!(sent.message.contains(&sent.meta.code) && sent.message.contains("10 minutes"));
    assert_eq!(sent.meta.code.len(), 6);
    // Confirm with the code from the "phone".
    let r = engine
        .verify_mfa(&by_user(&uid, "sms", &outbox.last_code()))
        .unwrap();
    assert!(r.success);
    assert_eq!(r.backup_codes.unwrap().len(), 10);
    let status = engine.get_mfa_status(&uid).unwrap();
    assert_eq!(status.methods, vec!["sms", "backup"]);
    assert_eq!(status.channels[0].destination, "+1******7890");
    // Sign in: request a code, complete the challenge.
    let p = pending_session(&engine, "sms@example.com");
    env.clock.advance(61);
    let sent = engine
        .request_new_code(Some(&p), None, "sms", &ctx())
        .unwrap();
    assert_eq!((sent.expires_in, sent.attempts_remaining), (600, 5));
    assert_eq!(
        outbox.sent.lock().unwrap().last().unwrap().meta.purpose,
        "sign_in"
    );
    let code = outbox.last_code();
    let done = engine.verify_mfa(&by_session(&p, "sms", &code)).unwrap();
    assert!(done.success && done.session.is_some());
    // Single use.
    let p2 = pending_session(&engine, "sms@example.com");
    assert_failed(&engine.verify_mfa(&by_session(&p2, "sms", &code)).unwrap());
    let audit = engine.list_audit_events(&uid, None, None).unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "code_sent" && e.detail.as_deref() == Some("+1******7890")));
}

#[test]
fn email_defaults_to_the_users_address_and_new_code_voids_old() {
    let env = Env::new();
    let (engine, outbox) = engine_with_outbox(&env);
    let uid = engine
        .sign_up("john@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    let setup = enable(&engine, &uid, "email", None).unwrap();
    assert_eq!(setup.destination.as_deref(), Some("j***@example.com"));
    let first = outbox.last_code();
    let subject = outbox
        .sent
        .lock()
        .unwrap()
        .last()
        .unwrap()
        .meta
        .subject
        .clone();
    assert_eq!(subject.as_deref(), Some("Plinto verification code"));
    env.clock.advance(61);
    engine
        .request_new_code(None, Some(&uid), "email", &ctx())
        .unwrap();
    let second = outbox.last_code();
    if first != second {
        assert_failed(&engine.verify_mfa(&by_user(&uid, "email", &first)).unwrap());
    }
    assert!(
        engine
            .verify_mfa(&by_user(&uid, "email", &second))
            .unwrap()
            .success
    );
}

#[test]
fn expired_code_is_its_own_error() {
    let env = Env::new();
    let (engine, outbox) = engine_with_outbox(&env);
    let uid = engine
        .sign_up("exp@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    enable(&engine, &uid, "sms", Some("+15555550100")).unwrap();
    env.clock.advance(601);
    let r = engine
        .verify_mfa(&by_user(&uid, "sms", &outbox.last_code()))
        .unwrap();
    assert_failed(&r);
    assert_eq!(r.error.as_deref(), Some("mfa_expired_code"));
}

#[test]
fn resend_limits_per_minute_hour_and_day() {
    let env = Env::new();
    let (engine, _) = engine_with_outbox(&env);
    engine
        .configure(&serde_json::json!({"methods": {"sms": {"rateLimits": {"perMinute": 1, "perHour": 2, "perDay": 3}}}}))
        .unwrap();
    let uid = engine
        .sign_up("limits@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    enable(&engine, &uid, "sms", Some("+15555550101")).unwrap();
    let again = engine
        .request_new_code(None, Some(&uid), "sms", &ctx())
        .err()
        .unwrap();
    assert_eq!(again.code(), "mfa_rate_limited");
    assert_eq!(again.retry_after(), Some(60));
    env.clock.advance(60);
    engine
        .request_new_code(None, Some(&uid), "sms", &ctx())
        .unwrap();
    env.clock.advance(60);
    let hourly = engine
        .request_new_code(None, Some(&uid), "sms", &ctx())
        .err()
        .unwrap();
    assert_eq!(hourly.retry_after(), Some(3600 - 120));
    env.clock.advance(3600);
    engine
        .request_new_code(None, Some(&uid), "sms", &ctx())
        .unwrap();
    env.clock.advance(3600);
    let daily = engine
        .request_new_code(None, Some(&uid), "sms", &ctx())
        .err()
        .unwrap();
    assert_eq!(daily.code(), "mfa_rate_limited");
    // The same number for another user is limited too (per destination).
    let other = engine
        .sign_up("other@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    assert_eq!(
        enable(&engine, &other, "sms", Some("+15555550101"))
            .err()
            .map(|e| e.code().as_str()),
        Some("mfa_rate_limited")
    );
}

#[test]
fn failed_or_slow_sender_voids_the_code_and_degrades_the_channel() {
    let env = Env::new();
    let (engine, outbox) = engine_with_outbox(&env);
    engine
        .configure(&serde_json::json!({"delivery": {"timeoutSeconds": 1, "failureThreshold": 2, "cooldownSeconds": 120},
            "methods": {"sms": {"rateLimits": {"perMinute": 10, "perHour": 10, "perDay": 10}}}}))
        .unwrap();
    let uid = engine
        .sign_up("fail@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    *outbox.fail.lock().unwrap() = true;
    let e = enable(&engine, &uid, "sms", Some("+15555550102"))
        .err()
        .unwrap();
    assert_eq!(
        e,
        MfaError::DeliveryFailed {
            channel: "sms".into()
        }
    );
    assert!(e.to_string().contains("Failed to send the SMS code"));
    *outbox.fail.lock().unwrap() = false;
    *outbox.delay_ms.lock().unwrap() = 3000;
    let before = outbox.sent.lock().unwrap().len();
    let t = std::time::Instant::now();
    let e = engine
        .request_new_code(None, Some(&uid), "sms", &ctx())
        .err()
        .unwrap();
    assert_eq!(e.code(), "mfa_delivery_failed");
    // The 1 s timeout answered, not the 3 s sender (with room for a slow machine's commits).
    assert!(
        t.elapsed() < Duration::from_millis(2800),
        "the timeout cut the send short"
    );
    // The slow sender finishes late…
    while outbox.sent.lock().unwrap().len() == before {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the slow send never ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let late = outbox.last_code();
    // …but the code it carried was voided.
    assert_failed(&engine.verify_mfa(&by_user(&uid, "sms", &late)).unwrap());
    // Failed sends to a destination nobody confirmed say nothing of the provider: it is not
    // degraded (sign-in sends are, see account_security.rs).
    *outbox.delay_ms.lock().unwrap() = 0;
    engine
        .request_new_code(None, Some(&uid), "sms", &ctx())
        .unwrap();
    let audit = engine.list_audit_events(&uid, None, None).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "delivery_failed")
            .count(),
        2
    );
}

#[test]
fn without_a_sender_no_code_is_sent() {
    let env = Env::new();
    let engine = env.engine();
    let other = engine
        .sign_up("nosender@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    assert_eq!(
        enable(&engine, &other, "email", None)
            .err()
            .map(|e| e.code().as_str()),
        Some("mfa_delivery_failed")
    );
}

#[test]
fn fallback_order_follows_the_guide_and_skips_degraded_channels() {
    let env = Env::new();
    let (engine, outbox) = engine_with_outbox(&env);
    engine
        .configure(&serde_json::json!({"delivery": {"failureThreshold": 1}}))
        .unwrap();
    let (uid, secret, _) = enrolled_user(&env, &engine, "fallback@example.com");
    let token = mfa_session(&env, &engine, "fallback@example.com", &secret);
    enable_with(&engine, &uid, "sms", Some("+15555550104"), &token).unwrap();
    engine
        .verify_mfa(&keeping(by_user(&uid, "sms", &outbox.last_code()), &token))
        .unwrap();
    enable_with(&engine, &uid, "email", None, &token).unwrap();
    engine
        .verify_mfa(&keeping(
            by_user(&uid, "email", &outbox.last_code()),
            &token,
        ))
        .unwrap();
    assert_eq!(
        engine.get_mfa_status(&uid).unwrap().methods,
        vec!["totp", "sms", "email", "backup"]
    );
    assert_eq!(
        engine.get_fallback_methods(&uid, "sms").unwrap(),
        vec!["email", "totp", "backup"]
    );
    assert_eq!(
        engine.get_fallback_methods(&uid, "totp").unwrap(),
        vec!["backup", "sms", "email"]
    );
    assert_eq!(
        engine.get_fallback_methods(&uid, "push").unwrap(),
        vec!["totp", "sms", "email", "backup"]
    );
    // A failed email send degrades email: it drops out of the fallbacks.
    *outbox.fail.lock().unwrap() = true;
    env.clock.advance(61);
    let signing_in = pending_session(&engine, "fallback@example.com");
    assert!(engine
        .request_new_code(Some(&signing_in), None, "email", &ctx())
        .is_err());
    assert_eq!(
        engine.get_fallback_methods(&uid, "sms").unwrap(),
        vec!["totp", "backup"]
    );
    // Wrong codes say what to offer next.
    let p = pending_session(&engine, "fallback@example.com");
    let r = engine
        .verify_mfa(&by_session(&p, "totp", "000000"))
        .unwrap();
    assert_eq!(r.fallback_methods.unwrap(), vec!["backup", "sms"]);
}

/// A local stand-in for Twilio's API: checks the request shape and records the message.
fn twilio_peer() -> (String, std::thread::JoinHandle<(String, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = String::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.to_ascii_lowercase().starts_with("content-length:") {
                length = line[15..].trim().parse().unwrap();
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let reply = "{\"sid\":\"SM1\",\"status\":\"queued\"}";
        write!(stream, "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}", reply.len()).unwrap();
        (head, String::from_utf8(body).unwrap())
    });
    (base, handle)
}

#[test]
fn built_in_twilio_sender_speaks_the_messages_api() {
    let env = Env::new();
    let engine = env.engine();
    let (base, peer) = twilio_peer();
    engine
        .configure(&serde_json::json!({"delivery": {"twilio": {"accountSid": "AC123", "authToken": "tok", "from": "+15550001111", "baseUrl": base}}}))
        .unwrap();
    let uid = engine
        .sign_up("twilio@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    enable(&engine, &uid, "sms", Some("+15555550105")).unwrap();
    let (head, body) = peer.join().unwrap();
    assert!(
        head.starts_with("POST /2010-04-01/Accounts/AC123/Messages.json HTTP/1.1"),
        "{head}"
    );
    // Basic base64("AC123:tok")
    assert!(head.contains("Basic QUMxMjM6dG9r"), "{head}");
    assert!(head
        .to_ascii_lowercase()
        .contains("content-type: application/x-www-form-urlencoded"));
    assert!(
        body.contains("To=%2B15555550105") && body.contains("From=%2B15550001111"),
        "{body}"
    );
    let code: String = body
        .split("Body=")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{body}");
    assert!(
        engine
            .verify_mfa(&by_user(&uid, "sms", &code))
            .unwrap()
            .success
    );
}

#[test]
fn built_in_smtp_sender_delivers_a_message() {
    let env = Env::new();
    let engine = env.engine();
    let (port, peer) = smtp_peer();
    engine
        .configure(&serde_json::json!({"delivery": {"smtp": {"host": "127.0.0.1", "port": port, "tls": "none", "from": "mfa@example.com"}}}))
        .unwrap();
    let uid = engine
        .sign_up("mail@example.com", PASSWORD, None, &ctx())
        .unwrap()
        .user
        .id;
    enable(&engine, &uid, "email", None).unwrap();
    let data = peer.join().unwrap();
    assert!(data.contains("To: mail@example.com"), "{data}");
    assert!(data.contains("Subject: Plinto verification code"), "{data}");
    let code: String = data
        .split("code is ")
        .nth(1)
        .unwrap()
        .chars()
        .take(6)
        .collect();
    assert!(
        engine
            .verify_mfa(&by_user(&uid, "email", &code))
            .unwrap()
            .success
    );
}
