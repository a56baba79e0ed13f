//! The receivables pages: fee items, readings, one-off charges, receipts,
//! the 明码标价 notice, late fees and the collection rate.

use super::pdf;
use crate::chart::{self, Chart, Point};
use crate::error::AppError;
use crate::extract::{FormBody, PathParams, QueryParams};
use crate::guard::Ctx;
use crate::i18n::t;
use crate::render::page;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use kefu_core::Permission;
use kefu_estate::archive;
use kefu_estate::charges::MASTER;
use kefu_estate::fees::{Basis, Cycle, Month};
use kefu_estate::houses::HouseKind;
use kefu_estate::receivables::{items, late, one_off, rate, readings, receipt};
use serde::Deserialize;

fn to_fees(code: &str) -> Response {
    Redirect::to(&format!("/estate/estates/{code}/fee-items")).into_response()
}

fn period_or_now(app: &AppState, text: Option<&str>) -> Result<Month, AppError> {
    match text.map(str::trim) {
        None | Some("") => Ok(Month::of(app.today())),
        Some(t) => Month::parse("period", t).map_err(AppError::Invalid),
    }
}

/// The items with their price changes, and the forms that edit them.
pub async fn items(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let list = items::views(app.db(), &estate).await?;
    let terms = late::terms(app.db(), &estate).await?;
    let metered: Vec<&str> = list.iter().filter(|v| v.row.basis == "metered").map(|v| v.row.code.as_str()).collect();
    let kinds: Vec<&str> = HouseKind::ALL.iter().map(|k| k.code()).collect();
    let cycles: Vec<&str> = Cycle::ALL.iter().map(|c| c.code()).collect();
    page(
        &app,
        &ctx,
        "estate/fee_items.html",
        "nav_estate_estates",
        view! {
            estate => estate, items => list, metered => metered, kinds => kinds, cycles => cycles,
            period => Month::of(app.today()).plus(1).to_string(),
            late_rate => terms.daily_rate.map(|r| r.ten_thousandths()),
            can_manage => ctx.actor.can(Permission::EstateManage),
        },
    )
}

pub async fn create_item(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<items::ItemForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let item = items::parse_item(&f).map_err(AppError::Invalid)?;
    kefu_estate::charges::add_items(app.db(), &ctx.actor, &estate, &[item]).await?;
    Ok(to_fees(&estate.code))
}

#[derive(Deserialize)]
pub struct PriceForm {
    #[serde(default)]
    effective: String,
    #[serde(default)]
    price: String,
}

pub async fn change_price(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((code, item)): PathParams<(String, String)>,
    FormBody(f): FormBody<PriceForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let effective = Month::parse("effective", &f.effective).map_err(AppError::Invalid)?;
    items::change_price(app.db(), &ctx.actor, &estate, &item, effective, &f.price, app.now()).await?;
    Ok(to_fees(&estate.code))
}

#[derive(Deserialize)]
pub struct RetireForm {
    #[serde(default)]
    from: String,
}

pub async fn retire(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((code, item)): PathParams<(String, String)>,
    FormBody(f): FormBody<RetireForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let from = Month::parse("from", &f.from).map_err(AppError::Invalid)?;
    items::retire(app.db(), &ctx.actor, &estate, &item, from).await?;
    Ok(to_fees(&estate.code))
}

#[derive(Deserialize)]
pub struct TermsForm {
    #[serde(default)]
    late_fee_rate: String,
}

pub async fn late_fee_terms(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<TermsForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    late::set_terms(app.db(), &ctx.actor, &estate, &f.late_fee_rate, app.now()).await?;
    Ok(to_fees(&estate.code))
}

#[derive(Deserialize, Default)]
pub struct SheetQuery {
    item: Option<String>,
    period: Option<String>,
}

/// The readings sheet of a metered item for a period.
pub async fn readings(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<SheetQuery>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let period = period_or_now(&app, q.period.as_deref())?;
    let metered: Vec<String> = items::in_force(app.db(), &estate, period)
        .await?
        .into_iter()
        .filter(|(_, i)| matches!(i.basis, Basis::Metered { .. }))
        .map(|(r, _)| r.code)
        .collect();
    let item = q.item.filter(|i| metered.contains(i)).or_else(|| metered.first().cloned());
    let sheet = match &item {
        Some(i) => readings::sheet(app.db(), &estate, i, period).await?,
        None => Vec::new(),
    };
    page(
        &app,
        &ctx,
        "estate/readings.html",
        "nav_estate_estates",
        view! { estate => estate, items => metered, item => item, period => period.to_string(), sheet => sheet, master => MASTER },
    )
}

#[derive(Deserialize)]
pub struct SheetForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    meter: Vec<String>,
    #[serde(default)]
    current: Vec<String>,
    #[serde(default)]
    first: Vec<String>,
    #[serde(default)]
    old_final: Vec<String>,
    #[serde(default)]
    new_initial: Vec<String>,
}

