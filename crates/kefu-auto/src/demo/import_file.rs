//! A file as a dealer's old system exports it, for trying and measuring
//! `kefu import`: Chinese headers, one customer per row with their car and
//! sometimes a driver, dates written the way such exports write them.

use super::STORES;
use super::generator::Generator;
use jiff::civil::Date;
use std::fmt::Write;

const HEADERS: &str = "客户姓名,性别,手机号码,出生日期,联系地址,客户来源,是否会员,驾驶人,驾驶人电话,车架号,车牌号,品牌,车型,配置,颜色,购车日期,行驶里程,保险到期日";

/// `rows` rows of CSV text (UTF-8), the same for the same seed and day.
pub fn csv(seed: u64, today: Date, rows: usize) -> String {
    let mut g = Generator::new(seed, today, &STORES[..2]);
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
    for _ in 0..rows {
        let plan = g.next_plan();
        let (c, driver) = (&plan.customer, plan.driver.as_ref());
        let Some((v, history)) = plan.vehicles.first() else { continue };
        // The mileage an old system last recorded: the latest visit's.
        let mileage = history.last().map_or(0, |h| h.mileage_km);
        let birthday = c.birthday.parse::<Date>().map(slashed).unwrap_or_default();
        let _ = writeln!(
            out,
            "{},{},{},{birthday},{},{},{},{},{},{},{},{},{},{},{},{},{mileage},{}",
            c.name,
            gender(&c.gender),
            c.mobile,
            c.address,
            c.source,
            if c.is_member { "是" } else { "否" },
            driver.map(|d| d.name.as_str()).unwrap_or(""),
            driver.map(|d| d.mobile.as_str()).unwrap_or(""),
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
