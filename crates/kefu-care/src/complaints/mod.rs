//! Complaints: taken in from a call, a visit, the front desk, a survey
//! answer or a follow-up call; contacted at once, handled (investigation,
//! apology, home visits), resolved with an agreed solution, re-contacted
//! within seven days to confirm the customer is really satisfied, and only
//! then closed. Missed deadlines escalate to the supervisor and the manager
//! (`escalation.rs`); the rules are plain functions (`rules.rs`); every step
//! is a timeline entry on the customer and audited.

pub mod cases;
pub mod escalation;
mod handling;
pub mod rules;
pub mod summary;

pub use handling::{add_step, close, intake, intake_in, intake_with, measures, recontact, recontact_in, resolve};
pub use rules::{Deadlines, Escalation, Risk, Status, Step};

use kefu_core::ids::{BranchId, ComplaintId, CustomerId};
use kefu_core::time::{instant_text, parse_instant};
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Invalid, Scope};
use kefu_store::{Db, Failure, RowExt};
use serde::{Deserialize, Serialize};

type Result<T> = std::result::Result<T, Failure>;

pub const SOURCES: [&str; 5] = ["call", "visit", "front_desk", "survey", "followup"];
pub const CATEGORIES: [&str; 7] =
    ["service_attitude", "repair_quality", "waiting_time", "price", "parts", "sales_promise", "other"];
pub const SEVERITIES: [&str; 3] = ["normal", "serious", "critical"];
/// The departments a complaint is put to. The packs' own (estate
/// engineering, a supply station) join this list when they arrive.
pub const DEPARTMENTS: [&str; 5] = ["sales", "after_sales", "workshop", "customer_service", "other"];

/// The categories and departments a complaint may be taken in under: the
/// core's, and those the packs running add (an estate's engineering,
/// security, cleaning …). `measures_for` are the categories whose
/// complaints cannot close before their corrective and preventive measures
/// are recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choices {
    pub categories: Vec<&'static str>,
    pub departments: Vec<&'static str>,
    pub measures_for: Vec<&'static str>,
}

impl Choices {
    /// The core's lists alone.
    pub fn core() -> Choices {
        Choices { categories: CATEGORIES.to_vec(), departments: DEPARTMENTS.to_vec(), measures_for: Vec::new() }
    }

    /// These lists with a pack's added (each code once); `measures` says
    /// whether complaints under the pack's categories need measures.
    pub fn with(mut self, categories: &[&'static str], departments: &[&'static str], measures: bool) -> Choices {
        for c in categories {
            if !self.categories.contains(c) {
                self.categories.push(c);
            }
            if measures && !self.measures_for.contains(c) {
                self.measures_for.push(c);
            }
        }
        for d in departments {
            if !self.departments.contains(d) {
                self.departments.push(d);
            }
        }
        self
    }
}

/// A complaint as it is taken in.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComplaintInput {
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub department: String,
    /// What the customer complains about, in a line.
    #[serde(default)]
    pub subject: String,
    /// The facts as the customer told them.
    #[serde(default)]
    pub detail: String,
}

pub(crate) struct Valid {
    source: String,
    category: String,
    severity: String,
    department: String,
    subject: String,
    detail: String,
    measures_required: bool,
}

impl ComplaintInput {
    pub(crate) fn validate(&self) -> std::result::Result<Valid, Invalid> {
        self.validate_in(&Choices::core())
    }

