//! SMS and email factors: enrolling a destination, issuing codes (with resend limits and
//! provider health), delivering them, checking them, and the guide's fallback order.
//!
//! Invariants: a new destination waits beside the confirmed one and replaces it only when
//! its code is confirmed; a code is bound to its destination, its purpose (setup, sign-in,
//! step-up) and its session, and a new one for the same destination and purpose voids the
//! previous; codes are stored as keyed hashes and used once; a failed delivery voids its
//! code; only provider or transport failures count against a provider's health, and a
//! success restores it. A code is stored (with its resend reservation) in one transaction
//! before it is sent, the sender runs outside any transaction, and no result ever carries it.

use super::mfa::Purpose;
use super::step_up::{Proof, Sensitive};
use super::{failure_detail, Engine};
use crate::api::{
    ChannelInfo, EnableMfaRequest, EnableMfaResult, Method, RequestCodeResult, RequestContext,
};
use crate::audit::AuditAction;
use crate::clock::iso8601;
use crate::config::Config;
use crate::crypto::{self, hmac_sha256};
use crate::delivery::{
    self, CodeSender, Delivery, DeliveryMeta, PushSenders, SendError, SmtpSender, SnsSender,
    TwilioSender,
};
use crate::error::{MfaError, Result};
use crate::store::{ChannelRow, OtpCodeRow, OtpUse, SendLimit, Tx, UserRow};
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
    /// The provider that sends it, e.g. `sms:twilio` or `email:app`.
    provider: String,
    /// The provider had failed sends before this one (a success clears them).
    unhealthy: bool,
}

