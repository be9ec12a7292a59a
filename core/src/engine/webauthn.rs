//! Security keys and passkeys (WebAuthn), with webauthn-rs as the relying party.
//!
//! Invariants: a ceremony's state is sealed at rest (associated data binds it to its row, user
//! and purpose), expires after `methods.webauthn.challengeTtlSeconds` and is deleted by the one
//! statement that reads it back, so an answer can be verified at most once. Assertions go
//! through the same attempt limiting and session completion as typed codes. A signature
//! counter that does not grow (when either side is non-zero) is refused as a possible clone.

use super::mfa::{last_factor_needs_code, Check, Mode};
use super::step_up::{Proof, Sensitive};
use super::Engine;
use crate::api::{
    AllowedCredential, Json, Method, PasskeyInfo, PasskeyOptions, PasskeyOptionsRequest,
    RemoveFactorResult, RequestContext, VerifyMfaResult, VerifyPasskeyRequest,
};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::config::UserVerification;
use crate::crypto::{self, sha256};
use crate::error::{MfaError, Result};
use crate::notify::NotificationKind;
use crate::store::{Tx, UserRow, WebauthnChallengeRow, WebauthnCredentialRow};
use crate::validate;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};
use webauthn_rs::prelude::{
    Credential, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, SecurityKey, SecurityKeyAuthentication, SecurityKeyRegistration,
    Url, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};

/// Most security keys and passkeys one user may register.
const MAX_CREDENTIALS: usize = 20;

/// What kind of authenticator a credential was registered as (the ceremony it went through).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CredentialKind {
    /// A passkey: user verification required, discoverable where the platform allows.
    Passkey,
    /// A security key: user verification preferred.
    SecurityKey,
}

impl CredentialKind {
    /// As stored in the credential row and the ceremony's purpose.
    fn stored(self) -> &'static str {
        match self {
            Self::Passkey => "passkey",
            Self::SecurityKey => "security_key",
        }
    }

    /// As the API names it (`authenticatorType`, `PasskeyInfo.type`).
    fn public(self) -> &'static str {
        match self {
            Self::Passkey => "passkey",
            Self::SecurityKey => "securityKey",
        }
    }

    /// The kind of a stored name (anything but `passkey` is a security key).
    fn from_stored(s: &str) -> Self {
        if s == "passkey" {
            Self::Passkey
        } else {
            Self::SecurityKey
        }
    }
}

fn challenge_aad(row_id: &str, user_id: &str, purpose: &str) -> String {
    format!("webauthn_challenge:{row_id}:{user_id}:{purpose}")
}

fn credential_aad(credential_id: &str) -> String {
    format!("webauthn:{credential_id}")
}

fn internal(what: &str) -> impl Fn(serde_json::Error) -> MfaError + '_ {
    move |e| MfaError::internal(format!("{what}: {e}"))
}

/// Base64url text of bytes given as base64 / base64url text or as an array of byte values
/// (the guide's `Array.from(new Uint8Array(...))` shape).
fn b64_field(value: &Value, field: &str) -> Result<Value> {
    match value {
        Value::String(s) => Ok(Value::String(
            s.trim_end_matches('=')
                .chars()
                .map(|c| match c {
                    '+' => '-',
                    '/' => '_',
                    other => other,
                })
                .collect(),
        )),
        Value::Array(items) => {
            let mut bytes = Vec::with_capacity(items.len());
            for item in items {
                let b = item
                    .as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| MfaError::invalid(field, "byte arrays must hold 0..=255"))?;
                bytes.push(b);
            }
            Ok(Value::String(URL_SAFE_NO_PAD.encode(bytes)))
        }
        Value::Null => Ok(Value::Null),
        _ => Err(MfaError::invalid(
            field,
            "binary fields must be base64url text or arrays of bytes",
        )),
    }
}

