//! After the month's billing run, a cashier finds the account at the
//! counter by the tail of its number, takes the payment the page proposes
//! (the bill in full) and gets the receipt, in headless Chromium.

use super::*;
use crate::power_readings::{Acct, book, county, number, reading};

async fn take_a_payment_at_the_counter(backend: Backend) {
    let app = county(backend, &[Acct { serial: 31, tariff: "gx-res-1", meters: vec![("W-31", 6, (1, 1))] }]).await;
    let book_id = book(&app, "LY-31", &[31]).await;
    let (reader, rcsrf) = app.signed_in("reader_a").await;
    assert_eq!(reading(&reader, &rcsrf, &app, 31, "1000", "2026-10-25", "real").await.0, 201);
    assert_eq!(reading(&reader, &rcsrf, &app, 31, "1150", "2026-11-25", "real").await.0, 201);
    let (manager, csrf) = app.signed_in("manager_a").await;
    let run = json!({"book_id": book_id, "month": "2026-11"});
    let (status, outcome) = support::post_json(&manager, &csrf, app.at("/api/v1/power/billing/runs"), run).await;
    assert_eq!((status, outcome["created"].as_i64()), (200, Some(1)), "{outcome}");
    let billed: i64 = sqlx::query_scalar("SELECT amount FROM power_bills WHERE status = 'issued'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();

    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "cashier_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
    client.goto(&app.at("/power/counter")).await.unwrap();
    let account = number(31);
    type_into(&client, r#"[data-testid="counter-find"] input[name="q"]"#, &account[account.len() - 4..]).await;
    submit(&client, "counter-find").await;
    let due = text_of(&client, Locator::Css(r#"[data-testid="total-due"]"#), "the total due").await;
    let yuan = format!("{}.{:02}", billed / 100, billed % 100);
    assert_eq!(due, yuan);
    submit(&client, "take-payment").await;
    let receipt = text_of(&client, Locator::Css(r#"[data-testid="receipt-no"]"#), "the receipt").await;
    let lines = text_of(&client, Locator::Css(r#"[data-testid="receipt-lines"]"#), "the bills cleared").await;
    assert!(lines.contains(&format!("202611{account}")) && lines.contains(&yuan), "{lines}");
    let (paid, receipts): (i64, i64) = (
        sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM power_payment_allocations")
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
        sqlx::query_scalar("SELECT COUNT(*) FROM power_payments WHERE receipt_no = $1")
            .bind(receipt.clone())
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
    );
    assert_eq!((paid, receipts), (billed, 1), "{receipt}");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_a_payment_at_the_counter_sqlite() {
    take_a_payment_at_the_counter(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_a_payment_at_the_counter_postgres() {
    take_a_payment_at_the_counter(Backend::Postgres).await;
}
