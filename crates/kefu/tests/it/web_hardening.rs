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
    // A PDF has no policy: Chromium's viewer runs inside the PDF's document.
    let pdf = h.get("content-type").is_some_and(|t| t.to_str().unwrap().starts_with("application/pdf"));
    for directive in ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
        assert!(pdf || csp.contains(directive), "{what}: CSP {csp:?} has {directive}");
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

/// A request that announces a body of `length` bytes, as a browser does an
/// upload, and waits for the answer before sending any: a server that
/// refuses a body over its limit answers at once, and the test cannot lose
/// the race a client still writing would.
async fn announcing(app: &TestApp, path: &str, headers: &[(&str, &str)], length: usize) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {length}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    stream.write_all(format!("{head}\r\n").as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    // Up to the end of the answer's first chunk of body: enough for the
    // status and the message.
    while let Ok(Ok(n)) = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        answer.extend_from_slice(&buf[..n]);
        if answer.windows(4).any(|w| w == b"\r\n\r\n") && String::from_utf8_lossy(&answer).contains("MB") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no answer: {text:?}"));
    (status, text)
}

on_both!(a_body_over_its_limit_is_413, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.client();
    let signed_in = app.try_login(&client, "agent_a", crate::support::PASSWORD).await;
    let cookie = signed_in
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with(kefu_web::guard::SESSION_COOKIE))
        .expect("the session cookie");
    let csrf = app.csrf(&client).await;
    let upload = kefu_web::guard::UPLOAD_LIMIT + 1;
    let multipart = "multipart/form-data; boundary=kefu-boundary";
    // The token in a header: the upload's handler reads the body.
    let (status, answer) = announcing(
        &app,
        "/api/v1/imports",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf), ("Content-Type", multipart)],
        upload,
    )
    .await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("application/problem+json") && answer.contains("32 MB"), "{answer}");
    // The token in the form: the guard reads the body to find it.
    let (status, answer) =
        announcing(&app, "/customers/import", &[("Cookie", &cookie), ("Content-Type", multipart)], upload).await;
    assert_eq!(status, 413, "{answer}");
    assert!(answer.contains("32 MB"), "{answer}");
    // A JSON body or a form over the 2 MB of other requests.
    let (status, _) = announcing(
        &app,
        "/api/v1/customers",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf), ("Content-Type", "application/json")],
        3 << 20,
    )
    .await;
    assert_eq!(status, 413);
    let edit = format!("/customers/{}/edit", app.fx.customer_a);
    let form = "application/x-www-form-urlencoded";
    let (status, _) = announcing(&app, &edit, &[("Cookie", &cookie), ("Content-Type", form)], 3 << 20).await;
    assert_eq!(status, 413);
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
