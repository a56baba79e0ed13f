//! Inspection, violation and theft cases (issue 19 §4), on SQLite and on
//! PostgreSQL: the theft assessment's amounts through the API (capacity
//! known, from a single- and three-phase meter's rated current, unknown
//! duration for lighting and power users, one rounding, the penalty from
//! the rounded back charge), stored nowhere; a case above 1,000 yuan is
//! reported to the leaders at once and only a manager closes it, every
//! change audited; and who may reach the new routes.

use crate::support::*;
use kefu_accounts::users::{self, NewUser};
use kefu_core::{Actor, Lang, Role, Scope};
use kefu_power::accounts::{AccountNo, MeterNo, StationPrefix};
use kefu_power::archive::{self, NewAccount, NewMeter};
use kefu_store::Change;
use kefu_web::packs::Enabled;
use serde_json::{Value, json};

pub(crate) const NUMBER: &str = "3101000042";

/// Store A as a supply station with customer A's account; the power pack's
/// staff: an inspector, a supervisor and a meter reader in store A, an
/// inspector in store B.
pub(crate) async fn station(app: &TestApp) {
    let actor = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let prefix = StationPrefix::parse("prefix", "3101").unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, app.fx.store_a, &prefix).await.unwrap();
    let account = NewAccount {
        account_no: AccountNo::issue(&prefix, 42).unwrap(),
        customer_id: app.fx.customer_a,
        branch_id: app.fx.store_a,
        usage_class: "residential",
        voltage: "220v",
        capacity_kva: 8,
        supply_address: "青山镇龙岩村3组12号".into(),
        tariff_code: "gx-res-1",
        permit: None,
        status: "active",
        meters: vec![NewMeter {
            meter_no: MeterNo::parse("meter_no", "DDZY-4500000042").unwrap(),
            kind: "single_phase",
            register_digits: 6,
            ct: (1, 1),
            pt: (1, 1),
            installed_on: "2025-03-01".parse().unwrap(),
        }],
    };
    archive::insert_in(&mut tx, vec![account], Vec::new()).await.unwrap();
    let change = Change {
        entity: "power_account",
        entity_id: NUMBER.into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&actor, change).await.unwrap();
    tx.commit().await.unwrap();
    for (username, role, branch) in [
        ("inspector_a", Role::Inspector, app.fx.store_a),
        ("supervisor_a", Role::Supervisor, app.fx.store_a),
        ("reader_a", Role::MeterReader, app.fx.store_a),
        ("inspector_b", Role::Inspector, app.fx.store_b),
    ] {
        let user = NewUser {
            username: username.into(),
            display_name: username.into(),
            password: PASSWORD.into(),
            roles: vec![role],
            branches: vec![branch],
            locale: Lang::Zh,
        };
        users::create(&app.db, &actor, user).await.unwrap();
    }
}

async fn start(backend: Backend) -> TestApp {
    let app = TestApp::start_with_packs(backend, Enabled::select(&["power"]).unwrap()).await;
    station(&app).await;
    app
}

