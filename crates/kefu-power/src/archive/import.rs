//! The import of accounts from an old marketing system's spreadsheet export
//! (issue 19 §1): one row is an electricity account of one supply station
//! (the branch imported into), its holder (a new customer of the common
//! core) and perhaps its meter. The holder is validated as the customer form
//! validates; the account by the archive's rules; what only the stored data
//! shows — a number taken, a meter installed at another account — when the
//! rows are matched. Every refusal names the field and the rule.
//!
//! Running the same file twice adds nothing the second time: an account
//! already stored at the station with its meter is counted as present.

use super::{NewAccount, NewMeter, STATUSES};
use crate::accounts::{AccountNo, MeterNo, StationPrefix};
use crate::contracts::PermitInput;
use crate::tariffs::UsageClass;
use jiff::civil::Date;
use kefu_care::customers::{self, CustomerInput, NewCustomer};
use kefu_care::import::cells::{date_rule, parse_date};
use kefu_care::import::{Cells, Fate, Fates, Field, Target};
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::{Invalid, Rule};
use kefu_store::{Failure, RowExt, Tx};
use std::collections::{BTreeMap, HashMap, HashSet};

type Result<T> = std::result::Result<T, Failure>;

/// The fields a row can fill and the header names marketing systems give
/// them.
pub const FIELDS: &[Field] = &[
    Field {
        key: "account_no", synonyms: &["户号", "用户编号", "用电户号", "用户号", "account number", "account no"]
    },
    Field {
        key: "name", synonyms: &["户名", "用户名称", "用户名", "客户名称", "用电户名", "姓名", "name"]
    },
    Field {
        key: "mobile", synonyms: &["手机", "手机号", "手机号码", "联系电话", "移动电话", "mobile", "phone"]
    },
    Field {
        key: "supply_address",
        synonyms: &["用电地址", "地址", "用户地址", "装表地址", "supply address", "address"],
    },
    Field { key: "usage_class", synonyms: &["用电类别", "用电性质", "用户类别", "usage class"] },
    Field { key: "voltage", synonyms: &["电压等级", "供电电压", "voltage"] },
    Field { key: "capacity_kva", synonyms: &["合同容量", "运行容量", "容量", "capacity"] },
    Field { key: "account_status", synonyms: &["用户状态", "户状态", "状态", "status"] },
    Field {
        key: "meter_no",
        synonyms: &["表号", "电能表号", "表计资产号", "电表资产编号", "meter number", "meter no"],
    },
    Field { key: "installed_on", synonyms: &["装表日期", "装接日期", "接电日期", "installed"] },
    Field { key: "permit_no", synonyms: &["用电许可证号", "许可证号", "许可证编号", "permit number"] },
    Field { key: "permit_issued", synonyms: &["发证日期", "许可证发证日期", "permit issued"] },
    Field {
        key: "permit_valid_until",
        synonyms: &["许可证有效期", "许可证有效期至", "有效期至", "permit valid until"],
    },
];

fn rule(field: &str, code: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Invalid {
    Invalid::new(field, Rule::new(code, zh, en))
}

/// A usage class as marketing systems write it.
fn usage_class(text: &str) -> std::result::Result<UsageClass, Invalid> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    let class = match t.as_str() {
        "居民" | "居民生活" | "居民生活用电" | "城乡居民生活用电" => Some(UsageClass::Residential),
        "一般工商业" | "工商业" | "非居民照明" | "商业" | "非工业" | "普通工业" => {
            Some(UsageClass::GeneralCommercial)
        }
        "大工业" | "大工业用电" => Some(UsageClass::LargeIndustry),
        "农业" | "农业生产" | "农业生产用电" | "农业排灌" => Some(UsageClass::Agricultural),
        code => UsageClass::ALL.into_iter().find(|c| c.code() == code),
    };
    class.ok_or_else(|| {
        rule(
            "usage_class",
            "usage_class_unknown",
            "用电类别应为居民生活、一般工商业、大工业或农业生产",
            "the usage class is residential, general commercial, large industry or agricultural",
        )
    })
}

