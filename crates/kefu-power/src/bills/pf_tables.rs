//! The power factor adjustment table the billing run judges by (migration
//! 0044): the 办法's table ([`PowerFactorTables::standard`]) until a manager
//! keeps the company's own, every row of a standard typed as a percentage
//! with two decimals, checked as a whole and stored as a whole, audited with
//! the rows that changed. Going back to the 办法's table deletes the rows.

use std::collections::HashMap;

use jiff::Timestamp;
use kefu_core::decimal::parse_field;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt};
use serde_json::json;

use super::terms::standard_hundredths;
use crate::billing::{PowerFactorTable, PowerFactorTables, Standard};

type Result<T> = std::result::Result<T, Failure>;

pub const STANDARDS: [Standard; 3] = [Standard::P90, Standard::P85, Standard::P80];

/// The tables in force: the company's rows where it keeps them, else the 办法's.
pub async fn load(db: &Db) -> Result<PowerFactorTables> {
    let rows =
        sqlx::query("SELECT standard, factor, basis_points FROM power_factor_table").fetch_all(db.pool()).await?;
    let mut kept: HashMap<i64, [i32; 101]> = HashMap::new();
    for r in &rows {
        let (standard, factor) = (r.i64("standard")?, r.i64("factor")?);
        if let Some(slot) = usize::try_from(factor).ok().filter(|f| *f <= 100) {
            kept.entry(standard).or_insert([0; 101])[slot] = i32::try_from(r.i64("basis_points")?).unwrap_or(0);
        }
    }
    let mut tables = PowerFactorTables::standard();
    for s in STANDARDS {
        if let Some(rows) = kept.get(&standard_hundredths(s)) {
            *tables.of_mut(s) = PowerFactorTable::from_rows("power_factor_table", rows)?;
        }
    }
    Ok(tables)
}

/// Whether the company keeps its own rows.
pub async fn is_own(db: &Db) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM power_factor_table").fetch_one(db.pool()).await?;
    Ok(n > 0)
}

/// The form field of a standard's row: `pf_90_95` is the 0.90 standard at a
/// power factor of 0.95.
pub fn field(standard: Standard, factor: usize) -> String {
    format!("pf_{}_{factor:02}", standard_hundredths(standard))
}

/// A row as typed: a percentage with at most two decimals, `+` or `-`
/// before it (`-0.75`, `2.5`), in hundredths of a percent.
fn percent(field: &str, text: &str) -> std::result::Result<i32, Invalid> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-').or_else(|| text.strip_prefix('−')) {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.trim().strip_suffix(['%', '％']).unwrap_or(digits.trim());
    let rule = || {
        Rule::new(
            "pf_percent",
            "应为增减百分比，最多两位小数，减收前加“-”，不超过 1000，如 -0.75 或 2.5",
            "must be a percentage with at most 2 decimals, '-' before a reduction, at most 1000, such as -0.75 or 2.5",
        )
    };
    let bp = parse_field(field, digits, 2, |_| rule())?;
    let bp = i32::try_from(bp).ok().filter(|b| *b <= 100_000).ok_or_else(|| Invalid::new(field, rule()))?;
    Ok(if negative { -bp } else { bp })
}

/// The three tables as typed (`field` → text), every row of each. Each
/// refused row is named; a table where a better power factor would cost more
/// than a worse one is refused at the first such row.
pub fn parse(form: &HashMap<String, String>) -> std::result::Result<PowerFactorTables, Vec<Invalid>> {
    let mut errors = Vec::new();
    let mut tables = PowerFactorTables::standard();
    for s in STANDARDS {
        let mut rows = [0i32; 101];
        let mut complete = true;
        for (factor, slot) in rows.iter_mut().enumerate() {
            let name = field(s, factor);
            match percent(&name, form.get(&name).map(String::as_str).unwrap_or("")) {
                Ok(bp) => *slot = bp,
                Err(e) => {
                    complete = false;
                    errors.push(e);
                }
            }
        }
        if !complete {
            continue;
        }
        if let Some(factor) = (1..=100).find(|f| rows[*f] > rows[f - 1]) {
            errors.push(Invalid::new(
                field(s, factor),
                Rule::new(
                    "pf_monotonic",
                    format!(
                        "功率因数 {} 的增减比例高于 {}：功率因数越高，电费不应越多",
                        factor_text(factor),
                        factor_text(factor - 1)
                    ),
                    format!(
                        "the percentage at {} is above the one at {}: a better power factor never costs more",
                        factor_text(factor),
                        factor_text(factor - 1)
                    ),
                ),
            ));
            continue;
        }
        if let Ok(t) = PowerFactorTable::from_rows("power_factor_table", &rows) {
            *tables.of_mut(s) = t;
        }
    }
    if errors.is_empty() { Ok(tables) } else { Err(errors) }
}

