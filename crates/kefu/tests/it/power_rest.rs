//! The power pack's remaining parts of issue 20, on SQLite and PostgreSQL:
//! a large user's billing terms on their page (a manager edits them,
//! audited, a bad value refused naming the field in the user's language);
//! the company's own power factor table, which the billing run reads, on its
//! page and through the API; the
//! month's station meter readings from a CSV or XLSX file, entered whole or
//! not at all with every refused row named; the indicator targets and the
//! analysis meeting's minutes and actions through the API, guarded by the
//! permission and the branch; the long lists a page at a time; and the demo
//! county billing every station, its intake readings giving each a line loss
//! of 3–9 % with one or two above target, its large users and time-of-use
//! shops billed on their terms and registers.

use crate::power_readings::{Acct, book, county, number};
use crate::support::*;
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_power::accounts::StationPrefix;
use kefu_power::archive;
use kefu_power::billing::{PowerFactorTable, Standard};
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

/// A user of `role` in `branch` speaking `lang`.
async fn user(app: &TestApp, username: &str, role: Role, branch: kefu_core::ids::BranchId, lang: Lang) {
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let new = NewUser {
        username: username.into(),
        display_name: username.into(),
        password: PASSWORD.into(),
        roles: vec![role],
        branches: vec![branch],
        locale: lang,
    };
    users::create(&app.db, &everyone, new).await.unwrap();
}

/// POSTs a form with the session's CSRF token: the status and the page.
async fn post_form(client: &reqwest::Client, csrf: &str, url: String, fields: &[(String, String)]) -> (u16, String) {
    let mut fields = fields.to_vec();
    fields.push(("_csrf".into(), csrf.into()));
    let res = client.post(url).form(&fields).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn put_json(client: &reqwest::Client, csrf: &str, url: String, body: Value) -> (u16, Value) {
    let res = client.put(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Large users 51 and 52 on gx-ind-1 with meters on 100/5 CTs.
fn large_users() -> Vec<Acct> {
    vec![
        Acct { serial: 51, tariff: "gx-ind-1", meters: vec![("L-51", 6, (100, 5))] },
        Acct { serial: 52, tariff: "gx-ind-1", meters: vec![("L-52", 6, (100, 5))] },
    ]
}

on_both!(a_manager_edits_a_large_users_billing_terms_on_its_page, |backend| async move {
    let app = county(backend, &large_users()).await;
    user(&app, "manager_en", Role::Manager, app.fx.store_a, Lang::En).await;
    let url = app.at(&format!("/power/accounts/{}/billing-terms", number(51)));
    let (manager, csrf) = app.signed_in("manager_a").await;
    let page = manager.get(&url).send().await.unwrap().text().await.unwrap();
    // What the tariff charges besides energy, read from gx-ind-1 as shipped.
    let tariff = kefu_power::tariffs::store::by_code(&app.db, "gx-ind-1").await.unwrap();
    let version = tariff.version_on("2026-11-29".parse().unwrap()).unwrap();
    assert!(page.contains(&version.basic.per_kva.unwrap().to_string()), "the basic price per kVA");
    for s in &version.surcharges {
        assert!(page.contains(&s.name), "the surcharge {}", s.name);
    }
    assert!(page.contains("data-testid=\"terms-form\""), "a manager may edit");

    let typed = pairs(&[("basic_by", "demand"), ("power_factor_standard", "0.85")]);
    let (status, _) = post_form(&manager, &csrf, url.clone(), &typed).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_count("power_billing_terms", "set").await, 1);
    let (basic_by, standard): (Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT t.basic_by, t.pf_standard FROM power_billing_terms t JOIN power_accounts a ON a.id = t.account_id \
         WHERE a.account_no = $1",
    )
    .bind(number(51))
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((basic_by.as_deref(), standard), (Some("demand"), Some(85)));
    let page = manager.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<option value=\"demand\" selected>"), "the page shows the terms kept");

    // A standard the 办法 does not have: refused naming the field, in Chinese and in English.
    let bad = pairs(&[("basic_by", "capacity"), ("power_factor_standard", "0.95")]);
    let (status, page) = post_form(&manager, &csrf, url.clone(), &bad).await;
    assert_eq!(status, 422);
    assert!(page.contains("功率因数考核标准：") && page.contains("0.90、0.85 或 0.80"), "Chinese, naming the field");
    let (english, en_csrf) = app.signed_in("manager_en").await;
    let (status, page) = post_form(&english, &en_csrf, url.clone(), &bad).await;
    assert_eq!(status, 422);
    assert!(page.contains("Power factor standard: the power factor standard is 0.90, 0.85 or 0.80"), "English");
    let odd = pairs(&[("basic_by", "weekly"), ("power_factor_standard", "")]);
    let (status, page) = post_form(&manager, &csrf, url.clone(), &odd).await;
    assert!(status == 422 && page.contains("基本电费计收方式："), "the basis named");
    assert_eq!(app.audit_count("power_billing_terms", "set").await, 1, "nothing written");

    // An agent sees the terms but may not change them; another branch's
    // manager does not find the account.
    let (agent, agent_csrf) = app.signed_in("agent_a").await;
    let page = agent.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(!page.text().await.unwrap().contains("data-testid=\"terms-form\""));
    assert_eq!(post_form(&agent, &agent_csrf, url.clone(), &typed).await.0, 403);
    user(&app, "manager_b", Role::Manager, app.fx.store_b, Lang::Zh).await;
    let (other, other_csrf) = app.signed_in("manager_b").await;
    assert_eq!(other.get(&url).send().await.unwrap().status(), 404);
    assert_eq!(post_form(&other, &other_csrf, url, &typed).await.0, 404);
    assert_eq!(app.audit_count("power_billing_terms", "set").await, 1);
});

