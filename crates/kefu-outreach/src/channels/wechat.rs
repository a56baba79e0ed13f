//! WeChat Official Account template messages (公众号模板消息), to the
//! followers whose openid is on file, as WeChat's documentation describes:
//!
//! - `GET {base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…`
//!   answers `{"access_token": "…", "expires_in": 7200}`. The token is
//!   shared by every message and kept until shortly before it expires
//!   (WeChat limits how often it may be fetched, and a new one voids the
//!   old after a few minutes), so one is fetched per two hours, not per
//!   message.
//! - `POST {base}/cgi-bin/message/template/send?access_token=…` with
//!   `{"touser": openid, "template_id": …, "url"?: …, "data": {"first":
//!   {"value": …}, "keyword1": {"value": …}, …, "remark": {"value": …}}}`
//!   answers `{"errcode": 0, "errmsg": "ok", "msgid": …}`. An errcode of
//!   40001 or 42001 (the token is invalid or expired, as when another
//!   server fetched a new one) fetches a new token and sends once more; any
//!   other errcode fails the message with WeChat's errmsg.
//!
//! The base URL is a setting (WeChat's by default) so that tests and a
//! proxy in front of WeChat can stand in for it.

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::sms::{http_client, parse_url, snippet};
use super::{Channel, ChannelKind, ConfigError, DeliverFuture, Delivery, DeliveryError, Message, Recipient};

/// WeChat's API, unless the settings name another.
pub const DEFAULT_BASE_URL: &str = "https://api.weixin.qq.com";

/// How long before its stated expiry a token is replaced: a message sent
/// with a token in its last minutes may reach WeChat after it lapsed.
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

/// The errcodes that mean the access token is no longer good.
const TOKEN_INVALID: [i64; 2] = [40001, 42001];

/// The errcodes that pass: WeChat busy (-1), the account's call quota for
/// the moment reached (45009).
const TRANSIENT: [i64; 2] = [-1, 45009];

/// The `[wechat]` settings in kefu.toml.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    /// The Official Account's AppID (`wx…`).
    pub app_id: String,
    /// Its AppSecret: like the SMTP password, read from the settings file
    /// and never shown back (not even in logs).
    pub app_secret: String,
    /// The template the account chose in the WeChat admin (模板ID).
    pub template_id: String,
    #[serde(default = "default_base_url")]
    pub base_url: String,
}

fn default_base_url() -> String {
    DEFAULT_BASE_URL.to_string()
}

impl fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WechatConfig")
            .field("app_id", &self.app_id)
            .field("app_secret", &"<hidden>")
            .field("template_id", &self.template_id)
            .field("base_url", &self.base_url)
            .finish()
    }
}

/// A token and the (monotonic) instant it stops being used. The wall clock
/// is not consulted: only the time elapsed since WeChat gave it matters.
struct Token {
    value: String,
    use_until: Instant,
}

pub struct WechatChannel {
    config: WechatConfig,
    base: reqwest::Url,
    http: reqwest::Client,
    /// The shared token; the lock is held while one is fetched, so messages
    /// sent at the same time wait for that one rather than each fetching.
    token: tokio::sync::Mutex<Option<Token>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<u64>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

#[derive(Deserialize)]
struct SendAnswer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    msgid: Option<Value>,
}

#[derive(Serialize)]
struct Payload<'a> {
    touser: &'a str,
    template_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    data: Value,
}

