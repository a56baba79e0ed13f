//! House numbers as front-desk staff type them, read into one canonical
//! form.
//!
//! | typed | canonical |
//! |---|---|
//! | `3-2-1502`, `3栋2单元1502`, `3号楼2单元1502室`, `３－２－１５０２` | `3-2-1502` |
//! | `3-1502`, `3栋1502`, `A座1502` (a building without units) | `3-1502`, `A-1502` |
//! | `P-B1-023`, `车位B1-023`, `车位 023` | `P-B1-023`, `P-023` |
//! | `S-105`, `商铺105` | `S-105` |
//!
//! Full-width characters (a Chinese input method's `３－２`), spaces and
//! lower case are forgiven; what still does not fit is refused with the part
//! that broke its rule, for the field the caller names.

use std::cmp::Ordering;
use std::fmt;

use kefu_core::{Invalid, Rule};

/// Markers ending the building in the Chinese form, longest first.
const BUILDING_MARKERS: [&str; 4] = ["号楼", "栋", "幢", "座"];

/// A house's number within its estate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum HouseNo {
    /// A room in a building (楼栋), in a unit (单元) where the building has
    /// them: `3-2-1502`, `3-1502`.
    Room { building: String, unit: Option<u8>, room: String },
    /// A parking space (车位): `P-B1-023`.
    Parking { space: String },
    /// A shop (商铺): `S-105`.
    Shop { shop: String },
}

impl HouseNo {
    /// Reads a typed house number for `field` (see the module's table).
    pub fn parse(field: &str, input: &str) -> Result<HouseNo, Invalid> {
        let text = normalize(input);
        if text.is_empty() {
            return Err(Invalid::required(field));
        }
        let refuse = |rule: Rule| Invalid::new(field, rule);
        if let Some(rest) = text.strip_prefix("车位").or_else(|| text.strip_prefix("P-")) {
            return label(rest).map(|space| HouseNo::Parking { space }).ok_or_else(|| {
                refuse(Rule::new(
                    "parking_no_format",
                    "车位号应为 1 到 12 位字母、数字或连字符，如 P-B1-023 或 车位B1-023",
                    "a parking space is 1 to 12 letters, digits or hyphens, such as P-B1-023 or 车位B1-023",
                ))
            });
        }
        if let Some(rest) = text.strip_prefix("商铺").or_else(|| text.strip_prefix("S-")) {
            return label(rest).map(|shop| HouseNo::Shop { shop }).ok_or_else(|| {
                refuse(Rule::new(
                    "shop_no_format",
                    "商铺号应为 1 到 12 位字母、数字或连字符，如 S-105 或 商铺105",
                    "a shop is 1 to 12 letters, digits or hyphens, such as S-105 or 商铺105",
                ))
            });
        }
        let (building, unit, room) = split_room(&text).ok_or_else(|| {
            refuse(Rule::new(
                "house_no_format",
                "房号格式不正确，请填写如 3-2-1502、3栋2单元1502 或 3栋1502",
                "not a house number; enter one such as 3-2-1502, 3栋2单元1502 or 3栋1502",
            ))
        })?;
        // P and S alone would read back as a parking space or a shop.
        if building.is_empty()
            || building.len() > 4
            || !building.bytes().all(|b| b.is_ascii_alphanumeric())
            || matches!(building, "P" | "S")
        {
            return Err(refuse(Rule::new(
                "building_format",
                "楼栋号应为 1 到 4 位字母或数字（单独的 P、S 表示车位、商铺），如 3 或 A2",
                "a building is 1 to 4 letters or digits (P or S alone mean a parking space or a shop), such as 3 or A2",
            )));
        }
        let unit = match unit {
            None => None,
            Some(u) => Some(u.parse::<u8>().ok().filter(|n| (1..=99).contains(n) && digits(u)).ok_or_else(|| {
                refuse(Rule::new("unit_format", "单元号应为 1 到 99 的数字", "a unit is a number from 1 to 99"))
            })?),
        };
        if !(3..=5).contains(&room.len()) || !digits(room) {
            return Err(refuse(Rule::new(
                "room_format",
                "室号应为 3 到 5 位数字（楼层加序号），如 1502",
                "a room is 3 to 5 digits (floor and number), such as 1502",
            )));
        }
        Ok(HouseNo::Room { building: building.to_owned(), unit, room: room.to_owned() })
    }

