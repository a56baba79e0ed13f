//! The month of a supply station, in headless Chromium: a meter reader
//! enters a reading book on the phone-sized page, one account after another
//! in route order; the manager runs the month's billing; a cashier takes a
//! bill at the counter; and the manager opens the month's indicator report,
//! which counts what was sold and what was collected.

use super::*;
use crate::power_readings::{Acct, book, county, number, reading};

async fn sign_in(app: &TestApp, client: &Client, username: &str) {
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(client, username, PASSWORD).await;
    wait_for(client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
}

async fn sign_out(client: &Client) {
    wait_for(client, Locator::Css(r#"form[action="/logout"] button"#), "the sign-out button")
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, Locator::Css(r#"input[name="username"]"#), "the sign-in page").await;
}

async fn a_stations_month_from_the_reading_book_to_the_indicator_report(backend: Backend) {
    let app = county(
        backend,
        &[
            Acct { serial: 21, tariff: "gx-res-1", meters: vec![("W-21", 6, (1, 1))] },
            Acct { serial: 22, tariff: "gx-res-1", meters: vec![("W-22", 6, (1, 1))] },
        ],
    )
    .await;
    let book_id = book(&app, "LY-21", &[22, 21]).await;
    let (reader, csrf) = app.signed_in("reader_a").await;
    for (serial, value) in [(21, "1000"), (22, "2000")] {
        assert_eq!(reading(&reader, &csrf, &app, serial, value, "2026-10-25", "real").await.0, 201);
    }
    let (_driver, client) = open_browser().await;
    client.set_window_size(400, 800).await.expect("a phone-sized window");
    sign_in(&app, &client, "reader_a").await;
    client.goto(&app.at("/power/books")).await.unwrap();
    wait_for(&client, Locator::Css(r#"[data-testid="read-book-LY-21"]"#), "the book").await.click().await.unwrap();
    for (serial, value) in [(22, "2150"), (21, "1210")] {
        let stop = format!("stop-{}", number(serial));
        wait_for(&client, Locator::Css(&format!(r#"[data-testid="{stop}"]"#)), "the next account in route order").await;
        type_into(&client, r#"input[name="reading"]"#, value).await;
        submit(&client, &stop).await;
    }
    assert_eq!(path_of(&client).await, format!("/power/books/{book_id}/read"));
    let progress = text_of(&client, Locator::Css(r#"[data-testid="reading-entry"] p.muted"#), "the progress").await;
    assert!(progress.ends_with("2 / 2"), "{progress}");
    sign_out(&client).await;

    sign_in(&app, &client, "manager_a").await;
    client.goto(&app.at("/power/billing")).await.unwrap();
    submit(&client, "billing-run").await;
    let outcome = text_of(&client, Locator::Css(r#"[data-testid="billing-outcome"]"#), "the run's outcome").await;
    assert!(outcome.contains("2"), "{outcome}");
    let bills = text_of(&client, Locator::Css(r#"[data-testid="power-bills"]"#), "the month's bills").await;
    for serial in [21, 22] {
        assert!(bills.contains(&format!("202611{}", number(serial))), "{bills}");
    }
    let amount: i64 = sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM power_bills WHERE status = 'issued'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    // 150 and 210 kWh at gx-res-1: 150 × 0.5283 and 150 × 0.5283 + 60 × 0.5783, each line to the fen.
    assert_eq!(amount, 7925 + 7925 + 3470);
    sign_out(&client).await;

    // The cashier finds account 21 by its last digits and takes its bill.
    sign_in(&app, &client, "cashier_a").await;
    client.goto(&app.at("/power/counter")).await.unwrap();
    let account = number(21);
    type_into(&client, r#"[data-testid="counter-find"] input[name="q"]"#, &account[account.len() - 4..]).await;
    submit(&client, "counter-find").await;
    let due = text_of(&client, Locator::Css(r#"[data-testid="total-due"]"#), "the total due").await;
    assert_eq!(due, "113.95");
    submit(&client, "take-payment").await;
    text_of(&client, Locator::Css(r#"[data-testid="receipt-no"]"#), "the receipt").await;
    sign_out(&client).await;

    // The month's report: 360 kWh sold for 193.20 yuan, 113.95 collected.
    sign_in(&app, &client, "manager_a").await;
    client.goto(&app.at("/power/indicators?month=2026-11")).await.unwrap();
    let row = text_of(&client, Locator::Css(r#"[data-testid="ind-TA"]"#), "the station's figures").await;
    assert!(row.contains("360") && row.contains("193.20") && row.contains("113.95"), "{row}");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stations_month_from_the_reading_book_to_the_indicator_report_sqlite() {
    a_stations_month_from_the_reading_book_to_the_indicator_report(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stations_month_from_the_reading_book_to_the_indicator_report_postgres() {
    a_stations_month_from_the_reading_book_to_the_indicator_report(Backend::Postgres).await;
}
