//! Receivables of the property pack, on SQLite and on PostgreSQL: fee items
//! edited (a price from a period on, an item retired), the readings sheet
//! (below the last refused without a replacement, nothing half-written;
//! the master meter's shares adding up), one-off charges billed once and
//! again after a reversal, payments by several channels to the oldest bill
//! first with their transaction numbers unique per channel and a receipt,
//! late fees (off by default, on by contract, waived by a manager with a
//! reason), the collection steps queued on their days, the collection
//! rate and the monthly report from figures the test built, and the new
//! routes kept to their permission and estate.

use crate::estate_fees::estate_with_fees;
use crate::support::*;
use kefu_core::Money;
use kefu_web::packs::Enabled;

fn estate() -> Enabled {
    Enabled::select(&["estate"]).unwrap()
}

fn fen(text: &str) -> i64 {
    Money::parse_yuan("amount", text).unwrap().fen()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Rounds `value / unit` half up (value ≥ 0).
fn half_up(value: i64, unit: i64) -> i64 {
    (value * 2 + unit) / (unit * 2)
}

async fn post(client: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let res = client.post(app.at(path)).form(form).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn run(client: &reqwest::Client, csrf: &str, app: &TestApp, period: &str) {
    let (status, body) = post(client, app, "/estate/estates/TA/fees/run", &[("_csrf", csrf), ("period", period)]).await;
    assert_eq!(status, 200, "{body}");
}

async fn house_id(app: &TestApp, number: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM estate_houses WHERE number = $1 AND branch_id = $2")
        .bind(number.to_string())
        .bind(app.fx.store_a.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// A house's bills in issue order: (id, period, total, outstanding).
async fn bills(app: &TestApp, house: i64) -> Vec<(i64, String, i64, i64)> {
    sqlx::query_as("SELECT id, period, total, outstanding FROM estate_bills WHERE house_id = $1 ORDER BY id")
        .bind(house)
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

/// The amounts of a bill's lines of `item` (one-off lines by their item's code before `#`).
async fn lines_of(app: &TestApp, bill: i64, item: &str) -> Vec<i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT item_code, amount FROM estate_bill_lines WHERE bill_id = $1")
        .bind(bill)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
    rows.into_iter().filter(|(code, _)| code.split('#').next() == Some(item)).map(|(_, a)| a).collect()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(app.db.pool()).await.unwrap()
}

fn new_item<'a>(
    csrf: &'a str,
    code: &'a str,
    basis: &'a str,
    price: &'a str,
    kind: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("code", code),
        ("name", code),
        ("basis", basis),
        ("area_of", "building"),
        ("share_by", "area"),
        ("price", price),
        ("cycle", "monthly"),
        ("due_day", "15"),
        ("applies_to", kind),
    ]
}

on_both!(fee_items_change_price_from_a_period_and_retire, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate()).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    // A new item; bad prices and due days refused naming the field.
    let (status, body) =
        post(&manager, &app, "/estate/estates/TA/fee-items", &new_item(&csrf, "lift", "area", "0.12345", "residence"))
            .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("price") || body.contains("单价") || body.contains("价"), "{body}");
    let mut bad_day = new_item(&csrf, "lift", "area", "0.35", "residence");
    bad_day[8] = ("due_day", "31");
    let (status, body) = post(&manager, &app, "/estate/estates/TA/fee-items", &bad_day).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM estate_fee_items WHERE code = 'lift'").await, 0);
    let (status, body) =
        post(&manager, &app, "/estate/estates/TA/fee-items", &new_item(&csrf, "lift", "area", "0.35", "residence"))
            .await;
    assert_eq!(status, 303, "{body}");
    // The management fee from 2.35 to 2.50 a m² from February; parking retired from March.
    let (status, body) = post(
        &manager,
        &app,
        "/estate/estates/TA/fee-items/mgmt/price",
        &[("_csrf", &csrf), ("effective", "2026-02"), ("price", "2.50")],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (status, _) =
        post(&manager, &app, "/estate/estates/TA/fee-items/parking/retire", &[("_csrf", &csrf), ("from", "2026-03")])
            .await;
    assert_eq!(status, 303);
    assert_eq!(app.audit_count("estate_fee_item_price", "update").await, 1);
    assert_eq!(app.audit_count("estate_fee_item", "retire").await, 1);
    for period in ["2026-01", "2026-02", "2026-03"] {
        run(&manager, &csrf, &app, period).await;
    }
    let house = bills(&app, house_id(&app, "3-2-1502").await).await;
    assert_eq!(lines_of(&app, house[0].0, "mgmt").await, [half_up(9856 * 23_500, 10_000)]);
    assert_eq!(lines_of(&app, house[1].0, "mgmt").await, [half_up(9856 * 25_000, 10_000)]);
    assert_eq!(lines_of(&app, house[1].0, "lift").await, [half_up(9856 * 3_500, 10_000)]);
    let space = bills(&app, house_id(&app, "P-B1-023").await).await;
    let periods: Vec<&str> = space.iter().map(|b| b.1.as_str()).collect();
    assert_eq!(periods, ["2026-01", "2026-02"], "no parking billed once it is retired");
    // The published rates show the price in force.
    let notice = manager.get(app.at("/estate/estates/TA/price-notice")).send().await.unwrap().text().await.unwrap();
    assert!(notice.contains("2.5000") || notice.contains("2.50"), "{notice}");
});

