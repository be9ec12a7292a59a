//! Push approvals with number matching: the protocol the server and the phones share.
//!
//! 1. **Enrollment.** `enable_mfa(push)` gives a one-time URI ([`EnrollmentUri`], five
//!    minutes) for a QR code. The phone makes a P-256 key in its keystore and sends a
//!    [`Registration`] signed with that key (proof of possession). The server answers with its
//!    own public key, which the phone pins (the URI carries its fingerprint), and a code the
//!    user types on the sign-in page to confirm the set-up.
//! 2. **Challenge.** A sign-in creates a challenge bound to its session, with a number shown
//!    on the sign-in screen. The push message carries only the challenge id; the phone
//!    fetches the details with a signed [`Poll`] and gets them signed by the server
//!    ([`ChallengeClaims`]).
//! 3. **Answer.** The phone signs an [`Answer`]: `approve` with the number the user typed,
//!    `deny`, or `report`. A wrong number ends the challenge. The sign-in page polls the
//!    challenge's status, and an approval completes the session once.
//!
//! Every signed message is a compact ES256 JWS ([`jws`]); the phone's requests carry a `jti`
//! (used once) and live at most [`REQUEST_MAX_AGE_SECS`].

pub mod jws;
pub mod phone;

use crate::crypto::{b64url, sha256};
use crate::error::{MfaError, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::{Deserialize, Serialize};

/// Scheme and path of the enrollment URI.
pub const ENROLL_PREFIX: &str = "plinto-push://enroll?";
/// Seconds an enrollment URI can be used.
pub const ENROLLMENT_TTL_SECS: i64 = 300;
/// Longest life of a phone's signed request (poll or answer), in seconds.
pub const REQUEST_MAX_AGE_SECS: i64 = 60;
/// Clock difference tolerated between a phone and the server, in seconds.
pub const CLOCK_SKEW_SECS: i64 = 60;
/// Platforms a device may register as (`none`: it polls, no push token).
pub const PLATFORMS: &[&str] = &["android", "ios", "none"];

/// SubjectPublicKeyInfo prefix of a P-256 key (id-ecPublicKey, prime256v1), before the point.
const SPKI_P256_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// A P-256 public key as an uncompressed point (65 bytes), from unpadded base64url of that
/// point or of its DER SubjectPublicKeyInfo (what Android and iOS export).
pub fn public_key(field: &str, text: &str) -> Result<Vec<u8>> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim())
        .map_err(|_| MfaError::invalid(field, "must be base64url without padding"))?;
    public_key_from_bytes(field, bytes)
}

/// [`public_key`] from the bytes themselves (a point or a SubjectPublicKeyInfo).
pub fn public_key_from_bytes(field: &str, bytes: Vec<u8>) -> Result<Vec<u8>> {
    let point = match bytes.as_slice() {
        [0x04, ..] if bytes.len() == 65 => bytes,
        _ if bytes.len() == 91 && bytes.starts_with(&SPKI_P256_PREFIX) => bytes[26..].to_vec(),
        _ => {
            return Err(MfaError::invalid(
                field,
                "must be a P-256 public key (uncompressed point or SubjectPublicKeyInfo)",
            ))
        }
    };
    Ok(point)
}

/// The fingerprint phones pin: unpadded base64url of the SHA-256 of the uncompressed point.
pub fn fingerprint(point: &[u8]) -> String {
    b64url(&sha256(point))
}

/// A P-256 key pair held in memory: the server's signing key, and the software key store of
/// tests and simulated phones.
pub struct KeyPair(EcdsaKeyPair);

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").finish_non_exhaustive()
    }
}

impl KeyPair {
    /// A new key as PKCS#8 DER.
    pub fn generate_pkcs8() -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .map_err(|_| MfaError::internal("P-256 key generation failed"))?;
        Ok(zeroize::Zeroizing::new(doc.as_ref().to_vec()))
    }

    /// The key in PKCS#8 DER.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self> {
        EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map(Self)
        .map_err(|_| MfaError::invalid("privateKey", "must be a P-256 key in PKCS#8 DER"))
    }

    /// The public key as an uncompressed point.
    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().as_ref().to_vec()
    }
}

impl jws::Signer for KeyPair {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.0
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| MfaError::internal("signing failed"))
    }
}

/// A phone's registration, signed by the key it registers.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Registration {
    /// Always `push_register`.
    pub typ: String,
    /// The enrollment id from the URI.
    pub enrollment: String,
    /// The enrollment secret from the URI.
    pub secret: String,
    /// The device's public key (base64url).
    pub public_key: String,
    /// `android`, `ios` or `none`.
    pub platform: String,
    /// FCM registration token or APNs device token (none: the device polls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
    /// The device's name for the user's list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Unix seconds.
    pub iat: i64,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("enrollment", &self.enrollment)
            .field("platform", &self.platform)
            .field("name", &self.name)
            .field("iat", &self.iat)
            .finish_non_exhaustive()
    }
}

