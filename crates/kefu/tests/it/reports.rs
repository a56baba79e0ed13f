//! The outreach reports on SQLite and PostgreSQL, over two months of a small
//! store's history: cars due for their first service in February 2027, the
//! daily runs from New Year on, letters and SMS going out, agents' calls with
//! their outcomes, workshop visits with their advisors, and the 7-day
//! follow-ups those visits bring. The effectiveness report and the weekly
//! follow-up summary must count exactly what happened, on screen, as JSON
//! and in the workbooks.

use crate::support;

use calamine::{Data, Reader};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_auto::vehicles::{self, VehicleInput};
use kefu_auto::visits::{self, Visit};
use kefu_care::customers::{self, CustomerInput};
use kefu_care::preferences::PreferencesInput;
use kefu_core::ids::{CallId, CustomerId, ServiceVisitId, VehicleId};
use kefu_core::{Actor, Lang, Money, Role, Scope};
use kefu_outreach::calls::{self, Outcome};
use serde_json::Value;
use support::{Backend, TestApp};

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// 09:00 in Shanghai on `day`.
fn morning(day: &str) -> jiff::Timestamp {
    format!("{day}T01:00:00Z").parse().unwrap()
}

/// A VIN with a correct check digit.
fn vin(serial: u32) -> String {
    let mut v = format!("LSVAM418XC2{serial:06}").into_bytes();
    v[8] = kefu_core::ident::vin::check_digit(&v).unwrap();
    String::from_utf8(v).unwrap()
}

struct Car {
    customer: CustomerId,
    vehicle: VehicleId,
}

/// The people of store A (and one customer of store B), each with a car.
struct Store {
    zhang: Car,
    wang: Car,
    liu: Car,
    chen: Car,
    zhao: Car,
    sun: Car,
}

async fn customer(app: &TestApp, actor: &Actor, name: &str, mobile: &str, store_b: bool) -> CustomerId {
    let input = CustomerInput {
        name: name.into(),
        mobile: mobile.into(),
        address: "北京市朝阳区建国路 88 号".into(),
        ..Default::default()
    };
    let branch = if store_b { app.fx.store_b } else { app.fx.store_a };
    customers::create(&app.db, actor, branch, &input, None, d("2027-01-01")).await.unwrap().id
}

async fn car(app: &TestApp, actor: &Actor, owner: CustomerId, serial: u32, plate: &str, bought: &str) -> Car {
    let input = VehicleInput {
        vin: vin(serial),
        plate: plate.into(),
        brand: "一汽-大众".into(),
        model: "速腾".into(),
        purchase_date: Some(d(bought)),
        ..Default::default()
    };
    let v = vehicles::create(&app.db, actor, owner, &input, d("2027-01-01")).await.unwrap();
    Car { customer: owner, vehicle: v.id }
}

async fn store(app: &TestApp, actor: &Actor) -> Store {
    let mut address = CustomerInput { address: "北京市海淀区中关村大街 1 号".into(), ..Default::default() };
    address.name = "张伟".into();
    address.mobile = "13800138000".into();
    customers::update(&app.db, actor, app.fx.customer_a, &address, d("2027-01-01")).await.unwrap();
    address.name = "李娜".into();
    address.mobile = "13912345678".into();
    customers::update(&app.db, actor, app.fx.customer_b, &address, d("2027-01-01")).await.unwrap();
    let wang = customer(app, actor, "王芳", "13700001111", false).await;
    let liu = customer(app, actor, "刘洋", "13700002222", false).await;
    let chen = customer(app, actor, "陈静", "13700003333", false).await;
    let zhao = customer(app, actor, "赵磊", "13700004444", false).await;
    let sun = customer(app, actor, "孙丽", "13700005555", false).await;
    // 陈静 takes no phone calls: her calls go out as SMS.
    let no_calls = PreferencesInput {
        allow_letter: true,
        allow_sms: true,
        allow_phone: true,
        do_not_call: true,
        ..Default::default()
    };
    customers::set_preferences(&app.db, actor, chen, &no_calls).await.unwrap();
    // Store B's customer is invited too, out of store A's sight.
    car(app, actor, app.fx.customer_b, 5, "京B10005", "2026-11-01").await;
    Store {
        // Bought on 1 November 2026: first service due on 1 February 2027.
        zhang: car(app, actor, app.fx.customer_a, 1, "京A10001", "2026-11-01").await,
        wang: car(app, actor, wang, 2, "京A10002", "2026-11-01").await,
        liu: car(app, actor, liu, 3, "京A10003", "2026-11-01").await,
        chen: car(app, actor, chen, 4, "京A10004", "2026-11-01").await,
        // Older cars, seen only for repairs this winter.
        zhao: car(app, actor, zhao, 6, "京A10006", "2025-06-01").await,
        sun: car(app, actor, sun, 7, "京A10007", "2025-06-01").await,
    }
}

