//! The seven steps of a repair order (委托书/派工单) as plain rules: the
//! status an order is in, which step may be taken from it, the status it
//! moves to, and — when a step may not be taken — the refusal that says why.
//!
//! appointment → reception → estimate signed by the customer → repair (with
//! additional items only on the customer's consent) → quality check →
//! delivery and settlement → the 7-day follow-up (the settled order becomes a
//! workshop visit, which the follow-up playbook is anchored on).

use kefu_core::Rule;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Reception: the walk-around is recorded and the estimate written.
    Open,
    /// The customer signed the estimate; work may start.
    Approved,
    /// A technician works on the car.
    InRepair,
    /// The technician finished; the car waits for the quality check.
    AwaitingQc,
    /// Passed the quality check; ready to hand over and settle.
    QcPassed,
    /// Delivered and paid: the order is closed.
    Settled,
}

impl Status {
    pub const ALL: [Status; 6] =
        [Status::Open, Status::Approved, Status::InRepair, Status::AwaitingQc, Status::QcPassed, Status::Settled];

    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Approved => "approved",
            Status::InRepair => "in_repair",
            Status::AwaitingQc => "awaiting_qc",
            Status::QcPassed => "qc_passed",
            Status::Settled => "settled",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The kinds of step an advisor takes on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Reception,
    AddLine,
    RemoveLine,
    Approve,
    StartWork,
    ReportDelay,
    AnswerItem,
    FinishRepair,
    QualityCheck {
        passed: bool,
    },
    Settle,
    /// Money back on a settled order (its points go back with it).
    Refund,
}

impl Action {
    /// The code the audit log and the timeline name the step by.
    pub fn code(self) -> &'static str {
        match self {
            Action::Reception => "reception",
            Action::AddLine => "add_line",
            Action::RemoveLine => "remove_line",
            Action::Approve => "approve",
            Action::StartWork => "start_work",
            Action::ReportDelay => "report_delay",
            Action::AnswerItem => "answer_item",
            Action::FinishRepair => "finish_repair",
            Action::QualityCheck { passed: true } => "qc_passed",
            Action::QualityCheck { passed: false } => "qc_failed",
            Action::Settle => "settle",
            Action::Refund => "refund",
        }
    }
}

/// What the rules need to know about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub status: Status,
    /// The walk-around (mileage, fuel, the customer's words) is recorded.
    pub reception_done: bool,
    /// Lines on the estimate.
    pub estimate_lines: usize,
    /// Additional items still waiting for the customer's answer.
    pub pending_items: usize,
}

fn refuse(code: &'static str, zh: &str, en: &str) -> Rule {
    Rule::new(code, zh, en)
}

/// Whether `action` may be taken on an order with these facts; the refusal
/// names the rule otherwise.
pub fn check(action: Action, f: &Facts) -> Result<(), Rule> {
    use Status::*;
    // A settled order takes one step more: money given back.
    if f.status == Settled && action != Action::Refund {
        return Err(refuse("order_settled", "委托书已结算，不能再修改", "the order is settled and cannot change"));
    }
    match (action, f.status) {
        (Action::Refund, Settled) => Ok(()),
        (Action::Refund, _) => {
            Err(refuse("not_settled", "委托书尚未结算，无款可退", "the order is not settled: nothing was paid"))
        }
        (Action::Reception | Action::RemoveLine, Open) => Ok(()),
        (Action::Reception, _) => Err(refuse(
            "reception_closed",
            "客户已确认估价，接车检查不能再修改",
            "the estimate is signed; the reception record can no longer change",
        )),
        (Action::RemoveLine, _) => Err(refuse(
            "estimate_signed",
            "客户已确认估价，估价项目不能删除",
            "the estimate is signed; its lines cannot be removed",
        )),
        // Before the signature a line is part of the estimate; during the
        // repair it is an additional item that needs the customer's consent.
        (Action::AddLine, Open | InRepair) => Ok(()),
        (Action::AddLine, _) => Err(refuse(
            "lines_closed",
            "只能在估价时或维修中增加项目",
            "lines can be added only while estimating or during the repair",
        )),
        (Action::Approve, Open) if !f.reception_done => Err(refuse(
            "reception_required",
            "请先完成接车检查（里程、油量、客户描述）",
            "record the reception first (mileage, fuel, the customer's words)",
        )),
        (Action::Approve, Open) if f.estimate_lines == 0 => {
            Err(refuse("estimate_empty", "估价单没有任何项目", "the estimate has no lines"))
        }
        (Action::Approve, Open) => Ok(()),
        (Action::Approve, _) => Err(refuse("already_approved", "估价已由客户确认", "the estimate is already signed")),
        (Action::StartWork, Approved) => Ok(()),
        (Action::StartWork, Open) => Err(refuse(
            "estimate_not_approved",
            "客户确认估价前不得开工",
            "work may not start before the customer signs the estimate",
        )),
        (Action::StartWork, _) => Err(refuse("already_started", "已经开工", "work has already started")),
        (Action::ReportDelay, Approved | InRepair | AwaitingQc) => Ok(()),
        (Action::ReportDelay, _) => Err(refuse(
            "delay_not_applicable",
            "只能在开工前后、交车前告知延误",
            "a delay can be reported only between the signature and the quality check",
        )),
        (Action::AnswerItem, InRepair) => Ok(()),
        (Action::AnswerItem, _) => Err(refuse(
            "not_in_repair",
            "只有维修中的增项需要客户答复",
            "only additional items found during the repair wait for an answer",
        )),
        (Action::FinishRepair, InRepair) if f.pending_items > 0 => Err(refuse(
            "consent_pending",
            "有增项尚未取得客户同意，不得施工完工",
            "an additional item has no recorded consent yet; the repair cannot finish",
        )),
        (Action::FinishRepair, InRepair) => Ok(()),
        (Action::FinishRepair, _) => Err(refuse("not_in_repair", "车辆不在维修中", "the car is not in repair")),
        (Action::QualityCheck { .. }, AwaitingQc) => Ok(()),
        (Action::QualityCheck { .. }, _) => Err(refuse(
            "repair_not_finished",
            "维修完工后才能质检",
            "the quality check comes after the repair is finished",
        )),
        (Action::Settle, QcPassed) => Ok(()),
        (Action::Settle, _) => Err(refuse(
            "quality_check_required",
            "质检合格前不得交车结算",
            "the car cannot be delivered or settled before it passes the quality check",
        )),
    }
}

