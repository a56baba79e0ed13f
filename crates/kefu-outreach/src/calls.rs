//! The agents' call queue: today's calls by priority, claimed by one agent
//! at a time, each ending with an outcome — with retries for calls nobody
//! answered, and a follow-up item for the supervisor when a customer reports
//! a problem.

use crate::recontacts::COMPLAINT;
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_care::timeline::{self, NewEvent};
use kefu_core::ids::{BranchId, CallId, ComplaintId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::validation::optional_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::{Deserialize, Serialize};
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The playbook code of the calls that explain a notice to a customer
/// (any pack's: the estate's notices to owners), sent outside the
/// playbooks; such a call ends as [`Outcome::NOTICE`] says.
pub const NOTICE_PLAYBOOK: &str = "notice";

/// How often an unanswered call is tried before the cadence gives up.
pub const MAX_ATTEMPTS: i64 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Reached, and an appointment was booked: the cadence stops.
    ReachedBooked,
    ReachedDeclined,
    /// Reached and satisfied (满意): with the visit, on a follow-up after
    /// one; with how the complaint was handled, on a complaint's re-contact,
    /// which confirms the complaint.
    Satisfied,
    /// Reached, and the customer reported a problem (on a follow-up: the
    /// problem remains, 不满意): a follow-up item opens, or the agent books
    /// the customer back to have it fixed.
    ProblemReported,
    /// A complaint's re-contact: the customer is still not satisfied (the
    /// notes say why), which puts the complaint back in hand.
    NotSatisfied,
    /// Nobody answered: tried again the next day, up to [`MAX_ATTEMPTS`].
    NoAnswer,
    WrongNumber,
    /// The customer asked not to be called again.
    DoNotCall,
    /// A notice's call: reached, and the notice was explained (解释).
    Explained,
}

impl Outcome {
    pub const ALL: [Outcome; 9] = [
        Outcome::ReachedBooked,
        Outcome::ReachedDeclined,
        Outcome::Satisfied,
        Outcome::ProblemReported,
        Outcome::NotSatisfied,
        Outcome::NoAnswer,
        Outcome::WrongNumber,
        Outcome::DoNotCall,
        Outcome::Explained,
    ];

    /// How a call that invites the customer in can end.
    pub const INVITATION: [Outcome; 6] = [
        Outcome::ReachedBooked,
        Outcome::ReachedDeclined,
        Outcome::ProblemReported,
        Outcome::NoAnswer,
        Outcome::WrongNumber,
        Outcome::DoNotCall,
    ];

    /// How the follow-up call after a visit can end (D1, D3: ask whether
    /// the customer is satisfied, record a problem that remains).
    pub const FOLLOW_UP: [Outcome; 5] =
        [Outcome::Satisfied, Outcome::ProblemReported, Outcome::NoAnswer, Outcome::WrongNumber, Outcome::DoNotCall];

    /// How any outreach call but a complaint's re-contact can end: as an
    /// invitation or as a follow-up after a visit.
    pub const OUTREACH: [Outcome; 7] = [
        Outcome::ReachedBooked,
        Outcome::ReachedDeclined,
        Outcome::Satisfied,
        Outcome::ProblemReported,
        Outcome::NoAnswer,
        Outcome::WrongNumber,
        Outcome::DoNotCall,
    ];

    /// How a notice's call can end: explained, or the customer not reached.
    pub const NOTICE: [Outcome; 4] = [Outcome::Explained, Outcome::NoAnswer, Outcome::WrongNumber, Outcome::DoNotCall];

    /// How a complaint's re-contact call can end.
    pub const RECONTACT: [Outcome; 5] =
        [Outcome::Satisfied, Outcome::NotSatisfied, Outcome::NoAnswer, Outcome::WrongNumber, Outcome::DoNotCall];

