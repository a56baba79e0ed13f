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

/// The text for `key`; a missing key shows itself, so it is noticed.
pub fn t(lang: Lang, key: &str) -> String {
    catalog(lang).get(key).cloned().unwrap_or_else(|| key.to_string())
}

/// A field's label for error messages: `field_<name>` in the catalog.
pub fn field_label(lang: Lang, field: &str) -> String {
    t(lang, &format!("field_{field}"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
