//! The power pack's gaps closed (issue 19), on SQLite and on PostgreSQL:
//! the planned outages' and the electricians' training's JSON API; an
//! outage approved after its notices' lead day tells its holders at once,
//! says so on the page and in the API, and records it.

use crate::power_outages::station;
use crate::support::*;
use serde_json::{Value, json};

/// The outreach tasks of a playbook: (customer, status, anchor day, due day).
async fn tasks(app: &TestApp, playbook: &str) -> Vec<(i64, String, String, String)> {
    sqlx::query_as(
        "SELECT customer_id, status, anchor_date, due_date FROM outreach_tasks WHERE playbook = $1 \
         ORDER BY customer_id",
    )
    .bind(playbook.to_string())
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

/// A request for an outage of both of store A's accounts on `day`.
fn outage(app: &TestApp, day: &str) -> Value {
    json!({"station_id": app.fx.store_a.0, "equipment_kind": "feeder", "equipment": "10kV青山线",
        "starts_at": format!("{day} 08:00"), "ends_at": format!("{day} 17:00"), "reason": "线路检修",
        "accounts": ["3101000001", "3101000002"]})
}

async fn outages_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM power_outages").fetch_one(app.db.pool()).await.unwrap()
}

on_both!(an_outage_approved_after_its_lead_day_is_told_at_once_and_says_so, |backend| async move {
    let app = TestApp::start(backend).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    // Today is Sunday 29 November 2026. An outage on 3 December: the 10 kV
    // user (customer B) should have been told 7 days ahead, on 26 November;
    // the household (customer A) is told 1 day ahead, on 2 December.
    let (status, o) = post_json(&agent, &csrf, app.at("/api/v1/power/outages"), outage(&app, "2026-12-03")).await;
    assert_eq!(status, 200, "{o}");
    let id = o["outage"]["id"].as_i64().unwrap();
    assert_eq!((o["outage"]["status"].as_str(), o["outage"]["accounts"].as_i64()), (Some("requested"), Some(2)));
    assert_eq!(o["first_notice_day"], "2026-11-26");
    assert_eq!(o["account_list"].as_array().map(Vec::len), Some(2));
    let warning = o["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("2026-11-26") && warning.contains("立即发送"), "{o}");
    // In English for an English user, with no Chinese in it.
    let alice = app.login("agent_en").await;
    let en = get_json(&alice, app.at(&format!("/api/v1/power/outages/{id}"))).await;
    let warning = en["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("2026-11-26") && warning.contains("at once"), "{en}");
    assert!(!warning.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{warning}");
    // The manager's page warns before approving.
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let page = manager.get(app.at(&format!("/power/outages/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"data-testid="outage-late""#) && page.contains("2026-11-26"), "the page warns");

    // Only a manager decides.
    let decision = app.at(&format!("/api/v1/power/outages/{id}/decision"));
    let (status, _) = post_json(&agent, &csrf, decision.clone(), json!({"decision": "approve"})).await;
    assert_eq!(status, 403);
    let (status, p) = post_json(&manager, &manager_csrf, decision.clone(), json!({"decision": "maybe"})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("decision")), "{p}");
    assert!(tasks(&app, "power_outage_large").await.is_empty(), "nothing is sent before approval");

    let (status, o) =
        post_json(&manager, &manager_csrf, decision.clone(), json!({"decision": "approve", "note": "同意"})).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["outage"]["status"], "approved");
    // The large user's notice goes out now, under the key the daily run
    // would have given it (its anchor is the outage's day), due today.
    let large = tasks(&app, "power_outage_large").await;
    let expected = (app.fx.customer_b.0, "pending".to_string(), "2026-12-03".to_string(), "2026-11-29".to_string());
    assert_eq!(large, std::slice::from_ref(&expected));
    assert!(tasks(&app, "power_outage_resident").await.is_empty(), "the household's day has not come");
    // The outage records that its notices were late, and says so.
    assert_eq!(o["outage"]["late_notices"].as_i64(), Some(large.len() as i64), "{o}");
    assert!(o["outage"]["late_notice_at"].is_string(), "{o}");
    let warning = o["warning"].as_str().unwrap_or_default();
    assert!(warning.contains("2026-11-29 09:00") && warning.contains(&large.len().to_string()), "{o}");
    let page = manager.get(app.at(&format!("/power/outages/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"data-testid="outage-late""#), "the page says the notices were late");
    let list = manager.get(app.at("/power/outages")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("通知迟发"), "the list marks it");
    let late: String = sqlx::query_scalar(
        "SELECT new_value FROM audit_log WHERE entity = 'power_outage' AND action = 'approve' AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(late.contains(r#""late":true"#), "the approval's audit records it: {late}");

    // The household is told by the daily run of 2 December; the large
    // user's notice is not sent twice.
    app.clock.set("2026-12-02T01:00:00Z".parse().unwrap());
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let res = manager.post(app.at("/outreach/run")).form(&[("_csrf", manager_csrf.as_str())]).send().await.unwrap();
    assert!(res.status().is_redirection() || res.status().is_success());
    assert_eq!(tasks(&app, "power_outage_resident").await.len(), 1);
    assert_eq!(tasks(&app, "power_outage_large").await, [expected]);
});

on_both!(an_outage_approved_in_time_is_left_to_the_daily_run, |backend| async move {
    let app = TestApp::start(backend).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (status, o) = post_json(&agent, &csrf, app.at("/api/v1/power/outages"), outage(&app, "2026-12-20")).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!((o["first_notice_day"].as_str(), &o["warning"]), (Some("2026-12-13"), &Value::Null), "{o}");
    let id = o["outage"]["id"].as_i64().unwrap();
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let decision = app.at(&format!("/api/v1/power/outages/{id}/decision"));
    let (status, o) = post_json(&manager, &manager_csrf, decision, json!({"decision": "approve"})).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(
        (&o["warning"], &o["outage"]["late_notice_at"], o["outage"]["late_notices"].as_i64()),
        (&Value::Null, &Value::Null, Some(0))
    );
    assert!(
        tasks(&app, "power_outage_large").await.is_empty() && tasks(&app, "power_outage_resident").await.is_empty()
    );
    // A refusal needs its reason; the list shows both outages' states.
    let (status, o) = post_json(&agent, &csrf, app.at("/api/v1/power/outages"), outage(&app, "2026-12-21")).await;
    assert_eq!(status, 200, "{o}");
    let refuse = app.at(&format!("/api/v1/power/outages/{}/decision", o["outage"]["id"]));
    let (status, p) = post_json(&manager, &manager_csrf, refuse.clone(), json!({"decision": "refuse"})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("note")), "{p}");
    let (status, _) =
        post_json(&manager, &manager_csrf, refuse, json!({"decision": "refuse", "note": "与春灌冲突"})).await;
    assert_eq!(status, 200);
    let list = get_json(&agent, app.at("/api/v1/power/outages")).await;
    let states: Vec<&str> = list.as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(states, ["refused", "approved"], "latest first");
});

on_both!(the_outage_api_refuses_bad_requests_by_field_and_writes_nothing, |backend| async move {
    let app = TestApp::start(backend).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let url = app.at("/api/v1/power/outages");
    let with = |field: &str, value: Value| {
        let mut body = outage(&app, "2026-12-20");
        body[field] = value;
        body
    };
    for (body, field, rule) in [
        (with("starts_at", json!("20/12/2026 08:00")), "starts_at", "time_format"),
        (with("starts_at", json!("2026-11-28 08:00")), "starts_at", "outage_in_past"),
        (with("ends_at", json!("2026-12-20 07:00")), "ends_at", "outage_ends_before"),
        (with("equipment_kind", json!("pole")), "equipment_kind", "one_of"),
        (with("accounts", json!(["3101000001", "3109000009"])), "accounts", "outage_account"),
        (with("reason", json!("  ")), "reason", "required"),
    ] {
        let (status, p) = post_json(&agent, &csrf, url.clone(), body).await;
        assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some(field), Some(rule)), "{p}");
    }
    // In English for an English user.
    let (alice, alice_csrf) = app.signed_in("agent_en").await;
    let (status, p) = post_json(&alice, &alice_csrf, url.clone(), with("starts_at", json!("20/12/2026"))).await;
    assert_eq!(status, 422);
    assert!(p["detail"].as_str().unwrap().contains("times look like"), "{p}");
    // Another store's station is not found.
    let (agent_b, csrf_b) = app.signed_in("agent_b").await;
    let (status, _) = post_json(&agent_b, &csrf_b, url.clone(), outage(&app, "2026-12-20")).await;
    assert_eq!(status, 404);
    assert_eq!(outages_count(&app).await, 0, "nothing written by a refusal");
    let (status, o) = post_json(&agent, &csrf, url, outage(&app, "2026-12-20")).await;
    assert_eq!(status, 200, "{o}");
    let id = o["outage"]["id"].as_i64().unwrap();
    assert_eq!(agent_b.get(app.at(&format!("/api/v1/power/outages/{id}"))).send().await.unwrap().status(), 404);
});

on_both!(the_training_api_adds_sessions_records_results_and_lists_lapsing_certificates, |backend| async move {
    let app = TestApp::start(backend).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let sessions = app.at("/api/v1/power/training/sessions");
    let session = json!({"station_id": app.fx.store_a.0, "held_on": "2024-12-20", "topic": "农村低压电网安全规程", "trainer": "韦工"});
    let mut bad = session.clone();
    bad["held_on"] = json!("2024/12/20");
    let (status, p) = post_json(&agent, &csrf, sessions.clone(), bad).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("held_on")), "{p}");
    let (status, s) = post_json(&agent, &csrf, sessions.clone(), session).await;
    assert_eq!(status, 200, "{s}");
    let id = s["session"]["id"].as_i64().unwrap();
    assert_eq!(
        (s["session"]["topic"].as_str(), s["session"]["attendees"].as_i64()),
        (Some("农村低压电网安全规程"), Some(0))
    );
    let user = |name: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1")
                .bind(name)
                .fetch_one(app.db.pool())
                .await
                .unwrap()
        }
    };
    let attendees = app.at(&format!("/api/v1/power/training/sessions/{id}/attendees"));
    // Today is 29 November 2026: agent A's certificate lapses on 15
    // January 2027, within 60 days; the manager's in 2028.
    for (who, expires) in [("agent_a", "2027-01-15"), ("manager_a", "2028-06-30")] {
        let body = json!({"user_id": user(who).await, "result": "pass", "score": 86, "certificate_no": format!("DG-{who}"), "certificate_expires": expires});
        let (status, s) = post_json(&agent, &csrf, attendees.clone(), body).await;
        assert_eq!(status, 200, "{s}");
    }
    // Refused by field: a certificate ending before the session, someone
    // not of the station's staff, a score over 100.
    for (body, field) in [
        (
            json!({"user_id": user("agent_en").await, "result": "pass", "certificate_no": "DG-x", "certificate_expires": "2024-12-01"}),
            "certificate_expires",
        ),
        (json!({"user_id": user("agent_b").await, "result": "fail"}), "user_id"),
        (json!({"user_id": user("agent_en").await, "result": "fail", "score": 101}), "score"),
        (json!({"user_id": user("agent_en").await, "result": "absent"}), "result"),
    ] {
        let (status, p) = post_json(&agent, &csrf, attendees.clone(), body).await;
        assert_eq!((status, p["field"].as_str()), (422, Some(field)), "{p}");
    }
    let s = get_json(&agent, app.at(&format!("/api/v1/power/training/sessions/{id}"))).await;
    let names: Vec<&str> =
        s["attendee_list"].as_array().unwrap().iter().map(|a| a["certificate_no"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{s}");
    assert!(names.contains(&"DG-agent_a") && names.contains(&"DG-manager_a"));
    let list = get_json(&agent, sessions.clone()).await;
    assert_eq!(
        list.as_array().map(|l| l.iter().map(|s| s["attendees"].as_i64().unwrap()).collect::<Vec<_>>()),
        Some(vec![2])
    );
    let lapsing = get_json(&agent, app.at("/api/v1/power/training/lapsing")).await;
    let lapsing: Vec<(&str, &str)> = lapsing
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["certificate_no"].as_str().unwrap(), a["certificate_expires"].as_str().unwrap()))
        .collect();
    assert_eq!(lapsing, [("DG-agent_a", "2027-01-15")]);
    assert_eq!(app.audit_count("power_training_session", "record").await, 2);
    // Another store sees neither the session nor its certificates.
    let agent_b = app.login("agent_b").await;
    assert_eq!(
        agent_b.get(app.at(&format!("/api/v1/power/training/sessions/{id}"))).send().await.unwrap().status(),
        404
    );
    assert_eq!(get_json(&agent_b, app.at("/api/v1/power/training/lapsing")).await, json!([]));
});

/// Records a supply contract of store A's 10 kV account; its id.
async fn contract(app: &TestApp, agent: &reqwest::Client, csrf: &str, no: &str, signed_on: &str) -> i64 {
    let body = json!({"contract_no": no, "signed_on": signed_on, "valid_until": "2029-01-09", "capacity_kva": 630,
        "supply_mode": "dual_source", "metering_point": "10kV 进线高压计量柜", "liability_boundary": "T 接杆熔断器下桩头"});
    let (status, c) = post_json(agent, csrf, app.at("/api/v1/power/accounts/3101000002/contracts"), body).await;
    assert_eq!(status, 200, "{c}");
    c["id"].as_i64().unwrap()
}

on_both!(a_contract_check_is_tied_to_the_contract_and_a_broken_term_opens_a_case, |backend| async move {
    let app = TestApp::start(backend).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let id = contract(&app, &agent, &csrf, "QSHT-2026-001", "2026-01-10").await;
    let url = app.at(&format!("/api/v1/power/contracts/{id}/checks"));
    let visit = |terms: Value| json!({"inspected_on": "2026-11-20", "findings": "现场检查", "terms": terms});
    let broken = json!([{"term": "capacity", "outcome": "broken", "found": "新增 250kVA 变压器，运行容量 880kVA"},
        {"term": "metering_point", "outcome": "kept", "found": ""}]);
    // Only inspection staff record checks.
    let (status, _) = post_json(&agent, &csrf, url.clone(), visit(broken.clone())).await;
    assert_eq!(status, 403);
    let (manager, mcsrf) = app.signed_in("manager_a").await;
    // Refused by field, writing nothing.
    let mut tomorrow = visit(broken.clone());
    tomorrow["inspected_on"] = json!("2026-11-30");
    for (body, field) in [
        (visit(json!([{"term": "capacity", "outcome": "broken", "found": " "}])), "found_capacity"),
        (visit(json!([{"term": "capacity", "outcome": "maybe"}])), "capacity"),
        (visit(json!([{"term": "tariff", "outcome": "kept"}])), "terms"),
        (visit(json!([])), "terms"),
        (tomorrow, "inspected_on"),
    ] {
        let (status, p) = post_json(&manager, &mcsrf, url.clone(), body).await;
        assert_eq!((status, p["field"].as_str()), (422, Some(field)), "{p}");
    }
    let records = || async {
        sqlx::query_as::<_, (String, Option<i64>)>("SELECT result, case_id FROM power_inspection_records")
            .fetch_all(app.db.pool())
            .await
            .unwrap()
    };
    assert!(records().await.is_empty(), "nothing written by a refusal");

    let (status, checks) = post_json(&manager, &mcsrf, url.clone(), visit(broken)).await;
    assert_eq!(status, 200, "{checks}");
    let checks = checks.as_array().unwrap().clone();
    let outcome: Vec<(&str, &str)> =
        checks.iter().map(|c| (c["term"].as_str().unwrap(), c["outcome"].as_str().unwrap())).collect();
    assert_eq!(outcome, [("capacity", "broken"), ("metering_point", "kept")]);
    // The visit is a record of a contract plan made for it, a violation.
    assert_eq!(records().await, [("violation".to_string(), None)]);
    let subject: String =
        sqlx::query_scalar("SELECT subject FROM power_inspection_plans").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(subject, "contract");
    assert_eq!(app.audit_count("power_contract", "check").await, 1);
    // The contract's page lists the checks and what was found.
    let page = manager.get(app.at(&format!("/power/contracts/{id}"))).send().await.unwrap().text().await.unwrap();
    let table = page.split(r#"data-testid="power-contract-checks""#).nth(1).unwrap().split("</table>").next().unwrap();
    assert!(table.contains("运行容量 880kVA") && table.contains("2026-11-20") && table.contains("违反"), "{table}");

    // A kept term opens no case; the broken one opens one, linked both ways.
    let case_url = |c: &Value| app.at(&format!("/api/v1/power/contract-checks/{}/case", c["id"]));
    let body = json!({"kind": "unauthorised_increase", "added_kva": 250});
    let (status, _) = post_json(&manager, &mcsrf, case_url(&checks[1]), body.clone()).await;
    assert_eq!(status, 409);
    let (status, p) = post_json(&manager, &mcsrf, case_url(&checks[0]), json!({"kind": "unauthorised_increase"})).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("added_kva")), "{p}");
    let (status, opened) = post_json(&manager, &mcsrf, case_url(&checks[0]), body.clone()).await;
    assert_eq!(status, 200, "{opened}");
    let case_id = opened["case_id"].as_i64().unwrap();
    let rules = get_json(&manager, app.at("/api/v1/power/case-rules")).await;
    let per_kva: f64 = rules["capacity_charge"].as_str().unwrap().parse().unwrap();
    let (kind, account, found_on, total_fen): (String, String, String, i64) = sqlx::query_as(
        "SELECT c.kind, a.account_no, c.found_on, c.total_fen FROM power_cases c \
         JOIN power_accounts a ON a.id = c.account_id WHERE c.id = $1",
    )
    .bind(case_id)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), account.as_str(), found_on.as_str()),
        ("unauthorised_increase", "3101000002", "2026-11-20")
    );
    assert_eq!(total_fen, (250.0 * per_kva * 100.0).round() as i64);
    assert_eq!(records().await, [("violation".to_string(), Some(case_id))]);
    let listed = get_json(&manager, url.clone()).await;
    assert_eq!(listed[0]["case_id"].as_i64(), Some(case_id), "{listed}");
    let (status, _) = post_json(&manager, &mcsrf, case_url(&checks[0]), body).await;
    assert_eq!(status, 409, "one case a broken term");

    // A renewal replaces the contract: checks go to the one in force.
    contract(&app, &agent, &csrf, "QSHT-2026-002", "2026-11-25").await;
    let (status, p) = post_json(&manager, &mcsrf, url, visit(json!([{"term": "capacity", "outcome": "kept"}]))).await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("contract_id"), Some("contract_superseded"))
    );
    // Another store does not see the contract.
    let agent_b = app.login("agent_b").await;
    assert_eq!(agent_b.get(app.at(&format!("/power/contracts/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(
        agent_b.get(app.at(&format!("/api/v1/power/contracts/{id}/checks"))).send().await.unwrap().status(),
        404
    );
});
