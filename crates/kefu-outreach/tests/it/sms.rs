//! The SMS gateways against HTTP servers started here, on 127.0.0.1, that
//! check each request as the provider would — the signature recomputed from
//! the request as received, with code written for the test from the
//! provider's rules (not the gateway's own signing functions) — and answer
//! as the provider answers.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use kefu_core::time::Clock;
use kefu_outreach::channels::sms::{AliyunConfig, AliyunSms, SmsChannel, WebhookConfig, WebhookSms};
use kefu_outreach::channels::{Channel, ChannelKind, Delivery, Letterhead, Message, Outcome, Recipient};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

const KEY_ID: &str = "LTAI5tKefuTest";
const KEY_SECRET: &str = "right-secret";
const WEBHOOK_SECRET: &str = "webhook-secret";

fn message(task_id: i64, mobile: &str, template: &str) -> Message {
    let vars: BTreeMap<String, String> =
        [("name", "张伟"), ("plate", "粤A·D12345"), ("due_date", "12月8日")].map(|(k, v)| (k.into(), v.into())).into();
    Message {
        task_id,
        from: Letterhead {
            name: "宝骏4S店".into(),
            address: "广州市天河区黄埔大道西188号".into(),
            phone: "020-88886666".into(),
        },
        to: Recipient::Mobile(mobile.into()),
        subject: String::new(),
        body: "尊敬的张伟，您的爱车粤A·D12345将于12月8日到期保养，回复TD退订".into(),
        template: template.into(),
        vars,
    }
}

fn failure(delivery: &Delivery) -> (&str, bool) {
    match &delivery.outcome {
        Outcome::Failed(e) => (&e.reason, e.retry),
        other => panic!("not failed: {other:?}"),
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}/")
}

// --- Aliyun --------------------------------------------------------------------

/// The requests the fake Aliyun took, and the nonces it has seen.
#[derive(Default)]
struct Aliyun {
    accepted: Mutex<Vec<BTreeMap<String, String>>>,
    nonces: Mutex<HashSet<String>>,
}

/// RFC 3986 unreserved characters stay, everything else is %XY.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

