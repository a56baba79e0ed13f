//! The customer archive: persons and companies, each belonging to a branch,
//! with their own numbers, ID number, tags and contact preferences.

use crate::preferences::{Preferences, PreferencesInput};
use crate::search::{self, mobile_keys, name_keys};
use crate::timeline::{self, NewEvent};
use jiff::civil::Date;
use kefu_core::ident::{Mobile, ResidentId};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Permission, Rule, Scope};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt, StoreError, Tx};
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
    pub gender: String,
    pub mobile: Option<String>,
    pub landline: String,
    pub email: String,
    pub birthday: Option<Date>,
    pub id_number: Option<String>,
    pub address: String,
    pub source: String,
    pub is_member: bool,
    pub notes: String,
    pub tags: Vec<String>,
    pub preferences: Preferences,
    pub merged_into: Option<CustomerId>,
}

/// The fields a person types when recording or editing a customer.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CustomerInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub landline: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub birthday: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub is_member: bool,
    #[serde(default)]
    pub notes: String,
    /// Comma- or space-separated.
    #[serde(default)]
    pub tags: String,
}

/// A validated [`CustomerInput`].
#[derive(Debug)]
struct Valid {
    kind: &'static str,
    name: String,
    gender: &'static str,
    mobile: Option<Mobile>,
    landline: String,
    email: String,
    birthday: Option<Date>,
    id_number: Option<ResidentId>,
    address: String,
    source: String,
    is_member: bool,
    notes: String,
    tags: Vec<String>,
}

fn date_rule(field: &str) -> Invalid {
    Invalid::new(field, Rule::new("date_format", "日期格式须为 YYYY-MM-DD", "must be a date YYYY-MM-DD"))
}

/// Splits typed tags ("VIP, 车队客户 老客户") into a clean, ordered list.
pub fn parse_tags(text: &str) -> std::result::Result<Vec<String>, Invalid> {
    let mut tags: Vec<String> = text
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    tags.sort();
    tags.dedup();
    if let Some(long) = tags.iter().find(|t| t.chars().count() > 20) {
        return Err(Invalid::new(
            "tags",
            Rule::new(
                "tag_too_long",
                format!("标签“{long}”超过 20 个字符"),
                format!("tag {long:?} is longer than 20 characters"),
            ),
        ));
    }
    if tags.len() > 20 {
        return Err(Invalid::new("tags", Rule::new("too_many_tags", "最多 20 个标签", "at most 20 tags")));
    }
    Ok(tags)
}

impl CustomerInput {
    fn validate(&self, today: Date) -> std::result::Result<Valid, Invalid> {
        let kind = match self.kind.trim() {
            "" | "person" | "个人" => "person",
            "company" | "单位" | "公司" => "company",
            _ => {
                return Err(Invalid::new(
                    "kind",
                    Rule::new("customer_kind", "须为 个人 或 单位", "must be person or company"),
                ));
            }
        };
        let name = required_text("name", &self.name, 64)?;
        let gender = match self.gender.trim() {
            "" => "",
            "m" | "男" => "m",
            "f" | "女" => "f",
            _ => return Err(Invalid::new("gender", Rule::new("gender", "须为 男 或 女", "must be m or f"))),
        };
        let mobile = match self.mobile.trim() {
            "" => None,
            m => Some(Mobile::parse("mobile", m)?),
        };
        let landline = crate::contacts::validate_landline("landline", &self.landline)?;
        let email = self.email.trim().to_string();
        if !email.is_empty() && !is_email(&email) {
            return Err(Invalid::new(
                "email",
                Rule::new("email_format", "电子邮箱格式不正确", "is not an e-mail address"),
            ));
        }
        let id_number = match self.id_number.trim() {
            "" => None,
            text => Some(ResidentId::parse("id_number", text, today)?),
        };
        let birthday = match self.birthday.trim() {
            "" => id_number.as_ref().map(ResidentId::birth_date),
            b => {
                let date: Date = b.parse().map_err(|_| date_rule("birthday"))?;
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
                if let Some(id) = &id_number
                    && id.birth_date() != date
                {
                    return Err(Invalid::new(
                        "birthday",
                        Rule::new(
                            "birthday_id_mismatch",
                            "与身份证号中的出生日期不一致",
                            "differs from the date of birth in the ID number",
                        ),
                    ));
                }
                Some(date)
            }
        };
        let address = optional_text("address", &self.address, 200)?;
        let source = optional_text("source", &self.source, 64)?;
        let notes = optional_text("notes", &self.notes, 2000)?;
        Ok(Valid {
            kind,
            name,
            gender,
            mobile,
            landline,
            email,
            birthday,
            id_number,
            address,
            source,
            is_member: self.is_member,
            notes,
            tags: parse_tags(&self.tags)?,
        })
    }
}

