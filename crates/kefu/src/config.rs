//! Settings: command-line flags and KEFU_* environment variables win over
//! kefu.toml, which wins over the defaults; every setting has a working
//! default.

use anyhow::Context;
use kefu_care::complaints::Deadlines;
use kefu_care::surveys::LinkSettings;
use kefu_core::time::{BusinessZone, DEFAULT_ZONE, SystemClock};
use kefu_outreach::channels::email::{EmailChannel, EmailConfig};
use kefu_outreach::channels::letter::{LetterChannel, LetterConfig};
use kefu_outreach::channels::sms::SmsChannel;
use kefu_outreach::channels::sms::aliyun::{AliyunConfig, AliyunSms};
use kefu_outreach::channels::sms::webhook::{WebhookConfig, WebhookSms};
use kefu_outreach::channels::wechat::{WechatChannel, WechatConfig};
use kefu_outreach::dispatch::Channels;
use kefu_web::CookieSecurity;
use kefu_web::packs::Enabled;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;

pub const DEFAULT_DATABASE: &str = "sqlite://kefu.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    database: Option<String>,
    bind: Option<String>,
    zone: Option<String>,
    /// auto, always or never
    cookie_secure: Option<String>,
    /// The token /metrics asks for; open without one.
    metrics_token: Option<String>,
    /// Printed letters: the font with Chinese glyphs and the folder for PDFs.
    letters: Option<LetterConfig>,
    /// The SMS gateway: `provider = "aliyun"` or `"webhook"` and its settings.
    sms: Option<SmsSettings>,
    /// The SMTP server e-mails go out through.
    email: Option<EmailConfig>,
    /// The WeChat Official Account template messages go out through.
    wechat: Option<WechatConfig>,
    /// The hours a complaint's first contact and resolution may take.
    complaints: Option<Deadlines>,
    /// The industry packs that run (`["auto"]`, the default).
    packs: Option<Vec<String>>,
    /// How long survey links stay open.
    surveys: Option<LinkSettings>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum SmsSettings {
    Aliyun(AliyunConfig),
    Webhook(WebhookConfig),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database: String,
    pub bind: String,
    pub zone: String,
    pub cookie_security: CookieSecurity,
    pub metrics_token: Option<String>,
    pub letters: LetterConfig,
    pub sms: Option<SmsSettings>,
    pub email: Option<EmailConfig>,
    pub wechat: Option<WechatConfig>,
    pub complaints: Deadlines,
    /// The codes of the packs that run.
    pub packs: Vec<String>,
    pub surveys: LinkSettings,
}

/// The packs that run when nothing says otherwise: the 4S dealership's.
pub const DEFAULT_PACKS: &[&str] = &["auto"];

impl Settings {
    /// `packs` is the `--packs` flag (or `KEFU_PACKS`), comma-separated;
    /// an empty value runs no pack.
    pub fn load(path: Option<&Path>, database: Option<String>, packs: Option<String>) -> anyhow::Result<Settings> {
        let file = match path {
            Some(p) => read(p)?,
            None if Path::new("kefu.toml").exists() => read(Path::new("kefu.toml"))?,
            None => File::default(),
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let cookie = env("KEFU_COOKIE_SECURE").or(file.cookie_secure).unwrap_or_else(|| "auto".into());
        let cookie_security = match cookie.as_str() {
            "auto" => CookieSecurity::Auto,
            "always" => CookieSecurity::Always,
            "never" => CookieSecurity::Never,
            other => anyhow::bail!("cookie_secure: {other:?} is not one of auto, always, never"),
        };
        let settings = Settings {
            database: database.or(file.database).unwrap_or_else(|| DEFAULT_DATABASE.into()),
            bind: file.bind.unwrap_or_else(|| DEFAULT_BIND.into()),
            zone: env("KEFU_ZONE").or(file.zone).unwrap_or_else(|| DEFAULT_ZONE.into()),
            cookie_security,
            metrics_token: env("KEFU_METRICS_TOKEN").or(file.metrics_token),
            letters: file.letters.unwrap_or_else(|| LetterConfig::new("letters")),
            sms: file.sms,
            email: file.email,
            wechat: file.wechat,
            complaints: file.complaints.unwrap_or_default(),
            packs: match packs {
                Some(list) => list.split(',').map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect(),
                None => file.packs.unwrap_or_else(|| DEFAULT_PACKS.iter().map(|c| c.to_string()).collect()),
            },
            surveys: file.surveys.unwrap_or_default(),
        };
        settings.zone()?;
        settings.packs()?;
        settings.complaints.validate().map_err(|e| anyhow::anyhow!("[complaints] {}: {}", e.field, e.rule.en))?;
        settings.surveys.validate().map_err(|e| anyhow::anyhow!("[surveys] {}: {}", e.field, e.rule.en))?;
        Ok(settings)
    }

    /// The outreach channels these settings describe. Letters need only a
    /// font, so they work out of the box where Debian's fonts-noto-cjk is
    /// installed; without one the other channels still work and the reason
    /// is logged. SMS, e-mail and WeChat work once configured.
    pub fn channels(&self) -> anyhow::Result<Channels> {
        let letters = match LetterChannel::new(&self.letters, Arc::new(SystemClock), self.zone()?) {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!(error = %e, "printed letters are unavailable");
                None
            }
        };
        let sms = match &self.sms {
            Some(SmsSettings::Aliyun(c)) => Some(SmsChannel::new(AliyunSms::new(c.clone()).context("sms")?)),
            Some(SmsSettings::Webhook(c)) => Some(SmsChannel::new(WebhookSms::new(c.clone()).context("sms")?)),
            None => None,
        };
        let email = match &self.email {
            Some(c) => Some(EmailChannel::new(c).context("email")?),
            None => None,
        };
        let wechat = match &self.wechat {
            Some(c) => Some(WechatChannel::new(c.clone()).context("wechat")?),
            None => None,
        };
        Ok(Channels { letters, sms, email, wechat })
    }

    /// The packs the settings name.
    pub fn packs(&self) -> anyhow::Result<Enabled> {
        Enabled::select(&self.packs).map_err(anyhow::Error::msg)
    }

    pub fn zone(&self) -> anyhow::Result<BusinessZone> {
        BusinessZone::named(&self.zone).with_context(|| format!("zone: {:?} is not a known time zone", self.zone))
    }
}

fn read(path: &Path) -> anyhow::Result<File> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not a valid kefu settings file", path.display()))
}
