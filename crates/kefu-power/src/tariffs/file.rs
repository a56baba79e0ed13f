//! The tariff file: TOML a person reads and version control keeps (issue 20
//! §2), read all or nothing with every error named by its path in the file
//! (`tariff[0].version[1].tiers[2].price`), and written back in the same
//! shape.
//!
//! ```toml
//! [[tariff]]
//! code = "gx-res-1"
//! name = "居民生活用电（一户一表）"
//! usage_class = "residential"     # residential | general_commercial | large_industry | agricultural
//! basis = "monthly_tiers"         # flat | monthly_tiers | yearly_tiers | time_of_use
//! source = "the price notice: 文号 and title"
//! note = "what could not be checked"   # optional
//! [[tariff.version]]
//! effective_from = "2026-01-01"
//! tiers = [{ up_to_kwh = 150, price = "0.5283" }, { up_to_kwh = 250, price = "0.5783" }, { price = "0.8283" }]
//! ```
//!
//! A flat version has `price = "…"`; a time-of-use version `peak`, `flat`
//! and `valley`. Any version may add a two-part tariff's basic charge
//! (`basic_per_kva`, `basic_per_kw`: yuan a month) and surcharges billed
//! apart (`surcharges = [{ name = "…", price = "0.0196" }]`). Prices are
//! quoted strings so that no float ever holds one.

use std::collections::HashSet;

use jiff::civil::Date;
use kefu_core::{Invalid, Rule, optional_text, required_text};
use serde::{Deserialize, Serialize};

use super::{Basic, Basis, Rates, Surcharge, Tariff, Tier, UsageClass, Version};
use crate::price::Price;

const CODE_MAX: usize = 32;
const NAME_MAX: usize = 60;
const SOURCE_MAX: usize = 300;
const NOTE_MAX: usize = 2000;

/// A whole file: any number of `[[tariff]]` tables.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TariffFile {
    #[serde(default)]
    pub tariff: Vec<TariffDoc>,
}

/// A tariff as written, before validation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TariffDoc {
    pub code: String,
    pub name: String,
    pub usage_class: String,
    pub basis: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub note: String,
    #[serde(default, rename = "version")]
    pub versions: Vec<VersionDoc>,
}

/// A version as written: the fields its tariff's basis needs, no others.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionDoc {
    pub effective_from: String,
    pub price: Option<String>,
    pub tiers: Option<Vec<TierDoc>>,
    pub peak: Option<String>,
    pub flat: Option<String>,
    pub valley: Option<String>,
    /// A two-part tariff's basic charge, yuan per kVA of contracted capacity a month.
    pub basic_per_kva: Option<String>,
    /// … and per kW of maximum demand a month.
    pub basic_per_kw: Option<String>,
    /// Surcharges billed apart on every kWh.
    pub surcharges: Option<Vec<SurchargeDoc>>,
}

/// A surcharge as written: `{ name = "国家重大水利工程建设基金", price = "0.0196" }`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurchargeDoc {
    pub name: String,
    pub price: String,
}

/// A tier as written; also written back inline by [`export`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub up_to_kwh: Option<i64>,
    pub price: String,
}

/// Reads a tariff file: every tariff valid, or every error found (syntax
/// errors name the line; the rest name the field's path in the file).
pub fn import(text: &str) -> Result<Vec<Tariff>, Vec<Invalid>> {
    let file: TariffFile = toml::from_str(text).map_err(|e| vec![syntax_error(text, &e)])?;
    file.validate()
}

