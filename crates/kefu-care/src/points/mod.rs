//! Points: earned from money spent (points per yuan by tier, times a
//! promotion), redeemed for accessories or labour hours, lapsing after 24
//! months, and taken back when a purchase is refunded. The ledger is the
//! truth: every change is an entry with signed points and a customer's
//! balance is their sum. Each change first locks the customer's row, so two
//! redemptions at once queue and never overdraw, then expires what lapsed.

pub mod rules;

use crate::customers::{self, Customer};
use jiff::civil::Date;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::validation::optional_text;
use kefu_core::{Actor, Invalid, Money, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use rules::Lot;
use serde::{Deserialize, Serialize};
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// One entry of the ledger.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Entry {
    pub id: i64,
    /// earn, redeem, expire or refund
    pub kind: String,
    /// Signed: earned points are positive, the rest negative.
    pub points: i64,
    pub amount_fen: i64,
    pub tier: String,
    pub promotion_percent: i64,
    pub purchase_id: Option<i64>,
    pub expires_on: Option<String>,
    /// Of an earn entry: the points not yet used, lapsed or taken back.
    pub remaining: i64,
    pub reference: String,
    pub at: String,
    pub business_date: String,
    pub actor: String,
}

const COLUMNS: &str = "id, kind, points, amount_fen, tier, promotion_percent, purchase_id, expires_on, remaining, \
     reference, at, business_date, actor";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Entry> {
    Ok(Entry {
        id: r.i64("id")?,
        kind: r.text("kind")?,
        points: r.i64("points")?,
        amount_fen: r.i64("amount_fen")?,
        tier: r.text("tier")?,
        promotion_percent: r.i64("promotion_percent")?,
        purchase_id: r.opt_i64("purchase_id")?,
        expires_on: r.opt_text("expires_on")?,
        remaining: r.i64("remaining")?,
        reference: r.text("reference")?,
        at: r.text("at")?,
        business_date: r.text("business_date")?,
        actor: r.text("actor")?,
    })
}

/// A customer's points: the balance (the sum of the ledger) and the newest
/// entries.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub balance: i64,
    pub entries: Vec<Entry>,
}

pub async fn account(db: &Db, scope: &Scope, customer: CustomerId, limit: i64) -> Result<Account> {
    // Independent reads: they run side by side on the read pool, and
    // nothing is returned unless the customer is in scope.
    let (_, account) = tokio::try_join!(customers::get(db, scope, customer), ledger(db, customer, limit))?;
    Ok(account)
}

/// The points of a customer the caller has read in scope already (the
/// 360° page), without reading the customer again.
pub async fn account_of(db: &Db, checked: &Customer, limit: i64) -> Result<Account> {
    ledger(db, checked.id, limit).await
}

async fn ledger(db: &Db, customer: CustomerId, limit: i64) -> Result<Account> {
    // PostgreSQL sums BIGINT as NUMERIC: cast back for both databases.
    let balance =
        sqlx::query_scalar("SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM point_entries WHERE customer_id = $1")
            .bind(customer.0)
            .fetch_one(db.pool());
    // The limit is written into the statement, not bound: bound, it had
    // PostgreSQL plan the statement anew for every read (see search.rs).
    let sql = format!("SELECT {COLUMNS} FROM point_entries WHERE customer_id = $1 ORDER BY id DESC LIMIT {limit}");
    let newest = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(customer.0).fetch_all(db.pool());
    let (balance, rows) = tokio::try_join!(balance, newest)?;
    Ok(Account { balance, entries: rows.iter().map(from_row).collect::<Result<_>>()? })
}

/// When and by whom a change is made.
#[derive(Debug, Clone, Copy)]
pub struct When {
    pub now: jiff::Timestamp,
    /// The business date of `now`: lots lapse by it.
    pub today: Date,
}

/// An entry to write.
struct NewEntry<'a> {
    kind: &'a str,
    points: i64,
    amount: Money,
    tier: &'a str,
    promotion_percent: i64,
    purchase_id: Option<i64>,
    expires_on: Option<Date>,
    reference: &'a str,
}

impl<'a> NewEntry<'a> {
    /// An entry that takes `points` from the customer (redeem, expire, refund).
    fn taking(kind: &'a str, points: i64, reference: &'a str) -> NewEntry<'a> {
        NewEntry {
            kind,
            points: -points,
            amount: Money::ZERO,
            tier: "",
            promotion_percent: 100,
            purchase_id: None,
            expires_on: None,
            reference,
        }
    }
}

/// The customer's change in progress: their branch and the transaction
/// that holds the lock on them.
struct Locked {
    tx: Tx,
    customer: CustomerId,
    branch: BranchId,
    /// The points that lapsed and were expired on taking the lock.
    expired: i64,
}

