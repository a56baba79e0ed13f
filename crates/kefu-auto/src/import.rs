//! The auto pack's import: one row of a dealer's old system is a customer,
//! perhaps a second contact (usually the driver) and perhaps a vehicle. Each
//! part is validated by the same rules as the forms (`CustomerInput`,
//! `ContactInput`, `VehicleInput`), so an import refuses exactly what a
//! person typing it in would be refused.
//!
//! Running the same file twice adds nothing the second time: a customer is
//! matched by their number when the file has one, else by name and mobile
//! within the branch; a vehicle by its VIN, and a row whose vehicle is stored
//! belongs to that vehicle's owner.

use crate::vehicles::{self, NewVehicle, VehicleInput};
use jiff::civil::Date;
use kefu_care::contacts::{self, ContactInput, NewContact};
use kefu_care::customers::{self, CustomerInput, NewCustomer};
use kefu_care::import::cells::{date_rule, flag, optional_date, parse_date, whole_number};
use kefu_care::import::{Access, Cells, Fate, Field, Target};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::{Invalid, Rule};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Failure, RowExt};
use std::collections::{BTreeMap, HashMap, HashSet};

type Result<T> = std::result::Result<T, Failure>;

/// The fields a row can fill and the header names old systems give them.
pub const FIELDS: &[Field] = &[
    Field {
        key: "customer_no",
        synonyms: &["客户编号", "客户号", "客户代码", "档案编号", "customer number", "customer id"],
    },
    Field {
        key: "name",
        synonyms: &[
            "姓名",
            "客户姓名",
            "客户名称",
            "客户名",
            "车主姓名",
            "车主名称",
            "车主",
            "单位名称",
            "customer",
            "customer name",
        ],
    },
    Field { key: "kind", synonyms: &["类型", "客户类型", "客户性质", "个人/单位", "type"] },
    Field { key: "gender", synonyms: &["性别", "sex"] },
    Field {
        key: "mobile",
        synonyms: &[
            "手机",
            "手机号",
            "手机号码",
            "移动电话",
            "联系电话",
            "联系手机",
            "车主电话",
            "车主手机",
            "电话",
            "mobile phone",
            "cell",
            "phone",
        ],
    },
    Field {
        key: "landline", synonyms: &["固定电话", "固话", "座机", "办公电话", "家庭电话", "telephone", "tel"]
    },
    Field { key: "email", synonyms: &["邮箱", "电子邮箱", "电子邮件", "e-mail", "mail"] },
    Field {
        key: "birthday", synonyms: &["生日", "出生日期", "出生年月日", "date of birth", "birth date", "dob"]
    },
    Field {
        key: "id_number",
        synonyms: &["身份证", "身份证号", "身份证号码", "证件号", "证件号码", "id card", "id no"],
    },
    Field {
        key: "address", synonyms: &["地址", "联系地址", "住址", "家庭住址", "通讯地址", "客户地址"]
    },
    Field { key: "source", synonyms: &["来源", "客户来源", "信息来源", "渠道"] },
    Field { key: "is_member", synonyms: &["会员", "是否会员", "member"] },
    Field { key: "tags", synonyms: &["标签", "客户标签", "tag"] },
    Field { key: "notes", synonyms: &["备注", "说明", "备注信息", "remark", "remarks", "note"] },
    Field {
        key: "contact_name",
        synonyms: &[
            "驾驶人",
            "驾驶人姓名",
            "驾驶员",
            "驾驶员姓名",
            "司机",
            "司机姓名",
            "联系人",
            "联系人姓名",
            "送修人",
            "driver",
        ],
    },
    Field {
        key: "contact_mobile",
        synonyms: &[
            "驾驶人电话",
            "驾驶人手机",
            "驾驶员电话",
            "驾驶员手机",
            "司机电话",
            "司机手机",
            "联系人电话",
            "联系人手机",
            "送修人电话",
            "driver mobile",
            "driver phone",
        ],
    },
    Field { key: "contact_relation", synonyms: &["关系", "与车主关系", "联系人关系", "relation"] },
    Field {
        key: "vin", synonyms: &["车架号", "VIN码", "车辆识别代号", "车辆识别码", "底盘号", "车架号码"]
    },
    Field {
        key: "plate",
        synonyms: &["车牌", "车牌号", "车牌号码", "号牌", "号牌号码", "plate number", "licence plate"],
    },
    Field { key: "brand", synonyms: &["品牌", "厂牌", "汽车品牌", "make"] },
    Field { key: "model", synonyms: &["车型", "车系", "车型名称"] },
    Field { key: "variant", synonyms: &["配置", "款型", "车型配置", "版本", "trim"] },
    Field { key: "colour", synonyms: &["颜色", "车身颜色", "外观颜色", "车色", "color"] },
    Field {
        key: "purchase_date",
        synonyms: &[
            "购车日期",
            "购买日期",
            "购车时间",
            "开票日期",
            "交车日期",
            "销售日期",
            "purchase date",
            "purchased",
        ],
    },
    Field {
        key: "mileage_km", synonyms: &["里程", "行驶里程", "公里数", "里程数", "当前里程", "mileage", "km"]
    },
    Field {
        key: "insurance_expiry",
        synonyms: &[
            "保险到期",
            "保险到期日",
            "保险到期日期",
            "保险截止日期",
            "交强险到期",
            "商业险到期",
            "insurance expiry",
        ],
    },
];