/// A supply voltage as written: 220 V, 380 V (0.4 kV) or 10 kV.
fn voltage(text: &str) -> std::result::Result<&'static str, Invalid> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    match t.as_str() {
        "220v" | "220" | "0.22kv" => Ok("220v"),
        "380v" | "380" | "0.4kv" | "400v" => Ok("380v"),
        "10kv" | "10" | "10000v" => Ok("10kv"),
        _ => Err(rule(
            "voltage",
            "voltage_unknown",
            "电压等级应为 220V、380V 或 10kV",
            "the voltage is 220 V, 380 V or 10 kV",
        )),
    }
}

/// A status as written; blank is an account in use.
fn status(text: &str) -> std::result::Result<&'static str, Invalid> {
    let t = text.trim().to_lowercase();
    let code = match t.as_str() {
        "" | "正常" | "在用" | "运行" | "正常用电" => "active",
        "暂停" | "暂停用电" | "暂停供电" => "suspended",
        "销户" | "已销户" => "closed",
        "申请中" | "在途" | "新装在途" => "applying",
        other => other,
    };
    STATUSES.iter().copied().find(|s| *s == code).ok_or_else(|| {
        rule(
            "account_status",
            "status_unknown",
            "状态应为正常、暂停、销户或申请中",
            "the status is active, suspended, closed or applying",
        )
    })
}

/// The tariff an account of a class starts on (the demo's, the shipped
/// tariffs'); the billing issue changes it from the account's page.
fn tariff_of(class: UsageClass) -> &'static str {
    match class {
        UsageClass::Residential => "gx-res-1",
        UsageClass::GeneralCommercial => "gx-com-1",
        UsageClass::Agricultural => "gx-agr-1",
        UsageClass::LargeIndustry => "gx-tou-1",
    }
}

/// A meter's kind from the supply voltage: the archive's page and the
/// meter issue refine it.
fn meter_kind(voltage: &str) -> (&'static str, i64) {
    match voltage {
        "220v" => ("single_phase", 6),
        "380v" => ("three_phase", 6),
        _ => ("three_phase_ct", 8),
    }
}

/// Words in a holder's name that make it a company rather than a person.
const COMPANY_WORDS: &[&str] =
    &["公司", "厂", "店", "站", "社", "局", "所", "部", "中心", "学校", "医院", "委员会", "合作"];

/// A row that passed the rules of its own cells.
pub struct Prepared {
    holder: NewCustomer,
    account: NewAccount,
}

/// The import into one supply station; remembers what earlier batches add.
pub struct AccountRows {
    today: Date,
    numbers: HashSet<String>,
    meters: HashSet<String>,
}

impl AccountRows {
    pub fn new(today: Date) -> AccountRows {
        AccountRows { today, numbers: HashSet::new(), meters: HashSet::new() }
    }

    fn holder(&self, c: &Cells<'_>) -> std::result::Result<NewCustomer, Invalid> {
        let name = c.get("name");
        let company = COMPANY_WORDS.iter().any(|w| name.contains(w));
        CustomerInput {
            kind: if company { "company" } else { "person" }.into(),
            name: name.to_string(),
            mobile: c.get("mobile").to_string(),
            address: c.get("supply_address").to_string(),
            source: "营销系统导入".into(),
            ..CustomerInput::default()
        }
        .check(self.today)
    }

