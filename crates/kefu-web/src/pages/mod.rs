//! Server-rendered pages, one module per area of the navigation.

pub mod admin;
pub mod appointments;
pub mod auth;
pub mod customers;
pub(crate) mod effectiveness;
pub mod exports;
pub mod imports;
pub mod outreach;
pub mod repair_orders;
pub mod today;
pub mod vehicles;
pub(crate) mod weekly;

use crate::error::AppError;
use kefu_core::Lang;

/// A form's failure either becomes a message shown above the re-rendered
/// form (a field broke a rule) or passes on as an error page.
pub(crate) fn form_message(err: AppError, lang: Lang) -> Result<String, AppError> {
    match err {
        AppError::Invalid(_) => Ok(err.message(lang)),
        other => Err(other),
    }
}

/// A share as people read it: "66.7%", or "—" when there is none.
pub(crate) fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_string(), |s| format!("{:.1}%", s * 100.0))
}
