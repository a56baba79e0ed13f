//! A generic SMS webhook, for providers without a gateway of their own here
//! (or an SMS modem in the server room): each message is a POST of
//! `{"mobile": "13800138000", "text": "…", "reference": "task-42"}` to the
//! configured URL, signed so the receiver can tell it came from kefu.
//!
//! The signature: header `X-Kefu-Timestamp` holds the Unix time in seconds,
//! and `X-Kefu-Signature` is `sha256=` and the hex HMAC-SHA256, keyed with
//! the shared secret, of the timestamp, a `.`, and the body exactly as sent.
//! The timestamp inside the signature lets a receiver refuse old requests
//! replayed. Any 2xx answer means the receiver took the message.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use kefu_core::ident::mobile::Mobile;
use kefu_core::time::{Clock, SystemClock};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::{SendFuture, SmsGateway, http_client, parse_url, reference, snippet};
use crate::channels::{ConfigError, DeliveryError, Message};

pub const TIMESTAMP_HEADER: &str = "X-Kefu-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Kefu-Signature";

#[derive(Clone, Deserialize)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: String,
}

/// The secret stays out of logs.
impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig").field("url", &self.url).field("secret", &"<hidden>").finish()
    }
}

pub struct WebhookSms {
    url: reqwest::Url,
    secret: String,
    http: reqwest::Client,
}

#[derive(Serialize)]
struct Payload<'a> {
    mobile: &'a str,
    text: &'a str,
    reference: &'a str,
}

impl WebhookSms {
    pub fn new(config: WebhookConfig) -> Result<WebhookSms, ConfigError> {
        if config.secret.trim().is_empty() {
            return Err(ConfigError::Missing { setting: "sms.webhook.secret" });
        }
        let url = parse_url("sms.webhook.url", &config.url)?;
        Ok(WebhookSms { url, secret: config.secret, http: http_client()? })
    }
}

impl SmsGateway for WebhookSms {
    fn send<'a>(&'a self, mobile: &'a Mobile, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let reference = reference(message);
            let payload = Payload { mobile: mobile.as_str(), text: &message.body, reference: &reference };
            let body = serde_json::to_vec(&payload).expect("the payload serialises");
            // The real time, not the business clock: the receiver refuses a
            // signature whose timestamp is far from its own.
            let timestamp = SystemClock.now().as_second().to_string();
            let response = self
                .http
                .post(self.url.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
                .header(TIMESTAMP_HEADER, &timestamp)
                .header(SIGNATURE_HEADER, signature(&self.secret, &timestamp, &body))
                .body(body)
                .send()
                .await
                .map_err(|e| DeliveryError::transient(format!("cannot reach the SMS webhook {}: {e}", self.url)))?;
            let status = response.status();
            if status.is_success() {
                return Ok(reference);
            }
            let answer = response.text().await.unwrap_or_default();
            Err(DeliveryError {
                reason: format!("the SMS webhook {} answered HTTP {status}: {}", self.url, snippet(&answer)),
                retry: status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS,
            })
        })
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `{timestamp}.{body}`.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in README.md for people writing a receiver; the expected
    /// value was computed independently with Python's hmac module:
    /// `hmac.new(b"s3cret", b"1764374400." + body, hashlib.sha256).hexdigest()`.
    #[test]
    fn signs_timestamp_dot_body_with_hmac_sha256() {
        let body = r#"{"mobile":"13800138000","text":"您好","reference":"task-1"}"#;
        assert_eq!(
            signature("s3cret", "1764374400", body.as_bytes()),
            "sha256=251d7692d039c8f722337e2736068a2957b7da826ed1f6717b050715d4aa863d"
        );
    }

    #[test]
    fn the_payload_has_the_documented_shape() {
        let payload = Payload { mobile: "13800138000", text: "您好", reference: "task-1" };
        assert_eq!(
            serde_json::to_string(&payload).unwrap(),
            r#"{"mobile":"13800138000","text":"您好","reference":"task-1"}"#
        );
    }
}