/// Writes tariffs in the file's format, tiers inline one to a line as the
/// issue writes them; [`import`] reads the text back to the same tariffs.
pub fn export(tariffs: &[Tariff]) -> String {
    let mut out = String::new();
    for (i, t) in tariffs.iter().enumerate() {
        let doc = TariffDoc::from(t);
        if i > 0 {
            out.push('\n');
        }
        out.push_str("[[tariff]]\n");
        for (key, text) in [
            ("code", &doc.code),
            ("name", &doc.name),
            ("usage_class", &doc.usage_class),
            ("basis", &doc.basis),
            ("source", &doc.source),
            ("note", &doc.note),
        ] {
            if !text.is_empty() {
                out.push_str(&format!("{key} = {}\n", value(text)));
            }
        }
        for v in &doc.versions {
            out.push_str(&format!("\n[[tariff.version]]\neffective_from = {}\n", value(&v.effective_from)));
            for (key, price) in [
                ("price", &v.price),
                ("peak", &v.peak),
                ("flat", &v.flat),
                ("valley", &v.valley),
                ("basic_per_kva", &v.basic_per_kva),
                ("basic_per_kw", &v.basic_per_kw),
            ] {
                if let Some(price) = price {
                    out.push_str(&format!("{key} = {}\n", value(price)));
                }
            }
            if let Some(tiers) = &v.tiers {
                out.push_str("tiers = [\n");
                for tier in tiers {
                    out.push_str(&format!("    {},\n", value(tier)));
                }
                out.push_str("]\n");
            }
            if let Some(surcharges) = &v.surcharges {
                out.push_str("surcharges = [\n");
                for c in surcharges {
                    out.push_str(&format!("    {},\n", value(c)));
                }
                out.push_str("]\n");
            }
        }
    }
    out
}

/// A value as TOML writes it: a quoted, escaped string; an inline table.
fn value<T: Serialize>(v: &T) -> String {
    let mut text = String::new();
    v.serialize(toml::ser::ValueSerializer::new(&mut text))
        .expect("strings, integers and flat tables are always TOML values");
    text
}

fn syntax_error(text: &str, e: &toml::de::Error) -> Invalid {
    let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let what = e.message();
    let (zh, en) = match line {
        Some(l) => (format!("第 {l} 行：{what}"), format!("line {l}: {what}")),
        None => (what.to_string(), what.to_string()),
    };
    Invalid::new("file", Rule::new("toml_syntax", zh, en))
}

impl TariffFile {
    /// Validates every tariff; codes must be unique within the file.
    pub fn validate(&self) -> Result<Vec<Tariff>, Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut tariffs = Vec::new();
        let mut codes = HashSet::new();
        for (i, doc) in self.tariff.iter().enumerate() {
            let at = format!("tariff[{i}]");
            if !codes.insert(doc.code.trim()) {
                errors.push(Invalid::new(
                    format!("{at}.code"),
                    Rule::new("code_duplicate", "文件中已有同一电价代码", "another tariff in the file has this code"),
                ));
            }
            match doc.validate(&at) {
                Ok(t) => tariffs.push(t),
                Err(mut e) => errors.append(&mut e),
            }
        }
        if errors.is_empty() { Ok(tariffs) } else { Err(errors) }
    }
}

impl TariffDoc {
    /// The one way to make a [`Tariff`]. `at` prefixes each error's field
    /// (`tariff[0]` in a file; empty for a single form).
    pub fn validate(&self, at: &str) -> Result<Tariff, Vec<Invalid>> {
        let field = |name: &str| if at.is_empty() { name.to_string() } else { format!("{at}.{name}") };
        let mut errors = Vec::new();
        let mut keep = |r: Result<String, Invalid>| r.map_err(|e| errors.push(e)).unwrap_or_default();
        let code = keep(check_code(&field("code"), &self.code));
        let name = keep(required_text(&field("name"), &self.name, NAME_MAX));
        // The issue's own example names no source, and must read as written.
        let source = keep(optional_text(&field("source"), &self.source, SOURCE_MAX));
        let note = keep(optional_text(&field("note"), &self.note, NOTE_MAX));
        let usage_class = UsageClass::from_code(self.usage_class.trim());
        if usage_class.is_none() {
            errors.push(one_of(&field("usage_class"), UsageClass::ALL.map(UsageClass::code).as_slice()));
        }
        let basis = Basis::from_code(self.basis.trim());
        if basis.is_none() {
            errors.push(one_of(&field("basis"), Basis::ALL.map(Basis::code).as_slice()));
        }
        if self.versions.is_empty() {
            errors.push(Invalid::new(
                field("version"),
                Rule::new("version_required", "至少要有一个电价版本", "a tariff needs at least one version"),
            ));
        }
        let mut versions = Vec::new();
        let mut dates = HashSet::new();
        for (j, v) in self.versions.iter().enumerate() {
            let at = field(&format!("version[{j}]"));
            let date = match parse_date(&format!("{at}.effective_from"), &v.effective_from) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            if let Some(d) = date
                && !dates.insert(d)
            {
                errors.push(Invalid::new(
                    format!("{at}.effective_from"),
                    Rule::new(
                        "version_date_duplicate",
                        "另一个版本已在同一天生效",
                        "another version takes effect on the same day",
                    ),
                ));
            }
            // Without a valid basis the version's shape cannot be judged.
            let Some(basis) = basis else { continue };
            let extras = v.extras(&at);
            match (date, v.rates(basis, &at), extras) {
                (Some(effective_from), Ok(rates), Ok((basic, surcharges))) => {
                    versions.push(Version { effective_from, rates, basic, surcharges })
                }
                (_, rates, extras) => {
                    errors.extend(rates.err().into_iter().flatten());
                    errors.extend(extras.err().into_iter().flatten());
                }
            }
        }
        match (usage_class, basis) {
            (Some(usage_class), Some(basis)) if errors.is_empty() => {
                versions.sort_by_key(|v| v.effective_from);
                Ok(Tariff { code, name, usage_class, basis, source, note, versions })
            }
            _ => Err(errors),
        }
    }
}

