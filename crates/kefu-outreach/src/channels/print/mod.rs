//! Printed documents in Chinese: the font (Noto Sans CJK by default) read and
//! measured once, line breaking by the font's widths, and A4 sheets drawn
//! into one PDF with the font embedded as a subset. The letter channel
//! prints with it, and so do the packs' documents (repair orders,
//! estimates, settlements).

mod font;
mod wrap;

pub use font::{Measure, PrintFont};
pub use wrap::wrap;

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::TextDirection;

/// Points per millimetre.
pub const MM: f32 = 72.0 / 25.4;
pub const A4_WIDTH: f32 = 210.0 * MM;
pub const A4_HEIGHT: f32 = 297.0 * MM;

/// One page, ready to draw. Positions are in points from the top-left
/// corner; a run's `y` is its baseline.
#[derive(Debug, Default)]
pub struct Sheet {
    pub texts: Vec<Run>,
    /// Horizontal lines: x, y, length.
    pub rules: Vec<(f32, f32, f32)>,
}

#[derive(Debug)]
pub struct Run {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub text: String,
}

impl Sheet {
    pub fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.texts.push(Run { x, y, size, text: text.to_string() });
    }
}

/// Draws the sheets, one A4 page each, into a PDF titled `title`.
pub fn render<'a>(font: &PrintFont, sheets: impl Iterator<Item = &'a Sheet>, title: &str) -> Result<Vec<u8>, String> {
    let pdf_font = font.pdf_font().ok_or("the font cannot be embedded in a PDF")?;
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(title.to_string()).language("zh-CN".into()).creator("kefu".into()));
    for sheet in sheets {
        let size = PageSettings::from_wh(A4_WIDTH, A4_HEIGHT).expect("A4 is a valid page size");
        let mut page = document.start_page_with(size);
        let mut surface = page.surface();
        for run in &sheet.texts {
            let at = Point::from_xy(run.x, run.y);
            surface.draw_text(at, pdf_font.clone(), run.size, &run.text, false, TextDirection::Auto);
        }
        for &(x, y, length) in &sheet.rules {
            let mut path = PathBuilder::new();
            path.push_rect(Rect::from_xywh(x, y, length, 0.5).expect("a rule has a positive size"));
            if let Some(path) = path.finish() {
                surface.draw_path(&path);
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("the document could not be made into a PDF: {e:?}"))
}
