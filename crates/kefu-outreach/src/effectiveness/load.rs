//! The effectiveness report from the database: the tasks of the measured
//! playbooks in the reader's branches, grouped into due events, judged
//! against the packs' arrivals.

use super::{ChannelRate, Judged, PlaybookRate, StepRate, Tally, Touch, Verdict, measured, verdict, window_end};
use crate::playbook::{Channel, Playbook};
use crate::source::{Arrival, Arrivals};
use crate::touch_state::{self, date_column};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::Scope;
use kefu_core::ids::CustomerId;
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

type Result<T> = std::result::Result<T, Failure>;

/// The report for events first touched from `from` to `to` (inclusive).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub from: Date,
    pub to: Date,
    /// Windows still open on this day make events [`Verdict::Open`].
    pub today: Date,
    pub totals: Tally,
    pub playbooks: Vec<PlaybookRate>,
    pub steps: Vec<StepRate>,
    pub channels: Vec<ChannelRate>,
    /// Customers invited who did not come, windows closed, by playbook and
    /// customer name.
    pub not_came: Vec<NotCame>,
}

/// A solicited customer who did not come, with what each touch came to.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotCame {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub mobile: Option<String>,
    /// The asset as staff know it (a plate); empty for a customer's event.
    pub asset: String,
    pub playbook: String,
    pub anchor_date: Date,
    pub first_touch: Date,
    pub window_end: Date,
    pub touches: Vec<TouchLine>,
}

/// One touch of an event, for reading: the reasons a customer gave are in
/// the calls' outcomes and notes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TouchLine {
    /// From 1.
    pub step: usize,
    pub channel: Channel,
    pub day: Date,
    pub status: String,
    pub outcome: Option<String>,
    pub notes: String,
    pub attempts: i64,
    pub delivered: bool,
}

/// One subject's cadence for one anchor date.
struct Event {
    playbook: String,
    customer_id: i64,
    customer_name: String,
    mobile: Option<String>,
    /// (kind, id); None for a customer's event.
    asset: Option<(String, i64)>,
    anchor: Date,
    touches: Vec<Touch>,
}

impl Event {
    fn first_touch(&self) -> Date {
        self.touches.iter().map(|t| t.state.due_date).min().unwrap_or(self.anchor)
    }
}

pub async fn report(
    db: &Db,
    scope: &Scope,
    playbooks: &[Playbook],
    arrivals: &[&dyn Arrivals],
    (from, to): (Date, Date),
    today: Date,
) -> Result<Report> {
    let books: Vec<&Playbook> = playbooks.iter().filter(|p| measured(p)).collect();
    let events = events(db, scope, &books, from, to).await?;
    let windows: Vec<(Date, Date)> = events
        .iter()
        .map(|e| {
            let p = books.iter().find(|p| p.code == e.playbook).expect("events are of measured playbooks");
            (e.first_touch(), window_end(p, e.anchor))
        })
        .collect();
    let seen = came(db, arrivals, &events, &windows).await?;
    let verdicts: Vec<Verdict> = events
        .iter()
        .zip(&windows)
        .map(|(e, (first, end))| {
            let days = seen.get(&subject_key(e)).map(Vec::as_slice).unwrap_or_default();
            verdict(*first, *end, days, today)
        })
        .collect();
    let judged: Vec<Judged> = events
        .iter()
        .zip(&verdicts)
        .map(|(e, v)| Judged { playbook: &e.playbook, touches: &e.touches, verdict: *v })
        .collect();
    let (by_playbook, steps, channels) = super::tally(&books, &judged);
    let mut totals = Tally::default();
    for t in by_playbook.iter().map(|p| p.tally) {
        totals.due += t.due;
        totals.came += t.came;
        totals.not_came += t.not_came;
        totals.open += t.open;
    }
    let not_came = not_came(db, arrivals, &events, &windows, &verdicts).await?;
    Ok(Report { from, to, today, totals, playbooks: by_playbook, steps, channels, not_came })
}

