//! A new agent's and advisor's first day, in the browser: the today page's
//! tiles open their lists and every page has the search box; a user changes
//! their own password; saving says so and the form keeps what was saved;
//! booking shows what is free, and a booked car received at the desk has
//! arrived; a timeline with a complaint and a tier change reads as text, no
//! merge-conflict marker in it (a committed one once ended every complaint
//! entry in "=======").

use super::*;
use kefu_auto::appointments::{self, Booking};
use kefu_core::ids::VehicleId;

async fn signed_in_browser(app: &TestApp, username: &str, password: &str) -> (Driver, Client) {
    let (driver, client) = open_browser().await;
    client.goto(&app.at("/login")).await.expect("open /login");
    fill_login_form(&client, username, password).await;
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "the today page").await;
    (driver, client)
}

/// Clicks what `css` finds and waits for the page it leads to.
async fn follow(client: &Client, css: &str) {
    let page = wait_for(client, Locator::Css("main"), "the page").await;
    wait_for(client, Locator::Css(css), css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    wait_until_replaced(&page, css).await;
}

async fn value_of(client: &Client, css: &str) -> String {
    wait_for(client, Locator::Css(css), css).await.prop("value").await.unwrap().unwrap_or_default()
}

async fn flash(client: &Client) -> Option<String> {
    match client.find(Locator::Css(r#"[data-testid="flash"]"#)).await {
        Ok(e) => Some(e.text().await.unwrap()),
        Err(_) => None,
    }
}

async fn vehicle_of_zhang(app: &TestApp) -> VehicleId {
    VehicleId(
        sqlx::query_scalar("SELECT id FROM vehicles WHERE customer_id = $1")
            .bind(app.fx.customer_a.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap(),
    )
}

async fn tiles_open_their_lists_and_every_page_searches(backend: Backend) {
    let app = TestApp::start(backend).await;
    // A first-service call waits in the queue on 22 February 2028.
    app.clock.set("2028-02-22T01:00:00Z".parse().unwrap());
    let today: jiff::civil::Date = "2028-02-22".parse().unwrap();
    zhang_weis_car(&app, "2027-11-30", today).await;
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &everyone(&app), (today, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    let (_driver, client) = signed_in_browser(&app, "agent_a", PASSWORD).await;

    let calls = r#"[data-testid="count-today_calls_waiting"] a"#;
    assert_eq!(text_of(&client, Locator::Css(&format!("{calls} .n")), "the calls tile").await, "1");
    follow(&client, calls).await;
    assert_eq!(path_of(&client).await, "/outreach/calls", "待拨电话 opens the call queue");
    let queue = text_of(&client, Locator::Css(r#"[data-testid="call-queue"]"#), "the call queue").await;
    assert!(queue.contains("张伟"), "the call it counted is there: {queue}");

    client.goto(&app.at("/")).await.unwrap();
    follow(&client, r#"[data-testid="count-today_letters_to_print"] a"#).await;
    assert_eq!(path_of(&client).await, "/outreach", "待打印信函 opens the outreach page with the letters");
    client.goto(&app.at("/")).await.unwrap();
    follow(&client, r#"[data-testid="count-today_complaints_unclosed"] a"#).await;
    assert_eq!(path_of(&client).await, "/complaints");
    // An agent may not open the follow-up problems: that tile is no link.
    client.goto(&app.at("/")).await.unwrap();
    wait_for(&client, Locator::Css(r#"[data-testid="count-today_followups_open"]"#), "the follow-ups tile").await;
    assert!(client.find(Locator::Css(r#"[data-testid="count-today_followups_open"] a"#)).await.is_err());

    // The header's search box, from the complaints page: the caller's last four digits.
    client.goto(&app.at("/complaints")).await.unwrap();
    type_into(&client, r#"[data-testid="header-search"] input[name="q"]"#, "8000").await;
    follow(&client, r#"[data-testid="header-search"] button[type="submit"]"#).await;
    assert_eq!(path_of(&client).await, "/customers");
    let results = text_of(&client, Locator::Css(r#"[data-testid="customer-results"]"#), "the results").await;
    assert!(results.contains("张伟") && !results.contains("李娜"), "{results}");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiles_open_their_lists_and_every_page_searches_sqlite() {
    tiles_open_their_lists_and_every_page_searches(Backend::Sqlite).await;
}

async fn a_user_changes_their_own_password(backend: Backend) {
    let app = TestApp::start(backend).await;
    // The agent is also signed in on another computer.
    let other = app.login("agent_a").await;
    let (_driver, client) = signed_in_browser(&app, "agent_a", PASSWORD).await;
    follow(&client, r#"a[data-testid="current-user"]"#).await;
    assert_eq!(path_of(&client).await, "/me/password", "the name in the header opens the password page");

    // A wrong current password is refused, by field.
    type_into(&client, r#"input[name="old_password"]"#, "not-my-password-1").await;
    type_into(&client, r#"input[name="password"]"#, "Neues-Passwort-9").await;
    type_into(&client, r#"input[name="new_password_again"]"#, "Neues-Passwort-9").await;
    submit(&client, "password-form").await;
    let error = text_of(&client, Locator::Css(r#"[role="alert"]"#), "the refusal").await;
    assert!(error.contains("当前密码"), "{error}");
    // A new one that breaks the policy is refused with the policy.
    type_into(&client, r#"input[name="old_password"]"#, PASSWORD).await;
    type_into(&client, r#"input[name="password"]"#, "short1").await;
    type_into(&client, r#"input[name="new_password_again"]"#, "short1").await;
    client
        .execute("document.querySelector('input[name=\"password\"]').removeAttribute('minlength')", vec![])
        .await
        .unwrap();
    submit(&client, "password-form").await;
    let error = text_of(&client, Locator::Css(r#"[role="alert"]"#), "the policy").await;
    assert!(error.contains("至少 10 个字符"), "{error}");
    assert_eq!(other.get(app.at("/")).send().await.unwrap().status(), 200, "nothing changed yet");

    type_into(&client, r#"input[name="old_password"]"#, PASSWORD).await;
    type_into(&client, r#"input[name="password"]"#, "Neues-Passwort-9").await;
    type_into(&client, r#"input[name="new_password_again"]"#, "Neues-Passwort-9").await;
    submit(&client, "password-form").await;
    let said = flash(&client).await.unwrap_or_default();
    assert!(said.contains("密码已修改"), "the page says so: {said}");
    assert_eq!(path_of(&client).await, "/");

    // The other computer is signed out; this browser is not.
    let res = other.get(app.at("/")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the other session ended");
    client.goto(&app.at("/customers")).await.unwrap();
    wait_for(&client, Locator::Css(r#"[data-testid="current-user"]"#), "still signed in here").await;
    assert_eq!(path_of(&client).await, "/customers");
    // The old password no longer signs in; the new one does.
    assert_eq!(app.try_login(&app.client(), "agent_a", PASSWORD).await.status(), 401, "old password refused");
    assert_eq!(app.try_login(&app.client(), "agent_a", "Neues-Passwort-9").await.status(), 303);
    assert_eq!(app.audit_count("user", "password_own").await, 1, "the change is audited");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_changes_their_own_password_sqlite() {
    a_user_changes_their_own_password(Backend::Sqlite).await;
}

async fn saving_says_so_and_the_form_keeps_what_was_saved(backend: Backend) {
    let app = TestApp::start(backend).await;
    zhang_weis_car(&app, "2025-10-01", "2026-11-29".parse().unwrap()).await;
    let vehicle = vehicle_of_zhang(&app).await;
    let (_driver, client) = signed_in_browser(&app, "agent_a", PASSWORD).await;
    assert_eq!(flash(&client).await, None, "signing in is no save");

    // The customer's preferences: saved, and said so.
    client.goto(&app.at(&format!("/customers/{}", app.fx.customer_a))).await.unwrap();
    wait_for(&client, Locator::Css(r#"input[name="do_not_call"]"#), "the do-not-call box").await.click().await.unwrap();
    submit(&client, "preferences").await;
    assert_eq!(flash(&client).await.as_deref(), Some("已保存。"));

    // A repair order's reception with the promised time.
    client.goto(&app.at(&format!("/vehicles/{vehicle}"))).await.unwrap();
    submit(&client, "open-order").await;
    assert_eq!(flash(&client).await.as_deref(), Some("已保存。"), "opening the order says so too");
    let mileage = wait_for(&client, Locator::Css(r#"input[name="mileage_km"]"#), "the mileage").await;
    mileage.clear().await.unwrap();
    mileage.send_keys("15230").await.unwrap();
    type_into(&client, r#"textarea[name="complaint"]"#, "空调不凉").await;
    let promised = wait_for(&client, Locator::Css(r#"input[name="promised_at"]"#), "the promised time").await;
    client
        .execute("arguments[0].value = '2026-11-29T17:30'", vec![serde_json::to_value(&promised).unwrap()])
        .await
        .expect("set the promised time");
    submit_where(&client, "step", "reception").await;
    assert_eq!(flash(&client).await.as_deref(), Some("已保存。"));
    assert_eq!(value_of(&client, r#"input[name="promised_at"]"#).await, "2026-11-29T17:30", "the time stays");
    assert_eq!(value_of(&client, r#"input[name="mileage_km"]"#).await, "15230");
    let stored: String = sqlx::query_scalar("SELECT promised_at FROM repair_orders WHERE vehicle_id = $1")
        .bind(vehicle.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert!(stored.starts_with("2026-11-29T09:30"), "17:30 in Shanghai is stored in UTC: {stored}");

    // The message is shown once: the next page has none.
    client.refresh().await.unwrap();
    wait_for(&client, Locator::Css(r#"input[name="promised_at"]"#), "the order again").await;
    assert_eq!(flash(&client).await, None, "said once");
    // A refused form says why, not "saved".
    type_into(&client, r#"input[name="unit_price"]"#, "abc").await;
    type_into(&client, r#"input[name="description"]"#, "更换空调滤芯").await;
    submit_where(&client, "step", "add_line").await;
    assert_eq!(flash(&client).await, None);
    wait_for(&client, Locator::Css(r#"[role="alert"]"#), "the refusal").await;
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_says_so_and_the_form_keeps_what_was_saved_sqlite() {
    saving_says_so_and_the_form_keeps_what_was_saved(Backend::Sqlite).await;
}

async fn a_timeline_with_a_complaint_and_a_tier_change_reads_clean(backend: Backend) {
    let app = TestApp::start(backend).await;
    let customer = app.fx.customer_a;
    let (api, csrf) = app.signed_in("agent_a").await;
    let (status, body) = support::post_json(
        &api,
        &csrf,
        app.at(&format!("/api/v1/customers/{customer}/complaints")),
        json!({ "source": "call", "category": "repair_quality", "severity": "serious",
                "department": "after_sales", "subject": "修完还漏油", "detail": "" }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let res = api
        .put(app.at(&format!("/api/v1/customers/{customer}/tier")))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "tier": "gold" }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());

    let (_driver, client) = signed_in_browser(&app, "agent_a", PASSWORD).await;
    client.goto(&app.at(&format!("/customers/{customer}"))).await.unwrap();
    let timeline = text_of(&client, Locator::Css(r#"[data-testid="timeline"]"#), "the timeline").await;
    assert!(timeline.contains("修完还漏油"), "the complaint's entry: {timeline}");
    assert!(timeline.contains("会员等级"), "the tier change's entry: {timeline}");
    for marker in ["<<<<<<<", "=======", ">>>>>>>", "|||||||"] {
        assert!(!timeline.contains(marker), "a conflict marker {marker} on the timeline: {timeline}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeline_with_a_complaint_and_a_tier_change_reads_clean_sqlite() {
    a_timeline_with_a_complaint_and_a_tier_change_reads_clean(Backend::Sqlite).await;
}

async fn booking_shows_what_is_free_and_a_received_car_arrives(backend: Backend) {
    let app = TestApp::start(backend).await;
    let today: jiff::civil::Date = "2026-11-29".parse().unwrap();
    zhang_weis_car(&app, "2025-10-01", today).await;
    let vehicle = vehicle_of_zhang(&app).await;
    // Booked by phone this morning for 10:00 today.
    let booking = Booking {
        vehicle,
        day: today,
        hour: 10,
        job: "maintenance".into(),
        note: String::new(),
        source: "phone".into(),
        parts: Vec::new(),
    };
    let booked = appointments::book(&app.db, &everyone(&app), &booking, support::start_instant(), today).await.unwrap();
    let cap = appointments::capacity_of(&app.db, app.fx.store_a).await.unwrap();
    let (_driver, client) = signed_in_browser(&app, "agent_a", PASSWORD).await;

    // What is free shows before choosing: one bay and an hour less today.
    client.goto(&app.at(&format!("/customers/{}", app.fx.customer_a))).await.unwrap();
    wait_for(&client, Locator::XPath("//summary[normalize-space()='预约进厂']"), "the booking form")
        .await
        .click()
        .await
        .unwrap();
    let hours_left = format!("{:.1} h", (cap.technician_minutes - 60) as f64 / 60.0);
    let today_row = r#"[data-testid="book-free"] tr[data-day="2026-11-29"]"#;
    assert_eq!(
        text_of(&client, Locator::Css(&format!(r#"{today_row} [data-testid="free-hours"]"#)), "today's hours").await,
        hours_left
    );
    let ten = text_of(&client, Locator::Css(r#"button.slot[data-day="2026-11-29"][data-hour="10"]"#), "10:00").await;
    assert_eq!(ten, (cap.bays - 1).to_string(), "one bay of 10:00 is taken");
    let nine = text_of(&client, Locator::Css(r#"button.slot[data-day="2026-11-29"][data-hour="9"]"#), "9:00").await;
    assert_eq!(nine, cap.bays.to_string());
    // Choosing a free slot fills the day and the hour.
    wait_for(&client, Locator::Css(r#"button.slot[data-day="2026-11-30"][data-hour="14"]"#), "tomorrow 14:00")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(value_of(&client, r#"[data-testid="book-form"] input[name="day"]"#).await, "2026-11-30");
    assert_eq!(value_of(&client, r#"[data-testid="book-form"] select[name="hour"]"#).await, "14");
    submit(&client, "book-form").await;
    assert_eq!(path_of(&client).await, "/appointments/days/2026-11-30");
    assert_eq!(flash(&client).await.as_deref(), Some("已保存。"));

    // The car booked for today comes to the desk: the advisor opens its
    // order from the vehicle page, and the booking has arrived.
    client.goto(&app.at(&format!("/vehicles/{vehicle}"))).await.unwrap();
    submit(&client, "open-order").await;
    let order: i64 = path_of(&client).await.trim_start_matches("/repair-orders/").parse().expect("on the order");
    let (status, linked): (String, Option<i64>) =
        sqlx::query_as("SELECT status, repair_order_id FROM appointments WHERE id = $1")
            .bind(booked.id.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((status.as_str(), linked), ("arrived", Some(order)));
    let tomorrow: String = sqlx::query_scalar("SELECT status FROM appointments WHERE day = '2026-11-30'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(tomorrow, "booked", "tomorrow's booking is not today's arrival");
    client.goto(&app.at("/appointments/days/2026-11-29")).await.unwrap();
    let slot = text_of(&client, Locator::Css(r#"tr[data-hour="10"]"#), "the 10:00 slot").await;
    assert!(slot.contains("已到店"), "the day page shows it arrived: {slot}");
    client.close().await.expect("close the browser session");

    // A supervisor of the group who works at store B: the calendar opens on B.
    let supervisor = kefu_accounts::users::NewUser {
        username: "super_b".into(),
        display_name: "乙店主管".into(),
        password: PASSWORD.into(),
        roles: vec![kefu_core::Role::Supervisor],
        branches: vec![app.fx.group, app.fx.store_b],
        locale: kefu_core::Lang::Zh,
    };
    kefu_accounts::users::create(&app.db, &everyone(&app), supervisor).await.unwrap();
    let (_driver, client) = signed_in_browser(&app, "super_b", PASSWORD).await;
    follow(&client, r#"nav.side a[href="/appointments"]"#).await;
    let chosen = text_of(&client, Locator::Css(r#"select[name="branch"] option:checked"#), "the store shown").await;
    assert_eq!(chosen, "乙店", "the calendar opens on the user's own store");
    client.close().await.expect("close the browser session");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn booking_shows_what_is_free_and_a_received_car_arrives_sqlite() {
    booking_shows_what_is_free_and_a_received_car_arrives(Backend::Sqlite).await;
}
