//! A page of a month's bills (of a book, or every book in scope) for the
//! billing page, with the count and total of the whole month: the page
//! shows 50 bills where a station bills tens of thousands.

use kefu_core::{Money, Scope};
use kefu_store::{Db, Failure};

use super::store::{BILL_SELECT, Bill, bill_from};
use crate::paging::{Page, Paged};

/// The page's bills by account, the month's bills in all and their amount.
pub async fn bills_page(
    db: &Db,
    scope: &Scope,
    book: Option<i64>,
    month: &str,
    page: Page,
) -> Result<(Paged<Bill>, Money), Failure> {
    let filter = format!("b.month = $1 AND ($2 IS NULL OR b.book_id = $2) AND b.branch_id IN ({})", scope.sql_list());
    let sql = format!("{BILL_SELECT} WHERE {filter} ORDER BY a.account_no, b.id{}", page.sql());
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(month.to_string()).bind(book).fetch_all(db.pool()).await?;
    let totals =
        format!("SELECT COUNT(*), CAST(COALESCE(SUM(b.amount), 0) AS BIGINT) FROM power_bills b WHERE {filter}");
    let (count, fen): (i64, i64) =
        sqlx::query_as(sqlx::AssertSqlSafe(totals)).bind(month.to_string()).bind(book).fetch_one(db.pool()).await?;
    let rows = rows.iter().map(bill_from).collect::<Result<_, _>>()?;
    Ok((Paged { rows, total: count }, Money::from_fen(fen)))
}
