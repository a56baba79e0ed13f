//! Chinese personal names with realistic surname frequencies, and the other
//! personal details of a customer: what every pack's demo generates its
//! customers from.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Surnames with their approximate share of the population in tenths of a
/// percent (the national surname surveys put 王, 李, 张 at about 7% each).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 46),
    ("杨", 31),
    ("黄", 24),
    ("赵", 23),
    ("吴", 20),
    ("周", 19),
    ("徐", 14),
    ("孙", 14),
    ("马", 12),
    ("朱", 11),
    ("胡", 11),
    ("郭", 11),
    ("何", 10),
    ("林", 10),
    ("高", 10),
    ("罗", 9),
    ("郑", 8),
    ("梁", 8),
    ("谢", 6),
    ("宋", 6),
    ("唐", 6),
    ("许", 5),
    ("韩", 5),
    ("冯", 5),
    ("邓", 5),
    ("曹", 5),
    ("彭", 4),
    ("曾", 4),
    ("肖", 4),
    ("田", 4),
    ("董", 4),
    ("袁", 4),
    ("潘", 3),
    ("于", 3),
    ("蒋", 3),
    ("蔡", 3),
    ("余", 3),
    ("杜", 3),
    ("叶", 3),
    ("程", 3),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 2),
    ("卢", 2),
    ("姜", 2),
    ("崔", 2),
    ("钟", 2),
    ("谭", 2),
    ("陆", 2),
    ("汪", 2),
    ("范", 2),
    ("金", 2),
    ("石", 2),
    ("廖", 2),
    ("贾", 2),
    ("夏", 2),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("欧阳", 1),
    ("司马", 1),
    ("上官", 1),
];

const MALE_GIVEN: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "斌",
    "宇", "浩", "凯", "健", "俊", "帆", "亮", "建国", "建华", "志强", "国强", "海涛", "晓东", "子轩", "浩然", "宇航",
    "文博", "俊杰", "志刚", "永刚", "少华", "德明", "家豪", "天佑", "振宇",
];

const FEMALE_GIVEN: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂英", "玉兰", "婷", "雪", "琳", "颖", "倩", "洁", "欣",
    "慧", "晶", "丹", "萍", "红", "燕", "玲", "梦琪", "欣怡", "诗涵", "雨桐", "佳怡", "晓燕", "丽娟", "淑华", "雅琴",
    "思雨", "子涵", "美玲", "海燕", "春梅",
];

const COMPANY_WORDS: &[&str] = &["华宇", "鑫源", "恒通", "宏达", "金桥", "瑞丰", "博远", "中联", "天成", "汇通"];
const COMPANY_KINDS: &[&str] =
    &["商贸有限公司", "物流有限公司", "建筑工程有限公司", "科技有限公司", "餐饮管理有限公司"];

pub fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn surname(rng: &mut ChaCha8Rng) -> &'static str {
    let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total);
    for (s, w) in SURNAMES {
        if n < *w {
            return s;
        }
        n -= w;
    }
    SURNAMES[0].0
}

/// A person's name and gender ("m" or "f").
pub fn person(rng: &mut ChaCha8Rng) -> (String, &'static str) {
    let male = rng.random_bool(0.62); // the demos' customers (car buyers, heads of household) skew male
    let given = if male { pick(rng, MALE_GIVEN) } else { pick(rng, FEMALE_GIVEN) };
    (format!("{}{}", surname(rng), given), if male { "m" } else { "f" })
}

pub fn company(rng: &mut ChaCha8Rng, city: &str) -> String {
    format!("{city}{}{}", pick(rng, COMPANY_WORDS), pick(rng, COMPANY_KINDS))
}

/// Segments in use for mainland mobiles (China Mobile, Unicom, Telecom, Broadnet).
const MOBILE_SEGMENTS: &[u32] = &[
    134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 178, 182, 183, 184, 187, 188, 198, 130, 131, 132,
    155, 156, 166, 175, 176, 185, 186, 133, 149, 153, 173, 177, 180, 181, 189, 191, 199, 192,
];

pub fn mobile(rng: &mut ChaCha8Rng) -> String {
    format!("{}{:08}", pick(rng, MOBILE_SEGMENTS), rng.random_range(0..100_000_000u32))
}

const COMPOUNDS: &[&str] =
    &["华贸城", "远洋天地", "望京花园", "金隅丽景园", "世纪城", "紫金庄园", "首城国际", "万科星园"];

/// A home address in `district` of `city` ("北京市"), on one of `streets`.
pub fn address(rng: &mut ChaCha8Rng, city: &str, district: &str, streets: &[&str]) -> String {
    format!(
        "{city}{district}{}{}号{}{}号楼{}单元{}",
        pick(rng, streets),
        rng.random_range(1..300),
        pick(rng, COMPOUNDS),
        rng.random_range(1..30),
        rng.random_range(1..6),
        rng.random_range(1..28) * 100 + rng.random_range(1..5),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_are_chinese_and_surnames_follow_their_frequencies() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let names: Vec<String> = (0..5000).map(|_| person(&mut rng).0).collect();
        assert!(
            names.iter().all(|n| n.chars().count() >= 2 && n.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
        );
        let share = |s: &str| names.iter().filter(|n| n.starts_with(s)).count() as f64 / names.len() as f64;
        let total: u32 = SURNAMES.iter().map(|(_, w)| w).sum();
        for (surname, weight) in [("王", 71), ("刘", 54), ("沈", 3)] {
            let expected = f64::from(weight) / f64::from(total);
            assert!((share(surname) - expected).abs() < 0.015, "{surname}: {} against {expected}", share(surname));
        }
    }

    #[test]
    fn generated_mobiles_are_valid() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..2000 {
            let m = mobile(&mut rng);
            kefu_core::ident::Mobile::parse("mobile", &m).unwrap_or_else(|e| panic!("{m}: {e}"));
        }
    }
}
