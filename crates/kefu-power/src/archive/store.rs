//! The archive's SQL: stations, accounts and meters. Every read takes the
//! actor's scope (an account is seen from its station's branch).

use super::{Account, Meter, NewAccount, NewMeter, keys};
use crate::accounts::StationPrefix;
use kefu_care::search;
use kefu_core::Scope;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, Failure, RowExt, StoreError, Tx};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

const ACCOUNT_COLUMNS: &str = "id, account_no, customer_id, branch_id, usage_class, voltage, capacity_kva, \
     supply_address, tariff_code, permit_no, permit_issued, permit_valid_until, status";

const METER_COLUMNS: &str = "id, meter_no, kind, register_digits, ct_primary, ct_secondary, pt_primary, \
     pt_secondary, account_id, site_branch_id, installed_on, removed_on";

fn date(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<jiff::civil::Date>> {
    Ok(r.opt_text(col)?.and_then(|d| d.parse().ok()))
}

/// An account from a row of `power_accounts` (for the pack's other tables'
/// transactions, which read the account they change).
pub fn account_of_row(r: &sqlx::any::AnyRow) -> Result<Account> {
    account_from(r)
}

fn account_from(r: &sqlx::any::AnyRow) -> Result<Account> {
    Ok(Account {
        id: r.i64("id")?,
        account_no: r.text("account_no")?,
        customer_id: CustomerId(r.i64("customer_id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        usage_class: r.text("usage_class")?,
        voltage: r.text("voltage")?,
        capacity_kva: r.i64("capacity_kva")?,
        supply_address: r.text("supply_address")?,
        tariff_code: r.text("tariff_code")?,
        permit_no: r.opt_text("permit_no")?,
        permit_issued: date(r, "permit_issued")?,
        permit_valid_until: date(r, "permit_valid_until")?,
        status: r.text("status")?,
    })
}

fn meter_from(r: &sqlx::any::AnyRow) -> Result<Meter> {
    Ok(Meter {
        id: r.i64("id")?,
        meter_no: r.text("meter_no")?,
        kind: r.text("kind")?,
        register_digits: r.i64("register_digits")?,
        ct: (r.i64("ct_primary")?, r.i64("ct_secondary")?),
        pt: (r.i64("pt_primary")?, r.i64("pt_secondary")?),
        account_id: r.opt_i64("account_id")?,
        site_branch_id: r.opt_i64("site_branch_id")?.map(BranchId),
        installed_on: date(r, "installed_on")?,
        removed_on: date(r, "removed_on")?,
    })
}

/// Makes `branch` a supply station whose account numbers begin with
/// `prefix`, inside the caller's transaction (which audits).
pub async fn add_station_in(tx: &mut Tx, branch: BranchId, prefix: &StationPrefix) -> Result<()> {
    sqlx::query("INSERT INTO power_stations (branch_id, prefix) VALUES ($1, $2)")
        .bind(branch.0)
        .bind(prefix.as_str().to_string())
        .execute(tx.conn())
        .await
        .map_err(|e| Failure::unique_as_taken(e, "prefix"))?;
    Ok(())
}

/// The columns of a new meter's row, [`meter_row`]'s order.
pub(crate) const METER_INSERT: [&str; 12] = [
    "id",
    "meter_no",
    "kind",
    "register_digits",
    "ct_primary",
    "ct_secondary",
    "pt_primary",
    "pt_secondary",
    "account_id",
    "site_branch_id",
    "installed_on",
    "removed_on",
];

/// A new meter's row at an account or at a hydro station (`kefu gen`
/// writes the same rows as [`insert_in`]).
pub(crate) fn meter_row(m: &NewMeter, id: i64, account: Option<i64>, site: Option<BranchId>) -> [Cell; 12] {
    [
        id.into(),
        m.meter_no.as_str().into(),
        m.kind.into(),
        m.register_digits.into(),
        m.ct.0.into(),
        m.ct.1.into(),
        m.pt.0.into(),
        m.pt.1.into(),
        account.into(),
        site.map(|b| b.0).into(),
        Some(m.installed_on.to_string()).into(),
        Option::<String>::None.into(),
    ]
}

/// The columns of a new account's row, [`account_row`]'s order.
pub(crate) const ACCOUNT_INSERT: [&str; 14] = [
    "id",
    "account_no",
    "customer_id",
    "branch_id",
    "usage_class",
    "voltage",
    "capacity_kva",
    "supply_address",
    "tariff_code",
    "permit_no",
    "permit_issued",
    "permit_valid_until",
    "status",
    "created_at",
];

/// A new account's row, made at `now`.
pub(crate) fn account_row(a: &NewAccount, id: i64, now: &str) -> [Cell; 14] {
    let (permit_no, issued, until) = match &a.permit {
        Some((no, issued, until)) => (Some(no.clone()), Some(issued.to_string()), Some(until.to_string())),
        None => (None, None, None),
    };
    [
        id.into(),
        a.account_no.as_str().into(),
        a.customer_id.0.into(),
        a.branch_id.0.into(),
        a.usage_class.into(),
        a.voltage.into(),
        a.capacity_kva.into(),
        a.supply_address.as_str().into(),
        a.tariff_code.into(),
        permit_no.into(),
        issued.into(),
        until.into(),
        a.status.into(),
        now.into(),
    ]
}

/// An account's search keys as a set of its own.
pub(crate) fn key_set(a: &NewAccount, id: i64) -> search::Keys {
    search::Keys {
        customer: a.customer_id,
        source: format!("{}:{id}", super::ASSET),
        keys: keys(a.account_no.as_str(), &a.supply_address, a.meters.iter().map(|m| m.meter_no.as_str())),
    }
}

/// The search keys of an account as it stands: its number, its address and
/// the meters installed there now.
pub(crate) async fn account_keys_in(tx: &mut Tx, account: &Account) -> Result<Vec<String>> {
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT meter_no FROM power_meters WHERE account_id = $1 AND removed_on IS NULL")
            .bind(account.id)
            .fetch_all(tx.conn())
            .await?;
    Ok(keys(&account.account_no, &account.supply_address, numbers.iter().map(String::as_str)))
}

/// Rewrites an account's search keys after a meter is installed there or
/// removed, so the search box finds it by the meters it has.
pub(crate) async fn refresh_keys_in(tx: &mut Tx, account: i64) -> Result<()> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM power_accounts WHERE id = $1");
    let account = &account_from(&sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account).fetch_one(tx.conn()).await?)?;
    let keys = account_keys_in(tx, account).await?;
    search::replace_keys(tx, account.customer_id, &format!("{}:{}", super::ASSET, account.id), &keys).await?;
    Ok(())
}

/// Inserts accounts with their meters and search keys in as few statements
/// as the database allows, inside the caller's transaction (which audits);
/// `sites` are meters at hydro stations. A number taken is refused naming
/// the field.
pub async fn insert_in(tx: &mut Tx, accounts: Vec<NewAccount>, sites: Vec<(BranchId, NewMeter)>) -> Result<usize> {
    let now = instant_text(tx.now());
    let ids = tx.reserve_ids("power_accounts", accounts.len()).await?;
    let meter_count = accounts.iter().map(|a| a.meters.len()).sum::<usize>() + sites.len();
    let mut meter_ids = tx.reserve_ids("power_meters", meter_count).await?.into_iter();
    let mut rows = Vec::with_capacity(accounts.len());
    let mut meters = Vec::with_capacity(meter_count);
    let mut key_sets = Vec::with_capacity(accounts.len());
    for (a, id) in accounts.iter().zip(ids) {
        rows.push(account_row(a, id, &now).into());
        for m in &a.meters {
            let meter_id = meter_ids.next().expect("an id reserved for each meter");
            meters.push(meter_row(m, meter_id, Some(id), None).into());
        }
        key_sets.push(key_set(a, id));
    }
    for (site, m) in &sites {
        let meter_id = meter_ids.next().expect("an id reserved for each meter");
        meters.push(meter_row(m, meter_id, None, Some(*site)).into());
    }
    let taken = |field: &'static str| {
        move |e| match e {
            StoreError::Sql(e) => Failure::unique_as_taken(e, field),
            other => Failure::Store(other),
        }
    };
    bulk::insert(tx.conn(), "power_accounts", &ACCOUNT_INSERT, rows, "").await.map_err(taken("account_no"))?;
    bulk::insert(tx.conn(), "power_meters", &METER_INSERT, meters, "").await.map_err(taken("meter_no"))?;
    search::insert_many(tx, key_sets).await?;
    Ok(accounts.len())
}

