//! Planned outages (停电审批, issue 19 §5), on SQLite and on PostgreSQL: a
//! station asks, only a manager approves; once approved the holders are
//! told by SMS at the lead times — the 10 kV large user 7 days ahead, the
//! household 1 day ahead — and the notice prints as a PDF with the Chinese
//! font. And the rural electricians' training (§6): sessions, attendees
//! from the station's staff, results, certificates and those lapsing soon.

use crate::support::*;
use kefu_core::{Actor, Scope};
use kefu_power::accounts::{AccountNo, StationPrefix};
use kefu_power::archive::{self, NewAccount};
use kefu_store::Change;

/// Store A as supply station 3101 with customer A's household (serial 1)
/// and customer B's 10 kV factory (serial 2).
pub(crate) async fn station(app: &TestApp) {
    let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
    let prefix = StationPrefix::parse("prefix", "3101").unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_a, &prefix).await.unwrap();
    let account = |serial, customer, voltage, usage_class| NewAccount {
        account_no: AccountNo::issue(&prefix, serial).unwrap(),
        customer_id: customer,
        branch_id: app.fx.store_a,
        usage_class,
        voltage,
        capacity_kva: if voltage == "10kv" { 630 } else { 8 },
        supply_address: "青山镇新街8号".into(),
        tariff_code: "gx-res-1",
        permit: None,
        status: "active",
        meters: Vec::new(),
    };
    let accounts = vec![
        account(1, app.fx.customer_a, "220v", "residential"),
        account(2, app.fx.customer_b, "10kv", "large_industry"),
    ];
    archive::insert_in(&mut tx, accounts, Vec::new()).await.unwrap();
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
}

/// Where a form's answer sends the browser (a refusal or the sign-in page
/// would send it elsewhere).
fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

async fn post_form(client: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(app.at(path)).form(form).send().await.unwrap()
}

/// The outreach tasks of a playbook: (customer, status).
async fn told(app: &TestApp, playbook: &str) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT customer_id, status FROM outreach_tasks WHERE playbook = $1 ORDER BY customer_id")
        .bind(playbook.to_string())
        .fetch_all(app.db.pool())
        .await
        .unwrap()
}

