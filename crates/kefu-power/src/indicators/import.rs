//! The month's station intake and hydro generation meter readings from a
//! file (CSV or XLSX, read by the import machinery's table reader): the
//! meter number, the month, the register and the day read. Every row is
//! checked as a typed reading is, a meter's months in the file in order
//! (each advancing from the one before it); every refused row is reported
//! with its row number, field and rule, and then nothing is written — the
//! file is entered whole, in one audited transaction, or not at all.

use std::collections::{HashMap, HashSet};

use jiff::civil::Date;
use kefu_care::import::{cells, table};
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Db, Failure};

use super::meters::{SupplyMeter, SupplyReading, checked_kwh, get, previous_of, write};
use super::parse_month;
use crate::meter_archive::parse_reading;

/// The headers each column is known by.
const METER: &[&str] = &["表号", "关口表号", "计量表号", "meter_no", "meter"];
const MONTH: &[&str] = &["月份", "所属月份", "电量月份", "month"];
const READING: &[&str] = &["示数", "读数", "本月示数", "reading"];
const DATE: &[&str] = &["抄表日期", "抄表时间", "日期", "read_on", "date"];

/// What an import did: the readings entered (none when a row was refused)
/// and each refused row, its number in the file (the header is row 1).
#[derive(Debug, Default)]
pub struct SupplyImport {
    pub entered: Vec<SupplyReading>,
    pub rejected: Vec<(usize, Invalid)>,
}

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

/// A month as typed, or a date cell a spreadsheet made of it (2026-11-01).
fn month_of(text: &str) -> Result<String, Invalid> {
    let text = text.trim();
    match parse_month(text) {
        Ok(_) => Ok(text.to_string()),
        Err(e) => cells::parse_date(text).map(|d| format!("{:04}-{:02}", d.year(), d.month())).ok_or(e),
    }
}

/// A row as checked before any meter is looked up.
struct Row {
    number: usize,
    meter_no: String,
    month: String,
    value: i64,
    read_on: Date,
}

fn check_row(
    row: &table::Row,
    (meter, month, reading, date): (usize, usize, usize, Option<usize>),
) -> Result<Row, Invalid> {
    let meter_no = row.cell(meter).to_ascii_uppercase();
    if meter_no.is_empty() {
        return Err(Invalid::required("meter_no"));
    }
    let month = month_of(row.cell(month))?;
    let value = parse_reading("reading", row.cell(reading))?;
    let last_day = parse_month(&month)?.last_of_month();
    let read_on = match date.map(|d| row.cell(d)).filter(|t| !t.is_empty()) {
        // The month's last day when the file gives none.
        None => last_day,
        Some(t) => cells::parse_date(t)
            .ok_or_else(|| Invalid::new("read_on", Rule::new("date_format", "无法识别的日期", "not a date")))?,
    };
    Ok(Row { number: row.number, meter_no, month, value, read_on })
}

/// Imports a file of station and generation meter readings as `actor`
/// (meters of the stations in scope only).
pub async fn import(db: &Db, actor: &Actor, bytes: &[u8]) -> Result<SupplyImport, Failure> {
    let t = table::read(bytes, None)?;
    let cols = (column(&t.headers, METER), column(&t.headers, MONTH), column(&t.headers, READING));
    let (Some(meter), Some(month), Some(reading)) = cols else {
        return Err(Invalid::new(
            "file",
            Rule::new(
                "supply_reading_columns",
                "文件须有“表号”“月份”“示数”三列（“抄表日期”可选）",
                "the file needs the columns meter_no, month and reading (read_on is optional)",
            ),
        )
        .into());
    };
    let date = column(&t.headers, DATE);
    let mut out = SupplyImport::default();
    let mut rows = Vec::new();
    for row in &t.rows {
        match check_row(row, (meter, month, reading, date)) {
            Ok(r) => rows.push(r),
            Err(e) => out.rejected.push((row.number, e)),
        }
    }
    // A meter's months in order, each from the one before.
    rows.sort_by(|a, b| (&a.meter_no, &a.month, a.number).cmp(&(&b.meter_no, &b.month, b.number)));
    let mut meters: HashMap<String, Option<SupplyMeter>> = HashMap::new();
    let mut last: HashMap<String, i64> = HashMap::new();
    let mut seen = HashSet::new();
    let mut accepted = Vec::new();
    for r in rows {
        if !meters.contains_key(&r.meter_no) {
            let found = match get(db, &actor.scope, &r.meter_no).await {
                Ok(m) => Some(m),
                Err(Failure::NotFound) => None,
                Err(e) => return Err(e),
            };
            meters.insert(r.meter_no.clone(), found);
        }
        let Some(m) = meters.get(&r.meter_no).and_then(Option::as_ref) else {
            out.rejected.push((
                r.number,
                Invalid::new(
                    "meter_no",
                    Rule::new(
                        "unknown_supply_meter",
                        format!("没有关口表或上网电量表 {}", r.meter_no),
                        format!("there is no station or generation meter {}", r.meter_no),
                    ),
                ),
            ));
            continue;
        };
        if !seen.insert((r.meter_no.clone(), r.month.clone())) {
            out.rejected.push((
                r.number,
                Invalid::new(
                    "month",
                    Rule::new(
                        "duplicate_in_file",
                        format!("表 {} 的 {} 读数在文件中出现两次", r.meter_no, r.month),
                        format!("meter {}'s reading of {} is in the file twice", r.meter_no, r.month),
                    ),
                ),
            ));
            continue;
        }
        let previous = match last.get(&r.meter_no) {
            Some(p) => Ok(*p),
            None => previous_of(db, m, &r.month).await,
        };
        match previous.and_then(|p| checked_kwh(m, p, r.value)) {
            Ok(kwh) => {
                last.insert(r.meter_no.clone(), r.value);
                accepted.push((r, kwh));
            }
            Err(Failure::Invalid(e)) => out.rejected.push((r.number, e)),
            Err(e) => return Err(e),
        }
    }
    out.rejected.sort_by_key(|(n, _)| *n);
    if !out.rejected.is_empty() {
        return Ok(out);
    }
    let mut tx = db.begin().await?;
    for (r, kwh) in &accepted {
        let Some(m) = meters.get(&r.meter_no).and_then(Option::as_ref) else { continue };
        out.entered.push(write(&mut tx, actor, m, (&r.month, r.read_on), r.value, *kwh).await?);
    }
    tx.commit().await?;
    Ok(out)
}