    pub fn code(self) -> &'static str {
        match self {
            Outcome::ReachedBooked => "reached_booked",
            Outcome::ReachedDeclined => "reached_declined",
            Outcome::Satisfied => "satisfied",
            Outcome::ProblemReported => "problem_reported",
            Outcome::NotSatisfied => "not_satisfied",
            Outcome::NoAnswer => "no_answer",
            Outcome::WrongNumber => "wrong_number",
            Outcome::DoNotCall => "do_not_call",
            Outcome::Explained => "explained",
        }
    }

    pub fn from_code(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Someone spoke with the customer about the matter. "Do not call" is
    /// not counted: the customer hung up on the call itself.
    pub fn reached(self) -> bool {
        matches!(
            self,
            Outcome::ReachedBooked
                | Outcome::ReachedDeclined
                | Outcome::Satisfied
                | Outcome::ProblemReported
                | Outcome::NotSatisfied
                | Outcome::Explained
        )
    }

    /// Nobody could be reached on the number: tried again, or given up.
    pub fn unreachable(self) -> bool {
        matches!(self, Outcome::NoAnswer | Outcome::WrongNumber)
    }
}

/// What is done about a problem a customer reports on a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// A follow-up item for the supervisor.
    #[default]
    FollowUpItem,
    /// The customer comes back to have it fixed: the agent books the visit
    /// from the call's page, and the booking is what follows it up.
    ReturnVisit,
}

impl Remedy {
    pub fn code(self) -> &'static str {
        match self {
            Remedy::FollowUpItem => "followup_item",
            Remedy::ReturnVisit => "return_visit",
        }
    }

    pub fn from_code(code: &str) -> Option<Remedy> {
        [Remedy::FollowUpItem, Remedy::ReturnVisit].into_iter().find(|r| r.code() == code)
    }
}

/// A call in the queue.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Call {
    pub id: CallId,
    pub branch_id: BranchId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub mobile: Option<String>,
    pub playbook: String,
    pub due_date: String,
    pub anchor_date: String,
    pub priority: i64,
    pub status: String,
    pub claimed_by: Option<i64>,
    pub claimed_by_name: Option<String>,
    pub attempts: i64,
    /// The script, with the customer's details filled in.
    pub message: String,
    /// Touches merged into this call, by playbook name.
    pub reason: String,
    pub outcome: Option<String>,
    pub notes: String,
    pub quiet_start: String,
    pub quiet_end: String,
    pub preferred_time: String,
    /// The complaint a re-contact call is about.
    pub complaint_id: Option<ComplaintId>,
}

impl Call {
    /// The outcomes the agent chooses from.
    /// The outcomes that may be recorded: a complaint's re-contact has its
    /// own; any other call ends as an invitation or a follow-up after a visit
    /// does (the page offers the one set its playbook calls for).
    pub fn outcomes(&self) -> &'static [Outcome] {
        if self.complaint_id.is_some() {
            &Outcome::RECONTACT
        } else if self.playbook == NOTICE_PLAYBOOK {
            &Outcome::NOTICE
        } else {
            &Outcome::OUTREACH
        }
    }
}

const CALL_COLUMNS: &str = "t.id, t.branch_id, t.customer_id, c.name AS customer_name, c.mobile, t.playbook, t.due_date, \
     t.anchor_date, t.priority, t.status, t.claimed_by, u.display_name AS claimed_by_name, t.attempts, t.message, t.reason, \
     t.outcome, t.notes, c.quiet_start, c.quiet_end, c.preferred_time, t.asset_kind, t.asset_id";

