//! Reading books and readings (issue 20 §1), on SQLite and PostgreSQL: a
//! manager makes a book with its reader; readings come in through the API
//! and the phone-sized page; a plausible rollover bills, an implausible drop
//! and a reading with letters are refused naming the field; zero and high
//! use are held until confirmed; an estimate is trued up by the next real
//! reading; the month's audit is computed from what was read; and a meter
//! reader reads their own books only.

use crate::support::*;
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_power::accounts::{AccountNo, MeterNo, StationPrefix};
use kefu_power::archive::{self, NewAccount, NewMeter};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

/// An account to build: its serial at the station, tariff and meters
/// (number, register digits, CT ratio).
pub struct Acct {
    pub serial: u64,
    pub tariff: &'static str,
    pub meters: Vec<(&'static str, i64, (i64, i64))>,
}

pub fn number(serial: u64) -> String {
    AccountNo::issue(&StationPrefix::parse("prefix", "3101").unwrap(), serial).unwrap().as_str().to_string()
}

/// The power app with store A as supply station 3101 holding `accounts`
/// (customer A's), a reader `reader_a` and `reader_b` in store A and a
/// cashier `cashier_a`.
pub async fn county(backend: Backend, accounts: &[Acct]) -> TestApp {
    county_on(TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await, accounts).await
}

/// [`county`] on an app already started (with letters, say).
pub async fn county_on(app: TestApp, accounts: &[Acct]) -> TestApp {
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let prefix = StationPrefix::parse("prefix", "3101").unwrap();
    let installed: jiff::civil::Date = "2025-03-01".parse().unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_a, &prefix).await.unwrap();
    let new: Vec<NewAccount> = accounts
        .iter()
        .map(|a| NewAccount {
            account_no: AccountNo::issue(&prefix, a.serial).unwrap(),
            customer_id: app.fx.customer_a,
            branch_id: app.fx.store_a,
            usage_class: "residential",
            voltage: "220v",
            capacity_kva: 8,
            supply_address: format!("青山镇龙岩村{}号", a.serial),
            tariff_code: a.tariff,
            permit: None,
            status: "active",
            meters: a
                .meters
                .iter()
                .map(|(no, digits, ct)| NewMeter {
                    meter_no: MeterNo::parse("meter_no", no).unwrap(),
                    kind: "single_phase",
                    register_digits: *digits,
                    ct: *ct,
                    pt: (1, 1),
                    installed_on: installed,
                })
                .collect(),
        })
        .collect();
    archive::insert_in(&mut tx, new, Vec::new()).await.unwrap();
    let change = Change {
        entity: "power_account",
        entity_id: "test".into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    for (username, role) in
        [("reader_a", Role::MeterReader), ("reader_b", Role::MeterReader), ("cashier_a", Role::Cashier)]
    {
        let user = NewUser {
            username: username.into(),
            display_name: username.into(),
            password: PASSWORD.into(),
            roles: vec![role],
            branches: vec![app.fx.store_a],
            locale: Lang::Zh,
        };
        users::create(&app.db, &actor, user).await.unwrap();
    }
    app
}

/// A manager makes book `code` of `accounts` (serials, in route order) read by `reader_a`.
pub async fn book(app: &TestApp, code: &str, serials: &[u64]) -> i64 {
    let (manager, csrf) = app.signed_in("manager_a").await;
    let accounts: Vec<String> = serials.iter().map(|s| number(*s)).collect();
    let body = json!({"station_id": app.fx.store_a.0, "code": code, "name": "龙岩村", "reader": "reader_a",
        "reading_day": 25, "accounts": accounts});
    let (status, b) = post_json(&manager, &csrf, app.at("/api/v1/power/books"), body).await;
    assert_eq!(status, 201, "{b}");
    b["id"].as_i64().unwrap()
}

/// Posts a reading as `client`; the status and the answer.
pub async fn reading(
    client: &reqwest::Client,
    csrf: &str,
    app: &TestApp,
    serial: u64,
    value: &str,
    day: &str,
    kind: &str,
) -> (u16, Value) {
    let body = json!({"account_no": number(serial), "reading": value, "read_on": day, "kind": kind});
    post_json(client, csrf, app.at("/api/v1/power/readings"), body).await
}

on_both!(readings_are_checked_held_confirmed_and_audited, |backend| async move {
    let meters = |no| vec![(no, 5, (1, 1))];
    let app = county(
        backend,
        &[
            Acct { serial: 1, tariff: "gx-res-1", meters: meters("M-0001") },
            Acct { serial: 2, tariff: "gx-res-1", meters: meters("M-0002") },
            Acct { serial: 3, tariff: "gx-res-1", meters: meters("M-0003") },
            Acct { serial: 4, tariff: "gx-res-1", meters: meters("M-0004") },
            Acct { serial: 5, tariff: "gx-res-1", meters: meters("M-0005") },
        ],
    )
    .await;
    let book_id = book(&app, "LY-01", &[1, 2, 3, 4, 5]).await;
    let (reader, csrf) = app.signed_in("reader_a").await;
    // History: each account's base in August, 100 kWh in September and October
    // (account 5 estimated in October).
    let history: [(u64, [i64; 3]); 5] = [
        (1, [99_700, 99_800, 99_900]),
        (2, [5_000, 5_100, 5_200]),
        (3, [1_000, 1_100, 1_200]),
        (4, [2_000, 2_100, 2_200]),
        (5, [3_000, 3_100, 3_100]),
    ];
    for (serial, values) in history {
        for (i, (value, day)) in values.iter().zip(["2026-08-25", "2026-09-25", "2026-10-25"]).enumerate() {
            let kind = if serial == 5 && i == 2 { "estimated" } else { "real" };
            let (status, r) = reading(&reader, &csrf, &app, serial, &value.to_string(), day, kind).await;
            assert_eq!(status, 201, "{serial} {day}: {r}");
            let want = if i == 0 { "base" } else { kind };
            assert_eq!(r["kind"], want, "a meter's first reading is its base");
        }
    }
    // November.
    let (status, r) = reading(&reader, &csrf, &app, 1, "00030", "2026-11-25", "real").await;
    assert_eq!((status, &r["kwh"], &r["rollover"]), (201, &json!(99_999 + 1 + 30 - 99_900), &json!(true)), "{r}");
    let (status, p) = reading(&reader, &csrf, &app, 2, "4000", "2026-11-25", "real").await;
    assert_eq!(status, 422, "a drop no rollover explains: {p}");
    assert!(p.to_string().contains("reading") && p.to_string().contains("reading_below_last"), "{p}");
    let (status, p) = reading(&reader, &csrf, &app, 2, "52a0", "2026-11-25", "real").await;
    assert_eq!(status, 422);
    assert!(p.to_string().contains("reading_format"), "{p}");
    let (_, r) = reading(&reader, &csrf, &app, 3, "1200", "2026-11-25", "real").await;
    assert_eq!((&r["status"], &r["hold_reason"]), (&json!("held"), &json!("zero_use")));
    let (_, r) = reading(&reader, &csrf, &app, 4, "2600", "2026-11-25", "real").await;
    assert_eq!((&r["status"], &r["hold_reason"], &r["kwh"]), (&json!("held"), &json!("high_use"), &json!(400)));
    // The estimate billed 100 kWh in October; November's real 3,250 used 150
    // since September's real reading, so it bills the other 50.
    let (_, r) = reading(&reader, &csrf, &app, 5, "3250", "2026-11-25", "real").await;
    assert_eq!((&r["status"], &r["kwh"]), (&json!("ok"), &json!(3_250 - 3_100 - 100)));

    // Held ones are listed, not billed until confirmed.
    let held = get_json(&reader, app.at("/api/v1/power/readings/held")).await;
    let held_accounts: Vec<&str> = held.as_array().unwrap().iter().map(|h| h["account_no"].as_str().unwrap()).collect();
    assert_eq!(held_accounts, [number(3), number(4)]);
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    let run = |m: &'static str| {
        let (manager, mcsrf) = (manager.clone(), mcsrf.clone());
        let url = app.at("/api/v1/power/billing/runs");
        async move { post_json(&manager, &mcsrf, url, json!({"book_id": book_id, "month": m})).await }
    };
    let (status, o) = run("2026-11").await;
    assert_eq!(status, 200, "{o}");
    assert_eq!((o["created"].as_i64(), o["held"].as_i64(), o["unread"].as_i64()), (Some(2), Some(2), Some(1)), "{o}");
    let id = held[0]["id"].as_i64().unwrap();
    let res = reader
        .post(app.at(&format!("/api/v1/power/readings/{id}/confirm")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, o) = run("2026-11").await;
    assert_eq!((o["created"].as_i64(), o["existing"].as_i64(), o["held"].as_i64()), (Some(1), Some(2), Some(1)), "{o}");

    // The audit: due = the book's 5 accounts; read = the real readings of
    // November (accounts 1, 3, 4, 5); no corrections, one register that did
    // not move.
    let corrected = reading(&reader, &csrf, &app, 2, "5290", "2026-11-25", "real").await;
    assert_eq!(corrected.0, 201);
    let again = reading(&reader, &csrf, &app, 2, "5300", "2026-11-26", "real").await;
    assert_eq!(again.0, 201, "a second reading of the month corrects the first");
    let audit = get_json(&manager, app.at("/api/v1/power/readings/audit?month=2026-11")).await;
    let (due, read, errors) = (5, 5, 1);
    let b = &audit["books"][0];
    assert_eq!(
        (b["due"].as_i64(), b["read"].as_i64(), b["errors"].as_i64(), b["faults"].as_i64()),
        (Some(due), Some(read), Some(errors), Some(1)),
        "{audit}"
    );
    assert_eq!(b["reading_rate"], format!("{}.00", read * 100 / due));
    assert_eq!(b["error_rate"], format!("{}.00", errors * 100 / read));
    assert_eq!(audit["stations"][0]["due"], due, "the station sums its books");

    // Authorisation: another reader's entry is not there for them; a
    // cashier neither reads nor bills; a reader does not bill.
    let (other, ocsrf) = app.signed_in("reader_b").await;
    let (status, _) = reading(&other, &ocsrf, &app, 1, "40", "2026-11-26", "real").await;
    assert_eq!(status, 404, "reader_b reads no account of reader_a's book");
    assert_eq!(other.get(app.at(&format!("/power/books/{book_id}/read"))).send().await.unwrap().status(), 404);
    let (cashier, ccsrf) = app.signed_in("cashier_a").await;
    let (status, _) = reading(&cashier, &ccsrf, &app, 1, "40", "2026-11-26", "real").await;
    assert_eq!(status, 403);
    let body = json!({"book_id": book_id, "month": "2026-11"});
    assert_eq!(post_json(&cashier, &ccsrf, app.at("/api/v1/power/billing/runs"), body.clone()).await.0, 403);
    assert_eq!(post_json(&reader, &csrf, app.at("/api/v1/power/billing/runs"), body).await.0, 403);
    assert_eq!(cashier.get(app.at("/power/billing")).send().await.unwrap().status(), 403);
    let agent_b = app.login("agent_b").await;
    assert_eq!(
        agent_b.get(app.at(&format!("/api/v1/power/books/{book_id}/route"))).send().await.unwrap().status(),
        403
    );
});

on_both!(the_phone_page_enters_a_book_in_route_order, |backend| async move {
    let meters = |no| vec![(no, 6, (1, 1))];
    let app = county(
        backend,
        &[
            Acct { serial: 7, tariff: "gx-res-1", meters: meters("P-7") },
            Acct { serial: 8, tariff: "gx-res-1", meters: meters("P-8") },
        ],
    )
    .await;
    let book_id = book(&app, "LY-02", &[8, 7]).await;
    let (reader, csrf) = app.signed_in("reader_a").await;
    for (serial, value) in [(7, "100"), (8, "200")] {
        assert_eq!(reading(&reader, &csrf, &app, serial, value, "2026-10-25", "real").await.0, 201);
    }
    let page = reader.get(app.at(&format!("/power/books/{book_id}/read"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!(r#"data-testid="stop-{}""#, number(8))), "route order: account 8 first");
    assert!(page.contains(">200"), "the last reading is shown: {page}");
    let form = [("at", "0"), ("reading", "2x0"), ("kind", "real"), ("_csrf", csrf.as_str())];
    let res = reader.post(app.at(&format!("/power/books/{book_id}/read"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422, "letters are refused on the page");
    let form = [("at", "0"), ("reading", "260"), ("kind", "real"), ("_csrf", csrf.as_str())];
    let res = reader.post(app.at(&format!("/power/books/{book_id}/read"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], format!("/power/books/{book_id}/read?at=1"), "on to the next account");
    let route = get_json(&reader, app.at(&format!("/api/v1/power/books/{book_id}/route?month=2026-11"))).await;
    assert_eq!(route[0]["this_month"]["kwh"], 60);
    assert!(route[1]["this_month"].is_null());
});

on_both!(a_handheld_export_is_imported_and_every_bad_row_reported, |backend| async move {
    let app = county(
        backend,
        &[
            Acct { serial: 31, tariff: "gx-res-1", meters: vec![("H-31", 5, (1, 1))] },
            Acct { serial: 32, tariff: "gx-res-1", meters: vec![("H-32", 5, (1, 1))] },
        ],
    )
    .await;
    let book_id = book(&app, "LY-31", &[31, 32]).await;
    let (reader, _) = app.signed_in("reader_a").await;
    let csv = format!(
        "户号,表号,示数,抄表时间,抄表员\n{a},,1000,2026-10-25 09:12,王五\n,H-32,2000,2026/10/25,王五\n{a},,1180,2026-11-25,王五\n\
         ,H-32,21x0,2026-11-25,王五\n3101009999,,100,2026-11-25,王五\n,NO-SUCH,100,2026-11-25,王五\n,H-32,2100,明天,王五\n",
        a = number(31)
    );
    let report = import_csv(&app, csv).await;
    assert_eq!(report["entered"], 3, "{report}");
    let rejected: Vec<(i64, &str)> = report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rejected,
        [(5, "reading_format"), (6, "unknown_account"), (7, "unknown_meter"), (8, "date_format")],
        "every refused row, by its row in the file"
    );
    let route = get_json(&reader, app.at(&format!("/api/v1/power/books/{book_id}/route?month=2026-11"))).await;
    let kwh: Vec<&Value> = route.as_array().unwrap().iter().map(|s| &s["this_month"]["kwh"]).collect();
    assert_eq!(kwh, [&json!(180), &Value::Null], "the good rows are in");
});

/// Imports a handheld's CSV as `reader_a`; the report.
async fn import_csv(app: &TestApp, csv: String) -> Value {
    let (reader, csrf) = app.signed_in("reader_a").await;
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("handheld.csv"));
    let res = reader
        .post(app.at("/api/v1/power/readings/import"))
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

on_both!(a_file_of_a_few_accounts_and_one_of_most_are_checked_alike, |backend| async move {
    // Eight accounts: a file naming most of them reads the tables through,
    // one naming a few looks its accounts up; both find the same last
    // readings (a rollover on a five-digit register included).
    let serials: Vec<u64> = (41..=48).collect();
    let accounts: Vec<Acct> = serials
        .iter()
        .map(|s| Acct {
            serial: *s,
            tariff: "gx-res-1",
            meters: vec![(
                ["H-41", "H-42", "H-43", "H-44", "H-45", "H-46", "H-47", "H-48"][(*s - 41) as usize],
                5,
                (1, 1),
            )],
        })
        .collect();
    let app = county(backend, &accounts).await;
    let book_id = book(&app, "LY-41", &serials).await;
    let row = |serial: u64, value: i64, day: &str| format!("{},{value},{day},王五\n", number(serial));
    let mut october = String::from("户号,示数,抄表时间,抄表员\n");
    for s in &serials {
        october.push_str(&row(*s, if *s == 48 { 99950 } else { 1000 * (*s as i64 - 40) }, "2026-10-25"));
    }
    assert_eq!(import_csv(&app, october).await["entered"], 8);
    // One account of eight: looked up.
    let one = format!("户号,示数,抄表时间,抄表员\n{}", row(41, 1150, "2026-11-25"));
    assert_eq!(import_csv(&app, one).await["entered"], 1);
    // The seven others: read through.
    let mut rest = String::from("户号,示数,抄表时间,抄表员\n");
    for s in 42..=47 {
        rest.push_str(&row(s, 1000 * (s as i64 - 40) + 100 + s as i64, "2026-11-25"));
    }
    rest.push_str(&row(48, 30, "2026-11-25"));
    let report = import_csv(&app, rest).await;
    assert_eq!(
        (report["entered"].as_i64(), report["rejected"].as_array().map(Vec::len)),
        (Some(7), Some(0)),
        "{report}"
    );
    let (reader, _) = app.signed_in("reader_a").await;
    let route = get_json(&reader, app.at(&format!("/api/v1/power/books/{book_id}/route?month=2026-11"))).await;
    let kwh: Vec<i64> = route.as_array().unwrap().iter().map(|s| s["this_month"]["kwh"].as_i64().unwrap()).collect();
    assert_eq!(kwh, [150, 142, 143, 144, 145, 146, 147, 80]);
});
