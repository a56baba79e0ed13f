//! The property-management pack's remaining gaps, on SQLite and on
//! PostgreSQL: opinion visits as tasks of the common call queue, given by
//! building and recorded from the call's page; the complaint summary and
//! the estate's monthly report counting the estate's own categories and
//! departments; each action shown only to a role that may use it; the
//! long lists a page at a time.

use crate::estate::house_of;
use crate::support::*;
use kefu_accounts::users::{self, NewUser};
use kefu_core::access::Role;
use kefu_core::ids::BranchId;
use kefu_core::time::Clock;
use kefu_core::{Actor, Lang, Scope};
use kefu_estate::archive::{self, NewHouse};
use kefu_estate::houses::{Area, HouseKind, HouseNo, HouseState};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

fn estate_pack() -> Enabled {
    Enabled::select(&["estate"]).unwrap()
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// The visit task of the plan's only visit: its id, status, assignee, due day.
async fn visit_task(app: &TestApp) -> (i64, String, Option<i64>, String) {
    let r = sqlx::query_as::<_, (i64, String, Option<i64>, String)>(
        "SELECT id, status, claimed_by, due_date FROM outreach_tasks WHERE playbook = 'estate_opinion_visit' \
         AND channel = 'call'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(r.len(), 1, "one task a visit: {r:?}");
    r[0].clone()
}

on_both!(opinion_visits_are_tasks_of_the_call_queue_given_by_building, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let form =
        [("_csrf", manager_csrf.as_str()), ("estate", "TA"), ("starts_on", "2026-01-01"), ("ends_on", "2026-12-31")];
    let res = manager.post(app.at("/estate/visit-plans")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let plan: i64 = sqlx::query_scalar("SELECT id FROM estate_visit_plans").fetch_one(app.db.pool()).await.unwrap();
    let (visit, building): (i64, i64) =
        sqlx::query_as("SELECT id, building_id FROM estate_opinion_visits").fetch_one(app.db.pool()).await.unwrap();

    // The building went to the estate's first agent, whose task it is,
    // due today (the plan started before today).
    let (agent_a, agent_en) = (user_id(&app, "agent_a").await, user_id(&app, "agent_en").await);
    let (task, status, claimed_by, due) = visit_task(&app).await;
    let today = kefu_core::time::BusinessZone::shanghai().date_of(app.clock.now()).to_string();
    assert_eq!((status.as_str(), claimed_by, due.as_str()), ("claimed", Some(agent_a), today.as_str()));
    let agent = app.login("agent_a").await;
    let queue = agent.get(app.at("/outreach/calls")).send().await.unwrap().text().await.unwrap();
    assert!(queue.contains(&format!("/outreach/calls/{task}")) && queue.contains("上门征求业户意见"), "{queue}");
    let call = agent.get(app.at(&format!("/outreach/calls/{task}"))).send().await.unwrap().text().await.unwrap();
    assert!(call.contains("estate-call-visit-form") && call.contains("3-2-1502"), "the visit's form: {call}");

    // A manager gives the building to another agent: the task moves with it.
    let user = agent_en.to_string();
    let building = building.to_string();
    let form = [("_csrf", manager_csrf.as_str()), ("building", building.as_str()), ("user", user.as_str())];
    let res = manager.post(app.at(&format!("/estate/visit-plans/{plan}/assign"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(visit_task(&app).await.2, Some(agent_en));

    // Recorded from the call's page: the visit holds what the owner said,
    // the task is done, and the queue no longer lists it.
    let (en, en_csrf) = app.signed_in("agent_en").await;
    let form = [
        ("_csrf", en_csrf.as_str()),
        ("back", "calls"),
        ("opinions", "电梯保养及时"),
        ("suggestions", "增加儿童游乐设施"),
        ("satisfaction", "0"),
    ];
    let res = en.post(app.at(&format!("/estate/opinion-visits/{visit}"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422, "a score from 1 to 5");
    assert_eq!(visit_task(&app).await.1, "claimed", "nothing half-written");
    let mut form = form;
    form[4] = ("satisfaction", "5");
    let res = en.post(app.at(&format!("/estate/opinion-visits/{visit}"))).form(&form).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/outreach/calls"));
    let (_, status, _, _) = visit_task(&app).await;
    assert_eq!(status, "done");
    let outcome: String = sqlx::query_scalar("SELECT outcome FROM outreach_tasks WHERE id = $1")
        .bind(task)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(outcome, "satisfied");
    let p = get_json(&en, app.at(&format!("/api/v1/estate/visit-plans/{plan}"))).await;
    assert_eq!((p["done"].as_i64(), p["completion_bp"].as_i64()), (Some(1), Some(10_000)), "{p}");
    let page = en.get(app.at(&format!("/estate/opinion-visits/{visit}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("增加儿童游乐设施"), "{page}");
    let queue = en.get(app.at("/outreach/calls")).send().await.unwrap().text().await.unwrap();
    assert!(!queue.contains(&format!("/outreach/calls/{task}")), "done, off the queue");
    // Another estate's agent does not see the call.
    let other = app.login("agent_b").await;
    assert_eq!(other.get(app.at(&format!("/outreach/calls/{task}"))).send().await.unwrap().status(), 404);
});

on_both!(the_complaint_summary_and_the_estate_report_count_the_estates_categories, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let intake = app.at(&format!("/api/v1/customers/{}/complaints", app.fx.customer_a));
    let filed = [("estate_repairs", "engineering"), ("estate_repairs", "engineering"), ("estate_fees", "finance")];
    let mut ids = Vec::new();
    for (category, department) in filed {
        let body = json!({ "source": "call", "category": category, "severity": "normal", "department": department,
                           "subject": "楼道漏水一周无人处理", "detail": "3幢2单元楼道顶部渗水" });
        let (status, c) = post_json(&manager, &csrf, intake.clone(), body).await;
        assert_eq!(status, 201, "{c}");
        ids.push(c["id"].as_i64().unwrap());
    }
    let (status, _) = post_json(
        &manager,
        &csrf,
        app.at(&format!("/api/v1/complaints/{}/measures", ids[0])),
        json!({ "corrective": "更换渗水管段", "preventive": "每季度巡检楼道管道" }),
    )
    .await;
    assert_eq!(status, 200);
    let month = kefu_core::time::BusinessZone::shanghai().date_of(app.clock.now()).strftime("%Y-%m").to_string();
    let s = get_json(&manager, app.at(&format!("/api/v1/complaints/summary?month={month}"))).await;
    let count = |list: &Value, code: &str| {
        list.as_array().unwrap().iter().find(|p| p[0] == code).map(|p| p[1].as_i64().unwrap())
    };
    let of = |c: &str| filed.iter().filter(|(x, _)| *x == c).count() as i64;
    let by_department = |d: &str| filed.iter().filter(|(_, x)| *x == d).count() as i64;
    assert_eq!(s["received"].as_i64(), Some(filed.len() as i64), "{s}");
    assert_eq!(count(&s["by_category"], "estate_repairs"), Some(of("estate_repairs")), "{s}");
    assert_eq!(count(&s["by_category"], "estate_fees"), Some(of("estate_fees")));
    assert_eq!(count(&s["by_department"], "engineering"), Some(by_department("engineering")));
    assert_eq!(count(&s["by_department"], "finance"), Some(by_department("finance")));
    let page = manager.get(app.at(&format!("/complaints/summary?month={month}"))).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("收费") && page.contains("工程"), "the page names them too: {page}");

    // The estate's monthly report: the complaints by its own categories,
    // with their measures; the repairs and visits beside them.
    let report =
        manager.get(app.at(&format!("/estate/estates/TA/report?month={month}"))).send().await.unwrap().text().await;
    let report = report.unwrap();
    for part in ["更换渗水管段", "每季度巡检楼道管道", "业户意见走访", "报修"] {
        assert!(report.contains(part), "{part} in the report");
    }
    let xlsx = manager.get(app.at(&format!("/estate/estates/TA/report.xlsx?month={month}"))).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
});

/// A user of store A with only `role`.
async fn user_with(app: &TestApp, username: &str, role: Role) {
    let all = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let user = NewUser {
        username: username.into(),
        display_name: username.into(),
        password: PASSWORD.into(),
        roles: vec![role],
        branches: vec![app.fx.store_a],
        locale: Lang::Zh,
    };
    users::create(&app.db, &all, user).await.unwrap();
}

on_both!(each_action_shows_only_to_a_role_that_may_use_it, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    let house = house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    user_with(&app, "cashier_a", Role::Cashier).await;
    user_with(&app, "reader_a", Role::MeterReader).await;
    let (agent, _) = app.signed_in("agent_a").await;
    let (cashier, cashier_csrf) = app.signed_in("cashier_a").await;
    let reader = app.login("reader_a").await;
    let house_page = format!("/estate/houses/{house}");
    let for_agent = agent.get(app.at(&house_page)).send().await.unwrap().text().await.unwrap();
    assert!(for_agent.contains("estate-repair-link-form"), "an agent issues the owner's repair link");
    for client in [&cashier, &reader] {
        let shown = client.get(app.at(&house_page)).send().await.unwrap().text().await.unwrap();
        assert!(!shown.contains("estate-repair-link-form") && !shown.contains("/estate/repairs/new"), "{shown}");
        let estate = client.get(app.at("/estate/estates/TA")).send().await.unwrap().text().await.unwrap();
        assert!(!estate.contains("/estate/estates/TA/visitors") && !estate.contains("/estate/estates/TA/fees"));
    }
    // What the page offers the cashier, the cashier may do: take a payment.
    let shown = cashier.get(app.at(&house_page)).send().await.unwrap().text().await.unwrap();
    assert!(shown.contains("estate-payment-form"));
    let reader_page = reader.get(app.at(&house_page)).send().await.unwrap().text().await.unwrap();
    assert!(!reader_page.contains("estate-payment-form"), "no payments for a meter reader");
    // And the routes behind the hidden buttons refuse them.
    let res = cashier
        .post(app.at(&format!("/estate/houses/{house}/repair-link")))
        .form(&[("_csrf", cashier_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let estate = agent.get(app.at("/estate/estates/TA")).send().await.unwrap().text().await.unwrap();
    assert!(estate.contains("/estate/estates/TA/visitors"), "an agent has the desk");
});

/// `n` more rooms of building 3 in estate TA (made by `house_of`).
async fn rooms(app: &TestApp, branch: BranchId, n: usize) {
    let actor = Actor::system(Scope::new(vec![branch]));
    let mut tx = app.db.begin().await.unwrap();
    let houses = (1..=n)
        .map(|i| NewHouse {
            number: HouseNo::parse("house", &format!("3-1-{}{:02}", 1 + i / 4, i % 4 + 1)).unwrap(),
            kind: HouseKind::Residence,
            state: HouseState::Occupied,
            building_area: Area::parse("area", "88.00").unwrap(),
            interior_area: Area::parse("area", "70.00").unwrap(),
            billed_from: None,
            residents: Vec::new(),
            documents: Vec::new(),
        })
        .collect();
    archive::insert_in(&mut tx, branch, houses, app.clock.now()).await.unwrap();
    let change = Change {
        entity: "estate_house",
        entity_id: "3-1".into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
}

/// The rows of the table marked `testid` on a page.
fn rows_of(page: &str, testid: &str) -> usize {
    let table = page.split(&format!(r#"data-testid="{testid}""#)).nth(1).map(|t| t.split("</table>").next().unwrap());
    table.map_or(0, |t| t.matches("<tr").count().saturating_sub(1))
}

on_both!(long_estate_lists_come_a_page_at_a_time, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let added = 60;
    rooms(&app, app.fx.store_a, added).await;
    let total = added + 1; // and 3-2-1502
    let building: i64 = sqlx::query_scalar("SELECT id FROM estate_buildings").fetch_one(app.db.pool()).await.unwrap();
    let (agent, csrf) = app.signed_in("agent_a").await;
    let first = agent.get(app.at(&format!("/estate/buildings/{building}"))).send().await.unwrap().text().await.unwrap();
    assert_eq!(rows_of(&first, "estate-houses"), 50, "a page of 50");
    let next = format!("/estate/buildings/{building}?offset=50");
    assert!(first.contains("offset=50") && first.contains("pager-next") && !first.contains("pager-prev"));
    let second = agent.get(app.at(&next)).send().await.unwrap().text().await.unwrap();
    assert_eq!(rows_of(&second, "estate-houses"), total - 50, "the rest");
    assert!(second.contains("pager-prev") && !second.contains("pager-next"));
    // Blank and garbage offsets.
    let res = agent.get(app.at(&format!("/estate/buildings/{building}?offset="))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let res = agent.get(app.at(&format!("/estate/buildings/{building}?offset=x"))).send().await.unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());

    // The repairs list, newest first, a page at a time.
    let reported = 51;
    for i in 0..reported {
        let body = json!({ "estate": "TA", "place": "public", "location": format!("路灯{i}号"), "category": "public_facility",
                           "source": "desk", "reporter": "张伟", "phone": "13800001111", "description": "路灯不亮" });
        let (status, r) = post_json(&agent, &csrf, app.at("/api/v1/estate/repairs"), body).await;
        assert_eq!(status, 200, "{r}");
    }
    let list = agent.get(app.at("/estate/repairs?estate=TA")).send().await.unwrap().text().await.unwrap();
    assert_eq!(rows_of(&list, "estate-repairs"), 50);
    assert!(list.contains(&format!("路灯{}号", reported - 1)) && !list.contains("路灯0号"), "newest first");
    let more = agent.get(app.at("/estate/repairs?estate=TA&offset=50")).send().await.unwrap().text().await.unwrap();
    assert_eq!(rows_of(&more, "estate-repairs"), reported - 50);
    assert!(more.contains("路灯0号"));
});

/// How many rows `sql` counts.
async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(app.db.pool()).await.unwrap()
}

on_both!(gen_writes_a_consistent_company_through_the_bulk_loader, |backend| async move {
    use kefu_pack::Pack;
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    let n = 1_234;
    let scale = kefu_pack::Scale { customers: n, seed: 11, today, branches: 0 };
    let demo = kefu_estate::pack::ESTATE.demo().unwrap();
    let made = demo.generate(&app.db, scale, &()).await.unwrap();
    assert!(made.summary.contains(&format!("{n} 套房屋")), "{}", made.summary);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM estate_houses").await, n as i64);
    // Every resident is a customer of the house's estate; every car stands
    // on a parking space of its own estate; every resident is found by the
    // house's number.
    let bad = "SELECT COUNT(*) FROM estate_residents r JOIN estate_houses h ON h.id = r.house_id \
               LEFT JOIN customers c ON c.id = r.customer_id WHERE c.id IS NULL OR c.branch_id <> h.branch_id";
    assert_eq!(count(&app, bad).await, 0, "residents agree with their estates");
    let bad = "SELECT COUNT(*) FROM estate_vehicles v JOIN estate_houses h ON h.id = v.house_id \
               LEFT JOIN estate_houses s ON s.id = v.space_id \
               WHERE v.space_id IS NOT NULL AND (s.id IS NULL OR s.kind <> 'parking_space' OR s.branch_id <> h.branch_id)";
    assert_eq!(count(&app, bad).await, 0, "cars on spaces of their estate");
    let unfound = "SELECT COUNT(*) FROM estate_residents r JOIN estate_houses h ON h.id = r.house_id \
                   WHERE NOT EXISTS (SELECT 1 FROM search_keys k WHERE k.customer_id = r.customer_id \
                   AND k.source = 'estate_resident:' || r.id AND k.key LIKE '%' || h.number)";
    assert_eq!(count(&app, unfound).await, 0, "each resident found by the house's number");
    let people = count(&app, "SELECT COUNT(DISTINCT customer_id) FROM estate_residents").await;
    assert_eq!(people, count(&app, "SELECT COUNT(*) FROM customers WHERE source = '业户档案'").await);
    // The month's bills: one a house billed, as the run found them.
    let billed = count(&app, "SELECT COUNT(*) FROM estate_houses WHERE billed_from IS NOT NULL").await;
    assert_eq!(count(&app, "SELECT COUNT(DISTINCT house_id) FROM estate_bills").await, billed);
    // The ids carry on after the load (PostgreSQL's sequences too).
    let id = app.customer_in(app.fx.store_a, "周杰", "13912345678").await;
    assert!(id.0 > count(&app, "SELECT MAX(customer_id) FROM estate_residents").await);
    let agent = app.login("admin").await;
    let house: String =
        sqlx::query_scalar("SELECT number FROM estate_houses WHERE kind = 'residence' ORDER BY id LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let hits = get_json(&agent, app.at(&format!("/api/v1/search?q={house}"))).await;
    assert!(!hits.as_array().unwrap().is_empty(), "{house} found: {hits}");
    assert!(demo.generate(&app.db, scale, &()).await.is_err(), "a second company is refused");
});
