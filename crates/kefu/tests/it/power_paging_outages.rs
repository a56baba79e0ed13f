//! The planned outages and the electricians' training sessions a page at a
//! time, on SQLite and on PostgreSQL (they used to stop silently at 500):
//! 50 to a page with the total, the pager's next link leading to the rest,
//! every row exactly once across the pages in the list's order, another
//! station's rows neither shown nor counted; the API answers them all, and
//! from its `offset`.

use crate::support::listing::{html, ids, link};
use crate::support::power::station_and_account;
use crate::support::*;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use kefu_core::ids::BranchId;
use kefu_core::time::BusinessZone;
use kefu_core::{Actor, Scope};
use kefu_power::outages::{self, NewOutage};
use kefu_power::training;

/// Rows of store A's list: more than a page.
const ROWS: i64 = 55;

/// The ids an API list answers, in order.
async fn api_ids(client: &reqwest::Client, app: &TestApp, path: &str) -> Vec<i64> {
    let list = get_json(client, app.at(path)).await;
    list.as_array().unwrap_or_else(|| panic!("{path}: {list}")).iter().map(|o| o["id"].as_i64().unwrap()).collect()
}

/// Reads a list of `expected` rows (ids in the list's order, more than a
/// page) on its page at `path` and from its API at `api`, as store A's
/// agent sees them.
async fn pages_and_api_show_all(app: &TestApp, (path, attr, api): (&str, &str, &str), expected: &[i64]) {
    let agent = app.login("agent_a").await;
    let total = expected.len();
    let first = html(&agent, app.at(path)).await;
    assert_eq!(ids(&first, attr), expected[..50], "the first page: the first 50, latest first");
    assert!(first.contains(&format!("1–50 / {total}")), "the page says the total");
    assert!(!first.contains("pager-prev"), "nothing before the first page");
    let next = link(&first, "next").expect("the next page offered");
    assert_eq!(next, format!("{path}?offset=50"));
    let second = html(&agent, app.at(&next)).await;
    assert_eq!(ids(&second, attr), expected[50..], "the second page: the rest, none twice");
    assert!(second.contains(&format!("51–{total} / {total}")) && second.contains("pager-prev"));
    assert_eq!(link(&second, "next"), None, "the last page");
    // Garbage reads as the first page.
    let garbled = html(&agent, app.at(&format!("{path}?offset=abc"))).await;
    assert_eq!(ids(&garbled, attr), expected[..50]);

    assert_eq!(api_ids(&agent, app, api).await, expected, "the API answers them all");
    assert_eq!(api_ids(&agent, app, &format!("{api}?offset=50")).await, expected[50..]);
    assert_eq!(api_ids(&agent, app, &format!("{api}?offset={total}")).await, Vec::<i64>::new(), "past the end");
}

/// Store B's agent sees only store B's `theirs`, on a page without a pager.
async fn the_other_station_sees_its_own(app: &TestApp, (path, attr, api): (&str, &str, &str), theirs: &[i64]) {
    let agent_b = app.login("agent_b").await;
    let page = html(&agent_b, app.at(path)).await;
    assert_eq!(ids(&page, attr), theirs);
    assert!(!page.contains(r#"data-testid="pager""#), "one page needs no pager");
    assert_eq!(api_ids(&agent_b, app, api).await, theirs);
}

/// Latest first: by day, then the newer of a day.
fn latest_first(mut rows: Vec<(Date, i64)>) -> Vec<i64> {
    rows.sort_by(|a, b| b.cmp(a));
    rows.into_iter().map(|(_, id)| id).collect()
}

/// `n` outages of the station's account `account`, over 20 days from
/// 1 December 2026 (several a day); their (first day, id).
async fn outages_of(app: &TestApp, station: BranchId, account: &str, n: i64) -> Vec<(Date, i64)> {
    let actor = Actor::system(Scope::new(vec![station]));
    let zone = BusinessZone::shanghai();
    let mut made = Vec::new();
    for i in 0..n {
        let starts: Timestamp = "2026-12-01T00:00:00Z".parse::<Timestamp>().unwrap() + ((i % 20) * 24).hours();
        let new = NewOutage {
            station: station.0,
            equipment_kind: "feeder".into(),
            equipment: format!("10kV青山线{i}号杆"),
            starts_at: Some(starts),
            ends_at: Some(starts + 8.hours()),
            reason: "线路检修".into(),
            accounts: account.into(),
        };
        let o = outages::request(&app.db, &actor, &zone, &new, start_instant()).await.unwrap();
        made.push((o.start_day, o.id));
    }
    made
}

on_both!(the_outages_come_a_page_at_a_time_and_the_api_answers_them_all, |backend| async move {
    let app = TestApp::start(backend).await;
    let ours = station_and_account(&app, (app.fx.store_a, "3101"), app.fx.customer_a, (1, "DTZY-3101000001")).await;
    let theirs = station_and_account(&app, (app.fx.store_b, "3102"), app.fx.customer_b, (1, "DTZY-3102000001")).await;
    let expected = latest_first(outages_of(&app, app.fx.store_a, &ours, ROWS).await);
    let other = latest_first(outages_of(&app, app.fx.store_b, &theirs, 3).await);
    let list = ("/power/outages", "outage", "/api/v1/power/outages");
    pages_and_api_show_all(&app, list, &expected).await;
    the_other_station_sees_its_own(&app, list, &other).await;
});

/// `n` sessions of the station over 20 days of 2026 (several a day); their
/// (day, id).
async fn sessions_of(app: &TestApp, station: BranchId, n: i64) -> Vec<(Date, i64)> {
    let actor = Actor::system(Scope::new(vec![station]));
    let mut made = Vec::new();
    for i in 0..n {
        let day = jiff::civil::date(2026, 10, 1) + (i % 20).days();
        let s =
            training::add_session(&app.db, &actor, station, day, &format!("安全规程第{i}讲"), "韦工", start_instant())
                .await
                .unwrap();
        made.push((s.held_on, s.id));
    }
    made
}

on_both!(the_training_sessions_come_a_page_at_a_time_and_the_api_answers_them_all, |backend| async move {
    let app = TestApp::start(backend).await;
    let expected = latest_first(sessions_of(&app, app.fx.store_a, ROWS).await);
    let other = latest_first(sessions_of(&app, app.fx.store_b, 3).await);
    let list = ("/power/training", "session", "/api/v1/power/training/sessions");
    pages_and_api_show_all(&app, list, &expected).await;
    the_other_station_sees_its_own(&app, list, &other).await;
});
