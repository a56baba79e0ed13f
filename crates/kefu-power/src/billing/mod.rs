//! Billing arithmetic: the energy charge of a bill line by line
//! (`energy.rs`), a large user's basic charge and power factor adjustment
//! (`large_users.rs`), the late-payment charge on arrears (`late_charge.rs`),
//! where a payment goes (`payments.rs`) and when supply may be suspended for
//! arrears (`suspension.rs`).
//! Every amount is exact until it is rounded half up to the fen once per
//! line ([`round_to_fen`](crate::price::round_to_fen)).

mod energy;
mod large_users;
mod late_charge;
mod payments;
mod suspension;

pub use energy::{Charge, Line, LineKind, Usage, energy_charge, quote, split_by_days};
pub use large_users::{
    Demand, PowerFactorTable, PowerFactorTables, Standard, basic_charge, power_factor, power_factor_adjustment,
};
pub use late_charge::{Arrears, DailyRate, LateCharge, LateChargeRules, Payer, late_charge};
pub use payments::{Allocation, OpenBill, allocate, outstanding};
pub use suspension::{SuspensionRules, check_suspension_day, earliest_suspension};
