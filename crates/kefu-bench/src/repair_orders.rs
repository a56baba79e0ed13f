//! Repair orders at the size the service issue names (3,000,000 historical
//! orders) and the month's capacity calendar.
//!
//! `--seed-repair-orders N` gives the generated vehicles N orders in bulk
//! (`kefu_store::bulk`, the secondary indexes dropped and built again after
//! the load, as `kefu gen` loads): settled orders spread over the last five
//! years, each with a labour and a part line settled by the pack's own
//! `settlement::settle`, and the newest one in a hundred still open — the
//! workshop's orders of the day, which the figures open and edit.
//!
//! The figures, each beside its floor (the same library calls the handler
//! makes, without HTTP, the guard, JSON or templates): the order page `GET
//! /repair-orders/{id}`, saving an edit (`POST
//! /api/v1/repair-orders/{id}/steps`, an estimate line added) and the
//! month calendar `GET /appointments`.

use kefu_accounts::branches;
use kefu_auto::repair_orders::settlement::{self, Billed, LineKind, Payer};
use kefu_auto::repair_orders::{self, Status, Step};
use kefu_core::ids::{BranchId, RepairOrderId};
use kefu_core::time::{BusinessZone, Clock, SystemClock, instant_text};
use kefu_core::{Actor, Money, Scope};
use kefu_store::bulk::Cell;
use kefu_store::{Change, Db, RowExt, Rows};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Opening and saving an order: p99 ≤ 30 ms; the month calendar: ≤ 50 ms.
pub const ORDER_TARGET: Duration = Duration::from_millis(30);
pub const CALENDAR_TARGET: Duration = Duration::from_millis(50);

/// Orders per transaction.
const BATCH: usize = 20_000;
/// One order in this many is still open.
const OPEN_EVERY: usize = 100;
/// How far back the history reaches.
const HISTORY_DAYS: i64 = 5 * 365;

const ORDER_COLUMNS: [&str; 26] = [
    "id",
    "branch_id",
    "vehicle_id",
    "customer_id",
    "kind",
    "status",
    "advisor",
    "opened_at",
    "received_at",
    "mileage_km",
    "fuel_eighths",
    "complaint",
    "approved_at",
    "approved_by",
    "technician",
    "qc_at",
    "qc_by",
    "settled_at",
    "labour_fen",
    "parts_fen",
    "discount_fen",
    "customer_fen",
    "warranty_fen",
    "insurance_fen",
    "points_fen",
    "cash_fen",
];

const LINE_COLUMNS: [&str; 11] = [
    "id",
    "order_id",
    "origin",
    "kind",
    "description",
    "part_no",
    "qty_centi",
    "unit_fen",
    "amount_fen",
    "payer",
    "consent",
];

/// Gives the generated vehicles `n` more repair orders; returns how many
/// of them are open.
pub async fn seed(db: &Db, actor: &Actor, n: usize, seed: u64) -> anyhow::Result<usize> {
    let vehicles: Vec<(i64, i64, i64)> =
        sqlx::query_as("SELECT id, branch_id, customer_id FROM vehicles ORDER BY id").fetch_all(db.pool()).await?;
    anyhow::ensure!(!vehicles.is_empty(), "no vehicles: generate data first (kefu gen)");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut order_id, mut line_id) =
        (db.max_id("repair_orders").await? + 1, db.max_id("repair_order_lines").await? + 1);
    let now = SystemClock.now();
    let indexes = db.drop_indexes(&["repair_orders", "repair_order_lines"]).await?;
    db.set_bulk_load(true).await?;
    let mut open = 0;
    let written = async {
        for start in (0..n).step_by(BATCH) {
            let mut orders = Rows::new("repair_orders", &ORDER_COLUMNS);
            let mut lines = Rows::new("repair_order_lines", &LINE_COLUMNS);
            for i in start..(start + BATCH).min(n) {
                let (vehicle, branch, customer) = vehicles[rng.random_range(0..vehicles.len())];
                let kind = kefu_auto::visits::KINDS[rng.random_range(1..kefu_auto::visits::KINDS.len())];
                // The newest of every hundred is today's, still open.
                if i % OPEN_EVERY == OPEN_EVERY - 1 {
                    let opened = instant_text(now - jiff::SignedDuration::from_mins(rng.random_range(1..600)));
                    orders.push(order_row(order_id, (branch, vehicle, customer), kind, Status::Open, &opened));
                    open += 1;
                    order_id += 1;
                    continue;
                }
                let opened = now - jiff::SignedDuration::from_hours(24 * rng.random_range(1..HISTORY_DAYS));
                let labour = (LineKind::Labour, "保养工时", "", rng.random_range(50..300), Money::from_yuan(180));
                let part =
                    (LineKind::Part, "机油滤清器", "OF-8011", 100, Money::from_fen(rng.random_range(3000..9000)));
                let mut billed = Vec::new();
                for (k, description, part_no, qty, unit) in [labour, part] {
                    let amount = settlement::line_amount(qty, unit);
                    billed.push(Billed { kind: k, amount, payer: Payer::Customer });
                    lines.push([
                        line_id.into(),
                        order_id.into(),
                        "estimate".into(),
                        k.code().into(),
                        description.into(),
                        part_no.into(),
                        qty.into(),
                        unit.fen().into(),
                        amount.fen().into(),
                        Payer::Customer.code().into(),
                        "consented".into(),
                    ]);
                    line_id += 1;
                }
                let totals = settlement::settle(&billed, Money::ZERO, Money::ZERO)?;
                let mut row =
                    order_row(order_id, (branch, vehicle, customer), kind, Status::Settled, &instant_text(opened));
                let at = |hours: i64| Cell::from(instant_text(opened + jiff::SignedDuration::from_hours(hours)));
                row[8] = at(0); // received
                row[9] = Cell::from(rng.random_range(1_000..200_000_i64));
                row[10] = Cell::from(rng.random_range(1..=8_i64));
                row[12] = at(1); // approved
                row[13] = "客户".into();
                row[14] = "技师".into();
                row[15] = at(4); // quality check
                row[16] = "质检员".into();
                row[17] = at(5); // settled
                for (col, money) in [
                    (18, totals.labour),
                    (19, totals.parts),
                    (20, totals.discount),
                    (21, totals.customer),
                    (22, totals.warranty),
                    (23, totals.insurance),
                    (24, totals.points),
                    (25, totals.cash_due),
                ] {
                    row[col] = money.fen().into();
                }
                orders.push(row);
                order_id += 1;
            }
            let mut tx = db.begin().await?;
            orders.write(tx.conn()).await?;
            lines.write(tx.conn()).await?;
            let change = Change {
                entity: "bench",
                entity_id: "repair_orders".into(),
                action: "load",
                branch: None,
                old: None,
                new: Some(serde_json::json!({ "seed": seed, "from": start, "to": (start + BATCH).min(n) })),
            };
            tx.audit(actor, change).await?;
            tx.commit().await?;
            eprint!("\rrepair orders: {} of {n}", (start + BATCH).min(n));
        }
        eprintln!();
        anyhow::Ok(())
    }
    .await;
    let restored = db.create_indexes(&indexes).await;
    let relaxed = db.set_bulk_load(false).await;
    written?;
    restored?;
    relaxed?;
    db.continue_ids(&["repair_orders", "repair_order_lines"]).await?;
    db.vacuum_analyze(&["repair_orders", "repair_order_lines"]).await?;
    Ok(open)
}

