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
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::{Actor, Scope};
use kefu_pack::names::{self, pick};
use kefu_store::{Change, Db, Tx};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;

mod inspection;

mod connections;
mod outages;

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
    pub contracts: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} 个供电所 supply stations, {} 座小水电 small hydro stations, {} 个用电户 accounts, {} 块电能表 meters, {} 份供用电合同 supply contracts",
            self.stations, self.hydro, self.accounts, self.meters, self.contracts
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

/// The county's branches as created: the company, its centre and the supply
/// stations with their prefixes, and the system actor scoped to the company.
pub(crate) struct Branches {
    pub company: BranchId,
    pub stations: Vec<(BranchId, StationPrefix)>,
    pub actor: Actor,
    /// The hydro stations' meters, to insert with the accounts.
    pub sites: Vec<(BranchId, NewMeter)>,
}

/// Creates the company, its customer service centre, the supply stations
/// and the hydro stations inside the caller's transaction; refuses when the
/// county is there already.
pub(crate) async fn create_branches_in(tx: &mut Tx, db: &Db, plans: &mut Planner) -> anyhow::Result<Branches> {
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
        tx,
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
        tx,
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
            tx,
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
        archive::add_station_in(tx, b, &prefix).await?;
        stations.push((b, prefix));
    }
    let mut sites = Vec::new();
    for (i, name) in HYDRO.iter().enumerate() {
        let (township, villages) = TOWNSHIPS[(i * 3 + 5) % TOWNSHIPS.len()];
        let address = village_address(&mut plans.rng, township, villages);
        let b = branches::create_in(
            tx,
            &actor,
            branch(Some(company), format!("{COMPANY_CODE}-SD{}", i + 1), (*name).into(), branch_kind::STATION, address),
        )
        .await?
        .id;
        let installed = plans.today - plans.rng.random_range(400..4000).days();
        sites.push((b, plans.meter("three_phase_ct", installed)?));
    }
    Ok(Branches { company, stations, actor, sites })
}

/// The plans of the county's accounts, drawn from one seeded stream: the
/// demo writes them through the archive, `kefu gen` in bulk.
pub(crate) struct Planner {
    rng: ChaCha8Rng,
    today: Date,
    meter_serial: u64,
}

/// One account's plan: its holder, and the account with its meters (its
/// `customer_id` is set once the holder has an id).
pub(crate) struct AccountPlan {
    pub holder: CustomerInput,
    pub account: NewAccount,
}

impl Planner {
    pub fn new(seed: u64, today: Date) -> Planner {
        // "power": not the 4S demo's stream.
        Planner { rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0070_6f77_6572), today, meter_serial: 0 }
    }

    fn meter(&mut self, kind: &'static str, installed_on: Date) -> anyhow::Result<NewMeter> {
        self.meter_serial += 1;
        let (code, digits, ct, pt) = match kind {
            "single_phase" => ("DDZY", 6, (1, 1), (1, 1)),
            "three_phase" => ("DTZY", 6, (1, 1), (1, 1)),
            _ => ("DSZY", 8, (*pick(&mut self.rng, &[50, 75, 100, 150, 200, 300]), 5), (10_000, 100)),
        };
        Ok(NewMeter {
            meter_no: MeterNo::parse("meter_no", &format!("{code}-45{:08}", self.meter_serial))?,
            kind,
            register_digits: digits,
            ct,
            pt,
            installed_on,
        })
    }

    /// The `serial`th account of the `s`th supply station.
    pub fn account(
        &mut self,
        s: usize,
        station: BranchId,
        prefix: &StationPrefix,
        serial: u64,
    ) -> anyhow::Result<AccountPlan> {
        let (today, rng) = (self.today, &mut self.rng);
        let (township, villages) = TOWNSHIPS[s % TOWNSHIPS.len()];
        let kind = kind_of(rng);
        let address = village_address(rng, township, villages);
        let (name, gender, company) = match kind {
            Kind::Residential | Kind::Agricultural => {
                let (n, g) = names::person(rng);
                (n, g, false)
            }
            Kind::Commercial => (format!("{township}{}{}", names::person(rng).0, pick(rng, SHOP_KINDS)), "", true),
            Kind::Large => (format!("{}（{}）", pick(rng, LARGE_USERS), township), "", true),
        };
        let holder = CustomerInput {
            kind: if company { "company" } else { "person" }.into(),
            name,
            gender: gender.into(),
            mobile: names::mobile(rng),
            address: address.clone(),
            source: "营业厅".into(),
            ..CustomerInput::default()
        };
        let connected = today - rng.random_range(30..7000).days();
        let (usage_class, voltage, capacity_kva, tariff, meter_kind) = match kind {
            Kind::Residential => ("residential", "220v", *pick(rng, &[4, 6, 8, 10]), "gx-res-1", "single_phase"),
            Kind::Commercial => {
                // The larger shops (50 kVA and more) on the time-of-use tariff.
                let kva = rng.random_range(10..60);
                ("general_commercial", "380v", kva, if kva >= 50 { "gx-tou-1" } else { "gx-com-1" }, "three_phase")
            }
            Kind::Agricultural => ("agricultural", "380v", rng.random_range(7..40), "gx-agr-1", "three_phase"),
            Kind::Large => {
                // 大工业 users pay the two-part tariff (basic and energy charges).
                ("large_industry", "10kv", *pick(rng, &[315, 500, 630, 800, 1250, 2000]), "gx-ind-1", "three_phase_ct")
            }
        };
        // A non-residential account holds a permit, renewed so that it is
        // in force today.
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
        let meters = if status == "applying" { Vec::new() } else { vec![self.meter(meter_kind, connected)?] };
        let account = NewAccount {
            account_no: AccountNo::issue(prefix, serial)?,
            customer_id: CustomerId(0),
            branch_id: station,
            usage_class,
            voltage,
            capacity_kva,
            supply_address: address,
            tariff_code: tariff,
            permit,
            status,
            meters,
        };
        Ok(AccountPlan { holder, account })
    }
}