impl WechatChannel {
    pub fn new(config: WechatConfig) -> Result<WechatChannel, ConfigError> {
        for (setting, value) in [
            ("wechat.app_id", &config.app_id),
            ("wechat.app_secret", &config.app_secret),
            ("wechat.template_id", &config.template_id),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::Missing { setting });
            }
        }
        let base = parse_url("wechat.base_url", config.base_url.trim_end_matches('/'))?;
        Ok(WechatChannel { config, base, http: http_client()?, token: tokio::sync::Mutex::new(None) })
    }

    fn endpoint(&self, path: &str) -> reqwest::Url {
        let mut url = self.base.clone();
        let joined = format!("{}{path}", self.base.path().trim_end_matches('/'));
        url.set_path(&joined);
        url
    }

    /// The token in use, fetched when there is none, it is near its expiry,
    /// or it is `stale` (the one WeChat just refused).
    async fn token(&self, stale: Option<&str>) -> Result<String, DeliveryError> {
        let mut held = self.token.lock().await;
        if let Some(t) = held.as_ref()
            && Instant::now() < t.use_until
            && stale != Some(t.value.as_str())
        {
            return Ok(t.value.clone());
        }
        let mut url = self.endpoint("/cgi-bin/token");
        url.query_pairs_mut()
            .append_pair("grant_type", "client_credential")
            .append_pair("appid", &self.config.app_id)
            .append_pair("secret", &self.config.app_secret);
        let answer =
            self.http.get(url).send().await.map_err(|e| {
                DeliveryError::transient(format!("cannot reach WeChat for a token: {}", without_url(e)))
            })?;
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(DeliveryError::transient(format!(
                "WeChat answered HTTP {status} for a token: {}",
                snippet(&text)
            )));
        }
        let got: TokenAnswer = serde_json::from_str(&text).map_err(|_| {
            DeliveryError::transient(format!("WeChat's token answer is not understood: {}", snippet(&text)))
        })?;
        match (got.access_token, got.errcode.unwrap_or(0)) {
            (Some(value), 0) if !value.is_empty() => {
                let lifetime = Duration::from_secs(got.expires_in.unwrap_or(7200));
                let use_until = Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN);
                *held = Some(Token { value: value.clone(), use_until });
                Ok(value)
            }
            (_, code) => {
                let reason = format!("WeChat refused the token (errcode {code}): {}", got.errmsg.unwrap_or_default());
                Err(if TRANSIENT.contains(&code) {
                    DeliveryError::transient(reason)
                } else {
                    DeliveryError::permanent(reason)
                })
            }
        }
    }

    async fn send(&self, message: &Message) -> Result<String, DeliveryError> {
        let Recipient::Wechat { openid } = &message.to else {
            return Err(super::wrong_recipient(ChannelKind::Wechat, &message.to));
        };
        let payload = Payload {
            touser: openid,
            template_id: &self.config.template_id,
            url: message.vars.get("url").map(String::as_str).filter(|u| !u.is_empty()),
            data: template_data(message),
        };
        let token = self.token(None).await?;
        match self.post(&token, &payload).await? {
            Sent::Ok(msgid) => Ok(msgid),
            Sent::TokenRefused => {
                let fresh = self.token(Some(&token)).await?;
                match self.post(&fresh, &payload).await? {
                    Sent::Ok(msgid) => Ok(msgid),
                    Sent::TokenRefused => {
                        Err(DeliveryError::transient("WeChat refused a freshly fetched access token".to_string()))
                    }
                }
            }
        }
    }

    async fn post(&self, token: &str, payload: &Payload<'_>) -> Result<Sent, DeliveryError> {
        let mut url = self.endpoint("/cgi-bin/message/template/send");
        url.query_pairs_mut().append_pair("access_token", token);
        let answer = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(serde_json::to_vec(payload).expect("the payload serialises"))
            .send()
            .await
            .map_err(|e| DeliveryError::transient(format!("cannot reach WeChat: {}", without_url(e))))?;
        let status = answer.status();
        let text = answer.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(DeliveryError {
                reason: format!("WeChat answered HTTP {status}: {}", snippet(&text)),
                retry: status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS,
            });
        }
        let got: SendAnswer = serde_json::from_str(&text)
            .map_err(|_| DeliveryError::transient(format!("WeChat's answer is not understood: {}", snippet(&text))))?;
        match got.errcode {
            0 => Ok(Sent::Ok(got.msgid.map(|m| m.to_string().trim_matches('"').to_string()).unwrap_or_default())),
            code if TOKEN_INVALID.contains(&code) => Ok(Sent::TokenRefused),
            code => {
                let reason = format!("WeChat errcode {code}: {}", got.errmsg);
                Err(if TRANSIENT.contains(&code) {
                    DeliveryError::transient(reason)
                } else {
                    DeliveryError::permanent(reason)
                })
            }
        }
    }
}

