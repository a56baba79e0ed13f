//! Surveys on SQLite and PostgreSQL: a questionnaire built in the form; a
//! link's token works once and only for its own customer, and nobody's
//! answers show on another customer's page; a low score opens a complaint;
//! results count the response rate, averages and NPS per store; and surveys
//! stay in their branch.

mod support;

use serde_json::{Value, json};
use support::{Backend, TestApp};

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
    let r: Value = manager
        .get(app.at(&format!("/api/v1/surveys/{survey}/results?branch={}", app.fx.store_a)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    assert_eq!(agent_b.get(app.at(&format!("/surveys/{survey}"))).send().await.unwrap().status(), 403);
    assert_eq!(agent_b.get(app.at(&format!("/api/v1/surveys/{survey}/results"))).send().await.unwrap().status(), 403);
    let res = agent_b
        .post(app.at(&format!("/api/v1/customers/{}/survey-invitations", app.fx.customer_b)))
        .header("x-csrf-token", &csrf_b)
        .json(&json!({ "survey": survey, "channel": "sms" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "store A's survey cannot be sent from store B");
    let list = agent_b.get(app.at("/surveys")).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains("保养服务回访问卷"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM survey_invitations").await, 0);
});
