//! The one gate every route passes through: who is asking (session cookie or
//! API token), may their role do this (the permission table in kefu-core),
//! and — for form posts made with a session — is the CSRF token right. The
//! actor it admits carries the branch scope that every capability query
//! takes, so a record outside the user's branches cannot be read or changed.

use crate::error::AppError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use kefu_accounts::{sessions, tokens, users};
use kefu_core::{Actor, Permission};

pub const SESSION_COOKIE: &str = "kefu_session";
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (sign-in page, health, static files).
    Public,
    /// A signed-in user whose role has the permission.
    Signed(Permission),
}

/// The signed-in request: the actor, and the CSRF token to put in forms
/// (None when the caller used an API token).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub csrf: Option<String>,
    /// What the last form saved, shown once by the layout.
    pub flash: Option<crate::flash::Flash>,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("handler of a public route asked for a signed-in user".into()))
    }
}

pub async fn guard(State((app, access)): State<(AppState, Access)>, req: Request, next: Next) -> Response {
    let Access::Signed(permission) = access else {
        return next.run(req).await;
    };
    match admit(&app, permission, req).await {
        Ok((req, lang)) => {
            let method = req.method().clone();
            let (from_form, had_message) =
                req.extensions().get::<Ctx>().map_or((false, false), |c| (c.csrf.is_some(), c.flash.is_some()));
            let mut res = next.run(req).await;
            crate::flash::settle(&mut res, &method, from_form, had_message);
            res.extensions_mut().insert(lang);
            res
        }
        Err(e) => e.into_response(),
    }
}

async fn admit(app: &AppState, permission: Permission, req: Request) -> Result<(Request, kefu_core::Lang), AppError> {
    let db = app.db();
    let now = app.now();
    let flash = crate::flash::incoming(req.headers());
    let (actor, csrf) = if let Some(token) = bearer(req.headers()) {
        (tokens::actor_for(db, token).await?, None)
    } else {
        let jar = CookieJar::from_headers(req.headers());
        let token = jar.get(SESSION_COOKIE).ok_or(AppError::Unauthenticated)?.value().to_string();
        let session = sessions::find(db, &token, now).await?.ok_or(AppError::Unauthenticated)?;
        sessions::touch(db, &session, now).await?;
        (users::actor_of(db, session.user_id).await?, Some(session.csrf_token))
    };
    // None: an unknown or revoked credential, or a deactivated account.
    let actor = actor.ok_or(AppError::Unauthenticated)?;
    if !actor.can(permission) {
        return Err(AppError::Forbidden);
    }
    let req = match &csrf {
        Some(expected) if !is_safe(req.method()) => check_csrf(req, expected).await?,
        _ => req,
    };
    let lang = actor.lang;
    let mut req = req;
    req.extensions_mut().insert(Ctx { actor, csrf, flash });
    Ok((req, lang))
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Largest body of an upload (an import file), and of any other request.
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// The token comes in a header (scripts, fetch) or as the `_csrf` field of
/// a urlencoded or multipart form (file uploads); the body is read and
/// handed on unchanged.
async fn check_csrf(req: Request, expected: &str) -> Result<Request, AppError> {
    if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if same(sent, expected) { Ok(req) } else { Err(AppError::Csrf) };
    }
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (limit, multipart) = if content_type.starts_with("application/x-www-form-urlencoded") {
        (BODY_LIMIT, false)
    } else if content_type.starts_with("multipart/form-data") {
        (UPLOAD_LIMIT, true)
    } else {
        return Err(AppError::Csrf);
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        let over = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        let status = if over { StatusCode::PAYLOAD_TOO_LARGE } else { StatusCode::UNPROCESSABLE_ENTITY };
        AppError::body(status, e.to_string())
    })?;
    let sent = if multipart {
        multipart_field(&content_type, &bytes, CSRF_FIELD).await
    } else {
        form_urlencoded::parse(&bytes).find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v.into_owned())
    };
    match sent {
        Some(sent) if same(&sent, expected) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(AppError::Csrf),
    }
}

/// The text of the field `name` of a multipart body, if it has one.
async fn multipart_field(content_type: &str, bytes: &axum::body::Bytes, name: &str) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let mut form = multer::Multipart::new(Body::from(bytes.clone()).into_data_stream(), boundary);
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            return field.text().await.ok();
        }
    }
    None
}

/// Compares without stopping at the first difference, so timing does not
/// reveal how much of a guess was right.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
