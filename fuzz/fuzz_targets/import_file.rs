//! Any bytes as an uploaded import file: read as CSV or workbook, mapped by
//! the suggested columns and every row prepared as the auto pack imports it.
//! Whatever the file, the result is a table or a refusal, never a panic.
#![no_main]

use kefu_auto::import::{CustomerRows, FIELDS};
use kefu_care::import::{Mapping, Target, table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = table::read(data, None) else { return };
    let mapping = Mapping::suggest(FIELDS, &file.headers);
    let target = CustomerRows::new(jiff::civil::date(2026, 11, 29));
    for row in &file.rows {
        let _ = target.prepare(&mapping.cells(row));
    }
});
