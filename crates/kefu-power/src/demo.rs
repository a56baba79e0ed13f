//! The demo county: a Guangxi county power-supply company with its
//! customer service centre, ten township supply stations, six small hydro
//! stations and the electricity accounts of the county's households,
//! shops, irrigation pumps and a few 10 kV large users, generated from a
//! seed so the same seed and day always give the same data.

use crate::accounts::{AccountNo, MeterNo, StationPrefix};
use crate::archive::{self, NewAccount, NewMeter, branch_kind};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_accounts::branches::{self, NewBranch};
use kefu_care::customers::{self, CustomerInput};
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Scope};
use kefu_pack::names::{self, pick};
use kefu_store::{Change, Db};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// How many accounts `serve --demo` loads (issue 19: about 30,000).
pub const ACCOUNTS: usize = 30_000;

pub const COMPANY_CODE: &str = "QSGD";
const COMPANY_NAME: &str = "青山县供电公司";
const COUNTY: &str = "广西壮族自治区桂林市青山县";
const AREA_CODE: &str = "0773";

/// The townships, each with its supply station and some of its villages.
const TOWNSHIPS: [(&str, &[&str]); 10] = [
    ("青山镇", &["城东社区", "城西社区", "新街社区", "龙岩村", "黄竹村"]),
    ("大坡镇", &["大坡村", "石门村", "竹山村", "平岭村"]),
    ("长安镇", &["长安村", "福禄村", "三江村", "六合村"]),
    ("桥头镇", &["桥头村", "江口村", "古塘村", "白沙村"]),
    ("马岭镇", &["马岭村", "新寨村", "木冲村", "上坪村"]),
    ("沙塘乡", &["沙塘村", "良田村", "水口村", "高岭村"]),
    ("龙江乡", &["龙江村", "板桥村", "洞头村", "下岸村"]),
    ("兴隆镇", &["兴隆村", "东岭村", "西坡村", "大塘村"]),
    ("永福镇", &["永福村", "凤凰村", "和平村", "塘头村"]),
    ("安宁乡", &["安宁村", "瑶山村", "岩口村", "冷水村"]),
];

const HYDRO: [&str; 6] =
    ["龙江一级水电站", "龙江二级水电站", "大坡河水电站", "瑶山水电站", "白沙滩水电站", "古塘水电站"];

const SHOP_KINDS: &[&str] = &["超市", "饭店", "五金店", "米粉店", "药店", "农资店", "旅社", "汽修店"];
const LARGE_USERS: &[&str] =
    &["青山糖业有限公司", "桂青水泥有限公司", "青山木业有限公司", "兴隆矿业有限公司", "长安茶业有限公司"];

#[derive(Debug, Default)]
pub struct Summary {
    pub stations: usize,
    pub hydro: usize,
    pub accounts: usize,
    pub meters: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} 个供电所 supply stations, {} 座小水电 small hydro stations, {} 个用电户 accounts, {} 块电能表 meters",
            self.stations, self.hydro, self.accounts, self.meters
        )
    }
}

/// Whether the county is already in the database.
pub async fn present(db: &Db) -> anyhow::Result<bool> {
    Ok(branches::all(db).await?.iter().any(|b| b.code == COMPANY_CODE))
}

/// The kinds of account, with their share in thousandths.
#[derive(Clone, Copy)]
enum Kind {
    Residential,
    Commercial,
    Agricultural,
    Large,
}

fn kind_of(rng: &mut ChaCha8Rng) -> Kind {
    match rng.random_range(0..1000) {
        0..880 => Kind::Residential,
        880..950 => Kind::Commercial,
        950..992 => Kind::Agricultural,
        _ => Kind::Large,
    }
}

fn village_address(rng: &mut ChaCha8Rng, township: &str, villages: &[&str]) -> String {
    format!("{COUNTY}{township}{}{}组{}号", pick(rng, villages), rng.random_range(1..13), rng.random_range(1..90))
}

