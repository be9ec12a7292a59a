//! The phone's side of push approvals: the messages an authenticator app signs, and the
//! checks it makes on what the server sends. Signing goes through [`Signer`], so the private
//! key can stay in the platform's keystore (Android Keystore, the Secure Enclave); tests and
//! simulated phones use a [`KeyPair`](super::KeyPair).

use super::jws::{sign, Signer, Unverified};
use super::{
    fingerprint, public_key, Answer, ChallengeClaims, EnrollmentUri, Poll, Registration, PLATFORMS,
    REQUEST_MAX_AGE_SECS,
};
use crate::crypto::{b64url, ct_eq, random_bytes};
use crate::error::{MfaError, Result};

/// A request id for one signed request.
fn jti() -> Result<String> {
    Ok(b64url(&random_bytes(16)?))
}

/// The signed registration for `uri`, made with the new key (`public_key`, an uncompressed
/// point, and `signer`).
#[allow(clippy::too_many_arguments)]
pub fn registration(
    uri: &EnrollmentUri,
    public_key: &[u8],
    signer: &dyn Signer,
    platform: &str,
    push_token: Option<&str>,
    name: Option<&str>,
    now: i64,
) -> Result<String> {
    if uri.expires_at <= now {
        return Err(MfaError::ExpiredCode);
    }
    if !PLATFORMS.contains(&platform) {
        return Err(MfaError::invalid(
            "platform",
            "must be android, ios or none",
        ));
    }
    let claims = Registration {
        typ: "push_register".into(),
        enrollment: uri.enrollment.clone(),
        secret: uri.secret.clone(),
        public_key: b64url(public_key),
        platform: platform.into(),
        push_token: push_token.map(str::to_string),
        name: name.map(str::to_string),
        iat: now,
    };
    sign(signer, None, &claims)
}

/// The server key to pin: the one the registration's answer names, if its fingerprint is the
/// one the QR code carried.
pub fn pin_server_key(uri: &EnrollmentUri, server_key: &str) -> Result<Vec<u8>> {
    let point = public_key("serverKey", server_key)?;
    if !ct_eq(fingerprint(&point).as_bytes(), uri.fingerprint.as_bytes()) {
        return Err(MfaError::invalid(
            "serverKey",
            "does not match the fingerprint in the enrollment QR code",
        ));
    }
    Ok(point)
}

/// A signed request for the device's pending challenges.
pub fn poll(device_id: &str, signer: &dyn Signer, now: i64) -> Result<String> {
    let claims = Poll {
        typ: "push_poll".into(),
        device: device_id.into(),
        jti: jti()?,
        iat: now,
        exp: now + REQUEST_MAX_AGE_SECS,
    };
    sign(signer, Some(device_id), &claims)
}

/// A challenge's details, if the pinned server key signed them and they have not expired.
pub fn open_challenge(details: &str, server_key: &[u8], now: i64) -> Result<ChallengeClaims> {
    let jws = Unverified::parse("details", details)?;
    if !jws.verify(server_key) {
        return Err(MfaError::invalid(
            "details",
            "are not signed by the pinned server key",
        ));
    }
    let claims: ChallengeClaims = jws.claims("details")?;
    if claims.typ != "push_challenge" {
        return Err(MfaError::invalid("details", "are not a push challenge"));
    }
    if claims.exp <= now {
        return Err(MfaError::ExpiredCode);
    }
    Ok(claims)
}

/// The signed answer to `challenge`: `approve` with the typed `number`, `deny` (reason
/// `not_me` or `cancelled`), or `report`.
pub fn answer(
    challenge: &ChallengeClaims,
    device_id: &str,
    action: &str,
    number: Option<&str>,
    reason: Option<&str>,
    signer: &dyn Signer,
    now: i64,
) -> Result<String> {
    match action {
        "approve" if number.map_or(true, |n| n.trim().is_empty()) => {
            return Err(MfaError::invalid("number", "is required to approve"))
        }
        "approve" | "deny" | "report" => {}
        _ => {
            return Err(MfaError::invalid(
                "action",
                "must be approve, deny or report",
            ))
        }
    }
    let claims = Answer {
        typ: "push_answer".into(),
        device: device_id.into(),
        challenge: challenge.challenge.clone(),
        nonce: challenge.nonce.clone(),
        action: action.into(),
        number: number.map(|n| n.trim().to_string()),
        reason: reason.map(str::to_string),
        jti: jti()?,
        iat: now,
        exp: now + REQUEST_MAX_AGE_SECS,
    };
    sign(signer, Some(device_id), &claims)
}
