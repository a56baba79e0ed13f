//! The service advisors' KPIs for a week or a month (D2: the advisor meets
//! their KPI targets): orders settled and their revenue, the average order,
//! additional items proposed and agreed, cars delivered by the promised
//! time, cars through the quality check at the first attempt, appointments
//! booked and missed. The figures are plain functions over per-order facts;
//! the SQL that gathers the facts sits beside them.

use jiff::civil::Date;
use kefu_core::time::{BusinessZone, instant_text, parse_instant};
use kefu_core::{Money, Scope};
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;
use std::collections::BTreeMap;

type Result<T> = std::result::Result<T, Failure>;

/// What a settled order contributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub advisor: String,
    /// What the order brought in: the customer's, the manufacturer's and
    /// the insurer's shares.
    pub revenue: Money,
    pub items_proposed: i64,
    pub items_agreed: i64,
    /// None when no time was promised.
    pub on_time: Option<bool>,
    pub qc_failures: i64,
}

/// A booking made in the period, and whether the car was missed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingFacts {
    pub advisor: String,
    pub no_show: bool,
}

/// A count out of a whole, with its share in whole percent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Share {
    pub n: i64,
    pub of: i64,
    /// None when there is nothing to share.
    pub percent: Option<i64>,
}

impl Share {
    fn new(n: i64, of: i64) -> Share {
        Share { n, of, percent: (of > 0).then(|| n * 100 / of) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisorKpi {
    pub advisor: String,
    pub orders: i64,
    pub revenue: Money,
    /// Revenue per order, rounded down to the fen.
    pub average: Money,
    pub items_agreed: Share,
    pub on_time: Share,
    pub first_pass: Share,
    pub booked: i64,
    pub no_shows: i64,
}

/// One row per advisor, by name.
pub fn summarise(orders: &[OrderFacts], bookings: &[BookingFacts]) -> Vec<AdvisorKpi> {
    let mut by: BTreeMap<&str, (Vec<&OrderFacts>, Vec<&BookingFacts>)> = BTreeMap::new();
    for o in orders {
        by.entry(&o.advisor).or_default().0.push(o);
    }
    for b in bookings {
        by.entry(&b.advisor).or_default().1.push(b);
    }
    by.into_iter()
        .map(|(advisor, (os, bs))| {
            let count = os.len() as i64;
            let revenue: Money = os.iter().map(|o| o.revenue).sum();
            let promised: Vec<bool> = os.iter().filter_map(|o| o.on_time).collect();
            AdvisorKpi {
                advisor: advisor.to_string(),
                orders: count,
                revenue,
                average: Money::from_fen(if count > 0 { revenue.fen() / count } else { 0 }),
                items_agreed: Share::new(
                    os.iter().map(|o| o.items_agreed).sum(),
                    os.iter().map(|o| o.items_proposed).sum(),
                ),
                on_time: Share::new(promised.iter().filter(|t| **t).count() as i64, promised.len() as i64),
                first_pass: Share::new(os.iter().filter(|o| o.qc_failures == 0).count() as i64, count),
                booked: bs.len() as i64,
                no_shows: bs.iter().filter(|b| b.no_show).count() as i64,
            }
        })
        .collect()
}

/// The facts of the period from `from` to `to` (inclusive, business dates).
pub async fn load(
    db: &Db,
    scope: &Scope,
    zone: &BusinessZone,
    (from, to): (Date, Date),
) -> Result<(Vec<OrderFacts>, Vec<BookingFacts>)> {
    let start = instant_text(zone.start_of(from));
    let end = instant_text(zone.start_of(to.tomorrow().unwrap_or(to)));
    let sql = format!(
        "SELECT o.advisor, o.customer_fen + o.warranty_fen + o.insurance_fen AS revenue, o.settled_at, o.promised_at, \
         o.qc_failures, \
         (SELECT COUNT(*) FROM repair_order_lines l WHERE l.order_id = o.id AND l.origin = 'additional') AS proposed, \
         (SELECT COUNT(*) FROM repair_order_lines l WHERE l.order_id = o.id AND l.origin = 'additional' \
           AND l.consent = 'consented') AS agreed \
         FROM repair_orders o WHERE o.branch_id IN ({}) AND o.settled_at >= $1 AND o.settled_at < $2",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(start).bind(end).fetch_all(db.pool()).await?;
    let mut orders = Vec::with_capacity(rows.len());
    for r in &rows {
        let settled = r.opt_text("settled_at")?.and_then(|t| parse_instant(&t));
        let promised = r.opt_text("promised_at")?.and_then(|t| parse_instant(&t));
        orders.push(OrderFacts {
            advisor: r.text("advisor")?,
            revenue: Money::from_fen(r.i64("revenue")?),
            items_proposed: r.i64("proposed")?,
            items_agreed: r.i64("agreed")?,
            on_time: promised.zip(settled).map(|(p, s)| s <= p),
            qc_failures: r.i64("qc_failures")?,
        });
    }
    let sql = format!(
        "SELECT booked_by, status FROM appointments WHERE branch_id IN ({}) AND booked_on >= $1 AND booked_on <= $2",
        scope.sql_list()
    );
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(from.to_string()).bind(to.to_string()).fetch_all(db.pool()).await?;
    let bookings = rows
        .iter()
        .map(|r| Ok(BookingFacts { advisor: r.text("booked_by")?, no_show: r.text("status")? == "no_show" }))
        .collect::<Result<Vec<_>>>()?;
    Ok((orders, bookings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(
        advisor: &str,
        fen: i64,
        (proposed, agreed): (i64, i64),
        on_time: Option<bool>,
        qc_failures: i64,
    ) -> OrderFacts {
        OrderFacts {
            advisor: advisor.into(),
            revenue: Money::from_fen(fen),
            items_proposed: proposed,
            items_agreed: agreed,
            on_time,
            qc_failures,
        }
    }

    #[test]
    fn each_advisor_gets_their_own_figures() {
        let orders = [
            order("王力", 100_000, (2, 1), Some(true), 0),
            order("王力", 50_001, (1, 1), Some(false), 1),
            order("王力", 20_000, (0, 0), None, 0),
            order("李娜", 30_000, (0, 0), Some(true), 0),
        ];
        let bookings = [
            BookingFacts { advisor: "王力".into(), no_show: false },
            BookingFacts { advisor: "赵敏".into(), no_show: true },
        ];
        let k = summarise(&orders, &bookings);
        let names: Vec<&str> = k.iter().map(|a| a.advisor.as_str()).collect();
        assert_eq!(names, ["李娜", "王力", "赵敏"]);
        let wang = &k[1];
        assert_eq!((wang.orders, wang.revenue, wang.average), (3, Money::from_fen(170_001), Money::from_fen(56_667)));
        assert_eq!(wang.items_agreed, Share { n: 2, of: 3, percent: Some(66) });
        assert_eq!(wang.on_time, Share { n: 1, of: 2, percent: Some(50) }, "only orders with a promise count");
        assert_eq!(wang.first_pass, Share { n: 2, of: 3, percent: Some(66) });
        assert_eq!((wang.booked, wang.no_shows), (1, 0));
        let zhao = &k[2];
        assert_eq!((zhao.orders, zhao.average, zhao.on_time.percent), (0, Money::ZERO, None));
        assert_eq!((zhao.booked, zhao.no_shows), (1, 1));
    }
}
