//! The built-in Android push sender: Firebase Cloud Messaging HTTP v1. A service account's
//! RS256-signed assertion is exchanged at its token URI for an access token (OAuth 2.0 JWT
//! bearer grant), kept until a minute before it expires; messages go to
//! `POST /v1/projects/{project}/messages:send` as data messages carrying only the challenge id.

use super::keys::{rs256_jwt, rsa_key};
use super::{CodeSender, Delivery, SendError};
use crate::clock::{Clock, SystemClock};
use crate::config::FcmConfig;
use ring::signature::RsaKeyPair;
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// Sends push messages to Android devices through FCM.
pub struct FcmSender {
    config: FcmConfig,
    key: RsaKeyPair,
    /// The access token and when it stops being used.
    token: Mutex<Option<(String, i64)>>,
}

impl std::fmt::Debug for FcmSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FcmSender")
            .field("project_id", &self.config.project_id)
            .finish_non_exhaustive()
    }
}

fn agent(timeout_ms: u64) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_millis(timeout_ms)))
        .http_status_as_error(false)
        .build()
        .into()
}

fn read_json(response: &mut ureq::http::Response<ureq::Body>) -> Value {
    response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null)
}

impl FcmSender {
    /// A sender for this service account (its key was checked with the settings).
    pub fn new(config: FcmConfig) -> crate::error::Result<Self> {
        let key = rsa_key(&config.private_key.0, "delivery.fcm.privateKey")?;
        Ok(Self {
            config,
            key,
            token: Mutex::new(None),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(String, i64)>> {
        self.token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A current access token: the kept one, or a new one from the token URI.
    fn access_token(&self, timeout_ms: u64) -> Result<String, SendError> {
        let now = SystemClock.now();
        if let Some((token, until)) = self.lock().as_ref() {
            if *until > now {
                return Ok(token.clone());
            }
        }
        let c = &self.config;
        let assertion = rs256_jwt(
            &self.key,
            &json!({
                "iss": c.client_email,
                "scope": SCOPE,
                "aud": c.token_uri,
                "iat": now,
                "exp": now + 3600,
            }),
        )
        .map_err(|e| SendError::Failed(e.to_string()))?;
        let mut response = agent(timeout_ms)
            .post(&c.token_uri)
            .send_form([
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .map_err(|e| format!("fcm token: {e}"))?;
        let status = response.status().as_u16();
        let body = read_json(&mut response);
        let token = body["access_token"].as_str().filter(|_| status == 200);
        let Some(token) = token else {
            return Err(SendError::Failed(format!(
                "fcm token endpoint answered HTTP {status}"
            )));
        };
        let lifetime = body["expires_in"]
            .as_i64()
            .unwrap_or(3600)
            .clamp(60, 86_400);
        *self.lock() = Some((token.to_string(), now + lifetime - 60));
        Ok(token.to_string())
    }
}

impl CodeSender for FcmSender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let token = self.access_token(d.timeout_ms)?;
        let url = format!(
            "{}/v1/projects/{}/messages:send",
            self.config.base_url, self.config.project_id
        );
        let message = json!({"message": {
            "token": d.destination,
            "data": {"type": "plinto_push", "challengeId": d.message},
            "android": {"priority": "HIGH", "ttl": format!("{}s", d.meta.expires_in)},
        }});
        let mut response = agent(d.timeout_ms)
            .post(&url)
            .header("Authorization", &format!("Bearer {token}"))
            .header("Content-Type", "application/json; charset=utf-8")
            .send(message.to_string().as_bytes())
            .map_err(|e| format!("fcm: {e}"))?;
        let status = response.status().as_u16();
        if status == 200 {
            return Ok(());
        }
        let body = read_json(&mut response);
        let fcm_code = body["error"]["details"]
            .as_array()
            .and_then(|details| details.iter().find_map(|x| x["errorCode"].as_str()))
            .unwrap_or_else(|| body["error"]["status"].as_str().unwrap_or(""))
            .to_string();
        if status == 401 {
            // Revoked or expired early: the next send asks for a new one.
            *self.lock() = None;
        }
        let reason = format!("fcm answered HTTP {status} {fcm_code}");
        match fcm_code.as_str() {
            // Only FCM's word that this token is gone (the app was uninstalled) turns the
            // device to polling: a wrong project, URL or proxy (a bare 404, INVALID_ARGUMENT)
            // is the sender failing, not every phone's token.
            "UNREGISTERED" => Err(SendError::Rejected(reason)),
            _ => Err(SendError::Failed(reason)),
        }
    }
}
