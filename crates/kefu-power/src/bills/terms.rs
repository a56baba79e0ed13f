//! A large user's two-part terms as its supply contract states them
//! (migration 0047): what the basic charge is counted on and the power
//! factor standard the adjustment is judged against. The billing run reads
//! them with the account; the readings require the registers they need.

use jiff::Timestamp;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

use crate::archive;
use crate::billing::Standard;

type Result<T> = std::result::Result<T, Failure>;

/// What the basic charge is counted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BasicBy {
    /// The contracted transformer capacity (kVA).
    Capacity,
    /// The month's maximum demand (kW).
    Demand,
}

impl BasicBy {
    pub fn code(self) -> &'static str {
        match self {
            BasicBy::Capacity => "capacity",
            BasicBy::Demand => "demand",
        }
    }

    fn from_code(code: &str) -> Option<BasicBy> {
        [BasicBy::Capacity, BasicBy::Demand].into_iter().find(|b| b.code() == code)
    }
}

/// An account's terms; both `None` for a one-part tariff's user.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terms {
    pub basic_by: Option<BasicBy>,
    pub standard: Option<Standard>,
}

/// The standard's hundredths, as stored.
pub fn standard_hundredths(s: Standard) -> i64 {
    match s {
        Standard::P90 => 90,
        Standard::P85 => 85,
        Standard::P80 => 80,
    }
}

pub fn standard_of(hundredths: i64) -> Option<Standard> {
    [Standard::P90, Standard::P85, Standard::P80].into_iter().find(|s| standard_hundredths(*s) == hundredths)
}

impl Terms {
    /// The terms as typed: `basic_by` capacity, demand or blank; the
    /// standard 0.90, 0.85, 0.80 or blank.
    pub fn parse(basic_by: &str, standard: &str) -> std::result::Result<Terms, Invalid> {
        let basic_by = match basic_by.trim() {
            "" => None,
            code => Some(BasicBy::from_code(code).ok_or_else(|| {
                Invalid::new(
                    "basic_by",
                    Rule::new(
                        "one_of",
                        "须为以下之一：capacity（按容量）、demand（按最大需量）",
                        "must be one of: capacity, demand",
                    ),
                )
            })?),
        };
        let standard = match standard.trim() {
            "" => None,
            text => Some(
                match text {
                    "0.90" | "0.9" => Some(Standard::P90),
                    "0.85" => Some(Standard::P85),
                    "0.80" | "0.8" => Some(Standard::P80),
                    _ => None,
                }
                .ok_or_else(|| {
                    Invalid::new(
                        "power_factor_standard",
                        Rule::new(
                            "power_factor_standard",
                            "功率因数考核标准须为 0.90、0.85 或 0.80",
                            "the power factor standard is 0.90, 0.85 or 0.80",
                        ),
                    )
                })?,
            ),
        };
        Ok(Terms { basic_by, standard })
    }
}

