//! The channels a touch goes out through. Each is a real implementation
//! behind one trait; the daily run hands a channel the day's messages and
//! records what became of each.
//!
//! - [`letter::LetterChannel`] lays letters out in a print-ready PDF,
//! - [`sms::SmsChannel`] sends through an SMS gateway (Aliyun SMS or a signed webhook),
//! - [`email::EmailChannel`] sends over SMTP,
//! - [`wechat::WechatChannel`] sends WeChat Official Account template messages,
//! - calls are not sent by anything: [`ChannelKind::Call`] routes a task to the
//!   agents' call queue.

pub mod email;
pub mod letter;
pub mod print;
pub mod sms;
pub mod template;
pub mod wechat;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

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
    /// A follower of the company's WeChat Official Account.
    Wechat {
        openid: String,
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
    /// The key of the template the text was rendered from (`maintenance_due`).
    /// Mainland SMS providers send only templates they approved beforehand,
    /// so the Aliyun gateway sends this template's code and [`Message::vars`]
    /// instead of the text.
    pub template: String,
    /// The values the template's variables were filled with.
    pub vars: BTreeMap<String, String>,
}

/// How a task reaches the customer; the engine routes each task on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Letter,
    Sms,
    Email,
    /// A WeChat Official Account template message.
    Wechat,
    /// An agent telephones the customer: the task goes to the call queue and
    /// no channel sends anything.
    Call,
}

impl ChannelKind {
    /// The stored and configured name (`letter`, `sms`, `email`, `wechat`, `call`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Letter => "letter",
            ChannelKind::Sms => "sms",
            ChannelKind::Email => "email",
            ChannelKind::Wechat => "wechat",
            ChannelKind::Call => "call",
        }
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub task_id: i64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The provider accepted the message; `reference` is its id there (the
    /// Aliyun BizId, the e-mail's Message-ID, the webhook reference), for
    /// matching delivery receipts and complaints later.
    Sent {
        reference: String,
    },
    /// The letter is page `page` (from 1) of the print file `file`.
    Printed {
        file: PathBuf,
        page: usize,
    },
    Failed(DeliveryError),
}

/// Why a message did not go out, and whether trying again later may help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{reason}")]
pub struct DeliveryError {
    pub reason: String,
    /// True for trouble that passes (the network, a provider that is down or
    /// throttling), false when this message will be refused again as it is
    /// (a malformed number, no address, a refused signature).
    pub retry: bool,
}

impl DeliveryError {
    pub fn permanent(reason: impl Into<String>) -> DeliveryError {
        DeliveryError { reason: reason.into(), retry: false }
    }

    pub fn transient(reason: impl Into<String>) -> DeliveryError {
        DeliveryError { reason: reason.into(), retry: true }
    }
}

impl Delivery {
    pub fn sent(task_id: i64, reference: impl Into<String>) -> Delivery {
        Delivery { task_id, outcome: Outcome::Sent { reference: reference.into() } }
    }

    pub fn failed(task_id: i64, error: DeliveryError) -> Delivery {
        Delivery { task_id, outcome: Outcome::Failed(error) }
    }
}

/// The future [`Channel::deliver`] returns. Boxed so that channels are
/// object-safe: which channels exist is decided by the settings at start-up,
/// and the engine holds them as `Box<dyn Channel>`.
pub type DeliverFuture<'a> = Pin<Box<dyn Future<Output = Vec<Delivery>> + Send + 'a>>;

/// A way of sending messages.
pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;

    /// Sends a batch and returns one [`Delivery`] per message, in the batch's
    /// order. A batch never fails as a whole: trouble that stops every message
    /// (an unreachable server, an unreadable font) fails each with the reason,
    /// so the engine records every task the same way.
    fn deliver<'a>(&'a self, batch: &'a [Message]) -> DeliverFuture<'a>;
}

/// A channel's settings that cannot work, found when the channel is built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read the letter font {path}: {source}; install Debian's fonts-noto-cjk \
         (apt-get install fonts-noto-cjk) or set the letter font_path to a CJK TrueType/OpenType font"
    )]
    FontUnreadable { path: PathBuf, source: std::io::Error },
    #[error("the letter font {path} has no usable font at index {index} (a collection's fonts are numbered from 0)")]
    FontIndex { path: PathBuf, index: u32 },
    #[error(
        "the letter font {path} (index {index}) has no Chinese characters; use a CJK font such as Noto Sans CJK SC"
    )]
    FontNotChinese { path: PathBuf, index: u32 },
    #[error("the letter folder {path} cannot be used: {source}")]
    LetterFolder { path: PathBuf, source: std::io::Error },
    #[error("{setting} is not a usable URL: {value:?}")]
    Url { setting: &'static str, value: String },
    #[error("{setting} must not be empty")]
    Missing { setting: &'static str },
    #[error("{setting}: {problem}")]
    Email { setting: &'static str, problem: String },
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(#[from] reqwest::Error),
}

/// The reason a message addressed for another channel is refused.
fn wrong_recipient(channel: ChannelKind, to: &Recipient) -> DeliveryError {
    let got = match to {
        Recipient::Postal { .. } => "a postal address",
        Recipient::Mobile(_) => "a mobile number",
        Recipient::Email { .. } => "an e-mail address",
        Recipient::Wechat { .. } => "a WeChat follower",
    };
    DeliveryError::permanent(format!("the {} channel cannot send to {got}", channel.as_str()))
}
