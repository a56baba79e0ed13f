//! Appointments on SQLite and PostgreSQL: the workshop's capacity is never
//! overbooked, also by many bookings at once over HTTP; a booking shows on
//! the calendar, downloads as an invitation, stops the invitations to come
//! in, is reminded the day before, and opens the repair order when the car
//! arrives.

use crate::support;

use jiff::civil::Date;
use kefu_core::ident::vin::check_digit;
use kefu_core::{Actor, Scope};
use serde_json::{Value, json};
use support::{Backend, TestApp, get_json, post_json};

struct Agent {
    client: reqwest::Client,
    csrf: String,
}

async fn agent(app: &TestApp, username: &str) -> Agent {
    let client = app.login(username).await;
    let csrf = app.csrf(&client).await;
    Agent { client, csrf }
}

/// A valid VIN that differs from the others by its serial number.
fn vin(serial: u32) -> String {
    let mut v: Vec<u8> = format!("LSVAM4187C2{serial:06}").into_bytes();
    v[8] = check_digit(&v).unwrap();
    String::from_utf8(v).unwrap()
}

/// 张伟's car number `n` in store A; returns its id.
async fn car(app: &TestApp, a: &Agent, n: u32, purchase: &str) -> i64 {
    let (status, v) = post_json(
        &a.client,
        &a.csrf,
        app.at(&format!("/api/v1/customers/{}/vehicles", app.fx.customer_a)),
        json!({ "vin": vin(n), "plate": format!("京A1234{n}"), "brand": "一汽-大众", "model": "速腾",
                "purchase_date": purchase }),
    )
    .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().unwrap()
}

async fn book(app: &TestApp, a: &Agent, vehicle: i64, day: &str, hour: i64, job: &str) -> (u16, Value) {
    post_json(
        &a.client,
        &a.csrf,
        app.at(&format!("/api/v1/vehicles/{vehicle}/appointments")),
        json!({ "day": day, "hour": hour, "job": job, "source": "phone" }),
    )
    .await
}