on_both!(readings_below_the_last_need_a_replacement_and_shares_add_up, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate()).await;
    estate_with_fees(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let sheet = agent.get(app.at("/estate/estates/TA/readings?item=water&period=2026-02")).send().await.unwrap();
    let page = sheet.text().await.unwrap();
    assert!(page.contains("1017") && page.contains("2050"), "the last readings are shown: {page}");
    let form = |m1502: &str, old: &str, new: &str| {
        vec![
            ("_csrf", csrf.clone()),
            ("item", "water".to_string()),
            ("period", "2026-02".to_string()),
            ("meter", "MASTER".to_string()),
            ("current", "2120".to_string()),
            ("first", String::new()),
            ("old_final", String::new()),
            ("new_initial", String::new()),
            ("meter", "3-2-1501".to_string()),
            ("current", "545".to_string()),
            ("first", String::new()),
            ("old_final", String::new()),
            ("new_initial", String::new()),
            ("meter", "3-2-1502".to_string()),
            ("current", m1502.to_string()),
            ("first", String::new()),
            ("old_final", old.to_string()),
            ("new_initial", new.to_string()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let agent = agent.clone();
        let url = app.at("/estate/estates/TA/readings");
        async move {
            let res = agent.post(url).form(&f).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    // Below the last (1017) without a replacement: refused, nothing written.
    let (status, body) = send(form("1010", "", "")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("3-2-1502"), "the refusal names the meter: {body}");
    assert!(body.contains("换表") || body.contains("replace"), "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM estate_readings WHERE period = '2026-02'").await, 0);
    // With the replacement: the old meter ran to 1021, the new one from 0 to 9.
    let (status, body) = send(form("9", "1021", "0")).await;
    assert_eq!(status, 303, "{body}");
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    run(&manager, &mcsrf, &app, "2026-02").await;
    let (a, b) = (house_id(&app, "3-2-1502").await, house_id(&app, "3-2-1501").await);
    let (fa, fb) = (bills(&app, a).await[0].0, bills(&app, b).await[0].0);
    let used_a = (1021 - 1017) + 9;
    let used_b = 545 - 520;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT bill_id, kind, amount FROM estate_bill_lines WHERE item_code = 'water' ORDER BY bill_id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    let amount = |bill: i64, kind: &str| rows.iter().find(|r| r.0 == bill && r.1 == kind).map(|r| r.2).unwrap();
    assert_eq!(amount(fa, "metered"), used_a * 410);
    assert_eq!(amount(fb, "metered"), used_b * 410);
    let public = (2120 - 2050 - used_a - used_b) * 410;
    assert_eq!(amount(fa, "public_share") + amount(fb, "public_share"), public, "the shares add up");
});

on_both!(one_off_charges_are_billed_once_and_again_after_a_reversal, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate()).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (status, body) =
        post(&manager, &app, "/estate/estates/TA/fee-items", &new_item(&csrf, "deco", "one_off", "2000", "residence"))
            .await;
    assert_eq!(status, 303, "{body}");
    let house = house_id(&app, "3-2-1502").await;
    let space = house_id(&app, "P-B1-023").await;
    let charge = |h: i64, item: &'static str| {
        let (manager, csrf) = (manager.clone(), csrf.clone());
        let url = app.at(&format!("/estate/houses/{h}/charges"));
        async move {
            let res = manager
                .post(url)
                .form(&[("_csrf", csrf.as_str()), ("item", item), ("description", "装修押金")])
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    // Not for a parking space, and not a recurring item.
    assert_eq!(charge(space, "deco").await.0, 422);
    assert_eq!(charge(house, "mgmt").await.0, 422);
    assert_eq!(charge(house, "deco").await.0, 303);
    assert_eq!(app.audit_count("estate_one_off_charge", "create").await, 1);
    run(&manager, &csrf, &app, "2026-01").await;
    run(&manager, &csrf, &app, "2026-01").await;
    run(&manager, &csrf, &app, "2026-02").await;
    let list = bills(&app, house).await;
    assert_eq!(lines_of(&app, list[0].0, "deco").await, [200_000]);
    assert!(lines_of(&app, list[1].0, "deco").await.is_empty(), "billed once");
    // The January bill reversed: the charge goes on the corrected bill, once.
    let (status, _) = post(&manager, &app, &format!("/estate/bills/{}/reverse", list[0].0), &[("_csrf", &csrf)]).await;
    assert_eq!(status, 303);
    run(&manager, &csrf, &app, "2026-01").await;
    let list = bills(&app, house).await;
    let mut deco = 0;
    for b in &list {
        deco += lines_of(&app, b.0, "deco").await.iter().sum::<i64>();
    }
    assert_eq!(deco, 200_000, "the charge, its reversal and the corrected bill");
    assert_eq!(list.len(), 4);
});

on_both!(payments_by_every_channel_clear_the_oldest_bill_and_print_a_receipt, |backend| async move {
    // Every pack, with the letters' font for the PDF.
    let letters = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, printing(letters.path())).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    run(&manager, &csrf, &app, "2026-01").await;
    run(&manager, &csrf, &app, "2026-02").await;
    let house = house_id(&app, "3-2-1502").await;
    let list = bills(&app, house).await;
    let (jan, feb) = (list[0].2, list[1].2);
    let pay = |amount: String, channel: &'static str, txn: &'static str| {
        let (manager, csrf) = (manager.clone(), csrf.clone());
        let url = app.at("/estate/estates/TA/payments");
        async move {
            let form = [
                ("_csrf", csrf),
                ("house_id", house.to_string()),
                ("amount", amount),
                ("channel", channel.into()),
                ("transaction_no", txn.into()),
            ];
            let res = manager.post(url).form(&form).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    // Part of January by bank transfer, the rest and part of February by Alipay, the rest at the desk.
    assert_eq!(pay(yuan(jan - 1000), "bank", "BK20260116001").await.0, 303);
    assert_eq!(pay(yuan(2000), "alipay", "2026011622001").await.0, 303);
    let list = bills(&app, house).await;
    assert_eq!((list[0].3, list[1].3), (0, feb - 1000), "the oldest bill first");
    // The same bank transaction again: refused naming the field, nothing written.
    let before = count(&app, "SELECT COUNT(*) FROM estate_payments").await;
    let (status, body) = pay(yuan(100), "bank", "BK20260116001").await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("交易流水号"), "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM estate_payments").await, before);
    // The same number on another channel is another payment.
    assert_eq!(pay(yuan(feb - 1000), "wechat", "BK20260116001").await.0, 303);
    assert_eq!(bills(&app, house).await[1].3, 0);
    let allocations: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT a.bill_id, a.amount FROM estate_payment_allocations a JOIN estate_payments p ON p.id = a.payment_id \
         WHERE p.channel = 'alipay' ORDER BY a.bill_id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(allocations, [(list[0].0, 1000), (list[1].0, 1000)]);
    // The receipt: a PDF with the receipt number, the house and the amount.
    let (id, receipt_no): (i64, String) =
        sqlx::query_as("SELECT id, receipt_no FROM estate_payments WHERE channel = 'alipay'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let page = manager.get(app.at(&format!("/estate/houses/{house}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/estate/payments/{id}/receipt.pdf")), "the receipt link");
    let res = manager.get(app.at(&format!("/estate/payments/{id}/receipt.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let text = pdf_text(&res.bytes().await.unwrap());
    for want in [receipt_no.as_str(), "3-2-1502", "20.00", "2026011622001"] {
        assert!(text.contains(want), "{want} in the receipt: {text}");
    }
    // Another estate's staff: not there.
    let agent_b = app.login("agent_b").await;
    assert_eq!(agent_b.get(app.at(&format!("/estate/payments/{id}/receipt.pdf"))).send().await.unwrap().status(), 404);
});

on_both!(late_fees_only_by_contract_and_waived_with_a_reason, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate()).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    run(&manager, &csrf, &app, "2026-01").await;
    run(&manager, &csrf, &app, "2026-02").await;
    let house = house_id(&app, "3-2-1502").await;
    let list = bills(&app, house).await;
    app.clock.set("2026-02-14T04:00:00Z".parse().unwrap());
    // Off by default: nothing to charge.
    let (status, body) =
        post(&manager, &app, &format!("/estate/bills/{}/late-fee", list[0].0), &[("_csrf", &csrf)]).await;
    assert_eq!(status, 422, "{body}");
    let page = manager.get(app.at(&format!("/estate/houses/{house}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("estate-late-fees"), "no late fee shown without a contract rate");
    // The contract sets 5 ten-thousandths a day; a bad rate is refused.
    let (status, _) =
        post(&manager, &app, "/estate/estates/TA/late-fee-terms", &[("_csrf", &csrf), ("late_fee_rate", "0.5")]).await;
    assert_eq!(status, 422);
    let (status, _) =
        post(&manager, &app, "/estate/estates/TA/late-fee-terms", &[("_csrf", &csrf), ("late_fee_rate", "5")]).await;
    assert_eq!(status, 303);
    // January's bill, due on the 15th, 30 days late on 14 February.
    let (status, body) =
        post(&manager, &app, &format!("/estate/bills/{}/late-fee", list[0].0), &[("_csrf", &csrf)]).await;
    assert_eq!(status, 303, "{body}");
    let (days, amount): (i64, i64) = sqlx::query_as("SELECT days, amount FROM estate_late_fees WHERE bill_id = $1")
        .bind(list[0].0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!((days, amount), (30, half_up(list[0].2 * 30 * 5, 10_000)));
    let (status, _) = post(&manager, &app, &format!("/estate/bills/{}/late-fee", list[0].0), &[("_csrf", &csrf)]).await;
    assert_eq!(status, 422, "charged once");
    // The late fee goes on the next bill.
    run(&manager, &csrf, &app, "2026-03").await;
    let march = bills(&app, house).await.last().unwrap().0;
    assert_eq!(lines_of(&app, march, "late_fee").await, [amount]);
    // February's waived: not by an agent; by a manager only with a reason.
    app.clock.set("2026-03-20T04:00:00Z".parse().unwrap());
    let (agent, acsrf) = app.signed_in("agent_a").await;
    let waive = format!("/estate/bills/{}/late-fee/waive", list[1].0);
    assert_eq!(post(&agent, &app, &waive, &[("_csrf", &acsrf), ("reason", "x")]).await.0, 403);
    let (status, body) = post(&manager, &app, &waive, &[("_csrf", &csrf), ("reason", " ")]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(post(&manager, &app, &waive, &[("_csrf", &csrf), ("reason", "业主住院，经理批准")]).await.0, 303);
    assert_eq!(app.audit_count("estate_late_fee", "waive").await, 1);
    assert_eq!(app.audit_count("estate_late_fee", "charge").await, 1);
    let waived: (i64, Option<String>) =
        sqlx::query_as("SELECT amount, waived_reason FROM estate_late_fees WHERE bill_id = $1")
            .bind(list[1].0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(waived, (0, Some("业主住院，经理批准".to_string())));
});

on_both!(collection_steps_are_queued_on_their_days, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate()).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    run(&manager, &csrf, &app, "2026-01").await;
    let house = house_id(&app, "3-2-1502").await;
    let bill = bills(&app, house).await[0].0;
    // The owner can be written to, for the 催告函.
    sqlx::query("UPDATE customers SET address = '杭州市西湖区文三路 1 号 3-2-1502' WHERE id = $1")
        .bind(app.fx.customer_a.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    let everyone = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let outreach = |day: &str| {
        let day: jiff::civil::Date = day.parse().unwrap();
        let (db, everyone) = (app.db.clone(), everyone.clone());
        async move {
            estate()
                .core()
                .run_outreach(&db, &everyone, (day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
                .await
                .unwrap();
        }
    };
    let steps = || async {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT step, due_date FROM outreach_tasks WHERE playbook = 'estate_collection' AND asset_id = $1 \
             AND merged_into IS NULL ORDER BY step",
        )
        .bind(bill)
        .fetch_all(app.db.pool())
        .await
        .unwrap();
        rows.into_iter().map(|(s, _)| s).collect::<Vec<i64>>()
    };
    outreach("2026-01-14").await;
    assert!(steps().await.is_empty(), "nothing before the due date");
    outreach("2026-01-15").await;
    assert_eq!(steps().await, [0], "the SMS on the due date");
    outreach("2026-01-29").await;
    assert_eq!(steps().await, [0]);
    outreach("2026-01-30").await;
    assert_eq!(steps().await, [0, 1], "the call 15 days after");
    outreach("2026-03-16").await;
    assert_eq!(steps().await, [0, 1, 2], "the written demand 60 days after");
    // Paid: the door-to-door visit never comes.
    let total = bills(&app, house).await[0].2;
    let form = [
        ("_csrf", csrf.clone()),
        ("house_id", house.to_string()),
        ("amount", yuan(total)),
        ("channel", "desk".into()),
        ("transaction_no", String::new()),
    ];
    assert_eq!(manager.post(app.at("/estate/estates/TA/payments")).form(&form).send().await.unwrap().status(), 303);
    outreach("2026-04-15").await;
    assert_eq!(steps().await, [0, 1, 2]);
    // No playbook of the pack cuts a utility: its steps are SMS, calls and letters only.
    for p in estate().core().default_playbooks() {
        for s in &p.steps {
            assert!(["sms", "call", "letter"].contains(&s.channel.code()), "{}", s.channel.code());
            assert!(!s.template.contains("停水通知"), "{}", s.template);
        }
    }
});

on_both!(the_collection_rate_and_the_monthly_report_from_the_ledger, |backend| async move {
    // Every pack, with the letters' font for the PDF.
    let letters = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, printing(letters.path())).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    run(&manager, &csrf, &app, "2026-01").await;
    run(&manager, &csrf, &app, "2026-02").await;
    let jan_total: i64 =
        count(&app, "SELECT CAST(SUM(total) AS BIGINT) FROM estate_bills WHERE period = '2026-01'").await;
    let feb_total: i64 =
        count(&app, "SELECT CAST(SUM(total) AS BIGINT) FROM estate_bills WHERE period = '2026-02'").await;
    let house = house_id(&app, "3-2-1502").await;
    let list = bills(&app, house).await;
    let pay = |amount: i64, at: &'static str| {
        let (manager, csrf) = (manager.clone(), csrf.clone());
        let url = app.at("/estate/estates/TA/payments");
        app.clock.set(at.parse().unwrap());
        async move {
            let form = [
                ("_csrf", csrf),
                ("house_id", house.to_string()),
                ("amount", yuan(amount)),
                ("channel", "desk".into()),
                ("transaction_no", String::new()),
            ];
            assert_eq!(manager.post(url).form(&form).send().await.unwrap().status(), 303);
        }
    };
    // January: 3-2-1502 pays 100 yuan of its January bill; in February the rest of it and all of February's.
    pay(10_000, "2026-01-20T02:00:00Z").await;
    pay(list[0].2 - 10_000 + list[1].2, "2026-02-10T02:00:00Z").await;
    let jan = get_json(&manager, app.at("/api/v1/estate/collection-rate?estate=TA&month=2026-01")).await;
    assert_eq!(fen(jan["billed"].as_str().unwrap()), jan_total, "{jan}");
    assert_eq!(fen(jan["collected"].as_str().unwrap()), 10_000, "{jan}");
    let feb = get_json(&manager, app.at("/api/v1/estate/collection-rate?estate=TA&month=2026-02")).await;
    assert_eq!(fen(feb["billed"].as_str().unwrap()), feb_total, "{feb}");
    assert_eq!(fen(feb["collected"].as_str().unwrap()), list[1].2, "{feb}");
    assert_eq!(fen(feb["arrears_opening"].as_str().unwrap()), jan_total - 10_000, "{feb}");
    assert_eq!(fen(feb["arrears_collected"].as_str().unwrap()), list[0].2 - 10_000, "{feb}");
    let rate = |num: i64, den: i64| format!("{:.2}%", (num as f64) * 100.0 / den as f64);
    assert_eq!(feb["current_rate"], rate(list[1].2, feb_total), "{feb}");
    let bad = manager.get(app.at("/api/v1/estate/collection-rate?estate=TA&month=2026-13")).send().await.unwrap();
    assert_eq!(bad.status(), 422);
    // The monthly report: the desk, the fees with the rate, arrears and completeness.
    let report =
        manager.get(app.at("/estate/estates/TA/report?month=2026-02")).send().await.unwrap().text().await.unwrap();
    for want in [yuan(feb_total), yuan(list[1].2), rate(list[1].2, feb_total)] {
        assert!(report.contains(&want), "{want} in the report");
    }
    for section in ["desk", "fees", "arrears"] {
        assert!(report.contains(&format!("data-section=\"{section}\"")), "{section}");
    }
    assert!(report.contains("<svg"), "charts drawn on the server");
    let xlsx = manager.get(app.at("/estate/estates/TA/report.xlsx?month=2026-02")).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    let pdf = manager.get(app.at("/estate/estates/TA/report.pdf?month=2026-02")).send().await.unwrap();
    if pdf.headers()["content-type"] != "application/pdf" {
        panic!("not a PDF: {}", pdf.text().await.unwrap());
    }
    assert!(pdf_text(&pdf.bytes().await.unwrap()).contains(&yuan(feb_total)));
});

on_both!(receivables_routes_need_their_permission_and_estate, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate()).await;
    estate_with_fees(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    // An agent edits no fee item, sets no late-fee terms.
    let (status, _) =
        post(&agent, &app, "/estate/estates/TA/fee-items", &new_item(&csrf, "lift", "area", "0.35", "residence")).await;
    assert_eq!(status, 403);
    assert_eq!(
        post(
            &agent,
            &app,
            "/estate/estates/TA/fee-items/mgmt/price",
            &[("_csrf", &csrf), ("effective", "2026-02"), ("price", "9")]
        )
        .await
        .0,
        403
    );
    assert_eq!(
        post(&agent, &app, "/estate/estates/TA/fee-items/mgmt/retire", &[("_csrf", &csrf), ("from", "2026-02")])
            .await
            .0,
        403
    );
    assert_eq!(
        post(&agent, &app, "/estate/estates/TA/late-fee-terms", &[("_csrf", &csrf), ("late_fee_rate", "5")]).await.0,
        403
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM estate_fee_item_prices").await, 0);
    // Another estate's agent sees none of estate A's pages.
    let agent_b = app.login("agent_b").await;
    for path in [
        "/estate/estates/TA/fee-items",
        "/estate/estates/TA/readings",
        "/estate/estates/TA/price-notice",
        "/estate/estates/TA/price-notice.pdf",
        "/estate/estates/TA/collection-rate",
        "/estate/estates/TA/report",
        "/estate/estates/TA/report.xlsx",
        "/api/v1/estate/collection-rate?estate=TA",
    ] {
        assert_eq!(agent_b.get(app.at(path)).send().await.unwrap().status(), 404, "{path}");
    }
    let csrf_b = app.csrf(&agent_b).await;
    let house = house_id(&app, "3-2-1502").await;
    let res = agent_b
        .post(app.at(&format!("/estate/houses/{house}/charges")))
        .form(&[("_csrf", csrf_b.as_str()), ("item", "mgmt")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
});
