//! A handheld's or a collection system's export of readings (issue 20 §1:
//! CSV or XLSX with the account or meter number, the reading, the time and
//! the reader; a time-of-use meter's 峰/平/谷 registers, a large user's
//! 无功 register, 最大需量 and 功率因数 where its tariff or contract bills
//! on them), read by the import machinery's table reader. Every row is
//! checked as a typed reading is, all of them at once ([`super::ledger`]);
//! each refused row is reported with its row number, the field and the
//! rule, and the others are entered in one transaction with one audit
//! record.

use jiff::Timestamp;
use kefu_care::import::{cells, table};
use kefu_core::ids::UserId;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt};
use serde_json::json;
use std::collections::{HashMap, HashSet};

use super::ledger::{enter_all, read_ahead};
use super::source;
use super::store::{Entry, Extra, Kind};
use crate::readings::ReadingRules;

/// The headers each column is known by, in the exports the centres use.
const ACCOUNT: &[&str] = &["户号", "用户编号", "account_no", "account"];
const METER: &[&str] = &["表号", "电能表号", "meter_no", "meter"];
const READING: &[&str] = &["示数", "本月示数", "reading"];
const TIME: &[&str] = &["抄表时间", "抄表日期", "时间", "read_on", "time", "date"];
const READER: &[&str] = &["抄表员", "reader"];
const PEAK: &[&str] = &["峰", "峰示数", "peak"];
const FLAT: &[&str] = &["平", "平示数", "flat"];
const VALLEY: &[&str] = &["谷", "谷示数", "valley"];
const REACTIVE: &[&str] = &["无功", "无功示数", "reactive"];
const DEMAND: &[&str] = &["最大需量", "需量", "demand"];
const POWER_FACTOR: &[&str] = &["功率因数", "power_factor"];

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub entered: usize,
    pub held: usize,
    /// Each refused row: its number in the file (the header is row 1) and why.
    pub rejected: Vec<(usize, Invalid)>,
}

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

/// Imports the readings of a file as `actor` (a meter reader: their books'
/// accounts only).
pub async fn import(
    db: &Db,
    actor: &Actor,
    bytes: &[u8],
    reader_of_book: Option<UserId>,
    rules: &ReadingRules,
    now: Timestamp,
) -> Result<Imported, Failure> {
    let t = table::read(bytes, None)?;
    let (account, meter) = (column(&t.headers, ACCOUNT), column(&t.headers, METER));
    let (Some(reading), Some(time)) = (column(&t.headers, READING), column(&t.headers, TIME)) else {
        return Err(Invalid::new(
            "file",
            Rule::new(
                "reading_columns",
                "文件须有“示数”和“抄表时间”两列，以及“户号”或“表号”",
                "the file needs the columns reading and time, and the account or meter number",
            ),
        )
        .into());
    };
    if account.is_none() && meter.is_none() {
        return Err(Invalid::new(
            "file",
            Rule::new(
                "reading_columns",
                "文件须有“户号”或“表号”一列",
                "the file needs the account or the meter number",
            ),
        )
        .into());
    }
    let reader = column(&t.headers, READER);
    let extras = [PEAK, FLAT, VALLEY, REACTIVE, DEMAND, POWER_FACTOR].map(|names| column(&t.headers, names));
    let account_cell = |row: &table::Row| account.map(|a| row.cell(a).trim().to_string()).filter(|a| !a.is_empty());
    let meter_cell = |row: &table::Row| meter.map(|m| row.cell(m).to_string()).filter(|m| !m.is_empty());
    // The accounts of the rows that name only their meter, looked up at once.
    let meters: HashSet<String> = t.rows.iter().filter(|r| account_cell(r).is_none()).filter_map(meter_cell).collect();
    let mut conn = db.pool().acquire().await?;
    let account_of_meter: HashMap<String, String> = bulk::select_in(
        &mut conn,
        "SELECT m.meter_no, a.account_no FROM power_meters m JOIN power_accounts a ON a.id = m.account_id \
         WHERE m.meter_no",
        meters.into_iter().map(Cell::from).collect(),
        "",
    )
    .await?
    .iter()
    .map(|r| Ok((r.text("meter_no")?, r.text("account_no")?)))
    .collect::<Result<_, Failure>>()?;
    drop(conn);
    let mut out = Imported::default();
    let (mut entries, mut numbers) = (Vec::with_capacity(t.rows.len()), Vec::with_capacity(t.rows.len()));
    for row in &t.rows {
        let Some(read_on) = cells::parse_date(row.cell(time)) else {
            let rule = Rule::new("date_format", "无法识别的日期", "not a date");
            out.rejected.push((row.number, Invalid::new("time", rule)));
            continue;
        };
        let meter_no = meter_cell(row);
        let account_no = match (account_cell(row), &meter_no) {
            (Some(a), _) => a,
            (None, Some(m)) => match account_of_meter.get(m) {
                Some(a) => a.clone(),
                None => {
                    let rule = Rule::new("unknown_meter", "没有这个表号", "there is no meter of this number");
                    out.rejected.push((row.number, Invalid::new("meter_no", rule)));
                    continue;
                }
            },
            (None, None) => {
                out.rejected.push((row.number, Invalid::required("account_no")));
                continue;
            }
        };
        entries.push(Entry {
            account_no,
            meter_no,
            reading: row.cell(reading).to_string(),
            read_on,
            kind: Kind::Real,
            reader: reader.map(|r| row.cell(r).to_string()).filter(|r| !r.is_empty()).unwrap_or(actor.username.clone()),
            source: source::IMPORT,
            extra: {
                let [peak, flat, valley, reactive, demand, power_factor] =
                    extras.map(|c| c.map(|c| row.cell(c).to_string()));
                Extra { peak, flat, valley, reactive, demand, power_factor }
            },
        });
        numbers.push(row.number);
    }
    // Every row that passes in one transaction, with one audit record. A
    // bulk one: each reading refers to an account and a meter read in it,
    // or read before it while nobody committed.
    let ahead = read_ahead(db, actor, &entries).await?;
    let mut tx = db.begin_bulk().await?;
    let outcomes = enter_all((db, &mut tx), actor, &entries, ahead, reader_of_book, rules, now).await?;
    for (outcome, number) in outcomes.into_iter().zip(numbers) {
        match outcome {
            Ok(r) => {
                out.entered += 1;
                out.held += usize::from(r.status == "held");
            }
            Err(Failure::Invalid(e)) => out.rejected.push((number, e)),
            Err(Failure::NotFound) => {
                let rule = Rule::new("unknown_account", "没有这个户号", "there is no account of this number");
                out.rejected.push((number, Invalid::new("account_no", rule)));
            }
            Err(other) => return Err(other),
        }
    }
    out.rejected.sort_by_key(|(number, _)| *number);
    if out.entered == 0 {
        return Ok(out);
    }
    let change = Change {
        entity: "power_reading_import",
        entity_id: instant_text(now),
        action: "import",
        branch: None,
        old: None,
        new: Some(json!({"entered": out.entered, "held": out.held, "rejected": out.rejected.len()})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(out)
}
