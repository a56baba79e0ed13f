//! The owner archive as stored (业户档案, issue 21 §1): estates (branches of
//! kind `estate`), their buildings, and houses with their people — each a
//! customer of the common core with a role per house — the papers on file
//! and the vehicles. The search box finds an owner by a house number
//! (`3-2-1502`, `3栋1502`: both forms are keys of a room in a unit) and by
//! a vehicle's plate, through the common search keys; names, pinyin and
//! phone tails are the customer record's own keys.

mod store;

pub use store::{
    ArchiveRows, Building, DOCUMENT_INSERT, Estate, HOUSE_INSERT, Held, HouseRow, Ids, RESIDENT_INSERT, VEHICLE_INSERT,
    add_buildings_in, add_estate_in, building, buildings, count, estate, estates, house, houses, houses_of_customer,
    insert_in, residents_of, rows_of, vehicles_of,
};

use crate::houses::HouseNo;
use jiff::civil::Date;
use kefu_care::search::{self, Probe, kind};
use kefu_core::ident::Plate;
use kefu_core::ids::{BranchId, CustomerId};
use serde::Serialize;

/// The branch kinds of a property company, among the core's
/// (`kefu_accounts::branches::KINDS`): the company is a group, each estate
/// (小区 / 项目) a branch of kind `estate`.
pub mod branch_kind {
    pub const GROUP: &str = "group";
    pub const ESTATE: &str = "estate";
    pub const ALL: &[&str] = &[GROUP, ESTATE];
}

/// The pack's kind of search key beside the core's
/// (`kefu_care::search::kind`): a house's canonical number (房).
pub const HOUSE_KEY: char = 'f';

/// The tables of this pack that point at customers, moved by a merge.
pub const CUSTOMER_REFERENCES: &[(&str, &str)] =
    &[("estate_residents", "customer_id"), ("estate_vehicles", "customer_id"), ("estate_repairs", "customer_id")];

/// A person's role in a house.
pub const ROLES: &[&str] = &["owner", "co_owner", "tenant", "family"];

/// The papers a house's file holds; the completeness check asks for the
/// first two.
pub const DOCUMENTS: &[&str] = &["service_contract", "handover_form", "decoration_permit"];

/// A house as stored. Areas are hundredths of a m².
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct House {
    pub id: i64,
    pub branch_id: BranchId,
    pub building_id: Option<i64>,
    pub number: String,
    pub unit: Option<i64>,
    pub kind: String,
    pub state: String,
    pub building_area: String,
    pub interior_area: String,
}

/// A person of a house: the customer, the role and the rest of the file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Resident {
    pub id: i64,
    pub house_id: i64,
    pub customer_id: CustomerId,
    pub role: String,
    pub moved_in: Option<Date>,
    pub moved_out: Option<Date>,
    pub keys_handed_on: Option<Date>,
    pub certificate_no: Option<String>,
    pub emergency_name: Option<String>,
    pub emergency_phone: Option<String>,
}

impl Resident {
    /// The resident as `actor` may see it: the property certificate number
    /// masked like an ID number for roles without personal-data access.
    pub fn shown_to(&self, actor: &kefu_core::Actor) -> Resident {
        if actor.can(kefu_core::Permission::PersonalDataView) {
            return self.clone();
        }
        Resident {
            certificate_no: self.certificate_no.as_deref().map(kefu_care::customers::mask_id_number),
            emergency_phone: self.emergency_phone.as_deref().map(kefu_care::customers::mask_mobile),
            ..self.clone()
        }
    }
}

/// A vehicle of a house's resident, and the parking space it stands on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Vehicle {
    pub id: i64,
    pub house_id: i64,
    pub customer_id: CustomerId,
    pub plate: String,
    pub space: Option<String>,
}

/// A building to insert.
#[derive(Debug, Clone)]
pub struct NewBuilding {
    pub code: String,
    pub name: String,
    pub floors: i64,
    pub units: i64,
}

