//! Collection (电费回收, issue 20 §4) as stored: payments at the counter,
//! from bank batch files and collection agents (代收), prepaid balances,
//! reversals (`payments.rs`, `bank.rs`); the late charges they settle and
//! the managers' waivers; each cashier's day close and the stations' and
//! the centre's totals (`close.rs`); arrears by station, book and age and
//! the dunning steps staff record (`arrears.rs`, with the reminders'
//! anchor in `reminders.rs`); the collection rate (`rate.rs`).
//!
//! Migration 0042 holds the payments, their allocations to bills and the
//! prepaid balances; 0043 the late charges paid and waived, the settings,
//! the day closes and the dunning steps.
//!
//! # How a payment is applied
//!
//! The account's open bills are taken oldest due date first (ties by bill
//! number), and for each bill its late charge (电费违约金) accrued to the
//! payment day comes before the bill itself: the charge is owed because of
//! that bill, and settling it first means a bill shown as paid owes nothing
//! more. The rule is [`crate::billing::allocate`] over those parts. What is
//! left over goes to the prepaid balance (预存电费) where the account holds
//! one (or the customer opens one at the counter), else the payment is
//! refused. An existing prepaid balance pays open bills the same way before
//! a new payment is applied, as a payment of channel `prepaid`.
//!
//! Only the bills' part is written to `power_payment_allocations`, so the
//! collection rate (collected / billed) counts the energy bills alone; the
//! late charges paid are in `power_late_charge_payments`.

mod arrears;
mod bank;
mod close;
pub mod demo;
mod payments;
pub mod rate;
mod reminders;
mod rules;

pub use arrears::{
    AgeRow, ArrearsAccount, ArrearsReport, BUCKETS, Step, accounts_in_arrears, arrears, record_step, steps_of,
};
pub use bank::{BankImport, import_bank_file};
pub use close::{ChannelTotal, CloseSummary, DayClose, StationTotal, cashier_day, close_day, closes, station_totals};
pub use payments::{
    AccountDue, Channel, DueBill, NewPayment, Receipt, ReceiptLine, apply_prepaid, apply_prepaid_in, find_accounts,
    open_bills, receipt, receipts_of, reverse, take, waive,
};
pub use reminders::{BILL_DUE, BillDue, default_playbooks};
pub use rules::{CollectionRules, RulesInput, load_rules, save_rules};

pub(crate) use crate::tariffs::quote::yuan;
