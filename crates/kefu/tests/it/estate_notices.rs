//! The property-management pack's notices (issue 21 §5), on SQLite and on
//! PostgreSQL: a notice addressed to the estate, its buildings or its
//! houses reaches exactly those houses; SMS goes only to those who have a
//! mobile and accept SMS; WeChat template messages go out through a local
//! stand-in of WeChat's HTTP API with the access token fetched once and
//! fetched anew when WeChat answers 42001; each house's delivery shows its
//! state; a call's outcome records that the notice was explained; the
//! printed notice carries its title; the house page and the monthly report
//! count it; and who may reach the new routes.

use crate::estate::house_of;
use crate::support::*;
use axum::extract::Query;
use kefu_care::customers::{self, CustomerInput};
use kefu_care::preferences::PreferencesInput;
use kefu_core::ids::CustomerId;
use kefu_core::time::Clock;
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_estate::archive::{self, NewBuilding, NewHouse, NewResident};
use kefu_estate::houses::{Area, HouseKind, HouseNo, HouseState};
use kefu_outreach::channels::wechat::{WechatChannel, WechatConfig};
use kefu_outreach::dispatch::Channels;
use kefu_store::Change;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// What the WeChat stand-in saw and how it is to answer.
#[derive(Default)]
struct WechatLog {
    /// Tokens handed out, in order.
    tokens: Vec<String>,
    /// Template messages taken: (the token they came with, the body).
    messages: Vec<(String, Value)>,
    /// Answer the next send with 42001 (the token expired), once.
    expire_next: bool,
}

type Wechat = Arc<Mutex<WechatLog>>;