fn call_of(r: &sqlx::any::AnyRow) -> Result<Call> {
    Ok(Call {
        id: CallId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        customer_name: r.text("customer_name")?,
        mobile: r.opt_text("mobile")?,
        playbook: r.text("playbook")?,
        due_date: r.text("due_date")?,
        anchor_date: r.text("anchor_date")?,
        priority: r.i64("priority")?,
        status: r.text("status")?,
        claimed_by: r.opt_i64("claimed_by")?,
        claimed_by_name: r.opt_text("claimed_by_name")?,
        attempts: r.i64("attempts")?,
        message: r.text("message")?,
        reason: r.text("reason")?,
        outcome: r.opt_text("outcome")?,
        notes: r.text("notes")?,
        quiet_start: r.text("quiet_start")?,
        quiet_end: r.text("quiet_end")?,
        preferred_time: r.text("preferred_time")?,
        complaint_id: (r.text("asset_kind")? == COMPLAINT).then(|| r.i64("asset_id").map(ComplaintId)).transpose()?,
    })
}

/// Calls a page of the queue shows: an agent works from the top, and a
/// short page renders in a few milliseconds even on a busy morning.
pub const QUEUE_PAGE: i64 = 50;

/// Today's open calls in scope, most important first: due today or
/// earlier, and not waiting for a retry day.
/// The status list and the ORDER BY match the index of open calls
/// (migration 13), which lets the query stop after `offset + limit` calls.
pub async fn queue(db: &Db, scope: &Scope, today: Date, limit: i64, offset: i64) -> Result<Vec<Call>> {
    let sql = format!(
        "SELECT {CALL_COLUMNS} FROM outreach_tasks t JOIN customers c ON c.id = t.customer_id \
         LEFT JOIN users u ON u.id = t.claimed_by \
         WHERE t.channel = 'call' AND t.status IN ('pending', 'claimed') AND t.due_date <= '{today}' \
         AND (t.retry_on IS NULL OR t.retry_on <= '{today}') AND t.branch_id IN ({}) \
         ORDER BY t.priority DESC, t.due_date, t.id LIMIT {limit} OFFSET {offset}",
        scope.sql_list()
    );
    // The day and the page's bounds (values we produce, never user text)
    // are written into the statement, not bound: with them bound,
    // PostgreSQL found the plan for the values at hand cheaper than its
    // shared plan every time and planned each request anew. So the
    // statement is planned once a day on each connection.
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(call_of).collect()
}

pub async fn get(db: &Db, scope: &Scope, id: CallId) -> Result<Call> {
    let sql = format!(
        "SELECT {CALL_COLUMNS} FROM outreach_tasks t JOIN customers c ON c.id = t.customer_id \
         LEFT JOIN users u ON u.id = t.claimed_by WHERE t.id = $1 AND t.channel = 'call'"
    );
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(db.pool()).await?.ok_or(Failure::NotFound)?;
    let call = call_of(&row)?;
    scope.check(call.branch_id)?;
    Ok(call)
}

