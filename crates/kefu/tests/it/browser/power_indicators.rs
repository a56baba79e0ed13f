//! The manager opens the month's indicator report in headless Chromium: the
//! trend is drawn as SVG and a missed target is marked.

use super::*;
use crate::power_readings::{Acct, book, county, reading};
use crate::support::post_json;

async fn open_the_indicator_report(backend: Backend) {
    let app = county(backend, &[Acct { serial: 31, tariff: "gx-res-1", meters: vec![("W-31", 6, (1, 1))] }]).await;
    let book_id = book(&app, "LY-31", &[31]).await;
    let (reader, csrf) = app.signed_in("reader_a").await;
    for (value, day) in [("1000", "2026-09-25"), ("1100", "2026-10-25"), ("1200", "2026-11-25")] {
        assert_eq!(reading(&reader, &csrf, &app, 31, value, day, "real").await.0, 201);
    }
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    let url = app.at("/api/v1/power/billing/runs");
    assert_eq!(post_json(&manager, &mcsrf, url, json!({"book_id": book_id, "month": "2026-11"})).await.0, 200);
    // 150 kWh taken in for 100 sold: a third lost, against a 7 % limit.
    let body = json!({"meter_no": "GK-31", "kind": "intake", "station_id": app.fx.store_a.0, "name": "关口表"});
    assert_eq!(post_json(&manager, &mcsrf, app.at("/api/v1/power/supply-meters"), body).await.0, 201);
    let url = app.at("/api/v1/power/supply-meters/GK-31/readings");
    assert_eq!(post_json(&manager, &mcsrf, url, json!({"month": "2026-11", "reading": "150"})).await.0, 201);
    let form = [
        ("_csrf", mcsrf.as_str()),
        ("month", "2026-11"),
        ("station_id", &app.fx.store_a.0.to_string()),
        ("line_loss_at_most", "7"),
    ];
    assert_eq!(manager.post(app.at("/power/indicators/targets")).form(&form).send().await.unwrap().status(), 303);

    let (_driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, "manager_a", PASSWORD).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
    client.goto(&app.at("/power/indicators?month=2026-11")).await.unwrap();
    let chart =
        wait_for(&client, Locator::Css(r#"[data-testid="ind-charts"] svg#chart-line-loss"#), "the trend chart").await;
    assert!(chart.html(false).await.unwrap().contains(r#"data-key="2026-11""#), "November is drawn");
    let miss = text_of(&client, Locator::Css(r#"[data-testid="miss-TA-line_loss"]"#), "the missed line loss").await;
    // (150 − 100) / 150 = 33.33 %.
    assert!(miss.contains("33.33%") && miss.contains("未完成目标"), "{miss}");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_the_indicator_report_sqlite() {
    open_the_indicator_report(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_the_indicator_report_postgres() {
    open_the_indicator_report(Backend::Postgres).await;
}
