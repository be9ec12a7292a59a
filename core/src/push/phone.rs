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

/// A signed request for the device's pending challenges, carrying the device's current push
/// token when it changed.
pub fn poll(
    device_id: &str,
    push_token: Option<&str>,
    signer: &dyn Signer,
    now: i64,
) -> Result<String> {
    let claims = Poll {
        typ: "push_poll".into(),
        device: device_id.into(),
        jti: jti()?,
        push_token: push_token.map(str::to_string),
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

/// The phone's side with a software key given as PKCS#8 (simulated phones and tests): what
/// the `push_phone_key`, `push_registration`, `pin_push_server_key`, `push_poll`,
/// `open_push_challenge` and `push_answer` operations run.
pub mod software {
    use super::super::{fingerprint, public_key, ChallengeClaims, EnrollmentUri, KeyPair};
    use crate::api::{
        OpenPushChallengeRequest, PinPushServerKeyRequest, PinnedPushServerKey, PushAnswerRequest,
        PushPhoneKey, PushPollRequest, PushRegistrationRequest, SignedPushMessage, UnixTime,
    };
    use crate::clock::{Clock, SystemClock};
    use crate::crypto::b64url;
    use crate::error::{MfaError, Result};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    fn now(time: Option<UnixTime>) -> i64 {
        time.map_or_else(|| SystemClock.now(), |t| t.0)
    }

    fn key(private_key: &str) -> Result<KeyPair> {
        let der =
            zeroize::Zeroizing::new(URL_SAFE_NO_PAD.decode(private_key.trim()).map_err(|_| {
                MfaError::invalid("privateKey", "must be base64url without padding")
            })?);
        KeyPair::from_pkcs8(&der)
    }

    /// A new software key.
    pub fn new_key() -> Result<PushPhoneKey> {
        let der = KeyPair::generate_pkcs8()?;
        Ok(PushPhoneKey {
            public_key: b64url(&KeyPair::from_pkcs8(&der)?.public_key()),
            private_key: b64url(&der),
        })
    }

    /// `push_registration`.
    pub fn registration(r: &PushRegistrationRequest) -> Result<SignedPushMessage> {
        let uri = EnrollmentUri::parse(&r.uri)?;
        let key = key(r.private_key.expose())?;
        let message = super::registration(
            &uri,
            &key.public_key(),
            &key,
            &r.platform,
            r.push_token.as_deref(),
            r.name.as_deref(),
            now(r.time),
        )?;
        Ok(SignedPushMessage { message })
    }

    /// `pin_push_server_key`.
    pub fn pin(r: &PinPushServerKeyRequest) -> Result<PinnedPushServerKey> {
        let point = super::pin_server_key(&EnrollmentUri::parse(&r.uri)?, &r.server_key)?;
        Ok(PinnedPushServerKey {
            fingerprint: fingerprint(&point),
            server_key: b64url(&point),
        })
    }

    /// `push_poll`.
    pub fn poll(r: &PushPollRequest) -> Result<SignedPushMessage> {
        let key = key(r.private_key.expose())?;
        Ok(SignedPushMessage {
            message: super::poll(&r.device_id, r.push_token.as_deref(), &key, now(r.time))?,
        })
    }

    /// `open_push_challenge`.
    pub fn open(r: &OpenPushChallengeRequest) -> Result<ChallengeClaims> {
        let server = public_key("serverKey", &r.server_key)?;
        super::open_challenge(&r.details, &server, now(r.time))
    }

    /// `push_answer`.
    pub fn answer(r: &PushAnswerRequest) -> Result<SignedPushMessage> {
        let at = now(r.time);
        let server = public_key("serverKey", &r.server_key)?;
        let challenge = super::open_challenge(&r.details, &server, at)?;
        let key = key(r.private_key.expose())?;
        Ok(SignedPushMessage {
            message: super::answer(
                &challenge,
                &r.device_id,
                &r.action,
                r.number.as_deref(),
                r.reason.as_deref(),
                &key,
                at,
            )?,
        })
    }
}