async fn visit(app: &TestApp, actor: &Actor, car: &Car, day: Date, kind: &str, advisor: &str) {
    let mut tx = app.db.begin().await.unwrap();
    let v = Visit {
        id: ServiceVisitId(0),
        branch_id: app.fx.store_a,
        vehicle_id: car.vehicle,
        customer_id: car.customer,
        visit_date: day,
        at: None,
        kind: kind.into(),
        mileage_km: 3_000,
        amount: Money::from_fen(48_000),
        advisor: advisor.into(),
        summary: "首保：更换机油、机滤".into(),
    };
    let id = visits::record_in(&mut tx, &v, advisor).await.unwrap();
    tx.audit(
        actor,
        kefu_store::Change {
            entity: "visit",
            entity_id: id.0.to_string(),
            action: "create",
            branch: Some(app.fx.store_a),
            old: None,
            new: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// The agent's newest call of `playbook` to `customer` waiting on `day`:
/// claimed, and ended with `outcome`.
async fn call(
    app: &TestApp,
    agent: &Actor,
    customer: CustomerId,
    playbook: &str,
    day: Date,
    outcome: Outcome,
    notes: &str,
) {
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM outreach_tasks WHERE customer_id = $1 AND playbook = $2 AND channel = 'call' \
         AND status = 'pending' AND due_date <= $3 AND (retry_on IS NULL OR retry_on <= $3) \
         ORDER BY due_date DESC LIMIT 1",
    )
    .bind(customer.0)
    .bind(playbook)
    .bind(day.to_string())
    .fetch_one(app.db.pool())
    .await
    .unwrap_or_else(|e| panic!("{playbook} call to {customer:?} on {day}: {e}"));
    calls::claim(&app.db, agent, CallId(id)).await.unwrap();
    calls::record_outcome(&app.db, agent, CallId(id), (outcome, calls::Remedy::FollowUpItem), notes, day)
        .await
        .unwrap();
}

/// Letters and SMS go out through the channels, another capability; here
/// they are marked printed and sent as those mark them, the day they fall due.
async fn letters_and_sms_go_out(app: &TestApp, day: Date) {
    sqlx::query(
        "UPDATE outreach_tasks SET status = CASE channel WHEN 'letter' THEN 'printed' ELSE 'sent' END \
         WHERE due_date = $1 AND status = 'pending' AND channel IN ('letter', 'sms')",
    )
    .bind(day.to_string())
    .execute(app.db.pool())
    .await
    .unwrap();
}

/// January and February 2027, a day at a time.
async fn two_months(app: &TestApp) {
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let s = store(app, &everyone).await;
    let user = kefu_accounts::users::credentials(&app.db, "agent_a").await.unwrap().unwrap().user;
    let agent = Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        roles: vec![Role::Agent],
        scope: Scope::new(vec![app.fx.store_a]),
        lang: Lang::Zh,
    };
    let mut day = d("2027-01-01");
    while day <= d("2027-02-28") {
        kefu_web::packs::Enabled::default()
            .core()
            .run_outreach(&app.db, &everyone, (day, &kefu_core::time::BusinessZone::shanghai()), &|_, _| {})
            .await
            .unwrap();
        letters_and_sms_go_out(app, day).await;
        let (first, follow_up) = ("first_service", "service_follow_up");
        match day.to_string().as_str() {
            "2027-01-20" => visit(app, &everyone, &s.wang, day, "first_maintenance", "李强").await,
            "2027-01-25" => {
                call(app, &agent, s.zhang.customer, first, day, Outcome::ReachedBooked, "约 1 月 29 日上午首保").await;
                call(app, &agent, s.liu.customer, first, day, Outcome::NoAnswer, "").await;
            }
            "2027-01-26" => {
                call(app, &agent, s.liu.customer, first, day, Outcome::NoAnswer, "").await;
                visit(app, &everyone, &s.wang, day, "repair", "李强").await;
            }
            "2027-01-27" => {
                call(app, &agent, s.liu.customer, first, day, Outcome::NoAnswer, "").await;
                visit(app, &everyone, &s.zhao, day, "repair", "李强").await;
            }
            "2027-01-29" => visit(app, &everyone, &s.zhang, day, "first_maintenance", "王建国").await,
            "2027-01-31" => visit(app, &everyone, &s.sun, day, "maintenance", "").await,
            "2027-02-02" => {
                call(app, &agent, s.wang.customer, follow_up, day, Outcome::Satisfied, "车辆正常，对服务满意").await
            }
            "2027-02-03" | "2027-02-04" => {
                call(app, &agent, s.zhao.customer, follow_up, day, Outcome::NoAnswer, "").await
            }
            "2027-02-05" => {
                call(app, &agent, s.zhao.customer, follow_up, day, Outcome::NoAnswer, "").await;
                call(app, &agent, s.zhang.customer, follow_up, day, Outcome::ProblemReported, "刹车仍有异响").await;
            }
            "2027-02-08" => {
                call(app, &agent, s.liu.customer, first, day, Outcome::ReachedDeclined, "工作太忙，下月再说").await
            }
            "2027-02-20" => visit(app, &everyone, &s.chen, day, "first_maintenance", "王建国").await,
            _ => {}
        }
        day += 1.day();
    }
}

async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.get(url).send().await.unwrap()
}

