//! Large users and time of use in the billing run (issue 20 §1–§3), on
//! SQLite and PostgreSQL: the basic charge by contracted kVA and by maximum
//! demand, the power factor adjustment below, at and above the standard,
//! the surcharges as lines of their own, a time-of-use account's lines by
//! register, the bill SMS queued with the amount and the due date, bad
//! readings refused naming the field and the rule in both languages, and
//! idempotency and the correction path holding with the new lines.

use crate::power_readings::{Acct, book, county, county_on, number};
use crate::support::*;
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_power::billing::{PowerFactorTable, Standard};
use serde_json::{Value, json};

/// A line's amount in fen: units × price (ten-thousandths of a yuan),
/// rounded half up to the fen.
fn fen(units: i64, price_units: i64) -> i64 {
    (units * price_units + 50) / 100
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// The power factor in hundredths from kWh and kvarh, rounded half up:
/// the largest n with n − ½ ≤ 100·P/√(P² + Q²).
fn power_factor(p: i64, q: i64) -> u8 {
    let (p, q) = (i128::from(p), i128::from(q));
    let s = p * p + q * q;
    (0u8..=100).rev().find(|n| (2 * i128::from(*n) - 1).pow(2) * s <= 40_000 * p * p).unwrap()
}

/// `charges` × basis points / 10,000, rounded half away from zero.
fn adjustment(charges: i64, bp: i32) -> i64 {
    let n = charges * i64::from(bp);
    let q = (n.abs() * 2 + 10_000) / 20_000;
    n.signum() * q
}

// gx-ind-1 as shipped: 0.5800 a kWh, 26 a kVA and 38 a kW a month, the
// surcharges 0.0019 and 0.0190 a kWh; gx-tou-1: 0.9750, 0.6500, 0.3250.
const ENERGY: i64 = 5800;
const PER_KVA: i64 = 26;
const PER_KW: i64 = 38;
const SURCHARGES: [i64; 2] = [19, 190];
const TOU: [i64; 3] = [9750, 6500, 3250];
/// Every large user's meter is on 100/5 CTs.
const CT: i64 = 20;

/// Large users 51–54 and a time-of-use account 61 in book DG-01; 51–53
/// bill by capacity under the 0.90 standard (51 on a 400 kVA contract, the
/// others on their 8 kVA as connected), 54 by maximum demand under 0.85;
/// with letters printing into the folder returned, so notices print.
async fn large_county(backend: Backend) -> (TestApp, i64, tempfile::TempDir) {
    let ind = |serial, meter| Acct { serial, tariff: "gx-ind-1", meters: vec![(meter, 6, (100, 5))] };
    let letters = tempfile::tempdir().unwrap();
    let app = county_on(
        TestApp::start_with(backend, printing(letters.path())).await,
        &[
            ind(51, "L-51"),
            ind(52, "L-52"),
            ind(53, "L-53"),
            ind(54, "L-54"),
            Acct { serial: 61, tariff: "gx-tou-1", meters: vec![("T-61", 6, (1, 1))] },
        ],
    )
    .await;
    // The county helper makes every account residential: these are 10 kV
    // large industrial users.
    for serial in [51, 52, 53, 54] {
        sqlx::query("UPDATE power_accounts SET usage_class = 'large_industry', voltage = '10kv' WHERE account_no = $1")
            .bind(number(serial))
            .execute(app.db.pool())
            .await
            .unwrap();
    }
    let (agent, csrf) = app.signed_in("agent_a").await;
    let contract = json!({"contract_no": "DGHT-51", "signed_on": "2026-01-05", "valid_until": "2029-01-04",
        "capacity_kva": 400, "supply_mode": "single_source", "metering_point": "10千伏高压计量柜",
        "liability_boundary": "10千伏线路T接点"});
    let url = app.at(&format!("/api/v1/power/accounts/{}/contracts", number(51)));
    let (status, c) = post_json(&agent, &csrf, url, contract).await;
    assert_eq!(status, 200, "{c}");
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    for (serial, basic_by, standard) in
        [(51, "capacity", "0.90"), (52, "capacity", "0.90"), (53, "capacity", "0.90"), (54, "demand", "0.85")]
    {
        let url = app.at(&format!("/api/v1/power/accounts/{}/billing-terms", number(serial)));
        let body = json!({"basic_by": basic_by, "power_factor_standard": standard});
        let res = manager.put(url).header("x-csrf-token", &mcsrf).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 204, "{}", res.text().await.unwrap());
    }
    assert_eq!(app.audit_count("power_billing_terms", "set").await, 4);
    let id = book(&app, "DG-01", &[51, 52, 53, 54, 61]).await;
    (app, id, letters)
}