/// Loads the county with `count` accounts, telling `progress` how far it got.
pub async fn load(
    db: &Db,
    seed: u64,
    today: Date,
    count: usize,
    progress: &dyn kefu_pack::Progress,
) -> anyhow::Result<Summary> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0070_6f77_6572); // "power": not the 4S demo's stream
    // One transaction: an interrupted load leaves no half county behind.
    let mut tx = db.begin().await?;
    let existing = branches::all(db).await?;
    if existing.iter().any(|b| b.code == COMPANY_CODE) {
        anyhow::bail!("the demo county is already loaded (branch {COMPANY_CODE} exists)");
    }
    let parent = existing.into_iter().find(|b| b.parent_id.is_none()).map(|b| b.id);
    let branch = |parent: Option<BranchId>, code: String, name: String, kind: &str, address: String| NewBranch {
        parent_id: parent,
        code,
        name,
        kind: kind.into(),
        phone: format!("{AREA_CODE}-86{:05}", rng_phone(&address)),
        address,
    };
    let nobody = Actor::system(Scope::new(parent.into_iter().collect()));
    let company = branches::create_in(
        &mut tx,
        &nobody,
        branch(
            parent,
            COMPANY_CODE.into(),
            COMPANY_NAME.into(),
            branch_kind::GROUP,
            format!("{COUNTY}青山镇人民路8号"),
        ),
    )
    .await?
    .id;
    let actor = Actor::system(Scope::new(vec![company]));
    let centre = branches::create_in(
        &mut tx,
        &actor,
        branch(
            Some(company),
            format!("{COMPANY_CODE}-KF"),
            "青山县供电公司客户服务中心".into(),
            branch_kind::GROUP,
            format!("{COUNTY}青山镇人民路10号"),
        ),
    )
    .await?
    .id;
    let mut stations = Vec::new();
    for (i, (township, _)) in TOWNSHIPS.iter().enumerate() {
        let b = branches::create_in(
            &mut tx,
            &actor,
            branch(
                Some(centre),
                format!("{COMPANY_CODE}-{:02}", i + 1),
                format!("{township}供电所"),
                branch_kind::STATION,
                format!("{COUNTY}{township}新街{}号", 3 + i * 7),
            ),
        )
        .await?
        .id;
        let prefix = StationPrefix::parse("prefix", &format!("31{:02}", i + 1))?;
        archive::add_station_in(&mut tx, b, &prefix).await?;
        stations.push((b, prefix));
    }
    let mut meter_serial = 0u64;
    let mut meter = |rng: &mut ChaCha8Rng, kind: &'static str, installed_on: Date| -> anyhow::Result<NewMeter> {
        meter_serial += 1;
        let (code, digits, ct, pt) = match kind {
            "single_phase" => ("DDZY", 6, (1, 1), (1, 1)),
            "three_phase" => ("DTZY", 6, (1, 1), (1, 1)),
            _ => ("DSZY", 8, (*pick(rng, &[50, 75, 100, 150, 200, 300]), 5), (10_000, 100)),
        };
        Ok(NewMeter {
            meter_no: MeterNo::parse("meter_no", &format!("{code}-45{meter_serial:08}"))?,
            kind,
            register_digits: digits,
            ct,
            pt,
            installed_on,
        })
    };
    let mut sites = Vec::new();
    for (i, name) in HYDRO.iter().enumerate() {
        let (township, villages) = TOWNSHIPS[(i * 3 + 5) % TOWNSHIPS.len()];
        let address = village_address(&mut rng, township, villages);
        let b = branches::create_in(
            &mut tx,
            &actor,
            branch(Some(company), format!("{COMPANY_CODE}-SD{}", i + 1), (*name).into(), branch_kind::STATION, address),
        )
        .await?
        .id;
        let installed = today - rng.random_range(400..4000).days();
        sites.push((b, meter(&mut rng, "three_phase_ct", installed)?));
    }
    let mut summary = Summary { stations: stations.len(), hydro: sites.len(), ..Summary::default() };
    summary.meters += sites.len();
    archive::insert_in(&mut tx, Vec::new(), sites).await?;
    progress.start(count as u64, "演示数据 demo (供电 power)");
    for (s, (station, prefix)) in stations.iter().enumerate() {
        let share = count / stations.len() + usize::from(s < count % stations.len());
        let (township, villages) = TOWNSHIPS[s];
        let mut plans = Vec::with_capacity(share);
        let mut inputs = Vec::with_capacity(share);
        for serial in 1..=share {
            let kind = kind_of(&mut rng);
            let address = village_address(&mut rng, township, villages);
            let (name, gender, company) = match kind {
                Kind::Residential | Kind::Agricultural => {
                    let (n, g) = names::person(&mut rng);
                    (n, g, false)
                }
                Kind::Commercial => {
                    (format!("{township}{}{}", names::person(&mut rng).0, pick(&mut rng, SHOP_KINDS)), "", true)
                }
                Kind::Large => (format!("{}（{}）", pick(&mut rng, LARGE_USERS), township), "", true),
            };
            inputs.push(
                CustomerInput {
                    kind: if company { "company" } else { "person" }.into(),
                    name,
                    gender: gender.into(),
                    mobile: names::mobile(&mut rng),
                    address: address.clone(),
                    source: "营业厅".into(),
                    ..CustomerInput::default()
                }
                .check(today)?,
            );
            plans.push((serial as u64, kind, address));
        }
        let created = customers::insert_many(&mut tx, *station, inputs).await?;
        let mut accounts = Vec::with_capacity(share);
        for ((serial, kind, address), customer) in plans.into_iter().zip(created) {
            let connected = today - rng.random_range(30..7000).days();
            let (usage_class, voltage, capacity_kva, tariff, meter_kind) = match kind {
                Kind::Residential => {
                    ("residential", "220v", *pick(&mut rng, &[4, 6, 8, 10]), "gx-res-1", "single_phase")
                }
                Kind::Commercial => ("general_commercial", "380v", rng.random_range(10..60), "gx-com-1", "three_phase"),
                Kind::Agricultural => ("agricultural", "380v", rng.random_range(7..40), "gx-agr-1", "three_phase"),
                Kind::Large => (
                    "large_industry",
                    "10kv",
                    *pick(&mut rng, &[315, 500, 630, 800, 1250, 2000]),
                    "gx-tou-1",
                    "three_phase_ct",
                ),
            };
            // A non-residential account holds a permit, renewed so that it
            // is in force today.
            let permit = (!matches!(kind, Kind::Residential)).then(|| {
                let valid_until = today + rng.random_range(30..1800).days();
                (format!("QSYD{}{:05}", connected.year(), serial), connected, valid_until)
            });
            let status = match rng.random_range(0..100) {
                0 => "applying",
                1 => "suspended",
                2 => "closed",
                _ => "active",
            };
            let meters = if status == "applying" { Vec::new() } else { vec![meter(&mut rng, meter_kind, connected)?] };
            summary.meters += meters.len();
            accounts.push(NewAccount {
                account_no: AccountNo::issue(prefix, serial)?,
                customer_id: customer.id,
                branch_id: *station,
                usage_class,
                voltage,
                capacity_kva,
                supply_address: address,
                tariff_code: tariff,
                permit,
                status,
                meters,
            });
        }
        summary.accounts += archive::insert_in(&mut tx, accounts, Vec::new()).await?;
        progress.advance(share as u64);
        tx.audit(
            &actor,
            Change {
                entity: "demo",
                entity_id: COMPANY_CODE.into(),
                action: "load",
                branch: Some(*station),
                old: None,
                new: Some(serde_json::json!({ "seed": seed, "accounts": share })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    crate::books::demo::load(db, seed, today).await?;
    progress.finish();
    Ok(summary)
}

/// A branch's phone number from its address, so the same county gets the
/// same numbers.
fn rng_phone(address: &str) -> u32 {
    address.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 100_000
}
