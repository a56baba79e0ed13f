//! The meter archive's SQL. Every read takes the scope (a meter is seen
//! from the station holding it); every change is one audited transaction.

use super::{Batch, KINDS, meter_kind, point_class_of, state_of, verification_of};
use crate::accounts::MeterNo;
use crate::archive;
use crate::meters::{self, MeterState, PeriodicRules};
use crate::paging::{Page, Paged, total_of};
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::rate::Rate;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// A meter with its asset record and, from [`get`], its history.
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub meter_id: i64,
    pub meter_no: String,
    pub kind: String,
    pub register_digits: i64,
    pub ct: (i64, i64),
    pub pt: (i64, i64),
    pub branch_id: BranchId,
    pub asset_no: String,
    pub accuracy_class: String,
    pub rated_current: String,
    pub maker: String,
    pub batch: String,
    pub verified_on: Option<Date>,
    pub verification: Option<String>,
    pub seals: String,
    pub state: String,
    pub point_class: Option<String>,
    pub last_field_test: Option<Date>,
    pub install_reading: Option<i64>,
    pub removal_reading: Option<i64>,
    pub account_no: Option<String>,
    pub history: Vec<Move>,
}

/// One move of a meter.
#[derive(Debug, Clone, Serialize)]
pub struct Move {
    pub on_day: String,
    pub action: String,
    pub account_no: Option<String>,
    pub reading: Option<i64>,
    pub seals: Option<String>,
    pub note: Option<String>,
}

const COLUMNS: &str = "m.id AS meter_id, m.meter_no, m.kind, m.register_digits, m.ct_primary, m.ct_secondary, \
     m.pt_primary, m.pt_secondary, s.branch_id, s.asset_no, s.accuracy_class, s.rated_current, s.maker, s.batch, \
     s.verified_on, s.verification, s.seals, s.state, s.point_class, s.last_field_test, s.install_reading, \
     s.removal_reading, a.account_no";

const FROM: &str = "power_meter_assets s JOIN power_meters m ON m.id = s.meter_id \
     LEFT JOIN power_accounts a ON a.id = m.account_id";