impl Engine {
    /// Registers the application's sender for `sms` or `email`, used instead of the built-in
    /// one; `None` removes it. Whatever the sender is (Rust, a JavaScript function, a Python
    /// callable, a Swift or Kotlin object), the engine applies `delivery.timeoutSeconds`,
    /// voids the code of a failed send and keeps the provider's health.
    pub fn set_sender(&self, channel: &str, sender: Option<Arc<dyn CodeSender>>) -> Result<()> {
        let channel = match channel {
            "sms" | "email" | "push" => channel,
            _ => return Err(MfaError::invalid("channel", "must be sms, email or push")),
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

    /// The built-in push senders of these settings, kept while the settings stay the same (they
    /// hold the providers' access tokens).
    fn built_in_push(&self, config: &Config) -> Option<Arc<dyn CodeSender>> {
        let key = (config.delivery.fcm.clone(), config.delivery.apns.clone());
        let mut cache = self
            .push_senders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((k, senders)) = cache.as_ref() {
            if *k == key {
                return senders.clone();
            }
        }
        // The keys were checked when the settings were applied.
        let senders = PushSenders::from_config(&config.delivery)
            .ok()
            .flatten()
            .map(|s| Arc::new(s) as Arc<dyn CodeSender>);
        *cache = Some((key, senders.clone()));
        senders
    }

    /// The provider of a channel (its health is kept under this name) and its sender.
    pub(super) fn sender_for(&self, channel: &str) -> (String, Option<Arc<dyn CodeSender>>) {
        if let Some(s) = self
            .senders
            .read()
            .ok()
            .and_then(|m| m.get(channel).cloned())
        {
            return (format!("{channel}:app"), Some(s));
        }
        let config = self.config();
        let cfg = &config.delivery;
        let (name, sender) = match channel {
            "email" => (
                config.methods.email.provider.as_str(),
                cfg.smtp
                    .clone()
                    .map(|c| Arc::new(SmtpSender::new(c)) as Arc<dyn CodeSender>),
            ),
            "push" => ("builtin", self.built_in_push(&config)),
            _ if config.methods.sms.provider == "aws-sns" => (
                "aws-sns",
                cfg.sns
                    .clone()
                    .map(|c| Arc::new(SnsSender::new(c)) as Arc<dyn CodeSender>),
            ),
            _ => (
                "twilio",
                cfg.twilio
                    .clone()
                    .map(|c| Arc::new(TwilioSender::new(c)) as Arc<dyn CodeSender>),
            ),
        };
        (format!("{channel}:{name}"), sender)
    }

    /// Enrolls an SMS or email destination beside any confirmed one and sends it a setup code.
    pub(super) fn enable_channel(
        &self,
        method: Method,
        req: &EnableMfaRequest,
    ) -> Result<EnableMfaResult> {
        let ctx = &req.context;
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
        let proof = Proof::new(
            req.session_token.as_ref().map(|s| s.expose()),
            req.confirmation_code.as_ref().map(|s| s.expose()),
        );
        let id = crypto::new_id("chn")?;
        let prepared = self.write_noting(|tx, notices| {
            let user = self.user_row(tx, &req.user_id)?;
            if let Err(e) = self.step_up(tx, notices, &user, Sensitive::FactorAdd, proof, ctx)? {
                return Ok(Err(e));
            }
            let destination = phone
                .clone()
                .or_else(|| email.clone())
                .unwrap_or_else(|| user.email.clone());
            // The limits and the provider's health first: a refused send leaves no trace
            // but its audit event, and never touches the confirmed destination.
            // A refused send rolls the whole call back, so a code the step-up used is not
            // spent for nothing.
            let unhealthy =
                self.reserve_send_for(tx, &user, channel, &destination, Purpose::Setup, ctx)??;
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
            tx.put_pending_channel(&row)?;
            let prepared =
                self.store_code(tx, &user, &row, destination, Purpose::Setup, unhealthy)?;
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
        let field = if method == Method::Sms {
            "phoneNumber"
        } else {
            "email"
        };
        self.deliver(prepared, Some(field), ctx)?;
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
        })
    }

    /// Sends a new SMS or email code (see `RequestNewCodeRequest`).
    pub fn request_new_code(
        &self,
        session_id: Option<&str>,
        user_id: Option<&str>,
        method: &str,
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
            let (user, session) = match (session_id, user_id) {
                (Some(sid), _) => {
                    let session = self.session_row(tx, sid)?;
                    (self.user_row(tx, &session.user_id)?, Some(session))
                }
                (None, Some(uid)) => (self.user_row(tx, uid)?, None),
                (None, None) => return Err(MfaError::internal("no session or user")),
            };
            let purpose = match &session {
                Some(s) if s.pending => Purpose::SignIn(&s.id),
                Some(s) => Purpose::StepUp(&s.id),
                None => Purpose::Setup,
            };
            let setup = purpose == Purpose::Setup;
            if !setup && user.codes_suspended_at.is_some() {
                return Err(MfaError::FactorsSuspended);
            }
            let row = self
                .channel_row(tx, &user.id, channel, setup)?
                .ok_or_else(|| {
                    MfaError::unsupported(if setup {
                        format!("no {channel} destination is being set up for this user")
                    } else {
                        format!("{channel} is not set up for this user")
                    })
                })?;
            let destination = self.open_destination(&row)?;
            let unhealthy =
                match self.reserve_send_for(tx, &user, channel, &destination, purpose, ctx)? {
                    Ok(unhealthy) => unhealthy,
                    Err(e) => return Ok(Err(e)),
                };
            let prepared = self.store_code(tx, &user, &row, destination, purpose, unhealthy)?;
            let pending = session.as_ref().filter(|s| s.pending);
            let scopes = self.attempt_scopes(&user, pending);
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
            Ok(Ok((prepared, used, row.masked, setup)))
        })?;
        let (prepared, used, masked, setup) = prepared?;
        let expires_in = prepared.delivery.meta.expires_in;
        let field = if channel == "sms" {
            "phoneNumber"
        } else {
            "email"
        };
        self.deliver(prepared, setup.then_some(field), ctx)?;
        Ok(RequestCodeResult {
            success: true,
            method: channel.into(),
            expires_in,
            attempts_remaining: policy.max_attempts.saturating_sub(used),
            destination: masked,
        })
    }

    fn open_destination(&self, row: &ChannelRow) -> Result<String> {
        let destination = self.open_sealed(&format!("channel:{}", row.id), &row.destination)?;
        String::from_utf8(destination.to_vec())
            .map_err(|_| MfaError::internal("stored destination is not text"))
    }

