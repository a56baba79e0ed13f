//! The meter archive (issue 19 §3), on SQLite and on PostgreSQL: a batch
//! accepted verified, sealed and recorded, all or nothing; a meter that
//! failed verification is never installed, nor one installed at two
//! accounts, and a removal reading below the installation reading is
//! refused; the month's rotation and field-test plan from the archive, its
//! work orders done (a replacement closes the old meter's reading and opens
//! the new one's) and its completion rate; the instruments in date; who
//! may reach the routes.

use crate::support::*;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_power::accounts::{AccountNo, StationPrefix};
use kefu_power::archive::{self, NewAccount};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

/// Store A as a supply station with two accounts of customer A (numbers
/// 3101000001 and 3101000002, no meter yet); a meter reader and an
/// inspector in store A.
async fn station(app: &TestApp) {
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let prefix = StationPrefix::parse("prefix", "3101").unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_a, &prefix).await.unwrap();
    let account = |n: u64| NewAccount {
        account_no: AccountNo::issue(&prefix, n).unwrap(),
        customer_id: app.fx.customer_a,
        branch_id: app.fx.store_a,
        usage_class: "general_commercial",
        voltage: "10kv",
        capacity_kva: 400,
        supply_address: format!("青山镇工业园{n}号"),
        tariff_code: "gx-res-1",
        permit: None,
        status: "active",
        meters: Vec::new(),
    };
    archive::insert_in(&mut tx, vec![account(1), account(2)], Vec::new()).await.unwrap();
    let change = Change {
        entity: "power_account",
        entity_id: "3101".into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    for (username, role) in [("reader_a", Role::MeterReader), ("inspector_a", Role::Inspector)] {
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
}

fn today() -> Date {
    "2026-11-29".parse().unwrap()
}

fn batch(app: &TestApp, name: &str, kind: &str, verified_on: Date, meters: &[(&str, &str)]) -> Value {
    let meters: Vec<Value> = meters
        .iter()
        .enumerate()
        .map(|(i, (no, result))| json!({"meter_no": no, "asset_no": format!("{name}-{i:03}"), "verification": result, "seals": format!("GX{name}{i:03}")}))
        .collect();
    json!({"station_id": app.fx.store_a.0, "batch": name, "maker": "威胜集团", "kind": kind, "accuracy_class": "2",
        "rated_current": "5(60)A", "register_digits": 6, "verified_on": verified_on.to_string(), "meters": meters})
}

async fn install(
    app: &TestApp,
    c: &reqwest::Client,
    csrf: &str,
    meter: &str,
    account: &str,
    reading: &str,
    class: Value,
) -> (u16, Value) {
    let body =
        json!({"account_no": account, "on": "2026-11-02", "reading": reading, "seals": "GX-S1", "point_class": class});
    post_json(c, csrf, app.at(&format!("/api/v1/power/meters/{meter}/install")), body).await
}

/// Removes a meter on a day with its removal reading.
async fn remove(app: &TestApp, c: &reqwest::Client, csrf: &str, meter: &str, on: &str, reading: &str) -> (u16, Value) {
    let body = json!({"on": on, "reading": reading});
    post_json(c, csrf, app.at(&format!("/api/v1/power/meters/{meter}/remove")), body).await
}

on_both!(a_meter_that_failed_verification_is_never_installed, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let accepted = batch(
        &app,
        "B1",
        "single_phase",
        today() - 30.days(),
        &[("DDZY-4500100001", "passed"), ("DDZY-4500100002", "failed")],
    );
    let (status, a) = post_json(&agent, &csrf, app.at("/api/v1/power/meter-batches"), accepted).await;
    assert_eq!((status, a["accepted"].as_i64()), (201, Some(2)), "{a}");
    let meter = get_json(&agent, app.at("/api/v1/power/meters/DDZY-4500100002")).await;
    assert_eq!(
        (&meter["state"], &meter["verification"], &meter["seals"]),
        (&json!("in_stock"), &json!("failed"), &json!("GXB1001"))
    );
    assert_eq!(meter["history"][0]["action"], "accepted");

    // The failed meter is refused by the rule; the good one goes in.
    let (status, p) = install(&app, &agent, &csrf, "DDZY-4500100002", "3101000001", "0", Value::Null).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("meter_failed_verification")), "{p}");
    let (status, m) = install(&app, &agent, &csrf, "DDZY-4500100001", "3101000001", "12.5", Value::Null).await;
    assert_eq!(
        (status, &m["state"], &m["account_no"], &m["install_reading"]),
        (200, &json!("installed"), &json!("3101000001"), &json!("12.50")),
        "{m}"
    );
    // Never at two accounts.
    let (status, p) = install(&app, &agent, &csrf, "DDZY-4500100001", "3101000002", "0", Value::Null).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("meter_installed_elsewhere")), "{p}");
    let account = get_json(&agent, app.at("/api/v1/power/accounts/3101000002")).await;
    assert_eq!(account["meters"].as_array().map(Vec::len), Some(0), "nothing half-written: {account}");

    // A removal reading below the installation reading is refused.
    let remove = |reading: &str| {
        post_json(
            &agent,
            &csrf,
            app.at("/api/v1/power/meters/DDZY-4500100001/remove"),
            json!({"on": "2026-11-20", "reading": reading}),
        )
    };
    let (status, p) = remove("12.49").await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("reading"), Some("reading_below_installation")),
        "{p}"
    );
    let (status, m) = remove("130").await;
    assert_eq!((status, &m["state"], &m["removal_reading"]), (200, &json!("removed"), &json!("130.00")), "{m}");
    let actions: Vec<&str> = m["history"].as_array().unwrap().iter().map(|h| h["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["accepted", "installed", "removed"]);

    // All or nothing: a batch repeating a number in the archive stores none.
    let again =
        batch(&app, "B2", "single_phase", today(), &[("DDZY-4500100003", "passed"), ("DDZY-4500100001", "passed")]);
    let (status, p) = post_json(&agent, &csrf, app.at("/api/v1/power/meter-batches"), again).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("meters[1].meter_no")), "{p}");
    assert_eq!(agent.get(app.at("/api/v1/power/meters/DDZY-4500100003")).send().await.unwrap().status(), 404);
    // A meter accepted without seals is refused by name.
    let mut unsealed = batch(&app, "B3", "single_phase", today(), &[("DDZY-4500100004", "passed")]);
    unsealed["meters"][0]["seals"] = json!("");
    let (status, p) = post_json(&agent, &csrf, app.at("/api/v1/power/meter-batches"), unsealed).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("meters[0].seals")), "{p}");

    // The list page and its workbook.
    let page = agent.get(app.at("/power/meters")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("DDZY-4500100001") && page.contains("DDZY-4500100002"), "{page}");
    let res = agent.get(app.at("/power/meters.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
});

