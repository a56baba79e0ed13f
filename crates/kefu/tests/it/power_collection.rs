//! Collection (issue 20 §4), on SQLite and PostgreSQL: a payment clears the
//! oldest bills first, in part where it must, the rest to a prepaid balance
//! only where allowed, and that balance pays the next bill; bad amounts are
//! refused naming the field in both languages with nothing written; a
//! reversal is a new payment; a bank file pays its good rows once and
//! reports every bad one; late charges run from the day after the due date
//! at the household's or the business's rate (this year's or an earlier
//! year's), are paid before the bill and stop when it is paid, and only a
//! manager waives one, with a reason; a cashier's day close adds up to the
//! payments; the collection rate comes from the bills and payments made
//! here; and each route is behind its permission.

use crate::power_readings::{Acct, county, county_on, number};
use crate::support::*;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use serde_json::{Value, json};

fn accounts(n: u64) -> Vec<Acct> {
    (1..=n).map(|s| Acct { serial: s, tariff: "gx-res-1", meters: vec![] }).collect()
}

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

fn today() -> Date {
    day("2026-11-29")
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", fen.abs() / 100, fen.abs() % 100)
}

/// Issues a bill of `fen` for the account `serial` and `month`, due on `due`.
async fn bill(app: &TestApp, serial: u64, month: &str, fen: i64, due: &str) -> String {
    let no = format!("{}{}", month.replace('-', ""), number(serial));
    let account: i64 = sqlx::query_scalar("SELECT id FROM power_accounts WHERE account_no = $1")
        .bind(number(serial))
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO power_bills (bill_no, account_id, branch_id, book_id, month, period_from, period_to, tariff_code, \
         kwh, amount, due_on, status, reverses_id, reading_id, created_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, 'gx-res-1', 100, $7, $8, 'issued', NULL, NULL, '2026-11-01T00:00:00Z')",
    )
    .bind(no.clone())
    .bind(account)
    .bind(app.fx.store_a.0)
    .bind(month.to_string())
    .bind(format!("{month}-01"))
    .bind(format!("{month}-25"))
    .bind(fen)
    .bind(due.to_string())
    .execute(app.db.pool())
    .await
    .unwrap();
    no
}