    /// The provider's health and the resend limits (per user and per destination, per
    /// minute, hour and day), in the caller's transaction; records the send when allowed.
    /// Setup sends (to a destination nobody has confirmed) count in buckets of their own, so
    /// enrolling someone else's number cannot use up the budget of their sign-in codes.
    /// `Ok(Ok(unhealthy))` when the send may go; `Ok(Err(_))` is a refusal to commit with
    /// the transaction (its audit event).
    fn reserve_send_for(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        channel: &str,
        destination: &str,
        purpose: Purpose<'_>,
        ctx: &RequestContext,
    ) -> Result<Result<bool>> {
        // The user's row before the resend counters (and before the code rows that refer to
        // it): the order every path that holds both takes them in.
        tx.hold_user(&user.id)?;
        let cfg = self.config();
        let now = self.now();
        let (provider, _) = self.sender_for(channel);
        let (failures, degraded_until) = tx.channel_health(&provider)?;
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
        let dest_key = crypto::hex(
            &hmac_sha256(
                &self.hash_key,
                format!("dest\0{channel}\0{destination}").as_bytes(),
            )[..16],
        );
        let bucket = if purpose == Purpose::Setup {
            "setup"
        } else {
            "codes"
        };
        let mut limits = Vec::new();
        for (window, max) in [
            (60, ch_cfg.rate_limits.per_minute),
            (3600, ch_cfg.rate_limits.per_hour),
            (86_400, ch_cfg.rate_limits.per_day),
        ] {
            limits.push(SendLimit {
                key: format!("{bucket}:user:{channel}:{}:{window}", user.id),
                window_secs: window,
                max,
            });
            limits.push(SendLimit {
                key: format!("{bucket}:dest:{channel}:{dest_key}:{window}"),
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
        Ok(Ok(failures > 0))
    }

    /// Stores a fresh code for `row`, bound to `purpose`, and builds its delivery.
    fn store_code(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        row: &ChannelRow,
        destination: String,
        purpose: Purpose<'_>,
        unhealthy: bool,
    ) -> Result<Prepared> {
        let channel = row.channel.as_str();
        let cfg = self.config();
        let now = self.now();
        let ch_cfg = if channel == "sms" {
            &cfg.methods.sms
        } else {
            &cfg.methods.email
        };
        let (purpose_name, session_id) = purpose
            .code_binding()
            .ok_or_else(|| MfaError::internal("codes are not sent for a confirmation"))?;
        let code = format!("{:06}", crypto::random_below(1_000_000)?);
        let ttl = i64::from(ch_cfg.code_ttl_seconds);
        let delivery_id = crypto::new_id("dlv")?;
        tx.put_otp_code(&OtpCodeRow {
            user_id: user.id.clone(),
            channel: channel.into(),
            channel_id: row.id.clone(),
            purpose: purpose_name.into(),
            session_id,
            code_hash: self.otp_hash(&user.id, channel, &code),
            delivery_id: delivery_id.clone(),
            created_at: now,
            expires_at: now + ttl,
        })?;
        let minutes = u64::try_from(ttl / 60).unwrap_or(10);
        let app = &cfg.methods.totp.issuer;
        Ok(Prepared {
            delivery: Delivery {
                id: delivery_id,
                message: delivery::render(&ch_cfg.template, &code, app, minutes),
                meta: DeliveryMeta {
                    channel: channel.into(),
                    purpose: purpose_name.into(),
                    user_id: user.id.clone(),
                    code,
                    expires_in: u64::try_from(ttl).unwrap_or(0),
                    subject: (channel == "email")
                        .then(|| delivery::render(&ch_cfg.subject, "", app, minutes)),
                    platform: None,
                },
                destination,
                timeout_ms: u64::from(cfg.delivery.timeout_seconds) * 1000,
            },
            provider: self.sender_for(channel).0,
            unhealthy,
        })
    }

    /// Sends a stored code (outside any transaction). A failed send voids the code and is
    /// `mfa_delivery_failed`; a destination the provider refuses during setup is
    /// `invalid_input` on `setup_field`. Only failures of sends to a confirmed destination
    /// count against the provider: a destination nobody confirmed says nothing of it.
    fn deliver(
        &self,
        prepared: Prepared,
        setup_field: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let Prepared {
            delivery,
            provider,
            unhealthy,
        } = prepared;
        let channel = delivery.meta.channel.clone();
        let outcome = match self.sender_for(&channel).1 {
            Some(sender) => delivery::send_with_timeout(sender, &delivery),
            None => Err(SendError::Failed(format!(
                "no sender is configured for {channel}"
            ))),
        };
        match outcome {
            Ok(()) => {
                if unhealthy {
                    self.store
                        .write(|tx| self.record_health(tx, &provider, true))?;
                }
                Ok(())
            }
            Err(e) => {
                self.fail_delivery(&delivery.id, &provider, &e, setup_field.is_none(), ctx)?;
                match (&e, setup_field) {
                    (SendError::Rejected(_), Some(field)) => {
                        Err(MfaError::invalid(field, "was refused by the provider"))
                    }
                    _ => Err(MfaError::DeliveryFailed { channel }),
                }
            }
        }
    }

    /// Voids the code of a failed delivery and records the failure: against the provider's
    /// health (`counts`) only when the provider or transport failed.
    fn fail_delivery(
        &self,
        delivery_id: &str,
        provider: &str,
        error: &SendError,
        counts: bool,
        ctx: &RequestContext,
    ) -> Result<()> {
        let kind = match error {
            SendError::Rejected(_) => "rejected",
            SendError::Failed(_) => "failed",
        };
        let detail = failure_detail(&format!("{kind}: {}", error.reason()));
        self.store.write(|tx| {
            let voided = tx.void_delivery(delivery_id)?;
            if counts && matches!(error, SendError::Failed(_)) {
                self.record_health(tx, provider, false)?;
            }
            if let Some((user_id, channel)) = &voided {
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
            Ok(())
        })
    }

    fn record_health(&self, tx: &mut dyn Tx, provider: &str, ok: bool) -> Result<()> {
        let config = self.config();
        let d = &config.delivery;
        tx.record_channel_health(
            provider,
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

    /// Checks an SMS/email code (once the attempt counters allow it): it must have been sent to
    /// the destination and for the purpose and session at hand. `Ok(Ok(activated))` when right.
    pub(super) fn check_channel_code(
        &self,
        tx: &mut dyn Tx,
        user: &UserRow,
        channel: &str,
        code: &str,
        purpose: Purpose<'_>,
    ) -> Result<std::result::Result<bool, &'static str>> {
        let Some((purpose_name, session_id)) = purpose.code_binding() else {
            return Ok(Err("mfa_invalid_code"));
        };
        let setup = purpose == Purpose::Setup;
        let Some(row) = self.channel_row(tx, &user.id, channel, setup)? else {
            return Ok(Err("mfa_invalid_code"));
        };
        let now = self.now();
        match tx.consume_otp_code(
            &user.id,
            &row.id,
            purpose_name,
            session_id.as_deref(),
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

    /// The user's destination on `channel`: the one being set up (`setup`), else the
    /// confirmed one.
    pub(super) fn channel_row(
        &self,
        tx: &mut dyn Tx,
        user_id: &str,
        channel: &str,
        setup: bool,
    ) -> Result<Option<ChannelRow>> {
        Ok(tx
            .channels(user_id)?
            .into_iter()
            .find(|c| c.channel == channel && c.confirmed_at.is_none() == setup))
    }

    /// The user's other enrolled methods to offer after `failed_method` failed, in the guide's
    /// fallback order, without channels whose provider is currently degraded.
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
            if matches!(*m, "sms" | "email") && tx.channel_health(&self.sender_for(m).0)?.1 > now {
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
                id: c.id,
                method: c.channel,
                destination: c.masked,
                confirmed: c.confirmed_at.is_some(),
                created_at: iso8601(c.created_at),
                last_used: c.last_used_at.map(iso8601),
            })
            .collect())
    }
}
