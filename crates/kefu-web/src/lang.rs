//! Which language a request is answered in: the signed-in user's choice
//! (remembered in a cookie for the pages before sign-in), else Chinese, the
//! default — whatever language the browser itself was installed in.

use axum::http::HeaderMap;
use kefu_core::Lang;

pub const LANG_COOKIE: &str = "kefu_lang";

pub fn request_lang(headers: &HeaderMap) -> Lang {
    let jar = axum_extra::extract::CookieJar::from_headers(headers);
    if let Some(c) = jar.get(LANG_COOKIE) {
        return Lang::parse(c.value());
    }
    Lang::default()
}
