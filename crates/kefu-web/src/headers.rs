//! The headers every answer carries, whatever produced it (a page, the API,
//! an error, a file): the browser may not frame it, guess its type, run
//! scripts or load styles from anywhere but here, or pass our addresses
//! (a survey link holds its token) to other sites; and nothing is kept in a
//! cache unless the answer says it may be (the stylesheet and script).

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The pages are server-rendered with their script and styles in
/// /static; charts are inline SVG drawn without style attributes.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn harden(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    // Chromium shows a PDF in a viewer inside the document the PDF answer
    // makes, which a policy refusing scripts and objects would leave blank.
    let pdf = headers.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"application/pdf"));
    if !pdf {
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    }
    let fixed: [(HeaderName, &str); 3] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // Pages and API answers hold personal data: no copy on the disk of a
    // shared office computer, none served back by a proxy.
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    res
}
