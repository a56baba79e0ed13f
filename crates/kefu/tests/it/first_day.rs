//! What a new user expects on the first day, over HTTP on SQLite and
//! PostgreSQL: every page has the search box; the repair-order board opens
//! an order by plate or VIN and finds orders; a complaint offers only what
//! its state allows and shows the phone, who answers for it, its deadlines'
//! countdown and the repair order; running the day's outreach again says
//! what it did.

use crate::support;

use serde_json::json;
use support::{Backend, TestApp};

/// POSTs a form with the session's CSRF token.
async fn post_form(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("_csrf", csrf));
    client.post(app.at(path)).form(&form).send().await.unwrap()
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let res = client.get(app.at(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// 张伟's car 京A12345 in store A; its id.
async fn car(app: &TestApp, client: &reqwest::Client, csrf: &str) -> i64 {
    let (status, v) = support::post_json(
        client,
        csrf,
        app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)),
        json!({ "vin": "LSVAM4187C2184847", "plate": "京A12345", "brand": "一汽-大众", "model": "速腾",
                "purchase_date": "2025-10-01", "mileage_km": 12000 }),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().unwrap()
}

on_both!(every_page_has_the_search_box, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("manager_a").await;
    let mut seen = 0;
    for spec in kefu_web::specs() {
        let p = spec.path;
        let listed = spec.method == axum::http::Method::GET
            && !p.contains('{')
            && !p.starts_with("/api/")
            && !["/login", "/healthz", "/metrics"].contains(&p)
            && ![".csv", ".xlsx", ".pdf", ".css", ".js", ".ics"].iter().any(|ext| p.ends_with(ext));
        if !listed {
            continue;
        }
        let res = client.get(app.at(p)).send().await.unwrap();
        if res.status() == 403 {
            continue;
        }
        assert_eq!(res.status(), 200, "{p}");
        // A download (a tariff file, say) is no page.
        let kind = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        if !kind.starts_with("text/html") {
            continue;
        }
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"data-testid="header-search""#), "{p} has the search box in its header");
        seen += 1;
    }
    assert!(seen >= 15, "the pages were walked: {seen}");
});

