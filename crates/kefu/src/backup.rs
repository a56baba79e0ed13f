//! `kefu backup FILE`: a consistent copy of the live SQLite database, taken
//! with `VACUUM INTO` (a snapshot read that does not stop writers).

use crate::config::Settings;
use anyhow::{Context, bail};
use kefu_store::{Backend, Db};
use std::path::Path;

pub async fn run(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database).await?;
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
    let copy = Db::connect(&format!("sqlite://{target}?mode=ro")).await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(copy.pool()).await?;
    if check != "ok" {
        bail!("the copy failed SQLite's integrity check: {check}");
    }
    let customers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customers").fetch_one(copy.pool()).await?;
    copy.close().await;
    Ok(customers)
}
