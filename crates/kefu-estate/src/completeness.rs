//! The owner archive's completeness check (issue 21 §1; the seed's
//! 定期或不定期的检查资料的完整性): which sold houses of an estate lack an
//! owner's mobile, an owner's ID number, a signed service contract or a
//! handover form — the list the staff fill the gaps from — and a snapshot a
//! month for the monthly report's trend, taken by the hourly job.

use crate::archive::Estate;
use crate::fees::Month;
use jiff::Timestamp;
use kefu_core::Actor;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// What a house's file may lack, in the order the report lists them.
pub const GAPS: &[&str] = &["no_mobile", "no_id", "no_contract", "no_handover"];

/// A house with gaps in its file.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub house_id: i64,
    pub number: String,
    pub missing: Vec<&'static str>,
}

/// An estate's counts: the houses checked and, per gap, how many lack it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Counts {
    pub month: String,
    pub houses: i64,
    pub no_mobile: i64,
    pub no_id: i64,
    pub no_contract: i64,
    pub no_handover: i64,
}

/// The check now: the counts and every house with a gap, in number order.
/// A house is checked once sold (its state is not `unsold`).
pub async fn check(db: &Db, estate: &Estate, month: Month) -> Result<(Counts, Vec<Gap>)> {
    let owner = |column: &str| {
        format!(
            "CAST(CASE WHEN EXISTS (SELECT 1 FROM estate_residents r JOIN customers c ON c.id = r.customer_id \
             WHERE r.house_id = h.id AND r.role IN ('owner', 'co_owner') AND r.moved_out IS NULL \
             AND c.{column} IS NOT NULL AND c.{column} <> '') THEN 1 ELSE 0 END AS BIGINT)"
        )
    };
    let paper = |kind: &str| {
        format!(
            "CAST(CASE WHEN EXISTS (SELECT 1 FROM estate_documents d WHERE d.house_id = h.id AND d.kind = '{kind}') \
             THEN 1 ELSE 0 END AS BIGINT)"
        )
    };
    let sql = format!(
        "SELECT h.id, h.number, {} AS has_mobile, {} AS has_id, {} AS has_contract, {} AS has_handover \
         FROM estate_houses h WHERE h.branch_id = $1 AND h.state <> 'unsold' ORDER BY h.sort_key",
        owner("mobile"),
        owner("id_number"),
        paper("service_contract"),
        paper("handover_form")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(estate.branch_id.0).fetch_all(db.pool()).await?;
    let mut counts =
        Counts { month: month.to_string(), houses: 0, no_mobile: 0, no_id: 0, no_contract: 0, no_handover: 0 };
    let mut gaps = Vec::new();
    for r in &rows {
        counts.houses += 1;
        let mut missing = Vec::new();
        for (column, gap, count) in [
            ("has_mobile", GAPS[0], &mut counts.no_mobile),
            ("has_id", GAPS[1], &mut counts.no_id),
            ("has_contract", GAPS[2], &mut counts.no_contract),
            ("has_handover", GAPS[3], &mut counts.no_handover),
        ] {
            if r.i64(column)? == 0 {
                *count += 1;
                missing.push(gap);
            }
        }
        if !missing.is_empty() {
            gaps.push(Gap { house_id: r.i64("id")?, number: r.text("number")?, missing });
        }
    }
    Ok((counts, gaps))
}

/// The estate's monthly snapshots, oldest first.
pub async fn trend(db: &Db, estate: &Estate) -> Result<Vec<Counts>> {
    let rows = sqlx::query(
        "SELECT month, houses, no_mobile, no_id, no_contract, no_handover FROM estate_completeness \
         WHERE branch_id = $1 ORDER BY month",
    )
    .bind(estate.branch_id.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Counts {
                month: r.text("month")?,
                houses: r.i64("houses")?,
                no_mobile: r.i64("no_mobile")?,
                no_id: r.i64("no_id")?,
                no_contract: r.i64("no_contract")?,
                no_handover: r.i64("no_handover")?,
            })
        })
        .collect()
}

/// Takes this month's snapshot for every estate that has none yet, each
/// audited; how many were taken. Run every hour, it takes each once.
pub async fn snapshot(db: &Db, actor: &Actor, month: Month, now: Timestamp) -> Result<usize> {
    let missing = sqlx::query(
        "SELECT e.branch_id, b.code, b.name, b.address, e.visitor_retention_days FROM estate_estates e \
         JOIN branches b ON b.id = e.branch_id WHERE NOT EXISTS (SELECT 1 FROM estate_completeness s \
         WHERE s.branch_id = e.branch_id AND s.month = $1) ORDER BY e.branch_id",
    )
    .bind(month.to_string())
    .fetch_all(db.pool())
    .await?;
    let mut taken = 0;
    for r in &missing {
        let estate = Estate {
            branch_id: BranchId(r.i64("branch_id")?),
            code: r.text("code")?,
            name: r.text("name")?,
            address: r.text("address")?,
            buildings: 0,
            houses: 0,
            visitor_retention_days: r.i64("visitor_retention_days")?,
        };
        let (c, _) = check(db, &estate, month).await?;
        let mut tx = db.begin().await?;
        // Another server's hourly job may have taken it meanwhile: the key decides.
        let inserted = sqlx::query(
            "INSERT INTO estate_completeness (branch_id, month, houses, no_mobile, no_id, no_contract, no_handover, \
             taken_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(estate.branch_id.0)
        .bind(c.month.clone())
        .bind(c.houses)
        .bind(c.no_mobile)
        .bind(c.no_id)
        .bind(c.no_contract)
        .bind(c.no_handover)
        .bind(instant_text(now))
        .execute(tx.conn())
        .await?
        .rows_affected();
        if inserted == 0 {
            continue;
        }
        let change = Change {
            entity: "estate_completeness",
            entity_id: format!("{}:{}", estate.code, c.month),
            action: "snapshot",
            branch: Some(estate.branch_id),
            old: None,
            new: serde_json::to_value(&c).ok(),
        };
        tx.audit(actor, change).await?;
        tx.commit().await?;
        taken += 1;
    }
    Ok(taken)
}
