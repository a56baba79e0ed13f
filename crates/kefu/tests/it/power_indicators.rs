//! The monthly indicators (issue 20 §5) and the station and generation
//! meters (§1), on SQLite and PostgreSQL: two supply stations with their
//! intake meters and a small hydro, readings and bills (one corrected, so a
//! reversal nets out) made through the API, payments written as the
//! collection part writes them (one reversed, one in the next month), and
//! the report's every figure computed here from what was built — line loss
//! with the stations summing to the centre, the average price to four
//! decimals, the collection rate, the reading audit, the hydro settlement —
//! against targets missed and met; the API answers what the page shows;
//! bad input is refused naming the field in both languages; the meeting's
//! actions are followed; and the new routes keep their guards.

use crate::support::*;
use kefu_accounts::branches::{self, NewBranch};
use kefu_accounts::users::{self, NewUser};
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_power::accounts::{AccountNo, MeterNo, StationPrefix};
use kefu_power::archive::{self, NewAccount, NewMeter};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

/// gx-res-1's first tier, ten-thousandths of a yuan a kWh.
const TIER_1: i64 = 5283;

/// A bill of `kwh` in tier 1, in fen: kWh × price rounded half up.
pub(crate) fn fen(kwh: i64) -> i64 {
    (kwh * TIER_1 + 50) / 100
}

/// `n / d` in hundredths of a percent, half up, as the report writes it.
fn percent(n: i64, d: i64) -> String {
    let bp = (n * 10_000 * 2 + d) / (2 * d);
    format!("{}.{:02}", bp / 100, bp % 100)
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

pub(crate) fn account_number(prefix: &str, serial: u64) -> String {
    AccountNo::issue(&StationPrefix::parse("prefix", prefix).unwrap(), serial).unwrap().as_str().to_string()
}

/// Makes `station` a supply station with `prefix` and residential accounts
/// `serials` (gx-res-1, one 5-digit meter each) of `customer`.
async fn station(
    app: &TestApp,
    station: BranchId,
    prefix: &str,
    customer: kefu_core::ids::CustomerId,
    serials: &[u64],
) {
    let p = StationPrefix::parse("prefix", prefix).unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, station, &p).await.unwrap();
    let accounts = serials
        .iter()
        .map(|s| NewAccount {
            account_no: AccountNo::issue(&p, *s).unwrap(),
            customer_id: customer,
            branch_id: station,
            usage_class: "residential",
            voltage: "220v",
            capacity_kva: 8,
            supply_address: format!("青山镇{prefix}村{s}号"),
            tariff_code: "gx-res-1",
            permit: None,
            status: "active",
            meters: vec![NewMeter {
                meter_no: MeterNo::parse("meter_no", &format!("M{prefix}-{s}")).unwrap(),
                kind: "single_phase",
                register_digits: 5,
                ct: (1, 1),
                pt: (1, 1),
                installed_on: "2025-03-01".parse().unwrap(),
            }],
        })
        .collect();
    archive::insert_in(&mut tx, accounts, Vec::new()).await.unwrap();
    let change = Change {
        entity: "power_account",
        entity_id: prefix.into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&Actor::system(Scope::new(vec![station])), change).await.unwrap();
    tx.commit().await.unwrap();
}

async fn user(app: &TestApp, username: &str, role: Role, branch: BranchId, locale: Lang) {
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let user = NewUser {
        username: username.into(),
        display_name: username.into(),
        password: PASSWORD.into(),
        roles: vec![role],
        branches: vec![branch],
        locale,
    };
    users::create(&app.db, &actor, user).await.unwrap();
}

