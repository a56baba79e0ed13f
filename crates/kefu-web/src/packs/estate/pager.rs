//! The estate pages' long lists a page at a time, as the customer list
//! does: 50 rows, "previous" and "next" links that keep the page's other
//! parameters. A page asks for one row more than it shows, so it knows
//! whether a next page exists without counting the whole list.

use kefu_estate::window::Window;
use serde_json::Value;

/// Rows a page shows.
pub const PAGE: i64 = 50;

/// The window to read for the page starting at `offset`: one row more
/// than is shown.
pub fn window(offset: i64) -> Window {
    Window::new(PAGE + 1, offset)
}

/// Cuts `rows` (read through [`window`]) to the page and returns the
/// pager's links: `base` is the page's address with its other parameters
/// (`/estate/repairs?status=open&`), `param` the offset's name.
pub fn pager<T>(rows: &mut Vec<T>, offset: i64, base: &str, param: &str) -> Value {
    let offset = offset.max(0);
    let more = rows.len() as i64 > PAGE;
    rows.truncate(PAGE as usize);
    let link = |o: i64| format!("{base}{param}={o}");
    view! {
        prev => (offset > 0).then(|| link((offset - PAGE).max(0))),
        next => more.then(|| link(offset + PAGE)),
    }
}
