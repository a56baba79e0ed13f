//! The demo property company: 锦华物业 with two estates in Hangzhou, their
//! buildings, rooms, parking spaces and shops, owners, co-owners, tenants
//! and family members (customers of the common core), papers on file and
//! cars, generated from a seed so the same seed and day always give the
//! same data. `kefu gen --packs estate --houses N` writes the same shape at
//! any scale.

use crate::archive::{self, Estate, NewBuilding, NewHouse, NewResident, branch_kind};
use crate::charges;
use crate::fees::{AreaOf, Basis, Cycle, DueDay, FeeItem, Month, UnitPrice};
use crate::houses::{Area, HouseKind, HouseNo, HouseState};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use kefu_accounts::branches::{self, NewBranch};
use kefu_care::customers::{self, CustomerInput};
use kefu_core::ident::Plate;
use kefu_core::ident::resident_id::check_char;
use kefu_core::ids::BranchId;
use kefu_core::{Actor, Money, Scope};
use kefu_pack::names::{self, pick};
use kefu_store::{Change, Db};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Row;
use std::fmt;

/// How many houses `serve --demo` loads (issue 21: about 3,000).
pub const HOUSES: usize = 3_000;

pub const COMPANY_CODE: &str = "JHWY";
const COMPANY_NAME: &str = "锦华物业服务有限公司";
const CITY: &str = "浙江省杭州市";

/// The estates: code, name, address; houses are split between them.
const ESTATES: [(&str, &str, &str); 2] =
    [("JHWY-JH", "锦华花园", "西湖区文三路288号"), ("JHWY-CH", "翠湖苑", "拱墅区湖州街168号")];

/// A building's shape: units, floors, rooms a floor.
const UNITS: u8 = 2;
const FLOORS: i64 = 18;
const ROOMS_A_FLOOR: i64 = 4;
const ROOMS_A_BUILDING: usize = (UNITS as i64 * FLOORS * ROOMS_A_FLOOR) as usize;

/// Hangzhou's plates: 浙A and the letters of its districts.
const PLATE_LETTERS: &[char] = &['A', 'A', 'A', 'H'];
const PLATE_CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";

/// The area codes of Hangzhou's districts, for the ID numbers.
const DISTRICTS: &[&str] = &["330102", "330105", "330106", "330108", "330109", "330110"];

#[derive(Debug, Default)]
pub struct Summary {
    pub estates: usize,
    pub buildings: usize,
    pub houses: usize,
    pub people: usize,
    pub vehicles: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} 个小区 estates, {} 栋楼 buildings, {} 套房屋 houses, {} 位业户 residents, {} 辆车 vehicles",
            self.estates, self.buildings, self.houses, self.people, self.vehicles
        )
    }
}

/// Whether the company is already in the database.
pub async fn present(db: &Db) -> anyhow::Result<bool> {
    Ok(branches::all(db).await?.iter().any(|b| b.code == COMPANY_CODE))
}

/// A valid ID number (居民身份证号) of someone born between 1950 and 2000.
fn id_number(rng: &mut ChaCha8Rng) -> String {
    let born = Date::new(rng.random_range(1950..2001), rng.random_range(1..13), rng.random_range(1..29))
        .expect("days 1 to 28 exist in every month");
    let first17 = format!("{}{}{:03}", pick(rng, DISTRICTS), born.strftime("%Y%m%d"), rng.random_range(1..1000));
    let check = check_char(first17.as_bytes()).expect("17 digits");
    format!("{first17}{}", char::from(check))
}

fn plate(rng: &mut ChaCha8Rng) -> Plate {
    let tail: String = (0..5).map(|_| char::from(*pick(rng, PLATE_CHARS))).collect();
    // A plate of letters only is refused: the serial keeps a digit.
    let tail = format!("{}{}", &tail[..4], rng.random_range(0..10));
    Plate::parse("plate", &format!("浙{}{tail}", pick(rng, PLATE_LETTERS))).expect("a Hangzhou plate")
}