impl Valid {
    /// The customer these details describe, as a new record (default
    /// preferences, not merged); an update keeps the stored preferences.
    fn into_customer(self, id: CustomerId, branch_id: BranchId, customer_no: String) -> Customer {
        Customer {
            id,
            branch_id,
            customer_no,
            kind: self.kind.to_string(),
            name: self.name,
            gender: self.gender.to_string(),
            mobile: self.mobile.map(|m| m.as_str().to_string()),
            landline: self.landline,
            email: self.email,
            birthday: self.birthday,
            id_number: self.id_number.map(|i| i.as_str().to_string()),
            address: self.address,
            source: self.source,
            is_member: self.is_member,
            notes: self.notes,
            tags: self.tags,
            preferences: Preferences::default(),
            merged_into: None,
        }
    }
}

impl CustomerInput {
    /// The customer this input becomes when stored as `id` with
    /// `customer_no` — the row [`create_in`] writes — for bulk loads that
    /// assign ids and write rows themselves.
    pub fn record(
        &self,
        id: CustomerId,
        branch: BranchId,
        customer_no: &str,
        today: Date,
    ) -> std::result::Result<Customer, Invalid> {
        Ok(self.validate(today)?.into_customer(id, branch, customer_no.trim().to_uppercase()))
    }
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(' ')
        }
        None => false,
    }
}

const COLUMNS: &str = "id, branch_id, customer_no, kind, name, gender, mobile, landline, email, birthday, id_number, \
     address, source, is_member, notes, allow_letter, allow_sms, allow_email, allow_phone, do_not_call, \
     preferred_time, quiet_start, quiet_end, merged_into";

/// The customer columns [`from_row`] reads, each under the table alias
/// `alias`, for queries that join customers to another table.
pub(crate) fn columns_of(alias: &str) -> String {
    COLUMNS.split(',').map(|c| format!("{alias}.{}", c.trim())).collect::<Vec<_>>().join(", ")
}

fn time_of(text: Option<String>) -> Option<jiff::civil::Time> {
    text.filter(|t| !t.is_empty()).and_then(|t| format!("{t}:00").parse().ok())
}

/// The contact preferences in a row that selected the customers table's
/// preference columns (allow_letter … quiet_end).
pub fn preferences_of(r: &impl RowExt) -> Result<Preferences> {
    Ok(Preferences {
        allow_letter: r.flag("allow_letter")?,
        allow_sms: r.flag("allow_sms")?,
        allow_email: r.flag("allow_email")?,
        allow_phone: r.flag("allow_phone")?,
        do_not_call: r.flag("do_not_call")?,
        preferred_time: r.text("preferred_time")?,
        quiet_start: time_of(r.opt_text("quiet_start")?),
        quiet_end: time_of(r.opt_text("quiet_end")?),
    })
}

/// The preference columns, for queries that read them with [`preferences_of`].
pub const PREFERENCE_COLUMNS: &str =
    "allow_letter, allow_sms, allow_email, allow_phone, do_not_call, preferred_time, quiet_start, quiet_end";

