//! The property-management pack's operations, on SQLite and on PostgreSQL:
//! repairs as work orders with their category's deadlines and escalation,
//! an in-house repair's charge left for the house's next bill, the 回访
//! call the day after completion and its outcome on the repair, bad input
//! refused by field, and who may reach the new routes; owners' complaints
//! under the estate's categories and departments, closed only with their
//! corrective and preventive measures; an opinion-visit plan's coverage
//! and completion.

use crate::estate::house_of;
use crate::support::*;
use jiff::SignedDuration;
use kefu_core::time::{Clock, instant_text};
use kefu_core::{Actor, Scope};
use kefu_estate::archive::{self, NewHouse};
use kefu_estate::houses::{Area, HouseKind, HouseNo, HouseState};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

fn estate_pack() -> Enabled {
    Enabled::select(&["estate"]).unwrap()
}

fn everyone(app: &TestApp) -> Actor {
    Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]))
}

/// A report through the API by `client`: the status and the answer.
async fn report(client: &reqwest::Client, csrf: &str, app: &TestApp, body: Value) -> (u16, Value) {
    post_json(client, csrf, app.at("/api/v1/estate/repairs"), body).await
}

async fn step(client: &reqwest::Client, csrf: &str, app: &TestApp, id: i64, body: Value) -> (u16, Value) {
    post_json(client, csrf, app.at(&format!("/api/v1/estate/repairs/{id}/steps")), body).await
}

fn leak(house: &str) -> Value {
    json!({ "estate": "TA", "place": "in_house", "house": house, "category": "water_leak", "source": "call",
            "reporter": "张伟", "phone": "13800001111", "description": "厨房水管爆裂" })
}

/// The hourly job, as `serve` runs it.
async fn hourly(app: &TestApp, now: jiff::Timestamp) {
    estate_pack().core().hourly(&app.db, &everyone(app), now).await.unwrap();
}

async fn escalation_audits(app: &TestApp) -> i64 {
    app.audit_count("estate_repair", "escalation").await
}