/// A phone asking for its pending challenges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Poll {
    /// Always `push_poll`.
    pub typ: String,
    /// The device id.
    pub device: String,
    /// Request id, used once.
    pub jti: String,
    /// The device's current push token, when the platform gave it a new one (FCM and APNs
    /// rotate them): it replaces the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
    /// Unix seconds.
    pub iat: i64,
    /// Unix seconds.
    pub exp: i64,
}

/// A phone's answer to one challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Answer {
    /// Always `push_answer`.
    pub typ: String,
    /// The device id.
    pub device: String,
    /// The challenge id.
    pub challenge: String,
    /// The challenge's nonce (from its signed details).
    pub nonce: String,
    /// `approve`, `deny` or `report`.
    pub action: String,
    /// For `approve`: the number the user typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// For `deny`: `not_me` or `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Request id, used once.
    pub jti: String,
    /// Unix seconds.
    pub iat: i64,
    /// Unix seconds.
    pub exp: i64,
}

/// What the server signs about a challenge for the phone to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChallengeClaims {
    /// The kind of message: "push_challenge".
    pub typ: String,
    /// The challenge id.
    pub challenge: String,
    /// The value the answer must carry.
    pub nonce: String,
    /// The account (email) signing in.
    pub account: String,
    /// The application asking.
    pub app: String,
    /// `sign_in` or `step_up`.
    pub purpose: String,
    /// The sign-in's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The sign-in's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Digits of the number to type.
    pub digits: u32,
    /// Unix seconds.
    pub iat: i64,
    /// Unix seconds: the challenge's expiry.
    pub exp: i64,
}

/// Refuses a phone request outside its lifetime: living longer than
/// [`REQUEST_MAX_AGE_SECS`], or outside `iat ..= exp` by more than the tolerated clock skew
/// either way. Returns until when its `jti` must be remembered.
pub fn check_lifetime(field: &str, iat: i64, exp: i64, now: i64) -> Result<i64> {
    let life = exp.checked_sub(iat);
    if !life.is_some_and(|l| (0..=REQUEST_MAX_AGE_SECS).contains(&l)) {
        return Err(MfaError::invalid(
            field,
            format!("must live at most {REQUEST_MAX_AGE_SECS} seconds (exp - iat)"),
        ));
    }
    let Some(valid_until) = exp.checked_add(CLOCK_SKEW_SECS) else {
        return Err(MfaError::invalid(field, "exp is out of range"));
    };
    if valid_until <= now || iat.saturating_sub(CLOCK_SKEW_SECS) > now {
        return Err(MfaError::ExpiredCode);
    }
    Ok(valid_until)
}

/// Whether `url` may be where phones send their requests: `https://…`, or plain HTTP to this
/// machine (`http://localhost`, `http://127.0.0.1`, with a port or path) for development.
pub fn service_url_ok(url: &str) -> bool {
    url.len() <= 512
        && (url.starts_with("https://") && url.len() > "https://".len() || loopback_http(url))
        && !url.contains('@')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `url` is plain HTTP to this machine: `http://localhost` or `http://127.0.0.1`,
/// then nothing, a port, or a path (no user info that would name another host).
pub fn loopback_http(url: &str) -> bool {
    ["http://localhost", "http://127.0.0.1"].iter().any(|p| {
        url.strip_prefix(p).is_some_and(|rest| {
            let (port, path) = rest.split_once('/').unwrap_or((rest, ""));
            !path.contains('@')
                && (port.is_empty()
                    || port
                        .strip_prefix(':')
                        .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())))
        })
    })
}

