//! A file as a table: the header row and the rows under it, each with the
//! row number the user sees in the file (the header is row 1). CSV in UTF-8
//! (with or without BOM), UTF-16 with BOM, or GB18030/GBK as Chinese Excel
//! saves it; XLSX workbooks through calamine, cell by cell. Every file is
//! read within [`Limits`], so no upload can exhaust the server.

use calamine::{Data, Reader};
use encoding_rs::{GB18030, UTF_16BE, UTF_16LE};
use kefu_core::{Invalid, Rule};
use std::borrow::Cow;
use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

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

/// How much one file may hold. A file is read whole into memory before its
/// rows are checked, so whatever it could make the server allocate or spend
/// is bounded here, and a file over a limit is refused naming the limit.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Rows, by their number in the file (the header is row 1).
    pub rows: usize,
    /// Columns, by their place in the row.
    pub columns: usize,
    /// Cells held, counting the empty ones before a row's last value.
    pub cells: usize,
    /// The text of all cells together: a workbook's shared string is stored
    /// once but copied into every cell that uses it.
    pub text_bytes: u64,
    /// Parts in a workbook's zip archive.
    pub parts: usize,
    /// One part of a workbook, unpacked.
    pub part_bytes: u64,
    /// All parts of a workbook together, unpacked.
    pub total_bytes: u64,
    /// Reading the file, from its bytes to the table.
    pub time: Duration,
}

impl Limits {
    /// Room for a dealer's whole archive — half a million rows of twenty
    /// columns (the benchmark imports 200,000) — and far below what would
    /// strain the server: at most some hundreds of MB held while reading.
    pub const DEFAULT: Limits = Limits {
        rows: 1_000_000,
        columns: 256,
        cells: 10_000_000,
        text_bytes: 256 << 20,
        parts: 10_000,
        part_bytes: 256 << 20,
        total_bytes: 512 << 20,
        time: Duration::from_secs(120),
    };

    /// The refusal naming the limit that was passed.
    fn exceeded(&self, limit: &str, value: u64) -> Invalid {
        let mb = value >> 20;
        let (zh, en) = match limit {
            "rows" => {
                (format!("文件超过 {value} 行的上限"), format!("the file has more than {value} rows (the limit)"))
            }
            "columns" => {
                (format!("文件超过 {value} 列的上限"), format!("the file has more than {value} columns (the limit)"))
            }
            "cells" => (
                format!("文件超过 {value} 个单元格的上限"),
                format!("the file has more than {value} cells (the limit)"),
            ),
            "text_bytes" => (
                format!("文件中的文字超过 {mb} MB 的上限"),
                format!("the file's text is larger than {mb} MB (the limit)"),
            ),
            "parts" => (
                format!("工作簿超过 {value} 个组成部分的上限"),
                format!("the workbook has more than {value} parts (the limit)"),
            ),
            "part_bytes" => (
                format!("工作簿中有一部分解压后超过 {mb} MB 的上限"),
                format!("a part of the workbook is larger than {mb} MB unpacked (the limit)"),
            ),
            _ => (
                format!("工作簿解压后超过 {mb} MB 的上限"),
                format!("the workbook is larger than {mb} MB unpacked (the limit)"),
            ),
        };
        file_rule("file_too_large", zh, en)
    }

    /// A cell at `row`, `column` (from 0) lies within the limits.
    fn check_position(&self, row: usize, column: usize) -> Result<(), Invalid> {
        if row >= self.rows {
            return Err(self.exceeded("rows", self.rows as u64));
        }
        if column >= self.columns {
            return Err(self.exceeded("columns", self.columns as u64));
        }
        Ok(())
    }

    /// The time is measured, not read from the business clock: it bounds
    /// the work one request may cost.
    fn check_time(&self, deadline: Instant) -> Result<(), Invalid> {
        if Instant::now() > deadline {
            let s = self.time.as_secs();
            return Err(file_rule(
                "file_too_slow",
                format!("读取文件超过 {s} 秒的上限"),
                format!("reading the file took longer than {s} seconds (the limit)"),
            ));
        }
        Ok(())
    }
}

/// What the table read so far holds, checked against the limits as it grows.
struct Budget<'a> {
    limits: &'a Limits,
    deadline: Instant,
    cells: usize,
    text_bytes: u64,
    /// Cells and records seen, held or not: the clock is read every few
    /// thousand.
    seen: usize,
}

