//! Engine settings in the shape of the guide's `mfa.configure()` options, one module per
//! section: `methods` ([`methods`]), `backupCodes`, `rateLimiting`, `security` and `sessions`
//! ([`policy`]), `delivery` ([`delivery`]) and `password` ([`PasswordParams`]).
//!
//! [`Config::apply_json`] takes a partial options object (camelCase as in the guide, or
//! snake_case), refuses unknown keys (naming the path, with the closest known key) and
//! values of the wrong type or out of range (naming the path, e.g. `methods.totp.digits`),
//! and changes nothing unless every value is valid: the options are checked against the
//! settings' own schema, merged into the current settings, read back and checked as a whole.

mod check;
pub mod delivery;
pub mod methods;
pub mod policy;
pub(crate) mod profile;

pub use delivery::{
    ApnsConfig, DeliveryConfig, FcmConfig, SmtpConfig, SmtpTls, SnsConfig, TwilioConfig,
};
pub use methods::{
    ChannelConfig, MethodsConfig, PushConfig, SendLimits, TotpConfig, UserVerification,
    WebauthnConfig,
};
pub use policy::{
    AuditConfig, BackupAlphabet, BackupCodesConfig, NotificationConfig, RateLimitConfig,
    SecurityConfig, SecurityProfile, SessionConfig,
};

use crate::error::{MfaError, Result};
use crate::ops::args::{self, Shape};
use crate::password::PasswordParams;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::OnceLock;

/// All engine settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// `methods`: TOTP, SMS, email, WebAuthn.
    pub methods: MethodsConfig,
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
    /// `storage` (a Plinto extension).
    pub storage: StorageConfig,
    /// `audit` (a Plinto extension).
    pub audit: AuditConfig,
    /// `notifications` (a Plinto extension).
    pub notifications: NotificationConfig,
}

/// How the store commits and connects (`storage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct StorageConfig {
    /// `full` (default: every answer waits for its commit to reach the disk) or `normal`
    /// (survives a crash of the process; an OS crash or power loss can lose the last commits;
    /// on PostgreSQL `synchronous_commit = off`, which can lose the last commits if the
    /// server crashes).
    pub durability: crate::store::Durability,
    /// Idle database connections each process keeps for reuse (default 8; 0 to 256): SQLite's
    /// read connections, PostgreSQL's connections.
    pub max_idle_connections: u32,
    /// Whether opening a database brings its schema up to date (default true). With false, a
    /// schema that is not current is refused, for deployments that migrate in a separate step
    /// before they start servers.
    pub migrate: bool,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self {
            durability: crate::store::Durability::default(),
            max_idle_connections: 8,
            migrate: true,
        }
    }
}

impl StorageConfig {
    fn check(&self) -> Result<()> {
        check::ranged(
            self.max_idle_connections,
            "storage.maxIdleConnections",
            0,
            256,
        )
    }
}

/// The shape of the options, read once from the settings' schema.
fn shape() -> &'static Shape {
    static SHAPE: OnceLock<Shape> = OnceLock::new();
    SHAPE.get_or_init(|| {
        let mut generator = crate::ops::request_generator();
        let root = generator.subschema_for::<Config>();
        let defs = generator.take_definitions(true);
        Shape::of(&root, &defs)
    })
}

/// `value` without the object members that are null (a null option is an absent one).
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Merges `patch` into `base`: objects key by key, anything else replaced.
fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

impl Config {
    /// Applies a partial options object (a JSON object in the guide's `configure()` shape).
    /// Either every value is applied or, on the first invalid one, none is.
    pub fn apply_json(&mut self, options: &Value) -> Result<()> {
        if !options.is_object() {
            return Err(MfaError::invalid("options", "must be an object"));
        }
        let patch = args::normalized(options, shape())?;
        let mut merged = serde_json::to_value(&*self)
            .map_err(|e| MfaError::internal(format!("settings: {e}")))?;
        merge(&mut merged, without_nulls(patch));
        let mut next: Config = args::deserialize(merged, shape(), &Default::default())?;
        next.check()?;
        *self = next;
        Ok(())
    }

    /// Every section's ranges and rules, and the profile's floor.
    pub(crate) fn check(&mut self) -> Result<()> {
        self.methods.check()?;
        self.backup_codes.check()?;
        self.rate_limiting.check()?;
        self.security.check()?;
        self.sessions.check()?;
        self.password.check()?;
        self.delivery.check()?;
        self.audit.check()?;
        self.storage.check()?;
        self.check_profile()
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
        assert_eq!(c.methods.totp.issuer, "Acme");
        assert_eq!(c.methods.totp.params.digits, 8);
        assert_eq!(c.methods.totp.params.period, 60);
        assert_eq!(c.rate_limiting.max_attempts, 3);
        assert_eq!(c.backup_codes.count, 12);
        assert_eq!(c.backup_codes.alphabet, BackupAlphabet::Numeric);
        // Later options merge into earlier ones.
        c.apply_json(&json!({"methods": {"totp": {"skew": 2}}}))?;
        assert_eq!(c.methods.totp.issuer, "Acme");
        assert_eq!(c.methods.totp.skew, 2);
        c.apply_json(&json!({"delivery": {"smtp": {"host": "mail.example.com", "from": "a@example.com", "tls": "tls", "username": null}}}))?;
        assert_eq!(c.delivery.smtp.as_ref().map(|s| s.port), Some(465));
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
                json!({"rateLimiting": {"maxAttempts": -5}}),
                "rateLimiting.maxAttempts",
            ),
            (
                json!({"backupCodes": {"count": 10, "algorithm": "emoji"}}),
                "backupCodes.algorithm",
            ),
            (
                json!({"methods": {"webauthn": {"userVerification": "sometimes"}}}),
                "methods.webauthn.userVerification",
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
        let typo = c
            .apply_json(&json!({"methods": {"totp": {"digitz": 6}}}))
            .err();
        assert_eq!(
            typo.map(|e| e.reason()),
            Some("is not a known argument; did you mean digits?".into())
        );
    }
}
