//! The power factor adjustment table (力调表) through the API: read, kept as
//! the company's own — every row of the three standards, checked as the
//! page checks them — or given back to the 办法's. The same audited writes
//! as the page's.

use std::collections::{BTreeMap, HashMap};

use crate::error::AppError;
use crate::extract::JsonBody;
use crate::guard::Ctx;
use crate::packs::power::api::Problem;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kefu_core::{Invalid, Rule};
use kefu_power::billing::{PowerFactorTables, Standard};
use kefu_power::bills::pf_tables::{self, STANDARDS};
use kefu_power::bills::terms::standard_hundredths;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The tables: per standard (`"0.90"`, `"0.85"`, `"0.80"`), per power
/// factor (`"0.00"` … `"1.00"`), the adjustment in percent with at most
/// two decimals (`"-0.75"` lowers the bill by 0.75 %, `"2.50"` raises it).
/// Sent, the rows given replace those in force and the rows left out keep
/// theirs; the tables that result are checked whole.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"standards": {"0.90": {"0.95": "-0.60"}}}))]
pub struct PowerFactorTableDto {
    /// Whether the company keeps its own rows (otherwise the 办法's are in
    /// force); not read when sent.
    #[serde(default)]
    pub own: bool,
    pub standards: BTreeMap<String, BTreeMap<String, String>>,
}

/// `"0.90"` for the 0.90 standard.
fn standard_text(s: Standard) -> String {
    pf_tables::factor_text(standard_hundredths(s) as usize)
}

async fn in_force(app: &AppState) -> Result<PowerFactorTableDto, AppError> {
    let tables = pf_tables::load(app.db()).await?;
    let standards = STANDARDS
        .iter()
        .map(|s| {
            let rows = tables.of(*s).rows().iter().enumerate();
            (standard_text(*s), rows.map(|(f, bp)| (pf_tables::factor_text(f), pf_tables::percent_text(*bp))).collect())
        })
        .collect();
    Ok(PowerFactorTableDto { own: pf_tables::is_own(app.db()).await?, standards })
}

/// Form field → text: the page's form (`pf_90_95` → `-0.75`), or the name
/// each form field has in the body (`pf_90_95` → `standards.0.90.0.95`).
type Fields = HashMap<String, String>;

/// The tables in force with the body's rows in their place, as the page's
/// form, and the name each form field has in the body, for the errors.
fn as_form(in_force: &PowerFactorTables, b: &PowerFactorTableDto) -> Result<(Fields, Fields), Invalid> {
    let (mut form, mut names) = (HashMap::new(), HashMap::new());
    for s in STANDARDS {
        for (f, bp) in in_force.of(s).rows().iter().enumerate() {
            form.insert(pf_tables::field(s, f), pf_tables::percent_text(*bp));
        }
    }
    for (standard, rows) in &b.standards {
        let path = format!("standards.{standard}");
        let s = STANDARDS.into_iter().find(|s| standard_text(*s) == standard.trim()).ok_or_else(|| {
            Invalid::new(
                &path,
                Rule::new("pf_standard", "力调标准应为 0.90、0.85 或 0.80", "the standard must be 0.90, 0.85 or 0.80"),
            )
        })?;
        for (factor, percent) in rows {
            let path = format!("{path}.{factor}");
            let f = (0..=100).find(|f| pf_tables::factor_text(*f) == factor.trim()).ok_or_else(|| {
                Invalid::new(
                    &path,
                    Rule::new(
                        "pf_factor",
                        "功率因数应为 0.00 至 1.00，两位小数",
                        "the power factor must be 0.00 to 1.00 with two decimals",
                    ),
                )
            })?;
            form.insert(pf_tables::field(s, f), percent.clone());
            names.insert(pf_tables::field(s, f), path);
        }
    }
    // A row left out is named by where it belongs in the body.
    for s in STANDARDS {
        for f in 0..=100 {
            names
                .entry(pf_tables::field(s, f))
                .or_insert_with(|| format!("standards.{}.{}", standard_text(s), pf_tables::factor_text(f)));
        }
    }
    Ok((form, names))
}

#[utoipa::path(get, path = "/api/v1/power/power-factor-table", tag = "power",
    responses((status = 200, body = PowerFactorTableDto), (status = 403, body = Problem)))]
pub async fn table(State(app): State<AppState>) -> Result<Json<PowerFactorTableDto>, AppError> {
    Ok(Json(in_force(&app).await?))
}

#[utoipa::path(put, path = "/api/v1/power/power-factor-table", tag = "power", request_body = PowerFactorTableDto,
    responses((status = 200, body = PowerFactorTableDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn save(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(b): JsonBody<PowerFactorTableDto>,
) -> Result<Json<PowerFactorTableDto>, AppError> {
    let (form, names) = as_form(&pf_tables::load(app.db()).await?, &b).map_err(AppError::Invalid)?;
    let tables = pf_tables::parse(&form).map_err(|errors| {
        let mut first = errors.into_iter().next().expect("a refused table names its rows");
        if let Some(path) = names.get(&first.field) {
            first.field = path.clone();
        }
        AppError::Invalid(first)
    })?;
    pf_tables::save(app.db(), &ctx.actor, &tables, app.now()).await?;
    Ok(Json(in_force(&app).await?))
}

#[utoipa::path(delete, path = "/api/v1/power/power-factor-table", tag = "power",
    responses((status = 200, body = PowerFactorTableDto), (status = 403, body = Problem)))]
pub async fn reset(State(app): State<AppState>, ctx: Ctx) -> Result<Json<PowerFactorTableDto>, AppError> {
    pf_tables::reset(app.db(), &ctx.actor).await?;
    Ok(Json(in_force(&app).await?))
}