async fn json(client: &reqwest::Client, url: String) -> Value {
    let res = get(client, url).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn sheet(bytes: Vec<u8>, name: &str) -> Vec<Vec<String>> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) => format!("{f}"),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// Complaints about store A's 张伟, each taken in at its instant; the
/// first is then contacted. Returns their ids.
async fn complaints(app: &TestApp, at: &[&str]) -> Vec<i64> {
    use kefu_care::complaints::{self as handling, ComplaintInput, Deadlines, Step};
    let agent = Actor::system(Scope::new(vec![app.fx.store_a]));
    let mut ids = Vec::new();
    for (n, instant) in at.iter().enumerate() {
        let input = ComplaintInput {
            source: "call".into(),
            category: "repair_quality".into(),
            severity: "normal".into(),
            department: "workshop".into(),
            subject: format!("投诉 {n}"),
            detail: String::new(),
        };
        let now = instant.parse().unwrap();
        let c = handling::intake(&app.db, &agent, app.fx.customer_a, &input, &Deadlines::default(), now).await.unwrap();
        ids.push(c.id.0);
    }
    let contact = Step::from_code("contact").unwrap();
    let later = "2027-02-08T02:00:00Z".parse().unwrap();
    handling::add_step(&app.db, &agent, kefu_core::ids::ComplaintId(ids[0]), contact, "已致电", later).await.unwrap();
    ids
}

/// 张伟 answers a survey on the phone at `at`: a 4 of 5 and `comment`.
async fn survey_answered(app: &TestApp, at: &str, comment: &str) {
    use kefu_care::surveys::{self, SurveyInput, rules::QuestionInput};
    let store = Actor::system(Scope::new(vec![app.fx.store_a]));
    let question =
        |kind: &str, prompt: &str| QuestionInput { kind: kind.into(), prompt: prompt.into(), options: String::new() };
    let input = SurveyInput {
        title: "服务满意度问卷".into(),
        intro: String::new(),
        questions: vec![question("scale5", "满意度"), question("text", "您的建议")],
    };
    let survey = surveys::create(&app.db, &store, app.fx.store_a, &input).await.unwrap();
    let q: Vec<i64> = survey.questions.iter().map(|q| q.id).collect();
    let values = [(format!("q{}", q[0]), "4".to_string()), (format!("q{}", q[1]), comment.to_string())];
    let deadlines = kefu_care::complaints::Deadlines::default();
    surveys::answer_by_phone(&app.db, &store, survey.id, app.fx.customer_a, &values, &deadlines, at.parse().unwrap())
        .await
        .unwrap();
}

