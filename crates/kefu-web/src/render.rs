//! Server-rendered pages: templates embedded in the binary, and the context
//! every page shares (the user, the language's text, the CSRF token, the
//! navigation).

use crate::error::AppError;
use crate::guard::Ctx;
use crate::i18n::template_catalog;
use crate::state::AppState;
use axum::response::Html;
use kefu_core::{Lang, Permission};
use minijinja::Environment;
use serde_json::Value;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("login.html", include_str!("../templates/login.html")),
    ("today.html", include_str!("../templates/today.html")),
    ("me/password.html", include_str!("../templates/me/password.html")),
    ("customers/list.html", include_str!("../templates/customers/list.html")),
    ("customers/view.html", include_str!("../templates/customers/view.html")),
    ("customers/form.html", include_str!("../templates/customers/form.html")),
    ("customers/event.html", include_str!("../templates/customers/event.html")),
    ("customers/import.html", include_str!("../templates/customers/import.html")),
    ("customers/import_job.html", include_str!("../templates/customers/import_job.html")),
    ("complaints/list.html", include_str!("../templates/complaints/list.html")),
    ("complaints/view.html", include_str!("../templates/complaints/view.html")),
    ("complaints/summary.html", include_str!("../templates/complaints/summary.html")),
    ("reports/monthly.html", include_str!("../templates/reports/monthly.html")),
    ("surveys/questions.html", include_str!("../templates/surveys/questions.html")),
    ("surveys/public.html", include_str!("../templates/surveys/public.html")),
    ("surveys/phone.html", include_str!("../templates/surveys/phone.html")),
    ("surveys/link.html", include_str!("../templates/surveys/link.html")),
    ("surveys/list.html", include_str!("../templates/surveys/list.html")),
    ("surveys/view.html", include_str!("../templates/surveys/view.html")),
    ("members/list.html", include_str!("../templates/members/list.html")),
    ("members/events.html", include_str!("../templates/members/events.html")),
    ("members/event.html", include_str!("../templates/members/event.html")),
    ("outreach/overview.html", include_str!("../templates/outreach/overview.html")),
    ("outreach/calls.html", include_str!("../templates/outreach/calls.html")),
    ("outreach/call.html", include_str!("../templates/outreach/call.html")),
    ("outreach/followups.html", include_str!("../templates/outreach/followups.html")),
    ("outreach/playbooks.html", include_str!("../templates/outreach/playbooks.html")),
    ("outreach/effectiveness.html", include_str!("../templates/outreach/effectiveness.html")),
    ("admin/users.html", include_str!("../templates/admin/users.html")),
    ("admin/user_form.html", include_str!("../templates/admin/user_form.html")),
    ("admin/branches.html", include_str!("../templates/admin/branches.html")),
    ("admin/audit.html", include_str!("../templates/admin/audit.html")),
];

/// The shell's templates and those of the packs enabled.
pub fn environment(packs: &crate::packs::Enabled) -> Environment<'static> {
    let mut env = Environment::new();
    let of_packs = packs.web().flat_map(|p| p.templates().iter());
    for (name, source) in TEMPLATES.iter().chain(of_packs) {
        env.add_template(name, source).expect("embedded templates parse");
    }
    env
}

/// One entry of the main navigation. Capabilities still to come are listed
/// but not linked, so the layout already shows where they will live.
#[derive(Clone, Copy)]
pub struct NavItem {
    pub key: &'static str,
    pub href: Option<&'static str>,
    pub needs: Permission,
}

/// The shell's entries; the packs' go after the follow-ups.
const NAV: &[NavItem] = &[
    NavItem { key: "nav_today", href: Some("/"), needs: Permission::TodayView },
    NavItem { key: "nav_customers", href: Some("/customers"), needs: Permission::CustomersRead },
    NavItem { key: "nav_outreach", href: Some("/outreach"), needs: Permission::CustomersRead },
    NavItem { key: "nav_calls", href: Some("/outreach/calls"), needs: Permission::CallsWork },
    NavItem { key: "nav_followups", href: Some("/outreach/followups"), needs: Permission::FollowUpsManage },
    NavItem { key: "nav_complaints", href: Some("/complaints"), needs: Permission::ComplaintsWork },
    NavItem { key: "nav_surveys", href: Some("/surveys"), needs: Permission::SurveysWork },
    NavItem { key: "nav_members", href: Some("/members"), needs: Permission::CustomersRead },
    NavItem { key: "nav_reports", href: Some("/reports/monthly"), needs: Permission::FollowUpsManage },
];

