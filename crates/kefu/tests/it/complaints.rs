//! Complaints on SQLite and PostgreSQL: a complaint cannot close before the
//! re-contact confirms the customer is satisfied; missed deadlines escalate
//! to the supervisor and the manager exactly when they pass (test clock), once
//! even when two runs race; every step lands on the customer's timeline and
//! in the audit log; the customer is flagged while a complaint is open; and
//! complaints stay in their branch.

use crate::support;

use kefu_core::{Actor, Scope};
use serde_json::{Value, json};
use support::{Backend, TestApp};

fn everyone(app: &TestApp) -> Actor {
    Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]))
}

/// A signed-in API caller: its client and CSRF token.
struct Caller {
    client: reqwest::Client,
    csrf: String,
}

async fn caller(app: &TestApp, username: &str) -> Caller {
    let client = app.login(username).await;
    let csrf = app.csrf(&client).await;
    Caller { client, csrf }
}

impl Caller {
    async fn post(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        let res = self.client.post(app.at(path)).header("x-csrf-token", &self.csrf).json(&body).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }

    async fn get(&self, app: &TestApp, path: &str) -> (u16, String) {
        let res = self.client.get(app.at(path)).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

fn brake_noise() -> Value {
    json!({ "source": "call", "category": "repair_quality", "severity": "serious", "department": "workshop",
            "subject": "保养后刹车仍有异响", "detail": "11月25日保养，回家路上刹车吱吱响" })
}

/// Takes in the brake-noise complaint about 张伟 (store A); returns its id.
async fn intake(app: &TestApp, who: &Caller) -> i64 {
    let (status, c) =
        who.post(app, &format!("/api/v1/customers/{}/complaints", app.fx.customer_a), brake_noise()).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(c["status"], "open");
    c["id"].as_i64().unwrap()
}

fn assert_refused(status: u16, problem: &Value, field: &str, rule: &str) {
    assert_eq!(status, 422, "{problem}");
    assert_eq!((problem["field"].as_str(), problem["rule"].as_str()), (Some(field), Some(rule)), "{problem}");
}

on_both!(a_complaint_cannot_close_before_the_recontact, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let agent = caller(&app, "agent_a").await;
    let id = intake(&app, &agent).await;
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");
    let customer_page = format!("/customers/{}", app.fx.customer_a);
    let (_, page) = agent.get(&app, &customer_page).await;
    assert!(page.contains("data-testid=\"risk-flag\"") && page.contains("投诉处理中"), "flagged while open");

    // Closing at once, or resolving before anyone spoke with the customer, is refused.
    let (status, problem) = agent.post(&app, &path("close"), json!({})).await;
    assert_refused(status, &problem, "recontact", "recontact_before_closing");
    assert!(problem["detail"].as_str().unwrap().contains("7 天内回访"), "{problem}");
    let (status, problem) = agent.post(&app, &path("resolve"), json!({ "solution": "免费更换刹车片" })).await;
    assert_refused(status, &problem, "first_contact", "contact_before_resolving");

    let (status, c) =
        agent.post(&app, &path("steps"), json!({ "step": "contact", "text": "已致电客户，约明早到店检查" })).await;
    assert_eq!((status, c["status"].as_str()), (200, Some("in_progress")), "{c}");
    agent.post(&app, &path("steps"), json!({ "step": "investigation", "text": "刹车片装配不到位" })).await;
    let (status, c) = agent.post(&app, &path("resolve"), json!({ "solution": "免费更换刹车片并致歉" })).await;
    assert_eq!((status, c["status"].as_str()), (200, Some("resolved")), "{c}");
    assert_eq!(c["recontact_due_at"], "2026-12-06T01:00:00.000000Z", "seven days after the resolution");

    // Resolved is not enough: the re-contact has to confirm it.
    let (status, problem) = agent.post(&app, &path("close"), json!({})).await;
    assert_refused(status, &problem, "recontact", "recontact_before_closing");
    // An unsatisfied customer needs the reason, and reopens the complaint.
    let (status, problem) = agent.post(&app, &path("recontact"), json!({ "satisfied": false })).await;
    assert_refused(status, &problem, "notes", "required");
    let (_, c) = agent.post(&app, &path("recontact"), json!({ "satisfied": false, "notes": "仍有轻微异响" })).await;
    assert_eq!(c["status"], "in_progress");
    let (_, page) = agent.get(&app, &customer_page).await;
    assert!(page.contains("不满意客户"), "the unsatisfied re-contact flags the customer as unhappy");
    let (status, problem) = agent.post(&app, &path("close"), json!({})).await;
    assert_refused(status, &problem, "recontact", "recontact_before_closing");

    agent.post(&app, &path("resolve"), json!({ "solution": "更换刹车盘，赠送一次保养" })).await;
    let (_, c) = agent.post(&app, &path("recontact"), json!({ "satisfied": true, "notes": "客户表示满意" })).await;
    assert_eq!(c["status"], "confirmed");
    let (status, c) = agent.post(&app, &path("close"), json!({ "notes": "结案" })).await;
    assert_eq!((status, c["status"].as_str()), (200, Some("closed")), "{c}");
    let kinds: Vec<&str> = c["steps"].as_array().unwrap().iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["intake", "contact", "investigation", "resolution", "reopen", "resolution", "recontact", "close"]
    );
    // Closed is final.
    let (status, problem) = agent.post(&app, &path("steps"), json!({ "step": "note", "text": "补记" })).await;
    assert_refused(status, &problem, "status", "complaint_closed");

    // Every step is on the customer's timeline and in the audit log.
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM timeline_events WHERE customer_id = $1 AND kind = 'complaint'")
            .bind(app.fx.customer_a.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(events, 8);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE entity = 'complaint'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(audited, 8);
    let (_, page) = agent.get(&app, &customer_page).await;
    assert!(!page.contains("data-testid=\"risk-flag\""), "no flag once every complaint is closed");
});

on_both!(refusals_speak_the_users_language, |backend| async move {
    let app = TestApp::start(backend).await;
    let agent = caller(&app, "agent_en").await;
    let (status, problem) = agent
        .post(&app, &format!("/api/v1/customers/{}/complaints", app.fx.customer_a), json!({ "source": "fax" }))
        .await;
    assert_refused(status, &problem, "source", "one_of");
    assert!(problem["detail"].as_str().unwrap().starts_with("Source: must be call, visit"), "{problem}");
    let id = intake(&app, &agent).await;
    let (status, problem) = agent.post(&app, &format!("/api/v1/complaints/{id}/close"), json!({})).await;
    assert_eq!(status, 422);
    assert!(problem["detail"].as_str().unwrap().contains("re-contact within 7 days"), "{problem}");
});

/// The complaint re-contact calls in the call queue on `day`: (call, complaint).
async fn recontact_calls(app: &TestApp, day: &str) -> Vec<(i64, i64)> {
    let queue = kefu_outreach::calls::queue(&app.db, &everyone(app).scope, day.parse().unwrap(), 50, 0).await.unwrap();
    queue
        .iter()
        .filter(|c| c.playbook == "complaint_recontact")
        .map(|c| (c.id.0, c.complaint_id.expect("a re-contact call names its complaint").0))
        .collect()
}

/// The day's outreach run, as `kefu outreach run` does it.
async fn outreach_run(app: &TestApp, day: &str) -> kefu_outreach::run::Summary {
    let zone = kefu_core::time::BusinessZone::shanghai();
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &everyone(app), (day.parse().unwrap(), &zone), &|_, _| {})
        .await
        .unwrap()
}

