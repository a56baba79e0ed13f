//! What the 4S pack's pages and its JSON API both take from a request —
//! the forms and bodies, read once into the capabilities' inputs — and the
//! repair order step both perform, so that `pages` and `api` need nothing of
//! each other.

use crate::error::AppError;
use crate::fields::{date, local_time, one_of, whole_number};
use crate::guard::Ctx;
use crate::state::AppState;
use jiff::civil::Date;
use kefu_auto::appointments::{Booking, Outcome};
use kefu_auto::claims::{self, Move};
use kefu_auto::insurance::{self, PolicyInput};
use kefu_auto::repair_orders::settlement::{self, LineKind, Payer};
use kefu_auto::repair_orders::{self, DamageMark, NewLine, Reception, RepairOrder, Step};
use kefu_auto::weekly::Week;
use kefu_core::ids::{RepairOrderId, VehicleId};
use kefu_core::time::BusinessZone;
use kefu_core::{Invalid, Money, Rule};
use serde::{Deserialize, Deserializer};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn month_start(text: &str, today: Date) -> Result<Date, AppError> {
    if text.trim().is_empty() {
        return Ok(today.first_of_month());
    }
    format!("{}-01", text.trim()).parse().map_err(|_| {
        AppError::Invalid(Invalid::new(
            "month",
            Rule::new("month_format", "月份格式应为 2026-12", "months look like 2026-12"),
        ))
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BookForm {
    pub(crate) vehicle_id: String,
    pub(crate) day: String,
    pub(crate) hour: String,
    pub(crate) job: String,
    pub(crate) note: String,
    pub(crate) source: String,
    /// "OF-8011 1, MO-0W20 4"
    pub(crate) parts: String,
}

impl BookForm {
    /// The booking these fields describe, or the first field that breaks
    /// its rule.
    pub(crate) fn booking(self) -> Result<Booking, Invalid> {
        Ok(Booking {
            vehicle: VehicleId(whole_number("vehicle_id", &self.vehicle_id)?),
            day: date("day", &self.day)?,
            hour: whole_number("hour", &self.hour)?,
            job: self.job.trim().to_string(),
            note: self.note,
            source: if self.source.trim().is_empty() { "counter".into() } else { self.source.trim().to_string() },
            parts: kefu_auto::parts::parse_needs("parts", &self.parts)?,
        })
    }
}

/// What became of a booking: arrived, no_show or cancelled.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[schema(example = json!({"result": "arrived"}))]
pub struct OutcomeForm {
    #[serde(default)]
    pub result: String,
}

impl OutcomeForm {
    pub(crate) fn outcome(&self) -> Result<Outcome, AppError> {
        Outcome::parse(self.result.trim()).ok_or_else(|| AppError::Invalid(one_of("result")))
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct PeriodQuery {
    /// week (Monday to Sunday) or month; week when empty
    pub period: String,
    /// A day in the period (YYYY-MM-DD); today when empty
    pub day: String,
}

impl PeriodQuery {
    /// The first and last day of the period asked for.
    pub(crate) fn range(&self, today: Date) -> Result<(&'static str, Date, Date), AppError> {
        let day = if self.day.trim().is_empty() { today } else { date("day", &self.day).map_err(AppError::Invalid)? };
        match self.period.trim() {
            "" | "week" => {
                let w = Week::of(day);
                Ok(("week", w.monday, w.sunday()))
            }
            "month" => Ok(("month", day.first_of_month(), day.last_of_month())),
            _ => Err(AppError::Invalid(one_of("period"))),
        }
    }
}

/// A step on a claim, as the form and the API send it.
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"action": "submitted", "reference": "PA-2026-11-0042"}))]
#[serde(default)]
pub struct ClaimBody {
    /// submitted, paid or rejected
    pub action: String,
    /// submitted: the claim's number at the manufacturer or insurer.
    pub reference: String,
    /// paid: the amount received, in yuan.
    pub paid: String,
    /// rejected: why.
    pub note: String,
}

impl ClaimBody {
    pub(crate) fn into_move(self) -> Result<Move, Invalid> {
        Ok(match self.action.trim() {
            "submitted" => Move::Submit { reference: self.reference },
            "paid" => Move::Paid { amount: Money::parse_yuan("paid", &self.paid)? },
            "rejected" => Move::Rejected { note: self.note },
            _ => return Err(one_of("action")),
        })
    }
}

#[derive(Deserialize, IntoParams, Default)]
pub struct ClaimQuery {
    /// warranty or insurance; both when empty
    #[serde(default)]
    pub payer: String,
}

impl ClaimQuery {
    pub(crate) fn payer(&self) -> Option<&str> {
        claims::PAYERS.iter().copied().find(|p| *p == self.payer.trim())
    }
}

/// A policy as the form and the API take it: dates YYYY-MM-DD, the premium
/// in yuan as people type it.
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"insurer": "中国人保", "kind": "commercial", "policy_no": "PDAA202611000001", "start": "2026-12-01", "expiry": "2027-11-30", "premium": "4280.00"}))]
#[serde(default)]
pub struct PolicyBody {
    pub insurer: String,
    /// compulsory (交强险) or commercial (商业险)
    pub kind: String,
    pub policy_no: String,
    pub start: String,
    pub expiry: String,
    pub premium: String,
    /// The id of the policy this one renews; empty when none.
    pub renews: String,
}

