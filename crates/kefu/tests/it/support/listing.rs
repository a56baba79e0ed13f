//! Reading a long list's page as a user does: the rows it shows, each
//! marked `data-{attr}="…"`, and where its pager leads.

use std::collections::BTreeSet;

/// A page's HTML, which must answer 200.
pub async fn html(client: &reqwest::Client, url: String) -> String {
    let res = client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.text().await.unwrap()
}

/// What a page lists in the rows marked `data-{attr}="…"`, in order.
pub fn marks(page: &str, attr: &str) -> Vec<String> {
    let mark = format!("data-{attr}=\"");
    page.split(&mark).skip(1).map(|rest| rest[..rest.find('"').unwrap()].to_string()).collect()
}

/// The ids a page lists in the rows marked `data-{attr}="…"`, in order.
pub fn ids(page: &str, attr: &str) -> Vec<i64> {
    marks(page, attr).iter().map(|m| m.parse().unwrap()).collect()
}

/// Where the pager's link `which` (prev | next) leads, if it is there, as
/// the browser reads it (the templates escape `/` and `&`).
pub fn link(page: &str, which: &str) -> Option<String> {
    let at = page.find(&format!("data-testid=\"pager-{which}\""))?;
    let href = &page[page[..at].rfind("href=\"")? + 6..];
    Some(href[..href.find('"')?].replace("&#x2f;", "/").replace("&amp;", "&"))
}

/// Every row of both pages, none twice, and in the list's order.
pub fn assert_all_once<T: Ord + std::fmt::Debug + Clone>(first: &[T], second: &[T], expected: &[T]) {
    let both: Vec<T> = first.iter().chain(second).cloned().collect();
    assert_eq!(both.iter().collect::<BTreeSet<_>>().len(), both.len(), "no row twice: {both:?}");
    assert_eq!(both, expected, "the two pages are the whole list, in its order");
}