/// A percentage in hundredths as typed: `-0.75`, `2.50`.
fn typed(bp: i32) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", bp.abs() / 100, bp.abs() % 100)
}

/// The form of three tables, `rows(standard, factor)` giving each row.
fn table_form(rows: impl Fn(Standard, u8) -> i32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (s, code) in [(Standard::P90, 90), (Standard::P85, 85), (Standard::P80, 80)] {
        for f in 0..=100u8 {
            out.push((format!("pf_{code}_{f:02}"), typed(rows(s, f))));
        }
    }
    out
}

/// `charges` × basis points / 10,000, rounded half away from zero.
fn adjustment(charges: i64, bp: i32) -> i64 {
    let n = charges * i64::from(bp);
    n.signum() * ((n.abs() * 2 + 10_000) / 20_000)
}

/// The power factor in hundredths, rounded half up.
fn power_factor(p: i64, q: i64) -> u8 {
    let (p, q) = (i128::from(p), i128::from(q));
    (0u8..=100).rev().find(|n| (2 * i128::from(*n) - 1).pow(2) * (p * p + q * q) <= 40_000 * p * p).unwrap()
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

on_both!(the_billing_run_adjusts_by_the_companys_own_power_factor_table, |backend| async move {
    let app = county(backend, &large_users()).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    for serial in [51, 52] {
        let url = app.at(&format!("/api/v1/power/accounts/{}/billing-terms", number(serial)));
        let body = json!({"basic_by": "capacity", "power_factor_standard": "0.90"});
        let res = manager.put(url).header("x-csrf-token", &csrf).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 204);
    }
    let books = [book(&app, "DG-01", &[51]).await, book(&app, "DG-02", &[52]).await];
    // Both use 100 × 20 kWh with a reactive advance of 62 × 20 kvarh.
    let (reader, rcsrf) = app.signed_in("reader_a").await;
    for serial in [51, 52] {
        for (reading, reactive, day) in [("1000", "500", "2026-10-25"), ("1100", "562", "2026-11-25")] {
            let body = json!({"account_no": number(serial), "reading": reading, "reactive": reactive, "read_on": day});
            let (status, r) = post_json(&reader, &rcsrf, app.at("/api/v1/power/readings"), body).await;
            assert_eq!(status, 201, "{r}");
        }
    }
    let (kwh, kvarh) = (100 * 20, 62 * 20);
    let pf = power_factor(kwh, kvarh);
    // gx-ind-1: 0.5800 a kWh and 26 a kVA a month on the accounts' 8 kVA.
    let charges = kwh * 5800 / 100 + 8 * 26 * 100;
    let run = |book: i64| {
        let (manager, csrf) = (manager.clone(), csrf.clone());
        let url = app.at("/api/v1/power/billing/runs");
        async move {
            let (status, o) = post_json(&manager, &csrf, url, json!({"book_id": book, "month": "2026-11"})).await;
            assert_eq!((status, o["created"].as_i64()), (200, Some(1)), "{o}");
        }
    };
    let adjustment_line = |serial: u64| {
        let manager = manager.clone();
        let url = app.at(&format!("/api/v1/power/bills/202611{}", number(serial)));
        async move {
            let b = get_json(&manager, url).await;
            let line = b["lines"].as_array().unwrap().iter().find(|l| l["kind"] == "power_factor").cloned();
            let line = line.unwrap_or_else(|| panic!("a power factor line in {b}"));
            (line["price"].as_str().unwrap().to_string(), line["amount"].as_str().unwrap().to_string())
        }
    };

    // Under the 办法's table.
    run(books[0]).await;
    let standard = PowerFactorTable::standard(Standard::P90).basis_points(pf);
    assert!(standard > 0, "a factor below the standard raises the bill");
    assert_eq!(adjustment_line(51).await, (format!("+{}%", typed(standard)), yuan(adjustment(charges, standard))));

    // The company doubles every increase; the run reads its table.
    let own = |s: Standard, f: u8| {
        let bp = PowerFactorTable::standard(s).basis_points(f);
        if bp > 0 { bp * 2 } else { bp }
    };
    let table_url = app.at("/power/power-factor-table");
    let (status, _) = post_form(&manager, &csrf, table_url.clone(), &table_form(own)).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_count("power_factor_table", "set").await, 1);
    run(books[1]).await;
    let doubled = own(Standard::P90, pf);
    assert_eq!(adjustment_line(52).await, (format!("+{}%", typed(doubled)), yuan(adjustment(charges, doubled))));
    assert_eq!(adjustment_line(51).await.0, format!("+{}%", typed(standard)), "an issued bill is never edited");

    // Rows refused, each named, and nothing kept.
    let mut bad = table_form(own);
    for (k, v) in bad.iter_mut() {
        match k.as_str() {
            "pf_90_85" => *v = "abc".into(),
            // At 0.91 above the 0.80 standard's 0.90: a better factor costing more.
            "pf_80_91" => *v = "1".into(),
            _ => {}
        }
    }
    let (status, page) = post_form(&manager, &csrf, table_url.clone(), &bad).await;
    assert_eq!(status, 422);
    assert!(page.contains("考核标准 0.90 · 功率因数 0.85："), "the row named: {}", &page[..page.len().min(400)]);
    assert!(page.contains("考核标准 0.80 · 功率因数 0.91：") && page.contains("功率因数越高"), "the monotonic rule");
    assert_eq!(app.audit_count("power_factor_table", "set").await, 1);
    let kept: i64 =
        sqlx::query_scalar("SELECT basis_points FROM power_factor_table WHERE standard = 90 AND factor = 85")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(kept, i64::from(own(Standard::P90, 85)));

    // An agent reads the table and may not change it; back to the 办法's.
    let (agent, agent_csrf) = app.signed_in("agent_a").await;
    assert_eq!(agent.get(&table_url).send().await.unwrap().status(), 200);
    assert_eq!(post_form(&agent, &agent_csrf, table_url.clone(), &table_form(own)).await.0, 403);
    let (status, _) = post_form(&manager, &csrf, format!("{table_url}/reset"), &[]).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_count("power_factor_table", "reset").await, 1);
    assert_eq!(
        kefu_power::bills::pf_tables::load(&app.db).await.unwrap(),
        kefu_power::billing::PowerFactorTables::standard()
    );
});

