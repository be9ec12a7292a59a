//! Compact JWS with ES256 (RFC 7515, RFC 7518 §3.4): the one signature format of push
//! approvals, made by phones (registrations, polls, answers) and by the server (the details
//! of a challenge).
//!
//! Invariants: only `alg: ES256` is accepted (no `none`, no algorithm taken from the key);
//! the signature is the 64-byte `r || s` form; parts are unpadded base64url and nothing else.

use crate::crypto::b64url;
use crate::error::{MfaError, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The `typ` of every push JWS.
pub const TYP: &str = "plinto-push+jws";

/// Longest JWS accepted (a registration with a long push token fits well within it).
const MAX_LEN: usize = 16 * 1024;

/// A JWS protected header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Always `ES256`.
    pub alg: String,
    /// Always [`TYP`].
    pub typ: String,
    /// The signing key's id: a device id, or absent when the payload carries the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
}

/// Something that signs with a P-256 key: a message in, an ECDSA signature over its SHA-256
/// out, either as `r || s` (64 bytes) or DER (what Android Keystore and the Secure Enclave
/// give).
pub trait Signer {
    /// Signs `message`.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;
}

/// A JWS read but not yet verified (`Debug` shows only the header: a payload can hold a
/// secret).
#[derive(Clone)]
pub struct Unverified {
    /// The protected header.
    pub header: Header,
    payload: Vec<u8>,
    signing_input: String,
    signature: Vec<u8>,
}

impl std::fmt::Debug for Unverified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Unverified")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl Unverified {
    /// Splits and decodes `jws` (the request field `field` names it in errors).
    pub fn parse(field: &str, jws: &str) -> Result<Self> {
        let jws = jws.trim();
        if jws.is_empty() || jws.len() > MAX_LEN {
            return Err(MfaError::invalid(
                field,
                format!("must be a compact JWS of at most {MAX_LEN} characters"),
            ));
        }
        let mut parts = jws.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(MfaError::invalid(field, "must have three parts"));
        };
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| MfaError::invalid(field, "must be base64url without padding"))
        };
        let header: Header = serde_json::from_slice(&decode(h)?)
            .map_err(|e| MfaError::invalid(field, format!("header: {e}")))?;
        if header.alg != "ES256" || header.typ != TYP {
            return Err(MfaError::invalid(
                field,
                format!("header must have alg ES256 and typ {TYP}"),
            ));
        }
        let signature = decode(s)?;
        if signature.len() != 64 {
            return Err(MfaError::invalid(field, "signature must be 64 bytes"));
        }
        Ok(Self {
            header,
            payload: decode(p)?,
            signing_input: format!("{h}.{p}"),
            signature,
        })
    }

    /// The payload, read without checking the signature: only to find the key to check it
    /// with.
    pub fn claims<T: DeserializeOwned>(&self, field: &str) -> Result<T> {
        serde_json::from_slice(&self.payload)
            .map_err(|e| MfaError::invalid(field, format!("payload: {e}")))
    }

    /// Whether the signature is `public_key`'s (an uncompressed P-256 point).
    pub fn verify(&self, public_key: &[u8]) -> bool {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
            .verify(self.signing_input.as_bytes(), &self.signature)
            .is_ok()
    }
}

/// Signs `claims` with `signer` under a header naming `kid`.
pub fn sign(signer: &dyn Signer, kid: Option<&str>, claims: &impl Serialize) -> Result<String> {
    let header = Header {
        alg: "ES256".into(),
        typ: TYP.into(),
        kid: kid.map(str::to_string),
    };
    let ser = |e: serde_json::Error| MfaError::internal(format!("push message: {e}"));
    let input = format!(
        "{}.{}",
        b64url(&serde_json::to_vec(&header).map_err(ser)?),
        b64url(&serde_json::to_vec(claims).map_err(ser)?)
    );
    let signature = raw_signature(&signer.sign(input.as_bytes())?)?;
    Ok(format!("{input}.{}", b64url(&signature)))
}

/// An ECDSA P-256 signature as `r || s`, from that form or from DER
/// (`SEQUENCE { INTEGER r, INTEGER s }`).
pub fn raw_signature(sig: &[u8]) -> Result<Vec<u8>> {
    if sig.len() == 64 {
        return Ok(sig.to_vec());
    }
    let bad = || MfaError::invalid("signature", "must be a P-256 ECDSA signature (raw or DER)");
    let body = match sig {
        [0x30, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
        _ => return Err(bad()),
    };
    let mut out = Vec::with_capacity(64);
    let mut rest = body;
    for _ in 0..2 {
        let (int, tail) = match rest {
            [0x02, len, tail @ ..] if usize::from(*len) <= tail.len() => {
                tail.split_at(usize::from(*len))
            }
            _ => return Err(bad()),
        };
        // A leading zero keeps a high bit from reading as a sign; drop it.
        let int = match int {
            [0, tail @ ..] => tail,
            _ => int,
        };
        if int.is_empty() || int.len() > 32 {
            return Err(bad());
        }
        out.resize(out.len() + 32 - int.len(), 0);
        out.extend_from_slice(int);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(out)
}
