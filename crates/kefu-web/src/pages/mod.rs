//! Server-rendered pages, one module per area of the navigation.

pub mod admin;
pub mod auth;
pub(crate) mod complaint_summary;
pub mod complaints;
pub mod customers;
pub(crate) mod effectiveness;
pub mod exports;
pub mod imports;
pub mod members;
pub mod outreach;
pub mod points;
pub mod surveys;
pub mod today;

use crate::error::AppError;
use kefu_core::Lang;

/// The letter channel, whose font every printed document is set in; a
/// refusal that says how to get one when none is configured.
pub(crate) fn letter_channel(
    app: &crate::state::AppState,
) -> Result<&kefu_outreach::channels::letter::LetterChannel, AppError> {
    app.0.channels.letters.as_ref().ok_or_else(|| {
        AppError::Conflict(kefu_core::Rule::new(
            "letters_unavailable",
            "未配置信函字体（请安装 fonts-noto-cjk 或在 kefu.toml 的 [letters] 中设置 font_path）",
            "letters need a Chinese font: install fonts-noto-cjk or set font_path under [letters] in kefu.toml",
        ))
    })
}

/// A form's failure either becomes a message shown above the re-rendered
/// form (a field broke a rule) or passes on as an error page.
pub(crate) fn form_message(err: AppError, lang: Lang) -> Result<String, AppError> {
    match err {
        AppError::Invalid(_) => Ok(err.message(lang)),
        other => Err(other),
    }
}

/// The branches in the user's scope, for a form's choice of branch.
pub(crate) async fn branch_choices(
    app: &crate::state::AppState,
    ctx: &crate::guard::Ctx,
) -> Result<Vec<serde_json::Value>, AppError> {
    Ok(kefu_accounts::branches::in_scope(app.db(), &ctx.actor.scope)
        .await?
        .into_iter()
        .map(|b| view! { id => b.id, name => b.name })
        .collect())
}

/// A share as people read it: "66.7%", or "—" when there is none.
pub(crate) fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_string(), |s| format!("{:.1}%", s * 100.0))
}