on_both!(the_power_factor_table_is_read_kept_and_given_back_through_the_api, |backend| async move {
    let app = county(backend, &large_users()).await;
    let url = app.at("/api/v1/power/power-factor-table");
    let send = |client: &reqwest::Client, csrf: &str, method: reqwest::Method, body: Option<Value>| {
        let mut req = client.request(method, url.clone()).header("x-csrf-token", csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let body_of = |rows: &dyn Fn(Standard, u8) -> i32| {
        let mut standards = serde_json::Map::new();
        for (s, code) in [(Standard::P90, "0.90"), (Standard::P85, "0.85"), (Standard::P80, "0.80")] {
            let table: serde_json::Map<String, Value> =
                (0..=100u8).map(|f| (format!("{}.{:02}", f / 100, f % 100), json!(typed(rows(s, f))))).collect();
            standards.insert(code.into(), table.into());
        }
        json!({ "standards": standards })
    };
    let standard = |s: Standard, f: u8| PowerFactorTable::standard(s).basis_points(f);

    // An agent reads the 办法's table and may not change it.
    let (agent, agent_csrf) = app.signed_in("agent_a").await;
    let (status, t) = send(&agent, &agent_csrf, reqwest::Method::GET, None).await;
    assert_eq!((status, t["own"].as_bool()), (200, Some(false)), "{t}");
    assert_eq!(t, json!({"own": false, "standards": body_of(&standard)["standards"]}));
    assert_eq!(send(&agent, &agent_csrf, reqwest::Method::PUT, Some(body_of(&standard))).await.0, 403);
    assert_eq!(send(&agent, &agent_csrf, reqwest::Method::DELETE, None).await.0, 403);

    // A manager keeps the company's own: every increase doubled.
    let own = |s: Standard, f: u8| if standard(s, f) > 0 { standard(s, f) * 2 } else { standard(s, f) };
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (status, t) = send(&manager, &csrf, reqwest::Method::PUT, Some(body_of(&own))).await;
    assert_eq!((status, t["own"].as_bool()), (200, Some(true)), "{t}");
    assert_eq!(t["standards"], body_of(&own)["standards"]);
    assert_eq!(t["standards"]["0.90"]["0.70"], json!(typed(standard(Standard::P90, 70) * 2)));
    assert_eq!(app.audit_count("power_factor_table", "set").await, 1);

    // Refused, naming where in the body, and nothing kept: a row that is
    // not a percentage, a better factor costing more, a row sent blank, a
    // standard or a factor the table does not have.
    let refused = |edit: &dyn Fn(&mut Value)| {
        let mut body = body_of(&standard);
        edit(&mut body);
        body
    };
    let cases: [(Value, &str, &str); 5] = [
        (refused(&|b| b["standards"]["0.90"]["0.85"] = json!("abc")), "standards.0.90.0.85", "pf_percent"),
        (refused(&|b| b["standards"]["0.80"]["0.91"] = json!("1")), "standards.0.80.0.91", "pf_monotonic"),
        (refused(&|b| b["standards"]["0.85"]["0.50"] = json!(" ")), "standards.0.85.0.50", "required"),
        (refused(&|b| b["standards"]["0.95"] = json!({})), "standards.0.95", "pf_standard"),
        (refused(&|b| b["standards"]["0.90"]["1.05"] = json!("0")), "standards.0.90.1.05", "pf_factor"),
    ];
    for (body, field, rule) in cases {
        let (status, p) = send(&manager, &csrf, reqwest::Method::PUT, Some(body)).await;
        assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some(field), Some(rule)), "{p}");
        assert!(p["detail"].as_str().is_some_and(|d| d.starts_with(&format!("{field}："))), "named in the text: {p}");
    }
    assert_eq!(app.audit_count("power_factor_table", "set").await, 1);
    assert_eq!(get_json(&agent, url.clone()).await["standards"], body_of(&own)["standards"]);

    // The rows sent replace theirs, the others stand; a row left as it was
    // refused against a row sent is named where it belongs.
    let one = json!({"standards": {"0.85": {"0.80": typed(own(Standard::P85, 80) + 10)}}});
    let (status, t) = send(&manager, &csrf, reqwest::Method::PUT, Some(one)).await;
    assert_eq!(status, 200, "{t}");
    let mut expected = body_of(&own)["standards"].clone();
    expected["0.85"]["0.80"] = json!(typed(own(Standard::P85, 80) + 10));
    assert_eq!(t["standards"], expected);
    let above = json!({"standards": {"0.80": {"0.79": "-5.00"}}});
    let (status, p) = send(&manager, &csrf, reqwest::Method::PUT, Some(above)).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("standards.0.80.0.80")), "the next row, kept: {p}");

    // Given back to the 办法's.
    let (status, t) = send(&manager, &csrf, reqwest::Method::DELETE, None).await;
    assert_eq!((status, t["own"].as_bool()), (200, Some(false)), "{t}");
    assert_eq!(t["standards"], body_of(&standard)["standards"]);
    assert_eq!(app.audit_count("power_factor_table", "reset").await, 1);
    assert_eq!(
        kefu_power::bills::pf_tables::load(&app.db).await.unwrap(),
        kefu_power::billing::PowerFactorTables::standard()
    );
});