impl VersionDoc {
    /// The basic charge's prices and the surcharges, each price checked.
    fn extras(&self, at: &str) -> Result<(Basic, Vec<Surcharge>), Vec<Invalid>> {
        let mut errors = Vec::new();
        let mut price = |name: &str, text: &Option<String>| {
            text.as_ref().and_then(|t| Price::parse(&format!("{at}.{name}"), t).map_err(|e| errors.push(e)).ok())
        };
        let basic = Basic {
            per_kva: price("basic_per_kva", &self.basic_per_kva),
            per_kw: price("basic_per_kw", &self.basic_per_kw),
        };
        let mut surcharges = Vec::new();
        for (k, doc) in self.surcharges.iter().flatten().enumerate() {
            let field = format!("{at}.surcharges[{k}]");
            let name = required_text(&format!("{field}.name"), &doc.name, NAME_MAX).map_err(|e| errors.push(e));
            let price = Price::parse(&format!("{field}.price"), &doc.price).map_err(|e| errors.push(e));
            if let (Ok(name), Ok(price)) = (name, price) {
                surcharges.push(Surcharge { name, price });
            }
        }
        if errors.is_empty() { Ok((basic, surcharges)) } else { Err(errors) }
    }

    fn rates(&self, basis: Basis, at: &str) -> Result<Rates, Vec<Invalid>> {
        let mut errors = Vec::new();
        let wanted: &[&str] = match basis {
            Basis::Flat => &["price"],
            Basis::MonthlyTiers | Basis::YearlyTiers => &["tiers"],
            Basis::TimeOfUse => &["peak", "flat", "valley"],
        };
        let present = [
            ("price", self.price.is_some()),
            ("tiers", self.tiers.is_some()),
            ("peak", self.peak.is_some()),
            ("flat", self.flat.is_some()),
            ("valley", self.valley.is_some()),
        ];
        for (name, is_there) in present {
            if is_there && !wanted.contains(&name) {
                errors.push(Invalid::new(
                    format!("{at}.{name}"),
                    Rule::new(
                        "field_not_for_basis",
                        format!("计费方式 {} 不使用此项（应填写 {}）", basis.code(), wanted.join("、")),
                        format!("the basis {} does not use this field (it needs {})", basis.code(), wanted.join(", ")),
                    ),
                ));
            }
        }
        let mut price = |name: &str, value: &Option<String>| -> Option<Price> {
            let field = format!("{at}.{name}");
            match value {
                None => {
                    errors.push(Invalid::required(field));
                    None
                }
                Some(text) => Price::parse(&field, text).map_err(|e| errors.push(e)).ok(),
            }
        };
        let rates = match basis {
            Basis::Flat => price("price", &self.price).map(Rates::Flat),
            Basis::TimeOfUse => {
                let (peak, flat, valley) =
                    (price("peak", &self.peak), price("flat", &self.flat), price("valley", &self.valley));
                Some(Rates::TimeOfUse {
                    peak: peak.unwrap_or_default(),
                    flat: flat.unwrap_or_default(),
                    valley: valley.unwrap_or_default(),
                })
            }
            Basis::MonthlyTiers | Basis::YearlyTiers => match &self.tiers {
                None => {
                    errors.push(Invalid::required(format!("{at}.tiers")));
                    None
                }
                Some(tiers) => check_tiers(&format!("{at}.tiers"), tiers).map_err(|mut e| errors.append(&mut e)).ok(),
            },
        };
        match rates {
            Some(rates) if errors.is_empty() => Ok(rates),
            _ => Err(errors),
        }
    }
}

