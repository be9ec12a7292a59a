//! The phone's side of push approvals for Swift and Kotlin apps: read the enrollment QR code,
//! make the signed registration, polls and answers, check a challenge's details against the
//! pinned server key. Signing goes through [`PushKeyStore`], which the app implements over
//! Android Keystore / StrongBox or the Secure Enclave, so the private key never enters Rust;
//! [`SoftwarePushKey`] is a key in memory for tests and simulators.

use crate::error::guard;
use plinto_mfa_core::clock::{Clock, SystemClock};
use plinto_mfa_core::crypto::b64url;
use plinto_mfa_core::push::jws::Signer;
use plinto_mfa_core::push::{self, phone, ChallengeClaims, EnrollmentUri, KeyPair};
use plinto_mfa_core::MfaError;
use std::sync::Arc;

/// Why the app's key store could not give its key or sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KeyStoreFailure {
    /// The key is missing, locked, or the user refused (biometrics): nothing is sent.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for KeyStoreFailure {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed { reason: e.reason }
    }
}

/// The phone's device key, kept by the app in the platform keystore.
#[uniffi::export(with_foreign)]
pub trait PushKeyStore: Send + Sync {
    /// The public key: an uncompressed P-256 point (65 bytes) or its SubjectPublicKeyInfo
    /// DER (what Android's `getEncoded()` and iOS's `SecKeyCopyExternalRepresentation` give).
    fn public_key(&self) -> Result<Vec<u8>, KeyStoreFailure>;
    /// Signs `message` with ECDSA P-256 over SHA-256 (`SHA256withECDSA`,
    /// `ecdsaSignatureMessageX962SHA256`): DER or raw `r || s`.
    fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, KeyStoreFailure>;
}

/// A key store as core's signer.
struct Store<'a>(&'a dyn PushKeyStore);

impl Signer for Store<'_> {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, MfaError> {
        self.0
            .sign(message.to_vec())
            .map_err(|e| MfaError::internal(format!("key store: {e}")))
    }
}

fn public_key_of(key: &dyn PushKeyStore) -> Result<Vec<u8>, MfaError> {
    let bytes = key
        .public_key()
        .map_err(|e| MfaError::internal(format!("key store: {e}")))?;
    push::public_key_from_bytes("publicKey", bytes)
}

fn now_or(time: Option<i64>) -> i64 {
    time.unwrap_or_else(|| SystemClock.now())
}

/// A P-256 key in memory, for tests and simulated phones (a real app uses its keystore).
#[derive(uniffi::Object)]
pub struct SoftwarePushKey {
    pair: KeyPair,
}

/// A new software key, for tests and simulated phones.
#[uniffi::export]
pub fn push_phone_key() -> Result<Arc<SoftwarePushKey>, MfaError> {
    guard(|| {
        let der = KeyPair::generate_pkcs8()?;
        Ok(Arc::new(SoftwarePushKey {
            pair: KeyPair::from_pkcs8(&der)?,
        }))
    })
}

#[uniffi::export]
impl SoftwarePushKey {
    /// The public key as an uncompressed point.
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key()
    }

    /// Signs `message` (raw `r || s`).
    pub fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>, MfaError> {
        guard(|| self.pair.sign(&message))
    }
}

/// Reads a `plinto-push://enroll?…` URI from the enrollment QR code.
#[uniffi::export]
pub fn parse_push_enrollment(uri: String) -> Result<EnrollmentUri, MfaError> {
    guard(|| EnrollmentUri::parse(&uri))
}

/// The registration for an enrollment URI, signed with the device key (send it to the
/// server's `registerPushDevice`). `platform`: `android`, `ios` or `none` (the phone polls).
#[uniffi::export(default(push_token = None, name = None, time = None))]
pub fn push_registration(
    uri: String,
    key: Arc<dyn PushKeyStore>,
    platform: String,
    push_token: Option<String>,
    name: Option<String>,
    time: Option<i64>,
) -> Result<String, MfaError> {
    guard(|| {
        let uri = EnrollmentUri::parse(&uri)?;
        phone::registration(
            &uri,
            &public_key_of(key.as_ref())?,
            &Store(key.as_ref()),
            &platform,
            push_token.as_deref(),
            name.as_deref(),
            now_or(time),
        )
    })
}

/// The server key to pin (base64url), if the one the registration's answer names matches the
/// fingerprint in the QR code.
#[uniffi::export]
pub fn pin_push_server_key(uri: String, server_key: String) -> Result<String, MfaError> {
    guard(|| {
        let point = phone::pin_server_key(&EnrollmentUri::parse(&uri)?, &server_key)?;
        Ok(b64url(&point))
    })
}

/// A signed poll for the device's pending challenges (send it to `pushPending`); with
/// `push_token` when the platform gave the app a new one.
#[uniffi::export(default(push_token = None, time = None))]
pub fn push_poll(
    device_id: String,
    key: Arc<dyn PushKeyStore>,
    push_token: Option<String>,
    time: Option<i64>,
) -> Result<String, MfaError> {
    guard(|| {
        phone::poll(
            &device_id,
            push_token.as_deref(),
            &Store(key.as_ref()),
            now_or(time),
        )
    })
}

/// A challenge's details, if the pinned server key signed them and they have not expired:
/// what to show the user (application, account, IP address, device) before they answer.
#[uniffi::export(default(time = None))]
pub fn open_push_challenge(
    details: String,
    server_key: String,
    time: Option<i64>,
) -> Result<ChallengeClaims, MfaError> {
    guard(|| {
        let server = push::public_key("serverKey", &server_key)?;
        phone::open_challenge(&details, &server, now_or(time))
    })
}

/// The signed answer to a challenge whose details were checked with `openPushChallenge`:
/// `approve` with the number the user typed, `deny` (reason `not_me` or `cancelled`), or
/// `report` (send it to `pushRespond`).
#[uniffi::export(default(number = None, reason = None, time = None))]
#[allow(clippy::too_many_arguments)]
pub fn push_answer(
    challenge: ChallengeClaims,
    device_id: String,
    action: String,
    key: Arc<dyn PushKeyStore>,
    number: Option<String>,
    reason: Option<String>,
    time: Option<i64>,
) -> Result<String, MfaError> {
    guard(|| {
        phone::answer(
            &challenge,
            &device_id,
            &action,
            number.as_deref(),
            reason.as_deref(),
            &Store(key.as_ref()),
            now_or(time),
        )
    })
}