on_both!(the_months_plan_comes_from_the_archive, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    // Single-phase electronic meters rotate 8 years after verification:
    // one verified 8 years before the 10th of this month is due, one
    // verified 8 years before the 1st of next month is not.
    let due_on = today().first_of_month() + 9.days();
    let old = due_on - 8.years();
    let young = today().first_of_month() + 1.month() - 8.years();
    for (name, verified, meters) in [
        ("R1", old, vec![("DDZY-4500200001", "passed")]),
        ("R2", young, vec![("DDZY-4500200002", "passed")]),
        ("R3", today() - 10.days(), vec![("DDZY-4500200003", "passed")]),
    ] {
        let (status, p) = post_json(
            &agent,
            &csrf,
            app.at("/api/v1/power/meter-batches"),
            batch(&app, name, "single_phase", verified, &meters),
        )
        .await;
        assert_eq!(status, 201, "{p}");
    }
    // Class I high-voltage metering: a field test every 3 months from its
    // verification; class III every 12.
    let verified_3m = due_on - 3.months();
    for (name, class) in [("F1", "I"), ("F3", "III")] {
        let no = format!("DSZY-45003000{}", &name[1..]);
        let (status, _) = post_json(
            &agent,
            &csrf,
            app.at("/api/v1/power/meter-batches"),
            batch(&app, name, "three_phase_ct", verified_3m, &[(&no, "passed")]),
        )
        .await;
        assert_eq!(status, 201);
        let (status, m) = install(&app, &agent, &csrf, &no, "3101000002", "0", json!(class)).await;
        assert_eq!(status, 200, "{m}");
    }
    for no in ["DDZY-4500200001", "DDZY-4500200002"] {
        assert_eq!(install(&app, &agent, &csrf, no, "3101000001", "100", Value::Null).await.0, 200);
    }

    let (reader, reader_csrf) = app.signed_in("reader_a").await;
    let month = today().strftime("%Y-%m").to_string();
    let body = json!({"station": app.fx.store_a.0, "month": month});
    let (status, plan) = post_json(&reader, &reader_csrf, app.at("/api/v1/power/meter-plans"), body.clone()).await;
    assert_eq!(status, 200, "{plan}");
    let orders: Vec<(String, String, String)> = plan["work_orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap().into(),
                o["meter_no"].as_str().unwrap().into(),
                o["due_on"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        orders,
        [
            ("rotation".to_string(), "DDZY-4500200001".to_string(), due_on.to_string()),
            ("field_test".to_string(), "DSZY-450030001".to_string(), due_on.to_string()),
        ],
        "the rotation due and the class I field test; not the young meter, the one in stock or the class III point"
    );
    assert_eq!((plan["done"].as_i64(), &plan["completion"]), (Some(0), &json!("0.00%")));
    let (_, twice) = post_json(&reader, &reader_csrf, app.at("/api/v1/power/meter-plans"), body).await;
    assert_eq!(twice["work_orders"].as_array().unwrap().len(), 2, "generating twice adds nothing");

    // The rotation: the new meter from stock replaces the old at the same
    // account; the old one's reading closes, the new one's opens.
    let rotation = plan["work_orders"][0]["id"].as_i64().unwrap();
    let complete = |id: i64, body: Value| {
        post_json(&reader, &reader_csrf, app.at(&format!("/api/v1/power/meter-work-orders/{id}/complete")), body)
    };
    let (status, p) = complete(rotation, json!({"on": "2026-11-25", "old_reading": "99", "new_meter_no": "DDZY-4500200003", "new_reading": "0", "seals": "GX-R9"})).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("reading_below_installation")), "{p}");
    let (status, p) = complete(rotation, json!({"on": "2026-11-25", "old_reading": "2345.6", "new_meter_no": "DDZY-4500200003", "new_reading": "0.5", "seals": "GX-R9"})).await;
    assert_eq!(status, 204, "{p}");
    let old_meter = get_json(&reader, app.at("/api/v1/power/meters/DDZY-4500200001")).await;
    assert_eq!((&old_meter["state"], &old_meter["removal_reading"]), (&json!("removed"), &json!("2345.60")));
    let new_meter = get_json(&reader, app.at("/api/v1/power/meters/DDZY-4500200003")).await;
    assert_eq!(
        (&new_meter["state"], &new_meter["account_no"], &new_meter["install_reading"], &new_meter["seals"]),
        (&json!("installed"), &json!("3101000001"), &json!("0.50"), &json!("GX-R9"))
    );
    let plan =
        get_json(&reader, app.at(&format!("/api/v1/power/meter-plans?station={}&month={month}", app.fx.store_a.0)))
            .await;
    assert_eq!((plan["done"].as_i64(), &plan["completion"]), (Some(1), &json!("50.00%")), "{plan}");
    // The field test records its result and day.
    let test = plan["work_orders"][1]["id"].as_i64().unwrap();
    assert_eq!(complete(test, json!({"on": "2026-11-26", "result": "passed"})).await.0, 204);
    let plan =
        get_json(&reader, app.at(&format!("/api/v1/power/meter-plans?station={}&month={month}", app.fx.store_a.0)))
            .await;
    assert_eq!(plan["completion"], "100.00%");
    assert_eq!(complete(test, json!({"result": "passed"})).await.0, 422, "a work order is done once");
    let page = reader
        .get(app.at(&format!("/power/meter-plans?station={}&month={month}", app.fx.store_a.0)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("100.00%") && page.contains("DDZY-4500200003"), "{page}");

    // Instruments in date: one verified 13 months ago is out of date.
    let page = reader.get(app.at("/power/instruments")).send().await.unwrap().text().await.unwrap();
    let form_csrf = csrf_in(&page).unwrap();
    for (serial, verified) in [("STD-01", today() - 13.months()), ("STD-02", today() - 2.months())] {
        let res = reader
            .post(app.at("/power/instruments"))
            .form(&[
                ("_csrf", form_csrf.as_str()),
                ("station_id", &app.fx.store_a.0.to_string()),
                ("name", "标准电能表"),
                ("serial", serial),
                ("verified_on", &verified.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
    }
    let instruments = get_json(&reader, app.at("/api/v1/power/instruments")).await;
    assert_eq!(instruments["in_date"], "50.00%", "{instruments}");
});

on_both!(the_meter_routes_need_their_permission_and_the_branch, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let b = batch(&app, "A1", "single_phase", today(), &[("DDZY-4500400001", "passed")]);
    assert_eq!(post_json(&agent, &csrf, app.at("/api/v1/power/meter-batches"), b.clone()).await.0, 201);
    for who in ["reader_a", "inspector_a"] {
        let (client, csrf) = app.signed_in(who).await;
        let (status, _) = post_json(&client, &csrf, app.at("/api/v1/power/meter-batches"), b.clone()).await;
        assert_eq!(status, 403, "{who} accepts no batch");
        let (status, _) = install(&app, &client, &csrf, "DDZY-4500400001", "3101000001", "0", Value::Null).await;
        assert_eq!(status, 403, "{who} installs no meter");
    }
    let (inspector, _) = app.signed_in("inspector_a").await;
    assert_eq!(inspector.get(app.at("/power/meter-plans")).send().await.unwrap().status(), 403);
    // Another branch's agent does not find the meter.
    let (agent_b, csrf_b) = app.signed_in("agent_b").await;
    assert_eq!(agent_b.get(app.at("/api/v1/power/meters/DDZY-4500400001")).send().await.unwrap().status(), 404);
    assert_eq!(agent_b.get(app.at("/power/meters/DDZY-4500400001")).send().await.unwrap().status(), 404);
    let (status, _) = install(&app, &agent_b, &csrf_b, "DDZY-4500400001", "3101000001", "0", Value::Null).await;
    assert_eq!(status, 404);
    let list = get_json(&agent_b, app.at("/api/v1/power/meters")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
    let mut other = b.clone();
    other["meters"][0]["meter_no"] = json!("DDZY-4500400009");
    other["meters"][0]["asset_no"] = json!("A1-009");
    assert_eq!(
        post_json(&agent_b, &csrf_b, app.at("/api/v1/power/meter-batches"), other).await.0,
        404,
        "not into another station's stock"
    );
});

on_both!(the_demo_has_meters_with_histories_and_this_months_plan, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    kefu_power::demo::load(&app.db, 7, today(), 3000, &()).await.unwrap();
    let scope = Scope::new(kefu_accounts::branches::all(&app.db).await.unwrap().iter().map(|b| b.id).collect());
    let manager = Actor { roles: vec![Role::Manager], ..Actor::system(scope.clone()) };
    let station = archive::stations(&app.db, &scope).await.unwrap()[0].branch_id;
    let plan =
        kefu_power::meter_archive::plan(&app.db, &manager, station, today().first_of_month(), false).await.unwrap();
    let rotations = plan.orders.iter().filter(|o| o.kind == "rotation").count();
    assert!(rotations > 0, "this month's rotation plan has work: {plan:?}");
    assert!(plan.orders.iter().any(|o| o.status == "done"), "one of it done");
    let first = kefu_power::paging::Page { offset: 0, limit: 10 };
    let removed = kefu_power::meter_archive::list(&app.db, &scope, Some(station), "removed", first).await.unwrap().rows;
    let history = kefu_power::meter_archive::get(&app.db, &scope, &removed[0].meter_no).await.unwrap().history;
    let actions: Vec<&str> = history.iter().map(|m| m.action.as_str()).collect();
    assert_eq!(actions, ["accepted", "installed", "removed"]);
    let cases = kefu_power::cases::list(&app.db, &scope, &Default::default(), kefu_power::paging::Page::ALL)
        .await
        .unwrap()
        .rows;
    let escalated = cases.iter().filter(|c| c.escalated()).count();
    assert!(
        escalated > 0 && escalated < cases.len(),
        "some cases reported to the leaders: {escalated} of {}",
        cases.len()
    );
    let first = cases.iter().map(|c| c.found_on).min().unwrap();
    assert!(first <= today() - 23.months(), "two years of cases, from {first}");
});

/// The customers the search box finds for a query.
async fn found(client: &reqwest::Client, app: &TestApp, q: &str) -> Vec<i64> {
    let hits = get_json(client, app.at(&format!("/api/v1/search?q={q}"))).await;
    hits.as_array().unwrap().iter().map(|h| h["customer"]["id"].as_i64().unwrap()).collect()
}

on_both!(a_meter_installed_from_stock_finds_its_account_in_the_search_box, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let accepted = batch(&app, "B9", "single_phase", today(), &[("DDZY-4500900001", "passed")]);
    let (status, a) = post_json(&agent, &csrf, app.at("/api/v1/power/meter-batches"), accepted).await;
    assert_eq!(status, 201, "{a}");
    // In stock, the number names no account.
    assert!(found(&agent, &app, "DDZY-4500900001").await.is_empty());
    let (status, m) = install(&app, &agent, &csrf, "DDZY-4500900001", "3101000002", "3", Value::Null).await;
    assert_eq!(status, 200, "{m}");
    // Installed, it finds the account's holder, whole or by its lower case.
    assert_eq!(found(&agent, &app, "DDZY-4500900001").await, [app.fx.customer_a.0]);
    assert_eq!(found(&agent, &app, "ddzy-4500900001").await, [app.fx.customer_a.0]);
    // The account's own number still finds it.
    assert_eq!(found(&agent, &app, "3101000002").await, [app.fx.customer_a.0]);
    // Removed, the meter no longer leads there.
    let (status, m) = remove(&app, &agent, &csrf, "DDZY-4500900001", "2026-11-20", "40").await;
    assert_eq!(status, 200, "{m}");
    assert!(found(&agent, &app, "DDZY-4500900001").await.is_empty());
    assert_eq!(found(&agent, &app, "3101000002").await, [app.fx.customer_a.0]);
});