/// Brings a browser credential (RegistrationResponseJSON / AuthenticationResponseJSON, or the
/// guide's arrays of bytes) into the shape webauthn-rs reads.
fn normalize_credential(value: &Value, field: &str) -> Result<Value> {
    let Value::Object(map) = value else {
        return Err(MfaError::invalid(field, "must be an object"));
    };
    let mut out: Map<String, Value> = map.clone();
    let raw = map.get("rawId").or_else(|| map.get("id")).cloned();
    match raw {
        Some(raw) => {
            out.insert("rawId".into(), b64_field(&raw, field)?);
        }
        None => return Err(MfaError::invalid(field, "rawId is required")),
    }
    if !out.contains_key("id") {
        if let Some(raw) = out.get("rawId").cloned() {
            out.insert("id".into(), raw);
        }
    }
    out.entry("type").or_insert_with(|| json!("public-key"));
    let Some(Value::Object(response)) = map.get("response") else {
        return Err(MfaError::invalid(field, "response must be an object"));
    };
    let mut resp = response.clone();
    for key in [
        "attestationObject",
        "clientDataJSON",
        "authenticatorData",
        "signature",
        "userHandle",
    ] {
        if let Some(v) = response.get(key) {
            resp.insert(key.into(), b64_field(v, field)?);
        }
    }
    // Keep only the transports webauthn-rs knows; browsers add new ones over time.
    if let Some(Value::Array(ts)) = response.get("transports") {
        let known: Vec<Value> = ts
            .iter()
            .filter(|t| {
                matches!(
                    t.as_str(),
                    Some("usb" | "nfc" | "ble" | "internal" | "hybrid" | "test")
                )
            })
            .cloned()
            .collect();
        resp.insert("transports".into(), Value::Array(known));
    }
    // Fields of the browser's JSON that webauthn-rs does not read.
    for key in ["publicKey", "publicKeyAlgorithm"] {
        resp.remove(key);
    }
    out.insert("response".into(), Value::Object(resp));
    out.remove("authenticatorAttachment");
    Ok(Value::Object(out))
}

/// The AAGUID in an attestation object's authenticator data, if it carries one.
fn aaguid_of(attestation_object: &[u8]) -> Option<String> {
    let key = b"\x68authData";
    let at = attestation_object
        .windows(key.len())
        .position(|w| w == key)?
        + key.len();
    let head = *attestation_object.get(at)?;
    let (len, start) = match head {
        0x40..=0x57 => (usize::from(head - 0x40), at + 1),
        0x58 => (usize::from(*attestation_object.get(at + 1)?), at + 2),
        0x59 => (
            usize::from(*attestation_object.get(at + 1)?) << 8
                | usize::from(*attestation_object.get(at + 2)?),
            at + 3,
        ),
        _ => return None,
    };
    let auth = attestation_object.get(start..start.checked_add(len)?)?;
    if auth.get(32)? & 0x40 == 0 {
        return None;
    }
    let id = auth.get(37..53)?;
    if id.iter().all(|b| *b == 0) {
        return None;
    }
    Uuid::from_slice(id).ok().map(|u| u.to_string())
}

/// What a failed ceremony was, for the audit log (never secret).
fn failure_detail(e: &WebauthnError) -> String {
    let name = format!("{e:?}");
    name.chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .take(64)
        .collect()
}

impl Engine {
    /// The relying party from `methods.webauthn`.
    fn relying_party(&self) -> Result<Webauthn> {
        let config = self.config();
        let cfg = &config.methods.webauthn;
        if !cfg.enabled {
            return Err(MfaError::unsupported("webauthn"));
        }
        let field = "methods.webauthn.origins";
        let mut origins = Vec::new();
        let mut any_port = false;
        if cfg.origins.is_empty() {
            if cfg.rp_id == "localhost" {
                origins.push("http://localhost".to_string());
                any_port = true;
            }
            origins.push(format!("https://{}", cfg.rp_id));
        } else {
            origins.clone_from(&cfg.origins);
        }
        let mut urls = Vec::with_capacity(origins.len());
        for o in &origins {
            urls.push(Url::parse(o).map_err(|e| MfaError::invalid(field, e.to_string()))?);
        }
        let Some((first, rest)) = urls.split_first() else {
            return Err(MfaError::invalid(field, "needs at least one origin"));
        };
        let mut builder = WebauthnBuilder::new(&cfg.rp_id, first)
            .map_err(|e| MfaError::invalid("methods.webauthn.rpId", failure_detail(&e)))?
            .rp_name(&cfg.rp_name)
            .allow_any_port(any_port);
        for url in rest {
            builder = builder.append_allowed_origin(url);
        }
        builder
            .build()
            .map_err(|e| MfaError::invalid("methods.webauthn", failure_detail(&e)))
    }

