//! The tariff files kefu ships (`crates/kefu-power/tariffs/*.toml`), built
//! into the binary. Each cites its price notice and says which figures could
//! not be checked; an administrator imports them and edits what differs.

use super::{Tariff, import};

/// Each shipped file's name and text.
pub const SHIPPED: [(&str, &str); 6] = [
    ("gx-residential.toml", include_str!("../../tariffs/gx-residential.toml")),
    ("gx-commercial.toml", include_str!("../../tariffs/gx-commercial.toml")),
    ("gx-agricultural.toml", include_str!("../../tariffs/gx-agricultural.toml")),
    ("gx-time-of-use.toml", include_str!("../../tariffs/gx-time-of-use.toml")),
    ("gx-large-industry.toml", include_str!("../../tariffs/gx-large-industry.toml")),
    ("zj-residential-yearly.toml", include_str!("../../tariffs/zj-residential-yearly.toml")),
];

/// Every shipped tariff.
///
/// # Panics
/// If a shipped file is invalid, which the tests below rule out.
pub fn shipped() -> Vec<Tariff> {
    SHIPPED
        .iter()
        .flat_map(|(name, text)| import(text).unwrap_or_else(|e| panic!("shipped tariff file {name}: {e:?}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::tariffs::{Basis, UsageClass};

    #[test]
    fn every_shipped_file_is_valid_and_cites_its_notice() {
        let tariffs = shipped();
        assert_eq!(tariffs.len(), SHIPPED.len());
        let codes: HashSet<&str> = tariffs.iter().map(Tariff::code).collect();
        assert_eq!(codes.len(), tariffs.len(), "codes are unique across the files");
        for t in &tariffs {
            assert!(t.source().contains('〔') || t.source().contains("zj.gov.cn"), "{}: {}", t.code(), t.source());
            assert!(!t.note().is_empty(), "{} says what was not checked", t.code());
        }
    }

    #[test]
    fn the_four_guangxi_tariffs_the_issue_asks_for_are_there() {
        let tariffs = shipped();
        let find = |code: &str| tariffs.iter().find(|t| t.code() == code).unwrap();
        assert_eq!(
            (find("gx-res-1").usage_class(), find("gx-res-1").basis()),
            (UsageClass::Residential, Basis::MonthlyTiers)
        );
        assert_eq!(find("gx-com-1").usage_class(), UsageClass::GeneralCommercial);
        assert_eq!(find("gx-agr-1").usage_class(), UsageClass::Agricultural);
        assert_eq!(find("gx-tou-1").basis(), Basis::TimeOfUse);
        assert_eq!(find("zj-res-1").basis(), Basis::YearlyTiers);
    }
}
