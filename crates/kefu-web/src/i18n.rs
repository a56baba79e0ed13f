//! Interface text in Chinese (the default) and English, one TOML catalog per
//! language embedded in the binary.

use kefu_core::Lang;
use std::collections::BTreeMap;
use std::sync::LazyLock;

type Catalog = BTreeMap<String, String>;

/// The shell's catalog with every pack's: a pack that is off shows no
/// page, so its text is never looked up.
fn load(shell: &str, lang: Lang) -> Catalog {
    let mut catalog: Catalog = toml::from_str(shell).expect("embedded catalog is valid TOML");
    for pack in crate::packs::AVAILABLE {
        let own: Catalog = toml::from_str(pack.catalog(lang)).expect("embedded catalog is valid TOML");
        catalog.extend(own);
    }
    catalog
}

static ZH: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("i18n/zh-CN.toml"), Lang::Zh));
static EN: LazyLock<Catalog> = LazyLock::new(|| load(include_str!("i18n/en.toml"), Lang::En));

pub fn catalog(lang: Lang) -> &'static Catalog {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

// The catalogs as the templates see them (`tr`), converted once: a
// template value is shared, where converting the catalog for each page cost
// every response a copy of thousands of texts (the public survey page lost
// a third of its throughput to it as the packs' catalogs grew).
static ZH_VALUE: LazyLock<minijinja::Value> = LazyLock::new(|| minijinja::Value::from(minijinja::value::Serde(&*ZH)));
static EN_VALUE: LazyLock<minijinja::Value> = LazyLock::new(|| minijinja::Value::from(minijinja::value::Serde(&*EN)));

/// The catalog of `lang` as a template value.
pub fn template_catalog(lang: Lang) -> minijinja::Value {
    match lang {
        Lang::Zh => ZH_VALUE.clone(),
        Lang::En => EN_VALUE.clone(),
    }
}

/// The text for `key`; a missing key shows itself, so it is noticed.
pub fn t(lang: Lang, key: &str) -> String {
    catalog(lang).get(key).cloned().unwrap_or_else(|| key.to_string())
}

/// A field's label for error messages: `field_<name>` in the catalog. A
/// path into a request's body (`standards.0.90.0.85`, `tiers[1].price`)
/// has no label of its own: it is shown as the client wrote it.
pub fn field_label(lang: Lang, field: &str) -> String {
    let key = format!("field_{field}");
    match catalog(lang).get(&key) {
        Some(label) => label.clone(),
        None if field.contains(['.', '[']) => field.to_string(),
        None => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chinese characters and the full-width punctuation Chinese text uses
    /// (，：、（）。；！？ and the rest).
    fn is_chinese(c: char) -> bool {
        matches!(c, '\u{2E80}'..='\u{2FDF}' | '\u{3000}'..='\u{303F}' | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}' | '\u{FF00}'..='\u{FFEF}')
    }

    #[test]
    fn a_field_is_named_by_its_label_and_a_path_in_a_body_as_written() {
        assert_eq!(field_label(Lang::Zh, "mobile"), t(Lang::Zh, "field_mobile"));
        assert_ne!(field_label(Lang::Zh, "mobile"), "field_mobile", "the catalog labels it");
        assert_eq!(field_label(Lang::En, "standards.0.90.0.85"), "standards.0.90.0.85");
        assert_eq!(field_label(Lang::Zh, "tiers[1].price"), "tiers[1].price");
        // A plain field without a label shows its key, so it is noticed.
        assert_eq!(field_label(Lang::Zh, "no_such_field"), "field_no_such_field");
    }

    #[test]
    fn english_text_is_english() {
        // The language switch names Chinese in Chinese, as people look for it.
        let own_names = ["lang_zh"];
        let chinese: Vec<_> =
            EN.iter().filter(|(k, v)| !own_names.contains(&k.as_str()) && v.chars().any(is_chinese)).collect();
        assert!(chinese.is_empty(), "English text with Chinese characters or punctuation: {chinese:?}");
    }

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let zh: Vec<_> = ZH.keys().collect();
        let en: Vec<_> = EN.keys().collect();
        assert_eq!(zh, en);
    }

    #[test]
    fn a_pack_adds_text_without_replacing_the_shells() {
        let shell: Catalog = toml::from_str(include_str!("i18n/zh-CN.toml")).unwrap();
        for pack in crate::packs::AVAILABLE {
            for lang in [Lang::Zh, Lang::En] {
                let own: Catalog = toml::from_str(pack.catalog(lang)).unwrap();
                let taken: Vec<&String> = own.keys().filter(|k| shell.contains_key(*k)).collect();
                assert!(taken.is_empty(), "{}: {taken:?}", pack.pack().code());
            }
        }
    }
}
