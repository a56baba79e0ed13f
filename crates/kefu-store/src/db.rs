use crate::audit::{self, Change};
use crate::{Result, StoreError};
use jiff::Timestamp;
use kefu_core::Actor;
use kefu_core::time::{Clock, SystemClock};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, AssertSqlSafe, Executor, Transaction};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database handle shared by the whole process.
///
/// SQLite allows one writer at a time; rather than let concurrent writers
/// collide and retry, writes go through a pool of one connection and so queue
/// in order, while reads use their own pool and, under WAL, never wait for a
/// writer. On PostgreSQL both pools are the same pool.
///
/// It carries the process's [`Clock`]: a transaction reads "now" from it
/// once, when it begins, so the capabilities never read the wall clock and
/// tests that set today see their day in every row written.
#[derive(Clone, Debug)]
pub struct Db {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
    clock: Arc<dyn Clock>,
}

impl Db {
    /// Opens (creating when needed) the database at `url` and applies every
    /// pending migration.
    pub async fn open(url: &str) -> Result<Db> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Db> {
        install_default_drivers();
        crate::lent_rows::install();
        if url.starts_with("sqlite:") {
            let url = sqlite_url_with_create(url);
            let read = sqlite_pool(&url, 8, READ_CACHE_KIB).await?;
            let write = sqlite_pool(&url, 1, WRITE_CACHE_KIB).await?;
            Ok(Db { backend: Backend::Sqlite, read, write, clock: Arc::new(SystemClock) })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool =
                AnyPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(30)).connect(url).await?;
            Ok(Db { backend: Backend::Postgres, read: pool.clone(), write: pool, clock: Arc::new(SystemClock) })
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    /// The same database with "now" read from `clock` (the real clock
    /// unless set: a test's clock, or the one the server was wired with).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Db {
        self.clock = clock;
        self
    }

    /// Now, by the database's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for reads.
    pub fn pool(&self) -> &AnyPool {
        &self.read
    }

    /// Begins a write transaction. Its [`Tx::commit`] refuses to commit
    /// unless the change was audited.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(Tx {
            inner: self.write.begin().await?,
            now: self.now(),
            audited: false,
            require_audit: true,
            deferred: None,
        })
    }

    /// Begins a write transaction for a bulk load (an import) whose rows
    /// refer only to rows it read or wrote in the same transaction (or read
    /// before it, when [`crate::last_audit_id`] shows nobody committed
    /// since). On
    /// SQLite the foreign-key lookups are skipped for it: they are most of
    /// an import's cost (every search key looks up its customer) and cannot
    /// fail for such rows, since SQLite lets no other writer in meanwhile and
    /// nothing deletes a customer. The setting cannot change inside a
    /// transaction, so it is made on the connection first, and the
    /// connection is closed afterwards instead of going back to the pool.
    /// For as long, its page cache may grow to 1 GB, so that a large file's
    /// changes stay in memory until the commit writes them once.
    pub async fn begin_bulk(&self) -> Result<Tx> {
        if self.backend != Backend::Sqlite {
            return self.begin().await;
        }
        let mut conn = self.write.acquire().await?;
        conn.close_on_drop();
        conn.execute("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1048576").await?;
        let inner = Transaction::begin(conn, None).await?;
        Ok(Tx { inner, now: self.now(), audited: false, require_audit: true, deferred: Some(Vec::new()) })
    }

    /// Begins a write transaction for bookkeeping that is not a change to
    /// anyone's records (sessions, login throttling counters, migrations).
    pub async fn begin_housekeeping(&self) -> Result<Tx> {
        Ok(Tx {
            inner: self.write.begin().await?,
            now: self.now(),
            audited: false,
            require_audit: false,
            deferred: None,
        })
    }

    /// Copies SQLite's write-ahead log back into the database file until
    /// the process ends, every quarter of a second, from a reader
    /// connection. Otherwise the write that takes the log past 1,000 pages
    /// does it, and that user waits while a large file is written and
    /// synced — the long tail of saving a repair order. A passive
    /// checkpoint never blocks the writer; kept short this way, the log
    /// never reaches the size at which a commit would checkpoint itself.
    /// PostgreSQL checkpoints on its own.
    pub async fn checkpoint_continuously(&self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&self.read).await {
                tracing::warn!(error = %e, "checkpointing the write-ahead log failed");
            }
        }
    }

    pub(crate) fn write_pool(&self) -> &AnyPool {
        &self.write
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// A write transaction that carries its audit records.
pub struct Tx {
    inner: Transaction<'static, Any>,
    /// The instant of the change, read from the clock when it began: the
    /// rows it writes and its audit record share it.
    now: Timestamp,
    audited: bool,
    require_audit: bool,
    /// In a bulk transaction on SQLite, the tables whose new rows wait in a
    /// temporary table until the commit ([`crate::bulk::insert_at_commit`]);
    /// `None` in any other transaction.
    pub(crate) deferred: Option<Vec<crate::bulk::Deferred>>,
}

impl Tx {
    /// The instant of this change (the database's clock when it began).
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The connection to run statements on.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.inner
    }

    /// Records who changed what, with the old and new values, in the same
    /// transaction as the change itself.
    pub async fn audit(&mut self, actor: &Actor, change: Change<'_>) -> Result<()> {
        audit::write(&mut self.inner, self.now, actor, change).await?;
        self.audited = true;
        Ok(())
    }

    /// `n` new ids of `table` (an auto-numbered `id`), for rows the caller
    /// inserts with their ids: a bulk insert then needs no RETURNING to
    /// learn them, and can write what refers to them in the same pass.
    pub async fn reserve_ids(&mut self, table: &str, n: usize) -> Result<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        if self.inner.backend_name() == "SQLite" {
            // The one write connection runs this transaction, so no one
            // else numbers rows until it ends; AUTOINCREMENT goes on after
            // the highest id ever used, which an explicit id raises too.
            let last: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0))"
            )))
            .fetch_one(&mut *self.inner)
            .await?;
            return Ok((last + 1..=last + n as i64).collect());
        }
        let ids = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, $1)"
        )))
        .bind(n as i64)
        .fetch_all(&mut *self.inner)
        .await?;
        Ok(ids)
    }

    /// Brings PostgreSQL's statistics of `tables` up to date inside the
    /// transaction (ANALYZE counts the transaction's own new rows). A bulk
    /// load that looks up what it already wrote needs them: planned for
    /// the empty tables it started with, each batch's lookup read every
    /// row written before it (quadratic: an import of 200,000 rows into
    /// an empty database never finished). SQLite's plans here do not rest
    /// on statistics.
    pub async fn analyze(&mut self, tables: &[&str]) -> Result<()> {
        if self.inner.backend_name() != "SQLite" {
            self.inner.execute(AssertSqlSafe(format!("ANALYZE {}", tables.join(", ")))).await?;
        }
        Ok(())
    }

    /// After adding `added` rows to `table`: on PostgreSQL, brings its
    /// statistics up to date at once when the rows grew it by a tenth or
    /// more. That is autovacuum's own threshold, but autovacuum acts on it
    /// a minute or more later, and the daily outreach run adds a day's
    /// tasks just before the agents read them. Planned from the statistics
    /// of the table as it was — empty, after an install or a bulk load —
    /// the call queue read and sorted every open call instead of the
    /// first page's: 110 ms a page instead of 3 at a million customers.
    pub async fn analyze_grown(&mut self, table: &str, added: u64) -> Result<()> {
        if self.inner.backend_name() == "SQLite" || added == 0 {
            return Ok(());
        }
        let known: i64 = sqlx::query_scalar(
            "SELECT CAST(GREATEST(reltuples, 0) AS BIGINT) FROM pg_class WHERE oid = to_regclass($1)",
        )
        .bind(table.to_string())
        .fetch_one(&mut *self.inner)
        .await?;
        if added.saturating_mul(10) >= known as u64 {
            self.analyze(&[table]).await?;
        }
        Ok(())
    }

    pub async fn commit(mut self) -> Result<()> {
        if self.require_audit && !self.audited {
            self.inner.rollback().await?;
            return Err(StoreError::Unaudited);
        }
        for deferred in self.deferred.take().unwrap_or_default() {
            deferred.insert(&mut self.inner).await?;
        }
        self.inner.commit().await?;
        Ok(())
    }
}