/// The fields that make a row describe a vehicle (the VIN is then required).
const VEHICLE_FIELDS: [&str; 9] =
    ["vin", "plate", "brand", "model", "variant", "colour", "purchase_date", "mileage_km", "insurance_expiry"];

/// A contact's relation as old systems write it, as the form's code.
fn relation_code(text: &str) -> String {
    match text.trim() {
        "" | "驾驶人" | "驾驶员" | "司机" => "driver",
        "车主" | "本人" => "owner",
        "配偶" | "夫妻" | "妻子" | "丈夫" | "爱人" => "spouse",
        "家人" | "家属" | "子女" | "父母" | "亲属" => "family",
        "同事" | "员工" => "colleague",
        "其他" => "other",
        other => return other.to_lowercase(),
    }
    .to_string()
}

/// A valid row.
pub struct Prepared {
    customer: NewCustomer,
    contact: Option<NewContact>,
    vehicle: Option<NewVehicle>,
}

/// The customer a row describes, as it is matched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CustomerKey {
    Number(String),
    NameMobile(String, String),
}

impl CustomerKey {
    fn of(c: &NewCustomer) -> CustomerKey {
        match c.customer_no() {
            Some(no) => CustomerKey::Number(no.to_string()),
            None => CustomerKey::NameMobile(c.name().to_string(), c.mobile().unwrap_or_default().to_string()),
        }
    }
}

/// Who a row's customer turns out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Owner {
    Stored(CustomerId),
    /// The n-th customer this batch adds.
    New(usize),
    /// Added by an earlier batch of a dry run (so not stored).
    Planned,
}

/// The auto pack's import target. It remembers what a dry run's earlier
/// batches would have added, so a customer on two rows of the file is
/// counted once there too.
pub struct CustomerRows {
    today: Date,
    planned_customers: HashSet<CustomerKey>,
    planned_vins: HashSet<String>,
    /// Batches written so far in this transaction.
    written: usize,
}

/// The tables a batch looks up what is stored in.
const LOOKED_UP: [&str; 3] = ["customers", "contacts", "vehicles"];

impl CustomerRows {
    pub fn new(today: Date) -> CustomerRows {
        CustomerRows { today, planned_customers: HashSet::new(), planned_vins: HashSet::new(), written: 0 }
    }

    fn customer(&self, c: &Cells<'_>) -> std::result::Result<NewCustomer, Invalid> {
        let birthday = match c.get("birthday") {
            "" => String::new(),
            text => parse_date(text).ok_or_else(|| date_rule("birthday"))?.to_string(),
        };
        let input = CustomerInput {
            kind: c.get("kind").into(),
            name: c.get("name").into(),
            gender: c.get("gender").into(),
            mobile: c.get("mobile").into(),
            landline: c.get("landline").into(),
            email: c.get("email").into(),
            birthday,
            id_number: c.get("id_number").into(),
            address: c.get("address").into(),
            source: c.get("source").into(),
            is_member: flag("is_member", c.get("is_member"))?,
            notes: c.get("notes").into(),
            tags: c.get("tags").into(),
        };
        Ok(input.check(self.today)?.numbered(Some(c.get("customer_no"))))
    }

    fn contact(c: &Cells<'_>) -> std::result::Result<Option<NewContact>, Invalid> {
        if c.get("contact_name").is_empty() && c.get("contact_mobile").is_empty() {
            return Ok(None);
        }
        let input = ContactInput {
            name: c.get("contact_name").into(),
            relation: relation_code(c.get("contact_relation")),
            mobile: c.get("contact_mobile").into(),
            ..ContactInput::default()
        };
        // The contact's own numbers come from the contact's columns.
        input.check().map(Some).map_err(|e| match e.field.as_str() {
            "mobile" | "landline" => Invalid { field: "contact_mobile".into(), ..e },
            "relation" => Invalid { field: "contact_relation".into(), ..e },
            _ => e,
        })
    }

