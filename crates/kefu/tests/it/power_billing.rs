//! Tariffs as data and the quote (issue 20 §2), on SQLite and PostgreSQL:
//! each tier rule priced through `POST /api/v1/power/tariffs/{code}/quote`
//! (at a bound, across one and two bounds, yearly on the year so far, a new
//! version within the period), the tariff file imported as the issue writes
//! it, bad tariffs refused naming the field and the rule with nothing
//! written, a version in force never edited, and `kefu power quote`
//! printing what the API answers.

use crate::support::process::Work;
use crate::support::*;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

/// The tariff file exactly as issue 20 §2 writes it.
const ISSUE_FILE: &str = r#"[[tariff]]
code = "gx-res-1"
name = "居民生活用电（一户一表）"
usage_class = "residential"
basis = "monthly_tiers"        # flat | monthly_tiers | yearly_tiers | time_of_use
[[tariff.version]]
effective_from = "2026-01-01"
tiers = [{ up_to_kwh = 150, price = "0.5283" }, { up_to_kwh = 250, price = "0.5783" }, { price = "0.8283" }]
"#;

/// A line's amount in fen: kWh × price (ten-thousandths of a yuan),
/// rounded half up to the fen.
fn fen(kwh: i64, price_units: i64) -> i64 {
    (kwh * price_units + 50) / 100
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The quote's lines as (kWh, price, amount).
fn lines(q: &Value) -> Vec<(i64, String, String)> {
    q["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("lines in {q}"))
        .iter()
        .map(|l| {
            (l["kwh"].as_i64().unwrap(), l["price"].as_str().unwrap().into(), l["amount"].as_str().unwrap().into())
        })
        .collect()
}

fn line(kwh: i64, price_units: i64) -> (i64, String, String) {
    (kwh, format!("{}.{:04}", price_units / 10_000, price_units % 10_000), yuan(fen(kwh, price_units)))
}

async fn power_app(backend: Backend) -> TestApp {
    TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await
}

/// Imports a tariff file through the page's form; the status and the page.
async fn import_form(client: &reqwest::Client, app: &TestApp, csrf: &str, text: &str) -> (u16, String) {
    let form = reqwest::multipart::Form::new().text("_csrf", csrf.to_string()).text("source", text.to_string());
    let res = client.post(app.at("/power/tariffs/import")).multipart(form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

on_both!(each_tier_rule_is_priced_through_the_api, |backend| async move {
    let app = power_app(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let quote = |code: &str, body: Value| {
        post_json(&agent, &csrf, app.at(&format!("/api/v1/power/tariffs/{code}/quote")), body)
    };
    // gx-res-1 as shipped: 150 and 250 kWh a month at 0.5283, 0.5783, 0.8283.
    let (p1, p2, p3) = (5283, 5783, 8283);
    for (kwh, want) in [
        (150, vec![line(150, p1)]),
        (151, vec![line(150, p1), line(1, p2)]),
        (250, vec![line(150, p1), line(100, p2)]),
        (300, vec![line(150, p1), line(100, p2), line(50, p3)]),
    ] {
        let (status, q) = quote("gx-res-1", json!({"kwh": kwh, "year_to_date_kwh": 0, "date": "2026-11-30"})).await;
        assert_eq!(status, 200, "{q}");
        assert_eq!(lines(&q), want, "{kwh} kWh");
        let sum: i64 = want.iter().map(|(k, p, _)| fen(*k, p.replace('.', "").parse().unwrap())).sum();
        assert_eq!(q["amount"], yuan(sum), "the charge is the sum of the lines");
        assert_eq!(q["lines"][0]["tier"], 1);
    }

    // Yearly tiers (zj-res-1: 2760 and 4800 kWh a year at 0.5380, 0.5880,
    // 0.8380) count from the kWh billed so far this year: 2,700 before and
    // 2,200 now cross both bounds.
    let (status, q) = quote("zj-res-1", json!({"kwh": 2200, "year_to_date_kwh": 2700, "date": "2026-11-30"})).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(lines(&q), [line(60, 5380), line(2040, 5880), line(100, 8380)]);
    let (_, q) = quote("zj-res-1", json!({"kwh": 100, "year_to_date_kwh": 0, "date": "2026-11-30"})).await;
    assert_eq!(lines(&q), [line(100, 5380)], "the year's first kWh are in tier 1");

    // A new version within the period: a manager adds one from 11 November;
    // 300 kWh read over 1–30 November split 10 days : 20 days.
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    let change = r#"[[tariff]]
code = "gx-com-2"
name = "一般工商业（试）"
usage_class = "general_commercial"
basis = "flat"
[[tariff.version]]
effective_from = "2026-01-01"
price = "0.6000"
[[tariff.version]]
effective_from = "2026-11-11"
price = "0.6500"
"#;
    let (status, page) = import_form(&manager, &app, &mcsrf, change).await;
    assert_eq!(status, 303, "{page}");
    let (status, q) = quote("gx-com-2", json!({"kwh": 300, "from": "2026-11-01", "date": "2026-11-30"})).await;
    assert_eq!(status, 200, "{q}");
    let first = 300 * 10 / 30;
    assert_eq!(lines(&q), [line(first, 6000), line(300 - first, 6500)]);
    assert_eq!(q["lines"][1]["effective_from"], "2026-11-11");

    // Bad input: named field, 422; an unknown tariff is not there.
    for (body, field) in [
        (json!({"kwh": -5}), "kwh"),
        (json!({"year_to_date_kwh": 0}), "kwh"),
        (json!({"kwh": 5, "year_to_date_kwh": -1}), "year_to_date_kwh"),
        (json!({"kwh": 5, "from": "2026-12-01", "date": "2026-11-30"}), "from"),
    ] {
        let (status, p) = quote("gx-res-1", body.clone()).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert!(p.to_string().contains(field), "{body} names {field}: {p}");
    }
    let (status, _) = quote("gx-tou-1", json!({"kwh": 5})).await;
    assert_eq!(status, 422, "a time-of-use tariff needs its registers");
    let (status, _) = quote("no-such", json!({"kwh": 5})).await;
    assert_eq!(status, 404);
});

on_both!(the_issues_tariff_file_imports_as_written_and_bad_ones_are_refused, |backend| async move {
    let app = power_app(backend).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (status, page) = import_form(&manager, &app, &csrf, ISSUE_FILE).await;
    assert_eq!(status, 303, "{page}");
    assert_eq!(app.audit_count("power_tariff", "import").await, 1);
    let page = manager.get(app.at("/power/tariffs")).send().await.unwrap().text().await.unwrap();
    let res = page.split(r#"data-testid="tariff-gx-res-1""#).nth(1).expect("gx-res-1 is listed");
    assert!(res.contains("2026-01-01") && res.contains("2012-07-01"), "the new version beside the history");
    // The same file again changes nothing.
    let (status, _) = import_form(&manager, &app, &csrf, ISSUE_FILE).await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_count("power_tariff", "import").await, 1, "nothing changed, nothing audited");

    // Overlapping tiers and a price with 5 decimals: every error named, nothing written.
    let bad = ISSUE_FILE
        .replace(r#"{ up_to_kwh = 250, price = "0.5783" }"#, r#"{ up_to_kwh = 100, price = "0.57831" }"#)
        .replace("2026-01-01", "2026-12-01");
    let (status, page) = import_form(&manager, &app, &csrf, &bad).await;
    assert_eq!(status, 422);
    for field in ["tariff[0].version[0].tiers[1].up_to_kwh", "tariff[0].version[0].tiers[1].price"] {
        assert!(page.contains(field), "{field} is named: {page}");
    }
    assert!(page.contains("0.57831"), "the text comes back to correct");
    assert_eq!(app.audit_count("power_tariff", "import").await, 1, "nothing written");
    let tariffs = manager.get(app.at("/power/tariffs/export")).send().await.unwrap().text().await.unwrap();
    assert!(!tariffs.contains("2026-12-01"), "{tariffs}");

    // A version in force is never edited; a later one is added.
    let edited = ISSUE_FILE.replace(r#"price = "0.5283" }"#, r#"price = "0.5000" }"#);
    let form = [("source", edited.as_str()), ("_csrf", csrf.as_str())];
    let res = manager.post(app.at("/power/tariffs/gx-res-1")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("tariff[0].version") || page.contains("2012-07-01"), "{page}");
    let later = format!(
        "{ISSUE_FILE}[[tariff.version]]\neffective_from = \"2026-12-01\"\ntiers = [{{ up_to_kwh = 150, price = \"0.5300\" }}, {{ price = \"0.8300\" }}]\n"
    );
    let (status, page) = import_form(&manager, &app, &csrf, &later).await;
    assert_eq!(status, 303, "{page}");
    let (agent, acsrf) = app.signed_in("agent_a").await;
    let (_, q) = post_json(
        &agent,
        &acsrf,
        app.at("/api/v1/power/tariffs/gx-res-1/quote"),
        json!({"kwh": 200, "date": "2026-12-15"}),
    )
    .await;
    assert_eq!(lines(&q), [line(150, 5300), line(50, 8300)], "December bills at the new version");

    // The export reads back in: the file a manager downloads is the format.
    let exported = agent.get(app.at("/power/tariffs/export")).send().await.unwrap().text().await.unwrap();
    assert_eq!(kefu_power::tariffs::import(&exported).unwrap().len(), kefu_power::tariffs::shipped().len());

    // Only a manager edits or imports; others read and see no form.
    let (status, _) = import_form(&agent, &app, &acsrf, ISSUE_FILE).await;
    assert_eq!(status, 403);
    let page = agent.get(app.at("/power/tariffs")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/power/tariffs/import") && page.contains("/power/tariffs/export"));
});

on_both!(kefu_power_quote_prints_what_the_api_answers, |backend| async move {
    let app = power_app(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (_, api) = post_json(
        &agent,
        &csrf,
        app.at("/api/v1/power/tariffs/gx-res-1/quote"),
        json!({"kwh": 300, "year_to_date_kwh": 0, "date": "2026-11-30"}),
    )
    .await;
    let work = Work::on(&app.db_url);
    let run = work
        .run(&["--packs", "power", "power", "quote", "--tariff", "gx-res-1", "--kwh", "300", "--date", "2026-11-30"])
        .await;
    assert!(run.status.success(), "{}", run.stderr);
    let printed: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(printed, api);
    let run = work.run(&["--packs", "power", "power", "quote", "--tariff", "gx-res-1", "--kwh", "-1"]).await;
    assert!(!run.status.success() && run.stderr.contains("kwh"), "{}", run.stderr);

    // `kefu power tariffs import FILE` and `export`.
    std::fs::write(work.path("t.toml"), ISSUE_FILE.replace("gx-res-1", "gx-res-9")).unwrap();
    let run = work.run(&["--packs", "power", "power", "tariffs", "import", "t.toml"]).await;
    assert!(run.status.success(), "{}", run.stderr);
    let run = work.run(&["--packs", "power", "power", "tariffs", "export"]).await;
    assert!(run.stdout.contains("code = \"gx-res-9\""), "{}", run.stdout);
    std::fs::write(work.path("bad.toml"), ISSUE_FILE.replace("0.5283", "0.52831")).unwrap();
    let run = work.run(&["--packs", "power", "power", "tariffs", "import", "bad.toml"]).await;
    assert!(!run.status.success() && run.stderr.contains("tariff[0].version[0].tiers[0].price"), "{}", run.stderr);
});

/// The quote of `kwh` over `from..=to` with `ytd` before: what a bill must come to.
async fn quoted(app: &TestApp, tariff: &str, kwh: i64, ytd: i64, from: &str, to: &str) -> Value {
    let (agent, csrf) = app.signed_in("agent_a").await;
    let body = json!({"kwh": kwh, "year_to_date_kwh": ytd, "from": from, "date": to});
    let (status, q) = post_json(&agent, &csrf, app.at(&format!("/api/v1/power/tariffs/{tariff}/quote")), body).await;
    assert_eq!(status, 200, "{q}");
    q
}

on_both!(billing_is_idempotent_and_a_corrected_reading_is_reversed_and_rebilled, |backend| async move {
    use crate::power_readings::{Acct, book, county, number, reading};
    let app = county(
        backend,
        &[
            Acct { serial: 11, tariff: "gx-res-1", meters: vec![("B-11", 5, (1, 1))] },
            // A meter replaced on 10 November: the old one (direct) and the new one on 10/5 CTs (× 2).
            Acct { serial: 12, tariff: "gx-com-1", meters: vec![("OLD-12", 5, (1, 1)), ("NEW-12", 6, (10, 5))] },
        ],
    )
    .await;
    let book_id = book(&app, "LY-09", &[11, 12]).await;
    let (reader, csrf) = app.signed_in("reader_a").await;
    assert_eq!(reading(&reader, &csrf, &app, 11, "1000", "2026-10-25", "real").await.0, 201);
    assert_eq!(reading(&reader, &csrf, &app, 11, "1300", "2026-11-25", "real").await.0, 201);
    let meter = |no: &str, value: &str, day: &str, kind: &str| json!({"account_no": number(12), "meter_no": no, "reading": value, "read_on": day, "kind": kind});
    for body in [
        meter("OLD-12", "500", "2026-10-25", "real"),
        meter("OLD-12", "650", "2026-11-10", "removal"),
        meter("NEW-12", "0", "2026-11-10", "base"),
        meter("NEW-12", "40", "2026-11-25", "real"),
    ] {
        let (status, r) = post_json(&reader, &csrf, app.at("/api/v1/power/readings"), body.clone()).await;
        assert_eq!(status, 201, "{body}: {r}");
    }
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    let run = || {
        post_json(
            &manager,
            &mcsrf,
            app.at("/api/v1/power/billing/runs"),
            json!({"book_id": book_id, "month": "2026-11"}),
        )
    };
    let (status, o) = run().await;
    assert_eq!((status, o["created"].as_i64()), (200, Some(2)), "{o}");
    let bill = get_json(&manager, app.at(&format!("/api/v1/power/bills/202611{}", number(11)))).await;
    let q = quoted(&app, "gx-res-1", 300, 0, "2026-10-26", "2026-11-25").await;
    assert_eq!((bill["kwh"].as_i64(), &bill["amount"]), (Some(300), &q["amount"]), "{bill}");
    assert_eq!(bill["lines"].as_array().unwrap().len(), q["lines"].as_array().unwrap().len());
    // Both meters' use, each × its multiplier: 150 on the old, 40 × 2 on the new.
    let replaced = get_json(&manager, app.at(&format!("/api/v1/power/bills/202611{}", number(12)))).await;
    assert_eq!(replaced["kwh"].as_i64(), Some(150 + 40 * 2), "{replaced}");

    // A second run creates nothing and audits nothing more.
    let (_, o) = run().await;
    assert_eq!((o["created"].as_i64(), o["existing"].as_i64()), (Some(0), Some(2)), "{o}");
    assert_eq!(app.audit_count("power_billing_run", "run").await, 1);

    // A corrected reading re-bills: the bill is reversed and a new one issued.
    assert_eq!(reading(&reader, &csrf, &app, 11, "1200", "2026-11-25", "real").await.0, 201);
    let (_, o) = run().await;
    assert_eq!((o["created"].as_i64(), o["corrected"].as_i64()), (Some(0), Some(1)), "{o}");
    let old = get_json(&manager, app.at(&format!("/api/v1/power/bills/202611{}", number(11)))).await;
    assert_eq!(old["status"], "reversed", "the issued bill is never edited: {old}");
    assert_eq!(old["amount"], bill["amount"]);
    let reversal = get_json(&manager, app.at(&format!("/api/v1/power/bills/202611{}-R", number(11)))).await;
    assert_eq!((reversal["status"].as_str(), reversal["reverses_id"].as_i64()), (Some("reversal"), old["id"].as_i64()));
    assert_eq!(reversal["amount"], format!("-{}", bill["amount"].as_str().unwrap()));
    let new = get_json(&manager, app.at(&format!("/api/v1/power/bills/202611{}-C1", number(11)))).await;
    let q = quoted(&app, "gx-res-1", 200, 0, "2026-10-26", "2026-11-25").await;
    assert_eq!((new["kwh"].as_i64(), &new["amount"], &new["status"]), (Some(200), &q["amount"], &json!("issued")));
    let (_, o) = run().await;
    assert_eq!((o["created"].as_i64(), o["corrected"].as_i64()), (Some(0), Some(0)), "then nothing more");

    // The pages: the run's form and its bills, a bill.
    let page = manager.get(app.at("/power/billing?month=2026-11")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("202611{}-C1", number(11))) && page.contains(r#"data-testid="billing-run""#));
    let xlsx = manager.get(app.at("/power/billing/export?month=2026-11")).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "2026-11").unwrap();
    assert_eq!(sheet.rows().count(), 1 + 4, "the header, the two bills, the reversal and the new bill");
    let page = manager.get(app.at(&format!("/power/bills/202611{}-C1", number(11)))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let agent_b = app.login("agent_b").await;
    let hidden = agent_b.get(app.at(&format!("/api/v1/power/bills/202611{}", number(11)))).send().await.unwrap();
    assert_eq!(hidden.status(), 404, "another branch's bill is not there");
});

on_both!(a_bill_notice_prints_with_the_amount_and_due_date, |backend| async move {
    use crate::power_readings::{Acct, book, county_on, number, reading};
    let letters = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, printing(letters.path())).await;
    let app = county_on(app, &[Acct { serial: 41, tariff: "gx-res-1", meters: vec![("N-41", 5, (1, 1))] }]).await;
    let book_id = book(&app, "LY-41", &[41]).await;
    let (reader, csrf) = app.signed_in("reader_a").await;
    assert_eq!(reading(&reader, &csrf, &app, 41, "100", "2026-10-25", "real").await.0, 201);
    assert_eq!(reading(&reader, &csrf, &app, 41, "220", "2026-11-25", "real").await.0, 201);
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    let body = json!({"book_id": book_id, "month": "2026-11"});
    assert_eq!(post_json(&manager, &mcsrf, app.at("/api/v1/power/billing/runs"), body).await.0, 200);
    let no = format!("202611{}", number(41));
    let bill = get_json(&manager, app.at(&format!("/api/v1/power/bills/{no}"))).await;
    let res = manager.get(app.at(&format!("/power/bills/{no}/notice.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let text = pdf_text(&res.bytes().await.unwrap());
    for want in ["电费通知单", &no, bill["amount"].as_str().unwrap(), bill["due_on"].as_str().unwrap()] {
        assert!(text.contains(want), "{want} in the notice: {text}");
    }
});