on_both!(an_approved_outage_tells_its_customers_at_the_lead_times, |backend| async move {
    // Every pack runs (the power pack among them), with letters for the PDF.
    let letters = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, printing(letters.path())).await;
    station(&app).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let store = app.fx.store_a.0.to_string();
    // The outage: Thursday 17 December 2026, 08:00–18:00 (today is 29 November).
    let form = |accounts: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("station", store.clone()),
            ("equipment_kind", "feeder".into()),
            ("equipment", "10kV青山线".into()),
            ("starts_at", "2026-12-17T08:00".into()),
            ("ends_at", "2026-12-17T18:00".into()),
            ("reason", "线路检修".into()),
            ("accounts", accounts.into()),
        ]
    };
    let as_refs = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    // An account not of the station is refused by name.
    let res = agent.post(app.at("/power/outages")).form(&as_refs(&form("3101000001 3109000001"))).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("3109000001"));
    let res =
        agent.post(app.at("/power/outages")).form(&as_refs(&form("3101000001, 3101000002"))).send().await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM power_outages").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(location(&res), format!("/power/outages/{id}"));
    // An agent cannot approve; the notice is not printed before approval.
    let decision = format!("/power/outages/{id}/decision");
    let res = post_form(&agent, &app, &decision, &[("_csrf", &csrf), ("decision", "approve"), ("note", "")]).await;
    assert_eq!(res.status(), 403);
    let res = agent.get(app.at(&format!("/power/outages/{id}/notice.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 409);
    // Another station's agent does not see it.
    let agent_b = app.login("agent_b").await;
    assert_eq!(agent_b.get(app.at(&format!("/power/outages/{id}"))).send().await.unwrap().status(), 404);

    // Before approval, the daily run on the lead days tells no one.
    // The run of a later day, by a manager signed in that day.
    let run_on = |day: &'static str| {
        let app = &app;
        async move {
            app.clock.set(format!("{day}T01:00:00Z").parse().unwrap());
            let (manager, csrf) = app.signed_in("manager_a").await;
            let res = manager.post(app.at("/outreach/run")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
            assert_eq!(location(&res), "/outreach", "the run ran");
        }
    };
    run_on("2026-12-10").await;
    assert!(told(&app, "power_outage_large").await.is_empty());
    app.clock.set(start_instant());
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let res =
        post_form(&manager, &app, &decision, &[("_csrf", &manager_csrf), ("decision", "approve"), ("note", "同意")])
            .await;
    assert_eq!(location(&res), format!("/power/outages/{id}"));
    assert_eq!(app.audit_count("power_outage", "approve").await, 1);
    let res =
        post_form(&manager, &app, &decision, &[("_csrf", &manager_csrf), ("decision", "refuse"), ("note", "x")]).await;
    assert_eq!(res.status(), 409, "a decided request is not decided again");

    // Seven days ahead (10 December) the large user (customer B) is told; the household is not yet.
    run_on("2026-12-09").await;
    assert!(told(&app, "power_outage_large").await.is_empty(), "not eight days ahead");
    run_on("2026-12-10").await;
    assert_eq!(told(&app, "power_outage_large").await, [(app.fx.customer_b.0, "pending".to_string())]);
    assert!(told(&app, "power_outage_resident").await.is_empty());
    // One day ahead (16 December) the household (customer A) is told.
    run_on("2026-12-16").await;
    assert_eq!(told(&app, "power_outage_resident").await, [(app.fx.customer_a.0, "pending".to_string())]);
    let message: String =
        sqlx::query_scalar("SELECT message FROM outreach_tasks WHERE playbook = 'power_outage_resident'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(message.contains("2026-12-17 08:00") && message.contains("线路检修"), "{message}");

    let manager = app.login("manager_a").await;
    let res = manager.get(app.at("/power/outages.xlsx")).send().await.unwrap();
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "the list exports as an XLSX");
    // The printed notice names the time and the accounts, in Chinese.
    let res = manager.get(app.at(&format!("/power/outages/{id}/notice.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let text = pdf_text(&res.bytes().await.unwrap());
    assert!(text.contains("停电通知") && text.contains("3101000002") && text.contains("线路检修"), "{text}");
});

on_both!(training_records_results_and_lists_certificates_lapsing_soon, |backend| async move {
    let app = TestApp::start(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let form = |fields: &[(&'static str, String)]| {
        let mut f = vec![("_csrf", csrf.clone())];
        f.extend(fields.iter().cloned());
        f
    };
    let res = agent
        .post(app.at("/power/training"))
        .form(&form(&[
            ("station", app.fx.store_a.0.to_string()),
            ("held_on", "2024-12-20".into()),
            ("topic", "农村低压电网安全规程".into()),
            ("trainer", "韦工".into()),
        ]))
        .send()
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM power_training_sessions").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(location(&res), format!("/power/training/{id}"));
    let user = |name: &str| {
        let name = name.to_string();
        let app = &app;
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE username = $1")
                .bind(name)
                .fetch_one(app.db.pool())
                .await
                .unwrap()
        }
    };
    let path = format!("/power/training/{id}/attendees");
    // Today is 29 November 2026: agent A's certificate lapses on 15
    // January 2027, within 60 days; the manager's in 2028.
    for (who, expires) in [("agent_a", "2027-01-15"), ("manager_a", "2028-06-30")] {
        let res = agent
            .post(app.at(&path))
            .form(&form(&[
                ("user_id", user(who).await.to_string()),
                ("result", "pass".into()),
                ("score", "86".into()),
                ("certificate_no", format!("DG-{who}")),
                ("certificate_expires", expires.into()),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&res), path.replace("/attendees", ""), "{who}");
    }
    // Store B's agent is not the station's staff; a score over 100 is refused.
    for (who, score) in [("agent_b", "80"), ("agent_en", "101")] {
        let res = agent
            .post(app.at(&path))
            .form(&form(&[
                ("user_id", user(who).await.to_string()),
                ("result", "fail".into()),
                ("score", score.into()),
            ]))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{who}");
    }
    let page = agent.get(app.at("/power/training")).send().await.unwrap().text().await.unwrap();
    let lapsing =
        page.split(r#"data-testid="power-training-lapsing""#).nth(1).unwrap().split("</table>").next().unwrap();
    assert!(lapsing.contains("DG-agent_a") && lapsing.contains("2027-01-15"), "{lapsing}");
    assert!(!lapsing.contains("DG-manager_a"), "not lapsing soon");
    assert_eq!(app.audit_count("power_training_session", "record").await, 2);
    // The lists export as a workbook.
    let res = agent.get(app.at("/power/training.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "an XLSX is a zip");
    // Another store does not see the session.
    let agent_b = app.login("agent_b").await;
    assert_eq!(agent_b.get(app.at(&format!("/power/training/{id}"))).send().await.unwrap().status(), 404);
});
