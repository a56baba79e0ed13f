//! Schema migrations for both databases, embedded in the binary and applied
//! on start.
//!
//! Each migration is one SQL file written in the dialect both databases
//! share; the few spellings that differ (`{{pk}}` for an auto-numbered key,
//! `{{text_c}}` for bytewise-ordered text, `{{without_rowid}}`, `{{blob}}`
//! for bytes, `{{string_agg}}` and `{{newline}}` to join text) are filled in
//! per backend. Migrations are append-only: a
//! released file is never edited, a change is a new file.

use crate::db::{Backend, Db};
use crate::{Result, StoreError};
use sqlx::{AssertSqlSafe, Executor};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts_and_audit",
        sql: include_str!("../migrations/0001_accounts_and_audit.sql"),
    },
    Migration { version: 2, name: "archives", sql: include_str!("../migrations/0002_archives.sql") },
    Migration { version: 3, name: "imports", sql: include_str!("../migrations/0003_imports.sql") },
    Migration { version: 4, name: "outreach", sql: include_str!("../migrations/0004_outreach.sql") },
    Migration { version: 5, name: "complaints", sql: include_str!("../migrations/0005_complaints.sql") },
    Migration { version: 6, name: "service", sql: include_str!("../migrations/0006_service.sql") },
    Migration { version: 7, name: "points", sql: include_str!("../migrations/0007_points.sql") },
    Migration { version: 9, name: "surveys", sql: include_str!("../migrations/0009_surveys.sql") },
    Migration { version: 11, name: "cases_and_members", sql: include_str!("../migrations/0011_cases_and_members.sql") },
    Migration {
        version: 12,
        name: "points_balance_index",
        sql: include_str!("../migrations/0012_points_balance_index.sql"),
    },
    Migration { version: 13, name: "open_calls_index", sql: include_str!("../migrations/0013_open_calls_index.sql") },
    Migration { version: 14, name: "search_key_sets", sql: include_str!("../migrations/0014_search_key_sets.sql") },
    Migration {
        version: 15,
        name: "customers_birthday_index",
        sql: include_str!("../migrations/0015_customers_birthday_index.sql"),
    },
    Migration {
        version: 16,
        name: "vin_keys_backwards",
        sql: include_str!("../migrations/0016_vin_keys_backwards.sql"),
    },
    Migration { version: 17, name: "login_attempts", sql: include_str!("../migrations/0017_login_attempts.sql") },
    Migration { version: 21, name: "visit_instants", sql: include_str!("../migrations/0021_visit_instants.sql") },
    Migration {
        version: 22,
        name: "settlement_payment",
        sql: include_str!("../migrations/0022_settlement_payment.sql"),
    },
    Migration { version: 30, name: "power_accounts", sql: include_str!("../migrations/0030_power_accounts.sql") },
    Migration {
        version: 31,
        name: "power_applications",
        sql: include_str!("../migrations/0031_power_applications.sql"),
    },
    Migration { version: 32, name: "power_outages", sql: include_str!("../migrations/0032_power_outages.sql") },
    Migration { version: 33, name: "power_training", sql: include_str!("../migrations/0033_power_training.sql") },
    Migration { version: 34, name: "power_cases", sql: include_str!("../migrations/0034_power_cases.sql") },
    Migration {
        version: 35,
        name: "power_meter_archive",
        sql: include_str!("../migrations/0035_power_meter_archive.sql"),
    },
    Migration { version: 36, name: "power_outage_late", sql: include_str!("../migrations/0036_power_outage_late.sql") },
    Migration { version: 37, name: "power_contracts", sql: include_str!("../migrations/0037_power_contracts.sql") },
    Migration {
        version: 38,
        name: "power_contract_checks",
        sql: include_str!("../migrations/0038_power_contract_checks.sql"),
    },
    Migration { version: 39, name: "power_tariffs", sql: include_str!("../migrations/0039_power_tariffs.sql") },
    Migration { version: 40, name: "power_readings", sql: include_str!("../migrations/0040_power_readings.sql") },
    Migration { version: 41, name: "power_bills", sql: include_str!("../migrations/0041_power_bills.sql") },
    Migration { version: 42, name: "power_payments", sql: include_str!("../migrations/0042_power_payments.sql") },
    Migration { version: 43, name: "power_collection", sql: include_str!("../migrations/0043_power_collection.sql") },
    Migration {
        version: 44,
        name: "power_factor_table",
        sql: include_str!("../migrations/0044_power_factor_table.sql"),
    },
    Migration {
        version: 45,
        name: "power_supply_meters",
        sql: include_str!("../migrations/0045_power_supply_meters.sql"),
    },
    Migration {
        version: 46,
        name: "power_indicator_targets",
        sql: include_str!("../migrations/0046_power_indicator_targets.sql"),
    },
    Migration { version: 47, name: "power_large_users", sql: include_str!("../migrations/0047_power_large_users.sql") },
    Migration { version: 50, name: "estate_archive", sql: include_str!("../migrations/0050_estate_archive.sql") },
    Migration { version: 51, name: "estate_visitors", sql: include_str!("../migrations/0051_estate_visitors.sql") },
    Migration { version: 52, name: "estate_fees", sql: include_str!("../migrations/0052_estate_fees.sql") },
    Migration {
        version: 53,
        name: "estate_completeness",
        sql: include_str!("../migrations/0053_estate_completeness.sql"),
    },
    Migration { version: 54, name: "estate_desk", sql: include_str!("../migrations/0054_estate_desk.sql") },
    Migration { version: 55, name: "estate_repairs", sql: include_str!("../migrations/0055_estate_repairs.sql") },
    Migration {
        version: 56,
        name: "complaint_measures",
        sql: include_str!("../migrations/0056_complaint_measures.sql"),
    },
    Migration {
        version: 57,
        name: "estate_opinion_visits",
        sql: include_str!("../migrations/0057_estate_opinion_visits.sql"),
    },
    Migration { version: 58, name: "estate_notices", sql: include_str!("../migrations/0058_estate_notices.sql") },
    Migration { version: 59, name: "estate_charges", sql: include_str!("../migrations/0059_estate_charges.sql") },
    Migration { version: 60, name: "estate_late_fees", sql: include_str!("../migrations/0060_estate_late_fees.sql") },
    Migration { version: 62, name: "wechat_openid", sql: include_str!("../migrations/0062_wechat_openid.sql") },
];

