//! The archive of electricity accounts (用电户) and their meters as stored
//! (issue 19 §1, §3): each account belongs to a customer of the common core
//! and to a supply station, whose prefix its number (户号) begins with;
//! meters stand at an account or at a small hydro station. The search box
//! finds an account by its number, the number's last digits and its meters'
//! numbers, through the common search keys.

pub mod import;
mod store;

pub(crate) use store::{
    ACCOUNT_INSERT, METER_INSERT, account_keys_in, account_row, key_set, meter_row, refresh_keys_in,
};
pub use store::{
    Filter, Station, account_of_row, add_station_in, by_number, count, insert_in, list, list_where, meters_of,
    of_customer, sites, stations,
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
    /// A supply address from one of its parts on (a township, a village, a
    /// road), see [`address_keys`].
    pub const ADDRESS: char = 'd';
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
/// number and each of its tails is a prefix of one key), the numbers of
/// the meters installed at it, and its supply address from each of its
/// parts below the county ([`address_keys`]).
pub fn keys<'a>(account_no: &str, address: &str, meters: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut k = vec![search::key(key_kind::ACCOUNT_REVERSED, &backwards(account_no))];
    k.extend(meters.into_iter().map(|m| search::key(key_kind::METER, &m.to_ascii_uppercase())));
    k.extend(address_keys(address));
    k
}

/// The characters that end a part of a Chinese address, from the province
/// down to the house number.
const ADDRESS_PART_ENDS: &[char] =
    &['省', '市', '县', '区', '旗', '镇', '乡', '村', '屯', '组', '队', '路', '街', '巷', '弄', '号', '栋', '楼', '室'];

/// Parts of the county and above: every address of the county shares them,
/// so a key starting there would find everyone.
fn above_township(part: &str) -> bool {
    part.ends_with(['省', '市', '县', '旗'])
        || (part.ends_with('区') && !part.ends_with("社区") && !part.ends_with("小区"))
}

/// A part that is only a number and its unit (3组, 12号): alone it finds
/// every house of that number in the county, which nobody looks for.
fn numbered(part: &str) -> bool {
    part.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// How much of an address a key keeps: a village, its group and the house.
const ADDRESS_KEY_CHARS: usize = 16;

/// Keys for a supply address: the address from the start of each of its
/// parts below the county (the township, the village, the road) on, so a
/// fragment such as 龙岩村, 龙岩村3组 or 青山镇龙岩村 is a prefix of one key.
/// Spaces are dropped, letters lowered, as the box cleans a query.
pub fn address_keys(address: &str) -> Vec<String> {
    let chars: Vec<char> = address.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    let mut starts = vec![0];
    starts.extend(chars.iter().enumerate().filter(|(_, c)| ADDRESS_PART_ENDS.contains(c)).map(|(i, _)| i + 1));
    starts.dedup();
    let parts: Vec<(usize, String)> = starts
        .windows(2)
        .map(|w| (w[0], chars[w[0]..w[1]].iter().collect::<String>()))
        .chain(starts.last().filter(|&&s| s < chars.len()).map(|&s| (s, chars[s..].iter().collect())))
        .collect();
    // Keys start after the last part at county level or above.
    let first = parts.iter().rposition(|(_, p)| above_township(p)).map_or(0, |i| i + 1);
    let mut keys: Vec<String> = parts[first..]
        .iter()
        .filter(|(_, p)| !numbered(p))
        .map(|(at, _)| search::key(key_kind::ADDRESS, &chars[*at..].iter().take(ADDRESS_KEY_CHARS).collect::<String>()))
        .collect();
    keys.dedup();
    keys
}

/// The shortest address fragment looked for: one character is a tenth of
/// the county.
const ADDRESS_MIN: usize = 2;

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
    let has_cjk = q.chars().any(|c| ('\u{3400}'..='\u{9fff}').contains(&c));
    if has_cjk && q.chars().count() >= ADDRESS_MIN {
        let fragment: String = q.to_lowercase().chars().take(ADDRESS_KEY_CHARS).collect();
        out.push(Probe::prefix(key_kind::ADDRESS, &fragment, 6, "supply_address"));
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
        let k = keys("0301000042", "", ["DD862-0012345"]);
        assert_eq!(finds("0301000042", &k), Some("account_no"));
        assert_eq!(finds("0301 000 042", &k), Some("account_no"));
        assert_eq!(finds("0042", &k), Some("account_tail"));
        assert_eq!(finds("000042", &k), Some("account_tail"));
        assert_eq!(finds("dd862-0012345", &k), Some("meter_no"));
        assert_eq!(finds("0043", &k), None);
        assert_eq!(finds("0301", &k), None, "a prefix is not a tail");
        assert_eq!(finds("42", &k), None, "too short a tail");
    }

    #[test]
    fn an_account_is_found_by_fragments_of_its_address() {
        let k = keys("0301000042", "广西壮族自治区桂林市青山县青山镇龙岩村3组12号", []);
        for q in ["青山镇", "青山镇龙岩村", "龙岩村", "龙岩", "龙岩村3组", "龙岩村 3组12号"] {
            assert_eq!(finds(q, &k), Some("supply_address"), "{q}");
        }
        // Fragments starting inside a part, at the county or above, or a
        // bare house number are not keys: they would find anyone.
        for q in ["岩村", "桂林市青山县", "广西", "3组12号", "龙"] {
            assert_eq!(finds(q, &k), None, "{q}");
        }
        let shop = address_keys("青山县城东社区人民路8号");
        assert_eq!(shop, vec!["d城东社区人民路8号".to_string(), "d人民路8号".to_string()]);
    }
}
