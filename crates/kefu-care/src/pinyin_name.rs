//! Pinyin of Chinese names, so agents can find 张伟 by "zhangwei" or "zw".

use pinyin::ToPinyin;

/// Surnames whose reading differs from the character's everyday reading
/// (曾 is "ceng" in 曾经 but "zeng" as a surname).
const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('解', "xie"),
    ('查', "zha"),
    ('仇', "qiu"),
    ('朴', "piao"),
    ('区', "ou"),
    ('盖', "ge"),
    ('乐', "yue"),
    ('覃', "qin"),
    ('缪', "miao"),
    ('重', "chong"),
    ('尉', "yu"),
    ('万', "wan"),
    ('沈', "shen"),
    ('翟', "zhai"),
];

/// The toneless syllables of a name: one per Chinese character, and runs of
/// Latin letters or digits kept as one lowercase word. The first character
/// is read as a surname.
pub fn syllables(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    for (i, (ch, py)) in name.chars().zip(name.to_pinyin()).enumerate() {
        if ch.is_ascii_alphanumeric() {
            word.push(ch.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        let surname = if i == 0 { SURNAME_READINGS.iter().find(|(c, _)| *c == ch).map(|(_, r)| *r) } else { None };
        if let Some(reading) = surname.or(py.map(|p| p.plain())) {
            out.push(reading.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_names() {
        assert_eq!(syllables("张伟"), ["zhang", "wei"]);
        assert_eq!(syllables("欧阳娜娜"), ["ou", "yang", "na", "na"]);
        assert_eq!(syllables("曾志伟"), ["zeng", "zhi", "wei"]);
        assert_eq!(syllables("单田芳"), ["shan", "tian", "fang"]);
        assert_eq!(syllables("Li 明"), ["li", "ming"]);
    }
}