/// What a house will be, before its people are customers.
pub(crate) struct Plan {
    number: HouseNo,
    kind: HouseKind,
    state: HouseState,
    area: (i64, i64),
    /// (role, person's index in the estate's customers, moved in)
    people: Vec<(&'static str, usize)>,
    moved_in: Option<Date>,
    documents: Vec<(&'static str, Date)>,
    /// The owner's cars (index into the person list: the owner's).
    cars: usize,
}

/// An estate of the company as the load makes it: its branch, address and
/// share of the houses.
pub(crate) struct Made {
    pub branch: BranchId,
    pub code: &'static str,
    pub address: String,
    pub share: usize,
}

/// Creates the company, its estates and their buildings for `count`
/// houses inside `tx`; the system actor of the company with them.
pub(crate) async fn company_in(tx: &mut kefu_store::Tx, db: &Db, count: usize) -> anyhow::Result<(Actor, Vec<Made>)> {
    let existing = branches::all(db).await?;
    if existing.iter().any(|b| b.code == COMPANY_CODE) {
        anyhow::bail!("the demo property company is already loaded (branch {COMPANY_CODE} exists)");
    }
    let parent = existing.into_iter().find(|b| b.parent_id.is_none()).map(|b| b.id);
    let nobody = Actor::system(Scope::new(parent.into_iter().collect()));
    let branch =
        |parent: Option<BranchId>, code: &str, name: &str, kind: &str, address: String, phone: u32| NewBranch {
            parent_id: parent,
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            phone: format!("0571-8{phone:07}"),
            address,
        };
    let company = branches::create_in(
        tx,
        &nobody,
        branch(parent, COMPANY_CODE, COMPANY_NAME, branch_kind::GROUP, format!("{CITY}西湖区文三路200号"), 8_816_000),
    )
    .await?
    .id;
    let actor = Actor::system(Scope::new(vec![company]));
    let mut made = Vec::new();
    for (e, (code, name, street)) in ESTATES.iter().enumerate() {
        let share = count / ESTATES.len() + usize::from(e < count % ESTATES.len());
        let address = format!("{CITY}{street}");
        let estate = branches::create_in(
            tx,
            &actor,
            branch(Some(company), code, name, branch_kind::ESTATE, address.clone(), 8_816_100 + e as u32),
        )
        .await?
        .id;
        archive::add_estate_in(tx, estate, 90).await?;
        let buildings = (1..=numbers(share).1)
            .map(|b| NewBuilding {
                code: b.to_string(),
                name: format!("{b}幢"),
                floors: FLOORS,
                units: i64::from(UNITS),
            })
            .collect();
        archive::add_buildings_in(tx, estate, buildings).await?;
        made.push(Made { branch: estate, code, address, share });
    }
    Ok((actor, made))
}

/// An estate's `share` of houses, numbered: 10% parking spaces first (the
/// cars stand on them), 2% shops, the rest rooms; and its buildings.
pub(crate) fn numbers(share: usize) -> (Vec<(HouseNo, HouseKind)>, usize) {
    let spaces = share / 10;
    let shops = share / 50;
    let rooms = share - spaces - shops;
    let building_count = rooms.div_ceil(ROOMS_A_BUILDING);
    let mut numbers = Vec::with_capacity(share);
    for s in 1..=spaces {
        numbers.push((HouseNo::Parking { space: format!("B1-{s:03}") }, HouseKind::ParkingSpace));
    }
    for s in 1..=shops {
        numbers.push((HouseNo::Shop { shop: format!("{}", 100 + s) }, HouseKind::Shop));
    }
    for r in 0..rooms {
        let building = r / ROOMS_A_BUILDING + 1;
        let within = (r % ROOMS_A_BUILDING) as i64;
        let unit = (within / (FLOORS * ROOMS_A_FLOOR)) as u8 + 1;
        let floor = (within % (FLOORS * ROOMS_A_FLOOR)) / ROOMS_A_FLOOR + 1;
        let room = format!("{}{:02}", floor, within % ROOMS_A_FLOOR + 1);
        numbers.push((HouseNo::Room { building: building.to_string(), unit: Some(unit), room }, HouseKind::Residence));
    }
    (numbers, building_count)
}

/// Plans one house: its state, area, people (added to `inputs`, their
/// index kept), papers and cars; a parking space in use joins
/// `free_spaces`.
pub(crate) fn plan_house(
    rng: &mut ChaCha8Rng,
    (today, address): (Date, &str),
    (number, kind): (HouseNo, HouseKind),
    inputs: &mut Vec<CustomerInput>,
    free_spaces: &mut Vec<String>,
) -> Plan {
    let handed_over = today - rng.random_range(200..3000).days();
    let state = match (kind, rng.random_range(0..100)) {
        (_, 0..4) => HouseState::Unsold,
        (HouseKind::ParkingSpace, _) => HouseState::Occupied,
        (_, 4..12) => HouseState::Vacant,
        (HouseKind::Residence, 12..20) => HouseState::Let,
        (HouseKind::Residence, 20..23) => HouseState::Decorating,
        (HouseKind::Shop, 12..70) => HouseState::Let,
        _ => HouseState::Occupied,
    };
    let area = match kind {
        HouseKind::Residence => {
            let building = rng.random_range(6_000..16_000);
            (building, building * rng.random_range(76..86) / 100)
        }
        HouseKind::Shop => {
            let building = rng.random_range(4_000..20_000);
            (building, building * 90 / 100)
        }
        HouseKind::ParkingSpace => (1_250, 1_250),
    };
    let mut people = Vec::new();
    let mut documents = Vec::new();
    let mut cars = 0;
    if state != HouseState::Unsold {
        let mut person = |rng: &mut ChaCha8Rng| {
            let (name, gender) = names::person(rng);
            let known_id = rng.random_range(0..100) < 93;
            let mobile = if rng.random_range(0..100) < 97 { names::mobile(rng) } else { String::new() };
            inputs.push(CustomerInput {
                kind: "person".into(),
                name,
                gender: gender.into(),
                mobile,
                id_number: if known_id { id_number(rng) } else { String::new() },
                address: format!("{address}{number}"),
                source: "业户档案".into(),
                ..CustomerInput::default()
            });
            inputs.len() - 1
        };
        if kind == HouseKind::ParkingSpace {
            free_spaces.push(number.to_string());
            // A space is sold with a room; its owner is a room's owner
            // in a fuller archive, a person of its own here.
            people.push(("owner", person(rng)));
        } else {
            people.push(("owner", person(rng)));
            if rng.random_range(0..100) < 30 {
                people.push(("co_owner", person(rng)));
            }
            match state {
                HouseState::Let => people.push(("tenant", person(rng))),
                HouseState::Occupied if kind == HouseKind::Residence && rng.random_range(0..100) < 45 => {
                    people.push(("family", person(rng)));
                }
                _ => {}
            }
            if kind == HouseKind::Residence && state == HouseState::Occupied {
                cars = match rng.random_range(0..100) {
                    0..45 => 1,
                    45..55 => 2,
                    _ => 0,
                };
            }
        }
        if rng.random_range(0..100) < 92 {
            documents.push(("service_contract", handed_over));
        }
        if rng.random_range(0..100) < 95 {
            documents.push(("handover_form", handed_over));
        }
        if state == HouseState::Decorating {
            documents.push(("decoration_permit", today - rng.random_range(5..60).days()));
        }
    }
    Plan {
        number,
        kind,
        state,
        area,
        people,
        moved_in: (state != HouseState::Unsold).then_some(handed_over),
        documents,
        cars,
    }
}

/// A planned house with its people stored as `customer` (by their index
/// in the inputs), its owner's cars on spaces taken from `free_spaces`.
pub(crate) fn house_of(
    rng: &mut ChaCha8Rng,
    p: Plan,
    customer: impl Fn(usize) -> kefu_core::ids::CustomerId,
    free_spaces: &mut Vec<String>,
    summary: &mut Summary,
) -> NewHouse {
    let mut residents = Vec::with_capacity(p.people.len());
    for (i, (role, person)) in p.people.iter().enumerate() {
        let owner = *role == "owner";
        let vehicles =
            if owner { (0..p.cars).map(|_| (plate(rng), free_spaces.pop())).collect::<Vec<_>>() } else { Vec::new() };
        summary.vehicles += vehicles.len();
        let emergency = (owner && rng.random_range(0..100) < 70).then(|| {
            let (n, _) = names::person(rng);
            (n, names::mobile(rng))
        });
        residents.push(NewResident {
            customer_id: customer(*person),
            role,
            moved_in: p.moved_in,
            keys_handed_on: (i == 0).then_some(p.moved_in).flatten(),
            certificate_no: (matches!(*role, "owner" | "co_owner") && p.kind != HouseKind::ParkingSpace).then(|| {
                format!(
                    "浙({})杭州市不动产权第{:07}号",
                    2015 + rng.random_range(0..10),
                    rng.random_range(0..10_000_000)
                )
            }),
            emergency,
            vehicles,
        });
    }
    NewHouse {
        number: p.number,
        kind: p.kind,
        state: p.state,
        building_area: Area::from_hundredths(p.area.0).expect("an area above zero"),
        interior_area: Area::from_hundredths(p.area.1).expect("an area above zero"),
        billed_from: p.moved_in,
        residents,
        documents: p.documents,
    }
}

/// The seed's stream for the archive ("estate": not the other demos').
pub(crate) fn archive_rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ 0x6573_7461_7465)
}

