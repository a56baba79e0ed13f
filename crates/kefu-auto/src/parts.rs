//! The parts catalogue of a store with its stock (D3: on booking, confirm
//! the parts are in stock). A booking names the parts its job needs; what
//! is short — more than the stock left after the other standing bookings —
//! is flagged on the booking, so the parts can be ordered before the car
//! comes.

use kefu_core::ids::BranchId;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    pub part_no: String,
    pub name: String,
    pub unit: Money,
    pub stock: i64,
}

impl Part {
    pub fn validate(&self) -> std::result::Result<(), Invalid> {
        let part_no = self.part_no.trim();
        if part_no.is_empty() {
            return Err(Invalid::required("part_no"));
        }
        if part_no.chars().count() > 40 || part_no.contains([',', ' ', '，']) {
            return Err(Invalid::new(
                "part_no",
                Rule::new(
                    "part_no_format",
                    "配件编号不超过 40 个字符，且不含空格和逗号",
                    "at most 40 characters, no spaces or commas",
                ),
            ));
        }
        if self.name.trim().is_empty() {
            return Err(Invalid::required("name"));
        }
        if self.unit < Money::ZERO || !(0..=1_000_000).contains(&self.stock) {
            return Err(Invalid::new("stock", Rule::new("not_negative", "不能为负数", "must not be negative")));
        }
        Ok(())
    }
}

/// The parts a job needs, as written on the booking: "OF-8011 1, MO-0W20 4"
/// (a part number and a quantity, separated by commas or new lines; the
/// quantity 1 when left out).
pub fn parse_needs(field: &str, text: &str) -> std::result::Result<Vec<(String, i64)>, Invalid> {
    let mut needs: BTreeMap<String, i64> = BTreeMap::new();
    for item in text.split([',', '，', '\n', ';', '；']).map(str::trim).filter(|i| !i.is_empty()) {
        let mut words = item.split_whitespace();
        let part_no = words.next().unwrap_or_default().to_string();
        let quantity = match (words.next(), words.next()) {
            (None, _) => 1,
            (Some(q), None) => q.trim_start_matches(['x', '×', '*']).parse().unwrap_or(0),
            _ => 0,
        };
        if !(1..=999).contains(&quantity) {
            return Err(Invalid::new(
                field,
                Rule::new(
                    "parts_format",
                    format!("“{item}”应写作“配件编号 数量”，数量 1 到 999"),
                    format!("write \"{item}\" as \"part-number quantity\", the quantity 1 to 999"),
                ),
            ));
        }
        *needs.entry(part_no).or_default() += quantity;
    }
    Ok(needs.into_iter().collect())
}

/// A part a booking needs more of than is free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortage {
    pub part_no: String,
    pub needed: i64,
    /// Stock left after the other standing bookings.
    pub free: i64,
}

/// What is short: for each need, the stock less what other bookings hold.
pub fn shortages(
    needs: &[(String, i64)],
    stock: &BTreeMap<String, i64>,
    held: &BTreeMap<String, i64>,
) -> Vec<Shortage> {
    needs
        .iter()
        .filter_map(|(part_no, needed)| {
            let free = stock.get(part_no).copied().unwrap_or(0) - held.get(part_no).copied().unwrap_or(0);
            (free < *needed).then(|| Shortage { part_no: part_no.clone(), needed: *needed, free: free.max(0) })
        })
        .collect()
}

/// Adds a part to a store's catalogue or changes its price and stock.
pub async fn save(db: &Db, actor: &Actor, branch: BranchId, p: &Part) -> Result<()> {
    actor.scope.check(branch)?;
    p.validate()?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO parts (branch_id, part_no, name, unit_fen, stock) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (branch_id, part_no) DO UPDATE SET name = excluded.name, unit_fen = excluded.unit_fen, \
         stock = excluded.stock",
    )
    .bind(branch.0)
    .bind(p.part_no.trim().to_string())
    .bind(p.name.trim().to_string())
    .bind(p.unit.fen())
    .bind(p.stock)
    .execute(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "part",
            entity_id: format!("{branch}:{}", p.part_no.trim()),
            action: "save",
            branch: Some(branch),
            old: None,
            new: Some(json!(p)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn catalogue(db: &Db, branch: BranchId) -> Result<Vec<Part>> {
    let rows = sqlx::query("SELECT part_no, name, unit_fen, stock FROM parts WHERE branch_id = $1 ORDER BY part_no")
        .bind(branch.0)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Part {
                part_no: r.text("part_no")?,
                name: r.text("name")?,
                unit: Money::from_fen(r.i64("unit_fen")?),
                stock: r.i64("stock")?,
            })
        })
        .collect()
}

