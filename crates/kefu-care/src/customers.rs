//! The customer archive: persons and companies, each belonging to a branch.

use crate::pinyin_name::pinyin_forms;
use jiff::civil::Date;
use kefu_core::ident::Mobile;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Customer {
    pub id: CustomerId,
    pub branch_id: BranchId,
    pub customer_no: String,
    pub kind: String,
    pub name: String,
    pub mobile: Option<String>,
    pub gender: String,
    pub birthday: Option<Date>,
    pub address: String,
    pub source: String,
    pub is_member: bool,
    pub notes: String,
}

/// The fields a person types when recording or editing a customer.
#[derive(Debug, Clone, Default)]
pub struct CustomerInput {
    pub kind: String,
    pub name: String,
    pub mobile: String,
    pub gender: String,
    pub birthday: String,
    pub address: String,
    pub source: String,
    pub is_member: bool,
    pub notes: String,
}

/// A validated [`CustomerInput`].
#[derive(Debug)]
struct Valid {
    kind: &'static str,
    name: String,
    mobile: Option<Mobile>,
    gender: &'static str,
    birthday: Option<Date>,
    address: String,
    source: String,
    is_member: bool,
    notes: String,
}

impl CustomerInput {
    fn validate(&self, today: Date) -> std::result::Result<Valid, Invalid> {
        let kind = match self.kind.trim() {
            "" | "person" => "person",
            "company" => "company",
            _ => {
                return Err(Invalid::new(
                    "kind",
                    Rule::new("customer_kind", "须为 个人 或 单位", "must be person or company"),
                ));
            }
        };
        let name = self.name.trim().to_string();
        if name.is_empty() {
            return Err(Invalid::required("name"));
        }
        if name.chars().count() > 64 {
            return Err(Invalid::too_long("name", 64));
        }
        let mobile = match self.mobile.trim() {
            "" => None,
            m => Some(Mobile::parse("mobile", m)?),
        };
        let gender = match self.gender.trim() {
            "" => "",
            "m" | "男" => "m",
            "f" | "女" => "f",
            _ => return Err(Invalid::new("gender", Rule::new("gender", "须为 男 或 女", "must be m or f"))),
        };
        let birthday = match self.birthday.trim() {
            "" => None,
            b => {
                let date: Date = b.parse().map_err(|_| {
                    Invalid::new(
                        "birthday",
                        Rule::new("date_format", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"),
                    )
                })?;
                if date > today || date.year() < 1900 {
                    return Err(Invalid::new(
                        "birthday",
                        Rule::new(
                            "birthday_range",
                            "须在 1900 年之后且不晚于今天",
                            "must be after 1900 and not in the future",
                        ),
                    ));
                }
                Some(date)
            }
        };
        for (field, value, max) in
            [("address", &self.address, 200), ("source", &self.source, 64), ("notes", &self.notes, 2000)]
        {
            if value.chars().count() > max {
                return Err(Invalid::too_long(field, max));
            }
        }
        Ok(Valid {
            kind,
            name,
            mobile,
            gender,
            birthday,
            address: self.address.trim().to_string(),
            source: self.source.trim().to_string(),
            is_member: self.is_member,
            notes: self.notes.trim().to_string(),
        })
    }
}

const COLUMNS: &str =
    "id, branch_id, customer_no, kind, name, mobile, gender, birthday, address, source, is_member, notes";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Customer> {
    Ok(Customer {
        id: CustomerId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        customer_no: r.text("customer_no")?,
        kind: r.text("kind")?,
        name: r.text("name")?,
        mobile: r.opt_text("mobile")?,
        gender: r.text("gender")?,
        birthday: r.opt_text("birthday")?.and_then(|d| d.parse().ok()),
        address: r.text("address")?,
        source: r.text("source")?,
        is_member: r.flag("is_member")?,
        notes: r.text("notes")?,
    })
}

/// Records a new customer in `branch`. The customer number is assigned from
/// the id ("KH" and seven digits) unless the caller brings one from an old
/// system.
pub async fn create(
    db: &Db,
    actor: &Actor,
    branch: BranchId,
    input: &CustomerInput,
    customer_no: Option<&str>,
    today: Date,
) -> Result<Customer> {
    actor.scope.check(branch)?;
    let v = input.validate(today)?;
    let mut tx = db.begin().await?;
    let customer = insert(&mut tx, branch, &v, customer_no).await?;
    tx.audit(
        actor,
        Change {
            entity: "customer",
            entity_id: customer.id.to_string(),
            action: "create",
            branch: Some(branch),
            old: None,
            new: Some(json!(customer)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(customer)
}

/// Validates and inserts inside the caller's transaction, which audits: bulk
/// loads (the demo, imports) audit the batch rather than each row.
pub async fn create_in(
    tx: &mut Tx,
    branch: BranchId,
    input: &CustomerInput,
    customer_no: Option<&str>,
    today: Date,
) -> Result<Customer> {
    let v = input.validate(today)?;
    insert(tx, branch, &v, customer_no).await
}

async fn insert(tx: &mut Tx, branch: BranchId, v: &Valid, customer_no: Option<&str>) -> Result<Customer> {
    let (pinyin, initials) = pinyin_forms(&v.name);
    let now = instant_text(jiff::Timestamp::now());
    // A placeholder number unique to this insert, replaced from the id below.
    let provisional = customer_no.map(str::to_string).unwrap_or_else(|| format!("new-{now}-{}", v.name));
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO customers (branch_id, customer_no, kind, name, name_pinyin, name_initials, mobile, gender, \
         birthday, address, source, is_member, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING {COLUMNS}"
    )))
    .bind(branch.0)
    .bind(provisional)
    .bind(v.kind)
    .bind(v.name.clone())
    .bind(pinyin)
    .bind(initials)
    .bind(v.mobile.as_ref().map(|m| m.as_str().to_string()))
    .bind(v.gender)
    .bind(v.birthday.map(|d| d.to_string()))
    .bind(v.address.clone())
    .bind(v.source.clone())
    .bind(i64::from(v.is_member))
    .bind(v.notes.clone())
    .bind(now)
    .fetch_one(tx.conn())
    .await
    .map_err(|e| Failure::unique_as_taken(e, "customer_no"))?;
    let mut customer = from_row(&row)?;
    if customer_no.is_none() {
        customer.customer_no = format!("KH{:07}", customer.id.0);
        sqlx::query("UPDATE customers SET customer_no = $1 WHERE id = $2")
            .bind(customer.customer_no.clone())
            .bind(customer.id.0)
            .execute(tx.conn())
            .await?;
    }
    Ok(customer)
}

/// One customer, if it lies in the actor's scope.
pub async fn get(db: &Db, scope: &Scope, id: CustomerId) -> Result<Customer> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM customers WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let customer = from_row(&row)?;
    scope.check(customer.branch_id)?;
    Ok(customer)
}

/// The newest customers in scope, a page at a time.
pub async fn list(db: &Db, scope: &Scope, limit: i64, offset: i64) -> Result<Vec<Customer>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM customers WHERE branch_id IN ({}) ORDER BY id DESC LIMIT $1 OFFSET $2",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).bind(offset).fetch_all(db.pool()).await?;
    rows.iter().map(from_row).collect()
}