on_both!(the_reports_count_two_months_of_outreach_exactly, |backend: Backend| async move {
    let folder = tempfile::tempdir().unwrap();
    let app = TestApp::start_with(backend, support::printing(folder.path())).await;
    two_months(&app).await;
    // The week of 1–7 February runs from Monday 00:00 in Shanghai (Sunday
    // 16:00 UTC) to the next Monday 00:00: the first two complaints fall in
    // it, the one before and the one after do not.
    let in_week = ["2027-01-31T16:00:00Z", "2027-02-07T15:59:59Z"];
    let outside = ["2027-01-31T15:59:59Z", "2027-02-07T16:00:00Z"];
    let taken_in = [in_week[0], in_week[1], outside[0], outside[1]];
    let ids = complaints(&app, &taken_in).await;
    // A survey answered on the phone on 15 January, with a wish.
    let wish = "希望周末也能预约保养";
    survey_answered(&app, "2027-01-15T03:00:00Z", wish).await;

    // --- effectiveness, 5 March: 刘洋's window (to 10 March) is still open.
    app.clock.set(morning("2027-03-05"));
    let manager = app.login("manager_a").await;
    let r = json(&manager, app.at("/api/v1/outreach/effectiveness?month=2027-01")).await;
    assert_eq!((r["from"].as_str(), r["to"].as_str()), (Some("2027-01-01"), Some("2027-01-31")));
    assert_eq!(r["totals"], serde_json::json!({ "due": 4, "came": 3, "not_came": 0, "open": 1, "rate": 0.75 }));
    assert_eq!(r["not_came"], serde_json::json!([]));

    // --- effectiveness, 11 March: every window has closed.
    app.clock.set(morning("2027-03-11"));
    let manager = app.login("manager_a").await;
    let r = json(&manager, app.at("/api/v1/outreach/effectiveness?month=2027-01")).await;
    // Store B's 李娜 is outside the manager's branches.
    assert_eq!(r["totals"], serde_json::json!({ "due": 4, "came": 3, "not_came": 1, "open": 0, "rate": 0.75 }));
    let playbook = |code: &str| r["playbooks"].as_array().unwrap().iter().find(|p| p["code"] == code).unwrap().clone();
    assert_eq!(playbook("first_service")["tally"]["came"], 3);
    assert_eq!(playbook("first_service")["came_untouched"], 0);
    assert_eq!(playbook("routine_service")["tally"]["due"], 0);
    assert!(r["playbooks"].as_array().unwrap().iter().all(|p| p["code"] != "service_follow_up"), "not measured");
    let steps: Vec<(i64, &str, i64, i64, i64)> = r["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["playbook"] == "first_service")
        .map(|s| {
            let a = &s["attribution"];
            (
                s["step"].as_i64().unwrap(),
                s["channel"].as_str().unwrap(),
                a["touched"].as_i64().unwrap(),
                a["came_after"].as_i64().unwrap(),
                a["last_touch"].as_i64().unwrap(),
            )
        })
        .collect();
    // Letter: all four got it, three came after. SMS: the last touch before
    // 王芳 came. The −7 call: 张伟 answered (and booked), 刘洋 never did,
    // 陈静 got it as SMS. The +7 chase: 刘洋 declined, 陈静's SMS came last.
    assert_eq!(steps, vec![(1, "letter", 4, 3, 0), (2, "sms", 4, 3, 1), (3, "call", 2, 2, 1), (4, "call", 2, 1, 1)]);
    let channels: Vec<(&str, i64, i64, i64, f64)> = r["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let a = &c["attribution"];
            (
                c["channel"].as_str().unwrap(),
                a["touched"].as_i64().unwrap(),
                a["came_after"].as_i64().unwrap(),
                a["last_touch"].as_i64().unwrap(),
                a["rate"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(channels, vec![("letter", 4, 3, 0, 0.75), ("sms", 4, 3, 2, 0.75), ("call", 2, 1, 1, 0.5)]);
    let missed = r["not_came"].as_array().unwrap();
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0]["customer_name"], "刘洋");
    assert_eq!(missed[0]["asset"], "京A10003");
    assert_eq!(
        (&missed[0]["anchor_date"], &missed[0]["first_touch"], &missed[0]["window_end"]),
        (&"2027-02-01".into(), &"2027-01-04".into(), &"2027-03-10".into())
    );
    let touches: Vec<(&str, &str, Option<&str>, i64, bool)> = missed[0]["touches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["channel"].as_str().unwrap(),
                t["day"].as_str().unwrap(),
                t["outcome"].as_str(),
                t["attempts"].as_i64().unwrap(),
                t["delivered"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        touches,
        vec![
            ("letter", "2027-01-04", None, 0, true),
            ("sms", "2027-01-18", None, 0, true),
            // Tried on the 25th, 26th and 27th: nobody answered.
            ("call", "2027-01-27", Some("no_answer"), 3, false),
            ("call", "2027-02-08", Some("reached_declined"), 1, true),
        ]
    );
    assert_eq!(missed[0]["touches"][3]["notes"], "工作太忙，下月再说");

    // The page says the same, and the workbook lists who did not come.
    let html = get(&manager, app.at("/outreach/effectiveness?month=2027-01")).await.text().await.unwrap();
    assert!(html.contains("75.0%") && html.contains("刘洋") && html.contains("工作太忙，下月再说"), "{html}");
    assert!(!html.contains("李娜"), "store B's customer is not shown");
    let res = get(&manager, app.at("/outreach/effectiveness.xlsx?from=2027-01-01&to=2027-01-31")).await;
    assert_eq!(res.status(), 200);
    let rows = sheet(res.bytes().await.unwrap().to_vec(), "未到店客户");
    assert_eq!(rows.len(), 2, "a header and 刘洋: {rows:?}");
    assert_eq!(rows[0][0], "姓名/名称");
    let liu = &rows[1];
    assert_eq!(
        [&liu[0], &liu[1], &liu[2], &liu[3], &liu[4], &liu[5], &liu[6]],
        ["刘洋", "13700002222", "京A10003", "首保招揽", "2027-02-01", "2027-01-04", "2027-03-10"]
    );
    assert_eq!([&liu[8], &liu[9], &liu[10]], ["已接通，客户婉拒", "工作太忙，下月再说", "4"]);
    // February's invitations began with 1 March's first services: none here.
    let feb = json(&manager, app.at("/api/v1/outreach/effectiveness?month=2027-02")).await;
    assert_eq!(feb["totals"]["due"], 0);

    // --- the weekly summary of 1–7 February.
    let w = json(&manager, app.at("/api/v1/outreach/weekly?week=2027-02-04")).await;
    assert_eq!((w["monday"].as_str(), w["sunday"].as_str()), (Some("2027-02-01"), Some("2027-02-07")));
    // 王强 satisfied on the 2nd; 赵磊 not reached on the 3rd, 4th or 5th
    // (one follow-up, unreachable); 张伟's brakes still squeak on the 5th.
    assert_eq!(
        w["totals"],
        serde_json::json!({ "due": 4, "done": 3, "reached": 2, "reach_rate": 0.5, "problems": 1, "problems_open": 1,
                            "satisfied": 1, "not_satisfied": 1, "unreachable": 1 })
    );
    // The week's complaints, each in its state: the first contacted (in
    // hand), the second still waiting for its first contact.
    let listed: Vec<(i64, &str)> = w["complaints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_i64().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, vec![(ids[0], "in_progress"), (ids[1], "open")]);
    let due_per_day: Vec<i64> =
        w["days"].as_array().unwrap().iter().map(|d| d["counts"]["due"].as_i64().unwrap()).collect();
    assert_eq!(due_per_day, vec![0, 1, 1, 0, 1, 0, 1]);
    let reach_per_day: Vec<Option<f64>> =
        w["days"].as_array().unwrap().iter().map(|d| d["counts"]["reach_rate"].as_f64()).collect();
    assert_eq!(reach_per_day, vec![None, Some(1.0), Some(0.0), None, Some(1.0), None, Some(0.0)]);
    let advisors: Vec<(&str, i64, i64, i64, i64)> = w["advisors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let c = &a["counts"];
            (
                a["advisor"].as_str().unwrap(),
                c["due"].as_i64().unwrap(),
                c["done"].as_i64().unwrap(),
                c["reached"].as_i64().unwrap(),
                c["problems"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(advisors, vec![("", 1, 0, 0, 0), ("李强", 2, 2, 1, 0), ("王建国", 1, 1, 1, 1)]);
    assert_eq!(w["problems"][0]["description"], "刹车仍有异响");
    assert_eq!(w["problems"][0]["customer_name"], "张伟");
    assert_eq!(w["problems"][0]["status"], "open");

    // The page: a bar per day with its count, a dot per day something was due.
    let html = get(&manager, app.at("/outreach/weekly?week=2027-02-01")).await.text().await.unwrap();
    assert_eq!(html.matches("<rect").count(), 7);
    for (day, n) in [("01", 0), ("02", 1), ("03", 1), ("04", 0), ("05", 1), ("06", 0), ("07", 1)] {
        assert!(html.contains(&format!(r#"<rect data-key="2027-02-{day}" data-value="{n}""#)), "bar of the {day}th");
    }
    assert_eq!(html.matches("<circle").count(), 4);
    assert!(html.contains(r#"<circle data-key="2027-02-03" data-value="0""#));
    assert!(html.contains("<title>周二 02-02: 100.0%</title>"));
    assert!(html.contains(r#"role="img""#) && html.contains("每日应回访数"));
    assert!(html.contains("/outreach/weekly?week=2027-01-25") && html.contains("/outreach/weekly?week=2027-02-08"));
    assert!(html.contains("刹车仍有异响") && !html.contains("功能上线后"));
    let complaints_table = &html[html.find(r#"data-testid="week-complaints""#).expect("the week's complaints")..];
    assert!(complaints_table.contains("投诉 0") && complaints_table.contains("处理中"));
    assert!(complaints_table.contains("投诉 1") && complaints_table.contains("待联系"));
    assert!(!complaints_table.contains("投诉 2") && !complaints_table.contains("投诉 3"));
    let overview = get(&manager, app.at("/outreach")).await.text().await.unwrap();
    assert!(overview.contains(r#"href="/outreach/weekly""#) && overview.contains(r#"href="/outreach/effectiveness""#));

    // Closing the problem shows in the summary and the workbook.
    let problem = w["problems"][0]["id"].as_i64().unwrap();
    let supervisor = Actor::system(Scope::new(vec![app.fx.store_a]));
    calls::close_followup(&app.db, &supervisor, problem, "已约客户回厂检查，更换刹车片").await.unwrap();
    let res = get(&manager, app.at("/outreach/weekly.xlsx?week=2027-02-01")).await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    let by_day = sheet(bytes.clone(), "按日");
    assert_eq!(by_day.len(), 9, "a header, seven days and the total");
    assert_eq!(by_day[2], vec!["周二 02-02", "1", "1", "1", "1", "0", "0", "1", "0", "0"]);
    assert_eq!(by_day[8], vec!["本周合计", "4", "3", "2", "0.5", "1", "0", "1", "1", "1"]);
    let by_advisor = sheet(bytes.clone(), "按服务顾问");
    let names: Vec<&str> = by_advisor.iter().skip(1).map(|r| r[0].as_str()).collect();
    assert_eq!(names, vec!["（未登记）", "李强", "王建国"]);
    let problems = sheet(bytes.clone(), "回访发现的问题");
    assert_eq!(problems[1][2..6], ["张伟", "刹车仍有异响", "已关闭", "已约客户回厂检查，更换刹车片"]);
    let complaints = sheet(bytes, "客户投诉");
    assert_eq!(complaints.len(), 3, "a header and the week's two complaints");
    assert_eq!(complaints[1][0], "2027-02-01 00:00", "taken in at Monday's first minute in Shanghai");
    assert_eq!(complaints[1][2..], ["投诉 0", "维修质量", "车间", "处理中", "未升级"]);

    // --- the monthly management report of January and February, store A.
    let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    let month_of = |instant: &str| {
        instant
            .parse::<jiff::Timestamp>()
            .unwrap()
            .to_zoned_datetime(shanghai.clone())
            .date()
            .strftime("%Y-%m")
            .to_string()
    };
    let received = |m: &str| taken_in.iter().filter(|at| month_of(at) == m).count();
    // The follow-up and invitation calls that heard something, by the day
    // they were made (two_months above): 2 February satisfied, 5 February a
    // problem, 8 February a refusal; none in January.
    let told = ["2027-02-02", "2027-02-05", "2027-02-08"];
    let calls_in = |m: &str| told.iter().filter(|d| d.starts_with(m)).count();
    let jan = json(&manager, app.at("/api/v1/reports/monthly?month=2027-01")).await;
    let stores: Vec<&str> = jan["stores"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(stores.len(), 1, "only the manager's store: {stores:?}");
    let a = &jan["stores"][0]["report"];
    // 刘洋 was invited to the first service in January and never came; his
    // last call (8 February) declined, with his words.
    let absent: Vec<(&str, &str, &str)> = a["absent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["customer_name"].as_str().unwrap(), x["reason"].as_str().unwrap(), x["notes"].as_str().unwrap()))
        .collect();
    assert_eq!(absent, vec![("刘洋", "reached_declined", "工作太忙，下月再说")]);
    let reasons = a["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 7);
    let total: i64 = reasons.iter().map(|r| r[1].as_i64().unwrap()).sum();
    assert_eq!(total, absent.len() as i64);
    assert_eq!(a["complaints"]["received"], received("2027-01"));
    let count = |r: &Value, source: &str| {
        r["sources"].as_array().unwrap().iter().find(|s| s[0] == source).unwrap()[1].as_i64().unwrap() as usize
    };
    assert_eq!(
        (count(a, "call"), count(a, "survey"), count(a, "complaint")),
        (calls_in("2027-01"), 1, received("2027-01"))
    );
    assert!(a["opinions"].as_array().unwrap().iter().any(|o| o["source"] == "survey" && o["text"] == wish));
    let feb = json(&manager, app.at("/api/v1/reports/monthly?month=2027-02")).await;
    let b = &feb["stores"][0]["report"];
    assert_eq!(b["absent"].as_array().unwrap().len(), 0, "February's invitations are for March");
    assert_eq!(b["complaints"]["received"], received("2027-02"));
    assert_eq!(
        (count(b, "call"), count(b, "survey"), count(b, "complaint")),
        (calls_in("2027-02"), 0, received("2027-02"))
    );
    let heard: Vec<&str> = b["opinions"].as_array().unwrap().iter().map(|o| o["text"].as_str().unwrap()).collect();
    for said in ["车辆正常，对服务满意", "刹车仍有异响", "工作太忙，下月再说"] {
        assert!(heard.contains(&said), "{said} in {heard:?}");
    }
    // The page: a chart per section, a bar per reason and per source.
    let html = get(&manager, app.at("/reports/monthly?month=2027-01")).await.text().await.unwrap();
    for part in ["管理月报", "刘洋", "客户婉拒", wish] {
        assert!(html.contains(part), "{part} on the page: {html}");
    }
    assert!(html.contains(r#"<rect data-key="reached_declined" data-value="1""#));
    assert!(html.contains(&format!(r#"<rect data-key="complaint" data-value="{}""#, received("2027-01"))));
    assert!(html.contains(r#"href="&#x2f;reports&#x2f;monthly""#), "the menu opens the report");
    assert!(!html.contains("即将推出"), "nothing in the menu is still coming");
    // The workbook and the printed report say the same.
    let res = get(&manager, app.at("/reports/monthly.xlsx?month=2027-01")).await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    let absent_sheet = sheet(bytes.clone(), "招揽未到店客户");
    assert_eq!(absent_sheet[1][1..], ["刘洋", "京A10003", "首保招揽", "客户婉拒", "工作太忙，下月再说"]);
    let figures = sheet(bytes.clone(), "投诉处理总结");
    assert_eq!(figures[1][1], received("2027-01").to_string());
    let opinions = sheet(bytes, "客户期望与意见");
    assert_eq!(opinions.len(), 1 + calls_in("2027-01") + 1 + received("2027-01"));
    let res = get(&manager, app.at("/reports/monthly.pdf?month=2027-01")).await;
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let printed = support::pdf_text(&res.bytes().await.unwrap());
    for part in ["管理月报2027-01", "刘洋", "客户婉拒", "工作太忙，下月再说", wish, "投诉2"] {
        assert!(printed.contains(part), "{part} in the printed report: {printed}");
    }

    // Bad input is named; roles without FollowUpsManage are refused.
    let res = get(&manager, app.at("/api/v1/reports/monthly?month=2027-13")).await;
    assert_eq!(res.status(), 422);
    let res = get(&manager, app.at("/api/v1/outreach/weekly?week=2027-13-01")).await;
    assert_eq!(res.status(), 422);
    let res = get(&manager, app.at("/api/v1/outreach/effectiveness?from=2027-02-01&to=2027-01-01")).await;
    assert_eq!(res.status(), 422);
    for user in ["agent_a", "admin"] {
        let client = app.login(user).await;
        for path in [
            "/outreach/effectiveness",
            "/outreach/effectiveness.xlsx",
            "/outreach/weekly",
            "/outreach/weekly.xlsx",
            "/api/v1/outreach/effectiveness",
            "/api/v1/outreach/weekly",
            "/reports/monthly",
            "/reports/monthly.xlsx",
            "/reports/monthly.pdf",
            "/api/v1/reports/monthly",
        ] {
            assert_eq!(get(&client, app.at(path)).await.status(), 403, "{user} {path}");
        }
    }
});
