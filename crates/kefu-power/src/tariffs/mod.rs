//! Tariffs as data (issue 20 §2): a code, a name, a usage class, a basis and
//! versions of prices, each in force from its date.
//!
//! A [`Tariff`] is only made by validating a [`TariffDoc`] (the TOML file's
//! shape, `file.rs`, which a web form can fill in just the same), so every
//! tariff in hand has its tiers in order, its prices to four decimals and its
//! versions sorted by date. The tariffs kefu ships are in `shipped.rs`; the
//! stored ones, edited and imported by managers, in [`store`]; the quote of
//! a month's charge in [`quote`].

mod file;
pub mod quote;
mod shipped;
pub mod store;

use jiff::civil::Date;

pub use file::{SurchargeDoc, TariffDoc, TariffFile, TierDoc, VersionDoc, export, import};
pub use shipped::{SHIPPED, shipped};

use crate::price::Price;

/// What the electricity is used for: the classes of the state's sales tariff
/// (销售电价分类). The interface text for each lives in the i18n catalogues;
/// the code is what files and the database store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UsageClass {
    /// 居民生活用电
    Residential,
    /// 一般工商业及其他用电
    GeneralCommercial,
    /// 大工业用电
    LargeIndustry,
    /// 农业生产用电
    Agricultural,
}

impl UsageClass {
    pub const ALL: [UsageClass; 4] =
        [UsageClass::Residential, UsageClass::GeneralCommercial, UsageClass::LargeIndustry, UsageClass::Agricultural];

    pub fn code(self) -> &'static str {
        match self {
            UsageClass::Residential => "residential",
            UsageClass::GeneralCommercial => "general_commercial",
            UsageClass::LargeIndustry => "large_industry",
            UsageClass::Agricultural => "agricultural",
        }
    }

    pub fn from_code(code: &str) -> Option<UsageClass> {
        UsageClass::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// How a tariff turns kWh into money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    /// One price for every kWh.
    Flat,
    /// Tiers (阶梯) whose bounds apply to each month's kWh.
    MonthlyTiers,
    /// Tiers whose bounds apply to the kWh of the calendar year so far.
    YearlyTiers,
    /// Peak, flat and valley registers (峰、平、谷), each at its price.
    TimeOfUse,
}

impl Basis {
    pub const ALL: [Basis; 4] = [Basis::Flat, Basis::MonthlyTiers, Basis::YearlyTiers, Basis::TimeOfUse];

    pub fn code(self) -> &'static str {
        match self {
            Basis::Flat => "flat",
            Basis::MonthlyTiers => "monthly_tiers",
            Basis::YearlyTiers => "yearly_tiers",
            Basis::TimeOfUse => "time_of_use",
        }
    }

    pub fn from_code(code: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|b| b.code() == code)
    }

    pub fn is_tiered(self) -> bool {
        matches!(self, Basis::MonthlyTiers | Basis::YearlyTiers)
    }
}

/// One tier: the kWh up to and including `up_to_kwh` (counted from the first
/// kWh of the month or year) not covered by the tier before, at `price`. The
/// last tier has no bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tier {
    pub up_to_kwh: Option<i64>,
    pub price: Price,
}

/// The registers of a time-of-use meter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// 峰
    Peak,
    /// 平
    Flat,
    /// 谷
    Valley,
}

impl Period {
    pub const ALL: [Period; 3] = [Period::Peak, Period::Flat, Period::Valley];

    pub fn code(self) -> &'static str {
        match self {
            Period::Peak => "peak",
            Period::Flat => "flat",
            Period::Valley => "valley",
        }
    }
}

/// The prices of one version, in the shape its basis needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rates {
    Flat(Price),
    /// At least one tier, bounds strictly increasing, only the last unbounded.
    Tiers(Vec<Tier>),
    TimeOfUse {
        peak: Price,
        flat: Price,
        valley: Price,
    },
}

impl Rates {
    /// The price of a time-of-use register.
    pub fn period_price(&self, period: Period) -> Option<Price> {
        match (self, period) {
            (Rates::TimeOfUse { peak, .. }, Period::Peak) => Some(*peak),
            (Rates::TimeOfUse { flat, .. }, Period::Flat) => Some(*flat),
            (Rates::TimeOfUse { valley, .. }, Period::Valley) => Some(*valley),
            _ => None,
        }
    }
}

