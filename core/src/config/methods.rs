//! `methods`: what each MFA method allows and how it behaves.

use super::check::{one_of, ranged, text};
use crate::error::{MfaError, Result};
use crate::totp::TotpParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The methods (`methods`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MethodsConfig {
    /// Authenticator apps.
    pub totp: TotpConfig,
    /// Text-message codes.
    pub sms: ChannelConfig,
    /// Email codes.
    pub email: ChannelConfig,
    /// Security keys and passkeys.
    pub webauthn: WebauthnConfig,
    /// Push approvals on a phone.
    pub push: PushConfig,
}

/// Push approvals (`methods.push`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PushConfig {
    /// Whether phones may be enrolled for push approvals.
    pub enabled: bool,
    /// Digits of the number the sign-in screen shows and the user types on the phone, 3 to
    /// 8. Unset: 6 under `security.profile` `nist-aal2` (which requires at least 6), else 3.
    pub match_digits: Option<u32>,
    /// Seconds a push challenge waits for its answer (default 120, 30 to 600).
    pub challenge_ttl_seconds: u32,
    /// The wait after a user's first push before the next, doubling with each further push of
    /// the 15-minute window (default 10; 0: none, only the limit of 5 per window).
    pub backoff_seconds: u32,
    /// Where phones reach the application's device routes (register, pending, respond),
    /// written into the enrollment QR code, e.g. `https://app.example.com/api/push`. Empty:
    /// the phone app knows it.
    pub service_url: String,
}

impl PushConfig {
    /// Digits of the number to match under `profile`.
    pub fn digits(&self, profile: super::SecurityProfile) -> u32 {
        self.match_digits.unwrap_or(match profile {
            super::SecurityProfile::NistAal2 => 6,
            _ => 3,
        })
    }

    fn check(&mut self) -> Result<()> {
        if let Some(d) = self.match_digits {
            ranged(d, "methods.push.matchDigits", 3, 8)?;
        }
        ranged(
            self.challenge_ttl_seconds,
            "methods.push.challengeTtlSeconds",
            30,
            600,
        )?;
        ranged(self.backoff_seconds, "methods.push.backoffSeconds", 0, 60)?;
        let url = self.service_url.trim().to_string();
        if !url.is_empty() && !crate::push::service_url_ok(&url) {
            return Err(MfaError::invalid(
                "methods.push.serviceUrl",
                "must be an https:// URL (http:// only for localhost)",
            ));
        }
        self.service_url = url;
        Ok(())
    }
}

/// TOTP settings (`methods.totp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TotpConfig {
    /// Whether new TOTP enrollments are allowed.
    pub enabled: bool,
    /// Issuer shown by authenticator apps when no label is given.
    pub issuer: String,
    /// Parameters of newly enrolled devices (existing devices keep theirs).
    #[serde(flatten)]
    pub params: TotpParams,
    /// Steps accepted either side of the current one (default 1).
    pub skew: u32,
}

/// Resend limits for a code channel (`methods.sms.rateLimits`, `methods.email.rateLimits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendLimits {
    /// Codes per minute.
    pub per_minute: u32,
    /// Codes per hour.
    pub per_hour: u32,
    /// Codes per day.
    pub per_day: u32,
}

/// An SMS or email code channel (`methods.sms`, `methods.email`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChannelConfig {
    /// Whether the channel may be enrolled.
    pub enabled: bool,
    /// Delivery provider name (SMS: `twilio` or `aws-sns`; email: `smtp`).
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

/// WebAuthn relying-party settings (`methods.webauthn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
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
    pub user_verification: UserVerification,
    /// Origins allowed to answer a ceremony, e.g. `https://app.example.com` or a native app's
    /// `android:apk-key-hash:…`. Empty: `https://<rpId>` (and `http://localhost` on any port
    /// when the rpId is `localhost`).
    pub origins: Vec<String>,
    /// Seconds a registration or authentication challenge stays valid (default 300).
    pub challenge_ttl_seconds: u32,
}

