//! Surveys on SQLite and PostgreSQL: a questionnaire built in the form; a
//! link's token works once and only for its own customer, and nobody's
//! answers show on another customer's page; a low score opens a complaint;
//! results count the response rate, averages and NPS per store; and surveys
//! stay in their branch.

use crate::support;

use serde_json::{Value, json};
use support::{Backend, TestApp, get_json};

/// Builds the service survey in store A through the builder form; returns
/// its id and its questions' ids in order.
async fn build_survey(app: &TestApp, client: &reqwest::Client, csrf: &str) -> (i64, Vec<i64>) {
    let store = app.fx.store_a.to_string();
    let form = [
        ("_csrf", csrf),
        ("branch_id", store.as_str()),
        ("title", "保养服务回访问卷"),
        ("intro", "感谢您光临本店"),
        ("kind_1", "scale10"),
        ("prompt_1", "您向亲友推荐本店的可能性有多大？"),
        ("kind_2", "scale5"),
        ("prompt_2", "您对本次保养服务的满意度"),
        ("kind_3", "single"),
        ("prompt_3", "车辆是否按约定时间交付？"),
        ("options_3", "是\n否"),
        ("kind_4", "multiple"),
        ("prompt_4", "您认为哪些方面需要改进？"),
        ("options_4", "价格\n等候时间\n休息区"),
        ("kind_5", "text"),
        ("prompt_5", "其他意见"),
        // an untouched row of the builder
        ("kind_6", "single"),
    ];
    let res = client.post(app.at("/surveys")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let id: i64 = res.headers()["location"].to_str().unwrap().trim_start_matches("/surveys/").parse().unwrap();
    let questions: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM survey_questions WHERE survey_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(app.db.pool())
            .await
            .unwrap();
    assert_eq!(questions.len(), 5, "the blank row is skipped");
    (id, questions)
}

async fn invite(app: &TestApp, client: &reqwest::Client, csrf: &str, survey: i64, customer: i64) -> String {
    let res = client
        .post(app.at(&format!("/api/v1/customers/{customer}/survey-invitations")))
        .header("x-csrf-token", csrf)
        .json(&json!({ "survey": survey, "channel": "sms" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.unwrap()["path"].as_str().unwrap().to_string()
}

/// A full set of answers: scores, the first option, two improvements, a comment.
fn answers(q: &[i64], nps: &str, comment: &str) -> Vec<(String, String)> {
    vec![
        (format!("q{}", q[0]), nps.to_string()),
        (format!("q{}", q[1]), "4".to_string()),
        (format!("q{}", q[2]), "0".to_string()),
        (format!("q{}", q[3]), "0".to_string()),
        (format!("q{}", q[3]), "2".to_string()),
        (format!("q{}", q[4]), comment.to_string()),
    ]
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(app.db.pool()).await.unwrap()
}

on_both!(a_link_works_once_and_only_for_its_customer, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (survey, q) = build_survey(&app, &manager, &csrf).await;
    let wang = app.customer_in(app.fx.store_a, "王芳", "13700001111").await.0;
    let link_zhang = invite(&app, &manager, &csrf, survey, app.fx.customer_a.0).await;
    let link_wang = invite(&app, &manager, &csrf, survey, wang).await;

    // The customer needs no account.
    let anyone = app.client();
    let page = anyone.get(app.at(&link_zhang)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("保养服务回访问卷") && page.contains("您向亲友推荐本店的可能性有多大？"), "{page}");

    // A token changed to point at another invitation is refused.
    let zhang_id = link_zhang.trim_start_matches("/s/").split('-').next().unwrap();
    let wang_id = link_wang.trim_start_matches("/s/").split('-').next().unwrap();
    let forged = link_zhang.replacen(&format!("/s/{zhang_id}-"), &format!("/s/{wang_id}-"), 1);
    assert_eq!(anyone.get(app.at(&forged)).send().await.unwrap().status(), 404);
    let res = anyone.post(app.at(&forged)).form(&answers(&q, "0", "冒名")).send().await.unwrap();
    assert_eq!(res.status(), 404, "nobody answers in another customer's name");
    assert_eq!(anyone.get(app.at("/s/1-00")).send().await.unwrap().status(), 404);

    // 张伟 answers once.
    let res = anyone.post(app.at(&link_zhang)).form(&answers(&q, "9", "洗车没洗干净")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("感谢您的宝贵意见"));
    let res = anyone.post(app.at(&link_zhang)).form(&answers(&q, "0", "再答一次")).send().await.unwrap();
    assert_eq!(res.status(), 410, "a link works once");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_answers").await, 5, "nothing written the second time");
    let page = anyone.get(app.at(&link_zhang)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("感谢您的宝贵意见") && !page.contains("洗车没洗干净"),
        "no answers shown, not even one's own"
    );

    // 王芳's page shows nothing of 张伟's answers; her answers are her own.
    let page = anyone.get(app.at(&link_wang)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("洗车没洗干净") && !page.contains("张伟"), "{page}");
    let res = anyone.post(app.at(&link_wang)).form(&answers(&q, "10", "很满意")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let owners: Vec<(i64, String)> = sqlx::query_as(
        "SELECT i.customer_id, a.text FROM survey_answers a JOIN survey_invitations i ON i.id = a.invitation_id \
         WHERE a.question_id = $1 ORDER BY a.id",
    )
    .bind(q[4])
    .fetch_all(app.db.pool())
    .await
    .unwrap();
    assert_eq!(owners, [(app.fx.customer_a.0, "洗车没洗干净".to_string()), (wang, "很满意".to_string())]);

    // The results: everyone answered; 9 and 10 are both promoters.
    let r: Value =
        get_json(&manager, app.at(&format!("/api/v1/surveys/{survey}/results?branch={}", app.fx.store_a))).await;
    assert_eq!(
        (r["invited"].as_i64(), r["answered"].as_i64(), r["response_rate"].as_f64()),
        (Some(2), Some(2), Some(1.0))
    );
    assert_eq!(r["questions"][0]["nps"], 100);
    assert_eq!(r["questions"][0]["average"], 9.5);
    assert_eq!(r["questions"][1]["average"], 4.0);
    assert_eq!(r["questions"][3]["counts"], json!([["价格", 2], ["等候时间", 0], ["休息区", 2]]));
    assert_eq!(r["questions"][4]["comments"], json!(["洗车没洗干净", "很满意"]));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM complaints").await, 0, "no low score, no complaint");
});

on_both!(a_link_expires_and_a_customer_has_one_open_link_a_survey, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (survey, q) = build_survey(&app, &manager, &csrf).await;
    let zhang = app.fx.customer_a.0;
    let link = invite(&app, &manager, &csrf, survey, zhang).await;
    // Sending again while the link is open gives the same link, not another.
    assert_eq!(invite(&app, &manager, &csrf, survey, zhang).await, link);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_invitations").await, 1);

    // 30 days by default: a moment before, the link works; at 30 days, 410.
    let anyone = app.client();
    let days = |n: i64, secs: i64| {
        support::start_instant() + jiff::SignedDuration::from_hours(24 * n) + jiff::SignedDuration::from_secs(secs)
    };
    app.clock.set(days(30, -1));
    assert_eq!(anyone.get(app.at(&link)).send().await.unwrap().status(), 200);
    app.clock.set(days(30, 0));
    let res = anyone.get(app.at(&link)).send().await.unwrap();
    assert_eq!(res.status(), 410);
    let page = res.text().await.unwrap();
    assert!(page.contains("该问卷链接已过期") && !page.contains("survey-form"), "{page}");
    let res = anyone.post(app.at(&link)).form(&answers(&q, "9", "过期了还答")).send().await.unwrap();
    assert_eq!(res.status(), 410, "an expired link takes no answers");
    assert!(res.text().await.unwrap().contains("该问卷链接已过期"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_answers").await, 0);

    // Once it expired, inviting again gives a new link that works.
    let (manager, csrf) = app.signed_in("manager_a").await;
    let fresh = invite(&app, &manager, &csrf, survey, zhang).await;
    assert_ne!(fresh, link);
    let res = anyone.post(app.at(&fresh)).form(&answers(&q, "9", "很好")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // Answered, it is no longer open: the next invitation is a new link.
    let third = invite(&app, &manager, &csrf, survey, zhang).await;
    assert!(third != fresh && third != link);
});

on_both!(a_low_score_opens_a_complaint, |backend| async move {
    let app = TestApp::start(backend).await;
    let (agent, csrf) = app.signed_in("agent_a").await;
    let (survey, q) = build_survey(&app, &agent, &csrf).await;
    // On the phone: an unanswered question is refused by name, nothing written.
    let c = app.fx.customer_a;
    let mut partial = answers(&q, "3", "等了三个小时");
    partial.retain(|(k, _)| *k != format!("q{}", q[2]));
    partial.push(("_csrf".into(), csrf.clone()));
    let res = agent.post(app.at(&format!("/surveys/{survey}/phone/{c}"))).form(&partial).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("第 3 题：请回答此题"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_invitations").await, 0);

    let mut full = answers(&q, "3", "等了三个小时");
    full.push(("_csrf".into(), csrf.clone()));
    let res = agent.post(app.at(&format!("/surveys/{survey}/phone/{c}"))).form(&full).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let (source, detail, status): (String, String, String) =
        sqlx::query_as("SELECT source, detail, status FROM complaints WHERE customer_id = $1")
            .bind(c.0)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    assert_eq!((source.as_str(), status.as_str()), ("survey", "open"));
    assert!(detail.contains("您向亲友推荐本店的可能性有多大？：3") && detail.contains("等了三个小时"), "{detail}");
    let linked = count(&app, "SELECT COUNT(*) FROM survey_invitations WHERE complaint_id IS NOT NULL").await;
    assert_eq!(linked, 1, "the invitation names the complaint it opened");
    let page = agent.get(app.at(&format!("/customers/{c}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-testid=\"risk-flag\""), "the unhappy customer is flagged");
    let events = count(&app, "SELECT COUNT(*) FROM timeline_events WHERE kind = 'survey'").await;
    assert_eq!(events, 1, "the answer is on the customer's timeline");
});

on_both!(surveys_stay_in_their_branch, |backend| async move {
    let app = TestApp::start(backend).await;
    let (agent_a, csrf_a) = app.signed_in("agent_a").await;
    let (survey, _) = build_survey(&app, &agent_a, &csrf_a).await;
    let (agent_b, csrf_b) = app.signed_in("agent_b").await;
    assert_eq!(agent_b.get(app.at(&format!("/surveys/{survey}"))).send().await.unwrap().status(), 404);
    assert_eq!(agent_b.get(app.at(&format!("/api/v1/surveys/{survey}/results"))).send().await.unwrap().status(), 404);
    let res = agent_b
        .post(app.at(&format!("/api/v1/customers/{}/survey-invitations", app.fx.customer_b)))
        .header("x-csrf-token", &csrf_b)
        .json(&json!({ "survey": survey, "channel": "sms" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "store A's survey cannot be sent from store B");
    let list = agent_b.get(app.at("/surveys")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("保养服务回访问卷"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_invitations").await, 0);
});

/// The app with an SMS webhook and an SMTP server of its own; the SMS
/// received are kept.
async fn app_with_gateways(
    backend: Backend,
) -> (TestApp, support::smtp::SmtpSink, std::sync::Arc<std::sync::Mutex<Vec<Value>>>) {
    use kefu_outreach::channels::email::{EmailChannel, EmailConfig, SmtpSecurity};
    use kefu_outreach::channels::sms::{SmsChannel, WebhookConfig, WebhookSms};
    let sink = support::smtp::SmtpSink::start();
    let (sms_url, received) = support::sms_receiver().await;
    let email = EmailChannel::new(&EmailConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        security: SmtpSecurity::Plain,
        username: None,
        password: None,
        from_address: "service@baojun-4s.example".into(),
    })
    .unwrap();
    let sms = SmsChannel::new(WebhookSms::new(WebhookConfig { url: sms_url, secret: "s3cret".into() }).unwrap());
    let channels =
        kefu_outreach::dispatch::Channels { letters: None, sms: Some(sms), email: Some(email), wechat: None };
    (TestApp::start_with(backend, channels).await, sink, received)
}

/// The `/s/{token}` path in a message's text.
fn link_in(text: &str) -> String {
    let at = text.find("/s/").unwrap_or_else(|| panic!("no survey link in {text:?}"));
    text[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c)).collect()
}

/// Who a link's invitation is for.
async fn invited_customer(app: &TestApp, path: &str) -> i64 {
    let invitation: i64 = path.trim_start_matches("/s/").split('-').next().unwrap().parse().unwrap();
    sqlx::query_scalar("SELECT customer_id FROM survey_invitations WHERE id = $1")
        .bind(invitation)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
}

/// Allows every channel but `refused`.
async fn refuse(app: &TestApp, client: &reqwest::Client, csrf: &str, customer: i64, refused: &str) {
    let mut prefs = json!({ "allow_letter": true, "allow_sms": true, "allow_email": true, "allow_phone": true });
    prefs[format!("allow_{refused}")] = false.into();
    let res = client
        .put(app.at(&format!("/api/v1/customers/{customer}/preferences")))
        .header("x-csrf-token", csrf)
        .json(&prefs)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

on_both!(survey_links_go_out_by_email_to_a_real_smtp_server, |backend: Backend| async move {
    let (app, sink, _) = app_with_gateways(backend).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (survey, q) = build_survey(&app, &manager, &csrf).await;
    let zhang = app.fx.customer_a.0;
    let li = app.customer_in(app.fx.store_a, "李娜", "13700137000").await.0;
    for (id, address) in [(zhang, "zhang.wei@example.com"), (li, "li.na@example.com")] {
        sqlx::query("UPDATE customers SET email = $1 WHERE id = $2")
            .bind(address)
            .bind(id)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
    refuse(&app, &manager, &csrf, li, "email").await;

    let url = app.at(&format!("/api/v1/surveys/{survey}/sends"));
    let body = json!({ "channel": "email", "customers": [zhang, li, app.fx.customer_b.0] });
    let (status, sent) = support::post_json(&manager, &csrf, url.clone(), body.clone()).await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(
        (sent["chosen"].as_i64(), sent["queued"].as_i64(), sent["refused"].as_i64()),
        (Some(2), Some(1), Some(1)),
        "the other store's customer is not reached, and 李娜 does not accept e-mail: {sent}"
    );
    assert_eq!(sent["sent"], 1, "{sent}");

    let mail = sink.next_message();
    assert_eq!(mail["to_address"], "zhang.wei@example.com");
    assert_eq!(mail["subject"], "保养服务回访问卷");
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains("张伟") && text.contains(&app.url), "{text}");
    let path = link_in(text);
    assert_eq!(invited_customer(&app, &path).await, zhang, "the link is 张伟's own");
    sink.assert_nothing_more();

    // The link opens the survey, without signing in, and takes the answers once.
    let anyone = app.client();
    let page = anyone.get(app.at(&path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("您向亲友推荐本店的可能性有多大？"));
    let answered = anyone.post(app.at(&path)).form(&answers(&q, "9", "很好")).send().await.unwrap();
    assert_eq!(answered.status(), 200);
    assert_eq!(anyone.post(app.at(&path)).form(&answers(&q, "9", "很好")).send().await.unwrap().status(), 410);

    // The e-mail is on 张伟's timeline; a second send today sends nothing again.
    let emails =
        count(&app, &format!("SELECT COUNT(*) FROM timeline_events WHERE kind = 'email' AND customer_id = {zhang}"))
            .await;
    assert_eq!(emails, 1);
    let (_, again) = support::post_json(&manager, &csrf, url.clone(), body).await;
    assert_eq!((again["queued"].as_i64(), again["already"].as_i64()), (Some(0), Some(1)), "{again}");
    sink.assert_nothing_more();
    assert_eq!(app.audit_count("survey", "send").await, 2);

    // A channel that is not SMS or e-mail is refused by name.
    let (status, problem) =
        support::post_json(&manager, &csrf, url, json!({ "channel": "letter", "customers": [zhang] })).await;
    assert_eq!((status, problem["field"].as_str()), (422, Some("channel")), "{problem}");
});

on_both!(survey_links_go_out_by_sms_to_those_who_visited, |backend: Backend| async move {
    let (app, _sink, received) = app_with_gateways(backend).await;
    let (manager, csrf) = app.signed_in("manager_a").await;
    let (survey, _) = build_survey(&app, &manager, &csrf).await;
    let zhang = app.fx.customer_a.0;
    let wang = app.customer_in(app.fx.store_a, "王芳", "13900139000").await.0;
    let zhao = app.customer_in(app.fx.store_a, "赵磊", "13600136000").await.0;
    let long_ago = app.customer_in(app.fx.store_a, "孙丽", "13500135000").await.0;
    refuse(&app, &manager, &csrf, zhao, "sms").await;
    // Visits three days ago (张伟; 赵磊, who does not accept SMS) and a month ago (孙丽); 王芳 did not come.
    for (customer, at) in [
        (zhang, "2026-11-26T02:00:00.000000Z"),
        (zhao, "2026-11-26T03:00:00.000000Z"),
        (long_ago, "2026-10-20T02:00:00.000000Z"),
    ] {
        sqlx::query(
            "INSERT INTO timeline_events (branch_id, customer_id, at, kind, summary) VALUES ($1, $2, $3, 'visit', '常规保养')",
        )
        .bind(app.fx.store_a.0)
        .bind(customer)
        .bind(at)
        .execute(app.db.pool())
        .await
        .unwrap();
    }
    let form = [("_csrf", csrf.as_str()), ("channel", "sms"), ("audience", "visited"), ("days", "7")];
    let res = manager.post(app.at(&format!("/surveys/{survey}/send"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains(r#"data-testid="survey-sent""#));
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "only 张伟 visited in the last 7 days and accepts SMS: {got:?}");
    assert_eq!(got[0]["mobile"], "13800138000");
    let path = link_in(got[0]["text"].as_str().unwrap());
    assert_eq!(invited_customer(&app, &path).await, zhang);
    let page = app.client().get(app.at(&path)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("保养服务回访问卷"));
    let sms =
        count(&app, &format!("SELECT COUNT(*) FROM timeline_events WHERE kind = 'sms' AND customer_id = {zhang}"))
            .await;
    assert_eq!(sms, 1, "the SMS is on the customer's timeline");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM survey_invitations WHERE customer_id IN ({wang}, {zhao}, {long_ago})")
        )
        .await,
        0
    );

    // Chosen by id in the form, 王芳 gets hers; a bad list names the field.
    let wang_text = wang.to_string();
    let form =
        [("_csrf", csrf.as_str()), ("channel", "sms"), ("audience", "chosen"), ("customers", wang_text.as_str())];
    assert_eq!(
        manager.post(app.at(&format!("/surveys/{survey}/send"))).form(&form).send().await.unwrap().status(),
        200
    );
    assert_eq!(received.lock().unwrap().len(), 2);
    let form = [("_csrf", csrf.as_str()), ("channel", "sms"), ("audience", "visited"), ("days", "0")];
    let res = manager.post(app.at(&format!("/surveys/{survey}/send"))).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 422);
});
