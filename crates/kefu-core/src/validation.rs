//! Validation errors that name the field and the rule, in the user's language.

use serde::Serialize;

/// The two interface languages. Chinese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a stored preference or an Accept-Language value; anything that is
    /// not English falls back to Chinese, the default.
    pub fn parse(s: &str) -> Lang {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("en") { Lang::En } else { Lang::Zh }
    }
}

/// A broken rule, with its message in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
}

impl Rule {
    pub fn new(code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Rule {
        Rule { code, zh: zh.into(), en: en.into() }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// A value refused for a field: which field, and which rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {}", rule.en)]
pub struct Invalid {
    pub field: String,
    pub rule: Rule,
}

impl Invalid {
    pub fn new(field: impl Into<String>, rule: Rule) -> Invalid {
        Invalid { field: field.into(), rule }
    }

    /// The message a user reads, naming the field in their language.
    pub fn message(&self, lang: Lang, field_label: &str) -> String {
        match lang {
            Lang::Zh => format!("{field_label}：{}", self.rule.zh),
            Lang::En => format!("{field_label}: {}", self.rule.en),
        }
    }

    pub fn required(field: impl Into<String>) -> Invalid {
        Invalid::new(field, Rule::new("required", "必填", "is required"))
    }

    pub fn too_long(field: impl Into<String>, max: usize) -> Invalid {
        Invalid::new(
            field,
            Rule::new("too_long", format!("不能超过 {max} 个字符"), format!("must be at most {max} characters")),
        )
    }

    /// A character no text may hold: a control character other than the
    /// line breaks and tabs of multi-line text. PostgreSQL refuses NUL in
    /// text while SQLite stores it, so the rule is ours, the same on both.
    pub fn control_character(field: impl Into<String>) -> Invalid {
        Invalid::new(field, Rule::new("control_character", "不能包含控制字符", "must not contain control characters"))
    }
}

/// The one check of a typed text: trimmed, at most `max` characters and no
/// control characters (line breaks and tabs are text). Returns the trimmed
/// text; empty when nothing was typed.
pub fn optional_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(Invalid::too_long(field, max));
    }
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Invalid::control_character(field));
    }
    Ok(value.to_string())
}

/// [`optional_text`] for a field that must be filled in.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, Invalid> {
    let value = optional_text(field, value, max)?;
    if value.is_empty() {
        return Err(Invalid::required(field));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_trimmed_and_counted_in_characters() {
        assert_eq!(required_text("name", "  张伟 ", 2).unwrap(), "张伟");
        assert_eq!(optional_text("note", "   ", 2).unwrap(), "");
        let long = required_text("name", "欧阳娜娜", 3).unwrap_err();
        assert_eq!((long.field.as_str(), long.rule.code), ("name", "too_long"));
        assert_eq!(long.message(Lang::Zh, "姓名"), "姓名：不能超过 3 个字符");
        assert_eq!(long.message(Lang::En, "Name"), "Name: must be at most 3 characters");
    }

    #[test]
    fn a_required_text_refuses_blanks() {
        for blank in ["", "  ", "\n\t"] {
            let e = required_text("title", blank, 10).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule.code), ("title", "required"));
        }
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_are_text() {
        for bad in ["张\0伟", "a\u{7}b", "x\u{1b}[31m", "x\u{7f}y", "a\u{85}b"] {
            let e = optional_text("detail", bad, 100).unwrap_err();
            assert_eq!((e.field.as_str(), e.rule.code), ("detail", "control_character"), "{bad:?}");
            assert_eq!(e.message(Lang::En, "Detail"), "Detail: must not contain control characters");
            assert_eq!(e.message(Lang::Zh, "详情"), "详情：不能包含控制字符");
        }
        assert_eq!(optional_text("detail", "第一行\r\n第二行\t完", 100).unwrap(), "第一行\r\n第二行\t完");
        // A NUL at the edge is not trimmed away as white space.
        assert_eq!(required_text("name", "\0", 10).unwrap_err().rule.code, "control_character");
    }
}
