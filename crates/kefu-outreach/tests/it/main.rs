//! The channels of kefu-outreach against real peers: one test binary.

mod email;
mod letters;
mod sms;
mod wechat;