/// Recomputes the RPC signature of a GET request from its query string.
fn expected_signature(params: &BTreeMap<String, String>, secret: &str) -> String {
    let canonical: Vec<String> = params.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
    let to_sign = format!("GET&{}&{}", encode("/"), encode(&canonical.join("&")));
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(format!("{secret}&").as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

fn aliyun_error(status: StatusCode, code: &str, message: &str) -> (StatusCode, String) {
    (status, json!({"Code": code, "Message": message, "RequestId": "8C3A1A2B-TEST"}).to_string())
}

async fn aliyun_send_sms(State(state): State<Arc<Aliyun>>, RawQuery(query): RawQuery) -> (StatusCode, String) {
    let mut params: BTreeMap<String, String> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let Some(signature) = params.remove("Signature") else {
        return aliyun_error(StatusCode::BAD_REQUEST, "MissingSignature", "Signature is mandatory for this action.");
    };
    if params.get("AccessKeyId").map(String::as_str) != Some(KEY_ID) {
        return aliyun_error(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        );
    }
    if signature != expected_signature(&params, KEY_SECRET) {
        return aliyun_error(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.",
        );
    }
    let stamp: jiff::Timestamp = params["Timestamp"].parse().expect("an ISO 8601 UTC timestamp");
    if (kefu_core::time::SystemClock.now().as_second() - stamp.as_second()).abs() > 15 * 60 {
        return aliyun_error(StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", "Specified time stamp is expired.");
    }
    if !state.nonces.lock().unwrap().insert(params["SignatureNonce"].clone()) {
        return aliyun_error(StatusCode::BAD_REQUEST, "SignatureNonceUsed", "Specified signature nonce was used.");
    }
    let mut accepted = state.accepted.lock().unwrap();
    accepted.push(params);
    let answer = json!({"Code": "OK", "Message": "OK", "BizId": format!("90061974693649844{}^0", accepted.len()),
                        "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"});
    (StatusCode::OK, answer.to_string())
}

async fn aliyun() -> (Arc<Aliyun>, String) {
    let state = Arc::new(Aliyun::default());
    let url = serve(Router::new().route("/", get(aliyun_send_sms)).with_state(state.clone())).await;
    (state, url)
}

fn aliyun_channel(endpoint: &str, secret: &str) -> SmsChannel {
    let config = AliyunConfig {
        endpoint: endpoint.into(),
        access_key_id: KEY_ID.into(),
        access_key_secret: secret.into(),
        sign_name: "宝骏汽车4S店".into(),
        templates: BTreeMap::from([("maintenance_due".to_string(), "SMS_490001".to_string())]),
    };
    SmsChannel::new(AliyunSms::new(config).unwrap_or_else(|e| panic!("{e}")))
}

#[tokio::test]
async fn aliyun_takes_signed_requests_with_the_number_template_and_variables() {
    let (aliyun, endpoint) = aliyun().await;
    let channel = aliyun_channel(&endpoint, KEY_SECRET);
    assert_eq!(channel.kind(), ChannelKind::Sms);
    let batch = [
        message(1, "+86 138-0013-8000", "maintenance_due"),
        message(2, "13912345678", "maintenance_due"),
        message(3, "12345", "maintenance_due"),
        message(4, "13912345678", "birthday"),
    ];

    let deliveries = channel.deliver(&batch).await;

    assert_eq!(deliveries.iter().map(|d| d.task_id).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(deliveries[0].outcome, Outcome::Sent { reference: "900619746936498441^0".into() });
    assert_eq!(deliveries[1].outcome, Outcome::Sent { reference: "900619746936498442^0".into() });
    let (reason, retry) = failure(&deliveries[2]);
    assert!(reason.contains("\"12345\" is not a mainland mobile number") && !retry, "{reason}");
    let (reason, retry) = failure(&deliveries[3]);
    assert!(reason.contains("no Aliyun template code") && reason.contains("birthday") && !retry, "{reason}");

    let accepted = aliyun.accepted.lock().unwrap();
    assert_eq!(accepted.len(), 2, "the refused messages never reached Aliyun");
    let first = &accepted[0];
    assert_eq!(first["Action"], "SendSms");
    assert_eq!(first["Version"], "2017-05-25");
    assert_eq!(first["PhoneNumbers"], "13800138000");
    assert_eq!(first["SignName"], "宝骏汽车4S店");
    assert_eq!(first["TemplateCode"], "SMS_490001");
    assert_eq!(first["OutId"], "task-1");
    let params: Value = serde_json::from_str(&first["TemplateParam"]).unwrap();
    assert_eq!(params, json!({"name": "张伟", "plate": "粤A·D12345", "due_date": "12月8日"}));
    assert_eq!(accepted[1]["PhoneNumbers"], "13912345678");
}

#[tokio::test]
async fn aliyun_refuses_a_wrong_secret_and_the_delivery_says_why() {
    let (aliyun, endpoint) = aliyun().await;
    let deliveries =
        aliyun_channel(&endpoint, "wrong-secret").deliver(&[message(5, "13800138000", "maintenance_due")]).await;

    let (reason, retry) = failure(&deliveries[0]);
    assert!(reason.contains("SignatureDoesNotMatch"), "{reason}");
    assert!(reason.contains("Specified signature is not matched with our calculation."), "{reason}");
    assert!(reason.contains("HTTP 400"), "{reason}");
    assert!(!retry, "a wrong secret stays wrong");
    assert!(aliyun.accepted.lock().unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_provider_is_worth_retrying() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let deliveries =
        aliyun_channel(&endpoint, KEY_SECRET).deliver(&[message(6, "13800138000", "maintenance_due")]).await;
    let (reason, retry) = failure(&deliveries[0]);
    assert!(reason.starts_with("cannot reach Aliyun SMS at http://127.0.0.1:"), "{reason}");
    assert!(retry);
}

// --- the webhook -----------------------------------------------------------------

async fn webhook_receive(
    State(received): State<Arc<Mutex<Vec<Value>>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let timestamp = header("x-kefu-timestamp");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(WEBHOOK_SECRET.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    let fresh =
        timestamp.parse::<i64>().is_ok_and(|t| (kefu_core::time::SystemClock.now().as_second() - t).abs() < 300);
    if header("x-kefu-signature") != expected || !fresh {
        return StatusCode::UNAUTHORIZED;
    }
    assert_eq!(header("content-type"), "application/json; charset=utf-8");
    received.lock().unwrap().push(serde_json::from_slice(&body).unwrap());
    StatusCode::ACCEPTED
}

async fn webhook_channel(secret: &str) -> (Arc<Mutex<Vec<Value>>>, SmsChannel) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let url = serve(Router::new().route("/sms", post(webhook_receive)).with_state(received.clone())).await;
    let gateway = WebhookSms::new(WebhookConfig { url: format!("{url}sms"), secret: secret.into() }).unwrap();
    (received, SmsChannel::new(gateway))
}

#[tokio::test]
async fn the_webhook_posts_signed_json() {
    let (received, channel) = webhook_channel(WEBHOOK_SECRET).await;
    let deliveries = channel.deliver(&[message(7, "138 0013 8000", "maintenance_due")]).await;

    assert_eq!(deliveries[0].outcome, Outcome::Sent { reference: "task-7".into() });
    let received = received.lock().unwrap();
    assert_eq!(
        received.as_slice(),
        [json!({"mobile": "13800138000", "text": "尊敬的张伟，您的爱车粤A·D12345将于12月8日到期保养，回复TD退订",
                "reference": "task-7"})]
    );
}

#[tokio::test]
async fn the_webhook_refusing_the_signature_fails_the_message() {
    let (received, channel) = webhook_channel("not-the-secret").await;
    let deliveries = channel.deliver(&[message(8, "13800138000", "maintenance_due")]).await;

    let (reason, retry) = failure(&deliveries[0]);
    assert!(reason.contains("answered HTTP 401 Unauthorized"), "{reason}");
    assert!(!retry);
    assert!(received.lock().unwrap().is_empty());
}
