//! The weekly summary a service supervisor owes management
//! (每周：维修/保养客户回访汇总及投诉处理状态): for one week, Monday to Sunday
//! in the business zone, the follow-ups after workshop visits — due, done,
//! reached — and the problems they found with where those stand, per day and
//! per service advisor (the advisor of the visit the follow-up is about).
//!
//! The complaints received in the week are listed with the state of each.
//!
//! A follow-up is a task of a playbook anchored on the visit
//! (`service_visit`, the shipped 7-day follow-up call), counted on its due
//! day. Done: it went out or the call has its last outcome. Reached: a call
//! answered (`Outcome::reached`). A follow-up merged into another call to
//! the same customer that day shares that call's outcome.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_care::complaints::{self, Complaint};
use kefu_core::Scope;
use kefu_core::ids::CustomerId;
use kefu_core::time::BusinessZone;
use kefu_outreach::calls::Outcome;
use kefu_outreach::playbook::{Channel, Playbook};
use kefu_outreach::touch_state::{self, TouchState};
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// The anchor of the playbooks whose tasks are follow-ups after a visit.
pub const FOLLOW_UP_ANCHOR: &str = "service_visit";

/// A week, Monday to Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Week {
    pub monday: Date,
}

impl Week {
    /// The week `day` falls in.
    pub fn of(day: Date) -> Week {
        let back = i64::from(day.weekday().to_monday_zero_offset());
        Week { monday: day - back.days() }
    }

    pub fn sunday(self) -> Date {
        self.monday + 6.days()
    }

    pub fn days(self) -> impl Iterator<Item = Date> {
        (0..7).map(move |i| self.monday + i.days())
    }

    pub fn previous(self) -> Week {
        Week { monday: self.monday - 7.days() }
    }

    pub fn next(self) -> Week {
        Week { monday: self.monday + 7.days() }
    }
}

/// A follow-up task as the summary counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    /// The task that carried it: its own id, or the call it merged into.
    pub carried_by: i64,
    pub advisor: String,
    pub state: TouchState,
}

/// A problem a follow-up found, and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub id: i64,
    pub task_id: i64,
    pub customer_id: CustomerId,
    pub customer_name: String,
    /// The follow-up's due day and the visit's advisor.
    pub day: Date,
    pub advisor: String,
    pub description: String,
    /// open, closed
    pub status: String,
    pub resolution: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Counts {
    pub due: i64,
    pub done: i64,
    pub reached: i64,
    pub problems: i64,
    pub problems_open: i64,
    /// Calls that ended: the customer is satisfied (满意)…
    pub satisfied: i64,
    /// …a problem remains (不满意)…
    pub not_satisfied: i64,
    /// …and calls nobody answered (tried again) or a wrong number.
    pub unreachable: i64,
}

impl Counts {
    /// Reached out of due; None on a day nothing was due.
    pub fn reach_rate(&self) -> Option<f64> {
        (self.due > 0).then(|| self.reached as f64 / self.due as f64)
    }

    fn count(&mut self, f: &FollowUp) {
        self.due += 1;
        self.done += i64::from(f.state.finished());
        self.reached += i64::from(f.state.reached());
        let call = if f.state.channel == Channel::Call { f.state.outcome() } else { None };
        let done = f.state.status == "done";
        self.satisfied += i64::from(done && call == Some(Outcome::Satisfied));
        self.not_satisfied += i64::from(done && call == Some(Outcome::ProblemReported));
        self.unreachable += i64::from(call.is_some_and(Outcome::unreachable));
    }

