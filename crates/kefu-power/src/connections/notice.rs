//! The applicant is told of each step of their application (issue 19 §2)
//! through the outreach engine: the event playbook `power_application_step`
//! (this pack's `playbooks.toml`, which administrators edit like any other)
//! becomes an outreach task in the step's own transaction, and the
//! dispatcher sends it by SMS, after the customer's quiet hours.

use super::Step;
use super::store::Application;
use jiff::civil::Date;
use kefu_care::customers::{PREFERENCE_COLUMNS, preferences_of};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::rules::Reachable;
use kefu_outreach::source::{Subject, Vars};
use kefu_store::{Db, Failure, RowExt, Tx};

/// The playbook's code and its anchor.
pub const PLAYBOOK: &str = "power_application_step";

/// The record a notice is about: the step done (a row of
/// `power_application_steps`), so two steps on one day are two notices.
pub const ASSET: &str = "power_application_step";

/// The playbooks of new connections, among the pack's defaults.
pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

/// The kinds' names as the SMS says them.
fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "new" => "新装",
        "increase" => "增容",
        "decrease" => "减容",
        "pause" => "暂停",
        "transfer" => "过户",
        _ => "销户",
    }
}

/// Queues the notice of `step` done on `app` to its applicant, inside the
/// step's transaction (`step_row` the step's record).
pub async fn step_done_in(
    tx: &mut Tx,
    db: &Db,
    app: &Application,
    (step, step_row): (Step, i64),
    today: Date,
) -> Result<(), Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    let prefs = PREFERENCE_COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT c.name, c.mobile, c.email, c.address, c.is_member, {prefs}, b.name AS station, b.phone \
         FROM customers c JOIN branches b ON b.id = $2 WHERE c.id = $1 AND c.merged_into IS NULL"
    );
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(app.customer_id.0)
        .bind(app.branch_id.0)
        .fetch_optional(tx.conn())
        .await?
    else {
        // An applicant merged into another has no one to tell here.
        return Ok(());
    };
    let next = match (&app.next_step, app.next_due) {
        (Some(code), Some(due)) => {
            let name = Step::parse("step", code).map(Step::name_zh).unwrap_or_default();
            format!("下一环节“{name}”将于{due}前办结。")
        }
        _ => String::new(),
    };
    let vars = Vars::from([
        ("name", r.text("name")?),
        ("store", r.text("station")?),
        ("store_phone", r.text("phone")?),
        ("reason", format!("{}申请（{}）“{}”", kind_zh(&app.kind), app.number, step.name_zh())),
        ("time", next),
    ]);
    let subject = Subject {
        branch: app.branch_id,
        customer: app.customer_id,
        asset: Some((ASSET, step_row)),
        anchor_date: app.last_done_on,
        last_visit: None,
        is_member: r.flag("is_member")?,
        visit_kind: Some(step.code().to_string()),
        last_booking: None,
        prefs: preferences_of(&r)?,
        reach: Reachable {
            mobile: r.opt_text("mobile")?.is_some_and(|m| !m.is_empty()),
            email: !r.text("email")?.is_empty(),
            address: !r.text("address")?.is_empty(),
        },
        vars,
    };
    kefu_outreach::notices::notify_in(tx, playbooks.iter().find(|p| p.code == PLAYBOOK), &subject, today).await?;
    Ok(())
}