pub(crate) fn from_row(r: &sqlx::any::AnyRow, tags: Vec<String>) -> Result<Customer> {
    Ok(Customer {
        id: CustomerId(r.i64("id")?),
        branch_id: BranchId(r.i64("branch_id")?),
        customer_no: r.text("customer_no")?,
        kind: r.text("kind")?,
        name: r.text("name")?,
        gender: r.text("gender")?,
        mobile: r.opt_text("mobile")?,
        landline: r.text("landline")?,
        email: r.text("email")?,
        birthday: r.opt_text("birthday")?.and_then(|d| d.parse().ok()),
        id_number: r.opt_text("id_number")?,
        address: r.text("address")?,
        source: r.text("source")?,
        is_member: r.flag("is_member")?,
        notes: r.text("notes")?,
        tags,
        preferences: preferences_of(r)?,
        merged_into: r.opt_i64("merged_into")?.map(CustomerId),
    })
}

/// The search keys of the customer record itself (source "customer").
pub fn keys(c: &Customer) -> Vec<String> {
    let mut keys = name_keys(&c.name);
    if let Some(m) = &c.mobile {
        keys.extend(mobile_keys(m));
    }
    keys.push(search::key(search::kind::CUSTOMER_NO, &c.customer_no.to_uppercase()));
    keys
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
    let mut tx = db.begin().await?;
    let customer = create_in(&mut tx, branch, input, customer_no, today).await?;
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
    let new = input.check(today)?.numbered(customer_no);
    let mut created = insert_many(tx, branch, vec![new]).await?;
    Ok(created.remove(0))
}

/// A customer that passed validation and waits to be inserted: bulk loads
/// validate every row first and write many at once.
#[derive(Debug)]
pub struct NewCustomer {
    v: Valid,
    /// The number from an old system, normalised; None to assign one.
    customer_no: Option<String>,
}

impl CustomerInput {
    /// The same validation the forms and the API apply.
    pub fn check(&self, today: Date) -> std::result::Result<NewCustomer, Invalid> {
        Ok(NewCustomer { v: self.validate(today)?, customer_no: None })
    }
}

impl NewCustomer {
    /// Keeps the customer's number from an old system (blank assigns one).
    pub fn numbered(self, customer_no: Option<&str>) -> NewCustomer {
        let customer_no = customer_no.map(|n| n.trim().to_uppercase()).filter(|n| !n.is_empty());
        NewCustomer { customer_no, ..self }
    }

    pub fn customer_no(&self) -> Option<&str> {
        self.customer_no.as_deref()
    }

    pub fn name(&self) -> &str {
        &self.v.name
    }

    pub fn mobile(&self) -> Option<&str> {
        self.v.mobile.as_ref().map(Mobile::as_str)
    }
}

/// The columns of a new customer's row, in [`insert_row`]'s order.
pub const INSERT_COLUMNS: [&str; 25] = [
    "id",
    "branch_id",
    "customer_no",
    "kind",
    "name",
    "gender",
    "mobile",
    "landline",
    "email",
    "birthday",
    "id_number",
    "address",
    "source",
    "is_member",
    "notes",
    "allow_letter",
    "allow_sms",
    "allow_email",
    "allow_phone",
    "do_not_call",
    "preferred_time",
    "quiet_start",
    "quiet_end",
    "created_at",
    "updated_at",
];

/// A new customer's row for a bulk insert ([`insert_many`], `kefu gen`):
/// the record with its contact preferences, made at `now`.
pub fn insert_row(c: &Customer, now: &str) -> [Cell; 25] {
    let p = &c.preferences;
    [
        c.id.0.into(),
        c.branch_id.0.into(),
        c.customer_no.as_str().into(),
        c.kind.as_str().into(),
        c.name.as_str().into(),
        c.gender.as_str().into(),
        c.mobile.as_deref().into(),
        c.landline.as_str().into(),
        c.email.as_str().into(),
        c.birthday.map(|d| d.to_string()).into(),
        c.id_number.as_deref().into(),
        c.address.as_str().into(),
        c.source.as_str().into(),
        c.is_member.into(),
        c.notes.as_str().into(),
        p.allow_letter.into(),
        p.allow_sms.into(),
        p.allow_email.into(),
        p.allow_phone.into(),
        p.do_not_call.into(),
        p.preferred_time.as_str().into(),
        Preferences::quiet_text(p.quiet_start).into(),
        Preferences::quiet_text(p.quiet_end).into(),
        now.into(),
        now.into(),
    ]
}