impl Caller {
    /// Claims the call, and answers the call page the agent then sees.
    async fn claim_call(&self, app: &TestApp, call: i64) -> String {
        let claim = self.client.post(app.at(&format!("/outreach/calls/{call}/claim")));
        let res = claim.form(&[("_csrf", self.csrf.as_str())]).send().await.unwrap();
        assert_eq!(res.status(), 303, "the agent claims the call");
        let (status, page) = self.get(app, &format!("/outreach/calls/{call}")).await;
        assert_eq!(status, 200);
        page
    }

    /// Records the outcome of a call the agent claimed, as the call page does.
    async fn answer_call(&self, app: &TestApp, call: i64, outcome: &str, notes: &str) -> u16 {
        let form = [("_csrf", self.csrf.as_str()), ("outcome", outcome), ("notes", notes)];
        let res =
            self.client.post(app.at(&format!("/outreach/calls/{call}/outcome"))).form(&form).send().await.unwrap();
        res.status().as_u16()
    }
}

on_both!(a_resolved_complaints_recontact_call_is_queued_on_its_day_and_moves_it, |backend| async move {
    let app = TestApp::start(backend).await;
    let agent = caller(&app, "agent_a").await;
    let id = intake(&app, &agent).await;
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");
    agent.post(&app, &path("steps"), json!({ "step": "contact", "text": "已致电客户" })).await;
    // Resolved on 29 November at 09:00 Shanghai: the re-contact call is
    // made a week later, on 6 December, by the same queue as every touch.
    let (_, c) = agent.post(&app, &path("resolve"), json!({ "solution": "免费更换刹车片" })).await;
    assert_eq!(c["status"], "resolved", "{c}");
    let summary = outreach_run(&app, "2026-12-05").await;
    assert!(summary.unsupported.is_empty(), "every playbook has a data source: {:?}", summary.unsupported);
    assert!(recontact_calls(&app, "2026-12-05").await.is_empty(), "not before its day");
    outreach_run(&app, "2026-12-06").await;
    let calls = recontact_calls(&app, "2026-12-06").await;
    assert_eq!(calls.iter().map(|c| c.1).collect::<Vec<_>>(), [id], "the call is in the queue on its day");
    let call = calls[0].0;
    let page = agent.claim_call(&app, call).await;
    assert!(page.contains("value=\"satisfied\"") && page.contains("value=\"not_satisfied\""), "{page}");
    assert!(!page.contains("value=\"reached_booked\""), "a re-contact does not book: {page}");

    // Not satisfied needs the reason, and puts the complaint back in hand.
    assert_eq!(agent.answer_call(&app, call, "not_satisfied", "").await, 422, "the reason is required");
    assert_eq!(agent.answer_call(&app, call, "not_satisfied", "刹车仍有轻微异响").await, 303);
    let (_, c) = agent.get(&app, &format!("/api/v1/complaints/{id}")).await;
    let c: Value = serde_json::from_str(&c).unwrap();
    assert_eq!((c["status"].as_str(), c["satisfied"].as_bool()), (Some("in_progress"), Some(false)), "{c}");
    let last = c["steps"].as_array().unwrap().last().unwrap().clone();
    assert_eq!((last["kind"].as_str(), last["text"].as_str()), (Some("reopen"), Some("刹车仍有轻微异响")), "{c}");

    // Resolved again at 01:30 on 8 December in Shanghai (still the 7th in
    // UTC): the call falls on the 15th, the business day a week later.
    app.clock.set("2026-12-07T17:30:00Z".parse().unwrap());
    let agent = caller(&app, "agent_a").await;
    let (_, c) = agent.post(&app, &path("resolve"), json!({ "solution": "更换刹车盘" })).await;
    assert_eq!(c["status"], "resolved", "{c}");
    outreach_run(&app, "2026-12-14").await;
    assert!(recontact_calls(&app, "2026-12-14").await.is_empty(), "the day is Shanghai's, not UTC's");
    outreach_run(&app, "2026-12-15").await;
    let calls = recontact_calls(&app, "2026-12-15").await;
    assert_eq!(calls.iter().map(|c| c.1).collect::<Vec<_>>(), [id]);
    // Satisfied confirms the complaint, which may then close.
    agent.claim_call(&app, calls[0].0).await;
    assert_eq!(agent.answer_call(&app, calls[0].0, "satisfied", "客户表示满意").await, 303);
    let (status, c) = agent.post(&app, &path("close"), json!({})).await;
    assert_eq!((status, c["status"].as_str(), c["satisfied"].as_bool()), (200, Some("closed"), Some(true)), "{c}");
    // The call is done and, confirmed, the complaint needs no call again.
    assert!(recontact_calls(&app, "2026-12-15").await.is_empty());
});

