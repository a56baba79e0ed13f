//! The writes of a complaint's life: intake, handling steps, resolution,
//! re-contact and closure. Each checks the rules first, changes the
//! complaint only if nobody changed it meanwhile (the update names the
//! status it expects), and records the step, the customer's timeline entry
//! and the audit record in one transaction.

use super::rules::{self, Deadlines, Status, Step};
use super::{Choices, Complaint, ComplaintInput, Valid, get};
use crate::timeline::{self, NewEvent};
use kefu_core::ids::{BranchId, ComplaintId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Rule};
use kefu_store::{Change, Db, Failure, Tx};
use serde_json::{Value, json};

type Result<T> = std::result::Result<T, Failure>;

/// What a step leaves behind besides the complaint's own change.
pub(super) struct Entry<'a> {
    pub kind: &'a str,
    pub text: String,
    /// The audit record's new values.
    pub new: Value,
}

/// Records a step: its row, the customer's timeline entry and the audit.
pub(super) async fn record(tx: &mut Tx, actor: &Actor, c: &Complaint, at: jiff::Timestamp, e: Entry<'_>) -> Result<()> {
    sqlx::query("INSERT INTO complaint_steps (complaint_id, kind, at, text, actor) VALUES ($1, $2, $3, $4, $5)")
        .bind(c.id.0)
        .bind(e.kind.to_string())
        .bind(instant_text(at))
        .bind(e.text.clone())
        .bind(actor.display_name.clone())
        .execute(tx.conn())
        .await?;
    timeline::record(
        tx,
        NewEvent {
            branch: c.branch_id,
            customer: c.customer_id,
            asset: None,
            at,
            kind: timeline::kind::COMPLAINT,
            summary: if e.text.is_empty() { c.subject.clone() } else { e.text },
            detail: json!({ "complaint_id": c.id, "step": e.kind }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "complaint",
            entity_id: c.id.to_string(),
            action: e.kind,
            branch: Some(c.branch_id),
            old: Some(json!({ "status": c.status })),
            new: Some(e.new),
        },
    )
    .await?;
    Ok(())
}

/// The refusal when the complaint changed between reading and writing.
fn changed_meanwhile() -> Failure {
    Failure::Conflict(Rule::new(
        "complaint_changed",
        "该投诉刚被他人更新，请刷新后再试",
        "someone else just changed this complaint; reload and try again",
    ))
}

/// Runs `sql` (which must bind `$1` … as given and end `WHERE id = $k AND
/// status = $k+1`) and refuses when no row still had the expected status.
async fn transition(tx: &mut Tx, sql: &'static str, binds: Vec<String>, c: &Complaint) -> Result<()> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(b);
    }
    let changed = q.bind(c.id.0).bind(c.status.code()).execute(tx.conn()).await?.rows_affected();
    if changed == 0 { Err(changed_meanwhile()) } else { Ok(()) }
}

/// Takes in a complaint about a customer in the actor's scope, with its
/// deadlines counted from `now`.
pub async fn intake(
    db: &Db,
    actor: &Actor,
    customer: CustomerId,
    input: &ComplaintInput,
    deadlines: &Deadlines,
    now: jiff::Timestamp,
) -> Result<Complaint> {
    intake_with(db, actor, customer, input, (&Choices::core(), deadlines), now).await
}

/// Takes in a complaint under the categories and departments of `choices`
/// (the core's and the running packs').
pub async fn intake_with(
    db: &Db,
    actor: &Actor,
    customer: CustomerId,
    input: &ComplaintInput,
    (choices, deadlines): (&Choices, &Deadlines),
    now: jiff::Timestamp,
) -> Result<Complaint> {
    let owner = crate::customers::get(db, &actor.scope, customer).await?;
    let valid = input.validate_in(choices)?;
    let mut tx = db.begin().await?;
    let complaint = insert(&mut tx, actor, (owner.branch_id, customer), valid, deadlines, now).await?;
    tx.commit().await?;
    Ok(complaint)
}