/// Registers intake meters GK-0301-01 (× 600 from 1000.00) and GK-0301-02 (× 1 from 0).
async fn intake_meters(app: &TestApp) {
    let (manager, csrf) = app.signed_in("manager_a").await;
    for (no, multiplier, opening) in [("GK-0301-01", "600", "1000.00"), ("GK-0301-02", "1", "0")] {
        let body = json!({"meter_no": no, "kind": "intake", "station_id": app.fx.store_a.0, "name": "关口表",
            "multiplier": multiplier, "opening_reading": opening});
        let (status, m) = post_json(&manager, &csrf, app.at("/api/v1/power/supply-meters"), body).await;
        assert_eq!(status, 201, "{m}");
    }
}

async fn upload(client: &reqwest::Client, csrf: &str, url: String, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    client.post(url).header("x-csrf-token", csrf).multipart(form).send().await.unwrap()
}

/// A month's kWh: the advance in hundredths × the multiplier, rounded half up.
fn month_kwh(from: i64, to: i64, multiplier: i64) -> i64 {
    ((to - from) * multiplier + 50) / 100
}

on_both!(station_meter_readings_come_from_a_file_whole_or_not_at_all, |backend| async move {
    let app = county(backend, &[]).await;
    intake_meters(&app).await;
    user(&app, "reader_en", Role::MeterReader, app.fx.store_a, Lang::En).await;
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM power_supply_readings")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    let csv = "表号,月份,示数,抄表日期\n\
               GK-0301-01,2026-10,1100.50,2026-10-31\n\
               GK-0301-01,2026-11,1250.00,\n\
               GK-0301-02,2026-10,12a4,2026-10-31\n\
               GK-0399-09,2026-10,10,2026-10-31\n\
               GK-0301-02,2026/13,10,\n\
               GK-0301-01,2026-10,1200,\n\
               GK-0301-02,2026-11,5,2026-11-30\n\
               GK-0301-01,2026-12,1200,\n";
    let url = app.at("/api/v1/power/supply-meters/import");
    let (reader, csrf) = app.signed_in("reader_a").await;
    let res = upload(&reader, &csrf, url.clone(), "gk.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(res.status(), 200);
    let report: Value = res.json().await.unwrap();
    let rejected: Vec<(i64, &str, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["field"].as_str().unwrap(), r["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rejected,
        [
            (4, "reading", "reading_format"),
            (5, "meter_no", "unknown_supply_meter"),
            (6, "month", "month_format"),
            (7, "month", "duplicate_in_file"),
            (9, "reading", "reading_below_last"),
        ],
        "{report}"
    );
    assert_eq!(report["entered"], 0);
    assert_eq!(count().await, 0, "nothing half-written");
    let message = report["rejected"][1]["message"].as_str().unwrap();
    assert!(message.contains("GK-0399-09") && message.contains("没有"), "Chinese: {message}");
    let (english, en_csrf) = app.signed_in("reader_en").await;
    let report: Value =
        upload(&english, &en_csrf, url.clone(), "gk.csv", csv.as_bytes().to_vec()).await.json().await.unwrap();
    let message = report["rejected"][4]["message"].as_str().unwrap();
    assert!(message.contains("below the month before"), "English: {message}");

    // The same months as a workbook, right this time: entered together.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["meter_no", "month", "reading", "read_on"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [
        ("GK-0301-01", "2026-10", 1100.5, "2026-10-31"),
        ("GK-0301-01", "2026-11", 1250.0, ""),
        ("GK-0301-02", "2026-10", 400.0, "2026-10-31"),
        ("GK-0301-02", "2026-11", 1000.25, "2026-11-30"),
    ];
    for (r, (meter, month, reading, day)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *meter).unwrap();
        sheet.write_string(r, 1, *month).unwrap();
        sheet.write_number(r, 2, *reading).unwrap();
        sheet.write_string(r, 3, *day).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let report: Value = upload(&reader, &csrf, url, "gk.xlsx", bytes).await.json().await.unwrap();
    assert_eq!(
        (report["entered"].as_i64(), report["rejected"].as_array().map(Vec::len)),
        (Some(4), Some(0)),
        "{report}"
    );
    let stored: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT m.meter_no, r.month, r.read_on, r.kwh FROM power_supply_readings r \
         JOIN power_supply_meters m ON m.id = r.meter_id ORDER BY m.meter_no, r.month",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let want = [
        ("GK-0301-01", "2026-10", "2026-10-31", month_kwh(100_000, 110_050, 600)),
        ("GK-0301-01", "2026-11", "2026-11-30", month_kwh(110_050, 125_000, 600)),
        ("GK-0301-02", "2026-10", "2026-10-31", month_kwh(0, 40_000, 1)),
        ("GK-0301-02", "2026-11", "2026-11-30", month_kwh(40_000, 100_025, 1)),
    ];
    let stored: Vec<(&str, &str, &str, i64)> =
        stored.iter().map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), *d)).collect();
    assert_eq!(stored, want);
    assert_eq!(app.audit_count("power_supply_reading", "create").await, 4);

    // The page's form reports as the API does; an agent may not import.
    let bad = "表号,月份,示数\nGK-0301-02,2026-12,1,\n";
    let res = upload(&reader, &csrf, app.at("/power/supply-meters/import"), "gk.csv", bad.as_bytes().to_vec()).await;
    let page = res.text().await.unwrap();
    assert!(page.contains("data-testid=\"supply-rejected\"") && page.contains("读数小于上月读数"), "the page lists it");
    let (agent, agent_csrf) = app.signed_in("agent_a").await;
    let res = upload(&agent, &agent_csrf, app.at("/api/v1/power/supply-meters/import"), "gk.csv", bad.into()).await;
    assert_eq!(res.status(), 403);
    assert_eq!(count().await, 4);
});

