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
}
