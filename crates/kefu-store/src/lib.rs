//! The database: one [`Db`] over SQLite (the embedded default) and PostgreSQL
//! (for scale), the schema migrations for both, write transactions that carry
//! their audit records, and the audit log itself.
//!
//! Queries are written once in the SQL both dialects share (`$1` placeholders,
//! `RETURNING`, TEXT dates and instants, BIGINT money in fen) and run through
//! sqlx's `Any` driver; the few places where the dialects differ ask
//! [`Db::backend`].

mod audit;
pub mod bulk;
mod bulk_load;
mod db;
mod failure;
mod fetched;
mod kept_rows;
mod lent_rows;
mod migrate;
mod row;

pub use audit::{AuditEntry, AuditFilter, Change, last_audit_id, list_audit};
pub use bulk_load::Rows;
pub use db::{Backend, Db, Tx};
pub use failure::Failure;
pub use fetched::{Fetched, FetchedRow};
pub use migrate::{MIGRATIONS, Migration};
pub use row::RowExt;
pub use sqlx;

/// Errors from the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    #[error("a write transaction was committed without an audit record")]
    Unaudited,
    #[error("migration {version} ({name}) failed: {source}")]
    Migration { version: i64, name: &'static str, source: sqlx::Error },
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// True when the error is a unique-constraint violation, which callers
    /// turn into "already exists" (or, for idempotent jobs, into "done").
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
