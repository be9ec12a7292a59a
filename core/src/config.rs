//! Engine settings in the shape of the guide's `mfa.configure()` options.
//!
//! [`Config::apply_json`] takes a partial options object (camelCase as in the guide, or
//! snake_case), rejects unknown keys and out-of-range values with an `invalid_input` error
//! that names the field by its path (e.g. `methods.totp.digits`), and changes nothing unless
//! every value is valid.

use crate::error::{MfaError, Result};
use crate::password::PasswordParams;
use crate::totp::{TotpAlgorithm, TotpParams};
use serde::Deserialize;

/// TOTP settings (`methods.totp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpConfig {
    /// Whether new TOTP enrollments are allowed.
    pub enabled: bool,
    /// Issuer shown by authenticator apps when no label is given.
    pub issuer: String,
    /// Parameters of newly enrolled devices (existing devices keep theirs).
    pub params: TotpParams,
    /// Steps accepted either side of the current one (default 1).
    pub skew: u32,
}

/// Resend limits for a code channel (`methods.sms.rateLimits`, `methods.email.rateLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimits {
    /// Codes per minute.
    pub per_minute: u32,
    /// Codes per hour.
    pub per_hour: u32,
    /// Codes per day.
    pub per_day: u32,
}

/// An SMS or email code channel (`methods.sms`, `methods.email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    /// Whether the channel may be enrolled.
    pub enabled: bool,
    /// Delivery provider name (SMS: `twilio`).
    pub provider: String,
    /// Resend limits.
    pub rate_limits: SendLimits,
    /// Lifetime of a code in seconds (default 600).
    pub code_ttl_seconds: u32,
    /// Message text; `{code}`, `{app}` and `{minutes}` are filled in.
    pub template: String,
    /// Email subject (email only); same placeholders.
    pub subject: String,
}

/// A secret setting (password, token): kept in memory only and never printed.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(pub String);

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "<redacted>"
        })
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (local relays and tests only).
    None,
    /// STARTTLS upgrade (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// The built-in SMTP sender for email codes (`delivery.smtp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Server host name.
    pub host: String,
    /// Server port.
    pub port: u16,
    /// Connection security.
    pub tls: SmtpTls,
    /// Login user (empty: no authentication).
    pub username: String,
    /// Login password.
    pub password: SecretString,
    /// Sender address.
    pub from: String,
}

/// The built-in SMS sender speaking Twilio's Messages API (`delivery.twilio`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    /// Account SID (also the Basic-auth user).
    pub account_sid: String,
    /// Auth token (the Basic-auth password).
    pub auth_token: SecretString,
    /// Sending number in E.164 form.
    pub from: String,
    /// API base URL (default `https://api.twilio.com`).
    pub base_url: String,
}

/// Delivery of SMS and email codes (`delivery`, a Plinto extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// A send not finished within this many seconds fails (default 10).
    pub timeout_seconds: u32,
    /// Consecutive failed sends that degrade a channel (default 3).
    pub failure_threshold: u32,
    /// How long a degraded channel is skipped, in seconds (default 300).
    pub cooldown_seconds: u32,
    /// Built-in SMTP sender for email, when configured.
    pub smtp: Option<SmtpConfig>,
    /// Built-in Twilio sender for SMS, when configured.
    pub twilio: Option<TwilioConfig>,
}

/// WebAuthn relying-party settings (`methods.webauthn`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebauthnConfig {
    /// Whether security keys and passkeys may be enrolled.
    pub enabled: bool,
    /// Relying-party id (a registrable domain).
    pub rp_id: String,
    /// Relying-party display name.
    pub rp_name: String,
    /// Ask authenticators for a discoverable credential.
    pub require_resident_key: bool,
    /// `required`, `preferred` or `discouraged`.
    pub user_verification: String,
    /// Origins allowed to answer a ceremony, e.g. `https://app.example.com` or a native app's
    /// `android:apk-key-hash:…`. Empty: `https://<rpId>` (and `http://localhost` on any port
    /// when the rpId is `localhost`).
    pub origins: Vec<String>,
    /// Seconds a registration or authentication challenge stays valid (default 300).
    pub challenge_ttl_seconds: u32,
}

/// Alphabet of backup codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupAlphabet {
    /// Digits and upper-case letters without look-alikes (32 symbols, 5 bits each).
    Alphanumeric,
    /// Digits only.
    Numeric,
}

