//! Printed letters: each batch becomes one PDF in the letter folder, one
//! letter per A4 page, ready for the print room (or a printer's hot folder).
//!
//! The Chinese font is embedded as a subset, so the file prints the same
//! anywhere and its text stays searchable and extractable.

mod layout;

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use kefu_core::time::{BusinessZone, Clock};
use serde::Deserialize;

use self::layout::lay_out;
use super::print::{PrintFont, Sheet, render};
use super::{Channel, ChannelKind, ConfigError, DeliverFuture, Delivery, DeliveryError, Message, Outcome};

/// Where the letter channel finds its font and puts its files.
#[derive(Debug, Clone, Deserialize)]
pub struct LetterConfig {
    /// A TrueType/OpenType font or collection with Chinese glyphs.
    #[serde(default = "default_font_path")]
    pub font_path: PathBuf,
    /// Which font of a collection (`.ttc`); 0 for a single font.
    #[serde(default = "default_font_index")]
    pub font_index: u32,
    /// The folder the print files are written to; created when missing.
    pub out_dir: PathBuf,
}

/// Debian's fonts-noto-cjk.
pub const DEFAULT_FONT_PATH: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Noto Sans CJK SC in that collection (JP, KR, SC, TC, HK, then the Mono
/// faces): the simplified-Chinese glyph forms.
pub const DEFAULT_FONT_INDEX: u32 = 2;

fn default_font_path() -> PathBuf {
    PathBuf::from(DEFAULT_FONT_PATH)
}

fn default_font_index() -> u32 {
    DEFAULT_FONT_INDEX
}

impl LetterConfig {
    /// Debian's Noto Sans CJK SC, writing to `out_dir`.
    pub fn new(out_dir: impl Into<PathBuf>) -> LetterConfig {
        LetterConfig { font_path: default_font_path(), font_index: DEFAULT_FONT_INDEX, out_dir: out_dir.into() }
    }
}

pub struct LetterChannel {
    font: Arc<PrintFont>,
    out_dir: PathBuf,
    clock: Arc<dyn Clock>,
    zone: BusinessZone,
}

impl LetterChannel {
    /// Loads the font and prepares the folder, so a broken setting is found
    /// at start-up rather than at the night's run. Letters are dated with the
    /// business date of `clock` in `zone`.
    pub fn new(config: &LetterConfig, clock: Arc<dyn Clock>, zone: BusinessZone) -> Result<LetterChannel, ConfigError> {
        let font = PrintFont::load(&config.font_path, config.font_index)?;
        std::fs::create_dir_all(&config.out_dir)
            .map_err(|source| ConfigError::LetterFolder { path: config.out_dir.clone(), source })?;
        Ok(LetterChannel { font: Arc::new(font), out_dir: config.out_dir.clone(), clock, zone })
    }

    /// The font letters are set in, for the other documents kefu prints.
    pub fn font(&self) -> Arc<PrintFont> {
        self.font.clone()
    }

    /// The letters of `batch` as one PDF, one a page, made in memory: no
    /// file is written and nothing counts as printed. None when no letter
    /// could be laid out.
    pub async fn preview(&self, batch: &[Message]) -> Result<Option<Vec<u8>>, DeliveryError> {
        let font = self.font.clone();
        let messages = batch.to_vec();
        let (now, zone) = (self.clock.now(), self.zone.clone());
        let rendering = tokio::task::spawn_blocking(move || compose(&font, &messages, now, &zone).1.transpose());
        rendering.await.map_err(|crash| DeliveryError::transient(format!("printing the letters failed: {crash}")))?
    }
}

impl Channel for LetterChannel {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Letter
    }

    fn deliver<'a>(&'a self, batch: &'a [Message]) -> DeliverFuture<'a> {
        let font = self.font.clone();
        let messages = batch.to_vec();
        let out_dir = self.out_dir.clone();
        let now = self.clock.now();
        let zone = self.zone.clone();
        Box::pin(async move {
            // Subsetting a CJK font and compressing the pages is seconds of
            // CPU for a big batch: keep it off the async workers.
            let printing = tokio::task::spawn_blocking(move || print(&font, &messages, now, &zone, &out_dir));
            match printing.await {
                Ok(deliveries) => deliveries,
                Err(crash) => {
                    fail_all(batch, DeliveryError::transient(format!("printing the letters failed: {crash}")))
                }
            }
        })
    }
}

/// Lays out every letter, writes the ones that could be laid out into one
/// PDF, and reports each message's page or why it was left out.
fn print(font: &PrintFont, batch: &[Message], now: Timestamp, zone: &BusinessZone, out_dir: &Path) -> Vec<Delivery> {
    let (sheets, pdf) = compose(font, batch, now, zone);
    let Some(pdf) = pdf else {
        return batch.iter().zip(sheets).map(|(m, s)| Delivery::failed(m.task_id, s.unwrap_err())).collect();
    };
    let written = pdf.and_then(|pdf| write_new(out_dir, &file_stem(zone, now), &pdf));
    let mut page = 0;
    batch
        .iter()
        .zip(sheets)
        .map(|(message, sheet)| {
            let outcome = match (sheet, &written) {
                (Err(e), _) => Outcome::Failed(e),
                (Ok(_), Ok(file)) => {
                    page += 1;
                    Outcome::Printed { file: file.clone(), page }
                }
                (Ok(_), Err(e)) => Outcome::Failed(e.clone()),
            };
            Delivery { task_id: message.task_id, outcome }
        })
        .collect()
}

/// Lays out every letter of `batch`, and renders those that could be laid
/// out into one PDF (None when none could).
type Composed = (Vec<Result<Sheet, DeliveryError>>, Option<Result<Vec<u8>, DeliveryError>>);

fn compose(font: &PrintFont, batch: &[Message], now: Timestamp, zone: &BusinessZone) -> Composed {
    let date = zone.date_of(now);
    let sheets: Vec<Result<Sheet, DeliveryError>> = batch.iter().map(|m| lay_out(font, m, date)).collect();
    if sheets.iter().all(Result::is_err) {
        return (sheets, None);
    }
    let pdf = render(font, sheets.iter().filter_map(|s| s.as_ref().ok()), &format!("客户信函 {date}"))
        .map_err(DeliveryError::permanent);
    (sheets, Some(pdf))
}

/// `letters-20261129-0300`: the local date and time of the run.
fn file_stem(zone: &BusinessZone, now: Timestamp) -> String {
    format!("letters-{}", zone.display(now).replace(['-', ':'], "").replace(' ', "-"))
}

/// Writes the file under a name no other file has, and all at once: it is
/// written aside and renamed, so a print spooler watching the folder never
/// picks up half a file, and a second batch in the same minute never
/// overwrites the first.
fn write_new(dir: &Path, stem: &str, pdf: &[u8]) -> Result<PathBuf, DeliveryError> {
    let trouble =
        |e: std::io::Error| DeliveryError::transient(format!("cannot write the letters to {}: {e}", dir.display()));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(trouble)?;
    file.write_all(pdf).and_then(|_| file.as_file().sync_all()).map_err(trouble)?;
    let mut n = 1;
    loop {
        let name = if n == 1 { format!("{stem}.pdf") } else { format!("{stem}-{n}.pdf") };
        let path = dir.join(name);
        match file.persist_noclobber(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.error.kind() == ErrorKind::AlreadyExists => {
                file = e.file;
                n += 1;
            }
            Err(e) => return Err(trouble(e.error)),
        }
    }
}

fn fail_all(batch: &[Message], error: DeliveryError) -> Vec<Delivery> {
    batch.iter().map(|m| Delivery::failed(m.task_id, error.clone())).collect()
}
