//! SMS and email factors: enrolling a destination, issuing codes (with resend limits and
//! channel health), delivering them, checking them, and the guide's fallback order.
//!
//! Invariants: one live code per user and channel (a new one voids the previous); codes are
//! stored as keyed hashes and used once; a failed delivery voids its code. A code is stored
//! (with its resend reservation) in one transaction before it is sent, and the sender runs
//! outside any transaction.

use super::Engine;
use crate::api::{
    ChannelInfo, EnableMfaRequest, EnableMfaResult, Method, RequestCodeResult, RequestContext,
};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::crypto::{self, hmac_sha256};
use crate::delivery::{self, CodeSender, Delivery, DeliveryMeta, SmtpSender, TwilioSender};
use crate::error::{MfaError, Result};
use crate::store::{ChannelRow, OtpCodeRow, OtpUse, Scope, SendLimit, Tx, UserRow};
use crate::validate;
use std::sync::Arc;

/// The guide's fallback chains ("Graceful Degradation").
fn fallback_chain(failed: Method) -> &'static [&'static str] {
    match failed {
        Method::Sms => &["email", "totp", "backup"],
        Method::Email => &["sms", "totp", "backup"],
        Method::Totp => &["backup", "sms", "email"],
        Method::Push => &["totp", "sms", "email", "backup"],
        Method::Webauthn => &["totp", "sms", "email", "backup"],
        Method::Backup => &["totp", "sms", "email"],
    }
}

/// A code stored and ready to go out.
struct Prepared {
    delivery: Delivery,
    /// The channel had failed sends before this one (a success clears them).
    unhealthy: bool,
}

impl Engine {
    /// Registers the application's sender for `sms` or `email`, used instead of the built-in
    /// one; `None` removes it. Whatever the sender is (Rust, a JavaScript function, a Python
    /// callable, a Swift or Kotlin object), the engine applies `delivery.timeoutSeconds`,
    /// voids the code of a failed send and keeps the channel's health.
    pub fn set_sender(&self, channel: &str, sender: Option<Arc<dyn CodeSender>>) -> Result<()> {
        let channel = match channel {
            "sms" | "email" => channel,
            _ => return Err(MfaError::invalid("channel", "must be sms or email")),
        };
        let mut senders = self
            .senders
            .write()
            .map_err(|_| MfaError::internal("sender lock poisoned"))?;
        match sender {
            Some(s) => senders.insert(channel.to_string(), s),
            None => senders.remove(channel),
        };
        Ok(())
    }

    fn sender_for(&self, channel: &str) -> Option<Arc<dyn CodeSender>> {
        if let Some(s) = self
            .senders
            .read()
            .ok()
            .and_then(|m| m.get(channel).cloned())
        {
            return Some(s);
        }
        let config = self.config();
        let cfg = &config.delivery;
        match channel {
            "email" => cfg
                .smtp
                .clone()
                .map(|c| Arc::new(SmtpSender::new(c)) as Arc<dyn CodeSender>),
            "sms" => cfg
                .twilio
                .clone()
                .map(|c| Arc::new(TwilioSender::new(c)) as Arc<dyn CodeSender>),
            _ => None,
        }
    }

