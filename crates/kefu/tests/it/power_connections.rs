//! New connections and changes (业扩报装, issue 19 §2), on SQLite and on
//! PostgreSQL: deadlines in working days across the 2026 National Day
//! holiday and its make-up Saturday, and after the administrator's edit;
//! steps out of order refused by field and rule; a new connection walked to
//! 装表接电 makes its account active with its meter and permit, the
//! applicant told of each step; a capacity increase counts from its
//! connection day; and who may see and do what.

use crate::support::*;
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_power::accounts::{AccountNo, MeterNo, StationPrefix};
use kefu_power::archive::{self, NewAccount, NewMeter};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

/// Stores A and B as supply stations (prefixes 3101 and 3102), and
/// customer A's connected account 3101000042 of 8 kVA at A.
async fn county(app: &TestApp) {
    let actor = Actor::system(Scope::new(vec![app.fx.store_a, app.fx.store_b]));
    let a = StationPrefix::parse("prefix", "3101").unwrap();
    let b = StationPrefix::parse("prefix", "3102").unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_a, &a).await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_b, &b).await.unwrap();
    let account = NewAccount {
        account_no: AccountNo::issue(&a, 42).unwrap(),
        customer_id: app.fx.customer_a,
        branch_id: app.fx.store_a,
        usage_class: "general_commercial",
        voltage: "380v",
        capacity_kva: 8,
        supply_address: "青山镇新街8号".into(),
        tariff_code: "gx-com-1",
        permit: None,
        status: "active",
        meters: vec![NewMeter {
            meter_no: MeterNo::parse("meter_no", "DTZY-4500000042").unwrap(),
            kind: "three_phase",
            register_digits: 6,
            ct: (1, 1),
            pt: (1, 1),
            installed_on: "2024-03-01".parse().unwrap(),
        }],
    };
    archive::insert_in(&mut tx, vec![account], Vec::new()).await.unwrap();
    let change = Change {
        entity: "power_account",
        entity_id: "3101000042".into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
}

async fn start(backend: Backend) -> TestApp {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    county(&app).await;
    app
}

/// A residential new connection at station A, received on `day`.
fn residential(app: &TestApp, day: &str) -> Value {
    json!({
        "kind": "new", "customer_id": app.fx.customer_a.0, "station_id": app.fx.store_a.0,
        "usage_class": "residential", "voltage": "220v", "capacity_kva": 8,
        "supply_address": "青山镇龙岩村3组12号", "received_on": day,
    })
}

async fn create(client: &reqwest::Client, csrf: &str, app: &TestApp, body: Value) -> Value {
    let (status, a) = post_json(client, csrf, app.at("/api/v1/power/applications"), body).await;
    assert_eq!(status, 200, "{a}");
    a
}

async fn step(client: &reqwest::Client, csrf: &str, app: &TestApp, id: i64, body: Value) -> (u16, Value) {
    post_json(client, csrf, app.at(&format!("/api/v1/power/applications/{id}/steps")), body).await
}

