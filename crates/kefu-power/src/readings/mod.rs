//! Meter readings (抄表): what a register shows and means in kWh
//! (`register.rs`), the checks before a reading is billed (`checks.rs`), and
//! the kWh of a period in which the meter was replaced (`replacement.rs`).

mod checks;
mod register;
mod replacement;

pub use checks::{Advance, Hold, ReadingCheck, ReadingRules, Verdict, advance, average_kwh, check, estimate};
pub use register::{Multiplier, Ratio, Reading, Register};
pub use replacement::{MeterSpan, metered_kwh};