/// Takes in a complaint inside the caller's transaction (a survey answer
/// that opens one writes both at once); the caller has checked the scope.
pub async fn intake_in(
    tx: &mut Tx,
    actor: &Actor,
    (branch, customer): (BranchId, CustomerId),
    input: &ComplaintInput,
    deadlines: &Deadlines,
    now: jiff::Timestamp,
) -> Result<Complaint> {
    insert(tx, actor, (branch, customer), input.validate()?, deadlines, now).await
}

async fn insert(
    tx: &mut Tx,
    actor: &Actor,
    (branch, customer): (BranchId, CustomerId),
    v: Valid,
    deadlines: &Deadlines,
    now: jiff::Timestamp,
) -> Result<Complaint> {
    let due = deadlines.due(now);
    let at = instant_text(now);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO complaints (branch_id, customer_id, source, category, severity, department, subject, detail, \
         status, received_at, received_by, contact_due_at, resolve_due_at, manager_due_at, updated_at, \
         measures_required) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $12, $13, $9, $14) \
         RETURNING id",
    )
    .bind(branch.0)
    .bind(customer.0)
    .bind(v.source)
    .bind(v.category)
    .bind(v.severity)
    .bind(v.department)
    .bind(v.subject)
    .bind(v.detail)
    .bind(at)
    .bind(actor.display_name.clone())
    .bind(instant_text(due.contact))
    .bind(instant_text(due.resolve))
    .bind(instant_text(due.manager))
    .bind(i64::from(v.measures_required))
    .fetch_one(tx.conn())
    .await?;
    let complaint = read_in(tx, ComplaintId(id)).await?;
    record(
        tx,
        actor,
        &complaint,
        now,
        Entry { kind: "intake", text: complaint.subject.clone(), new: json!(complaint) },
    )
    .await?;
    Ok(complaint)
}

/// The complaint just written, read inside the transaction that wrote it.
async fn read_in(tx: &mut Tx, id: ComplaintId) -> Result<Complaint> {
    let sql = format!("{} WHERE p.id = $1", super::SELECT);
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_one(tx.conn()).await?;
    super::from_row(&row)
}

