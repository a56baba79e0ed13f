//! Any bytes as an uploaded import file: read as CSV or workbook, mapped by
//! the suggested columns and every row prepared as the auto pack imports it.
//! Whatever the file, the result is a table within the limits or a refusal,
//! never a panic. The seeds include hostile workbooks: two cells far apart
//! (`sparse.xlsx`) and a sheet padded with 20 MB of spaces, its size
//! declared honestly or not (`whitespace-bomb*.xlsx`).
#![no_main]

use kefu_auto::import::{CustomerRows, FIELDS};
use kefu_care::import::table::{self, Limits};
use kefu_care::import::{Mapping, Target};
use libfuzzer_sys::fuzz_target;

/// The byte limits lowered below what an input of the fuzzer's 64 KB can
/// inflate to, so that the refusals are reached and each run stays quick.
const LIMITS: Limits = Limits { part_bytes: 8 << 20, total_bytes: 16 << 20, text_bytes: 8 << 20, ..Limits::DEFAULT };

fuzz_target!(|data: &[u8]| {
    let Ok(file) = table::read_within(data, None, &LIMITS) else { return };
    let cells: usize = file.headers.len() + file.rows.iter().map(|r| r.cells.len()).sum::<usize>();
    assert!(cells <= LIMITS.cells, "{cells} cells held");
    assert!(file.rows.iter().all(|r| r.number <= LIMITS.rows && r.cells.len() <= LIMITS.columns));
    let mapping = Mapping::suggest(FIELDS, &file.headers);
    let target = CustomerRows::new(jiff::civil::date(2026, 11, 29));
    for row in &file.rows {
        let _ = target.prepare(&mapping.cells(row));
    }
});