    /// The building a room is in; parking spaces and shops have none.
    pub fn building(&self) -> Option<&str> {
        match self {
            HouseNo::Room { building, .. } => Some(building),
            HouseNo::Parking { .. } | HouseNo::Shop { .. } => None,
        }
    }

    /// Lists' order: rooms by building, unit and room, then parking spaces,
    /// then shops; numbers in their natural order (building 3 before 12).
    fn sort_key(&self) -> (u8, (usize, &str), u8, (usize, &str)) {
        match self {
            HouseNo::Room { building, unit, room } => (0, natural(building), unit.unwrap_or(0), natural(room)),
            HouseNo::Parking { space } => (1, natural(space), 0, natural("")),
            HouseNo::Shop { shop } => (2, natural(shop), 0, natural("")),
        }
    }
}

impl Ord for HouseNo {
    fn cmp(&self, other: &HouseNo) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for HouseNo {
    fn partial_cmp(&self, other: &HouseNo) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The canonical form: `3-2-1502`, `3-1502`, `P-B1-023`, `S-105`.
impl fmt::Display for HouseNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HouseNo::Room { building, unit: Some(unit), room } => write!(f, "{building}-{unit}-{room}"),
            HouseNo::Room { building, unit: None, room } => write!(f, "{building}-{room}"),
            HouseNo::Parking { space } => write!(f, "P-{space}"),
            HouseNo::Shop { shop } => write!(f, "S-{shop}"),
        }
    }
}

/// Shorter first, then by text: the natural order of house numbers, which
/// carry no leading zeros in their building part (`3` < `12`; `A` < `B2`).
fn natural(text: &str) -> (usize, &str) {
    (text.len(), text)
}

/// Full-width forms to ASCII, dashes to `-`, spaces dropped, letters upper
/// case.
fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '—' | '–' | '‐' => '-',
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Building, unit and room of `3-2-1502`, `3-1502`, `3栋2单元1502`,
/// `3号楼1502室`; `None` when the text has neither shape.
fn split_room(text: &str) -> Option<(&str, Option<&str>, &str)> {
    let marker = BUILDING_MARKERS.iter().filter_map(|m| text.find(m).map(|at| (at, m.len()))).min();
    if let Some((at, len)) = marker {
        let (building, rest) = (&text[..at], &text[at + len..]);
        let (unit, rest) = match rest.split_once("单元") {
            Some((unit, rest)) => (Some(unit), rest),
            None => (None, rest),
        };
        let room = rest.strip_suffix('室').or_else(|| rest.strip_suffix('号')).unwrap_or(rest);
        return Some((building, unit, room));
    }
    if text.contains(|c: char| !c.is_ascii()) {
        return None;
    }
    let parts: Vec<&str> = text.split('-').collect();
    match parts[..] {
        [building, room] => Some((building, None, room)),
        [building, unit, room] => Some((building, Some(unit), room)),
        _ => None,
    }
}

