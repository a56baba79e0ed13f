//! Line breaking for Chinese text by measured width.
//!
//! Where a line may break comes from the Unicode line breaking algorithm
//! (UAX #14): between any two Han characters, but never before `，。、）》`
//! or after `（《`, and not inside a Latin word or a number such as a plate or
//! a date. How much fits comes from the font's own advance widths, so a line
//! of full-width characters and one mixing in half-width digits both fill the
//! measure.

use unicode_linebreak::{BreakOpportunity, linebreaks};

/// Breaks `text` into lines no wider than `max_width`, as measured by `width`.
/// A newline always ends a line; a stretch with no break opportunity that is
/// wider than a line (a long URL) is cut between characters.
pub fn wrap(text: &str, max_width: f32, width: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut start = 0;
    for (end, opportunity) in linebreaks(text) {
        let segment = &text[start..end];
        start = end;
        let hard = opportunity == BreakOpportunity::Mandatory;
        let segment = if hard { segment.trim_end_matches(['\n', '\r']) } else { segment };
        if !line.is_empty() && width(format!("{line}{segment}").trim_end()) > max_width {
            lines.push(line.trim_end().to_string());
            line.clear();
        }
        if line.is_empty() && width(segment.trim_end()) > max_width {
            line = cut(segment, max_width, width, &mut lines);
        } else {
            line.push_str(segment);
        }
        if hard {
            lines.push(line.trim_end().to_string());
            line.clear();
        }
    }
    lines
}

/// Cuts an unbreakable stretch between characters, pushing the full lines
/// and returning what is left to continue the next line.
fn cut(segment: &str, max_width: f32, width: &dyn Fn(&str) -> f32, lines: &mut Vec<String>) -> String {
    let mut line = String::new();
    for c in segment.chars() {
        line.push(c);
        if width(line.trim_end()) > max_width && line.chars().count() > 1 {
            line.pop();
            lines.push(std::mem::take(&mut line));
            line.push(c);
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A monospaced stand-in for a CJK font: a Han character or full-width
    /// punctuation is one em, everything else half.
    fn em(text: &str) -> f32 {
        text.chars().map(|c| if (c as u32) < 0x2E80 { 0.5 } else { 1.0 }).sum()
    }

    #[test]
    fn han_text_breaks_between_any_characters() {
        let lines = wrap("尊敬的客户您好感谢您一直以来的支持", 5.0, &em);
        assert_eq!(lines, ["尊敬的客户", "您好感谢您", "一直以来的", "支持"]);
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // "养，" would overfill the first line, and "，" may not begin the
        // next one, so the character before it moves down with it.
        let lines = wrap("您的爱车保养，已到期。", 6.0, &em);
        assert_eq!(lines, ["您的爱车保", "养，已到期。"]);
        assert!(lines.iter().all(|l| !l.starts_with(['，', '。'])));
    }

    #[test]
    fn opening_brackets_never_end_a_line() {
        let lines = wrap("请携带行驶证（原件）到店", 6.0, &em);
        assert_eq!(lines, ["请携带行驶证", "（原件）到店"]);
    }

    #[test]
    fn plates_and_dates_stay_whole() {
        let lines = wrap("您的爱车粤A12345将于2026-12-08到期", 10.0, &em);
        assert_eq!(lines, ["您的爱车粤A12345将于", "2026-12-08到期"]);
        assert!(lines.iter().all(|l| em(l) <= 10.0));
    }

    #[test]
    fn newlines_end_lines_and_blank_lines_stay() {
        let lines = wrap("尊敬的张先生：\n\n您好。", 20.0, &em);
        assert_eq!(lines, ["尊敬的张先生：", "", "您好。"]);
    }

    #[test]
    fn an_unbreakable_stretch_is_cut_to_fit() {
        let stretch = "VIN:LSVAU2180N2183294ABCDEFGHIJ";
        let lines = wrap(stretch, 8.0, &em);
        assert_eq!(lines, ["VIN:LSVAU2180N21", "83294ABCDEFGHIJ"]);
    }
}
