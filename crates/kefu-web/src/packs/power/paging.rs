//! The pack's long lists a page at a time, as the customer list pages: the
//! query's `offset` (garbage reads as the first page) and the links to the
//! page before and after, keeping the list's other query fields.

use kefu_power::paging::Page;
use serde::Deserialize;
use serde_json::Value;

/// Which page of a list: a page's `?offset=`, or the API's.
#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct OffsetQuery {
    /// The page's first row, counted from 0 (the API answers at most 1,000
    /// rows a request).
    #[serde(default)]
    pub offset: String,
}

/// Rows a page.
pub const PAGE: i64 = 50;

/// The page asked for by the query's `offset` text.
pub fn page(offset: &str) -> Page {
    // Past a billion rows is past any list's end, and far from overflowing.
    Page { offset: offset.trim().parse::<i64>().unwrap_or(0).clamp(0, 1_000_000_000), limit: PAGE }
}

/// The pager under a list: `path` with its other query fields, the page
/// shown and the list's length in all.
pub fn pager(path: &str, query: &[(&str, String)], page: Page, shown: usize, total: i64) -> Value {
    let href = |offset: i64| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.iter().filter(|(_, v)| !v.is_empty()) {
            q.append_pair(k, v);
        }
        q.append_pair("offset", &offset.to_string());
        format!("{path}?{}", q.finish())
    };
    let end = page.offset + shown as i64;
    view! {
        from => if shown == 0 { 0 } else { page.offset + 1 }, to => end, total => total,
        prev => (page.offset > 0).then(|| href((page.offset - page.limit).max(0))),
        next => (end < total).then(|| href(end)),
    }
}