/// Inserts validated customers in `branch` with their tags and search keys,
/// in as few statements as the database allows; returns them in the order
/// given. Customers without a number get "KH" and seven digits of their id.
pub async fn insert_many(tx: &mut Tx, branch: BranchId, rows: Vec<NewCustomer>) -> Result<Vec<Customer>> {
    let now = instant_text(tx.now());
    let ids = tx.reserve_ids("customers", rows.len()).await?;
    let customers: Vec<Customer> = rows
        .into_iter()
        .zip(ids)
        .map(|(n, id)| {
            let customer_no = n.customer_no.unwrap_or_else(|| format!("KH{id:07}"));
            n.v.into_customer(CustomerId(id), branch, customer_no)
        })
        .collect();
    let cells: Vec<Vec<Cell>> = customers.iter().map(|c| insert_row(c, &now).into()).collect();
    let (inserted, keys) = bulk::insert_while(tx.conn(), "customers", &INSERT_COLUMNS, cells, "", || {
        customers
            .iter()
            .map(|c| search::Keys { customer: c.id, source: "customer".into(), keys: keys(c) })
            .collect::<Vec<_>>()
    })
    .await;
    inserted.map_err(|e| match e {
        StoreError::Sql(e) => Failure::unique_as_taken(e, "customer_no"),
        other => Failure::Store(other),
    })?;
    let tags = customers
        .iter()
        .flat_map(|c| c.tags.iter().map(|t| vec![Cell::from(c.id.0), Cell::from(t.as_str())]))
        .collect();
    bulk::insert(tx.conn(), "customer_tags", &["customer_id", "tag"], tags, "").await?;
    search::insert_many(tx, keys).await?;
    Ok(customers)
}

async fn write_tags(tx: &mut Tx, id: CustomerId, tags: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM customer_tags WHERE customer_id = $1").bind(id.0).execute(tx.conn()).await?;
    for tag in tags {
        sqlx::query("INSERT INTO customer_tags (customer_id, tag) VALUES ($1, $2)")
            .bind(id.0)
            .bind(tag.clone())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

async fn tags_of(db: &Db, id: CustomerId) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT tag FROM customer_tags WHERE customer_id = $1 ORDER BY tag")
        .bind(id.0)
        .fetch_all(db.pool())
        .await?)
}

/// One customer, if it lies in the scope. A merged-away record is still
/// returned (its page says where it went).
pub async fn get(db: &Db, scope: &Scope, id: CustomerId) -> Result<Customer> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM customers WHERE id = $1")))
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let branch = BranchId(row.i64("branch_id")?);
    scope.check(branch)?;
    from_row(&row, tags_of(db, id).await?)
}

/// Several customers by id, in the order given, leaving out those outside
/// the scope (search results, exports).
pub async fn many(db: &Db, scope: &Scope, ids: &[CustomerId]) -> Result<Vec<Customer>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are bound, and each list padded (with its last id again) to
    // a power of two: a handful of statement shapes stay prepared, where
    // one text per set of ids had PostgreSQL parse and plan each anew.
    // Lists stay well below both databases' limits on bound values.
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(4096) {
        let slots = chunk.len().next_power_of_two();
        let list = (1..=slots).map(|i| format!("${i}")).collect::<Vec<_>>().join(",");
        let sql =
            format!("SELECT {COLUMNS} FROM customers WHERE id IN ({list}) AND branch_id IN ({})", scope.sql_list());
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for i in 0..slots {
            query = query.bind(chunk[i.min(chunk.len() - 1)].0);
        }
        for r in &query.fetch_all(db.pool()).await? {
            found.push(from_row(r, Vec::new())?);
        }
    }
    Ok(ids.iter().filter_map(|id| found.iter().find(|c| c.id == *id).cloned()).collect())
}

