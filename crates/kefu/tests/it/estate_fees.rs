//! Property fees, on SQLite and on PostgreSQL: the billing run over an
//! estate (a whole month, a house handed over mid-month, a metered item
//! whose master meter's public share is split so the shares add up), run
//! twice without billing twice; a payment to the oldest bill first with the
//! rest prepaid; arrears by ageing bucket over the API; a correction by
//! reversal and a new run; a payment for a house of another estate refused;
//! and every fee route kept to its estate.

use crate::estate::house_of;
use crate::support::*;
use kefu_accounts::users::{self, NewUser};
use kefu_core::time::Clock;
use kefu_core::{Actor, Lang, Money, Role, Scope};
use kefu_estate::archive::{self, NewHouse};
use kefu_estate::charges;
use kefu_estate::fees::{AreaOf, Basis, Cycle, DueDay, FeeItem, Month, Reading, ShareBy, UnitPrice};
use kefu_estate::houses::{Area, HouseKind, HouseNo, HouseState};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::Value;

/// Rounds `value / unit` half up (value ≥ 0).
fn half_up(value: i64, unit: i64) -> i64 {
    (value * 2 + unit) / (unit * 2)
}

fn fen(text: &str) -> i64 {
    Money::parse_yuan("amount", text).unwrap().fen()
}

fn item(code: &str, basis: Basis, kinds: &[HouseKind]) -> (String, FeeItem) {
    let due = DueDay::new("due_day", 15).unwrap();
    (code.to_string(), FeeItem::new(code, basis, Cycle::Monthly, due, kinds).unwrap())
}

/// Estate A with 3-2-1502 (98.56 m², billed since 2024), 3-2-1501
/// (120.00 m², handed over on 17 January 2026) and space P-B1-023; the
/// management fee by building area, water by meter with a master meter's
/// public share split by area, and parking at a fixed 150 yuan.
pub async fn estate_with_fees(app: &TestApp) -> archive::Estate {
    house_of(app, app.fx.store_a, app.fx.customer_a).await;
    let everything = Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]);
    let estate = archive::estate(&app.db, &everything, "TA").await.unwrap();
    let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let mut tx = app.db.begin().await.unwrap();
    let new = NewHouse {
        number: HouseNo::parse("house", "3-2-1501").unwrap(),
        kind: HouseKind::Residence,
        state: HouseState::Occupied,
        building_area: Area::parse("area", "120.00").unwrap(),
        interior_area: Area::parse("area", "100.00").unwrap(),
        billed_from: Some("2026-01-17".parse().unwrap()),
        residents: Vec::new(),
        documents: Vec::new(),
    };
    archive::insert_in(&mut tx, estate.branch_id, vec![new], app.clock.now()).await.unwrap();
    let change = Change {
        entity: "estate_house",
        entity_id: "3-2-1501".into(),
        action: "create",
        branch: Some(estate.branch_id),
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    let price = |p: &str| UnitPrice::parse("price", p).unwrap();
    let items = [
        item(
            "mgmt",
            Basis::Area { of: AreaOf::Building, price: price("2.35") },
            &[HouseKind::Residence, HouseKind::Shop],
        ),
        item("water", Basis::Metered { price: price("4.10"), share_by: ShareBy::Area }, &[HouseKind::Residence]),
        item("parking", Basis::Fixed { per_month: Money::from_yuan(150) }, &[HouseKind::ParkingSpace]),
    ];
    charges::add_items(&app.db, &actor, &estate, &items).await.unwrap();
    let readings = [
        ("3-2-1502".to_string(), Reading::new(1000, 1017)),
        ("3-2-1501".to_string(), Reading::new(500, 520)),
        (charges::MASTER.to_string(), Reading::new(2000, 2050)),
    ];
    charges::record_readings(&app.db, &actor, &estate, "water", Month::new(2026, 1), &readings).await.unwrap();
    estate
}

/// A house's bills: (bill id, period, due, total fen, outstanding fen, lines (item, kind, fen)).
type BillFacts = (i64, String, String, i64, i64, Vec<(String, String, i64)>);

async fn bills(app: &TestApp, number: &str) -> Vec<BillFacts> {
    let everything = Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]);
    let id: i64 = sqlx::query_scalar("SELECT id FROM estate_houses WHERE number = $1 AND branch_id = $2")
        .bind(number.to_string())
        .bind(app.fx.store_a.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let house = archive::house(&app.db, &everything, id).await.unwrap();
    let mut list: Vec<BillFacts> = charges::bills_of(&app.db, &house, kefu_estate::window::Window::new(1000, 0))
        .await
        .unwrap()
        .into_iter()
        .map(|b| {
            let lines = b.lines.iter().map(|l| (l.item.clone(), l.kind.clone(), fen(&l.amount))).collect();
            (b.id, b.period, b.due, fen(&b.total), fen(&b.outstanding), lines)
        })
        .collect();
    list.sort_by_key(|b| b.0);
    list
}

fn line(b: &BillFacts, item: &str, kind: &str) -> i64 {
    b.5.iter().find(|l| l.0 == item && l.1 == kind).map(|l| l.2).unwrap_or_else(|| panic!("{item} {kind} in {b:?}"))
}