on_both!(targets_and_the_meetings_minutes_and_actions_through_the_api, |backend| async move {
    let app = county(backend, &[]).await;
    // Store B is a supply station too, outside store A's manager's scope.
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_b, &StationPrefix::parse("prefix", "3102").unwrap()).await.unwrap();
    let root = Actor::system(Scope::new(vec![app.fx.store_b]));
    let change = kefu_store::Change {
        entity: "power_station",
        entity_id: "3102".into(),
        action: "create",
        branch: Some(app.fx.store_b),
        old: None,
        new: None,
    };
    tx.audit(&root, change).await.unwrap();
    tx.commit().await.unwrap();
    user(&app, "manager_b", Role::Manager, app.fx.store_b, Lang::Zh).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let list = get_json(&manager, app.at("/api/v1/power/indicators/targets")).await;
    let ids: Vec<i64> = list.as_array().unwrap().iter().map(|t| t["station_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [app.fx.store_a.0], "the stations in scope: {list}");

    let url = app.at(&format!("/api/v1/power/indicators/targets/{}", app.fx.store_a.0));
    let body = json!({"line_loss_at_most": "6.5", "collection_at_least": "99", "average_price_at_least": "0.56"});
    let (status, t) = put_json(&manager, &csrf, url.clone(), body.clone()).await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        (&t["line_loss_at_most"], &t["collection_at_least"], &t["average_price_at_least"]),
        (&json!("6.50"), &json!("99.00"), &json!("0.5600"))
    );
    let report = get_json(&manager, app.at("/api/v1/power/indicators?month=2026-11")).await;
    assert_eq!(report["stations"][0]["line_loss_at_most"], "6.50", "the report holds the station to it");
    for (body, field) in [
        (json!({"line_loss_at_most": "6.555"}), "line_loss_at_most"),
        (json!({"collection_at_least": "101"}), "collection_at_least"),
        (json!({"average_price_at_least": "0.56001"}), "average_price_at_least"),
    ] {
        let (status, p) = put_json(&manager, &csrf, url.clone(), body).await;
        assert_eq!((status, p["field"].as_str()), (422, Some(field)), "{p}");
    }
    assert_eq!(app.audit_count("power_indicator_targets", "update").await, 1);
    let (agent, agent_csrf) = app.signed_in("agent_a").await;
    assert_eq!(put_json(&agent, &agent_csrf, url, body.clone()).await.0, 403);
    let elsewhere = app.at(&format!("/api/v1/power/indicators/targets/{}", app.fx.store_b.0));
    assert_eq!(put_json(&manager, &csrf, elsewhere, body).await.0, 404);

    // The meeting, an action, its state.
    let minutes =
        json!({"month": "2026-11", "held_on": "2026-12-04", "attendees": "主任、各所所长", "notes": "线损分析"});
    let (status, m) = post_json(&manager, &csrf, app.at("/api/v1/power/indicators/meetings"), minutes).await;
    assert_eq!(status, 200, "{m}");
    let meeting = m["id"].as_i64().unwrap();
    let bad = json!({"month": "2026-11", "held_on": "明天", "attendees": "主任"});
    let (status, p) = post_json(&manager, &csrf, app.at("/api/v1/power/indicators/meetings"), bad).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("held_on")));
    let actions = app.at(&format!("/api/v1/power/indicators/meetings/{meeting}/actions"));
    let action = json!({"action": "核对关口表倍率", "owner": "计量班", "due_on": "2026-12-20"});
    let (status, m) = post_json(&manager, &csrf, actions.clone(), action.clone()).await;
    assert_eq!(status, 201, "{m}");
    let id = m["actions"][0]["id"].as_i64().unwrap();
    let state = app.at(&format!("/api/v1/power/indicators/actions/{id}"));
    let (status, m) = put_json(&manager, &csrf, state.clone(), json!({"state": "done"})).await;
    assert_eq!(status, 200);
    assert_eq!(m["actions"][0]["done_by"], "甲店经理");
    let (status, p) = put_json(&manager, &csrf, state.clone(), json!({"state": "done"})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("action_done")));
    let (status, m) = put_json(&manager, &csrf, state.clone(), json!({"state": "open"})).await;
    assert_eq!((status, &m["actions"][0]["done_at"]), (200, &Value::Null));
    let (status, p) = put_json(&manager, &csrf, state.clone(), json!({"state": "finished"})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("state")));
    assert_eq!(
        (
            app.audit_count("power_indicator_action", "complete").await,
            app.audit_count("power_indicator_action", "reopen").await
        ),
        (1, 1)
    );
    // The report page's buttons do the same.
    for step in ["done", "reopen"] {
        let url = app.at(&format!("/power/indicators/meeting/actions/{id}/{step}"));
        let (status, _) = post_form(&manager, &csrf, url, &pairs(&[("month", "2026-11")])).await;
        assert_eq!(status, 303, "{step}");
    }
    assert_eq!(app.audit_count("power_indicator_action", "reopen").await, 2);
    let list = get_json(&agent, app.at("/api/v1/power/indicators/meetings")).await;
    assert_eq!(list[0]["actions"][0]["done_at"], Value::Null, "open again");
    assert_eq!((list[0]["month"].as_str(), list[0]["actions"].as_array().map(Vec::len)), (Some("2026-11"), Some(1)));

    // Another branch's manager finds neither; an agent may not change them.
    let (other, other_csrf) = app.signed_in("manager_b").await;
    assert_eq!(put_json(&other, &other_csrf, state.clone(), json!({"state": "done"})).await.0, 404);
    assert_eq!(post_json(&other, &other_csrf, actions.clone(), action.clone()).await.0, 404);
    assert_eq!(get_json(&other, app.at("/api/v1/power/indicators/meetings")).await, json!([]));
    assert_eq!(put_json(&agent, &agent_csrf, state, json!({"state": "done"})).await.0, 403);
    assert_eq!(post_json(&agent, &agent_csrf, actions, action).await.0, 403);
});

