//! An appointment as an iCalendar invitation (RFC 5545) the customer can add
//! to their phone's calendar: one VEVENT, times in UTC, text escaped and
//! lines folded at 75 octets.

use jiff::Timestamp;

pub struct Invitation<'a> {
    /// Unique and stable, so a second download updates the same event.
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub stamp: Timestamp,
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Backslash, semicolon, comma and newline are escaped in TEXT values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets continue on the next line after a space,
/// never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

pub fn render(inv: &Invitation) -> String {
    [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//kefu//appointments//ZH".to_string(),
        "METHOD:PUBLISH".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", inv.uid),
        format!("DTSTAMP:{}", utc(inv.stamp)),
        format!("DTSTART:{}", utc(inv.start)),
        format!("DTEND:{}", utc(inv.end)),
        format!("SUMMARY:{}", escape(inv.summary)),
        format!("LOCATION:{}", escape(inv.location)),
        format!("DESCRIPTION:{}", escape(inv.description)),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ]
    .iter()
    .map(|l| fold(l))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invitation_is_valid_icalendar() {
        let text = render(&Invitation {
            uid: "appointment-7@kefu".into(),
            start: "2026-12-01T01:00:00Z".parse().unwrap(),
            end: "2026-12-01T02:00:00Z".parse().unwrap(),
            summary: "保养预约：京A12345",
            location: "甲店, 北京市朝阳区",
            description: "请携带行驶证;谢谢\n服务顾问 王力",
            stamp: "2026-11-29T01:00:00Z".parse().unwrap(),
        });
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.contains("DTSTART:20261201T010000Z\r\n"));
        assert!(text.contains("LOCATION:甲店\\, 北京市朝阳区\r\n"));
        assert!(text.contains("请携带行驶证\\;谢谢\\n服务顾问 王力"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.split("\r\n").all(|l| l.len() <= 75), "{text}");
    }

    #[test]
    fn long_lines_fold_between_characters() {
        let folded = fold(&format!("DESCRIPTION:{}", "预约".repeat(30)));
        let lines: Vec<&str> = folded.trim_end().split("\r\n").collect();
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.len() <= 75));
        let joined: String = lines.iter().enumerate().map(|(i, l)| if i == 0 { *l } else { &l[1..] }).collect();
        assert_eq!(joined, format!("DESCRIPTION:{}", "预约".repeat(30)));
    }
}