on_both!(ct_meters_come_with_their_ratios_and_meters_are_scrapped_or_returned_with_a_reason, |backend| async move {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let url = app.at("/api/v1/power/meter-batches");
    let ct_batch = |ct: Value, pt: Value| {
        let mut b = batch(&app, "CT1", "three_phase_ct", today() - 30.days(), &[("DTZY-4500800001", "passed")]);
        b["ct_ratio"] = ct;
        b["pt_ratio"] = pt;
        b
    };
    // Refused by field: a ratio upside down or garbled, ratios on a meter
    // without transformers, a multiplier that is no whole number.
    let mut plain = batch(&app, "P1", "single_phase", today(), &[("DDZY-4500800002", "passed")]);
    plain["ct_ratio"] = json!("150/5");
    for (body, field, rule) in [
        (ct_batch(json!("5/150"), Value::Null), "ct_ratio", "ratio_step_down"),
        (ct_batch(json!("150:5"), Value::Null), "ct_ratio", "ratio_format"),
        (ct_batch(json!("10/3"), Value::Null), "pt_ratio", "ratio_multiplier"),
        (plain, "ct_ratio", "ratio_needs_ct_meter"),
    ] {
        let (status, p) = post_json(&agent, &csrf, url.clone(), body).await;
        assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some(field), Some(rule)), "{p}");
    }
    let (status, a) = post_json(&agent, &csrf, url.clone(), ct_batch(json!("150/5"), json!("10000/100"))).await;
    assert_eq!(status, 201, "{a}");
    let m = get_json(&agent, app.at("/api/v1/power/meters/DTZY-4500800001")).await;
    assert_eq!((m["ct"].as_str(), m["pt"].as_str()), (Some("150/5"), Some("10000/100")), "{m}");
    assert_eq!(m["multiplier"].as_i64(), Some((150 / 5) * (10000 / 100)));
    let page = agent.get(app.at("/power/meters/DTZY-4500800001")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!(r#"data-testid="meter-multiplier">{}<"#, (150 / 5) * (10000 / 100))));

    // Installed, it cannot be scrapped nor returned; removed, it returns to
    // stock with a reason and can be installed again; then it is scrapped.
    let (status, _) = install(&app, &agent, &csrf, "DTZY-4500800001", "3101000001", "0", json!("II")).await;
    assert_eq!(status, 200);
    let set_aside = |what: &'static str, on: &'static str, reason: &'static str| {
        let (agent, csrf, app) = (&agent, &csrf, &app);
        async move {
            let url = app.at(&format!("/api/v1/power/meters/DTZY-4500800001/{what}"));
            post_json(agent, csrf, url, json!({"on": on, "reason": reason})).await
        }
    };
    let (status, p) = set_aside("scrap", "2026-11-25", "雷击损坏").await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("meter_in_use")), "{p}");
    let (status, p) = set_aside("return", "2026-11-25", "线路改造").await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("meter_not_removed")), "{p}");
    let (status, _) = remove(&app, &agent, &csrf, "DTZY-4500800001", "2026-11-20", "12").await;
    assert_eq!(status, 200);
    let (status, p) = set_aside("return", "2026-11-25", " ").await;
    assert_eq!((status, p["field"].as_str()), (422, Some("reason")), "{p}");
    let (status, p) = set_aside("return", "2026-11-19", "线路改造").await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("on"), Some("date_before_last_move")),
        "{p}"
    );
    let (status, m) = set_aside("return", "2026-11-25", "用户销户，表计完好").await;
    assert_eq!((status, m["state"].as_str(), &m["account_no"]), (200, Some("in_stock"), &Value::Null), "{m}");
    let (status, m) = install(&app, &agent, &csrf, "DTZY-4500800001", "3101000002", "5", json!("II")).await;
    assert_eq!((status, m["account_no"].as_str()), (200, Some("3101000002")), "{m}");
    remove(&app, &agent, &csrf, "DTZY-4500800001", "2026-11-25", "30").await;
    let (status, m) = set_aside("scrap", "2026-11-25", "雷击损坏，无修复价值").await;
    assert_eq!((status, m["state"].as_str()), (200, Some("scrapped")), "{m}");
    let moves: Vec<(&str, Option<&str>)> =
        m["history"].as_array().unwrap().iter().map(|h| (h["action"].as_str().unwrap(), h["note"].as_str())).collect();
    assert_eq!(moves.len(), 7, "accepted, installed and removed twice, returned, scrapped: {moves:?}");
    assert!(moves.contains(&("returned", Some("用户销户，表计完好"))), "{moves:?}");
    assert!(moves.contains(&("scrapped", Some("雷击损坏，无修复价值"))), "{moves:?}");
    assert_eq!((app.audit_count("power_meter", "return").await, app.audit_count("power_meter", "scrap").await), (1, 1));
    // A scrapped meter is never installed again.
    let (status, _) = install(&app, &agent, &csrf, "DTZY-4500800001", "3101000001", "0", Value::Null).await;
    assert_eq!(status, 422);
    let page = agent.get(app.at("/power/meters/DTZY-4500800001")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("雷击损坏，无修复价值") && !page.contains(r#"data-testid="meter-scrap""#));
});