    /// The WebAuthn user handle: derived from the user id, never the email.
    fn user_handle(&self, user: &UserRow) -> Result<Uuid> {
        let digest = sha256(format!("plinto-webauthn-user:{}", user.id).as_bytes());
        let bytes: [u8; 16] = digest
            .get(..16)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| MfaError::internal("digest too short"))?;
        Ok(Uuid::from_bytes(bytes))
    }

    fn open_credential(&self, row: &WebauthnCredentialRow) -> Result<Credential> {
        let plain = self.open_sealed(&credential_aad(&row.credential_id), &row.credential)?;
        serde_json::from_slice(&plain).map_err(internal("stored credential"))
    }

    /// Starts a ceremony in the caller's transaction: stores its state (sealed, bound to its
    /// row, user and purpose, with an expiry) and returns the browser's `publicKey` options
    /// from webauthn-rs's `options` (nulls dropped), the challenge id and its lifetime.
    fn begin_ceremony(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        purpose: &str,
        session_hash: Option<Vec<u8>>,
        options: &impl serde::Serialize,
        state: &impl serde::Serialize,
    ) -> Result<(Value, String, u32)> {
        let mut options = serde_json::to_value(options).map_err(internal("options"))?;
        let ttl = self.config().methods.webauthn.challenge_ttl_seconds;
        let id = crypto::new_id("wch")?;
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(state).map_err(internal("ceremony state"))?);
        let sealed = crypto::seal(
            &self.sealing_key(),
            &challenge_aad(&id, &user.id, purpose),
            &plain,
        )?;
        let now = self.now();
        tx.put_webauthn_challenge(
            &WebauthnChallengeRow {
                id: id.clone(),
                user_id: user.id.clone(),
                purpose: purpose.to_string(),
                session_hash,
                state: sealed,
                expires_at: now + i64::from(ttl),
            },
            now,
        )?;
        let mut public_key = options
            .get_mut("publicKey")
            .map(Value::take)
            .unwrap_or(Value::Null);
        strip_nulls(&mut public_key);
        Ok((public_key, id, ttl))
    }

    /// Opens a taken ceremony's state.
    fn open_ceremony<T: serde::de::DeserializeOwned>(
        &self,
        row: &WebauthnChallengeRow,
    ) -> Result<T> {
        let plain = self.open_sealed(
            &challenge_aad(&row.id, &row.user_id, &row.purpose),
            &row.state,
        )?;
        serde_json::from_slice(&plain).map_err(internal("ceremony state"))
    }

    /// Options for `navigator.credentials.create()` to register a security key or passkey.
    /// `kind` is `passkey` (user verification required) or `security_key` (preferred); by
    /// default `passkey` when `userVerification` is `required` or `requireResidentKey` is set.
    pub fn passkey_registration_options(
        &self,
        user_id: &str,
        kind: Option<&str>,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<PasskeyOptions> {
        let rp = self.relying_party()?;
        let config = self.config();
        let cfg = &config.methods.webauthn;
        let kind = match kind.map(str::trim) {
            None | Some("") => {
                if cfg.user_verification == UserVerification::Required || cfg.require_resident_key {
                    CredentialKind::Passkey
                } else {
                    CredentialKind::SecurityKey
                }
            }
            Some("passkey" | "platform") => CredentialKind::Passkey,
            Some("security_key" | "securityKey" | "security-key" | "cross-platform") => {
                CredentialKind::SecurityKey
            }
            Some(_) => {
                return Err(MfaError::invalid(
                    "authenticatorType",
                    "must be passkey or securityKey",
                ))
            }
        };
        let fail = |e: WebauthnError| MfaError::setup_failed(failure_detail(&e));
        let purpose = format!("registration:{}", kind.stored());
        let (mut public_key, id, ttl) = self.write_noting(|tx, notices| {
            let user = self.user_row(tx, user_id)?;
            if let Err(e) = self.step_up(tx, notices, &user, Sensitive::FactorAdd, proof, ctx)? {
                return Ok(Err(e));
            }
            let existing = tx.webauthn_credentials(&user.id)?;
            if existing.len() >= MAX_CREDENTIALS {
                return Err(MfaError::setup_failed(format!(
                    "at most {MAX_CREDENTIALS} security keys and passkeys per user"
                )));
            }
            let mut exclude = Vec::with_capacity(existing.len());
            for row in &existing {
                exclude.push(self.open_credential(row)?.cred_id.clone());
            }
            let exclude = Some(exclude).filter(|e| !e.is_empty());
            let handle = self.user_handle(&user)?;
            let started = if kind == CredentialKind::Passkey {
                let (ccr, state) = rp
                    .start_passkey_registration(handle, &user.email, &user.email, exclude)
                    .map_err(fail)?;
                self.begin_ceremony(tx, &user, &purpose, None, &ccr, &state)?
            } else {
                let (ccr, state) = rp
                    .start_securitykey_registration(
                        handle,
                        &user.email,
                        &user.email,
                        exclude,
                        None,
                        None,
                    )
                    .map_err(fail)?;
                self.begin_ceremony(tx, &user, &purpose, None, &ccr, &state)?
            };
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::WebauthnRegisterBegin,
                Some(Method::Webauthn),
                true,
                ctx,
                Some(kind.stored()),
            )?;
            Ok(Ok(started))
        })??;
        if cfg.require_resident_key {
            if let Some(sel) = public_key.get_mut("authenticatorSelection") {
                sel["residentKey"] = json!("required");
                sel["requireResidentKey"] = json!(true);
            }
        }
        drop_unenforced_protection(&mut public_key);
        let mut out = ceremony_options("registration", &id, ttl, public_key);
        out.authenticator_type = Some(kind.public().into());
        Ok(out)
    }

    /// Verifies the browser's answer to [`Engine::passkey_registration_options`], stores the
    /// credential and activates the `webauthn` method (the first factor also gets backup
    /// codes), in one transaction with the ceremony's single use.
    pub fn verify_passkey_registration(
        &self,
        challenge_id: &str,
        credential: &Value,
        user_id: Option<&str>,
        name: Option<&str>,
        keep: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<VerifyMfaResult> {
        let rp = self.relying_party()?;
        let normalized = normalize_credential(credential, "credential")?;
        let reg: RegisterPublicKeyCredential = serde_json::from_value(normalized)
            .map_err(|e| MfaError::invalid("credential", e.to_string()))?;
        let name = match name {
            Some(n) if !n.trim().is_empty() => Some(validate::text("name", n, 128)?.to_string()),
            _ => None,
        };
        let challenge_id = validate::token("challengeId", challenge_id)?;
        let now = self.now();
        let keep = Proof::new(keep, None).token;
        let outcome = self.write_noting(|tx, notices| {
            // Taken (deleted) first: a failed answer uses the challenge up too.
            // The user's row before the ceremony's (the order removals take them in).
            if let Some(owner) = tx.webauthn_challenge_owner(challenge_id)? {
                tx.hold_user(&owner)?;
            }
            let Some(row) = tx.take_webauthn_challenge(challenge_id, "registration:")? else {
                return Ok(Err(MfaError::InvalidCode));
            };
            let user = self.user_row(tx, &row.user_id)?;
            let keep = match keep {
                Some(t) => Some(self.own_session(tx, &user, t)?),
                None => None,
            };
            if row.expires_at <= now {
                self.audit_fail(
                    tx,
                    &user,
                    AuditAction::WebauthnRegister,
                    ctx,
                    "mfa_expired_code",
                )?;
                return Ok(Err(MfaError::ExpiredCode));
            }
            if user_id.is_some_and(|u| u != user.id) {
                self.audit_fail(
                    tx,
                    &user,
                    AuditAction::WebauthnRegister,
                    ctx,
                    "user_mismatch",
                )?;
                return Ok(Err(MfaError::InvalidCode));
            }
            let kind = CredentialKind::from_stored(row.purpose.trim_start_matches("registration:"));
            let finished = if kind == CredentialKind::Passkey {
                let state: PasskeyRegistration = self.open_ceremony(&row)?;
                rp.finish_passkey_registration(&reg, &state)
                    .map(Credential::from)
            } else {
                let state: SecurityKeyRegistration = self.open_ceremony(&row)?;
                rp.finish_securitykey_registration(&reg, &state)
                    .map(Credential::from)
            };
            let cred = match finished {
                Ok(c) => c,
                Err(e) => {
                    self.audit_fail(
                        tx,
                        &user,
                        AuditAction::WebauthnRegister,
                        ctx,
                        &failure_detail(&e),
                    )?;
                    return Ok(Err(MfaError::InvalidCode));
                }
            };
            let credential_id = URL_SAFE_NO_PAD.encode(&cred.cred_id);
            let transports = reg
                .response
                .transports
                .as_ref()
                .map(|ts| serde_json::to_string(ts).unwrap_or_else(|_| "[]".into()))
                .unwrap_or_else(|| "[]".into());
            let plain =
                zeroize::Zeroizing::new(serde_json::to_vec(&cred).map_err(internal("credential"))?);
            let sealed =
                crypto::seal(&self.sealing_key(), &credential_aad(&credential_id), &plain)?;
            let default_name = if kind == CredentialKind::Passkey {
                "Passkey"
            } else {
                "Security key"
            };
            tx.insert_webauthn_credential(&WebauthnCredentialRow {
                credential_id: credential_id.clone(),
                user_id: user.id.clone(),
                name: name.clone().unwrap_or_else(|| default_name.to_string()),
                kind: kind.stored().into(),
                credential: sealed,
                sign_count: cred.counter,
                transports,
                aaguid: aaguid_of(&reg.response.attestation_object),
                created_at: now,
                last_used_at: None,
            })?;
            let backup = self.activate_factor(tx, &user, now)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::MfaActivate,
                Some(Method::Webauthn),
                true,
                ctx,
                Some(kind.stored()),
            )?;
            self.factor_added(
                tx,
                notices,
                &user,
                Method::Webauthn,
                keep.as_ref(),
                ctx,
                now,
            )?;
            Ok(Ok(VerifyMfaResult {
                success: true,
                method: "webauthn".into(),
                user: Some(self.user_view(tx, &user)?),
                backup_codes: backup,
                credential_id: Some(credential_id),
                ..VerifyMfaResult::default()
            }))
        })?;
        outcome
    }

    /// Options for `navigator.credentials.get()`: for a pending sign-in session, or for a
    /// signed-in session that needs a fresh MFA check (step-up).
    pub fn passkey_authentication_options(
        &self,
        session_id: &str,
        ctx: &RequestContext,
    ) -> Result<PasskeyOptions> {
        let rp = self.relying_party()?;
        let token = validate::token("sessionId", session_id)?.to_string();
        let uv_required =
            self.config().methods.webauthn.user_verification == UserVerification::Required;
        let fail = |e: WebauthnError| MfaError::internal(failure_detail(&e));
        let (public_key, id, ttl) = self.store.write(|tx| {
            let session = self.session_row(tx, &token)?;
            let user = self.user_row(tx, &session.user_id)?;
            let rows = tx.webauthn_credentials(&user.id)?;
            if rows.is_empty() {
                return Err(MfaError::unsupported(
                    "webauthn is not set up for this user",
                ));
            }
            let mut creds = Vec::with_capacity(rows.len());
            for row in &rows {
                creds.push(self.open_credential(row)?);
            }
            let hash = Some(sha256(token.as_bytes()));
            let started = if uv_required
                || rows
                    .iter()
                    .all(|r| CredentialKind::from_stored(&r.kind) == CredentialKind::Passkey)
            {
                let keys: Vec<Passkey> = creds.into_iter().map(Passkey::from).collect();
                let (rcr, state) = rp.start_passkey_authentication(&keys).map_err(fail)?;
                self.begin_ceremony(tx, &user, "authentication:passkey", hash, &rcr, &state)?
            } else {
                let keys: Vec<SecurityKey> = creds.into_iter().map(SecurityKey::from).collect();
                let (rcr, state) = rp.start_securitykey_authentication(&keys).map_err(fail)?;
                self.begin_ceremony(tx, &user, "authentication:security_key", hash, &rcr, &state)?
            };
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::WebauthnAuthenticateBegin,
                Some(Method::Webauthn),
                true,
                ctx,
                None,
            )?;
            Ok(started)
        })?;
        let allow: Vec<AllowedCredential> = match public_key.get("allowCredentials") {
            Some(list) => {
                serde_json::from_value(list.clone()).map_err(internal("allowCredentials"))?
            }
            None => Vec::new(),
        };
        let mut out = ceremony_options("authentication", &id, ttl, public_key);
        out.allow_credentials = Some(allow);
        Ok(out)
    }

    /// Verifies an assertion: completes the pending sign-in (new session) or refreshes the
    /// signed-in session's MFA time, with the same result and attempt limiting as
    /// `verify_mfa`, in one transaction with the ceremony's single use. A wrong answer is
    /// `success: false`; an unknown, used or expired challenge is an error.
    pub fn verify_passkey_authentication(
        &self,
        challenge_id: &str,
        credential: &Value,
        session_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<VerifyMfaResult> {
        let rp = self.relying_party()?;
        let normalized = normalize_credential(credential, "credential")?;
        let assertion: PublicKeyCredential = serde_json::from_value(normalized)
            .map_err(|e| MfaError::invalid("credential", e.to_string()))?;
        let token = session_id
            .filter(|s| !s.trim().is_empty())
            .map(|s| validate::token("sessionId", s).map(str::to_string))
            .transpose()?;
        let challenge_id = validate::token("challengeId", challenge_id)?;
        let now = self.now();
        let outcome = self.write_noting(|tx, notices| {
            // The user's row before the ceremony's (the order removals take them in).
            if let Some(owner) = tx.webauthn_challenge_owner(challenge_id)? {
                tx.hold_user(&owner)?;
            }
            let Some(row) = tx.take_webauthn_challenge(challenge_id, "authentication:")? else {
                return Ok(Err(MfaError::InvalidCode));
            };
            if row.expires_at <= now {
                return Ok(Err(MfaError::ExpiredCode));
            }
            let state: Value = self.open_ceremony(&row)?;
            let Some(hash) = row.session_hash.clone() else {
                return Ok(Err(MfaError::InvalidCode));
            };
            if let Some(t) = &token {
                if !crypto::ct_eq(&sha256(t.as_bytes()), &hash) {
                    return Ok(Err(MfaError::SessionInvalid));
                }
            }
            let Some(session) = self.session_by_hash(tx, &hash)? else {
                return Ok(Err(MfaError::SessionInvalid));
            };
            let user = self.user_row(tx, &session.user_id)?;
            if user.id != row.user_id {
                return Ok(Err(MfaError::SessionInvalid));
            }
            let mode = if session.pending {
                Mode::Challenge {
                    session,
                    token_hash: hash,
                }
            } else {
                let Some(token) = token.clone() else {
                    return Ok(Err(MfaError::invalid(
                        "sessionId",
                        "is required to step up a signed-in session",
                    )));
                };
                Mode::StepUp { session, token }
            };
            let passkey_flow = row.purpose == "authentication:passkey";
            let mut state = Some(state);
            self.run_verification(
                tx,
                notices,
                user,
                Method::Webauthn,
                mode,
                ctx,
                &mut |tx, _, user, _| {
                    let state = state.take().unwrap_or(Value::Null);
                    self.check_assertion(tx, user, &rp, &assertion, state, passkey_flow, ctx)
                },
            )
            .map(Ok)
        })?;
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    fn check_assertion(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        rp: &Webauthn,
        assertion: &PublicKeyCredential,
        state: Value,
        passkey_flow: bool,
        ctx: &RequestContext,
    ) -> Result<Check> {
        let outcome = if passkey_flow {
            let state: PasskeyAuthentication =
                serde_json::from_value(state).map_err(internal("ceremony state"))?;
            rp.finish_passkey_authentication(assertion, &state)
        } else {
            let state: SecurityKeyAuthentication =
                serde_json::from_value(state).map_err(internal("ceremony state"))?;
            rp.finish_securitykey_authentication(assertion, &state)
        };
        let result = match outcome {
            Ok(r) => r,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::WebauthnCounterRegression,
                    Some(Method::Webauthn),
                    false,
                    ctx,
                    Some("possible cloned authenticator"),
                )?;
                return Ok(Check::Wrong("mfa_invalid_code"));
            }
            Err(e) => {
                self.audit_fail(
                    tx,
                    user,
                    AuditAction::WebauthnAssertion,
                    ctx,
                    &failure_detail(&e),
                )?;
                return Ok(Check::Wrong("mfa_invalid_code"));
            }
        };
        let credential_id = URL_SAFE_NO_PAD.encode(result.cred_id());
        let rows = tx.webauthn_credentials(&user.id)?;
        let Some(row) = rows.iter().find(|r| r.credential_id == credential_id) else {
            return Ok(Check::Wrong("mfa_invalid_code"));
        };
        let mut key = Passkey::from(self.open_credential(row)?);
        key.update_credential(&result);
        let cred = Credential::from(key);
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(&cred).map_err(internal("credential"))?);
        let sealed = crypto::seal(&self.sealing_key(), &credential_aad(&credential_id), &plain)?;
        if !tx.record_webauthn_use(&credential_id, &sealed, result.counter(), self.now())? {
            // A counter that did not grow: a possible clone.
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::WebauthnCounterRegression,
                Some(Method::Webauthn),
                false,
                ctx,
                Some("possible cloned authenticator"),
            )?;
            return Ok(Check::Wrong("mfa_invalid_code"));
        }
        Ok(Check::Ok { activated: false })
    }

    fn audit_fail(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        action: AuditAction,
        ctx: &RequestContext,
        detail: &str,
    ) -> Result<()> {
        self.audit(
            tx,
            Some(&user.id),
            action,
            Some(Method::Webauthn),
            false,
            ctx,
            Some(detail),
        )
    }
}

