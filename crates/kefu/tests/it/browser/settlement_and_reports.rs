//! The first day of an agent and a service advisor, in headless Chromium:
//! the survey filter left at "all stores", a settlement that earns points
//! and a refund that takes them back, the settled visit at its time on the
//! timeline, and the 7-day follow-up call that finds a problem and books
//! the customer back.

use super::*;
use support::post_json;

/// Signs `username` in, in the browser, and waits for the today page.
async fn sign_in(app: &TestApp, client: &Client, username: &str) {
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(client, username, PASSWORD).await;
    wait_for(client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
}

async fn survey_filter_left_at_all_stores(backend: Backend) {
    let app = TestApp::start(backend).await;
    let store = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.store_a]));
    let input = kefu_care::surveys::SurveyInput {
        title: "保养服务回访问卷".into(),
        intro: String::new(),
        questions: vec![kefu_care::surveys::rules::QuestionInput {
            kind: "scale5".into(),
            prompt: "您对本次保养服务的满意度".into(),
            options: String::new(),
        }],
    };
    let survey = kefu_care::surveys::create(&app.db, &store, app.fx.store_a, &input).await.unwrap();
    let (_driver, client) = open_browser().await;
    sign_in(&app, &client, "manager_a").await;
    client.goto(&app.at(&format!("/surveys/{}?branch={}", survey.id, app.fx.store_a))).await.unwrap();
    let filter = wait_for(&client, Locator::Css(r#"form.filters select[name="branch"]"#), "the store filter").await;
    filter.select_by_value("").await.expect("choose 全部门店");
    let page = wait_for(&client, Locator::Css("main"), "the results").await;
    wait_for(&client, Locator::Css("form.filters button[type=submit]"), "show").await.click().await.unwrap();
    wait_until_replaced(&page, "the results before filtering").await;
    let url = client.current_url().await.unwrap();
    assert!(url.query().unwrap_or_default().contains("branch=&"), "the empty filter was sent: {url}");
    assert_eq!(text_of(&client, Locator::Css("main h1"), "the survey's title").await, "保养服务回访问卷");
    assert!(client.find(Locator::Css(r#"[role="alert"]"#)).await.is_err(), "no error for 全部门店");
    // A filter that is not a store is named, in Chinese, on the error page.
    client.goto(&app.at(&format!("/surveys/{}?branch=abc", survey.id))).await.unwrap();
    let error = text_of(&client, Locator::Css(r#"[role="alert"]"#), "the error").await;
    assert_eq!(error, "所属机构：无法识别该值");
    client.close().await.expect("close the browser session");
}

/// An order for 张伟's car through the quality check, by the API; its id.
async fn checked_order(app: &TestApp) -> i64 {
    zhang_weis_car(app, "2025-10-01", "2026-11-29".parse().unwrap()).await;
    let vehicle: i64 = sqlx::query_scalar("SELECT id FROM vehicles WHERE vin = 'LSVAM4187C2184847'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (client, csrf) = app.signed_in("agent_a").await;
    let url = app.at(&format!("/api/v1/vehicles/{vehicle}/repair-orders"));
    let (status, o) = post_json(&client, &csrf, url, json!({ "kind": "repair" })).await;
    assert_eq!(status, 201, "{o}");
    let id = o["id"].as_i64().unwrap();
    for step in [
        json!({ "step": "reception", "mileage_km": 15230, "fuel_eighths": 4, "complaint": "刹车异响",
                "promised_at": "2026-11-29 17:30" }),
        json!({ "step": "add_line", "kind": "labour", "description": "更换前刹车片", "quantity": "1",
                "unit_price": "380", "payer": "customer" }),
        json!({ "step": "approve", "signed_by": "张伟" }),
        json!({ "step": "start_work", "technician": "李师傅" }),
        json!({ "step": "finish_repair" }),
        json!({ "step": "quality_check", "result": "pass", "inspector": "王质检" }),
    ] {
        let (status, o) = post_json(&client, &csrf, app.at(&format!("/api/v1/repair-orders/{id}/steps")), step).await;
        assert_eq!(status, 200, "{o}");
    }
    id
}

async fn points_balance(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries WHERE customer_id = $1")
        .bind(app.fx.customer_a.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

async fn settle_earn_refund_and_follow_up(backend: Backend) {
    let app = TestApp::start(backend).await;
    let order = checked_order(&app).await;
    let (_driver, client) = open_browser().await;
    sign_in(&app, &client, "agent_a").await;

    // Settled at 13:31 in Shanghai, paid by WeChat Pay: ¥380 earns 380
    // points at the standard rate of a point a yuan.
    app.clock.set("2026-11-29T05:31:00Z".parse().unwrap());
    client.goto(&app.at(&format!("/repair-orders/{order}"))).await.unwrap();
    wait_for(&client, Locator::Css(r#"select[data-testid="payment"]"#), "the payment method")
        .await
        .select_by_value("wechat_pay")
        .await
        .expect("choose WeChat Pay");
    submit_where(&client, "step", "settle").await;
    let facts = text_of(&client, Locator::Css(r#"[data-testid="payment-facts"]"#), "the payment").await;
    assert!(facts.contains("微信支付"), "{facts}");
    assert_eq!(text_of(&client, Locator::Css(r#"[data-testid="points-earned"]"#), "the points").await, "380");
    assert_eq!(points_balance(&app).await, 380);

    // A refund of ¥95 (a quarter) takes back a quarter of the points.
    wait_for(&client, Locator::XPath("//summary[normalize-space()='退款']"), "the refund form")
        .await
        .click()
        .await
        .unwrap();
    type_into(&client, r#"[data-testid="refund-form"] input[name="amount"]"#, "95").await;
    type_into(&client, r#"[data-testid="refund-form"] input[name="reason"]"#, "刹车片按会员价重新计价").await;
    submit(&client, "refund-form").await;
    assert_eq!(text_of(&client, Locator::Css(r#"[data-testid="refunded"]"#), "the refunded sum").await, "¥95.00");
    assert_eq!(points_balance(&app).await, 380 - 95);

    // The customer's timeline shows the visit at the settlement's time.
    client.goto(&app.at(&format!("/customers/{}", app.fx.customer_a))).await.unwrap();
    let timeline = text_of(&client, Locator::Css(r#"[data-testid="timeline"]"#), "the timeline").await;
    let visit = timeline.lines().find(|l| l.contains("进厂")).unwrap_or_else(|| panic!("a visit in {timeline}"));
    assert!(visit.starts_with("2026-11-29 13:31"), "the visit at its time: {visit}");

    // Seven days later the follow-up call waits in the queue.
    app.clock.set("2026-12-06T01:00:00Z".parse().unwrap());
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(
            &app.db,
            &everyone(&app),
            ("2026-12-06".parse().unwrap(), &kefu_core::time::BusinessZone::shanghai()),
            &|_, _| {},
        )
        .await
        .unwrap();
    sign_in(&app, &client, "agent_a").await;
    client.goto(&app.at("/outreach/calls")).await.unwrap();
    let queue = text_of(&client, Locator::Css(r#"[data-testid="call-queue"]"#), "the call queue").await;
    assert!(queue.contains("维修保养 7 日回访"), "{queue}");
    let page = wait_for(&client, Locator::Css("main"), "the queue").await;
    wait_for(&client, Locator::XPath("//button[normalize-space()='领取']"), "claim").await.click().await.unwrap();
    wait_until_replaced(&page, "the queue before claiming").await;
    // A follow-up asks whether the customer is satisfied; it books nothing
    // unless the problem brings them back.
    let booking = wait_for(&client, Locator::Css("details#book"), "the booking form").await;
    assert_eq!(booking.attr("open").await.unwrap(), None, "the booking form is closed");
    let outcomes = text_of(&client, Locator::Css(r#"[data-testid="outcome-form"]"#), "the outcomes").await;
    assert!(outcomes.contains("满意") && outcomes.contains("不满意：问题仍在") && outcomes.contains("无人接听"));
    assert!(!outcomes.contains("已接通，已预约"), "{outcomes}");
    wait_for(&client, Locator::Css(r#"input[name="outcome"][value="problem_reported"]"#), "not satisfied")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&client, Locator::Css(r#"input[name="remedy"][value="return_visit"]"#), "book a return")
        .await
        .click()
        .await
        .unwrap();
    type_into(&client, r#"textarea[name="notes"]"#, "刹车仍有轻微异响").await;
    submit(&client, "outcome-form").await;
    let url = client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("book=return_visit"), "{url}");
    wait_for(&client, Locator::Css(r#"[data-testid="return-visit"]"#), "the note to book").await;
    let booking = wait_for(&client, Locator::Css("details#book"), "the booking form").await;
    assert!(booking.attr("open").await.unwrap().is_some(), "the booking form is open to book the return");
    let (outcome, notes): (String, String) = sqlx::query_as(
        "SELECT outcome, notes FROM outreach_tasks WHERE playbook = 'service_follow_up' AND channel = 'call'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((outcome.as_str(), notes.as_str()), ("problem_reported", "刹车仍有轻微异响"));
    let items: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM followups").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(items, 0, "the booking follows the problem up, not a supervisor's item");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survey_filter_left_at_all_stores_sqlite() {
    survey_filter_left_at_all_stores(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settle_earn_refund_and_follow_up_sqlite() {
    settle_earn_refund_and_follow_up(Backend::Sqlite).await;
}
