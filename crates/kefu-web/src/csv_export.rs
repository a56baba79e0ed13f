//! Every CSV file kefu hands out is written here, so that none can carry a
//! formula into the spreadsheet that opens it.

use crate::error::AppError;
use std::borrow::Cow;

/// The header and rows as CSV in UTF-8, with the BOM that tells Excel so
/// (Chinese opens legibly), every cell made safe by [`neutralised`].
pub fn write(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    let fail = |e: csv::Error| AppError::Internal(format!("writing CSV: {e}"));
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        for record in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
            w.write_record(record.iter().map(|cell| neutralised(cell).into_owned())).map_err(fail)?;
        }
        w.flush().map_err(|e| AppError::Internal(format!("writing CSV: {e}")))?;
    }
    Ok(out)
}

/// A cell Excel or LibreOffice would run as a formula (it begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return — a customer can type
/// `=HYPERLINK(…)` into their address) gets a leading apostrophe, as OWASP
/// recommends, so it is shown as the text it is. A plain negative number is
/// no formula and stays as it is.
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    let risky = matches!(cell.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && !is_negative_number(cell) { Cow::Owned(format!("'{cell}")) } else { Cow::Borrowed(cell) }
}

/// `-12`, `-0.5`: a minus, digits, at most one decimal point between digits.
fn is_negative_number(cell: &str) -> bool {
    let Some(digits) = cell.strip_prefix('-') else { return false };
    let mut parts = digits.split('.');
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next();
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    parts.next().is_none() && all_digits(whole) && fraction.is_none_or(all_digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_shown_as_text_and_numbers_stay_numbers() {
        for (cell, shown) in [
            ("=HYPERLINK(\"http://evil.example\",\"点我\")", "'=HYPERLINK(\"http://evil.example\",\"点我\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-", "'-"),
            ("-1.", "'-1."),
            ("-12", "-12"),
            ("-0.50", "-0.50"),
            ("张伟", "张伟"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(neutralised(cell), shown, "{cell:?}");
        }
    }
}