impl Locked {
    /// Locks the customer (a write to their row: PostgreSQL holds the row,
    /// SQLite the database, until commit) and expires what lapsed by today.
    async fn begin(db: &Db, actor: &Actor, customer: CustomerId, when: When) -> Result<Locked> {
        let c = customers::get(db, &actor.scope, customer).await?;
        let mut tx = db.begin().await?;
        sqlx::query("UPDATE customers SET updated_at = updated_at WHERE id = $1")
            .bind(customer.0)
            .execute(tx.conn())
            .await?;
        let mut locked = Locked { tx, customer, branch: c.branch_id, expired: 0 };
        locked.expired = locked.expire(actor, when).await?;
        Ok(locked)
    }

    async fn lots(&mut self) -> Result<Vec<Lot>> {
        let rows = sqlx::query(
            "SELECT id, expires_on, remaining FROM point_entries WHERE customer_id = $1 AND kind = 'earn' AND remaining > 0",
        )
        .bind(self.customer.0)
        .fetch_all(self.tx.conn())
        .await?;
        rows.iter()
            .map(|r| {
                let expires = r.text("expires_on")?;
                Ok(Lot {
                    id: r.i64("id")?,
                    expires_on: expires
                        .parse()
                        .map_err(|_| kefu_store::StoreError::Other(format!("stored date {expires:?}")))?,
                    remaining: r.i64("remaining")?,
                })
            })
            .collect()
    }

    /// Takes points from lots; returns how many were taken.
    async fn take(&mut self, taken: &[(i64, i64)]) -> Result<i64> {
        for (lot, n) in taken {
            sqlx::query("UPDATE point_entries SET remaining = remaining - $1 WHERE id = $2")
                .bind(*n)
                .bind(*lot)
                .execute(self.tx.conn())
                .await?;
        }
        Ok(taken.iter().map(|(_, n)| n).sum())
    }

    async fn write(&mut self, actor: &Actor, when: When, e: NewEntry<'_>) -> Result<Entry> {
        let sql = format!(
            "INSERT INTO point_entries (branch_id, customer_id, kind, points, amount_fen, tier, promotion_percent, \
             purchase_id, expires_on, remaining, reference, at, business_date, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {COLUMNS}"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(self.branch.0)
            .bind(self.customer.0)
            .bind(e.kind.to_string())
            .bind(e.points)
            .bind(e.amount.fen())
            .bind(e.tier.to_string())
            .bind(e.promotion_percent)
            .bind(e.purchase_id)
            .bind(e.expires_on.map(|d| d.to_string()))
            // An earned lot starts whole.
            .bind(if e.kind == "earn" { e.points } else { 0 })
            .bind(e.reference.to_string())
            .bind(instant_text(when.now))
            .bind(when.today.to_string())
            .bind(actor.display_name.clone())
            .fetch_one(self.tx.conn())
            .await?;
        let entry = from_row(&row)?;
        self.tx
            .audit(
                actor,
                Change {
                    entity: "points",
                    entity_id: self.customer.to_string(),
                    action: e.kind,
                    branch: Some(self.branch),
                    old: None,
                    new: Some(json!(entry)),
                },
            )
            .await?;
        Ok(entry)
    }

    /// Expires the customer's lots that lapsed by today, as one entry.
    async fn expire(&mut self, actor: &Actor, when: When) -> Result<i64> {
        let lapsed = rules::lapsed(&self.lots().await?, when.today);
        let n = self.take(&lapsed).await?;
        if n > 0 {
            self.write(actor, when, NewEntry::taking("expire", n, "")).await?;
        }
        Ok(n)
    }

    async fn commit(self) -> Result<()> {
        Ok(self.tx.commit().await?)
    }
}

/// Money spent, as a form or the API gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EarnInput {
    /// Yuan, e.g. "1234.50".
    #[serde(default)]
    pub amount: String,
    /// The repair order or invoice.
    #[serde(default)]
    pub reference: String,
    /// 100 without a promotion.
    #[serde(default = "no_promotion")]
    pub promotion_percent: i64,
}

fn no_promotion() -> i64 {
    100
}

fn positive(field: &str, text: &str) -> std::result::Result<Money, Invalid> {
    let amount = Money::parse_yuan(field, text)?;
    if amount.fen() <= 0 {
        return Err(Invalid::new(field, Rule::new("positive_amount", "须大于 0", "must be more than zero")));
    }
    Ok(amount)
}

