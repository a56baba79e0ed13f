//! Many rows in one statement: `INSERT … VALUES (…), (…), …` with as many
//! bind parameters as both databases take, for bulk loads. Each statement
//! is one round trip to the database instead of one per row, which is what
//! makes a 100,000-row import take seconds rather than minutes. On SQLite
//! an INSERT's rows are read from Rust's memory instead ([`insert_lent`]).

pub use crate::fetched::{fetch, fetch_in};
use crate::{Result, Tx, lent_rows};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Executor};

/// SQLite allows 32,766 bind parameters per statement (PostgreSQL 65,535);
/// staying under both keeps one statement shape for both.
pub(crate) const MAX_BINDS: usize = 30_000;

/// One value to bind.
#[derive(Debug, Clone)]
pub enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Cell {
    fn from(v: i64) -> Cell {
        Cell::Int(Some(v))
    }
}

impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Cell {
        Cell::Int(v)
    }
}

impl From<bool> for Cell {
    /// Flags are 0/1 in both databases.
    fn from(v: bool) -> Cell {
        Cell::Int(Some(i64::from(v)))
    }
}

impl From<String> for Cell {
    fn from(v: String) -> Cell {
        Cell::Text(Some(v))
    }
}

impl From<&str> for Cell {
    fn from(v: &str) -> Cell {
        Cell::Text(Some(v.to_string()))
    }
}