enum Sent {
    Ok(String),
    TokenRefused,
}

/// A request's error without its URL, which holds the secret or the token.
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

/// The template's fields: `first` the subject (the heading), `keyword1`…
/// the message's values of those names in order (the text itself as
/// `keyword1` when it has none), `remark` its value of that name, else the
/// sender's name and telephone.
pub fn template_data(message: &Message) -> Value {
    let value = |v: &str| json!({ "value": v });
    let mut data = serde_json::Map::new();
    let first = if message.subject.is_empty() { message.body.as_str() } else { message.subject.as_str() };
    data.insert("first".into(), value(first));
    let keywords: Vec<(String, &String)> =
        (1..=5).filter_map(|i| message.vars.get(&format!("keyword{i}")).map(|v| (format!("keyword{i}"), v))).collect();
    if keywords.is_empty() {
        data.insert("keyword1".into(), value(&message.body));
    }
    for (k, v) in keywords {
        data.insert(k, value(v));
    }
    let remark = match message.vars.get("remark") {
        Some(r) => r.clone(),
        None => format!("{} {}", message.from.name, message.from.phone).trim().to_string(),
    };
    data.insert("remark".into(), value(&remark));
    Value::Object(data)
}

impl Channel for WechatChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Wechat
    }

    fn deliver<'a>(&'a self, batch: &'a [Message]) -> DeliverFuture<'a> {
        Box::pin(async move {
            let mut deliveries = Vec::with_capacity(batch.len());
            for message in batch {
                deliveries.push(match self.send(message).await {
                    Ok(reference) => Delivery::sent(message.task_id, reference),
                    Err(e) => Delivery::failed(message.task_id, e),
                });
            }
            deliveries
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Letterhead;
    use std::collections::BTreeMap;

    fn config() -> WechatConfig {
        WechatConfig {
            app_id: "wx1234".into(),
            app_secret: "very-secret".into(),
            template_id: "TPL".into(),
            base_url: default_base_url(),
        }
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        assert!(!format!("{:?}", config()).contains("very-secret"));
    }

    #[test]
    fn every_setting_is_needed() {
        let mut c = config();
        c.template_id = " ".into();
        assert!(matches!(WechatChannel::new(c), Err(ConfigError::Missing { setting: "wechat.template_id" })));
        let mut c = config();
        c.base_url = "ftp://example".into();
        assert!(matches!(WechatChannel::new(c), Err(ConfigError::Url { setting: "wechat.base_url", .. })));
    }

    #[test]
    fn endpoints_keep_the_base_path() {
        let mut c = config();
        c.base_url = "http://127.0.0.1:9/proxy/".into();
        let w = WechatChannel::new(c).unwrap();
        assert_eq!(w.endpoint("/cgi-bin/token").as_str(), "http://127.0.0.1:9/proxy/cgi-bin/token");
    }

    #[test]
    fn the_template_takes_the_subject_keywords_and_remark() {
        let m = |vars: &[(&str, &str)]| Message {
            task_id: 1,
            from: Letterhead { name: "绿城物业".into(), address: String::new(), phone: "0571-1234".into() },
            to: Recipient::Wechat { openid: "o1".into() },
            subject: "停水通知".into(),
            body: "明日停水".into(),
            template: String::new(),
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<BTreeMap<_, _>>(),
        };
        let d = template_data(&m(&[]));
        assert_eq!(d["first"]["value"], "停水通知");
        assert_eq!(d["keyword1"]["value"], "明日停水");
        assert_eq!(d["remark"]["value"], "绿城物业 0571-1234");
        let d = template_data(&m(&[("keyword1", "停水"), ("keyword2", "12月1日"), ("remark", "请储水")]));
        assert_eq!((d["keyword1"]["value"].as_str(), d["keyword2"]["value"].as_str()), (Some("停水"), Some("12月1日")));
        assert_eq!(d["remark"]["value"], "请储水");
    }
}
