//! Warranty and insurance claims: the share of a settled repair order that
//! the manufacturer (索赔, parts and labour under warranty) or the insurer
//! (理赔) pays, followed from open through submitted to paid or rejected —
//! the receivables of the service department. A claim is made when its
//! order is settled; the transitions are plain rules.

use kefu_core::ids::RepairOrderId;
use kefu_core::time::instant_text;
use kefu_core::validation::required_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

pub const PAYERS: [&str; 2] = ["warranty", "insurance"];

/// What happens to a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Move {
    /// Sent to the manufacturer or insurer under their reference.
    Submit {
        reference: String,
    },
    /// Money received (all or part of the claim).
    Paid {
        amount: Money,
    },
    Rejected {
        note: String,
    },
}

impl Move {
    pub fn code(&self) -> &'static str {
        match self {
            Move::Submit { .. } => "submitted",
            Move::Paid { .. } => "paid",
            Move::Rejected { .. } => "rejected",
        }
    }
}

/// Whether a claim in `state` for `amount` may make `m`: submitted from
/// open (or again after a rejection), paid or rejected once submitted.
pub fn check(state: &str, amount: Money, m: &Move) -> std::result::Result<(), Failure> {
    let allowed = matches!(
        (state, m),
        ("open" | "rejected", Move::Submit { .. }) | ("submitted", Move::Paid { .. } | Move::Rejected { .. })
    );
    if !allowed {
        return Err(Failure::Conflict(Rule::new(
            "claim_state",
            format!("索赔单当前状态不允许此操作（{state}）"),
            format!("the claim is {state}; this step does not apply"),
        )));
    }
    match m {
        Move::Submit { reference } => required_text("reference", reference, 60).map(drop).map_err(Failure::from),
        Move::Paid { amount: paid } if *paid <= Money::ZERO || *paid > amount => Err(Invalid::new(
            "paid",
            Rule::new("paid_range", "到账金额须大于 0 且不超过索赔金额", "must be above 0 and at most the claim"),
        )
        .into()),
        Move::Rejected { note } if note.trim().is_empty() => Err(Invalid::required("note").into()),
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub id: i64,
    pub order_id: RepairOrderId,
    pub order_no: String,
    pub plate: String,
    pub customer_name: String,
    pub payer: String,
    pub amount: Money,
    pub state: String,
    pub reference: String,
    pub paid: Money,
    pub note: String,
    pub branch_id: kefu_core::ids::BranchId,
}

/// Makes the settled order's claims, inside the settlement's transaction.
pub(crate) async fn open_in(
    tx: &mut Tx,
    order: &crate::repair_orders::RepairOrder,
    shares: [(&str, Money); 2],
) -> Result<()> {
    for (payer, amount) in shares.into_iter().filter(|(_, a)| *a > Money::ZERO) {
        sqlx::query(
            "INSERT INTO service_claims (branch_id, order_id, payer, amount_fen, state, updated_at) \
             VALUES ($1, $2, $3, $4, 'open', $5)",
        )
        .bind(order.branch_id.0)
        .bind(order.id.0)
        .bind(payer.to_string())
        .bind(amount.fen())
        .bind(instant_text(tx.now()))
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

const SELECT: &str = "SELECT k.id, k.branch_id, k.order_id, COALESCE(v.plate, v.vin) AS plate, c.name, k.payer, \
     k.amount_fen, k.state, k.reference, k.paid_fen, k.note FROM service_claims k \
     JOIN repair_orders o ON o.id = k.order_id JOIN vehicles v ON v.id = o.vehicle_id \
     JOIN customers c ON c.id = o.customer_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Claim> {
    let order_id = r.i64("order_id")?;
    Ok(Claim {
        id: r.i64("id")?,
        order_id: RepairOrderId(order_id),
        order_no: crate::repair_orders::order_no(order_id),
        plate: r.text("plate")?,
        customer_name: r.text("name")?,
        payer: r.text("payer")?,
        amount: Money::from_fen(r.i64("amount_fen")?),
        state: r.text("state")?,
        reference: r.text("reference")?,
        paid: Money::from_fen(r.i64("paid_fen")?),
        note: r.text("note")?,
        branch_id: kefu_core::ids::BranchId(r.i64("branch_id")?),
    })
}

/// The claims in scope, of one payer (or both), newest first.
pub async fn list(db: &Db, scope: &Scope, payer: Option<&str>) -> Result<Vec<Claim>> {
    let sql = format!(
        "{SELECT} WHERE k.branch_id IN ({}) AND ($1 IS NULL OR k.payer = $1) ORDER BY k.id DESC LIMIT 500",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(payer.map(str::to_string)).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// Outstanding (open or submitted) and received, in fen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Receivables {
    pub outstanding: Money,
    pub received: Money,
}

pub fn receivables(claims: &[Claim]) -> Receivables {
    claims.iter().fold(Receivables::default(), |mut r, k| {
        match k.state.as_str() {
            "open" | "submitted" => r.outstanding = r.outstanding + k.amount,
            "paid" => r.received = r.received + k.paid,
            _ => {}
        }
        r
    })
}

async fn load(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Claim> {
    from_row(&sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE k.id = $1"))).bind(id).fetch_one(conn).await?)
}

/// Moves a claim in scope on; audited.
pub async fn advance(db: &Db, actor: &Actor, id: i64, m: Move) -> Result<Claim> {
    let mut tx = db.begin().await?;
    // Hold the row, then judge what it holds (see the repair orders' lock).
    let locked = sqlx::query("UPDATE service_claims SET state = state WHERE id = $1")
        .bind(id)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if locked == 0 {
        return Err(Failure::NotFound);
    }
    let before = load(tx.conn(), id).await?;
    actor.scope.check(before.branch_id)?;
    check(&before.state, before.amount, &m)?;
    let (reference, paid, note) = match &m {
        Move::Submit { reference } => (reference.trim().to_string(), before.paid, before.note.clone()),
        Move::Paid { amount } => (before.reference.clone(), *amount, before.note.clone()),
        Move::Rejected { note } => (before.reference.clone(), before.paid, note.trim().to_string()),
    };
    sqlx::query(
        "UPDATE service_claims SET state = $1, reference = $2, paid_fen = $3, note = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(m.code())
    .bind(reference)
    .bind(paid.fen())
    .bind(note)
    .bind(instant_text(tx.now()))
    .bind(id)
    .execute(tx.conn())
    .await?;
    let after = load(tx.conn(), id).await?;
    tx.audit(
        actor,
        Change {
            entity: "service_claim",
            entity_id: id.to_string(),
            action: m.code(),
            branch: Some(after.branch_id),
            old: Some(json!(before)),
            new: Some(json!(after)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(state: &str, m: Move) -> String {
        match check(state, Money::from_yuan(100), &m).unwrap_err() {
            Failure::Conflict(rule) => rule.code.to_string(),
            Failure::Invalid(i) => format!("{}:{}", i.field, i.rule.code),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_claim_goes_from_open_to_submitted_to_paid_or_rejected() {
        let submit = || Move::Submit { reference: "SQ-2026-0001".into() };
        let paid = |yuan| Move::Paid { amount: Money::from_yuan(yuan) };
        assert!(check("open", Money::from_yuan(100), &submit()).is_ok());
        assert!(check("rejected", Money::from_yuan(100), &submit()).is_ok(), "resubmitted after a rejection");
        assert!(check("submitted", Money::from_yuan(100), &paid(100)).is_ok());
        assert_eq!(refused("open", paid(100)), "claim_state", "not paid before it is submitted");
        assert_eq!(refused("paid", submit()), "claim_state");
        assert_eq!(refused("open", Move::Submit { reference: " ".into() }), "reference:required");
        assert_eq!(refused("submitted", paid(101)), "paid:paid_range");
        assert_eq!(refused("submitted", paid(0)), "paid:paid_range");
        assert_eq!(refused("submitted", Move::Rejected { note: String::new() }), "note:required");
    }

    #[test]
    fn receivables_count_what_is_still_owed_and_what_came_in() {
        let k = |state: &str, amount: i64, paid: i64| Claim {
            id: 1,
            order_id: RepairOrderId(1),
            order_no: String::new(),
            plate: String::new(),
            customer_name: String::new(),
            payer: "insurance".into(),
            amount: Money::from_fen(amount),
            state: state.into(),
            reference: String::new(),
            paid: Money::from_fen(paid),
            note: String::new(),
            branch_id: kefu_core::ids::BranchId(1),
        };
        let r = receivables(&[k("open", 100, 0), k("submitted", 250, 0), k("paid", 300, 290), k("rejected", 80, 0)]);
        assert_eq!(r, Receivables { outstanding: Money::from_fen(350), received: Money::from_fen(290) });
    }
}
