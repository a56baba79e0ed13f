//! The foundation, on SQLite and on PostgreSQL: migrations, signing in and
//! out, throttling, CSRF, branch scope, permissions, audit, language, bad
//! input, and the operational endpoints.

use crate::support;

use kefu_store::MIGRATIONS;
use serde_json::{Value, json};
use support::{Backend, PASSWORD, TestApp, csrf_in, get_json};

on_both!(migrations_apply_from_empty_and_only_once, |backend: Backend| async move {
    let (db, _, _dir) = support::fresh_db(backend).await;
    let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(db.applied_migrations().await.unwrap(), all);
    assert!(db.migrate().await.unwrap().is_empty(), "a second run applies nothing");
    let tables: i64 = match backend {
        Backend::Sqlite => {
            sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'customers'")
        }
        Backend::Postgres => {
            sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'customers'")
        }
    }
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(tables, 1);
});

on_both!(sign_in_shows_today_and_sign_out_ends_the_session, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let page = client.get(app.at("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("甲店客服"), "greets the user");
    assert!(html.contains(r#"data-testid="count-today_customers""#));
    // Store A's agent counts store A's one customer, not store B's.
    let tile = html.split(r#"data-testid="count-today_customers""#).nth(1).unwrap();
    assert!(tile.contains(r#"<span class="n">1</span>"#), "one customer in scope: {tile}");

    let me: Value = get_json(&client, app.at("/api/v1/me")).await;
    assert_eq!(me["username"], "agent_a");
    assert_eq!(me["roles"], json!(["agent"]));

    let csrf = app.csrf(&client).await;
    let out = client.post(app.at("/logout")).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), 303);
    let after = client.get(app.at("/")).send().await.unwrap();
    assert_eq!(after.status(), 303, "signed out: the today page sends you to sign in");
    assert!(after.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(client.get(app.at("/api/v1/me")).send().await.unwrap().status(), 401);
    assert_eq!(app.audit_count("user", "login").await, 1);
    assert_eq!(app.audit_count("user", "logout").await, 1);
});

on_both!(wrong_password_is_refused_with_a_message, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.client();
    for (user, pw) in [("agent_a", "wrong-password-1"), ("nobody", PASSWORD)] {
        let res = app.try_login(&client, user, pw).await;
        assert_eq!(res.status(), 401);
        assert!(res.text().await.unwrap().contains("用户名或密码不正确"));
    }
    assert_eq!(client.get(app.at("/api/v1/me")).send().await.unwrap().status(), 401);
});

on_both!(repeated_failures_throttle_sign_in, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.client();
    for _ in 0..kefu_accounts::throttle::MAX_PER_USERNAME {
        assert_eq!(app.try_login(&client, "agent_a", "not-the-password-9").await.status(), 401);
    }
    // Even the right password is refused while throttled.
    let res = app.try_login(&client, "agent_a", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.text().await.unwrap().contains("登录失败次数过多"));
    // Another user is not affected.
    assert_eq!(app.try_login(&app.client(), "agent_b", PASSWORD).await.status(), 303);
    // After the window passes, the right password works again.
    app.clock.set(support::start_instant() + kefu_accounts::throttle::WINDOW + jiff::SignedDuration::from_secs(1));
    assert_eq!(app.try_login(&client, "agent_a", PASSWORD).await.status(), 303);
});

on_both!(sign_in_form_needs_its_csrf_token, |backend| async move {
    let app = TestApp::start(backend).await;
    let res = app
        .client()
        .post(app.at("/login"))
        .form(&[("username", "agent_a"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("登录页面已失效"));
});

on_both!(a_new_session_token_is_issued_at_every_sign_in, |backend| async move {
    let app = TestApp::start(backend).await;
    let planted = app.client();
    app.try_login(&planted, "agent_a", PASSWORD).await;
    let first = planted.get(app.at("/api/v1/me")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    // Sign in again on the same browser: the old token must stop working.
    let cookie_before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(app.db.pool()).await.unwrap();
    app.try_login(&planted, "agent_a", PASSWORD).await;
    let cookie_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(cookie_before, cookie_after, "the old session was ended, not kept beside the new one");
});

on_both!(sessions_expire_after_idle_time, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    assert_eq!(client.get(app.at("/api/v1/me")).send().await.unwrap().status(), 200);
    app.clock.set(support::start_instant() + kefu_accounts::sessions::IDLE + jiff::SignedDuration::from_mins(1));
    let res = client.get(app.at("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["title"], "unauthenticated");
    let page = client.get(app.at("/customers")).send().await.unwrap();
    assert_eq!(page.status(), 303, "pages send an expired session to sign in");
});

on_both!(forms_without_the_csrf_token_are_refused_and_change_nothing, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let path = app.at(&format!("/customers/{}/edit", app.fx.customer_a));
    for token in [None, Some("0000")] {
        let mut form = vec![("name", "被篡改"), ("mobile", "13800138000")];
        if let Some(t) = token {
            form.push(("_csrf", t));
        }
        let res = client.post(&path).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 403);
        assert!(res.text().await.unwrap().contains("表单已失效"));
    }
    // The JSON API with a session cookie needs the header too.
    let res = client
        .put(app.at(&format!("/api/v1/customers/{}", app.fx.customer_a)))
        .json(&json!({ "name": "被篡改" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let name: String = sqlx::query_scalar("SELECT name FROM customers WHERE id = $1")
        .bind(app.fx.customer_a.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(name, "张伟");
    assert_eq!(app.audit_count("customer", "update").await, 0);

    // With the token the same edit goes through and is audited with old and new values.
    let csrf = app.csrf(&client).await;
    let res = client
        .post(&path)
        .form(&[("name", "张伟"), ("mobile", "13800138001"), ("notes", "不喜欢接电话"), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (old, new): (String, String) = {
        let row: (String, String) = sqlx::query_as(
            "SELECT old_value, new_value FROM audit_log WHERE entity = 'customer' AND action = 'update'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        row
    };
    let (old, new): (Value, Value) = (serde_json::from_str(&old).unwrap(), serde_json::from_str(&new).unwrap());
    assert_eq!(old["mobile"], "13800138000");
    assert_eq!(new["mobile"], "13800138001");
    assert_eq!(new["notes"], "不喜欢接电话");
});

on_both!(a_user_of_store_a_cannot_read_or_change_store_b, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let b = app.fx.customer_b;
    // Every customer route that takes an id, read and write, pages and API.
    for spec in kefu_web::specs().iter().filter(|s| s.path.contains("{id}") && s.path.contains("customers")) {
        let url = app.at(&spec.path.replace("{id}", &b.to_string()).replace("{contact}", "1"));
        let req = match spec.method.as_str() {
            "GET" => client.get(&url),
            // Bodies that parse for every route, so the refusal is about the branch.
            "POST" if spec.path.starts_with("/api/") => client.post(&url).header("x-csrf-token", &csrf).json(&json!({
                "name": "越权", "other": app.fx.customer_a, "vin": "LSVAM4187C2184847", "brand": "大众", "model": "速腾"
            })),
            "POST" => {
                client.post(&url).form(&[("name", "越权"), ("other", &app.fx.customer_a.to_string()), ("_csrf", &csrf)])
            }
            "PUT" => client.put(&url).header("x-csrf-token", &csrf).json(&json!({ "name": "越权" })),
            "DELETE" => client.delete(&url).header("x-csrf-token", &csrf),
            other => panic!("no request written for {other} {}", spec.path),
        };
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 404, "{} {}", spec.method, spec.path);
    }
    // Creating a record in store B is refused as well.
    let res = client
        .post(app.at("/api/v1/customers"))
        .header("x-csrf-token", &csrf)
        .json(&json!({ "branch_id": app.fx.store_b, "name": "王五" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["detail"], "您访问的页面或记录不存在。", "in the words of any record that does not exist");
    // Lists hold only store A.
    let list: Value = get_json(&client, app.at("/api/v1/customers")).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], "张伟");
    let name: String = sqlx::query_scalar("SELECT name FROM customers WHERE id = $1")
        .bind(b.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(name, "李娜", "store B's record is unchanged");
    // A store manager cannot open an account of the other store either.
    let manager = app.login("manager_a").await;
    let agent_b: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'agent_b'").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(manager.get(app.at(&format!("/admin/users/{agent_b}"))).send().await.unwrap().status(), 404);
});

on_both!(every_route_checks_sign_in_and_permission, |backend| async move {
    use kefu_web::guard::Access;
    let app = TestApp::start(backend).await;
    let anonymous = app.client();
    let users = [("admin", app.login("admin").await), ("agent_a", app.login("agent_a").await)];
    let roles = [("admin", kefu_core::Role::Admin), ("agent_a", kefu_core::Role::Agent)];
    let mut refused = 0;
    for spec in kefu_web::specs() {
        let Access::Signed(permission) = spec.access else { continue };
        let path = spec.path.replace("{id}", &app.fx.customer_a.to_string()).replace("{contact}", "1");
        let url = app.at(&path);
        let res = anonymous.request(spec.method.clone(), &url).send().await.unwrap();
        if path.starts_with("/api/") {
            assert_eq!(res.status(), 401, "anonymous {} {path}", spec.method);
        } else {
            assert_eq!(res.status(), 303, "anonymous {} {path} is sent to sign in", spec.method);
        }
        for ((name, client), (_, role)) in users.iter().zip(roles) {
            if role.permissions().contains(&permission) {
                continue;
            }
            let csrf = app.csrf(client).await;
            let res = client.request(spec.method.clone(), &url).header("x-csrf-token", csrf).send().await.unwrap();
            assert_eq!(res.status(), 403, "{name} lacks {permission:?} for {} {path}", spec.method);
            refused += 1;
        }
    }
    assert!(refused >= 10, "the table has routes some role may not use ({refused} refusals checked)");
});

on_both!(api_tokens_work_without_cookies_or_csrf, |backend| async move {
    let app = TestApp::start(backend).await;
    let all = kefu_core::Actor::system(kefu_core::Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let agent = kefu_accounts::users::credentials(&app.db, "agent_a").await.unwrap().unwrap().user;
    let token = kefu_accounts::tokens::issue(&app.db, &all, agent.id, "call centre").await.unwrap();
    let client = reqwest::Client::new();
    let res = client
        .post(app.at("/api/v1/customers"))
        .bearer_auth(&token)
        .json(&json!({ "branch_id": app.fx.store_a, "name": "赵六", "mobile": "+86 139 0000 1111" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["mobile"], "13900001111");
    assert!(created["customer_no"].as_str().unwrap().starts_with("KH"));
    assert_eq!(app.audit_count("customer", "create").await, 3, "two fixture customers and this one");
    let bad = client.get(app.at("/api/v1/me")).bearer_auth("kefu_0000").send().await.unwrap();
    assert_eq!(bad.status(), 401);
});

on_both!(bad_input_gets_a_clear_error_in_the_users_language, |backend| async move {
    let app = TestApp::start(backend).await;
    let zh = app.login("agent_a").await;
    let csrf = app.csrf(&zh).await;
    let url = app.at(&format!("/api/v1/customers/{}", app.fx.customer_a));
    // Malformed JSON.
    let res = zh
        .put(&url)
        .header("x-csrf-token", &csrf)
        .header("content-type", "application/json")
        .body("{name:")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().starts_with("请求内容无法解析"), "{p}");
    // A field that breaks its rule: named, with the rule, in Chinese.
    let res = zh
        .put(&url)
        .header("x-csrf-token", &csrf)
        .json(&json!({ "name": "张伟", "mobile": "1234" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["field"], "mobile");
    assert!(p["detail"].as_str().unwrap().starts_with("手机号："), "{p}");
    // The same in English for a user who chose English.
    let en = app.login("agent_en").await;
    let csrf_en = app.csrf(&en).await;
    let p: Value = en
        .put(&url)
        .header("x-csrf-token", &csrf_en)
        .json(&json!({ "name": "张伟", "mobile": "1234" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(p["detail"].as_str().unwrap().starts_with("Mobile: "), "{p}");
    // The form shows the message beside the form, keeps what was typed, and stores nothing.
    let res = zh
        .post(app.at(&format!("/customers/{}/edit", app.fx.customer_a)))
        .form(&[("name", "张伟"), ("mobile", "1234"), ("address", "新地址"), ("_csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("手机号："));
    assert!(html.contains("新地址"), "what the user typed is kept");
    let mobile: String = sqlx::query_scalar("SELECT mobile FROM customers WHERE id = $1")
        .bind(app.fx.customer_a.0)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(mobile, "13800138000");
    // Unknown routes.
    assert_eq!(zh.get(app.at("/no/such/page")).send().await.unwrap().status(), 404);
    let res = zh.get(app.at("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    // An id that does not exist.
    assert_eq!(zh.get(app.at("/api/v1/customers/999999")).send().await.unwrap().status(), 404);
});

on_both!(personal_data_is_masked_for_roles_that_do_not_need_it, |backend| async move {
    let app = TestApp::start(backend).await;
    let url = app.at(&format!("/api/v1/customers/{}", app.fx.customer_a));
    let admin: Value = get_json(&app.login("admin").await, url.clone()).await;
    assert_eq!(admin["mobile"], "138****8000");
    let agent: Value = get_json(&app.login("agent_a").await, url.clone()).await;
    assert_eq!(agent["mobile"], "13800138000");
    let page = app
        .login("admin")
        .await
        .get(app.at(&format!("/customers/{}", app.fx.customer_a)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("138****8000") && !page.contains("13800138000"));
});

on_both!(language_is_a_per_user_choice, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.login("agent_a").await;
    let html = client.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("今日工作") && html.contains(r#"<html lang="zh-CN">"#));
    let csrf = csrf_in(&html).unwrap();
    let res =
        client.post(app.at("/me/locale")).form(&[("locale", "en"), ("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let html = client.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Customers") && html.contains(r#"<html lang="en">"#));
    let locale: String = sqlx::query_scalar("SELECT locale FROM users WHERE username = 'agent_a'")
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    assert_eq!(locale, "en");
    // Another user still sees Chinese.
    let other = app.login("agent_b").await.get(app.at("/")).send().await.unwrap().text().await.unwrap();
    assert!(other.contains("今日工作"));
});

on_both!(admins_manage_users_and_branches_and_read_the_audit_log, |backend| async move {
    let app = TestApp::start(backend).await;
    let admin = app.login("admin").await;
    let csrf = app.csrf(&admin).await;
    let store_a = app.fx.store_a.to_string();
    // A weak password is refused with the rule named.
    let res = admin
        .post(app.at("/admin/users/new"))
        .form(&[
            ("username", "wang.li"),
            ("display_name", "王力"),
            ("password", "short"),
            ("roles", "agent"),
            ("branches", &store_a),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("密码至少 10 个字符"));
    let res = admin
        .post(app.at("/admin/users/new"))
        .form(&[
            ("username", "wang.li"),
            ("display_name", "王力"),
            ("password", "Fuwu-diyi-2026"),
            ("roles", "agent"),
            ("roles", "supervisor"),
            ("branches", &store_a),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let user = kefu_accounts::users::credentials(&app.db, "wang.li").await.unwrap().unwrap();
    assert!(user.password_hash.starts_with("$argon2id$"));
    assert_eq!(user.user.roles.len(), 2);
    let new_user = app.client();
    assert_eq!(app.try_login(&new_user, "wang.li", "Fuwu-diyi-2026").await.status(), 303);

    let res = admin
        .post(app.at("/admin/branches"))
        .form(&[
            ("parent_id", app.fx.group.to_string().as_str()),
            ("code", "TC"),
            ("name", "丙店"),
            ("kind", "store"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let dup = admin
        .post(app.at("/admin/branches"))
        .form(&[
            ("parent_id", app.fx.group.to_string().as_str()),
            ("code", "TC"),
            ("name", "丙店二"),
            ("kind", "store"),
            ("_csrf", &csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), 422);
    assert!(dup.text().await.unwrap().contains("编码：已被使用"));

    let audit = admin.get(app.at("/admin/audit?entity=user")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("wang.li"), "the new account appears in the audit log");
    assert_eq!(app.audit_count("branch", "create").await, 4, "three fixture branches and 丙店");
    // Agents may not read the audit log.
    assert_eq!(app.login("agent_a").await.get(app.at("/admin/audit")).send().await.unwrap().status(), 403);
});

on_both!(health_metrics_and_openapi_are_served, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.client();
    assert_eq!(client.get(app.at("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    client.get(app.at("/login")).send().await.unwrap();
    let metrics = client.get(app.at("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"kefu_http_requests_total{method="GET",route="/login",status="200"} 1"#), "{metrics}");
    let doc: Value = get_json(&client, app.at("/api/v1/openapi.json")).await;
    for path in ["/api/v1/me", "/api/v1/customers", "/api/v1/customers/{id}"] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
    // Every API route in the route table is in the document.
    for spec in kefu_web::specs().iter().filter(|s| s.path.starts_with("/api/v1/") && s.path != "/api/v1/openapi.json")
    {
        let method = spec.method.as_str().to_lowercase();
        assert!(doc["paths"][spec.path][&method].is_object(), "{} {} is documented", spec.method, spec.path);
    }
});

on_both!(invented_methods_and_paths_add_no_metrics_series, |backend| async move {
    let app = TestApp::start(backend).await;
    let client = app.client();
    let series = |text: &str| text.lines().filter(|l| !l.starts_with('#')).count();
    let flood = |round: usize| {
        let client = client.clone();
        let app_url = app.url.clone();
        async move {
            for i in 0..40 {
                let invented = axum::http::Method::from_bytes(format!("X{round}{i}{}", "Q".repeat(200)).as_bytes());
                client.request(invented.unwrap(), format!("{app_url}/")).send().await.unwrap();
                client.request(reqwest::Method::PATCH, format!("{app_url}/login")).send().await.unwrap();
                client.get(format!("{app_url}/no-such-page-{round}-{i}")).send().await.unwrap();
                client.post(format!("{app_url}/api/v1/no-such-{round}-{i}")).send().await.unwrap();
            }
        }
    };
    flood(1).await;
    let scrape = || async { client.get(app.at("/metrics")).send().await.unwrap().text().await.unwrap() };
    // A scrape's own series appear from the next scrape on.
    scrape().await;
    let before = scrape().await;
    flood(2).await;
    let after = scrape().await;
    assert!(!after.contains("QQQ") && !after.contains("no-such"), "no invented name is a label:\n{after}");
    assert!(after.contains(r#"method="other",route="/""#), "{after}");
    assert!(after.contains(r#"route="unmatched""#), "{after}");
    assert_eq!(series(&before), series(&after), "new names added no series");
    assert!(after.len() < 64 * 1024, "{} bytes", after.len());
});

on_both!(a_metrics_token_guards_metrics, |backend: Backend| async move {
    use support::process::{START, Work};
    let work = Work::empty(backend).await;
    std::fs::write(work.path("kefu.toml"), "metrics_token = \"scrape-2026-secret\"\n").unwrap();
    let server = work.serve(&["--bind", "127.0.0.1:0"], START).await;
    let client = reqwest::Client::new();
    for token in [None, Some("wrong")] {
        let mut req = client.get(server.at("/metrics"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        assert_eq!(req.send().await.unwrap().status(), 401, "token {token:?}");
    }
    let res = client.get(server.at("/metrics")).bearer_auth("scrape-2026-secret").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("kefu_http_requests"));
});

on_both!(a_deactivated_account_is_refused_at_once_by_session_and_token, |backend| async move {
    use kefu_accounts::{tokens, users};
    use kefu_core::{Actor, Lang, Role, Scope};
    let app = TestApp::start(backend).await;
    let everyone = Actor::system(Scope::new(vec![app.fx.group, app.fx.store_a, app.fx.store_b]));
    let id_of = |name: &'static str| {
        let db = app.db.clone();
        async move { users::credentials(&db, name).await.unwrap().unwrap().user.id }
    };
    let (admin, agent) = (id_of("admin").await, id_of("agent_a").await);
    let admin_token = tokens::issue(&app.db, &everyone, admin, "admin script").await.unwrap();
    let agent_token = tokens::issue(&app.db, &everyone, agent, "agent script").await.unwrap();
    let session = app.login("agent_a").await;
    let api = reqwest::Client::new();
    let with_token = |token: &str, path: &str| api.get(app.at(path)).bearer_auth(token).send();

    // The group's administrator acts on every store beneath the group.
    let me: Value = with_token(&admin_token, "/api/v1/me").await.unwrap().json().await.unwrap();
    let mut scope: Vec<i64> = vec![app.fx.group.0, app.fx.store_a.0, app.fx.store_b.0];
    scope.sort();
    assert_eq!(me["branches"], json!(scope));
    assert_eq!(me["roles"], json!(["admin"]));
    let b = format!("/api/v1/customers/{}", app.fx.customer_b.0);
    assert_eq!(with_token(&admin_token, &b).await.unwrap().status(), 200);
    // Store A's agent, by token and by session alike, sees store A only.
    let me: Value = with_token(&agent_token, "/api/v1/me").await.unwrap().json().await.unwrap();
    assert_eq!((me["username"].clone(), me["branches"].clone()), (json!("agent_a"), json!([app.fx.store_a.0])));
    assert_eq!(with_token(&agent_token, &b).await.unwrap().status(), 404);
    assert_eq!(session.get(app.at("/api/v1/me")).send().await.unwrap().status(), 200);

    let edit = users::UserEdit {
        display_name: "甲店客服".into(),
        roles: vec![Role::Agent],
        branches: vec![app.fx.store_a],
        active: false,
        locale: Lang::Zh,
    };
    users::update(&app.db, &everyone, agent, edit).await.unwrap();
    assert_eq!(
        with_token(&agent_token, "/api/v1/me").await.unwrap().status(),
        401,
        "the token of a deactivated account"
    );
    assert_eq!(session.get(app.at("/api/v1/me")).send().await.unwrap().status(), 401, "its open session");
    assert_eq!(with_token(&admin_token, "/api/v1/me").await.unwrap().status(), 200, "other accounts go on");
    assert_eq!(with_token(&format!("{admin_token}x"), "/api/v1/me").await.unwrap().status(), 401);
});

on_both!(a_users_scope_covers_the_branches_beneath_theirs_at_any_depth, |backend| async move {
    use kefu_accounts::branches::{self, NewBranch};
    use kefu_accounts::users;
    use kefu_core::{Actor, Scope};
    let app = TestApp::start(backend).await;
    let fx = &app.fx;
    let nobody = Actor::system(Scope::new(vec![]));
    let branch = |code: &str, parent| NewBranch {
        parent_id: parent,
        code: code.into(),
        name: code.into(),
        kind: if parent.is_some() { "store".into() } else { "group".into() },
        ..Default::default()
    };
    let beneath_a =
        branches::create(&app.db, &Actor::system(Scope::new(vec![fx.store_a])), branch("TA1", Some(fx.store_a)))
            .await
            .unwrap()
            .id;
    let other_group = branches::create(&app.db, &nobody, branch("OG", None)).await.unwrap().id;
    let scope_of = |name: &'static str| {
        let db = app.db.clone();
        async move {
            let id = users::credentials(&db, name).await.unwrap().unwrap().user.id;
            users::actor_of(&db, id).await.unwrap().unwrap().scope.branches().to_vec()
        }
    };
    let mut expected = vec![fx.store_a, beneath_a];
    expected.sort();
    assert_eq!(scope_of("manager_a").await, expected, "store A and the branch beneath it, not store B");
    let mut expected = vec![fx.group, fx.store_a, fx.store_b, beneath_a];
    expected.sort();
    assert_eq!(scope_of("admin").await, expected, "the group, its stores and theirs");
    assert!(!scope_of("admin").await.contains(&other_group), "no other group");
});
