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
use kefu_care::import::{Cells, Fate, Fates, Field, Target};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::{Invalid, Rule};
use kefu_store::bulk::{self, Cell};
use kefu_store::{Failure, RowExt, Tx};
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
    /// The n-th customer this import adds.
    New(usize),
}

/// The auto pack's import target. Batches are matched on a connection that
/// does not see what the import has written so far (see
/// `kefu_care::import::Target`), so it remembers what its earlier batches
/// add: a customer on two rows of the file, a VIN or a contact given twice
/// is added once.
pub struct CustomerRows {
    today: Date,
    /// The customers this import adds, by how rows name them.
    new_customers: HashMap<CustomerKey, Owner>,
    /// How many customers this import adds.
    new_count: usize,
    /// The VINs this import adds, with their owners.
    new_vins: HashMap<String, Owner>,
    /// The contacts this import adds: owner, name, mobile.
    new_contacts: HashSet<(Owner, String, Option<String>)>,
}

/// What a batch adds: its new customers (in the order of their numbers
/// among the import's new customers), and the contacts and vehicles with
/// their owners; a vehicle is driven by the contact its row adds, if any.
pub struct Additions {
    today: Date,
    first_new: usize,
    customers: Vec<NewCustomer>,
    contacts: Vec<(usize, Owner, NewContact)>,
    vehicles: Vec<(usize, Owner, NewVehicle)>,
}

/// The ids the import's new customers got, in order, and how many batches
/// were written.
#[derive(Default)]
pub struct Written {
    customers: Vec<CustomerId>,
    batches: usize,
}

impl Written {
    fn id(&self, owner: Owner) -> CustomerId {
        match owner {
            Owner::Stored(id) => id,
            Owner::New(i) => self.customers[i],
        }
    }
}

/// The tables a batch looks up what is stored in.
const LOOKED_UP: [&str; 3] = ["customers", "contacts", "vehicles"];

impl CustomerRows {
    pub fn new(today: Date) -> CustomerRows {
        CustomerRows {
            today,
            new_customers: HashMap::new(),
            new_count: 0,
            new_vins: HashMap::new(),
            new_contacts: HashSet::new(),
        }
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

impl Target for CustomerRows {
    type Row = Prepared;
    type Additions = Additions;
    type Writer = Written;

    fn fields(&self) -> &'static [Field] {
        FIELDS
    }

    fn required(&self) -> &'static [&'static str] {
        &["name"]
    }

    fn prepare(&self, c: &Cells<'_>) -> std::result::Result<Prepared, Invalid> {
        Ok(Prepared { customer: self.customer(c)?, contact: Self::contact(c)?, vehicle: self.vehicle(c)? })
    }

