//! Reading typed values out of `Any` rows with errors that name the column.

use sqlx::Row;
use sqlx::any::AnyRow;

pub trait RowExt {
    fn i64(&self, col: &str) -> crate::Result<i64>;
    fn opt_i64(&self, col: &str) -> crate::Result<Option<i64>>;
    fn text(&self, col: &str) -> crate::Result<String>;
    fn opt_text(&self, col: &str) -> crate::Result<Option<String>>;
    fn flag(&self, col: &str) -> crate::Result<bool>;
}

impl RowExt for AnyRow {
    fn i64(&self, col: &str) -> crate::Result<i64> {
        Ok(self.try_get::<i64, _>(col)?)
    }
    fn opt_i64(&self, col: &str) -> crate::Result<Option<i64>> {
        Ok(self.try_get::<Option<i64>, _>(col)?)
    }
    fn text(&self, col: &str) -> crate::Result<String> {
        Ok(self.try_get::<String, _>(col)?)
    }
    fn opt_text(&self, col: &str) -> crate::Result<Option<String>> {
        Ok(self.try_get::<Option<String>, _>(col)?)
    }
    /// Booleans are stored as 0/1 integers in both databases.
    fn flag(&self, col: &str) -> crate::Result<bool> {
        Ok(self.i64(col)? != 0)
    }
}
