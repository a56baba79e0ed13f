//! The month's run of the whole county (issue 20 §3), on SQLite and
//! PostgreSQL: "all stations" bills every station in the user's scope, a
//! transaction and an audit record each, each account as its station's own
//! run would; a second run creates nothing and a corrected reading is
//! corrected; a station manager's "all" is their own station; a request
//! for two targets at once is refused naming the field; the billing page
//! offers it and shows what it did.

use crate::power_indicators::{account_number, bills, county, fen, read};
use crate::support::*;
use serde_json::{Value, json};

async fn run_all(app: &TestApp, user: &str) -> Value {
    let (client, csrf) = app.signed_in(user).await;
    let body = json!({"all_stations": true, "month": "2026-11"});
    let (status, o) = post_json(&client, &csrf, app.at("/api/v1/power/billing/runs"), body).await;
    assert_eq!(status, 200, "{o}");
    o
}

fn counts(o: &Value) -> [i64; 5] {
    ["accounts", "created", "corrected", "existing", "held"].map(|k| o[k].as_i64().unwrap_or(-1))
}

on_both!(the_county_run_bills_every_station_in_scope_as_their_own_runs_would, |backend| async move {
    let app = county(backend).await;
    let (centre, csrf) = app.signed_in("centre").await;
    // September's base and 100 kWh in October, so that November's use is
    // usual; November: A1 100, A2 120, A3 90 kWh; B1 90, B2 150.
    let november = [
        ("3101", 1, 1000, 100),
        ("3101", 2, 2000, 120),
        ("3101", 3, 3000, 90),
        ("3102", 1, 500, 90),
        ("3102", 2, 600, 150),
    ];
    for (prefix, serial, base, kwh) in november {
        read(&app, &centre, &csrf, prefix, serial, base, "2026-09-25").await;
        read(&app, &centre, &csrf, prefix, serial, base + 100, "2026-10-25").await;
        read(&app, &centre, &csrf, prefix, serial, base + 100 + kwh, "2026-11-25").await;
    }

    // Store A's manager: "all stations" is store A.
    let o = run_all(&app, "manager_a").await;
    assert_eq!(counts(&o), [3, 3, 0, 0, 0], "{o}");
    // The centre's: both, store A's billed already.
    let o = run_all(&app, "centre").await;
    assert_eq!(counts(&o), [5, 2, 0, 3, 0], "{o}");
    assert!(o["refused"].as_array().is_some_and(Vec::is_empty), "{o}");
    for (prefix, serial, _, kwh) in november {
        let no = account_number(prefix, serial);
        assert_eq!(bills(&app, &no).await, [(format!("202611{no}"), kwh, fen(kwh))], "{no}");
    }
    // A transaction and an audit record a station; a notice a bill.
    assert_eq!(app.audit_count("power_billing_run", "run").await, 2);
    let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks WHERE asset_kind = 'power_bill'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(tasks, 5);

    // Again: nothing new, nothing audited.
    let o = run_all(&app, "centre").await;
    assert_eq!(counts(&o), [5, 0, 0, 5, 0], "{o}");
    assert_eq!(app.audit_count("power_billing_run", "run").await, 2);

    // B2's reading corrected: its bill reversed and issued anew.
    read(&app, &centre, &csrf, "3102", 2, 600 + 100 + 140, "2026-11-26").await;
    let o = run_all(&app, "centre").await;
    assert_eq!(counts(&o), [5, 0, 1, 4, 0], "{o}");
    let b2 = account_number("3102", 2);
    let kwh: Vec<i64> = bills(&app, &b2).await.iter().map(|b| b.1).collect();
    assert_eq!(kwh, [150, -150, 140]);
    assert_eq!(app.audit_count("power_billing_run", "run").await, 3);

    // One target at a time.
    let body = json!({"all_stations": true, "station_id": app.fx.store_a.0, "month": "2026-11"});
    let (status, e) = post_json(&centre, &csrf, app.at("/api/v1/power/billing/runs"), body).await;
    assert_eq!(status, 422, "{e}");
    assert!(e.to_string().contains("book_id") && e.to_string().contains("book_or_station"), "{e}");

    // The page offers the county's run and shows what it did.
    let page = centre.get(app.at("/power/billing?month=2026-11")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<option value="all" >"#), "{page}");
    let form = [("what", "all"), ("month", "2026-11"), ("_csrf", csrf.as_str())];
    let res = centre.post(app.at("/power/billing")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    let outcome = &page[page.find(r#"data-testid="billing-outcome""#).expect("the outcome is shown")..];
    assert!(outcome.contains("<strong>0</strong>"), "nothing new to bill: {outcome}");
    // …with what was run still chosen.
    assert!(page.contains(r#"<option value="all" selected>"#), "{page}");
});