    /// Enrolls an SMS or email destination and sends it a setup code.
    pub(super) fn enable_channel(
        &self,
        method: Method,
        req: &EnableMfaRequest,
        ctx: &RequestContext,
    ) -> Result<EnableMfaResult> {
        let cfg = self.config();
        let (channel, enabled) = match method {
            Method::Sms => ("sms", cfg.methods.sms.enabled),
            _ => ("email", cfg.methods.email.enabled),
        };
        if !enabled {
            return Err(MfaError::unsupported(channel));
        }
        let phone = match method {
            Method::Sms => Some(delivery::normalize_phone(
                req.phone_number.as_deref().unwrap_or(""),
            )?),
            _ => None,
        };
        let email = match req.email.as_deref() {
            Some(e) if method == Method::Email && !e.trim().is_empty() => Some(validate::email(e)?),
            _ => None,
        };
        let id = crypto::new_id("chn")?;
        let prepared = self.store.write(|tx| {
            let user = self.user_row(tx, &req.user_id)?;
            let destination = phone
                .clone()
                .or_else(|| email.clone())
                .unwrap_or_else(|| user.email.clone());
            let masked = match method {
                Method::Sms => delivery::mask_phone(&destination),
                _ => delivery::mask_email(&destination),
            };
            let row = ChannelRow {
                id: id.clone(),
                user_id: user.id.clone(),
                channel: channel.into(),
                destination: crypto::seal(
                    &self.sealing_key(),
                    &format!("channel:{id}"),
                    destination.as_bytes(),
                )?,
                masked: masked.clone(),
                created_at: self.now(),
                confirmed_at: None,
                last_used_at: None,
            };
            tx.replace_channel(&row)?;
            let prepared = match self.prepare_code(tx, &user, &row, "setup", ctx)? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::MfaEnable,
                Some(method),
                true,
                ctx,
                Some(&masked),
            )?;
            Ok(Ok((prepared, masked)))
        })?;
        let (prepared, masked) = prepared?;
        let expires_in = prepared.delivery.meta.expires_in;
        let delivery = self.deliver(prepared, req.external_delivery, ctx)?;
        Ok(EnableMfaResult {
            success: true,
            method: channel.into(),
            secret: None,
            qr_code_url: None,
            qr_code_svg: None,
            qr_code_data_url: None,
            backup_codes: None,
            challenge_id: Some(id.clone()),
            expires_in: Some(expires_in),
            code_sent: Some(true),
            destination: Some(masked),
            delivery,
        })
    }

    /// Sends a new SMS or email code, voiding the previous one: for a pending sign-in
    /// (`session_id`) or a method being set up (`user_id`).
    pub fn request_new_code(
        &self,
        session_id: Option<&str>,
        user_id: Option<&str>,
        method: &str,
        external_delivery: bool,
        ctx: &RequestContext,
    ) -> Result<RequestCodeResult> {
        let method = Method::parse(method)?;
        let channel = match method {
            Method::Sms => "sms",
            Method::Email => "email",
            other => {
                return Err(MfaError::unsupported(format!(
                    "{} has no codes to send",
                    other.as_str()
                )))
            }
        };
        let session_id = session_id.filter(|s| !s.trim().is_empty());
        if session_id.is_none() && user_id.is_none() {
            return Err(MfaError::invalid(
                "sessionId",
                "sessionId or userId is required",
            ));
        }
        let policy = self.attempt_policy();
        let prepared = self.store.write(|tx| {
            let (user, session_scope, setup) = match (session_id, user_id) {
                (Some(sid), _) => {
                    let session = self.session_row(tx, sid)?;
                    let user = self.user_row(tx, &session.user_id)?;
                    let scope = session.pending.then(|| Scope {
                        key: format!("session:{}", session.id),
                        user_id: user.id.clone(),
                    });
                    (user, scope, false)
                }
                (None, Some(uid)) => (self.user_row(tx, uid)?, None, true),
                (None, None) => return Err(MfaError::internal("no session or user")),
            };
            let row = tx
                .channels(&user.id)?
                .into_iter()
                .find(|c| c.channel == channel && (setup || c.confirmed_at.is_some()))
                .ok_or_else(|| {
                    MfaError::unsupported(format!("{channel} is not set up for this user"))
                })?;
            let purpose = if setup { "setup" } else { "sign_in" };
            let prepared = match self.prepare_code(tx, &user, &row, purpose, ctx)? {
                Ok(p) => p,
                Err(e) => return Ok(Err(e)),
            };
            let mut scopes = vec![Scope {
                key: format!("user:{}", user.id),
                user_id: user.id.clone(),
            }];
            scopes.extend(session_scope);
            let used = tx.attempts_used(&scopes, self.now(), policy)?;
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::CodeSent,
                Some(method),
                true,
                ctx,
                Some(&row.masked),
            )?;
            Ok(Ok((prepared, used, row.masked)))
        })?;
        let (prepared, used, masked) = prepared?;
        let expires_in = prepared.delivery.meta.expires_in;
        let delivery = self.deliver(prepared, external_delivery, ctx)?;
        Ok(RequestCodeResult {
            success: true,
            method: channel.into(),
            expires_in,
            attempts_remaining: policy.max_attempts.saturating_sub(used),
            destination: masked,
            delivery,
        })
    }

    /// Issues a code on a channel, in the caller's transaction: health and resend limits
    /// first, then a fresh code stored hashed. `Ok(Err(_))` is a refusal to commit with the
    /// transaction (the rate limit's audit event).
    fn prepare_code(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        row: &ChannelRow,
        purpose: &str,
        ctx: &RequestContext,
    ) -> Result<Result<Prepared>> {
        let channel = row.channel.as_str();
        let cfg = self.config();
        let now = self.now();
        let (failures, degraded_until) = tx.channel_health(channel)?;
        if degraded_until > now {
            return Ok(Err(MfaError::DeliveryFailed {
                channel: channel.into(),
            }));
        }
        let ch_cfg = if channel == "sms" {
            &cfg.methods.sms
        } else {
            &cfg.methods.email
        };
        let destination = crypto::open(
            &self.sealing_key(),
            &format!("channel:{}", row.id),
            &row.destination,
        )?;
        let destination = String::from_utf8(destination.to_vec())
            .map_err(|_| MfaError::internal("stored destination is not text"))?;
        let dest_key = crypto::hex(
            &hmac_sha256(
                &self.hash_key,
                format!("dest\0{channel}\0{destination}").as_bytes(),
            )[..16],
        );
        let mut limits = Vec::new();
        for (window, max) in [
            (60, ch_cfg.rate_limits.per_minute),
            (3600, ch_cfg.rate_limits.per_hour),
            (86_400, ch_cfg.rate_limits.per_day),
        ] {
            limits.push(SendLimit {
                key: format!("user:{channel}:{}:{window}", user.id),
                window_secs: window,
                max,
            });
            limits.push(SendLimit {
                key: format!("dest:{channel}:{dest_key}:{window}",),
                window_secs: window,
                max,
            });
        }
        if let Some(free_at) = tx.reserve_send(&user.id, &limits, now)? {
            self.audit(
                tx,
                Some(&user.id),
                AuditAction::CodeSent,
                Method::parse(channel).ok(),
                false,
                ctx,
                Some("mfa_rate_limited"),
            )?;
            return Ok(Err(MfaError::RateLimited {
                retry_after: u64::try_from(free_at - now).unwrap_or(1).max(1),
            }));
        }
        let code = format!("{:06}", crypto::random_below(1_000_000)?);
        let ttl = i64::from(ch_cfg.code_ttl_seconds);
        let delivery_id = crypto::new_id("dlv")?;
        tx.put_otp_code(&OtpCodeRow {
            user_id: user.id.clone(),
            channel: channel.into(),
            code_hash: self.otp_hash(&user.id, channel, &code),
            delivery_id: delivery_id.clone(),
            created_at: now,
            expires_at: now + ttl,
        })?;
        let minutes = u64::try_from(ttl / 60).unwrap_or(10);
        let app = &cfg.methods.totp.issuer;
        Ok(Ok(Prepared {
            delivery: Delivery {
                id: delivery_id,
                message: delivery::render(&ch_cfg.template, &code, app, minutes),
                meta: DeliveryMeta {
                    channel: channel.into(),
                    purpose: purpose.into(),
                    user_id: user.id.clone(),
                    code,
                    expires_in: u64::try_from(ttl).unwrap_or(0),
                    subject: (channel == "email")
                        .then(|| delivery::render(&ch_cfg.subject, "", app, minutes)),
                },
                destination,
                timeout_ms: u64::from(cfg.delivery.timeout_seconds) * 1000,
            },
            unhealthy: failures > 0,
        }))
    }

    /// Sends a stored code (outside any transaction), or hands it to the caller when it
    /// delivers codes itself. A failed send voids the code and is `mfa_delivery_failed`.
    fn deliver(
        &self,
        prepared: Prepared,
        external: bool,
        ctx: &RequestContext,
    ) -> Result<Option<Delivery>> {
        let Prepared {
            delivery,
            unhealthy,
        } = prepared;
        if external {
            return Ok(Some(delivery));
        }
        let channel = delivery.meta.channel.clone();
        let outcome = match self.sender_for(&channel) {
            Some(sender) => delivery::send_with_timeout(sender, &delivery),
            None => Err(format!("no sender is configured for {channel}")),
        };
        match outcome {
            Ok(()) => {
                if unhealthy {
                    self.store
                        .write(|tx| self.record_health(tx, &channel, true))?;
                }
                Ok(None)
            }
            Err(reason) => {
                self.fail_delivery(&delivery.id, &reason, ctx)?;
                Err(MfaError::DeliveryFailed { channel })
            }
        }
    }

    /// Reports how a caller-made delivery went. A failure voids the code it carried and is
    /// returned as `mfa_delivery_failed`.
    pub fn complete_delivery(
        &self,
        delivery_id: &str,
        ok: bool,
        reason: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let id = validate::token("deliveryId", delivery_id)?;
        if ok {
            return Ok(());
        }
        let channel = self.fail_delivery(id, reason.unwrap_or("the sender failed"), ctx)?;
        Err(MfaError::DeliveryFailed {
            channel: channel.unwrap_or_else(|| "sms".into()),
        })
    }

    fn fail_delivery(
        &self,
        delivery_id: &str,
        reason: &str,
        ctx: &RequestContext,
    ) -> Result<Option<String>> {
        let detail: String = reason
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        self.store.write(|tx| {
            let voided = tx.void_delivery(delivery_id)?;
            if let Some((user_id, channel)) = &voided {
                self.record_health(tx, channel, false)?;
                self.audit(
                    tx,
                    Some(user_id),
                    AuditAction::DeliveryFailed,
                    Method::parse(channel).ok(),
                    false,
                    ctx,
                    Some(&detail),
                )?;
            }
            Ok(voided.map(|(_, c)| c))
        })
    }

    fn record_health(&self, tx: &mut dyn Tx, channel: &str, ok: bool) -> Result<()> {
        let config = self.config();
        let d = &config.delivery;
        tx.record_channel_health(
            channel,
            ok,
            self.now(),
            d.failure_threshold,
            i64::from(d.cooldown_seconds),
        )
    }

    pub(super) fn otp_hash(&self, user_id: &str, channel: &str, code: &str) -> Vec<u8> {
        hmac_sha256(
            &self.hash_key,
            format!("otp\0{user_id}\0{channel}\0{code}").as_bytes(),
        )
    }

    /// Checks an SMS/email code (after an attempt was reserved). `Ok(Ok(activated))` when right.
    pub(super) fn check_channel_code(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        channel: &str,
        code: &str,
        setup: bool,
    ) -> Result<std::result::Result<bool, &'static str>> {
        let Some(row) = tx
            .channels(&user.id)?
            .into_iter()
            .find(|c| c.channel == channel && (setup || c.confirmed_at.is_some()))
        else {
            return Ok(Err("mfa_invalid_code"));
        };
        let now = self.now();
        match tx.consume_otp_code(
            &user.id,
            channel,
            &self.otp_hash(&user.id, channel, code),
            now,
        )? {
            OtpUse::Consumed if row.confirmed_at.is_none() => {
                Ok(Ok(tx.confirm_channel(&row.id, now)?))
            }
            OtpUse::Consumed => {
                tx.touch_channel(&row.id, now)?;
                Ok(Ok(false))
            }
            OtpUse::Expired => Ok(Err("mfa_expired_code")),
            OtpUse::Invalid => Ok(Err("mfa_invalid_code")),
        }
    }

    /// Whether the user has a channel row usable here (any for setup, confirmed otherwise).
    pub(super) fn has_channel(
        &self,
        tx: &mut dyn Tx,
        user_id: &str,
        channel: &str,
        setup: bool,
    ) -> Result<bool> {
        Ok(tx
            .channels(user_id)?
            .iter()
            .any(|c| c.channel == channel && (setup || c.confirmed_at.is_some())))
    }

    /// The user's other enrolled methods to offer after `failed_method` failed, in the guide's
    /// fallback order, without channels that are currently degraded.
    pub fn get_fallback_methods(&self, user_id: &str, failed_method: &str) -> Result<Vec<String>> {
        let failed = Method::parse(failed_method)?;
        self.store.read(|tx| {
            let user = self.user_row(tx, user_id)?;
            self.fallback_methods(tx, &user, failed)
        })
    }

    /// [`Engine::get_fallback_methods`] in the caller's transaction.
    pub(super) fn fallback_methods(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        failed: Method,
    ) -> Result<Vec<String>> {
        let active = self.active_methods(tx, &user.id)?;
        let now = self.now();
        let mut out = Vec::new();
        for m in fallback_chain(failed) {
            if !active.iter().any(|a| a == m) {
                continue;
            }
            if matches!(*m, "sms" | "email") && tx.channel_health(m)?.1 > now {
                continue;
            }
            out.push((*m).to_string());
        }
        Ok(out)
    }

    /// The user's SMS and email factors for status.
    pub(super) fn channel_infos(&self, tx: &mut dyn Tx, user_id: &str) -> Result<Vec<ChannelInfo>> {
        Ok(tx
            .channels(user_id)?
            .into_iter()
            .map(|c| ChannelInfo {
                method: c.channel,
                destination: c.masked,
                confirmed: c.confirmed_at.is_some(),
                created_at: iso8601(c.created_at),
                last_used: c.last_used_at.map(iso8601),
            })
            .collect())
    }
}
