//! Receivables (issue 21 §6, §7) as stored, over the rules of `fees`,
//! `billing`, `late_fee`, `collection` and `collection_rate`: fee items
//! edited ([`items`]), meter readings entered ([`readings`]), one-off
//! charges billed once ([`one_off`]), late fees charged or waived
//! ([`late`]), collection through the outreach engine ([`outreach`]), and
//! the month's collection figures ([`rate`]).

pub mod items;
pub mod late;
pub mod one_off;
pub mod outreach;
pub mod rate;
pub mod readings;
pub mod receipt;
