//! Text messages, sent through a gateway: Aliyun SMS, or a webhook for any
//! other provider (or an in-house SMS modem) that speaks a small signed JSON.

pub mod aliyun;
pub mod webhook;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use kefu_core::ident::mobile::Mobile;

use super::{Channel, ChannelKind, ConfigError, DeliverFuture, Delivery, DeliveryError, Message, Recipient};

pub use aliyun::{AliyunConfig, AliyunSms};
pub use webhook::{WebhookConfig, WebhookSms};

/// What a gateway answers for one message: the provider's reference for it.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<String, DeliveryError>> + Send + 'a>>;

/// An SMS provider.
pub trait SmsGateway: Send + Sync {
    /// Sends `message` to `mobile`, a number already checked.
    fn send<'a>(&'a self, mobile: &'a Mobile, message: &'a Message) -> SendFuture<'a>;
}

pub struct SmsChannel {
    gateway: Box<dyn SmsGateway>,
}

impl SmsChannel {
    pub fn new(gateway: impl SmsGateway + 'static) -> SmsChannel {
        SmsChannel { gateway: Box::new(gateway) }
    }
}

impl Channel for SmsChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Sms
    }

    fn deliver<'a>(&'a self, batch: &'a [Message]) -> DeliverFuture<'a> {
        Box::pin(async move {
            // One at a time: providers cap requests per second per account,
            // and a night's few hundred messages take only seconds this way.
            let mut deliveries = Vec::with_capacity(batch.len());
            for message in batch {
                let result = match mobile_of(message) {
                    Ok(mobile) => self.gateway.send(&mobile, message).await,
                    Err(e) => Err(e),
                };
                deliveries.push(match result {
                    Ok(reference) => Delivery::sent(message.task_id, reference),
                    Err(e) => Delivery::failed(message.task_id, e),
                });
            }
            deliveries
        })
    }
}

fn mobile_of(message: &Message) -> Result<Mobile, DeliveryError> {
    let Recipient::Mobile(number) = &message.to else {
        return Err(super::wrong_recipient(ChannelKind::Sms, &message.to));
    };
    Mobile::parse("mobile", number)
        .map_err(|e| DeliveryError::permanent(format!("{number:?} is not a mainland mobile number: {}", e.rule.en)))
}

/// Our reference for a message, sent along so the provider's receipts and
/// the receiver's logs lead back to the task. The same task sent again
/// carries the same reference, so a receiver can drop a repeat.
fn reference(message: &Message) -> String {
    format!("task-{}", message.task_id)
}

pub(in crate::channels) fn http_client() -> Result<reqwest::Client, ConfigError> {
    // A provider that does not answer in time is treated as down; the
    // message fails as worth retrying rather than holding up the night's run.
    Ok(reqwest::Client::builder().connect_timeout(Duration::from_secs(5)).timeout(Duration::from_secs(15)).build()?)
}

pub(in crate::channels) fn parse_url(setting: &'static str, value: &str) -> Result<reqwest::Url, ConfigError> {
    reqwest::Url::parse(value)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| ConfigError::Url { setting, value: value.to_string() })
}

/// The start of a provider's answer, for an error message.
pub(in crate::channels) fn snippet(body: &str) -> String {
    let body = body.trim();
    match body.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &body[..at]),
        None => body.to_string(),
    }
}
