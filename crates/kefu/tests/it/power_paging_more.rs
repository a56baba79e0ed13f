//! Three more power lists a page at a time, on SQLite and on PostgreSQL:
//! the connection applications (业扩报装), the analysis meetings' open
//! actions and the payments of a cashier's day once showed at most 2,000,
//! 500 and 200 rows and hid the rest without a word; now a page shows 50
//! and says how many there are in all, its pager leads through every row
//! exactly once keeping the list's filters, the applications' overdue count
//! is the whole list's, and the applications' API gives every one (at most
//! 1,000 a request) from the offset asked.

use crate::power_readings::{Acct, county, number};
use crate::support::listing::{assert_all_once, html, ids, link, marks};
use crate::support::*;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Actor, Scope};
use kefu_power::connections::store::{self as connections, NewApplication};
use kefu_power::indicators::meetings::{self, Minutes};
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

/// More rows than a page holds.
const ROWS: usize = 55;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

fn api_ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap_or_else(|| panic!("{list}")).iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

/// A residential new connection at store A (station 3101), received on `on`.
async fn application(app: &TestApp, on: Date) -> connections::Application {
    let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let new = NewApplication {
        kind: "new".into(),
        customer: app.fx.customer_a.0,
        station: Some(app.fx.store_a.0),
        usage_class: "residential".into(),
        voltage: "220v".into(),
        capacity_kva: Some(8),
        supply_address: "青山镇龙岩村3组12号".into(),
        received_on: Some(on),
        ..Default::default()
    };
    connections::create(&app.db, &actor, &new, app.db.now(), day("2026-11-29")).await.unwrap()
}

on_both!(the_applications_come_a_page_at_a_time_keeping_their_filters, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    crate::support::power::station(&app, (app.fx.store_a, "3101")).await;
    // Received in early November, their supply plan is past its three
    // working days by today, 29 November; five received on Friday the
    // 27th are not.
    let mut overdue = Vec::new();
    for i in 0..ROWS {
        let a = application(&app, day("2026-11-02") + (i as i64 % 15).days()).await;
        overdue.push((a.next_due.unwrap(), a.id));
    }
    let mut on_time = Vec::new();
    for _ in 0..5 {
        let a = application(&app, day("2026-11-27")).await;
        on_time.push((a.next_due.unwrap(), a.id));
    }
    overdue.sort();
    on_time.sort();
    let by_deadline: Vec<i64> = overdue.iter().map(|(_, id)| *id).collect();
    let every: Vec<i64> = overdue.iter().chain(&on_time).map(|(_, id)| *id).collect();
    let all = every.len();

    let agent = app.login("agent_a").await;
    // The whole list: a page, its length in all and all of it overdue but five.
    let first = html(&agent, app.at("/power/applications")).await;
    assert_eq!(ids(&first, "application").len(), 50, "a page shows 50");
    assert!(first.contains(&format!("1–50 / {all}")), "and says how many there are");
    let summary = &first[first.find("data-testid=\"power-applications-count\">").unwrap()..];
    let summary = &summary[summary.find('>').unwrap() + 1..summary.find("</p>").unwrap()];
    assert!(summary.starts_with(&format!("{all} · ")) && summary.ends_with(&format!(" {ROWS}")), "{summary}");
    let second = html(&agent, app.at(&link(&first, "next").expect("the next page offered"))).await;
    assert_all_once(&ids(&first, "application"), &ids(&second, "application"), &every);

    // Only the overdue ones at store A, for their next step: the filters
    // stay in the pager's links.
    let station = app.fx.store_a.0;
    let filtered = format!("/power/applications?station={station}&step=supply_plan&overdue=1");
    let first = html(&agent, app.at(&filtered)).await;
    let on_first = ids(&first, "application");
    assert_eq!(on_first.len(), 50);
    assert!(first.contains(&format!("1–50 / {ROWS}")), "the overdue ones in all");
    assert_eq!(link(&first, "prev"), None);
    let next = link(&first, "next").expect("the next page offered");
    assert_eq!(next, format!("/power/applications?station={station}&step=supply_plan&overdue=1&offset=50"));
    let second = html(&agent, app.at(&next)).await;
    let on_second = ids(&second, "application");
    assert!(second.contains(&format!("51–{ROWS} / {ROWS}")), "the rest");
    assert_eq!(second.matches("data-overdue=\"1\"").count(), ROWS - 50, "every one overdue");
    assert_eq!(link(&second, "next"), None, "the last page");
    assert_eq!(link(&second, "prev"), Some(format!("{filtered}&offset=0")), "and the way back");
    assert_all_once(&on_first, &on_second, &by_deadline);

    // The API gives them all from the offset asked, filtered as the page.
    assert_eq!(api_ids(&get_json(&agent, app.at("/api/v1/power/applications")).await), every);
    let rest = get_json(&agent, app.at("/api/v1/power/applications?offset=50")).await;
    assert_eq!(api_ids(&rest), every[50..]);
    let late = get_json(&agent, app.at("/api/v1/power/applications?overdue=1&offset=10")).await;
    assert_eq!(api_ids(&late), by_deadline[10..]);

    // The workbook is the whole list, not the page.
    let res = agent.get(app.at("/power/applications.xlsx?offset=50")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(first_sheet_rows(&res.bytes().await.unwrap()).len() - 1, all);
});

