//! The e-mail channel against a real SMTP server: aiosmtpd, started by the
//! test as a subprocess (tests/support/smtp_sink.py), which reports each
//! message it receives decoded by Python's own e-mail parser.

#[path = "../support/smtp.rs"]
mod smtp;

use smtp::SmtpSink;
use std::collections::BTreeMap;

use kefu_outreach::channels::email::{EmailChannel, EmailConfig, SmtpSecurity};
use kefu_outreach::channels::{Channel, ChannelKind, Letterhead, Message, Outcome, Recipient};

const SUBJECT: &str = "【保养提醒】您的爱车粤A·D12345即将到期保养";
const BODY: &str = "尊敬的张伟先生：\n\n您的爱车粤A·D12345将于2026年12月8日到期保养，请提前预约。\n\n祝您用车愉快！";

fn email(task_id: i64, name: &str, address: &str) -> Message {
    Message {
        task_id,
        from: Letterhead {
            name: "广州宝骏汽车4S店".into(),
            address: "广州市天河区黄埔大道西188号".into(),
            phone: "020-8888 6666".into(),
        },
        to: Recipient::Email { name: name.into(), address: address.into() },
        subject: SUBJECT.into(),
        body: BODY.into(),
        template: "maintenance_due".into(),
        vars: BTreeMap::new(),
    }
}

fn channel_to(sink: &SmtpSink) -> EmailChannel {
    channel_with(sink, SmtpSecurity::Plain)
}

fn channel_with(sink: &SmtpSink, security: SmtpSecurity) -> EmailChannel {
    EmailChannel::new(&EmailConfig {
        host: "127.0.0.1".into(),
        port: sink.port,
        security,
        username: None,
        password: None,
        from_address: "service@baojun-4s.example".into(),
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_chinese_email_arrives_from_the_store() {
    let sink = SmtpSink::start();
    let channel = channel_to(&sink);
    assert_eq!(channel.kind(), ChannelKind::Email);

    let deliveries = channel.deliver(&[email(1, "张伟", "zhangwei@customer.example")]).await;

    let Outcome::Sent { reference } = &deliveries[0].outcome else { panic!("{deliveries:?}") };
    assert!(reference.starts_with("<kefu.task-1.") && reference.ends_with("@baojun-4s.example>"), "{reference}");
    let got = sink.next_message();
    assert_eq!(got["mail_from"], "service@baojun-4s.example");
    assert_eq!(got["rcpt_tos"], serde_json::json!(["zhangwei@customer.example"]));
    assert_eq!(got["from_name"], "广州宝骏汽车4S店");
    assert_eq!(got["from_address"], "service@baojun-4s.example");
    assert_eq!(got["to_name"], "张伟");
    assert_eq!(got["to_address"], "zhangwei@customer.example");
    assert_eq!(got["subject"], SUBJECT);
    assert_eq!(got["message_id"], reference.as_str());
    assert_eq!(got["content_type"], "text/plain");
    assert_eq!(got["charset"], "utf-8");
    let text = got["text"].as_str().unwrap().replace("\r\n", "\n");
    assert!(text.starts_with(BODY), "{text}");
    assert!(
        text.contains("广州市天河区黄埔大道西188号\n电话：020-8888 6666"),
        "the store's details close the text: {text}"
    );
}

#[tokio::test]
async fn a_refused_recipient_fails_alone() {
    let sink = SmtpSink::start();
    let batch = [
        email(2, "无此人", "nobody@refused.example"),
        email(3, "李明", "liming@customer.example"),
        Message { to: Recipient::Mobile("13800138000".into()), ..email(4, "", "") },
        email(5, "王芳", "不是邮箱"),
    ];

    let deliveries = channel_to(&sink).deliver(&batch).await;

    let failure = |n: usize| match &deliveries[n].outcome {
        Outcome::Failed(e) => (e.reason.clone(), e.retry),
        other => panic!("not failed: {other:?}"),
    };
    let (reason, retry) = failure(0);
    assert!(reason.contains("550") && reason.contains("mailbox unavailable"), "{reason}");
    assert!(!retry, "a 550 is final");
    assert!(matches!(deliveries[1].outcome, Outcome::Sent { .. }), "{deliveries:?}");
    assert!(failure(2).0.contains("cannot send to a mobile number"), "{:?}", failure(2));
    assert!(failure(3).0.contains("\"不是邮箱\" is not an e-mail address"), "{:?}", failure(3));
    assert_eq!(sink.next_message()["to_address"], "liming@customer.example");
    sink.assert_nothing_more();
}

/// STARTTLS verifies the server's certificate: one that does not verify
/// stops the message before anything is sent.
#[tokio::test]
async fn starttls_refuses_a_certificate_it_cannot_verify() {
    let dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start_tls(dir.path());

    let deliveries =
        channel_with(&sink, SmtpSecurity::StartTls).deliver(&[email(6, "张伟", "zhangwei@customer.example")]).await;

    let Outcome::Failed(e) = &deliveries[0].outcome else { panic!("{deliveries:?}") };
    assert!(e.reason.to_lowercase().contains("certificate"), "{e:?}");
    assert!(!e.retry, "a certificate that does not verify will not verify tomorrow: {e:?}");
    sink.assert_nothing_more();
}

/// A server that does not offer STARTTLS gets nothing: no fall-back to
/// plain text on the way.
#[tokio::test]
async fn starttls_never_falls_back_to_plain_text() {
    let sink = SmtpSink::start();

    let deliveries =
        channel_with(&sink, SmtpSecurity::StartTls).deliver(&[email(7, "张伟", "zhangwei@customer.example")]).await;

    let Outcome::Failed(e) = &deliveries[0].outcome else { panic!("{deliveries:?}") };
    assert!(e.reason.contains("STARTTLS"), "{e:?}");
    sink.assert_nothing_more();
}
