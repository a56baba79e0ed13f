//! The demo county's supply contracts: one for each non-residential
//! account that is supplied, signed when it was connected or at its last
//! renewal, some of them ending within the next 60 days so the renewal
//! list and its reminders have work on the first morning.

use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::time::instant_text;
use kefu_store::bulk::{self, Cell};
use kefu_store::{RowExt, Tx};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Where the meters of each class of account stand, and where the
/// company's plant ends and the customer's begins.
fn terms(voltage: &str) -> (&'static str, &'static str, &'static str) {
    match voltage {
        "10kv" => ("dual_source", "10kV 进线高压计量柜", "10kV 线路 T 接杆跌落式熔断器下桩头"),
        _ => ("single_source", "低压进户计量箱", "低压进户线与接户线连接处"),
    }
}

/// Writes the contracts inside the demo's transaction; answers how many.
pub async fn load_in(tx: &mut Tx, seed: u64, today: Date, now: jiff::Timestamp) -> anyhow::Result<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6874); // "ht", 合同
    let accounts = sqlx::query(
        "SELECT id, account_no, capacity_kva, voltage FROM power_accounts \
         WHERE usage_class <> 'residential' AND status IN ('active', 'suspended') ORDER BY id",
    )
    .fetch_all(tx.conn())
    .await?;
    let now = instant_text(now);
    let mut rows = Vec::with_capacity(accounts.len());
    for a in &accounts {
        let voltage = a.text("voltage")?;
        // High-voltage contracts run 5 years, low-voltage ones 3; one in
        // ten ends within the next 60 days.
        let years: i64 = if voltage == "10kv" { 5 } else { 3 };
        let valid_until = if rng.random_range(0..10) == 0 {
            today + rng.random_range(1..60).days()
        } else {
            today + rng.random_range(60..years * 365).days()
        };
        let signed_on = valid_until - years.years() + 1.day();
        let (mode, point, boundary) = terms(&voltage);
        let account_no = a.text("account_no")?;
        rows.push(vec![
            Cell::from(a.i64("id")?),
            format!("QSHT{}{}", signed_on.year(), &account_no[account_no.len() - 6..]).into(),
            signed_on.to_string().into(),
            valid_until.to_string().into(),
            a.i64("capacity_kva")?.into(),
            mode.into(),
            point.into(),
            boundary.into(),
            now.as_str().into(),
        ]);
    }
    let columns = [
        "account_id",
        "contract_no",
        "signed_on",
        "valid_until",
        "capacity_kva",
        "supply_mode",
        "metering_point",
        "liability_boundary",
        "created_at",
    ];
    bulk::insert(tx.conn(), "power_contracts", &columns, rows, "").await?;
    Ok(accounts.len())
}
