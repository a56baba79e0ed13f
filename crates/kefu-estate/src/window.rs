//! A page of a long list (a building's houses, the day's visitors, the
//! register, repairs, a house's bills, the arrears): at most `limit` rows
//! from `offset` on, so that a list of an estate of any size renders in
//! the same time.

/// At most `limit` rows from `offset` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

impl Window {
    pub fn new(limit: i64, offset: i64) -> Window {
        Window { limit: limit.max(0), offset: offset.max(0) }
    }

    /// The clause that ends a statement's ORDER BY (numbers we hold, never
    /// user text).
    pub fn sql(self) -> String {
        format!(" LIMIT {} OFFSET {}", self.limit, self.offset)
    }
}
