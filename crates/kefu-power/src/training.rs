//! Training of rural electricians (协助组织农村电工的培训工作, issue 19 §6):
//! a station's sessions (date, topic, trainer), the station's staff who
//! attend, each one's result and the certificate earned with its expiry,
//! and whose certificate lapses soon.

use crate::paging::{Page, Paged, total_of};
use jiff::ToSpan;
use jiff::civil::Date;
use kefu_core::ids::BranchId;
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt};
use serde::Serialize;
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// How far ahead the list of lapsing certificates looks.
pub const LAPSING_DAYS: i64 = 60;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Session {
    pub id: i64,
    pub branch_id: BranchId,
    pub station: String,
    pub held_on: Date,
    pub topic: String,
    pub trainer: String,
    pub attendees: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Attendee {
    pub user_id: i64,
    pub name: String,
    pub station: String,
    pub result: String,
    pub score: Option<i64>,
    pub certificate_no: Option<String>,
    pub certificate_expires: Option<Date>,
    pub topic: String,
    pub held_on: Date,
}

fn date(r: &sqlx::any::AnyRow, col: &str) -> Result<Option<Date>> {
    Ok(r.opt_text(col)?.and_then(|d| d.parse().ok()))
}

fn session_of(r: &sqlx::any::AnyRow) -> Result<Session> {
    Ok(Session {
        id: r.i64("id")?,
        branch_id: BranchId(r.i64("branch_id")?),
        station: r.text("station")?,
        held_on: date(r, "held_on")?.ok_or(Failure::NotFound)?,
        topic: r.text("topic")?,
        trainer: r.text("trainer")?,
        attendees: r.i64("attendees")?,
    })
}

const SESSION_COLUMNS: &str = "s.id, s.branch_id, b.name AS station, s.held_on, s.topic, s.trainer, \
     (SELECT COUNT(*) FROM power_training_attendees a WHERE a.session_id = s.id) AS attendees";

const SESSIONS: &str = "power_training_sessions s JOIN branches b ON b.id = s.branch_id";

const ATTENDEE: &str = "SELECT a.user_id, u.display_name, b.name AS station, a.result, a.score, a.certificate_no, \
     a.certificate_expires, s.topic, s.held_on FROM power_training_attendees a \
     JOIN power_training_sessions s ON s.id = a.session_id JOIN users u ON u.id = a.user_id \
     JOIN branches b ON b.id = s.branch_id";

fn attendee_of(r: &sqlx::any::AnyRow) -> Result<Attendee> {
    Ok(Attendee {
        user_id: r.i64("user_id")?,
        name: r.text("display_name")?,
        station: r.text("station")?,
        result: r.text("result")?,
        score: r.opt_i64("score")?,
        certificate_no: r.opt_text("certificate_no")?,
        certificate_expires: date(r, "certificate_expires")?,
        topic: r.text("topic")?,
        held_on: date(r, "held_on")?.ok_or(Failure::NotFound)?,
    })
}

/// A station holds a session.
pub async fn add_session(
    db: &Db,
    actor: &Actor,
    station: BranchId,
    held_on: Date,
    topic: &str,
    trainer: &str,
    now: jiff::Timestamp,
) -> Result<Session> {
    actor.scope.check(station)?;
    let topic = required_text("topic", topic, 200)?;
    let trainer = required_text("trainer", trainer, 60)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO power_training_sessions (branch_id, held_on, topic, trainer, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(station.0)
    .bind(held_on.to_string())
    .bind(topic.clone())
    .bind(trainer.clone())
    .bind(instant_text(now))
    .fetch_one(tx.conn())
    .await?;
    let new = json!({ "held_on": held_on, "topic": topic, "trainer": trainer });
    tx.audit(
        actor,
        Change {
            entity: "power_training_session",
            entity_id: id.to_string(),
            action: "create",
            branch: Some(station),
            old: None,
            new: Some(new),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(get(db, &actor.scope, id).await?.0)
}

/// One attendee's result: pass or fail, a score out of 100 if examined, and
/// for a pass the certificate and its expiry (after the session).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub user_id: i64,
    pub result: String,
    pub score: Option<i64>,
    pub certificate_no: String,
    pub certificate_expires: Option<Date>,
}

/// Records an attendee of the session (one of the station's staff) with
/// their result; again for the same person replaces it.
pub async fn record(db: &Db, actor: &Actor, session: i64, r: &Outcome) -> Result<Session> {
    let (s, _) = get(db, &actor.scope, session).await?;
    if !matches!(r.result.as_str(), "pass" | "fail") {
        return Err(Invalid::new("result", Rule::new("one_of", "应为合格或不合格", "must be pass or fail")).into());
    }
    if r.score.is_some_and(|n| !(0..=100).contains(&n)) {
        return Err(
            Invalid::new("score", Rule::new("score_range", "成绩须在 0 到 100 之间", "must be 0 to 100")).into()
        );
    }
    let certificate = optional_text("certificate_no", &r.certificate_no, 40)?;
    let (certificate, expires) = match (r.result.as_str(), certificate.is_empty(), r.certificate_expires) {
        ("pass", false, Some(d)) if d > s.held_on => (Some(certificate), Some(d)),
        ("pass", false, _) => {
            return Err(Invalid::new(
                "certificate_expires",
                Rule::new("certificate_expiry", "证书有效期须晚于培训日期", "a certificate expires after the session"),
            )
            .into());
        }
        _ => (None, None),
    };
    let mut tx = db.begin().await?;
    // Only the station's staff attend its sessions.
    let member: Option<i64> =
        sqlx::query_scalar("SELECT user_id FROM user_branches WHERE user_id = $1 AND branch_id = $2")
            .bind(r.user_id)
            .bind(s.branch_id.0)
            .fetch_optional(tx.conn())
            .await?;
    if member.is_none() {
        return Err(Invalid::new(
            "user_id",
            Rule::new("not_station_staff", "参训人员须为本供电所员工", "attendees are the station's staff"),
        )
        .into());
    }
    sqlx::query("DELETE FROM power_training_attendees WHERE session_id = $1 AND user_id = $2")
        .bind(session)
        .bind(r.user_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO power_training_attendees (session_id, user_id, result, score, certificate_no, \
         certificate_expires) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(session)
    .bind(r.user_id)
    .bind(r.result.clone())
    .bind(r.score)
    .bind(certificate.clone())
    .bind(expires.map(|d| d.to_string()))
    .execute(tx.conn())
    .await?;
    let new = json!({ "user_id": r.user_id, "result": r.result, "score": r.score, "certificate_no": certificate,
        "certificate_expires": expires });
    tx.audit(
        actor,
        Change {
            entity: "power_training_session",
            entity_id: session.to_string(),
            action: "record",
            branch: Some(s.branch_id),
            old: None,
            new: Some(new),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(get(db, &actor.scope, session).await?.0)
}

/// A session in scope with its attendees.
pub async fn get(db: &Db, scope: &Scope, id: i64) -> Result<(Session, Vec<Attendee>)> {
    let sql =
        format!("SELECT {SESSION_COLUMNS} FROM {SESSIONS} WHERE s.id = $1 AND s.branch_id IN ({})", scope.sql_list());
    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(db.pool()).await?;
    let session = session_of(&row.ok_or(Failure::NotFound)?)?;
    let sql = format!("{ATTENDEE} WHERE a.session_id = $1 ORDER BY u.display_name");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(db.pool()).await?;
    Ok((session, rows.iter().map(attendee_of).collect::<Result<_>>()?))
}

/// A page of the sessions in scope, latest first.
pub async fn sessions(db: &Db, scope: &Scope, page: Page) -> Result<Paged<Session>> {
    let sql = format!(
        "SELECT {SESSION_COLUMNS}, COUNT(*) OVER () AS total FROM {SESSIONS} WHERE s.branch_id IN ({}) \
         ORDER BY s.held_on DESC, s.id DESC{}",
        scope.sql_list(),
        page.sql()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    Ok(Paged { total: total_of(&rows)?, rows: rows.iter().map(session_of).collect::<Result<_>>()? })
}

/// Certificates in scope that lapse from `today` to `LAPSING_DAYS` ahead,
/// soonest first (those already lapsed are not listed; a renewal replaces
/// them with a later one).
pub async fn lapsing(db: &Db, scope: &Scope, today: Date) -> Result<Vec<Attendee>> {
    let until = today + LAPSING_DAYS.days();
    let sql = format!(
        "{ATTENDEE} WHERE s.branch_id IN ({}) AND a.certificate_expires >= $1 AND a.certificate_expires <= $2 \
         AND NOT EXISTS (SELECT 1 FROM power_training_attendees n WHERE n.user_id = a.user_id \
         AND n.certificate_expires > $2) ORDER BY a.certificate_expires, u.display_name",
        scope.sql_list()
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(today.to_string())
        .bind(until.to_string())
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(attendee_of).collect()
}

/// The station's staff who may attend: users given the station.
pub async fn staff(db: &Db, station: BranchId) -> Result<Vec<(i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.display_name FROM users u JOIN user_branches b ON b.user_id = u.id \
         WHERE b.branch_id = $1 AND u.active = 1 ORDER BY u.display_name",
    )
    .bind(station.0)
    .fetch_all(db.pool())
    .await?)
}