/// The prices in force from `effective_from` until the next version's date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub effective_from: Date,
    pub rates: Rates,
    /// A two-part tariff's basic charge (基本电费) prices; none for a
    /// one-part tariff.
    pub basic: Basic,
    /// Charges billed on every kWh apart from the energy charge (政府性基金及
    /// 附加), each its own bill line and never adjusted for the power factor.
    pub surcharges: Vec<Surcharge>,
}

/// The basic charge's prices a month: yuan per kVA of contracted capacity
/// and per kW of maximum demand; the account's contract says which applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Basic {
    pub per_kva: Option<Price>,
    pub per_kw: Option<Price>,
}

/// A surcharge: its name as the bill prints it and its price a kWh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Surcharge {
    pub name: String,
    pub price: Price,
}

/// A validated tariff; see [`TariffDoc::validate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tariff {
    code: String,
    name: String,
    usage_class: UsageClass,
    basis: Basis,
    source: String,
    note: String,
    versions: Vec<Version>,
}

impl Tariff {
    pub fn code(&self) -> &str {
        &self.code
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn usage_class(&self) -> UsageClass {
        self.usage_class
    }

    pub fn basis(&self) -> Basis {
        self.basis
    }

    /// The price notice the figures come from (文号 and title).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// What a reader should know about the figures, such as which could not
    /// be checked against the notice.
    pub fn note(&self) -> &str {
        &self.note
    }

    /// At least one, oldest first, no two on one date.
    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    /// The version in force on `date`: the latest that began on or before
    /// it; `None` before the first.
    pub fn version_on(&self, date: Date) -> Option<&Version> {
        self.versions.iter().rev().find(|v| v.effective_from <= date)
    }

    /// The versions in force on some day of `first..=last`, each with the
    /// days of the period it covers, oldest first. Days before the first
    /// version are not covered by any and are left out.
    pub fn versions_during(&self, first: Date, last: Date) -> Vec<(&Version, Date, Date)> {
        let mut out = Vec::new();
        for (i, v) in self.versions.iter().enumerate() {
            let next = self.versions.get(i + 1).map(|n| n.effective_from);
            let from = v.effective_from.max(first);
            let to = match next {
                Some(n) => last.min(n.yesterday().expect("a version's date is after the minimum date")),
                None => last,
            };
            if from <= to {
                out.push((v, from, to));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn tariff(dates: &[Date]) -> Tariff {
        Tariff {
            code: "t".into(),
            name: "t".into(),
            usage_class: UsageClass::Residential,
            basis: Basis::Flat,
            source: "s".into(),
            note: String::new(),
            versions: dates
                .iter()
                .enumerate()
                .map(|(i, d)| Version {
                    effective_from: *d,
                    rates: Rates::Flat(Price::from_units(5000 + i64::try_from(i).unwrap())),
                    basic: Basic::default(),
                    surcharges: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn codes_round_trip() {
        for c in UsageClass::ALL {
            assert_eq!(UsageClass::from_code(c.code()), Some(c));
        }
        for b in Basis::ALL {
            assert_eq!(Basis::from_code(b.code()), Some(b));
        }
        assert_eq!(UsageClass::from_code("Residential"), None);
    }

    #[test]
    fn the_version_in_force_is_the_latest_begun() {
        let t = tariff(&[date(2025, 1, 1), date(2026, 7, 1)]);
        assert_eq!(t.version_on(date(2024, 12, 31)), None);
        assert_eq!(t.version_on(date(2025, 1, 1)).unwrap().effective_from, date(2025, 1, 1));
        assert_eq!(t.version_on(date(2026, 6, 30)).unwrap().effective_from, date(2025, 1, 1));
        assert_eq!(t.version_on(date(2026, 7, 1)).unwrap().effective_from, date(2026, 7, 1));
    }

    #[test]
    fn a_period_is_cut_at_each_new_version() {
        let t = tariff(&[date(2025, 1, 1), date(2026, 6, 16), date(2026, 6, 21)]);
        let spans: Vec<(Date, Date)> =
            t.versions_during(date(2026, 6, 1), date(2026, 6, 30)).into_iter().map(|(_, a, b)| (a, b)).collect();
        assert_eq!(
            spans,
            [
                (date(2026, 6, 1), date(2026, 6, 15)),
                (date(2026, 6, 16), date(2026, 6, 20)),
                (date(2026, 6, 21), date(2026, 6, 30))
            ]
        );
        assert_eq!(t.versions_during(date(2024, 12, 20), date(2025, 1, 10)).len(), 1);
        assert!(t.versions_during(date(2024, 12, 1), date(2024, 12, 31)).is_empty());
    }
}
