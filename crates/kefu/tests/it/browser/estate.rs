//! The property company's front desk in headless Chromium: a visitor
//! registered to a house, a billing period run, and a payment taken at the
//! desk that clears the house's bill, its receipt linked.

use super::*;

async fn desk_visitor_billing_and_payment(backend: Backend) {
    let app = TestApp::start_with_packs(backend, kefu_web::packs::Enabled::select(&["estate"]).unwrap()).await;
    crate::estate_fees::estate_with_fees(&app).await;
    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "manager_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;

    // A visitor at the desk, to 3栋2单元1502, the host confirming.
    client.goto(&app.at("/estate/estates/TA/visitors")).await.unwrap();
    let form = wait_for(&client, Locator::Css(r#"[data-testid="estate-visitor-form"]"#), "the visitor form").await;
    for (name, value) in [("name", "赵敏"), ("mobile", "13912345678"), ("house", "3栋2单元1502"), ("plate", "浙A88F66")]
    {
        form.find(Locator::Css(&format!(r#"input[name="{name}"]"#))).await.unwrap().send_keys(value).await.unwrap();
    }
    form.find(Locator::Css(r#"input[name="host_confirmed"]"#)).await.unwrap().click().await.unwrap();
    form.find(Locator::Css(r#"button[type="submit"]"#)).await.unwrap().click().await.unwrap();
    let list = text_of(&client, Locator::Css(r#"[data-testid="estate-visitors"]"#), "the day's visitors").await;
    assert!(list.contains("赵敏") && list.contains("3-2-1502") && list.contains("浙A88F66"), "{list}");

    // The billing run for January.
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

    // The house's bill paid at the desk by WeChat Pay.
    let (house, total): (i64, i64) = sqlx::query_as(
        "SELECT h.id, b.total FROM estate_bills b JOIN estate_houses h ON h.id = b.house_id WHERE h.number = '3-2-1502'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    client.goto(&app.at(&format!("/estate/houses/{house}"))).await.unwrap();
    let form = wait_for(&client, Locator::Css(r#"[data-testid="estate-payment-form"]"#), "the payment form").await;
    let amount = format!("{}.{:02}", total / 100, total % 100);
    form.find(Locator::Css(r#"input[name="amount"]"#)).await.unwrap().send_keys(&amount).await.unwrap();
    form.find(Locator::Css(r#"select[name="channel"]"#)).await.unwrap().select_by_value("wechat").await.unwrap();
    form.find(Locator::Css(r#"input[name="transaction_no"]"#))
        .await
        .unwrap()
        .send_keys("4200002026011500001")
        .await
        .unwrap();
    form.find(Locator::Css(r#"button[type="submit"]"#)).await.unwrap().click().await.unwrap();
    let payments = text_of(&client, Locator::Css(r#"[data-testid="estate-payments"]"#), "the payments").await;
    assert!(payments.contains(&amount) && payments.contains("4200002026011500001"), "{payments}");
    let outstanding: i64 = sqlx::query_scalar("SELECT outstanding FROM estate_bills WHERE house_id = $1")
        .bind(house)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(outstanding, 0, "the bill is paid");
    // The payment's receipt is a link on the house's page.
    let receipt = wait_for(&client, Locator::Css(r#"[data-testid="estate-receipt-link"]"#), "the receipt link").await;
    let href = receipt.attr("href").await.unwrap().unwrap_or_default();
    assert!(href.starts_with("/estate/payments/") && href.ends_with("/receipt.pdf"), "{href}");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_visitor_billing_and_payment_sqlite() {
    desk_visitor_billing_and_payment(Backend::Sqlite).await;
}