const ADMIN_NAV: &[NavItem] = &[
    NavItem { key: "nav_users", href: Some("/admin/users"), needs: Permission::UsersManage },
    NavItem { key: "nav_branches", href: Some("/admin/branches"), needs: Permission::BranchesManage },
    NavItem { key: "nav_playbooks", href: Some("/admin/playbooks"), needs: Permission::OutreachManage },
    NavItem { key: "nav_audit", href: Some("/admin/audit"), needs: Permission::AuditRead },
];

/// Where the packs' entries go in the main navigation: after the shell's
/// outreach entries.
const PACKS_AFTER: &str = "nav_followups";

/// The entries the user may follow, as the layout shows them.
pub(crate) fn links<'a>(ctx: &Ctx, items: impl IntoIterator<Item = &'a NavItem>, section: &str) -> Vec<Value> {
    items
        .into_iter()
        .filter(|i| ctx.actor.can(i.needs))
        .map(|i| view! { key => i.key, href => i.href, active => i.key == section })
        .collect()
}

/// The shell's entries with the enabled packs' in their place.
fn main_nav(app: &AppState) -> Vec<&'static NavItem> {
    let at = NAV.iter().position(|i| i.key == PACKS_AFTER).map_or(NAV.len(), |i| i + 1);
    let packs = app.packs().web().flat_map(|p| p.nav().iter());
    NAV[..at].iter().chain(packs).chain(&NAV[at..]).collect()
}

/// Renders a page for a signed-in user. `section` is the navigation key to
/// highlight.
pub fn page(app: &AppState, ctx: &Ctx, template: &str, section: &str, data: Value) -> Result<Html<String>, AppError> {
    let lang = ctx.actor.lang;
    let shared = view! {
        lang => lang.code(),
        me => view! { name => ctx.actor.display_name, username => ctx.actor.username },
        csrf => ctx.csrf,
        flash => ctx.flash.as_ref().map(|f| f.text(lang)),
        can_search => ctx.actor.can(Permission::CustomersRead),
        nav => links(ctx, main_nav(app), section),
        pack_events => app.packs().web().flat_map(|p| p.events().iter().copied()).collect::<std::collections::BTreeMap<_, _>>(),
        admin_nav => links(ctx, ADMIN_NAV, section),
    };
    render(app, template, data, (lang, shared))
}

/// Renders a page for someone not signed in (the sign-in page).
pub fn public_page(app: &AppState, lang: Lang, template: &str, data: Value) -> Result<Html<String>, AppError> {
    let shared = view! { lang => lang.code() };
    render(app, template, data, (lang, shared))
}

/// Renders `template` with the page's own values, the shared ones and the
/// language's text (`tr`).
fn render(
    app: &AppState,
    template: &str,
    mut data: Value,
    (lang, shared): (Lang, Value),
) -> Result<Html<String>, AppError> {
    if let (Value::Object(own), Value::Object(shared)) = (&mut data, shared) {
        own.extend(shared);
    }
    let ctx = minijinja::context! { tr => template_catalog(lang), ..minijinja::value::Serde(data) };
    Ok(Html(app.0.templates.get_template(template)?.render(ctx)?))
}

#[cfg(test)]
mod tests {
    use super::TEMPLATES;

    /// Full-width punctuation in a template is shown in English too: the
    /// punctuation between translated texts comes from the catalog
    /// (`colon`, `list_sep`, `paren_open`…). The shell's templates and
    /// every pack's.
    #[test]
    fn templates_glue_no_chinese_punctuation() {
        let packs = crate::packs::AVAILABLE.iter().flat_map(|p| p.templates().iter());
        let glued: Vec<(&str, &str)> = TEMPLATES
            .iter()
            .chain(packs)
            .flat_map(|(name, source)| source.lines().map(move |line| (*name, line)))
            .filter(|(_, line)| line.chars().any(|c| matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')))
            .collect();
        assert!(glued.is_empty(), "Chinese punctuation in templates: {glued:#?}");
    }
}