async fn run(client: &reqwest::Client, csrf: &str, app: &TestApp, period: &str) -> (u16, String) {
    let res = client
        .post(app.at("/estate/estates/TA/fees/run"))
        .form(&[("_csrf", csrf), ("period", period)])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Posts the desk's payment form: (amount, channel, transaction number).
async fn pay(
    client: &reqwest::Client,
    csrf: &str,
    app: &TestApp,
    estate: &str,
    house: i64,
    (amount, channel, txn): (&str, &str, &str),
) -> (u16, String) {
    let res = client
        .post(app.at(&format!("/estate/estates/{estate}/payments")))
        .form(&[
            ("_csrf", csrf),
            ("house_id", &house.to_string()),
            ("amount", amount),
            ("channel", channel),
            ("transaction_no", txn),
        ])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

on_both!(the_billing_run_bills_whole_and_partial_months_and_shares_that_add_up_once, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["estate"]).unwrap()).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (status, page) = run(&manager, &csrf, &app, "2026-01").await;
    assert_eq!(status, 200, "{page}");
    let full = bills(&app, "3-2-1502").await;
    let partial = bills(&app, "3-2-1501").await;
    let space = bills(&app, "P-B1-023").await;
    assert_eq!((full.len(), partial.len(), space.len()), (1, 1, 1));
    // A whole month: area (hundredths) × price (ten-thousandths), to the fen.
    assert_eq!(line(&full[0], "mgmt", "area"), half_up(9856 * 23_500, 10_000));
    // Handed over on 17 January: 15 of its 31 days.
    assert_eq!(line(&partial[0], "mgmt", "area"), half_up(12_000 * 23_500 * 15, 10_000 * 31));
    // Each meter's use, and the master's 50 − 37 units split by building area, adding up exactly.
    assert_eq!(line(&full[0], "water", "metered"), 17 * 41_000 / 100);
    assert_eq!(line(&partial[0], "water", "metered"), 20 * 41_000 / 100);
    let public = 13 * 41_000 / 100;
    let (a, b) = (line(&full[0], "water", "public_share"), line(&partial[0], "water", "public_share"));
    assert_eq!(a + b, public, "the shares add up to the public use");
    assert!((a * 21_856 - public * 9856).abs() < 21_856, "each share within a fen of its proportion");
    assert_eq!(line(&space[0], "parking", "fixed"), 15_000);
    assert_eq!(full[0].3, full[0].5.iter().map(|l| l.2).sum::<i64>(), "a bill is its lines' sum");
    assert_eq!(full[0].2, "2026-01-15");

    // Run again: nothing billed twice.
    let (status, again) = run(&manager, &csrf, &app, "2026-01").await;
    assert_eq!(status, 200);
    let issued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM estate_bills").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(issued, 3, "{again}");
    assert_eq!(app.audit_count("estate_billing_run", "run").await, 2);
    // A bad period is refused naming the field.
    let (status, _) = run(&manager, &csrf, &app, "2026-13").await;
    assert_eq!(status, 422);
});

