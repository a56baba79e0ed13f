//! Signing in and out, and the language switch.

use crate::cookies;
use crate::error::AppError;
use crate::extract::FormBody;
use crate::guard::{Ctx, SESSION_COOKIE, same};
use crate::i18n::t;
use crate::lang::{LANG_COOKIE, request_lang};
use crate::redirect::local_path;
use crate::render::public_page;
use crate::state::AppState;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use kefu_accounts::{password, sessions, throttle, users};
use kefu_core::Lang;
use kefu_store::Change;

use serde::Deserialize;
use std::net::SocketAddr;

/// The sign-in form is protected by a double-submit token: a random value in
/// a cookie that must come back in the form.
const LOGIN_CSRF_COOKIE: &str = "kefu_login_csrf";

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
    lang: Option<String>,
    reason: Option<String>,
}

pub async fn form(
    State(app): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Result<Response, AppError> {
    let mut jar = jar;
    let lang = match &q.lang {
        Some(l) => {
            let lang = Lang::parse(l);
            jar = jar.add(cookies::build(&app, &headers, LANG_COOKIE, lang.code().into()));
            lang
        }
        None => request_lang(&headers),
    };
    let error = match q.reason.as_deref() {
        Some("login_required") => Some(t(lang, "login_required")),
        _ => None,
    };
    login_page(&app, &headers, jar, lang, error, "", q.next.as_deref().unwrap_or("/"))
}

fn login_page(
    app: &AppState,
    headers: &HeaderMap,
    jar: CookieJar,
    lang: Lang,
    error: Option<String>,
    username: &str,
    next: &str,
) -> Result<Response, AppError> {
    let token = hex::encode(rand::random::<[u8; 16]>());
    let jar = jar.add(cookies::build(app, headers, LOGIN_CSRF_COOKIE, token.clone()));
    let html = public_page(
        app,
        lang,
        "login.html",
        view! { login_csrf => token, error => error, username => username, next => local_path(next) },
    )?;
    let status = if error.is_some() { axum::http::StatusCode::UNAUTHORIZED } else { axum::http::StatusCode::OK };
    Ok((status, jar, html).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn submit(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    jar: CookieJar,
    FormBody(f): FormBody<LoginForm>,
) -> Result<Response, AppError> {
    let lang = request_lang(&headers);
    let cookie_token = jar.get(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if cookie_token.is_empty() || !same(&cookie_token, &f.csrf) {
        return login_page(&app, &headers, jar, lang, Some(t(lang, "login_csrf")), &f.username, &f.next);
    }
    let db = app.db();
    let now = app.now();
    let ip = peer.ip().to_string();
    // Counted before the password is checked, so attempts sent at once
    // cannot all be checked while the first is still under way.
    let Some(attempt) = throttle::reserve(db, &f.username, &ip, now).await? else {
        let res = login_page(&app, &headers, jar, lang, Some(t(lang, "login_throttled")), &f.username, &f.next)?;
        let (mut parts, body) = res.into_parts();
        parts.status = axum::http::StatusCode::TOO_MANY_REQUESTS;
        return Ok(Response::from_parts(parts, body));
    };
    let creds = users::credentials(db, &f.username).await?;
    // Verify against a dummy hash when the user is unknown, so the answer
    // takes as long and does not reveal which usernames exist.
    let hash = creds.as_ref().map_or(password::dummy_hash(), |c| c.password_hash.as_str());
    let password_ok = password::verify(hash, &f.password);
    let user = match creds {
        Some(c) if password_ok && c.user.active => c.user,
        // The reserved attempt stays counted: it was a failure.
        _ => {
            return login_page(&app, &headers, jar, lang, Some(t(lang, "login_failed")), &f.username, &f.next);
        }
    };
    throttle::succeeded(db, &attempt).await?;
    // A fresh token on every sign-in: a session id planted before sign-in
    // never becomes a signed-in session.
    if let Some(old) = jar.get(SESSION_COOKIE) {
        sessions::end(db, old.value()).await?;
    }
    let session = sessions::create(db, user.id, now).await?;
    let actor = users::actor_of(db, user.id).await?.ok_or(AppError::Unauthenticated)?;
    let mut tx = db.begin().await?;
    tx.audit(
        &actor,
        Change {
            entity: "user",
            entity_id: user.id.to_string(),
            action: "login",
            branch: None,
            old: None,
            new: Some(serde_json::json!({ "ip": ip })),
        },
    )
    .await?;
    tx.commit().await?;
    let jar = jar
        .remove(cookies::removal(LOGIN_CSRF_COOKIE))
        .add(cookies::build(&app, &headers, SESSION_COOKIE, session.token))
        .add(cookies::build(&app, &headers, LANG_COOKIE, actor.lang.code().into()));
    Ok((jar, Redirect::to(local_path(&f.next))).into_response())
}

pub async fn logout(State(app): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response, AppError> {
    let db = app.db();
    if let Some(c) = jar.get(SESSION_COOKIE) {
        sessions::end(db, c.value()).await?;
    }
    let mut tx = db.begin().await?;
    tx.audit(
        &ctx.actor,
        Change {
            entity: "user",
            entity_id: ctx.actor.user_id.to_string(),
            action: "logout",
            branch: None,
            old: None,
            new: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((jar.remove(cookies::removal(SESSION_COOKIE)), Redirect::to("/login")).into_response())
}

#[derive(Deserialize)]
pub struct LocaleForm {
    locale: String,
}

/// The per-user language choice, kept on the account and in a cookie.
pub async fn set_locale(
    State(app): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    jar: CookieJar,
    FormBody(f): FormBody<LocaleForm>,
) -> Result<Response, AppError> {
    let lang = Lang::parse(&f.locale);
    users::set_locale(app.db(), &ctx.actor, lang).await?;
    let back = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string())))
        .unwrap_or_else(|| "/".into());
    let jar = jar.add(cookies::build(&app, &headers, LANG_COOKIE, lang.code().into()));
    Ok((jar, Redirect::to(local_path(&back))).into_response())
}