/// A local stand-in of WeChat's two documented endpoints, a real HTTP
/// server: `GET /cgi-bin/token` hands out a new token each time, `POST
/// /cgi-bin/message/template/send` takes a message sent with the latest
/// token (40001 for an older one, 42001 once when told to, 43004 for a
/// follower who unsubscribed: openid `oGone`).
async fn wechat_stand_in() -> (String, Wechat) {
    use axum::routing::{get, post};
    let log: Wechat = Default::default();
    let (a, b) = (log.clone(), log.clone());
    let app = axum::Router::new()
        .route(
            "/cgi-bin/token",
            get(move |Query(q): Query<BTreeMap<String, String>>| {
                let log = a.clone();
                async move {
                    if q.get("grant_type").map(String::as_str) != Some("client_credential")
                        || q.get("appid").map(String::as_str) != Some("wx_estate")
                        || q.get("secret").map(String::as_str) != Some("s3cret")
                    {
                        return axum::Json(json!({ "errcode": 40013, "errmsg": "invalid appid" }));
                    }
                    let mut log = log.lock().unwrap();
                    let token = format!("TOKEN{}", log.tokens.len() + 1);
                    log.tokens.push(token.clone());
                    axum::Json(json!({ "access_token": token, "expires_in": 7200 }))
                }
            }),
        )
        .route(
            "/cgi-bin/message/template/send",
            post(move |Query(q): Query<BTreeMap<String, String>>, body: axum::Json<Value>| {
                let log = b.clone();
                async move {
                    let mut log = log.lock().unwrap();
                    let token = q.get("access_token").cloned().unwrap_or_default();
                    if log.tokens.last() != Some(&token) {
                        return axum::Json(json!({ "errcode": 40001, "errmsg": "invalid credential" }));
                    }
                    if log.expire_next {
                        log.expire_next = false;
                        return axum::Json(json!({ "errcode": 42001, "errmsg": "access_token expired" }));
                    }
                    if body["touser"] == "oGone" {
                        return axum::Json(json!({ "errcode": 43004, "errmsg": "require subscribe" }));
                    }
                    log.messages.push((token, body.0));
                    axum::Json(json!({ "errcode": 0, "errmsg": "ok", "msgid": 200228332 + log.messages.len() }))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, log)
}

/// The channels of these tests: SMS to the local webhook receiver and
/// WeChat to the stand-in (e-mail is not configured: its messages wait).
async fn channels() -> (Channels, Received, Wechat) {
    let (sms_url, sms) = sms_receiver().await;
    let (wechat_url, wechat) = wechat_stand_in().await;
    let mut channels = sms_only(sms_url);
    let config = WechatConfig {
        app_id: "wx_estate".into(),
        app_secret: "s3cret".into(),
        template_id: "TPL_NOTICE".into(),
        base_url: wechat_url,
    };
    channels.wechat = Some(WechatChannel::new(config).unwrap());
    (channels, sms, wechat)
}

/// Estate TA (store A) with house 3-2-1502 of 张伟 (mobile 13800138000),
/// parking space P-B1-023, and building 5: 5-1-101 of 王芳 (mobile, e-mail
/// and WeChat, but no SMS), 5-1-102 of 赵磊 (mobile and WeChat) and 5-1-103
/// of 钱七 (no mobile nor e-mail; WeChat unfollowed: `oGone`). The owners'
/// ids by name.
async fn estate(app: &TestApp) -> BTreeMap<&'static str, CustomerId> {
    house_of(app, app.fx.store_a, app.fx.customer_a).await;
    let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let mut owners = BTreeMap::from([("张伟", app.fx.customer_a)]);
    for (name, mobile, email, openid) in [
        ("王芳", "13700000001", "wangfang@example.cn", "oWangFang_01"),
        ("赵磊", "13700000002", "", "oZhaoLei-02"),
        ("钱七", "", "", "oGone"),
    ] {
        let input =
            CustomerInput { name: name.into(), mobile: mobile.into(), email: email.into(), ..Default::default() };
        let id = customers::create(&app.db, &actor, app.fx.store_a, &input, None, today).await.unwrap().id;
        customers::set_wechat_openid(&app.db, &actor, id, openid).await.unwrap();
        owners.insert(name, id);
    }
    let no_sms = PreferencesInput { allow_letter: true, allow_email: true, allow_phone: true, ..Default::default() };
    customers::set_preferences(&app.db, &actor, owners["王芳"], &no_sms).await.unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let building = NewBuilding { code: "5".into(), name: "5幢".into(), floors: 6, units: 1 };
    archive::add_buildings_in(&mut tx, app.fx.store_a, vec![building]).await.unwrap();
    let day: jiff::civil::Date = "2024-05-01".parse().unwrap();
    let houses = ["王芳", "赵磊", "钱七"]
        .iter()
        .enumerate()
        .map(|(i, name)| NewHouse {
            number: HouseNo::parse("house", &format!("5-1-10{}", i + 1)).unwrap(),
            kind: HouseKind::Residence,
            state: HouseState::Occupied,
            building_area: Area::parse("area", "89.00").unwrap(),
            interior_area: Area::parse("area", "72.00").unwrap(),
            billed_from: Some(day),
            residents: vec![NewResident {
                customer_id: owners[name],
                role: "owner",
                moved_in: Some(day),
                keys_handed_on: Some(day),
                certificate_no: None,
                emergency: None,
                vehicles: Vec::new(),
            }],
            documents: Vec::new(),
        })
        .collect();
    archive::insert_in(&mut tx, app.fx.store_a, houses, app.clock.now()).await.unwrap();
    let change =
        Change { entity: "estate_house", entity_id: "5".into(), action: "create", branch: None, old: None, new: None };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    owners
}

fn notice(addressed_to: &str, names: &[&str], channels: &[&str], send: bool) -> Value {
    let mut body = json!({
        "estate": "TA", "title": "停水通知", "kind": "water_cut",
        "body": "因二次供水水箱清洗，12月3日9:00至17:00停水，请提前储水。",
        "effective_from": "2026-12-03", "addressed_to": addressed_to, "channels": channels, "send": send,
    });
    match addressed_to {
        "buildings" => body["buildings"] = json!(names),
        "houses" => body["houses"] = json!(names),
        _ => {}
    }
    body
}

async fn deliveries(client: &reqwest::Client, app: &TestApp, id: i64, query: &str) -> Value {
    get_json(client, app.at(&format!("/api/v1/estate/notices/{id}/deliveries{query}"))).await
}

/// The houses of a notice's deliveries, once each.
fn houses_of(d: &Value) -> BTreeSet<String> {
    d["deliveries"].as_array().unwrap().iter().map(|d| d["house"].as_str().unwrap().to_string()).collect()
}

/// (house, channel) → (state, reason).
fn states(d: &Value) -> BTreeMap<(String, String), (String, String)> {
    d["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let s = |k: &str| d[k].as_str().unwrap().to_string();
            ((s("house"), s("channel")), (s("state"), s("reason")))
        })
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

on_both!(a_notice_reaches_the_houses_it_is_addressed_to, |backend| async move {
    let app = TestApp::start(backend).await;
    let owners = estate(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let create = |client, csrf, body| {
        let app = &app;
        async move { post_json(client, csrf, app.at("/api/v1/estate/notices"), body).await }
    };

    // Some houses, as the desk types them: those two only.
    let (status, n) = create(&agent, &csrf, notice("houses", &["3栋1502", "5-1-102"], &["call"], true)).await;
    assert_eq!(status, 200, "{n}");
    assert_eq!((n["status"].as_str(), n["sent"]["houses"].as_i64()), (Some("sent"), Some(2)), "{n}");
    let d = deliveries(&agent, &app, n["id"].as_i64().unwrap(), "").await;
    assert_eq!(houses_of(&d), set(&["3-2-1502", "5-1-102"]));

    // A building: its houses, not the others'.
    let (_, n) = create(&agent, &csrf, notice("buildings", &["5"], &["call"], true)).await;
    let d = deliveries(&agent, &app, n["id"].as_i64().unwrap(), "").await;
    assert_eq!(houses_of(&d), set(&["5-1-101", "5-1-102", "5-1-103"]));

    // The whole estate: every home, not the parking space; an agent may
    // draft it, a manager sends it.
    let (status, n) = create(&agent, &csrf, notice("estate", &[], &["call"], false)).await;
    assert_eq!((status, n["status"].as_str()), (200, Some("draft")), "{n}");
    let whole = n["id"].as_i64().unwrap();
    let send = format!("/api/v1/estate/notices/{whole}/send");
    let (status, problem) = post_json(&agent, &csrf, app.at(&send), json!({})).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("addressed_to")), "{problem}");
    assert_eq!(deliveries(&agent, &app, whole, "").await["deliveries"], json!([]), "nothing half-sent");
    let (status, n) = post_json(&manager, &manager_csrf, app.at(&send), json!({})).await;
    assert_eq!(status, 200, "{n}");
    let d = deliveries(&manager, &app, whole, "").await;
    assert_eq!(houses_of(&d), set(&["3-2-1502", "5-1-101", "5-1-102", "5-1-103"]));
    // A notice is sent once.
    let (status, _) = post_json(&manager, &manager_csrf, app.at(&send), json!({})).await;
    assert_eq!(status, 409);

    // The owner's 360° page lists the notices sent to the house: the
    // house's own, the building's and the estate's, with their deliveries.
    let page = agent.get(app.at(&format!("/customers/{}", owners["赵磊"]))).send().await.unwrap();
    let page = page.text().await.unwrap();
    let (_, listed) =
        page.split_once(r#"data-testid="estate-customer-notices""#).expect("the notices on the 360° page");
    let listed = listed.split("</table>").next().unwrap();
    assert_eq!(listed.matches("5-1-102").count(), 3, "{listed}");
    assert_eq!(listed.matches("停水通知").count(), 3, "{listed}");

    // Names that are not the estate's are refused by field, nothing stored.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM estate_notices").fetch_one(app.db.pool()).await.unwrap();
    let (status, problem) = create(&agent, &csrf, notice("buildings", &["9"], &["call"], false)).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("buildings")), "{problem}");
    let (status, problem) = create(&agent, &csrf, notice("houses", &["5-1-101", "8-1-808"], &["sms"], false)).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("houses")), "{problem}");
    let (status, problem) = create(&agent, &csrf, notice("houses", &["5-1-101"], &["fax"], false)).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("channels")), "{problem}");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM estate_notices").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(before, after);
});