/// `0.95` for 95.
pub fn factor_text(factor: usize) -> String {
    format!("{}.{:02}", factor / 100, factor % 100)
}

/// A row's percentage as the form shows it: `-0.75`, `2.50`, `0.00`.
pub fn percent_text(bp: i32) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", bp.unsigned_abs() / 100, bp.unsigned_abs() % 100)
}

/// The rows that differ between two tables, for the audit: `{"90": {"95": [-75, -80]}}`.
fn changed(old: &PowerFactorTables, new: &PowerFactorTables) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for s in STANDARDS {
        let rows: serde_json::Map<String, serde_json::Value> = (0..=100)
            .filter(|f| old.of(s).rows()[*f] != new.of(s).rows()[*f])
            .map(|f| (factor_text(f), json!([old.of(s).rows()[f], new.of(s).rows()[f]])))
            .collect();
        if !rows.is_empty() {
            out.insert(standard_hundredths(s).to_string(), rows.into());
        }
    }
    out.into()
}

/// Keeps `tables` as the company's own, audited with the rows changed.
pub async fn save(db: &Db, actor: &Actor, tables: &PowerFactorTables, now: Timestamp) -> Result<()> {
    let old = load(db).await?;
    let at = instant_text(now);
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM power_factor_table").execute(tx.conn()).await?;
    let rows: Vec<Vec<Cell>> = STANDARDS
        .iter()
        .flat_map(|s| {
            let at = at.clone();
            tables.of(*s).rows().iter().enumerate().map(move |(f, bp)| {
                vec![
                    standard_hundredths(*s).into(),
                    (f as i64).into(),
                    i64::from(*bp).into(),
                    Cell::Text(Some(at.clone())),
                ]
            })
        })
        .collect();
    bulk::insert(tx.conn(), "power_factor_table", &["standard", "factor", "basis_points", "updated_at"], rows, "")
        .await?;
    let change = Change {
        entity: "power_factor_table",
        entity_id: "company".into(),
        action: "set",
        branch: None,
        old: None,
        new: Some(changed(&old, tables)),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Goes back to the 办法's table, audited with the rows that change back.
pub async fn reset(db: &Db, actor: &Actor) -> Result<()> {
    let old = load(db).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM power_factor_table").execute(tx.conn()).await?;
    let change = Change {
        entity: "power_factor_table",
        entity_id: "company".into(),
        action: "reset",
        branch: None,
        old: None,
        new: Some(changed(&old, &PowerFactorTables::standard())),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form_of(tables: &PowerFactorTables) -> HashMap<String, String> {
        STANDARDS
            .iter()
            .flat_map(|s| (0..=100).map(move |f| (field(*s, f), percent_text(tables.of(*s).rows()[f]))))
            .collect()
    }

    #[test]
    fn the_standard_tables_read_back_as_typed() {
        let standard = PowerFactorTables::standard();
        assert_eq!(parse(&form_of(&standard)).unwrap(), standard);
    }

    #[test]
    fn each_refused_row_is_named() {
        let mut form = form_of(&PowerFactorTables::standard());
        form.insert("pf_90_95".into(), "-0.755".into());
        form.insert("pf_85_70".into(), "abc".into());
        form.remove("pf_80_10");
        let errors = parse(&form).unwrap_err();
        let named: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.rule.code)).collect();
        assert_eq!(named, [("pf_90_95", "pf_percent"), ("pf_85_70", "pf_percent"), ("pf_80_10", "required")]);
    }

    #[test]
    fn a_better_factor_costing_more_is_refused() {
        let mut form = form_of(&PowerFactorTables::standard());
        // 0.91 under 0.90 is -0.15 %; +1 % would cost more than at 0.90.
        form.insert("pf_90_91".into(), "1".into());
        let errors = parse(&form).unwrap_err();
        assert_eq!((errors[0].field.as_str(), errors[0].rule.code), ("pf_90_91", "pf_monotonic"));
        form.insert("pf_90_91".into(), "+0.00".into());
        form.insert("pf_90_92".into(), "−0.40%".into());
        let t = parse(&form).unwrap();
        assert_eq!((t.p90.basis_points(91), t.p90.basis_points(92)), (0, -40));
    }
}