on_both!(deadlines_count_working_days_across_a_holiday_and_a_make_up_saturday, |backend| async move {
    let app = start(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    // Received Wednesday 30 September 2026: 1–7 October are off, Thursday 8
    // and Friday 9 are the 1st and 2nd working days, and Saturday 10 is
    // worked (调休), so the 3-day supply plan is due on the 10th.
    let a = create(&agent, &csrf, &app, residential(&app, "2026-09-30")).await;
    assert_eq!((a["next_step"].as_str(), a["next_due"].as_str()), (Some("supply_plan"), Some("2026-10-10")));
    // The plan answered on Monday 12 October: the completion acceptance (5
    // working days) is due Monday the 19th, no make-up day in between.
    let (status, a) =
        step(&agent, &csrf, &app, a["id"].as_i64().unwrap(), json!({"step": "supply_plan", "on": "2026-10-12"})).await;
    assert_eq!(status, 200, "{a}");
    assert_eq!((a["next_step"].as_str(), a["next_due"].as_str()), (Some("completion_acceptance"), Some("2026-10-19")));
    let full = get_json(&agent, app.at(&format!("/api/v1/power/applications/{}", a["id"]))).await;
    assert_eq!(full["steps"][1]["due_on"], "2026-10-10", "the step keeps the deadline it had");
    // The list shows the application with its deadline; past it is overdue
    // (today is 29 November).
    let list = get_json(&agent, app.at("/api/v1/power/applications?overdue=1")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["overdue"], true);

    // The administrator's edit: Friday 9 October made a holiday too. Only a
    // manager edits the calendar.
    let res = agent
        .post(app.at("/power/calendar/days"))
        .form(&[("_csrf", csrf.as_str()), ("day", "2026-10-09"), ("kind", "holiday"), ("source", "test")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "an agent cannot edit the calendar");
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let res = manager
        .post(app.at("/power/calendar/days"))
        .form(&[("_csrf", manager_csrf.as_str()), ("day", "2026-10-09"), ("kind", "holiday"), ("source", "test")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/power/calendar?year=2026");
    assert_eq!(app.audit_count("power_calendar_day", "set").await, 1);
    // Now the 3rd working day after 30 September is Monday the 12th.
    let b = create(&agent, &csrf, &app, residential(&app, "2026-09-30")).await;
    assert_eq!(b["next_due"], "2026-10-12");
    let page = manager.get(app.at("/power/calendar?year=2026")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("2026-10-10") && page.contains("2026-10-09"), "the calendar lists its days");
});

on_both!(steps_out_of_order_are_refused_naming_the_field_and_the_rule, |backend| async move {
    let app = start(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let a = create(&agent, &csrf, &app, residential(&app, "2026-11-02")).await;
    let id = a["id"].as_i64().unwrap();
    // No connection before acceptance (the completion acceptance), no
    // acceptance before a plan.
    let (status, p) =
        step(&agent, &csrf, &app, id, json!({"step": "connection", "meter_no": "DDZY-1", "opening_reading": "0"}))
            .await;
    assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some("step"), Some("step_order")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("供电方案答复"), "{p}");
    let (status, p) = step(&agent, &csrf, &app, id, json!({"step": "completion_acceptance"})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("step_order")), "{p}");
    assert!(p["detail"].as_str().unwrap().contains("须先完成“供电方案答复”，才能办理“竣工验收”"), "{p}");
    // A step dated before the one before it, or after today, is refused too.
    let (status, p) = step(&agent, &csrf, &app, id, json!({"step": "supply_plan", "on": "2026-11-01"})).await;
    assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some("on"), Some("date_before_previous")));
    // Nothing was written by the refusals.
    let full = get_json(&agent, app.at(&format!("/api/v1/power/applications/{id}"))).await;
    assert_eq!(full["steps"].as_array().unwrap().len(), 1);
    assert_eq!(full["last_step"], "accepted");
    // An English user reads the rule in English.
    let (en, en_csrf) = app.signed_in("agent_en").await;
    let (_, p) = step(&en, &en_csrf, &app, id, json!({"step": "completion_acceptance"})).await;
    assert!(p["detail"].as_str().unwrap().contains("the supply plan comes before the completion acceptance"), "{p}");
});

on_both!(a_new_connection_makes_the_account_active_with_its_meter_and_permit, |backend| async move {
    let app = start(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let a = create(&agent, &csrf, &app, residential(&app, "2026-11-02")).await;
    let id = a["id"].as_i64().unwrap();
    let number = a["account_no"].as_str().unwrap().to_string();
    // The new account was opened at station A, applying, with no permit.
    assert!(number.starts_with("3101") && number != "3101000042", "{number}");
    let account = get_json(&agent, app.at(&format!("/api/v1/power/accounts/{number}"))).await;
    assert_eq!((account["status"].as_str(), &account["permit_no"]), (Some("applying"), &Value::Null));
    for (s, on) in [("supply_plan", "2026-11-04"), ("completion_acceptance", "2026-11-10")] {
        let (status, p) = step(&agent, &csrf, &app, id, json!({"step": s, "on": on})).await;
        assert_eq!(status, 200, "{p}");
    }
    // A reading with three decimals is refused, and changes nothing.
    let connect = |reading: &str| json!({"step": "connection", "on": "2026-11-12", "meter_no": "DDZY-4599000001", "opening_reading": reading});
    let (status, p) = step(&agent, &csrf, &app, id, connect("12.345")).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("opening_reading")), "{p}");
    let (status, p) = step(&agent, &csrf, &app, id, connect("12.5")).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!((p["next_step"].as_str(), p["connected_on"].as_str()), (None, Some("2026-11-12")));
    let account = get_json(&agent, app.at(&format!("/api/v1/power/accounts/{number}"))).await;
    assert_eq!(account["status"], "active");
    assert_eq!(account["permit_issued"], "2026-11-12");
    assert!(account["permit_no"].as_str().unwrap().contains(&number), "{account}");
    assert!(account["permit_valid_until"].as_str().unwrap() > "2026-11-12");
    assert_eq!(account["meters"][0]["meter_no"], "DDZY-4599000001");
    assert_eq!(account["meters"][0]["installed_on"], "2026-11-12");
    let full = get_json(&agent, app.at(&format!("/api/v1/power/applications/{id}"))).await;
    assert_eq!(full["steps"][3]["opening_reading"], "12.50");
    // The search finds the account by its new meter.
    let hits = get_json(&agent, app.at("/api/v1/search?q=DDZY-4599000001")).await;
    assert_eq!(hits[0]["customer"]["id"].as_i64(), Some(app.fx.customer_a.0), "{hits}");
    // The meter cannot go in at a second account.
    let b = create(&agent, &csrf, &app, residential(&app, "2026-11-02")).await;
    let bid = b["id"].as_i64().unwrap();
    for s in ["supply_plan", "completion_acceptance"] {
        step(&agent, &csrf, &app, bid, json!({"step": s, "on": "2026-11-12"})).await;
    }
    let (status, p) = step(&agent, &csrf, &app, bid, connect("0")).await;
    assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some("meter_no"), Some("meter_in_use")), "{p}");
    // The applicant was told of each step of the first application by SMS
    // (customer A has a mobile), one outreach task a step, and every write audited.
    let told: Vec<(String, String)> = sqlx::query_as(
        "SELECT channel, message FROM outreach_tasks WHERE playbook = 'power_application_step' AND customer_id = $1 \
         ORDER BY id",
    )
    .bind(app.fx.customer_a.0)
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    // Application A: four steps; application B: its acceptance and two steps.
    assert_eq!(told.len(), 4 + 3, "{told:?}");
    assert!(told.iter().all(|(channel, _)| channel == "sms"));
    assert!(
        told[3].1.contains("装表接电") && told[3].1.contains(&a["number"].as_str().unwrap().to_string()),
        "{told:?}"
    );
    assert_eq!(app.audit_count("power_application", "connection").await, 1);
    assert_eq!(app.audit_count("power_account", "connect").await, 1);
    // The holder's 360° page shows the open application, not the connected one.
    let page =
        agent.get(app.at(&format!("/customers/{}", app.fx.customer_a.0))).send().await.unwrap().text().await.unwrap();
    let panel = page.split(r#"data-testid="power-open-applications""#).nth(1).expect("the open applications");
    assert!(panel.contains(b["number"].as_str().unwrap()) && !panel.contains(a["number"].as_str().unwrap()));
});

