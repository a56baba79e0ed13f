//! The meter archive as stored (issue 19 §3, 计量): each meter's asset
//! record — asset number, kind, accuracy class, rated current, register and
//! ratios (in `power_meters`), maker, batch, verification, seals — and
//! where it is (in stock, installed at an account with its installation
//! reading, removed with its removal reading, scrapped) with its history.
//! A batch is accepted all or nothing; a meter moves only as
//! [`crate::meters::can_move`] allows and is installed only when
//! [`crate::meters::check_installable`] says so; a removal reading below the
//! installation reading is refused. The monthly plan of rotations and field
//! tests comes from [`crate::meters::PeriodicRules`] (the stored periods)
//! and [`crate::meters::due_by`], one work order per meter, kind and month;
//! a rotation done is a replacement that closes the old meter's reading and
//! opens the new one's. The centre's standard meters and test instruments
//! are kept with their verification, the share in date tracked.

mod store;

pub use store::{
    Asset, Completion, Installation, Instrument, Move, Plan, WorkOrder, accept_batch, add_instrument, complete, get,
    install, instruments, list, plan, remove, rules, save_rules,
};

use crate::meters::{MeterKind, MeterState, PointClass, Verification};
use kefu_core::{Invalid, Rule};

/// Meter kinds of the archive: the archive's electronic ones and the
/// mechanical ones still in the field.
pub const KINDS: &[&str] = &["single_phase", "three_phase", "three_phase_ct", "single_phase_mech", "three_phase_mech"];

/// The kind as the rotation rule counts it.
pub fn meter_kind(kind: &str) -> MeterKind {
    match kind {
        "single_phase" => MeterKind::SinglePhaseElectronic,
        "single_phase_mech" => MeterKind::SinglePhaseMechanical,
        "three_phase_mech" => MeterKind::ThreePhaseMechanical,
        _ => MeterKind::ThreePhaseElectronic,
    }
}

/// A stored state's code.
pub fn state_of(code: &str) -> MeterState {
    match code {
        "installed" => MeterState::Installed,
        "removed" => MeterState::Removed,
        "scrapped" => MeterState::Scrapped,
        _ => MeterState::InStock,
    }
}

pub fn verification_of(code: Option<&str>) -> Option<Verification> {
    match code {
        Some("passed") => Some(Verification::Passed),
        Some("failed") => Some(Verification::Failed),
        _ => None,
    }
}

pub fn point_class_of(code: Option<&str>) -> Option<PointClass> {
    match code {
        Some("I") => Some(PointClass::I),
        Some("II") => Some(PointClass::II),
        Some("III") => Some(PointClass::III),
        _ => None,
    }
}

/// A reading as written (`12345.6`, `0`) in hundredths of a kWh.
pub fn parse_reading(field: &str, input: &str) -> Result<i64, Invalid> {
    kefu_core::decimal::parse_field(field, input, 2, |_| {
        Rule::new("reading_format", "读数应为千瓦时数，最多两位小数", "a reading is in kWh with at most 2 decimals")
    })
}

/// A reading in hundredths of a kWh as written.
pub fn reading_text(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// One meter of a batch: its number, asset number, verification result and
/// seal numbers.
#[derive(Debug, Clone)]
pub struct BatchMeter {
    pub meter_no: String,
    pub asset_no: String,
    pub passed: bool,
    pub seals: String,
}

/// A batch to accept into a station's stock: verified, sealed, recorded.
#[derive(Debug, Clone)]
pub struct Batch {
    pub station: kefu_core::ids::BranchId,
    pub batch: String,
    pub maker: String,
    pub kind: String,
    pub accuracy_class: String,
    pub rated_current: String,
    pub register_digits: i64,
    pub verified_on: jiff::civil::Date,
    pub meters: Vec<BatchMeter>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_in_hundredths() {
        assert_eq!(parse_reading("r", "12345.6").unwrap(), 1_234_560);
        assert_eq!(reading_text(1_234_560), "12345.60");
        assert_eq!(parse_reading("r", "1.234").unwrap_err().rule.code, "reading_format");
    }

    #[test]
    fn kinds_map_to_the_rotation_rule() {
        assert_eq!(meter_kind("three_phase_ct"), MeterKind::ThreePhaseElectronic);
        assert_eq!(meter_kind("single_phase_mech"), MeterKind::SinglePhaseMechanical);
    }
}