    fn vehicle(&self, c: &Cells<'_>) -> std::result::Result<Option<NewVehicle>, Invalid> {
        if VEHICLE_FIELDS.iter().all(|f| c.get(f).is_empty()) {
            return Ok(None);
        }
        let input = VehicleInput {
            vin: c.get("vin").into(),
            plate: c.get("plate").into(),
            brand: c.get("brand").into(),
            model: c.get("model").into(),
            variant: c.get("variant").into(),
            colour: c.get("colour").into(),
            purchase_date: optional_date("purchase_date", c.get("purchase_date"))?,
            mileage_km: whole_number("mileage_km", c.get("mileage_km"))?,
            insurance_expiry: optional_date("insurance_expiry", c.get("insurance_expiry"))?,
            ..VehicleInput::default()
        };
        input.check(self.today).map(Some)
    }
}

fn elsewhere(field: &str, zh: &str, en: &str) -> Invalid {
    Invalid::new(field, Rule::new("other_branch", zh, en))
}

/// What is stored already of a batch's customers, vehicles and contacts.
#[derive(Default)]
struct Stored {
    by_number: HashMap<String, (CustomerId, BranchId)>,
    by_name_mobile: HashMap<(String, String), CustomerId>,
    /// VIN → owner and branch.
    vins: HashMap<String, (CustomerId, BranchId)>,
    contacts: HashSet<(CustomerId, String, Option<String>)>,
}

impl Stored {
    async fn look_up(conn: &mut sqlx::AnyConnection, branch: BranchId, rows: &[(usize, Prepared)]) -> Result<Stored> {
        let mut stored = Stored::default();
        let numbers: Vec<Cell> = rows.iter().filter_map(|(_, p)| p.customer.customer_no()).map(Cell::from).collect();
        for r in
            bulk::select_in(conn, "SELECT id, branch_id, customer_no FROM customers WHERE customer_no", numbers, "")
                .await?
        {
            stored.by_number.insert(r.text("customer_no")?, (CustomerId(r.i64("id")?), BranchId(r.i64("branch_id")?)));
        }
        // By mobile where the row has one, by name among those without.
        let unnumbered = || rows.iter().map(|(_, p)| &p.customer).filter(|c| c.customer_no().is_none());
        let mut mobiles: Vec<&str> = unnumbered().filter_map(NewCustomer::mobile).collect();
        let mut names: Vec<&str> = unnumbered().filter(|c| c.mobile().is_none()).map(NewCustomer::name).collect();
        for list in [&mut mobiles, &mut names] {
            list.sort_unstable();
            list.dedup();
        }
        let base =
            format!("SELECT id, name, mobile FROM customers WHERE branch_id = {} AND merged_into IS NULL", branch.0);
        let mut found =
            bulk::select_in(conn, &format!("{base} AND mobile"), mobiles.into_iter().map(Cell::from).collect(), "")
                .await?;
        found.extend(
            bulk::select_in(
                conn,
                &format!("{base} AND mobile IS NULL AND name"),
                names.into_iter().map(Cell::from).collect(),
                "",
            )
            .await?,
        );
        for r in found {
            let key = (r.text("name")?, r.opt_text("mobile")?.unwrap_or_default());
            stored.by_name_mobile.entry(key).or_insert(CustomerId(r.i64("id")?));
        }
        let vins: Vec<Cell> =
            rows.iter().filter_map(|(_, p)| p.vehicle.as_ref()).map(|v| Cell::from(v.vin())).collect();
        for r in bulk::select_in(conn, "SELECT vin, customer_id, branch_id FROM vehicles WHERE vin", vins, "").await? {
            stored.vins.insert(r.text("vin")?, (CustomerId(r.i64("customer_id")?), BranchId(r.i64("branch_id")?)));
        }
        Ok(stored)
    }

    /// The contacts of the stored customers the batch names, to add no
    /// contact twice.
    async fn look_up_contacts(&mut self, conn: &mut sqlx::AnyConnection, customers: Vec<CustomerId>) -> Result<()> {
        let ids = customers.into_iter().map(|c| Cell::from(c.0)).collect();
        for r in
            bulk::select_in(conn, "SELECT customer_id, name, mobile FROM contacts WHERE customer_id", ids, "").await?
        {
            self.contacts.insert((CustomerId(r.i64("customer_id")?), r.text("name")?, r.opt_text("mobile")?));
        }
        Ok(())
    }
}