/// sqlx opens SQLite files read-write but does not create them unless asked.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// SQLite's page cache per connection, in KiB. The one writer gets a large
/// one: a bulk load's index inserts land all over the search index, and with
/// SQLite's default 2 MB each of them reads its page back from the file.
pub(crate) const WRITE_CACHE_KIB: i64 = 256 * 1024;
const READ_CACHE_KIB: i64 = 16 * 1024;

async fn sqlite_pool(url: &str, size: u32, cache_kib: i64) -> Result<AnyPool> {
    // A read-only connection (a backup being checked) cannot switch the
    // journal mode; it only needs the busy timeout.
    let pragmas = if url.contains("mode=ro") {
        "PRAGMA busy_timeout = 10000;"
    } else {
        // WAL lets readers work beside the one writer; NORMAL sync is
        // durable across process crashes under WAL; foreign keys are off by
        // default in SQLite and must be asked for.
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;"
    };
    Ok(AnyPoolOptions::new()
        .max_connections(size)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(pragmas).await?;
                // The cache grows only as pages are used.
                conn.execute(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{cache_kib}"))).await?;
                Ok(())
            })
        })
        .connect(url)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// While serving, what was committed reaches the database file itself
    /// within moments, not only its write-ahead log: the file alone, copied
    /// without the log, already holds the row.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_log_is_checkpointed_into_the_file_while_serving() {
        let dir = std::env::temp_dir().join(format!("kefu-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("kefu.db");
        let db = Db::connect(&format!("sqlite://{}", file.display())).await.unwrap();
        sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)").execute(db.write_pool()).await.unwrap();
        let background = tokio::spawn({
            let db = db.clone();
            async move { db.checkpoint_continuously().await }
        });
        sqlx::query("INSERT INTO notes (body) VALUES ('已提交')").execute(db.write_pool()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        background.abort();
        let copy = dir.join("copy.db");
        std::fs::copy(&file, &copy).unwrap();
        let alone = Db::connect(&format!("sqlite://{}?mode=ro", copy.display())).await.unwrap();
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM notes").fetch_optional(alone.pool()).await.unwrap_or(None);
        assert_eq!(body.as_deref(), Some("已提交"));
        db.close().await;
        alone.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