/// Tier bounds strictly increasing and positive; only the last unbounded.
fn check_tiers(at: &str, tiers: &[TierDoc]) -> Result<Rates, Vec<Invalid>> {
    let mut errors = Vec::new();
    if tiers.is_empty() {
        errors.push(Invalid::new(
            at,
            Rule::new("tiers_required", "阶梯电价至少要有一档", "a tiered tariff needs at least one tier"),
        ));
    }
    let mut out = Vec::new();
    let mut previous = 0;
    for (k, t) in tiers.iter().enumerate() {
        let last = k + 1 == tiers.len();
        let bound_field = format!("{at}[{k}].up_to_kwh");
        match (t.up_to_kwh, last) {
            (Some(_), true) => errors.push(Invalid::new(
                bound_field,
                Rule::new(
                    "last_tier_unbounded",
                    "最后一档不设上限（去掉 up_to_kwh）",
                    "the last tier has no upper bound (leave out up_to_kwh)",
                ),
            )),
            (None, false) => errors.push(Invalid::new(
                bound_field,
                Rule::new("tier_bound_required", "除最后一档外每档都要有上限", "every tier but the last needs a bound"),
            )),
            (Some(b), false) if b <= previous => errors.push(Invalid::new(
                bound_field,
                Rule::new(
                    "tiers_order",
                    format!("每档上限须大于上一档（{previous} 千瓦时），各档不得重叠"),
                    format!("each bound must be above the one before ({previous} kWh); tiers must not overlap"),
                ),
            )),
            (Some(b), false) => previous = b,
            (None, true) => {}
        }
        if let Ok(price) = Price::parse(&format!("{at}[{k}].price"), &t.price).map_err(|e| errors.push(e)) {
            out.push(Tier { up_to_kwh: t.up_to_kwh.filter(|_| !last), price });
        }
    }
    if errors.is_empty() { Ok(Rates::Tiers(out)) } else { Err(errors) }
}

/// Lowercase letters, digits and hyphens, as in `gx-res-1`: it goes into
/// file names, URLs and the command line unquoted.
fn check_code(field: &str, value: &str) -> Result<String, Invalid> {
    let code = required_text(field, value, CODE_MAX)?;
    let ok = code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-');
    if ok {
        Ok(code)
    } else {
        Err(Invalid::new(
            field,
            Rule::new(
                "tariff_code_format",
                "电价代码只能用小写字母、数字和连字符，如 gx-res-1",
                "a tariff code uses lowercase letters, digits and hyphens, such as gx-res-1",
            ),
        ))
    }
}

fn parse_date(field: &str, value: &str) -> Result<Date, Invalid> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::required(field));
    }
    // jiff also reads a full datetime; a version begins on a day.
    match value.parse::<Date>() {
        Ok(d) if value.len() == 10 => Ok(d),
        _ => Err(Invalid::new(
            field,
            Rule::new("date_format", "日期格式应为 2026-01-01", "a date is written as 2026-01-01"),
        )),
    }
}

fn one_of(field: &str, codes: &[&str]) -> Invalid {
    Invalid::new(
        field,
        Rule::new(
            "one_of",
            format!("须为以下之一：{}", codes.join("、")),
            format!("must be one of: {}", codes.join(", ")),
        ),
    )
}

impl From<&Tariff> for TariffDoc {
    fn from(t: &Tariff) -> TariffDoc {
        TariffDoc {
            code: t.code.clone(),
            name: t.name.clone(),
            usage_class: t.usage_class.code().to_string(),
            basis: t.basis.code().to_string(),
            source: t.source.clone(),
            note: t.note.clone(),
            versions: t.versions.iter().map(VersionDoc::from).collect(),
        }
    }
}