impl From<Option<&str>> for Cell {
    fn from(v: Option<&str>) -> Cell {
        Cell::Text(v.map(str::to_string))
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Cell {
        Cell::Text(v)
    }
}

/// Inserts `rows` (each as many cells as `columns`) into `table`, as few
/// statements as the bind limit allows. `tail` follows the VALUES list
/// (`ON CONFLICT DO NOTHING`, `RETURNING id, vin`); the rows any RETURNING
/// clause gives back are returned, in no promised order.
pub async fn insert(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Cell>>,
    tail: &str,
) -> Result<Vec<AnyRow>> {
    let columns_list = columns.join(", ");
    if Placeholders::of(conn) == Placeholders::Positional {
        return insert_lent(conn, table, &columns_list, columns.len(), rows, tail).await;
    }
    with_values(conn, &format!("INSERT INTO {table} ({columns_list}) VALUES {{values}} {tail}"), columns.len(), rows)
        .await
}

/// [`insert`] for a caller that needs only how many rows went in (an `ON
/// CONFLICT … DO NOTHING` tail leaves some out): on SQLite no row comes
/// back through the driver, which costs more than writing it. `tail` has
/// no RETURNING clause.
pub async fn insert_counted(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Cell>>,
    tail: &str,
) -> Result<u64> {
    let columns_list = columns.join(", ");
    if Placeholders::of(conn) == Placeholders::Positional {
        let lent = lent_rows::lend(rows);
        let sql = lent_insert_sql(table, &columns_list, columns.len(), tail);
        let done = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(lent.batch()).execute(&mut *conn).await;
        free_aside(lent);
        return Ok(done?.rows_affected());
    }
    let sql = format!("INSERT INTO {table} ({columns_list}) VALUES {{values}} {tail} RETURNING 1");
    Ok(with_values(conn, &sql, columns.len(), rows).await?.len() as u64)
}

/// [`insert`], running `meanwhile` on this thread while the database
/// writes the rows: the work for the next statement (its rows, their
/// search keys) is done while this one runs on the database's thread (or
/// server) instead of after it, so a bulk load keeps both busy.
pub async fn insert_while<T>(
    conn: &mut AnyConnection,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Cell>>,
    tail: &str,
    meanwhile: impl FnOnce() -> T,
) -> (Result<Vec<AnyRow>>, T) {
    // `join!` polls the insert first, which hands the statement to the
    // database and waits; the work then runs before the wait is resumed.
    tokio::join!(insert(conn, table, columns, rows, tail), async { meanwhile() })
}

/// [`insert`] into a table whose primary key is `columns`, in that order,
/// when `tx` commits if it is a bulk transaction on SQLite (at once in
/// any other). Until then the rows wait in a temporary table; at the
/// commit they go in sorted by the key, every row of the transaction in
/// one pass along the index. Inserted batch by batch, each batch's rows
/// land all over an index that grows with every batch: an import's 3.2
/// million search keys took 3.4 s that way and 1.5 s sorted, the sort
/// included. The rows are not in `table` before the commit, so only a
/// table the transaction does not read back may be given.
pub async fn insert_at_commit(tx: &mut Tx, table: &str, columns: &[&str], rows: Vec<Vec<Cell>>) -> Result<()> {
    let Some(deferred) = tx.deferred.as_mut() else {
        insert(tx.conn(), table, columns, rows, "").await?;
        return Ok(());
    };
    let staging = format!("kefu_deferred_{table}");
    let width = columns.len();
    let columns = columns.join(", ");
    if !deferred.iter().any(|d| d.table == table) {
        deferred.push(Deferred { table: table.to_string(), columns: columns.clone() });
        tx.conn().execute(AssertSqlSafe(format!("CREATE TEMP TABLE {staging} ({columns})"))).await?;
    }
    insert_lent(tx.conn(), &format!("temp.{staging}"), &columns, width, rows, "").await?;
    Ok(())
}

/// A table whose rows wait for the commit: see [`insert_at_commit`].
pub(crate) struct Deferred {
    table: String,
    columns: String,
}

impl Deferred {
    /// Moves the waiting rows into the table, in the order of its key.
    pub(crate) async fn insert(self, conn: &mut AnyConnection) -> Result<()> {
        let Deferred { table, columns } = self;
        let staging = format!("temp.kefu_deferred_{table}");
        conn.execute(AssertSqlSafe(format!(
            "INSERT OR FAIL INTO {table} ({columns}) SELECT {columns} FROM {staging} ORDER BY {columns}; \
             DROP TABLE {staging}"
        )))
        .await?;
        Ok(())
    }
}

/// SQLite's way to [`insert`]: the rows are lent to the `kefu_rows`
/// table-valued function, which hands SQLite each value from Rust's
/// memory as it inserts (see [`crate::lent_rows`]): one statement, no
/// binding and no parsing per value.
///
/// `OR FAIL`: a refused row stops the statement and leaves the rows before
/// it, where the default (`ABORT`) takes them back. Taking them back needs
/// a statement journal, a copy of every page the statement changes that
/// the transaction had changed already: a 200,000-row import wrote 2.7 GB
/// of it to a temporary file (663,000 page writes, seen with strace).
/// Callers end their transaction on any error, which takes back the
/// whole statement anyway.
async fn insert_lent(
    conn: &mut AnyConnection,
    table: &str,
    columns: &str,
    width: usize,
    rows: Vec<Vec<Cell>>,
    tail: &str,
) -> Result<Vec<AnyRow>> {
    let sql = lent_insert_sql(table, columns, width, tail);
    let lent = lent_rows::lend(rows);
    let returned = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(lent.batch()).fetch_all(&mut *conn).await;
    free_aside(lent);
    Ok(returned?)
}

/// The statement that inserts the rows lent to `kefu_rows`, `width` to a row.
fn lent_insert_sql(table: &str, columns: &str, width: usize, tail: &str) -> String {
    let picks: Vec<String> = (0..width).map(|i| format!("c{i}")).collect();
    // `WHERE true` keeps SQLite from reading an ON CONFLICT tail as a join's ON.
    format!("INSERT OR FAIL INTO {table} ({columns}) SELECT {} FROM kefu_rows(?) WHERE true {tail}", picks.join(", "))
}

/// Freeing a large batch's strings takes as long as SQLite took to write
/// them; done aside, the caller's next statement need not wait.
fn free_aside(lent: lent_rows::Lent) {
    tokio::task::spawn_blocking(move || drop(lent));
}

/// Runs `template` with `{values}` replaced by a VALUES list of `rows` (each
/// `width` cells), as few statements as the bind limit allows. Both
/// databases name the columns of a bare VALUES list `column1`, `column2`…,
/// so `UPDATE t SET a = v.column2 FROM (VALUES {values}) AS v WHERE t.id =
/// v.column1` updates many rows at once in both.
pub async fn with_values(
    conn: &mut AnyConnection,
    template: &str,
    width: usize,
    rows: Vec<Vec<Cell>>,
) -> Result<Vec<AnyRow>> {
    let per_statement = (MAX_BINDS / width.max(1)).max(1);
    let style = Placeholders::of(conn);
    let mut returned = Vec::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_statement).collect();
        let sql = template.replacen("{values}", &values_list(style, width, chunk.len()), 1);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for cell in chunk.into_iter().flatten() {
            query = match cell {
                Cell::Int(v) => query.bind(v),
                Cell::Text(v) => query.bind(v),
            };
        }
        returned.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(returned)
}