on_both!(a_capacity_increase_counts_from_its_connection_day, |backend| async move {
    let app = start(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let increase = |kva: i64| json!({"kind": "increase", "customer_id": app.fx.customer_a.0, "account_no": "3101000042", "capacity_kva": kva, "received_on": "2026-11-02"});
    // An increase must exceed the present 8 kVA.
    let (status, p) = post_json(&agent, &csrf, app.at("/api/v1/power/applications"), increase(8)).await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("capacity_kva"), Some("capacity_increase"))
    );
    let a = create(&agent, &csrf, &app, increase(20)).await;
    let id = a["id"].as_i64().unwrap();
    assert_eq!(a["supply"], "low_voltage");
    for (s, on) in [("supply_plan", "2026-11-05"), ("completion_acceptance", "2026-11-16")] {
        let (status, p) = step(&agent, &csrf, &app, id, json!({"step": s, "on": on})).await;
        assert_eq!(status, 200, "{p}");
    }
    let account = get_json(&agent, app.at("/api/v1/power/accounts/3101000042")).await;
    assert_eq!(account["capacity_kva"], 8, "nothing changes before the connection");
    let (status, p) = step(&agent, &csrf, &app, id, json!({"step": "connection", "on": "2026-11-18"})).await;
    assert_eq!(status, 200, "{p}");
    let account = get_json(&agent, app.at("/api/v1/power/accounts/3101000042")).await;
    assert_eq!(account["capacity_kva"], 20);
    let changes: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT c.effective_from, c.capacity_before, c.capacity_kva FROM power_capacity_changes c \
         JOIN power_accounts p ON p.id = c.account_id WHERE p.account_no = '3101000042'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(changes, [("2026-11-18".to_string(), 8, 20)]);
});