/// An account by its number, if it lies in the scope.
pub async fn by_number(db: &Db, scope: &Scope, account_no: &str) -> Result<Account> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM power_accounts WHERE account_no = $1 AND branch_id IN ({})",
        scope.sql_list()
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account_no.to_string()).fetch_optional(db.pool()).await?;
    row.as_ref().map(account_from).transpose()?.ok_or(Failure::NotFound)
}

/// A customer's accounts in scope, in number order.
pub async fn of_customer(db: &Db, scope: &Scope, customer: CustomerId) -> Result<Vec<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM power_accounts WHERE customer_id = $1 AND branch_id IN ({}) \
         ORDER BY account_no",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool()).await?;
    rows.iter().map(account_from).collect()
}

/// The meters that stood or stand at these accounts, newest first.
pub async fn meters_of(db: &Db, accounts: &[i64]) -> Result<Vec<Meter>> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let ids = accounts.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT {METER_COLUMNS} FROM power_meters WHERE account_id IN ({ids}) ORDER BY id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(meter_from).collect()
}

/// The meters at hydro stations in scope.
pub async fn sites(db: &Db, scope: &Scope) -> Result<Vec<Meter>> {
    let sql = format!(
        "SELECT {METER_COLUMNS} FROM power_meters WHERE site_branch_id IN ({}) ORDER BY site_branch_id, id",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter().map(meter_from).collect()
}

/// A station's accounts in number order from `after` (exclusive), at most
/// `limit`; `number` narrows them to numbers beginning with it.
pub async fn list(
    db: &Db,
    scope: &Scope,
    station: BranchId,
    number: &str,
    after: &str,
    limit: i64,
) -> Result<Vec<Account>> {
    let filter = Filter { number: number.to_string(), ..Filter::default() };
    list_where(db, scope, station, &filter, after, limit).await
}

/// What the account list is narrowed to besides its station: numbers
/// beginning with `number`; a usage class and a status when given (codes
/// of [`super::STATUSES`] and the usage classes; others match nothing).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub number: String,
    pub usage_class: Option<String>,
    pub status: Option<String>,
}

