//! `kefu power …`, the pack's commands: the quote of a month's charge
//! (the JSON the API answers) and the tariff file's import and export
//! (issue 20 §2).

use std::path::PathBuf;

use clap::Parser;
use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::{Actor, Invalid};
use kefu_store::Db;

use crate::tariffs::{export, quote, store};

#[derive(Parser)]
#[command(name = "kefu power", about = "供电包命令 / the power pack's commands")]
enum PowerCommand {
    /// Price a month's kWh by a tariff, as `POST /api/v1/power/tariffs/{code}/quote` does; stores nothing.
    Quote {
        /// The tariff's code (gx-res-1).
        #[arg(long)]
        tariff: String,
        /// The month's kWh (flat and tiered tariffs).
        #[arg(long, allow_negative_numbers = true)]
        kwh: Option<i64>,
        /// Time of use: the peak, flat and valley registers' kWh.
        #[arg(long)]
        peak: Option<i64>,
        #[arg(long)]
        flat: Option<i64>,
        #[arg(long)]
        valley: Option<i64>,
        /// kWh billed earlier in the calendar year (yearly tiers).
        #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
        ytd: i64,
        /// The day whose prices apply, the reading period's last (default: today).
        #[arg(long)]
        date: Option<Date>,
        /// The reading period's first day, when it spans more than `date`.
        #[arg(long)]
        from: Option<Date>,
    },
    /// The stored tariffs as TOML files.
    #[command(subcommand)]
    Tariffs(TariffsCommand),
}

#[derive(clap::Subcommand)]
enum TariffsCommand {
    /// Load or update the tariffs of a TOML file: all or nothing, every error named.
    Import { file: PathBuf },
    /// Write every tariff in force as one TOML file to standard output.
    Export,
}

/// "field: rule" in both languages, one error a line, for the terminal.
fn explain(errors: &[Invalid]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(|i| format!("{}: {} / {}", i.field, i.rule.zh, i.rule.en)).collect();
    anyhow::anyhow!("{}", lines.join("\n"))
}

pub async fn run(db: &Db, actor: &Actor, (today, now): (Date, Timestamp), args: Vec<String>) -> anyhow::Result<String> {
    let command = match PowerCommand::try_parse_from(std::iter::once("kefu power".to_string()).chain(args)) {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => return Ok(e.render().to_string()),
        Err(e) => anyhow::bail!("{}", e.render()),
    };
    match command {
        PowerCommand::Quote { tariff, kwh, peak, flat, valley, ytd, date, from } => {
            let usage = quote::usage(kwh, peak, flat, valley).map_err(|e| explain(&[e]))?;
            let tariff = store::by_code(db, &tariff).await.map_err(|_| {
                anyhow::anyhow!("--tariff: 没有这个电价代码 / there is no tariff with this code: {tariff}")
            })?;
            let ask = quote::Ask { usage, year_to_date_kwh: ytd, from, date: date.unwrap_or(today) };
            let answer = quote::quote(&tariff, ask).map_err(|e| explain(&[e]))?;
            Ok(format!("{}\n", serde_json::to_string_pretty(&answer)?))
        }
        PowerCommand::Tariffs(TariffsCommand::Import { file }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("{}: 无法读取 / cannot read: {e}", file.display()))?;
            match store::import_file(db, actor, &text, today, now).await? {
                Ok(n) => Ok(format!("已导入 / imported: {n} 个电价有新增或修改 / tariffs created or changed\n")),
                Err(errors) => Err(explain(&errors)),
            }
        }
        PowerCommand::Tariffs(TariffsCommand::Export) => Ok(export(&store::all(db).await?)),
    }
}
