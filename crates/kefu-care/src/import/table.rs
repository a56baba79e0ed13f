//! A file as a table: the header row and the rows under it, each with the
//! row number the user sees in the file (the header is row 1). CSV in UTF-8
//! (with or without BOM), UTF-16 with BOM, or GB18030/GBK as Chinese Excel
//! saves it; XLSX, XLS and ODS workbooks through calamine.

use calamine::{Data, Reader};
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};
use kefu_core::{Invalid, Rule};
use std::borrow::Cow;
use std::io::Cursor;

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// As the user sees it in the file: the header is row 1.
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The trimmed text of column `index` (empty past the row's end).
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map(|c| c.trim()).unwrap_or("")
    }
}

fn file_rule(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid::new("file", Rule::new(code, zh, en))
}

/// Reads a CSV file or a workbook (told apart by their first bytes, not the
/// name). `sheet` picks a worksheet; the first one otherwise.
pub fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Table, Invalid> {
    let is_workbook = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let table = if is_workbook { read_workbook(bytes, sheet)? } else { read_csv(bytes)? };
    if table.headers.iter().all(|h| h.is_empty()) {
        return Err(file_rule("file_empty", "文件中没有表头和数据", "the file holds no header row and no data"));
    }
    Ok(table)
}

/// The text of a CSV file, whatever it was saved in.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, Invalid> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest).map(Cow::Borrowed).map_err(|_| encoding_error());
    }
    for (bom, encoding) in [(&b"\xFF\xFE"[..], UTF_16LE), (&b"\xFE\xFF"[..], UTF_16BE)] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            let (text, had_errors) = encoding.decode_without_bom_handling(rest);
            return if had_errors { Err(encoding_error()) } else { Ok(text) };
        }
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    // Chinese Excel saves "CSV" in the system code page, GBK, of which
    // GB18030 is the superset.
    let (text, had_errors) = GB18030.decode_without_bom_handling(bytes);
    if had_errors { Err(encoding_error()) } else { Ok(text) }
}

fn encoding_error() -> Invalid {
    file_rule(
        "file_encoding",
        "无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 XLSX",
        "the file's text encoding is not recognised; save it as CSV in UTF-8 or GBK, or as XLSX",
    )
}

/// Comma, tab (Excel's "Unicode text") or semicolon: whichever the header
/// line holds most of.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    [b',', b'\t', b';'].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

fn read_csv(bytes: &[u8]) -> Result<Table, Invalid> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let bad_csv = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        file_rule(
            "file_csv",
            format!("第 {line} 行不是有效的 CSV（{e}）"),
            format!("line {line} is not valid CSV ({e})"),
        )
    };
    let headers = match records.next() {
        Some(r) => r.map_err(bad_csv)?.iter().map(|h| h.trim().to_string()).collect(),
        None => Vec::new(),
    };
    let mut rows = Vec::new();
    // The csv reader does not count the blank lines it skips, so lines are
    // counted here from the byte offsets, as a text editor or Excel numbers them.
    let (mut counted_to, mut line) = (0, 1);
    for record in records {
        let record = record.map_err(bad_csv)?;
        let mut start = record.position().map(|p| p.byte() as usize).unwrap_or(counted_to);
        // A record's position is where reading began, before any blank lines.
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        line += text.as_bytes()[counted_to..start].iter().filter(|b| **b == b'\n').count();
        counted_to = start;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Row { number: line, cells: record.iter().map(str::to_string).collect() });
    }
    Ok(Table { headers, rows })
}

fn read_workbook(bytes: &[u8], sheet: Option<&str>) -> Result<Table, Invalid> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        file_rule("file_format", format!("无法读取工作簿（{e}）"), format!("the workbook cannot be read ({e})"))
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names.iter().find(|n| n.as_str() == wanted).cloned().ok_or_else(|| {
            Invalid::new(
                "sheet",
                Rule::new(
                    "sheet_missing",
                    format!("工作簿中没有名为“{wanted}”的工作表（有：{}）", names.join("、")),
                    format!("the workbook has no sheet {wanted:?} (it has: {})", names.join(", ")),
                ),
            )
        })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| file_rule("file_empty", "工作簿中没有工作表", "the workbook has no sheets"))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        file_rule(
            "file_format",
            format!("无法读取工作表“{name}”（{e}）"),
            format!("sheet {name:?} cannot be read ({e})"),
        )
    })?;
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut headers = None;
    let mut rows = Vec::new();
    for (i, cells) in range.rows().enumerate() {
        // Columns before the used range are empty, so indices match the sheet's.
        let texts: Vec<String> =
            std::iter::repeat_n(String::new(), first_col).chain(cells.iter().map(cell_text)).collect();
        if texts.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let number = first_row + i + 1;
        match headers {
            None => headers = Some(texts.iter().map(|h| h.trim().to_string()).collect()),
            Some(_) => rows.push(Row { number, cells: texts }),
        }
    }
    Ok(Table { headers: headers.unwrap_or_default(), rows })
}

/// A cell as the text a person would type: whole numbers without ".0"
/// (mobiles are often stored as numbers), dates as YYYY-MM-DD.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, d, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_bom_and_quoted_fields() {
        let t = read("\u{feff}姓名,手机\n张伟,13800138000\n\n\"李, 娜\",\"139 1234 5678\"\n".as_bytes(), None).unwrap();
        assert_eq!(t.headers, ["姓名", "手机"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!((t.rows[0].number, t.rows[0].cell(0)), (2, "张伟"));
        assert_eq!((t.rows[1].number, t.rows[1].cell(0)), (4, "李, 娜"), "the blank line keeps its number");
        assert_eq!(t.rows[1].cell(5), "");
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (bytes, _, _) = GB18030.encode("客户姓名,手机号码\r\n王芳,13800138000\r\n");
        let t = read(&bytes, None).unwrap();
        assert_eq!(t.headers, ["客户姓名", "手机号码"]);
        assert_eq!(t.rows[0].cells, ["王芳", "13800138000"]);
    }

    #[test]
    fn tab_separated_utf16_is_read() {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend("姓名\t手机\n王芳\t13800138000\n".encode_utf16().flat_map(u16::to_le_bytes));
        let t = read(&bytes, None).unwrap();
        assert_eq!(t.rows[0].cells, ["王芳", "13800138000"]);
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(read(b"", None).unwrap_err().rule.code, "file_empty");
    }
}