/// An order's row, as opened (the settled ones fill in the rest).
fn order_row(
    id: i64,
    (branch, vehicle, customer): (i64, i64, i64),
    kind: &str,
    status: Status,
    opened: &str,
) -> [Cell; 26] {
    let zero = || Cell::from(0_i64);
    [
        id.into(),
        branch.into(),
        vehicle.into(),
        customer.into(),
        kind.into(),
        status.code().into(),
        "服务顾问".into(),
        opened.into(),
        Cell::Text(None),
        Cell::Int(None),
        Cell::Int(None),
        "".into(),
        Cell::Text(None),
        "".into(),
        "".into(),
        Cell::Text(None),
        "".into(),
        Cell::Text(None),
        zero(),
        zero(),
        zero(),
        zero(),
        zero(),
        zero(),
        zero(),
        zero(),
    ]
}

/// Up to `n` open orders in `scope`, and the store whose calendar is read.
pub async fn sample(db: &Db, scope: &Scope, n: usize) -> anyhow::Result<(Vec<i64>, BranchId)> {
    let sql = format!(
        "SELECT id FROM repair_orders WHERE status = 'open' AND branch_id IN ({}) ORDER BY id DESC LIMIT {n}",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let ids = rows.iter().map(|r| r.i64("id")).collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(!ids.is_empty(), "no open repair orders in the user's branches: --seed-repair-orders first");
    let mut stores = branches::in_scope(db, scope).await?;
    stores.sort_by_key(|b| (b.kind != "store", b.id));
    Ok((ids, stores.first().map(|b| b.id).ok_or_else(|| anyhow::anyhow!("the user has no store"))?))
}

/// The edit saved: an estimate line, as the order page's form adds it.
pub fn edit() -> Step {
    Step::AddLine(repair_orders::NewLine {
        kind: LineKind::Labour,
        description: "检查底盘".into(),
        part_no: String::new(),
        qty_centi: 50,
        unit: Money::from_yuan(180),
        payer: Payer::Customer,
    })
}

/// The same as a JSON step.
pub fn edit_body() -> serde_json::Value {
    serde_json::json!({ "step": "add_line", "kind": "labour", "description": "检查底盘", "quantity": "0.5",
                        "unit_price": "180", "payer": "customer" })
}

/// What the order page reads: the order, its vehicle and owner, and for an
/// open order what the vehicle's customer put off before.
pub async fn page_reads(db: &Db, scope: &Scope, id: i64, today: jiff::civil::Date) -> anyhow::Result<()> {
    let o = repair_orders::get(db, scope, RepairOrderId(id)).await?;
    kefu_auto::vehicles::get(db, scope, o.vehicle_id).await?;
    kefu_care::customers::get(db, scope, o.customer_id).await?;
    if o.status == Status::Open {
        repair_orders::recommendations(db, scope, o.vehicle_id, today - jiff::ToSpan::days(90)).await?;
    }
    Ok(())
}

/// What the calendar page reads: the stores in scope, the month's load, the
/// capacity and the parts catalogue.
pub async fn calendar_reads(db: &Db, scope: &Scope, branch: BranchId, first: jiff::civil::Date) -> anyhow::Result<()> {
    branches::in_scope(db, scope).await?;
    kefu_auto::appointments::month_load(db, branch, first).await?;
    kefu_auto::appointments::capacity_of(db, branch).await?;
    kefu_auto::parts::catalogue(db, branch).await?;
    Ok(())
}

/// Saves the edit on the floor: the step as the handler takes it.
pub async fn save(db: &Db, actor: &Actor, id: i64, zone: &BusinessZone) -> anyhow::Result<()> {
    repair_orders::apply(db, actor, RepairOrderId(id), edit(), SystemClock.now(), zone).await?;
    Ok(())
}
