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
//! | [`archive`] | the stored owner archive (migration 0050): estates (branches of kind `estate`), buildings, houses with their first billed day, residents (customers with a role per house, the property certificate masked without PersonalDataView), papers, vehicles and spaces; search keys for house numbers (`3-2-1502` and `3-1502`) and plates |
//! | [`desk`] | visitors at the front desk as stored (0051): registered to a house of the estate, signed out, the day's list, the retention EstateManage sets, the hourly purge auditing each deletion |
//! | [`charges`] | fees as stored (0052): items, readings (the master meter's as `MASTER`), the billing run over [`billing::billing_run`] (idempotent by `estate_billing_keys`), payments through [`payments`], reversals, prepaid balances, arrears through [`arrears`] |
//! | [`receivables`] | fees as edited and collected (0059, 0060): an item's price from a period on and its retirement, the readings sheet with replacements, one-off charges billed once on the next bill, late fees charged or waived, the collection playbook on bills' due dates (`estate_bill_due`; no step cuts a utility), the month's collection figures and the desk's counts for the report, a payment's receipt |
//! | [`repairs`] | repairs (报修) as work orders (0055): categories with their deadlines and escalation, the steps from report to the owner's confirmation, an in-house repair's materials and charge pending for the next bill (`estate_repair_charges`), the next-day 回访 call ([`repairs::revisit`]) |
//! | [`opinions`] | opinion visits (0057): a plan per estate and period covering every household lived in, buildings assigned to staff in turn, each visit's opinions, suggestions and satisfaction (1–5), the plan's completion and coverage, the month's summary |
//! | [`notices`] | notices to owners (0058): a water or power cut, fees or an event addressed to an estate, buildings or houses, drafted then sent — a delivery per house and channel (SMS, e-mail, WeChat through the outreach channels, a call whose outcome records that it was explained), its state read from its outreach tasks; the month's counts for the report; the customers' WeChat openid (0062) |
//! | [`visit_tasks`] | the opinion visits as tasks of the common call queue: made with the plan, spread over its period, claimed by the building's staff, moved with the building, ended by the visit's record; the daily run's anchor (the plan's first day) |
//! | [`window`] | a page of a long list (limit and offset) |
//! | [`passes`] | a visitor's optional pass: a signed, expiring token (the survey links' HMAC under its own key) for a QR code, checked at the gate |
//! | [`completeness`] | the archive's completeness check and its monthly snapshot (0053) |
//! | `ops_demo` | the demo's owners' complaints (closed with their measures) and this year's visit plans, half done |
//! | `generate` | `kefu gen --houses N`: the demo's plans as rows, written by the packs' bulk loader (search keys sorted and appended last) |
//! | [`pack`], [`demo`] | the pack on the seam (`kefu_pack::Pack`, code `estate`; its hourly work: the visitor purge and the completeness snapshot) and the demo company with two years of fees; `kefu gen --houses N` |
//!
//! Validation errors are [`kefu_core::Invalid`]: the field and the rule, in
//! Chinese and English. Money is [`kefu_core::Money`] in fen; shared
//! arithmetic (the decimal reader, the largest-remainder split, oldest-first
//! allocation, rates) is kefu-core's.
//!
//! # What the next session wires
//!
//! Wired (issue 21 §1–§4, §6, §7's fee parts): the archive, search, the
//! 360° panel, the desk's visitors with their QR pass and the register,
//! repairs with their 回访, owners' complaints in the common engine with
//! their measures, opinion visits, fee items (edited, priced from a period
//! on, retired), readings, the billing run with one-off charges, payments
//! with receipts, reversals, late fees, collection through the outreach
//! engine, the collection rate and the monthly report
//! (`docs/estate-fees.md`), with the web half in `kefu-web/src/packs/estate/`.
//! Notices (§5) with the WeChat channel are wired too.

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
mod generate;
pub mod houses;
pub mod late_fee;
pub mod notices;
pub mod opinions;
mod ops_demo;
pub mod pack;
pub mod passes;
pub mod payments;
pub mod quote;
pub mod receivables;
pub mod repairs;
pub mod visit_tasks;
pub mod visitors;
pub mod window;