/// The events of `books` whose first touch falls from `from` to `to`.
async fn events(db: &Db, scope: &Scope, books: &[&Playbook], from: Date, to: Date) -> Result<Vec<Event>> {
    if books.is_empty() {
        return Ok(Vec::new());
    }
    // An event's touches lie within its cadence's span of its first touch:
    // reading that far either side of the period finds every touch of the
    // events that began in it, and the first touch of those that began
    // before it.
    let span = books
        .iter()
        .map(|p| {
            let offsets = p.steps.iter().map(|s| s.offset_days);
            offsets.clone().max().unwrap_or(0) - offsets.min().unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    let codes: Vec<String> = (0..books.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "SELECT t.id, t.customer_id, c.name AS customer_name, c.mobile, t.asset_kind, t.asset_id, t.playbook, t.step, \
         t.anchor_date, t.notes, t.attempts, {columns} \
         FROM outreach_tasks t JOIN customers c ON c.id = t.customer_id {join} \
         WHERE t.branch_id IN ({scope}) AND t.due_date >= $1 AND t.due_date <= $2 AND t.playbook IN ({codes}) \
         ORDER BY t.playbook, t.customer_id, t.asset_kind, t.asset_id, t.anchor_date, t.due_date, t.step",
        columns = touch_state::COLUMNS,
        join = touch_state::JOIN_KEEPER,
        scope = scope.sql_list(),
        codes = codes.join(", "),
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind((from - span.days()).to_string())
        .bind((to + span.days()).to_string());
    for p in books {
        query = query.bind(p.code.clone());
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut events: Vec<Event> = Vec::new();
    for r in &rows {
        let asset_kind = r.text("asset_kind")?;
        let asset = (!asset_kind.is_empty()).then(|| r.i64("asset_id").map(|id| (asset_kind, id))).transpose()?;
        let (playbook, customer_id, anchor) =
            (r.text("playbook")?, r.i64("customer_id")?, date_column(r, "anchor_date")?);
        let touch = Touch {
            task_id: r.i64("id")?,
            step: usize::try_from(r.i64("step")?).unwrap_or_default(),
            state: touch_state::from_row(r)?,
            notes: r.text("notes")?,
            attempts: r.i64("attempts")?,
        };
        match events.last_mut() {
            Some(e)
                if e.playbook == playbook && e.customer_id == customer_id && e.asset == asset && e.anchor == anchor =>
            {
                e.touches.push(touch)
            }
            _ => events.push(Event {
                playbook,
                customer_id,
                customer_name: r.text("customer_name")?,
                mobile: r.opt_text("mobile")?,
                asset,
                anchor,
                touches: vec![touch],
            }),
        }
    }
    events.retain(|e| (from..=to).contains(&e.first_touch()));
    Ok(events)
}

/// Whose arrivals an event waits for: its asset's, or any of its customer's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SubjectKey {
    Asset(String, i64),
    Customer(i64),
}

fn subject_key(e: &Event) -> SubjectKey {
    match &e.asset {
        Some((kind, id)) => SubjectKey::Asset(kind.clone(), *id),
        None => SubjectKey::Customer(e.customer_id),
    }
}

/// The arrival days of every event's subject within the events' windows.
async fn came(
    db: &Db,
    arrivals: &[&dyn Arrivals],
    events: &[Event],
    windows: &[(Date, Date)],
) -> Result<HashMap<SubjectKey, Vec<Date>>> {
    let (Some(from), Some(until)) = (windows.iter().map(|w| w.0).min(), windows.iter().map(|w| w.1).max()) else {
        return Ok(HashMap::new());
    };
    let customers: Vec<i64> = events.iter().filter(|e| e.asset.is_none()).map(|e| e.customer_id).collect();
    let mut seen: HashMap<SubjectKey, Vec<Date>> = HashMap::new();
    for source in arrivals {
        let kind = source.asset_kind();
        let assets: Vec<i64> =
            events.iter().filter_map(|e| e.asset.as_ref().filter(|(k, _)| k == kind).map(|(_, id)| *id)).collect();
        if assets.is_empty() && customers.is_empty() {
            continue;
        }
        for Arrival { customer, asset, date } in source.arrivals(db, &assets, &customers, from, until).await? {
            seen.entry(SubjectKey::Asset(kind.to_string(), asset)).or_default().push(date);
            seen.entry(SubjectKey::Customer(customer)).or_default().push(date);
        }
    }
    Ok(seen)
}

async fn not_came(
    db: &Db,
    arrivals: &[&dyn Arrivals],
    events: &[Event],
    windows: &[(Date, Date)],
    verdicts: &[Verdict],
) -> Result<Vec<NotCame>> {
    let missed: Vec<usize> = (0..events.len()).filter(|i| verdicts[*i] == Verdict::NotCame).collect();
    let mut labels: BTreeMap<(String, i64), String> = BTreeMap::new();
    for source in arrivals {
        let kind = source.asset_kind();
        let ids: Vec<i64> = missed
            .iter()
            .filter_map(|i| events[*i].asset.as_ref().filter(|(k, _)| k == kind).map(|(_, id)| *id))
            .collect();
        if !ids.is_empty() {
            labels.extend(source.labels(db, &ids).await?.into_iter().map(|(id, l)| ((kind.to_string(), id), l)));
        }
    }
    let mut rows: Vec<NotCame> = missed
        .iter()
        .map(|i| {
            let e = &events[*i];
            NotCame {
                customer_id: CustomerId(e.customer_id),
                customer_name: e.customer_name.clone(),
                mobile: e.mobile.clone(),
                asset: e.asset.as_ref().and_then(|a| labels.get(a).cloned()).unwrap_or_default(),
                playbook: e.playbook.clone(),
                anchor_date: e.anchor,
                first_touch: windows[*i].0,
                window_end: windows[*i].1,
                touches: e
                    .touches
                    .iter()
                    .map(|t| TouchLine {
                        step: t.step + 1,
                        channel: t.state.channel,
                        day: t.state.day(),
                        status: t.state.status.clone(),
                        outcome: t.state.outcome.clone(),
                        notes: t.notes.clone(),
                        attempts: t.attempts,
                        delivered: t.state.delivered(),
                    })
                    .collect(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.playbook, &a.customer_name, a.anchor_date).cmp(&(&b.playbook, &b.customer_name, b.anchor_date))
    });
    Ok(rows)
}