/// The complaint's escalation level as stored.
async fn escalation(app: &TestApp, id: i64) -> i64 {
    sqlx::query_scalar("SELECT escalation FROM complaints WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

on_both!(missed_deadlines_escalate_exactly_when_they_pass, |backend| async move {
    let app = TestApp::start(backend).await;
    let agent = caller(&app, "agent_a").await;
    // Received at 09:00 Shanghai: first contact by 11:00, resolution in 72
    // hours, the manager 24 hours after that (the defaults).
    let id = intake(&app, &agent).await;
    let run = |at: &str| {
        let (db, actor, now) = (app.db.clone(), everyone(&app), at.parse::<jiff::Timestamp>().unwrap());
        async move { kefu_care::complaints::escalation::run(&db, &actor, now).await.unwrap() }
    };
    assert_eq!(run("2026-11-29T02:59:59Z").await.supervisor, 0, "not yet late");
    assert_eq!(escalation(&app, id).await, 0);
    assert_eq!(run("2026-11-29T03:00:00Z").await.supervisor, 1, "the first contact is late");
    assert_eq!(escalation(&app, id).await, 1);
    assert_eq!(run("2026-11-29T03:30:00Z").await, Default::default(), "escalated once");

    // The list shows the complaint late and escalated at the clock's time.
    app.clock.set("2026-11-29T03:10:00Z".parse().unwrap());
    let (_, list) = agent.get(&app, "/complaints").await;
    assert!(list.contains("首次联系超时") && list.contains("已上报主管"), "{list}");
    let (_, today) = agent.get(&app, "/").await;
    for tile in ["unclosed", "overdue", "escalated"] {
        let shown = today.split(&format!(r#"data-testid="count-today_complaints_{tile}""#)).nth(1).unwrap();
        let value = shown.split(r#"<span class="n">"#).nth(1).unwrap().split('<').next().unwrap();
        assert_eq!(value, "1", "the start page counts the complaint as {tile}");
    }
    agent.post(&app, &format!("/api/v1/complaints/{id}/steps"), json!({ "step": "contact", "text": "已联系" })).await;

    // Contacted but unresolved: nothing more until the manager's deadline,
    // then once, even when two servers run at the same moment.
    assert_eq!(run("2026-12-03T00:59:59Z").await, Default::default());
    let other = kefu_store::Db::connect(&app.db_url).await.unwrap();
    let actor = everyone(&app);
    let now: jiff::Timestamp = "2026-12-03T01:00:00Z".parse().unwrap();
    let (a, b) = tokio::join!(
        kefu_care::complaints::escalation::run(&app.db, &actor, now),
        kefu_care::complaints::escalation::run(&other, &actor, now)
    );
    assert_eq!(a.unwrap().manager + b.unwrap().manager, 1, "one of the two runs escalated it");
    assert_eq!(escalation(&app, id).await, 2);
    app.clock.set(now);
    // Days later: a new session (sessions expire after eight idle hours).
    let agent = caller(&app, "agent_a").await;
    let (_, c) = agent.get(&app, &format!("/api/v1/complaints/{id}")).await;
    let c: Value = serde_json::from_str(&c).unwrap();
    assert_eq!(c["escalation"], "manager", "{c}");
    assert_eq!(c["overdue"], json!({ "contact": false, "resolution": true, "recontact": false }));
    let escalations: Vec<&str> = c["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "escalation")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(escalations, ["supervisor", "manager"]);
    assert_eq!(app.audit_count("complaint", "escalation").await, 2);
    // A resolved complaint escalates no further.
    agent.post(&app, &format!("/api/v1/complaints/{id}/resolve"), json!({ "solution": "更换刹车片" })).await;
    assert_eq!(run("2026-12-20T01:00:00Z").await, Default::default());
});

on_both!(complaints_stay_in_their_branch, |backend| async move {
    let app = TestApp::start(backend).await;
    let agent_a = caller(&app, "agent_a").await;
    let id = intake(&app, &agent_a).await;
    let agent_b = caller(&app, "agent_b").await;
    let (status, _) = agent_b.get(&app, &format!("/api/v1/complaints/{id}")).await;
    assert_eq!(status, 404);
    let (status, _) = agent_b.get(&app, &format!("/complaints/{id}")).await;
    assert_eq!(status, 404);
    let (status, _) =
        agent_b.post(&app, &format!("/api/v1/complaints/{id}/steps"), json!({ "step": "note", "text": "越权" })).await;
    assert_eq!(status, 404);
    let (status, _) =
        agent_b.post(&app, &format!("/api/v1/customers/{}/complaints", app.fx.customer_a), brake_noise()).await;
    assert_eq!(status, 404, "no intake for another branch's customer");
    let (_, list) = agent_b.get(&app, "/api/v1/complaints").await;
    assert_eq!(list, "[]");
    let (_, list) = agent_a.get(&app, "/api/v1/complaints").await;
    assert_eq!(serde_json::from_str::<Value>(&list).unwrap().as_array().unwrap().len(), 1);
    // The IT administrator has no part in complaints.
    let admin = caller(&app, "admin").await;
    assert_eq!(admin.get(&app, "/complaints").await.0, 403);
    let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaint_steps WHERE complaint_id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(steps, 1, "only the intake; nothing written by the refused requests");
});

/// Contacts, resolves, re-contacts (satisfied) and closes a complaint.
async fn close_complaint(app: &TestApp, who: &Caller, id: i64) {
    let path = |action: &str| format!("/api/v1/complaints/{id}/{action}");
    who.post(app, &path("steps"), json!({ "step": "contact", "text": "已联系客户" })).await;
    who.post(app, &path("resolve"), json!({ "solution": "免费更换刹车片" })).await;
    who.post(app, &path("recontact"), json!({ "satisfied": true })).await;
    let (status, c) = who.post(app, &path("close"), json!({})).await;
    assert_eq!((status, c["status"].as_str()), (200, Some("closed")), "{c}");
}

on_both!(a_closed_complaint_becomes_a_case_with_its_plan_tracked_to_done, |backend| async move {
    let app = TestApp::start(backend).await;
    let manager = caller(&app, "manager_a").await;
    let id = intake(&app, &manager).await;
    let form = |pairs: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        f.push(("_csrf".into(), manager.csrf.clone()));
        f
    };
    let post_form = |path: String, f: Vec<(String, String)>| {
        let client = manager.client.clone();
        let url = app.at(&path);
        async move { client.post(url).form(&f).send().await.unwrap() }
    };
    let res = post_form(format!("/complaints/{id}/case"), form(&[("root_cause", "装配未按规范")])).await;
    assert_eq!(res.status(), 422, "only a closed complaint becomes a case");
    assert!(res.text().await.unwrap().contains("投诉结案后才能做案例分析"));
    close_complaint(&app, &manager, id).await;
    let res = post_form(format!("/complaints/{id}/case"), form(&[("root_cause", "技师未按规范拧紧刹车片")])).await;
    assert_eq!(res.status(), 303);
    let res = post_form(format!("/complaints/{id}/case"), form(&[("root_cause", "再来一次")])).await;
    assert_eq!(res.status(), 422, "one case per complaint");

    let action = |due: &str| form(&[("action", "刹车系统作业增加复检"), ("owner", "车间主任王强"), ("due_on", due)]);
    let res = post_form(format!("/complaints/{id}/case/actions"), action("下周")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("完成期限：日期格式须为 YYYY-MM-DD"));
    let res = post_form(format!("/complaints/{id}/case/actions"), action("2026-12-05")).await;
    assert_eq!(res.status(), 303);
    // Past its due date and not done: flagged.
    app.clock.set("2026-12-06T01:00:00Z".parse().unwrap());
    let manager = caller(&app, "manager_a").await;
    let (_, page) = manager.get(&app, &format!("/complaints/{id}")).await;
    assert!(page.contains("技师未按规范拧紧刹车片") && page.contains("已逾期"), "{page}");
    let action_id: i64 = sqlx::query_scalar("SELECT id FROM case_actions").fetch_one(app.db.pool()).await.unwrap();
    let done = format!("/complaints/{id}/case/actions/{action_id}/done");
    let res = manager.client.post(app.at(&done)).form(&[("_csrf", &manager.csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let (_, page) = manager.get(&app, &format!("/complaints/{id}")).await;
    assert!(page.contains("已完成") && !page.contains("已逾期"), "{page}");
    let res = manager.client.post(app.at(&done)).form(&[("_csrf", &manager.csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 409, "done once");
    assert_eq!(app.audit_count("case_action", "done").await, 1);
    // Agents handle complaints; the plan is the supervisors' and managers'.
    let agent = caller(&app, "agent_a").await;
    let res = agent.client.post(app.at(&done)).form(&[("_csrf", &agent.csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 403);
});

on_both!(the_monthly_summary_counts_times_rates_and_charts, |backend| async move {
    let app = TestApp::start(backend).await;
    let manager = caller(&app, "manager_a").await;
    // One complaint contacted after an hour, resolved and confirmed; another
    // about the price, never contacted.
    let first = intake(&app, &manager).await;
    app.clock.set("2026-11-29T02:00:00Z".parse().unwrap());
    close_complaint(&app, &manager, first).await;
    let price = json!({ "source": "visit", "category": "price", "severity": "normal", "department": "after_sales",
                        "subject": "保养报价与结算不符" });
    manager.post(&app, &format!("/api/v1/customers/{}/complaints", app.fx.customer_a), price).await;

    let (status, s) = manager.get(&app, "/api/v1/complaints/summary?month=2026-11").await;
    assert_eq!(status, 200);
    let s: Value = serde_json::from_str(&s).unwrap();
    assert_eq!((s["received"].as_u64(), s["closed"].as_u64()), (Some(2), Some(1)));
    assert_eq!(s["first_contact_hours"], 1.0);
    assert_eq!(s["contacted_in_time"], 1.0);
    assert_eq!(s["resolution_hours"], 1.0);
    assert_eq!((s["recontacted"].as_u64(), s["satisfaction"].as_f64()), (Some(1), Some(1.0)));
    assert!(s["by_category"].as_array().unwrap().contains(&json!(["price", 1])));
    assert!(s["by_department"].as_array().unwrap().contains(&json!(["workshop", 1])));
    let (_, december) = manager.get(&app, "/api/v1/complaints/summary?month=2026-12").await;
    assert_eq!(serde_json::from_str::<Value>(&december).unwrap()["received"], 0);

    let (_, page) = manager.get(&app, "/complaints/summary?month=2026-11").await;
    assert!(page.contains("<svg") && page.contains(r#"data-key="repair_quality" data-value="1""#), "{page}");
    let res = manager.client.get(app.at("/complaints/summary.xlsx?month=2026-11")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "a zip: an XLSX workbook");
    let (status, _) = manager.get(&app, "/api/v1/complaints/summary?month=11-2026").await;
    assert_eq!(status, 422);
    let agent = caller(&app, "agent_a").await;
    assert_eq!(agent.get(&app, "/complaints/summary").await.0, 403);
});
