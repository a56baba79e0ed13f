//! The power-supply pack, on SQLite and on PostgreSQL: an electricity
//! account is found by its number, its tail and its meter's number, shows
//! on its holder's 360° page, in its station's list and over the API; the
//! demo county loads; and
//! with the pack off none of its routes exist.

use crate::support::*;
use kefu_core::{Actor, Scope};
use kefu_power::accounts::{AccountNo, MeterNo, StationPrefix};
use kefu_power::archive::{self, NewAccount, NewMeter};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

const NUMBER: &str = "3101000042";
const METER: &str = "DDZY-4500000042";

/// Store A as a supply station with prefix 3101, and customer A's account
/// there with one meter.
async fn account_of_customer_a(app: &TestApp) {
    let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let prefix = StationPrefix::parse("prefix", "3101").unwrap();
    let installed: jiff::civil::Date = "2025-03-01".parse().unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_a, &prefix).await.unwrap();
    let account = NewAccount {
        account_no: AccountNo::issue(&prefix, 42).unwrap(),
        customer_id: app.fx.customer_a,
        branch_id: app.fx.store_a,
        usage_class: "residential",
        voltage: "220v",
        capacity_kva: 8,
        supply_address: "青山镇龙岩村3组12号".into(),
        tariff_code: "gx-res-1",
        permit: None,
        status: "active",
        meters: vec![NewMeter {
            meter_no: MeterNo::parse("meter_no", METER).unwrap(),
            kind: "single_phase",
            register_digits: 6,
            ct: (1, 1),
            pt: (1, 1),
            installed_on: installed,
        }],
    };
    archive::insert_in(&mut tx, vec![account], Vec::new()).await.unwrap();
    let change = Change {
        entity: "power_account",
        entity_id: NUMBER.into(),
        action: "create",
        branch: Some(app.fx.store_a),
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
}

async fn found(client: &reqwest::Client, app: &TestApp, q: &str) -> Vec<i64> {
    let hits: Value =
        client.get(app.at("/api/v1/search")).query(&[("q", q)]).send().await.unwrap().json().await.unwrap();
    hits.as_array().unwrap().iter().map(|h| h["customer"]["id"].as_i64().unwrap()).collect()
}

