//! The customer list or a search's results as a spreadsheet (XLSX) or CSV,
//! headed in the reader's language, with mobiles and ID numbers masked for
//! roles that do not see personal data.

use crate::error::AppError;
use crate::guard::Ctx;
use crate::i18n::{field_label, t};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kefu_accounts::branches;
use kefu_care::customers::{self, Customer};
use kefu_store::Change;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

/// The most rows one export holds.
pub const MAX_ROWS: usize = 100_000;

const FIELDS: [&str; 13] = [
    "customer_no",
    "name",
    "kind",
    "gender",
    "mobile",
    "landline",
    "email",
    "birthday",
    "id_number",
    "address",
    "source",
    "is_member",
    "branch",
];

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    q: String,
}

/// The header and the rows of the export, as text. Who took which customers
/// out of the system is on record.
async fn rows(app: &AppState, ctx: &Ctx, q: &str, format: &str) -> Result<(Vec<String>, Vec<Vec<String>>), AppError> {
    let scope = &ctx.actor.scope;
    let found: Vec<Customer> = if q.trim().is_empty() {
        customers::list(app.db(), scope, MAX_ROWS as i64, 0).await?
    } else {
        app.packs().core().search(app.db(), scope, q.trim(), MAX_ROWS).await?.into_iter().map(|h| h.customer).collect()
    };
    let mut tx = app.db().begin().await?;
    tx.audit(
        &ctx.actor,
        Change {
            entity: "customer",
            entity_id: String::new(),
            action: "export",
            branch: None,
            old: None,
            new: Some(json!({ "q": q, "format": format, "rows": found.len() })),
        },
    )
    .await?;
    tx.commit().await?;
    let lang = ctx.actor.lang;
    let names: HashMap<_, _> = branches::all(app.db()).await?.into_iter().map(|b| (b.id, b.name)).collect();
    let header = FIELDS.iter().map(|f| field_label(lang, f)).collect();
    let rows = found
        .iter()
        .map(|c| {
            let c = c.shown_to(&ctx.actor);
            vec![
                c.customer_no,
                c.name,
                t(lang, &format!("kind_{}", c.kind)),
                if c.gender.is_empty() { String::new() } else { t(lang, &format!("gender_{}", c.gender)) },
                c.mobile.unwrap_or_default(),
                c.landline,
                c.email,
                c.birthday.map(|d| d.to_string()).unwrap_or_default(),
                c.id_number.unwrap_or_default(),
                c.address,
                c.source,
                t(lang, if c.is_member { "yes" } else { "no" }),
                names.get(&c.branch_id).cloned().unwrap_or_default(),
            ]
        })
        .collect();
    Ok((header, rows))
}

fn attachment(content_type: &str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        body,
    )
        .into_response()
}

fn file_name(app: &AppState, ext: &str) -> String {
    format!("customers-{}.{ext}", app.today().strftime("%Y%m%d"))
}

pub async fn csv(State(app): State<AppState>, ctx: Ctx, Query(q): Query<ExportQuery>) -> Result<Response, AppError> {
    let (header, rows) = rows(&app, &ctx, &q.q, "csv").await?;
    // The BOM tells Excel the file is UTF-8, so Chinese opens legibly.
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let fail = |e: csv::Error| AppError::Internal(format!("writing CSV: {e}"));
        w.write_record(&header).map_err(fail)?;
        for r in &rows {
            w.write_record(r).map_err(fail)?;
        }
        w.flush().map_err(|e| AppError::Internal(format!("writing CSV: {e}")))?;
    }
    Ok(attachment("text/csv; charset=utf-8", &file_name(&app, "csv"), out))
}

pub async fn xlsx(State(app): State<AppState>, ctx: Ctx, Query(q): Query<ExportQuery>) -> Result<Response, AppError> {
    let (header, rows) = rows(&app, &ctx, &q.q, "xlsx").await?;
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("writing XLSX: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(t(ctx.actor.lang, "customers_title")).map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold).map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            // Everything as text: numbers and IDs keep their leading zeros
            // and all their digits.
            sheet.write_string(r as u32 + 1, c as u16, value).map_err(fail)?;
        }
    }
    let bytes = book.save_to_buffer().map_err(fail)?;
    Ok(attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &file_name(&app, "xlsx"), bytes))
}
