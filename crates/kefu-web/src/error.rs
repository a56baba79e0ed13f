//! Failures become responses in one place: problem+json for the API, a page
//! with the message for the browser, both in the user's language.

use crate::i18n::{field_label, t};
use crate::lang::request_lang;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::{Invalid, Lang};
use kefu_store::Failure;

#[derive(Debug, Clone)]
pub enum AppError {
    /// 401: no session, an expired one, or a bad token.
    Unauthenticated,
    /// 403: the role lacks the permission.
    Forbidden,
    /// 403: the form's CSRF token is missing or wrong.
    Csrf,
    /// 404: no such record — or one outside the user's branches, answered
    /// the same so that nobody learns which ids exist in other stores.
    NotFound,
    /// 409: someone else got there first.
    Conflict(kefu_core::Rule),
    /// 422: a field broke a rule.
    Invalid(Invalid),
    /// 422: the body could not be parsed (malformed JSON, a bad form).
    BadRequest(String),
    /// 4xx: axum refused the request before a handler ran — a query, path
    /// or body that does not parse, a method the route does not have —
    /// with its own status and explanation (which names the field).
    Rejected(StatusCode, String),
    Throttled,
    Internal(String),
}

impl From<Failure> for AppError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Invalid(i) => AppError::Invalid(i),
            Failure::NotFound => AppError::NotFound,
            Failure::Conflict(rule) => AppError::Conflict(rule),
            Failure::OutOfScope(_) => AppError::NotFound,
            Failure::Store(e) => AppError::from(e),
        }
    }
}

impl From<kefu_store::StoreError> for AppError {
    fn from(e: kefu_store::StoreError) -> Self {
        if refused_text(&e) {
            return AppError::BadRequest("text must not contain the NUL character (\\0)".into());
        }
        AppError::Internal(e.to_string())
    }
}

/// PostgreSQL cannot store the NUL character in text and says so as
/// SQLSTATE 22021; that is the request's fault, whichever field held it.
fn refused_text(e: &kefu_store::StoreError) -> bool {
    match e {
        kefu_store::StoreError::Sql(sqlx::Error::Database(db)) => db.code().as_deref() == Some("22021"),
        _ => false,
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> Self {
        AppError::Internal(format!("template: {e:#}"))
    }
}

impl AppError {
    /// A body that could not be read: 413 when it was over its size limit
    /// (whichever extractor or the guard found it), else 422 with the reason.
    pub fn body(status: StatusCode, reason: String) -> AppError {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::Rejected(status, reason)
        } else {
            AppError::BadRequest(reason)
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Invalid(_) | AppError::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Rejected(status, _) => *status,
            AppError::Throttled => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Invalid(_) => "invalid",
            AppError::BadRequest(_) | AppError::Rejected(..) => "bad_request",
            AppError::Throttled => "throttled",
            AppError::Internal(_) => "internal",
        }
    }

    /// The sentence a user reads.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::Unauthenticated => t(lang, "error_unauthenticated"),
            AppError::Forbidden => t(lang, "error_forbidden"),
            AppError::Csrf => t(lang, "error_csrf"),
            AppError::NotFound => t(lang, "error_not_found"),
            AppError::Conflict(rule) => rule.message(lang).to_string(),
            AppError::Invalid(i) => i.message(lang, &field_label(lang, &i.field)),
            AppError::BadRequest(detail) => format!("{}: {detail}", t(lang, "error_bad_request")),
            AppError::Rejected(StatusCode::METHOD_NOT_ALLOWED, _) => t(lang, "error_method_not_allowed"),
            AppError::Rejected(StatusCode::PAYLOAD_TOO_LARGE, _) => t(lang, "error_too_large"),
            AppError::Rejected(status, detail) if detail.is_empty() => {
                format!("{} ({status})", t(lang, "error_bad_request"))
            }
            AppError::Rejected(_, detail) => format!("{}: {detail}", t(lang, "error_bad_request")),
            AppError::Throttled => t(lang, "error_throttled"),
            AppError::Internal(_) => t(lang, "error_internal"),
        }
    }
}

impl IntoResponse for AppError {
    /// The response carries the error itself; [`render`] turns it into a
    /// page or a problem document once it knows the request.
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self);
        res
    }
}

/// Middleware: renders every [`AppError`] (and axum's bare 404 fallback) for
/// the request it answers.
pub async fn render(req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let api = req.uri().path().starts_with("/api/");
    let path_and_query = req.uri().path_and_query().map(|p| p.to_string()).unwrap_or_default();
    let res = next.run(req).await;
    let (res, err) = match res.extensions().get::<AppError>().cloned() {
        Some(err) => (res, err),
        None if is_rejection(&res) => rejection(res).await,
        None => return res,
    };
    // A signed-in request knows its user's language better than the cookie.
    let lang = res.extensions().get::<Lang>().copied().unwrap_or(lang);
    if let AppError::Internal(detail) = &err {
        tracing::error!(%detail, "internal error");
    }
    if api {
        with_headers(problem(&err, lang), &res)
    } else if matches!(err, AppError::Unauthenticated) {
        let next = urlencode(&path_and_query);
        Redirect::to(&format!("/login?next={next}&reason=login_required")).into_response()
    } else {
        with_headers(error_page(&err, lang), &res)
    }
}

/// An answer axum gave on its own (a plain-text 4xx from an extractor, or
/// an empty 405), which users should read like any other error.
fn is_rejection(res: &Response) -> bool {
    let plain = match res.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(v) => v.to_str().is_ok_and(|v| v.starts_with("text/plain")),
    };
    res.status().is_client_error() && plain
}

async fn rejection(res: Response) -> (Response, AppError) {
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let err = AppError::Rejected(parts.status, String::from_utf8_lossy(&text).trim().to_string());
    (Response::from_parts(parts, axum::body::Body::empty()), err)
}

/// Keeps what the original answer said beyond its body (`Allow` on a 405).
fn with_headers(mut rendered: Response, original: &Response) -> Response {
    if let Some(allow) = original.headers().get(header::ALLOW) {
        rendered.headers_mut().insert(header::ALLOW, allow.clone());
    }
    rendered
}

fn problem(err: &AppError, lang: Lang) -> Response {
    let invalid = match err {
        AppError::Invalid(i) => Some(i),
        _ => None,
    };
    // A refusal names its rule too, so clients can tell refusals apart.
    let rule = match err {
        AppError::Invalid(i) => Some(i.rule.code),
        AppError::Conflict(r) => Some(r.code),
        _ => None,
    };
    let body = crate::api::Problem {
        r#type: format!("urn:kefu:error:{}", err.code()),
        title: err.code().to_string(),
        status: err.status().as_u16(),
        detail: err.message(lang),
        field: invalid.map(|i| i.field.clone()),
        rule: rule.map(str::to_string),
    };
    let json = serde_json::to_string(&body).unwrap_or_default();
    (err.status(), [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
}

fn error_page(err: &AppError, lang: Lang) -> Response {
    let title = t(lang, "error_title");
    let msg = minijinja::HtmlEscape(&err.message(lang)).to_string();
    let home = t(lang, "back_home");
    let html = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/static/app.css\"></head><body class=\"error-page\"><main>\
         <h1>{title}</h1><p class=\"error\" role=\"alert\">{msg}</p><p><a href=\"/\">{home}</a></p></main></body></html>",
        lang.code()
    );
    (err.status(), Html(html)).into_response()
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The fallback for unknown routes.
pub async fn not_found() -> AppError {
    AppError::NotFound
}
