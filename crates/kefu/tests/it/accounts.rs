//! Staff accounts under attack, on SQLite and PostgreSQL: who may
//! administer whom (generated from the role table), sign-in attempts sent
//! in parallel against the throttle, and where a sign-in may send the
//! browser afterwards.

use crate::support;

use kefu_accounts::users::{self, NewUser};
use kefu_core::ids::{BranchId, UserId};
use kefu_core::{Actor, Lang, Permission, Role, Scope};
use support::{Backend, PASSWORD, TestApp, csrf_in};

async fn account(app: &TestApp, username: String, roles: Vec<Role>, branches: Vec<BranchId>) -> UserId {
    let fx = &app.fx;
    let all = Actor::system(Scope::new(vec![fx.group, fx.store_a, fx.store_b]));
    let new =
        NewUser {
            username, display_name: "员工".into(), password: PASSWORD.into(), roles, branches, locale: Lang::Zh
        };
    users::create(&app.db, &all, new).await.unwrap().id
}

/// The account's roles and password hash as stored.
async fn stored(app: &TestApp, id: UserId) -> (Vec<Role>, String) {
    let user = users::get(&app.db, id).await.unwrap();
    let hash = users::credentials(&app.db, &user.username).await.unwrap().unwrap().password_hash;
    (user.roles, hash)
}

/// Posts the account form: these roles and branches, or the password form.
async fn edit(
    app: &TestApp,
    (client, csrf): (&reqwest::Client, &str),
    id: UserId,
    roles: &[Role],
    branches: &[BranchId],
) -> u16 {
    let mut form = vec![("display_name".to_string(), "员工".to_string()), ("active".into(), "1".into())];
    form.extend(roles.iter().map(|r| ("roles".to_string(), r.code().to_string())));
    form.extend(branches.iter().map(|b| ("branches".to_string(), b.to_string())));
    form.push(("_csrf".into(), csrf.to_string()));
    client.post(app.at(&format!("/admin/users/{id}"))).form(&form).send().await.unwrap().status().as_u16()
}

async fn reset(app: &TestApp, (client, csrf): (&reqwest::Client, &str), id: UserId) -> u16 {
    let form = [("password", "Neues-Kennwort-2026"), ("_csrf", csrf)];
    let res = client.post(app.at(&format!("/admin/users/{id}/password"))).form(&form).send().await.unwrap();
    res.status().as_u16()
}

/// Refused as outside the actor's scope (403, or 404 where records outside
/// the scope are answered as missing).
fn outside(status: u16) -> bool {
    status == 403 || status == 404
}

on_both!(account_administration_follows_the_role_table, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let (a, b) = (app.fx.store_a, app.fx.store_b);
    // An agent of both stores: taking them over would open store B.
    let both = account(&app, "agent_ab".into(), vec![Role::Agent], vec![a, b]).await;
    let both_before = stored(&app, both).await;
    let store_a = a.to_string();
    let mut checked = 0;
    for boss in Role::ALL.into_iter().filter(|r| r.permissions().contains(&Permission::UsersManage)) {
        let name = format!("boss.{}", boss.code());
        let me = account(&app, name.clone(), vec![boss], vec![a]).await;
        let (client, csrf) = app.signed_in(&name).await;
        let session = (&client, csrf.as_str());
        for role in Role::ALL {
            // Nobody grants a role above their own: a manager makes no administrator.
            let may = role.rank() <= boss.rank();
            let username = format!("new.{}.{}", boss.code(), role.code());
            let form = [
                ("username", username.as_str()),
                ("display_name", "新员工"),
                ("password", "Fuwu-diyi-2026"),
                ("roles", role.code()),
                ("branches", &store_a),
                ("_csrf", &csrf),
            ];
            let res = client.post(app.at("/admin/users/new")).form(&form).send().await.unwrap();
            assert_eq!(res.status(), if may { 303 } else { 422 }, "{boss:?} creates a {role:?}");
            let agent =
                account(&app, format!("agent.{}.{}", boss.code(), role.code()), vec![Role::Agent], vec![a]).await;
            assert_eq!(
                edit(&app, session, agent, &[role], &[a]).await,
                if may { 303 } else { 422 },
                "{boss:?} grants {role:?}"
            );
            assert_eq!(stored(&app, agent).await.0, if may { vec![role] } else { vec![Role::Agent] });
            // Nor administers an account that holds a role above their own.
            let holder = account(&app, format!("holder.{}.{}", boss.code(), role.code()), vec![role], vec![a]).await;
            let before = stored(&app, holder).await.1;
            assert_eq!(reset(&app, session, holder).await, if may { 200 } else { 422 }, "{boss:?} resets a {role:?}");
            assert_eq!(stored(&app, holder).await.1 != before, may);
            checked += 1;
        }
        // An account that also belongs to another store is not theirs: no
        // edit, no new password, no new role.
        assert!(outside(edit(&app, session, both, &[Role::Agent], &[a]).await), "{boss:?} edits agent_ab");
        assert!(outside(edit(&app, session, both, &[Role::Manager], &[a]).await), "{boss:?} promotes agent_ab");
        assert!(outside(reset(&app, session, both).await), "{boss:?} resets agent_ab");
        assert_eq!(stored(&app, both).await, both_before, "agent_ab is unchanged");
        // Nor can they give a branch outside their scope.
        let agent = account(&app, format!("agent.{}.scope", boss.code()), vec![Role::Agent], vec![a]).await;
        assert!(outside(edit(&app, session, agent, &[Role::Agent], &[a, b]).await), "{boss:?} gives store B");
        assert_eq!(users::get(&app.db, agent).await.unwrap().branches, vec![a]);
        // Nobody changes their own roles; their name they may.
        assert_eq!(edit(&app, session, me, &[boss, Role::Agent], &[a]).await, 422, "{boss:?} adds to their own roles");
        assert_eq!(edit(&app, session, me, &[boss], &[a]).await, 303, "{boss:?} keeps their roles");
        assert_eq!(stored(&app, me).await.0, vec![boss]);
    }
    assert!(checked >= 8, "every role was tried by every role that manages accounts ({checked})");
    // The group's administrator, whose scope holds both stores, may.
    let admin = app.signed_in("admin").await;
    assert_eq!(reset(&app, (&admin.0, &admin.1), both).await, 200);
    assert_eq!(edit(&app, (&admin.0, &admin.1), both, &[Role::Supervisor], &[a, b]).await, 303);
    assert_eq!(stored(&app, both).await.0, vec![Role::Supervisor]);
});

