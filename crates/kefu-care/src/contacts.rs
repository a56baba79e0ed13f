//! A customer's contact people: the owner of a car and its driver are often
//! different people, each with their own numbers and address.

use crate::search::{self, mobile_keys, name_keys};
use crate::timeline::{self, NewEvent};
use kefu_core::ident::Mobile;
use kefu_core::ids::{ContactId, CustomerId};
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

pub const RELATIONS: [&str; 6] = ["owner", "driver", "spouse", "family", "colleague", "other"];

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Contact {
    pub id: ContactId,
    pub customer_id: CustomerId,
    pub name: String,
    pub relation: String,
    pub mobile: Option<String>,
    pub landline: String,
    pub address: String,
    pub is_primary: bool,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ContactInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub mobile: String,
    #[serde(default)]
    pub landline: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub is_primary: bool,
}

/// A mainland landline: an area code of 3–4 digits starting with 0, then a
/// 7–8 digit number, optionally with an extension ("010-88886666-123").
pub fn validate_landline(field: &str, text: &str) -> std::result::Result<String, Invalid> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return Ok(t);
    }
    let parts: Vec<&str> = t.split('-').collect();
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let ok = match parts.as_slice() {
        [area, number] | [area, number, _] if digits(area) && digits(number) => {
            area.starts_with('0')
                && (3..=4).contains(&area.len())
                && (7..=8).contains(&number.len())
                && parts.get(2).is_none_or(|ext| digits(ext) && ext.len() <= 6)
        }
        [all] if digits(all) => all.starts_with('0') && (10..=12).contains(&all.len()),
        _ => false,
    };
    if ok {
        Ok(t)
    } else {
        Err(Invalid::new(
            field,
            Rule::new(
                "landline_format",
                "固定电话须为 区号-号码，如 010-88886666",
                "must be area code and number, e.g. 010-88886666",
            ),
        ))
    }
}

struct Valid {
    name: String,
    relation: String,
    mobile: Option<Mobile>,
    landline: String,
    address: String,
    is_primary: bool,
}

impl ContactInput {
    fn validate(&self) -> std::result::Result<Valid, Invalid> {
        let name = required_text("contact_name", &self.name, 64)?;
        let relation = if self.relation.trim().is_empty() { "other" } else { self.relation.trim() };
        if !RELATIONS.contains(&relation) {
            return Err(Invalid::new(
                "relation",
                Rule::new(
                    "relation",
                    "须为 车主、驾驶人、配偶、家人、同事 或 其他",
                    "must be owner, driver, spouse, family, colleague or other",
                ),
            ));
        }
        let mobile = match self.mobile.trim() {
            "" => None,
            m => Some(Mobile::parse("mobile", m)?),
        };
        let landline = validate_landline("landline", &self.landline)?;
        if mobile.is_none() && landline.is_empty() {
            return Err(Invalid::new(
                "mobile",
                Rule::new("contact_reachable", "手机号和固定电话至少填写一个", "give a mobile or a landline number"),
            ));
        }
        let address = optional_text("address", &self.address, 200)?;
        Ok(Valid { name, relation: relation.to_string(), mobile, landline, address, is_primary: self.is_primary })
    }
}

impl ContactInput {
    /// The contact this input becomes when stored as `id` — the row
    /// [`add_in`] writes — for bulk loads that write rows themselves.
    pub fn record(&self, id: ContactId, customer: CustomerId) -> std::result::Result<Contact, Invalid> {
        Ok(self.check()?.into_contact(id, customer))
    }
}

const COLUMNS: &str = "id, customer_id, name, relation, mobile, landline, address, is_primary";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Contact> {
    Ok(Contact {
        id: ContactId(r.i64("id")?),
        customer_id: CustomerId(r.i64("customer_id")?),
        name: r.text("name")?,
        relation: r.text("relation")?,
        mobile: r.opt_text("mobile")?,
        landline: r.text("landline")?,
        address: r.text("address")?,
        is_primary: r.flag("is_primary")?,
    })
}

impl Contact {
    /// The contact as `actor` may see it (mobile masked without
    /// personal-data access).
    pub fn shown_to(&self, actor: &kefu_core::Actor) -> Contact {
        if actor.can(kefu_core::Permission::PersonalDataView) {
            return self.clone();
        }
        Contact { mobile: self.mobile.as_deref().map(crate::customers::mask_mobile), ..self.clone() }
    }
}

/// The search keys a contact gives its customer (source "contact:ID").
pub fn keys(c: &Contact) -> Vec<String> {
    let mut k = name_keys(&c.name);
    if let Some(m) = &c.mobile {
        k.extend(mobile_keys(m));
    }
    k
}

/// Adds a contact inside the caller's transaction (which audits).
pub async fn add_in(tx: &mut Tx, customer: CustomerId, input: &ContactInput) -> Result<Contact> {
    let mut added = add_many_in(tx, vec![(customer, input.check()?)]).await?;
    Ok(added.remove(0))
}

/// A contact that passed validation and waits to be inserted (bulk loads).
pub struct NewContact(Valid);

impl ContactInput {
    /// The same validation the forms and the API apply.
    pub fn check(&self) -> std::result::Result<NewContact, Invalid> {
        self.validate().map(NewContact)
    }
}