/// [`list`] narrowed by `filter`. The station's index on the number keeps
/// the scan in order; the class and status are checked on the rows read.
pub async fn list_where(
    db: &Db,
    scope: &Scope,
    station: BranchId,
    filter: &Filter,
    after: &str,
    limit: i64,
) -> Result<Vec<Account>> {
    if !scope.contains(station) {
        return Ok(Vec::new());
    }
    let class = if filter.usage_class.is_some() { " AND usage_class = $5" } else { "" };
    let status = match (&filter.usage_class, &filter.status) {
        (Some(_), Some(_)) => " AND status = $6",
        (None, Some(_)) => " AND status = $5",
        _ => "",
    };
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM power_accounts WHERE branch_id = $1 AND account_no >= $2 \
         AND account_no < $3 AND account_no > $4{class}{status} ORDER BY account_no LIMIT {limit}"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(station.0)
        .bind(filter.number.clone())
        .bind(format!("{}\u{7f}", filter.number))
        .bind(after.to_string());
    for value in [&filter.usage_class, &filter.status].into_iter().flatten() {
        q = q.bind(value.clone());
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter().map(account_from).collect()
}

/// The accounts in scope.
pub async fn count(db: &Db, scope: &Scope) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM power_accounts WHERE branch_id IN ({})", scope.sql_list());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?)
}

/// A supply station in scope with its prefix and how many accounts it has.
#[derive(Debug, Clone, Serialize)]
pub struct Station {
    pub branch_id: BranchId,
    pub name: String,
    pub prefix: String,
    pub accounts: i64,
}

/// The supply stations in scope, by prefix.
pub async fn stations(db: &Db, scope: &Scope) -> Result<Vec<Station>> {
    let sql = format!(
        "SELECT s.branch_id, b.name, s.prefix, (SELECT COUNT(*) FROM power_accounts a WHERE a.branch_id = s.branch_id) \
         AS accounts FROM power_stations s JOIN branches b ON b.id = s.branch_id WHERE s.branch_id IN ({}) \
         ORDER BY s.prefix",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(Station {
                branch_id: BranchId(r.i64("branch_id")?),
                name: r.text("name")?,
                prefix: r.text("prefix")?,
                accounts: r.i64("accounts")?,
            })
        })
        .collect()
}