/// Backup-code settings (`backupCodes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupCodesConfig {
    /// Whether backup codes are issued and accepted.
    pub enabled: bool,
    /// How many codes a set holds (default 10).
    pub count: u32,
    /// Characters per code (default 10).
    pub length: u32,
    /// Alphabet.
    pub alphabet: BackupAlphabet,
}

/// Attempt limiting (`rateLimiting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Wrong codes allowed per window before lockout (default 5).
    pub max_attempts: u32,
    /// Window over which wrong codes are counted, in minutes (default 15).
    pub window_minutes: u32,
    /// Lockout length in minutes (default 15).
    pub lockout_minutes: u32,
}

/// Policy settings (`security`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityConfig {
    /// Admins (`admin`, `super_admin`) must use MFA.
    pub require_for_admins: bool,
    /// Days a user may go without enrolling when MFA is required.
    pub grace_period_days: u32,
    /// Operations that need a recent MFA verification.
    pub step_up_required: Vec<String>,
    /// How recent, in seconds (default 600).
    pub step_up_max_age_seconds: u32,
}

/// Session lifetimes (`sessions`, a Plinto extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionConfig {
    /// Lifetime of a signed-in session in seconds (default 86400).
    pub ttl_seconds: u32,
    /// Lifetime of a session waiting for its MFA step in seconds (default 600).
    pub pending_ttl_seconds: u32,
}

