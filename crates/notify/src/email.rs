//! Email over SMTP (`lettre`, on tokio with rustls), configured by the server's
//! `SLUICE_SMTP_*` settings. Email is optional: without SMTP settings, email channels can
//! still be made (so they are ready when SMTP is), and each delivery to one fails at once,
//! not retried, with "SMTP is not configured" in its log.

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sluice_domain::SecretToken;
use std::str::FromStr;
use std::time::Duration;

/// Most recipients of one email channel.
pub const RECIPIENTS_MAX: usize = 20;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain text (a local relay only).
    None,
    /// Plain text upgraded with `STARTTLS`, which the server must offer (usually port 587).
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

impl FromStr for SmtpTls {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "none" => Ok(Self::None),
            "starttls" => Ok(Self::StartTls),
            "tls" => Ok(Self::Tls),
            other => Err(format!("SLUICE_SMTP_TLS: \"{other}\" is not none, starttls or tls")),
        }
    }
}

/// The server's SMTP settings. `Debug` never shows the password.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    /// Default: 587 with `starttls`, 465 with `tls`, 25 with `none`.
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<SecretToken>,
    /// The sender, `Sluice <sluice@example.com>` or an address.
    pub from: String,
    pub tls: SmtpTls,
}

impl SmtpSettings {
    /// Checks what can be checked before any email is sent (the sender's address).
    pub fn check(&self) -> Result<(), String> {
        self.from.parse::<Mailbox>().map(|_| ()).map_err(|_| {
            format!(
                "SLUICE_SMTP_FROM: \"{}\" is not an email address (`Sluice <sluice@example.com>` or an address)",
                self.from
            )
        })
    }

    fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        })
    }
}

/// Checks one recipient address.
pub fn parse_address(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    lettre::Address::from_str(raw).map(|a| a.to_string()).map_err(|_| format!("\"{raw}\" is not an email address"))
}

/// How one email went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mailed {
    Delivered,
    Failed { error: String, retry: bool },
}

/// Sends email through the configured SMTP server, or explains why it cannot.
#[derive(Clone)]
pub struct EmailSender {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl std::fmt::Debug for EmailSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender").field("configured", &self.smtp.is_some()).finish()
    }
}

impl EmailSender {
    /// A sender over `settings`; `None` sends nothing and says SMTP is not configured.
    pub fn new(settings: Option<&SmtpSettings>, timeout: Duration) -> Result<Self, String> {
        let Some(s) = settings else { return Ok(Self { smtp: None }) };
        let from: Mailbox =
            s.from.parse().map_err(|_| format!("SLUICE_SMTP_FROM: \"{}\" is not an email address", s.from))?;
        let builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| format!("SLUICE_SMTP_HOST: {e}"))?,
            SmtpTls::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| format!("SLUICE_SMTP_HOST: {e}"))?
            }
        };
        let mut builder = builder.port(s.port()).timeout(Some(timeout));
        if let Some(user) = &s.username {
            let password = s.password.as_ref().map(|p| p.expose().to_string()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        Ok(Self { smtp: Some((builder.build(), from)) })
    }

    /// A sender with no SMTP server: every email fails saying so.
    pub fn unconfigured() -> Self {
        Self { smtp: None }
    }

    pub fn is_configured(&self) -> bool {
        self.smtp.is_some()
    }

    /// Sends one plain-text email to every recipient.
    pub async fn send(&self, recipients: &[String], subject: &str, text: String) -> Mailed {
        let Some((transport, from)) = &self.smtp else {
            return Mailed::Failed {
                error:
                    "SMTP is not configured: set SLUICE_SMTP_HOST and SLUICE_SMTP_FROM (see the README) to send email"
                        .into(),
                retry: false,
            };
        };
        let mut message = Message::builder().from(from.clone()).subject(subject).header(ContentType::TEXT_PLAIN);
        for r in recipients {
            match r.parse::<Mailbox>() {
                Ok(to) => message = message.to(to),
                Err(_) => return Mailed::Failed { error: format!("\"{r}\" is not an email address"), retry: false },
            }
        }
        let message = match message.body(text) {
            Ok(m) => m,
            Err(e) => return Mailed::Failed { error: format!("the email could not be built: {e}"), retry: false },
        };
        match transport.send(message).await {
            Ok(_) => Mailed::Delivered,
            Err(e) => {
                Mailed::Failed { error: format!("the SMTP server refused the email: {e}"), retry: !e.is_permanent() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_modes_and_ports() {
        assert_eq!("starttls".parse::<SmtpTls>(), Ok(SmtpTls::StartTls));
        assert!("ssl".parse::<SmtpTls>().is_err());
        let s = SmtpSettings {
            host: "mail".into(),
            port: None,
            username: None,
            password: Some(SecretToken::new("hunter2")),
            from: "sluice@example.com".into(),
            tls: SmtpTls::Tls,
        };
        assert_eq!(s.port(), 465);
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn addresses_are_checked() {
        assert_eq!(parse_address(" ops@example.com ").as_deref(), Ok("ops@example.com"));
        assert!(parse_address("not an address").is_err());
    }

    #[tokio::test]
    async fn without_smtp_a_send_fails_saying_so_and_is_not_retried() {
        let sender = EmailSender::new(None, Duration::from_secs(1)).expect("sender");
        match sender.send(&["ops@example.com".into()], "s", "t".into()).await {
            Mailed::Failed { error, retry } => assert!(error.contains("SMTP is not configured") && !retry),
            other => panic!("{other:?}"),
        }
    }
}