/// The enrollment a QR code carries.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[serde(rename_all = "camelCase")]
pub struct EnrollmentUri {
    /// `pen_…` id.
    pub enrollment: String,
    /// One-time secret.
    #[schemars(extend("x-secret" = true))]
    pub secret: String,
    /// The application's name.
    pub issuer: String,
    /// The account (email).
    pub account: String,
    /// Fingerprint of the server's key ([`fingerprint`]).
    pub fingerprint: String,
    /// Where the phone sends its requests (empty: the app knows).
    pub service_url: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for EnrollmentUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollmentUri")
            .field("enrollment", &self.enrollment)
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("fingerprint", &self.fingerprint)
            .field("service_url", &self.service_url)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl EnrollmentUri {
    /// The `plinto-push://enroll?…` form.
    pub fn to_uri(&self) -> String {
        let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
        let mut uri = format!(
            "{ENROLL_PREFIX}v=1&enrollment={}&secret={}&issuer={}&account={}&fp={}&exp={}",
            enc(&self.enrollment),
            enc(&self.secret),
            enc(&self.issuer),
            enc(&self.account),
            enc(&self.fingerprint),
            self.expires_at
        );
        if !self.service_url.is_empty() {
            uri.push_str(&format!("&url={}", enc(&self.service_url)));
        }
        uri
    }

    /// Reads a `plinto-push://enroll?…` URI.
    pub fn parse(uri: &str) -> Result<Self> {
        let bad = |why: &str| MfaError::invalid("uri", why);
        let query = uri
            .trim()
            .strip_prefix(ENROLL_PREFIX)
            .ok_or_else(|| bad("must start with plinto-push://enroll?"))?;
        let mut fields = std::collections::HashMap::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode_str(v)
                .decode_utf8()
                .map_err(|_| bad("must be UTF-8"))?
                .into_owned();
            if fields.insert(k.to_string(), v).is_some() {
                return Err(bad(&format!("has {k} twice")));
            }
        }
        let mut take = |k: &str| {
            fields
                .remove(k)
                .filter(|v| !v.is_empty() && v.len() <= 512)
                .ok_or_else(|| bad(&format!("needs {k}")))
        };
        if take("v")? != "1" {
            return Err(bad("has an unknown version"));
        }
        Ok(Self {
            enrollment: take("enrollment")?,
            secret: take("secret")?,
            issuer: take("issuer")?,
            account: take("account")?,
            fingerprint: take("fp")?,
            expires_at: take("exp")?
                .parse()
                .map_err(|_| bad("exp must be Unix seconds"))?,
            service_url: match fields.remove("url") {
                Some(u) if !service_url_ok(&u) => {
                    return Err(bad("url must be https:// (http:// only for localhost)"))
                }
                u => u.unwrap_or_default(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::jws::{raw_signature, sign, Unverified};
    use super::*;

    #[test]
    fn signs_and_verifies_and_refuses_other_keys_and_edits() -> Result<()> {
        let key = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8()?)?;
        let other = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8()?)?;
        let claims = Poll {
            typ: "push_poll".into(),
            device: "pdv_1".into(),
            jti: "j".into(),
            push_token: None,
            iat: 1,
            exp: 2,
        };
        let token = sign(&key, Some("pdv_1"), &claims)?;
        let parsed = Unverified::parse("request", &token)?;
        assert!(parsed.verify(&key.public_key()));
        assert!(!parsed.verify(&other.public_key()));
        assert_eq!(parsed.claims::<Poll>("request")?, claims);
        // A payload changed after signing no longer verifies.
        let mut parts: Vec<&str> = token.split('.').collect();
        let edited = b64url(br#"{"typ":"push_poll","device":"pdv_2","jti":"j","iat":1,"exp":2}"#);
        parts[1] = &edited;
        assert!(!Unverified::parse("request", &parts.join("."))?.verify(&key.public_key()));
        // alg none and other algorithms are refused before any key is looked at.
        let none = format!(
            "{}.{}.",
            b64url(br#"{"alg":"none","typ":"plinto-push+jws"}"#),
            parts[1]
        );
        assert!(Unverified::parse("request", &none).is_err());
        Ok(())
    }

    #[test]
    fn der_signatures_become_raw() -> Result<()> {
        let mut der = vec![0x30, 0x45, 0x02, 0x21, 0x00];
        der.extend([0xff; 32]);
        der.extend([0x02, 0x20]);
        der.extend([0x01; 32]);
        let raw = raw_signature(&der)?;
        assert_eq!(&raw[..32], &[0xff; 32]);
        assert_eq!(&raw[32..], &[0x01; 32]);
        // Short integers are left-padded.
        let raw = raw_signature(&[0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07])?;
        assert_eq!((raw[31], raw[63], raw[0]), (5, 7, 0));
        assert!(raw_signature(&[0x30, 0x03, 0x02, 0x01]).is_err());
        Ok(())
    }

    #[test]
    fn enrollment_uri_round_trips_and_refuses_damage() -> Result<()> {
        let e = EnrollmentUri {
            enrollment: "pen_1".into(),
            secret: "s3cr&t".into(),
            issuer: "Acme Inc".into(),
            account: "a@b.c".into(),
            fingerprint: "fp".into(),
            service_url: "https://x.example/api/push".into(),
            expires_at: 42,
        };
        assert_eq!(EnrollmentUri::parse(&e.to_uri())?, e);
        assert!(EnrollmentUri::parse("otpauth://totp/x?secret=A").is_err());
        assert!(EnrollmentUri::parse(&format!("{}&v=1", e.to_uri())).is_err());
        assert!(EnrollmentUri::parse(&e.to_uri().replace("v=1", "v=2")).is_err());
        // Plain HTTP only to this machine, and no user info naming another host.
        assert!(service_url_ok("http://localhost:3000/api/push"));
        assert!(service_url_ok("http://127.0.0.1/api/push"));
        assert!(!service_url_ok("http://localhost.evil.example/api"));
        assert!(!service_url_ok("http://localhost:1@evil.example/api"));
        assert!(!service_url_ok("http://example.com/api"));
        assert!(!service_url_ok("https://"));
        Ok(())
    }

    #[test]
    fn public_keys_from_points_and_spki() -> Result<()> {
        let key = KeyPair::from_pkcs8(&KeyPair::generate_pkcs8()?)?;
        let point = key.public_key();
        assert_eq!(public_key("k", &b64url(&point))?, point);
        let mut spki = SPKI_P256_PREFIX.to_vec();
        spki.extend(&point);
        assert_eq!(public_key("k", &b64url(&spki))?, point);
        assert!(public_key("k", &b64url(&point[1..])).is_err());
        Ok(())
    }
}
