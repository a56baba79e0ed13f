//! The auto pack's part of the outreach engine: its default playbooks, the
//! subjects of its anchors — vehicles bought, falling due for a service,
//! seen in the workshop, with insurance expiring, or not seen for a while —
//! and the workshop visits that tell whether an invitation worked.

use jiff::civil::Date;
use kefu_care::customers::{PREFERENCE_COLUMNS, preferences_of};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_outreach::playbook::{self, Playbook};
use kefu_outreach::rules::Reachable;
use kefu_outreach::source::Vars;
use kefu_outreach::source::{AnchorSource, Arrival, Arrivals, Found, Subject, Subjects};
use kefu_store::{Db, Failure, RowExt};
use std::collections::HashMap;

/// The playbooks the pack ships; an administrator's edits override them.
pub fn default_playbooks() -> Vec<Playbook> {
    playbook::parse(include_str!("playbooks.toml")).expect("the shipped playbooks are valid")
}

pub struct VehicleAnchors;

const ANCHORS: &[&str] = &[
    "purchase",
    "first_service_due",
    "service_due",
    "service_visit",
    "insurance_expiry",
    "last_visit",
    "appointment",
    "recommendation_due",
];

impl AnchorSource for VehicleAnchors {
    fn anchors(&self) -> &'static [&'static str] {
        ANCHORS
    }

    fn subjects<'a>(&'a self, db: &'a Db, anchor: &'a str, date: Date) -> Subjects<'a> {
        Box::pin(async move {
            // The anchor's column and any narrowing; the date is bound.
            let (anchor_column, condition, from) = match anchor {
                "purchase" => ("v.purchase_date", "v.purchase_date = $1", ""),
                "first_service_due" => {
                    ("v.next_service_due", "v.next_service_due = $1 AND v.next_service_kind = 'first'", "")
                }
                "service_due" => {
                    ("v.next_service_due", "v.next_service_due = $1 AND v.next_service_kind = 'routine'", "")
                }
                "insurance_expiry" => ("v.insurance_expiry", "v.insurance_expiry = $1", ""),
                "last_visit" => ("v.last_visit_date", "v.last_visit_date = $1", ""),
                "service_visit" => {
                    ("s.visit_date", "s.visit_date = $1", " JOIN service_visits s ON s.vehicle_id = v.id")
                }
                // A vehicle with several bookings or recommendations on the day
                // is one subject.
                "appointment" => (
                    "NULL",
                    "EXISTS (SELECT 1 FROM appointments a WHERE a.vehicle_id = v.id AND a.day = $1 \
                     AND a.status = 'booked')",
                    "",
                ),
                "recommendation_due" => (
                    "NULL",
                    "EXISTS (SELECT 1 FROM repair_order_lines l JOIN repair_orders o ON o.id = l.order_id \
                     WHERE o.vehicle_id = v.id AND l.consent = 'declined' AND l.recommend_by = $1)",
                    "",
                ),
                other => {
                    return Err(Failure::Store(kefu_store::StoreError::Other(format!(
                        "no vehicles for anchor {other}"
                    ))));
                }
            };
            let visit_kind = if anchor == "service_visit" { "s.kind" } else { "NULL" };
            // A workshop appointment answers the invitations to come in (the
            // service due, the lapsed customer), not e.g. the insurance's.
            let last_booking =
                if matches!(anchor, "first_service_due" | "service_due" | "last_visit" | "recommendation_due") {
                    "(SELECT MAX(b.booked_on) FROM appointments b WHERE b.vehicle_id = v.id \
                 AND b.status IN ('booked', 'arrived'))"
                } else {
                    "NULL"
                };
            let sql = subjects_sql(anchor_column, visit_kind, last_booking, from, condition);
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(date.to_string()).fetch_all(db.pool()).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(subject(r, date)?);
            }
            Ok(out)
        })
    }
}

/// The query for vehicles' subjects: their customer, preferences and store.
fn subjects_sql(anchor_column: &str, visit_kind: &str, last_booking: &str, from: &str, condition: &str) -> String {
    format!(
        "SELECT v.id AS vehicle_id, v.branch_id, v.customer_id, v.plate, v.vin, v.brand, v.model, \
         {anchor_column} AS anchor_date, v.last_visit_date, {visit_kind} AS visit_kind, \
         {last_booking} AS last_booking, \
         c.name, c.mobile, c.email, c.address, c.is_member, {prefs}, \
         b.name AS store, b.phone AS store_phone \
         FROM vehicles v{from} JOIN customers c ON c.id = v.customer_id JOIN branches b ON b.id = v.branch_id \
         WHERE {condition} AND c.merged_into IS NULL ORDER BY v.id",
        prefs = PREFERENCE_COLUMNS.split(", ").map(|col| format!("c.{col}")).collect::<Vec<_>>().join(", "),
    )
}

fn subject(r: &sqlx::any::AnyRow, date: Date) -> Result<Subject, Failure> {
    let mobile = r.opt_text("mobile")?;
    let email = r.text("email")?;
    let address = r.text("address")?;
    let plate = r.opt_text("plate")?;
    let vars = Vars::from([
        ("name", r.text("name")?),
        ("store", r.text("store")?),
        ("store_phone", r.text("store_phone")?),
        ("plate", plate.unwrap_or_else(|| r.text("vin").unwrap_or_default())),
        ("model", format!("{} {}", r.text("brand")?, r.text("model")?)),
    ]);
    Ok(Subject {
        branch: BranchId(r.i64("branch_id")?),
        customer: CustomerId(r.i64("customer_id")?),
        asset: Some((crate::vehicles::ASSET, r.i64("vehicle_id")?)),
        anchor_date: date,
        last_visit: r.opt_text("last_visit_date")?.and_then(|d| d.parse().ok()),
        is_member: r.flag("is_member")?,
        visit_kind: r.opt_text("visit_kind")?,
        last_booking: r.opt_text("last_booking")?.and_then(|d| d.parse().ok()),
        prefs: preferences_of(r)?,
        reach: Reachable { mobile: mobile.is_some(), email: !email.is_empty(), address: !address.is_empty() },
        vars,
    })
}