/// The newest customers in scope, a page at a time (merged-away records
/// left out).
pub async fn list(db: &Db, scope: &Scope, limit: i64, offset: i64) -> Result<Vec<Customer>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM customers WHERE branch_id IN ({}) AND merged_into IS NULL ORDER BY id DESC LIMIT $1 OFFSET $2",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit).bind(offset).fetch_all(db.pool()).await?;
    rows.iter().map(|r| from_row(r, Vec::new())).collect()
}

pub async fn count(db: &Db, scope: &Scope) -> Result<i64> {
    let sql =
        format!("SELECT COUNT(*) FROM customers WHERE branch_id IN ({}) AND merged_into IS NULL", scope.sql_list());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(db.pool()).await?)
}

/// Customers in scope whose birthday falls on `day` (any year).
pub async fn count_birthdays_on(db: &Db, scope: &Scope, day: Date) -> Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM customers WHERE branch_id IN ({}) AND merged_into IS NULL AND substr(birthday, 6, 5) = $1",
        scope.sql_list()
    );
    let month_day = format!("{:02}-{:02}", day.month(), day.day());
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(month_day).fetch_one(db.pool()).await?)
}

/// The fields that differ between two versions, for the timeline.
fn changed_fields(old: &Customer, new: &Customer) -> Vec<&'static str> {
    let mut f = Vec::new();
    let pairs: [(&'static str, bool); 14] = [
        ("kind", old.kind != new.kind),
        ("name", old.name != new.name),
        ("gender", old.gender != new.gender),
        ("mobile", old.mobile != new.mobile),
        ("landline", old.landline != new.landline),
        ("email", old.email != new.email),
        ("birthday", old.birthday != new.birthday),
        ("id_number", old.id_number != new.id_number),
        ("address", old.address != new.address),
        ("source", old.source != new.source),
        ("is_member", old.is_member != new.is_member),
        ("notes", old.notes != new.notes),
        ("tags", old.tags != new.tags),
        ("preferences", old.preferences != new.preferences),
    ];
    for (name, differs) in pairs {
        if differs {
            f.push(name);
        }
    }
    f
}

