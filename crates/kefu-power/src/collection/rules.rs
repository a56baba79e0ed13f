//! The settings of collection: the late charge's daily rates, grace and
//! minimum (《供电营业规则》 article 98: 1 ‰ a day for households, 2 ‰ for
//! other users on this year's arrears and 3 ‰ on earlier years' — see
//! `billing/late_charge.rs` for the reading of the article), and suspension for arrears (`billing/
//! suspension.rs`). One row in `power_collection_rules` once a manager
//! changes a figure; the rules' defaults until then.

use kefu_core::{Actor, Invalid, Money, Rule};
use kefu_store::{Change, Db, Failure, RowExt};
use serde_json::json;

use crate::billing::{DailyRate, LateChargeRules, SuspensionRules};

/// Everything collection is set by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CollectionRules {
    pub late: LateChargeRules,
    pub suspension: SuspensionRules,
}

impl CollectionRules {
    /// The figures as a form or the API shows them: rates in ‱ (ten-thousandths).
    pub fn view(&self) -> serde_json::Value {
        json!({
            "residential_rate": self.late.residential.0,
            "current_year_rate": self.late.current_year.0,
            "earlier_years_rate": self.late.earlier_years.0,
            "grace_days": self.late.grace_days,
            "minimum_charge": crate::tariffs::quote::yuan(self.late.minimum),
            "overdue_days": self.suspension.overdue_days,
            "notice_days_residential": self.suspension.notice_days_residential,
            "notice_days_other": self.suspension.notice_days_other,
        })
    }
}

fn small(field: &str, v: i64, max: i64) -> Result<i32, Invalid> {
    if (0..=max).contains(&v) {
        return Ok(v as i32);
    }
    Err(Invalid::new(
        field,
        Rule::new("out_of_range", format!("须在 0 到 {max} 之间"), format!("must be from 0 to {max}")),
    ))
}

/// The stored settings, or the defaults.
pub async fn load_rules(db: &Db) -> Result<CollectionRules, Failure> {
    let Some(r) = sqlx::query("SELECT * FROM power_collection_rules WHERE id = 1").fetch_optional(db.pool()).await?
    else {
        return Ok(CollectionRules::default());
    };
    let rate = |c: &str| -> Result<DailyRate, Failure> { Ok(DailyRate(u32::try_from(r.i64(c)?).unwrap_or(0))) };
    Ok(CollectionRules {
        late: LateChargeRules {
            residential: rate("residential_rate")?,
            current_year: rate("current_year_rate")?,
            earlier_years: rate("earlier_years_rate")?,
            grace_days: r.i64("grace_days")? as i32,
            minimum: Money::from_fen(r.i64("minimum_charge")?),
        },
        suspension: SuspensionRules {
            overdue_days: r.i64("overdue_days")? as i32,
            notice_days_residential: r.i64("notice_days_residential")? as i32,
            notice_days_other: r.i64("notice_days_other")? as i32,
        },
    })
}

/// The settings as typed: rates in ‱ a day (at most 100, i.e. 1 %), days
/// up to a year, the minimum in yuan.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RulesInput {
    pub residential_rate: i64,
    pub current_year_rate: i64,
    pub earlier_years_rate: i64,
    pub grace_days: i64,
    pub minimum_charge: String,
    pub overdue_days: i64,
    pub notice_days_residential: i64,
    pub notice_days_other: i64,
}

/// Saves the settings (a manager's), audited with the old and new figures.
pub async fn save_rules(db: &Db, actor: &Actor, i: &RulesInput) -> Result<CollectionRules, Failure> {
    let rate = |f: &str, v: i64| small(f, v, 100).map(|n| DailyRate(n as u32));
    let minimum = Money::parse_yuan("minimum_charge", &i.minimum_charge)?;
    if minimum < Money::ZERO {
        return Err(
            Invalid::new("minimum_charge", Rule::new("not_negative", "不能为负数", "cannot be negative")).into()
        );
    }
    let new = CollectionRules {
        late: LateChargeRules {
            residential: rate("residential_rate", i.residential_rate)?,
            current_year: rate("current_year_rate", i.current_year_rate)?,
            earlier_years: rate("earlier_years_rate", i.earlier_years_rate)?,
            grace_days: small("grace_days", i.grace_days, 365)?,
            minimum,
        },
        suspension: SuspensionRules {
            overdue_days: small("overdue_days", i.overdue_days, 365)?,
            notice_days_residential: small("notice_days_residential", i.notice_days_residential, 365)?,
            notice_days_other: small("notice_days_other", i.notice_days_other, 365)?,
        },
    };
    let old = load_rules(db).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM power_collection_rules WHERE id = 1").execute(tx.conn()).await?;
    sqlx::query(
        "INSERT INTO power_collection_rules (id, residential_rate, current_year_rate, earlier_years_rate, grace_days, \
         minimum_charge, overdue_days, notice_days_residential, notice_days_other) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(i64::from(new.late.residential.0))
    .bind(i64::from(new.late.current_year.0))
    .bind(i64::from(new.late.earlier_years.0))
    .bind(i64::from(new.late.grace_days))
    .bind(new.late.minimum.fen())
    .bind(i64::from(new.suspension.overdue_days))
    .bind(i64::from(new.suspension.notice_days_residential))
    .bind(i64::from(new.suspension.notice_days_other))
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_collection_rules",
        entity_id: "1".into(),
        action: "update",
        branch: None,
        old: Some(old.view()),
        new: Some(new.view()),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(new)
}
