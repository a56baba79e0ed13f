//! Vehicles as the group's stores sell them: real manufacturer codes (WMI)
//! with the check digit computed, model-year codes, and local plates.

use jiff::civil::Date;
use kefu_core::ident::vin::check_digit;
use kefu_pack::names::pick;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// A brand line a store sells.
pub struct Line {
    pub brand: &'static str,
    pub wmi: &'static str,
    pub models: &'static [&'static str],
    /// The models that get green new-energy plates.
    pub new_energy: &'static [&'static str],
}

pub const FAW_VW: Line = Line {
    brand: "一汽-大众",
    wmi: "LFV",
    models: &["速腾", "迈腾", "宝来", "探岳", "探歌", "CC", "ID.4 CROZZ"],
    new_energy: &["ID.4 CROZZ"],
};
pub const GAC_TOYOTA: Line = Line {
    brand: "广汽丰田",
    wmi: "LVG",
    models: &["凯美瑞", "汉兰达", "雷凌", "威兰达", "赛那", "致炫"],
    new_energy: &[],
};
pub const SAIC_VW: Line = Line {
    brand: "上汽大众",
    wmi: "LSV",
    models: &["朗逸", "帕萨特", "途观L", "途昂", "凌渡", "ID.3"],
    new_energy: &["ID.3"],
};
pub const GAC_HONDA: Line =
    Line {
        brand: "广汽本田", wmi: "LHG", models: &["雅阁", "飞度", "缤智", "皓影", "奥德赛"], new_energy: &[]
    };
pub const BYD: Line = Line {
    brand: "比亚迪",
    wmi: "LGX",
    models: &["秦PLUS DM-i", "宋PLUS DM-i", "汉EV", "元PLUS", "海豚", "唐DM-i"],
    new_energy: &["秦PLUS DM-i", "宋PLUS DM-i", "汉EV", "元PLUS", "海豚", "唐DM-i"],
};
pub const GEELY: Line = Line {
    brand: "吉利汽车",
    wmi: "L6T",
    models: &["星越L", "博越L", "帝豪", "缤越", "银河L7"],
    new_energy: &["银河L7"],
};
pub const FAW_TOYOTA: Line =
    Line {
        brand: "一汽丰田", wmi: "LFM", models: &["卡罗拉", "亚洲龙", "RAV4荣放", "皇冠陆放"], new_energy: &[]
    };
pub const DF_NISSAN: Line =
    Line { brand: "东风日产", wmi: "LGB", models: &["轩逸", "天籁", "奇骏", "逍客"], new_energy: &[] };

pub const VARIANTS: &[&str] = &["舒适型", "豪华型", "尊贵型", "运动版", "智享版"];

pub const COLOURS: &[&str] = &["珍珠白", "极地白", "曜石黑", "星空灰", "月光银", "宝石蓝", "魅力红", "琥珀棕"];

/// VIN characters allowed outside the check digit (no I, O, Q).
const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

/// Model-year codes (position 10), 2010 = A … skipping I, O, Q, U, Z and 0.
fn year_code(year: i16) -> u8 {
    const CODES: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
    CODES[((year - 2010).rem_euclid(30)) as usize]
}

/// A valid VIN; `serial` makes it unique.
pub fn vin(rng: &mut ChaCha8Rng, line: &Line, model_year: i16, serial: u32) -> String {
    let mut v: Vec<u8> = line.wmi.bytes().collect();
    v.extend((0..5).map(|_| *pick(rng, VIN_CHARS)));
    v.push(b'0'); // position 9, replaced by the check digit below
    v.push(year_code(model_year));
    v.push(*pick(rng, b"2368F"));
    v.extend(format!("{:06}", serial % 1_000_000).bytes());
    v[8] = check_digit(&v).expect("generated characters are all valid");
    String::from_utf8(v).expect("ASCII")
}

/// Letters used in plate serials (no I, O).
const PLATE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Where a store's customers register their cars: a province abbreviation
/// and the authority letters of its cities.
pub struct Region {
    pub province: &'static str,
    pub authorities: &'static [u8],
}

/// A plate from `region`: ordinary, or new-energy for electric and plug-in
/// models.
pub fn plate(rng: &mut ChaCha8Rng, region: &Region, new_energy: bool) -> String {
    let authority = *pick(rng, region.authorities) as char;
    let digits = |rng: &mut ChaCha8Rng, n: usize| {
        (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect::<String>()
    };
    let serial = if new_energy {
        format!("{}{}{}", *pick(rng, b"DF") as char, *pick(rng, PLATE_LETTERS) as char, digits(rng, 4))
    } else if rng.random_bool(0.5) {
        format!("{}{}", *pick(rng, PLATE_LETTERS) as char, digits(rng, 4))
    } else {
        digits(rng, 5)
    };
    format!("{}{authority}{serial}", region.province)
}

/// Days after the purchase when a car with this daily mileage is due, for
/// the first maintenance (3 months or 5,000 km) and the routine ones
/// (6 months or 10,000 km) — whichever comes first.
pub fn due_after(daily_km: i64, first: bool) -> i64 {
    let (days, km) = if first { (90, 5_000) } else { (182, 10_000) };
    days.min(km / daily_km.max(1))
}

pub fn model_year(purchase: Date) -> i16 {
    // Cars sold in the last quarter usually carry next year's model year.
    if purchase.month() >= 10 { purchase.year() + 1 } else { purchase.year() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn generated_vins_and_plates_pass_the_validators() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for serial in 0..2000 {
            let v =
                vin(&mut rng, if serial % 2 == 0 { &FAW_VW } else { &GAC_TOYOTA }, 2016 + (serial % 11) as i16, serial);
            kefu_core::ident::Vin::parse("vin", &v).unwrap_or_else(|e| panic!("{v}: {e}"));
            let region = Region { province: "粤", authorities: b"ABS" };
            let p = plate(&mut rng, &region, serial % 5 == 0);
            let parsed = kefu_core::ident::Plate::parse("plate", &p).unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(parsed.is_new_energy(), serial % 5 == 0, "{p}");
        }
    }

    #[test]
    fn maintenance_falls_due_on_time_or_distance() {
        assert_eq!(due_after(30, true), 90);
        assert_eq!(due_after(100, true), 50);
        assert_eq!(due_after(40, false), 182);
    }
}