/// Earns points for money spent, at the customer's tier.
pub async fn earn(db: &Db, actor: &Actor, customer: CustomerId, input: &EarnInput, when: When) -> Result<Entry> {
    // The branch first: another branch's customer is refused as such.
    let member = customers::get(db, &actor.scope, customer).await?.is_member;
    // A member earns at their tier's rate, or the members' rate without one.
    let tier = match (member, crate::members::tier_of(db, customer).await?) {
        (true, Some(tier)) => tier,
        (true, None) => "member".to_string(),
        (false, _) => "standard".to_string(),
    };
    let amount = positive("amount", &input.amount)?;
    let promotion = rules::check_promotion(input.promotion_percent)?;
    let reference = optional_text("reference", &input.reference, 100)?;
    let per_yuan: i64 = sqlx::query_scalar("SELECT points_per_yuan FROM point_rules WHERE tier = $1")
        .bind(tier.clone())
        .fetch_optional(db.pool())
        .await?
        .unwrap_or(0);
    let mut locked = Locked::begin(db, actor, customer, when).await?;
    let entry = NewEntry {
        kind: "earn",
        points: rules::earned(amount, per_yuan, promotion)?,
        amount,
        tier: &tier,
        promotion_percent: promotion,
        purchase_id: None,
        expires_on: Some(rules::expires_on(when.today)),
        reference: &reference,
    };
    let entry = locked.write(actor, when, entry).await?;
    locked.commit().await?;
    Ok(entry)
}

/// Redeems points, the soonest to lapse first; refused when the customer
/// has fewer.
pub async fn redeem(
    db: &Db,
    actor: &Actor,
    customer: CustomerId,
    points: i64,
    reference_text: &str,
    when: When,
) -> Result<Entry> {
    let mut locked = Locked::begin(db, actor, customer, when).await?;
    let reference = optional_text("reference", reference_text, 100)?;
    // Decided on the lots as they are under the lock.
    let taken = rules::redeem(&locked.lots().await?, points, when.today)?;
    locked.take(&taken).await?;
    let entry = locked.write(actor, when, NewEntry::taking("redeem", points, &reference)).await?;
    locked.commit().await?;
    Ok(entry)
}

/// Takes back the points a refunded purchase (an earn entry) earned, in
/// proportion to the money refunded.
pub async fn refund(
    db: &Db,
    actor: &Actor,
    customer: CustomerId,
    purchase: i64,
    amount_text: &str,
    when: When,
) -> Result<Entry> {
    let mut locked = Locked::begin(db, actor, customer, when).await?;
    let amount = positive("amount", amount_text)?;
    let row = sqlx::query(
        "SELECT points, amount_fen, reference FROM point_entries WHERE id = $1 AND customer_id = $2 AND kind = 'earn'",
    )
    .bind(purchase)
    .bind(customer.0)
    .fetch_optional(locked.tx.conn())
    .await?
    .ok_or(Failure::NotFound)?;
    let (earned, spent) = (row.i64("points")?, Money::from_fen(row.i64("amount_fen")?));
    let done: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) FROM point_entries WHERE purchase_id = $1 AND kind = 'refund'",
    )
    .bind(purchase)
    .fetch_one(locked.tx.conn())
    .await?;
    let done = Money::from_fen(done);
    let left = Money::from_fen(spent.fen() - done.fen());
    if amount.fen() > left.fen() {
        return Err(Invalid::new(
            "amount",
            Rule::new(
                "refund_exceeds_purchase",
                format!("退款不能超过该笔消费尚未退款的 {left}"),
                format!("a refund cannot exceed the {left} of this purchase not yet refunded"),
            ),
        )
        .into());
    }
    let back = rules::refunded(earned, spent, done + amount) - rules::refunded(earned, spent, done);
    let taken = rules::take_back(&locked.lots().await?, purchase, back, when.today);
    let n = locked.take(&taken).await?;
    let reference = row.text("reference")?;
    let entry = NewEntry { amount, purchase_id: Some(purchase), ..NewEntry::taking("refund", n, &reference) };
    let entry = locked.write(actor, when, entry).await?;
    locked.commit().await?;
    Ok(entry)
}

/// Expires every lapsed lot of the customers in the actor's scope (the
/// hourly run); returns how many customers lost points.
pub async fn expire_due(db: &Db, actor: &Actor, when: When) -> Result<usize> {
    let sql = format!(
        "SELECT DISTINCT customer_id FROM point_entries WHERE kind = 'earn' AND remaining > 0 AND expires_on <= $1 \
         AND branch_id IN ({})",
        actor.scope.sql_list()
    );
    let due: Vec<i64> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(when.today.to_string()).fetch_all(db.pool()).await?;
    let mut expired = 0;
    for customer in due {
        // Locking expires; a run that finds nothing left (another server
        // was first) writes nothing.
        let locked = Locked::begin(db, actor, CustomerId(customer), when).await?;
        if locked.expired > 0 {
            expired += 1;
            locked.commit().await?;
        }
    }
    Ok(expired)
}