on_both!(only_the_station_and_the_permitted_see_and_take_applications, |backend| async move {
    let app = start(backend).await;
    let all = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    users::create(
        &app.db,
        &all,
        NewUser {
            username: "reader_a".into(),
            display_name: "甲所抄表员".into(),
            password: PASSWORD.into(),
            roles: vec![Role::MeterReader],
            branches: vec![app.fx.store_a],
            locale: Lang::Zh,
        },
    )
    .await
    .unwrap();
    let (agent, csrf) = app.signed_in("agent_a").await;
    let a = create(&agent, &csrf, &app, residential(&app, "2026-11-02")).await;
    let id = a["id"].as_i64().unwrap();
    // Another station's agent: not there.
    let (agent_b, csrf_b) = app.signed_in("agent_b").await;
    for path in [format!("/api/v1/power/applications/{id}"), format!("/power/applications/{id}")] {
        assert_eq!(agent_b.get(app.at(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    let (status, _) = step(&agent_b, &csrf_b, &app, id, json!({"step": "supply_plan"})).await;
    assert_eq!(status, 404);
    let list = get_json(&agent_b, app.at("/api/v1/power/applications")).await;
    assert!(list.as_array().unwrap().is_empty(), "{list}");
    let (status, _) =
        post_json(&agent_b, &csrf_b, app.at("/api/v1/power/applications"), residential(&app, "2026-11-02")).await;
    assert_eq!(status, 404, "a station out of scope is not there");
    // A meter reader has no part in applications.
    let (reader, reader_csrf) = app.signed_in("reader_a").await;
    for path in ["/power/applications", "/api/v1/power/applications", "/power/applications/report"] {
        assert_eq!(reader.get(app.at(path)).send().await.unwrap().status(), 403, "{path}");
    }
    let (status, _) = step(&reader, &reader_csrf, &app, id, json!({"step": "supply_plan"})).await;
    assert_eq!(status, 403);
    // The pages answer the station's agent, in the list with its filters
    // and as a workbook.
    let page =
        agent.get(app.at("/power/applications?station=&step=supply_plan")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(a["number"].as_str().unwrap()));
    let res = agent.get(app.at("/power/applications.xlsx?step=&overdue=")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "an XLSX is a zip");
    let report =
        agent.get(app.at("/power/applications/report?month=2026-11")).send().await.unwrap().text().await.unwrap();
    assert!(report.contains("甲店"), "the report lists station A");
});