/// Leaves out a credential-protection request the browser would refuse: Chromium rejects
/// registration options (NotSupportedError) asking for the `userVerificationRequired` policy
/// while user verification is only preferred. Unenforced, the request is only a hint the
/// server never checks, so it is dropped. The trade-off: such a key does not itself insist on
/// its PIN for this credential; deployments that want user verification every time set
/// `userVerification: required`, under which keys register (by default) as passkeys, with
/// user verification required by the server.
fn drop_unenforced_protection(public_key: &mut Value) {
    let uv_required = public_key
        .pointer("/authenticatorSelection/userVerification")
        .and_then(Value::as_str)
        == Some("required");
    let Some(Value::Object(ext)) = public_key.get_mut("extensions") else {
        return;
    };
    let enforced = ext.get("enforceCredentialProtectionPolicy") == Some(&Value::Bool(true));
    let policy = ext
        .get("credentialProtectionPolicy")
        .and_then(Value::as_str);
    if policy == Some("userVerificationRequired") && !enforced && !uv_required {
        ext.remove("credentialProtectionPolicy");
        ext.remove("enforceCredentialProtectionPolicy");
    }
}

/// The engine's answer to a ceremony's start: the browser's `publicKey` options with the
/// challenge id to answer with and its lifetime.
fn ceremony_options(kind: &str, id: &str, ttl: u32, public_key: Value) -> PasskeyOptions {
    PasskeyOptions {
        success: true,
        kind: kind.into(),
        id: id.into(),
        challenge_id: id.into(),
        authenticator_type: None,
        challenge: public_key
            .get("challenge")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        timeout: public_key.get("timeout").and_then(Value::as_u64),
        expires_in: u64::from(ttl),
        allow_credentials: None,
        public_key: Json(public_key),
    }
}

