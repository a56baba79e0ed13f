//! Repair orders (委托书/派工单): a vehicle's job through reception, the
//! estimate the customer signs, the repair with additional items only on
//! recorded consent, the quality check, and delivery with settlement — which
//! makes the workshop visit that the mileage, the next service and the 7-day
//! follow-up call are reckoned from.
//!
//! The rules are plain functions (`rules.rs`, `settlement.rs`); this module
//! validates the steps' data, reads and writes the tables, and records each
//! step on the timeline and in the audit log.

pub mod print;
pub mod rules;
pub mod settlement;
mod store;

pub use rules::{Action, Status};
pub use settlement::{LineKind, Payer, PaymentMethod, Totals};

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_care::timeline::{self, NewEvent};
use kefu_core::ids::{BranchId, CustomerId, RepairOrderId, ServiceVisitId, VehicleId};
use kefu_core::time::BusinessZone;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The timeline kind of a repair order's steps.
pub const EVENT_KIND: &str = "repair_order";
/// The playbook that tells the customer their car will be late.
pub const DELAY_NOTICE: &str = "repair_delay_notice";
/// The kind of record an order's outreach task is about.
const ASSET: &str = "repair_order";

/// The walk-around's zones and the marks a zone can carry.
pub const DAMAGE_ZONES: [&str; 10] = [
    "front_bumper",
    "rear_bumper",
    "bonnet",
    "roof",
    "boot",
    "left_front",
    "left_rear",
    "right_front",
    "right_rear",
    "glass",
];
pub const DAMAGE_MARKS: [&str; 3] = ["scratch", "dent", "crack"];
pub const CONSENT_METHODS: [&str; 3] = ["in_person", "phone", "sms"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DamageMark {
    pub zone: String,
    pub mark: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub id: i64,
    /// "estimate" or "additional".
    pub origin: String,
    pub kind: LineKind,
    pub description: String,
    pub part_no: String,
    pub qty_centi: i64,
    pub unit: Money,
    pub amount: Money,
    pub payer: Payer,
    /// "pending", "consented" or "declined".
    pub consent: String,
    pub consent_by: String,
    pub consent_method: String,
    pub recommend_by: Option<Date>,
    pub discount: Money,
}

impl Line {
    pub fn billed(&self) -> bool {
        self.consent == "consented"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairOrder {
    pub id: RepairOrderId,
    pub order_no: String,
    pub branch_id: BranchId,
    pub vehicle_id: VehicleId,
    pub customer_id: CustomerId,
    pub kind: String,
    pub status: Status,
    pub advisor: String,
    pub opened_at: Timestamp,
    pub received_at: Option<Timestamp>,
    pub mileage_km: Option<i64>,
    pub fuel_eighths: Option<i64>,
    pub complaint: String,
    pub diagnosis: String,
    pub damage: Vec<DamageMark>,
    pub valuables_reminded: bool,
    pub promised_at: Option<Timestamp>,
    pub approved_at: Option<Timestamp>,
    pub approved_by: String,
    pub technician: String,
    pub qc_by: String,
    pub qc_notes: String,
    pub settled_at: Option<Timestamp>,
    /// The settlement as written when the order was settled.
    pub totals: Option<Totals>,
    /// How a settled order was paid, the points it earned, its refunds.
    pub payment: Option<Payment>,
    pub visit_id: Option<ServiceVisitId>,
    pub lines: Vec<Line>,
}

/// The payment of a settled order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payment {
    /// cash, card, wechat_pay, alipay, transfer or claim
    pub method: String,
    /// What the customer paid at the cashier (the cash due).
    pub paid: Money,
    /// The points the payment earned (the ledger's earn entry), if any.
    pub points_entry: Option<i64>,
    pub points_earned: i64,
    pub refunded: Money,
}

/// The number staff and customers know an order by.
pub fn order_no(id: i64) -> String {
    format!("RO{id:08}")
}

impl RepairOrder {
    fn facts(&self) -> rules::Facts {
        rules::Facts {
            status: self.status,
            reception_done: self.received_at.is_some(),
            estimate_lines: self.lines.iter().filter(|l| l.origin == "estimate").count(),
            pending_items: self.lines.iter().filter(|l| l.origin == "additional" && l.consent == "pending").count(),
        }
    }

    /// The billed lines as settlement sees them.
    fn billed(&self) -> Vec<settlement::Billed> {
        self.lines
            .iter()
            .filter(|l| l.billed())
            .map(|l| settlement::Billed { kind: l.kind, amount: l.amount, payer: l.payer })
            .collect()
    }

    /// What the order would come to now, with no discount or points: the
    /// estimate while estimating, the consented work afterwards.
    pub fn running_totals(&self) -> Totals {
        let lines: Vec<settlement::Billed> = if self.status == Status::Open {
            self.lines.iter().map(|l| settlement::Billed { kind: l.kind, amount: l.amount, payer: l.payer }).collect()
        } else {
            self.billed()
        };
        // No discount, no points, and adding a line keeps the total in range.
        settlement::settle(&lines, Money::ZERO, Money::ZERO)
            .unwrap_or_else(|_| unreachable!("no discount, no points, a total below the limit"))
    }
}

/// The walk-around at reception.
#[derive(Debug, Clone, PartialEq)]
pub struct Reception {
    pub mileage_km: i64,
    pub fuel_eighths: i64,
    pub complaint: String,
    pub diagnosis: String,
    pub damage: Vec<DamageMark>,
    pub valuables_reminded: bool,
    pub promised_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewLine {
    pub kind: LineKind,
    pub description: String,
    pub part_no: String,
    pub qty_centi: i64,
    pub unit: Money,
    pub payer: Payer,
}

/// A step an advisor takes, with its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Reception(Reception),
    AddLine(NewLine),
    RemoveLine {
        line: i64,
    },
    /// The customer signs the estimate.
    Approve {
        signed_by: String,
    },
    StartWork {
        technician: String,
    },
    /// The car will be late: the customer is told, in advance, why.
    ReportDelay {
        promised_at: Timestamp,
        reason: String,
    },
    Consent {
        line: i64,
        given_by: String,
        method: String,
    },
    /// The customer declines an additional item: it becomes a recommendation
    /// for the next visit.
    Decline {
        line: i64,
        given_by: String,
        recommend_by: Date,
    },
    FinishRepair,
    QualityCheck {
        passed: bool,
        inspector: String,
        notes: String,
    },
    /// Delivery: the charges walked through and paid.
    Settle {
        discount: Money,
        points: Money,
        method: PaymentMethod,
    },
    /// Money given back on a settled order, with the reason.
    Refund {
        amount: Money,
        reason: String,
    },
}

impl Step {
    pub fn action(&self) -> Action {
        match self {
            Step::Reception(_) => Action::Reception,
            Step::AddLine(_) => Action::AddLine,
            Step::RemoveLine { .. } => Action::RemoveLine,
            Step::Approve { .. } => Action::Approve,
            Step::StartWork { .. } => Action::StartWork,
            Step::ReportDelay { .. } => Action::ReportDelay,
            Step::Consent { .. } | Step::Decline { .. } => Action::AnswerItem,
            Step::FinishRepair => Action::FinishRepair,
            Step::QualityCheck { passed, .. } => Action::QualityCheck { passed: *passed },
            Step::Settle { .. } => Action::Settle,
            Step::Refund { .. } => Action::Refund,
        }
    }
}

/// Checks a step's own data against the order it is for.
fn validate(step: &Step, order: &RepairOrder, last_mileage: i64, now: Timestamp, today: Date) -> Result<()> {
    match step {
        Step::Reception(r) => {
            if r.mileage_km < last_mileage || r.mileage_km > 3_000_000 {
                return Err(Invalid::new(
                    "mileage_km",
                    Rule::new(
                        "mileage_below_last",
                        format!("不能低于上次记录的 {last_mileage} 公里，也不能超过 3,000,000 公里"),
                        format!("must be at least the last recorded {last_mileage} km and at most 3,000,000 km"),
                    ),
                )
                .into());
            }
            if !(0..=8).contains(&r.fuel_eighths) {
                return Err(Invalid::new(
                    "fuel_eighths",
                    Rule::new("fuel_range", "油量须在 0 到 8 格之间", "must be between 0 and 8 eighths"),
                )
                .into());
            }
            required_text("complaint", &r.complaint, 2000)?;
            optional_text("diagnosis", &r.diagnosis, 2000)?;
            if let Some(bad) = r
                .damage
                .iter()
                .find(|d| !DAMAGE_ZONES.contains(&d.zone.as_str()) || !DAMAGE_MARKS.contains(&d.mark.as_str()))
            {
                return Err(Invalid::new(
                    "damage",
                    Rule::new(
                        "unknown_mark",
                        format!("未知的外观标记 {}", bad.zone),
                        format!("unknown mark {}", bad.zone),
                    ),
                )
                .into());
            }
            if r.promised_at.is_some_and(|p| p <= now) {
                return Err(not_in_past("promised_at").into());
            }
        }
        Step::AddLine(l) => {
            required_text("description", &l.description, 200)?;
            optional_text("part_no", &l.part_no, 40)?;
            if l.unit < Money::ZERO || l.unit > Money::from_yuan(1_000_000) {
                return Err(Invalid::new(
                    "unit_price",
                    Rule::new("price_range", "单价须在 0 到 1,000,000 元之间", "must be between 0 and 1,000,000 yuan"),
                )
                .into());
            }
            // Every line counts, declined ones too: the estimate shows them.
            let amounts = order.lines.iter().map(|l| l.amount);
            if !settlement::total_in_range(amounts.chain([settlement::line_amount(l.qty_centi, l.unit)])) {
                return Err(settlement::total_out_of_range().into());
            }
        }
        Step::Approve { signed_by } => {
            required_text("signed_by", signed_by, 60)?;
        }
        Step::StartWork { technician } => {
            required_text("technician", technician, 60)?;
        }
        Step::ReportDelay { promised_at, reason } => {
            required_text("reason", reason, 500)?;
            if *promised_at <= now || order.promised_at.is_some_and(|p| *promised_at <= p) {
                return Err(Invalid::new(
                    "promised_at",
                    Rule::new(
                        "later_than_promise",
                        "须晚于原定交车时间和现在",
                        "must be later than now and the old promise",
                    ),
                )
                .into());
            }
        }
        Step::Consent { line, given_by, method } => {
            pending_item(order, *line)?;
            required_text("given_by", given_by, 60)?;
            if !CONSENT_METHODS.contains(&method.as_str()) {
                return Err(
                    Invalid::new("method", Rule::new("one_of", "请选择确认方式", "choose how it was given")).into()
                );
            }
        }
        Step::Decline { line, given_by, recommend_by } => {
            pending_item(order, *line)?;
            required_text("given_by", given_by, 60)?;
            if *recommend_by < today {
                return Err(not_in_past("recommend_by").into());
            }
        }
        Step::QualityCheck { passed, inspector, notes } => {
            required_text("inspector", inspector, 60)?;
            if !passed {
                // A failed check says what to redo.
                required_text("qc_notes", notes, 1000)?;
            }
        }
        Step::RemoveLine { line } => {
            order.lines.iter().find(|l| l.id == *line).ok_or(Failure::NotFound)?;
        }
        Step::Refund { amount, reason } => {
            let payment = order.payment.as_ref().ok_or(Failure::NotFound)?;
            settlement::check_refund(payment.paid, payment.refunded, *amount)?;
            required_text("refund_reason", reason, 500)?;
        }
        Step::FinishRepair | Step::Settle { .. } => {}
    }
    Ok(())
}

fn not_in_past(field: &str) -> Invalid {
    Invalid::new(field, Rule::new("not_in_past", "不能早于现在", "must not be in the past"))
}

fn pending_item(order: &RepairOrder, line: i64) -> Result<()> {
    let l = order.lines.iter().find(|l| l.id == line).ok_or(Failure::NotFound)?;
    if l.origin != "additional" || l.consent != "pending" {
        return Err(Failure::Conflict(Rule::new(
            "item_answered",
            "该项目不是待客户确认的增项",
            "this line is not an additional item waiting for an answer",
        )));
    }
    Ok(())
}

/// Opens an order for a vehicle in scope; the advisor is the actor.
pub async fn open(
    db: &Db,
    actor: &Actor,
    vehicle: VehicleId,
    kind: &str,
    (today, now): (jiff::civil::Date, Timestamp),
) -> Result<RepairOrder> {
    let v = crate::vehicles::get(db, &actor.scope, vehicle).await?;
    let mut tx = db.begin().await?;
    let order = open_in(&mut tx, actor, &v, kind, now).await?;
    // The car is here: a booking it has today has come true.
    crate::appointments::arrived_in(&mut tx, actor, v.id, order.id, (today, now)).await?;
    tx.commit().await?;
    Ok(order)
}

/// Opens an order for the car in scope with this plate or VIN: the advisor
/// at the desk types what is on the car.
pub async fn open_by_plate_or_vin(
    db: &Db,
    actor: &Actor,
    plate_or_vin: &str,
    kind: &str,
    at: (jiff::civil::Date, Timestamp),
) -> Result<RepairOrder> {
    let v = crate::vehicles::find_by_plate_or_vin(db, &actor.scope, plate_or_vin).await?.ok_or_else(|| {
        Invalid::new(
            "plate_or_vin",
            Rule::new("vehicle_not_found", "没有这个车牌号或 VIN 的车辆", "no vehicle has this plate or VIN"),
        )
    })?;
    open(db, actor, v.id, kind, at).await
}

/// Opens an order inside the caller's transaction (an appointment's car
/// arriving), with its timeline entry and audit record.
pub async fn open_in(
    tx: &mut Tx,
    actor: &Actor,
    v: &crate::vehicles::Vehicle,
    kind: &str,
    now: Timestamp,
) -> Result<RepairOrder> {
    if !crate::visits::KINDS.contains(&kind) {
        return Err(Invalid::new("kind", Rule::new("one_of", "请选择维修类别", "choose the kind of job")).into());
    }
    let id = store::insert(tx, v, kind, &actor.display_name, now).await?;
    let order = store::load(tx.conn(), RepairOrderId(id)).await?;
    let entry = Entry { step: "open", summary: String::new(), detail: json!({ "kind": order.kind }) };
    record(tx, actor, &order, None, now, entry).await?;
    Ok(order)
}

/// One order in scope, with its lines.
pub async fn get(db: &Db, scope: &Scope, id: RepairOrderId) -> Result<RepairOrder> {
    let mut conn = db.pool().acquire().await?;
    let order = store::load(&mut conn, id).await?;
    scope.check(order.branch_id)?;
    Ok(order)
}

pub use store::{Listed, Recommendation, in_workshop, of_customer, of_vehicle, recommendations, search};

/// Takes a step on an order: checks the rules and the step's data, writes
/// it, moves the status on, and records it on the timeline and in the audit
/// log — all or nothing. The rules judge the order as it is inside the
/// transaction, with its row held, so no concurrent step slips past them.
pub async fn apply(
    db: &Db,
    actor: &Actor,
    id: RepairOrderId,
    step: Step,
    now: Timestamp,
    zone: &BusinessZone,
) -> Result<RepairOrder> {
    let today = zone.date_of(now);
    let mut tx = db.begin().await?;
    store::lock(&mut tx, id).await?;
    let before = store::load(tx.conn(), id).await?;
    actor.scope.check(before.branch_id)?;
    let action = step.action();
    rules::check(action, &before.facts()).map_err(Failure::Conflict)?;
    let last_mileage = crate::vehicles::get(db, &actor.scope, before.vehicle_id).await?.mileage_km;
    validate(&step, &before, last_mileage, now, today)?;
    store::set_status(&mut tx, id.0, rules::next(action, before.status)).await?;
    let summary = store::write_step(&mut tx, &before, &step, now).await?;
    match &step {
        Step::Settle { discount, points, method } => {
            settle_in(&mut tx, actor, &before, (*discount, *points, *method), (now, today)).await?;
        }
        Step::Refund { amount, .. } => refund_in(&mut tx, actor, &before, *amount, (now, today)).await?,
        _ => {}
    }
    let after = store::load(tx.conn(), id).await?;
    let entry = Entry { step: action.code(), summary, detail: step_detail(&step) };
    record(&mut tx, actor, &after, Some(&before), now, entry).await?;
    if let Step::ReportDelay { promised_at, reason } = &step {
        // The customer is told now, with the new time and why.
        let vars = [("time", zone.display(*promised_at)), ("reason", reason.clone())];
        let day = zone.date_of(*promised_at);
        let about = (DELAY_NOTICE, (ASSET, after.id.0));
        crate::outreach::notify_in(&mut tx, db, about, after.vehicle_id, day, (today, &vars)).await?;
    }
    tx.commit().await?;
    Ok(after)
}

fn step_detail(step: &Step) -> serde_json::Value {
    match step {
        Step::ReportDelay { promised_at, reason } => {
            json!({ "promised_at": promised_at.to_string(), "reason": reason })
        }
        Step::Consent { line, method, .. } => json!({ "line": line, "method": method }),
        Step::Decline { line, recommend_by, .. } => json!({ "line": line, "recommend_by": recommend_by.to_string() }),
        Step::Settle { method, .. } => json!({ "method": method.code() }),
        Step::Refund { amount, .. } => json!({ "amount_fen": amount.fen() }),
        _ => json!({}),
    }
}

/// Writes the settlement and makes the workshop visit; the visit brings the
/// mileage reading, the next service date and the follow-up call with it.
async fn settle_in(
    tx: &mut Tx,
    actor: &Actor,
    order: &RepairOrder,
    (discount, points, method): (Money, Money, PaymentMethod),
    (now, today): (Timestamp, Date),
) -> Result<()> {
    let billed: Vec<&Line> = order.lines.iter().filter(|l| l.billed()).collect();
    let totals = settlement::settle(&order.billed(), discount, points)?;
    let summary = billed.iter().map(|l| l.description.as_str()).collect::<Vec<_>>().join("、");
    let visit = crate::visits::Visit {
        id: kefu_core::ids::ServiceVisitId(0),
        branch_id: order.branch_id,
        vehicle_id: order.vehicle_id,
        customer_id: order.customer_id,
        visit_date: today,
        at: Some(now),
        kind: order.kind.clone(),
        mileage_km: order.mileage_km.unwrap_or_default(),
        amount: totals.customer,
        advisor: order.advisor.clone(),
        summary: format!("{} {}", order.order_no, summary),
    };
    let visit_id = crate::visits::record_in(tx, &visit, &actor.display_name).await?;
    let line_ids: Vec<i64> = billed.iter().map(|l| l.id).collect();
    store::write_settlement(tx, order.id.0, &totals, &line_ids, visit_id.0, now).await?;
    // The customer's own money earns their points, in this transaction: a
    // settlement never stands without the points it earned.
    let spent = settlement::points_base(&totals, method);
    let earned = if spent > Money::ZERO {
        let when = kefu_care::points::When { now, today };
        let who = (order.branch_id, order.customer_id);
        Some(kefu_care::points::earn_in(tx, actor, who, (spent, 100), &order.order_no, when).await?)
    } else {
        None
    };
    store::write_payment(tx, order.id, method, earned.as_ref().map(|e| (e.id, e.points))).await?;
    crate::claims::open_in(tx, order, [("warranty", totals.warranty), ("insurance", totals.insurance)]).await
}

/// Gives money back on a settled order, and with it the share of the
/// points that money earned.
async fn refund_in(
    tx: &mut Tx,
    actor: &Actor,
    order: &RepairOrder,
    amount: Money,
    (now, today): (Timestamp, Date),
) -> Result<()> {
    let payment = order.payment.as_ref().ok_or(Failure::NotFound)?;
    if let Some(entry) = payment.points_entry {
        let when = kefu_care::points::When { now, today };
        kefu_care::points::refund_in(tx, actor, (order.branch_id, order.customer_id), entry, amount, when).await?;
    }
    store::add_refund(tx, order.id, amount).await
}

/// What a step puts on the timeline.
struct Entry<'a> {
    step: &'a str,
    summary: String,
    detail: serde_json::Value,
}

/// The timeline entry and the audit record of a step.
async fn record(
    tx: &mut Tx,
    actor: &Actor,
    order: &RepairOrder,
    before: Option<&RepairOrder>,
    at: Timestamp,
    Entry { step, summary, mut detail }: Entry<'_>,
) -> Result<()> {
    detail["order"] = json!(order.id);
    detail["order_no"] = json!(order.order_no);
    detail["step"] = json!(step);
    timeline::record(
        tx,
        NewEvent {
            branch: order.branch_id,
            customer: order.customer_id,
            asset: Some((crate::vehicles::ASSET, order.vehicle_id.0)),
            at,
            kind: EVENT_KIND,
            summary,
            detail,
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "repair_order",
            entity_id: order.id.to_string(),
            action: step,
            branch: Some(order.branch_id),
            old: before.map(|b| json!(b)),
            new: Some(json!(order)),
        },
    )
    .await?;
    Ok(())
}