/// A row's plan: which customer, and what it adds.
struct Plan {
    number: usize,
    owner: Owner,
    contact: Option<NewContact>,
    vehicle: Option<NewVehicle>,
    adds: bool,
}

impl Target for CustomerRows {
    type Row = Prepared;

    fn fields(&self) -> &'static [Field] {
        FIELDS
    }

    fn required(&self) -> &'static [&'static str] {
        &["name"]
    }

    fn prepare(&self, c: &Cells<'_>) -> std::result::Result<Prepared, Invalid> {
        Ok(Prepared { customer: self.customer(c)?, contact: Self::contact(c)?, vehicle: self.vehicle(c)? })
    }

    async fn apply(
        &mut self,
        mut access: Access<'_>,
        branch: BranchId,
        rows: Vec<(usize, Prepared)>,
        created: &mut BTreeMap<String, usize>,
    ) -> Result<Vec<(usize, std::result::Result<Fate, Invalid>)>> {
        let dry_run = matches!(access, Access::Look(_));
        let mut stored = Stored::look_up(access.conn(), branch, &rows).await?;
        let mut fates = Vec::with_capacity(rows.len());
        let mut new_customers: Vec<NewCustomer> = Vec::new();
        let mut batch_customers: HashMap<CustomerKey, usize> = HashMap::new();
        let mut batch_vins: HashSet<String> = HashSet::new();
        let mut plans: Vec<Plan> = Vec::with_capacity(rows.len());
        for (number, row) in rows {
            let key = CustomerKey::of(&row.customer);
            let vin_owner = row.vehicle.as_ref().and_then(|v| stored.vins.get(v.vin()).copied());
            let stored_owner = match (vin_owner, row.customer.customer_no().and_then(|no| stored.by_number.get(no))) {
                (Some((_, owner_branch)), _) if owner_branch != branch => {
                    let rule = elsewhere("vin", "该车架号已登记在其他机构", "is registered at another branch");
                    fates.push((number, Err(rule)));
                    continue;
                }
                (Some((owner, _)), _) => Some(owner),
                (None, Some(&(_, owner_branch))) if owner_branch != branch => {
                    let rule = elsewhere(
                        "customer_no",
                        "该客户编号已属于其他机构的客户",
                        "belongs to a customer of another branch",
                    );
                    fates.push((number, Err(rule)));
                    continue;
                }
                (None, Some(&(id, _))) => Some(id),
                (None, None) => match &key {
                    CustomerKey::NameMobile(name, mobile) => {
                        stored.by_name_mobile.get(&(name.clone(), mobile.clone())).copied()
                    }
                    CustomerKey::Number(_) => None,
                },
            };
            let mut adds = false;
            let owner = if let Some(id) = stored_owner {
                Owner::Stored(id)
            } else if let Some(&index) = batch_customers.get(&key) {
                Owner::New(index)
            } else if dry_run && self.planned_customers.contains(&key) {
                Owner::Planned
            } else {
                adds = true;
                batch_customers.insert(key.clone(), new_customers.len());
                new_customers.push(row.customer);
                if dry_run {
                    self.planned_customers.insert(key);
                }
                Owner::New(new_customers.len() - 1)
            };
            let vehicle = row.vehicle.filter(|v| {
                vin_owner.is_none()
                    && batch_vins.insert(v.vin().to_string())
                    && !(dry_run && self.planned_vins.contains(v.vin()))
            });
            plans.push(Plan { number, owner, contact: row.contact, adds: adds || vehicle.is_some(), vehicle });
        }
        // Contacts: one per customer, name and mobile; stored customers'
        // contacts are looked up.
        let stored_owners: Vec<CustomerId> = plans
            .iter()
            .filter(|p| p.contact.is_some())
            .filter_map(|p| match p.owner {
                Owner::Stored(id) => Some(id),
                _ => None,
            })
            .collect();
        stored.look_up_contacts(access.conn(), stored_owners).await?;
        let mut batch_contacts: HashSet<(Owner, String, Option<String>)> = HashSet::new();
        for plan in &mut plans {
            let Some(contact) = &plan.contact else { continue };
            let (name, mobile) = (contact.name().to_string(), contact.mobile().map(str::to_string));
            let known = match plan.owner {
                Owner::Stored(id) => stored.contacts.contains(&(id, name.clone(), mobile.clone())),
                Owner::Planned => true,
                Owner::New(_) => false,
            };
            if known || !batch_contacts.insert((plan.owner, name, mobile)) {
                plan.contact = None;
            } else {
                plan.adds = true;
            }
        }
        let count = |created: &mut BTreeMap<String, usize>, what: &str, n: usize| {
            if n > 0 {
                *created.entry(what.to_string()).or_default() += n;
            }
        };
        count(created, "customer", new_customers.len());
        count(created, "contact", plans.iter().filter(|p| p.contact.is_some()).count());
        count(created, "vehicle", plans.iter().filter(|p| p.vehicle.is_some()).count());
        for plan in &plans {
            fates.push((plan.number, Ok(if plan.adds { Fate::Imported } else { Fate::Present })));
        }
        match access {
            Access::Look(_) => {
                self.planned_vins.extend(plans.iter().filter_map(|p| p.vehicle.as_ref()).map(|v| v.vin().to_string()));
            }
            Access::Write(tx) => {
                let ids: Vec<CustomerId> =
                    customers::insert_many(tx, branch, new_customers).await?.into_iter().map(|c| c.id).collect();
                let owner_id = |owner: Owner| match owner {
                    Owner::Stored(id) => id,
                    Owner::New(i) => ids[i],
                    Owner::Planned => unreachable!("only dry runs plan across batches"),
                };
                let mut new_contacts = Vec::new();
                let mut with_contact = Vec::new();
                let mut new_vehicles = Vec::new();
                for (i, plan) in plans.into_iter().enumerate() {
                    let owner = owner_id(plan.owner);
                    if let Some(c) = plan.contact {
                        with_contact.push(i);
                        new_contacts.push((owner, c));
                    }
                    if let Some(v) = plan.vehicle {
                        new_vehicles.push((i, owner, v));
                    }
                }
                let added = contacts::add_many_in(tx, new_contacts).await?;
                let contact_of: HashMap<usize, _> = with_contact.into_iter().zip(added.iter().map(|c| c.id)).collect();
                let vehicles = new_vehicles
                    .into_iter()
                    .map(|(i, owner, v)| (owner, v.driven_by(contact_of.get(&i).copied())))
                    .collect();
                vehicles::create_many_in(tx, branch, vehicles, self.today).await?;
                // The next batches look up what this one wrote: with
                // statistics refreshed each time the tables have doubled,
                // their lookups stay index lookups on PostgreSQL.
                self.written += 1;
                if self.written.is_power_of_two() {
                    tx.analyze(&LOOKED_UP).await?;
                }
            }
        }
        fates.sort_by_key(|(n, _)| *n);
        Ok(fates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kefu_care::import::Mapping;
    use kefu_care::import::mapping::normalise;

    #[test]
    fn no_header_name_means_two_fields() {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for f in FIELDS {
            for name in f.synonyms.iter().chain([&f.key]) {
                if let Some(other) = seen.insert(normalise(name), f.key) {
                    assert_eq!(other, f.key, "{name:?} names both {other} and {}", f.key);
                }
            }
        }
    }

    #[test]
    fn a_dealer_systems_export_maps_itself() {
        let headers: Vec<String> = [
            "客户编号",
            "客户名称",
            "性别",
            "联系电话",
            "身份证号码",
            "出生日期",
            "通讯地址",
            "驾驶员姓名",
            "驾驶员手机",
            "底盘号",
            "号牌号码",
            "厂牌",
            "车系",
            "车身颜色",
            "开票日期",
            "行驶里程",
            "交强险到期",
            "备注",
        ]
        .map(String::from)
        .to_vec();
        let m = Mapping::suggest(FIELDS, &headers);
        let expected = [
            "customer_no",
            "name",
            "gender",
            "mobile",
            "id_number",
            "birthday",
            "address",
            "contact_name",
            "contact_mobile",
            "vin",
            "plate",
            "brand",
            "model",
            "colour",
            "purchase_date",
            "mileage_km",
            "insurance_expiry",
            "notes",
        ];
        for (i, field) in expected.iter().enumerate() {
            assert_eq!(m.column(field), Some(i), "{field} ← {}", headers[i]);
        }
    }

    #[test]
    fn relations_are_read_in_chinese() {
        assert_eq!(relation_code(""), "driver", "the columns are usually the driver's");
        assert_eq!(relation_code("爱人"), "spouse");
        assert_eq!(relation_code("Family"), "family");
        assert_eq!(relation_code("老板"), "老板", "anything else is left for the form's rule to refuse");
    }
}