async fn read(app: &TestApp, serial: u64, body: Value) -> (u16, Value) {
    let (reader, csrf) = app.signed_in("reader_a").await;
    let mut body = body;
    body["account_no"] = json!(number(serial));
    post_json(&reader, &csrf, app.at("/api/v1/power/readings"), body).await
}

async fn read_ok(app: &TestApp, serial: u64, body: Value) {
    let (status, r) = read(app, serial, body.clone()).await;
    assert_eq!(status, 201, "{serial} {body}: {r}");
}

/// October's and November's readings: 51–53 use 100 × 20 kWh with
/// reactive advances of 62 (pf 0.85), 20 (0.98) and 48.43 (0.90) × 20
/// kvarh; 54 uses 50 × 20 kWh at a power factor of 0.80 read off the
/// meter and a maximum demand of 16.05 × 20 kW; 61 uses 100 peak, 150 flat
/// and 50 valley kWh.
async fn read_the_months(app: &TestApp) {
    for (serial, reactive) in [(51, "562"), (52, "520"), (53, "548.43")] {
        read_ok(app, serial, json!({"reading": "1000", "reactive": "500", "read_on": "2026-10-25"})).await;
        read_ok(app, serial, json!({"reading": "1100", "reactive": reactive, "read_on": "2026-11-25"})).await;
    }
    read_ok(app, 54, json!({"reading": "2000", "reactive": "0", "read_on": "2026-10-25"})).await;
    read_ok(app, 54, json!({"reading": "2050", "power_factor": "0.80", "demand": "16.05", "read_on": "2026-11-25"}))
        .await;
    read_ok(app, 61, json!({"reading": "100", "peak": "30", "flat": "40", "valley": "30", "read_on": "2026-10-25"}))
        .await;
    read_ok(app, 61, json!({"reading": "400", "peak": "130", "flat": "190", "valley": "80", "read_on": "2026-11-25"}))
        .await;
}

async fn run(app: &TestApp, book: i64) -> Value {
    let (manager, csrf) = app.signed_in("manager_a").await;
    let body = json!({"book_id": book, "month": "2026-11"});
    let (status, o) = post_json(&manager, &csrf, app.at("/api/v1/power/billing/runs"), body).await;
    assert_eq!(status, 200, "{o}");
    o
}

async fn bill(app: &TestApp, no: &str) -> Value {
    let manager = app.login("manager_a").await;
    get_json(&manager, app.at(&format!("/api/v1/power/bills/{no}"))).await
}

/// A bill line as (kind, label, units, amount).
type Line = (String, Option<String>, i64, String);