on_both!(parallel_wrong_passwords_are_checked_at_most_five_times, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    // 20 browsers, each with its sign-in form, send a wrong password at once.
    let mut attempts = tokio::task::JoinSet::new();
    let mut forms = Vec::new();
    for _ in 0..20 {
        let client = app.client();
        let page = client.get(app.at("/login")).send().await.unwrap().text().await.unwrap();
        forms.push((client, csrf_in(&page).unwrap()));
    }
    for (client, csrf) in forms {
        let url = app.at("/login");
        attempts.spawn(async move {
            let form = [("username", "agent_a"), ("password", "not-the-password-9"), ("_csrf", &csrf), ("next", "/")];
            client.post(url).form(&form).send().await.unwrap().status().as_u16()
        });
    }
    let mut statuses = attempts.join_all().await;
    statuses.sort();
    // A 401 is a password checked and found wrong; a 429 was refused unchecked.
    let checked = statuses.iter().filter(|s| **s == 401).count() as i64;
    assert_eq!(checked, kefu_accounts::throttle::MAX_PER_USERNAME, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    // The right password is refused for the rest of the window.
    assert_eq!(app.try_login(&app.client(), "agent_a", PASSWORD).await.status(), 429);
    // After it, the right password works.
    app.clock.set(support::start_instant() + kefu_accounts::throttle::WINDOW + jiff::SignedDuration::from_secs(1));
    assert_eq!(app.try_login(&app.client(), "agent_a", PASSWORD).await.status(), 303);
});

on_both!(sign_in_sends_the_browser_only_to_paths_of_this_application, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let hostile = [
        "/%09/evil.example/x",
        "/\t/evil.example/x",
        "/\n/evil.example/x",
        "/x\r\nSet-Cookie: kefu_session=planted",
        "//evil.example/x",
        "/\\evil.example/x",
        "/%5Cevil.example/x",
        "/%2F%2Fevil.example/x",
        "https://evil.example/x",
        "javascript:alert(1)",
        "customers",
    ];
    let cases = hostile.iter().map(|h| (*h, "/")).chain([("/customers?q=%E5%BC%A0", "/customers?q=%E5%BC%A0")]);
    for (next, lands) in cases {
        let client = app.client();
        let page = client.get(app.at("/login")).query(&[("next", next)]).send().await.unwrap();
        assert_eq!(page.status(), 200, "{next:?}");
        let page = page.text().await.unwrap();
        assert!(!page.contains("evil.example"), "the form does not carry {next:?} on");
        let csrf = csrf_in(&page).unwrap();
        let form = [("username", "agent_a"), ("password", PASSWORD), ("_csrf", &csrf), ("next", next)];
        let res = client.post(app.at("/login")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 303, "{next:?}");
        assert_eq!(res.headers()["location"], lands, "{next:?}");
    }
    // The language switch goes back to the page it came from, on this site only.
    let (client, csrf) = app.signed_in("agent_a").await;
    for (referer, lands) in
        [("http://evil.example//evil.example/x", "/"), ("http://kefu.local/customers", "/customers")]
    {
        let res = client
            .post(app.at("/me/locale"))
            .header("referer", referer)
            .form(&[("locale", "en"), ("_csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, lands), "{referer}");
    }
});
