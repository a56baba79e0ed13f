//! Reports as Excel workbooks: sheets of a bold header row and typed cells,
//! sent as a download.

use crate::error::AppError;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

pub enum Cell {
    Text(String),
    Int(i64),
    /// A share shown as a percentage; empty when there is none.
    Percent(Option<f64>),
}

pub struct Sheet {
    /// At most 31 characters, as Excel allows.
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn fail(e: XlsxError) -> AppError {
    AppError::Internal(format!("writing XLSX: {e}"))
}

/// The workbook's bytes.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, AppError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    for s in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(&s.name).map_err(fail)?;
        for (c, h) in s.header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
            // Wide enough for a date or a name in Chinese.
            sheet.set_column_width(c as u16, 14).map_err(fail)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    // Text stays text: mobiles and dates keep every digit.
                    Cell::Text(t) => sheet.write_string(r, c, t).map(|_| ()),
                    Cell::Int(n) => sheet.write_number(r, c, *n as f64).map(|_| ()),
                    Cell::Percent(Some(p)) => sheet.write_number_with_format(r, c, *p, &percent).map(|_| ()),
                    Cell::Percent(None) => Ok(()),
                }
                .map_err(fail)?;
            }
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// The workbook as a download named `name`.
pub fn download(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response()
}
