//! The built-in iOS push sender: the Apple Push Notification service over HTTP/2
//! (`POST /3/device/{token}`), authenticated with an ES256 provider token that is made again
//! before it is fifty minutes old (APNs refuses tokens older than an hour). The alert says only
//! that a sign-in waits; the payload carries the challenge id, which the app fetches the
//! details of. An `http://` base URL speaks HTTP/2 without TLS (tests).

use super::keys::{ec_key, es256_jwt};
use super::{CodeSender, Delivery, SendError};
use crate::clock::{Clock, SystemClock};
use crate::config::ApnsConfig;
use crate::push::KeyPair;
use bytes::Bytes;
use serde_json::json;
use std::sync::{Arc, Mutex};

/// A provider token is used this long.
const TOKEN_LIFETIME_SECS: i64 = 50 * 60;

/// Sends push messages to iOS devices through APNs.
pub struct ApnsSender {
    config: ApnsConfig,
    key: KeyPair,
    /// The provider token and when it was made.
    token: Mutex<Option<(String, i64)>>,
}

impl std::fmt::Debug for ApnsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApnsSender")
            .field("topic", &self.config.topic)
            .finish_non_exhaustive()
    }
}

/// What APNs answered: the status and the `reason` of an error body.
struct Answer {
    status: u16,
    reason: String,
}

impl ApnsSender {
    /// A sender for this key (it was checked with the settings).
    pub fn new(config: ApnsConfig) -> crate::error::Result<Self> {
        let key = ec_key(&config.private_key.0, "delivery.apns.privateKey")?;
        Ok(Self {
            config,
            key,
            token: Mutex::new(None),
        })
    }

    fn provider_token(&self) -> Result<String, SendError> {
        let now = SystemClock.now();
        let mut slot = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((token, made)) = slot.as_ref() {
            if now - made < TOKEN_LIFETIME_SECS && *made <= now {
                return Ok(token.clone());
            }
        }
        let token = es256_jwt(
            &self.key,
            &self.config.key_id,
            &json!({"iss": self.config.team_id, "iat": now}),
        )
        .map_err(|e| SendError::Failed(e.to_string()))?;
        *slot = Some((token.clone(), now));
        Ok(token)
    }

    /// One HTTP/2 request on a connection of its own.
    async fn post(
        &self,
        device_token: &str,
        bearer: &str,
        body: Vec<u8>,
        expires_in: u64,
    ) -> Result<Answer, String> {
        let base = &self.config.base_url;
        let (tls, authority) = match base.split_once("://") {
            Some(("https", rest)) => (true, rest),
            Some((_, rest)) => (false, rest),
            None => (true, base.as_str()),
        };
        let authority = authority.split('/').next().unwrap_or_default();
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => {
                (h.to_string(), p.parse::<u16>().map_err(|e| e.to_string())?)
            }
            _ => (authority.to_string(), if tls { 443 } else { 80 }),
        };
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let request = http::Request::builder()
            .method("POST")
            .uri(format!("{base}/3/device/{device_token}"))
            .header("authorization", format!("bearer {bearer}"))
            .header("apns-topic", &self.config.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header(
                "apns-expiration",
                (SystemClock.now() + i64::try_from(expires_in).unwrap_or(0)).to_string(),
            )
            .header("content-type", "application/json")
            .body(())
            .map_err(|e| e.to_string())?;
        if tls {
            let mut roots = rustls::RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
            config.alpn_protocols = vec![b"h2".to_vec()];
            let name =
                rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
            let stream = tokio_rustls::TlsConnector::from(Arc::new(config))
                .connect(name, tcp)
                .await
                .map_err(|e| format!("tls: {e}"))?;
            exchange(stream, request, body).await
        } else {
            exchange(tcp, request, body).await
        }
    }
}

/// Sends `request` with `body` over a new HTTP/2 connection on `io`; reads the answer.
async fn exchange<T>(io: T, request: http::Request<()>, body: Vec<u8>) -> Result<Answer, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (client, connection) = h2::client::handshake(io)
        .await
        .map_err(|e| format!("http/2: {e}"))?;
    let driver = tokio::spawn(connection);
    let mut client = client.ready().await.map_err(|e| format!("http/2: {e}"))?;
    let (response, mut stream) = client
        .send_request(request, false)
        .map_err(|e| format!("http/2: {e}"))?;
    stream
        .send_data(Bytes::from(body), true)
        .map_err(|e| format!("http/2: {e}"))?;
    let response = response.await.map_err(|e| format!("http/2: {e}"))?;
    let status = response.status().as_u16();
    let mut body = response.into_body();
    let mut data = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.map_err(|e| format!("http/2: {e}"))?;
        let _ = body.flow_control().release_capacity(chunk.len());
        if data.len() < 64 * 1024 {
            data.extend_from_slice(&chunk);
        }
    }
    drop(client);
    driver.abort();
    let reason = serde_json::from_slice::<serde_json::Value>(&data)
        .ok()
        .and_then(|v| v["reason"].as_str().map(str::to_string))
        .unwrap_or_default();
    Ok(Answer { status, reason })
}

impl CodeSender for ApnsSender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let bearer = self.provider_token()?;
        let payload = json!({
            "aps": {
                "alert": {"title": "Sign-in request", "body": "Open the app to review it."},
                "sound": "default",
                "category": "PLINTO_PUSH",
            },
            "challengeId": d.message,
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| SendError::Failed(format!("apns: {e}")))?;
        // The whole exchange (connect, TLS, request, answer) within the send's time, so a
        // stalled server leaves no thread or socket behind.
        let exchange = self.post(
            &d.destination,
            &bearer,
            payload.to_string().into_bytes(),
            d.meta.expires_in,
        );
        let answer = runtime
            .block_on(async {
                tokio::time::timeout(std::time::Duration::from_millis(d.timeout_ms), exchange).await
            })
            .map_err(|_| SendError::Failed(format!("apns: no answer within {} ms", d.timeout_ms)))?
            .map_err(|e| SendError::Failed(format!("apns: {e}")))?;
        let reason = format!("apns answered HTTP {} {}", answer.status, answer.reason);
        match (answer.status, answer.reason.as_str()) {
            (200, _) => Ok(()),
            // The app was removed from the device, or the token is not a device token. A token
            // "not for the topic" is a wrong topic setting (or sandbox against production):
            // the sender failing, not the phone.
            (410, _) | (400, "BadDeviceToken") => Err(SendError::Rejected(reason)),
            (403, "ExpiredProviderToken" | "InvalidProviderToken") => {
                *self
                    .token
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                Err(SendError::Failed(reason))
            }
            _ => Err(SendError::Failed(reason)),
        }
    }
}