/// Sends all the bookings at once, each on its own task; returns each
/// answer's status and refused rule, in the order given.
async fn book_at_once(
    app: &TestApp,
    who: &[&Agent],
    bookings: Vec<(i64, i64)>,
    day: &str,
) -> Vec<(u16, Option<String>)> {
    let mut tasks = Vec::new();
    for (i, (vehicle, hour)) in bookings.into_iter().enumerate() {
        let a = who[i % who.len()];
        let (client, csrf) = (a.client.clone(), a.csrf.clone());
        let url = app.at(&format!("/api/v1/vehicles/{vehicle}/appointments"));
        let body = json!({ "day": day, "hour": hour, "job": "maintenance" });
        tasks.push(tokio::spawn(async move {
            let (status, v) = post_json(&client, &csrf, url, body).await;
            (status, v["rule"].as_str().map(str::to_string))
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn count(answers: &[(u16, Option<String>)], status: u16, rule: Option<&str>) -> usize {
    answers.iter().filter(|(s, r)| *s == status && r.as_deref() == rule).count()
}

async fn slot_booked(app: &TestApp, day: &str, hour: i64) -> (i64, i64) {
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM appointments WHERE day = $1 AND hour = $2 AND status = 'booked'")
            .bind(day.to_string())
            .bind(hour)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let counter: i64 = sqlx::query_scalar("SELECT booked FROM workshop_slots WHERE day = $1 AND hour = $2")
        .bind(day.to_string())
        .bind(hour)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (rows, counter)
}

/// Posts the capacity form for `branch`: bays, technician hours, hours open.
async fn set_capacity(app: &TestApp, who: &Agent, branch: i64, (bays, hours): (&str, &str)) -> reqwest::Response {
    who.client
        .post(app.at("/appointments/capacity"))
        .form(&[
            ("_csrf", who.csrf.as_str()),
            ("branch", &branch.to_string()),
            ("bays", bays),
            ("technician_hours", hours),
            ("open_hour", "8"),
            ("close_hour", "17"),
        ])
        .send()
        .await
        .unwrap()
}

on_both!(capacity_is_never_overbooked_by_concurrent_bookings, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = agent(&app, "agent_a").await;
    let m = agent(&app, "manager_a").await;
    // Two bays an hour and three technician hours a day.
    let res = set_capacity(&app, &m, app.fx.store_a.0, ("2", "3")).await;
    assert_eq!(res.status(), 303);
    let mut cars = Vec::new();
    for n in 0..8 {
        cars.push(car(&app, &a, n, "2024-05-01").await);
    }
    let day = "2026-12-01";
    // Eight agents book the 9 o'clock slot at the same moment: two get it.
    let answers = book_at_once(&app, &[&a, &m], cars.iter().map(|c| (*c, 9)).collect(), day).await;
    assert_eq!(count(&answers, 201, None), 2, "{answers:?}");
    assert_eq!(count(&answers, 409, Some("slot_full")), 6, "{answers:?}");
    assert_eq!(slot_booked(&app, day, 9).await, (2, 2), "two bookings, and the counter agrees");
    // The day holds three technician hours; two are taken. Three bookings
    // at once in three free hours: one fits.
    let answers = book_at_once(&app, &[&a, &m], vec![(cars[2], 10), (cars[3], 11), (cars[4], 12)], day).await;
    assert_eq!(count(&answers, 201, None), 1, "{answers:?}");
    assert_eq!(count(&answers, 409, Some("day_full")), 2, "{answers:?}");
    let minutes: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(minutes) AS BIGINT) FROM appointments WHERE day = $1 AND status = 'booked'",
    )
    .bind(day)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(minutes, 180);
    // A cancellation gives the bay and the time back.
    let booked: i64 = sqlx::query_scalar("SELECT MIN(id) FROM appointments WHERE day = $1 AND hour = 9")
        .bind(day)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (status, cancelled) = post_json(
        &a.client,
        &a.csrf,
        app.at(&format!("/api/v1/appointments/{booked}/outcome")),
        json!({ "result": "cancelled" }),
    )
    .await;
    assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
    assert_eq!(book(&app, &a, cars[5], day, 9, "maintenance").await.0, 201);
    assert_eq!(slot_booked(&app, day, 9).await, (2, 2));
    let load: Value =
        get_json(&a.client, app.at(&format!("/api/v1/workshop/load?branch={}&month=2026-12", app.fx.store_a))).await;
    assert_eq!(
        load[0],
        json!({ "day": day, "booked_minutes": 180, "capacity_minutes": 180, "percent": 100, "level": "full" })
    );
    assert_eq!(load.as_array().unwrap().len(), 31);
});

on_both!(bookings_are_checked_and_kept_in_their_store, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = agent(&app, "agent_a").await;
    let vehicle = car(&app, &a, 1, "2024-05-01").await;
    let refused = |(status, p): (u16, Value)| {
        (status, p["field"].as_str().map(str::to_string), p["rule"].as_str().map(str::to_string))
    };
    let expect = |field: &str, rule: &str| (422, Some(field.to_string()), Some(rule.to_string()));
    assert_eq!(refused(book(&app, &a, vehicle, "2026-11-28", 9, "maintenance").await), expect("day", "booking_window"));
    assert_eq!(
        refused(book(&app, &a, vehicle, "2026-12-01", 20, "maintenance").await),
        expect("hour", "outside_hours")
    );
    assert_eq!(refused(book(&app, &a, vehicle, "2026-12-01", 9, "spa").await), expect("job", "one_of"));
    assert_eq!(refused(book(&app, &a, vehicle, "12/01", 9, "repair").await), expect("day", "date_format"));
    let b = agent(&app, "agent_b").await;
    assert_eq!(
        book(&app, &b, vehicle, "2026-12-01", 9, "maintenance").await.0,
        404,
        "another store's car is answered as missing"
    );
    let admin = agent(&app, "admin").await;
    assert_eq!(book(&app, &admin, vehicle, "2026-12-01", 9, "maintenance").await.0, 403);
    // Only managers and supervisors set the capacity; its rules are named.
    let res = set_capacity(&app, &a, app.fx.store_a.0, ("9", "40")).await;
    assert_eq!(res.status(), 403);
    let m = agent(&app, "manager_a").await;
    let res = set_capacity(&app, &m, app.fx.store_a.0, ("0", "40")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("工位数须在 1 到 50 之间"));
    let res = set_capacity(&app, &m, app.fx.store_b.0, ("3", "40")).await;
    assert_eq!(res.status(), 404, "store B's capacity is not store A's manager's to set");
    let appointments: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM appointments").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(appointments, 0, "nothing refused was written");
});

on_both!(a_booking_is_on_the_calendar_stops_invitations_and_opens_the_order, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = agent(&app, "agent_a").await;
    // Bought 20 September: the first service falls due on 20 December.
    let booked_car = car(&app, &a, 1, "2026-09-20").await;
    let other_car = car(&app, &a, 2, "2026-09-20").await;
    // Booked from the customer page.
    let page =
        a.client.get(app.at(&format!("/customers/{}", app.fx.customer_a))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"book-form\""), "the customer page books appointments");
    let res = a
        .client
        .post(app.at(&format!("/customers/{}/appointments", app.fx.customer_a)))
        .form(&[
            ("_csrf", a.csrf.as_str()),
            ("vehicle_id", &booked_car.to_string()),
            ("day", "2026-12-01"),
            ("hour", "9"),
            ("job", "first_maintenance"),
            ("note", "客户要求顺便检查空调"),
            ("source", "phone"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let day_url = res.headers()["location"].to_str().unwrap().to_string();
    assert!(day_url.starts_with("/appointments/days/2026-12-01"), "{day_url}");
    let day_page = a.client.get(app.at(&day_url)).send().await.unwrap().text().await.unwrap();
    for part in ["京A12341", "张伟", "已预约", "客户要求顺便检查空调", "1/4"] {
        assert!(day_page.contains(part), "the day shows {part}");
    }
    let calendar = a.client.get(app.at("/appointments?month=2026-12")).send().await.unwrap().text().await.unwrap();
    assert!(calendar.contains(r#"data-date="2026-12-01" data-percent="2""#), "60 of 2,400 minutes: 2%");
    let id: i64 = sqlx::query_scalar("SELECT id FROM appointments").fetch_one(app.db.pool()).await.unwrap();
    // The invitation: 9:00 in Shanghai is 01:00 UTC, for an hour.
    let res = a.client.get(app.at(&format!("/appointments/{id}/invite.ics"))).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "text/calendar; charset=utf-8");
    let ics = res.text().await.unwrap();
    for part in ["BEGIN:VEVENT", "DTSTART:20261201T010000Z", "DTEND:20261201T020000Z", "京A12341", "甲店"] {
        assert!(ics.contains(part), "the invitation has {part}: {ics}");
    }

    // The day before, the reminder; on the first-service call's day, the
    // booked car is left alone and the other car is called.
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let day = |s: &str| s.parse::<Date>().unwrap();
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &everyone, (day("2026-11-30"), &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    let reminders: Vec<(i64, String)> =
        sqlx::query_as("SELECT asset_id, channel FROM outreach_tasks WHERE playbook = 'appointment_reminder'")
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(reminders, vec![(booked_car, "sms".to_string())]);
    let summary = kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &everyone, (day("2026-12-13"), &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    let called: Vec<i64> = sqlx::query_scalar(
        "SELECT asset_id FROM outreach_tasks WHERE playbook = 'first_service' AND due_date = '2026-12-13'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(called, vec![other_car], "the booked car's cadence stopped");
    assert!(summary.stopped >= 1);
    // The agent calling the other car's owner books from the call itself.
    let call: i64 =
        sqlx::query_scalar("SELECT id FROM outreach_tasks WHERE playbook = 'first_service' AND channel = 'call'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    let call_page =
        a.client.get(app.at(&format!("/outreach/calls/{call}"))).send().await.unwrap().text().await.unwrap();
    assert!(call_page.contains("data-testid=\"book-form\"") && call_page.contains(r#"value="call" selected"#));

    // A no-show cannot be recorded before the day; the arrival opens the
    // repair order; then the booking is closed.
    let outcome = |result: &str| {
        post_json(
            &a.client,
            &a.csrf,
            app.at(&format!("/api/v1/appointments/{id}/outcome")),
            json!({ "result": result }),
        )
    };
    let (status, p) = outcome("no_show").await;
    assert_eq!((status, p["rule"].as_str()), (409, Some("not_yet_due")));
    let (status, arrived) = outcome("arrived").await;
    assert_eq!((status, arrived["status"].as_str()), (200, Some("arrived")));
    let order = arrived["repair_order_id"].as_i64().expect("the arrival opened a repair order");
    let o: Value = get_json(&a.client, app.at(&format!("/api/v1/repair-orders/{order}"))).await;
    assert_eq!(
        (o["kind"].as_str(), o["status"].as_str(), o["vehicle_id"].as_i64()),
        (Some("first_maintenance"), Some("open"), Some(booked_car))
    );
    let (status, p) = outcome("cancelled").await;
    assert_eq!((status, p["rule"].as_str()), (409, Some("appointment_closed")));
    assert_eq!(app.audit_count("appointment", "booked").await, 1);
    assert_eq!(app.audit_count("appointment", "arrived").await, 1);
});

on_both!(booking_checks_the_parts_against_the_stock, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = agent(&app, "agent_a").await;
    let m = agent(&app, "manager_a").await;
    let save_part = |who: &Agent, part_no: &'static str, stock: &'static str| {
        let (client, csrf) = (who.client.clone(), who.csrf.clone());
        let (url, branch) = (app.at("/appointments/parts"), app.fx.store_a.to_string());
        async move {
            let form = [
                ("_csrf", csrf.as_str()),
                ("branch", &branch),
                ("part_no", part_no),
                ("name", "配件"),
                ("unit_price", "45.00"),
                ("stock", stock),
            ];
            client.post(url).form(&form).send().await.unwrap().status().as_u16()
        }
    };
    assert_eq!(save_part(&a, "OF-8011", "3").await, 403, "agents do not keep the stock");
    assert_eq!(save_part(&m, "OF-8011", "3").await, 303);
    assert_eq!(save_part(&m, "MO-0W20", "8").await, 303);
    let (first, second) = (car(&app, &a, 1, "2024-05-01").await, car(&app, &a, 2, "2024-05-01").await);
    let book_with = |vehicle: i64, parts: &'static str| {
        post_json(
            &a.client,
            &a.csrf,
            app.at(&format!("/api/v1/vehicles/{vehicle}/appointments")),
            json!({ "day": "2026-12-01", "hour": 9, "job": "maintenance", "parts": parts }),
        )
    };
    let (status, p) = book_with(first, "OF-8011 two").await;
    assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some("parts"), Some("parts_format")));
    let (status, one) = book_with(first, "OF-8011 2, MO-0W20 4").await;
    assert_eq!((status, &one["shortages"]), (201, &json!([])), "{one}");
    let (status, two) = book_with(second, "OF-8011 2, BP-01 1").await;
    assert_eq!(status, 201);
    assert_eq!(
        two["shortages"],
        json!([{ "part_no": "BP-01", "needed": 1, "free": 0 }, { "part_no": "OF-8011", "needed": 2, "free": 1 }]),
        "the first booking holds two of the three filters; the pads are not stocked"
    );
    let day =
        || async { a.client.get(app.at("/appointments/days/2026-12-01")).send().await.unwrap().text().await.unwrap() };
    let page = day().await;
    assert!(page.contains(r#"data-part="OF-8011""#) && page.contains(r#"data-part="BP-01""#) && page.contains("缺货"));
    // The first booking is cancelled: its filters are free again.
    let (status, _) = post_json(
        &a.client,
        &a.csrf,
        app.at(&format!("/api/v1/appointments/{}/outcome", one["id"])),
        json!({ "result": "cancelled" }),
    )
    .await;
    assert_eq!(status, 200);
    let page = day().await;
    assert!(!page.contains(r#"data-part="OF-8011""#) && page.contains(r#"data-part="BP-01""#), "{page}");
});

/// The confirmation tasks of the bookings: status, channel, reason, message.
async fn confirmations(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT status, channel, reason, message FROM outreach_tasks WHERE playbook = 'appointment_confirmation' \
         AND asset_kind = 'appointment' ORDER BY id",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap()
}

async fn set_preferences(app: &TestApp, a: &Agent, fields: &[(&str, &str)]) {
    let mut form = vec![("_csrf", a.csrf.as_str())];
    form.extend_from_slice(fields);
    let url = app.at(&format!("/customers/{}/preferences", app.fx.customer_a));
    assert_eq!(a.client.post(url).form(&form).send().await.unwrap().status(), 303);
}

on_both!(a_booking_is_confirmed_to_the_customer_as_their_preferences_allow, |backend: Backend| async move {
    let (sms_url, received) = support::sms_receiver().await;
    let app = TestApp::start_with(backend, support::sms_only(sms_url)).await;
    let a = agent(&app, "agent_a").await;
    let vehicle = car(&app, &a, 1, "2026-06-01").await;

    // Booked by phone: the SMS goes out at once and is on the timeline.
    let (status, booked) = book(&app, &a, vehicle, "2026-12-03", 10, "maintenance").await;
    assert_eq!(status, 201, "{booked}");
    let text = support::nth_sms(&received, 1);
    for part in ["张伟", "2026-12-03 10:00", "京A12341"] {
        assert!(text.contains(part), "the confirmation names {part}: {text}");
    }
    let (state, asset) = app.notice("appointment_confirmation").await;
    assert_eq!((state.as_str(), asset), ("sent", booked["id"].as_i64().unwrap()));
    assert_eq!(app.timeline_count("sms", app.fx.customer_a).await, 1);

    // Within the customer's quiet hours (it is 09:00) it waits for their end.
    set_preferences(&app, &a, &[("allow_sms", "1"), ("quiet_start", "08:00"), ("quiet_end", "10:00")]).await;
    assert_eq!(book(&app, &a, vehicle, "2026-12-04", 11, "maintenance").await.0, 201);
    assert_eq!(received.lock().unwrap().len(), 1, "nothing during quiet hours");
    assert_eq!(confirmations(&app).await[1].0, "pending");
    app.clock.set("2026-11-29T02:30:00Z".parse().unwrap()); // 10:30
    let manager = agent(&app, "manager_a").await;
    let res = manager.client.post(app.at("/outreach/send")).form(&[("_csrf", manager.csrf.as_str())]).send().await;
    assert_eq!(res.unwrap().status(), 303);
    assert_eq!(received.lock().unwrap().len(), 2, "sent once the quiet hours are over");
    assert_eq!(confirmations(&app).await[1].0, "sent");

    // A customer who takes no SMS and has no e-mail is not sent one; the
    // task says why.
    set_preferences(&app, &a, &[("allow_letter", "1")]).await;
    assert_eq!(book(&app, &a, vehicle, "2026-12-05", 9, "maintenance").await.0, 201);
    assert_eq!(received.lock().unwrap().len(), 2);
    let last = confirmations(&app).await.pop().unwrap();
    assert_eq!((last.0.as_str(), last.2.as_str()), ("skipped", "optedout"));

    // The daily run leaves the event's playbook alone.
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let s = kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(
            &app.db,
            &everyone,
            ("2026-11-30".parse().unwrap(), &kefu_core::time::BusinessZone::shanghai()),
            &|_, _| {},
        )
        .await
        .unwrap();
    assert!(!s.unsupported.contains(&"appointment_confirmation".to_string()), "{:?}", s.unsupported);
    assert_eq!(confirmations(&app).await.len(), 3);
});

on_both!(the_parts_and_the_lounge_answer_over_the_api, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = agent(&app, "agent_a").await;
    let m = agent(&app, "manager_a").await;
    let put = |who: &Agent, path: &str, body: Value| {
        let request = who.client.put(app.at(path)).header("x-csrf-token", &who.csrf).json(&body);
        async move {
            let res = request.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let get = |path: String| {
        let request = a.client.get(app.at(&path));
        async move {
            let res = request.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let store = app.fx.store_a.0;
    let part = |part_no: &str, name: &str, stock: i64| json!({ "branch": store, "part_no": part_no, "name": name, "unit_price": "45.00", "stock": stock });
    assert_eq!(put(&a, "/api/v1/parts", part("OF-8011", "机油滤清器", 3)).await.0, 403, "agents do not keep the stock");
    let (status, saved) = put(&m, "/api/v1/parts", part("OF-8011", "机油滤清器", 3)).await;
    assert_eq!((status, saved["unit_fen"].as_i64(), saved["free"].as_i64()), (200, Some(4500), Some(3)), "{saved}");
    let (status, bad) = put(&m, "/api/v1/parts", part("OF-8011", "机油滤清器", -1)).await;
    assert_eq!((status, bad["field"].as_str()), (422, Some("stock")), "{bad}");
    assert_eq!(put(&m, "/api/v1/parts", part("BP-01", "前刹车片", 1)).await.0, 200);
    let vehicle = car(&app, &a, 1, "2024-05-01").await;
    let (status, booked) = post_json(
        &a.client,
        &a.csrf,
        app.at(&format!("/api/v1/vehicles/{vehicle}/appointments")),
        json!({ "day": "2026-12-01", "hour": 9, "job": "maintenance", "parts": "OF-8011 2, BP-01 2" }),
    )
    .await;
    assert_eq!(status, 201, "{booked}");
    let (status, list) = get(format!("/api/v1/parts?branch={store}&q=of-80")).await;
    assert_eq!(status, 200);
    assert_eq!(
        list,
        json!([{ "part_no": "OF-8011", "name": "机油滤清器", "unit_fen": 4500, "stock": 3, "held": 2, "free": 1 }])
    );
    let (_, by_name) = get(format!("/api/v1/parts?branch={store}&q=刹车")).await;
    assert_eq!(by_name[0]["part_no"], "BP-01");
    let (status, needs) = get(format!("/api/v1/appointments/{}/parts", booked["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(needs["needs"].as_array().unwrap().len(), 2);
    assert_eq!(needs["shortages"], json!([{ "part_no": "BP-01", "needed": 2, "free": 1 }]));
    let other = app.fx.store_b.0;
    assert_eq!(get(format!("/api/v1/parts?branch={other}")).await.0, 404, "another store's stock is out of reach");

    // The lounge: a guest arrives and leaves; the day's drinkware.
    let (status, guest) = post_json(
        &a.client,
        &a.csrf,
        app.at("/api/v1/lounge/guests"),
        json!({ "branch": store, "guest": "张伟", "plate": "京A12341", "served": "绿茶" }),
    )
    .await;
    assert_eq!((status, guest["left_at"].is_null()), (201, true), "{guest}");
    let (status, problem) =
        post_json(&a.client, &a.csrf, app.at("/api/v1/lounge/guests"), json!({ "branch": store, "guest": " " })).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("guest")));
    let leave = app.at(&format!("/api/v1/lounge/guests/{}/leave", guest["id"]));
    assert_eq!(post_json(&a.client, &a.csrf, leave.clone(), json!({})).await.0, 200);
    assert_eq!(post_json(&a.client, &a.csrf, leave, json!({})).await.0, 409, "a guest leaves once");
    let (status, guests) = get(format!("/api/v1/lounge/guests?branch={store}")).await;
    assert_eq!((status, guests[0]["guest"].as_str(), guests[0]["left_at"].is_string()), (200, Some("张伟"), true));
    let (_, yesterday) = get(format!("/api/v1/lounge/guests?branch={store}&day=2026-11-28")).await;
    assert_eq!(yesterday, json!([]));
    sqlx::query(
        "INSERT INTO drinkware_counts (branch_id, day, item, count, broken, recorded_by) VALUES \
         ($1, '2026-11-28', 'cup', 24, 0, '甲店客服'), ($1, '2026-11-28', 'glass', 12, 0, '甲店客服')",
    )
    .bind(store)
    .execute(app.db.pool())
    .await
    .unwrap();
    let counts = json!({ "branch": store, "counts": [
        { "item": "cup", "count": 22, "broken": 2 }, { "item": "glass", "count": 11, "broken": 0 } ] });
    let (status, register) = put(&a, "/api/v1/lounge/drinkware", counts).await;
    assert_eq!(status, 200, "{register}");
    assert_eq!(register["missing"], json!([{ "item": "glass", "missing": 1 }]));
    let bad = json!({ "branch": store, "counts": [{ "item": "vase", "count": 1, "broken": 0 }] });
    assert_eq!(put(&a, "/api/v1/lounge/drinkware", bad).await.0, 422);
    let (_, read) = get(format!("/api/v1/lounge/drinkware?branch={store}&day=2026-11-29")).await;
    assert_eq!(read["counts"].as_array().unwrap().len(), 2);
    assert_eq!(app.audit_count("drinkware", "register").await, 1);
    assert_eq!(app.audit_count("lounge_guest", "leave").await, 1);
    assert_eq!(app.audit_count("part", "save").await, 2);
});
