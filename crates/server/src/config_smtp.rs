//! The SMTP settings of email notifications: `--smtp-*` flags, `SLUICE_SMTP_*` variables,
//! or `smtp_*` keys in the config file (same precedence as every setting). Email is
//! optional: with no host, email channels can be made but their deliveries fail with
//! "SMTP is not configured".

use crate::config::ConfigError;
use clap::Args;
use sluice_domain::SecretToken;
use sluice_notify::{SmtpSettings, SmtpTls};

/// `sluice server` flags of email notifications.
#[derive(Args, Debug, Clone, Default)]
pub struct SmtpArgs {
    /// SMTP server for email notifications [default: none, email is off]
    #[arg(long, env = "SLUICE_SMTP_HOST", value_name = "HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port [default: 587 with starttls, 465 with tls, 25 with none]
    #[arg(long, env = "SLUICE_SMTP_PORT", value_name = "PORT")]
    pub smtp_port: Option<u16>,

    /// SMTP user name
    #[arg(long, env = "SLUICE_SMTP_USERNAME", value_name = "USER")]
    pub smtp_username: Option<String>,

    /// SMTP password
    #[arg(long, env = "SLUICE_SMTP_PASSWORD", value_name = "PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// Sender of notification emails: an address or `Name <address>`
    #[arg(long, env = "SLUICE_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,

    /// How the SMTP connection is secured: none, starttls or tls [default: starttls]
    #[arg(long, env = "SLUICE_SMTP_TLS", value_name = "MODE")]
    pub smtp_tls: Option<String>,
}

/// The same settings as config-file keys.
#[derive(Debug, Default)]
pub struct SmtpFile {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: Option<String>,
    pub tls: Option<String>,
}

impl SmtpArgs {
    /// The SMTP settings, or `None` when no host is set.
    pub fn resolve(&self, file: SmtpFile) -> Result<Option<SmtpSettings>, ConfigError> {
        let Some(host) = self.smtp_host.clone().or(file.host).filter(|h| !h.trim().is_empty()) else {
            return Ok(None);
        };
        let from = self.smtp_from.clone().or(file.from).filter(|f| !f.trim().is_empty()).ok_or_else(|| {
            ConfigError::Invalid("SLUICE_SMTP_FROM: set the sender of notification emails with the SMTP host".into())
        })?;
        let tls = match self.smtp_tls.clone().or(file.tls) {
            Some(mode) => mode.parse::<SmtpTls>().map_err(ConfigError::Invalid)?,
            None => SmtpTls::StartTls,
        };
        let settings = SmtpSettings {
            host: host.trim().to_string(),
            port: self.smtp_port.or(file.port),
            username: self.smtp_username.clone().or(file.username).filter(|u| !u.is_empty()),
            password: self.smtp_password.clone().or(file.password).map(SecretToken::new),
            from: from.trim().to_string(),
            tls,
        };
        settings.check().map_err(ConfigError::Invalid)?;
        Ok(Some(settings))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_is_off_without_a_host_and_needs_a_sender_with_one() {
        assert!(SmtpArgs::default().resolve(SmtpFile::default()).expect("ok").is_none());
        let args = SmtpArgs { smtp_host: Some("mail.example.com".into()), ..Default::default() };
        assert!(args.resolve(SmtpFile::default()).expect_err("no from").to_string().contains("SLUICE_SMTP_FROM"));
        let file = SmtpFile {
            from: Some("Sluice <sluice@example.com>".into()),
            tls: Some("tls".into()),
            ..Default::default()
        };
        let s = args.resolve(file).expect("ok").expect("configured");
        assert_eq!((s.host.as_str(), s.tls), ("mail.example.com", SmtpTls::Tls));
        let bad = SmtpArgs { smtp_tls: Some("ssl".into()), smtp_from: Some("a@b.c".into()), ..args };
        assert!(bad.resolve(SmtpFile::default()).is_err());
    }
}