/// Records a handling step. The first contact with the customer stops the
/// first-contact clock and puts the complaint in hand.
pub async fn add_step(
    db: &Db,
    actor: &Actor,
    id: ComplaintId,
    step: Step,
    text: &str,
    now: jiff::Timestamp,
) -> Result<Complaint> {
    let c = get(db, &actor.scope, id).await?;
    rules::check_step(c.status)?;
    let text = required_text("text", text, 2000)?;
    let at = instant_text(now);
    let mut tx = db.begin().await?;
    if step == Step::Contact && c.status == Status::Open {
        transition(
            &mut tx,
            "UPDATE complaints SET status = 'in_progress', contacted_at = $1, updated_at = $1 WHERE id = $2 AND status = $3",
            vec![at],
            &c,
        )
        .await?;
    } else {
        transition(&mut tx, "UPDATE complaints SET updated_at = $1 WHERE id = $2 AND status = $3", vec![at], &c)
            .await?;
    }
    record(&mut tx, actor, &c, now, Entry { kind: step.code(), text: text.clone(), new: json!({ "text": text }) })
        .await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Resolves a complaint with the solution agreed with the customer; the
/// re-contact falls due seven days later.
pub async fn resolve(
    db: &Db,
    actor: &Actor,
    id: ComplaintId,
    solution: &str,
    now: jiff::Timestamp,
) -> Result<Complaint> {
    let c = get(db, &actor.scope, id).await?;
    rules::check_resolve(c.status, solution)?;
    let solution = required_text("solution", solution, 2000)?;
    let recontact_due = instant_text(rules::recontact_due(now));
    let mut tx = db.begin().await?;
    transition(
        &mut tx,
        "UPDATE complaints SET status = 'resolved', resolved_at = $1, solution = $2, recontact_due_at = $3, \
         updated_at = $1 WHERE id = $4 AND status = $5",
        vec![instant_text(now), solution.clone(), recontact_due.clone()],
        &c,
    )
    .await?;
    let new = json!({ "solution": solution, "recontact_due_at": recontact_due });
    record(&mut tx, actor, &c, now, Entry { kind: "resolution", text: solution, new }).await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Records the re-contact after the resolution: a satisfied customer lets
/// the complaint close; an unsatisfied one reopens it for a new solution.
pub async fn recontact(
    db: &Db,
    actor: &Actor,
    id: ComplaintId,
    satisfied: bool,
    notes: &str,
    now: jiff::Timestamp,
) -> Result<Complaint> {
    let c = get(db, &actor.scope, id).await?;
    let mut tx = db.begin().await?;
    recontact_in(&mut tx, actor, &c, satisfied, notes, now).await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Records the re-contact of `c` (read in the actor's scope) inside the
/// caller's transaction: the re-contact call of the call queue writes its
/// outcome and the complaint's in one.
pub async fn recontact_in(
    tx: &mut Tx,
    actor: &Actor,
    c: &Complaint,
    satisfied: bool,
    notes: &str,
    now: jiff::Timestamp,
) -> Result<()> {
    rules::check_recontact(c.status)?;
    // Why the customer is still unhappy is what the next solution starts from.
    let notes = if satisfied { optional_text("notes", notes, 2000)? } else { required_text("notes", notes, 2000)? };
    let at = instant_text(now);
    if satisfied {
        transition(
            tx,
            "UPDATE complaints SET status = 'confirmed', recontacted_at = $1, satisfied = 1, updated_at = $1 \
             WHERE id = $2 AND status = $3",
            vec![at],
            c,
        )
        .await?;
    } else {
        transition(
            tx,
            "UPDATE complaints SET status = 'in_progress', recontacted_at = $1, satisfied = 0, resolved_at = NULL, \
             recontact_due_at = NULL, updated_at = $1 WHERE id = $2 AND status = $3",
            vec![at],
            c,
        )
        .await?;
    }
    let new = json!({ "satisfied": satisfied, "notes": notes });
    record(tx, actor, c, now, Entry { kind: if satisfied { "recontact" } else { "reopen" }, text: notes, new }).await
}

/// Closes a complaint the re-contact confirmed.
pub async fn close(db: &Db, actor: &Actor, id: ComplaintId, notes: &str, now: jiff::Timestamp) -> Result<Complaint> {
    let c = get(db, &actor.scope, id).await?;
    rules::check_close(c.status)?;
    rules::check_measures(&c)?;
    let notes = optional_text("notes", notes, 2000)?;
    let mut tx = db.begin().await?;
    transition(
        &mut tx,
        "UPDATE complaints SET status = 'closed', closed_at = $1, updated_at = $1 WHERE id = $2 AND status = $3",
        vec![instant_text(now)],
        &c,
    )
    .await?;
    record(&mut tx, actor, &c, now, Entry { kind: "close", text: notes.clone(), new: json!({ "notes": notes }) })
        .await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Records a complaint's corrective and preventive measures (纠正预防措施),
/// both required, on a complaint not yet closed; recorded again, the new
/// text replaces the old, both kept in the steps and the audit.
pub async fn measures(
    db: &Db,
    actor: &Actor,
    id: ComplaintId,
    (corrective, preventive): (&str, &str),
    now: jiff::Timestamp,
) -> Result<Complaint> {
    let c = get(db, &actor.scope, id).await?;
    rules::check_step(c.status)?;
    let corrective = required_text("corrective", corrective, 2000)?;
    let preventive = required_text("preventive", preventive, 2000)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE complaints SET corrective = $1, preventive = $2, updated_at = $3 WHERE id = $4")
        .bind(corrective.clone())
        .bind(preventive.clone())
        .bind(instant_text(now))
        .bind(c.id.0)
        .execute(tx.conn())
        .await?;
    let text = format!("{corrective}\n{preventive}");
    let new = json!({ "corrective": corrective, "preventive": preventive });
    record(&mut tx, actor, &c, now, Entry { kind: "measures", text, new }).await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}
