//! The property company's operations in headless Chromium, one chain
//! (issue 21's done-when): a visitor registered at the desk, then a water
//! leak reported, dispatched, repaired with its materials and confirmed,
//! and the next day its 回访 call taken from the queue, its outcome shown
//! on the repair; a water-cut notice drafted and sent to the building, its
//! deliveries on its page; a billing period run and the house's bill paid
//! at the desk.

use super::*;
use kefu_core::time::Clock;

/// Signs `username` in, in the browser, and waits for the today page.
async fn sign_in(app: &TestApp, client: &Client, username: &str) {
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(client, username, PASSWORD).await;
    wait_for(client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
}

async fn desk_visitor_repair_notice_billing_and_payment(backend: Backend) {
    let app = TestApp::start_with_packs(backend, kefu_web::packs::Enabled::select(&["estate"]).unwrap()).await;
    // House 3-2-1502 of 张伟 and its neighbour 3-2-1501, with fee items.
    crate::estate_fees::estate_with_fees(&app).await;
    let (_driver, client) = open_browser().await;
    sign_in(&app, &client, "agent_a").await;

    // A visitor at the desk, to 3栋1502.
    client.goto(&app.at("/estate/estates/TA/visitors")).await.unwrap();
    let form = wait_for(&client, Locator::Css(r#"[data-testid="estate-visitor-form"]"#), "the visitor form").await;
    for (name, value) in [("name", "赵敏"), ("mobile", "13912345678"), ("house", "3栋1502")] {
        form.find(Locator::Css(&format!(r#"input[name="{name}"]"#))).await.unwrap().send_keys(value).await.unwrap();
    }
    form.find(Locator::Css(r#"button[type="submit"]"#)).await.unwrap().click().await.unwrap();
    let list = text_of(&client, Locator::Css(r#"[data-testid="estate-visitors"]"#), "the day's visitors").await;
    assert!(list.contains("赵敏") && list.contains("3-2-1502"), "{list}");

    // The owner calls: a burst pipe in the kitchen.
    client.goto(&app.at("/estate/repairs/new?estate=TA")).await.unwrap();
    let form = wait_for(&client, Locator::Css(r#"[data-testid="estate-repair-form"]"#), "the repair form").await;
    form.find(Locator::Css(r#"select[name="source"]"#)).await.unwrap().select_by_value("call").await.unwrap();
    form.find(Locator::Css(r#"select[name="place"]"#)).await.unwrap().select_by_value("in_house").await.unwrap();
    form.find(Locator::Css(r#"select[name="category"]"#)).await.unwrap().select_by_value("water_leak").await.unwrap();
    type_into(&client, r#"[data-testid="estate-repair-form"] input[name="house"]"#, "3-2-1502").await;
    type_into(&client, r#"[data-testid="estate-repair-form"] input[name="reporter"]"#, "张伟").await;
    type_into(&client, r#"[data-testid="estate-repair-form"] textarea[name="description"]"#, "厨房水管爆裂").await;
    let page = wait_for(&client, Locator::Css("main"), "the form page").await;
    form.find(Locator::Css(r#"button[type="submit"]"#)).await.unwrap().click().await.unwrap();
    wait_until_replaced(&page, "the report").await;
    let status = text_of(&client, Locator::Css(r#"[data-testid="repair-status"]"#), "the repair's status").await;
    assert_eq!(status, "已报修");

    // Dispatched, on site, done with its materials, confirmed by the owner.
    type_into(&client, r#"input[name="technician"]"#, "李师傅").await;
    submit_where(&client, "step", "dispatch").await;
    submit_where(&client, "step", "arrive").await;
    type_into(&client, r#"textarea[name="work_done"]"#, "更换进水软管").await;
    type_into(&client, r#"textarea[name="materials"]"#, "进水软管, 1, 35.50").await;
    type_into(&client, r#"input[name="labour"]"#, "50").await;
    submit_where(&client, "step", "complete").await;
    let charge = text_of(&client, Locator::Css(r#"[data-testid="repair-charge"]"#), "the charge").await;
    assert!(charge.contains("85.50"), "materials and labour: {charge}");
    submit_where(&client, "step", "confirm").await;
    let status = text_of(&client, Locator::Css(r#"[data-testid="repair-status"]"#), "the repair's status").await;
    assert_eq!(status, "已确认");
    let repair = path_of(&client).await;

    // The next day the 回访 call waits in the queue.
    let today = kefu_core::time::BusinessZone::shanghai().date_of(app.clock.now());
    let next_day = today.tomorrow().unwrap();
    app.clock.set(kefu_core::time::BusinessZone::shanghai().start_of(next_day) + jiff::SignedDuration::from_hours(2));
    kefu_web::packs::Enabled::select(&["estate"])
        .unwrap()
        .core()
        .run_outreach(&app.db, &everyone(&app), (next_day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    sign_in(&app, &client, "agent_a").await;
    client.goto(&app.at("/outreach/calls")).await.unwrap();
    let queue = text_of(&client, Locator::Css(r#"[data-testid="call-queue"]"#), "the call queue").await;
    assert!(queue.contains("报修次日回访"), "{queue}");
    let page = wait_for(&client, Locator::Css("main"), "the queue").await;
    wait_for(&client, Locator::XPath("//button[normalize-space()='领取']"), "claim").await.click().await.unwrap();
    wait_until_replaced(&page, "the queue before claiming").await;
    let script = text_of(&client, Locator::Css(r#"[data-testid="script"]"#), "the call script").await;
    assert!(script.contains("厨房水管爆裂"), "{script}");
    wait_for(&client, Locator::Css(r#"input[name="outcome"][value="satisfied"]"#), "satisfied")
        .await
        .click()
        .await
        .unwrap();
    type_into(&client, r#"textarea[name="notes"]"#, "已修好，业主满意").await;
    let call_page = wait_for(&client, Locator::Css("main"), "the call page").await;
    wait_for(&client, Locator::Css(r#"[data-testid="outcome-form"] button[type="submit"]"#), "save")
        .await
        .click()
        .await
        .unwrap();
    wait_until_replaced(&call_page, "the call page after saving").await;

    // The repair shows its 回访.
    client.goto(&app.at(&repair)).await.unwrap();
    let revisit = text_of(&client, Locator::Css(r#"[data-testid="estate-repair-revisits"]"#), "the 回访").await;
    assert!(revisit.contains("已修好，业主满意"), "{revisit}");

    // A water-cut notice to building 3, by SMS and a call: drafted, checked,
    // sent, and each house's delivery on its page.
    client.goto(&app.at("/estate/notices/new?estate=TA")).await.unwrap();
    let form = wait_for(&client, Locator::Css(r#"[data-testid="estate-notice-form"]"#), "the notice form").await;
    form.find(Locator::Css(r#"select[name="kind"]"#)).await.unwrap().select_by_value("water_cut").await.unwrap();
    type_into(&client, r#"[data-testid="estate-notice-form"] input[name="title"]"#, "3幢停水通知").await;
    type_into(
        &client,
        r#"[data-testid="estate-notice-form"] textarea[name="body"]"#,
        "水箱清洗，明日9:00至17:00停水。",
    )
    .await;
    type_into(&client, r#"[data-testid="estate-notice-form"] input[name="buildings"]"#, "3").await;
    let page = wait_for(&client, Locator::Css("main"), "the form page").await;
    form.find(Locator::Css(r#"button[type="submit"]"#)).await.unwrap().click().await.unwrap();
    wait_until_replaced(&page, "the notice form").await;
    let status = text_of(&client, Locator::Css(r#"[data-testid="notice-status"]"#), "the notice's status").await;
    assert_eq!(status, "草稿");
    let page = wait_for(&client, Locator::Css("main"), "the draft").await;
    wait_for(&client, Locator::Css(r#"[data-testid="estate-notice-send-form"] button"#), "send")
        .await
        .click()
        .await
        .unwrap();
    wait_until_replaced(&page, "the draft").await;
    let deliveries =
        text_of(&client, Locator::Css(r#"[data-testid="estate-notice-deliveries"]"#), "the deliveries").await;
    // 张伟's SMS and call wait (no SMS gateway here; the call for an agent);
    // nobody of 3-2-1501 can be reached.
    assert!(
        deliveries.contains("3-2-1502") && deliveries.contains("待发送") && deliveries.contains("张伟"),
        "{deliveries}"
    );
    assert!(deliveries.contains("3-2-1501") && deliveries.contains("该户无此渠道的联系方式"), "{deliveries}");
    let counts = text_of(&client, Locator::Css(r#"[data-testid="notice-counts"]"#), "the counts").await;
    assert!(counts.contains("2") && counts.contains("待发送"), "{counts}");
    let notice = path_of(&client).await;

    // The notice's call, taken from the queue: explained to the owner.
    client.goto(&app.at("/outreach/calls")).await.unwrap();
    let queue = text_of(&client, Locator::Css(r#"[data-testid="call-queue"]"#), "the call queue").await;
    assert!(queue.contains("通知解释"), "{queue}");
    let page = wait_for(&client, Locator::Css("main"), "the queue").await;
    wait_for(&client, Locator::XPath("//button[normalize-space()='领取']"), "claim").await.click().await.unwrap();
    wait_until_replaced(&page, "the queue before claiming").await;
    let script = text_of(&client, Locator::Css(r#"[data-testid="script"]"#), "the call script").await;
    assert!(script.contains("3幢停水通知"), "{script}");
    wait_for(&client, Locator::Css(r#"input[name="outcome"][value="explained"]"#), "explained")
        .await
        .click()
        .await
        .unwrap();
    let call_page = wait_for(&client, Locator::Css("main"), "the call page").await;
    wait_for(&client, Locator::Css(r#"[data-testid="outcome-form"] button[type="submit"]"#), "save")
        .await
        .click()
        .await
        .unwrap();
    wait_until_replaced(&call_page, "the call page after saving").await;
    client.goto(&app.at(&format!("{notice}?state=explained"))).await.unwrap();
    let explained =
        text_of(&client, Locator::Css(r#"[data-testid="estate-notice-deliveries"]"#), "the explained").await;
    assert!(explained.contains("3-2-1502") && explained.contains("电话解释"), "{explained}");

    // The manager runs January's billing and takes the house's payment.
    sign_in(&app, &client, "manager_a").await;
    client.goto(&app.at("/estate/estates/TA/fees")).await.unwrap();
    let period =
        wait_for(&client, Locator::Css(r#"[data-testid="estate-billing-form"] input[name="period"]"#), "the period")
            .await;
    period.clear().await.unwrap();
    period.send_keys("2026-01").await.unwrap();
    client.find(Locator::Css(r#"[data-testid="estate-billing-form"] button"#)).await.unwrap().click().await.unwrap();
    let summary = text_of(&client, Locator::Css(r#"[data-testid="estate-run-summary"]"#), "the run's summary").await;
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM estate_bills").fetch_one(app.db.pool()).await.unwrap();
    assert!(issued > 0 && summary.contains(&issued.to_string()), "{summary}");
    let (house, due): (i64, i64) = sqlx::query_as(
        "SELECT h.id, SUM(b.outstanding) FROM estate_bills b JOIN estate_houses h ON h.id = b.house_id \
         WHERE h.number = '3-2-1502' GROUP BY h.id",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    client.goto(&app.at(&format!("/estate/houses/{house}"))).await.unwrap();
    let form = wait_for(&client, Locator::Css(r#"[data-testid="estate-payment-form"]"#), "the payment form").await;
    let amount = format!("{}.{:02}", due / 100, due % 100);
    form.find(Locator::Css(r#"input[name="amount"]"#)).await.unwrap().send_keys(&amount).await.unwrap();
    form.find(Locator::Css(r#"select[name="channel"]"#)).await.unwrap().select_by_value("desk").await.unwrap();
    form.find(Locator::Css(r#"button[type="submit"]"#)).await.unwrap().click().await.unwrap();
    let payments = text_of(&client, Locator::Css(r#"[data-testid="estate-payments"]"#), "the payments").await;
    assert!(payments.contains(&amount), "{payments}");
    let outstanding: i64 = sqlx::query_scalar("SELECT SUM(outstanding) FROM estate_bills WHERE house_id = $1")
        .bind(house)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(outstanding, 0, "the house's bills are paid");
    // The house's page lists the notice too.
    let notices =
        text_of(&client, Locator::Css(r#"[data-testid="estate-house-notices"]"#), "the house's notices").await;
    assert!(notices.contains("3幢停水通知"), "{notices}");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_visitor_repair_notice_billing_and_payment_sqlite() {
    desk_visitor_repair_notice_billing_and_payment(Backend::Sqlite).await;
}
