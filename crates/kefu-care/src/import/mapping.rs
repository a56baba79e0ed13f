//! Which column of the file fills which field: suggested from the header
//! names (the Chinese and English names old systems use), then corrected by
//! the user.

use super::table::Row;
use kefu_core::{Invalid, Rule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A field an import can fill, with the header names that mean it.
#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub synonyms: &'static [&'static str],
}

/// Field key → column index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping(BTreeMap<String, usize>);

/// A header as compared with the synonyms: lower case, half-width, without
/// spaces, punctuation, "*" required-marks or a bracketed remark
/// ("手机号（必填）" → "手机号").
pub fn normalise(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut depth = 0;
    for c in header.chars() {
        // Full-width ASCII (Ｖｉｎ, （）) as its half-width self.
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' => '(',
            '】' | '〕' => ')',
            _ => c,
        };
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            c if c.is_whitespace() || matches!(c, '*' | '_' | '-' | '.' | ':' | '：' | '#' | '/') => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

impl Mapping {
    /// The mapping the header names suggest: a column goes to the field one
    /// of whose names (or its key) it matches after [`normalise`]; each field
    /// and each column is used once, the leftmost column first.
    pub fn suggest(fields: &[Field], headers: &[String]) -> Mapping {
        let mut mapping = Mapping::default();
        for (index, header) in headers.iter().enumerate() {
            let h = normalise(header);
            if h.is_empty() {
                continue;
            }
            let field = fields.iter().find(|f| {
                !mapping.0.contains_key(f.key)
                    && (normalise(f.key) == h || f.synonyms.iter().any(|s| normalise(s) == h))
            });
            if let Some(f) = field {
                mapping.0.insert(f.key.to_string(), index);
            }
        }
        mapping
    }

    /// Maps `field` to the column headed `header` (an empty header unmaps
    /// the field), as the user chose.
    pub fn set(&mut self, fields: &[Field], headers: &[String], field: &str, header: &str) -> Result<(), Invalid> {
        let Some(f) = fields.iter().find(|f| f.key == field) else {
            let keys: Vec<&str> = fields.iter().map(|f| f.key).collect();
            return Err(Invalid::new(
                "mapping",
                Rule::new(
                    "unknown_field",
                    format!("没有名为“{field}”的字段（可用：{}）", keys.join("、")),
                    format!("there is no field {field:?} (fields: {})", keys.join(", ")),
                ),
            ));
        };
        if header.trim().is_empty() {
            self.0.remove(f.key);
            return Ok(());
        }
        let index = headers.iter().position(|h| h == header.trim()).ok_or_else(|| {
            Invalid::new(
                "mapping",
                Rule::new(
                    "unknown_column",
                    format!("文件中没有名为“{header}”的列（有：{}）", headers.join("、")),
                    format!("the file has no column {header:?} (it has: {})", headers.join(", ")),
                ),
            )
        })?;
        // A column fills one field: the user's choice replaces the suggestion.
        self.0.retain(|_, i| *i != index);
        self.0.insert(f.key.to_string(), index);
        Ok(())
    }

    pub fn column(&self, field: &str) -> Option<usize> {
        self.0.get(field).copied()
    }

    pub fn is_mapped(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    /// Field key → header name, for showing and storing the choice.
    pub fn by_header(&self, headers: &[String]) -> BTreeMap<String, String> {
        self.0.iter().filter_map(|(f, i)| headers.get(*i).map(|h| (f.clone(), h.clone()))).collect()
    }

    /// The cells of `row` this mapping reads.
    pub fn cells<'a>(&'a self, row: &'a Row) -> Cells<'a> {
        Cells { mapping: self, row }
    }
}

/// One row's values by field.
pub struct Cells<'a> {
    mapping: &'a Mapping,
    row: &'a Row,
}

impl Cells<'_> {
    /// The trimmed text for `field`; empty when the field is not mapped.
    pub fn get(&self, field: &str) -> &str {
        self.mapping.column(field).map(|i| self.row.cell(i)).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field { key: "name", synonyms: &["姓名", "客户姓名", "客户名称"] },
        Field { key: "mobile", synonyms: &["手机", "手机号", "手机号码", "联系电话"] },
        Field { key: "contact_mobile", synonyms: &["驾驶人电话", "驾驶员手机"] },
        Field { key: "vin", synonyms: &["车架号", "VIN码", "底盘号"] },
    ];

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_suggest_their_fields_in_either_language() {
        let h = headers(&["客户名称", "手机号码（必填）", "驾驶人电话", "ＶＩＮ码", "备注"]);
        let m = Mapping::suggest(FIELDS, &h);
        assert_eq!(m.column("name"), Some(0));
        assert_eq!(m.column("mobile"), Some(1));
        assert_eq!(m.column("contact_mobile"), Some(2), "the driver's phone is not the customer's");
        assert_eq!(m.column("vin"), Some(3));
        let en = Mapping::suggest(FIELDS, &headers(&["Name", "MOBILE", "V.I.N"]));
        assert_eq!((en.column("name"), en.column("mobile"), en.column("vin")), (Some(0), Some(1), Some(2)));
    }

    #[test]
    fn a_second_column_of_the_same_meaning_is_left_alone() {
        let m = Mapping::suggest(FIELDS, &headers(&["手机", "联系电话"]));
        assert_eq!(m.column("mobile"), Some(0));
        assert_eq!(m.by_header(&headers(&["手机", "联系电话"])).len(), 1);
    }

    #[test]
    fn the_user_overrides_and_is_told_about_unknown_names() {
        let h = headers(&["手机", "联系电话"]);
        let mut m = Mapping::suggest(FIELDS, &h);
        m.set(FIELDS, &h, "mobile", "联系电话").unwrap();
        assert_eq!(m.column("mobile"), Some(1));
        m.set(FIELDS, &h, "mobile", "").unwrap();
        assert!(!m.is_mapped("mobile"));
        assert_eq!(m.set(FIELDS, &h, "mobile", "电话").unwrap_err().rule.code, "unknown_column");
        assert_eq!(m.set(FIELDS, &h, "phone", "手机").unwrap_err().rule.code, "unknown_field");
    }
}