on_both!(a_repair_is_due_by_its_category_and_escalates_when_late, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let reported = app.clock.now();

    // An urgent water leak: a technician on site within 30 minutes.
    let (status, r) = report(&agent, &csrf, &app, leak("3栋1502")).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["house"], "3-2-1502", "the number as typed finds the house");
    assert_eq!(r["arrive_due_at"], instant_text(reported + SignedDuration::from_mins(30)));
    assert_eq!(r["overdue"], false);
    let late = r["id"].as_i64().unwrap();
    // One on site in time does not escalate for its arrival.
    let (_, r) = report(&agent, &csrf, &app, leak("3-2-1502")).await;
    let in_time = r["id"].as_i64().unwrap();
    step(&agent, &csrf, &app, in_time, json!({ "step": "dispatch", "technician": "李师傅" })).await;
    step(&agent, &csrf, &app, in_time, json!({ "step": "arrive" })).await;

    hourly(&app, reported + SignedDuration::from_mins(29)).await;
    assert_eq!(escalation_audits(&app).await, 0, "not before its deadline");
    app.clock.set(reported + SignedDuration::from_mins(30));
    hourly(&app, app.clock.now()).await;
    let r = get_json(&agent, app.at(&format!("/api/v1/estate/repairs/{late}"))).await;
    assert_eq!((r["escalation"].as_str(), r["overdue"].as_bool()), (Some("supervisor"), Some(true)), "{r}");
    assert_eq!(r["steps"].as_array().unwrap().last().unwrap()["kind"], "escalation");
    let r = get_json(&agent, app.at(&format!("/api/v1/estate/repairs/{in_time}"))).await;
    assert_eq!(r["escalation"], "none", "on site in time");
    hourly(&app, app.clock.now()).await;
    assert_eq!(escalation_audits(&app).await, 1, "each level once");
    let done = json!({ "step": "complete", "work_done": "更换阀门" });
    assert_eq!(step(&agent, &csrf, &app, in_time, done).await.0, 200);
    // Not done by twice its completion time: the manager.
    let complete = kefu_estate::repairs::category_of("category", "water_leak").unwrap().deadlines.complete_minutes;
    hourly(&app, reported + SignedDuration::from_mins(2 * complete)).await;
    let r = get_json(&agent, app.at(&format!("/api/v1/estate/repairs/{late}"))).await;
    assert_eq!(r["escalation"], "manager");
    let listed = get_json(&agent, app.at("/api/v1/estate/repairs?estate=TA&escalated=1")).await;
    let ids: Vec<i64> = listed.as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [late], "the escalated filter");
    let page = agent.get(app.at("/estate/repairs?estate=TA")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!(r#"href="/estate/repairs/{late}""#)), "listed");
    assert_eq!(page.matches(r#"data-overdue="1""#).count(), 1, "the late one is marked");

    // A manager sets the estate's own deadlines; later reports use them.
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let form = [
        ("_csrf", manager_csrf.as_str()),
        ("estate", "TA"),
        ("category", "drain"),
        ("arrive_minutes", "10"),
        ("complete_minutes", "5"),
    ];
    let res = manager.post(app.at("/estate/repairs/deadlines")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422, "done before on site is refused");
    assert!(res.text().await.unwrap().contains("完成时限"), "the field is named");
    let form = [
        ("_csrf", manager_csrf.as_str()),
        ("estate", "TA"),
        ("category", "drain"),
        ("arrive_minutes", "10"),
        ("complete_minutes", "60"),
    ];
    let res = manager.post(app.at("/estate/repairs/deadlines")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let mut drain = leak("3-2-1502");
    drain["category"] = json!("drain");
    let (_, r) = report(&agent, &csrf, &app, drain).await;
    assert_eq!(r["arrive_due_at"], instant_text(app.clock.now() + SignedDuration::from_mins(10)));
    assert_eq!(app.audit_count("estate_repair_deadlines", "update").await, 1);
});

on_both!(a_completed_in_house_repair_leaves_its_charge_and_gets_its_revisit_call, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    let house = house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (_, r) = report(&agent, &csrf, &app, leak("3-2-1502")).await;
    let id = r["id"].as_i64().unwrap();

    // Steps out of order are refused, and write nothing.
    let (status, problem) = step(&agent, &csrf, &app, id, json!({ "step": "confirm", "satisfied": "yes" })).await;
    assert_eq!(status, 409, "{problem}");
    let (status, _) = step(&agent, &csrf, &app, id, json!({ "step": "arrive" })).await;
    assert_eq!(status, 409, "dispatch first");
    let (status, _) = step(&agent, &csrf, &app, id, json!({ "step": "dispatch", "technician": "李师傅" })).await;
    assert_eq!(status, 200);
    step(&agent, &csrf, &app, id, json!({ "step": "arrive" })).await;
    // A bad material line is refused naming the field, nothing written.
    let bad = json!({ "step": "complete", "work_done": "更换进水软管", "materials": "软管, 一, 35", "labour": "50" });
    let (status, problem) = step(&agent, &csrf, &app, id, bad).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("materials")), "{problem}");
    let materials = [("进水软管", 2, 3550), ("生料带", 1, 300)];
    let labour = 5000;
    let text: Vec<String> = materials.iter().map(|(n, q, p)| format!("{n}, {q}, {}.{:02}", p / 100, p % 100)).collect();
    let done =
        json!({ "step": "complete", "work_done": "更换进水软管", "materials": text.join("\n"), "labour": "50.00" });
    let (status, r) = step(&agent, &csrf, &app, id, done).await;
    assert_eq!(status, 200, "{r}");
    let expected: i64 = materials.iter().map(|(_, q, p)| q * p).sum::<i64>() + labour;
    assert_eq!(r["charge"], format!("{}.{:02}", expected / 100, expected % 100));
    let pending: Vec<(i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT house_id, amount, billed_bill_id FROM estate_repair_charges WHERE repair_id = $1")
            .bind(id)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(pending, [(house, expected, None)], "waiting for the house's next bill");
    let (status, problem) = step(&agent, &csrf, &app, id, json!({ "step": "confirm", "satisfied": "no" })).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("note")), "not satisfied says why");
    let (_, r) = step(&agent, &csrf, &app, id, json!({ "step": "confirm", "satisfied": "yes" })).await;
    assert_eq!((r["status"].as_str(), r["owner_satisfied"].as_bool()), (Some("confirmed"), Some(true)));

    // A public area's repair charges nobody.
    let public = json!({ "estate": "TA", "place": "public", "location": "3幢大堂", "category": "public_facility",
                         "source": "desk", "reporter": "保安", "description": "大堂灯不亮" });
    let (_, r) = report(&agent, &csrf, &app, public).await;
    let lobby = r["id"].as_i64().unwrap();
    step(&agent, &csrf, &app, lobby, json!({ "step": "dispatch", "technician": "王师傅" })).await;
    step(&agent, &csrf, &app, lobby, json!({ "step": "arrive" })).await;
    let (status, problem) =
        step(&agent, &csrf, &app, lobby, json!({ "step": "complete", "work_done": "换灯管", "labour": "20" })).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("labour")), "{problem}");

    // The 回访 call: not on the day of completion, in the queue the next day.
    let zone = kefu_core::time::BusinessZone::shanghai();
    let completed_on = zone.date_of(app.clock.now());
    let run = |day: jiff::civil::Date| {
        let app = &app;
        let zone = &zone;
        async move { estate_pack().core().run_outreach(&app.db, &everyone(app), (day, zone), &|_, _| {}).await.unwrap() }
    };
    let revisits = |day: jiff::civil::Date| {
        let app = &app;
        async move {
            let queue = kefu_outreach::calls::queue(&app.db, &everyone(app).scope, day, 50, 0).await.unwrap();
            queue.into_iter().filter(|c| c.playbook == "estate_repair_revisit").collect::<Vec<_>>()
        }
    };
    let summary = run(completed_on).await;
    assert!(summary.unsupported.is_empty(), "{:?}", summary.unsupported);
    assert!(revisits(completed_on).await.is_empty(), "not on the day of completion");
    let next_day = completed_on.tomorrow().unwrap();
    run(next_day).await;
    let calls = revisits(next_day).await;
    assert_eq!(calls.len(), 1, "one call, about the repair");
    assert_eq!(calls[0].customer_id, app.fx.customer_a, "to the owner");
    let asset: (String, i64) = sqlx::query_as("SELECT asset_kind, asset_id FROM outreach_tasks WHERE id = $1")
        .bind(calls[0].id.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(asset, ("estate_repair".to_string(), id));
    // The agent takes the call the next day; its outcome is the repair's 回访.
    app.clock.set(zone.start_of(next_day) + SignedDuration::from_hours(2));
    let (agent, csrf) = app.signed_in("agent_a").await;
    let call = calls[0].id.0;
    let res =
        agent.post(app.at(&format!("/outreach/calls/{call}/claim"))).form(&[("_csrf", &csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let form = [("_csrf", csrf.as_str()), ("outcome", "satisfied"), ("notes", "已修好，很满意")];
    let res = agent.post(app.at(&format!("/outreach/calls/{call}/outcome"))).form(&form).send().await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let r = get_json(&agent, app.at(&format!("/api/v1/estate/repairs/{id}"))).await;
    assert_eq!(r["revisits"][0]["outcome"], "satisfied", "{r}");
    assert_eq!(r["revisits"][0]["notes"], "已修好，很满意");
    let page = agent.get(app.at(&format!("/estate/repairs/{id}"))).send().await.unwrap().text().await.unwrap();
    let revisit = page.split(r#"data-testid="estate-repair-revisits""#).nth(1).expect("the 回访 table");
    assert!(revisit.contains("已修好，很满意"), "{revisit}");

    // The house's next bill carries the repair's charge, once: a second run
    // of the period bills nothing more.
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    let period = completed_on.strftime("%Y-%m").to_string();
    for _ in 0..2 {
        let form = [("_csrf", mcsrf.as_str()), ("period", period.as_str())];
        let res = manager.post(app.at("/estate/estates/TA/fees/run")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    let charge: (i64, Option<i64>) =
        sqlx::query_as("SELECT id, billed_bill_id FROM estate_repair_charges WHERE repair_id = $1")
            .bind(id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let bill = charge.1.expect("billed");
    let lines: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT l.bill_id, l.amount FROM estate_bill_lines l JOIN estate_bills b ON b.id = l.bill_id \
         WHERE b.house_id = $1 AND l.item_code = $2",
    )
    .bind(house)
    .bind(format!("报修@{}", charge.0))
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(lines, [(bill, expected)], "on one bill, at the repair's charge");
});

on_both!(repair_reports_are_refused_by_field_in_the_users_language, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (agent, csrf) = app.signed_in("agent_en").await;
    let cases = [
        (json!({ "house": "" }), "house"),
        (json!({ "house": "9-9-9999" }), "house"),
        (json!({ "category": "roof" }), "category"),
        (json!({ "place": "garden" }), "place"),
        (json!({ "reporter": " " }), "reporter"),
        (json!({ "place": "public", "house": "" }), "location"),
        (json!({ "estate": "TB" }), "estate"),
    ];
    for (change, field) in cases {
        let mut body = leak("3-2-1502");
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (status, problem) = report(&agent, &csrf, &app, body).await;
        assert_eq!((status, problem["field"].as_str()), (422, Some(field)), "{problem}");
        assert!(problem["detail"].as_str().unwrap().is_ascii(), "in English: {problem}");
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM estate_repairs").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(count, 0, "nothing written");
});

on_both!(the_repair_routes_keep_to_their_estate_and_permission, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (_, r) = report(&agent, &csrf, &app, leak("3-2-1502")).await;
    let id = r["id"].as_i64().unwrap();
    for path in ["/estate/repairs", "/estate/repairs/new", "/estate/repairs?estate=TA&status=reported"] {
        assert_eq!(agent.get(app.at(path)).send().await.unwrap().status(), 200, "{path}");
    }
    let page = agent.get(app.at("/estate/repairs?status=%00&category=x&estate=%FF")).send().await.unwrap();
    assert_eq!(page.status(), 200, "garbage filters narrow nothing");

    // Another estate's agent finds none of it.
    let (other, other_csrf) = app.signed_in("agent_b").await;
    assert_eq!(other.get(app.at(&format!("/estate/repairs/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.at(&format!("/api/v1/estate/repairs/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.at("/api/v1/estate/repairs?estate=TA")).send().await.unwrap().status(), 404);
    let listed = get_json(&other, app.at("/api/v1/estate/repairs")).await;
    assert_eq!(listed, json!([]));
    let (status, _) = step(&other, &other_csrf, &app, id, json!({ "step": "dispatch", "technician": "x" })).await;
    assert_eq!(status, 404);
    // Only a manager sets deadlines.
    let form = [
        ("_csrf", csrf.as_str()),
        ("estate", "TA"),
        ("category", "drain"),
        ("arrive_minutes", "10"),
        ("complete_minutes", "60"),
    ];
    let res = agent.post(app.at("/estate/repairs/deadlines")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 403);
    // Nobody signed in reaches nothing.
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = anonymous.get(app.at("/api/v1/estate/repairs")).send().await.unwrap();
    assert_eq!(res.status(), 401);
});

on_both!(an_owners_complaint_closes_only_with_its_corrective_and_preventive_measures, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let post = |path: String, body: Value| {
        let (agent, csrf, app) = (&agent, &csrf, &app);
        async move { post_json(agent, csrf, app.at(&path), body).await }
    };
    let intake = format!("/api/v1/customers/{}/complaints", app.fx.customer_a);
    let complaint = |category: &str, department: &str| {
        json!({ "source": "call", "category": category, "severity": "normal", "department": department,
                "subject": "楼道漏水一周无人处理", "detail": "3幢2单元楼道顶部渗水" })
    };
    // The estate's categories and departments are the engine's choices.
    let (status, problem) = post(intake.clone(), complaint("estate_roof", "engineering")).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("category")), "{problem}");
    let (status, problem) = post(intake.clone(), complaint("estate_repairs", "kitchen")).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("department")), "{problem}");
    let (status, c) = post(intake.clone(), complaint("estate_repairs", "engineering")).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["measures_required"], true);
    let id = c["id"].as_i64().unwrap();
    let page = agent.get(app.at(&format!("/customers/{}", app.fx.customer_a))).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"value="estate_repairs""#) && page.contains(r#"value="greening""#), "the form offers them");

    // Handled to the customer's confirmation …
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");
    post(path("steps"), json!({ "step": "contact", "text": "已致电业主" })).await;
    post(path("resolve"), json!({ "solution": "更换楼道渗水管段" })).await;
    let (_, c) = post(path("recontact"), json!({ "satisfied": true, "notes": "业主满意" })).await;
    assert_eq!(c["status"], "confirmed", "{c}");
    // … it still does not close without its measures, and says which.
    let (status, problem) = post(path("close"), json!({})).await;
    assert_eq!(
        (status, problem["field"].as_str(), problem["rule"].as_str()),
        (422, Some("corrective"), Some("measures_before_closing")),
        "{problem}"
    );
    let (status, problem) = post(path("measures"), json!({ "corrective": "更换渗水管段", "preventive": " " })).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("preventive")), "{problem}");
    let c = get_json(&agent, app.at(&format!("/api/v1/complaints/{id}"))).await;
    assert_eq!(c["corrective"], "", "nothing half-written");
    let (status, c) =
        post(path("measures"), json!({ "corrective": "更换渗水管段", "preventive": "每季度巡检楼道管道" })).await;
    assert_eq!((status, c["preventive"].as_str()), (200, Some("每季度巡检楼道管道")), "{c}");
    let (status, c) = post(path("close"), json!({})).await;
    assert_eq!((status, c["status"].as_str()), (200, Some("closed")), "{c}");
    assert_eq!(app.audit_count("complaint", "measures").await, 1);

    // A complaint under a core category needs none (the dealership's rule stands).
    let (_, c) = post(intake, complaint("service_attitude", "customer_service")).await;
    assert_eq!(c["measures_required"], false);
});