/// Claims a call for the acting agent. Two agents never hold the same call:
/// the claim is one conditional update, and the loser is told who won.
pub async fn claim(db: &Db, actor: &Actor, id: CallId) -> Result<Call> {
    let call = get(db, &actor.scope, id).await?;
    let mut tx = db.begin().await?;
    let claimed = sqlx::query(
        "UPDATE outreach_tasks SET status = 'claimed', claimed_by = $1, claimed_at = $2, updated_at = $2 \
         WHERE id = $3 AND (status = 'pending' OR (status = 'claimed' AND claimed_by = $1))",
    )
    .bind(actor.user_id.0)
    .bind(instant_text(tx.now()))
    .bind(id.0)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if claimed == 0 {
        tx.audit(
            actor,
            Change {
                entity: "call",
                entity_id: id.to_string(),
                action: "claim_refused",
                branch: Some(call.branch_id),
                old: None,
                new: None,
            },
        )
        .await?;
        tx.commit().await?;
        let now = get(db, &actor.scope, id).await?;
        let who = now.claimed_by_name.unwrap_or_default();
        return Err(Failure::Conflict(Rule::new(
            "already_claimed",
            format!("该电话已由{who}领取或已处理"),
            format!("this call was already taken by {who} or finished"),
        )));
    }
    tx.audit(
        actor,
        Change {
            entity: "call",
            entity_id: id.to_string(),
            action: "claim",
            branch: Some(call.branch_id),
            old: None,
            new: Some(json!({ "claimed_by": actor.user_id })),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// Records how a claimed call ended; `remedy` says what follows a reported
/// problem (ignored for the other outcomes).
pub async fn record_outcome(
    db: &Db,
    actor: &Actor,
    id: CallId,
    (outcome, remedy): (Outcome, Remedy),
    notes: &str,
    today: Date,
) -> Result<Call> {
    let call = get(db, &actor.scope, id).await?;
    if call.status != "claimed" || call.claimed_by != Some(actor.user_id.0) {
        return Err(Failure::Conflict(Rule::new(
            "not_your_call",
            "请先领取该电话再记录结果",
            "claim the call before recording its outcome",
        )));
    }
    if !call.outcomes().contains(&outcome) {
        return Err(Invalid::new(
            "outcome",
            Rule::new("call_outcome", "该电话不能记录此结果", "this outcome does not apply to this call"),
        )
        .into());
    }
    // A re-contact's complaint, read before the transaction (in scope).
    let complaint = match call.complaint_id {
        Some(id) => Some(kefu_care::complaints::get(db, &actor.scope, id).await?),
        None => None,
    };
    let notes = notes.trim();
    if outcome == Outcome::ProblemReported && notes.is_empty() {
        return Err(Invalid::new(
            "notes",
            Rule::new("problem_notes", "请记录客户反映的问题", "describe the problem the customer reported"),
        )
        .into());
    }
    optional_text("notes", notes, 2000)?;
    let attempts = call.attempts + 1;
    let retry = outcome == Outcome::NoAnswer && attempts < MAX_ATTEMPTS;
    let mut tx = db.begin().await?;
    let now = instant_text(tx.now());
    if retry {
        sqlx::query(
            "UPDATE outreach_tasks SET status = 'pending', claimed_by = NULL, claimed_at = NULL, attempts = $1, \
             retry_on = $2, outcome = $3, notes = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(attempts)
        .bind((today + 1.day()).to_string())
        .bind(outcome.code())
        .bind(notes.to_string())
        .bind(now.clone())
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    } else {
        sqlx::query(
            "UPDATE outreach_tasks SET status = 'done', attempts = $1, outcome = $2, notes = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(attempts)
        .bind(outcome.code())
        .bind(notes.to_string())
        .bind(now.clone())
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    }
    if let (Some(c), Outcome::Satisfied | Outcome::NotSatisfied) = (&complaint, outcome) {
        let at = tx.now();
        kefu_care::complaints::recontact_in(&mut tx, actor, c, outcome == Outcome::Satisfied, notes, at).await?;
    }
    if outcome == Outcome::DoNotCall {
        sqlx::query("UPDATE customers SET do_not_call = 1, updated_at = $1 WHERE id = $2")
            .bind(now.clone())
            .bind(call.customer_id.0)
            .execute(tx.conn())
            .await?;
    }
    let remedy = (outcome == Outcome::ProblemReported).then_some(remedy);
    if remedy == Some(Remedy::FollowUpItem) {
        sqlx::query(
            "INSERT INTO followups (branch_id, customer_id, task_id, description, status, opened_at, opened_by) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6)",
        )
        .bind(call.branch_id.0)
        .bind(call.customer_id.0)
        .bind(id.0)
        .bind(notes.to_string())
        .bind(now.clone())
        .bind(actor.display_name.clone())
        .execute(tx.conn())
        .await?;
    }
    let at = tx.now();
    timeline::record(
        &mut tx,
        NewEvent {
            branch: call.branch_id,
            customer: call.customer_id,
            asset: None,
            at,
            kind: timeline::kind::CALL,
            summary: notes.to_string(),
            detail: json!({ "outcome": outcome.code(), "playbook": call.playbook, "attempt": attempts,
                            "remedy": remedy.map(Remedy::code) }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "call",
            entity_id: id.to_string(),
            action: "outcome",
            branch: Some(call.branch_id),
            old: Some(json!({ "status": call.status })),
            new: Some(json!({ "outcome": outcome.code(), "notes": notes, "retry": retry,
                              "remedy": remedy.map(Remedy::code) })),
        },
    )
    .await?;
    tx.commit().await?;
    get(db, &actor.scope, id).await
}

/// A problem reported on a follow-up call, waiting for the supervisor.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FollowUp {
    pub id: i64,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub task_id: CallId,
    pub description: String,
    pub status: String,
    pub opened_at: String,
    pub opened_by: String,
    pub resolution: String,
}

pub async fn followups(db: &Db, scope: &Scope, open_only: bool) -> Result<Vec<FollowUp>> {
    let sql = format!(
        "SELECT f.id, f.customer_id, c.name AS customer_name, f.task_id, f.description, f.status, f.opened_at, f.opened_by, \
         f.resolution FROM followups f JOIN customers c ON c.id = f.customer_id WHERE f.branch_id IN ({}) {} \
         ORDER BY f.id DESC LIMIT 500",
        scope.sql_list(),
        if open_only { "AND f.status = 'open'" } else { "" }
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(FollowUp {
                id: r.i64("id")?,
                customer_id: CustomerId(r.i64("customer_id")?),
                customer_name: r.text("customer_name")?,
                task_id: CallId(r.i64("task_id")?),
                description: r.text("description")?,
                status: r.text("status")?,
                opened_at: r.text("opened_at")?,
                opened_by: r.text("opened_by")?,
                resolution: r.text("resolution")?,
            })
        })
        .collect()
}

/// Closes a follow-up item with what was done about it.
pub async fn close_followup(db: &Db, actor: &Actor, id: i64, resolution: &str) -> Result<()> {
    let branch: Option<i64> = sqlx::query_scalar("SELECT branch_id FROM followups WHERE id = $1 AND status = 'open'")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let branch = BranchId(branch.ok_or(Failure::NotFound)?);
    actor.scope.check(branch)?;
    if resolution.trim().is_empty() {
        return Err(Invalid::required("resolution").into());
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE followups SET status = 'closed', closed_at = $1, closed_by = $2, resolution = $3 WHERE id = $4",
    )
    .bind(instant_text(tx.now()))
    .bind(actor.display_name.clone())
    .bind(resolution.trim().to_string())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "followup",
            entity_id: id.to_string(),
            action: "close",
            branch: Some(branch),
            old: None,
            new: Some(json!({ "resolution": resolution.trim() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Today's outreach work in scope, for the start page.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TodayCounts {
    pub calls_waiting: i64,
    pub letters_to_print: i64,
    pub messages_to_send: i64,
    pub followups_open: i64,
}

pub async fn today_counts(db: &Db, scope: &Scope, today: Date) -> Result<TodayCounts> {
    let sql = format!(
        "SELECT channel, COUNT(*) AS n FROM outreach_tasks WHERE status IN ('pending', 'claimed') AND due_date <= $1 \
         AND (retry_on IS NULL OR retry_on <= $1) AND branch_id IN ({}) GROUP BY channel",
        scope.sql_list()
    );
    let mut counts = TodayCounts::default();
    for r in sqlx::query(sqlx::AssertSqlSafe(sql)).bind(today.to_string()).fetch_all(db.pool()).await? {
        let n = r.i64("n")?;
        match r.text("channel")?.as_str() {
            "call" => counts.calls_waiting += n,
            "letter" => counts.letters_to_print += n,
            _ => counts.messages_to_send += n,
        }
    }
    let sql = format!("SELECT COUNT(*) FROM followups WHERE status = 'open' AND branch_id IN ({})", scope.sql_list());
    counts.followups_open = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?;
    Ok(counts)
}
