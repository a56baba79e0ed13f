//! The power-supply pack: a county power-supply company's customer service
//! centre (the seed's 第四篇; issues 19 and 20). Its rules are plain
//! functions over plain data ([`price`], [`tariffs`], [`billing`],
//! [`readings`], [`indicators`]' fractions, [`meters`], [`inspections`],
//! [`accounts`]): nothing there touches the database, the network or the
//! clock, so every rule is tested by the hundreds without I/O. The stored
//! parts ([`archive`], [`books`], [`bills`], [`collection`], …) read and
//! write through `kefu_store` and call those rules; the web half is in
//! `kefu-web/src/packs/power/`.
//!
//! # What is here
//!
//! | module | what it holds |
//! |---|---|
//! | [`price`] | [`Price`], yuan per kWh to four decimals held as whole ten-thousandths of a yuan, and the pack's one rounding rule to the fen ([`round_to_fen`]: half up, once per line) |
//! | [`tariffs`] | tariffs as data: code, name, usage class, basis (flat, monthly tiers, yearly tiers, time of use) and dated versions; the TOML file read all or nothing with every error named by its path, and written back (`file.rs`); the shipped tariffs in `crates/kefu-power/tariffs/*.toml`, each citing its price notice and saying which figures could not be checked (`shipped.rs`) |
//! | [`billing`] | the energy charge line by line — tiers at and across bounds, the year so far for yearly tiers, time-of-use registers, a price change within the period split by days (`energy.rs`); a large user's basic charge and power factor adjustment from the 办法's table (`large_users.rs`); the late-payment charge (电费违约金) of 《供电营业规则》 article 98 with partial payments and the year's turn (`late_charge.rs`); a payment allocated to the oldest bills first, the rest prepaid or refused (`payments.rs`); the earliest day supply may be suspended for arrears (`suspension.rs`) |
//! | [`readings`] | readings in hundredths of a kWh, registers and their rollover, the multiplier (倍率 = CT × PT) (`register.rs`); the checks before billing — plausible rollover or an error to verify, zero and high use held, estimates (估抄) trued up (`checks.rs`); a meter replaced within the month (`replacement.rs`) |
//! | [`indicators`] | 线损率, 电费回收率 (this year, earlier years, cumulative), 实抄率, 差错率, 综合平均电价 and the hydro settlement, as exact fractions of a month's totals that sum from the stations to the centre, and the targets they are held to; stored: station and generation meters and their monthly readings (migration 45), the month's figures per station from readings, bills and payments, targets and the analysis meeting's minutes and actions (migration 46) |
//! | [`connections`] | new connections (业扩报装): the steps of an application by kind of supply, refused out of order, each step's deadline in working days, and how long each took against its limit; the working-day calendar with holidays and 调休 days, read from a small TOML file (`calendar.rs`; 2026 shipped in `calendar/2026.toml`, the administrator's edits over it); applications stored (`store.rs`: six kinds, steps with documents, the connection's meter, permit and capacity change, the monthly report) and the applicant told of each step (`notice.rs`) |
//! | [`meter_archive`] | the meter archive as stored — asset records, batch acceptance, installation and removal with their readings and history, the monthly rotation and field-test plan with its work orders and completion rate, the instruments in date, the stored periods |
//! | [`outages`] | planned outages (停电审批): a station's request, a manager's approval or refusal, the holders told at the playbooks' lead times (large users 7 days, others 1) |
//! | [`training`] | rural electricians' training: sessions, attendees from the station's staff, results, certificates and those lapsing soon |
//! | [`meters`] | metering assets' periodic work — field tests by point class (DL/T 448), rotation by kind, the instruments' yearly verification and the share in date — the month's plan, and where a meter may go (a failed one is never installed) |
//! | [`cases`] | inspection cases as stored — kind, source, evidence (seal numbers, photos), amounts by [`inspections`] with the manager's parameters, audited changes, escalation above 1,000 yuan and closing by a manager only; inspection plans and records; suspensions of supply for safety |
//! | [`inspections`] | the amounts of a theft case — stolen kWh from the equipment or the meter's rated current, the back charge, the penalty, the escalation above 1,000 yuan — and the charge for an unauthorised capacity increase |
//! | [`accounts`] | account numbers (户号) with the station's prefix, kefu's own format, and meter numbers |
//! | [`contracts`] | supply contracts (供用电合同) of non-residential accounts and power-use permits: their rules (an expired permit refused), storage, the lists expiring soon, and the renewal reminders' anchors and playbooks |
//! | [`archive`] | the stored archive: supply stations, electricity accounts of the common customers and their meters, hydro stations' meters; their search keys and probes (户号, its tail, meter number) |
//! | [`books`] | reading books and readings stored (migration 0040): books with a reader, route order and reading day; each reading checked by [`readings`] as it comes in (typed, imported from a handheld's CSV/XLSX, or by the API), held ones confirmed, corrections as new rows; a file's or page's readings checked against one read of their accounts' readings and entered in one transaction (`ledger.rs`); the generated county's books and two months of readings (`generated.rs`); the month's reading audit |
//! | [`bills`] | the billing run (migration 0041): a book's or station's bills of a month from the standing readings, idempotent, a corrected reading reversed and re-billed; large users' basic charge and power factor adjustment (the company's table, `pf_tables.rs`), time-of-use registers, the bill notice PDF and its SMS |
//! | [`collection`] | collection as stored (migrations 0042, 0043): payments at the counter, from bank and agents' files, prepaid balances and reversals, each bill's late charge settled before it and waived by a manager, the cashier's day close and the stations' totals, arrears by station, book and age with the dunning steps, the reminders' anchor and playbooks, and the collection rate (`rate.rs`) |
//! | [`cli`] | `kefu power …`: the quote, and the tariff file's import and export |
//! | [`pack`], [`demo`] | the pack on the seam (`kefu_pack::Pack`, code `power`), its demo county, and the county at any scale in bulk (`generate.rs`, `kefu gen --packs power --accounts N`) |
//!
//! Validation errors are [`kefu_core::Invalid`]: the field (a path such as
//! `tariff[0].version[1].tiers[2].price` where the input is a file) and the
//! rule, in Chinese and English. Money is [`kefu_core::Money`] in fen.
//!
//! # What is left
//!
//! - The lists of connections, outages, suspensions and inspection plans
//!   show their newest rows, capped, rather than a page at a time as the
//!   books, bills, arrears, cases and the meter archive do ([`paging`]).
//! - The power factor table is edited on its settings page only; it has no
//!   API yet.

pub mod accounts;
pub mod archive;
pub mod billing;
pub mod bills;
pub mod books;
pub mod cases;
pub mod cli;
pub mod collection;
pub mod connections;
pub mod contracts;
pub mod demo;
mod generate;
pub mod indicators;
pub mod inspections;
pub mod meter_archive;
pub mod meters;
pub mod outages;
pub mod pack;
pub mod paging;
pub mod price;
pub mod readings;
pub mod tariffs;
pub mod training;

pub use price::{Price, round_to_fen};