    fn count_problem(&mut self, p: &Problem) {
        self.problems += 1;
        self.problems_open += i64::from(p.status == "open");
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCounts {
    pub day: Date,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisorCounts {
    /// Empty when the visit names no advisor.
    pub advisor: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub week: Week,
    pub sunday: Date,
    pub totals: Counts,
    /// Monday to Sunday, each day present.
    pub days: Vec<DayCounts>,
    /// By advisor name.
    pub advisors: Vec<AdvisorCounts>,
    pub problems: Vec<Problem>,
    /// The complaints received in the week, oldest first, each with its
    /// state as it is now.
    pub complaints: Vec<Complaint>,
}

/// Counts the week's follow-ups and their problems per day and advisor.
pub fn summarise(week: Week, followups: &[FollowUp], problems: Vec<Problem>, complaints: Vec<Complaint>) -> Summary {
    let mut totals = Counts::default();
    let mut days: Vec<DayCounts> = week.days().map(|day| DayCounts { day, counts: Counts::default() }).collect();
    let mut advisors: Vec<AdvisorCounts> = Vec::new();
    fn advisor_slot<'a>(advisors: &'a mut Vec<AdvisorCounts>, name: &str) -> &'a mut Counts {
        let i = match advisors.iter().position(|a| a.advisor == name) {
            Some(i) => i,
            None => {
                advisors.push(AdvisorCounts { advisor: name.to_string(), counts: Counts::default() });
                advisors.len() - 1
            }
        };
        &mut advisors[i].counts
    }
    for f in followups {
        let Some(day) = days.iter_mut().find(|d| d.day == f.state.due_date) else { continue };
        day.counts.count(f);
        totals.count(f);
        advisor_slot(&mut advisors, &f.advisor).count(f);
    }
    for p in &problems {
        if let Some(day) = days.iter_mut().find(|d| d.day == p.day) {
            day.counts.count_problem(p);
        }
        totals.count_problem(p);
        advisor_slot(&mut advisors, &p.advisor).count_problem(p);
    }
    advisors.sort_by(|a, b| a.advisor.cmp(&b.advisor));
    Summary { week, sunday: week.sunday(), totals, days, advisors, problems, complaints }
}

/// The week's summary for the reader's branches; the week's days are those
/// of the business zone.
pub async fn summary(
    db: &Db,
    scope: &Scope,
    playbooks: &[Playbook],
    week: Week,
    zone: &BusinessZone,
) -> Result<Summary> {
    let followups = followups(db, scope, playbooks, week).await?;
    let problems = problems(db, &followups).await?;
    let received = (zone.start_of(week.monday), zone.start_of(week.next().monday));
    let complaints = complaints::summary::received(db, scope, received).await?;
    Ok(summarise(week, &followups, problems, complaints))
}

/// The week's follow-up tasks in scope.
async fn followups(db: &Db, scope: &Scope, playbooks: &[Playbook], week: Week) -> Result<Vec<FollowUp>> {
    let codes: Vec<&str> = playbooks.iter().filter(|p| p.anchor == FOLLOW_UP_ANCHOR).map(|p| p.code.as_str()).collect();
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (0..codes.len()).map(|i| format!("${}", i + 4)).collect();
    // The advisor of the visit the follow-up is about: the task's anchor is
    // the visit's date.
    let sql = format!(
        "SELECT t.id, t.merged_into, {columns}, \
         (SELECT MIN(s.advisor) FROM service_visits s WHERE s.vehicle_id = t.asset_id AND s.visit_date = t.anchor_date) \
         AS advisor FROM outreach_tasks t {join} \
         WHERE t.branch_id IN ({scope}) AND t.due_date >= $1 AND t.due_date <= $2 AND t.asset_kind = $3 \
         AND t.playbook IN ({codes}) ORDER BY t.due_date, t.id",
        columns = touch_state::COLUMNS,
        join = touch_state::JOIN_KEEPER,
        scope = scope.sql_list(),
        codes = placeholders.join(", "),
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(week.monday.to_string())
        .bind(week.sunday().to_string())
        .bind(crate::vehicles::ASSET);
    for code in codes {
        query = query.bind(code.to_string());
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(FollowUp {
                carried_by: r.opt_i64("merged_into")?.unwrap_or(r.i64("id")?),
                advisor: r.opt_text("advisor")?.unwrap_or_default(),
                state: touch_state::from_row(r)?,
            })
        })
        .collect()
}

/// The problems the week's follow-ups opened, oldest first.
async fn problems(db: &Db, followups: &[FollowUp]) -> Result<Vec<Problem>> {
    let mut ids: Vec<i64> = followups.iter().map(|f| f.carried_by).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!(
            "SELECT f.id, f.task_id, f.customer_id, c.name AS customer_name, f.description, f.status, f.resolution \
             FROM followups f JOIN customers c ON c.id = f.customer_id WHERE f.task_id IN ({list}) ORDER BY f.id"
        );
        for r in &sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await? {
            let task_id = r.i64("task_id")?;
            let Some(f) = followups.iter().find(|f| f.carried_by == task_id) else { continue };
            out.push(Problem {
                id: r.i64("id")?,
                task_id,
                customer_id: CustomerId(r.i64("customer_id")?),
                customer_name: r.text("customer_name")?,
                day: f.state.due_date,
                advisor: f.advisor.clone(),
                description: r.text("description")?,
                status: r.text("status")?,
                resolution: r.text("resolution")?,
            });
        }
    }
    out.sort_by_key(|p| p.id);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_week_runs_monday_to_sunday() {
        // any day → its Monday
        let table = [
            ("2026-11-23", "2026-11-23"),
            ("2026-11-29", "2026-11-23"),
            ("2026-11-30", "2026-11-30"),
            ("2027-01-01", "2026-12-28"),
            ("2028-03-01", "2028-02-28"),
        ];
        for (day, monday) in table {
            assert_eq!(Week::of(d(day)).monday, d(monday), "{day}");
        }
        let w = Week::of(d("2026-11-25"));
        assert_eq!(w.sunday(), d("2026-11-29"));
        assert_eq!(w.days().count(), 7);
        assert_eq!((w.previous().monday, w.next().monday), (d("2026-11-16"), d("2026-11-30")));
    }

