//! Push approvals with number matching (the protocol: [`crate::push`]).
//!
//! Invariants: a challenge is bound to one session and answered once, by a confirmed device
//! of its user whose key signed the answer, with the challenge's nonce, inside its lifetime;
//! a signed request's `jti` is accepted once; the number is stored only as a keyed hash and
//! a wrong one ends the challenge. Sends and refusals count through the attempt counters, in
//! the transaction that holds the user's row: at most [`SENDS`] pushes per window, each
//! further one waiting twice as long as the last (from `methods.push.backoffSeconds`), and
//! [`REFUSALS`] denials or wrong numbers
//! in a row pause push. A reported request suspends push until a sign-in with another factor.

use super::mfa::{Check, Mode};
use super::step_up::{Proof, Sensitive};
use super::{clip, failure_detail, Engine};
use crate::api::{
    EnableMfaRequest, EnableMfaResult, Method, PendingPush, PushAnswerResult, PushChallenge,
    PushChallengeRequest, PushDeviceInfo, PushPending, PushPendingRequest, PushRegistration,
    PushRespondRequest, PushStatus, PushStatusRequest, RegisterPushDeviceRequest, RequestContext,
    VerifyMfaResult,
};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::crypto::{self, b64url, ct_eq, hmac_sha256, sha256};
use crate::delivery::{self, Delivery, DeliveryMeta, SendError};
use crate::error::{MfaError, Result};
use crate::notify::NotificationKind;
use crate::push::jws::{self, Unverified};
use crate::push::{
    self, Answer, ChallengeClaims, EnrollmentUri, KeyPair, Poll, Registration, ENROLLMENT_TTL_SECS,
};
use crate::qr;
use crate::store::{
    AttemptPolicy, PushChallengeRow, PushDeviceRow, PushEnrollmentRow, Reservation, Scope, Tx,
    UserRow,
};
use crate::validate;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Most push devices one user may enroll.
const MAX_PUSH_DEVICES: usize = 5;
/// Pushes per user: 5 in 15 minutes (the window restarts at a successful sign-in).
const SENDS: AttemptPolicy = AttemptPolicy {
    max_attempts: 5,
    window_secs: 900,
    lockout_secs: 0,
};
/// Denials and wrong numbers in a row before push pauses, and for how long.
const REFUSALS: AttemptPolicy = AttemptPolicy {
    max_attempts: 3,
    window_secs: 3600,
    lockout_secs: 3600,
};
/// Seconds after its approval within which a challenge completes its session.
const REDEEM_SECS: i64 = 30;
/// Digits of the code that confirms a device's set-up.
const CONFIRM_DIGITS: usize = 6;
/// Meta key of the server's sealed signing key.
const SIGNING_KEY_META: &str = "push_signing_key";

/// What the phone is shown about a challenge, stored with it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Context {
    account: String,
    app: String,
    ip_address: Option<String>,
    user_agent: Option<String>,
    digits: u32,
}

fn sends_scope(user_id: &str) -> Scope {
    Scope {
        key: format!("push_sends:{user_id}"),
        user_id: Some(user_id.to_string()),
    }
}

fn refusals_scope(user_id: &str) -> Scope {
    Scope {
        key: format!("push_refusals:{user_id}"),
        user_id: Some(user_id.to_string()),
    }
}

/// Seconds from `now` until `until`, at least 1.
fn seconds_until(until: i64, now: i64) -> u64 {
    u64::try_from(until - now).unwrap_or(0).max(1)
}

/// A push token as its platform issues them, or none: APNs device tokens are hex (64 to 200
/// digits), FCM registration tokens letters, digits and `-_:` (at most 4096); a device of
/// platform `none` polls and has none.
fn push_token_of(platform: &str, token: Option<&str>) -> Result<Option<String>> {
    let Some(t) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let ok = match platform {
        "ios" => (64..=200).contains(&t.len()) && t.chars().all(|c| c.is_ascii_hexdigit()),
        "android" => {
            t.len() <= 4096
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':'))
        }
        _ => {
            return Err(MfaError::invalid(
                "pushToken",
                "a device of platform none polls and has no push token",
            ))
        }
    };
    if !ok {
        return Err(MfaError::invalid(
            "pushToken",
            format!("is not a push token of platform {platform}"),
        ));
    }
    Ok(Some(t.to_string()))
}

