//! The outages' pages and the printed notice.

use super::super::paging;
use super::requests::{OutageFields, approves, late_warning};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::packs::power::paging::OffsetQuery;
use crate::render::page;
use crate::state::AppState;
use crate::xlsx::{self, Cell, Sheet};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::Permission;
use kefu_power::archive;
use kefu_power::outages;
use kefu_power::paging::Page;
use serde::Deserialize;

pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<OffsetQuery>,
) -> Result<Html<String>, AppError> {
    let at = paging::page(&q.offset);
    let list = outages::list(app.db(), &ctx.actor.scope, at).await?;
    let pager = paging::pager("/power/outages", &[], at, list.rows.len(), list.total);
    let stations = archive::stations(app.db(), &ctx.actor.scope).await?;
    page(
        &app,
        &ctx,
        "power/outages.html",
        "nav_power_outages",
        view! { outages => list.rows, pager => pager, stations => stations, kinds => outages::EQUIPMENT_KINDS },
    )
}

/// The list as a workbook.
pub async fn export(State(app): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let lang = ctx.actor.lang;
    let rows = outages::list(app.db(), &ctx.actor.scope, Page::ALL)
        .await?
        .rows
        .iter()
        .map(|o| {
            vec![
                Cell::Text(o.hours.clone()),
                Cell::Text(o.station.clone()),
                Cell::Text(format!("{} {}", t(lang, &format!("power_outage_kind_{}", o.equipment_kind)), o.equipment)),
                Cell::Text(o.reason.clone()),
                Cell::Int(o.accounts),
                Cell::Text(t(lang, &format!("power_outage_status_{}", o.status))),
            ]
        })
        .collect();
    let header = [
        "power_outage_time",
        "power_station",
        "power_outage_equipment",
        "power_outage_reason",
        "power_outage_accounts",
        "power_outage_status",
    ]
    .iter()
    .map(|k| t(lang, k))
    .collect();
    let bytes = xlsx::workbook(&[Sheet { name: t(lang, "nav_power_outages"), header, rows }])?;
    Ok(xlsx::download(&format!("outages-{}.xlsx", app.today()), bytes))
}

pub async fn request(
    State(app): State<AppState>,
    ctx: Ctx,
    FormBody(f): FormBody<OutageFields>,
) -> Result<Response, AppError> {
    let zone = &app.0.zone;
    let new = f.read(zone).map_err(AppError::Invalid)?;
    let o = outages::request(app.db(), &ctx.actor, zone, &new, app.now()).await?;
    Ok(Redirect::to(&format!("/power/outages/{}", o.id)).into_response())
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Html<String>, AppError> {
    let (o, affected) = outages::get(app.db(), &ctx.actor.scope, id).await?;
    let can_decide = ctx.actor.can(Permission::PowerManage) && o.status == "requested";
    let first = outages::first_notice_day(app.db(), &o).await?;
    let warning = late_warning(ctx.actor.lang, &app.0.zone, &o, first, app.today());
    page(
        &app,
        &ctx,
        "power/outage.html",
        "nav_power_outages",
        view! { o => o, affected => affected, can_decide => can_decide, warning => warning, first_notice => first },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    note: String,
}

pub async fn decide(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<DecisionForm>,
) -> Result<Response, AppError> {
    let approve = approves(&f.decision).map_err(AppError::Invalid)?;
    outages::decide(app.db(), &ctx.actor, &app.0.zone, id, (approve, &f.note), app.now()).await?;
    Ok(Redirect::to(&format!("/power/outages/{id}")).into_response())
}

/// The notice's heading and what it asks of the customers.
const NOTICE_TITLE: &str = "停电通知";
const NOTICE_BODY: &str =
    "届时以上用户将停止供电，请提前做好准备。如遇雨雪等天气，停电工作顺延。给您带来的不便，敬请谅解。";

/// The notice to post where the outage is felt: in Chinese, as the
/// customers read it, whatever the clerk's language.
pub async fn notice(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let (o, affected) = outages::get(app.db(), &ctx.actor.scope, id).await?;
    if o.status != "approved" {
        return Err(AppError::Conflict(kefu_core::Rule::new(
            "outage_not_approved",
            "停电申请批准后才能打印停电通知",
            "the notice is printed once the outage is approved",
        )));
    }
    let zh = kefu_core::Lang::Zh;
    let mut lines = vec![
        (20.0, NOTICE_TITLE.to_string()),
        (12.0, String::new()),
        (12.0, format!("{}：{}", t(zh, "power_station"), o.station)),
        (12.0, format!("{}：{}", t(zh, "power_outage_time"), o.hours)),
        (
            12.0,
            format!(
                "{}：{}（{}）",
                t(zh, "power_outage_equipment"),
                o.equipment,
                t(zh, &format!("power_outage_kind_{}", o.equipment_kind))
            ),
        ),
        (12.0, format!("{}：{}", t(zh, "power_outage_reason"), o.reason)),
        (12.0, NOTICE_BODY.to_string()),
        (12.0, String::new()),
        (12.0, format!("{}（{}）", t(zh, "power_outage_accounts"), affected.len())),
    ];
    lines.extend(affected.iter().map(|a| (10.0, format!("{}  {}  {}", a.account_no, a.holder, a.supply_address))));
    lines.push((12.0, String::new()));
    lines.push((12.0, format!("{}  {}：{}", o.station, t(zh, "power_outage_phone"), o.station_phone)));
    lines.push((12.0, app.today().to_string()));
    let title = format!("{NOTICE_TITLE} {}", o.start_day);
    crate::pages::monthly::lines_pdf(&app, title, &format!("outage-{id}.pdf"), lines).await
}
