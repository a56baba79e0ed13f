//! Where everything sits on an A4 letter. Positions are in points from the
//! top-left corner; `y` is a text baseline.
//!
//! The address block sits where the window of a DL (110 × 220 mm) window
//! envelope falls when the sheet is folded in three — the DIN 5008 "form B"
//! field: 20 mm from the left edge and 45 mm from the top, 85 × 45 mm, its
//! first 5 mm for the sender's return line in small type.

use jiff::civil::Date;

use crate::channels::print::{A4_HEIGHT, A4_WIDTH, MM, PrintFont, Sheet, wrap};
use crate::channels::{ChannelKind, DeliveryError, Message, Recipient, wrong_recipient};

const LEFT: f32 = 25.0 * MM;
const RIGHT: f32 = A4_WIDTH - 20.0 * MM;
const BOTTOM: f32 = A4_HEIGHT - 20.0 * MM;

const WINDOW_LEFT: f32 = LEFT;
const WINDOW_WIDTH: f32 = (20.0 + 85.0 - 25.0 - 5.0) * MM;
const WINDOW_BOTTOM: f32 = (45.0 + 45.0) * MM;

const HEAD_NAME: f32 = 16.0;
const HEAD_DETAIL: f32 = 9.0;
const RETURN_LINE: f32 = 7.0;
const ADDRESS: f32 = 11.0;
const DATE: f32 = 10.5;
const SUBJECT: f32 = 14.0;
const BODY: f32 = 11.0;
/// Line spacing as a multiple of the font size: CJK text set solid looks
/// cramped, and readers of service letters are often older.
const LEADING: f32 = 1.7;

/// Lays out one letter, or says why it cannot be printed.
pub(super) fn lay_out(font: &PrintFont, message: &Message, date: Date) -> Result<Sheet, DeliveryError> {
    let Recipient::Postal { name, address } = &message.to else {
        return Err(wrong_recipient(ChannelKind::Letter, &message.to));
    };
    if name.trim().is_empty() || address.trim().is_empty() {
        return Err(DeliveryError::permanent("the postal recipient has no name or no address"));
    }
    let head = &message.from;
    let texts = [name, address, &head.name, &head.address, &head.phone, &message.subject, &message.body];
    if let Some(c) = texts.iter().find_map(|t| font.missing(t)) {
        return Err(DeliveryError::permanent(format!(
            "the letter font has no glyph for {c:?} (U+{:04X}); use a font that covers it",
            c as u32
        )));
    }

    let mut page = Page { font, sheet: Sheet::default() };

    // The letterhead.
    page.text(LEFT, 22.0 * MM, HEAD_NAME, &head.name);
    page.text(LEFT, 28.0 * MM, HEAD_DETAIL, &format!("{}　电话：{}", head.address, head.phone));
    page.sheet.rules.push((LEFT, 31.0 * MM, RIGHT - LEFT));

    // The window: the return line, then the address and the name, as a
    // Chinese envelope is addressed.
    let return_line = format!("{}　{}", head.name, head.address);
    let return_line = if page.width(RETURN_LINE, &return_line) <= WINDOW_WIDTH { &return_line } else { &head.name };
    page.text(WINDOW_LEFT, 49.0 * MM, RETURN_LINE, return_line);
    let mut lines = page.wrap(ADDRESS, address, WINDOW_WIDTH);
    lines.extend(page.wrap(ADDRESS, &format!("{name}　收"), WINDOW_WIDTH));
    let mut y = 57.0 * MM;
    for line in &lines {
        if y > WINDOW_BOTTOM - 2.0 * MM {
            return Err(DeliveryError::permanent(format!(
                "the address takes {} lines and does not fit the envelope window",
                lines.len()
            )));
        }
        page.text(WINDOW_LEFT, y, ADDRESS, line);
        y += ADDRESS * 1.4;
    }

    let date = format!("{}年{}月{}日", date.year(), date.month(), date.day());
    page.text(RIGHT - page.width(DATE, &date), 100.0 * MM, DATE, &date);

    let mut y = 112.0 * MM;
    for line in page.wrap(SUBJECT, &message.subject, RIGHT - LEFT) {
        let x = LEFT + (RIGHT - LEFT - page.width(SUBJECT, &line)) / 2.0;
        page.text(x, y, SUBJECT, &line);
        y += SUBJECT * 1.5;
    }

    y += BODY;
    let body = page.wrap(BODY, &message.body, RIGHT - LEFT);
    // The signature block below the body: a gap, the line, the store's name.
    let signature_height = BODY * LEADING * 3.0;
    let room = ((BOTTOM - signature_height - y) / (BODY * LEADING) + 1.0).floor().max(0.0) as usize;
    if body.len() > room {
        return Err(DeliveryError::permanent(format!(
            "the body takes {} lines and the page has room for {room}; shorten the template",
            body.len()
        )));
    }
    for line in &body {
        page.text(LEFT, y, BODY, line);
        y += BODY * LEADING;
    }

    y += BODY * LEADING * 2.0;
    let signature_width = page.width(BODY, &head.name).max(50.0 * MM);
    page.sheet.rules.push((RIGHT - signature_width, y - BODY * LEADING, signature_width));
    page.text(RIGHT - page.width(BODY, &head.name), y, BODY, &head.name);

    Ok(page.sheet)
}

struct Page<'a> {
    font: &'a PrintFont,
    sheet: Sheet,
}

impl Page<'_> {
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.sheet.text(x, y, size, text);
    }

    fn width(&self, size: f32, text: &str) -> f32 {
        self.font.measure(size).width(text)
    }

    fn wrap(&self, size: f32, text: &str, max_width: f32) -> Vec<String> {
        let measure = self.font.measure(size);
        wrap(text, max_width, &|s| measure.width(s))
    }
}
