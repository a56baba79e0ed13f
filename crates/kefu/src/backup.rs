//! `kefu backup FILE`: a consistent copy of the live SQLite database, taken
//! with `VACUUM INTO` (a snapshot read that does not stop writers).

use crate::config::Settings;
use anyhow::{Context, bail};
use kefu_store::{Backend, Db};
use sqlx::Connection;
use std::path::Path;

pub async fn run(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    // Back up only a database that exists: without `mode=rw` a mistyped
    // path would create an empty database and copy that.
    let url = &settings.database;
    let url = if url.starts_with("sqlite:") && !url.contains("mode=") {
        format!("{url}{}mode=rw", if url.contains('?') { '&' } else { '?' })
    } else {
        url.clone()
    };
    let db = Db::connect(&url)
        .await
        .with_context(|| format!("opening the database {}", crate::serve::redact(&settings.database)))?;
    if db.backend() == Backend::Postgres {
        bail!(
            "kefu backup copies SQLite databases. For PostgreSQL use pg_dump, e.g.\n  \
             pg_dump --format=custom --file=kefu.dump \"$DATABASE_URL\"\nand restore with pg_restore."
        );
    }
    let rows = copy(&db, file).await?;
    println!("备份完成 / backup written: {} ({} customers)", file.display(), rows);
    Ok(())
}

/// Writes the copy and checks it opens and passes SQLite's integrity check;
/// returns the number of customers in the copy.
pub async fn copy(db: &Db, file: &Path) -> anyhow::Result<i64> {
    if file.exists() {
        bail!("{} already exists; choose a new file name", file.display());
    }
    let target = file.to_str().context("the backup path must be valid UTF-8")?;
    sqlx::query("VACUUM INTO $1").bind(target.to_string()).execute(db.pool()).await.context("copying the database")?;
    // The copy is a single file in rollback-journal mode. It is checked over
    // a plain read-only connection: `Db::connect` would switch it to WAL,
    // which a read-only connection cannot do. The URL needs an absolute path
    // (a relative one would be read as a host name) with `%`, `?` and `#`
    // escaped.
    let absolute = std::path::absolute(file)?;
    let path = absolute.to_str().context("the backup path must be valid UTF-8")?;
    let url = format!("sqlite://{}?mode=ro", path.replace('%', "%25").replace('?', "%3F").replace('#', "%23"));
    let mut copy = sqlx::AnyConnection::connect(&url).await.context("opening the copy")?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut copy).await?;
    if check != "ok" {
        bail!("the copy failed SQLite's integrity check: {check}");
    }
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(&mut copy).await?;
    copy.close().await?;
    Ok(customers)
}