/// Writes a changed customer: the row, tags, search keys, a timeline entry
/// naming the changed fields, and the audit record with old and new values.
pub(crate) async fn save(db: &Db, actor: &Actor, old: &Customer, new: &Customer) -> Result<()> {
    let fields = changed_fields(old, new);
    if fields.is_empty() {
        return Ok(());
    }
    let p = &new.preferences;
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE customers SET kind = $1, name = $2, gender = $3, mobile = $4, landline = $5, email = $6, birthday = $7, \
         id_number = $8, address = $9, source = $10, is_member = $11, notes = $12, allow_letter = $13, allow_sms = $14, \
         allow_email = $15, allow_phone = $16, do_not_call = $17, preferred_time = $18, quiet_start = $19, \
         quiet_end = $20, updated_at = $21 WHERE id = $22",
    )
    .bind(new.kind.clone())
    .bind(new.name.clone())
    .bind(new.gender.clone())
    .bind(new.mobile.clone())
    .bind(new.landline.clone())
    .bind(new.email.clone())
    .bind(new.birthday.map(|d| d.to_string()))
    .bind(new.id_number.clone())
    .bind(new.address.clone())
    .bind(new.source.clone())
    .bind(i64::from(new.is_member))
    .bind(new.notes.clone())
    .bind(i64::from(p.allow_letter))
    .bind(i64::from(p.allow_sms))
    .bind(i64::from(p.allow_email))
    .bind(i64::from(p.allow_phone))
    .bind(i64::from(p.do_not_call))
    .bind(p.preferred_time.clone())
    .bind(Preferences::quiet_text(p.quiet_start))
    .bind(Preferences::quiet_text(p.quiet_end))
    .bind(instant_text(tx.now()))
    .bind(new.id.0)
    .execute(tx.conn())
    .await?;
    if old.tags != new.tags {
        write_tags(&mut tx, new.id, &new.tags).await?;
    }
    search::replace_keys(&mut tx, new.id, "customer", &keys(new)).await?;
    let at = tx.now();
    timeline::record(
        &mut tx,
        NewEvent {
            branch: new.branch_id,
            customer: new.id,
            asset: None,
            at,
            kind: timeline::kind::CHANGE,
            summary: String::new(),
            detail: json!({ "fields": fields }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "customer",
            entity_id: new.id.to_string(),
            action: "update",
            branch: Some(new.branch_id),
            old: Some(json!(old)),
            new: Some(json!(new)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a customer's details.
pub async fn update(db: &Db, actor: &Actor, id: CustomerId, input: &CustomerInput, today: Date) -> Result<Customer> {
    let old = get(db, &actor.scope, id).await?;
    let v = input.validate(today)?;
    let new = Customer {
        preferences: old.preferences.clone(),
        merged_into: old.merged_into,
        ..v.into_customer(old.id, old.branch_id, old.customer_no.clone())
    };
    save(db, actor, &old, &new).await?;
    Ok(new)
}

/// Sets the preferences inside the caller's transaction (bulk loads).
pub async fn set_preferences_in(tx: &mut Tx, id: CustomerId, input: &PreferencesInput) -> Result<Preferences> {
    let p = input.validate()?;
    sqlx::query(
        "UPDATE customers SET allow_letter = $1, allow_sms = $2, allow_email = $3, allow_phone = $4, do_not_call = $5, \
         preferred_time = $6, quiet_start = $7, quiet_end = $8 WHERE id = $9",
    )
    .bind(i64::from(p.allow_letter))
    .bind(i64::from(p.allow_sms))
    .bind(i64::from(p.allow_email))
    .bind(i64::from(p.allow_phone))
    .bind(i64::from(p.do_not_call))
    .bind(p.preferred_time.clone())
    .bind(Preferences::quiet_text(p.quiet_start))
    .bind(Preferences::quiet_text(p.quiet_end))
    .bind(id.0)
    .execute(tx.conn())
    .await?;
    Ok(p)
}

/// Changes only the contact preferences.
pub async fn set_preferences(db: &Db, actor: &Actor, id: CustomerId, input: &PreferencesInput) -> Result<Customer> {
    let old = get(db, &actor.scope, id).await?;
    let new = Customer { preferences: input.validate()?, ..old.clone() };
    save(db, actor, &old, &new).await?;
    Ok(new)
}

/// A customer's WeChat openid as typed: trimmed, none when blank; else at
/// most 64 characters of letters, digits, `-` and `_` (WeChat's own are 28).
pub fn wechat_openid(field: &str, text: &str) -> std::result::Result<Option<String>, Invalid> {
    let openid = text.trim();
    if openid.is_empty() {
        return Ok(None);
    }
    if openid.len() > 64 || !openid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(Invalid::new(
            field,
            Rule::new(
                "wechat_openid",
                "微信 openid 须为不超过 64 位的字母、数字、- 或 _",
                "a WeChat openid is at most 64 letters, digits, - or _",
            ),
        ));
    }
    Ok(Some(openid.to_string()))
}

/// The customer's WeChat openid, if on file.
pub async fn wechat_openid_of(db: &Db, scope: &Scope, id: CustomerId) -> Result<Option<String>> {
    get(db, scope, id).await?;
    let openid: Option<String> =
        sqlx::query_scalar("SELECT wechat_openid FROM customers WHERE id = $1").bind(id.0).fetch_one(db.pool()).await?;
    Ok(openid)
}

/// Sets the customer's WeChat openid (the follower's id under the company's
/// Official Account), or clears it when blank; audited with the old value.
pub async fn set_wechat_openid(db: &Db, actor: &Actor, id: CustomerId, text: &str) -> Result<Option<String>> {
    let openid = wechat_openid("wechat_openid", text)?;
    let old = wechat_openid_of(db, &actor.scope, id).await?;
    let customer = get(db, &actor.scope, id).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE customers SET wechat_openid = $1, updated_at = $2 WHERE id = $3")
        .bind(openid.clone())
        .bind(instant_text(tx.now()))
        .bind(id.0)
        .execute(tx.conn())
        .await?;
    let change = Change {
        entity: "customer",
        entity_id: id.to_string(),
        action: "wechat_openid",
        branch: Some(customer.branch_id),
        old: Some(json!({ "wechat_openid": old })),
        new: Some(json!({ "wechat_openid": openid })),
    };
    tx.audit(actor, change).await?;
    tx.commit().await?;
    Ok(openid)
}

impl Customer {
    /// The input form pre-filled with the stored values, for editing.
    pub fn to_input(&self) -> CustomerInput {
        CustomerInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            gender: self.gender.clone(),
            mobile: self.mobile.clone().unwrap_or_default(),
            landline: self.landline.clone(),
            email: self.email.clone(),
            birthday: self.birthday.map(|d| d.to_string()).unwrap_or_default(),
            id_number: self.id_number.clone().unwrap_or_default(),
            address: self.address.clone(),
            source: self.source.clone(),
            is_member: self.is_member,
            notes: self.notes.clone(),
            tags: self.tags.join(", "),
        }
    }

    /// The customer as `actor` may see it: mobile and ID number masked for
    /// roles without personal-data access.
    pub fn shown_to(&self, actor: &Actor) -> Customer {
        if actor.can(Permission::PersonalDataView) {
            return self.clone();
        }
        Customer {
            mobile: self.mobile.as_deref().map(mask_mobile),
            id_number: self.id_number.as_deref().map(mask_id_number),
            ..self.clone()
        }
    }
}

pub fn mask_mobile(m: &str) -> String {
    Mobile::parse("mobile", m).map(|m| m.masked()).unwrap_or_else(|_| "****".into())
}

pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    format!("{}********{}", chars[..6].iter().collect::<String>(), chars[chars.len() - 4..].iter().collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        "2026-11-29".parse().unwrap()
    }

    #[test]
    fn a_wechat_openid_is_a_short_ascii_word() {
        assert_eq!(
            wechat_openid("o", " oUpF8uMuAJO_M2pxb1Q9zNjWeS6o ").unwrap().as_deref(),
            Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o")
        );
        assert_eq!(wechat_openid("o", "  ").unwrap(), None);
        for bad in ["o 1", "微信", &"a".repeat(65)] {
            assert_eq!(wechat_openid("o", bad).unwrap_err().rule.code, "wechat_openid", "{bad}");
        }
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
        input.birthday = String::new();
        input.email = "wang@".into();
        assert_eq!(input.validate(today()).unwrap_err().field, "email");
    }

    #[test]
    fn the_id_number_gives_the_birthday_and_must_agree_with_it() {
        let input =
            CustomerInput { name: "王芳".into(), id_number: "11010519491231002X".into(), ..Default::default() };
        assert_eq!(input.validate(today()).unwrap().birthday.unwrap().to_string(), "1949-12-31");
        let clash = CustomerInput { birthday: "1950-01-01".into(), ..input };
        assert_eq!(clash.validate(today()).unwrap_err().rule.code, "birthday_id_mismatch");
    }

    #[test]
    fn tags_are_split_sorted_and_bounded() {
        assert_eq!(parse_tags("VIP, 车队客户、VIP 老客户").unwrap(), ["VIP", "老客户", "车队客户"]);
        assert!(parse_tags(&"长".repeat(21)).is_err());
    }

    #[test]
    fn masks_hide_the_middle() {
        assert_eq!(mask_mobile("13800138000"), "138****8000");
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
    }
}