pub async fn count(db: &Db, scope: &Scope) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) FROM customers WHERE branch_id IN ({})", scope.sql_list());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?)
}

/// Customers in scope whose birthday falls on `day` (any year).
pub async fn count_birthdays_on(db: &Db, scope: &Scope, day: Date) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM customers WHERE branch_id IN ({}) AND substr(birthday, 6, 5) = $1",
        scope.sql_list()
    );
    let month_day = format!("{:02}-{:02}", day.month(), day.day());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(month_day).fetch_one(db.pool()).await?)
}

/// Changes a customer's details, keeping the old values in the audit log.
pub async fn update(db: &Db, actor: &Actor, id: CustomerId, input: &CustomerInput, today: Date) -> Result<Customer> {
    let old = get(db, &actor.scope, id).await?;
    let v = input.validate(today)?;
    let (pinyin, initials) = pinyin_forms(&v.name);
    let mut tx = db.begin().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE customers SET kind = $1, name = $2, name_pinyin = $3, name_initials = $4, mobile = $5, gender = $6, \
         birthday = $7, address = $8, source = $9, is_member = $10, notes = $11, updated_at = $12 \
         WHERE id = $13 RETURNING {COLUMNS}"
    )))
    .bind(v.kind)
    .bind(v.name.clone())
    .bind(pinyin)
    .bind(initials)
    .bind(v.mobile.as_ref().map(|m| m.as_str().to_string()))
    .bind(v.gender)
    .bind(v.birthday.map(|d| d.to_string()))
    .bind(v.address.clone())
    .bind(v.source.clone())
    .bind(i64::from(v.is_member))
    .bind(v.notes.clone())
    .bind(instant_text(jiff::Timestamp::now()))
    .bind(id.0)
    .fetch_one(tx.conn())
    .await?;
    let new = from_row(&row)?;
    tx.audit(
        actor,
        Change {
            entity: "customer",
            entity_id: id.to_string(),
            action: "update",
            branch: Some(new.branch_id),
            old: Some(json!(old)),
            new: Some(json!(new)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}

impl Customer {
    /// The input form pre-filled with the stored values, for editing.
    pub fn to_input(&self) -> CustomerInput {
        CustomerInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            mobile: self.mobile.clone().unwrap_or_default(),
            gender: self.gender.clone(),
            birthday: self.birthday.map(|d| d.to_string()).unwrap_or_default(),
            address: self.address.clone(),
            source: self.source.clone(),
            is_member: self.is_member,
            notes: self.notes.clone(),
        }
    }

    /// The mobile number as a role without [`kefu_core::Permission::PersonalDataView`] sees it.
    pub fn mobile_for(&self, actor: &Actor) -> Option<String> {
        let m = self.mobile.as_deref()?;
        if actor.can(kefu_core::Permission::PersonalDataView) {
            Some(m.to_string())
        } else {
            Some(Mobile::parse("mobile", m).map(|m| m.masked()).unwrap_or_else(|_| "****".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-11-29".parse().unwrap()
    }

    #[test]
    fn input_validation_names_the_field() {
        let mut input = CustomerInput { name: "王芳".into(), mobile: "138 0013 8000".into(), ..Default::default() };
        let v = input.validate(today()).unwrap();
        assert_eq!(v.mobile.unwrap().as_str(), "13800138000");
        input.name = " ".into();
        assert_eq!(input.validate(today()).unwrap_err().field, "name");
        input.name = "王芳".into();
        input.mobile = "12345".into();
        assert_eq!(input.validate(today()).unwrap_err().field, "mobile");
        input.mobile = String::new();
        input.birthday = "2030-01-01".into();
        assert_eq!(input.validate(today()).unwrap_err().rule.code, "birthday_range");
    }
}