/// Drops `null` members (the browser's JSON omits absent options).
fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for x in m.values_mut() {
                strip_nulls(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

impl Engine {
    /// The user's security keys and passkeys.
    pub fn list_passkeys(&self, user_id: &str) -> Result<Vec<PasskeyInfo>> {
        let rows = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            tx.webauthn_credentials(&user.id)
        })?;
        Ok(rows
            .into_iter()
            .map(|r| PasskeyInfo {
                id: r.credential_id.clone(),
                transports: serde_json::from_str(&r.transports).unwrap_or_default(),
                credential_id: r.credential_id,
                name: r.name,
                kind: CredentialKind::from_stored(&r.kind).public().into(),
                aaguid: r.aaguid,
                sign_count: r.sign_count,
                created_at: iso8601(r.created_at),
                last_used: r.last_used_at.map(iso8601),
            })
            .collect())
    }

    /// Renames one of the user's security keys or passkeys.
    pub fn rename_passkey(
        &self,
        user_id: &str,
        credential_id: &str,
        name: &str,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let cid = validate::token("credentialId", credential_id)?;
        let name = validate::text("name", name, 128)?;
        if name.trim().is_empty() {
            return Err(MfaError::invalid("name", "must not be empty"));
        }
        self.write_noting(|tx, notices| {
            let user = self.user_row(tx, user_id)?;
            if !tx
                .webauthn_credentials(&user.id)?
                .iter()
                .any(|r| r.credential_id == cid)
            {
                return Err(MfaError::not_found("Security key"));
            }
            if let Err(e) = self.step_up(tx, notices, &user, Sensitive::FactorAdd, proof, ctx)? {
                return Ok(Err(e));
            }
            tx.rename_webauthn_credential(&user.id, cid, name)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::WebauthnRename,
                Some(Method::Webauthn),
                true,
                ctx,
                None,
            )?;
            Ok(Ok(()))
        })?
    }

    /// Removes one of the user's security keys or passkeys; needs the password (or a password
    /// check in the last five minutes). When it is the user's last MFA factor this is turning
    /// MFA off, with the rules of `disable_mfa` (also a current code, e.g. a backup code);
    /// without a code it is refused with `invalid_input`.
    pub fn remove_passkey(
        &self,
        user_id: &str,
        credential_id: &str,
        password: Option<&str>,
        proof: Proof<'_>,
        ctx: &RequestContext,
    ) -> Result<RemoveFactorResult> {
        let cid = validate::token("credentialId", credential_id)?;
        let (user, last) = self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            let rows = tx.webauthn_credentials(&user.id)?;
            if !rows.iter().any(|r| r.credential_id == cid) {
                return Err(MfaError::not_found("Security key"));
            }
            let others = self
                .active_methods(tx, &user.id)?
                .into_iter()
                .any(|m| m != "backup" && m != "webauthn");
            Ok((user, rows.len() == 1 && !others))
        })?;
        if last {
            return self.remove_last_factor(&user, password, proof, ctx);
        }
        let caller = self.caller_session(&user, proof.token)?;
        self.confirm_password(&user, password, caller.as_ref(), ctx)?;
        self.write_noting(|tx, notices| {
            let keep =
                match self.step_up(tx, notices, &user, Sensitive::FactorRemove, proof, ctx)? {
                    Ok(keep) => keep,
                    Err(e) => return Ok(Err(e)),
                };
            if !tx.delete_webauthn_credential(&user.id, cid)? {
                // Gone meanwhile, or another removal made it the last factor.
                let still_there = tx
                    .webauthn_credentials(&user.id)?
                    .iter()
                    .any(|r| r.credential_id == cid);
                return Err(if still_there {
                    last_factor_needs_code()
                } else {
                    MfaError::not_found("Security key")
                });
            }
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::WebauthnRemove,
                Some(Method::Webauthn),
                true,
                ctx,
                None,
            )?;
            self.end_other_sessions(tx, &user.id, keep.as_ref(), ctx, "factor_remove")?;
            notices.raise(
                self,
                NotificationKind::FactorRemoved,
                &user,
                Some(Method::Webauthn),
                ctx,
            );
            Ok(Ok(RemoveFactorResult {
                success: true,
                mfa_disabled: false,
                disabled_at: None,
            }))
        })?
    }
}