    /// Checked against `choices`: the core's lists name their choices in
    /// the refusal; longer lists (with a pack's) ask to pick from the form.
    pub(crate) fn validate_in(&self, choices: &Choices) -> std::result::Result<Valid, Invalid> {
        let core = *choices == Choices::core();
        let pick = |field: &str, value: &str, allowed: &[&str], zh: &str, en: &str| {
            if core {
                rules::one_of(field, value, allowed, zh, en)
            } else {
                rules::one_of(field, value, allowed, "列表中的一项", "one of the list")
            }
        };
        let source = rules::one_of(
            "source",
            &self.source,
            &SOURCES,
            "电话、来店、前台、问卷 或 回访",
            "call, visit, front desk, survey or follow-up",
        )?;
        let category = pick(
            "category",
            &self.category,
            &choices.categories,
            "服务态度、维修质量、等候时间、价格、配件、销售承诺 或 其他",
            "service attitude, repair quality, waiting time, price, parts, sales promise or other",
        )?;
        let severity = rules::one_of(
            "severity",
            &self.severity,
            &SEVERITIES,
            "一般、严重 或 重大",
            "normal, serious or critical",
        )?;
        let department = pick(
            "department",
            &self.department,
            &choices.departments,
            "销售部、售后服务部、车间、客服中心 或 其他",
            "sales, after-sales, workshop, customer service or other",
        )?;
        let subject = required_text("subject", &self.subject, 200)?;
        let detail = optional_text("detail", &self.detail, 4000)?;
        let measures_required = choices.measures_for.contains(&category.as_str());
        Ok(Valid { source, category, severity, department, subject, detail, measures_required })
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Complaint {
    pub id: ComplaintId,
    pub branch_id: BranchId,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub source: String,
    pub category: String,
    pub severity: String,
    pub department: String,
    pub subject: String,
    pub detail: String,
    pub status: Status,
    /// UTC instants, storage form.
    pub received_at: String,
    pub received_by: String,
    pub contact_due_at: String,
    pub resolve_due_at: String,
    pub manager_due_at: String,
    pub contacted_at: Option<String>,
    pub resolved_at: Option<String>,
    pub solution: String,
    pub recontact_due_at: Option<String>,
    pub recontacted_at: Option<String>,
    pub satisfied: Option<bool>,
    pub closed_at: Option<String>,
    pub escalation: Escalation,
    /// It cannot close before both measures are recorded.
    pub measures_required: bool,
    /// 纠正措施: what was done about the cause.
    pub corrective: String,
    /// 预防措施: what stops it happening again.
    pub preventive: String,
}

/// Which of a complaint's deadlines have passed unmet at some instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Overdue {
    pub contact: bool,
    pub resolution: bool,
    pub recontact: bool,
}

impl Overdue {
    pub fn any(&self) -> bool {
        self.contact || self.resolution || self.recontact
    }
}

fn instant(text: &str) -> Result<jiff::Timestamp> {
    parse_instant(text).ok_or_else(|| kefu_store::StoreError::Other(format!("stored instant {text:?}")).into())
}

impl Complaint {
    /// The deadlines fixed at intake.
    pub fn due(&self) -> Result<rules::Due> {
        Ok(rules::Due {
            contact: instant(&self.contact_due_at)?,
            resolve: instant(&self.resolve_due_at)?,
            manager: instant(&self.manager_due_at)?,
        })
    }

    /// The deadlines missed as of `now`.
    pub fn overdue(&self, now: jiff::Timestamp) -> Result<Overdue> {
        let now = instant_text(now);
        Ok(Overdue {
            contact: self.contacted_at.is_none() && now >= self.contact_due_at,
            resolution: !self.status.is_resolved() && now >= self.resolve_due_at,
            recontact: self.status == Status::Resolved && self.recontact_due_at.as_ref().is_some_and(|d| now >= *d),
        })
    }

    pub fn standing(&self) -> rules::Standing {
        rules::Standing {
            status: self.status,
            escalated: self.escalation > Escalation::None,
            satisfied: self.satisfied,
        }
    }
}

/// One step taken on a complaint.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepRecord {
    pub id: i64,
    /// A [`Step`] code, or resolution, recontact, escalation, close.
    pub kind: String,
    pub at: String,
    pub text: String,
    pub actor: String,
}

const SELECT: &str = "SELECT p.id, p.branch_id, p.customer_id, c.name AS customer_name, p.source, p.category, p.severity, \
     p.department, p.subject, p.detail, p.status, p.received_at, p.received_by, p.contact_due_at, p.resolve_due_at, \
     p.manager_due_at, p.contacted_at, p.resolved_at, p.solution, p.recontact_due_at, p.recontacted_at, p.satisfied, \
     p.closed_at, p.escalation, p.measures_required, p.corrective, p.preventive FROM complaints p JOIN customers c ON c.id = p.customer_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Complaint> {
    let status = r.text("status")?;
    Ok(Complaint {
        id: ComplaintId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        customer_name: r.text("customer_name")?,
        source: r.text("source")?,
        category: r.text("category")?,
        severity: r.text("severity")?,
        department: r.text("department")?,
        subject: r.text("subject")?,
        detail: r.text("detail")?,
        status: Status::from_code(&status)
            .ok_or_else(|| kefu_store::StoreError::Other(format!("complaint status {status:?}")))?,
        received_at: r.text("received_at")?,
        received_by: r.text("received_by")?,
        contact_due_at: r.text("contact_due_at")?,
        resolve_due_at: r.text("resolve_due_at")?,
        manager_due_at: r.text("manager_due_at")?,
        contacted_at: r.opt_text("contacted_at")?,
        resolved_at: r.opt_text("resolved_at")?,
        solution: r.text("solution")?,
        recontact_due_at: r.opt_text("recontact_due_at")?,
        recontacted_at: r.opt_text("recontacted_at")?,
        satisfied: r.opt_i64("satisfied")?.map(|s| s != 0),
        closed_at: r.opt_text("closed_at")?,
        escalation: Escalation::from_level(r.i64("escalation")?),
        measures_required: r.i64("measures_required")? != 0,
        corrective: r.text("corrective")?,
        preventive: r.text("preventive")?,
    })
}