/// kWh × a price in ten-thousandths of a yuan, rounded half up to the fen.
fn fen(kwh: i64, price_units: i64) -> i64 {
    (kwh * price_units + 50) / 100
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// The answer the rule gives for `kwh` at `price_units`: back charge,
/// penalty three times the rounded back charge, total, escalation.
fn expected(kwh: i64, price_units: i64) -> Value {
    let back = fen(kwh, price_units);
    json!({
        "kwh": kwh, "back_charge": yuan(back), "penalty": yuan(3 * back), "total": yuan(4 * back),
        "escalate": 4 * back > 100_000,
    })
}

fn amounts_of(v: &Value) -> Value {
    json!({
        "kwh": v["kwh"], "back_charge": v["back_charge"], "penalty": v["penalty"], "total": v["total"],
        "escalate": v["escalate"],
    })
}

on_both!(theft_amounts_follow_the_rules, |backend| async move {
    let app = start(backend).await;
    let (inspector, csrf) = app.signed_in("inspector_a").await;
    let assess = |body: Value| post_json(&inspector, &csrf, app.at("/api/v1/power/theft-assessments"), body);

    // Capacity known: 1.1 kW × 300 h = 330 kWh at 0.5283 (the issue's example).
    let (status, a) = assess(json!({"user_class": "lighting", "capacity_kw": "1.1", "rated_current_a": null,
        "voltage_v": 220, "phases": 1, "hours": 300, "price": "0.5283"}))
    .await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(amounts_of(&a), expected(1100 * 300 / 1000, 5283));
    assert_eq!(a["back_charge"], "174.34", "330 × 0.5283 = 174.339, half up to the fen");

    // From a single-phase meter's rated current: 5 A × 220 V = 1.1 kW.
    let (_, b) = assess(json!({"user_class": "lighting", "capacity_kw": null, "rated_current_a": 5, "voltage_v": 220,
        "phases": 1, "hours": 300, "price": "0.5283"}))
    .await;
    assert_eq!(amounts_of(&b), expected(5 * 220 * 300 / 1000, 5283));

    // Three-phase: √3 × 380 V × 10 A × 100 h, to the nearest whole kWh.
    let (_, c) = assess(json!({"user_class": "power", "rated_current_a": 10, "voltage_v": 380, "phases": 3,
        "hours": 100, "price": "0.6500"}))
    .await;
    let kwh = (3f64.sqrt() * 380.0 * 10.0 * 100.0 / 1000.0).round() as i64;
    assert_eq!(amounts_of(&c), expected(kwh, 6500));

    // Unknown duration: 180 days × 6 h for lighting, × 12 h for power.
    let unknown = |class: &str| json!({"user_class": class, "capacity_kw": "2", "hours": null, "price": "0.5283"});
    let (_, d) = assess(unknown("lighting")).await;
    assert_eq!(amounts_of(&d), expected(2 * 180 * 6, 5283));
    assert_eq!(d["escalate"], true, "{d}");
    let (_, e) = assess(unknown("power")).await;
    assert_eq!(amounts_of(&e), expected(2 * 180 * 12, 5283));

    // Rounded once: 150 kWh × 0.5283 = 79.245 → 79.25, and the penalty is
    // three times that (237.75), not the exact 237.735 rounded.
    let (_, f) = assess(json!({"user_class": "lighting", "capacity_kw": "0.5", "hours": 300, "price": "0.5283"})).await;
    assert_eq!((&f["back_charge"], &f["penalty"]), (&json!("79.25"), &json!("237.75")));

    // Bad input names the field and the rule.
    for (body, field, rule) in [
        (json!({"user_class": "lighting", "hours": 300, "price": "0.5283"}), "capacity_kw", "capacity_or_current"),
        (
            json!({"user_class": "lighting", "capacity_kw": "1.1", "hours": 300, "price": "0.52831"}),
            "price",
            "price_decimals",
        ),
        (json!({"user_class": "street", "capacity_kw": "1.1", "price": "0.5283"}), "user_class", "user_class"),
        (json!({"user_class": "power", "rated_current_a": 10, "phases": 2, "price": "0.5283"}), "phases", "phases"),
        (json!({"user_class": "power", "capacity_kw": "1.1234", "price": "0.5283"}), "capacity_kw", "kw_format"),
    ] {
        let (status, p) = assess(body).await;
        assert_eq!((status, p["field"].as_str(), p["rule"].as_str()), (422, Some(field), Some(rule)), "{p}");
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM power_cases").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(stored, 0, "an assessment stores nothing");
});

/// A theft case at the account, opened by `client`.
async fn open_case(app: &TestApp, client: &reqwest::Client, csrf: &str, capacity_kw: &str, hours: Value) -> Value {
    let body = json!({"account_no": NUMBER, "kind": "theft_bypass", "source": "inspection", "found_on": "2026-11-20",
        "seal_numbers": "GX-2026-001234", "user_class": "lighting", "capacity_kw": capacity_kw, "hours": hours,
        "price": "0.5283"});
    let (status, c) = post_json(client, csrf, app.at("/api/v1/power/cases"), body).await;
    assert_eq!(status, 201, "{c}");
    c
}

async fn close(app: &TestApp, client: &reqwest::Client, csrf: &str, id: i64) -> (u16, Value) {
    post_json(
        client,
        csrf,
        app.at(&format!("/api/v1/power/cases/{id}/close")),
        json!({"note": "已补交电费及违约使用电费"}),
    )
    .await
}

on_both!(a_case_over_1000_yuan_only_a_manager_closes, |backend| async move {
    let app = start(backend).await;
    let (inspector, csrf) = app.signed_in("inspector_a").await;
    // 2 kW for an unknown time, lighting: 2160 kWh, 4 × 1141.13 yuan.
    let big = open_case(&app, &inspector, &csrf, "2", Value::Null).await;
    assert_eq!(big["amounts"]["kwh"], 2 * 180 * 6);
    assert_eq!(big["amounts"]["total"], yuan(4 * fen(2160, 5283)));
    assert_eq!((big["escalated"].as_bool(), big["status"].as_str()), (Some(true), Some("open")), "{big}");
    assert_eq!(app.audit_count("power_case", "escalate").await, 1, "the report to the leaders is on record");
    let id = big["id"].as_i64().unwrap();

    // The leaders see it on their today page at once.
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let today = manager.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    assert!(today.contains("已上报领导的案件"), "the manager's today page has the tile");
    let listed =
        manager.get(app.at("/power/cases?escalated=true&status=open")).send().await.unwrap().text().await.unwrap();
    assert!(listed.contains(&format!("data-case=\"{id}\"")), "the tile's list has the case");

    // Neither the inspector nor the supervisor closes it.
    let (status, p) = close(&app, &inspector, &csrf, id).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("escalated_case_manager_closes")), "{p}");
    let (supervisor, supervisor_csrf) = app.signed_in("supervisor_a").await;
    let (status, p) = close(&app, &supervisor, &supervisor_csrf, id).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("escalated_case_manager_closes")), "{p}");
    let still = get_json(&inspector, app.at(&format!("/api/v1/power/cases/{id}"))).await;
    assert_eq!(still["status"], "open");
    // Lowering the amounts is no way round: it stays escalated.
    let (status, lowered) = put_json(
        &inspector,
        &csrf,
        app.at(&format!("/api/v1/power/cases/{id}/amounts")),
        json!({"user_class": "lighting", "capacity_kw": "0.1", "hours": 10, "price": "0.5283"}),
    )
    .await;
    assert_eq!((status, lowered["escalated"].as_bool()), (200, Some(true)), "{lowered}");
    assert_eq!(close(&app, &inspector, &csrf, id).await.0, 422);

    // The manager closes it, on record.
    let (status, closed) = close(&app, &manager, &manager_csrf, id).await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")), "{closed}");
    assert_eq!(app.audit_count("power_case", "close").await, 1);
    assert_eq!(close(&app, &manager, &manager_csrf, id).await.0, 422, "a closed case stays closed");

    // A small case the inspector closes; its amounts raised above 1,000
    // yuan escalate it, audited with the old and new figures.
    let small = open_case(&app, &inspector, &csrf, "1.1", json!(300)).await;
    assert_eq!(
        (small["escalated"].as_bool(), &small["amounts"]["total"]),
        (Some(false), &json!(yuan(4 * fen(330, 5283))))
    );
    let small_id = small["id"].as_i64().unwrap();
    let (status, raised) = put_json(
        &inspector,
        &csrf,
        app.at(&format!("/api/v1/power/cases/{small_id}/amounts")),
        json!({"user_class": "lighting", "capacity_kw": "1.1", "hours": 3000, "price": "0.5283"}),
    )
    .await;
    assert_eq!((status, raised["escalated"].as_bool()), (200, Some(true)), "{raised}");
    let (old, new): (String, String) = sqlx::query_as(
        "SELECT old_value, new_value FROM audit_log WHERE entity = 'power_case' AND action = 'amounts' AND entity_id = $1",
    )
    .bind(small_id.to_string())
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert!(old.contains(&fen(330, 5283).to_string()) && new.contains(&fen(3300, 5283).to_string()), "{old} → {new}");
    assert_eq!(close(&app, &inspector, &csrf, small_id).await.0, 422);
    let third = open_case(&app, &inspector, &csrf, "1", json!(10)).await;
    let (status, done) = close(&app, &inspector, &csrf, third["id"].as_i64().unwrap()).await;
    assert_eq!(
        (status, done["status"].as_str()),
        (200, Some("closed")),
        "a case under 1,000 yuan the inspector closes"
    );

    // A back charge with three decimals is refused by name.
    let (status, p) = post_json(
        &inspector,
        &csrf,
        app.at("/api/v1/power/cases"),
        json!({"account_no": NUMBER,
        "kind": "class_change", "source": "report", "back_charge": "12.345"}),
    )
    .await;
    assert_eq!(
        (status, p["field"].as_str(), p["rule"].as_str()),
        (422, Some("back_charge"), Some("money_decimals")),
        "{p}"
    );

    // The holder's 360° page shows the cases.
    let page =
        manager.get(app.at(&format!("/customers/{}", app.fx.customer_a.0))).send().await.unwrap().text().await.unwrap();
    let panel = page.split(r#"data-testid="power-cases""#).nth(1).expect("the cases panel");
    assert!(panel.contains(&format!("#{id}")) && panel.contains(&format!("#{small_id}")), "{panel}");

    // The list exports to a workbook.
    let res = inspector.get(app.at("/power/cases.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    assert!(res.bytes().await.unwrap().starts_with(b"PK"), "an XLSX file is a zip");
});

on_both!(the_new_routes_need_inspection_work_and_the_branch, |backend| async move {
    let app = start(backend).await;
    let (inspector, csrf) = app.signed_in("inspector_a").await;
    let id = open_case(&app, &inspector, &csrf, "1", json!(10)).await["id"].as_i64().unwrap();
    let theft = json!({"user_class": "lighting", "capacity_kw": "1", "hours": 10, "price": "0.5"});
    for who in ["reader_a", "agent_a"] {
        let (client, csrf) = app.signed_in(who).await;
        let (status, _) = post_json(&client, &csrf, app.at("/api/v1/power/theft-assessments"), theft.clone()).await;
        assert_eq!(status, 403, "{who} assesses no theft");
        for path in [
            "/power/cases".to_string(),
            format!("/api/v1/power/cases/{id}"),
            "/power/inspections".into(),
            "/power/suspensions".into(),
        ] {
            assert_eq!(client.get(app.at(&path)).send().await.unwrap().status(), 403, "{who} {path}");
        }
    }
    // An inspector of another station does not find the case.
    let (other, other_csrf) = app.signed_in("inspector_b").await;
    assert_eq!(other.get(app.at(&format!("/api/v1/power/cases/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(other.get(app.at(&format!("/power/cases/{id}"))).send().await.unwrap().status(), 404);
    assert_eq!(close(&app, &other, &other_csrf, id).await.0, 404);
    let list = get_json(&other, app.at("/api/v1/power/cases")).await;
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    let (status, p) = post_json(
        &other,
        &other_csrf,
        app.at("/api/v1/power/cases"),
        json!({"account_no": NUMBER,
        "kind": "theft_bypass", "source": "inspection", "user_class": "lighting", "capacity_kw": "1", "price": "0.5"}),
    )
    .await;
    assert_eq!((status, p["field"].as_str()), (422, Some("account_no")), "another station's account is not there: {p}");
    // Only a manager changes the parameters of the amounts.
    let rules = json!({"penalty_multiple": 2, "unknown_days": 180, "lighting_hours": 6, "power_hours": 12,
        "escalate_above": "1000.00", "capacity_charge": "50.00"});
    let (status, _) = put_json(&inspector, &csrf, app.at("/api/v1/power/case-rules"), rules.clone()).await;
    assert_eq!(status, 403);
    let (manager, manager_csrf) = app.signed_in("manager_a").await;
    let (status, saved) = put_json(&manager, &manager_csrf, app.at("/api/v1/power/case-rules"), rules).await;
    assert_eq!((status, saved["penalty_multiple"].as_i64()), (200, Some(2)), "{saved}");
    let (_, a) = post_json(&inspector, &csrf, app.at("/api/v1/power/theft-assessments"), theft).await;
    assert_eq!((&a["back_charge"], &a["penalty"]), (&json!("5.00"), &json!("10.00")), "the new multiple applies: {a}");
});

/// PUTs JSON with the session's CSRF token.
async fn put_json(client: &reqwest::Client, csrf: &str, url: String, body: Value) -> (u16, Value) {
    let res = client.put(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

on_both!(evidence_photos_are_images_of_bounded_size, |backend| async move {
    let app = start(backend).await;
    let (inspector, csrf) = app.signed_in("inspector_a").await;
    let id = open_case(&app, &inspector, &csrf, "1", json!(10)).await["id"].as_i64().unwrap();
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
        let form = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).part("photo", part);
        inspector.post(app.at(&format!("/power/cases/{id}/photos"))).multipart(form).send()
    };
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0u8; 64]);
    assert_eq!(upload(png.clone(), "电表接线.png").await.unwrap().status(), 303);
    let case = get_json(&inspector, app.at(&format!("/api/v1/power/cases/{id}"))).await;
    let photo = case["photos"][0].as_i64().expect("the photo is kept");
    let res = inspector.get(app.at(&format!("/api/v1/power/cases/{id}/photos/{photo}"))).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().to_vec(), png);
    // Not an image, or too large: refused, nothing kept.
    assert_eq!(upload(b"MZ not a picture".to_vec(), "photo.jpg").await.unwrap().status(), 422);
    let mut big = b"\xff\xd8\xff".to_vec();
    big.resize(1536 * 1024 + 1, 0);
    assert_eq!(upload(big, "big.jpg").await.unwrap().status(), 422);
    let case = get_json(&inspector, app.at(&format!("/api/v1/power/cases/{id}"))).await;
    assert_eq!(case["photos"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.audit_count("power_case", "photo").await, 1);
});