impl NewContact {
    fn into_contact(self, id: ContactId, customer: CustomerId) -> Contact {
        let v = self.0;
        Contact {
            id,
            customer_id: customer,
            name: v.name,
            relation: v.relation,
            mobile: v.mobile.map(|m| m.as_str().to_string()),
            landline: v.landline,
            address: v.address,
            is_primary: v.is_primary,
        }
    }

    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn mobile(&self) -> Option<&str> {
        self.0.mobile.as_ref().map(Mobile::as_str)
    }
}

/// The columns of a new contact's row, in [`insert_row`]'s order.
pub const INSERT_COLUMNS: [&str; 9] =
    ["id", "customer_id", "name", "relation", "mobile", "landline", "address", "is_primary", "created_at"];

/// A new contact's row for a bulk insert ([`add_many_in`], `kefu gen`),
/// made at `now`.
pub fn insert_row(c: &Contact, now: &str) -> [Cell; 9] {
    [
        c.id.0.into(),
        c.customer_id.0.into(),
        c.name.as_str().into(),
        c.relation.as_str().into(),
        c.mobile.as_deref().into(),
        c.landline.as_str().into(),
        c.address.as_str().into(),
        c.is_primary.into(),
        now.into(),
    ]
}

/// Adds validated contacts to their customers in as few statements as the
/// database allows, with their search keys; returns them in the order given.
pub async fn add_many_in(tx: &mut Tx, rows: Vec<(CustomerId, NewContact)>) -> Result<Vec<Contact>> {
    let now = instant_text(tx.now());
    let ids = tx.reserve_ids("contacts", rows.len()).await?;
    let added: Vec<Contact> =
        rows.into_iter().zip(ids).map(|((customer, new), id)| new.into_contact(ContactId(id), customer)).collect();
    let cells = added.iter().map(|c| insert_row(c, &now).into()).collect();
    let (inserted, keys) = bulk::insert_while(tx.conn(), "contacts", &INSERT_COLUMNS, cells, "", || {
        added
            .iter()
            .map(|c| search::Keys { customer: c.customer_id, source: format!("contact:{}", c.id), keys: keys(c) })
            .collect()
    })
    .await;
    inserted?;
    search::insert_many(tx, keys).await?;
    Ok(added)
}

pub async fn of_customer(db: &Db, customer: CustomerId) -> Result<Vec<Contact>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM contacts WHERE customer_id = $1 ORDER BY is_primary DESC, id"
    )))
    .bind(customer.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(from_row).collect()
}

/// Adds a contact to a customer in the actor's scope.
pub async fn add(db: &Db, actor: &Actor, customer: CustomerId, input: &ContactInput) -> Result<Contact> {
    let owner = crate::customers::get(db, &actor.scope, customer).await?;
    let mut tx = db.begin().await?;
    let contact = add_in(&mut tx, customer, input).await?;
    let at = tx.now();
    timeline::record(
        &mut tx,
        NewEvent {
            branch: owner.branch_id,
            customer,
            asset: None,
            at,
            kind: timeline::kind::CHANGE,
            summary: contact.name.clone(),
            detail: serde_json::json!({ "contact_added": contact.relation }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "contact",
            entity_id: contact.id.to_string(),
            action: "create",
            branch: Some(owner.branch_id),
            old: None,
            new: Some(json!(contact)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(contact)
}

/// Removes a contact person from a customer in scope.
pub async fn remove(db: &Db, actor: &Actor, customer: CustomerId, id: ContactId) -> Result<()> {
    let owner = crate::customers::get(db, &actor.scope, customer).await?;
    let contact = of_customer(db, customer).await?.into_iter().find(|c| c.id == id).ok_or(Failure::NotFound)?;
    let mut tx = db.begin().await?;
    search::replace_keys(&mut tx, customer, &format!("contact:{id}"), &[]).await?;
    sqlx::query("DELETE FROM contacts WHERE id = $1").bind(id.0).execute(tx.conn()).await?;
    let at = tx.now();
    timeline::record(
        &mut tx,
        NewEvent {
            branch: owner.branch_id,
            customer,
            asset: None,
            at,
            kind: timeline::kind::CHANGE,
            summary: contact.name.clone(),
            detail: serde_json::json!({ "contact_removed": contact.relation }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "contact",
            entity_id: id.to_string(),
            action: "delete",
            branch: Some(owner.branch_id),
            old: Some(json!(contact)),
            new: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landlines_follow_the_area_code_rule() {
        assert_eq!(validate_landline("landline", "010-88886666").unwrap(), "010-88886666");
        assert!(validate_landline("landline", "0755-2345678-801").is_ok());
        assert!(validate_landline("landline", "01088886666").is_ok());
        assert!(validate_landline("landline", "").is_ok());
        assert!(validate_landline("landline", "88886666").is_err());
        assert!(validate_landline("landline", "010-123").is_err());
    }

    #[test]
    fn a_contact_needs_a_name_and_a_number() {
        let ok = ContactInput {
            name: "李司机".into(),
            relation: "driver".into(),
            mobile: "13911112222".into(),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
        let unreachable = ContactInput { name: "李司机".into(), relation: "driver".into(), ..Default::default() };
        assert_eq!(unreachable.validate().err().unwrap().rule.code, "contact_reachable");
        let odd = ContactInput {
            name: "某人".into(),
            relation: "boss".into(),
            mobile: "13911112222".into(),
            ..Default::default()
        };
        assert_eq!(odd.validate().err().unwrap().field, "relation");
    }
}
