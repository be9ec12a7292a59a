//! The providers' signing keys, read from the PEM text their consoles hand out, and the
//! compact JWTs the push providers authenticate with.

use crate::crypto::b64url;
use crate::error::{MfaError, Result};
use crate::push::jws::Signer;
use crate::push::KeyPair;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivatePkcs8KeyDer;

fn pkcs8(pem: &str, field: &str) -> Result<PrivatePkcs8KeyDer<'static>> {
    PrivatePkcs8KeyDer::from_pem_slice(pem.trim().as_bytes()).map_err(|_| {
        MfaError::invalid(
            field,
            "must be a PEM PKCS#8 private key (BEGIN PRIVATE KEY)",
        )
    })
}

/// An RSA key (a Google service account's `private_key`).
pub fn rsa_key(pem: &str, field: &str) -> Result<RsaKeyPair> {
    RsaKeyPair::from_pkcs8(pkcs8(pem, field)?.secret_pkcs8_der())
        .map_err(|e| MfaError::invalid(field, format!("is not a usable RSA key: {e}")))
}

/// A P-256 key (an APNs `.p8` authentication key).
pub fn ec_key(pem: &str, field: &str) -> Result<KeyPair> {
    KeyPair::from_pkcs8(pkcs8(pem, field)?.secret_pkcs8_der())
        .map_err(|_| MfaError::invalid(field, "is not a P-256 key"))
}

/// A JWT signed RS256 with `key`.
pub fn rs256_jwt(key: &RsaKeyPair, claims: &serde_json::Value) -> Result<String> {
    let input = format!(
        "{}.{}",
        b64url(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64url(claims.to_string().as_bytes())
    );
    let mut sig = vec![0u8; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .map_err(|_| MfaError::internal("RSA signing failed"))?;
    Ok(format!("{input}.{}", b64url(&sig)))
}

/// A JWT signed ES256 with `key`, its header naming `kid`.
pub fn es256_jwt(key: &KeyPair, kid: &str, claims: &serde_json::Value) -> Result<String> {
    let header = serde_json::json!({"alg": "ES256", "kid": kid});
    let input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let sig = key.sign(input.as_bytes())?;
    Ok(format!("{input}.{}", b64url(&sig)))
}
