//! `kefu`: the one binary. Serves the web application, migrates the
//! database, manages accounts, loads demo data and makes backups.

use clap::{Parser, Subcommand};
use kefu::config::Settings;
use kefu::{backup, demo, import, outreach, pack_command, serve, users};
use kefu_core::time::{Clock, SystemClock};

#[derive(Parser)]
#[command(name = "kefu", version, about = "客服 kefu — customer service centre suite")]
struct Cli {
    /// Database URL: sqlite://FILE (the default, kefu.db in the working folder) or postgres://…
    #[arg(long, global = true, env = "DATABASE_URL")]
    database: Option<String>,
    /// Settings file (default: kefu.toml in the working folder, if present).
    #[arg(long, global = true, env = "KEFU_CONFIG")]
    config: Option<std::path::PathBuf>,
    /// The industry packs that run, comma-separated (default: auto, the 4S dealership); empty for none.
    #[arg(long, global = true, env = "KEFU_PACKS")]
    packs: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies migrations first; creates the first admin on an empty database).
    Serve {
        /// Address and port to listen on.
        #[arg(long, env = "KEFU_BIND")]
        bind: Option<String>,
        /// Load the demo data set when the database holds no customers yet.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(users::UserCommand),
    /// Load the demo data set of each enabled pack (auto: a dealer group with two stores and about 2,000 customers; power: a county with ten supply stations and 30,000 electricity accounts; estate: a property company with two estates and about 3,000 houses).
    Demo {
        /// Seed for the generator; the same seed gives the same data.
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// Write a CSV file as the pack's old systems export it (auto: a dealer system) for `kefu import`, instead of loading the demo.
        #[arg(long, value_name = "FILE")]
        csv: Option<std::path::PathBuf>,
        /// Rows in the CSV file.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
    },
    /// Generate realistic data in bulk, at any scale (auto: customers, vehicles and workshop histories; power: a county's electricity accounts).
    #[command(name = "gen")]
    Gen {
        /// How many customers (auto: about 1.2 vehicles each; power: one electricity account each, also
        /// `--accounts`; estate: houses, also `--houses`).
        #[arg(long, visible_alias = "accounts", visible_alias = "houses")]
        customers: usize,
        /// Seed for the generator; the same seed and day give the same data.
        #[arg(long, default_value_t = demo::DEFAULT_SEED)]
        seed: u64,
        /// The day the histories run up to (default: today in the business zone).
        #[arg(long)]
        today: Option<jiff::civil::Date>,
        /// How many stores of the group (1–8, in Beijing, Shanghai, Guangzhou, Shenzhen, Hangzhou, Chengdu, Wuhan).
        #[arg(long, default_value_t = 8)]
        stores: usize,
    },
    /// The daily outreach: playbooks turned into the day's letters, SMS, e-mails and calls.
    #[command(subcommand)]
    Outreach(OutreachCommand),
    /// Import customers, drivers and vehicles from a CSV file or workbook of an old system.
    Import(import::ImportArgs),
    /// Copy the SQLite database to FILE while kefu keeps running.
    Backup {
        /// Where to write the copy (must not exist yet).
        file: std::path::PathBuf,
    },
    /// An enabled pack's own commands, `kefu <pack> …` (`kefu power --help`).
    #[command(external_subcommand)]
    Pack(Vec<String>),
}

#[derive(Subcommand)]
enum OutreachCommand {
    /// Create the day's tasks (idempotent: a second run for the same day creates nothing).
    Run {
        /// The business date to run for (default: today in the business zone).
        #[arg(long)]
        date: Option<jiff::civil::Date>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    kefu::tune_allocator();
    // Bulk loads run statements of thousands of rows; sqlx's slow-statement
    // warning would print each one whole.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KEFU_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,sqlx::query=error,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let settings = Settings::load(cli.config.as_deref(), cli.database, cli.packs)?;
    match cli.command {
        Command::Serve { bind, demo } => serve::run(settings, bind, demo).await,
        Command::Migrate => {
            let db = kefu_store::Db::connect(&settings.database).await?;
            let applied = db.migrate().await?;
            println!(
                "{}",
                if applied.is_empty() {
                    "数据库已是最新 / schema up to date".to_string()
                } else {
                    format!("已应用迁移 / applied migrations: {applied:?}")
                }
            );
            Ok(())
        }
        Command::User(cmd) => users::run(settings, cmd).await,
        Command::Demo { seed, csv: Some(file), rows } => {
            let today = settings.zone()?.date_of(SystemClock.now());
            let packs = settings.packs()?;
            let Some(demo) = packs.core().iter().find_map(|p| p.demo()) else {
                anyhow::bail!("--csv: no enabled pack has a demo (packs: {:?})", settings.packs);
            };
            std::fs::write(&file, demo.import_file(seed, today, rows))?;
            println!("已写入 / written: {} ({rows} rows)", file.display());
            Ok(())
        }
        Command::Demo { seed, csv: None, .. } => {
            let db = kefu_store::Db::open(&settings.database).await?;
            let today = settings.zone()?.date_of(SystemClock.now());
            for summary in demo::load(&db, &settings.packs()?, seed, today).await? {
                println!("演示数据已载入 / demo data loaded: {summary}");
            }
            Ok(())
        }
        Command::Gen { customers, seed, today, stores } => {
            let db = kefu_store::Db::open(&settings.database).await?;
            let today = match today {
                Some(day) => day,
                None => settings.zone()?.date_of(SystemClock.now()),
            };
            let scale = kefu_pack::Scale { customers, seed, today, branches: stores };
            for demo in settings.packs()?.core().iter().filter_map(|p| p.demo()) {
                let report = demo.generate(&db, scale, &kefu::progress::Bar::default()).await?;
                println!(
                    "已生成 / generated: {} in {:.1} s (of which {:.1} s search keys, {:.1} s building indexes)",
                    report.summary,
                    report.elapsed.as_secs_f64(),
                    report.keys.as_secs_f64(),
                    report.indexing.as_secs_f64()
                );
            }
            Ok(())
        }
        Command::Outreach(OutreachCommand::Run { date }) => outreach::run(&settings, date).await,
        Command::Backup { file } => backup::run(&settings, &file).await,
        Command::Import(args) => import::run(&settings, args).await,
        Command::Pack(args) => pack_command::run(&settings, args).await,
    }
}