/// Whether authenticators must verify the user (PIN, biometrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserVerification {
    /// Always: keys register as passkeys.
    Required,
    /// When the authenticator can.
    Preferred,
    /// Not asked for.
    Discouraged,
}

impl Default for MethodsConfig {
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
                template:
                    "{code} is your {app} verification code. It expires in {minutes} minutes."
                        .into(),
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
                user_verification: UserVerification::Preferred,
                origins: Vec::new(),
                challenge_ttl_seconds: 300,
            },
            push: PushConfig {
                enabled: true,
                match_digits: None,
                challenge_ttl_seconds: 120,
                backoff_seconds: 10,
                service_url: String::new(),
            },
        }
    }
}

impl MethodsConfig {
    pub(super) fn check(&mut self) -> Result<()> {
        let t = &mut self.totp;
        text(&mut t.issuer, "methods.totp.issuer", 128)?;
        if t.issuer.contains(':') {
            return Err(MfaError::invalid(
                "methods.totp.issuer",
                "must not contain ':'",
            ));
        }
        one_of(
            t.params.digits,
            &[6, 8],
            "methods.totp.digits",
            "must be 6 or 8",
        )?;
        ranged(t.params.period, "methods.totp.period", 15, 300)?;
        ranged(t.skew, "methods.totp.skew", 0, 10)?;
        self.sms.check("methods.sms")?;
        self.email.check("methods.email")?;
        self.webauthn.check()?;
        self.push.check()
    }
}

impl ChannelConfig {
    fn check(&mut self, path: &str) -> Result<()> {
        text(&mut self.provider, &format!("{path}.provider"), 64)?;
        // Only the built-in providers of each channel exist (other providers are application
        // senders, registered with `set_sender`): any other name is refused, not ignored.
        let (built_in, names): (&[&str], &str) = if path.ends_with("sms") {
            (&["twilio", "aws-sns"], "twilio or aws-sns")
        } else {
            (&["smtp"], "smtp")
        };
        if !built_in.contains(&self.provider.as_str()) {
            return Err(MfaError::invalid(
                format!("{path}.provider"),
                format!("must be {names} (register a sender for any other provider)"),
            ));
        }
        let l = &self.rate_limits;
        ranged(
            l.per_minute,
            &format!("{path}.rateLimits.perMinute"),
            1,
            1000,
        )?;
        ranged(l.per_hour, &format!("{path}.rateLimits.perHour"), 1, 10_000)?;
        ranged(l.per_day, &format!("{path}.rateLimits.perDay"), 1, 100_000)?;
        if l.per_minute > l.per_hour || l.per_hour > l.per_day {
            return Err(MfaError::invalid(
                format!("{path}.rateLimits"),
                "limits must satisfy perMinute <= perHour <= perDay",
            ));
        }
        ranged(
            self.code_ttl_seconds,
            &format!("{path}.codeTtlSeconds"),
            60,
            86_400,
        )?;
        text(&mut self.template, &format!("{path}.template"), 2000)?;
        if !self.template.contains("{code}") {
            return Err(MfaError::invalid(
                format!("{path}.template"),
                "must contain {code}",
            ));
        }
        if !self.subject.is_empty() {
            text(&mut self.subject, &format!("{path}.subject"), 200)?;
        }
        Ok(())
    }
}

impl WebauthnConfig {
    fn check(&mut self) -> Result<()> {
        text(&mut self.rp_id, "methods.webauthn.rpId", 253)?;
        text(&mut self.rp_name, "methods.webauthn.rpName", 128)?;
        if self.origins.len() > 32 {
            return Err(MfaError::invalid(
                "methods.webauthn.origins",
                "at most 32 origins",
            ));
        }
        for o in &self.origins {
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
        ranged(
            self.challenge_ttl_seconds,
            "methods.webauthn.challengeTtlSeconds",
            10,
            3600,
        )
    }
}