on_both!(payments_clear_the_oldest_bill_first_arrears_age_and_a_reversal_corrects, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["estate"]).unwrap()).await;
    estate_with_fees(&app).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    run(&manager, &csrf, &app, "2026-01").await;
    run(&manager, &csrf, &app, "2026-02").await;
    let house: i64 = sqlx::query_scalar("SELECT id FROM estate_houses WHERE number = '3-2-1502' AND branch_id = $1")
        .bind(app.fx.store_a.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let before = bills(&app, "3-2-1502").await;
    assert_eq!(before.len(), 2);
    let (jan, feb) = (before[0].3, before[1].3);
    // January's total and one yuan: January cleared, February short by a yuan.
    let paid = jan + 100;
    let amount = format!("{}.{:02}", paid / 100, paid % 100);
    let (status, body) = pay(&manager, &csrf, &app, "TA", house, (&amount, "wechat", "4200001234202601150001")).await;
    assert_eq!(status, 303, "{body}");
    let after = bills(&app, "3-2-1502").await;
    assert_eq!((after[0].4, after[1].4), (0, feb - 100));
    // More than is owed: the rest is prepaid and pays the next run's bill.
    let (status, _) = pay(&manager, &csrf, &app, "TA", house, ("1000.00", "desk", "")).await;
    assert_eq!(status, 303);
    let balance: i64 = sqlx::query_scalar("SELECT balance FROM estate_prepaid WHERE house_id = $1")
        .bind(house)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(balance, 100_000 - (feb - 100));
    run(&manager, &csrf, &app, "2026-03").await;
    let march = bills(&app, "3-2-1502").await;
    assert_eq!(march[2].4, 0, "the prepaid balance paid March");
    // A wallet payment without its transaction number is refused naming it.
    let (status, body) = pay(&manager, &csrf, &app, "TA", house, ("10", "alipay", "")).await;
    assert_eq!(status, 422);
    assert!(body.contains("transaction_no") || body.contains("交易流水号"), "{body}");

    // Arrears as of 20 July, each open bill in its bucket by days past due.
    let other = bills(&app, "3-2-1501").await;
    let as_of: jiff::civil::Date = "2026-07-20".parse().unwrap();
    let mut expected = std::collections::BTreeMap::new();
    for number in ["3-2-1501", "3-2-1502", "P-B1-023"] {
        for b in bills(&app, number).await.iter().filter(|b| b.4 > 0) {
            let days = (as_of - b.2.parse::<jiff::civil::Date>().unwrap()).get_days();
            let code = match days {
                0..=30 => "0_30",
                31..=90 => "31_90",
                91..=180 => "91_180",
                _ => "over_180",
            };
            *expected.entry(code).or_insert(0) += b.4;
        }
    }
    assert_eq!(expected.len(), 2, "two buckets hold bills: {expected:?}");
    let arrears = get_json(&manager, app.at("/api/v1/estate/arrears?estate=TA&as_of=2026-07-20")).await;
    for b in arrears["buckets"].as_array().unwrap() {
        let code = b["bucket"].as_str().unwrap();
        assert_eq!(fen(b["total"].as_str().unwrap()), expected.get(code).copied().unwrap_or(0), "{code}: {arrears}");
    }
    let over = arrears["buckets"].as_array().unwrap().iter().find(|b| b["bucket"] == "over_180").unwrap().clone();
    assert_eq!(over["houses"][0]["house"], "3-2-1501", "{arrears}");
    let bad_day = manager.get(app.at("/api/v1/estate/arrears?estate=TA&as_of=2026-7-20")).send().await.unwrap();
    assert_eq!(bad_day.status(), 422, "a date not written as 2026-07-20 is refused");

    // A correction: 3-2-1501's January bill reversed, then billed again by the next run.
    let wrong = other[0].0;
    let res = manager
        .post(app.at(&format!("/estate/bills/{wrong}/reverse")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let reversed = bills(&app, "3-2-1501").await;
    let reversal = reversed.iter().find(|b| b.3 == -other[0].3).expect("a reversal negating the bill");
    assert_eq!(reversal.1, "2026-01");
    run(&manager, &csrf, &app, "2026-01").await;
    let corrected = bills(&app, "3-2-1501").await;
    let january: Vec<&BillFacts> = corrected.iter().filter(|b| b.1 == "2026-01").collect();
    assert_eq!(january.len(), 3, "the bill, its reversal and the new bill");
    assert_eq!(january.iter().map(|b| b.3).sum::<i64>(), other[0].3, "the period's total is billed once");
    let res = manager
        .post(app.at(&format!("/estate/bills/{wrong}/reverse")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "a bill is reversed once");
});

on_both!(fee_routes_are_kept_to_their_estate, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["estate"]).unwrap()).await;
    estate_with_fees(&app).await;
    let house_b = house_of(&app, app.fx.store_b, app.fx.customer_b).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    run(&manager, &csrf, &app, "2026-01").await;
    let bill: i64 = sqlx::query_scalar("SELECT MIN(id) FROM estate_bills").fetch_one(app.db.pool()).await.unwrap();
    let agent_b = app.login("agent_b").await;
    for path in ["/estate/estates/TA/fees", "/api/v1/estate/arrears?estate=TA"] {
        assert_eq!(agent_b.get(app.at(path)).send().await.unwrap().status(), 404, "{path}");
    }
    // Store B's manager: the run, a payment and a reversal in estate A are not there.
    let all = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let user = |name: &str, branches| NewUser {
        username: name.into(),
        display_name: name.into(),
        password: "correct horse battery staple".into(),
        roles: vec![Role::Manager],
        branches,
        locale: Lang::Zh,
    };
    users::create(&app.db, &all, user("manager_b", vec![app.fx.store_b])).await.unwrap();
    let manager_b = app.client();
    app.try_login(&manager_b, "manager_b", "correct horse battery staple").await;
    let csrf_mb = app.csrf(&manager_b).await;
    assert_eq!(run(&manager_b, &csrf_mb, &app, "2026-01").await.0, 404);
    let a_house: i64 = sqlx::query_scalar("SELECT id FROM estate_houses WHERE branch_id = $1 AND number = '3-2-1502'")
        .bind(app.fx.store_a.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(pay(&manager_b, &csrf_mb, &app, "TB", a_house, ("10", "desk", "")).await.0, 404);
    let res = manager_b
        .post(app.at(&format!("/estate/bills/{bill}/reverse")))
        .form(&[("_csrf", csrf_mb.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // A manager of the whole company taking a payment in estate A for a house of estate B: refused, nothing written.
    users::create(&app.db, &all, user("manager_all", vec![app.fx.group])).await.unwrap();
    let manager_all = app.client();
    app.try_login(&manager_all, "manager_all", "correct horse battery staple").await;
    let csrf_all = app.csrf(&manager_all).await;
    let (status, body) = pay(&manager_all, &csrf_all, &app, "TA", house_b, ("10", "desk", "")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("TB"), "the refusal names the house's estate: {body}");
    let payments: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM estate_payments").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(payments, 0);
    let _: Value = get_json(&manager_all, app.at("/api/v1/estate/arrears?estate=TB")).await;
});
