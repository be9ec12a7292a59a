//! The built-in SMS sender over Amazon SNS: `Publish` to a phone number, form-encoded,
//! signed with AWS Signature Version 4 (service `sns`). The endpoint is configurable.

use super::{CodeSender, Delivery, SendError};
use crate::clock::{iso8601, Clock, SystemClock};
use crate::config::SnsConfig;
use crate::crypto::{hex, hmac_sha256, sha256};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::time::Duration;

/// What form values keep unencoded (RFC 3986 unreserved characters).
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Sends SMS codes through Amazon SNS.
#[derive(Debug, Clone)]
pub struct SnsSender {
    config: SnsConfig,
}

/// A signed request: the headers to send (beyond the body's).
#[derive(Clone, PartialEq, Eq)]
pub struct Signed {
    /// `(name, value)` pairs, lower-case names.
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Signed")
            .field("headers", &names)
            .finish_non_exhaustive()
    }
}

/// `YYYYMMDDTHHMMSSZ`.
fn amz_date(unix: i64) -> String {
    iso8601(unix).replace(['-', ':'], "")
}

/// The Signature Version 4 headers of a `POST /` with a form `body` to `host`, at `unix`.
pub fn sign(config: &SnsConfig, host: &str, body: &str, unix: i64) -> Signed {
    let date_time = amz_date(unix);
    let date = &date_time[..8];
    let mut headers = vec![
        ("content-type".to_string(), CONTENT_TYPE.to_string()),
        ("host".to_string(), host.to_string()),
        ("x-amz-date".to_string(), date_time.clone()),
    ];
    if !config.session_token.0.is_empty() {
        headers.push((
            "x-amz-security-token".to_string(),
            config.session_token.0.clone(),
        ));
    }
    let signed_names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    let signed_names = signed_names.join(";");
    let canonical_headers: String = headers
        .iter()
        .map(|(n, v)| format!("{n}:{}\n", v.trim()))
        .collect();
    let canonical_request = format!(
        "POST\n/\n\n{canonical_headers}\n{signed_names}\n{}",
        hex(&sha256(body.as_bytes()))
    );
    let scope = format!("{date}/{}/sns/aws4_request", config.region);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date_time}\n{scope}\n{}",
        hex(&sha256(canonical_request.as_bytes()))
    );
    let mut key = hmac_sha256(
        format!("AWS4{}", config.secret_access_key.0).as_bytes(),
        date.as_bytes(),
    );
    for part in [config.region.as_str(), "sns", "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    headers.push((
        "authorization".to_string(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_names}, Signature={signature}",
            config.access_key_id
        ),
    ));
    Signed { headers }
}

impl SnsSender {
    /// A sender for these credentials.
    pub fn new(config: SnsConfig) -> Self {
        Self { config }
    }

    /// The form body of a `Publish` of `message` to `phone`.
    fn body(&self, phone: &str, message: &str) -> String {
        let mut fields = vec![
            ("Action", "Publish"),
            ("Message", message),
            ("PhoneNumber", phone),
            ("Version", "2010-03-31"),
            ("MessageAttributes.entry.1.Name", "AWS.SNS.SMS.SMSType"),
            ("MessageAttributes.entry.1.Value.DataType", "String"),
            (
                "MessageAttributes.entry.1.Value.StringValue",
                self.config.sms_type.as_str(),
            ),
        ];
        if !self.config.sender_id.is_empty() {
            fields.extend([
                ("MessageAttributes.entry.2.Name", "AWS.SNS.SMS.SenderID"),
                ("MessageAttributes.entry.2.Value.DataType", "String"),
                (
                    "MessageAttributes.entry.2.Value.StringValue",
                    self.config.sender_id.as_str(),
                ),
            ]);
        }
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, FORM)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// The `<Code>` of an SNS error document.
fn error_code(xml: &str) -> &str {
    xml.split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map_or("", |(code, _)| code.trim())
}

impl CodeSender for SnsSender {
    fn send(&self, d: &Delivery) -> Result<(), SendError> {
        let endpoint = &self.config.endpoint;
        let host = endpoint
            .split_once("://")
            .map_or(endpoint.as_str(), |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let body = self.body(&d.destination, &d.message);
        let signed = sign(&self.config, &host, &body, SystemClock.now());
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(d.timeout_ms)))
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.post(&format!("{endpoint}/"));
        for (name, value) in &signed.headers {
            if name != "host" {
                request = request.header(name, value);
            }
        }
        let mut response = request
            .send(body.as_bytes())
            .map_err(|e| format!("sns: {e}"))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) {
            return Ok(());
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(64 * 1024)
            .read_to_string()
            .unwrap_or_default();
        let code = error_code(&text);
        let reason = format!("sns answered HTTP {status} {code}");
        // A number SNS refuses (malformed, opted out) is the caller's input; throttling,
        // credentials and server errors are the provider failing.
        match code {
            "InvalidParameter" | "ParameterValueInvalid" | "OptedOut" => {
                Err(SendError::Rejected(reason))
            }
            _ => Err(SendError::Failed(reason)),
        }
    }
}
