//! The outreach engine: playbooks turned into the day's tasks, and the
//! channels those tasks go out through — printed letters, SMS, e-mail and the
//! agents' call queue.

pub mod birthdays;
pub mod calls;
pub mod channels;
pub mod day;
pub mod dispatch;
pub mod effectiveness;
pub mod monthly;
pub mod notices;
pub mod playbook;
pub mod recontacts;
pub mod rules;
pub mod run;
pub mod sends;
pub mod source;
pub mod store;
pub mod touch_state;
