//! Members on SQLite and PostgreSQL: a tier sets the points rate and shows
//! its benefits; events take members only, while places last, and record who
//! came; a birthday gift is recorded once a year; events stay in their
//! branch.

mod support;

use serde_json::{Value, json};
use support::{Backend, TestApp};

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
    assert_eq!(agent_b.get(app.at(&format!("/members/events/{event}"))).send().await.unwrap().status(), 403);
    let list = agent_b.get(app.at("/members/events")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("春季川西自驾游"));
});