/// Adds rooms of building 3, unit 1 in the given states to estate TA (made
/// by `house_of`); their numbers.
async fn more_houses(app: &TestApp, states: &[(&str, HouseState)]) {
    let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let mut tx = app.db.begin().await.unwrap();
    let houses = states
        .iter()
        .map(|(number, state)| NewHouse {
            number: HouseNo::parse("house", number).unwrap(),
            kind: HouseKind::Residence,
            state: *state,
            building_area: Area::parse("area", "88.00").unwrap(),
            interior_area: Area::parse("area", "70.00").unwrap(),
            billed_from: None,
            residents: Vec::new(),
            documents: Vec::new(),
        })
        .collect();
    archive::insert_in(&mut tx, app.fx.store_a, houses, app.clock.now()).await.unwrap();
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

on_both!(a_visit_plan_covers_every_household_and_counts_its_completion, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let states = [
        ("3-1-101", HouseState::Occupied),
        ("3-1-102", HouseState::Let),
        ("3-1-103", HouseState::Vacant),
        ("3-1-104", HouseState::Unsold),
    ];
    more_houses(&app, &states).await;
    // The households lived in: 3-2-1502 (occupied) and those built here
    // occupied or let; the parking space is nobody's home.
    let lived_in =
        1 + states.iter().filter(|(_, s)| matches!(s, HouseState::Occupied | HouseState::Let)).count() as i64;

    let (agent, csrf) = app.signed_in("agent_a").await;
    let form = [("_csrf", csrf.as_str()), ("estate", "TA"), ("starts_on", "2026-01-01"), ("ends_on", "2026-12-31")];
    let res = agent.post(app.at("/estate/visit-plans")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 403, "a manager makes the plan");
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let form =
        [("_csrf", manager_csrf.as_str()), ("estate", "TA"), ("starts_on", "2026-01-01"), ("ends_on", "2026-12-31")];
    let res = manager.post(app.at("/estate/visit-plans")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let plan: i64 = sqlx::query_scalar("SELECT id FROM estate_visit_plans").fetch_one(app.db.pool()).await.unwrap();
    let res = manager.post(app.at("/estate/visit-plans")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422, "one plan from a day");
    let p = get_json(&agent, app.at(&format!("/api/v1/estate/visit-plans/{plan}"))).await;
    assert_eq!((p["planned"].as_i64(), p["households"].as_i64()), (Some(lived_in), Some(lived_in)), "{p}");
    assert_eq!((p["done"].as_i64(), p["completion_bp"].as_i64()), (Some(0), Some(0)));

    // The building's visits are the agent's list.
    let page = agent.get(app.at(&format!("/estate/visit-plans/{plan}?mine=1&pending=1"))).send().await.unwrap();
    let page = page.text().await.unwrap();
    let list = page.split(r#"data-testid="estate-visits""#).nth(1).expect("the visit list");
    assert!(list.contains("3-1-101") && list.contains("3-2-1502") && !list.contains("3-1-103"), "{list}");
    let visit: i64 = sqlx::query_scalar(
        "SELECT v.id FROM estate_opinion_visits v JOIN estate_houses h ON h.id = v.house_id WHERE h.number = '3-1-101'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let url = app.at(&format!("/api/v1/estate/opinion-visits/{visit}"));
    let (status, problem) = post_json(&agent, &csrf, url.clone(), json!({ "satisfaction": 6 })).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("satisfaction")), "{problem}");
    let said = json!({ "opinions": "电梯保养及时", "suggestions": "增加儿童游乐设施", "satisfaction": 4 });
    let (status, p) = post_json(&agent, &csrf, url.clone(), said.clone()).await;
    assert_eq!(status, 200, "{p}");
    let expected = (10_000 + lived_in / 2) / lived_in;
    assert_eq!((p["done"].as_i64(), p["completion_bp"].as_i64()), (Some(1), Some(expected)), "{p}");
    assert_eq!((p["covered"].as_i64(), p["coverage_bp"].as_i64()), (Some(1), Some(expected)));
    let (status, _) = post_json(&agent, &csrf, url, said).await;
    assert_eq!(status, 409, "a visit is recorded once");

    // The month's opinions.
    let month = kefu_core::time::BusinessZone::shanghai().date_of(app.clock.now()).strftime("%Y-%m").to_string();
    let page = agent.get(app.at(&format!("/estate/visit-plans/summary?estate=TA&month={month}"))).send().await.unwrap();
    let page = page.text().await.unwrap();
    let summary = page.split(r#"data-testid="estate-visit-opinions""#).nth(1).expect("the opinions");
    assert!(summary.contains("增加儿童游乐设施"), "{summary}");

    // Another estate sees none of it.
    let other = app.login("agent_b").await;
    assert_eq!(other.get(app.at(&format!("/estate/visit-plans/{plan}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.at(&format!("/api/v1/estate/visit-plans/{plan}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.at(&format!("/estate/opinion-visits/{visit}"))).send().await.unwrap().status(), 404);
});

/// The text of the element marked `testid` on a page (up to its tag's end).
fn marked<'a>(page: &'a str, testid: &str) -> &'a str {
    let start = page.find(&format!(r#"data-testid="{testid}""#)).unwrap_or_else(|| panic!("{testid} in {page}"));
    let rest = &page[start..];
    let open = rest.find('>').unwrap() + 1;
    &rest[open..open + rest[open..].find('<').unwrap()]
}

on_both!(a_visitors_pass_is_checked_at_the_gate_until_it_expires, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let form = [("_csrf", csrf.as_str()), ("name", "赵敏"), ("mobile", "13912345678"), ("house", "3-2-1502")];
    let res = agent.post(app.at("/estate/estates/TA/visitors")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let visit: i64 = sqlx::query_scalar("SELECT id FROM estate_visitors").fetch_one(app.db.pool()).await.unwrap();
    let issue = format!("/estate/estates/TA/visitors/{visit}/pass");
    let res = agent.post(app.at(&issue)).form(&[("_csrf", &csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("<svg") && !page.contains("style="), "a QR code drawn on the server, no inline style");
    let token = marked(&page, "estate-pass-token").to_string();
    assert!(!token.contains("赵敏") && !token.contains("13912345678"), "no personal data in the code: {token}");
    assert_eq!(app.audit_count("estate_visitor", "pass").await, 1);

    let at_gate = |client: &reqwest::Client, token: String| {
        let req = client.get(app.at("/estate/gate")).query(&[("token", token)]);
        async move {
            let res = req.send().await.unwrap();
            let (status, location) = (res.status(), res.headers().get("location").cloned());
            let page = res.text().await.unwrap();
            let at = page.find("data-verdict=\"").map(|i| i + "data-verdict=\"".len());
            let at = at.unwrap_or_else(|| panic!("a verdict in {status} {location:?} {page}"));
            (page[at..at + page[at..].find('"').unwrap()].to_string(), page)
        }
    };
    let (verdict, page) = at_gate(&agent, token.clone()).await;
    assert_eq!(verdict, "valid");
    assert!(page.contains("赵敏") && page.contains("3-2-1502"), "the gate sees whom it admits");
    // Altered by a character, it is no pass.
    let mut altered = token.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == '0' { '1' } else { '0' });
    assert_eq!(at_gate(&agent, altered).await.0, "forged");
    assert_eq!(at_gate(&agent, "1.2-3".into()).await.0, "forged");
    // Another estate's guard cannot read whom it admits, nor issue one.
    let (other, other_csrf) = app.signed_in("agent_b").await;
    let (verdict, page) = at_gate(&other, token.clone()).await;
    assert_eq!(verdict, "unknown");
    assert!(!page.contains("赵敏"));
    let res = other.post(app.at(&issue)).form(&[("_csrf", &other_csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 404);
    // At its expiry it stops working.
    app.clock.set(app.clock.now() + kefu_estate::passes::LIFETIME);
    let guard = app.login("agent_a").await;
    assert_eq!(at_gate(&guard, token).await.0, "expired");
});

on_both!(an_owner_reports_a_repair_through_the_signed_link_of_their_house, |backend| async move {
    let app = TestApp::start_with_packs(backend, estate_pack()).await;
    let house = house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let res = agent.post(app.at(&format!("/estate/houses/{house}/repair-link"))).form(&[("_csrf", &csrf)]).send().await;
    let page = res.unwrap().text().await.unwrap();
    let link = marked(&page, "estate-repair-link").to_string();
    assert!(link.starts_with("/estate/report/"), "{link}");
    let (other, other_csrf) = app.signed_in("agent_b").await;
    let url = app.at(&format!("/estate/houses/{house}/repair-link"));
    let res = other.post(url).form(&[("_csrf", &other_csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 404, "only the estate's staff make a house's link");

    // The owner, not signed in.
    let owner = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res = owner.get(app.at(&link)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("3-2-1502"), "the house the link is for");
    let count = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM estate_repairs").fetch_one(app.db.pool()).await.unwrap();
        n
    };
    let form = [("category", "water_leak"), ("reporter", "张伟"), ("phone", "13800001111"), ("description", " ")];
    let res = owner.post(app.at(&link)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(count().await, 0, "nothing written");
    let form =
        [("category", "water_leak"), ("reporter", "张伟"), ("phone", "13800001111"), ("description", "卫生间漏水")];
    let reported = app.clock.now();
    let res = owner.post(app.at(&link)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let (source, house_id, due): (String, i64, String) =
        sqlx::query_as("SELECT source, house_id, arrive_due_at FROM estate_repairs")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((source.as_str(), house_id), ("owner_link", house));
    assert_eq!(due, instant_text(reported + SignedDuration::from_mins(30)), "the category's deadline");

    // A changed token opens nothing; an old one says it expired.
    let last = if link.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &link[..link.len() - 1]);
    assert_eq!(owner.get(app.at(&forged)).send().await.unwrap().status(), 404);
    app.clock.set(reported + kefu_estate::repairs::link::LIFETIME);
    assert_eq!(owner.get(app.at(&link)).send().await.unwrap().status(), 410);
    let res = owner.post(app.at(&link)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert_eq!(count().await, 1);
});
