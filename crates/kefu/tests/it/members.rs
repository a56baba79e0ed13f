//! Members on SQLite and PostgreSQL: a tier sets the points rate and shows
//! its benefits; events take members only, while places last, and record who
//! came; a birthday gift is recorded once a year; events stay in their
//! branch.

use crate::support;

use serde_json::{Value, json};
use support::{Backend, TestApp, get_json};

async fn post_form(client: &reqwest::Client, url: String, csrf: &str, pairs: &[(&str, &str)]) -> (u16, String) {
    let mut form: Vec<(&str, &str)> = pairs.to_vec();
    form.push(("_csrf", csrf));
    let res = client.post(url).form(&form).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

on_both!(tiers_events_and_birthday_gifts, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let zhang = app.fx.customer_a;
    // 王芳 of store A, not a member.
    let wang = app.customer_in(app.fx.store_a, "王芳", "13700001111").await.0;

    // Gold makes 张伟 a member earning three points a yuan.
    let (status, _) =
        post_form(&agent, app.at(&format!("/customers/{zhang}/tier")), &csrf, &[("tier", "diamond")]).await;
    assert_eq!(status, 422, "no such tier");
    let (status, _) = post_form(&agent, app.at(&format!("/customers/{zhang}/tier")), &csrf, &[("tier", "gold")]).await;
    assert_eq!(status, 303);
    let page = agent.get(app.at(&format!("/customers/{zhang}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("免费洗车 6 次"), "the tier's benefits are shown");
    let earned: Value = agent
        .post(app.at(&format!("/api/v1/customers/{zhang}/points/earn")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "amount": "100" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((earned["points"].as_i64(), earned["tier"].as_str()), (Some(300), Some("gold")));

    // A self-drive trip with one place.
    let store = app.fx.store_a.to_string();
    let trip = [
        ("branch_id", store.as_str()),
        ("kind", "self_drive"),
        ("title", "春季川西自驾游"),
        ("starts_on", "2027-04-10"),
    ];
    let (status, page) =
        post_form(&agent, app.at("/members/events"), &csrf, &[&trip[..], &[("capacity", "0")]].concat()).await;
    assert_eq!(status, 422);
    assert!(page.contains("名额：须为 1 到 1000 人"), "{page}");
    let (status, _) =
        post_form(&agent, app.at("/members/events"), &csrf, &[&trip[..], &[("capacity", "1")]].concat()).await;
    assert_eq!(status, 303);
    let event: i64 = sqlx::query_scalar("SELECT id FROM member_events").fetch_one(app.db.pool()).await.unwrap();
    let sign_up = |who: i64| app.at(&format!("/customers/{who}/events"));
    let (status, page) = post_form(&agent, sign_up(wang), &csrf, &[("event", &event.to_string())]).await;
    assert_eq!(status, 422, "members only");
    assert!(page.contains("会员活动仅限会员报名"));
    let (status, _) = post_form(&agent, sign_up(zhang.0), &csrf, &[("event", &event.to_string())]).await;
    assert_eq!(status, 303);
    sqlx::query("UPDATE customers SET is_member = 1 WHERE id = $1").bind(wang).execute(app.db.pool()).await.unwrap();
    let (status, page) = post_form(&agent, sign_up(wang), &csrf, &[("event", &event.to_string())]).await;
    assert_eq!(status, 422, "the one place is taken");
    assert!(page.contains("名额已满（1 人）"));
    let (status, _) = post_form(
        &agent,
        app.at(&format!("/members/events/{event}/attendance")),
        &csrf,
        &[("customer", &zhang.to_string()), ("attended", "yes")],
    )
    .await;
    assert_eq!(status, 303);
    let page = agent.get(app.at(&format!("/members/events/{event}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("张伟") && page.contains("已出席 ✓"), "{page}");

    // One birthday gift a year.
    let gift = app.at(&format!("/customers/{zhang}/birthday-gift"));
    assert_eq!(post_form(&agent, gift.clone(), &csrf, &[("gift", "车载香薰")]).await.0, 303);
    let (status, page) = post_form(&agent, gift, &csrf, &[("gift", "保温杯")]).await;
    assert_eq!(status, 422);
    assert!(page.contains("2026 年的生日礼品已赠送"));
    let gifts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM birthday_gifts").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(gifts, 1);

    // Store B sees nothing of store A's events.
    let (agent_b, _) = app.signed_in("agent_b").await;
    assert_eq!(agent_b.get(app.at(&format!("/members/events/{event}"))).send().await.unwrap().status(), 404);
    let list = agent_b.get(app.at("/members/events")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("春季川西自驾游"));
});

on_both!(the_members_api, |backend: Backend| async move {
    use kefu_outreach::channels::sms::{SmsChannel, WebhookConfig, WebhookSms};
    let (sms_url, received) = support::sms_receiver().await;
    let sms = SmsChannel::new(WebhookSms::new(WebhookConfig { url: sms_url, secret: "s3cret".into() }).unwrap());
    let channels = kefu_outreach::dispatch::Channels { letters: None, sms: Some(sms), email: None, wechat: None };
    let app = TestApp::start_with(backend, channels).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let zhang = app.fx.customer_a.0;
    let wang = app.customer_in(app.fx.store_a, "王芳", "13700001111").await.0;
    let put = |url: String, body: Value| agent.put(url).header("x-csrf-token", &csrf).json(&body).send();

    let tiers: Value = get_json(&agent, app.at("/api/v1/members/tiers")).await;
    assert_eq!(tiers.as_array().unwrap().len(), 3, "{tiers}");
    let res = put(app.at(&format!("/api/v1/customers/{zhang}/tier")), json!({ "tier": "diamond" })).await.unwrap();
    assert_eq!(res.status(), 422);
    let res = put(app.at(&format!("/api/v1/customers/{zhang}/tier")), json!({ "tier": "gold" })).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["tier"], "gold");

    let body = json!({ "branch_id": app.fx.store_a.0, "title": "春季川西自驾游", "kind": "self_drive",
        "starts_on": "2027-04-10", "capacity": 20 });
    let mut nul = body.clone();
    nul["title"] = "春季\u{0}自驾游".into();
    let (status, problem) = support::post_json(&agent, &csrf, app.at("/api/v1/members/events"), nul).await;
    assert_eq!(
        (status, problem["rule"].as_str(), problem["field"].as_str()),
        (422, Some("control_character"), Some("title"))
    );
    let (status, event) = support::post_json(&agent, &csrf, app.at("/api/v1/members/events"), body).await;
    assert_eq!(status, 201, "{event}");
    let id = event["id"].as_i64().unwrap();
    let listed: Value = get_json(&agent, app.at("/api/v1/members/events?from=2027-01-01")).await;
    assert_eq!(listed[0]["id"], id);

    // The members of the store are invited by SMS: 张伟 is one, 王芳 is not.
    let (status, sent) = support::post_json(
        &agent,
        &csrf,
        app.at(&format!("/api/v1/members/events/{id}/invitations")),
        json!({ "channel": "sms" }),
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!((sent["queued"].as_i64(), sent["sent"].as_i64()), (Some(1), Some(1)), "{sent}");
    let got = received.lock().unwrap().clone();
    assert_eq!(got[0]["mobile"], "13800138000");
    assert!(got[0]["text"].as_str().unwrap().contains("春季川西自驾游"), "{got:?}");
    let (status, sent) = support::post_json(
        &agent,
        &csrf,
        app.at(&format!("/api/v1/members/events/{id}/invitations")),
        json!({ "channel": "email", "customers": [wang] }),
    )
    .await;
    assert_eq!((status, sent["rule"].as_str()), (422, Some("channel_not_configured")), "{sent}");

    let signups = app.at(&format!("/api/v1/members/events/{id}/signups"));
    let (status, problem) = support::post_json(&agent, &csrf, signups.clone(), json!({ "customer": wang })).await;
    assert_eq!((status, problem["rule"].as_str()), (422, Some("members_only")));
    let (status, detail) = support::post_json(&agent, &csrf, signups, json!({ "customer": zhang })).await;
    assert_eq!((status, detail["event"]["signed_up"].as_i64()), (201, Some(1)), "{detail}");
    let attendance = app.at(&format!("/api/v1/members/events/{id}/attendance"));
    let res = put(attendance.clone(), json!({ "customer": zhang, "attended": true })).await.unwrap();
    let detail: Value = res.json().await.unwrap();
    assert_eq!(
        (detail["event"]["attended"].as_i64(), detail["signups"][0]["attended"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(put(attendance, json!({ "customer": wang, "attended": true })).await.unwrap().status(), 404);

    let gifts = app.at(&format!("/api/v1/customers/{zhang}/birthday-gifts"));
    let (status, given) = support::post_json(&agent, &csrf, gifts.clone(), json!({ "gift": "车载香薰" })).await;
    assert_eq!((status, given[0]["year"].as_i64()), (201, Some(2026)), "{given}");
    let (status, problem) = support::post_json(&agent, &csrf, gifts.clone(), json!({ "gift": "保温杯" })).await;
    assert_eq!((status, problem["rule"].as_str()), (422, Some("gift_this_year")));
    let listed: Value = get_json(&agent, gifts).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    for action in ["create", "sign_up", "attendance", "send"] {
        assert_eq!(app.audit_count("member_event", action).await, 1, "{action} is audited");
    }

    // Store B sees nothing of store A's members.
    let (agent_b, csrf_b) = app.signed_in("agent_b").await;
    assert_eq!(agent_b.get(app.at(&format!("/api/v1/members/events/{id}"))).send().await.unwrap().status(), 404);
    let (status, _) = support::post_json(
        &agent_b,
        &csrf_b,
        app.at(&format!("/api/v1/customers/{zhang}/birthday-gifts")),
        json!({ "gift": "伞" }),
    )
    .await;
    assert_eq!(status, 404);
});
