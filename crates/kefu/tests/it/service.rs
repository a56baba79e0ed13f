//! The workshop's service operations on SQLite and PostgreSQL: a repair
//! order through its seven steps, each refusal (no work before the estimate
//! is signed, no additional item without consent, no delivery before the
//! quality check), settlement totals in fen that add up exactly, the
//! workshop visit and follow-up call a settled order makes, and the pages.

use crate::support;

use jiff::ToSpan;
use kefu_core::{Actor, Scope};
use serde_json::{Value, json};
use support::{Backend, TestApp, get_json, pdf_text};

/// An advisor of store A, signed in, with the CSRF token for the API.
struct Advisor {
    client: reqwest::Client,
    csrf: String,
}

async fn advisor(app: &TestApp, username: &str) -> Advisor {
    let client = app.login(username).await;
    let csrf = app.csrf(&client).await;
    Advisor { client, csrf }
}

impl Advisor {
    async fn post(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        support::post_json(&self.client, &self.csrf, app.at(path), body).await
    }

    /// Takes a step that must succeed; returns the order after it.
    async fn step(&self, app: &TestApp, order: i64, body: Value) -> Value {
        let (status, o) = self.post(app, &format!("/api/v1/repair-orders/{order}/steps"), body.clone()).await;
        assert_eq!(status, 200, "{body}: {o}");
        o
    }

    /// Takes steps that must all succeed, in order.
    async fn steps(&self, app: &TestApp, order: i64, steps: Vec<Value>) {
        for step in steps {
            self.step(app, order, step).await;
        }
    }

    /// Takes a step that must be refused with `status` and `rule`.
    async fn refused(&self, app: &TestApp, order: i64, body: Value, status: u16, rule: &str) -> Value {
        let (got, problem) = self.post(app, &format!("/api/v1/repair-orders/{order}/steps"), body.clone()).await;
        assert_eq!((got, problem["rule"].as_str()), (status, Some(rule)), "{body}: {problem}");
        problem
    }
}