impl Migration {
    fn sql_for(&self, backend: Backend) -> String {
        let words: [(&str, &str); 6] = match backend {
            Backend::Sqlite => [
                ("{{pk}}", "INTEGER PRIMARY KEY AUTOINCREMENT"),
                // SQLite compares text bytewise already.
                ("{{text_c}}", "TEXT"),
                // A table that is all key is stored as its key's B-tree.
                ("{{without_rowid}}", " WITHOUT ROWID"),
                ("{{blob}}", "BLOB"),
                ("{{string_agg}}", "group_concat"),
                ("{{newline}}", "char(10)"),
            ],
            Backend::Postgres => [
                ("{{pk}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
                // Prefix searches are byte ranges; a linguistic collation
                // would order keys differently from the ranges we ask for.
                ("{{text_c}}", "TEXT COLLATE \"C\""),
                ("{{without_rowid}}", ""),
                ("{{blob}}", "BYTEA"),
                ("{{string_agg}}", "string_agg"),
                ("{{newline}}", "chr(10)"),
            ],
        };
        words.iter().fold(self.sql.to_string(), |sql, (word, spelling)| sql.replace(word, spelling))
    }
}

/// Serialises concurrent starts of several servers on one PostgreSQL.
const PG_MIGRATION_LOCK: i64 = 0x6b65_6675; // "kefu"

impl Db {
    /// Applies every migration not yet applied, each in its own transaction;
    /// returns the versions applied now.
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        let mut conn = self.write_pool().acquire().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_lock($1)").bind(PG_MIGRATION_LOCK).execute(&mut *conn).await?;
        }
        let result = async {
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (\
                   version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
            )
            .await?;
            let done: Vec<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(&mut *conn).await?;
            let mut applied = Vec::new();
            for m in MIGRATIONS.iter().filter(|m| !done.contains(&m.version)) {
                let fail = |source| StoreError::Migration { version: m.version, name: m.name, source };
                let mut tx = sqlx::Connection::begin(&mut *conn).await?;
                sqlx::raw_sql(AssertSqlSafe(m.sql_for(self.backend()))).execute(&mut *tx).await.map_err(fail)?;
                sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                    .bind(m.version)
                    .bind(m.name)
                    .bind(kefu_core::time::instant_text(self.now()))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                tracing::info!(version = m.version, name = m.name, "migration applied");
                applied.push(m.version);
            }
            Ok::<_, StoreError>(applied)
        }
        .await;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_unlock($1)").bind(PG_MIGRATION_LOCK).execute(&mut *conn).await?;
        }
        result
    }

    /// The versions applied so far, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar("SELECT version FROM schema_migrations ORDER BY version").fetch_all(self.pool()).await?)
    }
}
