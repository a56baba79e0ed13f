//! The contracts' and permits' SQL. Every read takes the actor's scope (an
//! account, its contracts and its permit are seen from its station).

use super::{ContractInput, PermitInput};
use crate::archive::{self, Account};
use crate::paging::{Page, Paged, total_of};
use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// A supply contract as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contract {
    pub id: i64,
    pub account_id: i64,
    pub contract_no: String,
    pub signed_on: Date,
    pub valid_until: Date,
    pub capacity_kva: i64,
    pub supply_mode: String,
    pub metering_point: String,
    pub liability_boundary: String,
}

pub(super) const COLUMNS: &str = "k.id, k.account_id, k.contract_no, k.signed_on, k.valid_until, k.capacity_kva, \
     k.supply_mode, k.metering_point, k.liability_boundary";

fn day(r: &sqlx::any::AnyRow, col: &str) -> Result<Date> {
    let text = r.text(col)?;
    text.parse().map_err(|_| Failure::Store(kefu_store::StoreError::Other(format!("bad date {text:?} in {col}"))))
}

pub(super) fn contract_from(r: &sqlx::any::AnyRow) -> Result<Contract> {
    Ok(Contract {
        id: r.i64("id")?,
        account_id: r.i64("account_id")?,
        contract_no: r.text("contract_no")?,
        signed_on: day(r, "signed_on")?,
        valid_until: day(r, "valid_until")?,
        capacity_kva: r.i64("capacity_kva")?,
        supply_mode: r.text("supply_mode")?,
        metering_point: r.text("metering_point")?,
        liability_boundary: r.text("liability_boundary")?,
    })
}