    fn account(&self, c: &Cells<'_>) -> std::result::Result<NewAccount, Invalid> {
        let account_no = AccountNo::parse("account_no", c.get("account_no"))?;
        let class = usage_class(c.get("usage_class"))?;
        let voltage = voltage(c.get("voltage"))?;
        let capacity_kva = match c.get("capacity_kva").trim().parse::<i64>() {
            Ok(n) if (1..=1_000_000).contains(&n) => n,
            _ => {
                return Err(rule(
                    "capacity_kva",
                    "capacity_range",
                    "容量应为 1 到 1000000 之间的整数（kVA）",
                    "a capacity is a whole number of kVA from 1 to 1,000,000",
                ));
            }
        };
        let supply_address = kefu_core::validation::required_text("supply_address", c.get("supply_address"), 200)?;
        let status = status(c.get("account_status"))?;
        let permit = match c.get("permit_no").trim() {
            "" => None,
            no => Some(
                PermitInput {
                    permit_no: no.to_string(),
                    permit_issued: c.get("permit_issued").to_string(),
                    permit_valid_until: c.get("permit_valid_until").to_string(),
                }
                .check(self.today)?,
            ),
        };
        let meters = match c.get("meter_no").trim() {
            "" => Vec::new(),
            no => {
                let installed_on = match c.get("installed_on").trim() {
                    "" => return Err(Invalid::required("installed_on")),
                    t => parse_date(t).ok_or_else(|| date_rule("installed_on"))?,
                };
                if installed_on > self.today {
                    return Err(rule(
                        "installed_on",
                        "date_in_future",
                        "日期不能晚于今天",
                        "the date cannot be after today",
                    ));
                }
                let (kind, register_digits) = meter_kind(voltage);
                vec![NewMeter {
                    meter_no: MeterNo::parse("meter_no", no)?,
                    kind,
                    register_digits,
                    ct: (1, 1),
                    pt: (1, 1),
                    installed_on,
                }]
            }
        };
        Ok(NewAccount {
            account_no,
            customer_id: CustomerId(0),
            branch_id: BranchId(0),
            usage_class: class.code(),
            voltage,
            capacity_kva,
            supply_address,
            tariff_code: tariff_of(class),
            permit,
            status,
            meters,
        })
    }
}

/// Quoted for an IN list: account and meter numbers passed their rules
/// (digits; capitals, digits and hyphens), so they hold no quote.
fn quoted<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values.map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
}

impl Target for AccountRows {
    type Row = Prepared;
    type Additions = Vec<(NewCustomer, NewAccount)>;
    type Writer = ();

