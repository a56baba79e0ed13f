//! Server-rendered pages, one module per area of the navigation.

pub mod admin;
pub mod auth;
pub mod customers;
pub mod exports;
pub mod imports;
pub mod today;
pub mod vehicles;

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