/// A part's stock against what the standing bookings hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    pub part: Part,
    /// Held by standing bookings.
    pub held: i64,
    /// Stock less what is held (negative when bookings need more than there is).
    pub free: i64,
}

/// Whether a part answers a search: its number or its name contains the
/// text, letters in any case; everything answers an empty search.
pub fn matches(p: &Part, query: &str) -> bool {
    let q = query.trim().to_lowercase();
    q.is_empty() || p.part_no.to_lowercase().contains(&q) || p.name.to_lowercase().contains(&q)
}

/// A store's parts in scope that answer `query`, with their stock levels.
pub async fn levels(db: &Db, scope: &Scope, branch: BranchId, query: &str) -> Result<Vec<Level>> {
    scope.check(branch)?;
    let held = held(db, branch, 0).await?;
    Ok(catalogue(db, branch)
        .await?
        .into_iter()
        .filter(|p| matches(p, query))
        .map(|part| {
            let held = held.get(&part.part_no).copied().unwrap_or(0);
            Level { free: part.stock - held, held, part }
        })
        .collect())
}

/// The stock of a store's parts, and what its standing bookings other than
/// `except` hold.
pub async fn stock_and_held(
    db: &Db,
    branch: BranchId,
    except: i64,
) -> Result<(BTreeMap<String, i64>, BTreeMap<String, i64>)> {
    let mut stock = BTreeMap::new();
    for p in catalogue(db, branch).await? {
        stock.insert(p.part_no, p.stock);
    }
    Ok((stock, held(db, branch, except).await?))
}

/// What a store's standing bookings other than `except` hold of each part.
async fn held(db: &Db, branch: BranchId, except: i64) -> Result<BTreeMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT n.part_no, n.quantity FROM appointment_parts n JOIN appointments a ON a.id = n.appointment_id \
         WHERE a.branch_id = $1 AND a.status = 'booked' AND a.id <> $2",
    )
    .bind(branch.0)
    .bind(except)
    .fetch_all(db.pool())
    .await?;
    let mut held = BTreeMap::new();
    for r in &rows {
        *held.entry(r.text("part_no")?).or_insert(0) += r.i64("quantity")?;
    }
    Ok(held)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_are_read_as_people_write_them() {
        assert_eq!(
            parse_needs("parts", "OF-8011 1, MO-0W20 ×4；OF-8011\n").unwrap(),
            vec![("MO-0W20".to_string(), 4), ("OF-8011".to_string(), 2)]
        );
        assert_eq!(parse_needs("parts", " ").unwrap(), vec![]);
        for bad in ["OF-8011 many", "OF-8011 0", "OF-8011 1 2"] {
            assert_eq!(parse_needs("parts", bad).unwrap_err().rule.code, "parts_format", "{bad}");
        }
    }

    #[test]
    fn a_search_finds_the_number_or_the_name() {
        let p =
            Part { part_no: "OF-8011".into(), name: "机油滤清器".into(), unit: Money::from_fen(4500), stock: 3 };
        for q in ["", " of-80", "8011", "滤清"] {
            assert!(matches(&p, q), "{q}");
        }
        assert!(!matches(&p, "刹车"));
    }

    #[test]
    fn what_other_bookings_hold_is_not_free() {
        let stock = BTreeMap::from([("OF-8011".to_string(), 3), ("MO-0W20".to_string(), 10)]);
        let held = BTreeMap::from([("OF-8011".to_string(), 2)]);
        let needs = vec![("OF-8011".to_string(), 2), ("MO-0W20".to_string(), 4), ("BP-01".to_string(), 1)];
        assert_eq!(
            shortages(&needs, &stock, &held),
            vec![
                Shortage { part_no: "OF-8011".into(), needed: 2, free: 1 },
                Shortage { part_no: "BP-01".into(), needed: 1, free: 0 },
            ]
        );
    }
}