/// Refuses another device when the user has [`MAX_PUSH_DEVICES`] active ones.
fn room_for_a_device(tx: &mut dyn Tx, user_id: &str) -> Result<()> {
    let active = tx
        .push_devices(user_id)?
        .iter()
        .filter(|d| d.confirmed_at.is_some())
        .count();
    if active >= MAX_PUSH_DEVICES {
        return Err(MfaError::setup_failed(format!(
            "at most {MAX_PUSH_DEVICES} push devices per user"
        )));
    }
    Ok(())
}

/// A random decimal string of `digits` digits (leading zeros kept).
fn random_digits(digits: usize) -> Result<String> {
    let mut s = String::with_capacity(digits);
    for _ in 0..digits {
        s.push(char::from(
            b'0' + u8::try_from(crypto::random_below(10)?).unwrap_or(0),
        ));
    }
    Ok(s)
}

/// A push message to send once its challenge has committed: the device, its sealed token as
/// stored (to clear only that one if the provider refuses it), and the message.
type Outgoing = (String, Vec<u8>, Delivery);

/// The devices a challenge went to, and the push messages to send.
type Sent = (usize, Vec<Outgoing>);

/// A phone's request read and checked against its device key, in the caller's transaction.
struct DeviceRequest {
    device: PushDeviceRow,
}

impl Engine {
    /// The server's push signing key, made on first use and kept sealed in the database. It
    /// is stored in a transaction of its own, and kept in memory only once that committed, so
    /// every process signs with the key the database holds.
    fn push_key(&self) -> Result<Arc<KeyPair>> {
        let cached = self.push_key.read().ok().and_then(|k| k.clone());
        if let Some(key) = cached {
            return Ok(key);
        }
        let aad = format!("meta:{SIGNING_KEY_META}");
        let fresh = KeyPair::generate_pkcs8()?;
        let init = crypto::seal(&self.sealing_key(), &aad, &fresh)?;
        let stored = self
            .store
            .write(|tx| tx.meta_get_or_init(SIGNING_KEY_META, &init))?;
        let key = Arc::new(KeyPair::from_pkcs8(&self.open_sealed(&aad, &stored)?)?);
        if let Ok(mut slot) = self.push_key.write() {
            *slot = Some(Arc::clone(&key));
        }
        Ok(key)
    }

    fn number_hash(&self, challenge_id: &str, number: &str) -> Vec<u8> {
        hmac_sha256(
            &self.hash_key,
            format!("push-number\0{challenge_id}\0{number}").as_bytes(),
        )
    }

    fn confirm_hash(&self, user_id: &str, code: &str) -> Vec<u8> {
        hmac_sha256(
            &self.hash_key,
            format!("push-confirm\0{user_id}\0{code}").as_bytes(),
        )
    }