/// Writes a payment as the collection part does: the payment, and its
/// allocation to one bill; a reversal is a payment of the negated amount.
async fn pay(app: &TestApp, receipt: &str, bill_no: &str, amount: i64, day: &str, status: &str) {
    let taken_by: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'centre'").fetch_one(app.db.pool()).await.unwrap();
    let (bill, account, branch): (i64, i64, i64) =
        sqlx::query_as("SELECT id, account_id, branch_id FROM power_bills WHERE bill_no = $1")
            .bind(bill_no)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_payments (receipt_no, account_id, branch_id, amount, channel, to_prepaid, business_day, \
         paid_at, taken_by, status) VALUES ($1, $2, $3, $4, 'counter', 0, $5, $6, $7, $8) RETURNING id",
    )
    .bind(receipt)
    .bind(account)
    .bind(branch)
    .bind(amount)
    .bind(day)
    .bind(format!("{day}T02:00:00Z"))
    .bind(taken_by)
    .bind(status)
    .fetch_one(tx.conn())
    .await
    .unwrap();
    sqlx::query("INSERT INTO power_payment_allocations (payment_id, bill_id, amount) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(bill)
        .bind(amount)
        .execute(tx.conn())
        .await
        .unwrap();
    let change = Change {
        entity: "power_payment",
        entity_id: receipt.into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&Actor::system(Scope::new(vec![BranchId(branch)])), change).await.unwrap();
    tx.commit().await.unwrap();
}

/// The bills of an account and month, issued last: (bill_no, kWh, amount).
pub(crate) async fn bills(app: &TestApp, account_no: &str) -> Vec<(String, i64, i64)> {
    sqlx::query_as(
        "SELECT b.bill_no, b.kwh, b.amount FROM power_bills b JOIN power_accounts a ON a.id = b.account_id \
         WHERE a.account_no = $1 ORDER BY b.id",
    )
    .bind(account_no)
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

/// Store A (3101, accounts 1–3) and store B (3102, accounts 1–2) as supply
/// stations with a book each, a hydro station under the group, a centre
/// manager `centre` over both, and September and October read.
pub(crate) async fn county(backend: Backend) -> TestApp {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app, app.fx.store_a, "3101", app.fx.customer_a, &[1, 2, 3]).await;
    station(&app, app.fx.store_b, "3102", app.fx.customer_b, &[1, 2]).await;
    user(&app, "centre", Role::Manager, app.fx.group, Lang::Zh).await;
    user(&app, "centre_en", Role::Manager, app.fx.group, Lang::En).await;
    user(&app, "reader_b", Role::MeterReader, app.fx.store_b, Lang::Zh).await;
    let root = Actor::system(Scope::new(vec![app.fx.group]));
    let hydro = NewBranch {
        parent_id: Some(app.fx.group),
        code: "SD1".into(),
        name: "龙江一级水电站".into(),
        kind: "station".into(),
        ..Default::default()
    };
    branches::create(&app.db, &root, hydro).await.unwrap();
    let (centre, csrf) = app.signed_in("centre").await;
    for (station, prefix, serials) in [(app.fx.store_a, "3101", vec![1, 2, 3]), (app.fx.store_b, "3102", vec![1, 2])] {
        let accounts: Vec<String> = serials.iter().map(|s| account_number(prefix, *s)).collect();
        let body = json!({"station_id": station.0, "code": format!("B{prefix}"), "name": "一本", "reading_day": 25,
            "accounts": accounts});
        let (status, b) = post_json(&centre, &csrf, app.at("/api/v1/power/books"), body).await;
        assert_eq!(status, 201, "{b}");
    }
    app
}

/// Posts a reading of account `serial` at `prefix` as the centre manager.
pub(crate) async fn read(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    prefix: &str,
    serial: u64,
    value: i64,
    day: &str,
) -> Value {
    let body = json!({"account_no": account_number(prefix, serial), "reading": value.to_string(), "read_on": day, "kind": "real"});
    let (status, r) = post_json(client, csrf, app.at("/api/v1/power/readings"), body).await;
    assert_eq!(status, 201, "{prefix}-{serial} {day}: {r}");
    r
}

async fn run(app: &TestApp, client: &reqwest::Client, csrf: &str, station: BranchId) {
    let body = json!({"station_id": station.0, "month": "2026-11"});
    let (status, o) = post_json(client, csrf, app.at("/api/v1/power/billing/runs"), body).await;
    assert_eq!(status, 200, "{o}");
}

