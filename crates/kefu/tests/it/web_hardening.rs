//! What every answer of the web server guards against, walked over the
//! route table: the hardening headers, bodies over their limit answered 413,
//! and records of other stores answered exactly as records that do not
//! exist, so that no id of another store can be confirmed.

use crate::support::{Backend, TestApp};
use kefu_web::guard::Access;
use serde_json::{Value, json};

/// Every path of the table with its parameters filled by `id`.
fn filled(path: &str, id: &str) -> String {
    ["{id}", "{job}", "{contact}", "{action}", "{customer}", "{code}"]
        .iter()
        .fold(path.replace("{date}", "2026-12-01"), |p, param| p.replace(param, id))
}

#[track_caller]
fn assert_hardened(res: &reqwest::Response, what: &str) {
    let h = res.headers();
    let csp = h.get("content-security-policy").map(|v| v.to_str().unwrap()).unwrap_or_default();
    for directive in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(csp.contains(directive), "{what}: CSP {csp:?} has {directive}");
    }
    assert_eq!(h.get("x-frame-options").map(|v| v.to_str().unwrap()), Some("DENY"), "{what}");
    assert_eq!(h.get("x-content-type-options").map(|v| v.to_str().unwrap()), Some("nosniff"), "{what}");
    assert_eq!(h.get("referrer-policy").map(|v| v.to_str().unwrap()), Some("same-origin"), "{what}");
    let cache = h.get("cache-control").map(|v| v.to_str().unwrap()).unwrap_or_default();
    if res.url().path().starts_with("/static/") {
        assert!(cache.starts_with("public"), "{what}: the stylesheet and script may be cached");
    } else {
        assert_eq!(cache, "no-store", "{what}");
    }
}

on_both!(every_answer_carries_the_hardening_headers, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let anonymous = app.client();
    let signed_in = [app.login("admin").await, app.login("agent_a").await];
    let customer = app.fx.customer_a.to_string();
    let mut answers = 0;
    for spec in kefu_web::specs() {
        let url = app.at(&filled(spec.path, &customer));
        let clients: Vec<&reqwest::Client> = match spec.access {
            Access::Public => vec![&anonymous],
            Access::Signed(_) => signed_in.iter().chain([&anonymous]).collect(),
        };
        for client in clients {
            // Without a CSRF token a signed-in post is refused, which is an
            // answer too: every answer is checked, whatever its status.
            let res = client.request(spec.method.clone(), &url).send().await.unwrap();
            assert_hardened(&res, &format!("{} {url} ({})", spec.method, res.status()));
            answers += 1;
        }
    }
    for path in ["/no-such-page", "/api/v1/no-such-thing"] {
        let res = anonymous.get(app.at(path)).send().await.unwrap();
        assert_hardened(&res, path);
    }
    assert!(answers > 300, "{answers} answers checked");
});

on_both!(pages_load_no_inline_script_or_style, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let customer = app.fx.customer_a.to_string();
    for spec in kefu_web::specs() {
        if spec.method != reqwest::Method::GET || spec.path.starts_with("/api/") || spec.path.starts_with("/static/") {
            continue;
        }
        let res = client.get(app.at(&filled(spec.path, &customer))).send().await.unwrap();
        if !res.headers()["content-type"].to_str().unwrap().starts_with("text/html") {
            continue;
        }
        let page = res.text().await.unwrap();
        for inline in ["<script>", "<style", " style=\"", " onclick=", " onchange=", " onsubmit=", "javascript:"] {
            assert!(!page.contains(inline), "{} holds {inline:?}, which the CSP refuses", spec.path);
        }
    }
});