pub async fn enter_readings(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    FormBody(f): FormBody<SheetForm>,
) -> Result<Response, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let period = Month::parse("period", &f.period).map_err(AppError::Invalid)?;
    let at = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_default();
    let entered: Vec<readings::Entered> = f
        .meter
        .iter()
        .enumerate()
        .map(|(i, meter)| readings::Entered {
            meter: meter.clone(),
            current: at(&f.current, i),
            first: at(&f.first, i),
            old_final: at(&f.old_final, i),
            new_initial: at(&f.new_initial, i),
        })
        .collect();
    readings::enter(app.db(), &ctx.actor, &estate, &f.item, period, &entered).await?;
    Ok(Redirect::to(&format!("/estate/estates/{}/readings?item={}&period={period}", estate.code, f.item))
        .into_response())
}

/// The published rates of the month: each item in force, its basis and
/// price, cycle, due day and the houses it applies to.
async fn notice_rows(
    app: &AppState,
    ctx: &Ctx,
    code: &str,
) -> Result<(archive::Estate, Vec<kefu_estate::charges::ItemRow>), AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, code).await?;
    let rows = items::in_force(app.db(), &estate, Month::of(app.today())).await?.into_iter().map(|(r, _)| r).collect();
    Ok((estate, rows))
}

pub async fn price_notice(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
) -> Result<Html<String>, AppError> {
    let (estate, rows) = notice_rows(&app, &ctx, &code).await?;
    let terms = late::terms(app.db(), &estate).await?;
    page(
        &app,
        &ctx,
        "estate/price_notice.html",
        "nav_estate_estates",
        view! { estate => estate, items => rows, today => app.today().to_string(), late_rate => terms.daily_rate.map(|r| r.ten_thousandths()) },
    )
}

fn unit_of(lang: kefu_core::Lang, r: &kefu_estate::charges::ItemRow) -> String {
    match r.basis.as_str() {
        "area" => t(lang, "estate_fee_unit_area"),
        "metered" => t(lang, "estate_fee_unit_metered"),
        "fixed" => t(lang, "estate_fee_unit_fixed"),
        _ => t(lang, "estate_fee_unit_one_off"),
    }
}

pub async fn price_notice_pdf(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
) -> Result<Response, AppError> {
    let (estate, rows) = notice_rows(&app, &ctx, &code).await?;
    let terms = late::terms(app.db(), &estate).await?;
    let lang = ctx.actor.lang;
    let title = format!("{} {}", estate.name, t(lang, "estate_fee_price_notice"));
    let mut lines = vec![(16.0, title.clone()), (10.0, format!("{} {}", t(lang, "estate_fee_as_of"), app.today()))];
    for r in &rows {
        let kinds: Vec<String> = r.applies_to.iter().map(|k| t(lang, &format!("estate_kind_{k}"))).collect();
        lines.push((
            11.0,
            format!(
                "{} — {} {} {} · {} · {} {} · {}",
                r.name,
                t(lang, &format!("estate_basis_{}", r.basis)),
                r.price.clone().or_else(|| r.amount.clone()).unwrap_or_default(),
                unit_of(lang, r),
                t(lang, &format!("estate_cycle_{}", r.cycle)),
                t(lang, "estate_due_day"),
                r.due_day,
                kinds.join(&t(lang, "estate_sep")),
            ),
        ));
    }
    let late = match terms.daily_rate {
        Some(r) => format!("{} {}", t(lang, "estate_fee_late_rate_is"), r.ten_thousandths()),
        None => t(lang, "estate_fee_late_none"),
    };
    lines.push((10.0, late));
    lines.push((10.0, t(lang, "estate_fee_notice_footer")));
    pdf(&app, title, &format!("price-notice-{}.pdf", estate.code), lines).await
}

#[derive(Deserialize)]
pub struct ChargeForm {
    #[serde(default)]
    item: String,
    #[serde(default)]
    description: String,
}

/// A one-off charge to a house, billed on its next bill.
pub async fn charge(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<ChargeForm>,
) -> Result<Response, AppError> {
    let house = archive::house(app.db(), &ctx.actor.scope, id).await?;
    let estate = archive::estates(app.db(), &ctx.actor.scope)
        .await?
        .into_iter()
        .find(|e| e.branch_id == house.branch_id)
        .ok_or(AppError::NotFound)?;
    one_off::charge(app.db(), &ctx.actor, &estate, &house, &f.item, &f.description, (app.now(), app.today())).await?;
    Ok(Redirect::to(&format!("/estate/houses/{id}")).into_response())
}

