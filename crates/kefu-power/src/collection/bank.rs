//! A bank's batch file (银行代扣/批量缴费) or a collection agent's (代收)
//! daily file, CSV or XLSX with the account number, the amount, the
//! transaction number and the date, read by the import machinery's table
//! reader. Rows are checked and paid one by one, each in its own
//! transaction, so a refused row writes nothing and the others are paid
//! (the reading import's skip-bad-rows way); every refused row is reported
//! with its row number, the field and the rule. A transaction number is
//! paid once per channel, so a file imported again pays nothing twice.
//! The payment's business day is the file's date: the day the bank took
//! the money.

use jiff::Timestamp;
use kefu_care::import::{cells, table};
use kefu_core::{Actor, Invalid, Money, Rule};
use kefu_store::{Db, Failure};

use super::payments::{Channel, NewPayment, take};
use super::rules::CollectionRules;

const ACCOUNT: &[&str] = &["户号", "用户编号", "account_no", "account"];
const AMOUNT: &[&str] = &["金额", "缴费金额", "交易金额", "amount"];
const REFERENCE: &[&str] = &["交易流水号", "流水号", "银行流水号", "transaction_no", "reference"];
const DATE: &[&str] = &["日期", "交易日期", "缴费日期", "date"];

/// What an import did.
#[derive(Debug, Default)]
pub struct BankImport {
    pub paid: usize,
    /// The total paid in, fen.
    pub amount: i64,
    /// Each refused row: its number in the file (the header is row 1) and why.
    pub rejected: Vec<(usize, Invalid)>,
}

fn column(headers: &[String], names: &[&str]) -> Option<usize> {
    headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
}

/// Imports a bank's (`Channel::Bank`) or an agent's (`Channel::Agent`) file.
pub async fn import_bank_file(
    db: &Db,
    actor: &Actor,
    bytes: &[u8],
    channel: Channel,
    rules: &CollectionRules,
    now: Timestamp,
) -> Result<BankImport, Failure> {
    let t = table::read(bytes, None)?;
    let cols = (
        column(&t.headers, ACCOUNT),
        column(&t.headers, AMOUNT),
        column(&t.headers, REFERENCE),
        column(&t.headers, DATE),
    );
    let (Some(account), Some(amount), Some(reference), Some(date)) = cols else {
        return Err(Invalid::new(
            "file",
            Rule::new(
                "bank_columns",
                "文件须有“户号”“金额”“交易流水号”“日期”四列",
                "the file needs the columns account_no, amount, transaction_no and date",
            ),
        )
        .into());
    };
    let mut out = BankImport::default();
    for row in &t.rows {
        let checked = (|| {
            let account_no = row.cell(account);
            if account_no.is_empty() {
                return Err(Invalid::required("account_no"));
            }
            // A negative or zero amount is refused by the payment rule itself.
            let fen = Money::parse_yuan("amount", row.cell(amount))?;
            let reference = row.cell(reference);
            if reference.is_empty() {
                return Err(Invalid::required("transaction_no"));
            }
            let day = cells::parse_date(row.cell(date))
                .ok_or_else(|| Invalid::new("date", Rule::new("date_format", "无法识别的日期", "not a date")))?;
            Ok(NewPayment {
                account_no: account_no.to_string(),
                amount: fen,
                channel,
                reference: Some(reference.to_string()),
                open_prepaid: false,
                day,
            })
        })();
        let payment = match checked {
            Ok(p) => p,
            Err(e) => {
                out.rejected.push((row.number, e));
                continue;
            }
        };
        match take(db, actor, &payment, rules, now).await {
            Ok(_) => {
                out.paid += 1;
                out.amount += payment.amount.fen();
            }
            Err(Failure::Invalid(mut e)) => {
                if e.field == "reference" {
                    e.field = "transaction_no".into();
                }
                out.rejected.push((row.number, e));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(out)
}
