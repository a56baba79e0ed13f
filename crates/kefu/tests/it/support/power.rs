//! A power-pack fixture: a store of the fixture made a supply station, and
//! an electricity account of one of its customers with one meter.

use super::TestApp;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::{Actor, Scope};
use kefu_power::accounts::{AccountNo, MeterNo, StationPrefix};
use kefu_power::archive::{self, NewAccount, NewMeter};
use kefu_store::Change;

/// Makes `station` a supply station with `prefix`, and no account yet.
pub async fn station(app: &TestApp, (station, prefix): (BranchId, &str)) {
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, station, &StationPrefix::parse("prefix", prefix).unwrap()).await.unwrap();
    let change = Change {
        entity: "power_station",
        entity_id: prefix.into(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&Actor::system(Scope::new(vec![station])), change).await.unwrap();
    tx.commit().await.unwrap();
}

/// Makes `station` a supply station with `prefix` and gives `customer` the
/// station's account number `serial` (general commercial, 380 V, 8 kVA) with
/// meter `meter_no`; answers the account number.
pub async fn station_and_account(
    app: &TestApp,
    (station, prefix): (BranchId, &str),
    customer: CustomerId,
    (serial, meter_no): (u64, &str),
) -> String {
    let prefix = StationPrefix::parse("prefix", prefix).unwrap();
    let account_no = AccountNo::issue(&prefix, serial).unwrap();
    let mut tx = app.db.begin().await.unwrap();
    archive::add_station_in(&mut tx, station, &prefix).await.unwrap();
    let account = NewAccount {
        account_no: account_no.clone(),
        customer_id: customer,
        branch_id: station,
        usage_class: "general_commercial",
        voltage: "380v",
        capacity_kva: 8,
        supply_address: "青山镇新街8号".into(),
        tariff_code: "gx-com-1",
        permit: None,
        status: "active",
        meters: vec![NewMeter {
            meter_no: MeterNo::parse("meter_no", meter_no).unwrap(),
            kind: "three_phase",
            register_digits: 6,
            ct: (1, 1),
            pt: (1, 1),
            installed_on: "2024-03-01".parse().unwrap(),
        }],
    };
    archive::insert_in(&mut tx, vec![account], Vec::new()).await.unwrap();
    let number = account_no.to_string();
    let change = Change {
        entity: "power_account",
        entity_id: number.clone(),
        action: "create",
        branch: None,
        old: None,
        new: None,
    };
    tx.audit(&Actor::system(Scope::new(vec![station])), change).await.unwrap();
    tx.commit().await.unwrap();
    number
}
