//! The archive of electricity accounts (用电户) and their meters as stored
//! (issue 19 §1, §3): each account belongs to a customer of the common core
//! and to a supply station, whose prefix its number (户号) begins with;
//! meters stand at an account or at a small hydro station. The search box
//! finds an account by its number, the number's last digits and its meters'
//! numbers, through the common search keys.

mod store;

pub use store::{
    Station, account_of_row, add_station_in, by_number, count, insert_in, list, meters_of, of_customer, sites, stations,
};

use crate::accounts::{AccountNo, MeterNo};
use jiff::civil::Date;
use kefu_care::search::{self, Probe};
use kefu_core::ids::{BranchId, CustomerId};
use serde::Serialize;

/// The branch kinds of a county power-supply company, among the core's
/// (`kefu_accounts::branches::KINDS`): the company and its customer service
/// centre are groups; the township supply stations (供电营业所) and the
/// small hydro stations (小水电) feeding the county grid are stations. A
/// supply station has an account-number prefix (`power_stations`); a hydro
/// station has none, only its own meters.
pub mod branch_kind {
    pub const GROUP: &str = "group";
    pub const STATION: &str = "station";
    pub const ALL: &[&str] = &[GROUP, STATION];
}

/// The pack's kinds of search key, by their prefix letter, beside the
/// core's (`kefu_care::search::kind`).
pub mod key_kind {
    /// The account number written back to front: its tails are prefixes.
    pub const ACCOUNT_REVERSED: char = 'h';
    /// A meter's number in capitals.
    pub const METER: char = 'b';
}

/// What a timeline entry about an account names as its asset.
pub const ASSET: &str = "power_account";

/// An account's status.
pub const STATUSES: &[&str] = &["applying", "active", "suspended", "closed"];
/// Supply voltages, as stored.
pub const VOLTAGES: &[&str] = &["220v", "380v", "10kv"];
/// Meter kinds, as stored.
pub const METER_KINDS: &[&str] = &["single_phase", "three_phase", "three_phase_ct"];

/// The tables of this pack that point at customers, moved by a merge.
pub const CUSTOMER_REFERENCES: &[(&str, &str)] = &[("power_accounts", "customer_id")];

/// An electricity account as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Account {
    pub id: i64,
    pub account_no: String,
    pub customer_id: CustomerId,
    pub branch_id: BranchId,
    pub usage_class: String,
    pub voltage: String,
    pub capacity_kva: i64,
    pub supply_address: String,
    pub tariff_code: String,
    pub permit_no: Option<String>,
    pub permit_issued: Option<Date>,
    pub permit_valid_until: Option<Date>,
    pub status: String,
}

/// A meter as stored. Ratios are primary over secondary; 1/1 where there
/// is no transformer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Meter {
    pub id: i64,
    pub meter_no: String,
    pub kind: String,
    pub register_digits: i64,
    pub ct: (i64, i64),
    pub pt: (i64, i64),
    pub account_id: Option<i64>,
    pub site_branch_id: Option<BranchId>,
    pub installed_on: Option<Date>,
    pub removed_on: Option<Date>,
}

impl Meter {
    /// The overall multiplier (综合倍率 = CT × PT) as a whole number where
    /// the ratios give one (150/5 × 10000/100 = 3000).
    pub fn multiplier(&self) -> i64 {
        (self.ct.0 * self.pt.0) / (self.ct.1 * self.pt.1).max(1)
    }
}

/// An account to insert: numbers already checked ([`AccountNo`],
/// [`MeterNo`]), codes from the lists above.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub account_no: AccountNo,
    pub customer_id: CustomerId,
    pub branch_id: BranchId,
    pub usage_class: &'static str,
    pub voltage: &'static str,
    pub capacity_kva: i64,
    pub supply_address: String,
    pub tariff_code: &'static str,
    pub permit: Option<(String, Date, Date)>,
    pub status: &'static str,
    pub meters: Vec<NewMeter>,
}

/// A meter to insert with its account, or at a hydro station.
#[derive(Debug, Clone)]
pub struct NewMeter {
    pub meter_no: MeterNo,
    pub kind: &'static str,
    pub register_digits: i64,
    pub ct: (i64, i64),
    pub pt: (i64, i64),
    pub installed_on: Date,
}

fn backwards(text: &str) -> String {
    text.chars().rev().collect()
}

/// Search keys for an account: its number back to front (so the whole
/// number and each of its tails is a prefix of one key) and the numbers of
/// the meters installed at it.
pub fn keys<'a>(account_no: &str, meters: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut k = vec![search::key(key_kind::ACCOUNT_REVERSED, &backwards(account_no))];
    k.extend(meters.into_iter().map(|m| search::key(key_kind::METER, &m.to_ascii_uppercase())));
    k
}

/// The shortest tail of an account number the box looks for: fewer digits
/// would match a tenth of a station.
const TAIL_MIN: usize = 4;

/// The probes the power pack adds to a search: a whole account number, its
/// last four or more digits, and a meter number in any case.
pub fn probes(query: &str) -> Vec<Probe> {
    let q: String = query.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let mut out = Vec::new();
    if q.is_empty() {
        return out;
    }
    if let Ok(no) = AccountNo::parse("q", &q) {
        out.push(Probe::exact(key_kind::ACCOUNT_REVERSED, &backwards(no.as_str()), 0, "account_no"));
    }
    if q.len() >= TAIL_MIN && q.len() <= crate::accounts::ACCOUNT_NO_WIDTH && q.bytes().all(|b| b.is_ascii_digit()) {
        out.push(Probe::prefix(key_kind::ACCOUNT_REVERSED, &backwards(&q), 2, "account_tail"));
    }
    if q.len() >= TAIL_MIN
        && let Ok(meter) = MeterNo::parse("q", &q)
    {
        out.push(Probe::exact(key_kind::METER, meter.as_str(), 0, "meter_no"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_care::search::Match;

    fn finds(query: &str, keys: &[String]) -> Option<&'static str> {
        probes(query)
            .into_iter()
            .find(|p| {
                keys.iter().any(|k| match p.how {
                    Match::Exact => &p.key == k,
                    Match::Prefix => k.starts_with(&p.key),
                })
            })
            .map(|p| p.label)
    }

    #[test]
    fn an_account_is_found_by_its_number_its_tail_and_its_meters() {
        let k = keys("0301000042", ["DD862-0012345"]);
        assert_eq!(finds("0301000042", &k), Some("account_no"));
        assert_eq!(finds("0301 000 042", &k), Some("account_no"));
        assert_eq!(finds("0042", &k), Some("account_tail"));
        assert_eq!(finds("000042", &k), Some("account_tail"));
        assert_eq!(finds("dd862-0012345", &k), Some("meter_no"));
        assert_eq!(finds("0043", &k), None);
        assert_eq!(finds("0301", &k), None, "a prefix is not a tail");
        assert_eq!(finds("42", &k), None, "too short a tail");
    }
}
