//! The property-management pack's domain core (issue 21; the seed's 第五篇):
//! the rules of a residential property company's customer service centre
//! as plain functions over plain data. Nothing here touches the database,
//! the network or the clock; dates, instants and settings are passed in.
//!
//! # What is here
//!
//! | module | what it holds |
//! |---|---|
//! | [`houses`] | [`HouseNo`](houses::HouseNo): the building → unit → house numbers front-desk staff type (`3-2-1502`, `3栋2单元1502`, `3栋1502`, `P-B1-023`, `商铺105`) read to one canonical form, in natural order; [`Area`](houses::Area) in hundredths of a m² (0 or a third decimal refused); [`HouseKind`](houses::HouseKind) and [`HouseState`](houses::HouseState) |
//! | [`fees`] | [`UnitPrice`](fees::UnitPrice) to four decimals; the one rounding rule ([`Exact::round`](fees::Exact::round): computed exactly, rounded once, half up, to the fen); [`Month`](fees::Month) and the exact months of a span of days ([`Span::months`](fees::Span::months): whole months plus days ÷ the month's days); fee items with their basis, cycle, due day and house kinds ([`FeeItem`](fees::FeeItem)); a meter's use, refused below the last reading without a replacement ([`Reading`](fees::Reading)), and a master meter's public share split by the largest remainder ([`public_share`](fees::public_share)) |
//! | [`quote`] | `POST /api/v1/estate/fee-quote`: [`QuoteRequest`](quote::QuoteRequest) → [`quote`](quote::quote) → [`QuoteAnswer`](quote::QuoteAnswer) |
//! | [`billing`] | the billing run per estate and period ([`billing_run`](billing::billing_run)): bills per house and due date with their lines, idempotent by [`BillingKey`](billing::BillingKey) (estate, period, house, item), all or nothing; [`Bill::reversal`](billing::Bill::reversal) for corrections |
//! | [`payments`] | a payment to the oldest due bill first, ties by bill number, the rest prepaid; a prepaid balance on new bills; a payment for a house of another estate refused |
//! | [`arrears`] | ageing as of a date in the buckets 0–30, 31–90, 91–180 and over 180 days past due (bounds included), with totals and houses |
//! | [`late_fee`] | the contract's daily late fee, off by default, waivable with a reason; the law's notes (民法典 art. 944) |
//! | [`collection`] | the collection steps as data (SMS on the due date, a call after 15 days, 催告函 after 60, a visit after 90) and the step due for a bill on a day |
//! | [`collection_rate`] | the month's collection rate per estate, the current period and arrears recovered apart, as exact fractions |
//! | [`visitors`] | a visitor's minimal record and the retention purge's choice |
//!
//! Validation errors are [`kefu_core::Invalid`]: the field and the rule, in
//! Chinese and English. Money is [`kefu_core::Money`] in fen; shared
//! arithmetic (the decimal reader, the largest-remainder split, oldest-first
//! allocation, rates) is kefu-core's.
//!
//! # What the next session wires
//!
//! The pack interface (issue 16) is being built beside this crate, so
//! nothing here is wired yet. On it the pack adds:
//! - **storage**: estates (a code), buildings and units as the parts of a
//!   [`HouseNo`](houses::HouseNo) (its canonical text unique per estate, its
//!   `building()` for the lists per building), houses with kind, state,
//!   areas (integer hundredths) and the first billed day; fee items
//!   (basis, prices in ten-thousandths, cycle, due day, kinds); meter
//!   readings per item, house and month, with replacements; master readings;
//!   bills and lines (a unique index on the [`BillingKey`](billing::BillingKey)
//!   of issued, unreversed lines), reversals linked to their bills, payments
//!   with their channel and transaction number, prepaid balances, late-fee
//!   waivers with the manager and reason, collection steps taken per bill,
//!   visitor records with the retention setting;
//! - **the billing run** (`kefu estate bill --estate CODE --period 2026-01`
//!   and a page): gather a [`RunInput`](billing::RunInput) in one read —
//!   `billed` from the stored keys — call `billing_run`, write the bills in
//!   one `Tx` with its audit record, then `payments::apply_prepaid` for
//!   houses with a balance; a correction writes `Bill::reversal`, frees the
//!   keys and re-runs for the house;
//! - **payments**: `payments::check_same_estate`, then
//!   `payments::apply_payment` over the house's open bills;
//! - **arrears**: `GET /api/v1/estate/arrears?estate=CODE&as_of=…` answers
//!   `arrears::ageing` over the open bills (keyed by house, or by building
//!   and house for the lists per building), bucket codes labelled in the
//!   i18n catalogues; `late_fee::late_fee` per overdue bill where the
//!   contract sets a rate; `collection::Steps::due_step` in the daily
//!   outreach run for each overdue bill (its actions become the SMS, the
//!   call task, the 催告函 PDF and the visit task);
//! - **reports**: `collection_rate::month_figures` per estate and
//!   month, summed for the company;
//! - **the fee quote**: `POST /api/v1/estate/fee-quote` deserialises a
//!   `QuoteRequest` and answers `quote::quote`;
//! - **visitors**: `visitors::Visitor::new` at the desk;
//!   `visitors::past_retention` in the hourly job, each deletion audited;
//! - **labels**: the codes of `HouseKind`, `HouseState`, `Cycle`, `AreaOf`,
//!   `ShareBy`, `LineKind`, `SkipReason`, `Bucket` and `Action` get their
//!   labels in the i18n catalogues (none here).

pub mod archive;
pub mod arrears;
pub mod billing;
pub mod charges;
mod codes;
pub mod collection;
pub mod collection_rate;
pub mod completeness;
pub mod demo;
pub mod desk;
pub mod fees;
pub mod houses;
pub mod late_fee;
pub mod pack;
pub mod payments;
pub mod quote;
pub mod visitors;