/// The status an order is in after `action`.
pub fn next(action: Action, status: Status) -> Status {
    match action {
        Action::Approve => Status::Approved,
        Action::StartWork => Status::InRepair,
        Action::FinishRepair => Status::AwaitingQc,
        Action::QualityCheck { passed: true } => Status::QcPassed,
        // A failed check sends the car back to the technician.
        Action::QualityCheck { passed: false } => Status::InRepair,
        Action::Settle => Status::Settled,
        Action::Refund => status,
        Action::Reception | Action::AddLine | Action::RemoveLine | Action::ReportDelay | Action::AnswerItem => status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(status: Status) -> Facts {
        Facts { status, reception_done: true, estimate_lines: 2, pending_items: 0 }
    }

    fn refused(action: Action, f: Facts) -> &'static str {
        check(action, &f).expect_err("should be refused").code
    }

    #[test]
    fn the_happy_path_walks_the_steps_in_order() {
        let mut status = Status::Open;
        for action in [
            Action::Reception,
            Action::AddLine,
            Action::Approve,
            Action::StartWork,
            Action::AddLine,
            Action::AnswerItem,
            Action::FinishRepair,
            Action::QualityCheck { passed: true },
            Action::Settle,
        ] {
            assert_eq!(check(action, &facts(status)), Ok(()), "{action:?} from {status:?}");
            status = next(action, status);
        }
        assert_eq!(status, Status::Settled);
    }

    #[test]
    fn no_work_before_the_estimate_is_signed() {
        assert_eq!(refused(Action::StartWork, facts(Status::Open)), "estimate_not_approved");
        let unreceived = Facts { reception_done: false, ..facts(Status::Open) };
        assert_eq!(refused(Action::Approve, unreceived), "reception_required");
        let empty = Facts { estimate_lines: 0, ..facts(Status::Open) };
        assert_eq!(refused(Action::Approve, empty), "estimate_empty");
        assert_eq!(refused(Action::RemoveLine, facts(Status::Approved)), "estimate_signed");
        assert_eq!(refused(Action::Reception, facts(Status::InRepair)), "reception_closed");
    }

    #[test]
    fn no_additional_item_is_worked_without_consent() {
        let pending = Facts { pending_items: 1, ..facts(Status::InRepair) };
        assert_eq!(refused(Action::FinishRepair, pending), "consent_pending");
        assert_eq!(refused(Action::AnswerItem, facts(Status::AwaitingQc)), "not_in_repair");
        assert_eq!(refused(Action::AddLine, facts(Status::Approved)), "lines_closed");
    }

    #[test]
    fn no_delivery_before_the_quality_check() {
        for status in [Status::Open, Status::Approved, Status::InRepair, Status::AwaitingQc] {
            assert_eq!(refused(Action::Settle, facts(status)), "quality_check_required", "{status:?}");
        }
        assert_eq!(refused(Action::QualityCheck { passed: true }, facts(Status::InRepair)), "repair_not_finished");
        assert_eq!(next(Action::QualityCheck { passed: false }, Status::AwaitingQc), Status::InRepair);
    }

    #[test]
    fn a_settled_order_is_closed_to_every_step() {
        assert_eq!(check(Action::Refund, &facts(Status::Settled)), Ok(()));
        assert_eq!(next(Action::Refund, Status::Settled), Status::Settled);
        assert_eq!(refused(Action::Refund, facts(Status::QcPassed)), "not_settled");
        for action in [Action::Reception, Action::AddLine, Action::ReportDelay, Action::Settle] {
            assert_eq!(refused(action, facts(Status::Settled)), "order_settled");
        }
    }

    #[test]
    fn status_codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
    }
}