/// The receipt of a payment, printed at the desk.
pub async fn receipt(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let r = receipt::receipt(app.db(), &ctx.actor.scope, id).await?;
    let lang = ctx.actor.lang;
    let paid_at = r.paid_at.parse::<jiff::Timestamp>().map(|at| app.0.zone.display(at)).unwrap_or(r.paid_at.clone());
    let title = format!("{} {}", r.estate, t(lang, "estate_fee_receipt"));
    let mut lines = vec![
        (16.0, title.clone()),
        (11.0, format!("{} {}", t(lang, "estate_receipt_no"), r.receipt_no)),
        (11.0, format!("{} {}", t(lang, "estate_house"), r.house)),
        (11.0, format!("{} {}", t(lang, "estate_paid_at"), paid_at)),
        (11.0, format!("{} {}", t(lang, "estate_channel"), t(lang, &format!("estate_channel_{}", r.channel)))),
    ];
    if let Some(no) = &r.transaction_no {
        lines.push((11.0, format!("{} {no}", t(lang, "estate_transaction_no"))));
    }
    lines.push((13.0, format!("{} {} {}", t(lang, "estate_amount"), r.amount, t(lang, "estate_fee_yuan"))));
    for (bill, period, amount) in &r.bills {
        lines.push((10.0, format!("{bill} · {period} · {amount}")));
    }
    lines.push((10.0, format!("{} {}", t(lang, "estate_to_prepaid"), r.to_prepaid)));
    lines.push((10.0, format!("{} {} · {}", t(lang, "estate_fee_taken_by"), r.taken_by, r.estate_phone)));
    pdf(&app, title, &format!("{}.pdf", r.receipt_no), lines).await
}

async fn house_of_bill(app: &AppState, ctx: &Ctx, bill: i64) -> Result<i64, AppError> {
    let sql =
        format!("SELECT house_id FROM estate_bills WHERE id = $1 AND branch_id IN ({})", ctx.actor.scope.sql_list());
    let house: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(bill)
        .fetch_optional(app.db().pool())
        .await
        .map_err(kefu_store::Failure::from)?;
    house.ok_or(AppError::NotFound)
}

pub async fn charge_late_fee(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Response, AppError> {
    let house = house_of_bill(&app, &ctx, id).await?;
    late::charge(app.db(), &app.0.zone, &ctx.actor, id, app.now()).await?;
    Ok(Redirect::to(&format!("/estate/houses/{house}")).into_response())
}

#[derive(Deserialize)]
pub struct WaiveForm {
    #[serde(default)]
    reason: String,
}

pub async fn waive_late_fee(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    FormBody(f): FormBody<WaiveForm>,
) -> Result<Response, AppError> {
    let house = house_of_bill(&app, &ctx, id).await?;
    late::waive(app.db(), &app.0.zone, &ctx.actor, id, &f.reason, app.now()).await?;
    Ok(Redirect::to(&format!("/estate/houses/{house}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct MonthQuery {
    pub month: Option<String>,
}

/// The twelve months to `month`, each with its figures.
pub(in crate::packs::estate) async fn rates(
    app: &AppState,
    estate: &archive::Estate,
    month: Month,
) -> Result<Vec<(Month, kefu_estate::collection_rate::Collection)>, AppError> {
    let ledger = rate::ledger(app.db(), &app.0.zone, estate, month).await?;
    Ok((0..12).rev().map(|back| month.plus(-back)).map(|m| (m, ledger.month(m))).collect())
}

pub(in crate::packs::estate) fn month_of(app: &AppState, q: &MonthQuery) -> Result<Month, AppError> {
    match q.month.as_deref().map(str::trim) {
        None | Some("") => Ok(Month::of(app.today())),
        Some(t) => Month::parse("month", t).map_err(AppError::Invalid),
    }
}

pub async fn collection_rate(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(code): PathParams<String>,
    QueryParams(q): QueryParams<MonthQuery>,
) -> Result<Html<String>, AppError> {
    let estate = archive::estate(app.db(), &ctx.actor.scope, &code).await?;
    let month = month_of(&app, &q)?;
    let figures = rates(&app, &estate, month).await?;
    let rows: Vec<serde_json::Value> = figures
        .iter()
        .map(|(m, c)| serde_json::to_value(super::api::CollectionRateDto::of(&estate.code, *m, c)).unwrap_or_default())
        .collect();
    let chart = rate_chart(ctx.actor.lang, &figures);
    page(
        &app,
        &ctx,
        "estate/collection_rate.html",
        "nav_estate_estates",
        view! { estate => estate, month => month.to_string(), rows => rows, chart => chart },
    )
}

/// The current period's rate month by month, as bars.
pub(in crate::packs::estate) fn rate_chart(
    lang: kefu_core::Lang,
    figures: &[(Month, kefu_estate::collection_rate::Collection)],
) -> String {
    let points: Vec<Point> = figures
        .iter()
        .map(|(m, c)| {
            let rate = c.current();
            Point {
                key: m.to_string(),
                label: m.to_string(),
                value: rate.map(|r| r.numerator() as f64 * 100.0 / r.denominator() as f64),
                text: rate.map(|r| r.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    let tick = |v: f64| format!("{v:.0}%");
    chart::bars(&Chart {
        id: "estate-collection-rate",
        title: &t(lang, "estate_fee_rate_chart_title"),
        desc: &t(lang, "estate_fee_rate_chart_desc"),
        points: &points,
        max: Some(100.0),
        tick: &tick,
    })
}
