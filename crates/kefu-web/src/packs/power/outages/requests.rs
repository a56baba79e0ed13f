//! What the outages' pages and API read from a request, parsed once for
//! both: a request for an outage and a manager's decision; and the warning
//! both show when an approval comes after the notices' lead day.

use crate::fields::{local_time, one_of, whole_number};
use crate::i18n::t;
use jiff::civil::Date;
use kefu_core::time::BusinessZone;
use kefu_core::{Invalid, Lang};
use kefu_power::outages::{self, NewOutage, Outage};
use serde::Deserialize;

/// A request for an outage as typed: times in the company's zone
/// (`2026-12-20 08:00`), account numbers separated by spaces, commas or
/// lines.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OutageFields {
    pub station: String,
    pub equipment_kind: String,
    pub equipment: String,
    pub starts_at: String,
    pub ends_at: String,
    pub reason: String,
    pub accounts: String,
}

impl OutageFields {
    pub fn read(self, zone: &BusinessZone) -> Result<NewOutage, Invalid> {
        let when = |field: &str, text: &str| match text.trim() {
            "" => Ok(None),
            t => local_time(field, t, zone).map(Some),
        };
        Ok(NewOutage {
            station: whole_number("station", &self.station)?,
            starts_at: when("starts_at", &self.starts_at)?,
            ends_at: when("ends_at", &self.ends_at)?,
            equipment_kind: self.equipment_kind,
            equipment: self.equipment,
            reason: self.reason,
            accounts: self.accounts,
        })
    }
}

/// A manager's decision: `approve` or `refuse`.
pub fn approves(decision: &str) -> Result<bool, Invalid> {
    match decision.trim() {
        "approve" => Ok(true),
        "refuse" => Ok(false),
        _ => Err(one_of("decision")),
    }
}

/// What the page and the API say when the holders are, or would be, told
/// later than the lead time: approving a request now sends the notices at
/// once; an approved outage says when its late notices went out.
pub fn late_warning(lang: Lang, zone: &BusinessZone, o: &Outage, first: Option<Date>, today: Date) -> Option<String> {
    match (o.status.as_str(), &o.late_notice_at) {
        ("approved", Some(at)) => {
            let at = at.parse().map(|at| zone.display(at)).unwrap_or_else(|_| at.clone());
            Some(t(lang, "power_outage_late_sent").replace("{at}", &at).replace("{count}", &o.late_notices.to_string()))
        }
        ("requested", _) if outages::approval_late(first, o.start_day, today) => Some(
            t(lang, "power_outage_late_warning").replace("{day}", &first.map(|d| d.to_string()).unwrap_or_default()),
        ),
        _ => None,
    }
}