/// Records a contract (the first, or a renewal) of the account `number` in
/// the actor's scope, checked by [`ContractInput::check`].
pub async fn record(
    db: &Db,
    actor: &Actor,
    number: &str,
    input: &ContractInput,
    (today, now): (Date, jiff::Timestamp),
) -> Result<Contract> {
    let account = archive::by_number(db, &actor.scope, number).await?;
    let c = input.check(&account, today)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_contracts (account_id, contract_no, signed_on, valid_until, capacity_kva, supply_mode, \
         metering_point, liability_boundary, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(account.id)
    .bind(c.contract_no.clone())
    .bind(c.signed_on.to_string())
    .bind(c.valid_until.to_string())
    .bind(c.capacity_kva)
    .bind(c.supply_mode)
    .bind(c.metering_point.clone())
    .bind(c.liability_boundary.clone())
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    let stored = Contract {
        id,
        account_id: account.id,
        contract_no: c.contract_no,
        signed_on: c.signed_on,
        valid_until: c.valid_until,
        capacity_kva: c.capacity_kva,
        supply_mode: c.supply_mode.to_string(),
        metering_point: c.metering_point,
        liability_boundary: c.liability_boundary,
    };
    tx.audit(
        actor,
        Change {
            entity: "power_contract",
            entity_id: id.to_string(),
            action: "create",
            branch: Some(account.branch_id),
            old: None,
            new: Some(json!({ "account_no": account.account_no, "contract": stored })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(stored)
}

/// The contracts of an account already read in scope, the latest (the one
/// in force) first.
pub async fn contracts_of(db: &Db, account: &Account) -> Result<Vec<Contract>> {
    let sql = format!("SELECT {COLUMNS} FROM power_contracts k WHERE k.account_id = $1 ORDER BY k.id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.id).fetch_all(db.pool()).await?;
    rows.iter().map(contract_from).collect()
}

/// Records the account's power-use permit (first issue or renewal); one
/// that expired is refused.
pub async fn record_permit(db: &Db, actor: &Actor, number: &str, input: &PermitInput, today: Date) -> Result<Account> {
    let account = archive::by_number(db, &actor.scope, number).await?;
    let (no, issued, until) = input.check(today)?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE power_accounts SET permit_no = $1, permit_issued = $2, permit_valid_until = $3 WHERE id = $4")
        .bind(no.clone())
        .bind(issued.to_string())
        .bind(until.to_string())
        .bind(account.id)
        .execute(tx.conn())
        .await?;
    tx.audit(
        actor,
        Change {
            entity: "power_account",
            entity_id: account.account_no.clone(),
            action: "permit",
            branch: Some(account.branch_id),
            old: Some(json!({
                "permit_no": account.permit_no, "permit_issued": account.permit_issued,
                "permit_valid_until": account.permit_valid_until,
            })),
            new: Some(json!({ "permit_no": no, "permit_issued": issued, "permit_valid_until": until })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Account { permit_no: Some(no), permit_issued: Some(issued), permit_valid_until: Some(until), ..account })
}

/// A contract in force that ends within the window, with its account.
#[derive(Debug, Clone, Serialize)]
pub struct Expiring {
    pub contract: Contract,
    pub account_no: String,
    pub usage_class: String,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub station: String,
    pub station_id: BranchId,
}

/// An account's contract in force is its latest.
const IN_FORCE: &str = "NOT EXISTS (SELECT 1 FROM power_contracts n WHERE n.account_id = k.account_id AND n.id > k.id)";
/// Accounts still supplied: a closed one needs no renewal.
const SUPPLIED: &str = "a.status IN ('active', 'suspended')";

/// The contracts in force in scope ending from `from` to `to`, soonest
/// first (past ones too when `from` lies before today: they are overdue).
pub async fn expiring(db: &Db, scope: &Scope, (from, to): (Date, Date), page: Page) -> Result<Paged<Expiring>> {
    let sql = format!(
        "SELECT {COLUMNS}, a.account_no, a.usage_class, a.customer_id, c.name, b.name AS station, \
         a.branch_id, COUNT(*) OVER () AS total FROM power_contracts k JOIN power_accounts a ON a.id = k.account_id \
         JOIN customers c ON c.id = a.customer_id JOIN branches b ON b.id = a.branch_id \
         WHERE k.valid_until >= $1 AND k.valid_until <= $2 AND {IN_FORCE} AND {SUPPLIED} AND a.branch_id IN ({}) \
         ORDER BY k.valid_until, a.account_no{}",
        scope.sql_list(),
        page.sql()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).bind(to.to_string()).fetch_all(db.pool()).await?;
    let total = total_of(&rows)?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(Expiring {
                contract: contract_from(r)?,
                account_no: r.text("account_no")?,
                usage_class: r.text("usage_class")?,
                customer_id: CustomerId(r.i64("customer_id")?),
                customer_name: r.text("name")?,
                station: r.text("station")?,
                station_id: BranchId(r.i64("branch_id")?),
            })
        })
        .collect::<Result<_>>()?;
    Ok(Paged { rows, total })
}

/// An account whose permit ends within the window.
#[derive(Debug, Clone, Serialize)]
pub struct ExpiringPermit {
    pub account_no: String,
    pub usage_class: String,
    pub permit_no: String,
    pub permit_valid_until: Date,
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub station: String,
}

/// The permits in scope ending from `from` to `to`, soonest first.
pub async fn permits_expiring(
    db: &Db,
    scope: &Scope,
    (from, to): (Date, Date),
    page: Page,
) -> Result<Paged<ExpiringPermit>> {
    let sql = format!(
        "SELECT a.account_no, a.usage_class, a.permit_no, a.permit_valid_until, a.customer_id, c.name, \
         b.name AS station, COUNT(*) OVER () AS total FROM power_accounts a JOIN customers c ON c.id = a.customer_id \
         JOIN branches b ON b.id = a.branch_id WHERE a.permit_valid_until >= $1 AND a.permit_valid_until <= $2 \
         AND {SUPPLIED} AND a.branch_id IN ({}) ORDER BY a.permit_valid_until, a.account_no{}",
        scope.sql_list(),
        page.sql()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).bind(to.to_string()).fetch_all(db.pool()).await?;
    let total = total_of(&rows)?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(ExpiringPermit {
                account_no: r.text("account_no")?,
                usage_class: r.text("usage_class")?,
                permit_no: r.opt_text("permit_no")?.unwrap_or_default(),
                permit_valid_until: day(r, "permit_valid_until")?,
                customer_id: CustomerId(r.i64("customer_id")?),
                customer_name: r.text("name")?,
                station: r.text("station")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Paged { rows, total })
}

/// The rows of the renewal anchors: accounts whose contract in force
/// (`contract_expiry`) or permit (`permit_expiry`) ends on the day, with
/// their holder's preferences and station (`kefu_outreach` reads them).
pub(super) fn anchor_sql(anchor: &str, prefs: &str) -> Option<String> {
    let (from, condition, until) = match anchor {
        "contract_expiry" => (
            " JOIN power_contracts k ON k.account_id = a.id",
            format!("k.valid_until = $1 AND {IN_FORCE}"),
            "k.valid_until",
        ),
        "permit_expiry" => ("", "a.permit_valid_until = $1".to_string(), "a.permit_valid_until"),
        _ => return None,
    };
    Some(format!(
        "SELECT a.id AS account_id, a.account_no, a.branch_id, a.customer_id, {until} AS until, \
         c.name, c.mobile, c.email, c.address, c.is_member, {prefs}, b.name AS store, b.phone AS store_phone \
         FROM power_accounts a{from} JOIN customers c ON c.id = a.customer_id JOIN branches b ON b.id = a.branch_id \
         WHERE {condition} AND {SUPPLIED} AND c.merged_into IS NULL ORDER BY a.id"
    ))
}
