//! Message texts with variables: `尊敬的{name}，您的爱车{plate}将于{due_date}到期保养…`.
//!
//! A template is checked when it is loaded — every `{variable}` must be one
//! the playbook provides — so a typo is refused when the playbook is saved,
//! not discovered in the middle of the night's run. `{{` and `}}` stand for
//! literal braces.

use std::collections::BTreeMap;

use kefu_core::{Invalid, Rule};

/// A parsed, checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Var(String),
}

/// A value missing when a template is rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no value for the template variable {{{0}}}")]
pub struct MissingValue(pub String);

impl Template {
    /// Parses `source` and checks that each variable is one of `known`;
    /// `field` names the template in the error.
    pub fn parse(field: &str, source: &str, known: &[&str]) -> Result<Template, Invalid> {
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                    chars.next();
                    text.push('}');
                }
                '{' => {
                    let rest = &source[at + 1..];
                    let Some(end) = rest.find('}') else {
                        return Err(invalid(field, "template_unclosed", "有未闭合的 {", "has a { that is not closed"));
                    };
                    let name = &rest[..end];
                    check_name(field, name, known)?;
                    if !text.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut text)));
                    }
                    parts.push(Part::Var(name.to_string()));
                    // Skip the name and its closing brace.
                    for _ in name.chars().chain(['}']) {
                        chars.next();
                    }
                }
                '}' => {
                    return Err(invalid(
                        field,
                        "template_stray_brace",
                        "有多余的 }（字面的大括号写作 }}）",
                        "has a } without a { (write }} for a literal brace)",
                    ));
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template { parts })
    }

    /// The variables the template uses, in order of first use.
    pub fn variables(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        for part in &self.parts {
            if let Part::Var(name) = part
                && !seen.contains(&name.as_str())
            {
                seen.push(name);
            }
        }
        seen
    }

    /// Fills in the variables.
    pub fn render(&self, vars: &BTreeMap<String, String>) -> Result<String, MissingValue> {
        self.fill(|name| vars.get(name).map(String::as_str).ok_or_else(|| MissingValue(name.to_string())))
    }

    /// Fills in each variable with what `value` gives for its name: the
    /// way to render from values that are not in a map of owned strings
    /// (an outreach run renders a message for each of a million subjects).
    pub fn fill<'v, E>(&self, value: impl Fn(&str) -> Result<&'v str, E>) -> Result<String, E> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Var(name) => out.push_str(value(name)?),
            }
        }
        Ok(out)
    }
}

fn check_name(field: &str, name: &str, known: &[&str]) -> Result<(), Invalid> {
    if name.trim().is_empty() {
        return Err(invalid(field, "template_empty_variable", "有空的变量 {}", "has an empty variable {}"));
    }
    if !known.contains(&name) {
        let list = known.iter().map(|k| format!("{{{k}}}")).collect::<Vec<_>>().join(" ");
        return Err(invalid(
            field,
            "template_unknown_variable",
            format!("未知变量 {{{name}}}，可用的变量：{list}"),
            format!("unknown variable {{{name}}}; the variables are: {list}"),
        ));
    }
    Ok(())
}

fn invalid(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid::new(field, Rule::new(code, zh, en))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &["name", "plate", "due_date"];

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn fills_in_chinese_text() {
        let t = Template::parse("body", "尊敬的{name}，您的爱车{plate}将于{due_date}到期保养。", KNOWN).unwrap();
        let text = t.render(&vars(&[("name", "张伟"), ("plate", "粤A·12345"), ("due_date", "2026年12月8日")])).unwrap();
        assert_eq!(text, "尊敬的张伟，您的爱车粤A·12345将于2026年12月8日到期保养。");
        assert_eq!(t.variables(), ["name", "plate", "due_date"]);
    }

    #[test]
    fn an_unknown_variable_is_refused_when_loaded_and_named() {
        let err = Template::parse("body", "尊敬的{nmae}：", KNOWN).unwrap_err();
        assert_eq!(err.field, "body");
        assert_eq!(err.rule.code, "template_unknown_variable");
        assert!(err.rule.zh.contains("{nmae}"), "{}", err.rule.zh);
        assert!(err.rule.en.contains("{nmae}") && err.rule.en.contains("{due_date}"), "{}", err.rule.en);
    }

    #[test]
    fn a_missing_value_is_named() {
        let t = Template::parse("body", "{name}，{plate}", KNOWN).unwrap();
        let err = t.render(&vars(&[("name", "张伟")])).unwrap_err();
        assert_eq!(err, MissingValue("plate".into()));
        assert_eq!(err.to_string(), "no value for the template variable {plate}");
    }

    #[test]
    fn doubled_braces_are_literal() {
        let t = Template::parse("body", "{{{name}}} {{x}}", KNOWN).unwrap();
        assert_eq!(t.render(&vars(&[("name", "王")])).unwrap(), "{王} {x}");
        assert!(t.variables() == ["name"]);
    }

    #[test]
    fn broken_braces_are_refused() {
        for (source, code) in [
            ("尊敬的{name", "template_unclosed"),
            ("尊敬的name}", "template_stray_brace"),
            ("尊敬的{}", "template_empty_variable"),
        ] {
            let err = Template::parse("body", source, KNOWN).unwrap_err();
            assert_eq!(err.rule.code, code, "{source}");
        }
    }
}
