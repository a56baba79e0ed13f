//! Vehicles as two Beijing stores sell them: real manufacturer codes (WMI)
//! with the check digit computed, model-year codes, and Beijing plates.

use super::names::pick;
use jiff::civil::Date;
use kefu_core::ident::vin::check_digit;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// A brand line a store sells.
pub struct Line {
    pub brand: &'static str,
    pub wmi: &'static str,
    pub models: &'static [&'static str],
}

pub const FAW_VW: Line =
    Line {
        brand: "一汽-大众", wmi: "LFV", models: &["速腾", "迈腾", "宝来", "探岳", "探歌", "CC", "ID.4 CROZZ"]
    };
pub const GAC_TOYOTA: Line =
    Line {
        brand: "广汽丰田", wmi: "LVG", models: &["凯美瑞", "汉兰达", "雷凌", "威兰达", "赛那", "致炫"]
    };

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

/// A Beijing (or, for commuters, Hebei) plate: ordinary, or new-energy for
/// the electric models.
pub fn plate(rng: &mut ChaCha8Rng, electric: bool) -> String {
    let (province, authority) =
        if rng.random_bool(0.9) { ("京", *pick(rng, b"ABCEFGHJKLMNPQ")) } else { ("冀", *pick(rng, b"ABCDEFGHJR")) };
    let digits = |rng: &mut ChaCha8Rng, n: usize| {
        (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect::<String>()
    };
    let serial = if electric {
        format!("{}{}{}", *pick(rng, b"DF") as char, *pick(rng, PLATE_LETTERS) as char, digits(rng, 4))
    } else if rng.random_bool(0.5) {
        format!("{}{}", *pick(rng, PLATE_LETTERS) as char, digits(rng, 4))
    } else {
        digits(rng, 5)
    };
    format!("{province}{}{serial}", authority as char)
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
            let p = plate(&mut rng, serial % 5 == 0);
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
