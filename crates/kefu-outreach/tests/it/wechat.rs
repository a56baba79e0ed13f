//! The WeChat Official Account channel against an HTTP server started
//! here that answers as WeChat's documentation says: the access token is
//! fetched once and shared while it is fresh, fetched anew when its
//! `expires_in` is nearly over, and a token refusal at the token endpoint
//! fails every message with WeChat's errmsg.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use kefu_outreach::channels::wechat::{WechatChannel, WechatConfig};
use kefu_outreach::channels::{Channel, ChannelKind, Delivery, Letterhead, Message, Outcome, Recipient};
use serde_json::{Value, json};

/// The stand-in's state: how long its tokens live, the tokens handed out
/// and the messages taken.
#[derive(Default)]
struct WeChat {
    expires_in: u64,
    refuse_token: bool,
    tokens: Vec<String>,
    sent: Vec<(String, Value)>,
}

type Shared = Arc<Mutex<WeChat>>;

async fn token(State(s): State<Shared>, Query(q): Query<BTreeMap<String, String>>) -> axum::Json<Value> {
    let mut s = s.lock().unwrap();
    if s.refuse_token || q.get("secret").map(String::as_str) != Some("app-secret") {
        return axum::Json(json!({ "errcode": 40125, "errmsg": "invalid appsecret" }));
    }
    let t = format!("T{}", s.tokens.len() + 1);
    s.tokens.push(t.clone());
    axum::Json(json!({ "access_token": t, "expires_in": s.expires_in }))
}

async fn send(
    State(s): State<Shared>,
    Query(q): Query<BTreeMap<String, String>>,
    axum::Json(body): axum::Json<Value>,
) -> axum::Json<Value> {
    let mut s = s.lock().unwrap();
    let token = q.get("access_token").cloned().unwrap_or_default();
    if s.tokens.last() != Some(&token) {
        return axum::Json(json!({ "errcode": 40001, "errmsg": "invalid credential" }));
    }
    s.sent.push((token, body));
    axum::Json(json!({ "errcode": 0, "errmsg": "ok", "msgid": s.sent.len() }))
}

async fn stand_in(expires_in: u64) -> (WechatChannel, Shared) {
    let state: Shared = Arc::new(Mutex::new(WeChat { expires_in, ..Default::default() }));
    let app = Router::new()
        .route("/cgi-bin/token", get(token))
        .route("/cgi-bin/message/template/send", post(send))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let config = WechatConfig {
        app_id: "wx0123456789".into(),
        app_secret: "app-secret".into(),
        template_id: "TPL-1".into(),
        base_url: base,
    };
    (WechatChannel::new(config).unwrap(), state)
}

fn message(task_id: i64, openid: &str) -> Message {
    Message {
        task_id,
        from: Letterhead { name: "锦华物业".into(), address: String::new(), phone: "0571-88886666".into() },
        to: Recipient::Wechat { openid: openid.into() },
        subject: "停水通知".into(),
        body: "12月3日9:00至17:00停水".into(),
        template: String::new(),
        vars: BTreeMap::new(),
    }
}

fn sent(d: &Delivery) -> bool {
    matches!(d.outcome, Outcome::Sent { .. })
}

#[tokio::test]
async fn one_token_serves_every_message_while_it_is_fresh() {
    let (channel, state) = stand_in(7200).await;
    assert_eq!(channel.kind(), ChannelKind::Wechat);
    let first = channel.deliver(&[message(1, "oA"), message(2, "oB")]).await;
    let later = channel.deliver(&[message(3, "oC")]).await;
    assert!(first.iter().chain(&later).all(sent), "{first:?} {later:?}");
    let s = state.lock().unwrap();
    assert_eq!(s.tokens, vec!["T1"], "fetched once for both batches");
    let to: Vec<&str> = s.sent.iter().map(|(_, m)| m["touser"].as_str().unwrap()).collect();
    assert_eq!(to, vec!["oA", "oB", "oC"]);
    assert_eq!(s.sent[0].1["template_id"], "TPL-1");
    assert_eq!(s.sent[0].1["data"]["first"]["value"], "停水通知");
}

#[tokio::test]
async fn a_token_near_its_expiry_is_not_used() {
    // A token that lives less than the margin kept before expiry is fetched
    // for every message rather than sent when it may have lapsed.
    let (channel, state) = stand_in(120).await;
    let d = channel.deliver(&[message(1, "oA"), message(2, "oB")]).await;
    assert!(d.iter().all(sent), "{d:?}");
    assert_eq!(state.lock().unwrap().tokens, vec!["T1", "T2"]);
}

#[tokio::test]
async fn a_refused_token_fails_each_message_with_wechats_reason() {
    let (channel, state) = stand_in(7200).await;
    state.lock().unwrap().refuse_token = true;
    let d = channel.deliver(&[message(1, "oA"), message(2, "oB")]).await;
    for delivery in &d {
        let Outcome::Failed(e) = &delivery.outcome else { panic!("sent: {delivery:?}") };
        assert!(e.reason.contains("40125") && e.reason.contains("invalid appsecret"), "{}", e.reason);
        assert!(!e.retry, "a wrong secret will be refused again");
        assert!(!e.reason.contains("app-secret"), "the secret stays out of the reason");
    }
    // Once the account is fixed, the next batch fetches a token and goes out.
    state.lock().unwrap().refuse_token = false;
    assert!(channel.deliver(&[message(3, "oA")]).await.iter().all(sent));
    // A message for another channel is refused, not sent.
    let mut sms = message(4, "oA");
    sms.to = Recipient::Mobile("13800138000".into());
    let d = channel.deliver(&[sms]).await;
    assert!(matches!(&d[0].outcome, Outcome::Failed(e) if e.reason.contains("mobile")), "{d:?}");
}