/// The row of `code` in the report page.
fn row<'a>(page: &'a str, code: &str) -> &'a str {
    let start = page.find(&format!(r#"data-testid="ind-{code}""#)).unwrap_or_else(|| panic!("row {code} in {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

on_both!(the_months_indicators_are_computed_from_what_was_stored, |backend| async move {
    let app = county(backend).await;
    let (centre, csrf) = app.signed_in("centre").await;
    // History: September's base and 100 kWh in October, so November's
    // figures are usual use.
    let start = [(("3101", 1), 1000), (("3101", 2), 2000), (("3101", 3), 3000), (("3102", 1), 500), (("3102", 2), 600)];
    for ((prefix, serial), base) in start {
        read(&app, &centre, &csrf, prefix, serial, base, "2026-09-25").await;
        read(&app, &centre, &csrf, prefix, serial, base + 100, "2026-10-25").await;
    }
    // November: A1 100 kWh, A2 120 (corrected to 130 after billing), A3
    // did not move (held: a meter fault, not billed); B1 90, B2 150.
    let (a1, a2, a2_fixed, b1, b2) = (100, 120, 130, 90, 150);
    read(&app, &centre, &csrf, "3101", 1, 1100 + a1, "2026-11-25").await;
    read(&app, &centre, &csrf, "3101", 2, 2100 + a2, "2026-11-25").await;
    let held = read(&app, &centre, &csrf, "3101", 3, 3100, "2026-11-25").await;
    assert_eq!(held["hold_reason"], "zero_use", "{held}");
    read(&app, &centre, &csrf, "3102", 1, 600 + b1, "2026-11-25").await;
    read(&app, &centre, &csrf, "3102", 2, 700 + b2, "2026-11-25").await;
    run(&app, &centre, &csrf, app.fx.store_a).await;
    run(&app, &centre, &csrf, app.fx.store_b).await;
    read(&app, &centre, &csrf, "3101", 2, 2100 + a2_fixed, "2026-11-26").await;
    run(&app, &centre, &csrf, app.fx.store_a).await;
    let a2_bills = bills(&app, &account_number("3101", 2)).await;
    assert_eq!(
        a2_bills.iter().map(|b| b.1).collect::<Vec<_>>(),
        [a2, -a2, a2_fixed],
        "the correction reversed the bill and issued a new one"
    );

    // The intake meters and the hydro, registered and read through the API.
    let hydro: i64 =
        sqlx::query_scalar("SELECT id FROM branches WHERE code = 'SD1'").fetch_one(app.db.pool()).await.unwrap();
    for body in [
        json!({"meter_no": "GK-A", "kind": "intake", "station_id": app.fx.store_a.0, "name": "甲所关口", "multiplier": "10"}),
        json!({"meter_no": "GK-B", "kind": "intake", "station_id": app.fx.store_b.0, "name": "乙所关口",
            "opening_reading": "1000"}),
        json!({"meter_no": "SD-1", "kind": "generation", "station_id": app.fx.store_a.0, "site_id": hydro,
            "name": "龙江一级上网", "opening_reading": "100.00", "price": "0.2856"}),
    ] {
        let (status, m) = post_json(&centre, &csrf, app.at("/api/v1/power/supply-meters"), body).await;
        assert_eq!(status, 201, "{m}");
    }
    assert_eq!(app.audit_count("power_supply_meter", "create").await, 3);
    let supply = |no: &str, reading: &str| {
        let (centre, csrf) = (centre.clone(), csrf.clone());
        let url = app.at(&format!("/api/v1/power/supply-meters/{no}/readings"));
        let body = json!({"month": "2026-11", "reading": reading, "read_on": "2026-11-30"});
        async move { post_json(&centre, &csrf, url, body).await }
    };
    // A: 26.00 on the register × 10 = 260 kWh; B: 1,000 → 1,255.40 × 1 =
    // 255.4 → 255 kWh; the hydro 100.00 → 112.35 = 12.35 → 12 kWh.
    let (grid_a, grid_b, fed) = ((2600 * 10 + 50) / 100, (25_540 + 50) / 100, (1235 + 50) / 100);
    let (status, r) = supply("GK-A", "26").await;
    assert_eq!((status, r["kwh"].as_i64()), (201, Some(grid_a)), "{r}");
    let (_, r) = supply("GK-B", "1255.40").await;
    assert_eq!(r["kwh"].as_i64(), Some(grid_b), "{r}");
    let (_, r) = supply("SD-1", "112.35").await;
    // 12 kWh at 0.2856 = 3.4272 yuan → 3.43, half up to the fen.
    let settlement = (fed * 2856 + 50) / 100;
    assert_eq!((r["kwh"].as_i64(), r["settlement"].as_str()), (Some(fed), Some(yuan(settlement).as_str())), "{r}");

    // Payments: A1's bill paid in November; 10.00 on A2's new bill paid and
    // reversed in November; A2 paid in December (not November's); B's both
    // paid in November.
    let a1_bill = bills(&app, &account_number("3101", 1)).await[0].clone();
    let a2_new = a2_bills[2].clone();
    pay(&app, "R1", &a1_bill.0, a1_bill.2, "2026-11-20", "valid").await;
    pay(&app, "R2", &a2_new.0, 1000, "2026-11-21", "reversed").await;
    pay(&app, "R2-R", &a2_new.0, -1000, "2026-11-22", "reversal").await;
    pay(&app, "R3", &a2_new.0, a2_new.2, "2026-12-01", "valid").await;
    let b_bills = [
        bills(&app, &account_number("3102", 1)).await[0].clone(),
        bills(&app, &account_number("3102", 2)).await[0].clone(),
    ];
    for (i, b) in b_bills.iter().enumerate() {
        pay(&app, &format!("RB{i}"), &b.0, b.2, "2026-11-25", "valid").await;
    }

    // Targets: A at most 10 % loss, at least 99 % collected, at least
    // 0.5300 a kWh; B the same loss and collection, no price target.
    for (station, price) in [(app.fx.store_a, "0.53"), (app.fx.store_b, "")] {
        let form = [
            ("_csrf", csrf.as_str()),
            ("month", "2026-11"),
            ("station_id", &station.0.to_string()),
            ("line_loss_at_most", "10"),
            ("collection_at_least", "99.00"),
            ("average_price_at_least", price),
        ];
        let res = centre.post(app.at("/power/indicators/targets")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 303);
    }
    assert_eq!(app.audit_count("power_indicator_targets", "update").await, 2);

    // What the report must say, from what was built.
    let (sold_a, sold_b) = (a1 + a2_fixed, b1 + b2);
    let (rev_a, rev_b) = (fen(a1) + fen(a2_fixed), fen(b1) + fen(b2));
    let (supplied_a, supplied_b) = (grid_a + fed, grid_b);
    let price = |rev: i64, kwh: i64| {
        let units = (rev * 100 * 2 + kwh) / (2 * kwh);
        format!("{}.{:04}", units / 10_000, units % 10_000)
    };
    let api = get_json(&centre, app.at("/api/v1/power/indicators?month=2026-11")).await;
    let [a, b] = [&api["stations"][0], &api["stations"][1]];
    assert_eq!((a["code"].as_str(), b["code"].as_str()), (Some("TA"), Some("TB")), "{api}");
    assert_eq!((a["supplied_kwh"].as_i64(), a["hydro_fed_kwh"].as_i64()), (Some(supplied_a), Some(fed)));
    assert_eq!((a["sold_kwh"].as_i64(), b["sold_kwh"].as_i64()), (Some(sold_a), Some(sold_b)), "reversal netted");
    assert_eq!(a["loss_kwh"].as_i64(), Some(supplied_a - sold_a));
    assert_eq!(a["line_loss"], percent(supplied_a - sold_a, supplied_a));
    assert_eq!(b["line_loss"], percent(supplied_b - sold_b, supplied_b));
    assert_eq!(
        (a["revenue"].as_str(), b["revenue"].as_str()),
        (Some(yuan(rev_a).as_str()), Some(yuan(rev_b).as_str()))
    );
    assert_eq!(a["average_price"], price(rev_a, sold_a), "four decimals, half up");
    assert_eq!(a["billed"], yuan(rev_a));
    assert_eq!(a["collected"], yuan(a1_bill.2), "the reversed payment nets out; December's is not November's");
    assert_eq!(a["collection_rate"], percent(a1_bill.2, rev_a));
    assert_eq!(b["collection_rate"], "100.00");
    // The audit: A due 3, read 3, one corrected reading, one register that
    // did not move; B due 2, read 2.
    assert_eq!(
        (a["readings_due"].as_i64(), a["readings_read"].as_i64(), a["reading_errors"].as_i64()),
        (Some(3), Some(3), Some(1))
    );
    assert_eq!((a["reading_rate"].as_str(), a["error_rate"].as_str()), (Some("100.00"), Some(percent(1, 3).as_str())));
    assert_eq!((a["meter_faults"].as_i64(), b["meter_faults"].as_i64()), (Some(1), Some(0)));
    assert_eq!(api["hydros"][0]["settlement"], yuan(settlement));
    // Targets: A misses all three, B none.
    assert_eq!(a["misses"], json!(["line_loss", "collection", "average_price"]), "{a}");
    assert_eq!(b["misses"], json!([]), "{b}");
    // The centre is the stations' sums, its rates from the sums.
    let c = &api["centre"];
    let (supplied, sold) = (supplied_a + supplied_b, sold_a + sold_b);
    assert_eq!((c["supplied_kwh"].as_i64(), c["sold_kwh"].as_i64()), (Some(supplied), Some(sold)));
    assert_eq!(c["loss_kwh"].as_i64(), Some(a["loss_kwh"].as_i64().unwrap() + b["loss_kwh"].as_i64().unwrap()));
    assert_eq!(c["line_loss"], percent(supplied - sold, supplied));
    assert_eq!(c["average_price"], price(rev_a + rev_b, sold));
    assert_eq!(c["collection_rate"], percent(a1_bill.2 + rev_b, rev_a + rev_b));
    assert_eq!(c["readings_due"].as_i64(), Some(5));

    // One station: ?station= by code or prefix.
    let one = get_json(&centre, app.at("/api/v1/power/indicators?month=2026-11&station=3102")).await;
    assert_eq!(one["stations"].as_array().map(Vec::len), Some(1));
    assert_eq!(one["stations"][0], *b);

    // The page shows the same figures, the misses marked, and three charts.
    let page = centre.get(app.at("/power/indicators?month=2026-11")).send().await.unwrap().text().await.unwrap();
    for (code, f) in [("TA", a), ("TB", b), ("centre", c)] {
        let r = row(&page, code);
        for key in ["supplied_kwh", "sold_kwh", "loss_kwh"] {
            assert!(r.contains(&format!(">{}", f[key])), "{code} {key} {}: {r}", f[key]);
        }
        for key in ["line_loss", "collection_rate", "reading_rate"] {
            assert!(r.contains(&format!("{}%", f[key].as_str().unwrap())), "{code} {key}: {r}");
        }
        for key in ["revenue", "average_price", "billed", "collected"] {
            assert!(r.contains(f[key].as_str().unwrap()), "{code} {key}: {r}");
        }
    }
    for miss in ["line_loss", "collection", "average_price"] {
        assert!(row(&page, "TA").contains(&format!(r#"data-testid="miss-TA-{miss}""#)), "{miss} marked");
    }
    assert!(!row(&page, "TB").contains("miss-TB"), "B met its targets");
    let charts = &page[page.find(r#"data-testid="ind-charts""#).unwrap()..];
    let charts = &charts[..charts.find("<h2>").unwrap()];
    assert_eq!(charts.matches("<svg").count(), 3, "line loss, collection and price trends");
    let line_loss = &charts[..charts.find("</svg>").unwrap()];
    assert_eq!(line_loss.matches("<g><title>").count(), 12, "twelve months");
    let centre_loss = format!("{}%", c["line_loss"].as_str().unwrap());
    assert!(line_loss.contains(r#"data-key="2026-11""#) && line_loss.contains(&centre_loss), "{line_loss}");

    // The workbook: a row a station and the centre's.
    let res = centre.get(app.at("/power/indicators.xlsx?month=2026-11")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
});

on_both!(bad_input_is_refused_naming_the_field_in_both_languages, |backend| async move {
    let app = county(backend).await;
    let (centre, csrf) = app.signed_in("centre").await;
    let (en, en_csrf) = app.signed_in("centre_en").await;
    let body = json!({"meter_no": "GK-A", "kind": "intake", "station_id": app.fx.store_a.0, "name": "甲所关口"});
    assert_eq!(post_json(&centre, &csrf, app.at("/api/v1/power/supply-meters"), body).await.0, 201);
    let url = app.at("/api/v1/power/supply-meters/GK-A/readings");
    for (client, token, body, field, words) in [
        (&centre, &csrf, json!({"month": "2026-11", "reading": "12a4"}), "reading", "读数"),
        (&en, &en_csrf, json!({"month": "2026-11", "reading": "-5"}), "reading", "a reading is in kWh"),
        (&en, &en_csrf, json!({"month": "2026-13", "reading": "5"}), "month", "a month is YYYY-MM"),
        (&centre, &csrf, json!({"month": "11/2026", "reading": "5"}), "month", "月份格式"),
    ] {
        let (status, p) = post_json(client, token, url.clone(), body.clone()).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(p["field"], field, "{p}");
        assert!(p.to_string().contains(words), "{body}: {p}");
    }
    // A reading below the month before is refused; nothing was written.
    let (_, _) = post_json(&centre, &csrf, url.clone(), json!({"month": "2026-10", "reading": "50"})).await;
    let (status, p) = post_json(&centre, &csrf, url.clone(), json!({"month": "2026-11", "reading": "40"})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("reading")), "{p}");
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM power_supply_readings").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(n, 1);
    let res = centre.get(app.at("/api/v1/power/indicators?month=2026-1")).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().await.unwrap()["field"], "month");

    // Targets out of range or with three decimals: each field named, in the
    // user's language, nothing saved.
    for (client, token, words) in [
        (&centre, &csrf, ["线损率不高于", "电费回收率不低于", "综合平均电价不低于"]),
        (&en, &en_csrf, ["Line loss at most", "Collection rate at least", "Average price at least"]),
    ] {
        let form = [
            ("_csrf", token.as_str()),
            ("month", "2026-11"),
            ("station_id", &app.fx.store_a.0.to_string()),
            ("line_loss_at_most", "101"),
            ("collection_at_least", "98.555"),
            ("average_price_at_least", "0.52831"),
        ];
        let res = client.post(app.at("/power/indicators/targets")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let page = res.text().await.unwrap();
        let alerts: Vec<&str> = page.split(r#"role="alert">"#).skip(1).map(|s| &s[..s.find("</p>").unwrap()]).collect();
        assert_eq!(alerts.len(), 3, "{alerts:?}");
        for (alert, w) in alerts.iter().zip(words) {
            assert!(alert.contains(w), "{w} named: {alert}");
        }
    }
    assert_eq!(app.audit_count("power_indicator_targets", "update").await, 0);
});

on_both!(the_meetings_actions_are_followed_and_the_routes_guarded, |backend| async move {
    let app = county(backend).await;
    let (centre, csrf) = app.signed_in("centre").await;
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let (centre, url) = (centre.clone(), app.at(path));
        async move { centre.post(url).form(&form).send().await.unwrap() }
    };
    let c = || ("_csrf", csrf.clone());
    let m = || ("month", "2026-11".to_string());
    let res =
        post("/power/indicators/meeting", vec![c(), m(), ("held_on", "2026-12-05".into()), ("attendees", "".into())])
            .await;
    assert_eq!(res.status(), 422, "attendees are required");
    let res = post(
        "/power/indicators/meeting",
        vec![
            c(),
            m(),
            ("held_on", "2026-11-28".into()),
            ("attendees", "各所所长".into()),
            ("notes", "甲所线损超标".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    for (action, due) in [("核查甲所关口表倍率", "2026-11-20"), ("催收欠费", "2026-12-10")] {
        let form = vec![c(), m(), ("action", action.into()), ("owner", "甲所所长".into()), ("due_on", due.into())];
        assert_eq!(post("/power/indicators/meeting/actions", form).await.status(), 303);
    }
    assert_eq!(app.audit_count("power_indicator_action", "create").await, 2);
    // The action past its date counts on the today page and is listed.
    let today = centre.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    let tile = &today[today.find(r#"data-testid="count-today_power_ind_overdue""#).expect("the today tile")..];
    assert!(tile[..tile.find("</div>").unwrap()].contains(r#"<span class="n">1</span>"#), "{tile}");
    let list = centre.get(app.at("/power/indicators/actions")).send().await.unwrap().text().await.unwrap();
    let overdue = list.split("class=\"overdue\"").count() - 1;
    assert_eq!(overdue, 1, "{list}");
    let id: i64 = sqlx::query_scalar("SELECT id FROM power_indicator_actions WHERE due_on = '2026-11-20'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let done = format!("/power/indicators/meeting/actions/{id}/done");
    assert_eq!(post(&done, vec![c(), m()]).await.status(), 303);
    assert_eq!(post(&done, vec![c(), m()]).await.status(), 422, "done once");
    let list = centre.get(app.at("/power/indicators/actions")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("class=\"overdue\"") && list.contains("催收欠费"), "{list}");
    let page = centre.get(app.at("/power/indicators?month=2026-11")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("甲所线损超标") && page.contains("核查甲所关口表倍率"), "the minutes on the report");

    // Authorisation: an agent reads the report but sets no target and keeps
    // no minutes; a meter reader sees no report; agent_b sees only store B;
    // store B's reader does not find store A's meter.
    let body = json!({"meter_no": "GK-A", "kind": "intake", "station_id": app.fx.store_a.0, "name": "甲所关口"});
    assert_eq!(post_json(&centre, &csrf, app.at("/api/v1/power/supply-meters"), body.clone()).await.0, 201);
    let (agent, acsrf) = app.signed_in("agent_a").await;
    assert_eq!(agent.get(app.at("/power/indicators")).send().await.unwrap().status(), 200);
    let form = [("_csrf", acsrf.as_str()), ("month", "2026-11"), ("station_id", &app.fx.store_a.0.to_string())];
    assert_eq!(agent.post(app.at("/power/indicators/targets")).form(&form).send().await.unwrap().status(), 403);
    assert_eq!(agent.post(app.at("/power/indicators/meeting")).form(&form).send().await.unwrap().status(), 403);
    assert_eq!(post_json(&agent, &acsrf, app.at("/api/v1/power/supply-meters"), body).await.0, 403);
    let (reader, rcsrf) = app.signed_in("reader_b").await;
    assert_eq!(reader.get(app.at("/power/indicators")).send().await.unwrap().status(), 403);
    assert_eq!(reader.get(app.at("/api/v1/power/indicators")).send().await.unwrap().status(), 403);
    assert_eq!(reader.get(app.at("/power/supply-meters/GK-A/read")).send().await.unwrap().status(), 404);
    let url = app.at("/api/v1/power/supply-meters/GK-A/readings");
    assert_eq!(post_json(&reader, &rcsrf, url, json!({"month": "2026-11", "reading": "5"})).await.0, 404);
    let agent_b = app.login("agent_b").await;
    let api = get_json(&agent_b, app.at("/api/v1/power/indicators?month=2026-11")).await;
    let codes: Vec<&str> = api["stations"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["TB"]);
    let res = agent_b.get(app.at("/api/v1/power/indicators?month=2026-11&station=TA")).send().await.unwrap();
    assert_eq!(res.status(), 404, "another station's figures are not there");
    // The phone page enters a reading as a reader of the station would.
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    let form = [("_csrf", mcsrf.as_str()), ("month", "2026-11"), ("reading", "12.5"), ("read_on", "2026-11-30")];
    let res = manager.post(app.at("/power/supply-meters/GK-A/read")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let page = manager.get(app.at("/power/supply-meters/GK-A/read")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("12.50") && page.contains(r#"value="2026-12""#), "next month offered: {page}");
});