impl From<&Version> for VersionDoc {
    fn from(v: &Version) -> VersionDoc {
        let mut doc = VersionDoc {
            effective_from: v.effective_from.to_string(),
            basic_per_kva: v.basic.per_kva.map(|p| p.to_string()),
            basic_per_kw: v.basic.per_kw.map(|p| p.to_string()),
            surcharges: (!v.surcharges.is_empty()).then(|| {
                v.surcharges.iter().map(|c| SurchargeDoc { name: c.name.clone(), price: c.price.to_string() }).collect()
            }),
            ..VersionDoc::default()
        };
        match &v.rates {
            Rates::Flat(p) => doc.price = Some(p.to_string()),
            Rates::Tiers(tiers) => {
                doc.tiers = Some(
                    tiers.iter().map(|t| TierDoc { up_to_kwh: t.up_to_kwh, price: t.price.to_string() }).collect(),
                );
            }
            Rates::TimeOfUse { peak, flat, valley } => {
                doc.peak = Some(peak.to_string());
                doc.flat = Some(flat.to_string());
                doc.valley = Some(valley.to_string());
            }
        }
        doc
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use proptest::prelude::*;

    use super::*;

    const ISSUE_EXAMPLE: &str = r#"
[[tariff]]
code = "gx-res-1"
name = "居民生活用电（一户一表）"
usage_class = "residential"
basis = "monthly_tiers"        # flat | monthly_tiers | yearly_tiers | time_of_use
[[tariff.version]]
effective_from = "2026-01-01"
tiers = [{ up_to_kwh = 150, price = "0.5283" }, { up_to_kwh = 250, price = "0.5783" }, { price = "0.8283" }]
"#;

    fn errors(text: &str) -> Vec<(String, &'static str)> {
        import(text).unwrap_err().into_iter().map(|e| (e.field, e.rule.code)).collect()
    }

    #[test]
    fn reads_the_issues_example_as_written() {
        let t = import(ISSUE_EXAMPLE).unwrap();
        assert_eq!(t.len(), 1);
        let t = &t[0];
        assert_eq!(
            (t.code(), t.name(), t.usage_class(), t.basis()),
            ("gx-res-1", "居民生活用电（一户一表）", UsageClass::Residential, Basis::MonthlyTiers)
        );
        assert_eq!(t.versions()[0].effective_from, date(2026, 1, 1));
        assert_eq!(
            t.versions()[0].rates,
            Rates::Tiers(vec![
                Tier { up_to_kwh: Some(150), price: Price::from_units(5283) },
                Tier { up_to_kwh: Some(250), price: Price::from_units(5783) },
                Tier { up_to_kwh: None, price: Price::from_units(8283) },
            ])
        );
    }

    #[test]
    fn flat_and_time_of_use_versions_read_their_fields() {
        let t = import(
            r#"
[[tariff]]
code = "flat"
name = "一般工商业"
usage_class = "general_commercial"
basis = "flat"
source = "s"
[[tariff.version]]
effective_from = "2026-07-01"
price = "0.62"
[[tariff.version]]
effective_from = "2025-01-01"
price = "0.6"

[[tariff]]
code = "tou"
name = "分时"
usage_class = "large_industry"
basis = "time_of_use"
source = "s"
[[tariff.version]]
effective_from = "2026-01-01"
peak = "1.0"
flat = "0.65"
valley = "0.3"
"#,
        )
        .unwrap();
        // Versions are kept oldest first whatever the file's order.
        assert_eq!(
            t[0].versions().iter().map(|v| v.effective_from).collect::<Vec<_>>(),
            [date(2025, 1, 1), date(2026, 7, 1)]
        );
        assert_eq!(t[0].versions()[1].rates, Rates::Flat(Price::from_units(6200)));
        assert_eq!(
            t[1].versions()[0].rates,
            Rates::TimeOfUse {
                peak: Price::from_units(10_000),
                flat: Price::from_units(6500),
                valley: Price::from_units(3000)
            }
        );
    }

    #[test]
    fn every_error_in_a_file_is_named_by_its_path() {
        let text = r#"
[[tariff]]
code = "Bad Code"
name = ""
usage_class = "household"
basis = "monthly_tiers"
source = "s"
[[tariff.version]]
effective_from = "2026-13-01"
tiers = [{ up_to_kwh = 250, price = "0.5283" }, { up_to_kwh = 150, price = "0.57831" }, { price = "0.8283" }]
[[tariff.version]]
effective_from = "2026-01-01"
price = "0.5"
tiers = [{ up_to_kwh = 150, price = "0.5" }, { price = "0.6" }]

[[tariff]]
code = "Bad Code"
name = "x"
usage_class = "residential"
basis = "yearly"
source = ""
"#;
        assert_eq!(
            errors(text),
            [
                ("tariff[0].code".into(), "tariff_code_format"),
                ("tariff[0].name".into(), "required"),
                ("tariff[0].usage_class".into(), "one_of"),
                ("tariff[0].version[0].effective_from".into(), "date_format"),
                ("tariff[0].version[0].tiers[1].up_to_kwh".into(), "tiers_order"),
                ("tariff[0].version[0].tiers[1].price".into(), "price_decimals"),
                ("tariff[0].version[1].price".into(), "field_not_for_basis"),
                ("tariff[1].code".into(), "code_duplicate"),
                ("tariff[1].code".into(), "tariff_code_format"),
                ("tariff[1].basis".into(), "one_of"),
                ("tariff[1].version".into(), "version_required"),
            ]
        );
    }

    #[test]
    fn tier_shapes_are_checked() {
        let with_tiers = |tiers: &str| {
            format!(
                "[[tariff]]\ncode = \"t\"\nname = \"t\"\nusage_class = \"residential\"\nbasis = \"yearly_tiers\"\nsource = \"s\"\n[[tariff.version]]\neffective_from = \"2026-01-01\"\ntiers = {tiers}\n"
            )
        };
        assert_eq!(errors(&with_tiers("[]")), [("tariff[0].version[0].tiers".into(), "tiers_required")]);
        assert_eq!(
            errors(&with_tiers(r#"[{ up_to_kwh = 2760, price = "0.538" }, { up_to_kwh = 4800, price = "0.588" }]"#)),
            [("tariff[0].version[0].tiers[1].up_to_kwh".into(), "last_tier_unbounded")]
        );
        assert_eq!(
            errors(&with_tiers(r#"[{ price = "0.538" }, { price = "0.588" }]"#)),
            [("tariff[0].version[0].tiers[0].up_to_kwh".into(), "tier_bound_required")]
        );
        assert_eq!(
            errors(&with_tiers(r#"[{ up_to_kwh = 0, price = "0.538" }, { price = "0.588" }]"#)),
            [("tariff[0].version[0].tiers[0].up_to_kwh".into(), "tiers_order")]
        );
        assert_eq!(
            errors(&with_tiers(
                r#"[{ up_to_kwh = 100, price = "0.5" }, { up_to_kwh = 100, price = "0.6" }, { price = "0.7" }]"#
            )),
            [("tariff[0].version[0].tiers[1].up_to_kwh".into(), "tiers_order")]
        );
        // One tier alone is a flat price written as tiers: allowed.
        assert!(import(&with_tiers(r#"[{ price = "0.538" }]"#)).is_ok());
    }

    #[test]
    fn a_version_needs_its_basis_fields_and_a_unique_date() {
        let text = r#"
[[tariff]]
code = "tou"
name = "分时"
usage_class = "general_commercial"
basis = "time_of_use"
source = "s"
[[tariff.version]]
effective_from = "2026-01-01"
peak = "1.0"
valley = "0.3"
[[tariff.version]]
effective_from = "2026-01-01"
peak = "1.0"
flat = "0.6"
valley = "0.3"
[[tariff.version]]
effective_from = "2026-01-01T00:00"
peak = "1.0"
flat = "0.6"
valley = "0.3"
"#;
        assert_eq!(
            errors(text),
            [
                ("tariff[0].version[0].flat".into(), "required"),
                ("tariff[0].version[1].effective_from".into(), "version_date_duplicate"),
                ("tariff[0].version[2].effective_from".into(), "date_format"),
            ]
        );
    }

    #[test]
    fn syntax_errors_and_unknown_fields_name_the_line() {
        let e = import("[[tariff]]\ncode = \"x\"\nname = \"x\"\nusage_class = \"residential\"\nbasis = \"flat\"\nsource = \"s\"\n[[tariff.version]]\neffective_from = \"2026-01-01\"\nprice = 0.5283\n").unwrap_err();
        assert_eq!((e[0].field.as_str(), e[0].rule.code), ("file", "toml_syntax"));
        assert!(e[0].rule.en.starts_with("line 9:"), "{}", e[0].rule.en);
        let e = import("[[tariff]]\ncode = \"x\"\nnmae = \"x\"\n").unwrap_err();
        assert!(e[0].rule.en.starts_with("line 3:"), "{}", e[0].rule.en);
        assert!(e[0].rule.en.contains("nmae"), "{}", e[0].rule.en);
        assert_eq!(import("").unwrap(), []);
    }

    #[test]
    fn export_reads_back_to_the_same_tariffs() {
        let tariffs = import(ISSUE_EXAMPLE).unwrap();
        let text = export(&tariffs);
        assert!(text.contains("effective_from = \"2026-01-01\""), "{text}");
        assert!(text.contains("tiers = [\n    { up_to_kwh = 150, price = \"0.5283\" },\n"), "{text}");
        assert!(text.contains("    { price = \"0.8283\" },\n]"), "{text}");
        assert_eq!(import(&text).unwrap(), tariffs);
    }

    fn arb_price() -> impl Strategy<Value = Price> {
        (0i64..1_000_000).prop_map(Price::from_units)
    }

    fn arb_rates(basis: Basis) -> BoxedStrategy<Rates> {
        match basis {
            Basis::Flat => arb_price().prop_map(Rates::Flat).boxed(),
            Basis::TimeOfUse => (arb_price(), arb_price(), arb_price())
                .prop_map(|(peak, flat, valley)| Rates::TimeOfUse { peak, flat, valley })
                .boxed(),
            Basis::MonthlyTiers | Basis::YearlyTiers => {
                (proptest::collection::vec((1i64..5000, arb_price()), 0..4), arb_price())
                    .prop_map(|(steps, last)| {
                        let mut bound = 0;
                        let mut tiers: Vec<Tier> = steps
                            .into_iter()
                            .map(|(step, price)| {
                                bound += step;
                                Tier { up_to_kwh: Some(bound), price }
                            })
                            .collect();
                        tiers.push(Tier { up_to_kwh: None, price: last });
                        Rates::Tiers(tiers)
                    })
                    .boxed()
            }
        }
    }

    fn arb_tariff() -> impl Strategy<Value = Tariff> {
        (
            proptest::sample::select(Basis::ALL.to_vec()),
            proptest::sample::select(UsageClass::ALL.to_vec()),
            "[a-z0-9]{1,10}",
            "[\\p{Han}a-z ]{1,20}",
            ".{0,40}",
        )
            .prop_flat_map(|(basis, usage_class, code, name, note)| {
                proptest::collection::btree_set(0i32..3000, 1..4)
                    .prop_flat_map(move |days| {
                        let dates: Vec<Date> =
                            days.into_iter().map(|d| date(2020, 1, 1) + jiff::Span::new().days(d)).collect();
                        let n = dates.len();
                        (Just(dates), proptest::collection::vec(arb_rates(basis), n))
                    })
                    .prop_map(move |(dates, rates)| Tariff {
                        code: code.clone(),
                        name: name.trim().to_string(),
                        usage_class,
                        basis,
                        source: "某价格主管部门通知".into(),
                        note: note.trim().to_string(),
                        versions: dates
                            .into_iter()
                            .zip(rates)
                            .map(|(effective_from, rates)| Version {
                                effective_from,
                                rates,
                                basic: Basic::default(),
                                surcharges: Vec::new(),
                            })
                            .collect(),
                    })
            })
            .prop_filter("a name is required", |t| !t.name.is_empty() && !t.note.chars().any(char::is_control))
    }

    proptest! {
        #[test]
        fn any_valid_tariff_survives_export_and_import(t in arb_tariff()) {
            let text = export(std::slice::from_ref(&t));
            prop_assert_eq!(import(&text).unwrap(), vec![t]);
        }
    }
}