on_both!(messages_go_to_those_who_accept_them_and_each_delivery_shows_its_state, |backend| async move {
    let (channels, sms, wechat) = channels().await;
    let app = TestApp::start_with(backend, channels).await;
    let owners = estate(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let body = notice("buildings", &["3", "5"], &["sms", "email", "wechat"], true);
    let (status, n) = post_json(&agent, &csrf, app.at("/api/v1/estate/notices"), body).await;
    assert_eq!(status, 200, "{n}");
    let id = n["id"].as_i64().unwrap();

    // SMS: 张伟 and 赵磊; not 王芳, who declines SMS, nor 钱七, who has no mobile.
    let texts: BTreeMap<String, String> = sms
        .lock()
        .unwrap()
        .iter()
        .map(|m| (m["mobile"].as_str().unwrap().to_string(), m["text"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(texts.keys().cloned().collect::<BTreeSet<_>>(), set(&["13700000002", "13800138000"]));
    assert!(texts["13800138000"].contains("停水通知") && texts["13800138000"].contains("张伟"), "{texts:?}");

    // WeChat: one token for every message, each to its follower with the
    // template's fields.
    {
        let log = wechat.lock().unwrap();
        assert_eq!(log.tokens, vec!["TOKEN1"]);
        let to: BTreeSet<String> =
            log.messages.iter().map(|(_, m)| m["touser"].as_str().unwrap().to_string()).collect();
        assert_eq!(to, set(&["oWangFang_01", "oZhaoLei-02"]));
        let (_, m) = &log.messages[0];
        assert_eq!(m["template_id"], "TPL_NOTICE");
        assert_eq!(m["data"]["first"]["value"], "停水通知");
        assert_eq!(m["data"]["keyword1"]["value"], "因二次供水水箱清洗，12月3日9:00至17:00停水，请提前储水。");
        assert_eq!(m["data"]["keyword2"]["value"], "2026-12-03");
    }

    let d = deliveries(&agent, &app, id, "").await;
    let s = states(&d);
    let at = |house: &str, channel: &str| s[&(house.to_string(), channel.to_string())].clone();
    let state = |st: &str, why: &str| (st.to_string(), why.to_string());
    assert_eq!(at("3-2-1502", "sms"), state("sent", ""));
    assert_eq!(at("5-1-101", "sms"), state("failed", "opted_out"));
    assert_eq!(at("5-1-102", "sms"), state("sent", ""));
    assert_eq!(at("5-1-103", "sms"), state("failed", "no_contact"));
    assert_eq!(at("5-1-101", "wechat"), state("sent", ""));
    assert_eq!(at("3-2-1502", "wechat"), state("failed", "no_contact"));
    assert_eq!(at("5-1-103", "wechat"), state("failed", "WeChat errcode 43004: require subscribe"));
    // No e-mail gateway here: 王芳's e-mail waits for one.
    assert_eq!(at("5-1-101", "email"), state("queued", ""));
    assert_eq!(d["deliveries"].as_array().unwrap().len(), 4 * 3, "a delivery per house and channel");
    let count = |state: &str| s.values().filter(|(st, _)| st == state).count() as i64;
    for st in ["queued", "sent", "failed"] {
        assert_eq!(d["counts"][st].as_i64(), Some(count(st)), "{st}: {d}");
    }
    // Filtered by state and channel, on the API and the page.
    let failed_sms = deliveries(&agent, &app, id, "?state=failed&channel=sms").await;
    assert_eq!(houses_of(&failed_sms), set(&["5-1-101", "5-1-103"]));
    let page = agent.get(app.at(&format!("/estate/notices/{id}?state=sent"))).send().await.unwrap();
    let page = page.text().await.unwrap();
    let table = page.split(r#"data-testid="estate-notice-deliveries""#).nth(1).expect("the deliveries");
    assert_eq!(table.matches("data-state=\"sent\"").count() as i64, count("sent"));
    assert!(!table.contains("data-state=\"failed\""));
    // The messages are on the owners' timelines.
    assert_eq!(app.timeline_count("wechat", owners["王芳"]).await, 1);
    assert_eq!(app.timeline_count("sms", owners["王芳"]).await, 0);
    assert_eq!(app.timeline_count("sms", app.fx.customer_a).await, 1);

    // WeChat answers that the token expired: a new one is fetched, once,
    // and the message goes out with it.
    wechat.lock().unwrap().expire_next = true;
    let body = notice("houses", &["5-1-102"], &["wechat"], true);
    let (status, n) = post_json(&agent, &csrf, app.at("/api/v1/estate/notices"), body).await;
    assert_eq!(status, 200, "{n}");
    let d = deliveries(&agent, &app, n["id"].as_i64().unwrap(), "").await;
    assert_eq!(d["deliveries"][0]["state"], "sent", "{d}");
    let log = wechat.lock().unwrap();
    assert_eq!(log.tokens, vec!["TOKEN1", "TOKEN2"]);
    assert_eq!(log.messages.last().unwrap().0, "TOKEN2");
    assert_eq!(log.messages.len(), 3);
});

on_both!(a_call_records_that_the_notice_was_explained, |backend| async move {
    let app = TestApp::start(backend).await;
    estate(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let body = notice("houses", &["3-2-1502", "5-1-102", "5-1-103"], &["call"], true);
    let (status, n) = post_json(&agent, &csrf, app.at("/api/v1/estate/notices"), body).await;
    assert_eq!(status, 200, "{n}");
    let id = n["id"].as_i64().unwrap();
    let d = deliveries(&agent, &app, id, "").await;
    assert_eq!(d["counts"]["queued"], 2, "{d}");
    assert_eq!(states(&d)[&("5-1-103".to_string(), "call".to_string())], ("failed".into(), "no_contact".into()));
    let call_of = |house: &str| {
        d["deliveries"].as_array().unwrap().iter().find(|x| x["house"] == house).unwrap()["call_id"].as_i64().unwrap()
    };
    // The calls wait in the queue, offering the notice's outcomes.
    let queue = agent.get(app.at("/outreach/calls")).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains(&format!("/outreach/calls/{}", call_of("3-2-1502"))), "the call is in the queue");
    let outcome = |call: i64, outcome: &'static str| {
        let (agent, csrf, app) = (&agent, &csrf, &app);
        async move {
            let claim = agent.post(app.at(&format!("/outreach/calls/{call}/claim"))).form(&[("_csrf", csrf)]);
            assert_eq!(claim.send().await.unwrap().status(), 303);
            let form = [("_csrf", csrf.as_str()), ("outcome", outcome), ("notes", "")];
            agent.post(app.at(&format!("/outreach/calls/{call}/outcome"))).form(&form).send().await.unwrap().status()
        }
    };
    let first = call_of("3-2-1502");
    let claim = agent.post(app.at(&format!("/outreach/calls/{first}/claim"))).form(&[("_csrf", &csrf)]);
    assert_eq!(claim.send().await.unwrap().status(), 303);
    let page = agent.get(app.at(&format!("/outreach/calls/{first}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("已接通，已解释通知"), "the agent records it explained");
    assert!(!page.contains("已接通，已预约"), "not an invitation's outcomes");
    // A follow-up's outcome is not a notice's.
    assert_eq!(outcome(call_of("3-2-1502"), "satisfied").await, 422);
    let res = outcome(call_of("3-2-1502"), "explained").await;
    assert!(res.is_redirection(), "{res}");
    let res = outcome(call_of("5-1-102"), "wrong_number").await;
    assert!(res.is_redirection(), "{res}");

    let d = deliveries(&agent, &app, id, "").await;
    let s = states(&d);
    assert_eq!(s[&("3-2-1502".to_string(), "call".to_string())], ("explained".into(), String::new()));
    assert_eq!(s[&("5-1-102".to_string(), "call".to_string())], ("not_reached".into(), "wrong_number".into()));
    assert_eq!((d["counts"]["explained"].as_i64(), d["counts"]["not_reached"].as_i64()), (Some(1), Some(1)));

    // The house's page lists it with its delivery.
    let house: i64 = sqlx::query_scalar("SELECT id FROM estate_houses WHERE number = '3-2-1502'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let page = agent.get(app.at(&format!("/estate/houses/{house}"))).send().await.unwrap().text().await.unwrap();
    let listed = page.split(r#"data-testid="estate-house-notices""#).nth(1).expect("the house's notices");
    assert!(listed.contains("停水通知") && listed.contains("已解释"), "{listed}");

    // The month's report counts it sent and explained.
    let report = agent.get(app.at("/estate/estates/TA/report?month=2026-11")).send().await.unwrap();
    let report = report.text().await.unwrap();
    let section = report.split("发出通知").nth(1).expect("the notices' section");
    let figures: Vec<&str> = section.split("<td").skip(1).take(5).collect();
    assert!(figures[0].contains(">1<"), "one notice sent: {figures:?}");
    assert!(figures[2].contains(">3<"), "to three houses by call: {figures:?}");
    assert!(figures[4].contains(">1<"), "one house explained: {figures:?}");
});

on_both!(the_printed_notice_carries_its_title, |backend| async move {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, printing(dir.path())).await;
    estate(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let body = notice("buildings", &["5"], &["call"], false);
    let (_, n) = post_json(&agent, &csrf, app.at("/api/v1/estate/notices"), body).await;
    let res = agent.get(app.at(&format!("/estate/notices/{}/notice.pdf", n["id"]))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let text = pdf_text(&res.bytes().await.unwrap());
    assert!(text.contains("停水通知"), "{text}");
    assert!(text.contains("请提前储水"), "{text}");
});

on_both!(a_residents_wechat_openid_is_checked_and_the_notice_routes_are_guarded, |backend| async move {
    let app = TestApp::start(backend).await;
    let owners = estate(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let house: i64 = sqlx::query_scalar("SELECT id FROM estate_houses WHERE number = '5-1-102'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let set_openid = |customer: CustomerId, openid: &'static str| {
        let (agent, csrf, app) = (&agent, &csrf, &app);
        async move {
            let form = [("_csrf", csrf.as_str()), ("customer", &customer.0.to_string()), ("wechat_openid", openid)];
            agent.post(app.at(&format!("/estate/houses/{house}/wechat"))).form(&form).send().await.unwrap()
        }
    };
    let res = set_openid(owners["赵磊"], "o 1").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("openid"), "the field is named");
    let res = set_openid(owners["王芳"], "oOther").await;
    assert_eq!(res.status(), 404, "not a person of this house");
    assert_eq!(set_openid(owners["赵磊"], "oZhaoLei_new").await.status(), 303);
    let scope = Scope::new(vec![app.fx.store_a]);
    let stored = customers::wechat_openid_of(&app.db, &scope, owners["赵磊"]).await.unwrap();
    assert_eq!(stored.as_deref(), Some("oZhaoLei_new"));
    assert_eq!(app.audit_count("customer", "wechat_openid").await, 4, "three set by the setup, one here");

    let (_, n) =
        post_json(&agent, &csrf, app.at("/api/v1/estate/notices"), notice("houses", &["5-1-102"], &["call"], false))
            .await;
    let id = n["id"].as_i64().unwrap();
    for path in ["/estate/notices", "/estate/notices/new", "/estate/notices?estate=%FF"] {
        assert_eq!(agent.get(app.at(path)).send().await.unwrap().status(), 200, "{path}");
    }
    let page = agent.get(app.at(&format!("/estate/notices/{id}?state=%00&channel=fax"))).send().await.unwrap();
    assert_eq!(page.status(), 200, "garbage filters narrow nothing");

    // Another estate's agent finds none of it.
    let (other, other_csrf) = app.signed_in("agent_b").await;
    for path in [
        format!("/estate/notices/{id}"),
        format!("/estate/notices/{id}/notice.pdf"),
        format!("/api/v1/estate/notices/{id}/deliveries"),
    ] {
        assert_eq!(other.get(app.at(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    let (status, _) =
        post_json(&other, &other_csrf, app.at(&format!("/api/v1/estate/notices/{id}/send")), json!({})).await;
    assert_eq!(status, 404);
    let res = other.post(app.at(&format!("/estate/notices/{id}/send"))).form(&[("_csrf", &other_csrf)]).send().await;
    assert_eq!(res.unwrap().status(), 404);
    let (status, _) =
        post_json(&other, &other_csrf, app.at("/api/v1/estate/notices"), notice("estate", &[], &["sms"], false)).await;
    assert_eq!(status, 422, "estate TA is not theirs to choose");

    // A cashier (no EstateWork) reaches none of the notice routes.
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let cashier = kefu_accounts::users::NewUser {
        username: "cashier_a".into(),
        display_name: "收银员".into(),
        password: PASSWORD.into(),
        roles: vec![Role::Cashier],
        branches: vec![app.fx.store_a],
        locale: Lang::Zh,
    };
    kefu_accounts::users::create(&app.db, &everyone, cashier).await.unwrap();
    let (cashier, cashier_csrf) = app.signed_in("cashier_a").await;
    for path in [
        "/estate/notices".to_string(),
        format!("/estate/notices/{id}"),
        format!("/api/v1/estate/notices/{id}/deliveries"),
    ] {
        assert_eq!(cashier.get(app.at(&path)).send().await.unwrap().status(), 403, "{path}");
    }
    let (status, _) =
        post_json(&cashier, &cashier_csrf, app.at(&format!("/api/v1/estate/notices/{id}/send")), json!({})).await;
    assert_eq!(status, 403);
    // Nobody signed in reaches nothing.
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = anonymous.get(app.at(&format!("/api/v1/estate/notices/{id}/deliveries"))).send().await.unwrap();
    assert_eq!(res.status(), 401);
});

on_both!(a_draft_is_edited_until_it_is_sent, |backend| async move {
    let app = TestApp::start(backend).await;
    estate(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (_, n) =
        post_json(&agent, &csrf, app.at("/api/v1/estate/notices"), notice("houses", &["5-1-101"], &["call"], false))
            .await;
    let id = n["id"].as_i64().unwrap();
    let edit = app.at(&format!("/estate/notices/{id}/edit"));
    let form_page = agent.get(edit.clone()).send().await.unwrap().text().await.unwrap();
    assert!(form_page.contains("5-1-101") && form_page.contains("停水通知"), "the form holds the draft");
    let save = |title: &'static str, houses: &'static str| {
        let (agent, csrf, app) = (&agent, &csrf, &app);
        async move {
            let form = [
                ("_csrf", csrf.as_str()),
                ("estate", "TA"),
                ("title", title),
                ("kind", "water_cut"),
                ("body", "水箱清洗延至12月4日。"),
                ("effective_from", "2026-12-04"),
                ("addressed_to", "houses"),
                ("houses", houses),
                ("sms", "1"),
                ("call", "1"),
            ];
            agent.post(app.at(&format!("/estate/notices/{id}"))).form(&form).send().await.unwrap()
        }
    };
    // A house the estate has not: refused by field, the draft as it was.
    let res = save("停水通知（改期）", "5-1-101\n8-1-808").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("8-1-808"));
    let d = deliveries(&agent, &app, id, "").await;
    assert_eq!(d["deliveries"], json!([]));
    assert_eq!(app.audit_count("estate_notice", "update").await, 0);
    // Saved: new title, text, channels and houses.
    assert_eq!(save("停水通知（改期）", "5-1-102\n5-1-103").await.status(), 303);
    assert_eq!(app.audit_count("estate_notice", "update").await, 1);
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let (status, sent) =
        post_json(&manager, &manager_csrf, app.at(&format!("/api/v1/estate/notices/{id}/send")), json!({})).await;
    assert_eq!(status, 200, "{sent}");
    let d = deliveries(&manager, &app, id, "").await;
    assert_eq!(houses_of(&d), set(&["5-1-102", "5-1-103"]));
    let channels: BTreeSet<String> =
        d["deliveries"].as_array().unwrap().iter().map(|x| x["channel"].as_str().unwrap().to_string()).collect();
    assert_eq!(channels, set(&["sms", "call"]));
    let page = agent.get(app.at(&format!("/estate/notices/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("停水通知（改期）"));
    // Sent, it stands: the form goes back to the notice, a save is refused.
    let res = agent.get(edit).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/estate/notices/{id}").as_str());
    assert_eq!(save("又改了", "5-1-101").await.status(), 409);
    // Another estate's agent cannot reach it.
    let (other, other_csrf) = app.signed_in("agent_b").await;
    let form = [("_csrf", other_csrf.as_str()), ("title", "x")];
    assert_eq!(other.post(app.at(&format!("/estate/notices/{id}"))).form(&form).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.at(&format!("/estate/notices/{id}/edit"))).send().await.unwrap().status(), 404);
});

on_both!(a_draft_is_read_and_rewritten_through_the_api_until_it_is_sent, |backend| async move {
    let app = TestApp::start(backend).await;
    estate(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (_, n) =
        post_json(&agent, &csrf, app.at("/api/v1/estate/notices"), notice("houses", &["5-1-101"], &["call"], false))
            .await;
    let id = n["id"].as_i64().unwrap();
    let url = app.at(&format!("/api/v1/estate/notices/{id}"));
    let put = |client: &reqwest::Client, csrf: &str, body: Value| {
        let req = client.put(url.clone()).header("x-csrf-token", csrf).json(&body);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let change = |houses: &[&str]| {
        json!({"title": "停水通知（改期）", "body": "水箱清洗延至12月4日。", "kind": "water_cut",
            "effective_from": "2026-12-04", "addressed_to": "houses", "houses": houses, "channels": ["sms", "call"]})
    };

    // Read alone and in the estate's list.
    let got = get_json(&agent, url.clone()).await;
    assert_eq!(
        (got["id"].as_i64(), got["status"].as_str(), &got["targets"]),
        (Some(id), Some("draft"), &json!(["5-1-101"]))
    );
    let listed = get_json(&agent, app.at("/api/v1/estate/notices?estate=TA")).await;
    assert!(listed.as_array().unwrap().iter().any(|x| x["id"].as_i64() == Some(id)), "{listed}");

    // Refused naming the field, the draft as it was: a house the estate has
    // not, a kind it does not know, a field it does not take.
    let (status, p) = put(&agent, &csrf, change(&["5-1-101", "8-1-808"])).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("houses")), "{p}");
    let mut bad_kind = change(&["5-1-102"]);
    bad_kind["kind"] = json!("flood");
    assert_eq!(put(&agent, &csrf, bad_kind).await.1["field"].as_str(), Some("kind"));
    let mut unknown = change(&["5-1-102"]);
    unknown["estate"] = json!("TB");
    assert_eq!(put(&agent, &csrf, unknown).await.0, 422, "the estate is not rewritten");
    assert_eq!(get_json(&agent, url.clone()).await, got);
    assert_eq!(app.audit_count("estate_notice", "update").await, 0);

    // Rewritten: title, text, day, houses and channels.
    let (status, n) = put(&agent, &csrf, change(&["5-1-102", "5-1-103"])).await;
    assert_eq!(status, 200, "{n}");
    assert_eq!(
        (n["title"].as_str(), n["effective_from"].as_str(), &n["targets"], &n["channels"]),
        (Some("停水通知（改期）"), Some("2026-12-04"), &json!(["5-1-102", "5-1-103"]), &json!(["sms", "call"]))
    );
    assert_eq!(app.audit_count("estate_notice", "update").await, 1);

    // Another estate's agent finds none of it; a cashier reaches none of it.
    let (other, other_csrf) = app.signed_in("agent_b").await;
    assert_eq!(other.get(url.clone()).send().await.unwrap().status(), 404);
    assert_eq!(put(&other, &other_csrf, change(&["5-1-101"])).await.0, 404);
    let listed = get_json(&other, app.at("/api/v1/estate/notices")).await;
    assert!(listed.as_array().unwrap().iter().all(|x| x["id"].as_i64() != Some(id)), "{listed}");

    // Sent, it stands.
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let send = app.at(&format!("/api/v1/estate/notices/{id}/send"));
    assert_eq!(post_json(&manager, &manager_csrf, send, json!({})).await.0, 200);
    let (status, p) = put(&agent, &csrf, change(&["5-1-101"])).await;
    assert_eq!((status, p["rule"].as_str()), (409, Some("notice_sent")), "{p}");
    let d = deliveries(&agent, &app, id, "").await;
    assert_eq!(houses_of(&d), set(&["5-1-102", "5-1-103"]));
});

on_both!(a_customers_wechat_openid_is_set_through_the_api, |backend| async move {
    let app = TestApp::start(backend).await;
    let owners = estate(&app).await;
    let customer = owners["赵磊"];
    let url = app.at(&format!("/api/v1/customers/{}/wechat-openid", customer.0));
    let put = |client: &reqwest::Client, csrf: &str, body: Value| {
        let req = client.put(url.clone()).header("x-csrf-token", csrf).json(&body);
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let scope = Scope::new(vec![app.fx.store_a]);
    let stored = || customers::wechat_openid_of(&app.db, &scope, customer);
    let before = stored().await.unwrap();
    let audits = app.audit_count("customer", "wechat_openid").await;
    let (agent, csrf) = app.signed_in("agent_a").await;

    // Not an openid: refused by field, nothing changed.
    let (status, p) = put(&agent, &csrf, json!({"wechat_openid": "o 1"})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("wechat_openid")), "{p}");
    assert_eq!(stored().await.unwrap(), before);
    // Set, audited; then cleared.
    let (status, v) = put(&agent, &csrf, json!({"wechat_openid": " oZhaoLei_api "})).await;
    assert_eq!((status, v["wechat_openid"].as_str()), (200, Some("oZhaoLei_api")), "{v}");
    assert_eq!(stored().await.unwrap().as_deref(), Some("oZhaoLei_api"));
    assert_eq!(app.audit_count("customer", "wechat_openid").await, audits + 1);
    let (status, v) = put(&agent, &csrf, json!({"wechat_openid": ""})).await;
    assert_eq!((status, &v["wechat_openid"]), (200, &Value::Null), "{v}");
    assert_eq!(stored().await.unwrap(), None);
    // Another store's agent finds no such customer.
    let (other, other_csrf) = app.signed_in("agent_b").await;
    assert_eq!(put(&other, &other_csrf, json!({"wechat_openid": "oX"})).await.0, 404);
    assert_eq!(stored().await.unwrap(), None);
});