    fn followup(id: i64, day: &str, advisor: &str, channel: Channel, status: &str, outcome: Option<&str>) -> FollowUp {
        FollowUp {
            carried_by: id,
            advisor: advisor.into(),
            state: TouchState {
                channel,
                status: status.into(),
                outcome: outcome.map(str::to_string),
                due_date: d(day),
                retry_on: None,
            },
        }
    }

    fn problem(id: i64, task_id: i64, day: &str, advisor: &str, status: &str) -> Problem {
        Problem {
            id,
            task_id,
            customer_id: CustomerId(1),
            customer_name: "张伟".into(),
            day: d(day),
            advisor: advisor.into(),
            description: "异响".into(),
            status: status.into(),
            resolution: String::new(),
        }
    }

    #[test]
    fn follow_ups_count_per_day_and_advisor() {
        let week = Week::of(d("2026-11-23"));
        let f = [
            followup(1, "2026-11-23", "王建国", Channel::Call, "done", Some("satisfied")),
            followup(2, "2026-11-23", "王建国", Channel::Call, "done", Some("problem_reported")),
            followup(3, "2026-11-23", "李强", Channel::Call, "pending", Some("no_answer")),
            followup(4, "2026-11-25", "李强", Channel::Call, "done", Some("wrong_number")),
            followup(5, "2026-11-25", "", Channel::Sms, "sent", None),
            followup(6, "2026-11-29", "李强", Channel::Call, "claimed", None),
            // Outside the week: not counted.
            followup(7, "2026-11-30", "李强", Channel::Call, "done", Some("reached_booked")),
        ];
        let s = summarise(
            week,
            &f,
            vec![problem(10, 2, "2026-11-23", "王建国", "open"), problem(11, 1, "2026-11-23", "王建国", "closed")],
            Vec::new(),
        );
        // due, done, reached, problems, open; satisfied, not satisfied, unreachable
        type Row = ((i64, i64, i64, i64, i64), (i64, i64, i64));
        let row = |c: &Counts| -> Row {
            ((c.due, c.done, c.reached, c.problems, c.problems_open), (c.satisfied, c.not_satisfied, c.unreachable))
        };
        assert_eq!(row(&s.totals), ((6, 4, 2, 2, 1), (1, 1, 2)));
        let per_day: Vec<(String, Row)> = s.days.iter().map(|d| (d.day.to_string(), row(&d.counts))).collect();
        let none = ((0, 0, 0, 0, 0), (0, 0, 0));
        assert_eq!(
            per_day,
            vec![
                ("2026-11-23".into(), ((3, 2, 2, 2, 1), (1, 1, 1))),
                ("2026-11-24".into(), none),
                ("2026-11-25".into(), ((2, 2, 0, 0, 0), (0, 0, 1))),
                ("2026-11-26".into(), none),
                ("2026-11-27".into(), none),
                ("2026-11-28".into(), none),
                ("2026-11-29".into(), ((1, 0, 0, 0, 0), (0, 0, 0))),
            ]
        );
        assert_eq!(s.days[0].counts.reach_rate(), Some(2.0 / 3.0));
        assert_eq!(s.days[1].counts.reach_rate(), None);
        let per_advisor: Vec<(&str, Row)> = s.advisors.iter().map(|a| (a.advisor.as_str(), row(&a.counts))).collect();
        assert_eq!(
            per_advisor,
            vec![
                ("", ((1, 1, 0, 0, 0), (0, 0, 0))),
                ("李强", ((3, 1, 0, 0, 0), (0, 0, 2))),
                ("王建国", ((2, 2, 2, 2, 1), (1, 1, 0)))
            ]
        );
    }
}
