//! Alibaba Cloud SMS (dysmsapi, API version 2017-05-25), operation SendSms,
//! signed with Alibaba Cloud's RPC signature (version 1.0, HMAC-SHA1).
//!
//! Mainland operators deliver only texts whose template and signature
//! (签名, the `【店名】` prefix) Aliyun has approved, so a message goes out as
//! the code of an approved template plus its variables — Aliyun fills them
//! in — not as our rendered text. `templates` maps our template keys to the
//! approved codes.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use kefu_core::ident::mobile::Mobile;
use kefu_core::time::{Clock, SystemClock};
use serde::Deserialize;
use sha1::Sha1;

use super::{SendFuture, SmsGateway, http_client, parse_url, reference, snippet};
use crate::channels::{ConfigError, DeliveryError, Message};

pub const ENDPOINT: &str = "https://dysmsapi.aliyuncs.com/";

#[derive(Clone, Deserialize)]
pub struct AliyunConfig {
    /// The API endpoint; tests point it at a server of their own.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The approved signature, without the brackets: `宝骏汽车4S店`.
    pub sign_name: String,
    /// Our template key → the approved template's code (`SMS_154950909`).
    pub templates: BTreeMap<String, String>,
}

fn default_endpoint() -> String {
    ENDPOINT.to_string()
}

/// The secret stays out of logs.
impl fmt::Debug for AliyunConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunConfig")
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<hidden>")
            .field("sign_name", &self.sign_name)
            .field("templates", &self.templates)
            .finish()
    }
}

pub struct AliyunSms {
    config: AliyunConfig,
    endpoint: reqwest::Url,
    http: reqwest::Client,
}

impl AliyunSms {
    pub fn new(config: AliyunConfig) -> Result<AliyunSms, ConfigError> {
        for (setting, value) in [
            ("sms.aliyun.access_key_id", &config.access_key_id),
            ("sms.aliyun.access_key_secret", &config.access_key_secret),
            ("sms.aliyun.sign_name", &config.sign_name),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::Missing { setting });
            }
        }
        let endpoint = parse_url("sms.aliyun.endpoint", &config.endpoint)?;
        Ok(AliyunSms { config, endpoint, http: http_client()? })
    }

    /// The signed query string of a SendSms request.
    fn query(&self, mobile: &Mobile, message: &Message, template_code: &str) -> String {
        let template_param = serde_json::to_string(&message.vars).expect("a map of strings serialises");
        // Aliyun refuses a nonce it has seen before: random, never a counter.
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        // The real time, not the business clock: Aliyun refuses a request
        // whose timestamp is more than 15 minutes off its own.
        let timestamp = SystemClock.now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let out_id = reference(message);
        let params = BTreeMap::from([
            ("AccessKeyId", self.config.access_key_id.as_str()),
            ("Action", "SendSms"),
            ("Format", "JSON"),
            ("OutId", &out_id),
            ("PhoneNumbers", mobile.as_str()),
            ("RegionId", "cn-hangzhou"),
            ("SignName", &self.config.sign_name),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", &nonce),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", template_code),
            ("TemplateParam", &template_param),
            ("Timestamp", &timestamp),
            ("Version", "2017-05-25"),
        ]);
        let canonical = canonical_query(&params);
        let signature = signature(&self.config.access_key_secret, &string_to_sign("GET", &canonical));
        format!("{canonical}&Signature={}", percent_encode(&signature))
    }
}

impl SmsGateway for AliyunSms {
    fn send<'a>(&'a self, mobile: &'a Mobile, message: &'a Message) -> SendFuture<'a> {
        Box::pin(async move {
            let Some(code) = self.config.templates.get(&message.template) else {
                return Err(DeliveryError::permanent(format!(
                    "no Aliyun template code is configured for the template {:?} (sms.aliyun.templates)",
                    message.template
                )));
            };
            let mut url = self.endpoint.clone();
            url.set_query(Some(&self.query(mobile, message, code)));
            let response =
                self.http.get(url).send().await.map_err(|e| {
                    DeliveryError::transient(format!("cannot reach Aliyun SMS at {}: {e}", self.endpoint))
                })?;
            let status = response.status();
            let body = response.text().await.map_err(|e| {
                DeliveryError::transient(format!("Aliyun SMS answered HTTP {status} but the answer broke off: {e}"))
            })?;
            read_answer(status, &body)
        })
    }
}

/// SendSms's answer: `{"Code":"OK","BizId":"…","Message":"OK","RequestId":"…"}`,
/// or an error code and message in the same shape.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: String,
    #[serde(default)]
    message: String,
    biz_id: Option<String>,
    request_id: Option<String>,
}

