//! `kefu gen`, on SQLite and on PostgreSQL: the same seed gives the same
//! customers; the bulk path writes what the demo writes through the
//! capabilities, search keys included; and generated customers are found by
//! the search like any other.

use crate::support;

use kefu_accounts::users::{self, NewUser};
use kefu_auto::demo;
use kefu_auto::generate::{self, Options};
use kefu_care::{contacts, customers};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_store::Db;
use serde_json::Value;
use support::{Backend, PASSWORD, TestApp, fresh_db};

fn today() -> jiff::civil::Date {
    "2026-11-29".parse().unwrap()
}

async fn generate(db: &Db, customers: usize, seed: u64, stores: usize) {
    generate::run(db, Options { customers, seed, today: today(), stores }, &()).await.unwrap();
}

/// The first customers with their vehicles, in id order.
async fn first_customers(db: &Db) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT c.customer_no, c.name, c.mobile, v.vin FROM customers c JOIN vehicles v ON v.customer_id = c.id \
         ORDER BY c.id, v.id LIMIT 40",
    )
    .fetch_all(db.pool())
    .await
    .unwrap()
}

/// Every customer's and contact's row as written, but for their ids and
/// times: `kefu gen` builds them with the capabilities' own `insert_row`,
/// contact preferences too.
async fn people(db: &Db) -> Vec<String> {
    let skip = ["id", "branch_id", "customer_id", "created_at", "updated_at"];
    let written = |columns: &[&str], alias: &str| {
        columns
            .iter()
            .filter(|c| !skip.contains(c))
            .map(|c| format!("COALESCE(CAST({alias}.{c} AS TEXT), '-')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ")
    };
    let mut rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM customers c ORDER BY c.id",
        written(&customers::INSERT_COLUMNS, "c")
    )))
    .fetch_all(db.pool())
    .await
    .unwrap();
    rows.extend(
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!(
            "SELECT c.customer_no || ':' || {} FROM contacts k JOIN customers c ON c.id = k.customer_id ORDER BY k.id",
            written(&contacts::INSERT_COLUMNS, "k")
        )))
        .fetch_all(db.pool())
        .await
        .unwrap(),
    );
    rows
}

/// Each vehicle's service dates, which the daily outreach run reads.
async fn service_dates(db: &Db) -> Vec<(String, Option<String>, Option<String>, Option<String>)> {
    sqlx::query_as("SELECT vin, next_service_kind, next_service_due, last_visit_date FROM vehicles ORDER BY vin")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

/// The first customer's search keys, and the sets that say which source
/// gave which (what replacing or moving them reads).
async fn keys_of_first(db: &Db) -> (Vec<(String, String)>, Vec<(String, String)>) {
    let first = "(SELECT MIN(id) FROM customers)";
    let keys = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT key, source FROM search_keys WHERE customer_id = {first} ORDER BY key, source"
    )))
    .fetch_all(db.pool())
    .await
    .unwrap();
    let sets = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT source, key_list FROM search_key_sets WHERE customer_id = {first} ORDER BY source"
    )))
    .fetch_all(db.pool())
    .await
    .unwrap();
    (keys, sets)
}

on_both!(the_same_seed_gives_the_same_customers_as_the_demo, |backend: Backend| async move {
    let (a, _, _dir_a) = fresh_db(backend).await;
    let (b, _, _dir_b) = fresh_db(backend).await;
    let (c, _, _dir_c) = fresh_db(backend).await;
    generate(&a, 500, 42, 8).await;
    generate(&b, 500, 42, 8).await;
    assert_eq!(first_customers(&a).await, first_customers(&b).await, "same seed, same customers");
    // The demo is the generator's first two stores written through the
    // capabilities: the same rows and the same search keys.
    demo::load_sized(&c, 42, today(), 60).await.unwrap();
    let (d, _, _dir_d) = fresh_db(backend).await;
    generate(&d, 60, 42, 2).await;
    assert_eq!(first_customers(&c).await, first_customers(&d).await, "gen --stores 2 plans what the demo plans");
    assert_eq!(keys_of_first(&c).await, keys_of_first(&d).await, "gen writes the keys the capabilities write");
    let written = people(&d).await;
    assert_eq!(people(&c).await, written, "gen writes the customers and contacts the capabilities write");
    // allow letter, SMS, email and phone, and not "do not call", are the defaults.
    assert!(written[..60].iter().any(|r| !r.contains("|1|1|1|1|0|")), "some customers have preferences of their own");
    let dates = service_dates(&d).await;
    assert_eq!(service_dates(&c).await, dates, "gen writes the service dates the capabilities keep");
    assert!(dates.iter().any(|(_, kind, ..)| kind.as_deref() == Some("routine")), "some came for a service");
    let count = |db: Db, table: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(db.pool())
            .await
            .unwrap()
    };
    for table in [
        "customers",
        "contacts",
        "vehicles",
        "service_visits",
        "mileage_readings",
        "timeline_events",
        "search_keys",
        "search_key_sets",
    ] {
        assert_eq!(count(c.clone(), table).await, count(d.clone(), table).await, "{table}");
    }
    assert!(count(d.clone(), "audit_log").await > 0, "each batch is audited");
});

on_both!(generated_customers_are_found_by_search, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    generate(&app.db, 500, 7, 8).await;
    let group = kefu_accounts::branches::all(&app.db).await.unwrap().into_iter().find(|b| b.code == "HXQC").unwrap();
    let all = Actor::system(Scope::new(vec![group.id]));
    let new = NewUser {
        username: "gen_agent".into(),
        display_name: "压测客服".into(),
        password: PASSWORD.into(),
        roles: vec![Role::Agent],
        branches: vec![group.id],
        locale: Lang::Zh,
    };
    users::create(&app.db, &all, new).await.unwrap();
    let client = app.login("gen_agent").await;
    let sample: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT c.id, c.customer_no, c.mobile, v.plate, v.vin FROM customers c JOIN vehicles v ON v.customer_id = c.id \
         WHERE v.plate IS NOT NULL ORDER BY c.id DESC LIMIT 5",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(sample.len(), 5);
    for (id, customer_no, mobile, plate, vin) in sample {
        for q in [
            customer_no,
            mobile,
            plate.clone(),
            plate.chars().skip(1).collect::<String>().to_lowercase(),
            vin[9..].to_string(),
        ] {
            let hits: Value =
                client.get(app.at("/api/v1/search")).query(&[("q", &q)]).send().await.unwrap().json().await.unwrap();
            let ids: Vec<i64> =
                hits.as_array().unwrap().iter().map(|h| h["customer"]["id"].as_i64().unwrap()).collect();
            assert!(ids.contains(&id), "{q:?} should find generated customer {id}, found {hits}");
        }
    }
    // A generated customer's 360° overview carries its vehicles and history.
    let id: i64 = sqlx::query_scalar("SELECT customer_id FROM service_visits ORDER BY id LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let o: Value =
        client.get(app.at(&format!("/api/v1/customers/{id}/overview"))).send().await.unwrap().json().await.unwrap();
    assert!(!o["vehicles"].as_array().unwrap().is_empty());
    assert!(o["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "visit"));
});