/// The account's open bills as the counter sees them: (bill no, outstanding, late charge).
async fn open(client: &reqwest::Client, app: &TestApp, serial: u64) -> (Vec<(String, String, String)>, Value) {
    let v = get_json(client, app.at(&format!("/api/v1/power/accounts/{}/open-bills", number(serial)))).await;
    let bills = v["bills"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|b| {
            (
                b["bill_no"].as_str().unwrap().to_string(),
                b["outstanding"].as_str().unwrap().to_string(),
                b["late_charge"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (bills, v)
}

async fn pay(
    client: &reqwest::Client,
    csrf: &str,
    app: &TestApp,
    serial: u64,
    amount: &str,
    prepaid: bool,
) -> (u16, Value) {
    let body = json!({"account_no": number(serial), "amount": amount, "prepaid": prepaid});
    post_json(client, csrf, app.at("/api/v1/power/payments"), body).await
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

fn set_day(app: &TestApp, d: Date) {
    // 09:00 in Shanghai.
    app.clock.set(jiff::tz::TimeZone::UTC.to_timestamp(d.at(1, 0, 0, 0)).unwrap());
}

/// A user of `branch` with `role` and `lang`.
async fn user(app: &TestApp, username: &str, role: Role, lang: Lang, branch: kefu_core::ids::BranchId) {
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let u = NewUser {
        username: username.into(),
        display_name: username.into(),
        password: PASSWORD.into(),
        roles: vec![role],
        branches: vec![branch],
        locale: lang,
    };
    users::create(&app.db, &actor, u).await.unwrap();
}

on_both!(payments_clear_the_oldest_bills_first_and_the_rest_is_prepaid_only_where_allowed, |backend| async move {
    let app = county(backend, &accounts(1)).await;
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    // Three bills, none overdue yet, given out of order.
    let nov = bill(&app, 1, "2026-11", 8_000, "2026-12-25").await;
    let sep = bill(&app, 1, "2026-09", 12_000, "2026-11-29").await;
    let oct = bill(&app, 1, "2026-10", 10_000, "2026-12-10").await;

    // 150.00: September in full, 30.00 of October, November untouched.
    let (status, r) = pay(&cashier, &csrf, &app, 1, "150.00", false).await;
    assert_eq!(status, 201, "{r}");
    let lines: Vec<(&str, &str)> = r["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["bill_no"].as_str().unwrap(), l["energy"].as_str().unwrap()))
        .collect();
    assert_eq!(lines, [(sep.as_str(), "120.00"), (oct.as_str(), "30.00")]);
    let (bills, _) = open(&cashier, &app, 1).await;
    assert_eq!(bills, [(oct.clone(), yuan(10_000 - 3_000), "0.00".into()), (nov.clone(), yuan(8_000), "0.00".into())]);

    // More than is owed with no prepaid balance: refused, nothing written.
    let owed = 10_000 - 3_000 + 8_000;
    let payments = count(&app, "power_payments").await;
    let (status, e) = pay(&cashier, &csrf, &app, 1, &yuan(owed + 5_000), false).await;
    assert_eq!(
        (status, e["field"].as_str(), e["rule"].as_str()),
        (422, Some("amount"), Some("payment_exceeds_bills")),
        "{e}"
    );
    assert!(e["detail"].as_str().unwrap().contains(&yuan(owed)), "{e}");
    assert_eq!(count(&app, "power_payments").await, payments);
    assert_eq!(count(&app, "power_prepaid").await, 0);

    // The customer keeps the rest prepaid: both bills cleared, 50.00 prepaid.
    let (status, r) = pay(&cashier, &csrf, &app, 1, &yuan(owed + 5_000), true).await;
    assert_eq!((status, r["to_prepaid"].as_str()), (201, Some("50.00")), "{r}");
    let (bills, v) = open(&cashier, &app, 1).await;
    assert!(bills.is_empty(), "{v}");
    assert_eq!(v["prepaid"], "50.00");

    // December's bill: the billing run's call applies the balance to it.
    let dec = bill(&app, 1, "2026-12", 3_000, "2027-01-10").await;
    let cashier_actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let cashier_id: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'cashier_a'").fetch_one(app.db.pool()).await.unwrap();
    let cashier_actor = Actor { user_id: kefu_core::ids::UserId(cashier_id), ..cashier_actor };
    let rules = kefu_power::collection::CollectionRules::default();
    let paid = kefu_power::collection::apply_prepaid(&app.db, &cashier_actor, None, today(), &rules, app.db.now())
        .await
        .unwrap();
    assert_eq!(paid, 1);
    let (bills, v) = open(&cashier, &app, 1).await;
    assert!(bills.is_empty(), "December paid from the balance: {v}");
    assert_eq!(v["prepaid"], yuan(5_000 - 3_000));

    // The next bill is larger than the balance: at the counter, the balance
    // goes first and the payment pays the rest.
    let jan = bill(&app, 1, "2027-01", 4_500, "2027-02-10").await;
    let (status, r) = pay(&cashier, &csrf, &app, 1, "10.00", false).await;
    assert_eq!(status, 201, "{r}");
    let (bills, v) = open(&cashier, &app, 1).await;
    assert_eq!(bills, [(jan, yuan(4_500 - 2_000 - 1_000), "0.00".into())]);
    assert_eq!(v["prepaid"], "0.00");
    assert!(!dec.is_empty());

    // The collected sum: every allocation adds up to what the bills were paid.
    let allocated: i64 = sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM power_payment_allocations")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(allocated, 12_000 + 10_000 + 8_000 + 3_000 + 3_000);
});

on_both!(bad_amounts_are_refused_naming_the_field_in_both_languages, |backend| async move {
    let app = county(backend, &accounts(1)).await;
    bill(&app, 1, "2026-11", 8_000, "2026-12-25").await;
    user(&app, "cashier_en", Role::Cashier, Lang::En, app.fx.store_a).await;
    let (zh, zcsrf) = app.signed_in("cashier_a").await;
    let (en, ecsrf) = app.signed_in("cashier_en").await;
    for (amount, rule) in [
        ("12a", "money_format"),
        ("12.345", "money_decimals"),
        ("-5", "payment_not_positive"),
        ("0", "payment_not_positive"),
    ] {
        let (status, e) = pay(&zh, &zcsrf, &app, 1, amount, true).await;
        assert_eq!(
            (status, e["field"].as_str(), e["rule"].as_str()),
            (422, Some("amount"), Some(rule)),
            "{amount}: {e}"
        );
        assert!(e["detail"].as_str().unwrap().contains("金额"), "{e}");
        let (status, e) = pay(&en, &ecsrf, &app, 1, amount, true).await;
        assert_eq!((status, e["rule"].as_str()), (422, Some(rule)), "{e}");
        assert!(e["detail"].as_str().unwrap().is_ascii(), "English: {e}");
    }
    // An unknown account.
    let body = json!({"account_no": "9999999999", "amount": "10"});
    let (status, e) = post_json(&en, &ecsrf, app.at("/api/v1/power/payments"), body).await;
    assert_eq!(
        (status, e["field"].as_str(), e["rule"].as_str()),
        (422, Some("account_no"), Some("unknown_account")),
        "{e}"
    );
    assert_eq!(count(&app, "power_payments").await, 0);
    assert_eq!(count(&app, "power_prepaid").await, 0);
});

on_both!(a_reversal_is_a_new_payment_with_a_reason_and_reopens_the_bill, |backend| async move {
    let app = county(backend, &accounts(1)).await;
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    let b = bill(&app, 1, "2026-11", 8_000, "2026-12-25").await;
    let (_, r) = pay(&cashier, &csrf, &app, 1, "100.00", true).await;
    let no = r["receipt_no"].as_str().unwrap().to_string();
    let url = app.at(&format!("/api/v1/power/payments/{no}/reverse"));
    let (status, e) = post_json(&cashier, &csrf, url.clone(), json!({"reason": "  "})).await;
    assert_eq!((status, e["field"].as_str()), (422, Some("reason")), "{e}");
    let (status, rev) = post_json(&cashier, &csrf, url.clone(), json!({"reason": "收错户号"})).await;
    assert_eq!(
        (status, rev["amount"].as_str(), rev["status"].as_str()),
        (201, Some("-100.00"), Some("reversal")),
        "{rev}"
    );
    assert_eq!(rev["reverses"].as_str(), Some(no.as_str()));
    let original = get_json(&cashier, app.at(&format!("/api/v1/power/payments/{no}"))).await;
    assert_eq!((original["status"].as_str(), original["amount"].as_str()), (Some("reversed"), Some("100.00")));
    let (bills, v) = open(&cashier, &app, 1).await;
    assert_eq!(bills, [(b, "80.00".into(), "0.00".into())]);
    assert_eq!(v["prepaid"], "0.00");
    let (status, e) = post_json(&cashier, &csrf, url, json!({"reason": "again"})).await;
    assert_eq!((status, e["rule"].as_str()), (422, Some("not_reversible")), "{e}");
    assert_eq!(app.audit_count("power_payment", "reverse").await, 1);
});

async fn upload(client: &reqwest::Client, csrf: &str, app: &TestApp, channel: &str, csv: &str) -> Value {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("bank.csv"));
    let res = client
        .post(app.at(&format!("/api/v1/power/payments/import?channel={channel}")))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

on_both!(a_bank_file_pays_its_good_rows_once_and_reports_every_bad_one, |backend| async move {
    let app = county(backend, &accounts(2)).await;
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    bill(&app, 1, "2026-11", 8_000, "2026-12-25").await;
    bill(&app, 2, "2026-11", 6_000, "2026-12-25").await;
    let csv = format!(
        "户号,金额,交易流水号,日期\n{a},80.00,YH001,2026-11-28\n9999999999,10.00,YH002,2026-11-28\n{b},12.345,YH003,2026-11-28\n\
         {b},abc,YH004,2026-11-28\n{b},-5,YH005,2026-11-28\n{b},30.00,YH001,2026-11-28\n{b},30.00,YH006,2026-11-28\n{b},30.00,,2026-11-28\n",
        a = number(1),
        b = number(2)
    );
    let r = upload(&cashier, &csrf, &app, "bank", &csv).await;
    assert_eq!((r["paid"].as_i64(), r["amount"].as_str()), (Some(2), Some("110.00")), "{r}");
    let rejected: Vec<(i64, &str, &str)> = r["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["row"].as_i64().unwrap(), x["field"].as_str().unwrap(), x["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rejected,
        [
            (3, "account_no", "unknown_account"),
            (4, "amount", "money_decimals"),
            (5, "amount", "money_format"),
            (6, "amount", "payment_not_positive"),
            (7, "transaction_no", "duplicate_reference"),
            (9, "transaction_no", "required"),
        ]
    );
    let (bills, _) = open(&cashier, &app, 2).await;
    assert_eq!(bills[0].1, "30.00");
    // The bank's date is the payments' business day.
    let days: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT business_day FROM power_payments").fetch_all(app.db.pool()).await.unwrap();
    assert_eq!(days, ["2026-11-28"]);
    // The same file again pays nothing twice.
    let payments = count(&app, "power_payments").await;
    let again = upload(&cashier, &csrf, &app, "bank", &csv).await;
    assert_eq!(again["paid"].as_i64(), Some(0), "{again}");
    assert_eq!(count(&app, "power_payments").await, payments);
    // An agent's file is read the same way, under its own channel.
    let agent = format!("account_no,amount,transaction_no,date\n{},30.00,DS-9,2026-11-29\n", number(2));
    assert_eq!(upload(&cashier, &csrf, &app, "agent", &agent).await["paid"].as_i64(), Some(1));
    let (bills, _) = open(&cashier, &app, 2).await;
    assert!(bills.is_empty());
});

/// The late charge in fen, as article 98 counts it: each day from the day
/// after `due` to `until` at `rate` (ten-thousandths) of `fen`, summed and
/// rounded half up once, at least 1 yuan.
fn late(fen: i64, spans: &[(Date, Date, i64)]) -> i64 {
    let exact: i64 = spans.iter().map(|(from, to, rate)| fen * rate * (i64::from((*to - *from).get_days()) + 1)).sum();
    ((exact + 5_000) / 10_000).max(100)
}

on_both!(late_charges_run_from_the_day_after_due_and_are_settled_with_the_bill, |backend| async move {
    let app = county(backend, &accounts(3)).await;
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    sqlx::query("UPDATE power_accounts SET usage_class = 'commercial' WHERE account_no = $1")
        .bind(number(2))
        .execute(app.db.pool())
        .await
        .unwrap();
    // A household's bill due ten days ago; a business's due in December last year.
    let home = bill(&app, 1, "2026-10", 100_000, "2026-11-19").await;
    let shop = bill(&app, 2, "2025-11", 100_000, "2025-12-21").await;
    // Due today: nothing yet.
    bill(&app, 3, "2026-10", 50_000, "2026-11-29").await;

    let home_late = late(100_000, &[(day("2026-11-20"), today(), 10)]);
    let shop_late = late(100_000, &[(day("2025-12-22"), day("2025-12-31"), 20), (day("2026-01-01"), today(), 30)]);
    let (bills, _) = open(&cashier, &app, 1).await;
    assert_eq!(bills, [(home.clone(), "1000.00".into(), yuan(home_late))]);
    assert_eq!(home_late, 1_000, "10 days at 1 ‰");
    let (bills, v) = open(&cashier, &app, 2).await;
    assert_eq!(bills, [(shop.clone(), "1000.00".into(), yuan(shop_late))], "{v}");
    assert_eq!(v["bills"][0]["late_days"], 10 + 333);
    let (bills, _) = open(&cashier, &app, 3).await;
    assert_eq!(bills[0].2, "0.00");

    // The business pays in full: the late charge first, then the bill; nothing stays open.
    let (status, r) = pay(&cashier, &csrf, &app, 2, &yuan(100_000 + shop_late), false).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (r["lines"][0]["energy"].as_str(), r["lines"][0]["late_charge"].as_str()),
        (Some("1000.00"), Some(yuan(shop_late).as_str()))
    );
    // The household pays 500: the 10.00 late charge, then 490 of the bill.
    let (_, r) = pay(&cashier, &csrf, &app, 1, "500.00", false).await;
    assert_eq!(
        (r["lines"][0]["energy"].as_str(), r["lines"][0]["late_charge"].as_str()),
        (Some("490.00"), Some("10.00"))
    );
    // A week later: the business owes nothing more; the household's charge
    // ran on the 510.00 left from the day after its payment.
    set_day(&app, today() + 7.days());
    let (cashier, _) = app.signed_in("cashier_a").await;
    let (bills, _) = open(&cashier, &app, 2).await;
    assert!(bills.is_empty());
    let (bills, _) = open(&cashier, &app, 1).await;
    let exact = 100_000 * 10 * 10 + 51_000 * 10 * 7;
    assert_eq!(bills, [(home, "510.00".into(), yuan((exact + 5_000) / 10_000 - 1_000))]);
    // What was paid as late charges is kept apart from the bills' allocations.
    let late_paid: i64 = sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM power_late_charge_payments")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(late_paid, shop_late + 1_000);
});

on_both!(only_a_manager_waives_a_late_charge_and_with_a_reason, |backend| async move {
    let app = county(backend, &accounts(1)).await;
    let b = bill(&app, 1, "2026-10", 100_000, "2026-11-19").await;
    let url = app.at(&format!("/api/v1/power/bills/{b}/waive"));
    let (cashier, ccsrf) = app.signed_in("cashier_a").await;
    assert_eq!(post_json(&cashier, &ccsrf, url.clone(), json!({"reason": "未收到通知"})).await.0, 403);
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (status, e) = post_json(&manager, &csrf, url.clone(), json!({"reason": ""})).await;
    assert_eq!((status, e["field"].as_str()), (422, Some("reason")), "{e}");
    let (status, r) = post_json(&manager, &csrf, url.clone(), json!({"reason": "停电检修期间到期"})).await;
    assert_eq!((status, r["waived"].as_str()), (200, Some("10.00")), "{r}");
    assert_eq!(app.audit_count("power_late_charge", "waive").await, 1);
    // Nothing accrues on it any more: a week later the bill alone is owed.
    set_day(&app, today() + 7.days());
    let (cashier, ccsrf) = app.signed_in("cashier_a").await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (bills, v) = open(&cashier, &app, 1).await;
    assert_eq!(bills, [(b.clone(), "1000.00".into(), "0.00".into())]);
    assert_eq!(v["bills"][0]["waived"], true);
    let (status, e) = post_json(&manager, &csrf, url, json!({"reason": "again"})).await;
    assert_eq!((status, e["rule"].as_str()), (422, Some("no_late_charge")), "{e}");
    let (status, _) = pay(&cashier, &ccsrf, &app, 1, "1000.00", false).await;
    assert_eq!(status, 201);
});

on_both!(a_cashiers_day_close_adds_up_to_the_payments, |backend| async move {
    let app = county(backend, &accounts(3)).await;
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    for s in 1..=3 {
        bill(&app, s, "2026-11", 20_000, "2026-12-25").await;
    }
    let amounts = [("1", "100.00"), ("2", "55.50"), ("3", "200.00")];
    let mut receipts = Vec::new();
    for (s, a) in amounts {
        let (status, r) = pay(&cashier, &csrf, &app, s.parse().unwrap(), a, false).await;
        assert_eq!(status, 201, "{r}");
        receipts.push(r["receipt_no"].as_str().unwrap().to_string());
    }
    let url = app.at(&format!("/api/v1/power/payments/{}/reverse", receipts[1]));
    assert_eq!(post_json(&cashier, &csrf, url, json!({"reason": "客户退款"})).await.0, 201);
    let bank = format!("户号,金额,交易流水号,日期\n{},40.00,YH-1,2026-11-29\n", number(2));
    assert_eq!(upload(&cashier, &csrf, &app, "bank", &bank).await["paid"].as_i64(), Some(1));

    let d = get_json(&cashier, app.at("/api/v1/power/day-close")).await;
    assert!(d["mine"]["channels"].is_array(), "{d}");
    let counter_net = 10_000 + 5_550 + 20_000 - 5_550;
    let channel =
        |c: &str| d["mine"]["channels"].as_array().unwrap().iter().find(|x| x["channel"] == c).cloned().unwrap();
    assert_eq!(
        (channel("counter")["count"].as_i64(), channel("counter")["total_fen"].as_i64()),
        (Some(3), Some(counter_net)),
        "{d}"
    );
    assert_eq!((channel("bank")["count"].as_i64(), channel("bank")["total_fen"].as_i64()), (Some(1), Some(4_000)));
    assert_eq!(d["mine"]["total_fen"].as_i64(), Some(counter_net + 4_000));
    assert_eq!((d["mine"]["reversal_count"].as_i64(), d["mine"]["reversals_fen"].as_i64()), (Some(1), Some(-5_550)));
    assert_eq!(d["mine"]["cash_expected_fen"].as_i64(), Some(counter_net));
    // The station's and the centre's totals equal the payments recorded.
    let recorded: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM power_payments WHERE channel <> 'prepaid'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let stations: i64 = d["stations"].as_array().unwrap().iter().map(|s| s["total_fen"].as_i64().unwrap()).sum();
    assert_eq!((stations, d["centre_fen"].as_i64()), (recorded, Some(recorded)));

    // Closed with 10.00 short; then the day takes no more counter payments.
    let body = json!({"cash_counted": yuan(counter_net - 1_000), "note": "少十元"});
    let (status, closed) = post_json(&cashier, &csrf, app.at("/api/v1/power/day-close"), body.clone()).await;
    assert_eq!(status, 201, "{closed}");
    assert_eq!(closed["mine"]["closed"]["difference"].as_str(), Some("-10.00"));
    assert_eq!(post_json(&cashier, &csrf, app.at("/api/v1/power/day-close"), body).await.0, 422);
    let (status, e) = pay(&cashier, &csrf, &app, 1, "1.00", false).await;
    assert_eq!((status, e["rule"].as_str()), (422, Some("day_closed")), "{e}");
    assert_eq!(app.audit_count("power_day_close", "close").await, 1);

    // The finance export is a workbook.
    let (manager, _) = app.signed_in("manager_a").await;
    let res = manager.get(app.at("/power/collection/finance.xlsx?month=2026-11")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
});

on_both!(the_collection_rate_is_collected_over_billed_with_earlier_years_apart, |backend| async move {
    let app = county(backend, &accounts(3)).await;
    // Last year's arrears, October's and November's bills.
    bill(&app, 1, "2025-12", 30_000, "2026-01-10").await;
    bill(&app, 1, "2026-10", 10_000, "2026-11-10").await;
    bill(&app, 2, "2026-10", 20_000, "2026-11-10").await;
    bill(&app, 2, "2026-11", 15_000, "2026-12-10").await;
    bill(&app, 3, "2026-11", 25_000, "2026-12-10").await;
    // In October: account 2 pays 50.00 (of its October bill, no late charge yet).
    set_day(&app, day("2026-10-31"));
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    assert_eq!(pay(&cashier, &csrf, &app, 2, "50.00", false).await.0, 201);
    // In November: account 3 pays 250.00 (November's bill), account 1 pays
    // 300.00 of last year's arrears (with its late charge first).
    set_day(&app, day("2026-11-29"));
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    assert_eq!(pay(&cashier, &csrf, &app, 3, "250.00", false).await.0, 201);
    let (_, v) = open(&cashier, &app, 1).await;
    let late1: i64 = v["bills"][0]["late_charge_fen"].as_i64().unwrap();
    let (status, r) = pay(&cashier, &csrf, &app, 1, &yuan(late1 + 30_000), false).await;
    assert_eq!(status, 201, "{r}");

    let (manager, _) = app.signed_in("manager_a").await;
    let rate = get_json(&manager, app.at("/api/v1/power/collection-rate?month=2026-11")).await;
    let station = &rate["stations"][0];
    // November alone: billed 150 + 250, collected on this year's bills 250.
    assert_eq!(station["month"]["billed"], yuan(15_000 + 25_000), "{rate}");
    assert_eq!(station["month"]["collected"], yuan(25_000));
    assert_eq!(station["month"]["rate"], format!("{:.2}%", 25_000.0 * 100.0 / 40_000.0));
    // January to November: billed 100 + 200 + 150 + 250, collected 50 + 250.
    let billed = 10_000 + 20_000 + 15_000 + 25_000;
    assert_eq!(station["year_to_date"]["billed"], yuan(billed));
    assert_eq!(station["year_to_date"]["collected"], yuan(5_000 + 25_000));
    let pct = ((5_000 + 25_000) as f64 * 10_000.0 / billed as f64).round() / 100.0;
    assert_eq!(station["year_to_date"]["rate"], format!("{pct:.2}%"));
    // Earlier years apart: 300.00 owed on 1 January, all of it collected.
    assert_eq!(station["year_to_date"]["arrears_opening"], "300.00");
    assert_eq!(station["year_to_date"]["arrears_collected"], "300.00");
    assert_eq!(station["year_to_date"]["arrears_rate"], "100.00%");
    assert_eq!(rate["centre"]["year_to_date"]["billed"], yuan(billed));
    // A bad month names the field.
    let res = manager.get(app.at("/api/v1/power/collection-rate?month=2026-13")).send().await.unwrap();
    assert_eq!(res.status(), 422);
});

on_both!(arrears_by_age_and_suspension_only_after_the_notice, |backend| async move {
    let letters = tempfile::tempdir().unwrap();
    let app = county_on(TestApp::start_with(backend, printing(letters.path())).await, &accounts(2)).await;
    bill(&app, 1, "2026-08", 10_000, "2026-09-10").await;
    bill(&app, 1, "2026-10", 20_000, "2026-11-10").await;
    bill(&app, 2, "2026-11", 30_000, "2026-12-10").await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let a = get_json(&manager, app.at("/api/v1/power/arrears")).await;
    // 80 days and 19 days overdue; account 2 not yet due.
    assert_eq!(a["report"]["centre"]["buckets_fen"], json!([20_000, 10_000, 0, 0, 0]), "{a}");
    assert_eq!(a["accounts"].as_array().unwrap().len(), 1);
    let step = |s: &str, on: &str| json!({"account_no": number(1), "step": s, "done_on": on});
    let url = app.at("/api/v1/power/arrears/steps");
    // No suspension without a written notice, nor before its period is over.
    let (status, e) = post_json(&manager, &csrf, url.clone(), step("suspension", "2026-11-29")).await;
    assert_eq!((status, e["rule"].as_str()), (422, Some("suspension_notice_required")), "{e}");
    assert_eq!(post_json(&manager, &csrf, url.clone(), step("notice", "2026-11-25")).await.0, 201);
    let (status, e) = post_json(&manager, &csrf, url.clone(), step("suspension", "2026-11-29")).await;
    assert_eq!((status, e["rule"].as_str()), (422, Some("suspension_too_early")), "{e}");
    assert!(e["detail"].as_str().unwrap().contains("2026-12-02"), "{e}");
    assert_eq!(post_json(&manager, &csrf, url.clone(), step("suspension", "2026-12-02")).await.0, 201);
    let (status, e) = post_json(&manager, &csrf, url, json!({"account_no": number(2), "step": "suspension"})).await;
    assert_eq!((status, e["rule"].as_str()), (422, Some("no_arrears")), "{e}");
    let notice = manager.get(app.at(&format!("/power/arrears/{}/notice.pdf", number(1)))).send().await.unwrap();
    assert_eq!(notice.status(), 200);
});

on_both!(each_collection_route_is_behind_its_permission, |backend| async move {
    let letters = tempfile::tempdir().unwrap();
    let app = county_on(TestApp::start_with(backend, printing(letters.path())).await, &accounts(1)).await;
    bill(&app, 1, "2026-11", 8_000, "2026-12-25").await;
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    let (_, r) = pay(&cashier, &csrf, &app, 1, "10.00", false).await;
    let no = r["receipt_no"].as_str().unwrap().to_string();
    for path in [
        "/power/counter",
        &format!("/power/counter?q={}", number(1)),
        "/power/day-close",
        &format!("/power/receipts/{no}"),
    ] {
        let res = cashier.get(app.at(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    let pdf = cashier.get(app.at(&format!("/power/receipts/{no}/receipt.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.contains(&no) && text.contains(&number(1)) && text.contains("10.00"), "{text}");
    // A cashier neither sees arrears nor the rate, nor waives; an agent takes no payments.
    for path in ["/power/arrears", "/power/collection-rate", "/api/v1/power/collection-rate"] {
        assert_eq!(cashier.get(app.at(path)).send().await.unwrap().status(), 403, "{path}");
    }
    let (agent, acsrf) = app.signed_in("agent_a").await;
    assert_eq!(agent.get(app.at("/power/counter")).send().await.unwrap().status(), 403);
    assert_eq!(pay(&agent, &acsrf, &app, 1, "1.00", false).await.0, 403);
    // Outside the branch: store B's staff find neither the receipt nor the account.
    user(&app, "cashier_b", Role::Cashier, Lang::Zh, app.fx.store_b).await;
    let (other, _) = app.signed_in("cashier_b").await;
    assert_eq!(other.get(app.at(&format!("/power/receipts/{no}"))).send().await.unwrap().status(), 404);
    let res = other.get(app.at(&format!("/api/v1/power/accounts/{}/open-bills", number(1)))).send().await.unwrap();
    assert_eq!(res.status(), 404);
});

on_both!(the_billing_run_pays_a_new_bill_from_the_prepaid_balance, |backend| async move {
    let app = county(backend, &[Acct { serial: 41, tariff: "gx-res-1", meters: vec![("W-41", 6, (1, 1))] }]).await;
    let book_id = crate::power_readings::book(&app, "LY-41", &[41]).await;
    let account: i64 = sqlx::query_scalar("SELECT id FROM power_accounts WHERE account_no = $1")
        .bind(number(41))
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    sqlx::query("INSERT INTO power_prepaid (account_id, balance) VALUES ($1, 10000)")
        .bind(account)
        .execute(app.db.pool())
        .await
        .unwrap();
    let (reader, rcsrf) = app.signed_in("reader_a").await;
    for (value, day) in [("1000", "2026-10-25"), ("1150", "2026-11-25")] {
        assert_eq!(crate::power_readings::reading(&reader, &rcsrf, &app, 41, value, day, "real").await.0, 201);
    }
    let (manager, csrf) = app.signed_in("manager_a").await;
    let run = json!({"book_id": book_id, "month": "2026-11"});
    let (status, outcome) = post_json(&manager, &csrf, app.at("/api/v1/power/billing/runs"), run).await;
    assert_eq!((status, outcome["created"].as_i64()), (200, Some(1)), "{outcome}");
    // 150 kWh at 0.5283: 79.25 yuan, paid from the 100.00 held.
    let (bill, amount): (i64, i64) = sqlx::query_as("SELECT id, amount FROM power_bills WHERE account_id = $1")
        .bind(account)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(amount, 7925);
    let (paid, balance): (i64, i64) = (
        sqlx::query_scalar("SELECT CAST(SUM(amount) AS BIGINT) FROM power_payment_allocations WHERE bill_id = $1")
            .bind(bill)
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
        sqlx::query_scalar("SELECT balance FROM power_prepaid WHERE account_id = $1")
            .bind(account)
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
    );
    assert_eq!((paid, balance), (7925, 10000 - 7925));
});
