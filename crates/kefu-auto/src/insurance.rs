//! Insurance policies per vehicle and their renewal (D1: list the customers
//! whose insurance expires and win the renewal here). Recording a policy
//! moves the vehicle's insurance expiry to its latest policy, which the
//! insurance renewal playbook is anchored on; the renewal list shows the
//! policies falling due, and each ends won (renewed here) or lost (with the
//! reason).

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_care::timeline::{self, NewEvent};
use kefu_core::ids::{BranchId, CustomerId, VehicleId};
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, StoreError, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

pub const KINDS: [&str; 2] = ["compulsory", "commercial"];
pub const EVENT_KIND: &str = "insurance";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInput {
    pub insurer: String,
    pub kind: String,
    pub policy_no: String,
    pub start: Date,
    pub expiry: Date,
    pub premium: Money,
    /// The policy this one renews (won here).
    pub renews: Option<i64>,
}

impl PolicyInput {
    pub fn validate(&self) -> std::result::Result<(), Invalid> {
        required_text("insurer", &self.insurer, 60)?;
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(Invalid::new("kind", Rule::new("one_of", "请选择险种", "choose the kind of policy")));
        }
        optional_text("policy_no", &self.policy_no, 40)?;
        if self.expiry <= self.start || self.expiry > self.start + 3.years() {
            return Err(Invalid::new(
                "expiry",
                Rule::new(
                    "policy_term",
                    "到期日须晚于起保日，且保期不超过三年",
                    "must follow the start, within three years",
                ),
            ));
        }
        if self.premium < Money::ZERO {
            return Err(Invalid::new("premium", Rule::new("not_negative", "不能为负数", "must not be negative")));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    pub id: i64,
    pub branch_id: BranchId,
    pub vehicle_id: VehicleId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub plate: String,
    pub insurer: String,
    pub kind: String,
    pub policy_no: String,
    pub start: Date,
    pub expiry: Date,
    pub premium: Money,
    /// open, won or lost
    pub renewal: String,
    pub renewed_by: Option<i64>,
    pub lost_reason: String,
}

/// Days from `today` to the expiry: negative once it has lapsed.
pub fn days_left(p: &Policy, today: Date) -> i64 {
    i64::from((p.expiry - today).get_days())
}

const SELECT: &str = "SELECT p.id, p.branch_id, p.vehicle_id, p.customer_id, c.name, COALESCE(v.plate, v.vin) AS plate, \
     p.insurer, p.kind, p.policy_no, p.start_date, p.expiry_date, p.premium_fen, p.renewal, p.renewed_by, p.lost_reason \
     FROM insurance_policies p JOIN vehicles v ON v.id = p.vehicle_id JOIN customers c ON c.id = p.customer_id";

fn date(r: &sqlx::any::AnyRow, col: &str) -> Result<Date> {
    let text = r.text(col)?;
    text.parse().map_err(|_| Failure::Store(StoreError::Other(format!("policy {col} {text:?}"))))
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Policy> {
    Ok(Policy {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        vehicle_id: VehicleId(r.i64("vehicle_id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        customer_name: r.text("name")?,
        plate: r.text("plate")?,
        insurer: r.text("insurer")?,
        kind: r.text("kind")?,
        policy_no: r.text("policy_no")?,
        start: date(r, "start_date")?,
        expiry: date(r, "expiry_date")?,
        premium: Money::from_fen(r.i64("premium_fen")?),
        renewal: r.text("renewal")?,
        renewed_by: r.opt_i64("renewed_by")?,
        lost_reason: r.text("lost_reason")?,
    })
}

async fn load(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Policy> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE p.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(Failure::NotFound)?;
    from_row(&row)
}

fn closed() -> Failure {
    Failure::Conflict(Rule::new(
        "renewal_closed",
        "该保单的续保已有结果",
        "this policy's renewal has already been won or lost",
    ))
}

/// Records a policy of a vehicle in scope; when it renews an open policy of
/// the same vehicle, that renewal is won. The vehicle's insurance expiry
/// moves to its latest policy.
pub async fn record(db: &Db, actor: &Actor, vehicle: VehicleId, input: &PolicyInput) -> Result<Policy> {
    input.validate()?;
    let v = crate::vehicles::get(db, &actor.scope, vehicle).await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO insurance_policies (branch_id, vehicle_id, customer_id, insurer, kind, policy_no, start_date, \
         expiry_date, premium_fen, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id",
    )
    .bind(v.branch_id.0)
    .bind(v.id.0)
    .bind(v.customer_id.0)
    .bind(input.insurer.trim().to_string())
    .bind(input.kind.clone())
    .bind(input.policy_no.trim().to_string())
    .bind(input.start.to_string())
    .bind(input.expiry.to_string())
    .bind(input.premium.fen())
    .bind(actor.display_name.clone())
    .bind(instant_text(tx.now()))
    .fetch_one(tx.conn())
    .await?;
    if let Some(old) = input.renews {
        let won = sqlx::query(
            "UPDATE insurance_policies SET renewal = 'won', renewed_by = $1 \
             WHERE id = $2 AND vehicle_id = $3 AND renewal = 'open'",
        )
        .bind(id)
        .bind(old)
        .bind(v.id.0)
        .execute(tx.conn())
        .await?
        .rows_affected();
        if won == 0 {
            return Err(closed());
        }
    }
    sqlx::query(
        "UPDATE vehicles SET insurance_expiry = \
         (SELECT MAX(expiry_date) FROM insurance_policies WHERE vehicle_id = $1) WHERE id = $1",
    )
    .bind(v.id.0)
    .execute(tx.conn())
    .await?;
    let policy = load(tx.conn(), id).await?;
    note(&mut tx, actor, &policy, "recorded", None).await?;
    tx.commit().await?;
    Ok(policy)
}

/// The renewal went elsewhere (or the car was sold): lost, with the reason.
pub async fn lose(db: &Db, actor: &Actor, id: i64, reason: &str) -> Result<Policy> {
    required_text("lost_reason", reason, 200)?;
    let mut tx = db.begin().await?;
    let before = load(tx.conn(), id).await?;
    actor.scope.check(before.branch_id)?;
    let lost = sqlx::query(
        "UPDATE insurance_policies SET renewal = 'lost', lost_reason = $1 WHERE id = $2 AND renewal = 'open'",
    )
    .bind(reason.trim().to_string())
    .bind(id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if lost == 0 {
        return Err(closed());
    }
    let after = load(tx.conn(), id).await?;
    note(&mut tx, actor, &after, "lost", Some(&before)).await?;
    tx.commit().await?;
    Ok(after)
}

async fn note(tx: &mut Tx, actor: &Actor, p: &Policy, step: &str, before: Option<&Policy>) -> Result<()> {
    let at = tx.now();
    timeline::record(
        tx,
        NewEvent {
            branch: p.branch_id,
            customer: p.customer_id,
            asset: Some((crate::vehicles::ASSET, p.vehicle_id.0)),
            at,
            kind: EVENT_KIND,
            summary: if step == "lost" { p.lost_reason.clone() } else { p.insurer.clone() },
            detail: json!({ "policy": p.id, "step": step, "kind": p.kind, "expiry": p.expiry.to_string(),
                            "premium_fen": p.premium.fen() }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "insurance_policy",
            entity_id: p.id.to_string(),
            action: step,
            branch: Some(p.branch_id),
            old: before.map(|b| json!(b)),
            new: Some(json!(p)),
        },
    )
    .await?;
    Ok(())
}

/// A vehicle's policies, latest expiry first.
pub async fn of_vehicle(db: &Db, scope: &Scope, vehicle: VehicleId) -> Result<Vec<Policy>> {
    let sql = format!(
        "{SELECT} WHERE p.vehicle_id = $1 AND p.branch_id IN ({}) ORDER BY p.expiry_date DESC, p.id DESC",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(vehicle.0).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// How far ahead the renewal list looks by default: the renewal playbook's
/// letters start 45 days before the expiry.
pub const RENEWALS_AHEAD_DAYS: i64 = 60;
/// How far back it looks: a policy lapsed within a month may still be won.
pub const RENEWALS_LAPSED_DAYS: i64 = 30;

/// The days the renewal list covers on `today`: from
/// [`RENEWALS_LAPSED_DAYS`] back to `ahead` days on (60 when not given,
/// kept within a day and a year).
pub fn renewal_window(today: Date, ahead: Option<i64>) -> (Date, Date) {
    let ahead = ahead.unwrap_or(RENEWALS_AHEAD_DAYS).clamp(1, 366);
    (today - RENEWALS_LAPSED_DAYS.days(), today + ahead.days())
}

/// The renewal list: policies in scope expiring from `from` to `to`, soonest
/// first, with how each renewal ended.
pub async fn renewals(db: &Db, scope: &Scope, from: Date, to: Date) -> Result<Vec<Policy>> {
    let sql = format!(
        "{SELECT} WHERE p.branch_id IN ({}) AND p.expiry_date >= $1 AND p.expiry_date <= $2 \
         ORDER BY p.expiry_date, p.id",
        scope.sql_list()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).bind(to.to_string()).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// Won, lost and still open among the policies of a renewal list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub won: i64,
    pub lost: i64,
    pub open: i64,
}

pub fn tally(policies: &[Policy]) -> Tally {
    policies.iter().fold(Tally::default(), |mut t, p| {
        match p.renewal.as_str() {
            "won" => t.won += 1,
            "lost" => t.lost += 1,
            _ => t.open += 1,
        }
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn the_renewal_list_looks_a_month_back_and_sixty_days_ahead() {
        let today = d("2026-12-04");
        assert_eq!(renewal_window(today, None), (d("2026-11-04"), d("2027-02-02")));
        assert_eq!(renewal_window(today, Some(7)), (d("2026-11-04"), d("2026-12-11")));
        assert_eq!(renewal_window(today, Some(0)).1, d("2026-12-05"), "a day at least");
        assert_eq!(renewal_window(today, Some(9999)).1, d("2027-12-05"), "a year at most");
    }

    fn input() -> PolicyInput {
        PolicyInput {
            insurer: "中国人保".into(),
            kind: "commercial".into(),
            policy_no: "PDAA2026110000001".into(),
            start: d("2026-01-10"),
            expiry: d("2027-01-09"),
            premium: Money::from_yuan(4_860),
            renews: None,
        }
    }

    #[test]
    fn a_policy_names_what_is_wrong_with_it() {
        assert_eq!(input().validate(), Ok(()));
        let field = |i: PolicyInput| i.validate().unwrap_err().field;
        assert_eq!(field(PolicyInput { insurer: " ".into(), ..input() }), "insurer");
        assert_eq!(field(PolicyInput { kind: "life".into(), ..input() }), "kind");
        assert_eq!(field(PolicyInput { expiry: d("2026-01-10"), ..input() }), "expiry");
        assert_eq!(field(PolicyInput { expiry: d("2029-02-01"), ..input() }), "expiry");
        assert_eq!(field(PolicyInput { premium: Money::from_fen(-1), ..input() }), "premium");
    }

    #[test]
    fn renewals_are_tallied_and_days_counted() {
        let p = |renewal: &str, expiry: &str| Policy {
            id: 1,
            branch_id: BranchId(1),
            vehicle_id: VehicleId(1),
            customer_id: CustomerId(1),
            customer_name: "张伟".into(),
            plate: "京A12345".into(),
            insurer: "平安".into(),
            kind: "commercial".into(),
            policy_no: String::new(),
            start: d("2026-01-01"),
            expiry: d(expiry),
            premium: Money::ZERO,
            renewal: renewal.into(),
            renewed_by: None,
            lost_reason: String::new(),
        };
        let list = [p("won", "2026-12-01"), p("lost", "2026-12-02"), p("open", "2026-12-03"), p("open", "2026-11-20")];
        assert_eq!(tally(&list), Tally { won: 1, lost: 1, open: 2 });
        assert_eq!(days_left(&list[2], d("2026-11-29")), 4);
        assert_eq!(days_left(&list[3], d("2026-11-29")), -9);
    }
}