/// A complaint in the actor's scope.
pub async fn get(db: &Db, scope: &Scope, id: ComplaintId) -> Result<Complaint> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(db.pool()).await?.ok_or(Failure::NotFound)?;
    let complaint = from_row(&row)?;
    scope.check(complaint.branch_id)?;
    Ok(complaint)
}

/// The steps taken on a complaint, oldest first.
pub async fn steps(db: &Db, complaint: &Complaint) -> Result<Vec<StepRecord>> {
    let rows = sqlx::query("SELECT id, kind, at, text, actor FROM complaint_steps WHERE complaint_id = $1 ORDER BY id")
        .bind(complaint.id.0)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StepRecord {
                id: r.i64("id")?,
                kind: r.text("kind")?,
                at: r.text("at")?,
                text: r.text("text")?,
                actor: r.text("actor")?,
            })
        })
        .collect()
}

/// Which complaints a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    /// Every complaint not yet closed.
    Unclosed,
    All,
}

/// Complaints in scope, newest first.
pub async fn list(db: &Db, scope: &Scope, filter: Filter, limit: i64) -> Result<Vec<Complaint>> {
    let status = match filter {
        Filter::Unclosed => "AND p.status <> 'closed'",
        Filter::All => "",
    };
    let sql = format!(
        "{SELECT} WHERE p.branch_id IN ({}) {status} ORDER BY p.received_at DESC, p.id DESC LIMIT $1",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

/// The complaints in scope that want attention, for the start page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TodayCounts {
    /// Not yet closed.
    pub unclosed: i64,
    /// A deadline missed: first contact, resolution or re-contact.
    pub overdue: i64,
    /// Unresolved and escalated to the supervisor or the manager.
    pub escalated: i64,
}

pub async fn today_counts(db: &Db, scope: &Scope, now: jiff::Timestamp) -> Result<TodayCounts> {
    let sql = format!(
        "SELECT COUNT(*) AS unclosed, \
         COALESCE(SUM(CASE WHEN (p.status IN ('open', 'in_progress') AND (p.resolve_due_at <= $1 \
           OR (p.contacted_at IS NULL AND p.contact_due_at <= $1))) \
           OR (p.status = 'resolved' AND p.recontact_due_at <= $1) THEN 1 ELSE 0 END), 0) AS overdue, \
         COALESCE(SUM(CASE WHEN p.status IN ('open', 'in_progress') AND p.escalation > 0 THEN 1 ELSE 0 END), 0) \
           AS escalated \
         FROM complaints p WHERE p.status <> 'closed' AND p.branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(instant_text(now)).fetch_one(db.pool()).await?;
    Ok(TodayCounts { unclosed: row.i64("unclosed")?, overdue: row.i64("overdue")?, escalated: row.i64("escalated")? })
}

/// A customer's complaints in scope, newest first.
pub async fn of_customer(db: &Db, scope: &Scope, customer: CustomerId) -> Result<Vec<Complaint>> {
    let sql = format!(
        "{SELECT} WHERE p.customer_id = $1 AND p.branch_id IN ({}) ORDER BY p.received_at DESC, p.id DESC",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ComplaintInput {
        ComplaintInput {
            source: "call".into(),
            category: "repair_quality".into(),
            severity: "serious".into(),
            department: "workshop".into(),
            subject: "保养后仍有异响".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn intake_names_the_field_it_refuses() {
        assert!(input().validate().is_ok());
        let field = |i: ComplaintInput| i.validate().err().unwrap().field;
        assert_eq!(field(ComplaintInput { source: "fax".into(), ..input() }), "source");
        assert_eq!(field(ComplaintInput { department: String::new(), ..input() }), "department");
        assert_eq!(field(ComplaintInput { subject: "  ".into(), ..input() }), "subject");
        assert_eq!(field(ComplaintInput { subject: "长".repeat(201), ..input() }), "subject");
    }
}
