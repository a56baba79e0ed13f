//! A page of a long list (the contracts and permits expiring, the books, a
//! month's bills, the accounts in arrears, the cases): the rows skipped and
//! the most shown, and the list's length in all, so a page can offer the
//! next one the way the customer list does.

/// `offset` rows skipped, at most `limit` returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
    /// Every row (a workbook's export, the API's full list).
    pub const ALL: Page = Page { offset: 0, limit: i64::MAX };

    /// The SQL that takes the page, after the query's ORDER BY.
    pub fn sql(self) -> String {
        format!(" LIMIT {} OFFSET {}", self.limit.max(0), self.offset.max(0))
    }

    /// The page of a list built in memory.
    pub fn of<T>(self, rows: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.offset.max(0)).unwrap_or(usize::MAX);
        let take = usize::try_from(self.limit.max(0)).unwrap_or(usize::MAX);
        rows.into_iter().skip(skip).take(take).collect()
    }
}

/// A page's rows and the number of rows in the whole list.
#[derive(Clone, Debug)]
pub struct Paged<T> {
    pub rows: Vec<T>,
    pub total: i64,
}

/// The list's length in all, from the page's rows' `COUNT(*) OVER () AS
/// total` (0 for a page past the end).
pub fn total_of(rows: &[sqlx::any::AnyRow]) -> Result<i64, kefu_store::Failure> {
    use kefu_store::RowExt;
    Ok(rows.first().map(|r| r.i64("total")).transpose()?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_a_list_in_memory() {
        let rows: Vec<i32> = (1..=7).collect();
        assert_eq!(Page { offset: 5, limit: 3 }.of(rows.clone()), [6, 7]);
        assert_eq!(Page::ALL.of(rows.clone()), rows);
        assert_eq!(Page { offset: -1, limit: 2 }.sql(), " LIMIT 2 OFFSET 0");
    }
}