/// A house to insert with its people, papers and vehicles; the number
/// already read ([`HouseNo`]), codes from [`crate::houses`].
#[derive(Debug, Clone)]
pub struct NewHouse {
    pub number: HouseNo,
    pub kind: crate::houses::HouseKind,
    pub state: crate::houses::HouseState,
    pub building_area: crate::houses::Area,
    pub interior_area: crate::houses::Area,
    /// The first day fees run; none while nobody is billed.
    pub billed_from: Option<Date>,
    pub residents: Vec<NewResident>,
    /// Papers on file: (kind from [`DOCUMENTS`], signed on).
    pub documents: Vec<(&'static str, Date)>,
}

#[derive(Debug, Clone)]
pub struct NewResident {
    pub customer_id: CustomerId,
    pub role: &'static str,
    pub moved_in: Option<Date>,
    pub keys_handed_on: Option<Date>,
    pub certificate_no: Option<String>,
    pub emergency: Option<(String, String)>,
    /// The resident's cars: the plate and the number of the parking space
    /// (a house of the same estate) they stand on.
    pub vehicles: Vec<(Plate, Option<String>)>,
}

/// The search keys of a house: its canonical number and, for a room in a
/// unit, the number without the unit (`3栋1502` finds `3-2-1502`).
pub fn house_keys(no: &HouseNo) -> Vec<String> {
    let mut keys = vec![search::key(HOUSE_KEY, &no.to_string())];
    if let HouseNo::Room { building, unit: Some(_), room } = no {
        keys.push(search::key(HOUSE_KEY, &format!("{building}-{room}")));
    }
    keys
}

/// The search keys of a plate, with and without its province character,
/// as the core's plate keys are written.
pub fn plate_keys(plate: &Plate) -> Vec<String> {
    vec![search::key(kind::PLATE, plate.as_str()), search::key(kind::PLATE, plate.without_province())]
}

/// The probes the estate pack adds to a search: a house number in any of
/// the forms staff type, and a whole plate.
pub fn probes(query: &str) -> Vec<Probe> {
    let mut out = Vec::new();
    if let Ok(no) = HouseNo::parse("q", query) {
        out.push(Probe::exact(HOUSE_KEY, &no.to_string(), 0, "house"));
    }
    let compact: String = query.chars().filter(|c| !c.is_whitespace() && !"-·.•".contains(*c)).collect();
    if let Ok(plate) = Plate::parse("q", &compact) {
        out.push(Probe::exact(kind::PLATE, plate.as_str(), 0, "plate"));
    }
    out
}

/// The natural order of house numbers as text, for the lists' index: the
/// kind of number first, then each part's digits left-padded.
pub fn sort_key(no: &HouseNo) -> String {
    let pad = |s: &str| format!("{s:0>8}");
    match no {
        HouseNo::Room { building, unit, room } => format!("0{}{:02}{}", pad(building), unit.unwrap_or(0), pad(room)),
        HouseNo::Parking { space } => format!("1{}", pad(space)),
        HouseNo::Shop { shop } => format!("2{}", pad(shop)),
    }
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
    fn a_house_is_found_by_the_forms_staff_type() {
        let no = HouseNo::parse("house", "3-2-1502").unwrap();
        let keys = house_keys(&no);
        for q in ["3-2-1502", "3栋2单元1502", "3栋1502", "3号楼2单元1502室", "３－２－１５０２", "3-1502"]
        {
            assert_eq!(finds(q, &keys), Some("house"), "{q}");
        }
        assert_eq!(finds("3-1-1502", &keys), None);
        assert_eq!(finds("3栋1503", &keys), None);
        let plate = Plate::parse("plate", "粤B12345").unwrap();
        assert_eq!(finds("粤B·12345", &plate_keys(&plate)), Some("plate"));
    }

    #[test]
    fn sort_keys_follow_the_natural_order() {
        let mut numbers: Vec<HouseNo> = ["12-1-101", "3-2-1502", "3-2-902", "P-B1-023", "3-1-101", "S-105"]
            .iter()
            .map(|n| HouseNo::parse("n", n).unwrap())
            .collect();
        numbers.sort();
        let mut by_key = numbers.clone();
        by_key.sort_by_key(sort_key);
        assert_eq!(numbers, by_key);
    }
}
