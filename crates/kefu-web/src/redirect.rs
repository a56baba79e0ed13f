//! Where a browser is sent when the target came from the request — the
//! sign-in's `next`, the page a language switch was made on. Only a path of
//! this application is followed; anything else goes to the start page, so
//! kefu's sign-in never sends anyone off-site (no open redirect).

use axum::http::Uri;

/// `target` when it is a path of this application, else "/". Refused: what
/// does not parse as a bare path (a scheme or a host), `//` at the start
/// (another host to a browser), backslashes (browsers read them as
/// slashes) and control characters (browsers drop tabs and line breaks, so
/// `/\t/evil.example` becomes `//evil.example`; a line break is no header
/// value at all) — in the text as given and once percent-decoded.
pub(crate) fn local_path(target: &str) -> &str {
    let parsed = target.parse::<Uri>().is_ok_and(|u| u.scheme().is_none() && u.authority().is_none());
    if parsed && target.starts_with('/') && !hostile(target.as_bytes()) && !hostile(&percent_decoded(target)) {
        target
    } else {
        "/"
    }
}

fn hostile(path: &[u8]) -> bool {
    path.starts_with(b"//") || path.iter().any(|b| *b == b'\\' || b.is_ascii_control())
}

/// The bytes `%XX` escapes stand for; other text as it is.
fn percent_decoded(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match escaped.filter(|_| bytes[i] == b'%').and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) => {
                out.push(b);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_of_this_application_are_followed() {
        for ok in ["/", "/customers", "/customers/12?tab=points&x=%E5%BC%A0"] {
            assert_eq!(local_path(ok), ok);
        }
        for hostile in [
            "",
            "customers",
            "//evil.example/x",
            "/\\evil.example/x",
            "\\\\evil.example",
            "/%09/evil.example/x",
            "/\t/evil.example/x",
            "/%0a/evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/a%5cb",
            "/%00",
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            " /customers",
        ] {
            assert_eq!(local_path(hostile), "/", "{hostile:?}");
        }
    }
}