/// Whether a guide-style passkey call (`type`, or an `assertion` given) is an authentication.
fn is_authentication(kind: Option<&str>, operation_is_authentication: bool) -> Result<bool> {
    match kind.map(str::trim) {
        None | Some("") => Ok(operation_is_authentication),
        Some("registration") => Ok(false),
        Some("authentication") => Ok(true),
        Some(_) => Err(MfaError::invalid(
            "type",
            "must be registration or authentication",
        )),
    }
}

impl Engine {
    /// The guide's `getPasskeyRegistrationOptions`: registration options for `userId`, or
    /// sign-in options for `sessionId` when `type` is `authentication`.
    pub fn passkey_options(&self, r: &PasskeyOptionsRequest) -> Result<PasskeyOptions> {
        if is_authentication(r.kind.as_deref(), false)? {
            let sid = r
                .session_id
                .as_deref()
                .ok_or_else(|| MfaError::invalid("sessionId", "is required"))?;
            return self.passkey_authentication_options(sid, &r.context);
        }
        let uid = r
            .user_id
            .as_deref()
            .ok_or_else(|| MfaError::invalid("userId", "is required"))?;
        let proof = Proof::new(
            r.session_token.as_ref().map(|s| s.expose()),
            r.confirmation_code.as_ref().map(|s| s.expose()),
        );
        self.passkey_registration_options(uid, r.authenticator_type.as_deref(), proof, &r.context)
    }

    /// The guide's `verifyPasskeyRegistration`: stores a new credential, or with an
    /// `assertion` (or `type: "authentication"`) completes sign-in with one.
    pub fn verify_passkey(&self, r: &VerifyPasskeyRequest) -> Result<VerifyMfaResult> {
        let authentication = is_authentication(r.kind.as_deref(), r.assertion.is_some())?;
        let credential = r
            .credential
            .as_ref()
            .or(r.assertion.as_ref())
            .filter(|c| !c.0.is_null())
            .ok_or_else(|| MfaError::invalid("credential", "is required"))?;
        if authentication {
            self.verify_passkey_authentication(
                &r.challenge_id,
                &credential.0,
                r.session_id.as_deref(),
                &r.context,
            )
        } else {
            self.verify_passkey_registration(
                &r.challenge_id,
                &credential.0,
                r.user_id.as_deref(),
                r.name.as_deref(),
                r.session_token.as_ref().map(|s| s.expose()),
                &r.context,
            )
        }
    }
}