/// 张伟's car in store A, with 12,000 km on the clock; returns its id.
async fn car(app: &TestApp, a: &Advisor) -> i64 {
    let (status, v) = a
        .post(
            app,
            &format!("/api/v1/customers/{}/vehicles", app.fx.customer_a),
            json!({ "vin": "LSVAM4187C2184847", "plate": "京A12345", "brand": "一汽-大众", "model": "速腾",
                    "purchase_date": "2025-10-01", "mileage_km": 12000 }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().unwrap()
}

async fn open_order(app: &TestApp, a: &Advisor, vehicle: i64, kind: &str) -> i64 {
    let (status, o) = a.post(app, &format!("/api/v1/vehicles/{vehicle}/repair-orders"), json!({ "kind": kind })).await;
    assert_eq!(status, 201, "{o}");
    assert_eq!(o["status"], "open");
    o["id"].as_i64().unwrap()
}

fn reception() -> Value {
    json!({ "step": "reception", "mileage_km": 15230, "fuel_eighths": 3,
            "complaint": "冷车启动时发动机舱有异响，刹车时方向盘抖动", "diagnosis": "疑似前刹车盘磨损不均",
            "damage": ["front_bumper:scratch", "right_rear:dent", ""], "valuables_reminded": "on",
            "promised_at": "2026-11-29 17:30" })
}

fn line(kind: &str, description: &str, quantity: &str, unit_price: &str, payer: &str) -> Value {
    json!({ "step": "add_line", "kind": kind, "description": description, "quantity": quantity,
            "unit_price": unit_price, "payer": payer })
}

/// An order received and estimated, not yet signed.
async fn estimated(app: &TestApp, a: &Advisor, vehicle: i64) -> i64 {
    let id = open_order(app, a, vehicle, "repair").await;
    a.step(app, id, reception()).await;
    a.step(app, id, line("labour", "更换前刹车盘", "1.5", "133.33", "customer")).await;
    a.step(app, id, line("part", "前刹车盘（对）", "1", "645.50", "customer")).await;
    a.step(app, id, line("part", "机油滤清器", "1", "45.00", "warranty")).await;
    id
}

fn today() -> jiff::civil::Date {
    support::start_instant().to_zoned_datetime(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap()).date()
}

/// From the signature to a passed quality check, with nothing added.
fn signed_to_checked() -> Vec<Value> {
    vec![
        json!({ "step": "approve", "signed_by": "张伟" }),
        json!({ "step": "start_work", "technician": "李师傅" }),
        json!({ "step": "finish_repair" }),
        json!({ "step": "quality_check", "result": "pass", "inspector": "王质检" }),
    ]
}

fn fen(o: &Value, key: &str) -> i64 {
    o["totals"][key].as_i64().unwrap_or_else(|| panic!("totals.{key} in {o}"))
}

on_both!(a_repair_order_walks_the_seven_steps_and_settles_into_a_visit, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    let o = a.step(&app, id, json!({ "step": "approve", "signed_by": "张伟" })).await;
    assert_eq!(o["status"], "approved");
    assert!(o["lines"].as_array().unwrap().iter().all(|l| l["consent"] == "consented" && l["consent_by"] == "张伟"));
    a.step(&app, id, json!({ "step": "start_work", "technician": "李师傅" })).await;
    // Two items found during the repair: one agreed by phone, one declined
    // and recommended for a later visit.
    let o = a.step(&app, id, line("labour", "清洗节气门", "0.5", "200", "customer")).await;
    let clean = o["lines"][3]["id"].as_i64().unwrap();
    assert_eq!(
        (o["lines"][3]["origin"].as_str(), o["lines"][3]["consent"].as_str()),
        (Some("additional"), Some("pending"))
    );
    let o = a.step(&app, id, line("part", "更换雨刮片", "2", "68.00", "customer")).await;
    let wipers = o["lines"][4]["id"].as_i64().unwrap();
    a.step(&app, id, json!({ "step": "consent", "line": clean, "given_by": "张伟", "method": "phone" })).await;
    let recommend_by = (today() + 30.days()).to_string();
    let o = a
        .step(&app, id, json!({ "step": "decline", "line": wipers, "given_by": "张伟", "recommend_by": recommend_by }))
        .await;
    assert_eq!(o["lines"][4]["consent"], "declined");
    assert_eq!(o["lines"][4]["recommend_by"], recommend_by.as_str());
    a.step(
        &app,
        id,
        json!({ "step": "report_delay", "promised_at": "2026-11-30 12:00", "reason": "刹车盘需从中心库调货" }),
    )
    .await;
    a.step(&app, id, json!({ "step": "finish_repair" })).await;
    a.step(&app, id, json!({ "step": "quality_check", "result": "pass", "inspector": "王质检" })).await;
    let o =
        a.step(&app, id, json!({ "step": "settle", "payment": "cash", "discount": "30.01", "points": "10.00" })).await;
    assert_eq!(o["status"], "settled");

    // The figures, in fen: 1.5 h × ¥133.33 = ¥200.00 (19,999.5 rounds up),
    // the disc ¥645.50, the filter ¥45.00 on warranty, 0.5 h × ¥200 = ¥100;
    // the declined wipers are not billed.
    assert_eq!(fen(&o, "labour_fen"), 20_000 + 10_000);
    assert_eq!(fen(&o, "parts_fen"), 64_550 + 4_500);
    assert_eq!(fen(&o, "gross_fen"), fen(&o, "labour_fen") + fen(&o, "parts_fen"));
    assert_eq!(fen(&o, "warranty_fen"), 4_500);
    assert_eq!(fen(&o, "insurance_fen"), 0);
    assert_eq!(fen(&o, "discount_fen"), 3_001);
    assert_eq!(fen(&o, "customer_fen"), 20_000 + 64_550 + 10_000 - 3_001);
    assert_eq!(
        fen(&o, "gross_fen") - fen(&o, "discount_fen"),
        fen(&o, "customer_fen") + fen(&o, "warranty_fen") + fen(&o, "insurance_fen")
    );
    assert_eq!(fen(&o, "cash_due_fen"), fen(&o, "customer_fen") - 1_000);
    let lines = o["lines"].as_array().unwrap();
    let discounts: i64 = lines.iter().map(|l| l["discount_fen"].as_i64().unwrap()).sum();
    assert_eq!(discounts, 3_001, "the discount is spread over the lines to the fen: {o}");
    assert_eq!(lines[2]["discount_fen"], 0, "the manufacturer's line takes no discount");
    let customer_lines: i64 = lines
        .iter()
        .filter(|l| l["payer"] == "customer" && l["consent"] == "consented")
        .map(|l| l["amount_fen"].as_i64().unwrap() - l["discount_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(customer_lines, fen(&o, "customer_fen"));

    // The settled order is a workshop visit: mileage, the next service and
    // the 7-day follow-up call follow from it.
    let visit: (String, String, i64, i64, String) =
        sqlx::query_as("SELECT visit_date, kind, mileage_km, amount_fen, advisor FROM service_visits WHERE id = $1")
            .bind(o["visit_id"].as_i64().unwrap())
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!(visit, ("2026-11-29".into(), "repair".into(), 15_230, 91_549, "甲店客服".into()));
    let (mileage, last_visit): (i64, Option<String>) =
        sqlx::query_as("SELECT mileage_km, last_visit_date FROM vehicles WHERE id = $1")
            .bind(vehicle)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((mileage, last_visit.as_deref()), (15_230, Some("2026-11-29")));
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &everyone, (today() + 7.days(), &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    let follow_ups: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outreach_tasks WHERE playbook = 'service_follow_up' AND asset_id = $1 AND channel = 'call'",
    )
    .bind(vehicle)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    assert_eq!(follow_ups, 1, "the 7-day follow-up call is planned");

    // Every step is on the timeline and in the audit log.
    let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM timeline_events WHERE kind = 'repair_order'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(steps, 15, "open, reception, 5 lines, approve, start, 2 answers, delay, finish, check, settle");
    assert_eq!(app.audit_count("repair_order", "settle").await, 1);
    // A settled order takes no more steps.
    a.refused(&app, id, line("part", "补加玻璃水", "1", "10", "customer"), 409, "order_settled").await;
    // The vehicle's timeline on its page names the order's steps.
    let html = a.client.get(app.at(&format!("/vehicles/{vehicle}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("RO") && html.contains("交车结算") && html.contains("客户确认估价"), "{html}");
});

on_both!(no_work_before_the_customer_signs_the_estimate, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = open_order(&app, &a, vehicle, "maintenance").await;
    a.refused(&app, id, json!({ "step": "start_work", "technician": "李师傅" }), 409, "estimate_not_approved").await;
    a.refused(&app, id, json!({ "step": "approve", "signed_by": "张伟" }), 409, "reception_required").await;
    a.step(&app, id, reception()).await;
    a.refused(&app, id, json!({ "step": "approve", "signed_by": "张伟" }), 409, "estimate_empty").await;
    a.step(&app, id, line("labour", "常规保养", "1", "150", "customer")).await;
    let p = a
        .refused(&app, id, json!({ "step": "start_work", "technician": "李师傅" }), 409, "estimate_not_approved")
        .await;
    assert_eq!(p["detail"], "客户确认估价前不得开工");
    let o: Value = get_json(&a.client, app.at(&format!("/api/v1/repair-orders/{id}"))).await;
    assert_eq!((o["status"].as_str(), o["technician"].as_str()), (Some("open"), Some("")), "nothing was written");
    assert_eq!(app.audit_count("repair_order", "start_work").await, 0);
    a.step(&app, id, json!({ "step": "approve", "signed_by": "张伟" })).await;
    // Signed: the estimate and the reception record are fixed.
    let o: Value = get_json(&a.client, app.at(&format!("/api/v1/repair-orders/{id}"))).await;
    let first = o["lines"][0]["id"].as_i64().unwrap();
    a.refused(&app, id, json!({ "step": "remove_line", "line": first }), 409, "estimate_signed").await;
    a.refused(&app, id, reception(), 409, "reception_closed").await;
    a.refused(&app, id, line("part", "机油", "4", "60", "customer"), 409, "lines_closed").await;
    a.step(&app, id, json!({ "step": "start_work", "technician": "李师傅" })).await;
});

on_both!(no_additional_item_without_consent_and_no_delivery_before_the_check, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    a.refused(&app, id, json!({ "step": "settle", "payment": "cash" }), 409, "quality_check_required").await;
    a.step(&app, id, json!({ "step": "approve", "signed_by": "张伟" })).await;
    a.refused(&app, id, json!({ "step": "settle", "payment": "cash" }), 409, "quality_check_required").await;
    a.step(&app, id, json!({ "step": "start_work", "technician": "李师傅" })).await;
    let o = a.step(&app, id, line("part", "更换空调滤芯", "1", "88", "customer")).await;
    let item = o["lines"][3]["id"].as_i64().unwrap();
    // Not finished while the customer has not answered; not billed either.
    a.refused(&app, id, json!({ "step": "finish_repair" }), 409, "consent_pending").await;
    assert_eq!(fen(&o, "customer_fen"), 20_000 + 64_550, "an unanswered item is not charged: {o}");
    // Consent must say who gave it and how.
    let p = a.refused(&app, id, json!({ "step": "consent", "line": item, "given_by": "" }), 422, "required").await;
    assert_eq!(p["field"], "given_by");
    a.refused(
        &app,
        id,
        json!({ "step": "consent", "line": item, "given_by": "张伟", "method": "telepathy" }),
        422,
        "one_of",
    )
    .await;
    a.step(&app, id, json!({ "step": "consent", "line": item, "given_by": "张伟", "method": "phone" })).await;
    a.refused(
        &app,
        id,
        json!({ "step": "consent", "line": item, "given_by": "张伟", "method": "phone" }),
        409,
        "item_answered",
    )
    .await;
    a.refused(&app, id, json!({ "step": "settle", "payment": "cash" }), 409, "quality_check_required").await;
    a.step(&app, id, json!({ "step": "finish_repair" })).await;
    a.refused(&app, id, json!({ "step": "settle", "payment": "cash" }), 409, "quality_check_required").await;
    // A failed check sends the car back for rework, with what to redo.
    a.refused(&app, id, json!({ "step": "quality_check", "result": "fail", "inspector": "王质检" }), 422, "required")
        .await;
    let o = a
        .step(
            &app,
            id,
            json!({ "step": "quality_check", "result": "fail", "inspector": "王质检", "qc_notes": "刹车仍有异响" }),
        )
        .await;
    assert_eq!(o["status"], "in_repair");
    a.refused(&app, id, json!({ "step": "settle", "payment": "cash" }), 409, "quality_check_required").await;
    a.step(&app, id, json!({ "step": "finish_repair" })).await;
    a.step(&app, id, json!({ "step": "quality_check", "result": "pass", "inspector": "王质检" })).await;
    // Bounds on the settlement: named fields, nothing written.
    a.refused(
        &app,
        id,
        json!({ "step": "settle", "payment": "cash", "discount": "9999.00" }),
        422,
        "discount_too_large",
    )
    .await;
    a.refused(&app, id, json!({ "step": "settle", "payment": "cash", "discount": "1.234" }), 422, "money_decimals")
        .await;
    a.refused(&app, id, json!({ "step": "settle", "payment": "cash", "points": "5000" }), 422, "points_too_large")
        .await;
    let visits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_visits").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(visits, 0, "a refused settlement leaves no visit behind");
    let o = a.step(&app, id, json!({ "step": "settle", "payment": "cash" })).await;
    assert_eq!(fen(&o, "cash_due_fen"), 20_000 + 64_550 + 8_800);
});

on_both!(bad_input_names_the_field_and_other_stores_are_out_of_reach, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = open_order(&app, &a, vehicle, "repair").await;
    let mut low = reception();
    low["mileage_km"] = json!(11_000);
    let p = a.refused(&app, id, low, 422, "mileage_below_last").await;
    assert_eq!(p["field"], "mileage_km");
    assert!(p["detail"].as_str().unwrap().starts_with("里程（公里）："), "{p}");
    let p = a.refused(&app, id, line("part", "机油", "1.234", "60", "customer"), 422, "quantity_format").await;
    assert_eq!(p["field"], "quantity");
    let p = a.refused(&app, id, line("part", "机油", "1", "abc", "customer"), 422, "money_format").await;
    assert_eq!(p["field"], "unit_price");
    a.refused(&app, id, json!({ "step": "teleport" }), 422, "one_of").await;
    let (status, _) =
        a.post(&app, &format!("/api/v1/vehicles/{vehicle}/repair-orders"), json!({ "kind": "spa" })).await;
    assert_eq!(status, 422);
    // Store B's advisor can neither read nor step store A's order.
    let b = advisor(&app, "agent_b").await;
    assert_eq!(b.client.get(app.at(&format!("/api/v1/repair-orders/{id}"))).send().await.unwrap().status(), 404);
    let (status, _) = b.post(&app, &format!("/api/v1/repair-orders/{id}/steps"), reception()).await;
    assert_eq!(status, 404);
    let (status, _) =
        b.post(&app, &format!("/api/v1/vehicles/{vehicle}/repair-orders"), json!({ "kind": "repair" })).await;
    assert_eq!(status, 404);
    // IT administrators do not run the workshop.
    let admin = advisor(&app, "admin").await;
    assert_eq!(admin.client.get(app.at(&format!("/api/v1/repair-orders/{id}"))).send().await.unwrap().status(), 403);
});

on_both!(two_advisors_settling_at_once_settle_once, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let m = advisor(&app, "manager_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    a.steps(&app, id, signed_to_checked()).await;
    let path = format!("/api/v1/repair-orders/{id}/steps");
    let settle = json!({ "step": "settle", "payment": "cash", "discount": "5.00" });
    let (first, second) = tokio::join!(a.post(&app, &path, settle.clone()), m.post(&app, &path, settle.clone()));
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{first:?} {second:?}");
    let visits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_visits").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(visits, 1, "one settlement, one visit");
    assert_eq!(app.audit_count("repair_order", "settle").await, 1);
});

on_both!(the_advisor_works_the_order_from_the_pages, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let page = a.client.get(app.at(&format!("/vehicles/{vehicle}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("开委托书"), "the vehicle page opens orders");
    let res = a
        .client
        .post(app.at(&format!("/vehicles/{vehicle}/repair-orders")))
        .form(&[("_csrf", a.csrf.as_str()), ("kind", "maintenance")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let order_url = res.headers()["location"].to_str().unwrap().to_string();
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = fields;
        form.push(("_csrf", a.csrf.clone()));
        a.client.post(app.at(&format!("{order_url}/steps"))).form(&form).send()
    };
    let res = post(vec![
        ("step", "reception".into()),
        ("mileage_km", "15230".into()),
        ("fuel_eighths", "4".into()),
        ("complaint", "仪表盘保养灯亮".into()),
        ("damage", "front_bumper:scratch".into()),
        ("damage", "".into()),
        ("valuables_reminded", "on".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    // A refusal is shown on the page, in Chinese, and nothing changes.
    let res = post(vec![("step", "start_work".into()), ("technician", "李师傅".into())]).await.unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("客户确认估价前不得开工"));
    let res = post(vec![
        ("step", "add_line".into()),
        ("kind", "part".into()),
        ("description", "机油滤清器".into()),
        ("quantity", "1".into()),
        ("unit_price", "¥45.00".into()),
        ("payer", "customer".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    let res = post(vec![
        ("step", "add_line".into()),
        ("kind", "part".into()),
        ("description", "机油".into()),
        ("quantity", "x".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("数量须为大于 0") && html.contains("工时："), "the field and its rule are named: {html}");
    let html = a.client.get(app.at(&order_url)).send().await.unwrap().text().await.unwrap();
    for part in ["接车估价", "仪表盘保养灯亮", "机油滤清器", "¥45.00", "客户已签字确认"] {
        assert!(html.contains(part), "the order page shows {part}");
    }
    let board = a.client.get(app.at("/repair-orders")).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("京A12345") && board.contains("张伟"), "the board lists the order");
    // Without the CSRF token the form is refused.
    let res = a.client.post(app.at(&format!("{order_url}/steps"))).form(&[("step", "approve")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
});

on_both!(the_estimate_order_and_settlement_print_in_chinese, |backend: Backend| async move {
    let folder = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, support::printing(folder.path())).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    let get = |doc: &'static str| {
        let url = app.at(&format!("/repair-orders/{id}/{doc}.pdf"));
        let client = a.client.clone();
        async move { client.get(url).send().await.unwrap() }
    };
    let res = get("estimate").await;
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let estimate = pdf_text(&res.bytes().await.unwrap());
    for part in [
        "维修估价单",
        "RO00000001",
        "张伟",
        "京A12345",
        "冷车启动时发动机舱有异响",
        "更换前刹车盘",
        "1.5",
        "¥133.33",
        "¥200.00",
        "¥645.50",
        "客户预计自付¥845.50",
        "同意按此估价施工",
        "客户签字",
    ] {
        assert!(estimate.contains(part), "the estimate has {part}: {estimate}");
    }
    assert!(estimate.contains("138****8000") || estimate.contains("13800138000"), "the customer's number: {estimate}");
    assert_eq!(get("settlement").await.status(), 404, "nothing to settle yet");
    a.steps(
        &app,
        id,
        vec![
            json!({ "step": "approve", "signed_by": "张伟" }),
            json!({ "step": "start_work", "technician": "李师傅" }),
            line("part", "更换雨刮片", "2", "68.00", "customer"),
        ],
    )
    .await;
    let o: Value = get_json(&a.client, app.at(&format!("/api/v1/repair-orders/{id}"))).await;
    let wipers = o["lines"][3]["id"].as_i64().unwrap();
    a.step(&app, id, json!({ "step": "decline", "line": wipers, "given_by": "张伟", "recommend_by": "2027-01-15" }))
        .await;
    let order = pdf_text(&get("order").await.bytes().await.unwrap());
    for part in [
        "维修委托书（派工单）",
        "前保险杠划痕",
        "右后侧凹陷",
        "已提醒客户带走",
        "李师傅",
        "更换雨刮片（增项·客户拒绝）",
    ] {
        assert!(order.contains(part), "the repair order has {part}: {order}");
    }
    a.steps(
        &app,
        id,
        vec![
            json!({ "step": "finish_repair" }),
            json!({ "step": "quality_check", "result": "pass", "inspector": "王质检" }),
            json!({ "step": "settle", "payment": "cash", "discount": "45.50", "points": "20.00" }),
        ],
    )
    .await;
    let settlement = pdf_text(&get("settlement").await.bytes().await.unwrap());
    for part in [
        "维修结算单",
        "优惠¥45.50",
        "厂家索赔¥45.00",
        "客户应付¥800.00",
        "积分抵扣¥20.00",
        "实收金额¥780.00",
        "确认以上结算金额",
    ] {
        assert!(settlement.contains(part), "the settlement has {part}: {settlement}");
    }
    assert!(!settlement.contains("更换雨刮片"), "a declined item is not billed");
});

on_both!(declined_items_come_back_at_the_next_visit_and_by_a_call, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    a.step(&app, id, json!({ "step": "approve", "signed_by": "张伟" })).await;
    a.step(&app, id, json!({ "step": "start_work", "technician": "李师傅" })).await;
    let o = a.step(&app, id, line("part", "更换后刹车片", "1", "380.00", "customer")).await;
    let pads = o["lines"][3]["id"].as_i64().unwrap();
    a.step(&app, id, json!({ "step": "decline", "line": pads, "given_by": "张伟", "recommend_by": "2026-12-20" }))
        .await;
    a.steps(
        &app,
        id,
        vec![
            json!({ "step": "finish_repair" }),
            json!({ "step": "quality_check", "result": "pass", "inspector": "王质检" }),
            json!({ "step": "settle", "payment": "cash" }),
        ],
    )
    .await;
    // The vehicle page keeps the recommendation; the next order offers it.
    let page = a.client.get(app.at(&format!("/vehicles/{vehicle}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("上次建议维修项目") && page.contains("更换后刹车片") && page.contains("2026-12-20"));
    let next = open_order(&app, &a, vehicle, "repair").await;
    let page = a.client.get(app.at(&format!("/repair-orders/{next}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("更换后刹车片") && page.contains("加入估价"), "the new estimate offers the declined item");
    // A week before it is due, the customer is called about it.
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let day: jiff::civil::Date = "2026-12-13".parse().unwrap();
    kefu_web::packs::Enabled::default()
        .core()
        .run_outreach(&app.db, &everyone, (day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
        .await
        .unwrap();
    let calls: Vec<(i64, String)> = sqlx::query_as(
        "SELECT asset_id, channel FROM outreach_tasks WHERE playbook = 'deferred_recommendation' AND anchor_date = '2026-12-20'",
    )
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(calls, vec![(vehicle, "call".to_string())]);
});

on_both!(warranty_and_insurance_shares_become_claims_followed_to_payment, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    a.step(&app, id, line("part", "右后门钣金喷漆", "1", "2600", "insurance")).await;
    a.steps(&app, id, signed_to_checked()).await;
    a.step(&app, id, json!({ "step": "settle", "payment": "cash" })).await;
    let list = || async {
        a.client.get(app.at("/api/v1/service/claims")).send().await.unwrap().json::<Value>().await.unwrap()
    };
    let claims = list().await;
    assert_eq!(claims["outstanding_fen"], 4_500 + 260_000, "{claims}");
    let by_payer = |payer: &str| {
        claims["claims"].as_array().unwrap().iter().find(|k| k["payer"] == payer).unwrap()["id"].as_i64().unwrap()
    };
    let (warranty, insurance) = (by_payer("warranty"), by_payer("insurance"));
    let claim = |k: i64, body: Value| {
        let (client, csrf) = (a.client.clone(), a.csrf.clone());
        let url = app.at(&format!("/api/v1/service/claims/{k}"));
        async move { support::post_json(&client, &csrf, url, body).await }
    };
    let (status, p) = claim(insurance, json!({ "action": "paid", "paid": "2600" })).await;
    assert_eq!((status, p["rule"].as_str()), (409, Some("claim_state")), "not paid before it is submitted");
    let (status, p) = claim(insurance, json!({ "action": "submitted" })).await;
    assert_eq!((status, p["field"].as_str()), (422, Some("reference")));
    let (status, _) = claim(insurance, json!({ "action": "submitted", "reference": "PICC-LP-20261129-88" })).await;
    assert_eq!(status, 200);
    let (status, p) = claim(insurance, json!({ "action": "paid", "paid": "2600.01" })).await;
    assert_eq!((status, p["rule"].as_str()), (422, Some("paid_range")));
    let (status, paid) = claim(insurance, json!({ "action": "paid", "paid": "2,550.00" })).await;
    assert_eq!((status, paid["state"].as_str(), paid["paid_fen"].as_i64()), (200, Some("paid"), Some(255_000)));
    claim(warranty, json!({ "action": "submitted", "reference": "FAW-W-0001" })).await;
    let (status, rejected) = claim(warranty, json!({ "action": "rejected", "note": "超出保修里程" })).await;
    assert_eq!((status, rejected["state"].as_str()), (200, Some("rejected")));
    let (status, again) = claim(warranty, json!({ "action": "submitted", "reference": "FAW-W-0001-R" })).await;
    assert_eq!((status, again["state"].as_str()), (200, Some("submitted")), "resubmitted after a rejection");
    let claims = list().await;
    assert_eq!((claims["outstanding_fen"].as_i64(), claims["received_fen"].as_i64()), (Some(4_500), Some(255_000)));
    let html = a.client.get(app.at("/service/claims?payer=insurance")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("PICC-LP-20261129-88") && html.contains("已到账"), "the page lists the claim");
    let b = advisor(&app, "agent_b").await;
    let (status, _) =
        b.post(&app, &format!("/api/v1/service/claims/{warranty}"), json!({ "action": "paid", "paid": "45" })).await;
    assert_eq!(status, 404);
    assert_eq!(app.audit_count("service_claim", "paid").await, 1);
});

on_both!(advisor_kpis_count_the_week_for_supervisors_and_managers, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    a.step(&app, id, json!({ "step": "approve", "signed_by": "张伟" })).await;
    a.step(&app, id, json!({ "step": "start_work", "technician": "李师傅" })).await;
    let o = a.step(&app, id, line("labour", "清洗节气门", "0.5", "200", "customer")).await;
    let item = o["lines"][3]["id"].as_i64().unwrap();
    a.step(&app, id, json!({ "step": "consent", "line": item, "given_by": "张伟", "method": "in_person" })).await;
    a.steps(
        &app,
        id,
        vec![
            json!({ "step": "finish_repair" }),
            json!({ "step": "quality_check", "result": "fail", "inspector": "王质检", "qc_notes": "节气门仍有积碳" }),
            json!({ "step": "finish_repair" }),
            json!({ "step": "quality_check", "result": "pass", "inspector": "王质检" }),
            json!({ "step": "settle", "payment": "cash", "discount": "0.50" }),
        ],
    )
    .await;
    let (status, _) = a
        .post(
            &app,
            &format!("/api/v1/vehicles/{vehicle}/appointments"),
            json!({ "day": "2026-12-02", "hour": 10, "job": "maintenance" }),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        a.client.get(app.at("/api/v1/service/kpis")).send().await.unwrap().status(),
        403,
        "agents do not see the KPIs"
    );
    let manager = app.login("manager_a").await;
    let k: Value = get_json(&manager, app.at("/api/v1/service/kpis?period=week")).await;
    assert_eq!((k["from"].as_str(), k["to"].as_str()), (Some("2026-11-23"), Some("2026-11-29")));
    let revenue = 20_000 + 64_550 + 10_000 - 50 + 4_500;
    assert_eq!(
        k["advisors"],
        json!([{ "advisor": "甲店客服", "orders": 1, "revenue_fen": revenue, "average_fen": revenue,
                 "items_agreed": { "n": 1, "of": 1, "percent": 100 }, "on_time": { "n": 1, "of": 1, "percent": 100 },
                 "first_pass": { "n": 0, "of": 1, "percent": 0 }, "booked": 1, "no_shows": 0 }])
    );
    let next_month: Value = get_json(&manager, app.at("/api/v1/service/kpis?period=month&day=2026-12-05")).await;
    assert_eq!(next_month["advisors"], json!([]), "nothing was settled or booked in December");
    let html = manager.get(app.at("/service/kpis?period=month")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("甲店客服") && html.contains("¥990.00"), "the page shows the month");
});

on_both!(the_lounge_registers_guests_and_the_days_drinkware, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let store = app.fx.store_a.to_string();
    let post = |path: &str, form: Vec<(&'static str, String)>| {
        let (client, csrf) = (a.client.clone(), a.csrf.clone());
        let url = app.at(path);
        async move {
            let mut form = form;
            form.push(("_csrf", csrf));
            client.post(url).form(&form).send().await.unwrap()
        }
    };
    let res = post(
        "/lounge/guests",
        vec![
            ("branch", store.clone()),
            ("guest", "张伟".into()),
            ("plate", "京A12345".into()),
            ("served", "绿茶".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post("/lounge/guests", vec![("branch", store.clone()), ("guest", " ".into())]).await;
    assert_eq!(res.status(), 422);
    let guest: i64 = sqlx::query_scalar("SELECT id FROM lounge_guests").fetch_one(app.db.pool()).await.unwrap();
    let leave = format!("/lounge/guests/{guest}/leave");
    assert_eq!(post(&leave, vec![]).await.status(), 303);
    assert_eq!(post(&leave, vec![]).await.status(), 409, "a guest leaves once");
    // Yesterday's count, then today's: a glass went missing without being broken.
    sqlx::query(
        "INSERT INTO drinkware_counts (branch_id, day, item, count, broken, recorded_by) VALUES \
         ($1, '2026-11-28', 'cup', 24, 0, '甲店客服'), ($1, '2026-11-28', 'glass', 12, 0, '甲店客服')",
    )
    .bind(app.fx.store_a.0)
    .execute(app.db.pool())
    .await
    .unwrap();
    let today = |cups: &str| {
        vec![
            ("branch", store.clone()),
            ("count_cup", cups.to_string()),
            ("broken_cup", "2".into()),
            ("count_glass", "11".into()),
            ("broken_glass", "0".into()),
        ]
    };
    let res = post("/lounge/drinkware", today("-3")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("茶杯数量"), "the field is named");
    assert_eq!(post("/lounge/drinkware", today("20")).await.status(), 303);
    assert_eq!(post("/lounge/drinkware", today("22")).await.status(), 303, "registered again the same day");
    let html = a.client.get(app.at("/lounge")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("张伟") && html.contains("绿茶") && html.contains("已离开"), "{html}");
    assert!(
        html.contains(r#"data-missing="glass""#) && !html.contains(r#"data-missing="cup""#),
        "22 + 2 broken = 24 cups"
    );
    let cups: i64 = sqlx::query_scalar("SELECT count FROM drinkware_counts WHERE day = '2026-11-29' AND item = 'cup'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(cups, 22);
    assert_eq!(app.audit_count("drinkware", "register").await, 2);
});

on_both!(a_late_car_is_told_to_the_customer_with_the_reason, |backend: Backend| async move {
    let (sms_url, received) = support::sms_receiver().await;
    let app = TestApp::start_with(backend, support::sms_only(sms_url)).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    let id = estimated(&app, &a, vehicle).await;
    a.steps(&app, id, signed_to_checked()[..2].to_vec()).await;
    let delay = json!({ "step": "report_delay", "promised_at": "2026-11-30 12:00", "reason": "配件明早到货" });
    let o = a.step(&app, id, delay.clone()).await;
    assert!(o["promised_at"].as_str().unwrap().starts_with("2026-11-30T04:00"), "{o}");
    let text = support::nth_sms(&received, 1);
    for part in ["张伟", "京A12345", "配件明早到货", "2026-11-30 12:00"] {
        assert!(text.contains(part), "the notice names {part}: {text}");
    }
    assert_eq!(app.notice("repair_delay_notice").await, ("sent".to_string(), id));
    assert_eq!(app.timeline_count("sms", app.fx.customer_a).await, 1, "the notice is on the customer's timeline");
    // Later still, for another reason: told again.
    let later = json!({ "step": "report_delay", "promised_at": "2026-12-01 17:00", "reason": "需返厂复检" });
    a.step(&app, id, later).await;
    assert!(support::nth_sms(&received, 2).contains("需返厂复检"));
    // Other steps tell the customer nothing.
    a.steps(&app, id, signed_to_checked()[2..].to_vec()).await;
    assert_eq!(received.lock().unwrap().len(), 2);
});

on_both!(
    a_visit_keeps_its_time_or_shows_its_day_and_the_timeline_sorts_by_what_happened,
    |backend: Backend| async move {
        let app = TestApp::start(backend).await;
        let a = advisor(&app, "agent_a").await;
        let vehicle = car(&app, &a).await;
        let id = estimated(&app, &a, vehicle).await;
        a.steps(&app, id, signed_to_checked()).await;
        // Settled at 13:31 in Shanghai (05:31 UTC).
        app.clock.set("2026-11-29T05:31:00Z".parse().unwrap());
        let o = a.step(&app, id, json!({ "step": "settle", "payment": "cash", "discount": "0", "points": "0" })).await;
        let visited_at: Option<String> = sqlx::query_scalar("SELECT visited_at FROM service_visits WHERE id = $1")
            .bind(o["visit_id"].as_i64().unwrap())
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(visited_at.as_deref(), Some("2026-11-29T05:31:00.000000Z"));
        // A visit from the history has only its day (20 November).
        let mut tx = app.db.begin().await.unwrap();
        let history = kefu_auto::visits::Visit {
            id: kefu_core::ids::ServiceVisitId(0),
            branch_id: app.fx.store_a,
            vehicle_id: kefu_core::ids::VehicleId(vehicle),
            customer_id: app.fx.customer_a,
            visit_date: "2026-11-20".parse().unwrap(),
            at: None,
            kind: "maintenance".into(),
            mileage_km: 14_000,
            amount: kefu_core::Money::from_fen(50_000),
            advisor: "王建国".into(),
            summary: "常规保养".into(),
        };
        kefu_auto::visits::record_in(&mut tx, &history, "王建国").await.unwrap();
        let actor = Actor::system(Scope::new(vec![app.fx.store_a]));
        let change = kefu_store::Change {
            entity: "visit",
            entity_id: "history".into(),
            action: "create",
            branch: None,
            old: None,
            new: None,
        };
        tx.audit(&actor, change).await.unwrap();
        tx.commit().await.unwrap();
        // Later that day the customer is called (15:00 in Shanghai), and on
        // 20 November a call came at 09:00.
        for (at, summary) in
            [("2026-11-29T07:00:00.000000Z", "来电询问发票"), ("2026-11-20T01:00:00.000000Z", "预约保养")]
        {
            sqlx::query(
            "INSERT INTO timeline_events (branch_id, customer_id, at, kind, summary) VALUES ($1, $2, $3, 'call', $4)",
        )
        .bind(app.fx.store_a.0)
        .bind(app.fx.customer_a.0)
        .bind(at)
        .bind(summary)
        .execute(app.db.pool())
        .await
        .unwrap();
        }
        let overview = get_json(&a.client, app.at(&format!("/api/v1/customers/{}/overview", app.fx.customer_a))).await;
        let order: Vec<String> = overview["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "visit" || e["kind"] == "call")
            .map(|e| e["summary"].as_str().unwrap().split(' ').next_back().unwrap().to_string())
            .collect();
        assert_eq!(
            order,
            ["来电询问发票", "更换前刹车盘、前刹车盘（对）、机油滤清器", "预约保养", "常规保养"],
            "newest first, by what happened"
        );
        // The 360° page shows the settled visit at its time and the other as a day.
        let html = a
            .client
            .get(app.at(&format!("/customers/{}", app.fx.customer_a)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("<time>2026-11-29 13:31</time> <span class=\"kind\">"), "the settlement's time");
        assert!(!html.contains("20:00</time>"), "no visit at 20:00");
        assert!(html.contains("<time>2026-11-20</time>"), "the history visit is a day");
    }
);

/// The customer's points balance, as the API answers it.
async fn balance(app: &TestApp, a: &Advisor) -> i64 {
    let account = get_json(&a.client, app.at(&format!("/api/v1/customers/{}/points", app.fx.customer_a))).await;
    account["balance"].as_i64().unwrap()
}

on_both!(settlement_earns_points_by_tier_and_a_refund_takes_them_back, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let a = advisor(&app, "agent_a").await;
    let vehicle = car(&app, &a).await;
    // 张伟 is a gold member: 3 points a yuan.
    let res = a
        .client
        .put(app.at(&format!("/api/v1/customers/{}/tier", app.fx.customer_a)))
        .header("x-csrf-token", &a.csrf)
        .json(&json!({ "tier": "gold" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let id = estimated(&app, &a, vehicle).await;
    a.steps(&app, id, signed_to_checked()).await;
    // The payment method is part of the settlement.
    let problem = a.refused(&app, id, json!({ "step": "settle" }), 422, "one_of").await;
    assert_eq!(problem["field"], "payment");
    let o = a
        .step(&app, id, json!({ "step": "settle", "discount": "10.00", "points": "5.00", "payment": "wechat_pay" }))
        .await;
    // The customer's lines: 1.5 h × ¥133.33 = ¥200.00 and the disc ¥645.50;
    // less the discount and the points they paid with, they paid the rest
    // themselves, which earns 3 points a yuan (the filter is the maker's).
    let paid = 20_000 + 64_550 - 1_000 - 500;
    assert_eq!(o["payment"]["paid_fen"], paid);
    assert_eq!(o["payment"]["method"], "wechat_pay");
    let earned = paid * 3 / 100;
    assert_eq!(o["payment"]["points_earned"], earned);
    assert_eq!(balance(&app, &a).await, earned);
    // A refund of a quarter takes back a quarter of the points (rounded up),
    // in one step with the order's refund; no more than was paid.
    let quarter = paid / 4;
    let yuan = |fen: i64| format!("{}.{:02}", fen / 100, fen % 100);
    let over = json!({ "step": "refund", "amount": yuan(paid + 1), "reason": "多收" });
    a.refused(&app, id, over, 422, "refund_exceeds_payment").await;
    let o = a
        .step(&app, id, json!({ "step": "refund", "amount": yuan(quarter), "reason": "雨刮片未更换，退回费用" }))
        .await;
    assert_eq!(o["payment"]["refunded_fen"], quarter);
    let back = (earned * quarter + paid - 1) / paid;
    assert_eq!(balance(&app, &a).await, earned - back);
    assert_eq!(app.audit_count("repair_order", "refund").await, 1);
    // An order paid by a claim earns nothing.
    let other = estimated(&app, &a, vehicle).await;
    a.steps(&app, other, signed_to_checked()).await;
    let o = a.step(&app, other, json!({ "step": "settle", "payment": "claim" })).await;
    assert_eq!(o["payment"]["points_earned"], 0);
    assert_eq!(balance(&app, &a).await, earned - back, "a claim earns no points");
    // Nothing to refund before settlement.
    let open = open_order(&app, &a, vehicle, "repair").await;
    a.refused(&app, open, json!({ "step": "refund", "amount": "1", "reason": "x" }), 409, "not_settled").await;
});