    async fn plan(
        &mut self,
        conn: &mut sqlx::AnyConnection,
        branch: BranchId,
        rows: Vec<(usize, Prepared)>,
        created: &mut BTreeMap<String, usize>,
    ) -> Result<(Fates, Additions)> {
        let mut stored = Stored::look_up(conn, branch, &rows).await?;
        let mut fates = Vec::with_capacity(rows.len());
        let mut adds = Additions {
            today: self.today,
            first_new: self.new_count,
            customers: Vec::new(),
            contacts: Vec::new(),
            vehicles: Vec::new(),
        };
        // Per row: its number, its owner, whether it adds anything, its contact.
        let mut owned: Vec<(usize, Owner, bool, Option<NewContact>)> = Vec::with_capacity(rows.len());
        for (number, row) in rows {
            let key = CustomerKey::of(&row.customer);
            // What this import adds is known first: once an earlier batch is
            // committed (skipping bad rows), the lookups see it too.
            let vin_owner = match row.vehicle.as_ref().map(NewVehicle::vin) {
                Some(vin) => match (self.new_vins.get(vin), stored.vins.get(vin)) {
                    (Some(&owner), _) => Some(owner),
                    (None, Some(&(_, owner_branch))) if owner_branch != branch => {
                        let rule = elsewhere("vin", "该车架号已登记在其他机构", "is registered at another branch");
                        fates.push((number, Err(rule)));
                        continue;
                    }
                    (None, Some(&(id, _))) => Some(Owner::Stored(id)),
                    (None, None) => None,
                },
                None => None,
            };
            let known = vin_owner.or_else(|| self.new_customers.get(&key).copied());
            let owner = match (known, row.customer.customer_no().and_then(|no| stored.by_number.get(no))) {
                (Some(owner), _) => Some(owner),
                (None, Some(&(_, owner_branch))) if owner_branch != branch => {
                    let rule = elsewhere(
                        "customer_no",
                        "该客户编号已属于其他机构的客户",
                        "belongs to a customer of another branch",
                    );
                    fates.push((number, Err(rule)));
                    continue;
                }
                (None, Some(&(id, _))) => Some(Owner::Stored(id)),
                (None, None) => match &key {
                    CustomerKey::NameMobile(name, mobile) => {
                        stored.by_name_mobile.get(&(name.clone(), mobile.clone())).copied().map(Owner::Stored)
                    }
                    CustomerKey::Number(_) => None,
                },
            };
            let (owner, new_customer) = match owner {
                Some(owner) => (owner, false),
                None => {
                    let owner = Owner::New(self.new_count);
                    self.new_count += 1;
                    self.new_customers.insert(key, owner);
                    adds.customers.push(row.customer);
                    (owner, true)
                }
            };
            let new_vehicle = match row.vehicle {
                Some(v) if vin_owner.is_none() => {
                    self.new_vins.insert(v.vin().to_string(), owner);
                    adds.vehicles.push((number, owner, v));
                    true
                }
                _ => false,
            };
            owned.push((number, owner, new_customer || new_vehicle, row.contact));
        }
        // Contacts: one per customer, name and mobile; stored customers'
        // contacts are looked up.
        let stored_owners: Vec<CustomerId> = owned
            .iter()
            .filter(|(_, _, _, contact)| contact.is_some())
            .filter_map(|(_, owner, _, _)| match owner {
                Owner::Stored(id) => Some(*id),
                Owner::New(_) => None,
            })
            .collect();
        stored.look_up_contacts(conn, stored_owners).await?;
        for (number, owner, mut adds_any, contact) in owned {
            if let Some(contact) = contact {
                let (name, mobile) = (contact.name().to_string(), contact.mobile().map(str::to_string));
                let stored_already = match owner {
                    Owner::Stored(id) => stored.contacts.contains(&(id, name.clone(), mobile.clone())),
                    Owner::New(_) => false,
                };
                if !stored_already && self.new_contacts.insert((owner, name, mobile)) {
                    adds.contacts.push((number, owner, contact));
                    adds_any = true;
                }
            }
            fates.push((number, Ok(if adds_any { Fate::Imported } else { Fate::Present })));
        }
        let count = |created: &mut BTreeMap<String, usize>, what: &str, n: usize| {
            if n > 0 {
                *created.entry(what.to_string()).or_default() += n;
            }
        };
        count(created, "customer", adds.customers.len());
        count(created, "contact", adds.contacts.len());
        count(created, "vehicle", adds.vehicles.len());
        fates.sort_by_key(|(n, _)| *n);
        Ok((fates, adds))
    }

    async fn write(written: &mut Written, tx: &mut Tx, branch: BranchId, adds: Additions) -> Result<()> {
        debug_assert_eq!(written.customers.len(), adds.first_new, "batches are written in the order they were planned");
        let customers = customers::insert_many(tx, branch, adds.customers).await?;
        written.customers.extend(customers.into_iter().map(|c| c.id));
        let rows: Vec<usize> = adds.contacts.iter().map(|(number, _, _)| *number).collect();
        let contacts =
            contacts::add_many_in(tx, adds.contacts.into_iter().map(|(_, owner, c)| (written.id(owner), c)).collect())
                .await?;
        let contact_of: HashMap<usize, _> = rows.into_iter().zip(contacts.iter().map(|c| c.id)).collect();
        let vehicles = adds
            .vehicles
            .into_iter()
            .map(|(number, owner, v)| (written.id(owner), v.driven_by(contact_of.get(&number).copied())))
            .collect();
        vehicles::create_many_in(tx, branch, vehicles, adds.today).await?;
        // Skipping bad rows commits batch by batch, and the next batches look
        // up what this one wrote: with statistics refreshed each time the
        // tables have doubled, their lookups stay index lookups on
        // PostgreSQL.
        written.batches += 1;
        if written.batches.is_power_of_two() {
            tx.analyze(&LOOKED_UP).await?;
        }
        Ok(())
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
