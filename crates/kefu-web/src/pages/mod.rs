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
pub mod monthly;
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

/// The branches in the user's scope, for a form's choice of branch; the
/// user's own store is `chosen`, so a form defaults to it and not to the
/// group above it.
pub(crate) async fn branch_choices(
    app: &crate::state::AppState,
    ctx: &crate::guard::Ctx,
) -> Result<Vec<serde_json::Value>, AppError> {
    let branches = kefu_accounts::branches::in_scope(app.db(), &ctx.actor.scope).await?;
    let own = own_store(app, ctx, &branches).await?;
    Ok(branches.into_iter().map(|b| view! { id => b.id, name => b.name, chosen => Some(b.id) == own }).collect())
}

/// The user's own store among `branches` (those in their scope): the first
/// store (a branch of a kind the packs' centres are made of) they are a
/// member of — not one beneath a group they belong to — else the first.
pub(crate) async fn own_store(
    app: &crate::state::AppState,
    ctx: &crate::guard::Ctx,
    branches: &[kefu_accounts::branches::Branch],
) -> Result<Option<kefu_core::ids::BranchId>, AppError> {
    let member_of = kefu_accounts::users::get(app.db(), ctx.actor.user_id).await?.branches;
    // A group (a dealer group, a county company) holds stores; it is nobody's
    // own store, whichever packs list it among their kinds.
    let kinds: Vec<&str> = app
        .packs()
        .core()
        .iter()
        .flat_map(|p| p.branch_kinds().iter().copied())
        .filter(|kind| *kind != "group")
        .collect();
    let mut stores = branches.iter().filter(|b| kinds.contains(&b.kind.as_str()));
    let own = stores.clone().find(|b| member_of.contains(&b.id)).or_else(|| stores.next());
    Ok(own.map(|b| b.id))
}

/// A playbook's name as the reader reads it: the centre's own (which an
/// administrator may have changed) in Chinese, the catalog's in English.
pub(crate) fn playbook_name(lang: Lang, code: &str, name: &str) -> String {
    match lang {
        Lang::Zh => name.to_string(),
        Lang::En => {
            crate::i18n::catalog(lang).get(&format!("playbook_{code}")).cloned().unwrap_or_else(|| name.to_string())
        }
    }
}

/// Every shipped playbook's name by its code, as the reader reads it.
pub(crate) fn playbook_names(app: &crate::state::AppState, lang: Lang) -> std::collections::HashMap<String, String> {
    app.packs()
        .core()
        .default_playbooks()
        .into_iter()
        .map(|p| (p.code.clone(), playbook_name(lang, &p.code, &p.name)))
        // Calls that explain a notice are made outside the playbooks.
        .chain([(kefu_outreach::calls::NOTICE_PLAYBOOK.to_string(), crate::i18n::t(lang, "playbook_notice"))])
        .collect()
}

/// A share as people read it: "66.7%", or "—" when there is none.
pub(crate) fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_string(), |s| format!("{:.1}%", s * 100.0))
}