on_both!(an_account_is_found_shown_and_read, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    account_of_customer_a(&app).await;
    let agent = app.login("agent_a").await;
    let id = app.fx.customer_a.0;
    for q in [NUMBER, "3101 000 042", "000042", "0042", METER, "ddzy-4500000042"] {
        assert_eq!(found(&agent, &app, q).await.first(), Some(&id), "{q:?} finds the account's holder first");
    }
    assert!(found(&agent, &app, "3101000043").await.is_empty(), "another number finds nobody");
    let agent_b = app.login("agent_b").await;
    assert!(found(&agent_b, &app, NUMBER).await.is_empty(), "store B cannot find store A's account");

    // The 360° page and the overview show the account and its meter.
    let page = agent.get(app.at(&format!("/customers/{id}"))).send().await.unwrap().text().await.unwrap();
    let panel = page.split(r#"data-testid="power-accounts""#).nth(1).expect("the accounts panel");
    assert!(panel.contains(NUMBER) && panel.contains(METER) && panel.contains("居民生活"), "{panel}");
    let overview = get_json(&agent, app.at(&format!("/api/v1/customers/{id}/overview"))).await;
    assert_eq!(overview["power_accounts"][0]["account_no"], NUMBER);

    // The API, the account's page and the station's list.
    let res = agent.get(app.at(&format!("/api/v1/power/accounts/{NUMBER}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let a: Value = res.json().await.unwrap();
    assert_eq!(
        (a["customer_id"].as_i64(), &a["tariff_code"], a["capacity_kva"].as_i64()),
        (Some(id), &json!("gx-res-1"), Some(8))
    );
    assert_eq!(a["meters"][0]["meter_no"], METER);
    assert_eq!(a["meters"][0]["multiplier"], 1);
    let hidden = agent_b.get(app.at(&format!("/api/v1/power/accounts/{NUMBER}"))).send().await.unwrap();
    assert_eq!(hidden.status(), 404, "another branch's account is not there for store B");
    let account = agent.get(app.at(&format!("/power/accounts/{NUMBER}"))).send().await.unwrap().text().await.unwrap();
    assert!(account.contains(METER) && account.contains("青山镇龙岩村3组12号"), "{account}");
    let list = agent
        .get(app.at(&format!("/power/accounts?station={}&q=3101", app.fx.store_a.0)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains(NUMBER), "the station's list has the account");
    let other = agent
        .get(app.at(&format!("/power/accounts?station={}&q=3102", app.fx.store_a.0)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains(NUMBER), "a number search narrows the list");
});

on_both!(the_power_pack_off_has_no_routes, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["auto"]).unwrap()).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    for path in ["/power/accounts", "/power/tariffs", &format!("/api/v1/power/accounts/{NUMBER}")] {
        assert_eq!(agent.get(app.at(path)).send().await.unwrap().status(), 404, "{path}");
    }
    let (status, _) = post_json(&agent, &csrf, app.at("/api/v1/power/tariffs/gx-res-1/quote"), json!({"kwh": 1})).await;
    assert_eq!(status, 404);
    let openapi = agent.get(app.at("/api/v1/openapi.json")).send().await.unwrap().text().await.unwrap();
    assert!(!openapi.contains("/api/v1/power/"), "nor documentation");
    let on = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    let agent = on.login("agent_a").await;
    let openapi: Value = get_json(&agent, on.at("/api/v1/openapi.json")).await;
    let example = &openapi["paths"]["/api/v1/power/tariffs/{code}/quote"]["post"]["requestBody"]["content"]["application/json"]
        ["example"];
    assert_eq!(example["kwh"], 300, "the quote documents an example body");
});

on_both!(the_demo_county_loads_its_stations_hydros_and_accounts, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let summary = kefu_power::demo::load(&app.db, 7, today, 250, &()).await.unwrap();
    assert_eq!((summary.stations, summary.hydro, summary.accounts), (10, 6, 250));
    assert!(kefu_power::demo::present(&app.db).await.unwrap());
    let everything = Scope::new(kefu_accounts::branches::all(&app.db).await.unwrap().iter().map(|b| b.id).collect());
    let stations = archive::stations(&app.db, &everything).await.unwrap();
    // Besides the 250, each new connection of the demo's applications opened its account.
    let opened: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM power_applications WHERE kind = 'new'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(opened > 0, "the demo has new connections");
    assert_eq!(stations.iter().map(|s| s.accounts).sum::<i64>(), 250 + opened);
    assert_eq!(archive::sites(&app.db, &everything).await.unwrap().len(), 6, "one generation meter a hydro station");
    // Every account number begins with its station's prefix and is found by the search.
    let first = archive::list(&app.db, &everything, stations[0].branch_id, "", "", 5).await.unwrap();
    assert!(first.iter().all(|a| a.account_no.starts_with(&stations[0].prefix)));
    let packs = Enabled::select(&["power"]).unwrap();
    let hits = packs.core().search(&app.db, &everything, &first[0].account_no, 5).await.unwrap();
    assert_eq!(hits[0].customer.id, first[0].customer_id);
    // Every book is read by a meter reader of its own station, whom no one
    // signs in as.
    let unread: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM power_books b LEFT JOIN users u ON u.id = b.reader_id \
         LEFT JOIN user_branches m ON m.user_id = u.id AND m.branch_id = b.branch_id \
         WHERE m.user_id IS NULL OR u.active <> 0",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(unread, 0, "every book has its station's reader, inactive");
    assert!(kefu_power::demo::load(&app.db, 7, today, 10, &()).await.is_err(), "a second load is refused");
});

on_both!(a_merge_moves_the_account_and_its_search_keys, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    account_of_customer_a(&app).await;
    let keep = app.customer_in(app.fx.store_a, "王建国", "13911112222").await;
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let packs = Enabled::select(&["power"]).unwrap();
    let refs = packs.core().customer_references();
    assert!(refs.contains(&("power_accounts", "customer_id")));
    kefu_care::merge::merge(&app.db, &actor, keep, app.fx.customer_a, &refs).await.unwrap();
    let account = archive::by_number(&app.db, &actor.scope, NUMBER).await.unwrap();
    assert_eq!(account.customer_id, keep, "the account belongs to the kept customer");
    for q in [NUMBER, METER] {
        let hits = packs.core().search(&app.db, &actor.scope, q, 5).await.unwrap();
        assert_eq!(hits.iter().map(|h| h.customer.id).collect::<Vec<_>>(), [keep], "{q} finds the kept customer");
    }
});
