//! The pack's printed documents (a receipt, the 明码标价 notice, the
//! monthly report) as PDF: lines laid out on A4 by the monthly report's
//! layout and drawn with the letters' embedded CJK font.

use crate::error::AppError;
use crate::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kefu_outreach::channels::print;

/// Lines of (font size, text) as an inline PDF download named `name`.
pub(in crate::packs::estate) async fn pdf(
    app: &AppState,
    title: String,
    name: &str,
    lines: Vec<(f32, String)>,
) -> Result<Response, AppError> {
    let font = crate::pages::letter_channel(app)?.font();
    let bytes = tokio::task::spawn_blocking(move || {
        let sheets = crate::pages::monthly::sheets_of(&font, &lines);
        print::render(&font, sheets.iter(), &title)
    })
    .await
    .map_err(|e| AppError::Internal(format!("printing crashed: {e}")))?
    .map_err(AppError::Internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
