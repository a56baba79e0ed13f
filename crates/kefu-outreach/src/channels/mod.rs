//! The channels a touch goes out through. Each is a real implementation
//! behind one trait; the daily run hands a channel the day's messages and
//! records what became of each.

use serde::Serialize;

/// The sender named on a message: the store, its address and telephone.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Letterhead {
    pub name: String,
    pub address: String,
    pub phone: String,
}

/// Where a message goes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub enum Recipient {
    /// A postal address: the name and the address lines.
    Postal {
        name: String,
        address: String,
    },
    /// A mainland mobile number (11 digits).
    Mobile(String),
    Email {
        name: String,
        address: String,
    },
}

/// One rendered message of a task.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Message {
    /// The outreach task this message belongs to.
    pub task_id: i64,
    pub from: Letterhead,
    pub to: Recipient,
    /// The subject line (e-mail) or heading (letter); empty for SMS.
    pub subject: String,
    /// The text, with the template's variables already filled in.
    pub body: String,
}
