//! The message a page shows once after a form was saved. Every form that
//! succeeds answers with a redirect (post, redirect, get); the guard then
//! sets a short-lived cookie naming the message, and the page the browser
//! is sent to shows it in the layout and clears the cookie. One mechanism
//! for every form: a handler only says something when it has more to say
//! than "saved", by putting a `Flash` in its response's extensions.

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use axum_extra::extract::CookieJar;
use kefu_core::Lang;

pub const FLASH_COOKIE: &str = "kefu_flash";
/// Long enough to follow the redirect, short enough not to greet a later page.
const LIFETIME_SECONDS: i64 = 60;
/// What a form that saved says unless its handler says more.
const SAVED: &str = "flash_saved";

/// A message from the catalog (its key begins `flash_`), with the number
/// that fills its `{n}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    key: String,
    n: Option<i64>,
}

impl Flash {
    pub fn new(key: &'static str, n: Option<i64>) -> Flash {
        Flash { key: key.to_string(), n }
    }

    fn cookie_value(&self) -> String {
        match self.n {
            Some(n) => format!("{}.{n}", self.key),
            None => self.key.clone(),
        }
    }

    /// The cookie comes from the browser: only a known message is shown.
    fn parse(value: &str) -> Option<Flash> {
        let (key, n) = match value.split_once('.') {
            Some((key, n)) => (key, Some(n.parse().ok()?)),
            None => (value, None),
        };
        let known = key.starts_with("flash_") && crate::i18n::catalog(Lang::Zh).contains_key(key);
        known.then(|| Flash { key: key.to_string(), n })
    }

    /// The text in the user's language.
    pub fn text(&self, lang: Lang) -> String {
        let text = crate::i18n::t(lang, &self.key);
        match self.n {
            Some(n) => text.replace("{n}", &n.to_string()),
            None => text,
        }
    }
}

/// The message the request brings to show, if any.
pub fn incoming(headers: &axum::http::HeaderMap) -> Option<Flash> {
    CookieJar::from_headers(headers).get(FLASH_COOKIE).and_then(|c| Flash::parse(c.value()))
}

/// After a signed-in request: a form post that saved (it redirects, and not
/// to the sign-in page) leaves its message for the next page; a page that
/// was shown takes the message away.
pub fn settle(res: &mut Response, method: &Method, from_form: bool, had_message: bool) {
    let redirected = res.status() == StatusCode::SEE_OTHER;
    let to_login =
        res.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()).is_some_and(|l| l.starts_with("/login"));
    let cookie = if *method == Method::POST && from_form && redirected && !to_login {
        let flash = res.extensions().get::<Flash>().cloned().unwrap_or_else(|| Flash::new(SAVED, None));
        format!("{FLASH_COOKIE}={}; Max-Age={LIFETIME_SECONDS}", flash.cookie_value())
    } else if had_message && res.status().is_success() {
        format!("{FLASH_COOKIE}=; Max-Age=0")
    } else {
        return;
    };
    // The value is a catalog key and a number: nothing to escape.
    if let Ok(v) = HeaderValue::from_str(&format!("{cookie}; Path=/; HttpOnly; SameSite=Lax")) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_messages_come_back_from_the_cookie() {
        assert_eq!(Flash::parse("flash_saved"), Some(Flash::new("flash_saved", None)));
        assert_eq!(Flash::parse("flash_outreach_ran.3"), Some(Flash::new("flash_outreach_ran", Some(3))));
        assert_eq!(Flash::parse("flash_outreach_ran.x"), None);
        assert_eq!(Flash::parse("today_title"), None, "not a flash message");
        assert_eq!(Flash::parse("flash_<script>"), None);
        assert_eq!(Flash::new("flash_outreach_ran", Some(0)).text(Lang::En), "Outreach run: 0 new tasks.");
    }
}