on_both!(the_meetings_open_actions_come_a_page_at_a_time, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    let today = day("2026-11-29");
    let (a, b) = (Actor::system(Scope::new(vec![app.fx.store_a])), Actor::system(Scope::new(vec![app.fx.store_b])));
    let minutes = Minutes { held_on: "2026-11-28".into(), attendees: "各所所长".into(), notes: String::new() };
    meetings::save(&app.db, &a, "2026-11", &minutes, today).await.unwrap();
    meetings::save(&app.db, &b, "2026-11", &minutes, today).await.unwrap();
    // Three more than the open ones are done, and store B has its own.
    let mut open = Vec::new();
    for i in 0..ROWS + 3 {
        let due = (day("2026-11-10") + (i as i64 % 40).days()).to_string();
        let m = meetings::add_action(&app.db, &a, "2026-11", (&format!("措施 {i}"), "计量班", &due), today).await;
        let id = m.unwrap().actions.iter().map(|x| x.id).max().unwrap();
        if i % 20 == 7 {
            meetings::complete_action(&app.db, &a, "2026-11", id, today).await.unwrap();
        } else {
            open.push((due, id));
        }
    }
    meetings::add_action(&app.db, &b, "2026-11", ("乙所措施", "乙所所长", "2026-11-01"), today).await.unwrap();
    open.sort();
    let earliest_first: Vec<i64> = open.iter().map(|(_, id)| *id).collect();
    assert_eq!(earliest_first.len(), ROWS);

    let manager = app.login("manager_a").await;
    let first = html(&manager, app.at("/power/indicators/actions")).await;
    let on_first = ids(&first, "action");
    assert_eq!(on_first.len(), 50, "a page shows 50");
    assert!(first.contains(&format!("1–50 / {ROWS}")), "and says how many there are");
    assert_eq!(link(&first, "prev"), None);
    let next = link(&first, "next").expect("the next page offered");
    assert_eq!(next, "/power/indicators/actions?offset=50");
    let second = html(&manager, app.at(&next)).await;
    let on_second = ids(&second, "action");
    assert!(second.contains(&format!("51–{ROWS} / {ROWS}")), "the rest");
    assert_eq!(link(&second, "next"), None, "the last page");
    assert_eq!(link(&second, "prev").as_deref(), Some("/power/indicators/actions?offset=0"), "and the way back");
    assert_all_once(&on_first, &on_second, &earliest_first);
});

/// `count` payments of 1.00 taken at the counter on `on`, kept prepaid:
/// their receipt numbers.
async fn pay(app: &TestApp, on: &str, count: usize) -> Vec<String> {
    app.clock.set(jiff::tz::TimeZone::UTC.to_timestamp(day(on).at(1, 0, 0, 0)).unwrap());
    let (cashier, csrf) = app.signed_in("cashier_a").await;
    let mut receipts = Vec::new();
    for _ in 0..count {
        let body = json!({"account_no": number(1), "amount": "1.00", "prepaid": true});
        let (status, r) = post_json(&cashier, &csrf, app.at("/api/v1/power/payments"), body).await;
        assert_eq!(status, 201, "{r}");
        receipts.push(r["receipt_no"].as_str().unwrap().to_string());
    }
    receipts
}

on_both!(a_cashiers_day_of_payments_comes_a_page_at_a_time_keeping_the_day, |backend| async move {
    let app = county(backend, &[Acct { serial: 1, tariff: "gx-res-1", meters: vec![] }]).await;
    // The day before has three of its own; the day's are listed latest first.
    let before = pay(&app, "2026-11-28", 3).await;
    let mut of_day = pay(&app, "2026-11-29", ROWS).await;
    of_day.reverse();

    let (cashier, _) = app.signed_in("cashier_a").await;
    let first = html(&cashier, app.at("/power/day-close")).await;
    let on_first = marks(&first, "receipt");
    assert_eq!(on_first.len(), 50, "a page shows 50");
    assert!(first.contains(&format!("1–50 / {ROWS}")), "and says how many there are");
    assert_eq!(link(&first, "prev"), None);
    let next = link(&first, "next").expect("the next page offered");
    assert_eq!(next, "/power/day-close?day=2026-11-29&offset=50", "the day kept");
    let second = html(&cashier, app.at(&next)).await;
    let on_second = marks(&second, "receipt");
    assert!(second.contains(&format!("51–{ROWS} / {ROWS}")), "the rest");
    assert_eq!(link(&second, "next"), None, "the last page");
    assert_eq!(link(&second, "prev").as_deref(), Some("/power/day-close?day=2026-11-29&offset=0"));
    assert_all_once(&on_first, &on_second, &of_day);

    // The day before: its three, on one page without a pager.
    let earlier = html(&cashier, app.at("/power/day-close?day=2026-11-28")).await;
    assert_eq!(marks(&earlier, "receipt"), before.into_iter().rev().collect::<Vec<_>>());
    assert!(!earlier.contains("data-testid=\"pager\""));
});