fn day(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<Date>> {
    Ok(r.opt_text(col)?.and_then(|d| d.parse().ok()))
}

fn asset_from(r: &sqlx::any::AnyRow) -> Result<Asset> {
    Ok(Asset {
        meter_id: r.i64("meter_id")?,
        meter_no: r.text("meter_no")?,
        kind: r.text("kind")?,
        register_digits: r.i64("register_digits")?,
        ct: (r.i64("ct_primary")?, r.i64("ct_secondary")?),
        pt: (r.i64("pt_primary")?, r.i64("pt_secondary")?),
        branch_id: BranchId(r.i64("branch_id")?),
        asset_no: r.text("asset_no")?,
        accuracy_class: r.text("accuracy_class")?,
        rated_current: r.text("rated_current")?,
        maker: r.text("maker")?,
        batch: r.text("batch")?,
        verified_on: day(r, "verified_on")?,
        verification: r.opt_text("verification")?,
        seals: r.text("seals")?,
        state: r.text("state")?,
        point_class: r.opt_text("point_class")?,
        last_field_test: day(r, "last_field_test")?,
        install_reading: r.opt_i64("install_reading")?,
        removal_reading: r.opt_i64("removal_reading")?,
        account_no: r.opt_text("account_no")?,
        history: Vec::new(),
    })
}

/// The periods in force: the stored ones, else the rules' defaults.
pub async fn rules(db: &Db) -> Result<PeriodicRules> {
    let row = sqlx::query("SELECT * FROM power_meter_rules WHERE id = 1").fetch_optional(db.pool()).await?;
    let Some(r) = row else { return Ok(PeriodicRules::default()) };
    let m = |c: &str| -> Result<i32> { Ok(i32::try_from(r.i64(c)?).unwrap_or(12)) };
    Ok(PeriodicRules {
        field_test_months: [m("field_test_i")?, m("field_test_ii")?, m("field_test_iii")?],
        rotation_months: [
            m("rotation_single_electronic")?,
            m("rotation_three_electronic")?,
            m("rotation_single_mechanical")?,
            m("rotation_three_mechanical")?,
        ],
        instrument_verification_months: m("instruments")?,
    })
}

/// Saves the periods (each 1 to 240 months), audited.
pub async fn save_rules(db: &Db, actor: &Actor, r: &PeriodicRules) -> Result<()> {
    let all = r.field_test_months.iter().chain(&r.rotation_months).chain([&r.instrument_verification_months]);
    if all.clone().any(|m| !(1..=240).contains(m)) {
        return Err(Invalid::new(
            "months",
            Rule::new("period_months", "周期应为 1 到 240 个月", "a period is from 1 to 240 months"),
        )
        .into());
    }
    let old = rules(db).await?;
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM power_meter_rules WHERE id = 1").execute(tx.conn()).await?;
    let mut q = sqlx::query(
        "INSERT INTO power_meter_rules (id, field_test_i, field_test_ii, field_test_iii, rotation_single_electronic, \
         rotation_three_electronic, rotation_single_mechanical, rotation_three_mechanical, instruments) \
         VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8)",
    );
    for m in all {
        q = q.bind(i64::from(*m));
    }
    q.execute(tx.conn()).await?;
    let view = |r: &PeriodicRules| json!({"field_test": r.field_test_months, "rotation": r.rotation_months, "instruments": r.instrument_verification_months});
    let change = Change {
        entity: "power_meter_rules",
        entity_id: "1".into(),
        action: "update",
        branch: None,
        old: Some(view(&old)),
        new: Some(view(r)),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

fn text_rule(field: String, zh: &'static str, en: &'static str, code: &'static str) -> Failure {
    Invalid::new(field, Rule::new(code, zh, en)).into()
}

/// Accepts a batch into a station's stock, all or nothing: each meter with
/// its number, asset number, verification result and seals; a number taken
/// or repeated is refused naming the meter's line.
pub async fn accept_batch(db: &Db, actor: &Actor, b: &Batch, now: Timestamp) -> Result<Vec<i64>> {
    actor.scope.check(b.station)?;
    let batch = kefu_core::required_text("batch", &b.batch, 64)?;
    let maker = kefu_core::required_text("maker", &b.maker, 100)?;
    let class = kefu_core::required_text("accuracy_class", &b.accuracy_class, 16)?;
    let current = kefu_core::required_text("rated_current", &b.rated_current, 32)?;
    if !KINDS.contains(&b.kind.as_str()) {
        return Err(text_rule("kind".into(), "请选择电能表类型", "choose the meter's kind", "meter_kind"));
    }
    if !(4..=9).contains(&b.register_digits) {
        return Err(text_rule(
            "register_digits".into(),
            "计度器位数应为 4 到 9",
            "a register has 4 to 9 digits",
            "register_digits",
        ));
    }
    // Ratios belong to a meter connected through transformers (left 1/1
    // when its transformers are matched at installation).
    if b.kind != super::CT_KIND && (b.ct != (1, 1) || b.pt != (1, 1)) {
        return Err(text_rule(
            "ct_ratio".into(),
            "只有经互感器接入的电能表才填写互感器变比",
            "only a meter connected through transformers has their ratios",
            "ratio_needs_ct_meter",
        ));
    }
    let multiplier = super::multiplier_of(b.ct, b.pt).ok_or_else(|| {
        text_rule(
            "pt_ratio".into(),
            "电流、电压互感器变比的综合倍率须为整数",
            "the ratios' multiplier (CT × PT) must be a whole number",
            "ratio_multiplier",
        )
    })?;
    if b.meters.is_empty() || b.meters.len() > 2000 {
        return Err(text_rule("meters".into(), "每批 1 到 2000 只表", "a batch holds 1 to 2,000 meters", "batch_size"));
    }
    let mut checked = Vec::with_capacity(b.meters.len());
    for (i, m) in b.meters.iter().enumerate() {
        let no = MeterNo::parse(&format!("meters[{i}].meter_no"), &m.meter_no)?;
        let asset = kefu_core::required_text(&format!("meters[{i}].asset_no"), &m.asset_no, 32)?;
        // Accepted means sealed: every meter carries its seal numbers.
        let seals = kefu_core::required_text(&format!("meters[{i}].seals"), &m.seals, 200)?;
        if checked.iter().any(|(n, a, _, _): &(MeterNo, String, String, bool)| n == &no || a == &asset) {
            return Err(text_rule(
                format!("meters[{i}].meter_no"),
                "同一批中表号或资产号重复",
                "a meter or asset number is repeated in the batch",
                "batch_repeated",
            ));
        }
        checked.push((no, asset, seals, m.passed));
    }
    let at = instant_text(now);
    let mut tx = db.begin().await?;
    let mut ids = Vec::with_capacity(checked.len());
    for (i, (no, asset, seals, passed)) in checked.iter().enumerate() {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO power_meters (meter_no, kind, register_digits, ct_primary, ct_secondary, pt_primary, \
             pt_secondary) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(no.as_str().to_string())
        .bind(b.kind.clone())
        .bind(b.register_digits)
        .bind(b.ct.0)
        .bind(b.ct.1)
        .bind(b.pt.0)
        .bind(b.pt.1)
        .fetch_one(tx.conn())
        .await
        .map_err(|e| taken(e, format!("meters[{i}].meter_no")))?;
        sqlx::query(
            "INSERT INTO power_meter_assets (meter_id, branch_id, asset_no, accuracy_class, rated_current, maker, batch, \
             verified_on, verification, seals, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'in_stock')",
        )
        .bind(id)
        .bind(b.station.0)
        .bind(asset.clone())
        .bind(class.clone())
        .bind(current.clone())
        .bind(maker.clone())
        .bind(batch.clone())
        .bind(b.verified_on.to_string())
        .bind(if *passed { "passed" } else { "failed" })
        .bind(seals.clone())
        .execute(tx.conn())
        .await
        .map_err(|e| taken(e, format!("meters[{i}].asset_no")))?;
        add_move(
            &mut tx,
            id,
            b.verified_on,
            "accepted",
            None,
            None,
            Some(seals),
            Some(if *passed { "passed" } else { "failed" }),
            &at,
        )
        .await?;
        ids.push(id);
    }
    let failed = checked.iter().filter(|m| !m.3).count();
    let change = Change {
        entity: "power_meter_batch",
        entity_id: batch.clone(),
        action: "accept",
        branch: Some(b.station),
        old: None,
        new: Some(json!({"maker": maker, "kind": b.kind, "meters": ids.len(), "failed": failed,
            "ct": format!("{}/{}", b.ct.0, b.ct.1), "pt": format!("{}/{}", b.pt.0, b.pt.1), "multiplier": multiplier})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(ids)
}

/// A number already in the archive, named by the batch line that repeats it.
fn taken(e: sqlx::Error, field: String) -> Failure {
    let err = kefu_store::StoreError::Sql(e);
    if err.is_unique_violation() {
        Invalid::new(field, Rule::new("taken", "已被使用", "is already taken")).into()
    } else {
        Failure::Store(err)
    }
}

#[allow(clippy::too_many_arguments)]
async fn add_move(
    tx: &mut Tx,
    meter: i64,
    on: Date,
    action: &str,
    account: Option<i64>,
    reading: Option<i64>,
    seals: Option<&str>,
    note: Option<&str>,
    at: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO power_meter_moves (meter_id, on_day, action, account_id, reading, seals, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(meter)
    .bind(on.to_string())
    .bind(action.to_string())
    .bind(account)
    .bind(reading)
    .bind(seals.map(str::to_string))
    .bind(note.map(str::to_string))
    .bind(at.to_string())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// A meter in scope by its number, with its history.
pub async fn get(db: &Db, scope: &Scope, meter_no: &str) -> Result<Asset> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE m.meter_no = $1 AND s.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(meter_no.trim().to_ascii_uppercase())
        .fetch_optional(db.pool())
        .await?;
    let mut asset = row.as_ref().map(asset_from).transpose()?.ok_or(Failure::NotFound)?;
    let rows = sqlx::query(
        "SELECT v.on_day, v.action, a.account_no, v.reading, v.seals, v.note FROM power_meter_moves v \
         LEFT JOIN power_accounts a ON a.id = v.account_id WHERE v.meter_id = $1 ORDER BY v.on_day, v.id",
    )
    .bind(asset.meter_id)
    .fetch_all(db.pool())
    .await?;
    for r in rows {
        asset.history.push(Move {
            on_day: r.text("on_day")?,
            action: r.text("action")?,
            account_no: r.opt_text("account_no")?,
            reading: r.opt_i64("reading")?,
            seals: r.opt_text("seals")?,
            note: r.opt_text("note")?,
        });
    }
    Ok(asset)
}

/// A page of the meters in scope, of a station and in a state when given,
/// by number, and how many there are.
pub async fn list(db: &Db, scope: &Scope, station: Option<BranchId>, state: &str, page: Page) -> Result<Paged<Asset>> {
    let mut sql =
        format!("SELECT {COLUMNS}, COUNT(*) OVER () AS total FROM {FROM} WHERE s.branch_id IN ({})", scope.sql_list());
    if let Some(s) = station {
        sql.push_str(&format!(" AND s.branch_id = {}", s.0));
    }
    sql.push_str(&format!(" AND ($1 = '' OR s.state = $1) ORDER BY m.meter_no{}", page.sql()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(state.to_string()).fetch_all(db.pool()).await?;
    Ok(Paged { total: total_of(&rows)?, rows: rows.iter().map(asset_from).collect::<Result<_>>()? })
}

fn refused(field: &str, code: &'static str, zh: &'static str, en: &'static str) -> Failure {
    Invalid::new(field, Rule::new(code, zh, en)).into()
}

/// What an installation records.
#[derive(Debug, Clone)]
pub struct Installation {
    pub account_no: String,
    pub on: Date,
    pub reading: i64,
    pub seals: String,
    /// The metering point's class for a high-voltage point (I, II, III).
    pub point_class: Option<String>,
}

async fn install_in(tx: &mut Tx, db: &Db, actor: &Actor, m: &Asset, i: &Installation, at: &str) -> Result<()> {
    meters::check_installable("meter_no", state_of(&m.state), verification_of(m.verification.as_deref()))?;
    let account = archive::by_number(db, &actor.scope, i.account_no.trim()).await.map_err(|_| {
        refused("account_no", "unknown_account", "没有这个户号", "there is no account with this number")
    })?;
    if i.point_class.as_deref().is_some_and(|c| point_class_of(Some(c)).is_none()) {
        return Err(refused(
            "point_class",
            "point_class",
            "计量点类别应为 I、II 或 III",
            "a point class is I, II or III",
        ));
    }
    let seals = kefu_core::optional_text("seals", &i.seals, 200)?;
    let seals = if seals.is_empty() { m.seals.clone() } else { seals };
    sqlx::query("UPDATE power_meters SET account_id = $1, installed_on = $2, removed_on = NULL WHERE id = $3")
        .bind(account.id)
        .bind(i.on.to_string())
        .bind(m.meter_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "UPDATE power_meter_assets SET state = 'installed', branch_id = $1, install_reading = $2, removal_reading = NULL, \
         seals = $3, point_class = $4 WHERE meter_id = $5",
    )
    .bind(account.branch_id.0)
    .bind(i.reading)
    .bind(seals.clone())
    .bind(i.point_class.clone())
    .bind(m.meter_id)
    .execute(tx.conn())
    .await?;
    add_move(tx, m.meter_id, i.on, "installed", Some(account.id), Some(i.reading), Some(&seals), None, at).await?;
    // The search box finds the account by the meter now installed there.
    archive::refresh_keys_in(tx, account.id).await?;
    let change = Change {
        entity: "power_meter",
        entity_id: m.meter_no.clone(),
        action: "install",
        branch: Some(account.branch_id),
        old: Some(json!({"state": m.state})),
        new: Some(
            json!({"state": "installed", "account_no": account.account_no, "reading": i.reading, "seals": seals}),
        ),
    };
    Ok(tx.audit(actor, change).await?)
}

/// Installs a meter from stock at an account: only a meter that passed
/// verification, and never one installed elsewhere.
pub async fn install(db: &Db, actor: &Actor, meter_no: &str, i: &Installation, now: Timestamp) -> Result<Asset> {
    let m = get(db, &actor.scope, meter_no).await?;
    let mut tx = db.begin().await?;
    install_in(&mut tx, db, actor, &m, i, &instant_text(now)).await?;
    tx.commit().await?;
    get(db, &actor.scope, meter_no).await
}

async fn remove_in(tx: &mut Tx, actor: &Actor, m: &Asset, on: Date, reading: i64, at: &str) -> Result<()> {
    if !meters::can_move(state_of(&m.state), MeterState::Removed) {
        return Err(refused("meter_no", "meter_not_installed", "该表未安装，不能拆除", "the meter is not installed"));
    }
    if m.install_reading.is_some_and(|r| reading < r) {
        return Err(refused(
            "reading",
            "reading_below_installation",
            "读数不能低于装表时的读数",
            "a reading cannot be below the installation reading",
        ));
    }
    sqlx::query("UPDATE power_meters SET removed_on = $1 WHERE id = $2")
        .bind(on.to_string())
        .bind(m.meter_id)
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE power_meter_assets SET state = 'removed', removal_reading = $1 WHERE meter_id = $2")
        .bind(reading)
        .bind(m.meter_id)
        .execute(tx.conn())
        .await?;
    let account: Option<i64> = sqlx::query_scalar("SELECT account_id FROM power_meters WHERE id = $1")
        .bind(m.meter_id)
        .fetch_one(tx.conn())
        .await?;
    add_move(tx, m.meter_id, on, "removed", account, Some(reading), None, None, at).await?;
    if let Some(account) = account {
        archive::refresh_keys_in(tx, account).await?;
    }
    let change = Change {
        entity: "power_meter",
        entity_id: m.meter_no.clone(),
        action: "remove",
        branch: Some(m.branch_id),
        old: Some(json!({"state": m.state, "install_reading": m.install_reading})),
        new: Some(json!({"state": "removed", "reading": reading})),
    };
    Ok(tx.audit(actor, change).await?)
}

/// Removes an installed meter with its removal reading, never below the
/// installation reading.
pub async fn remove(db: &Db, actor: &Actor, meter_no: &str, on: Date, reading: i64, now: Timestamp) -> Result<Asset> {
    let m = get(db, &actor.scope, meter_no).await?;
    let mut tx = db.begin().await?;
    remove_in(&mut tx, actor, &m, on, reading, &instant_text(now)).await?;
    tx.commit().await?;
    get(db, &actor.scope, meter_no).await
}

/// Scraps a meter in stock or removed, or returns a removed one to stock
/// (its account let go, its readings cleared, ready to be installed again),
/// as [`meters::can_move`] allows, with the reason in its history and the
/// audit log.
pub async fn set_aside(
    db: &Db,
    actor: &Actor,
    meter_no: &str,
    (to, on, reason): (MeterState, Date, &str),
    now: Timestamp,
) -> Result<Asset> {
    let m = get(db, &actor.scope, meter_no).await?;
    let reason = kefu_core::required_text("reason", reason, 200)?;
    let (state, action) = match to {
        MeterState::Scrapped => ("scrapped", "scrapped"),
        MeterState::InStock => ("in_stock", "returned"),
        _ => return Err(refused("state", "one_of", "应为报废或退回库存", "scrap or return to stock")),
    };
    if !meters::can_move(state_of(&m.state), to) {
        return Err(match to {
            MeterState::Scrapped => refused(
                "meter_no",
                "meter_in_use",
                "已安装的表须先拆除才能报废",
                "an installed meter is removed before it is scrapped",
            ),
            _ => refused(
                "meter_no",
                "meter_not_removed",
                "只有已拆除的表才能退回库存",
                "only a removed meter returns to stock",
            ),
        });
    }
    // Its history stays in order: no change dated before its last move.
    if m.history.iter().any(|h| h.on_day > on.to_string()) {
        return Err(refused(
            "on",
            "date_before_last_move",
            "日期不能早于该表上一次变动的日期",
            "the day cannot be before the meter's last move",
        ));
    }
    let mut tx = db.begin().await?;
    if to == MeterState::InStock {
        sqlx::query("UPDATE power_meters SET account_id = NULL, installed_on = NULL, removed_on = NULL WHERE id = $1")
            .bind(m.meter_id)
            .execute(tx.conn())
            .await?;
    }
    sqlx::query(
        "UPDATE power_meter_assets SET state = $1, install_reading = CASE WHEN $1 = 'in_stock' THEN NULL \
         ELSE install_reading END, removal_reading = CASE WHEN $1 = 'in_stock' THEN NULL ELSE removal_reading END \
         WHERE meter_id = $2",
    )
    .bind(state)
    .bind(m.meter_id)
    .execute(tx.conn())
    .await?;
    add_move(&mut tx, m.meter_id, on, action, None, None, None, Some(&reason), &instant_text(now)).await?;
    let change = Change {
        entity: "power_meter",
        entity_id: m.meter_no.clone(),
        action: if to == MeterState::Scrapped { "scrap" } else { "return" },
        branch: Some(m.branch_id),
        old: Some(json!({"state": m.state, "account_no": m.account_no})),
        new: Some(json!({"state": state, "on": on.to_string(), "reason": reason})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    get(db, &actor.scope, meter_no).await
}

/// A work order of a month's plan.
#[derive(Debug, Clone, Serialize)]
pub struct WorkOrder {
    pub id: i64,
    pub kind: String,
    pub meter_no: String,
    pub account_no: Option<String>,
    pub due_on: String,
    pub status: String,
    pub done_on: Option<String>,
    pub old_reading: Option<i64>,
    pub new_meter_no: Option<String>,
    pub seals: Option<String>,
    pub result: Option<String>,
}

/// A station's plan of a month: its work orders and how many are done.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub station: BranchId,
    pub month: String,
    pub orders: Vec<WorkOrder>,
    pub done: i64,
    /// The completion rate, "75.00%"; none without work orders.
    pub completion: Option<String>,
}

/// The plan of `first`'s month at a station in scope, generated from the
/// archive when `generate`: a rotation for each installed meter whose
/// period ends by the month's last day, a field test for each high-voltage
/// point due by then; generating twice adds nothing.
pub async fn plan(db: &Db, actor: &Actor, station: BranchId, first: Date, generate: bool) -> Result<Plan> {
    actor.scope.check(station)?;
    let month = first.strftime("%Y-%m").to_string();
    if generate {
        let rules = rules(db).await?;
        let last = first.last_of_month();
        let rows = sqlx::query(
            "SELECT s.meter_id, m.kind, s.verified_on, s.point_class, s.last_field_test FROM power_meter_assets s \
             JOIN power_meters m ON m.id = s.meter_id WHERE s.branch_id = $1 AND s.state = 'installed'",
        )
        .bind(station.0)
        .fetch_all(db.pool())
        .await?;
        let mut rotation = Vec::new();
        let mut field_tests = Vec::new();
        for r in &rows {
            let id = r.i64("meter_id")?;
            let Some(verified) = day(r, "verified_on")? else { continue };
            rotation.push((id, rules.rotation_due(verified, meter_kind(&r.text("kind")?))));
            if let Some(class) = point_class_of(r.opt_text("point_class")?.as_deref()) {
                let last_test = day(r, "last_field_test")?.unwrap_or(verified);
                field_tests.push((id, rules.next_field_test(last_test, class)));
            }
        }
        let mut orders = Vec::new();
        for (kind, items) in [("rotation", &rotation), ("field_test", &field_tests)] {
            for id in meters::due_by(items, last) {
                let due = items.iter().find(|(m, _)| *m == id).map(|(_, d)| *d).unwrap_or(first);
                orders.push((kind, id, due));
            }
        }
        let mut tx = db.begin().await?;
        let mut added = 0u64;
        for (kind, id, due) in &orders {
            added += sqlx::query(
                "INSERT INTO power_meter_work_orders (branch_id, month, kind, meter_id, due_on, status) \
                 VALUES ($1, $2, $3, $4, $5, 'open') ON CONFLICT (month, kind, meter_id) DO NOTHING",
            )
            .bind(station.0)
            .bind(month.clone())
            .bind(kind.to_string())
            .bind(*id)
            .bind(due.to_string())
            .execute(tx.conn())
            .await?
            .rows_affected();
        }
        let change = Change {
            entity: "power_meter_plan",
            entity_id: format!("{}:{month}", station.0),
            action: "generate",
            branch: Some(station),
            old: None,
            new: Some(json!({"added": added, "due": orders.len()})),
        };
        tx.audit(actor, change).await?;
        tx.commit().await?;
    }
    let rows = sqlx::query(
        "SELECT w.id, w.kind, m.meter_no, a.account_no, w.due_on, w.status, w.done_on, w.old_reading, n.meter_no AS new_no, \
         w.seals, w.result FROM power_meter_work_orders w JOIN power_meters m ON m.id = w.meter_id \
         LEFT JOIN power_accounts a ON a.id = m.account_id LEFT JOIN power_meters n ON n.id = w.new_meter_id \
         WHERE w.branch_id = $1 AND w.month = $2 ORDER BY w.kind DESC, w.due_on, m.meter_no",
    )
    .bind(station.0)
    .bind(month.clone())
    .fetch_all(db.pool())
    .await?;
    let orders = rows
        .iter()
        .map(|r| {
            Ok(WorkOrder {
                id: r.i64("id")?,
                kind: r.text("kind")?,
                meter_no: r.text("meter_no")?,
                account_no: r.opt_text("account_no")?,
                due_on: r.text("due_on")?,
                status: r.text("status")?,
                done_on: r.opt_text("done_on")?,
                old_reading: r.opt_i64("old_reading")?,
                new_meter_no: r.opt_text("new_no")?,
                seals: r.opt_text("seals")?,
                result: r.opt_text("result")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let done = orders.iter().filter(|o| o.status == "done").count() as i64;
    let completion = Rate::new(done, orders.len() as i64).map(|r| r.to_string());
    Ok(Plan { station, month, orders, done, completion })
}

/// What a work order's result records.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub on: Option<Date>,
    /// Rotation: the old meter's closing reading and the new meter with
    /// its opening reading and seals.
    pub old_reading: Option<i64>,
    pub new_meter_no: String,
    pub new_reading: Option<i64>,
    pub seals: String,
    /// Field test: passed | failed, with a note.
    pub result: String,
}

/// Completes an open work order in scope. A rotation replaces the meter:
/// the old one's reading is closed and the new one (from stock, verified)
/// opens its own at the same account, in one transaction. A field test
/// records its result and day.
pub async fn complete(db: &Db, actor: &Actor, order: i64, c: &Completion, today: Date, now: Timestamp) -> Result<()> {
    let sql = format!(
        "SELECT w.kind, w.status, w.branch_id, m.meter_no FROM power_meter_work_orders w \
         JOIN power_meters m ON m.id = w.meter_id WHERE w.id = $1 AND w.branch_id IN ({})",
        actor.scope.sql_list()
    );
    let row =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(order).fetch_optional(db.pool()).await?.ok_or(Failure::NotFound)?;
    if row.text("status")? == "done" {
        return Err(refused("work_order", "work_order_done", "该工单已完成", "the work order is done already"));
    }
    let on = c.on.unwrap_or(today);
    let old = get(db, &actor.scope, &row.text("meter_no")?).await?;
    let at = instant_text(now);
    let mut tx = db.begin().await?;
    if row.text("kind")? == "rotation" {
        let old_reading = c.old_reading.ok_or_else(|| Invalid::required("old_reading"))?;
        let new_reading = c.new_reading.ok_or_else(|| Invalid::required("new_reading"))?;
        let new = get(db, &actor.scope, &c.new_meter_no).await.map_err(|_| {
            refused("new_meter_no", "unknown_meter", "库中没有这个表号", "there is no such meter in the archive")
        })?;
        let account = old
            .account_no
            .clone()
            .ok_or_else(|| refused("meter_no", "meter_not_installed", "该表未安装", "the meter is not installed"))?;
        remove_in(&mut tx, actor, &old, on, old_reading, &at).await?;
        let installation = Installation {
            account_no: account,
            on,
            reading: new_reading,
            seals: c.seals.clone(),
            point_class: old.point_class.clone(),
        };
        install_in(&mut tx, db, actor, &new, &installation, &at).await?;
        sqlx::query(
            "UPDATE power_meter_work_orders SET status = 'done', done_on = $1, old_reading = $2, new_meter_id = $3, \
             seals = $4 WHERE id = $5",
        )
        .bind(on.to_string())
        .bind(old_reading)
        .bind(new.meter_id)
        .bind(c.seals.clone())
        .bind(order)
        .execute(tx.conn())
        .await?;
    } else {
        if !["passed", "failed"].contains(&c.result.as_str()) {
            return Err(refused(
                "result",
                "field_test_result",
                "请填写现场检验结果：合格或不合格",
                "give the field test's result: passed or failed",
            ));
        }
        sqlx::query("UPDATE power_meter_assets SET last_field_test = $1 WHERE meter_id = $2")
            .bind(on.to_string())
            .bind(old.meter_id)
            .execute(tx.conn())
            .await?;
        add_move(&mut tx, old.meter_id, on, "field_test", None, None, None, Some(&c.result), &at).await?;
        sqlx::query("UPDATE power_meter_work_orders SET status = 'done', done_on = $1, result = $2 WHERE id = $3")
            .bind(on.to_string())
            .bind(c.result.clone())
            .bind(order)
            .execute(tx.conn())
            .await?;
    }
    let change = Change {
        entity: "power_meter_work_order",
        entity_id: order.to_string(),
        action: "complete",
        branch: Some(BranchId(row.i64("branch_id")?)),
        old: None,
        new: Some(json!({"on": on.to_string(), "new_meter_no": c.new_meter_no, "result": c.result})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// A standard meter or test instrument with its verification.
#[derive(Debug, Clone, Serialize)]
pub struct Instrument {
    pub id: i64,
    pub branch_id: BranchId,
    pub name: String,
    pub serial: String,
    pub verified_on: Date,
    pub valid_until: Date,
    pub in_date: bool,
}

/// The instruments in scope and the share in date on `today` (the seed asks
/// for 100 %).
pub async fn instruments(db: &Db, scope: &Scope, today: Date) -> Result<(Vec<Instrument>, Option<String>)> {
    let rules = rules(db).await?;
    let sql = format!(
        "SELECT id, branch_id, name, serial, verified_on FROM power_instruments WHERE branch_id IN ({}) ORDER BY serial",
        scope.sql_list()
    );
    let mut list = Vec::new();
    for r in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await? {
        let Some(verified) = day(&r, "verified_on")? else { continue };
        let valid_until = rules.instrument_valid_until(verified);
        list.push(Instrument {
            id: r.i64("id")?,
            branch_id: BranchId(r.i64("branch_id")?),
            name: r.text("name")?,
            serial: r.text("serial")?,
            verified_on: verified,
            valid_until,
            in_date: valid_until >= today,
        });
    }
    let verified: Vec<Date> = list.iter().map(|i| i.verified_on).collect();
    let share = meters::instruments_in_date(&verified, today, &rules).map(|r| r.to_string());
    Ok((list, share))
}

/// Records an instrument's verification: a new one, or a new date for one
/// already kept (by its serial number).
pub async fn add_instrument(
    db: &Db,
    actor: &Actor,
    station: BranchId,
    name: &str,
    serial: &str,
    verified_on: Date,
) -> Result<()> {
    actor.scope.check(station)?;
    let name = kefu_core::required_text("name", name, 100)?;
    let serial = kefu_core::required_text("serial", serial, 64)?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO power_instruments (branch_id, name, serial, verified_on) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (serial) DO UPDATE SET verified_on = excluded.verified_on, name = excluded.name",
    )
    .bind(station.0)
    .bind(name.clone())
    .bind(serial.clone())
    .bind(verified_on.to_string())
    .execute(tx.conn())
    .await?;
    let change = Change {
        entity: "power_instrument",
        entity_id: serial,
        action: "verify",
        branch: Some(station),
        old: None,
        new: Some(json!({"name": name, "verified_on": verified_on.to_string()})),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(())
}
