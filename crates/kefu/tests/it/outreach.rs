//! The outreach engine on SQLite and PostgreSQL: a vehicle's cadences land on
//! exactly the right days, runs are idempotent (also two at once), "no phone
//! calls" moves calls to SMS, calls are claimed once, outcomes stop cadences,
//! retry and open follow-ups, and playbooks are edited safely.

use crate::support;

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::{Actor, Scope};
use kefu_store::Db;
use serde_json::json;
use support::{Backend, TestApp};

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn everyone(app: &TestApp) -> Actor {
    Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]))
}

async fn run(db: &Db, actor: &Actor, day: Date) -> kefu_outreach::run::Summary {
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(db, actor, (day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap()
}

/// Gives 张伟 (store A) a car bought on `purchase`; returns its id.
async fn car(app: &TestApp, purchase: &str, insurance: Option<&str>) -> i64 {
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let res = client
        .post(app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "vin": "LSVAM4187C2184847", "plate": "京A12345", "brand": "一汽-大众", "model": "速腾",
                        "purchase_date": purchase, "insurance_expiry": insurance }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    // The customer needs an address for letters.
    sqlx::query("UPDATE customers SET address = '北京市朝阳区建国路 1 号' WHERE id = $1")
        .bind(app.fx.customer_a.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// (day, playbook, channel) of every task created, in day order.
async fn touches(db: &Db) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT due_date, playbook, channel FROM outreach_tasks WHERE status <> 'merged' ORDER BY due_date, playbook, step")
        .fetch_all(db.pool())
        .await
        .unwrap()
}

on_both!(a_new_cars_touches_fall_on_exactly_the_right_days, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    // Bought on 30 November 2027: the first service is due three months later,
    // on the last day of February 2028 — the 29th, a leap year.
    app.clock.set("2028-03-20T01:00:00Z".parse().unwrap());
    car(&app, "2027-11-30", None).await;
    let actor = everyone(&app);
    let mut day = d("2027-11-30");
    while day <= d("2028-03-15") {
        run(&app.db, &actor, day).await;
        day += 1.day();
    }
    let got = touches(&app.db).await;
    let expect: Vec<(String, String, String)> = [
        ("2027-12-01", "purchase_thanks", "letter"),
        ("2027-12-02", "purchase_thanks", "sms"),
        ("2027-12-05", "purchase_thanks", "call"),
        ("2028-02-01", "first_service", "letter"),
        ("2028-02-15", "first_service", "sms"),
        ("2028-02-22", "first_service", "call"),
        ("2028-03-07", "first_service", "call"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, expect);
    let message: String = sqlx::query_scalar(
        "SELECT message FROM outreach_tasks WHERE playbook = 'first_service' AND channel = 'letter'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(message.contains("张伟") && message.contains("京A12345") && message.contains("2028-02-29"), "{message}");
});

on_both!(a_second_run_and_two_runs_at_once_create_each_task_once, |backend| async move {
    let app = TestApp::start(backend).await;
    car(&app, "2026-11-28", None).await;
    kefu_auto::demo::load_sized(&app.db, 11, d("2026-11-29"), 200).await.unwrap();
    let all = kefu_accounts::branches::all(&app.db).await.unwrap();
    let actor = Actor::system(Scope::new(all.iter().map(|b| b.id).collect()));
    let first = run(&app.db, &actor, d("2026-11-29")).await;
    assert!(first.created_total > 0, "the demo's day has work: {first:?}");
    let again = run(&app.db, &actor, d("2026-11-29")).await;
    assert_eq!(again.created_total, 0);
    assert_eq!(again.existing as i64, first.created_total + first.merged);
    // Two runs of the next day at once, on two separate connections.
    let other = Db::connect(&app.db_url).await.unwrap();
    let (a, b) = tokio::join!(run(&app.db, &actor, d("2026-11-30")), run(&other, &actor, d("2026-11-30")));
    let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks WHERE due_date = '2026-11-30'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(
        tasks,
        a.created_total + a.merged + b.created_total + b.merged,
        "every task was created by exactly one run"
    );
    let distinct: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT DISTINCT playbook, step, customer_id, asset_kind, asset_id, anchor_date FROM outreach_tasks) k",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    let all_tasks: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(distinct, all_tasks, "no duplicate task");
});

on_both!(no_phone_calls_moves_calls_to_sms, |backend| async move {
    let app = TestApp::start(backend).await;
    car(&app, "2026-11-25", None).await;
    let agent = app.login("agent_a").await;
    let csrf = app.csrf(&agent).await;
    agent
        .put(app.at(&format!("/api/v1/customers/{}/preferences", app.fx.customer_a)))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "allow_letter": true, "allow_sms": true, "allow_phone": true, "do_not_call": true }))
        .send()
        .await
        .unwrap();
    let s = run(&app.db, &everyone(&app), d("2026-11-30")).await;
    assert_eq!(s.created["purchase_thanks"].get("call"), None);
    let (channel, planned): (String, String) = sqlx::query_as(
        "SELECT channel, planned_channel FROM outreach_tasks WHERE playbook = 'purchase_thanks' AND step = 2",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!((channel.as_str(), planned.as_str()), ("sms", "call"));
});

async fn first_call(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM outreach_tasks WHERE channel = 'call' ORDER BY id LIMIT 1")
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

on_both!(two_agents_never_get_the_same_call, |backend| async move {
    let app = TestApp::start(backend).await;
    car(&app, "2026-11-25", None).await;
    run(&app.db, &everyone(&app), d("2026-11-30")).await;
    let id = first_call(&app).await;
    let (a, b) = (app.login("agent_a").await, app.login("manager_a").await);
    let (csrf_a, csrf_b) = (app.csrf(&a).await, app.csrf(&b).await);
    let url = app.at(&format!("/outreach/calls/{id}/claim"));
    let (ra, rb) = tokio::join!(
        a.post(&url).form(&[("_csrf", csrf_a.as_str())]).send(),
        b.post(&url).form(&[("_csrf", csrf_b.as_str())]).send()
    );
    let mut statuses = [ra.unwrap().status().as_u16(), rb.unwrap().status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "one claim wins, the other is told");
    let holder: Option<i64> = sqlx::query_scalar("SELECT claimed_by FROM outreach_tasks WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(holder.is_some());
});

on_both!(outcomes_stop_retry_and_open_follow_ups, |backend| async move {
    let app = TestApp::start(backend).await;
    car(&app, "2026-11-25", None).await;
    let actor = everyone(&app);
    run(&app.db, &actor, d("2026-11-30")).await;
    let agent = app.login("agent_a").await;
    let csrf = app.csrf(&agent).await;
    let id = first_call(&app).await;
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let agent = agent.clone();
        let csrf = csrf.clone();
        async move {
            let mut form = form;
            form.push(("_csrf", csrf));
            agent.post(path).form(&form).send().await.unwrap()
        }
    };
    // No answer: back in the queue tomorrow, three tries at most.
    for attempt in 1..=3 {
        assert_eq!(post(app.at(&format!("/outreach/calls/{id}/claim")), vec![]).await.status(), 303, "claim {attempt}");
        let res = post(app.at(&format!("/outreach/calls/{id}/outcome")), vec![("outcome", "no_answer".into())]).await;
        assert_eq!(res.status(), 303);
        let (status, retry): (String, Option<String>) =
            sqlx::query_as("SELECT status, retry_on FROM outreach_tasks WHERE id = $1")
                .bind(id)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        if attempt < 3 {
            assert_eq!((status.as_str(), retry.as_deref()), ("pending", Some("2026-11-30")), "attempt {attempt}");
        } else {
            assert_eq!(status, "done", "gives up after three tries");
        }
    }
    // A problem reported on the 7-day follow-up opens an item for the supervisor.
    let client = app.login("agent_a").await;
    let csrf2 = app.csrf(&client).await;
    client
        .post(app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)))
        .header("x-csrf-token", &csrf2)
        .json(&json!({ "vin": "LFV2A21K8M4123456", "brand": "一汽-大众", "model": "迈腾" }))
        .send()
        .await
        .unwrap();
    let vehicle: i64 = sqlx::query_scalar("SELECT id FROM vehicles WHERE vin = 'LFV2A21K8M4123456'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let visit = kefu_auto::visits::Visit {
        id: kefu_core::ids::ServiceVisitId(0),
        branch_id: app.fx.store_a,
        vehicle_id: kefu_core::ids::VehicleId(vehicle),
        customer_id: app.fx.customer_a,
        visit_date: d("2026-11-23"),
        at: None,
        kind: "repair".into(),
        mileage_km: 12000,
        amount: kefu_core::Money::from_fen(88_000),
        advisor: "王建国".into(),
        summary: "更换前刹车片".into(),
    };
    kefu_auto::visits::record_in(&mut tx, &visit, "王建国").await.unwrap();
    tx.audit(
        &actor,
        kefu_store::Change {
            entity: "visit",
            entity_id: "t".into(),
            action: "create",
            branch: None,
            old: None,
            new: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    run(&app.db, &actor, d("2026-11-30")).await;
    let follow_up: i64 = sqlx::query_scalar("SELECT id FROM outreach_tasks WHERE playbook = 'service_follow_up'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    post(app.at(&format!("/outreach/calls/{follow_up}/claim")), vec![]).await;
    let missing =
        post(app.at(&format!("/outreach/calls/{follow_up}/outcome")), vec![("outcome", "problem_reported".into())])
            .await;
    assert_eq!(missing.status(), 422, "a reported problem needs its description");
    let res = post(
        app.at(&format!("/outreach/calls/{follow_up}/outcome")),
        vec![("outcome", "problem_reported".into()), ("notes", "刹车仍有异响".into())],
    )
    .await;
    assert_eq!(res.status(), 303);
    let supervisor_page =
        app.login("manager_a").await.get(app.at("/outreach/followups")).send().await.unwrap().text().await.unwrap();
    assert!(supervisor_page.contains("刹车仍有异响"), "the supervisor sees the problem");
    assert_eq!(app.login("agent_b").await.get(app.at("/outreach/followups")).send().await.unwrap().status(), 403);
    let timeline: String =
        sqlx::query_scalar("SELECT detail FROM timeline_events WHERE kind = 'call' ORDER BY id DESC LIMIT 1")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert!(timeline.contains("problem_reported"), "{timeline}");
});

on_both!(booking_stops_the_rest_of_the_cadence, |backend| async move {
    let app = TestApp::start(backend).await;
    app.clock.set("2028-03-20T01:00:00Z".parse().unwrap());
    car(&app, "2027-11-30", None).await;
    let actor = everyone(&app);
    // Run up to the first-service call (one week before 29 February).
    let mut day = d("2028-02-15");
    while day <= d("2028-02-22") {
        run(&app.db, &actor, day).await;
        day += 1.day();
    }
    let call: i64 =
        sqlx::query_scalar("SELECT id FROM outreach_tasks WHERE playbook = 'first_service' AND channel = 'call'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let agent = app.login("agent_a").await;
    let csrf = app.csrf(&agent).await;
    agent
        .post(app.at(&format!("/outreach/calls/{call}/claim")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let res = agent
        .post(app.at(&format!("/outreach/calls/{call}/outcome")))
        .form(&[("outcome", "reached_booked"), ("notes", "约 2 月 27 日上午"), ("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let s = run(&app.db, &actor, d("2028-03-07")).await;
    assert_eq!(s.stopped, 1, "the chase call a week after the due date is not made: {s:?}");
    let chase: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks WHERE playbook = 'first_service' AND step = 3")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(chase, 0);
});

on_both!(playbooks_are_edited_with_checks_and_an_audit_trail, |backend| async move {
    let app = TestApp::start(backend).await;
    let manager = app.login("manager_a").await;
    let csrf = app.csrf(&manager).await;
    let defaults = kefu_web::packs::Enabled::default().core().default_playbooks();
    let birthday = defaults.iter().find(|p| p.code == "birthday").unwrap();
    let source = kefu_outreach::store::to_toml(birthday);
    let bad = source.replace("{name}", "{nickname}");
    let res = manager
        .post(app.at("/admin/playbooks/birthday"))
        .form(&[("source", bad.as_str()), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("nickname") && html.contains("未知变量"), "the message names the variable");
    let edited = source.replace("祝您生日快乐", "恭祝您生日快乐");
    let res = manager
        .post(app.at("/admin/playbooks/birthday"))
        .form(&[("source", edited.as_str()), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let in_force = kefu_outreach::store::effective(&app.db, &defaults).await.unwrap();
    assert!(in_force.iter().find(|p| p.code == "birthday").unwrap().steps[0].template.contains("恭祝"));
    assert_eq!(app.audit_count("playbook", "update").await, 1);
    assert_eq!(app.login("agent_a").await.get(app.at("/admin/playbooks")).send().await.unwrap().status(), 403);
});

on_both!(the_queue_marks_customers_in_their_quiet_hours, |backend| async move {
    let app = TestApp::start(backend).await;
    car(&app, "2026-11-24", None).await;
    // It is 09:00 in Shanghai on the test clock; the customer asked for quiet until noon.
    sqlx::query("UPDATE customers SET quiet_start = '08:00', quiet_end = '12:00' WHERE id = $1")
        .bind(app.fx.customer_a.0)
        .execute(app.db.pool())
        .await
        .unwrap();
    run(&app.db, &everyone(&app), d("2026-11-29")).await;
    let page = app.login("agent_a").await.get(app.at("/outreach/calls")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("免打扰 08:00–12:00 · 现在是免打扰时段"), "the call says to wait: {page}");
});

on_both!(the_call_queue_shows_a_page_at_a_time_most_important_first, |backend| async move {
    let app = TestApp::start(backend).await;
    // 60 open calls for today, priorities 1..=60: the page shows the 50
    // most important, the next page the other 10.
    for n in 1..=60i64 {
        sqlx::query(
            "INSERT INTO outreach_tasks (branch_id, customer_id, playbook, step, anchor_date, due_date, channel, \
             planned_channel, priority, status, reason, created_at, updated_at) \
             VALUES ($1, $2, 'lapsed', $3, '2026-08-29', '2026-11-29', 'call', 'call', $3, 'pending', $4, $5, $5)",
        )
        .bind(app.fx.store_a.0)
        .bind(app.fx.customer_a.0)
        .bind(n)
        .bind(format!("call-{n:02}"))
        .bind("2026-11-29T00:00:00Z")
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    let agent = app.login("agent_a").await;
    let first = agent.get(app.at("/outreach/calls")).send().await.unwrap().text().await.unwrap();
    let shown = |page: &str| (1..=60).filter(|n| page.contains(&format!("call-{n:02}<"))).collect::<Vec<i64>>();
    assert_eq!(shown(&first), (11..=60).collect::<Vec<_>>(), "the 50 most important first");
    assert!(first.contains(r#"href="/outreach/calls?offset=50""#), "a link to the next page");
    let second = agent.get(app.at("/outreach/calls?offset=50")).send().await.unwrap().text().await.unwrap();
    assert_eq!(shown(&second), (1..=10).collect::<Vec<_>>());
    assert!(!second.contains("calls-next") && second.contains(r#"href="/outreach/calls?offset=0""#));
});

/// PostgreSQL plans the call queue from what it knows of the tasks table.
/// Known to be empty (a fresh install, or right after a bulk load), the
/// plan read and sorted every open call; the run that adds a day's tasks
/// brings that knowledge up to date itself. (SQLite's plans here do not
/// rest on statistics.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_run_tells_postgresql_how_many_tasks_there_are() {
    let app = TestApp::start(Backend::Postgres).await;
    kefu_auto::demo::load_sized(&app.db, 11, d("2026-11-29"), 200).await.unwrap();
    sqlx::query("ANALYZE outreach_tasks").execute(app.db.pool()).await.unwrap();
    let known = || async {
        sqlx::query_scalar::<_, f32>("SELECT reltuples FROM pg_class WHERE relname = 'outreach_tasks'")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
    };
    let tasks_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(known().await as i64, tasks_before);
    let all = kefu_accounts::branches::all(&app.db).await.unwrap();
    let actor = Actor::system(Scope::new(all.iter().map(|b| b.id).collect()));
    let first = run(&app.db, &actor, d("2026-11-29")).await;
    assert!(first.created_total > 0, "the demo's day has work: {first:?}");
    let tasks: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outreach_tasks").fetch_one(app.db.pool()).await.unwrap();
    assert!(tasks > tasks_before);
    assert_eq!(known().await as i64, tasks, "the statistics count the run's tasks");
}

on_both!(the_today_page_counts_todays_outreach_work, |backend| async move {
    let app = TestApp::start(backend).await;
    car(&app, "2026-11-24", None).await;
    run(&app.db, &everyone(&app), d("2026-11-29")).await;
    let page = app.login("agent_a").await.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    let tile = |key: &str| {
        let part = page.split(&format!(r#"data-testid="count-{key}""#)).nth(1).unwrap_or_default();
        part.split(r#"<span class="n">"#).nth(1).and_then(|s| s.split('<').next()).unwrap_or_default().to_string()
    };
    // Bought five days ago: today is the thank-you call.
    assert_eq!(tile("today_calls_waiting"), "1");
    assert_eq!(tile("today_followups_open"), "0");
    // The agent of the other store has none of it.
    let other = app.login("agent_b").await.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    assert!(other.contains(r#"data-testid="count-today_calls_waiting""#));
    assert!(
        other
            .split(r#"data-testid="count-today_calls_waiting""#)
            .nth(1)
            .unwrap()
            .contains(r#"<span class="n">0</span>"#)
    );
});

/// The app with letters (into a folder of its own) and an SMS gateway, and
/// today's thank-you letter and SMS to 张伟 pending.
pub(crate) async fn letters_due(backend: Backend) -> (TestApp, tempfile::TempDir, support::Received) {
    use kefu_outreach::channels::letter::{LetterChannel, LetterConfig};
    use kefu_outreach::channels::sms::{SmsChannel, WebhookConfig, WebhookSms};
    let letters_dir = tempfile::tempdir().unwrap();
    let (sms_url, received) = support::sms_receiver().await;
    let clock = std::sync::Arc::new(kefu_core::time::TestClock::at(support::start_instant()));
    let channels = kefu_outreach::dispatch::Channels {
        letters: Some(
            LetterChannel::new(
                &LetterConfig::new(letters_dir.path()),
                clock,
                kefu_core::time::BusinessZone::shanghai(),
            )
            .unwrap(),
        ),
        sms: Some(SmsChannel::new(WebhookSms::new(WebhookConfig { url: sms_url, secret: "s3cret".into() }).unwrap())),
        email: None,
        wechat: None,
    };
    let app = TestApp::start_with(backend, channels).await;
    // Bought yesterday and two days ago: today's thank-you letter and SMS.
    car(&app, "2026-11-28", None).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    client
        .post(app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "vin": "LFV2A21K8M4123456", "plate": "京B54321", "brand": "一汽-大众", "model": "迈腾", "purchase_date": "2026-11-27" }))
        .send()
        .await
        .unwrap();
    run(&app.db, &everyone(&app), d("2026-11-29")).await;
    (app, letters_dir, received)
}

on_both!(letters_print_as_one_pdf_and_sms_go_out_through_the_gateway, |backend| async move {
    let (app, letters_dir, received) = letters_due(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;

    let letters_by_status = || async {
        sqlx::query_as::<_, (String, i64)>(
            "SELECT status, COUNT(*) FROM outreach_tasks WHERE channel = 'letter' GROUP BY status ORDER BY status",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap()
    };
    let download = || async {
        let pdf = client.get(app.at("/outreach/letters.pdf")).send().await.unwrap();
        assert_eq!(pdf.status(), 200);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let file = letters_dir.path().join("downloaded.pdf");
        std::fs::write(&file, pdf.bytes().await.unwrap()).unwrap();
        let text =
            std::process::Command::new("pdftotext").arg(&file).arg("-").output().expect("pdftotext (poppler-utils)");
        String::from_utf8_lossy(&text.stdout).to_string()
    };
    let text = download().await;
    assert!(
        text.contains("张伟") && text.contains("北京市朝阳区建国路"),
        "the letter names the customer and the address:\n{text}"
    );
    // Downloading changes nothing: a failed download loses no letter, and a
    // link from another site marks nothing printed.
    assert_eq!(letters_by_status().await, [("pending".to_string(), 1)]);
    assert!(download().await.contains("张伟"), "downloaded again");
    assert_eq!(app.audit_count("dispatch", "send").await, 0);
    // "Mark printed" is a form with the session's token.
    assert_eq!(client.post(app.at("/outreach/letters/printed")).send().await.unwrap().status(), 403);
    assert_eq!(letters_by_status().await, [("pending".to_string(), 1)]);
    let res = client.post(app.at("/outreach/letters/printed")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(letters_by_status().await, [("printed".to_string(), 1)]);
    // The day's letters can still be printed again.
    assert!(download().await.contains("北京市朝阳区建国路"), "printed today, still in the day's PDF");

    let manager = app.login("manager_a").await;
    let csrf = app.csrf(&manager).await;
    assert_eq!(
        manager.post(app.at("/outreach/send")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap().status(),
        303
    );
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["mobile"], "13800138000");
    assert!(got[0]["text"].as_str().unwrap().contains("张伟"), "{got:?}");
    let (status, reference): (String, Option<String>) =
        sqlx::query_as("SELECT status, provider_ref FROM outreach_tasks WHERE channel = 'sms'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(status, "sent");
    assert!(reference.is_some());
    let sms_events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM timeline_events WHERE kind IN ('sms', 'letter')")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(sms_events, 2, "the letter and the SMS are on the customer's timeline");
});

/// Every row count, and the outreach tasks by status: what a write changes.
async fn state(app: &TestApp) -> Vec<(String, i64)> {
    let tables: Vec<String> = match app.backend {
        Backend::Sqlite => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ),
        Backend::Postgres => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() ORDER BY table_name",
        ),
    }
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    // Bookkeeping, not records: reads of personal data are audited, a
    // session notes when it was last used, survey links' key is made on
    // first use.
    let bookkeeping = ["audit_log", "sessions", "app_secrets", "login_attempts"];
    let mut counts = Vec::new();
    for table in tables.into_iter().filter(|t| !bookkeeping.contains(&t.as_str())) {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        counts.push((table, sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(app.db.pool()).await.unwrap()));
    }
    let statuses: Vec<(String, i64)> = sqlx::query_as(
        "SELECT channel || ':' || status, COUNT(*) FROM outreach_tasks GROUP BY channel, status ORDER BY 1",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    counts.extend(statuses);
    counts
}

on_both!(no_get_route_changes_state, |backend| async move {
    use kefu_web::guard::Access;
    let (app, _letters_dir, received) = letters_due(backend).await;
    let before = state(&app).await;
    assert!(before.contains(&("letter:pending".to_string(), 1)), "{before:?}");
    let id = app.fx.customer_a.to_string();
    for name in ["manager_a", "agent_a", "admin"] {
        let client = app.login(name).await;
        for spec in kefu_web::specs().iter().filter(|s| s.method.as_str() == "GET") {
            if !matches!(spec.access, Access::Signed(_)) {
                continue;
            }
            let path: Vec<String> = spec
                .path
                .split('/')
                .map(|part| match part {
                    "{date}" => "2026-11-29".to_string(),
                    p if p.starts_with('{') => id.clone(),
                    p => p.to_string(),
                })
                .collect();
            let res = client.get(app.at(&path.join("/"))).send().await.unwrap();
            assert!(!res.status().is_server_error(), "{name}: GET {}: {}", spec.path, res.status());
        }
    }
    assert_eq!(state(&app).await, before, "no GET wrote anything");
    assert!(received.lock().unwrap().is_empty(), "no GET sent an SMS");
});
