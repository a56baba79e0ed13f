//! Pinyin forms of a Chinese name, kept beside it so agents can find 张伟 by
//! "zhangwei" or "zw".

use pinyin::ToPinyin;

/// The full toneless pinyin without spaces, and the initials; characters
/// without a reading (Latin letters, digits) are kept, lowercased.
pub fn pinyin_forms(name: &str) -> (String, String) {
    let mut full = String::new();
    let mut initials = String::new();
    for (ch, py) in name.chars().zip(name.to_pinyin()) {
        match py {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(&p.plain()[..1]);
            }
            None if ch.is_ascii_alphanumeric() => {
                let c = ch.to_ascii_lowercase();
                full.push(c);
                initials.push(c);
            }
            None => {}
        }
    }
    (full, initials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_names_get_pinyin_and_initials() {
        assert_eq!(pinyin_forms("张伟"), ("zhangwei".into(), "zw".into()));
        assert_eq!(pinyin_forms("欧阳娜娜"), ("ouyangnana".into(), "oynn".into()));
        assert_eq!(pinyin_forms("Li 明"), ("liming".into(), "lim".into()));
    }
}