impl PolicyBody {
    pub(crate) fn input(&self) -> Result<PolicyInput, Invalid> {
        Ok(PolicyInput {
            insurer: self.insurer.clone(),
            kind: self.kind.trim().to_string(),
            policy_no: self.policy_no.clone(),
            start: date("start", &self.start)?,
            expiry: date("expiry", &self.expiry)?,
            premium: Money::parse_yuan("premium", &self.premium)?,
            renews: match self.renews.trim() {
                "" => None,
                t => Some(whole_number("renews", t)?),
            },
        })
    }
}

#[derive(Deserialize, IntoParams, Default)]
pub struct RenewalQuery {
    /// How many days ahead; 60 when not given. Policies lapsed in the last
    /// 30 days are listed too.
    #[serde(default)]
    pub days: Option<i64>,
}

impl RenewalQuery {
    /// The window the list covers.
    pub(crate) fn window(&self, today: jiff::civil::Date) -> (jiff::civil::Date, jiff::civil::Date) {
        insurance::renewal_window(today, self.days)
    }
}

#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"lost_reason": "客户转投其他保险公司，保费更低"}))]
#[serde(default)]
pub struct LostBody {
    /// Why the renewal went elsewhere.
    pub lost_reason: String,
}

/// Text fields that JSON callers may also send as numbers.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(i64),
    }
    Ok(match TextOrNumber::deserialize(d)? {
        TextOrNumber::Text(s) => s,
        TextOrNumber::Number(n) => n.to_string(),
    })
}

/// One step on an order. `step` says which; each step reads only its own
/// fields. Amounts are in yuan as people type them ("120.50"), quantities
/// may have two decimals ("1.5" hours), times are local ("2026-11-30T17:00").
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"step": "reception", "mileage_km": "15230", "fuel_eighths": "4", "complaint": "刹车异响", "diagnosis": "前刹车片磨损", "valuables_reminded": "true", "promised_at": "2026-11-29 17:00"}))]
#[serde(default)]
pub struct RepairOrderStepBody {
    /// reception, add_line, remove_line, approve, start_work, report_delay,
    /// consent, decline, finish_repair, quality_check, settle, refund
    #[serde(deserialize_with = "text")]
    pub step: String,
    // reception
    #[serde(deserialize_with = "text")]
    pub mileage_km: String,
    /// 0 (empty) to 8 (full)
    #[serde(deserialize_with = "text")]
    pub fuel_eighths: String,
    /// The customer's complaint in their own words.
    pub complaint: String,
    pub diagnosis: String,
    /// "zone:mark", e.g. "front_bumper:scratch"; empty entries are ignored.
    pub damage: Vec<String>,
    /// "on" when the customer was reminded to take their valuables.
    pub valuables_reminded: String,
    /// When the car is promised back (reception, report_delay).
    pub promised_at: String,
    // add_line
    /// labour or part
    pub kind: String,
    pub description: String,
    pub part_no: String,
    pub quantity: String,
    pub unit_price: String,
    /// customer, warranty or insurance
    pub payer: String,
    /// The line a remove_line, consent or decline is about.
    #[serde(deserialize_with = "text")]
    pub line: String,
    /// approve: who signed the estimate.
    pub signed_by: String,
    pub technician: String,
    /// report_delay: why the car is late; refund: why money goes back.
    pub reason: String,
    /// consent/decline: who answered.
    pub given_by: String,
    /// consent: in_person, phone or sms
    pub method: String,
    /// decline: when to recommend the item again (YYYY-MM-DD).
    pub recommend_by: String,
    /// quality_check: pass or fail
    pub result: String,
    pub inspector: String,
    pub qc_notes: String,
    /// settle: the discount off the customer's lines, in yuan.
    pub discount: String,
    /// settle: the value of the member points redeemed, in yuan.
    pub points: String,
    /// settle: how the customer paid — cash, card, wechat_pay, alipay,
    /// transfer, or claim (a claim paid the customer's share too; it earns
    /// no points).
    pub payment: String,
    /// refund: the money given back, in yuan.
    pub amount: String,
}

