//! E-mail over SMTP. Real servers are spoken to only with STARTTLS; plain
//! SMTP is allowed to a server on this machine alone (a local relay, the
//! tests), so a password never crosses a network in the clear.
//!
//! The From line carries the store's name over the configured mailbox; the
//! subject and text go out as UTF-8, encoded for transport by lettre.

use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message as Email};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Deserialize;

use super::{Channel, ChannelKind, ConfigError, DeliverFuture, Delivery, DeliveryError, Message, Recipient};

#[derive(Clone, Deserialize)]
pub struct EmailConfig {
    pub host: String,
    /// 587, the submission port, unless set.
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The mailbox messages come from (`service@dealer.example`); the name
    /// shown beside it is the sending store's.
    pub from_address: String,
}

fn default_port() -> u16 {
    587
}

impl std::fmt::Debug for EmailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("from_address", &self.from_address)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Upgrade the connection with STARTTLS, verifying the server's
    /// certificate, or refuse to send.
    #[default]
    StartTls,
    /// No encryption: only to 127.0.0.1, ::1 or localhost.
    Plain,
}

pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Address,
}

impl EmailChannel {
    /// Checks the settings and prepares the connection pool. Call it inside
    /// the Tokio runtime: the pool keeps its connections on it, across the
    /// messages of a batch and between batches.
    pub fn new(config: &EmailConfig) -> Result<EmailChannel, ConfigError> {
        let from: Address = config.from_address.parse().map_err(|e| ConfigError::Email {
            setting: "email.from_address",
            problem: format!("{:?} is not an e-mail address: {e}", config.from_address),
        })?;
        let builder = match config.security {
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                .map_err(|e| ConfigError::Email { setting: "email.host", problem: format!("{}: {e}", config.host) })?,
            SmtpSecurity::Plain if is_loopback(&config.host) => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
            SmtpSecurity::Plain => {
                return Err(ConfigError::Email {
                    setting: "email.security",
                    problem: format!(
                        "plain SMTP is allowed only to this machine (127.0.0.1, ::1, localhost); \
                         use starttls for {}",
                        config.host
                    ),
                });
            }
        };
        let builder = match (&config.username, &config.password) {
            (Some(user), Some(password)) => builder.credentials(Credentials::new(user.clone(), password.clone())),
            (None, None) => builder,
            _ => {
                return Err(ConfigError::Email {
                    setting: "email.username",
                    problem: "a username needs a password, and a password a username".into(),
                });
            }
        };
        let transport = builder.port(config.port).timeout(Some(Duration::from_secs(30))).build();
        Ok(EmailChannel { transport, from })
    }

    async fn send(&self, message: &Message) -> Result<String, DeliveryError> {
        let Recipient::Email { name, address } = &message.to else {
            return Err(super::wrong_recipient(ChannelKind::Email, &message.to));
        };
        let to: Address = address
            .trim()
            .parse()
            .map_err(|e| DeliveryError::permanent(format!("{address:?} is not an e-mail address: {e}")))?;
        // Our own Message-ID is the reference: bounces and replies quote it.
        let message_id = format!(
            "<kefu.task-{}.{}@{}>",
            message.task_id,
            hex::encode(rand::random::<[u8; 6]>()),
            self.from.domain()
        );
        let head = &message.from;
        let text =
            format!("{}\n\n--\n{}\n{}\n电话：{}\n", message.body.trim_end(), head.name, head.address, head.phone);
        let email = Email::builder()
            .from(Mailbox::new(Some(head.name.clone()), self.from.clone()))
            .to(Mailbox::new(Some(name.clone()), to))
            .subject(&message.subject)
            .message_id(Some(message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| DeliveryError::permanent(format!("the e-mail cannot be built: {e}")))?;
        match self.transport.send(email).await {
            Ok(_) => Ok(message_id),
            Err(e) => Err(DeliveryError {
                reason: format!("SMTP: {e}"),
                // A 4xx answer, a dropped connection or a timeout pass; a 5xx
                // refusal or a certificate that does not verify will not.
                retry: !(e.is_permanent() || e.is_tls() || e.is_client() || e.is_response() || tls_refused(&e)),
            }),
        }
    }
}

impl Channel for EmailChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Email
    }

    fn deliver<'a>(&'a self, batch: &'a [Message]) -> DeliverFuture<'a> {
        Box::pin(async move {
            let mut deliveries = Vec::with_capacity(batch.len());
            for message in batch {
                deliveries.push(match self.send(message).await {
                    Ok(reference) => Delivery::sent(message.task_id, reference),
                    Err(e) => Delivery::failed(message.task_id, e),
                });
            }
            deliveries
        })
    }
}

/// Whether the TLS handshake failed (a certificate that does not verify):
/// lettre reports it as a connection error, with the handshake's error —
/// an I/O error of kind `InvalidData` from tokio-rustls — as its source.
fn tls_refused(error: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::InvalidData) {
            return true;
        }
        source = e.source();
    }
    false
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(host: &str, security: SmtpSecurity) -> EmailConfig {
        EmailConfig {
            host: host.into(),
            port: 2525,
            security,
            username: None,
            password: None,
            from_address: "service@dealer.example".into(),
        }
    }

    #[tokio::test]
    async fn plain_smtp_only_to_this_machine() {
        for host in ["127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.53"] {
            assert!(EmailChannel::new(&config(host, SmtpSecurity::Plain)).is_ok(), "{host}");
        }
        let Err(e) = EmailChannel::new(&config("smtp.dealer.example", SmtpSecurity::Plain)) else {
            panic!("plain SMTP to another machine was accepted");
        };
        assert!(e.to_string().contains("starttls for smtp.dealer.example"), "{e}");
        assert!(EmailChannel::new(&config("smtp.dealer.example", SmtpSecurity::StartTls)).is_ok());
    }

    #[tokio::test]
    async fn a_bad_sender_or_half_a_login_is_refused() {
        let mut bad = config("127.0.0.1", SmtpSecurity::Plain);
        bad.from_address = "客服部".into();
        assert!(matches!(EmailChannel::new(&bad), Err(ConfigError::Email { setting: "email.from_address", .. })));
        let mut half = config("127.0.0.1", SmtpSecurity::Plain);
        half.username = Some("service".into());
        assert!(matches!(EmailChannel::new(&half), Err(ConfigError::Email { setting: "email.username", .. })));
    }

    #[test]
    fn the_password_stays_out_of_debug_output() {
        let mut c = config("127.0.0.1", SmtpSecurity::Plain);
        c.password = Some("very-secret".into());
        assert!(!format!("{c:?}").contains("very-secret"));
    }
}