/// Loads the county with `count` accounts, telling `progress` how far it got.
pub async fn load(
    db: &Db,
    seed: u64,
    today: Date,
    count: usize,
    progress: &dyn kefu_pack::Progress,
) -> anyhow::Result<Summary> {
    let mut plans = Planner::new(seed, today);
    // One transaction: an interrupted load leaves no half county behind.
    let mut tx = db.begin().await?;
    let county = create_branches_in(&mut tx, db, &mut plans).await?;
    let (stations, actor) = (&county.stations, &county.actor);
    let mut summary = Summary { stations: stations.len(), hydro: county.sites.len(), ..Summary::default() };
    summary.meters += county.sites.len();
    archive::insert_in(&mut tx, Vec::new(), county.sites).await?;
    progress.start(count as u64, "演示数据 demo (供电 power)");
    for (s, (station, prefix)) in stations.iter().enumerate() {
        let share = count / stations.len() + usize::from(s < count % stations.len());
        let mut planned = Vec::with_capacity(share);
        let mut inputs = Vec::with_capacity(share);
        for serial in 1..=share {
            let plan = plans.account(s, *station, prefix, serial as u64)?;
            inputs.push(plan.holder.check(today)?);
            planned.push(plan.account);
        }
        let created = customers::insert_many(&mut tx, *station, inputs).await?;
        let mut accounts = Vec::with_capacity(share);
        for (mut account, customer) in planned.into_iter().zip(created) {
            account.customer_id = customer.id;
            summary.meters += account.meters.len();
            accounts.push(account);
        }
        summary.accounts += archive::insert_in(&mut tx, accounts, Vec::new()).await?;
        progress.advance(share as u64);
        tx.audit(
            actor,
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
    summary.contracts = crate::contracts::demo::load_in(&mut tx, seed, today, noon(today)?).await?;
    tx.commit().await?;
    inspection::load(db, seed, today).await?;
    let station_ids: Vec<BranchId> = stations.iter().map(|s| s.0).collect();
    connections::load(db, &mut plans.rng, today, &station_ids).await?;
    outages::load(db, &mut plans.rng, today, &station_ids).await?;
    crate::books::demo::load(db, seed, today).await?;
    crate::indicators::demo::load(db, seed, today).await?;
    crate::collection::demo::load(db, seed, today).await?;
    progress.finish();
    Ok(summary)
}

/// A member of the demo county's staff (a cashier, a meter reader) whom
/// the demo's records name, with a password nobody knows; [`retire`]
/// them once their records are made.
pub(crate) async fn staff(
    db: &Db,
    rng: &mut ChaCha8Rng,
    (username, display_name): (&str, &str),
    role: kefu_core::Role,
    branches: Vec<BranchId>,
) -> anyhow::Result<kefu_core::ids::UserId> {
    use kefu_accounts::users::{self, NewUser};
    let password: String = (0..24).map(|_| char::from(rng.random_range(b'a'..=b'z'))).collect();
    let user = NewUser {
        username: username.into(),
        display_name: display_name.into(),
        password: format!("Kefu-{password}-9"),
        roles: vec![role],
        branches: branches.clone(),
        locale: kefu_core::Lang::Zh,
    };
    Ok(users::create(db, &Actor::system(Scope::new(branches)), user).await?.id)
}

/// Makes the demo's staff inactive: no one signs in as them, and `serve`
/// still makes the first administrator (an administrator may activate one
/// and set a password).
pub(crate) async fn retire(db: &Db, staff: &[kefu_core::ids::UserId]) -> anyhow::Result<()> {
    let system = Actor::system(Scope::new(Vec::new()));
    let mut tx = db.begin().await?;
    for id in staff {
        sqlx::query("UPDATE users SET active = 0 WHERE id = $1").bind(id.0).execute(tx.conn()).await?;
        let change = Change {
            entity: "user",
            entity_id: id.0.to_string(),
            action: "deactivate",
            branch: None,
            old: None,
            new: Some(serde_json::json!({"active": false})),
        };
        tx.audit(&system, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Noon UTC of `today`: the instant generated rows are made at, from the
/// day asked for rather than the wall clock, so a seed and day give the
/// same rows.
pub(crate) fn noon(today: Date) -> anyhow::Result<jiff::Timestamp> {
    Ok(jiff::tz::TimeZone::UTC.to_timestamp(today.at(12, 0, 0, 0))?)
}

/// A branch's phone number from its address, so the same county gets the
/// same numbers.
fn rng_phone(address: &str) -> u32 {
    address.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))) % 100_000
}
