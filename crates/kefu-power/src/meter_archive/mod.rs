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
//! are kept with their verification, the share in date tracked. A batch
//! of CT-connected meters is accepted with its current and voltage
//! transformers' ratios, their multiplier (综合倍率) a whole number; a meter
//! is scrapped, or a removed one returned to stock, with the reason.

mod store;

pub use store::{
    Asset, Completion, Installation, Instrument, Move, Plan, WorkOrder, accept_batch, add_instrument, complete, get,
    install, instruments, list, plan, remove, rules, save_rules, set_aside,
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
    /// The current and voltage transformers' ratios, primary over
    /// secondary; 1/1 where there is none.
    pub ct: (i64, i64),
    pub pt: (i64, i64),
    pub meters: Vec<BatchMeter>,
}

/// The kind of meter connected through instrument transformers.
pub const CT_KIND: &str = "three_phase_ct";

/// A transformer's ratio as written, primary/secondary (`150/5`,
/// `10000/100`); blank is no transformer (1/1).
pub fn parse_ratio(field: &str, text: &str) -> Result<(i64, i64), Invalid> {
    let text = text.trim();
    if text.is_empty() {
        return Ok((1, 1));
    }
    let bad = || {
        Invalid::new(
            field,
            Rule::new("ratio_format", "变比应写作 一次/二次，如 150/5", "a ratio is primary/secondary, as 150/5"),
        )
    };
    let (primary, secondary) = text.split_once('/').ok_or_else(bad)?;
    let number = |t: &str| t.trim().parse::<i64>().ok().filter(|n| (1..=1_000_000).contains(n));
    let (primary, secondary) = (number(primary).ok_or_else(bad)?, number(secondary).ok_or_else(bad)?);
    if primary < secondary {
        return Err(Invalid::new(
            field,
            Rule::new("ratio_step_down", "一次值不能小于二次值", "the primary is not below the secondary"),
        ));
    }
    Ok((primary, secondary))
}

/// The multiplier (综合倍率 = CT × PT) of two ratios, when it is a whole
/// number, as the readings count it.
pub fn multiplier_of(ct: (i64, i64), pt: (i64, i64)) -> Option<i64> {
    let (num, den) = (ct.0 * pt.0, ct.1 * pt.1);
    (den > 0 && num % den == 0).then(|| num / den)
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
    fn ratios_and_their_multiplier() {
        assert_eq!(parse_ratio("ct_ratio", " 150/5 ").unwrap(), (150, 5));
        assert_eq!(parse_ratio("pt_ratio", "").unwrap(), (1, 1));
        assert_eq!(parse_ratio("ct_ratio", "5/150").unwrap_err().rule.code, "ratio_step_down");
        for bad in ["150", "150/0", "a/5", "-150/5"] {
            assert_eq!(parse_ratio("ct_ratio", bad).unwrap_err().rule.code, "ratio_format", "{bad}");
        }
        assert_eq!(multiplier_of((150, 5), (10000, 100)), Some(3000));
        assert_eq!(multiplier_of((75, 5), (1, 1)), Some(15));
        assert_eq!(multiplier_of((10, 3), (1, 1)), None);
    }

    #[test]
    fn kinds_map_to_the_rotation_rule() {
        assert_eq!(meter_kind("three_phase_ct"), MeterKind::ThreePhaseElectronic);
        assert_eq!(meter_kind("single_phase_mech"), MeterKind::SinglePhaseMechanical);
    }
}
