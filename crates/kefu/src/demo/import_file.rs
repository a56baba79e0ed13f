//! A file as a dealer's old system exports it, for trying and measuring
//! `kefu import`: Chinese headers, one customer per row with their car and
//! sometimes a driver, dates written the way such exports write them.

use super::{Generator, STORES};
use jiff::civil::Date;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::fmt::Write;

const HEADERS: &str = "客户姓名,性别,手机号码,出生日期,联系地址,客户来源,是否会员,驾驶人,驾驶人电话,车架号,车牌号,品牌,车型,配置,颜色,购车日期,行驶里程,保险到期日";

/// `rows` rows of CSV text (UTF-8), the same for the same seed and day.
pub fn csv(seed: u64, today: Date, rows: usize) -> String {
    let mut g = Generator { rng: ChaCha8Rng::seed_from_u64(seed), today, serial: 0, plates: HashSet::new() };
    let mut out = String::with_capacity(rows * 200);
    out.push_str(HEADERS);
    out.push('\n');
    let gender = |g: &str| match g {
        "m" => "男",
        "f" => "女",
        _ => "",
    };
    // Old systems write dates with slashes and without leading zeros.
    let slashed = |d: Date| format!("{}/{}/{}", d.year(), d.month(), d.day());
    for i in 0..rows {
        let store = &STORES[i % 2];
        let c = g.customer(store, i);
        let (v, _) = g.vehicle(store);
        let driver = (c.kind == "company" || g.rng.random_bool(0.25)).then(|| g.contact(c.kind == "company"));
        let birthday = c.birthday.parse::<Date>().map(slashed).unwrap_or_default();
        let mileage = g.rng.random_range(0..150_000);
        let _ = writeln!(
            out,
            "{},{},{},{birthday},{},{},{},{},{},{},{},{},{},{},{},{},{mileage},{}",
            c.name,
            gender(&c.gender),
            c.mobile,
            c.address,
            c.source,
            if c.is_member { "是" } else { "否" },
            driver.as_ref().map(|d| d.name.as_str()).unwrap_or(""),
            driver.as_ref().map(|d| d.mobile.as_str()).unwrap_or(""),
            v.vin,
            v.plate,
            v.brand,
            v.model,
            v.variant,
            v.colour,
            v.purchase_date.map(slashed).unwrap_or_default(),
            v.insurance_expiry.map(|d| d.strftime("%Y%m%d").to_string()).unwrap_or_default(),
        );
    }
    out
}