/// A parking space's or shop's own number: 1 to 12 letters, digits and
/// single hyphens, beginning and ending with a letter or digit (a hyphen
/// after the prefix is dropped).
fn label(rest: &str) -> Option<String> {
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let ok = (1..=12).contains(&rest.len())
        && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !rest.starts_with('-')
        && !rest.ends_with('-')
        && !rest.contains("--");
    ok.then(|| rest.to_owned())
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn canonical(input: &str) -> String {
        HouseNo::parse("house", input).unwrap_or_else(|e| panic!("{input}: {e}")).to_string()
    }

    fn code(input: &str) -> &'static str {
        let e = HouseNo::parse("house", input).expect_err(input);
        assert_eq!(e.field, "house");
        e.rule.code
    }

    #[test]
    fn reads_what_the_front_desk_types() {
        for typed in [
            "3-2-1502",
            "3栋2单元1502",
            "3号楼2单元1502室",
            "3幢2单元1502",
            " 3 - 2 - 1502 ",
            "３－２－１５０２",
            "3—2—1502",
        ] {
            assert_eq!(canonical(typed), "3-2-1502", "{typed}");
        }
        for typed in ["3-1502", "3栋1502", "3号楼1502室", "3栋1502号"] {
            assert_eq!(canonical(typed), "3-1502", "{typed}");
        }
        assert_eq!(canonical("a座1502"), "A-1502");
        assert_eq!(canonical("B2-02-301"), "B2-2-301");
        assert_eq!(
            HouseNo::parse("house", "3栋2单元1502").unwrap(),
            HouseNo::Room { building: "3".into(), unit: Some(2), room: "1502".into() }
        );
    }

    #[test]
    fn reads_parking_spaces_and_shops() {
        for typed in ["P-B1-023", "车位B1-023", "车位-b1-023", "p-b1-023", "车位 B1-023"] {
            assert_eq!(canonical(typed), "P-B1-023", "{typed}");
        }
        assert_eq!(canonical("车位023"), "P-023");
        assert_eq!(canonical("商铺105"), "S-105");
        assert_eq!(canonical("s-105"), "S-105");
        assert_eq!(HouseNo::parse("house", "S-105").unwrap().building(), None);
        assert_eq!(HouseNo::parse("house", "3-2-1502").unwrap().building(), Some("3"));
    }

    #[test]
    fn refuses_with_the_part_that_broke_its_rule() {
        assert_eq!(code(""), "required");
        assert_eq!(code("1502"), "house_no_format");
        assert_eq!(code("3-2-15-02"), "house_no_format");
        assert_eq!(code("三栋1502"), "building_format");
        assert_eq!(code("-2-1502"), "building_format");
        assert_eq!(code("ABCDE-1502"), "building_format");
        assert_eq!(code("S栋1502"), "building_format");
        assert_eq!(canonical("S2-1502"), "S2-1502");
        assert_eq!(code("3-0-1502"), "unit_format");
        assert_eq!(code("3-100-1502"), "unit_format");
        assert_eq!(code("3栋二单元1502"), "unit_format");
        assert_eq!(code("3-2"), "room_format");
        assert_eq!(code("3-2-150201"), "room_format");
        assert_eq!(code("3-2-15A2"), "room_format");
        assert_eq!(code("车位"), "parking_no_format");
        assert_eq!(code("P-B1--023"), "parking_no_format");
        assert_eq!(code("商铺1号"), "shop_no_format");
        let e = HouseNo::parse("visitor.house", "3-2").unwrap_err();
        assert_eq!(e.field, "visitor.house");
        assert!(e.rule.zh.contains("1502"), "{}", e.rule.zh);
    }

    #[test]
    fn lists_sort_in_the_natural_order() {
        let mut houses: Vec<HouseNo> = ["S-2", "12-1-101", "P-1", "3-2-1502", "3-1-1502", "3-1-902", "3-1502"]
            .iter()
            .map(|t| HouseNo::parse("house", t).unwrap())
            .collect();
        houses.sort();
        let order: Vec<String> = houses.iter().map(ToString::to_string).collect();
        assert_eq!(order, ["3-1502", "3-1-902", "3-1-1502", "3-2-1502", "12-1-101", "P-1", "S-2"]);
    }

    proptest! {
        #[test]
        fn the_canonical_form_reads_back_as_itself(
            building in "[1-9][0-9]{0,2}|[A-OQRT-Z][0-9]?|[PS][1-9]",
            unit in proptest::option::of(1u8..=99),
            room in "[1-9][0-9]{2,4}",
        ) {
            let house = HouseNo::Room { building, unit, room };
            prop_assert_eq!(HouseNo::parse("house", &house.to_string()).unwrap(), house.clone());
            // And the Chinese form of it too.
            let zh = match &house {
                HouseNo::Room { building, unit: Some(u), room } => format!("{building}栋{u}单元{room}室"),
                HouseNo::Room { building, unit: None, room } => format!("{building}栋{room}"),
                _ => unreachable!(),
            };
            prop_assert_eq!(HouseNo::parse("house", &zh).unwrap(), house);
        }

        #[test]
        fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,20}") {
            let _ = HouseNo::parse("house", &text);
        }
    }
}
