//! The customer archive over JSON: customers, search, the 360° overview,
//! contacts, preferences, vehicles and merging.

use crate::archive;
use crate::error::AppError;
use crate::extract::PathParams;
use crate::extract::{JsonBody, QueryParams};
use crate::guard::Ctx;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use kefu_care::contacts::{self, Contact, ContactInput};
use kefu_care::customers::{self, Customer, CustomerInput};
use kefu_care::merge;
use kefu_care::preferences::{Preferences, PreferencesInput};
use kefu_care::timeline;
use kefu_core::ids::{BranchId, ContactId, CustomerId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Contact preferences.
#[derive(Serialize, ToSchema)]
pub struct PreferencesDto {
    allow_letter: bool,
    allow_sms: bool,
    allow_email: bool,
    allow_phone: bool,
    do_not_call: bool,
    /// morning, noon, afternoon, evening or empty
    preferred_time: String,
    /// HH:MM or empty
    quiet_start: String,
    quiet_end: String,
}

impl From<&Preferences> for PreferencesDto {
    fn from(p: &Preferences) -> Self {
        PreferencesDto {
            allow_letter: p.allow_letter,
            allow_sms: p.allow_sms,
            allow_email: p.allow_email,
            allow_phone: p.allow_phone,
            do_not_call: p.do_not_call,
            preferred_time: p.preferred_time.clone(),
            quiet_start: Preferences::quiet_text(p.quiet_start),
            quiet_end: Preferences::quiet_text(p.quiet_end),
        }
    }
}

/// A customer as the API shows it; the mobile and ID number are masked for
/// roles that do not see personal data.
#[derive(Serialize, ToSchema)]
pub struct CustomerDto {
    id: i64,
    branch_id: i64,
    customer_no: String,
    /// person or company
    kind: String,
    name: String,
    /// m, f or empty
    gender: String,
    mobile: Option<String>,
    landline: String,
    email: String,
    /// YYYY-MM-DD
    birthday: Option<String>,
    id_number: Option<String>,
    address: String,
    source: String,
    is_member: bool,
    notes: String,
    tags: Vec<String>,
    preferences: PreferencesDto,
    /// Set when this record was merged into another.
    merged_into: Option<i64>,
}

impl CustomerDto {
    pub fn of(c: &Customer, ctx: &Ctx) -> CustomerDto {
        let c = c.shown_to(&ctx.actor);
        CustomerDto {
            id: c.id.0,
            branch_id: c.branch_id.0,
            customer_no: c.customer_no,
            kind: c.kind,
            name: c.name,
            gender: c.gender,
            mobile: c.mobile,
            landline: c.landline,
            email: c.email,
            birthday: c.birthday.map(|d| d.to_string()),
            id_number: c.id_number,
            address: c.address,
            source: c.source,
            is_member: c.is_member,
            notes: c.notes,
            tags: c.tags,
            preferences: PreferencesDto::from(&c.preferences),
            merged_into: c.merged_into.map(|m| m.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CustomerPage {
    total: i64,
    items: Vec<CustomerDto>,
}

#[derive(Deserialize, IntoParams)]
pub struct Paging {
    /// At most 500.
    limit: Option<i64>,
    offset: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(Paging),
    responses((status = 200, body = CustomerPage), (status = 401, body = super::Problem), (status = 403, body = super::Problem)))]
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(p): QueryParams<Paging>,
) -> Result<Json<CustomerPage>, AppError> {
    let scope = &ctx.actor.scope;
    let limit = p.limit.unwrap_or(50).clamp(1, 500);
    let offset = p.offset.unwrap_or(0).max(0);
    let total = customers::count(app.db(), scope).await?;
    let items = customers::list(app.db(), scope, limit, offset).await?;
    Ok(Json(CustomerPage { total, items: items.iter().map(|c| CustomerDto::of(c, &ctx)).collect() }))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// What the agent typed: a name or part of it, pinyin or initials, a
    /// mobile or its last 4 digits, a plate, the last 6 or 8 characters of a
    /// VIN, a customer number.
    q: String,
    /// At most 100; 20 when not given.
    limit: Option<usize>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    customer: CustomerDto,
    /// name, pinyin, initials, mobile, customer_no, plate or vin
    matched: String,
}

#[utoipa::path(get, path = "/api/v1/search", tag = "customers", params(SearchQuery),
    responses((status = 200, body = Vec<SearchHit>), (status = 401, body = super::Problem)))]
pub async fn search(
    State(app): State<AppState>,
    ctx: Ctx,
    QueryParams(q): QueryParams<SearchQuery>,
) -> Result<Json<Vec<SearchHit>>, AppError> {
    let found = archive::search_customers(
        app.db(),
        app.packs().core(),
        &ctx.actor.scope,
        &q.q,
        q.limit.unwrap_or(20).clamp(1, 100),
    )
    .await?;
    Ok(Json(
        found
            .iter()
            .map(|(c, matched)| SearchHit { customer: CustomerDto::of(c, &ctx), matched: matched.to_string() })
            .collect(),
    ))
}

/// The fields of a customer a caller sends (as in [`CustomerInput`]).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"branch_id": 2, "name": "王芳", "gender": "f", "mobile": "13912345678", "birthday": "1985-06-15", "address": "北京市海淀区中关村大街 27 号", "tags": "VIP"}))]
pub struct CustomerBody {
    /// Required when creating; ignored when updating.
    branch_id: Option<i64>,
    #[serde(flatten)]
    #[schema(inline)]
    input: CustomerFields,
}

/// Customer fields; all but `name` may be left out.
#[derive(Deserialize, ToSchema, Default)]
pub struct CustomerFields {
    #[serde(default)]
    kind: String,
    name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    landline: String,
    #[serde(default)]
    email: String,
    /// YYYY-MM-DD
    #[serde(default)]
    birthday: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    is_member: bool,
    #[serde(default)]
    notes: String,
    /// Comma-separated.
    #[serde(default)]
    tags: String,
}

impl CustomerFields {
    fn input(&self) -> CustomerInput {
        CustomerInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            gender: self.gender.clone(),
            mobile: self.mobile.clone(),
            landline: self.landline.clone(),
            email: self.email.clone(),
            birthday: self.birthday.clone(),
            id_number: self.id_number.clone(),
            address: self.address.clone(),
            source: self.source.clone(),
            is_member: self.is_member,
            notes: self.notes.clone(),
            tags: self.tags.clone(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerBody,
    responses((status = 201, body = CustomerDto), (status = 403, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn create(
    State(app): State<AppState>,
    ctx: Ctx,
    JsonBody(body): JsonBody<CustomerBody>,
) -> Result<(StatusCode, Json<CustomerDto>), AppError> {
    let branch =
        body.branch_id.map(BranchId).ok_or_else(|| AppError::Invalid(kefu_core::Invalid::required("branch_id")))?;
    let c = customers::create(app.db(), &ctx.actor, branch, &body.input.input(), None, app.today()).await?;
    Ok((StatusCode::CREATED, Json(CustomerDto::of(&c, &ctx))))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = CustomerDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn get(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<CustomerDto>, AppError> {
    let c = customers::get(app.db(), &ctx.actor.scope, CustomerId(id)).await?;
    Ok(Json(CustomerDto::of(&c, &ctx)))
}

#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path)), request_body = CustomerBody,
    responses((status = 200, body = CustomerDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn update(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(body): JsonBody<CustomerBody>,
) -> Result<Json<CustomerDto>, AppError> {
    let c = customers::update(app.db(), &ctx.actor, CustomerId(id), &body.input.input(), app.today()).await?;
    Ok(Json(CustomerDto::of(&c, &ctx)))
}

/// Preferences as a caller sends them.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"allow_letter": true, "allow_sms": true, "allow_email": false, "allow_phone": true, "do_not_call": false, "preferred_time": "evening", "quiet_start": "21:00", "quiet_end": "08:00"}))]
pub struct PreferencesBody {
    #[serde(default)]
    allow_letter: bool,
    #[serde(default)]
    allow_sms: bool,
    #[serde(default)]
    allow_email: bool,
    #[serde(default)]
    allow_phone: bool,
    #[serde(default)]
    do_not_call: bool,
    #[serde(default)]
    preferred_time: String,
    /// HH:MM
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
}

#[utoipa::path(put, path = "/api/v1/customers/{id}/preferences", tag = "customers", params(("id" = i64, Path)), request_body = PreferencesBody,
    responses((status = 200, body = CustomerDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn set_preferences(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<PreferencesBody>,
) -> Result<Json<CustomerDto>, AppError> {
    let input = PreferencesInput {
        allow_letter: b.allow_letter,
        allow_sms: b.allow_sms,
        allow_email: b.allow_email,
        allow_phone: b.allow_phone,
        do_not_call: b.do_not_call,
        preferred_time: b.preferred_time,
        quiet_start: b.quiet_start,
        quiet_end: b.quiet_end,
    };
    let c = customers::set_preferences(app.db(), &ctx.actor, CustomerId(id), &input).await?;
    Ok(Json(CustomerDto::of(&c, &ctx)))
}

/// A customer's WeChat openid: the follower's id under the company's
/// Official Account, which the WeChat channel sends to.
#[derive(Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"wechat_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}))]
pub struct WechatOpenidBody {
    /// Blank or null clears it.
    #[serde(default)]
    wechat_openid: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/customers/{id}/wechat-openid", tag = "customers", params(("id" = i64, Path)),
    request_body = WechatOpenidBody,
    responses((status = 200, body = WechatOpenidBody), (status = 403, body = super::Problem), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn set_wechat_openid(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<WechatOpenidBody>,
) -> Result<Json<WechatOpenidBody>, AppError> {
    let text = b.wechat_openid.unwrap_or_default();
    let wechat_openid = customers::set_wechat_openid(app.db(), &ctx.actor, CustomerId(id), &text).await?;
    Ok(Json(WechatOpenidBody { wechat_openid }))
}

#[derive(Serialize, ToSchema)]
pub struct ContactDto {
    id: i64,
    name: String,
    /// owner, driver, spouse, family, colleague, other
    relation: String,
    mobile: Option<String>,
    landline: String,
    address: String,
    is_primary: bool,
}

impl ContactDto {
    fn of(c: &Contact, ctx: &Ctx) -> ContactDto {
        let c = c.shown_to(&ctx.actor);
        ContactDto {
            id: c.id.0,
            name: c.name,
            relation: c.relation,
            mobile: c.mobile,
            landline: c.landline,
            address: c.address,
            is_primary: c.is_primary,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "李娜", "relation": "driver", "mobile": "13812345678", "is_primary": false}))]
pub struct ContactBody {
    name: String,
    #[serde(default)]
    relation: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    landline: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    is_primary: bool,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/contacts", tag = "customers", params(("id" = i64, Path)), request_body = ContactBody,
    responses((status = 201, body = ContactDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn add_contact(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<ContactBody>,
) -> Result<(StatusCode, Json<ContactDto>), AppError> {
    let input = ContactInput {
        name: b.name,
        relation: b.relation,
        mobile: b.mobile,
        landline: b.landline,
        address: b.address,
        is_primary: b.is_primary,
    };
    let c = contacts::add(app.db(), &ctx.actor, CustomerId(id), &input).await?;
    Ok((StatusCode::CREATED, Json(ContactDto::of(&c, &ctx))))
}

#[utoipa::path(delete, path = "/api/v1/customers/{id}/contacts/{contact}", tag = "customers",
    params(("id" = i64, Path), ("contact" = i64, Path)),
    responses((status = 204), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn remove_contact(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams((id, contact)): PathParams<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    contacts::remove(app.db(), &ctx.actor, CustomerId(id), ContactId(contact)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TimelineEventDto {
    /// UTC instant
    at: String,
    /// call, sms, letter, email, visit, change, merge, note
    kind: String,
    summary: String,
    #[schema(value_type = Object)]
    detail: serde_json::Value,
    actor: String,
    asset_kind: Option<String>,
    asset_id: Option<i64>,
}

impl From<&timeline::Event> for TimelineEventDto {
    fn from(e: &timeline::Event) -> Self {
        TimelineEventDto {
            at: e.at.clone(),
            kind: e.kind.clone(),
            summary: e.summary.clone(),
            detail: e.detail.clone(),
            actor: e.actor.clone(),
            asset_kind: e.asset_kind.clone(),
            asset_id: e.asset_id,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DuplicateDto {
    customer_id: i64,
    /// same_mobile, same_name_and_birthday, same_name_and_mobile_tail
    reason: String,
}

/// The 360° view: who, what they own, the last contacts, the timeline, and
/// records that look like the same customer.
#[derive(Serialize, ToSchema)]
pub struct Overview {
    customer: CustomerDto,
    contacts: Vec<ContactDto>,
    /// What each enabled pack holds of the customer, under the pack's own
    /// field (the 4S pack's `vehicles`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    packs: serde_json::Map<String, serde_json::Value>,
    recent_contacts: Vec<TimelineEventDto>,
    timeline: Vec<TimelineEventDto>,
    duplicates: Vec<DuplicateDto>,
}

#[utoipa::path(get, path = "/api/v1/customers/{id}/overview", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = Overview), (status = 403, body = super::Problem), (status = 404, body = super::Problem)))]
pub async fn overview(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
) -> Result<Json<Overview>, AppError> {
    let o = archive::overview(app.db(), app.packs(), &ctx.actor.scope, (CustomerId(id), app.today()), 50).await?;
    Ok(Json(Overview {
        contacts: o.contacts.iter().map(|k| ContactDto::of(k, &ctx)).collect(),
        customer: CustomerDto::of(&o.customer, &ctx),
        packs: o.parts.into_iter().map(|p| (p.key.to_string(), p.json)).collect(),
        recent_contacts: o.recent.iter().map(TimelineEventDto::from).collect(),
        timeline: o.events.iter().map(TimelineEventDto::from).collect(),
        duplicates: o
            .suspects
            .iter()
            .map(|d| DuplicateDto {
                customer_id: d.customer_id.0,
                reason: serde_json::to_value(d.reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"other": 42}))]
pub struct MergeBody {
    /// The duplicate merged into the customer in the path.
    other: i64,
}

#[utoipa::path(post, path = "/api/v1/customers/{id}/merge", tag = "customers", params(("id" = i64, Path)), request_body = MergeBody,
    responses((status = 200, body = CustomerDto), (status = 403, body = super::Problem), (status = 404, body = super::Problem), (status = 422, body = super::Problem)))]
pub async fn merge_into(
    State(app): State<AppState>,
    ctx: Ctx,
    PathParams(id): PathParams<i64>,
    JsonBody(b): JsonBody<MergeBody>,
) -> Result<Json<CustomerDto>, AppError> {
    let refs = app.packs().core().customer_references();
    let c = merge::merge(app.db(), &ctx.actor, CustomerId(id), CustomerId(b.other), &refs).await?;
    Ok(Json(CustomerDto::of(&c, &ctx)))
}