/// Tells a vehicle's customer of an event at once (`kefu_outreach::notices`)
/// with the pack's playbook in force for it: the subject is the event's
/// record (`record`: the appointment, the repair order), about the day
/// `day`, with the event's own values (`time`, `reason`). Inside the event's
/// transaction; returns the task to send, if any.
pub(crate) async fn notify_in(
    tx: &mut kefu_store::Tx,
    db: &Db,
    (playbook, record): (&str, (&'static str, i64)),
    vehicle: kefu_core::ids::VehicleId,
    day: Date,
    (today, event_vars): (Date, &[(&'static str, String)]),
) -> Result<Option<i64>, Failure> {
    let playbooks = kefu_outreach::store::effective(db, &default_playbooks()).await?;
    let sql = subjects_sql("NULL", "NULL", "NULL", "", "v.id = $1");
    // A vehicle whose owner was merged away has no one to tell.
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(vehicle.0).fetch_optional(tx.conn()).await? else {
        return Ok(None);
    };
    let mut s = subject(&row, day)?;
    s.asset = Some(record);
    s.vars.extend(event_vars.iter().cloned());
    kefu_outreach::notices::notify_in(tx, playbooks.iter().find(|p| p.code == playbook), &s, today).await
}

/// Workshop visits as arrivals: a vehicle came when it had a visit.
pub struct VisitArrivals;

/// Ids are integers we read from the database, so they are inlined; in
/// chunks, to keep each statement a reasonable size.
const ID_CHUNK: usize = 500;

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl Arrivals for VisitArrivals {
    fn asset_kind(&self) -> &'static str {
        crate::vehicles::ASSET
    }

    fn arrivals<'a>(
        &'a self,
        db: &'a Db,
        assets: &'a [i64],
        customers: &'a [i64],
        from: Date,
        until: Date,
    ) -> Found<'a, Vec<Arrival>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for (column, ids) in [("vehicle_id", assets), ("customer_id", customers)] {
                for chunk in ids.chunks(ID_CHUNK) {
                    let sql = format!(
                        "SELECT DISTINCT customer_id, vehicle_id, visit_date FROM service_visits \
                         WHERE {column} IN ({}) AND visit_date >= $1 AND visit_date <= $2",
                        id_list(chunk)
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(from.to_string())
                        .bind(until.to_string())
                        .fetch_all(db.pool())
                        .await?;
                    for r in &rows {
                        out.push(Arrival {
                            customer: r.i64("customer_id")?,
                            asset: r.i64("vehicle_id")?,
                            date: kefu_outreach::touch_state::date_column(r, "visit_date")?,
                        });
                    }
                }
            }
            Ok(out)
        })
    }

    fn labels<'a>(&'a self, db: &'a Db, assets: &'a [i64]) -> Found<'a, HashMap<i64, String>> {
        Box::pin(async move {
            let mut out = HashMap::new();
            for chunk in assets.chunks(ID_CHUNK) {
                let sql = format!("SELECT id, plate, vin FROM vehicles WHERE id IN ({})", id_list(chunk));
                for r in &sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await? {
                    // A car not yet registered is known by its VIN.
                    let label = r.opt_text("plate")?.filter(|p| !p.is_empty()).map_or_else(|| r.text("vin"), Ok)?;
                    out.insert(r.i64("id")?, label);
                }
            }
            Ok(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_playbooks_follow_the_documents() {
        let books = default_playbooks();
        let offsets = |code: &str| -> Vec<(i64, &'static str)> {
            books
                .iter()
                .find(|p| p.code == code)
                .unwrap()
                .steps
                .iter()
                .map(|s| (s.offset_days, s.channel.code()))
                .collect()
        };
        // First maintenance: letter −4 weeks, SMS −2 weeks, call −1 week (D1).
        assert_eq!(&offsets("first_service")[..3], &[(-28, "letter"), (-14, "sms"), (-7, "call")]);
        // Routine maintenance: letter −2 weeks, SMS −1 week, call −3 days (D1).
        assert_eq!(offsets("routine_service"), vec![(-14, "letter"), (-7, "sms"), (-3, "call")]);
        // The 7-day follow-up call after every repair or maintenance (D1, D3).
        assert_eq!(offsets("service_follow_up"), vec![(7, "call")]);
        // Purchase thanks within a week: letter, SMS and call (D1, D3).
        assert!(offsets("purchase_thanks").iter().all(|(d, _)| (0..=7).contains(d)));
        // Lapsed: not seen for three months or more (D3).
        assert_eq!(offsets("lapsed_customer")[0], (90, "letter"));
        // Booking confirmed and a late car told when they happen, by SMS (D3).
        for code in [crate::appointments::CONFIRMATION, crate::repair_orders::DELAY_NOTICE] {
            assert_eq!(offsets(code), vec![(0, "sms")]);
            assert!(playbook::is_event(books.iter().find(|p| p.code == code).unwrap()), "{code}");
        }
    }
}