on_both!(the_board_opens_an_order_by_plate_and_finds_orders, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (client, csrf) = app.signed_in("agent_a").await;
    let vehicle = car(&app, &client, &csrf).await;

    // The plate as typed at the desk, in lower case with a space.
    let res =
        post_form(&app, &client, &csrf, "/repair-orders", &[("plate_or_vin", "京a 12345"), ("kind", "repair")]).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let order: i64 = to.trim_start_matches("/repair-orders/").parse().expect("on to the new order");
    let (vehicle_of, kind): (i64, String) = sqlx::query_as("SELECT vehicle_id, kind FROM repair_orders WHERE id = $1")
        .bind(order)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!((vehicle_of, kind.as_str()), (vehicle, "repair"));
    // And by VIN.
    let res = post_form(
        &app,
        &client,
        &csrf,
        "/repair-orders",
        &[("plate_or_vin", "lsvam4187c2184847"), ("kind", "maintenance")],
    )
    .await;
    assert_eq!(res.status(), 303);
    // An unknown plate, and another store's car, are refused by the field.
    let res =
        post_form(&app, &client, &csrf, "/repair-orders", &[("plate_or_vin", "京B99999"), ("kind", "repair")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("没有这个车牌号或 VIN 的车辆"));
    let (other, other_csrf) = app.signed_in("agent_b").await;
    let res =
        post_form(&app, &other, &other_csrf, "/repair-orders", &[("plate_or_vin", "京A12345"), ("kind", "repair")])
            .await;
    assert_eq!(res.status(), 422, "store A's car is not store B's to open");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM repair_orders").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(count, 2);

    // Searching: by order number, by plate; nothing for another plate.
    let order_no = format!("RO{order:08}");
    let found = page(&app, &client, &format!("/repair-orders?q={order_no}")).await;
    assert!(found.contains(&order_no) && !found.contains(&format!("RO{:08}", order + 1)), "only that order");
    let found = page(&app, &client, "/repair-orders?q=%E4%BA%ACA12345").await;
    assert!(found.contains(&order_no) && found.contains(&format!("RO{:08}", order + 1)), "both of the car's orders");
    let found = page(&app, &client, "/repair-orders?q=%E4%BA%ACB99999").await;
    assert!(!found.contains("data-testid=\"ro-board\""), "no order for an unknown plate");
    // The line table's narrow columns do not wrap.
    let (status, o) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/repair-orders/{order}/steps")),
        json!({ "step": "add_line", "kind": "labour", "description": "检查漏油", "quantity": "1",
                "unit_price": "100", "payer": "customer" }),
    )
    .await;
    assert_eq!(status, 200, "{o}");
    assert!(page(&app, &client, &format!("/repair-orders/{order}")).await.contains(r#"<table class="lines">"#));
    let css = page(&app, &client, "/static/app.css").await;
    assert!(css.contains("table.lines th, table.lines td:not(:first-child) { white-space: nowrap; }"));
});

on_both!(a_complaint_offers_what_its_state_allows, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (client, csrf) = app.signed_in("agent_a").await;
    let vehicle = car(&app, &client, &csrf).await;
    let (status, o) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/vehicles/{vehicle}/repair-orders")),
        json!({ "kind": "repair" }),
    )
    .await;
    assert_eq!(status, 201, "{o}");
    let order_no = o["order_no"].as_str().unwrap().to_string();
    let (status, c) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/customers/{}/complaints", app.fx.customer_a)),
        json!({ "source": "call", "category": "repair_quality", "severity": "serious",
                "department": "after_sales", "subject": "修完还漏油", "detail": "" }),
    )
    .await;
    assert_eq!(status, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    let path = format!("/complaints/{id}");

    let html = page(&app, &client, &path).await;
    assert!(!html.contains(r#"data-testid="close-form""#) && !html.contains(r#"data-testid="resolve-form""#), "{html}");
    assert!(html.contains(r#"data-testid="step-form""#));
    assert!(html.contains(r#"<span data-testid="complaint-mobile">13800138000</span>"#));
    assert!(html.contains(r#"<dd data-testid="complaint-responsible">甲店客服</dd>"#), "who took it in");
    assert!(html.contains(&format!(r#"data-testid="complaint-about">{order_no}</a>"#)), "the order it is about");
    assert!(html.contains(">还剩 2 小时</small>"), "first contact within two hours");
    assert!(html.contains(">还剩 3 天</small>"), "resolution within 72 hours");

    // Two and a half hours on, the first contact is late; after it, 办结 is offered.
    app.clock.set(support::start_instant() + jiff::SignedDuration::from_mins(150));
    let html = page(&app, &client, &path).await;
    assert!(html.contains(">已超时 30 分</small>"), "the countdown turns into lateness");
    let res =
        post_form(&app, &client, &csrf, &format!("{path}/steps"), &[("step", "contact"), ("text", "已致电")]).await;
    assert_eq!(res.status(), 303);
    let html = page(&app, &client, &path).await;
    assert!(html.contains(r#"data-testid="resolve-form""#) && !html.contains(r#"data-testid="close-form""#));
    assert!(!html.contains(r#"data-testid="countdown-contact""#), "a deadline met has no countdown");
    // The IT administrator's role does not handle complaints at all.
    let admin = app.login("admin").await;
    assert_eq!(admin.get(app.at(&path)).send().await.unwrap().status(), 403);
});

on_both!(running_the_outreach_again_says_it_made_nothing, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (client, csrf) = app.signed_in("manager_a").await;
    // A car delivered two days ago: today its thank-you SMS is due.
    let (status, v) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)),
        json!({ "vin": "LSVAM4187C2184847", "plate": "京A12345", "brand": "一汽-大众", "model": "速腾",
                "purchase_date": "2026-11-27" }),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let run = || async {
        let res = post_form(&app, &client, &csrf, "/outreach/run", &[]).await;
        assert_eq!(res.status(), 303);
        let overview = page(&app, &client, "/outreach").await;
        // Said once: the next page is quiet.
        assert!(!page(&app, &client, "/outreach").await.contains(r#"data-testid="flash""#));
        let marker = r#"data-testid="flash">"#;
        let start = overview.find(marker).expect("the run says what it did") + marker.len();
        overview[start..start + overview[start..].find('<').unwrap()].to_string()
    };
    let first = run().await;
    assert!(first.starts_with("今日外呼已生成：新增 ") && first != "今日外呼已生成：新增 0 条任务。", "{first}");
    assert_eq!(run().await, "今日外呼已生成：新增 0 条任务。", "the day's work was done already");
});

/// A one-question satisfaction survey of store A; its id.
async fn survey(app: &TestApp) -> i64 {
    let store = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.store_a]));
    let input = kefu_care::surveys::SurveyInput {
        title: "保养服务回访问卷".into(),
        intro: String::new(),
        questions: vec![kefu_care::surveys::rules::QuestionInput {
            kind: "scale5".into(),
            prompt: "您对本次保养服务的满意度".into(),
            options: String::new(),
        }],
    };
    kefu_care::surveys::create(&app.db, &store, app.fx.store_a, &input).await.unwrap().id.0
}

on_both!(a_survey_by_sms_without_a_gateway_says_so, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let id = survey(&app).await.to_string();
    let (client, csrf) = app.signed_in("agent_a").await;
    let path = format!("/customers/{}/surveys", app.fx.customer_a);
    let res = post_form(&app, &client, &csrf, &path, &[("survey", &id), ("channel", "sms")]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("未配置短信网关，短信没有发出"), "the page says nothing was sent");
    assert!(html.contains(r#"data-testid="copy-link""#), "and offers the link to copy");
    // The page escapes the link's slashes, as HTML may.
    let html = html.replace("&#x2f;", "/");
    let start = html.find("/s/").expect("the link");
    let token = &html[start + 3..start + 3 + html[start + 3..].find('"').unwrap()];
    // The customer's page says which end of the scale is good.
    let public = reqwest::get(app.at(&format!("/s/{token}"))).await.unwrap().text().await.unwrap();
    assert!(public.contains("1 = 很不满意") && public.contains("5 = 非常满意"), "{public}");
});

on_both!(a_survey_by_sms_with_a_gateway_goes_out, |backend: Backend| async move {
    let (url, received) = support::sms_receiver().await;
    let app = TestApp::start_with(backend, support::sms_only(url)).await;
    let id = survey(&app).await.to_string();
    let (client, csrf) = app.signed_in("agent_a").await;
    let path = format!("/customers/{}/surveys", app.fx.customer_a);
    let res = post_form(&app, &client, &csrf, &path, &[("survey", &id), ("channel", "sms")]).await;
    assert_eq!(res.status(), 303, "back to the customer");
    let customer = page(&app, &client, &format!("/customers/{}", app.fx.customer_a)).await;
    assert!(customer.contains("问卷链接已发给客户。"));
    assert!(support::nth_sms(&received, 1).contains("/s/"), "the text carries the link");
});

on_both!(the_members_menu_lists_members_with_tier_points_and_last_visit, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (client, csrf) = app.signed_in("agent_a").await;
    let vehicle = car(&app, &client, &csrf).await;
    let customer = app.fx.customer_a;
    let res = client
        .put(app.at(&format!("/api/v1/customers/{customer}/tier")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "tier": "gold" }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let (status, body) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/customers/{customer}/points/earn")),
        json!({ "amount": "1234.50", "reference": "RO1" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let points: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(points) AS BIGINT) FROM point_entries WHERE customer_id = $1")
            .bind(customer.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let visit = kefu_auto::visits::Visit {
        id: kefu_core::ids::ServiceVisitId(0),
        branch_id: app.fx.store_a,
        vehicle_id: kefu_core::ids::VehicleId(vehicle),
        customer_id: customer,
        visit_date: "2026-10-08".parse().unwrap(),
        at: None,
        kind: "maintenance".into(),
        mileage_km: 15000,
        amount: kefu_core::Money::from_fen(58000),
        advisor: "王顾问".into(),
        summary: String::new(),
    };
    let mut tx = app.db.begin().await.unwrap();
    kefu_auto::visits::record_in(&mut tx, &visit, "王顾问").await.unwrap();
    let all = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.store_a]));
    let change = kefu_store::Change {
        entity: "visit",
        entity_id: "test".into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&all, change).await.unwrap();
    tx.commit().await.unwrap();

    // The menu's 会员积分 opens the list.
    let today = page(&app, &client, "/").await;
    let menu = today[today.find(r#"<nav class="side""#).unwrap()..].replace("&#x2f;", "/");
    assert!(menu.contains(r#"<a href="/members" >会员积分</a>"#), "the menu opens the list");
    let list = page(&app, &client, "/members").await;
    let row = &list[list.find(&format!(r#"data-customer="{customer}""#)).expect("张伟 is listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("张伟") && row.contains("金卡"), "{row}");
    assert!(row.contains(&format!(r#"<td class="num">{points}</td>"#)), "{row}");
    assert!(row.contains("2026-10-08"), "the last visit: {row}");
    assert!(!list.contains("李娜"), "not a member, and another store's");
});

on_both!(the_360_page_shows_what_is_coming_and_an_order_as_one_entry, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (client, csrf) = app.signed_in("agent_a").await;
    let vehicle = car(&app, &client, &csrf).await;
    let (status, a) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/vehicles/{vehicle}/appointments")),
        json!({ "day": "2026-12-02", "hour": 10, "job": "maintenance", "note": "首保" }),
    )
    .await;
    assert_eq!(status, 201, "{a}");
    let (status, o) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/vehicles/{vehicle}/repair-orders")),
        json!({ "kind": "repair" }),
    )
    .await;
    assert_eq!(status, 201, "{o}");
    let order = o["id"].as_i64().unwrap();
    for step in [
        json!({ "step": "reception", "mileage_km": 15230, "fuel_eighths": 3, "complaint": "异响",
                "promised_at": "2026-11-29 17:30" }),
        json!({ "step": "add_line", "kind": "labour", "description": "检查", "quantity": "1", "unit_price": "100",
                "payer": "customer" }),
        json!({ "step": "approve", "signed_by": "张伟" }),
    ] {
        let (status, body) =
            support::post_json(&client, &csrf, app.at(&format!("/api/v1/repair-orders/{order}/steps")), step).await;
        assert_eq!(status, 200, "{body}");
    }
    let html = page(&app, &client, &format!("/customers/{}", app.fx.customer_a)).await;
    let upcoming = html.find(r#"data-testid="upcoming""#).expect("the coming booking is shown");
    assert!(upcoming < html.find(r#"data-testid="timeline""#).unwrap(), "near the top, before the timeline");
    assert!(html[upcoming..].contains("2026-12-02 10:00"));
    let timeline = &html[html.find(r#"data-testid="timeline""#).unwrap()..];
    let order_no = o["order_no"].as_str().unwrap();
    let heads = timeline.matches(&format!(r#">{order_no}</a>"#)).count();
    let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM timeline_events WHERE kind = 'repair_order'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(steps >= 4, "open, reception, a line, approval: {steps}");
    assert_eq!(heads, 1, "one entry for the order");
    let inside = &timeline[timeline.find(r#"data-testid="order-steps""#).expect("its steps inside")..];
    let inside = &inside[..inside.find("</ol>").unwrap()];
    assert_eq!(inside.matches("<li>").count() as i64, steps, "every step inside: {inside}");
});

on_both!(an_import_defaults_to_the_users_own_store, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let all = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let supervisor = kefu_accounts::users::NewUser {
        username: "super_b".into(),
        display_name: "乙店主管".into(),
        password: support::PASSWORD.into(),
        roles: vec![kefu_core::Role::Supervisor],
        branches: vec![app.fx.group, app.fx.store_b],
        locale: kefu_core::Lang::Zh,
    };
    kefu_accounts::users::create(&app.db, &all, supervisor).await.unwrap();
    let client = app.login("super_b").await;
    for path in ["/customers/import", "/customers/new"] {
        let html = page(&app, &client, path).await;
        let selected: Vec<String> =
            html.match_indices(" selected>").map(|(i, _)| html[i + 10..].chars().take(6).collect()).collect();
        assert!(
            selected.iter().any(|s| s.starts_with("乙店")) && !selected.iter().any(|s| s.starts_with("测试集团")),
            "{path} chooses store B, not the group: {selected:?}"
        );
    }
});

on_both!(the_demo_tells_a_story, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    kefu::demo::load(&app.db, &kefu_web::packs::Enabled::default(), kefu::demo::DEFAULT_SEED, today).await.unwrap();
    let count = |sql: &'static str| {
        let pool = app.db.pool().clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    // A booking's parts are in the store's catalogue, in stock.
    assert!(count("SELECT COUNT(*) FROM parts WHERE stock > 0").await >= 20, "each store's catalogue is stocked");
    assert!(count("SELECT COUNT(*) FROM customers WHERE member_tier IS NOT NULL").await >= 30, "members with tiers");
    let tiers = count("SELECT COUNT(DISTINCT member_tier) FROM customers WHERE member_tier IS NOT NULL").await;
    assert_eq!(tiers, 3, "silver, gold and platinum");
    let unearned = count(
        "SELECT COUNT(*) FROM customers c WHERE c.member_tier IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM point_entries p WHERE p.customer_id = c.id)",
    )
    .await;
    assert_eq!(unearned, 0, "every member earned points");
    assert_eq!(count("SELECT COUNT(*) FROM member_events").await, 4, "two events in each store");
    assert!(count("SELECT COUNT(*) FROM member_event_signups").await >= 12, "members signed up");
    // Four weeks of mornings, and their tasks, beside the visits of those weeks.
    assert_eq!(count("SELECT COUNT(DISTINCT run_date) FROM outreach_runs").await, 28);
    assert!(count("SELECT COUNT(*) FROM outreach_tasks WHERE playbook = 'service_follow_up'").await > 0);
    assert!(count("SELECT COUNT(*) FROM service_visits WHERE visit_date >= '2026-11-01'").await > 0);
    for status in ["open", "in_progress", "resolved", "confirmed", "closed"] {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM complaints WHERE status = $1")
            .bind(status)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert!(n >= 1, "a complaint {status}");
    }
});

on_both!(english_pages_speak_english, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    app.clock.set("2028-02-22T01:00:00Z".parse().unwrap());
    let (client, csrf) = app.signed_in("agent_en").await;
    let (status, v) = support::post_json(
        &client,
        &csrf,
        app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)),
        json!({ "vin": "LSVAM4187C2184847", "plate": "京A12345", "brand": "一汽-大众", "model": "速腾",
                "purchase_date": "2027-11-30" }),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    let all = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(
            &app.db,
            &all,
            ("2028-02-22".parse().unwrap(), &kefu_core::time::BusinessZone::shanghai()),
            &|_, _| {},
        )
        .await
        .unwrap();
    let res = client
        .put(app.at(&format!("/api/v1/customers/{}/tier", app.fx.customer_a)))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "tier": "gold" }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    let queue = page(&app, &client, "/outreach/calls").await;
    assert!(queue.contains("First service invitation") && !queue.contains("首保招揽"), "the playbook in English");
    let customer = page(&app, &client, &format!("/customers/{}", app.fx.customer_a)).await;
    assert!(customer.contains(">Gold</option>") && !customer.contains("金卡"), "the tier in English");
    assert!(customer.contains("10% off maintenance labour"), "its benefits in English");
    assert!(!customer.contains("保养工时"));
    // The text around the data is English, punctuation too.
    let today = page(&app, &client, "/").await;
    let main = &today[today.find("<main>").unwrap()..];
    assert!(main.contains("Hello, Alice Agent") && main.contains("Your branches: 甲店"), "{main}");
    for mark in ['，', '：', '、', '（', '）', '。'] {
        assert!(!main.contains(mark), "{mark} in the English today page");
    }
});