/// Runs `{head} IN ($1, $2, …) {tail}` for all `values`, as few
/// statements as the bind limit allows, and collects the rows: the lookups a
/// bulk load makes to find what is already stored.
pub async fn select_in(conn: &mut AnyConnection, head: &str, values: Vec<Cell>, tail: &str) -> Result<Vec<AnyRow>> {
    let style = Placeholders::of(conn);
    let mut found = Vec::new();
    for chunk in values.chunks(MAX_BINDS) {
        let sql = format!("{head} IN {} {tail}", values_list(style, chunk.len(), 1));
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for cell in chunk {
            query = match cell.clone() {
                Cell::Int(v) => query.bind(v),
                Cell::Text(v) => query.bind(v),
            };
        }
        found.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// How parameters are written. SQLite looks up a numbered or named
/// parameter (`$7`) in a list, one by one, when it parses and binds, so a
/// statement with thousands of them takes quadratic time; plain `?` are
/// bound by position. PostgreSQL only knows `$1`, `$2`…
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placeholders {
    Positional,
    Numbered,
}

impl Placeholders {
    fn of(conn: &AnyConnection) -> Placeholders {
        if conn.backend_name() == "SQLite" { Placeholders::Positional } else { Placeholders::Numbered }
    }
}

fn values_list(style: Placeholders, width: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 8);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            match style {
                Placeholders::Positional => sql.push('?'),
                Placeholders::Numbered => {
                    sql.push('$');
                    sql.push_str(&(r * width + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A SQLite database of its own in a new directory, for one test.
    async fn scratch(name: &str) -> (crate::Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("kefu-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = crate::Db::connect(&format!("sqlite://{}", dir.join("kefu.db").display())).await.unwrap();
        (db, dir)
    }

    async fn done(db: crate::Db, dir: std::path::PathBuf) {
        db.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn placeholders_follow_the_rows() {
        assert_eq!(values_list(Placeholders::Numbered, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(values_list(Placeholders::Positional, 2, 2), "(?, ?), (?, ?)");
    }

    /// Rows lent to SQLite arrive with the types and text they had: numbers
    /// as INTEGER, strings as TEXT (Chinese, quotes, backslashes, empty),
    /// missing values as NULL; and a RETURNING tail gives rows back.
    #[tokio::test]
    async fn lent_rows_arrive_as_they_were() {
        let (db, dir) = scratch("lent").await;
        let mut conn = db.write_pool().acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)").execute(&mut *conn).await.unwrap();
        let rows = vec![
            vec![Cell::from(1), Cell::from("引号\"和\\"), Cell::from(i64::MAX)],
            vec![Cell::from(2), Cell::from(""), Cell::Int(None)],
            vec![Cell::from(3), Cell::Text(None), Cell::from(-7)],
        ];
        let returned = insert(&mut conn, "t", &["id", "name", "n"], rows, "RETURNING id").await.unwrap();
        assert_eq!(returned.len(), 3);
        // id, name, n and the types SQLite stored them with.
        type Stored = (i64, Option<String>, Option<i64>, String, String);
        let stored: Vec<Stored> = sqlx::query_as("SELECT id, name, n, typeof(name), typeof(n) FROM t ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let expect = vec![
            (1, Some("引号\"和\\".to_string()), Some(i64::MAX), "text".to_string(), "integer".to_string()),
            (2, Some(String::new()), None, "text".to_string(), "null".to_string()),
            (3, None, Some(-7), "null".to_string(), "integer".to_string()),
        ];
        assert_eq!(stored, expect);
        drop(conn);
        done(db, dir).await;
    }

    /// A counted insert says how many rows went in: those a conflict left
    /// out (one already stored, a repeat within the rows) are not counted.
    #[tokio::test]
    async fn a_counted_insert_counts_only_the_rows_that_went_in() {
        let (db, dir) = scratch("counted").await;
        let mut conn = db.write_pool().acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)").execute(&mut *conn).await.unwrap();
        sqlx::query("INSERT INTO t VALUES ('甲', 1)").execute(&mut *conn).await.unwrap();
        let rows = vec![
            vec![Cell::from("甲"), Cell::from(2)],
            vec![Cell::from("乙"), Cell::from(3)],
            vec![Cell::from("乙"), Cell::from(4)],
            vec![Cell::from("丙"), Cell::from(5)],
        ];
        let added = insert_counted(&mut conn, "t", &["k", "n"], rows, "ON CONFLICT (k) DO NOTHING").await.unwrap();
        assert_eq!(added, 2);
        let stored: Vec<(String, i64)> =
            sqlx::query_as("SELECT k, n FROM t ORDER BY n").fetch_all(&mut *conn).await.unwrap();
        assert_eq!(stored, [("甲".into(), 1), ("乙".into(), 3), ("丙".into(), 5)]);
        drop(conn);
        done(db, dir).await;
    }

    /// Rows read through `kefu_keep` come back as SQLite holds them —
    /// integers, text (Chinese, quotes, empty), NULLs — with the
    /// statement's binds applied, and a lookup of more keys than one
    /// statement binds finds every row; a column read as the wrong type
    /// is an error naming it, never a silent default.
    #[tokio::test]
    async fn rows_fetched_arrive_as_they_were_stored() {
        use crate::RowExt;
        let (db, dir) = scratch("kept").await;
        let mut conn = db.write_pool().acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)").execute(&mut *conn).await.unwrap();
        let rows: Vec<Vec<Cell>> = (1..=MAX_BINDS as i64 + 5)
            .map(|id| match id {
                1 => vec![Cell::from(1), Cell::from("引号\"和\\"), Cell::from(i64::MAX)],
                2 => vec![Cell::from(2), Cell::from(""), Cell::Int(None)],
                3 => vec![Cell::from(3), Cell::Text(None), Cell::from(-7)],
                id => vec![Cell::from(id), Cell::from(format!("第{id}行")), Cell::from(id * 2)],
            })
            .collect();
        insert(&mut conn, "t", &["id", "name", "n"], rows, "").await.unwrap();

        let few =
            fetch(&mut conn, "SELECT id, name, n AS doubled FROM t WHERE id <= $1", &[Cell::from(4)]).await.unwrap();
        let mut got: Vec<(i64, Option<String>, Option<i64>)> = few
            .iter()
            .map(|r| (r.i64("id").unwrap(), r.opt_text("name").unwrap(), r.opt_i64("doubled").unwrap()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (1, Some("引号\"和\\".to_string()), Some(i64::MAX)),
                (2, Some(String::new()), None),
                (3, None, Some(-7)),
                (4, Some("第4行".to_string()), Some(8)),
            ]
        );
        let row = few.iter().find(|r| r.i64("id").unwrap() == 2).unwrap();
        assert!(row.text("name").is_ok());
        assert!(row.i64("name").unwrap_err().to_string().contains("name"), "a text read as a number names its column");
        assert!(row.i64("doubled").is_err(), "a NULL read as a number is refused");
        assert!(row.i64("nowhere").is_err());

        let keys: Vec<Cell> = (1..=MAX_BINDS as i64 + 5).rev().map(Cell::from).collect();
        let all = fetch_in(&mut conn, "SELECT id, n FROM t WHERE id", &keys, "").await.unwrap();
        assert_eq!(all.len(), MAX_BINDS + 5);
        let sum: i64 = all.iter().map(|r| r.i64("id").unwrap()).sum();
        let n = MAX_BINDS as i64 + 5;
        assert_eq!(sum, n * (n + 1) / 2);
        let last = all.iter().find(|r| r.i64("id").unwrap() == n).unwrap();
        assert_eq!(last.i64("n").unwrap(), n * 2);
        assert!(fetch(&mut conn, "SELECT id FROM t WHERE id < 0", &[]).await.unwrap().is_empty());
        drop(conn);
        done(db, dir).await;
    }
}