on_both!(the_books_list_comes_a_page_at_a_time, |backend| async move {
    let accounts: Vec<Acct> = (1..=55)
        .map(|serial| Acct {
            serial,
            tariff: "gx-res-1",
            meters: vec![(Box::leak(format!("P-{serial}").into_boxed_str()), 6, (1, 1))],
        })
        .collect();
    let app = county(backend, &accounts).await;
    for serial in 1..=55u64 {
        book(&app, &format!("YB-{serial:02}"), &[serial]).await;
    }
    let manager = app.login("manager_a").await;
    let rows = |page: &str| page.matches("data-testid=\"read-book-").count();
    let first = manager.get(app.at("/power/books")).send().await.unwrap().text().await.unwrap();
    assert_eq!(rows(&first), 50);
    assert!(first.contains("1–50 / 55") && first.contains("offset=50"), "the next page offered");
    let second =
        manager.get(app.at("/power/books?month=2026-11&offset=50")).send().await.unwrap().text().await.unwrap();
    assert_eq!(rows(&second), 5);
    assert!(second.contains("read-book-YB-55") && !second.contains("read-book-YB-01\""), "the rest");
    assert!(second.contains("offset=0"), "and the way back");
    // Readings held for re-reading are counted in all, not only those shown.
    let (reader, rcsrf) = app.signed_in("reader_a").await;
    for serial in [1, 2] {
        for day in ["2026-10-25", "2026-11-25"] {
            let body = json!({"account_no": number(serial), "reading": "100", "read_on": day});
            let (status, r) = post_json(&reader, &rcsrf, app.at("/api/v1/power/readings"), body).await;
            assert_eq!(status, 201, "{r}");
        }
    }
    let held = manager.get(app.at("/power/readings/held?offset=1")).send().await.unwrap().text().await.unwrap();
    assert!(held.contains("data-testid=\"held-count\">2<"), "both held, one shown after the first");
    assert_eq!(held.matches("data-testid=\"confirm-").count(), 1);
    for garbage in ["offset=abc", "offset=-5", "offset="] {
        let page = manager.get(app.at(&format!("/power/books?{garbage}"))).send().await.unwrap();
        assert_eq!(page.status(), 200, "{garbage}");
        assert_eq!(rows(&page.text().await.unwrap()), 50, "{garbage}: the first page");
    }
});