on_both!(a_body_over_its_limit_is_413, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let huge = vec![b'a'; kefu_web::guard::UPLOAD_LIMIT + 1024];
    let form = |with_token: bool| {
        let file = reqwest::multipart::Part::bytes(huge.clone()).file_name("big.csv");
        let form = reqwest::multipart::Form::new().text("branch_id", app.fx.store_a.to_string());
        let form = if with_token { form.text("_csrf", csrf.clone()) } else { form };
        form.part("file", file)
    };
    // The token in a header: the upload's handler reads the body.
    let res = client
        .post(app.at("/api/v1/imports"))
        .header("x-csrf-token", &csrf)
        .multipart(form(false))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let problem: Value = res.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("32 MB"), "{problem}");
    // The token in the form: the guard reads the body to find it.
    let res = client.post(app.at("/customers/import")).multipart(form(true)).send().await.unwrap();
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("32 MB"));
    // A JSON body over the 2 MB of other requests.
    let big = json!({ "branch_id": app.fx.store_a, "name": "张伟", "notes": "很".repeat(1 << 20) });
    let res = client.post(app.at("/api/v1/customers")).header("x-csrf-token", &csrf).json(&big).send().await.unwrap();
    assert_eq!(res.status(), 413);
    let res = client
        .post(app.at(&format!("/customers/{}/edit", app.fx.customer_a)))
        .form(&[("_csrf", csrf.as_str()), ("name", &"很".repeat(1 << 20))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
});

on_both!(records_of_other_stores_are_answered_as_missing_on_every_route, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    // Records of store B, made by its agent.
    let b = app.login("agent_b").await;
    let b_csrf = app.csrf(&b).await;
    let created = |path: String, body: Value| {
        let req = b.post(app.at(&path)).header("x-csrf-token", &b_csrf).json(&body);
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 201, "{path}");
            res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        }
    };
    let customer = app.fx.customer_b.0;
    let vehicle = created(
        format!("/api/v1/customers/{customer}/vehicles"),
        json!({ "vin": crate::import::vin(4242), "plate": "京B42424", "brand": "一汽-大众", "model": "速腾",
                "purchase_date": "2024-03-06" }),
    )
    .await;
    let complaint = created(
        format!("/api/v1/customers/{customer}/complaints"),
        json!({ "source": "call", "category": "repair_quality", "severity": "serious", "department": "workshop",
                "subject": "刹车异响", "detail": "保养后刹车异响" }),
    )
    .await;
    let file =
        reqwest::multipart::Part::bytes("客户姓名,手机号码\n王芳,13800138000\n".as_bytes().to_vec()).file_name("b.csv");
    let form = reqwest::multipart::Form::new().text("branch_id", app.fx.store_b.to_string()).part("file", file);
    let res = b.post(app.at("/api/v1/imports")).header("x-csrf-token", &b_csrf).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let job = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let foreign = |path: &str| {
        let id = if path.contains("/complaints/{id}") {
            complaint
        } else if path.contains("/vehicles/{id}") {
            vehicle
        } else if path.contains("{job}") {
            job
        } else {
            customer
        };
        filled(path, &id.to_string())
    };

    // Store A's agent asks for each of them, and for ids nobody has.
    let a = app.login("agent_a").await;
    let csrf = app.csrf(&a).await;
    let answer = |path: String, method: reqwest::Method| {
        let req = a.request(method, app.at(&path)).header("x-csrf-token", &csrf);
        let req = if path.starts_with("/api/") { req.json(&json!({})) } else { req.form(&[("_csrf", &csrf)]) };
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let body = res.text().await.unwrap();
            let detail = serde_json::from_str::<Value>(&body).map(|p| p["detail"].clone()).unwrap_or(Value::Null);
            (status, detail)
        }
    };
    let mut compared = 0;
    for spec in kefu_web::specs() {
        if spec.access == Access::Public || !spec.path.contains('{') || spec.path.contains("{date}") {
            continue;
        }
        let theirs = answer(foreign(spec.path), spec.method.clone()).await;
        let nobodys = answer(filled(spec.path, "987654321"), spec.method.clone()).await;
        assert_eq!(theirs, nobodys, "{} {}: another store's record answers as a missing one", spec.method, spec.path);
        compared += 1;
    }
    assert!(compared > 50, "{compared} routes compared");
    // The direct question too: 404, the same words as any unknown record.
    let res = a.get(app.at(&format!("/api/v1/customers/{customer}"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
});
