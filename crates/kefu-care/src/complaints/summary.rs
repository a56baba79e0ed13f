//! The monthly complaint summary management is owed (客户意见投诉处理总结):
//! the complaints received in a month, by category and by department, how
//! long the first contact and the resolution took, and what the re-contacts
//! found. The figures are a plain function of the complaints; the SQL that
//! finds a month's complaints sits beside it.

use super::{Choices, Complaint, SELECT, from_row};
use kefu_core::Scope;
use kefu_core::time::{instant_text, parse_instant};
use kefu_store::{Db, Failure};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub received: usize,
    pub closed: usize,
    /// Every category and department a complaint may be taken in under
    /// (the core's, then the running packs'), in that order, with its count.
    pub by_category: Vec<(String, usize)>,
    pub by_department: Vec<(String, usize)>,
    /// Mean hours from intake to the first contact, of those contacted.
    pub first_contact_hours: Option<f64>,
    /// Share of the contacted complaints contacted by their deadline.
    pub contacted_in_time: Option<f64>,
    /// Mean hours from intake to the (latest) resolution, of those resolved.
    pub resolution_hours: Option<f64>,
    pub recontacted: usize,
    pub satisfied: usize,
    /// Share of the re-contacted customers who were satisfied.
    pub satisfaction: Option<f64>,
}

fn hours_between(from: &str, to: &str) -> Option<f64> {
    Some(parse_instant(to)?.duration_since(parse_instant(from)?).as_secs_f64() / 3600.0)
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| (values.iter().sum::<f64>() / values.len() as f64 * 10.0).round() / 10.0)
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn counted(codes: &[&str], of: impl Fn(&Complaint) -> &str, complaints: &[Complaint]) -> Vec<(String, usize)> {
    codes.iter().map(|code| (code.to_string(), complaints.iter().filter(|c| of(c) == *code).count())).collect()
}

/// The summary of these complaints, counted under the categories and
/// departments of `choices` (the core's and the running packs').
pub fn summarize(complaints: &[Complaint], choices: &Choices) -> Summary {
    let contact: Vec<(f64, bool)> = complaints
        .iter()
        .filter_map(|c| {
            let at = c.contacted_at.as_deref()?;
            Some((hours_between(&c.received_at, at)?, at <= c.contact_due_at.as_str()))
        })
        .collect();
    let resolution: Vec<f64> = complaints
        .iter()
        .filter(|c| c.status.is_resolved())
        .filter_map(|c| hours_between(&c.received_at, c.resolved_at.as_deref()?))
        .collect();
    let recontacted = complaints.iter().filter(|c| c.satisfied.is_some()).count();
    let satisfied = complaints.iter().filter(|c| c.satisfied == Some(true)).count();
    Summary {
        received: complaints.len(),
        closed: complaints.iter().filter(|c| c.status == super::Status::Closed).count(),
        by_category: counted(&choices.categories, |c| &c.category, complaints),
        by_department: counted(&choices.departments, |c| &c.department, complaints),
        first_contact_hours: mean(&contact.iter().map(|(h, _)| *h).collect::<Vec<_>>()),
        contacted_in_time: share(contact.iter().filter(|(_, in_time)| *in_time).count(), contact.len()),
        resolution_hours: mean(&resolution),
        recontacted,
        satisfied,
        satisfaction: share(satisfied, recontacted),
    }
}

/// The complaints in scope received from `from` (inclusive) to `to`
/// (exclusive), oldest first.
pub async fn received(
    db: &Db,
    scope: &Scope,
    (from, to): (jiff::Timestamp, jiff::Timestamp),
) -> Result<Vec<Complaint>, Failure> {
    let sql = format!(
        "{SELECT} WHERE p.branch_id IN ({}) AND p.received_at >= $1 AND p.received_at < $2 ORDER BY p.received_at, p.id",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(instant_text(from))
        .bind(instant_text(to))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

#[cfg(test)]
mod tests {
    use super::super::{CATEGORIES, Escalation, Status};
    use super::*;
    use kefu_core::ids::{BranchId, ComplaintId, CustomerId};

    fn complaint(category: &str, department: &str, contacted: Option<&str>, resolved: Option<&str>) -> Complaint {
        Complaint {
            id: ComplaintId(1),
            branch_id: BranchId(1),
            customer_id: CustomerId(1),
            customer_name: "张伟".into(),
            source: "call".into(),
            category: category.into(),
            severity: "normal".into(),
            department: department.into(),
            subject: "异响".into(),
            detail: String::new(),
            status: if resolved.is_some() { Status::Resolved } else { Status::InProgress },
            received_at: "2026-11-02T01:00:00.000000Z".into(),
            received_by: "客服".into(),
            contact_due_at: "2026-11-02T03:00:00.000000Z".into(),
            resolve_due_at: "2026-11-05T01:00:00.000000Z".into(),
            manager_due_at: "2026-11-06T01:00:00.000000Z".into(),
            contacted_at: contacted.map(str::to_string),
            resolved_at: resolved.map(str::to_string),
            solution: String::new(),
            recontact_due_at: None,
            recontacted_at: None,
            satisfied: None,
            closed_at: None,
            escalation: Escalation::None,
            measures_required: false,
            corrective: String::new(),
            preventive: String::new(),
        }
    }

    #[test]
    fn a_month_is_counted_timed_and_rated() {
        let mut list = vec![
            complaint(
                "repair_quality",
                "workshop",
                Some("2026-11-02T02:00:00.000000Z"),
                Some("2026-11-04T01:00:00.000000Z"),
            ),
            complaint("repair_quality", "workshop", Some("2026-11-02T05:00:00.000000Z"), None),
            complaint("price", "after_sales", None, None),
        ];
        list[0].status = Status::Closed;
        list[0].satisfied = Some(true);
        list[1].satisfied = Some(false);
        let s = summarize(&list, &Choices::core());
        assert_eq!((s.received, s.closed), (3, 1));
        assert!(s.by_category.contains(&("repair_quality".into(), 2)) && s.by_category.contains(&("parts".into(), 0)));
        assert_eq!(s.by_category.len(), CATEGORIES.len(), "every category, zero or not");
        assert!(s.by_department.contains(&("workshop".into(), 2)));
        assert_eq!(s.first_contact_hours, Some(2.5), "1 h and 4 h");
        assert_eq!(s.contacted_in_time, Some(0.5), "one of two by the 2-hour deadline");
        assert_eq!(s.resolution_hours, Some(48.0));
        assert_eq!((s.recontacted, s.satisfied, s.satisfaction), (2, 1, Some(0.5)));
        let empty = summarize(&[], &Choices::core());
        // A pack's categories and departments are counted beside the core's.
        let pack = complaint("estate_repairs", "engineering", None, None);
        let with = Choices::core().with(&["estate_repairs"], &["engineering"], true);
        let s = summarize(&[pack], &with);
        assert!(s.by_category.contains(&("estate_repairs".into(), 1)));
        assert!(s.by_department.contains(&("engineering".into(), 1)));
        assert_eq!(s.by_category.len(), CATEGORIES.len() + 1);
        assert_eq!((empty.first_contact_hours, empty.satisfaction), (None, None));
    }
}
