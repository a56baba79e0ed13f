//! The print font: read once from the system, measured with skrifa for line
//! breaking, and handed to krilla, which embeds the subset a document uses.

use std::path::Path;
use std::sync::Arc;

use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider, charmap::Charmap};

use crate::channels::ConfigError;

/// A font file (or one font of a TrueType collection) held in memory.
pub struct PrintFont {
    data: Arc<Vec<u8>>,
    index: u32,
}

impl PrintFont {
    /// Reads the font and checks it can set Chinese: a Latin-only font would
    /// print empty boxes, and nobody would notice until the letters came back.
    pub fn load(path: &Path, index: u32) -> Result<PrintFont, ConfigError> {
        let data =
            std::fs::read(path).map_err(|source| ConfigError::FontUnreadable { path: path.to_path_buf(), source })?;
        let font = PrintFont { data: Arc::new(data), index };
        if FontRef::from_index(&font.data, index).is_err() || font.pdf_font().is_none() {
            return Err(ConfigError::FontIndex { path: path.to_path_buf(), index });
        }
        if font.missing("尊敬的客户您好，保养到期。").is_some() {
            return Err(ConfigError::FontNotChinese { path: path.to_path_buf(), index });
        }
        Ok(font)
    }

    fn face(&self) -> FontRef<'_> {
        FontRef::from_index(&self.data, self.index).expect("the font was parsed when it was loaded")
    }

    /// The font for krilla, sharing the bytes.
    pub(super) fn pdf_font(&self) -> Option<krilla::text::Font> {
        krilla::text::Font::new(self.data.clone().into(), self.index)
    }

    /// The first character of `text` the font has no glyph for.
    pub fn missing(&self, text: &str) -> Option<char> {
        let charmap = self.face().charmap();
        text.chars().find(|c| !c.is_control() && charmap.map(*c).is_none())
    }

    /// Widths at a font size, in points.
    pub fn measure(&self, size: f32) -> Measure<'_> {
        let face = self.face();
        Measure { charmap: face.charmap(), metrics: face.glyph_metrics(Size::new(size), LocationRef::default()) }
    }
}

pub struct Measure<'a> {
    charmap: Charmap<'a>,
    metrics: GlyphMetrics<'a>,
}

impl Measure<'_> {
    /// The advance width of a run of text. Characters without a glyph count
    /// as nothing; pages are checked for them before they are laid out.
    pub fn width(&self, text: &str) -> f32 {
        text.chars().filter_map(|c| self.charmap.map(c)).filter_map(|g| self.metrics.advance_width(g)).sum()
    }
}