/// A bill's lines.
fn lines(b: &Value) -> Vec<Line> {
    b["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("lines in {b}"))
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["label"].as_str().map(str::to_string),
                l["kwh"].as_i64().unwrap(),
                l["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What a large user's bill should be: its lines and total, computed here.
fn large_bill(
    kwh: i64,
    (basic_by, units, per_unit): (&str, i64, i64),
    (pf, standard): (u8, Standard),
) -> (Vec<Line>, i64) {
    let energy = fen(kwh, ENERGY);
    let basic = units * per_unit * 100;
    let bp = PowerFactorTable::standard(standard).basis_points(pf);
    let adj = adjustment(energy + basic, bp);
    let std_text = match standard {
        Standard::P90 => "0.90",
        Standard::P85 => "0.85",
        Standard::P80 => "0.80",
    };
    let label = format!("{}.{:02}/{std_text}", pf / 100, pf % 100);
    let s: Vec<i64> = SURCHARGES.iter().map(|p| fen(kwh, *p)).collect();
    let want = vec![
        ("flat".to_string(), None, kwh, yuan(energy)),
        ("basic".to_string(), Some(basic_by.to_string()), units, yuan(basic)),
        ("power_factor".to_string(), Some(label), 0, yuan(adj)),
        ("surcharge".to_string(), Some("国家重大水利工程建设基金".to_string()), kwh, yuan(s[0])),
        ("surcharge".to_string(), Some("可再生能源电价附加".to_string()), kwh, yuan(s[1])),
    ];
    (want, energy + basic + adj + s[0] + s[1])
}

on_both!(large_users_pay_the_basic_charge_and_the_power_factor_adjustment, |backend| async move {
    let (app, book_id, _letters) = large_county(backend).await;
    read_the_months(&app).await;
    let o = run(&app, book_id).await;
    assert_eq!((o["created"].as_i64(), o["refused"].as_array().map(Vec::len)), (Some(5), Some(0)), "{o}");

    let kwh = 100 * CT;
    for (serial, kvarh, capacity, relation) in
        [(51, 62 * CT, 400, "below"), (52, 20 * CT, 8, "above"), (53, (4843 * CT + 50) / 100, 8, "at")]
    {
        let pf = power_factor(kwh, kvarh);
        match relation {
            "below" => assert!(pf < 90, "{pf}"),
            "above" => assert!(pf > 90, "{pf}"),
            _ => assert_eq!(pf, 90),
        }
        let b = bill(&app, &format!("202611{}", number(serial))).await;
        let (want, total) = large_bill(kwh, ("capacity", capacity, PER_KVA), (pf, Standard::P90));
        assert_eq!(lines(&b), want, "{serial}, power factor {relation} the standard: {b}");
        assert_eq!((b["kwh"].as_i64(), b["amount"].as_str()), (Some(kwh), Some(yuan(total).as_str())), "{b}");
        let adj = &lines(&b)[2].3;
        match relation {
            "below" => assert!(!adj.starts_with('-') && adj != "0.00", "raised: {adj}"),
            "above" => assert!(adj.starts_with('-'), "lowered: {adj}"),
            _ => assert_eq!(adj, "0.00", "nothing at the standard"),
        }
    }
    // By maximum demand: 16.05 kW on the display × 20, rounded to the kW.
    let b = bill(&app, &format!("202611{}", number(54))).await;
    let demand = (1605 * CT + 50) / 100;
    let (want, total) = large_bill(50 * CT, ("demand", demand, PER_KW), (80, Standard::P85));
    assert_eq!(lines(&b), want, "{b}");
    assert_eq!(b["amount"].as_str(), Some(yuan(total).as_str()));

    // The bill page and the notice show the new lines.
    let manager = app.login("manager_a").await;
    let no = format!("202611{}", number(51));
    let page = manager.get(app.at(&format!("/power/bills/{no}"))).send().await.unwrap().text().await.unwrap();
    for want in
        ["bill-line-basic", "bill-line-power_factor", "bill-line-surcharge", "基本电费（按容量）", "可再生能源电价附加"]
    {
        assert!(page.contains(want), "{want} on the bill page");
    }
    let res = manager.get(app.at(&format!("/power/bills/{no}/notice.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = pdf_text(&res.bytes().await.unwrap());
    let b = bill(&app, &no).await;
    for want in ["基本电费", "力率调整电费", "可再生能源电价附加", b["amount"].as_str().unwrap()] {
        assert!(text.contains(want), "{want} in the notice: {text}");
    }
});

on_both!(a_time_of_use_account_is_billed_by_register, |backend| async move {
    let (app, book_id, _letters) = large_county(backend).await;
    read_the_months(&app).await;
    run(&app, book_id).await;
    let b = bill(&app, &format!("202611{}", number(61))).await;
    let used = [130 - 30, 190 - 40, 80 - 30];
    let periods: Vec<&str> = b["lines"].as_array().unwrap().iter().map(|l| l["period"].as_str().unwrap()).collect();
    assert_eq!(periods, ["peak", "flat", "valley"], "{b}");
    let want: Vec<Line> =
        used.iter().zip(TOU).map(|(k, p)| ("register".to_string(), None, *k, yuan(fen(*k, p)))).collect();
    assert_eq!(lines(&b), want);
    let total: i64 = used.iter().zip(TOU).map(|(k, p)| fen(*k, p)).sum();
    assert_eq!((b["kwh"].as_i64(), b["amount"].as_str()), (Some(used.iter().sum()), Some(yuan(total).as_str())));
});

on_both!(each_bill_is_told_by_sms_with_its_amount_and_due_date, |backend| async move {
    let (app, book_id, _letters) = large_county(backend).await;
    read_the_months(&app).await;
    let o = run(&app, book_id).await;
    assert_eq!(o["notices"].as_i64(), Some(5), "{o}");
    let tasks: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT channel, message, asset_id, anchor_date FROM outreach_tasks WHERE playbook = 'power_bill_issued' \
         ORDER BY asset_id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(tasks.len(), 5);
    for serial in [51, 52, 53, 54, 61] {
        let b = bill(&app, &format!("202611{}", number(serial))).await;
        let task = tasks.iter().find(|t| t.2 == b["id"].as_i64().unwrap()).expect("a notice for each bill");
        assert_eq!(task.0, "sms", "customer A has a mobile");
        for want in [b["amount"].as_str().unwrap(), b["due_on"].as_str().unwrap(), &number(serial)] {
            assert!(task.1.contains(want), "{want} in {}", task.1);
        }
        assert_eq!(task.3, b["due_on"].as_str().unwrap());
    }
    // A second run queues nothing more.
    let o = run(&app, book_id).await;
    assert_eq!((o["created"].as_i64(), o["notices"].as_i64()), (Some(0), Some(0)), "{o}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks WHERE playbook = 'power_bill_issued'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(n, 5);
});

on_both!(a_large_users_corrected_reading_reverses_every_line_and_rebills, |backend| async move {
    let (app, book_id, _letters) = large_county(backend).await;
    read_the_months(&app).await;
    run(&app, book_id).await;
    let no = format!("202611{}", number(51));
    let first = bill(&app, &no).await;
    let o = run(&app, book_id).await;
    assert_eq!((o["created"].as_i64(), o["existing"].as_i64()), (Some(0), Some(5)), "idempotent: {o}");
    assert_eq!(app.audit_count("power_billing_run", "run").await, 1);

    // The reactive register was misread: 530, not 562.
    read_ok(&app, 51, json!({"reading": "1100", "reactive": "530", "read_on": "2026-11-25"})).await;
    let o = run(&app, book_id).await;
    assert_eq!((o["created"].as_i64(), o["corrected"].as_i64(), o["notices"].as_i64()), (Some(0), Some(1), Some(1)));
    let old = bill(&app, &no).await;
    assert_eq!((old["status"].as_str(), &old["amount"]), (Some("reversed"), &first["amount"]), "never edited");
    let reversal = bill(&app, &format!("{no}-R")).await;
    let negated: Vec<Line> = lines(&first)
        .into_iter()
        .map(|(k, l, u, a)| {
            let negated = match a.strip_prefix('-') {
                Some(positive) => positive.to_string(),
                None if a == "0.00" => a,
                None => format!("-{a}"),
            };
            (k, l, -u, negated)
        })
        .collect();
    assert_eq!(lines(&reversal), negated, "every line reversed, the basic and adjustment lines too");
    let new = bill(&app, &format!("{no}-C1")).await;
    let kwh = 100 * CT;
    let pf = power_factor(kwh, 30 * CT);
    let (want, total) = large_bill(kwh, ("capacity", 400, PER_KVA), (pf, Standard::P90));
    assert_eq!(lines(&new), want);
    assert_eq!(new["amount"].as_str(), Some(yuan(total).as_str()));
    let o = run(&app, book_id).await;
    assert_eq!((o["created"].as_i64(), o["corrected"].as_i64()), (Some(0), Some(0)), "then nothing more");
});

on_both!(bad_register_readings_are_refused_by_field_and_rule_in_both_languages, |backend| async move {
    let (app, _, _letters) = large_county(backend).await;
    read_the_months(&app).await;
    // An English-speaking reader who reads every book (an agent too).
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let user = NewUser {
        username: "reader_en".into(),
        display_name: "Reader".into(),
        password: PASSWORD.into(),
        roles: vec![Role::MeterReader, Role::Agent],
        branches: vec![app.fx.store_a],
        locale: Lang::En,
    };
    users::create(&app.db, &everyone, user).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM power_readings").fetch_one(app.db.pool()).await.unwrap()
    };
    let before = count().await;
    let day = "2026-11-28";
    let cases = [
        (
            61,
            json!({"reading": "450", "peak": "140", "flat": "200", "read_on": day}),
            "valley",
            "time_of_use_register_required",
            "peak, flat and valley",
        ),
        (
            61,
            json!({"reading": "450", "peak": "14O", "flat": "200", "valley": "90", "read_on": day}),
            "peak",
            "reading_format",
            "digits only",
        ),
        (51, json!({"reading": "1200", "reactive": "-5", "read_on": day}), "reactive", "reading_format", "digits only"),
        (
            51,
            json!({"reading": "-1200", "reactive": "600", "read_on": day}),
            "reading",
            "reading_format",
            "digits only",
        ),
        (51, json!({"reading": "1200", "read_on": day}), "reactive", "reactive_required", "reactive register"),
        (
            54,
            json!({"reading": "2100", "power_factor": "1.2", "demand": "16", "read_on": day}),
            "power_factor",
            "power_factor_range",
            "from 0 to 1",
        ),
        (
            54,
            json!({"reading": "2100", "power_factor": "abc", "demand": "16", "read_on": day}),
            "power_factor",
            "power_factor_range",
            "from 0 to 1",
        ),
        (
            54,
            json!({"reading": "2100", "power_factor": "0.92", "read_on": day}),
            "demand",
            "demand_required",
            "maximum demand",
        ),
    ];
    let (zh, zh_csrf) = app.signed_in("reader_a").await;
    let (en, en_csrf) = app.signed_in("reader_en").await;
    for (serial, body, field, rule, english) in cases {
        let mut body = body;
        body["account_no"] = json!(number(serial));
        let (status, p) = post_json(&zh, &zh_csrf, app.at("/api/v1/power/readings"), body.clone()).await;
        assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some(field), Some(rule)), "{body}: {p}");
        let detail = p["detail"].as_str().unwrap_or_default();
        assert!(detail.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "Chinese: {detail}");
        let (status, p) = post_json(&en, &en_csrf, app.at("/api/v1/power/readings"), body.clone()).await;
        assert_eq!((status, p["rule"].as_str()), (422, Some(rule)), "{p}");
        assert!(p["detail"].as_str().unwrap_or_default().contains(english), "English: {p}");
    }
    assert_eq!(count().await, before, "nothing half-written");

    // Terms that are not terms.
    let (manager, csrf) = app.signed_in("manager_a").await;
    let url = app.at(&format!("/api/v1/power/accounts/{}/billing-terms", number(51)));
    for (body, field) in [
        (json!({"basic_by": "transformer", "power_factor_standard": "0.90"}), "basic_by"),
        (json!({"basic_by": "capacity", "power_factor_standard": "0.95"}), "power_factor_standard"),
    ] {
        let res = manager.put(url.clone()).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 422);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["field"].as_str(), Some(field), "{p}");
    }
});

on_both!(the_phone_page_asks_a_time_of_use_account_for_its_registers, |backend| async move {
    let (app, book_id, _letters) = large_county(backend).await;
    read_the_months(&app).await;
    let (reader, csrf) = app.signed_in("reader_a").await;
    // Account 61 is the fifth stop; 51 the first.
    let page =
        reader.get(app.at(&format!("/power/books/{book_id}/read?at=4"))).send().await.unwrap().text().await.unwrap();
    for field in ["peak", "flat", "valley"] {
        assert!(page.contains(&format!(r#"data-testid="{field}-input""#)), "{field} asked");
    }
    let page =
        reader.get(app.at(&format!("/power/books/{book_id}/read?at=0"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"data-testid="reactive-input""#) && !page.contains(r#"data-testid="peak-input""#));
    let url = app.at(&format!("/power/books/{book_id}/read"));
    let form = [("at", "4"), ("reading", "420"), ("peak", "135"), ("flat", "200"), ("kind", "real"), ("_csrf", &csrf)];
    let res = reader.post(url.clone()).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422, "the valley register is missing");
    assert!(res.text().await.unwrap().contains("峰、平、谷"));
    let form = [
        ("at", "4"),
        ("reading", "420"),
        ("peak", "135"),
        ("flat", "200"),
        ("valley", "85"),
        ("kind", "real"),
        ("_csrf", &csrf),
    ];
    let res = reader.post(url).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let route = get_json(&reader, app.at(&format!("/api/v1/power/books/{book_id}/route?month=2026-11"))).await;
    let r = &route[4]["this_month"];
    assert_eq!(
        (r["peak_kwh"].as_i64(), r["flat_kwh"].as_i64(), r["valley_kwh"].as_i64()),
        (Some(105), Some(160), Some(55))
    );
});

on_both!(a_manager_makes_a_book_on_its_page_and_exports_the_held_readings_and_the_audit, |backend| async move {
    let meters = |no| vec![(no, 5, (1, 1))];
    let app = county(
        backend,
        &[
            Acct { serial: 71, tariff: "gx-res-1", meters: meters("B-71") },
            Acct { serial: 72, tariff: "gx-res-1", meters: meters("B-72") },
            Acct { serial: 73, tariff: "gx-res-1", meters: meters("B-73") },
            Acct { serial: 74, tariff: "gx-res-1", meters: meters("B-74") },
        ],
    )
    .await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let station = app.fx.store_a.0.to_string();
    let find = |from: u64, to: u64| {
        let url = app.at(&format!("/power/books/new?station_id={station}&from={}&to={}", number(from), number(to)));
        let manager = manager.clone();
        async move { manager.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let page = find(71, 73).await;
    let list = page.split(r#"data-testid="book-accounts">"#).nth(1).unwrap().split("</textarea>").next().unwrap();
    assert_eq!(list.lines().collect::<Vec<_>>(), [number(71), number(72), number(73)], "the range, in number order");
    // The manager puts 73 first on the route.
    let accounts = [number(73), number(71), number(72)].join("\n");
    let form = [
        ("_csrf", csrf.as_str()),
        ("station_id", station.as_str()),
        ("code", "LY-20"),
        ("name", "龙岩村二十"),
        ("reader", "reader_a"),
        ("reading_day", "20"),
        ("accounts", accounts.as_str()),
    ];
    let res = manager.post(app.at("/power/books/new")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/power/books");
    assert_eq!(app.audit_count("power_book", "create").await, 1);
    let books = get_json(&manager, app.at("/api/v1/power/books")).await;
    let b = books.as_array().unwrap().iter().find(|b| b["code"] == "LY-20").expect("the book");
    assert_eq!(
        (b["reading_day"].as_i64(), b["reader_name"].as_str(), b["accounts"].as_i64()),
        (Some(20), Some("reader_a"), Some(3))
    );
    let id = b["id"].as_i64().unwrap();
    let route = get_json(&manager, app.at(&format!("/api/v1/power/books/{id}/route?month=2026-11"))).await;
    let order: Vec<&str> = route.as_array().unwrap().iter().map(|s| s["account_no"].as_str().unwrap()).collect();
    assert_eq!(order, [number(73), number(71), number(72)], "the route as edited");
    // Booked accounts are not found again; a second book cannot take one.
    let page = find(71, 74).await;
    let list = page.split(r#"data-testid="book-accounts">"#).nth(1).unwrap().split("</textarea>").next().unwrap();
    assert_eq!(list.lines().collect::<Vec<_>>(), [number(74)]);
    let taken = [number(74), number(71)].join("\n");
    let form = [
        ("_csrf", csrf.as_str()),
        ("station_id", station.as_str()),
        ("code", "LY-21"),
        ("name", "龙岩村二十一"),
        ("reader", ""),
        ("reading_day", "20"),
        ("accounts", taken.as_str()),
    ];
    let res = manager.post(app.at("/power/books/new")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("该户已在另一抄表本中"));
    assert_eq!(app.audit_count("power_book", "create").await, 1, "nothing half-written");
    // A reader cannot make books.
    let reader = app.login("reader_a").await;
    assert_eq!(reader.get(app.at("/power/books/new")).send().await.unwrap().status(), 403);

    // Held readings and the month's audit as workbooks: 73 did not move.
    let (reader, rcsrf) = app.signed_in("reader_a").await;
    for (serial, oct, nov) in [(73, "500", "500"), (71, "100", "180"), (72, "200", "260")] {
        for (value, day) in [(oct, "2026-10-20"), (nov, "2026-11-20")] {
            let body = json!({"account_no": number(serial), "reading": value, "read_on": day});
            assert_eq!(post_json(&reader, &rcsrf, app.at("/api/v1/power/readings"), body).await.0, 201);
        }
    }
    let held = get_json(&manager, app.at("/api/v1/power/readings/held")).await;
    let workbook = |path: String| {
        let manager = manager.clone();
        async move {
            let res = manager.get(path).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let bytes = res.bytes().await.unwrap().to_vec();
            let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
            let name = calamine::Reader::sheet_names(&book)[0].clone();
            let sheet = calamine::Reader::worksheet_range(&mut book, &name).unwrap();
            sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>()).collect::<Vec<_>>()
        }
    };
    let rows = workbook(app.at("/power/readings/held.xlsx")).await;
    assert_eq!(rows.len(), 1 + held.as_array().unwrap().len(), "{rows:?}");
    assert_eq!(rows[1][0], number(73));
    let audit = get_json(&manager, app.at("/api/v1/power/readings/audit?month=2026-11")).await;
    let rows = workbook(app.at("/power/books/audit.xlsx?month=2026-11")).await;
    let book_row = rows.iter().find(|r| r[1] == "LY-20").expect("the book's row");
    let api_row = audit["books"].as_array().unwrap().iter().find(|r| r["book"] == "LY-20").unwrap();
    assert_eq!(
        (book_row[2].as_str(), book_row[3].as_str(), book_row[4].as_str()),
        (
            api_row["due"].to_string().as_str(),
            api_row["read"].to_string().as_str(),
            format!("{}%", api_row["reading_rate"].as_str().unwrap()).as_str()
        )
    );
    assert_eq!(rows.len(), 1 + audit["books"].as_array().unwrap().len() + audit["stations"].as_array().unwrap().len());
});