/// Loads the company with `count` houses split between its estates,
/// telling `progress` how far it got. `today` is the day the archive runs
/// up to; `now` stamps the records.
pub async fn load(
    db: &Db,
    seed: u64,
    today: Date,
    now: Timestamp,
    count: usize,
    progress: &dyn kefu_pack::Progress,
) -> anyhow::Result<Summary> {
    let mut rng = archive_rng(seed);
    // One transaction: an interrupted load leaves no half company behind.
    let mut tx = db.begin().await?;
    let (actor, estates) = company_in(&mut tx, db, count).await?;
    let mut summary = Summary { estates: ESTATES.len(), ..Summary::default() };
    progress.start(count as u64, "演示数据 demo (物业 estate)");
    for e in &estates {
        let (numbers, buildings) = numbers(e.share);
        summary.buildings += buildings;
        let mut plans = Vec::with_capacity(e.share);
        let mut inputs = Vec::new();
        let mut free_spaces: Vec<String> = Vec::new();
        for house in numbers {
            plans.push(plan_house(&mut rng, (today, &e.address), house, &mut inputs, &mut free_spaces));
        }
        let checked = inputs.into_iter().map(|i| i.check(today)).collect::<Result<Vec<_>, _>>()?;
        summary.people += checked.len();
        let created = customers::insert_many(&mut tx, e.branch, checked).await?;
        let houses = plans
            .into_iter()
            .map(|p| house_of(&mut rng, p, |i| created[i].id, &mut free_spaces, &mut summary))
            .collect();
        summary.houses += archive::insert_in(&mut tx, e.branch, houses, now).await?;
        progress.advance(e.share as u64);
        tx.audit(
            &actor,
            Change {
                entity: "demo",
                entity_id: e.code.into(),
                action: "load",
                branch: Some(e.branch),
                old: None,
                new: Some(serde_json::json!({ "seed": seed, "houses": e.share })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    progress.finish();
    Ok(summary)
}

/// The fee items of the demo's estates: management by building area
/// (residences, and shops at a higher rate) and parking at a fixed monthly
/// amount, due on the 15th.
fn fee_items(estate: usize) -> Vec<(String, FeeItem)> {
    let price = |p: i64| UnitPrice::from_units(p);
    let due = DueDay::new("due_day", 15).expect("the 15th");
    let item = |code: &str, name: &str, basis, kinds: &[HouseKind]| {
        (name.to_string(), FeeItem::new(code, basis, Cycle::Monthly, due, kinds).expect("a valid item"))
    };
    vec![
        item(
            "wyf",
            "物业服务费（住宅）",
            Basis::Area { of: AreaOf::Building, price: price([23_500, 19_500][estate % 2]) },
            &[HouseKind::Residence],
        ),
        item(
            "wyf-sp",
            "物业服务费（商铺）",
            Basis::Area { of: AreaOf::Building, price: price(45_000) },
            &[HouseKind::Shop],
        ),
        item("tcf", "车位管理费", Basis::Fixed { per_month: Money::from_yuan(150) }, &[HouseKind::ParkingSpace]),
    ]
}

/// The demo's fee items for every estate of the company.
pub async fn add_fee_items(db: &Db) -> anyhow::Result<Vec<Estate>> {
    let company = company_scope(db).await?;
    let actor = Actor::system(company.clone());
    let estates = archive::estates(db, &company).await?;
    for (i, estate) in estates.iter().enumerate() {
        charges::add_items(db, &actor, estate, &fee_items(i)).await?;
    }
    Ok(estates)
}

pub(crate) async fn company_scope(db: &Db) -> anyhow::Result<Scope> {
    let all = branches::all(db).await?;
    let company = all.iter().find(|b| b.code == COMPANY_CODE).map(|b| b.id);
    Ok(Scope::new(
        all.iter().filter(|b| b.id == company.unwrap_or(b.id) || b.parent_id == company).map(|b| b.id).collect(),
    ))
}

/// Two years of fees: the items, a billing run each month, and payments —
/// most households settle every quarter by one of the channels, some fall
/// behind in the last months — so the arrears show every bucket.
pub async fn fee_history(db: &Db, seed: u64, today: Date) -> anyhow::Result<(usize, usize)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6665_6573); // "fees"
    let estates = add_fee_items(db).await?;
    let actor = Actor::system(company_scope(db).await?);
    let (mut bills, mut payments) = (0, 0);
    let first = Month::of(today).plus(-23);
    for estate in &estates {
        let laggards: std::collections::HashSet<i64> = {
            let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM estate_houses WHERE branch_id = $1")
                .bind(estate.branch_id.0)
                .fetch_all(db.pool())
                .await?;
            ids.into_iter().filter(|_| rng.random_range(0..100) < 8).collect()
        };
        for m in 0..24 {
            let month = first.plus(m);
            let at = month.first_day().at(9, 0, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::UTC)?.timestamp();
            bills += charges::run_billing(db, &actor, estate, month, at).await?.bills;
            // Quarterly settlement, in the month's third week.
            if m % 3 != 2 {
                continue;
            }
            let owed = sqlx::query(
                "SELECT house_id, CAST(SUM(outstanding) AS BIGINT) AS owed FROM estate_bills WHERE branch_id = $1 AND outstanding > 0 \
                 AND reversed_by IS NULL GROUP BY house_id ORDER BY house_id",
            )
            .bind(estate.branch_id.0)
            .fetch_all(db.pool())
            .await?;
            let paid_at = at + jiff::SignedDuration::from_hours(24 * rng.random_range(14..20));
            // Nobody has paid on a day still to come.
            if paid_at.to_zoned_datetime(jiff::tz::TimeZone::UTC).date() > today {
                continue;
            }
            let mut tx = db.begin().await?;
            let mut count = 0;
            for r in &owed {
                let house: i64 = r.try_get("house_id")?;
                let owed: i64 = r.try_get("owed")?;
                if (laggards.contains(&house) && m >= 14) || rng.random_range(0..100) < 6 {
                    continue;
                }
                let channel = *pick(&mut rng, &["desk", "wechat", "wechat", "alipay", "bank"]);
                let txn = match channel {
                    "desk" => String::new(),
                    "wechat" => format!("42000{}{:013}", month.year(), rng.random_range(0..10_000_000_000_000u64)),
                    "alipay" => format!("{}{:020}", month.year(), rng.random_range(0..100_000_000_000_000_000u64)),
                    _ => format!("HZB{:012}", rng.random_range(0..1_000_000_000_000u64)),
                };
                charges::pay_in(&mut tx, &actor, estate, house, Money::from_fen(owed), channel, &txn, paid_at).await?;
                count += 1;
            }
            tx.audit(
                &actor,
                Change {
                    entity: "demo",
                    entity_id: estate.code.clone(),
                    action: "payments",
                    branch: Some(estate.branch_id),
                    old: None,
                    new: Some(serde_json::json!({ "month": month.to_string(), "payments": count })),
                },
            )
            .await?;
            tx.commit().await?;
            payments += count;
        }
    }
    Ok((bills, payments))
}
