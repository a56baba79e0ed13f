//! Filling a message template's {variables}; templates are checked when a
//! playbook is loaded (`playbook::check_template`), so filling cannot fail.

use std::collections::BTreeMap;

pub type Vars = BTreeMap<&'static str, String>;

/// The template with each {variable} replaced; a variable the subject has
/// no value for becomes empty.
pub fn fill(template: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                if let Some(v) = vars.get(&after[..close]) {
                    out.push_str(v);
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled() {
        let vars = Vars::from([("name", "张伟".to_string()), ("plate", "京A12345".to_string())]);
        assert_eq!(fill("尊敬的{name}，您的{plate}该保养了{model}。", &vars), "尊敬的张伟，您的京A12345该保养了。");
    }
}