/// All engine settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `methods.totp`.
    pub totp: TotpConfig,
    /// `methods.sms`.
    pub sms: ChannelConfig,
    /// `methods.email`.
    pub email: ChannelConfig,
    /// `methods.webauthn`.
    pub webauthn: WebauthnConfig,
    /// `backupCodes`.
    pub backup_codes: BackupCodesConfig,
    /// `rateLimiting`.
    pub rate_limiting: RateLimitConfig,
    /// `security`.
    pub security: SecurityConfig,
    /// `sessions`.
    pub sessions: SessionConfig,
    /// `password` (argon2id cost).
    pub password: PasswordParams,
    /// `delivery` of SMS and email codes.
    pub delivery: DeliveryConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            totp: TotpConfig {
                enabled: true,
                issuer: "Plinto".into(),
                params: TotpParams::default(),
                skew: 1,
            },
            sms: ChannelConfig {
                enabled: true,
                provider: "twilio".into(),
                rate_limits: SendLimits {
                    per_minute: 1,
                    per_hour: 5,
                    per_day: 10,
                },
                code_ttl_seconds: 600,
                template: "{code} is your {app} verification code. It expires in {minutes} minutes.".into(),
                subject: String::new(),
            },
            email: ChannelConfig {
                enabled: true,
                provider: "smtp".into(),
                rate_limits: SendLimits {
                    per_minute: 1,
                    per_hour: 10,
                    per_day: 20,
                },
                code_ttl_seconds: 600,
                template: "Your {app} verification code is {code}.\n\nIt expires in {minutes} minutes. If you did not ask for it, you can ignore this email.".into(),
                subject: "{app} verification code".into(),
            },
            webauthn: WebauthnConfig {
                enabled: true,
                rp_id: "localhost".into(),
                rp_name: "Plinto".into(),
                require_resident_key: false,
                user_verification: "preferred".into(),
                origins: Vec::new(),
                challenge_ttl_seconds: 300,
            },
            backup_codes: BackupCodesConfig {
                enabled: true,
                count: 10,
                length: 10,
                alphabet: BackupAlphabet::Alphanumeric,
            },
            rate_limiting: RateLimitConfig {
                max_attempts: 5,
                window_minutes: 15,
                lockout_minutes: 15,
            },
            security: SecurityConfig {
                require_for_admins: false,
                grace_period_days: 0,
                step_up_required: vec![
                    "password_change".into(),
                    "email_change".into(),
                    "mfa_disable".into(),
                    "account_delete".into(),
                    "payment_method_add".into(),
                ],
                step_up_max_age_seconds: 600,
            },
            sessions: SessionConfig {
                ttl_seconds: 86_400,
                pending_ttl_seconds: 600,
            },
            password: PasswordParams::default(),
            delivery: DeliveryConfig {
                timeout_seconds: 10,
                failure_threshold: 3,
                cooldown_seconds: 300,
                smtp: None,
                twilio: None,
            },
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Patch {
    methods: Option<MethodsPatch>,
    #[serde(alias = "backup_codes")]
    backup_codes: Option<BackupPatch>,
    #[serde(alias = "rate_limiting")]
    rate_limiting: Option<RatePatch>,
    security: Option<SecurityPatch>,
    sessions: Option<SessionsPatch>,
    password: Option<PasswordPatch>,
    delivery: Option<DeliveryPatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DeliveryPatch {
    #[serde(alias = "timeout_seconds")]
    timeout_seconds: Option<i64>,
    #[serde(alias = "failure_threshold")]
    failure_threshold: Option<i64>,
    #[serde(alias = "cooldown_seconds")]
    cooldown_seconds: Option<i64>,
    smtp: Option<SmtpPatch>,
    twilio: Option<TwilioPatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpPatch {
    host: String,
    port: Option<i64>,
    tls: Option<String>,
    username: Option<String>,
    password: Option<String>,
    from: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct TwilioPatch {
    #[serde(alias = "account_sid")]
    account_sid: String,
    #[serde(alias = "auth_token")]
    auth_token: String,
    from: String,
    #[serde(alias = "base_url")]
    base_url: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct MethodsPatch {
    totp: Option<TotpPatch>,
    sms: Option<ChannelPatch>,
    email: Option<ChannelPatch>,
    webauthn: Option<WebauthnPatch>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TotpPatch {
    enabled: Option<bool>,
    issuer: Option<String>,
    algorithm: Option<String>,
    digits: Option<i64>,
    period: Option<i64>,
    skew: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ChannelPatch {
    enabled: Option<bool>,
    provider: Option<String>,
    #[serde(alias = "rate_limits")]
    rate_limits: Option<LimitsPatch>,
    #[serde(alias = "code_ttl_seconds")]
    code_ttl_seconds: Option<i64>,
    template: Option<String>,
    subject: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct LimitsPatch {
    #[serde(alias = "per_minute")]
    per_minute: Option<i64>,
    #[serde(alias = "per_hour")]
    per_hour: Option<i64>,
    #[serde(alias = "per_day")]
    per_day: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WebauthnPatch {
    enabled: Option<bool>,
    #[serde(alias = "rp_id")]
    rp_id: Option<String>,
    #[serde(alias = "rp_name")]
    rp_name: Option<String>,
    #[serde(alias = "require_resident_key")]
    require_resident_key: Option<bool>,
    #[serde(alias = "user_verification")]
    user_verification: Option<String>,
    #[serde(alias = "allowedOrigins", alias = "allowed_origins")]
    origins: Option<Vec<String>>,
    #[serde(alias = "challenge_ttl_seconds")]
    challenge_ttl_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupPatch {
    enabled: Option<bool>,
    count: Option<i64>,
    length: Option<i64>,
    algorithm: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RatePatch {
    #[serde(alias = "max_attempts")]
    max_attempts: Option<i64>,
    #[serde(alias = "window_minutes")]
    window_minutes: Option<i64>,
    #[serde(alias = "lockout_minutes")]
    lockout_minutes: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SecurityPatch {
    #[serde(alias = "require_for_admins")]
    require_for_admins: Option<bool>,
    #[serde(alias = "grace_period_days")]
    grace_period_days: Option<i64>,
    #[serde(alias = "step_up_required")]
    step_up_required: Option<Vec<String>>,
    #[serde(alias = "step_up_max_age_seconds")]
    step_up_max_age_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SessionsPatch {
    #[serde(alias = "ttl_seconds")]
    ttl_seconds: Option<i64>,
    #[serde(alias = "pending_ttl_seconds")]
    pending_ttl_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PasswordPatch {
    #[serde(alias = "memory_kib")]
    memory_kib: Option<i64>,
    iterations: Option<i64>,
    parallelism: Option<i64>,
}

fn ranged(v: Option<i64>, field: &str, lo: i64, hi: i64, into: &mut u32) -> Result<()> {
    if let Some(v) = v {
        if v < lo || v > hi {
            return Err(MfaError::invalid(
                field,
                format!("must be between {lo} and {hi}"),
            ));
        }
        *into = u32::try_from(v).map_err(|_| MfaError::invalid(field, "out of range"))?;
    }
    Ok(())
}

fn text(v: Option<String>, field: &str, max: usize, into: &mut String) -> Result<()> {
    if let Some(v) = v {
        let v = v.trim().to_string();
        if v.is_empty() || v.len() > max || v.contains('\0') {
            return Err(MfaError::invalid(
                field,
                format!("must be 1 to {max} characters without NUL"),
            ));
        }
        *into = v;
    }
    Ok(())
}

fn limits(p: Option<LimitsPatch>, path: &str, into: &mut SendLimits) -> Result<()> {
    if let Some(p) = p {
        ranged(
            p.per_minute,
            &format!("{path}.perMinute"),
            1,
            1000,
            &mut into.per_minute,
        )?;
        ranged(
            p.per_hour,
            &format!("{path}.perHour"),
            1,
            10_000,
            &mut into.per_hour,
        )?;
        ranged(
            p.per_day,
            &format!("{path}.perDay"),
            1,
            100_000,
            &mut into.per_day,
        )?;
        if into.per_minute > into.per_hour || into.per_hour > into.per_day {
            return Err(MfaError::invalid(
                path,
                "limits must satisfy perMinute <= perHour <= perDay",
            ));
        }
    }
    Ok(())
}

fn channel(p: Option<ChannelPatch>, path: &str, into: &mut ChannelConfig) -> Result<()> {
    if let Some(p) = p {
        if let Some(e) = p.enabled {
            into.enabled = e;
        }
        text(
            p.provider,
            &format!("{path}.provider"),
            64,
            &mut into.provider,
        )?;
        limits(
            p.rate_limits,
            &format!("{path}.rateLimits"),
            &mut into.rate_limits,
        )?;
        ranged(
            p.code_ttl_seconds,
            &format!("{path}.codeTtlSeconds"),
            60,
            86_400,
            &mut into.code_ttl_seconds,
        )?;
        text(
            p.template,
            &format!("{path}.template"),
            2000,
            &mut into.template,
        )?;
        if !into.template.contains("{code}") {
            return Err(MfaError::invalid(
                format!("{path}.template"),
                "must contain {code}",
            ));
        }
        text(
            p.subject,
            &format!("{path}.subject"),
            200,
            &mut into.subject,
        )?;
    }
    Ok(())
}

fn delivery(p: DeliveryPatch, into: &mut DeliveryConfig) -> Result<()> {
    ranged(
        p.timeout_seconds,
        "delivery.timeoutSeconds",
        1,
        120,
        &mut into.timeout_seconds,
    )?;
    ranged(
        p.failure_threshold,
        "delivery.failureThreshold",
        1,
        100,
        &mut into.failure_threshold,
    )?;
    ranged(
        p.cooldown_seconds,
        "delivery.cooldownSeconds",
        1,
        86_400,
        &mut into.cooldown_seconds,
    )?;
    if let Some(m) = p.smtp {
        let mut host = String::new();
        text(Some(m.host), "delivery.smtp.host", 253, &mut host)?;
        let tls = match m.tls.as_deref().unwrap_or("starttls") {
            "none" => SmtpTls::None,
            "starttls" => SmtpTls::StartTls,
            "tls" => SmtpTls::Tls,
            _ => {
                return Err(MfaError::invalid(
                    "delivery.smtp.tls",
                    "must be none, starttls or tls",
                ))
            }
        };
        let default_port = match tls {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        };
        let mut port = default_port;
        ranged(m.port, "delivery.smtp.port", 1, 65_535, &mut port)?;
        let mut from = String::new();
        text(Some(m.from), "delivery.smtp.from", 254, &mut from)?;
        into.smtp = Some(SmtpConfig {
            host,
            port: u16::try_from(port)
                .map_err(|_| MfaError::invalid("delivery.smtp.port", "out of range"))?,
            tls,
            username: m.username.unwrap_or_default(),
            password: SecretString(m.password.unwrap_or_default()),
            from,
        });
    }
    if let Some(t) = p.twilio {
        let mut sid = String::new();
        text(
            Some(t.account_sid),
            "delivery.twilio.accountSid",
            64,
            &mut sid,
        )?;
        let mut from = String::new();
        text(Some(t.from), "delivery.twilio.from", 32, &mut from)?;
        let mut base = "https://api.twilio.com".to_string();
        text(t.base_url, "delivery.twilio.baseUrl", 512, &mut base)?;
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(MfaError::invalid(
                "delivery.twilio.baseUrl",
                "must be an http(s) URL",
            ));
        }
        into.twilio = Some(TwilioConfig {
            account_sid: sid,
            auth_token: SecretString(t.auth_token),
            from,
            base_url: base.trim_end_matches('/').to_string(),
        });
    }
    Ok(())
}

impl Config {
    /// Applies a partial options object (a JSON object in the guide's `configure()` shape).
    /// Either every value is applied or, on the first invalid one, none is.
    pub fn apply_json(&mut self, options: &serde_json::Value) -> Result<()> {
        if !options.is_object() {
            return Err(MfaError::invalid("options", "must be an object"));
        }
        let patch: Patch = serde_path_to_error::deserialize(options).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "options".to_string()
            } else {
                path
            };
            MfaError::invalid(field, e.into_inner().to_string())
        })?;
        let mut next = self.clone();
        next.apply(patch)?;
        *self = next;
        Ok(())
    }

    fn apply(&mut self, p: Patch) -> Result<()> {
        if let Some(m) = p.methods {
            if let Some(t) = m.totp {
                if let Some(e) = t.enabled {
                    self.totp.enabled = e;
                }
                text(t.issuer, "methods.totp.issuer", 128, &mut self.totp.issuer)?;
                if self.totp.issuer.contains(':') {
                    return Err(MfaError::invalid(
                        "methods.totp.issuer",
                        "must not contain ':'",
                    ));
                }
                if let Some(a) = t.algorithm {
                    self.totp.params.algorithm =
                        TotpAlgorithm::parse(&a, "methods.totp.algorithm")?;
                }
                if let Some(d) = t.digits {
                    if d != 6 && d != 8 {
                        return Err(MfaError::invalid("methods.totp.digits", "must be 6 or 8"));
                    }
                    self.totp.params.digits = if d == 6 { 6 } else { 8 };
                }
                ranged(
                    t.period,
                    "methods.totp.period",
                    15,
                    300,
                    &mut self.totp.params.period,
                )?;
                ranged(t.skew, "methods.totp.skew", 0, 10, &mut self.totp.skew)?;
            }
            channel(m.sms, "methods.sms", &mut self.sms)?;
            channel(m.email, "methods.email", &mut self.email)?;
            if let Some(w) = m.webauthn {
                if let Some(e) = w.enabled {
                    self.webauthn.enabled = e;
                }
                text(
                    w.rp_id,
                    "methods.webauthn.rpId",
                    253,
                    &mut self.webauthn.rp_id,
                )?;
                text(
                    w.rp_name,
                    "methods.webauthn.rpName",
                    128,
                    &mut self.webauthn.rp_name,
                )?;
                if let Some(r) = w.require_resident_key {
                    self.webauthn.require_resident_key = r;
                }
                if let Some(uv) = w.user_verification {
                    if !matches!(uv.as_str(), "required" | "preferred" | "discouraged") {
                        return Err(MfaError::invalid(
                            "methods.webauthn.userVerification",
                            "must be required, preferred or discouraged",
                        ));
                    }
                    self.webauthn.user_verification = uv;
                }
                if let Some(origins) = w.origins {
                    if origins.len() > 32 {
                        return Err(MfaError::invalid(
                            "methods.webauthn.origins",
                            "at most 32 origins",
                        ));
                    }
                    for o in &origins {
                        let ok = !o.trim().is_empty()
                            && o.len() <= 512
                            && o.contains(':')
                            && !o.chars().any(char::is_whitespace);
                        if !ok {
                            return Err(MfaError::invalid(
                                "methods.webauthn.origins",
                                "each origin must look like https://host[:port] or android:apk-key-hash:…",
                            ));
                        }
                    }
                    self.webauthn.origins = origins;
                }
                ranged(
                    w.challenge_ttl_seconds,
                    "methods.webauthn.challengeTtlSeconds",
                    10,
                    3600,
                    &mut self.webauthn.challenge_ttl_seconds,
                )?;
            }
        }
        if let Some(b) = p.backup_codes {
            if let Some(e) = b.enabled {
                self.backup_codes.enabled = e;
            }
            ranged(
                b.count,
                "backupCodes.count",
                1,
                50,
                &mut self.backup_codes.count,
            )?;
            ranged(
                b.length,
                "backupCodes.length",
                6,
                32,
                &mut self.backup_codes.length,
            )?;
            if let Some(a) = b.algorithm {
                self.backup_codes.alphabet = match a.as_str() {
                    "alphanumeric" => BackupAlphabet::Alphanumeric,
                    "numeric" => BackupAlphabet::Numeric,
                    _ => {
                        return Err(MfaError::invalid(
                            "backupCodes.algorithm",
                            "must be alphanumeric or numeric",
                        ))
                    }
                };
            }
        }
        if let Some(r) = p.rate_limiting {
            let rl = &mut self.rate_limiting;
            ranged(
                r.max_attempts,
                "rateLimiting.maxAttempts",
                1,
                100,
                &mut rl.max_attempts,
            )?;
            ranged(
                r.window_minutes,
                "rateLimiting.windowMinutes",
                1,
                1440,
                &mut rl.window_minutes,
            )?;
            ranged(
                r.lockout_minutes,
                "rateLimiting.lockoutMinutes",
                1,
                10_080,
                &mut rl.lockout_minutes,
            )?;
        }
        if let Some(s) = p.security {
            if let Some(r) = s.require_for_admins {
                self.security.require_for_admins = r;
            }
            ranged(
                s.grace_period_days,
                "security.gracePeriodDays",
                0,
                365,
                &mut self.security.grace_period_days,
            )?;
            if let Some(ops) = s.step_up_required {
                if ops.len() > 100 || ops.iter().any(|o| o.is_empty() || o.len() > 64) {
                    return Err(MfaError::invalid(
                        "security.stepUpRequired",
                        "must be at most 100 names of 1 to 64 characters",
                    ));
                }
                self.security.step_up_required = ops;
            }
            ranged(
                s.step_up_max_age_seconds,
                "security.stepUpMaxAgeSeconds",
                1,
                86_400,
                &mut self.security.step_up_max_age_seconds,
            )?;
        }
        if let Some(s) = p.sessions {
            ranged(
                s.ttl_seconds,
                "sessions.ttlSeconds",
                60,
                31_536_000,
                &mut self.sessions.ttl_seconds,
            )?;
            ranged(
                s.pending_ttl_seconds,
                "sessions.pendingTtlSeconds",
                30,
                3600,
                &mut self.sessions.pending_ttl_seconds,
            )?;
        }
        if let Some(d) = p.delivery {
            delivery(d, &mut self.delivery)?;
        }
        if let Some(pw) = p.password {
            let pp = &mut self.password;
            ranged(
                pw.memory_kib,
                "password.memoryKib",
                8,
                4_194_304,
                &mut pp.memory_kib,
            )?;
            ranged(
                pw.iterations,
                "password.iterations",
                1,
                100,
                &mut pp.iterations,
            )?;
            ranged(
                pw.parallelism,
                "password.parallelism",
                1,
                64,
                &mut pp.parallelism,
            )?;
            if pp.memory_kib < 8 * pp.parallelism {
                return Err(MfaError::invalid(
                    "password.memoryKib",
                    "must be at least 8 × parallelism",
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_guide_shape_and_snake_case() -> Result<()> {
        let mut c = Config::default();
        c.apply_json(&json!({
            "methods": {"totp": {"issuer": "Acme", "digits": 8, "algorithm": "SHA256", "period": 60}},
            "rateLimiting": {"maxAttempts": 3},
            "backup_codes": {"count": 12, "algorithm": "numeric"}
        }))?;
        assert_eq!(c.totp.issuer, "Acme");
        assert_eq!(c.totp.params.digits, 8);
        assert_eq!(c.totp.params.period, 60);
        assert_eq!(c.rate_limiting.max_attempts, 3);
        assert_eq!(c.backup_codes.count, 12);
        assert_eq!(c.backup_codes.alphabet, BackupAlphabet::Numeric);
        Ok(())
    }

    #[test]
    fn errors_name_the_field_and_change_nothing() {
        let mut c = Config::default();
        let before = c.clone();
        let cases = [
            (
                json!({"methods": {"totp": {"digits": 7}}}),
                "methods.totp.digits",
            ),
            (
                json!({"methods": {"totp": {"digitz": 6}}}),
                "methods.totp.digitz",
            ),
            (
                json!({"rateLimiting": {"maxAttempts": 0}}),
                "rateLimiting.maxAttempts",
            ),
            (
                json!({"rateLimiting": {"maxAttempts": "5"}}),
                "rateLimiting.maxAttempts",
            ),
            (
                json!({"backupCodes": {"count": 10, "algorithm": "emoji"}}),
                "backupCodes.algorithm",
            ),
            (json!({"nope": 1}), "nope"),
            (json!([1]), "options"),
        ];
        for (input, field) in cases {
            let err = c.apply_json(&input).err();
            assert_eq!(
                err.as_ref().map(|e| e.code().as_str()),
                Some("invalid_input"),
                "{input}"
            );
            assert_eq!(
                err.as_ref().and_then(MfaError::field),
                Some(field),
                "{input}"
            );
        }
        assert_eq!(c, before);
    }
}