fn yuan_or_zero(field: &str, text: &str) -> Result<Money, Invalid> {
    if text.trim().is_empty() { Ok(Money::ZERO) } else { Money::parse_yuan(field, text) }
}

impl RepairOrderStepBody {
    /// The step these fields describe, or the first field that breaks its
    /// rule.
    pub fn into_step(self, zone: &BusinessZone) -> Result<Step, Invalid> {
        Ok(match self.step.trim() {
            "reception" => Step::Reception(Reception {
                mileage_km: whole_number("mileage_km", &self.mileage_km)?,
                fuel_eighths: whole_number("fuel_eighths", &self.fuel_eighths)?,
                complaint: self.complaint,
                diagnosis: self.diagnosis,
                damage: self
                    .damage
                    .iter()
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| {
                        let (zone, mark) = d.split_once(':').ok_or_else(|| one_of("damage"))?;
                        Ok(DamageMark { zone: zone.trim().to_string(), mark: mark.trim().to_string() })
                    })
                    .collect::<Result<_, Invalid>>()?,
                valuables_reminded: !matches!(self.valuables_reminded.trim(), "" | "0" | "off" | "false"),
                promised_at: match self.promised_at.trim() {
                    "" => None,
                    t => Some(local_time("promised_at", t, zone)?),
                },
            }),
            "add_line" => Step::AddLine(NewLine {
                kind: LineKind::parse(self.kind.trim()).ok_or_else(|| one_of("kind"))?,
                description: self.description,
                part_no: self.part_no,
                qty_centi: settlement::parse_quantity("quantity", &self.quantity)?,
                unit: Money::parse_yuan("unit_price", &self.unit_price)?,
                payer: match self.payer.trim() {
                    "" => Payer::Customer,
                    p => Payer::parse(p).ok_or_else(|| one_of("payer"))?,
                },
            }),
            "remove_line" => Step::RemoveLine { line: whole_number("line", &self.line)? },
            "approve" => Step::Approve { signed_by: self.signed_by },
            "start_work" => Step::StartWork { technician: self.technician },
            "report_delay" => Step::ReportDelay {
                promised_at: match self.promised_at.trim() {
                    "" => return Err(Invalid::required("promised_at")),
                    t => local_time("promised_at", t, zone)?,
                },
                reason: self.reason,
            },
            "consent" => Step::Consent {
                line: whole_number("line", &self.line)?,
                given_by: self.given_by,
                method: self.method.trim().to_string(),
            },
            "decline" => Step::Decline {
                line: whole_number("line", &self.line)?,
                given_by: self.given_by,
                recommend_by: date("recommend_by", &self.recommend_by)?,
            },
            "finish_repair" => Step::FinishRepair,
            "quality_check" => Step::QualityCheck {
                passed: match self.result.trim() {
                    "pass" => true,
                    "fail" => false,
                    _ => return Err(one_of("result")),
                },
                inspector: self.inspector,
                notes: self.qc_notes,
            },
            "settle" => Step::Settle {
                discount: yuan_or_zero("discount", &self.discount)?,
                points: yuan_or_zero("points", &self.points)?,
                method: settlement::PaymentMethod::parse("payment", &self.payment)?,
            },
            "refund" => Step::Refund { amount: Money::parse_yuan("refund", &self.amount)?, reason: self.reason },
            _ => return Err(one_of("step")),
        })
    }
}

/// Takes a step; a delay is told to the customer at once.
pub(crate) async fn apply(app: &AppState, ctx: &Ctx, id: i64, step: Step) -> Result<RepairOrder, AppError> {
    let tells = matches!(step, Step::ReportDelay { .. });
    let order = repair_orders::apply(app.db(), &ctx.actor, RepairOrderId(id), step, app.now(), &app.0.zone).await?;
    if tells {
        crate::packs::send_notice(app, &ctx.actor, order.customer_id).await;
    }
    Ok(order)
}