on_both!(the_demo_bills_every_station_with_a_plausible_line_loss, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    kefu_power::demo::load(&app.db, 7, today, 3000, &()).await.unwrap();
    let scope = Scope::new(kefu_accounts::branches::all(&app.db).await.unwrap().iter().map(|b| b.id).collect());
    let month = kefu_power::indicators::store::last_month(today);
    let report = kefu_power::indicators::store::report(&app.db, &scope, &month, None).await.unwrap();
    assert_eq!(report.stations.len(), 10);
    for s in &report.stations {
        assert!(s.sold_kwh > 0, "{} sold: {s:?}", s.name);
        // The loss computed here from the station's kWh.
        let loss = (s.supplied_kwh - s.sold_kwh) as f64 / s.supplied_kwh as f64 * 100.0;
        assert!((3.0..=9.0).contains(&loss), "{}: {loss:.2} %", s.name);
    }
    let missing = report.stations.iter().filter(|s| s.misses.contains(&"line_loss")).count();
    assert!((1..=2).contains(&missing), "one or two stations above their line loss target: {missing}");

    // The large users' bills carry their basic charge and power factor
    // adjustment, the shops' their registers.
    let kinds: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.kind, COUNT(*) FROM power_bill_lines l JOIN power_bills b ON b.id = l.bill_id \
         WHERE b.month = $1 GROUP BY l.kind ORDER BY l.kind",
    )
    .bind(month.clone())
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    for kind in ["basic", "power_factor", "register", "surcharge", "tier"] {
        assert!(kinds.iter().any(|(k, n)| k == kind && *n > 0), "{kind} lines: {kinds:?}");
    }
    let terms: Vec<(String, i64)> = sqlx::query_as(
        "SELECT t.basic_by, COUNT(*) FROM power_billing_terms t JOIN power_accounts a ON a.id = t.account_id \
         WHERE a.voltage = '10kv' AND t.pf_standard = 90 GROUP BY t.basic_by ORDER BY t.basic_by",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert!(terms.iter().any(|(b, _)| b == "capacity"), "large users on their contracted kVA: {terms:?}");
});
