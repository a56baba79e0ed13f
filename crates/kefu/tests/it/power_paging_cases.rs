//! The inspection lists a page at a time, on SQLite and on PostgreSQL: the
//! suspensions of supply and a month's inspection plans once showed at most
//! 500 and 1,000 rows and hid the rest without a word; now a page shows 50
//! and says how many there are in all, its pager leads through every row
//! exactly once keeping the month asked for, and the workbooks hold them all.

use crate::power_inspections::{NUMBER, station};
use crate::support::listing::{assert_all_once, html, ids, link};
use crate::support::*;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Actor, Scope};
use kefu_power::cases::{plans, suspensions};
use kefu_web::packs::Enabled;
use std::collections::BTreeSet;

/// More rows than a page holds.
const ROWS: i64 = 55;

async fn start(backend: Backend) -> TestApp {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    app
}

fn actor(app: &TestApp) -> Actor {
    Actor::system(Scope::new(vec![app.fx.store_a]))
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

async fn workbook(client: &reqwest::Client, url: String) -> usize {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    first_sheet_rows(&res.bytes().await.unwrap()).len() - 1
}

on_both!(the_suspensions_come_a_page_at_a_time_and_none_is_hidden, |backend| async move {
    let app = start(backend).await;
    let actor = actor(&app);
    // Two a day, so the order within a day (the newest asked first) counts.
    let mut made = Vec::new();
    for i in 0..ROWS {
        let on = day("2026-09-01") + (i / 2).days();
        let r = suspensions::Request {
            account_no: NUMBER.into(),
            reason: format!("安全隐患 {i}"),
            notice: "书面通知".into(),
            noticed_on: Some(on),
            suspend_on: Some(on),
        };
        made.push((on, suspensions::request(&app.db, &actor, &r, start_instant()).await.unwrap()));
    }
    made.sort_by(|a, b| b.cmp(a));
    let newest_first: Vec<i64> = made.iter().map(|(_, id)| *id).collect();

    let inspector = app.login("inspector_a").await;
    let first = html(&inspector, app.at("/power/suspensions")).await;
    let on_first = ids(&first, "suspension");
    assert_eq!(on_first.len(), 50, "a page shows 50");
    assert!(first.contains(&format!("1–50 / {ROWS}")), "and says how many there are");
    assert_eq!(link(&first, "prev"), None);
    let next = link(&first, "next").expect("the next page offered");
    assert_eq!(next, "/power/suspensions?offset=50");

    let second = html(&inspector, app.at(&next)).await;
    let on_second = ids(&second, "suspension");
    assert!(second.contains(&format!("51–{ROWS} / {ROWS}")), "the rest");
    assert_eq!(link(&second, "next"), None, "the last page");
    assert_eq!(link(&second, "prev").as_deref(), Some("/power/suspensions?offset=0"), "and the way back");
    assert_all_once(&on_first, &on_second, &newest_first);

    assert_eq!(workbook(&inspector, app.at("/power/suspensions.xlsx")).await, ROWS as usize, "the workbook has all");
});

on_both!(a_months_inspection_plans_come_a_page_at_a_time_keeping_the_month, |backend| async move {
    let app = start(backend).await;
    let actor = actor(&app);
    let now = start_instant();
    let mut november = Vec::new();
    for i in 0..ROWS {
        let due = day("2026-11-01") + (i % 30).days();
        let subject = plans::SUBJECTS[i as usize % plans::SUBJECTS.len()];
        november.push((due, plans::create(&app.db, &actor, NUMBER, subject, due, now).await.unwrap()));
    }
    // Plans of the months around it are not November's.
    let mut others = BTreeSet::new();
    for due in ["2026-10-31", "2026-12-01"] {
        others.insert(plans::create(&app.db, &actor, NUMBER, "capacity", day(due), now).await.unwrap());
    }
    november.sort();
    let by_due: Vec<i64> = november.iter().map(|(_, id)| *id).collect();
    // A visit to the last plan is shown with it, on the second page.
    let last = *by_due.last().unwrap();
    let visit =
        plans::Visit { inspected_on: day("2026-11-29"), result: "defect", findings: "计量箱锈蚀", case: None };
    plans::record(&app.db, &actor, last, &visit, now).await.unwrap();

    let inspector = app.login("inspector_a").await;
    let first = html(&inspector, app.at("/power/inspections?month=2026-11")).await;
    let on_first = ids(&first, "plan");
    assert_eq!(on_first.len(), 50, "a page shows 50");
    assert!(first.contains(&format!("1–50 / {ROWS}")), "and says how many the month has");
    assert!(!first.contains("计量箱锈蚀"), "the visit is the second page's");
    let next = link(&first, "next").expect("the next page offered");
    assert_eq!(next, "/power/inspections?month=2026-11&offset=50", "the month kept");
    // This month by default: the same page, its month named in the link.
    let default = html(&inspector, app.at("/power/inspections")).await;
    assert_eq!((ids(&default, "plan"), link(&default, "next")), (on_first.clone(), Some(next.clone())));

    let second = html(&inspector, app.at(&next)).await;
    let on_second = ids(&second, "plan");
    assert!(second.contains(&format!("51–{ROWS} / {ROWS}")), "the rest");
    assert!(second.contains("计量箱锈蚀"), "with its visit");
    assert_eq!(link(&second, "next"), None, "the last page");
    assert_eq!(link(&second, "prev").as_deref(), Some("/power/inspections?month=2026-11&offset=0"));
    assert_all_once(&on_first, &on_second, &by_due);
    assert!(on_first.iter().chain(&on_second).all(|id| !others.contains(id)), "another month's plan listed");

    let rows = workbook(&inspector, app.at("/power/inspections.xlsx?month=2026-11")).await;
    assert_eq!(rows, ROWS as usize, "the workbook has the month's every plan, one row each");
});