    /// `enable_mfa` for `push`: after the step-up for a new factor, a one-time enrollment
    /// URI (and its QR code) for the phone.
    pub(super) fn enable_push(&self, req: &EnableMfaRequest) -> Result<EnableMfaResult> {
        let cfg = self.config();
        if !cfg.methods.push.enabled {
            return Err(MfaError::unsupported("push"));
        }
        let ctx = &req.context;
        let name = match req.device_name.as_deref() {
            Some(n) if !n.trim().is_empty() => validate::text("deviceName", n, 128)?.to_string(),
            _ => "Phone".to_string(),
        };
        let proof = Proof::new(
            req.session_token.as_ref().map(|s| s.expose()),
            req.confirmation_code.as_ref().map(|s| s.expose()),
        );
        let id = crypto::new_id("pen")?;
        let secret = b64url(&crypto::random_bytes(16)?);
        let now = self.now();
        let expires_at = now + ENROLLMENT_TTL_SECS;
        let key = self.push_key()?;
        let user = self.write_noting(|tx, notices| {
            let user = self.user_row(tx, &req.user_id)?;
            // The user's row before the enrollments and devices (as registration takes them).
            tx.hold_user(&user.id)?;
            if let Err(e) = self.step_up(tx, notices, &user, Sensitive::FactorAdd, proof, ctx)? {
                return Ok(Err(e));
            }
            room_for_a_device(tx, &user.id)?;
            tx.put_push_enrollment(
                &PushEnrollmentRow {
                    id: id.clone(),
                    user_id: user.id.clone(),
                    secret_hash: sha256(secret.as_bytes()),
                    name: name.clone(),
                    created_at: now,
                    expires_at,
                },
                now,
            )?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::MfaEnable,
                Some(Method::Push),
                true,
                ctx,
                None,
            )?;
            Ok(Ok(user))
        })??;
        let uri = EnrollmentUri {
            enrollment: id.clone(),
            secret,
            issuer: req
                .label
                .as_deref()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map_or_else(|| cfg.methods.totp.issuer.clone(), str::to_string),
            account: user.email.clone(),
            fingerprint: push::fingerprint(&key.public_key()),
            service_url: cfg.methods.push.service_url.clone(),
            expires_at,
        }
        .to_uri();
        let svg = qr::svg(&uri)?;
        Ok(EnableMfaResult {
            success: true,
            method: "push".into(),
            secret: None,
            qr_code_data_url: Some(qr::svg_data_url(&svg)),
            qr_code_svg: Some(svg),
            qr_code_url: Some(uri),
            backup_codes: None,
            challenge_id: Some(id),
            expires_in: Some(u64::try_from(ENROLLMENT_TTL_SECS).unwrap_or(300)),
            code_sent: None,
            destination: None,
        })
    }

    /// Registers a phone from its signed registration (see `RegisterPushDeviceRequest`).
    pub fn register_push_device(
        &self,
        req: &RegisterPushDeviceRequest,
    ) -> Result<PushRegistration> {
        let ctx = &req.context;
        let jws = Unverified::parse("registration", req.registration.expose())?;
        let claims: Registration = jws.claims("registration")?;
        if claims.typ != "push_register" {
            return Err(MfaError::invalid("registration", "is not a registration"));
        }
        let public_key = push::public_key("publicKey", &claims.public_key)?;
        if !jws.verify(&public_key) {
            return Err(MfaError::invalid(
                "registration",
                "is not signed by the key it registers",
            ));
        }
        if !push::PLATFORMS.contains(&claims.platform.as_str()) {
            return Err(MfaError::invalid(
                "platform",
                "must be android, ios or none",
            ));
        }
        let push_token = push_token_of(&claims.platform, claims.push_token.as_deref())?;
        let name = match claims.name.as_deref() {
            Some(n) if !n.trim().is_empty() => Some(validate::text("name", n, 128)?.to_string()),
            _ => None,
        };
        let now = self.now();
        if claims.iat > now + push::CLOCK_SKEW_SECS || claims.iat < now - ENROLLMENT_TTL_SECS {
            return Err(MfaError::ExpiredCode);
        }
        let enrollment = validate::token("enrollment", &claims.enrollment)?.to_string();
        let device_id = crypto::new_id("pdv")?;
        let code = random_digits(CONFIRM_DIGITS)?;
        let key = self.push_key()?;
        let expires_at = self.write_noting(|tx, _| {
            // The user's row before the enrollment's (the order enable_mfa takes them in).
            let Some(owner) = tx.push_enrollment_owner(&enrollment)? else {
                return Err(MfaError::InvalidCode);
            };
            tx.hold_user(&owner)?;
            let Some(row) = tx.take_push_enrollment(&enrollment)? else {
                return Err(MfaError::InvalidCode);
            };
            // A wrong secret rolls back, leaving the enrollment for its rightful phone.
            if !ct_eq(&sha256(claims.secret.as_bytes()), &row.secret_hash) {
                return Err(MfaError::InvalidCode);
            }
            if row.expires_at <= now {
                return Err(MfaError::ExpiredCode);
            }
            let user = self.user_row(tx, &row.user_id)?;
            room_for_a_device(tx, &user.id)?;
            // Sealed here, so a key rotation that committed meanwhile is the key used.
            let sealed_token = push_token
                .as_deref()
                .map(|t| {
                    crypto::seal(
                        &self.sealing_key(),
                        &format!("push_token:{device_id}"),
                        t.as_bytes(),
                    )
                })
                .transpose()?;
            tx.insert_push_device(&PushDeviceRow {
                id: device_id.clone(),
                user_id: user.id.clone(),
                name: name.clone().unwrap_or_else(|| row.name.clone()),
                platform: claims.platform.clone(),
                public_key: public_key.clone(),
                push_token: sealed_token,
                confirm_hash: Some(self.confirm_hash(&user.id, &code)),
                confirm_expires_at: Some(row.expires_at),
                created_at: now,
                confirmed_at: None,
                last_used_at: None,
                suspended_at: None,
            })?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::PushRegister,
                Some(Method::Push),
                true,
                ctx,
                Some(&claims.platform),
            )?;
            Ok(row.expires_at)
        })?;
        let server_key = key.public_key();
        Ok(PushRegistration {
            device_id,
            server_key_fingerprint: push::fingerprint(&server_key),
            server_key: b64url(&server_key),
            confirmation_code: code,
            expires_in: u64::try_from(expires_at - now).unwrap_or(0),
        })
    }

    /// `verify_mfa` confirming a push set-up: the code the phone showed at registration.
    pub(super) fn confirm_push_device(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        code: &str,
    ) -> Result<Check> {
        room_for_a_device(tx, &user.id)?;
        let hash = self.confirm_hash(&user.id, code);
        Ok(match tx.confirm_push_device(&user.id, &hash, self.now())? {
            Some(_) => Check::Ok { activated: true },
            None => Check::Wrong("mfa_invalid_code"),
        })
    }

    /// Sends a push challenge (see `PushChallengeRequest`).
    pub fn push_challenge(&self, req: &PushChallengeRequest) -> Result<PushChallenge> {
        if Method::parse(req.method.as_deref().unwrap_or("push"))? != Method::Push {
            return Err(MfaError::unsupported(
                "push_challenge sends push approvals: use request_new_code for sms and email, and the passkey options for security keys",
            ));
        }
        let token = validate::token("sessionId", &req.session_id)?.to_string();
        let app = match req.app_name.as_deref() {
            Some(a) if !a.trim().is_empty() => validate::text("appName", a, 128)?.to_string(),
            _ => self.config().methods.totp.issuer.clone(),
        };
        let ctx = &req.context;
        let cfg = self.config();
        let ttl = i64::from(cfg.methods.push.challenge_ttl_seconds);
        let digits = cfg.methods.push.digits(cfg.security.profile);
        let backoff = i64::from(cfg.methods.push.backoff_seconds);
        let id = crypto::new_id("pch")?;
        let nonce = b64url(&crypto::random_bytes(16)?);
        let number = random_digits(usize::try_from(digits).unwrap_or(6))?;
        let now = self.now();
        let (devices, deliveries) = self.write_noting(|tx, _| {
            let session = self.session_row(tx, &token)?;
            tx.hold_user(&session.user_id)?;
            let user = self.user_row(tx, &session.user_id)?;
            let devices: Vec<PushDeviceRow> = tx
                .push_devices(&user.id)?
                .into_iter()
                .filter(|d| d.confirmed_at.is_some())
                .collect();
            if devices.is_empty() {
                return Err(MfaError::unsupported("push is not set up for this user"));
            }
            let refuse = |tx: &mut dyn Tx, e: MfaError| -> Result<Result<Sent>> {
                self.audit(
                    tx,
                    Some(&user.id),
                    AuditAction::PushChallenge,
                    Some(Method::Push),
                    false,
                    ctx,
                    Some(e.code().as_str()),
                )?;
                Ok(Err(e))
            };
            if devices.iter().any(|d| d.suspended_at.is_some()) {
                return refuse(tx, MfaError::PushSuspended);
            }
            let refusals = [refusals_scope(&user.id)];
            if let Reservation::Locked { until } | Reservation::Wait { until } =
                tx.attempt_standing(&refusals, now, REFUSALS)?
            {
                let retry_after = seconds_until(until, now);
                return refuse(tx, MfaError::RateLimited { retry_after });
            }
            let sends = [sends_scope(&user.id)];
            match tx.reserve_attempt(&sends, now, SENDS)? {
                // The last push of a window waits for the window's end instead.
                Reservation::Granted { used } if used < SENDS.max_attempts && backoff > 0 => {
                    let doublings = used.saturating_sub(1).min(16);
                    tx.delay_scopes(&sends, now + (backoff << doublings))?;
                }
                Reservation::Granted { .. } => {}
                Reservation::Locked { until } | Reservation::Wait { until } => {
                    let retry_after = seconds_until(until, now);
                    return refuse(tx, MfaError::RateLimited { retry_after });
                }
            }
            let context = Context {
                account: user.email.clone(),
                app: app.clone(),
                ip_address: clip(&ctx.ip_address),
                user_agent: clip(&ctx.user_agent),
                digits,
            };
            tx.put_push_challenge(
                &PushChallengeRow {
                    id: id.clone(),
                    user_id: user.id.clone(),
                    session_hash: sha256(token.as_bytes()),
                    purpose: if session.pending {
                        "sign_in"
                    } else {
                        "step_up"
                    }
                    .into(),
                    nonce: nonce.clone(),
                    number_hash: self.number_hash(&id, &number),
                    context: serde_json::to_string(&context)
                        .map_err(|e| MfaError::internal(e.to_string()))?,
                    status: "pending".into(),
                    device_id: None,
                    created_at: now,
                    expires_at: now + ttl,
                    answered_at: None,
                },
                now,
            )?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::PushChallenge,
                Some(Method::Push),
                true,
                ctx,
                None,
            )?;
            let mut deliveries = Vec::new();
            for d in &devices {
                let Some(sealed) = &d.push_token else {
                    continue;
                };
                let opened = self
                    .open_sealed(&format!("push_token:{}", d.id), sealed)
                    .ok()
                    .and_then(|t| String::from_utf8(t.to_vec()).ok());
                let Some(destination) = opened else {
                    // A token that cannot be opened turns its device to polling.
                    tx.set_push_token(&d.id, None)?;
                    self.audit(
                        tx,
                        Some(&user.id),
                        AuditAction::DeliveryFailed,
                        Some(Method::Push),
                        false,
                        ctx,
                        Some(&format!(
                            "{}: the stored push token could not be opened",
                            d.id
                        )),
                    )?;
                    continue;
                };
                deliveries.push((
                    d.id.clone(),
                    sealed.data.clone(),
                    self.push_delivery(d, &user, destination, &id, session.pending, ttl)?,
                ));
            }
            Ok(Ok((devices.len(), deliveries)))
        })??;
        let delivered = self.send_pushes(deliveries, ctx)?;
        Ok(PushChallenge {
            challenge_id: id,
            method: "push".into(),
            number,
            expires_in: u64::try_from(ttl).unwrap_or(0),
            devices: u32::try_from(devices).unwrap_or(u32::MAX),
            delivered,
        })
    }

    fn push_delivery(
        &self,
        device: &PushDeviceRow,
        user: &UserRow,
        destination: String,
        challenge_id: &str,
        sign_in: bool,
        ttl: i64,
    ) -> Result<Delivery> {
        Ok(Delivery {
            id: crypto::new_id("dlv")?,
            destination,
            message: challenge_id.to_string(),
            meta: DeliveryMeta {
                channel: "push".into(),
                purpose: if sign_in { "sign_in" } else { "step_up" }.into(),
                user_id: user.id.clone(),
                code: String::new(),
                expires_in: u64::try_from(ttl).unwrap_or(0),
                subject: None,
                platform: Some(device.platform.clone()),
            },
            timeout_ms: u64::from(self.config().delivery.timeout_seconds) * 1000,
        })
    }

    /// Sends the push messages of a committed challenge (outside any transaction), all at
    /// once, so the sign-in waits at most one send timeout; returns how many went out. A token
    /// the provider no longer knows turns its device to polling (the phone is asked for its
    /// token at its next poll).
    fn send_pushes(&self, deliveries: Vec<Outgoing>, ctx: &RequestContext) -> Result<u32> {
        let mut delivered = 0;
        let sender = self.sender_for("push").1;
        let outcomes: Vec<std::result::Result<(), SendError>> = std::thread::scope(|scope| {
            let running: Vec<_> = deliveries
                .iter()
                .map(|(_, _, d)| {
                    let sender = sender.clone();
                    scope.spawn(move || match sender {
                        Some(s) => delivery::send_with_timeout(s, d),
                        None => Err(SendError::Failed("no sender is configured for push".into())),
                    })
                })
                .collect();
            running
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err(SendError::Failed("the send panicked".into())))
                })
                .collect()
        });
        for ((device_id, sealed, d), outcome) in deliveries.into_iter().zip(outcomes) {
            let error = match outcome {
                Ok(()) => {
                    delivered += 1;
                    continue;
                }
                Err(e) => e,
            };
            let detail = failure_detail(&format!("{device_id}: {}", error.reason()));
            self.store.write(|tx| {
                if matches!(error, SendError::Rejected(_)) {
                    tx.clear_push_token(&device_id, &sealed)?;
                }
                self.audit(
                    tx,
                    Some(&d.meta.user_id),
                    AuditAction::DeliveryFailed,
                    Some(Method::Push),
                    false,
                    ctx,
                    Some(&detail),
                )
            })?;
        }
        Ok(delivered)
    }

    /// The confirmed device whose key signed `jws`, checked in a read, before anything is
    /// locked: a forged request takes no lock and writes nothing.
    fn signed_by_device(
        &self,
        field: &str,
        jws: &Unverified,
        device_id: &str,
    ) -> Result<PushDeviceRow> {
        if jws.header.kid.as_deref() != Some(device_id) {
            return Err(MfaError::invalid(field, "kid must name the device"));
        }
        let device_id = validate::token("device", device_id)?;
        self.store
            .read(|tx| tx.push_device(device_id))?
            .filter(|d| d.confirmed_at.is_some() && jws.verify(&d.public_key))
            .ok_or(MfaError::InvalidCode)
    }

    /// A checked request in the write transaction: holds the user's row, reads the device
    /// again (still confirmed, same key) and records the request's `jti` (used once) until
    /// `remember_until`.
    fn device_request(
        &self,
        tx: &mut dyn Tx,
        field: &str,
        checked: &PushDeviceRow,
        jti: &str,
        remember_until: i64,
        now: i64,
    ) -> Result<DeviceRequest> {
        tx.hold_user(&checked.user_id)?;
        let device = tx
            .push_device(&checked.id)?
            .filter(|d| d.confirmed_at.is_some() && d.public_key == checked.public_key)
            .ok_or(MfaError::InvalidCode)?;
        if jti.is_empty() || jti.len() > 128 {
            return Err(MfaError::invalid(field, "jti must be 1 to 128 characters"));
        }
        if !tx.note_push_request(&format!("{}:{jti}", device.id), remember_until, now)? {
            return Err(MfaError::invalid(field, "was already used"));
        }
        Ok(DeviceRequest { device })
    }

    /// The challenges waiting for a phone (see `PushPendingRequest`).
    pub fn push_pending(&self, req: &PushPendingRequest) -> Result<PushPending> {
        let jws = Unverified::parse("request", &req.request)?;
        let claims: Poll = jws.claims("request")?;
        if claims.typ != "push_poll" {
            return Err(MfaError::invalid("request", "is not a poll"));
        }
        let now = self.now();
        let remember = push::check_lifetime("request", claims.iat, claims.exp, now)?;
        let checked = self.signed_by_device("request", &jws, &claims.device)?;
        let new_token = push_token_of(&checked.platform, claims.push_token.as_deref())?;
        let key = self.push_key()?;
        self.store.write(|tx| {
            let DeviceRequest { device } =
                self.device_request(tx, "request", &checked, &claims.jti, remember, now)?;
            if let Some(token) = &new_token {
                let sealed = crypto::seal(
                    &self.sealing_key(),
                    &format!("push_token:{}", device.id),
                    token.as_bytes(),
                )?;
                tx.set_push_token(&device.id, Some(&sealed))?;
            }
            let mut challenges = Vec::new();
            if device.suspended_at.is_none() {
                for row in tx.pending_push_challenges(&device.user_id, now)? {
                    let context: Context = serde_json::from_str(&row.context)
                        .map_err(|e| MfaError::internal(format!("push context: {e}")))?;
                    let details = jws::sign(
                        key.as_ref(),
                        None,
                        &ChallengeClaims {
                            typ: "push_challenge".into(),
                            challenge: row.id.clone(),
                            nonce: row.nonce.clone(),
                            account: context.account,
                            app: context.app,
                            purpose: row.purpose.clone(),
                            ip_address: context.ip_address,
                            user_agent: context.user_agent,
                            digits: context.digits,
                            iat: row.created_at,
                            exp: row.expires_at,
                        },
                    )?;
                    challenges.push(PendingPush {
                        challenge_id: row.id,
                        details,
                        expires_in: u64::try_from(row.expires_at - now).unwrap_or(0),
                    });
                }
            }
            Ok(PushPending {
                challenges,
                push_token_wanted: device.platform != "none"
                    && device.push_token.is_none()
                    && new_token.is_none(),
            })
        })
    }

    /// A phone's answer (see `PushRespondRequest`).
    pub fn push_respond(&self, req: &PushRespondRequest) -> Result<PushAnswerResult> {
        let ctx = &req.context;
        let jws = Unverified::parse("response", &req.response)?;
        let claims: Answer = jws.claims("response")?;
        if claims.typ != "push_answer" {
            return Err(MfaError::invalid("response", "is not an answer"));
        }
        let action = claims.action.as_str();
        if !matches!(action, "approve" | "deny" | "report") {
            return Err(MfaError::invalid(
                "action",
                "must be approve, deny or report",
            ));
        }
        let reason = match claims.reason.as_deref() {
            None => None,
            Some(r @ ("not_me" | "cancelled")) => Some(r),
            Some(_) => return Err(MfaError::invalid("reason", "must be not_me or cancelled")),
        };
        let now = self.now();
        let remember = push::check_lifetime("response", claims.iat, claims.exp, now)?;
        let challenge_id = validate::token("challenge", &claims.challenge)?;
        let checked = self.signed_by_device("response", &jws, &claims.device)?;
        self.write_noting(|tx, notices| {
            let DeviceRequest { device } =
                self.device_request(tx, "response", &checked, &claims.jti, remember, now)?;
            let row = tx
                .push_challenge(challenge_id)?
                .filter(|c| {
                    c.user_id == device.user_id
                        && ct_eq(c.nonce.as_bytes(), claims.nonce.as_bytes())
                })
                .ok_or(MfaError::InvalidCode)?;
            if row.status != "pending" || row.expires_at <= now {
                return Err(MfaError::ExpiredCode);
            }
            if device.suspended_at.is_some() {
                return Err(MfaError::PushSuspended);
            }
            let user = self.user_row(tx, &device.user_id)?;
            let status = match action {
                "approve" => {
                    let typed = claims.number.as_deref().unwrap_or("").trim();
                    if ct_eq(&self.number_hash(&row.id, typed), &row.number_hash) {
                        "approved"
                    } else {
                        "wrong_number"
                    }
                }
                "deny" => "denied",
                _ => "reported",
            };
            if !tx.answer_push_challenge(&row.id, status, &device.id, now)? {
                return Err(MfaError::ExpiredCode);
            }
            tx.touch_push_device(&device.id, now)?;
            let refusals = [refusals_scope(&user.id)];
            match status {
                "approved" => tx.reset_scopes(&refusals, now)?,
                "reported" => {
                    tx.suspend_push(&user.id, Some(now))?;
                    self.audit(
                        tx,
                        Some(&user.id),
                        AuditAction::PushReport,
                        Some(Method::Push),
                        false,
                        ctx,
                        Some(&device.id),
                    )?;
                    notices.raise(
                        self,
                        NotificationKind::PushReported,
                        &user,
                        Some(Method::Push),
                        ctx,
                    );
                }
                _ => {
                    if let Reservation::Granted { used } =
                        tx.reserve_attempt(&refusals, now, REFUSALS)?
                    {
                        if used >= REFUSALS.max_attempts {
                            tx.lock_scopes(&refusals, now + REFUSALS.lockout_secs)?;
                        }
                    }
                }
            }
            let detail = match reason {
                Some(r) => format!("{status}:{r}"),
                None => status.to_string(),
            };
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::PushAnswer,
                Some(Method::Push),
                status == "approved",
                ctx,
                Some(&detail),
            )?;
            Ok(PushAnswerResult {
                status: status.into(),
            })
        })
    }

    /// Where a challenge stands; an approval completes its session once (see
    /// `PushStatusRequest`).
    pub fn push_status(&self, req: &PushStatusRequest) -> Result<PushStatus> {
        let ctx = &req.context;
        let challenge_id = validate::token("challengeId", &req.challenge_id)?;
        let token = validate::token("sessionId", &req.session_id)?.to_string();
        let now = self.now();
        self.write_noting(|tx, notices| {
            let Some(owner) = tx.push_challenge(challenge_id)?.map(|c| c.user_id) else {
                return Err(MfaError::InvalidCode);
            };
            tx.hold_user(&owner)?;
            let token_hash = sha256(token.as_bytes());
            let row = tx
                .push_challenge(challenge_id)?
                .filter(|c| ct_eq(&c.session_hash, &token_hash))
                .ok_or(MfaError::SessionInvalid)?;
            let status = match row.status.as_str() {
                "pending" if row.expires_at <= now => "expired",
                s => s,
            };
            let user = self.user_row(tx, &row.user_id)?;
            let refused = |tx: &mut dyn Tx, status: &str, error: &str| -> Result<PushStatus> {
                Ok(PushStatus {
                    status: status.into(),
                    expires_in: None,
                    result: Some(VerifyMfaResult {
                        success: false,
                        method: "push".into(),
                        error: Some(error.into()),
                        fallback_methods: Some(
                            self.fallback_methods(tx, &user, Method::Push)
                                .unwrap_or_default(),
                        ),
                        ..VerifyMfaResult::default()
                    }),
                })
            };
            match status {
                "pending" => {
                    return Ok(PushStatus {
                        status: "pending".into(),
                        expires_in: Some(u64::try_from(row.expires_at - now).unwrap_or(0)),
                        result: None,
                    })
                }
                "approved" => {}
                "used" => {
                    return Ok(PushStatus {
                        status: "used".into(),
                        expires_in: None,
                        result: None,
                    })
                }
                "denied" => return refused(tx, status, "mfa_push_denied"),
                "wrong_number" => return refused(tx, status, "mfa_push_wrong_number"),
                "reported" => return refused(tx, status, "mfa_push_suspended"),
                "cancelled" => return refused(tx, status, "mfa_push_cancelled"),
                _ => return refused(tx, "expired", "mfa_expired_code"),
            }
            // An approval is redeemed soon after it was given, while the phone that gave it is
            // still enrolled and not suspended; a stale one only says so.
            let fresh = row.answered_at.is_some_and(|at| at + REDEEM_SECS > now);
            let approver = match &row.device_id {
                Some(d) => tx.push_device(d)?,
                None => None,
            };
            if !fresh || !approver.is_some_and(|d| d.suspended_at.is_none()) {
                return refused(tx, "expired", "mfa_expired_code");
            }
            let session = self
                .session_by_hash(tx, &token_hash)?
                .filter(|s| s.user_id == row.user_id && s.pending == (row.purpose == "sign_in"))
                .ok_or(MfaError::SessionInvalid)?;
            let mode = if session.pending {
                Mode::Challenge {
                    session,
                    token_hash,
                }
            } else {
                Mode::StepUp {
                    session,
                    token: token.clone(),
                }
            };
            let id = row.id.clone();
            let result = self.run_verification(
                tx,
                notices,
                user,
                Method::Push,
                mode,
                ctx,
                &mut |tx, _, _, _| {
                    Ok(if tx.use_push_challenge(&id)? {
                        Check::Ok { activated: false }
                    } else {
                        Check::Wrong("mfa_expired_code")
                    })
                },
            )?;
            Ok(PushStatus {
                status: if result.success {
                    "approved"
                } else {
                    "refused"
                }
                .into(),
                expires_in: None,
                result: Some(result),
            })
        })
    }

    /// After a successful sign-in: the push window restarts, and a sign-in with another
    /// factor lifts a suspension left by a reported request.
    pub(super) fn push_signed_in(
        &self,
        tx: &mut dyn Tx,
        user_id: &str,
        method: Method,
        now: i64,
    ) -> Result<()> {
        tx.reset_scopes(&[sends_scope(user_id)], now)?;
        if method != Method::Push {
            tx.suspend_push(user_id, None)?;
        }
        Ok(())
    }

    /// The user's push devices as `get_mfa_status` lists them (confirmed ones).
    pub(super) fn push_device_infos(
        &self,
        tx: &mut dyn Tx,
        user_id: &str,
    ) -> Result<Vec<PushDeviceInfo>> {
        Ok(tx
            .push_devices(user_id)?
            .into_iter()
            .filter(|d| d.confirmed_at.is_some())
            .map(|d| PushDeviceInfo {
                poll_only: d.push_token.is_none(),
                suspended: d.suspended_at.is_some(),
                id: d.id,
                name: d.name,
                platform: d.platform,
                created_at: iso8601(d.created_at),
                last_used: d.last_used_at.map(iso8601),
            })
            .collect())
    }
}