    fn fields(&self) -> &'static [Field] {
        FIELDS
    }

    fn required(&self) -> &'static [&'static str] {
        &["account_no", "name", "supply_address", "usage_class", "voltage", "capacity_kva"]
    }

    fn prepare(&self, c: &Cells<'_>) -> std::result::Result<Prepared, Invalid> {
        Ok(Prepared { account: self.account(c)?, holder: self.holder(c)? })
    }

    async fn plan(
        &mut self,
        conn: &mut sqlx::AnyConnection,
        branch: BranchId,
        rows: Vec<(usize, Prepared)>,
        created: &mut BTreeMap<String, usize>,
    ) -> Result<(Fates, Self::Additions)> {
        let prefix: Option<String> = sqlx::query_scalar("SELECT prefix FROM power_stations WHERE branch_id = $1")
            .bind(branch.0)
            .fetch_optional(&mut *conn)
            .await?;
        let prefix = prefix.map(|p| StationPrefix::parse("prefix", &p)).transpose()?;
        // What is stored of these numbers: an account's station; a meter's
        // account number (or none, at a hydro station) and whether removed.
        let mut accounts: HashMap<String, i64> = HashMap::new();
        let mut meters: HashMap<String, (Option<String>, bool)> = HashMap::new();
        if !rows.is_empty() {
            let sql = format!(
                "SELECT account_no, branch_id FROM power_accounts WHERE account_no IN ({})",
                quoted(rows.iter().map(|(_, r)| r.account.account_no.as_str()))
            );
            for r in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await? {
                accounts.insert(r.text("account_no")?, r.i64("branch_id")?);
            }
            let numbers: Vec<&str> =
                rows.iter().flat_map(|(_, r)| r.account.meters.iter().map(|m| m.meter_no.as_str())).collect();
            if !numbers.is_empty() {
                let sql = format!(
                    "SELECT m.meter_no, a.account_no, m.removed_on FROM power_meters m \
                     LEFT JOIN power_accounts a ON a.id = m.account_id WHERE m.meter_no IN ({})",
                    quoted(numbers.into_iter())
                );
                for r in sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *conn).await? {
                    meters
                        .insert(r.text("meter_no")?, (r.opt_text("account_no")?, r.opt_text("removed_on")?.is_some()));
                }
            }
        }
        let mut fates = Vec::with_capacity(rows.len());
        let mut adds = Vec::new();
        for (number, mut row) in rows {
            let no = row.account.account_no.as_str().to_string();
            let Some(prefix) = &prefix else {
                let e = rule(
                    "account_no",
                    "branch_not_a_station",
                    "只能导入到供电所（有户号前缀的机构）",
                    "accounts are imported into a supply station (a branch with an account-number prefix)",
                );
                fates.push((number, Err(e)));
                continue;
            };
            let account = match row.account.account_no.clone().check_station("account_no", prefix) {
                Ok(a) => a,
                Err(e) => {
                    fates.push((number, Err(e)));
                    continue;
                }
            };
            if self.numbers.contains(&no) {
                let e = rule(
                    "account_no",
                    "account_no_duplicate",
                    "文件中该户号重复",
                    "the account number appears twice in the file",
                );
                fates.push((number, Err(e)));
                continue;
            }
            let stored_here = match accounts.get(&no) {
                Some(&b) if b != branch.0 => {
                    let e = rule(
                        "account_no",
                        "account_no_taken",
                        "该户号已属于其他供电所",
                        "the account number belongs to another station",
                    );
                    fates.push((number, Err(e)));
                    continue;
                }
                Some(_) => true,
                None => false,
            };
            let mut meter_refused = None;
            for m in &row.account.meters {
                let meter = m.meter_no.as_str();
                if self.meters.contains(meter) {
                    meter_refused = Some(rule(
                        "meter_no",
                        "meter_no_duplicate",
                        "文件中该表号重复",
                        "the meter number appears twice in the file",
                    ));
                } else if let Some((at, removed)) = meters.get(meter) {
                    match at {
                        Some(at) if *at == no && stored_here => {}
                        Some(at) if !removed => {
                            meter_refused = Some(rule(
                                "meter_no",
                                "meter_installed_elsewhere",
                                format!("该表已装在户号 {at}"),
                                format!("the meter is installed at account {at}"),
                            ));
                        }
                        _ => {
                            meter_refused = Some(rule(
                                "meter_no",
                                "meter_no_taken",
                                "该表号已在表计档案中",
                                "the meter number is in the meter archive already",
                            ));
                        }
                    }
                }
            }
            if let Some(e) = meter_refused {
                fates.push((number, Err(e)));
                continue;
            }
            // A number once in the file: a second row with it is refused
            // whether the first is new or stored already.
            self.numbers.insert(no);
            if stored_here {
                fates.push((number, Ok(Fate::Present)));
                continue;
            }
            self.meters.extend(row.account.meters.iter().map(|m| m.meter_no.as_str().to_string()));
            row.account.account_no = account;
            row.account.branch_id = branch;
            *created.entry("customer".into()).or_default() += 1;
            *created.entry("power_account".into()).or_default() += 1;
            if !row.account.meters.is_empty() {
                *created.entry("power_meter".into()).or_default() += row.account.meters.len();
            }
            adds.push((row.holder, row.account));
            fates.push((number, Ok(Fate::Imported)));
        }
        Ok((fates, adds))
    }

    async fn write(_: &mut (), tx: &mut Tx, branch: BranchId, adds: Self::Additions) -> Result<()> {
        let (holders, mut accounts): (Vec<_>, Vec<_>) = adds.into_iter().unzip();
        let created = customers::insert_many(tx, branch, holders).await?;
        for (a, c) in accounts.iter_mut().zip(created) {
            a.customer_id = c.id;
        }
        super::insert_in(tx, accounts, Vec::new()).await?;
        Ok(())
    }
}