fn read_answer(status: reqwest::StatusCode, body: &str) -> Result<String, DeliveryError> {
    let Ok(answer) = serde_json::from_str::<Answer>(body) else {
        return Err(DeliveryError {
            reason: format!("Aliyun SMS answered HTTP {status} with something unreadable: {}", snippet(body)),
            retry: status.is_server_error(),
        });
    };
    if answer.code == "OK" {
        // The BizId finds the message in Aliyun's delivery reports.
        return Ok(answer.biz_id.or(answer.request_id).unwrap_or_default());
    }
    Err(DeliveryError {
        reason: format!(
            "Aliyun SMS refused the message: {}: {} (HTTP {status}, request {})",
            answer.code,
            answer.message,
            answer.request_id.as_deref().unwrap_or("-")
        ),
        retry: status.is_server_error() || is_passing(&answer.code),
    })
}

/// Codes for trouble that passes: Aliyun's own faults and its rate limits
/// (per number per minute/hour/day), and a nonce that happened to repeat.
fn is_passing(code: &str) -> bool {
    matches!(
        code,
        "isp.SYSTEM_ERROR"
            | "isv.BUSINESS_LIMIT_CONTROL"
            | "Throttling.User"
            | "ServiceUnavailable"
            | "SignatureNonceUsed"
    )
}

/// The parameters, sorted by name, each name and value percent-encoded.
pub fn canonical_query(params: &BTreeMap<&str, &str>) -> String {
    params.iter().map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v))).collect::<Vec<_>>().join("&")
}

/// `GET&%2F&` and the encoded canonical query.
pub fn string_to_sign(method: &str, canonical_query: &str) -> String {
    format!("{method}&{}&{}", percent_encode("/"), percent_encode(canonical_query))
}

/// Base64 of HMAC-SHA1 keyed with the secret and `&`.
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{access_key_secret}&").as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Alibaba Cloud's encoding (RFC 3986): UTF-8 bytes, everything but
/// `A-Z a-z 0-9 - _ . ~` as upper-case `%XY` — so a space is `%20`, never
/// `+`, and `*` is `%2A`, unlike form encoding.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Aliyun's SMS documentation, "HTTP协议及签名"
    /// (help.aliyun.com/document_detail/56189.html): AccessKeyId `testId`,
    /// secret `testSecret`, a SendSms request with the test signature
    /// 阿里云短信测试专用, and the published string-to-sign and signature.
    #[test]
    fn signs_the_published_sendsms_example() {
        let params = BTreeMap::from([
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", r#"{"customer":"test"}"#),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]);
        let to_sign = string_to_sign("GET", &canonical_query(&params));
        assert_eq!(
            to_sign,
            "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123\
             %26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF\
             %25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF\
             %2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce\
             %3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode\
             %3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D\
             %26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
        );
        let signed = signature("testSecret", &to_sign);
        assert_eq!(signed, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
        assert_eq!(percent_encode(&signed), "zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D");
    }

    #[test]
    fn encodes_as_aliyun_does_not_as_forms_do() {
        assert_eq!(percent_encode("a b*c~d+e/"), "a%20b%2Ac~d%2Be%2F");
        assert_eq!(percent_encode("派"), "%E6%B4%BE");
    }

    #[test]
    fn reads_the_answers() {
        let ok = r#"{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}"#;
        assert_eq!(read_answer(reqwest::StatusCode::OK, ok), Ok("900619746936498440^0".to_string()));

        let limited = r#"{"Message":"触发分钟级流控Permits:1","RequestId":"R1","Code":"isv.BUSINESS_LIMIT_CONTROL"}"#;
        let e = read_answer(reqwest::StatusCode::OK, limited).unwrap_err();
        assert!(e.retry && e.reason.contains("isv.BUSINESS_LIMIT_CONTROL") && e.reason.contains("流控"), "{e:?}");

        let bad_number = r#"{"Message":"invalid mobile number","RequestId":"R2","Code":"isv.MOBILE_NUMBER_ILLEGAL"}"#;
        assert!(!read_answer(reqwest::StatusCode::OK, bad_number).unwrap_err().retry);

        let gateway = read_answer(reqwest::StatusCode::BAD_GATEWAY, "<html>502</html>").unwrap_err();
        assert!(gateway.retry && gateway.reason.contains("502"), "{gateway:?}");
    }

    #[test]
    fn the_secret_stays_out_of_debug_output() {
        let config = AliyunConfig {
            endpoint: ENDPOINT.into(),
            access_key_id: "LTAI5t".into(),
            access_key_secret: "very-secret".into(),
            sign_name: "宝骏4S店".into(),
            templates: BTreeMap::new(),
        };
        assert!(!format!("{config:?}").contains("very-secret"));
    }
}