impl<'a> Budget<'a> {
    fn new(limits: &'a Limits, deadline: Instant) -> Budget<'a> {
        Budget { limits, deadline, cells: 0, text_bytes: 0, seen: 0 }
    }

    /// Takes `cells` more cells holding `text_bytes` more text.
    fn take(&mut self, cells: usize, text_bytes: usize) -> Result<(), Invalid> {
        self.seen += 1;
        self.cells += cells;
        self.text_bytes += text_bytes as u64;
        if self.cells > self.limits.cells {
            return Err(self.limits.exceeded("cells", self.limits.cells as u64));
        }
        if self.text_bytes > self.limits.text_bytes {
            return Err(self.limits.exceeded("text_bytes", self.limits.text_bytes));
        }
        if self.seen.is_multiple_of(4096) {
            self.limits.check_time(self.deadline)?;
        }
        Ok(())
    }
}

/// A workbook's cells, which come one at a time, gathered into rows: the
/// first row with a value is the header, blank rows are left out.
struct Grid<'a> {
    budget: Budget<'a>,
    headers: Option<Vec<String>>,
    rows: Vec<Row>,
    /// The row being gathered: its number (from 1) and its cells so far.
    current: (usize, Vec<String>),
}

impl<'a> Grid<'a> {
    fn new(limits: &'a Limits, deadline: Instant) -> Grid<'a> {
        Grid { budget: Budget::new(limits, deadline), headers: None, rows: Vec::new(), current: (0, Vec::new()) }
    }

    /// The cell at `row`, `column` (from 0); its columns keep their places,
    /// so a row holds empty cells before its first value.
    fn put(&mut self, row: usize, column: usize, text: String) -> Result<(), Invalid> {
        self.budget.limits.check_position(row, column)?;
        if text.is_empty() {
            return self.budget.take(0, 0);
        }
        if self.current.0 != row + 1 {
            self.end_row();
            self.current.0 = row + 1;
        }
        let cells = &mut self.current.1;
        let added = (column + 1).saturating_sub(cells.len());
        self.budget.take(added, text.len())?;
        if added > 0 {
            cells.resize(column + 1, String::new());
        }
        cells[column] = text;
        Ok(())
    }

    fn end_row(&mut self) {
        let (number, cells) = std::mem::take(&mut self.current);
        if cells.iter().all(|c| c.trim().is_empty()) {
            return;
        }
        match self.headers {
            None => self.headers = Some(cells.iter().map(|h| h.trim().to_string()).collect()),
            Some(_) => self.rows.push(Row { number, cells }),
        }
    }

    fn finish(mut self) -> Table {
        self.end_row();
        Table { headers: self.headers.unwrap_or_default(), rows: self.rows }
    }
}

/// Reads a CSV file or a workbook (told apart by their first bytes, not the
/// name). `sheet` picks a worksheet; the first one otherwise.
pub fn read(bytes: &[u8], sheet: Option<&str>) -> Result<Table, Invalid> {
    read_within(bytes, sheet, &Limits::DEFAULT)
}

/// [`read`] within other limits.
pub fn read_within(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Table, Invalid> {
    let deadline = Instant::now() + limits.time;
    let is_workbook = bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let table =
        if is_workbook { read_workbook(bytes, sheet, limits, deadline)? } else { read_csv(bytes, limits, deadline)? };
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

fn read_csv(bytes: &[u8], limits: &Limits, deadline: Instant) -> Result<Table, Invalid> {
    let mut budget = Budget::new(limits, deadline);
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
    let mut held = |record: &csv::StringRecord, line: usize| {
        limits.check_position(line - 1, record.len().saturating_sub(1))?;
        budget.take(record.len(), record.as_slice().len())
    };
    let headers = match records.next() {
        Some(r) => {
            let r = r.map_err(bad_csv)?;
            held(&r, 1)?;
            r.iter().map(|h| h.trim().to_string()).collect()
        }
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
        held(&record, line)?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(Row { number: line, cells: record.iter().map(str::to_string).collect() });
    }
    Ok(Table { headers, rows })
}

/// XLSX only: calamine reads XLS (BIFF) and ODS workbooks into a dense
/// rectangle of every sheet when it opens them, so two cells far apart
/// ask for gigabytes before any limit could be checked. Excel saves either
/// as XLSX.
fn read_workbook(bytes: &[u8], sheet: Option<&str>, limits: &Limits, deadline: Instant) -> Result<Table, Invalid> {
    let resave = |zh: &str, en: &str| {
        file_rule(
            "file_format",
            format!("{zh}，请在 Excel 中另存为 XLSX 或 CSV 后上传"),
            format!("{en}; save it as XLSX or CSV in Excel and upload that"),
        )
    };
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(resave("不支持 Excel 97-2003（XLS）格式的工作簿", "XLS (Excel 97-2003) workbooks are not read"));
    }
    check_parts(bytes, limits, deadline)?;
    let mut book = calamine::Xlsx::new(Cursor::new(bytes))
        .map_err(|e| resave(&format!("无法读取工作簿（{e}）"), &format!("the workbook cannot be read ({e})")))?;
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
    let unreadable = |e: calamine::XlsxError| {
        file_rule(
            "file_format",
            format!("无法读取工作表“{name}”（{e}）"),
            format!("sheet {name:?} cannot be read ({e})"),
        )
    };
    let mut reader = book.worksheet_cells_reader(&name).map_err(unreadable)?;
    // What the sheet says of itself is checked first; the cells are
    // checked again as they come, since the declaration can lie.
    let declared = reader.dimensions();
    limits.check_position(declared.end.0 as usize, declared.end.1 as usize)?;
    let mut grid = Grid::new(limits, deadline);
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (row, column) = cell.get_position();
        grid.put(row as usize, column as usize, cell_text(&Data::from(cell.get_value().clone())))?;
    }
    Ok(grid.finish())
}

/// Checks every part of the workbook's zip archive before calamine unpacks
/// any: their number, the sizes the central directory declares, and then
/// the bytes each part really inflates to, since a declared size is only a
/// claim.
fn check_parts(bytes: &[u8], limits: &Limits, deadline: Instant) -> Result<(), Invalid> {
    let broken = |e: zip::result::ZipError| {
        file_rule("file_format", format!("无法读取工作簿（{e}）"), format!("the workbook cannot be read ({e})"))
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(broken)?;
    if zip.len() > limits.parts {
        return Err(limits.exceeded("parts", limits.parts as u64));
    }
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let size = zip.by_index_raw(i).map_err(broken)?.size();
        declared = declared.saturating_add(size);
        if size > limits.part_bytes {
            return Err(limits.exceeded("part_bytes", limits.part_bytes));
        }
        if declared > limits.total_bytes {
            return Err(limits.exceeded("total_bytes", limits.total_bytes));
        }
    }
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(broken)?;
        let mut inflated = 0u64;
        loop {
            // zip stops a part at the size it declares; ours are counted
            // all the same, should that ever change.
            let n = part.read(&mut buf).map_err(|e| {
                file_rule(
                    "file_format",
                    format!("工作簿已损坏，或其内容大于它声明的大小（{e}）"),
                    format!("the workbook is damaged or larger than it declares ({e})"),
                )
            })? as u64;
            if n == 0 {
                break;
            }
            inflated += n;
            total += n;
            if inflated > limits.part_bytes {
                return Err(limits.exceeded("part_bytes", limits.part_bytes));
            }
            if total > limits.total_bytes {
                return Err(limits.exceeded("total_bytes", limits.total_bytes));
            }
            limits.check_time(deadline)?;
        }
    }
    Ok(())
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
    fn a_file_over_a_limit_is_refused_naming_it() {
        let small = Limits { rows: 3, columns: 4, cells: 10, text_bytes: 40, ..Limits::DEFAULT };
        let refusal = |text: &str| read_within(text.as_bytes(), None, &small).unwrap_err();
        assert!(read_within(b"a,b\n1,2\n3,4\n", None, &small).is_ok());
        let e = refusal("a,b\n1,2\n3,4\n5,6\n");
        assert_eq!((e.rule.code, e.rule.en.as_str()), ("file_too_large", "the file has more than 3 rows (the limit)"));
        assert!(refusal("a,b,c,d,e\n").rule.zh.contains("4 列"));
        assert!(refusal("a,b,c,d\n1,2,3,4\n5,6,7\n").rule.en.contains("10 cells"));
        assert!(refusal("a\n01234567890123456789\n01234567890123456789\n").rule.en.contains("text"));
    }

    #[test]
    fn reading_is_bounded_in_time() {
        let instant = Limits { time: Duration::ZERO, ..Limits::DEFAULT };
        let many = "a,b,c,d\n".repeat(5000);
        assert_eq!(read_within(many.as_bytes(), None, &instant).unwrap_err().rule.code, "file_too_slow");
    }

    #[test]
    fn xls_and_non_xlsx_archives_are_refused_with_what_to_do() {
        let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        let e = read(&xls, None).unwrap_err();
        assert_eq!(e.rule.code, "file_format");
        assert!(e.rule.en.contains("save it as XLSX or CSV"), "{}", e.rule.en);
        assert_eq!(read(b"PK\x03\x04 not really", None).unwrap_err().rule.code, "file_format");
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(read(b"", None).unwrap_err().rule.code, "file_empty");
    }
}
