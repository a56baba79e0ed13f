//! The cookies kefu sets: always HttpOnly and SameSite=Lax; Secure as the
//! configuration and the request's transport allow.

use crate::state::{AppState, CookieSecurity};
use axum::http::HeaderMap;
use axum::http::header;
use axum_extra::extract::cookie::{Cookie, SameSite};

pub fn build(app: &AppState, headers: &HeaderMap, name: &'static str, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(secure(app.0.config.cookie_security, headers));
    c
}

/// A cookie that tells the browser to forget `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::from(name);
    c.set_path("/");
    c
}

fn secure(mode: CookieSecurity, headers: &HeaderMap) -> bool {
    match mode {
        CookieSecurity::Always => true,
        CookieSecurity::Never => false,
        CookieSecurity::Auto => {
            let via_tls = headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");
            // Browsers treat loopback as a secure context and keep Secure
            // cookies there even over plain HTTP.
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
            via_tls || matches!(host, "localhost" | "127.0.0.1" | "[::1]")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(host: &str, proto: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(p) = proto {
            h.insert("x-forwarded-proto", p.parse().unwrap());
        }
        h
    }

    #[test]
    fn auto_is_secure_behind_tls_and_on_loopback_but_not_on_plain_lan_http() {
        assert!(secure(CookieSecurity::Auto, &headers("kefu.example.cn", Some("https"))));
        assert!(secure(CookieSecurity::Auto, &headers("127.0.0.1:8080", None)));
        assert!(secure(CookieSecurity::Auto, &headers("localhost:8080", None)));
        assert!(!secure(CookieSecurity::Auto, &headers("kefu-server:8080", None)));
        assert!(secure(CookieSecurity::Always, &headers("kefu-server:8080", None)));
    }
}