/// Sets the terms of the account `number` in the actor's scope, audited.
pub async fn set(db: &Db, actor: &Actor, number: &str, terms: Terms, now: Timestamp) -> Result<()> {
    let account = archive::by_number(db, &actor.scope, number).await?;
    let mut tx = db.begin().await?;
    let old = sqlx::query("SELECT basic_by, pf_standard FROM power_billing_terms WHERE account_id = $1")
        .bind(account.id)
        .fetch_optional(tx.conn())
        .await?;
    let old = match old {
        Some(r) => Some(json!({"basic_by": r.opt_text("basic_by")?, "pf_standard": r.opt_i64("pf_standard")?})),
        None => None,
    };
    sqlx::query("DELETE FROM power_billing_terms WHERE account_id = $1").bind(account.id).execute(tx.conn()).await?;
    let (basic_by, standard) = (terms.basic_by.map(BasicBy::code), terms.standard.map(standard_hundredths));
    sqlx::query(
        "INSERT INTO power_billing_terms (account_id, basic_by, pf_standard, updated_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(account.id)
    .bind(basic_by)
    .bind(standard)
    .bind(instant_text(now))
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_billing_terms",
        entity_id: account.account_no.clone(),
        action: "set",
        branch: Some(account.branch_id),
        old,
        new: Some(json!({"basic_by": basic_by, "pf_standard": standard})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// An account's terms as its page shows them: what the basic charge is
/// counted on, the standard ("0.90"), and the kVA a basic charge by capacity
/// is counted on — the latest supply contract's, else the account's, as the
/// billing run takes it — with the contract it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    pub basic_by: Option<BasicBy>,
    pub power_factor_standard: Option<String>,
    pub capacity_kva: i64,
    pub contract_no: Option<String>,
    pub updated_at: Option<String>,
}

/// The terms of the account `number` in scope, with the account.
pub async fn of(db: &Db, scope: &kefu_core::Scope, number: &str) -> Result<(archive::Account, Shown)> {
    let account = archive::by_number(db, scope, number).await?;
    let row = sqlx::query("SELECT basic_by, pf_standard, updated_at FROM power_billing_terms WHERE account_id = $1")
        .bind(account.id)
        .fetch_optional(db.pool())
        .await?;
    let contract = sqlx::query(
        "SELECT contract_no, capacity_kva FROM power_contracts WHERE account_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(account.id)
    .fetch_optional(db.pool())
    .await?;
    let (capacity_kva, contract_no) = match &contract {
        Some(c) => (c.i64("capacity_kva")?, Some(c.text("contract_no")?)),
        None => (account.capacity_kva, None),
    };
    let shown = match &row {
        Some(r) => Shown {
            basic_by: r.opt_text("basic_by")?.as_deref().and_then(BasicBy::from_code),
            power_factor_standard: r.opt_i64("pf_standard")?.and_then(standard_of).map(|s| {
                let h = standard_hundredths(s);
                format!("{}.{:02}", h / 100, h % 100)
            }),
            capacity_kva,
            contract_no,
            updated_at: r.opt_text("updated_at")?,
        },
        None => Shown { basic_by: None, power_factor_standard: None, capacity_kva, contract_no, updated_at: None },
    };
    Ok((account, shown))
}

/// A month the terms billed: the bill, its basic charge and its power
/// factor adjustment (the factor against the standard, the percentage).
#[derive(Debug, Clone, Serialize)]
pub struct Billed {
    pub month: String,
    pub bill_no: String,
    pub kwh: i64,
    pub amount: String,
    pub basic: Option<String>,
    pub factor: Option<String>,
    pub percent: Option<String>,
    pub adjustment: Option<String>,
}

/// The account's issued bills of the last six months billed, the latest first.
pub async fn recent(db: &Db, account_id: i64) -> Result<Vec<Billed>> {
    use crate::tariffs::quote::yuan;
    use kefu_core::Money;
    let bills = sqlx::query(
        "SELECT id, bill_no, month, kwh, amount FROM power_bills WHERE account_id = $1 AND status = 'issued' \
         ORDER BY month DESC, id DESC LIMIT 6",
    )
    .bind(account_id)
    .fetch_all(db.pool())
    .await?;
    let mut out = Vec::with_capacity(bills.len());
    for b in &bills {
        let mut month = Billed {
            month: b.text("month")?,
            bill_no: b.text("bill_no")?,
            kwh: b.i64("kwh")?,
            amount: yuan(Money::from_fen(b.i64("amount")?)),
            basic: None,
            factor: None,
            percent: None,
            adjustment: None,
        };
        let lines = sqlx::query(
            "SELECT kind, label, price, amount FROM power_bill_lines WHERE bill_id = $1 \
             AND kind IN ('basic', 'power_factor') ORDER BY line_no",
        )
        .bind(b.i64("id")?)
        .fetch_all(db.pool())
        .await?;
        for l in &lines {
            let amount = yuan(Money::from_fen(l.i64("amount")?));
            if l.text("kind")? == "basic" {
                month.basic = Some(amount);
            } else {
                let bp = l.i64("price")?;
                month.factor = l.opt_text("label")?;
                month.percent = Some(format!(
                    "{}{}.{:02}%",
                    if bp > 0 {
                        "+"
                    } else if bp < 0 {
                        "-"
                    } else {
                        ""
                    },
                    bp.abs() / 100,
                    bp.abs() % 100
                ));
                month.adjustment = Some(amount);
            }
        }
        out.push(month);
    }
    Ok(out)
}
