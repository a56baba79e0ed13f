//! A survey's results for the invitations of one store (or every store in
//! scope) sent in a period: the response rate, each scale's average, NPS on
//! the 0–10 questions, the choices counted, and the comments.

use super::Survey;
use super::rules::{self, Kind};
use kefu_core::Scope;
use kefu_core::ids::{BranchId, CustomerId};
use kefu_core::time::instant_text;
use kefu_store::{Db, Failure, RowExt};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub customer_id: CustomerId,
    pub customer_name: String,
    pub branch_id: BranchId,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuestionResult {
    pub id: i64,
    pub kind: Kind,
    pub prompt: String,
    pub answers: usize,
    pub average: Option<f64>,
    pub nps: Option<i64>,
    /// Each option with how often it was chosen (choice questions).
    pub counts: Vec<(String, usize)>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub invited: i64,
    pub answered: i64,
    pub response_rate: Option<f64>,
    pub questions: Vec<QuestionResult>,
}

/// Which invitations count: one store or all in scope, sent from `from`
/// (inclusive) to `to` (exclusive).
pub struct Selection {
    pub branch: Option<BranchId>,
    pub from: jiff::Timestamp,
    pub to: jiff::Timestamp,
}

pub async fn results(db: &Db, scope: &Scope, survey: &Survey, sel: &Selection) -> Result<Results> {
    if let Some(b) = sel.branch {
        scope.check(b)?;
    }
    let branches = match sel.branch {
        Some(b) => b.0.to_string(),
        None => scope.sql_list(),
    };
    let which =
        format!("i.survey_id = $1 AND i.branch_id IN ({branches}) AND i.invited_at >= $2 AND i.invited_at < $3");
    let (from, to) = (instant_text(sel.from), instant_text(sel.to));
    let (invited, answered): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*), COUNT(i.answered_at) FROM survey_invitations i WHERE {which}"
    )))
    .bind(survey.id.0)
    .bind(from.clone())
    .bind(to.clone())
    .fetch_one(db.pool())
    .await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT a.question_id, a.number, a.text, i.customer_id, c.name, i.branch_id FROM survey_answers a \
         JOIN survey_invitations i ON i.id = a.invitation_id JOIN customers c ON c.id = i.customer_id \
         WHERE {which} ORDER BY i.answered_at, a.id"
    )))
    .bind(survey.id.0)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    let mut questions = Vec::with_capacity(survey.questions.len());
    for q in &survey.questions {
        let mine: Vec<&sqlx::any::AnyRow> = rows.iter().filter(|r| r.i64("question_id").ok() == Some(q.id)).collect();
        let numbers: Vec<i64> = mine.iter().filter_map(|r| r.opt_i64("number").ok().flatten()).collect();
        let mut counts: Vec<(String, usize)> = q.options.iter().map(|o| (o.clone(), 0)).collect();
        let mut comments = Vec::new();
        for r in &mine {
            match q.kind {
                Kind::Single => {
                    if let Some(c) = r.opt_i64("number")?.and_then(|i| counts.get_mut(i as usize)) {
                        c.1 += 1;
                    }
                }
                Kind::Multiple => {
                    let chosen: Vec<usize> = serde_json::from_str(&r.text("text")?).unwrap_or_default();
                    for i in chosen {
                        if let Some(c) = counts.get_mut(i) {
                            c.1 += 1;
                        }
                    }
                }
                Kind::Text => comments.push(Comment {
                    customer_id: CustomerId(r.i64("customer_id")?),
                    customer_name: r.text("name")?,
                    branch_id: BranchId(r.i64("branch_id")?),
                    text: r.text("text")?,
                }),
                Kind::Scale5 | Kind::Scale10 => {}
            }
        }
        let scale = q.kind.range().is_some();
        questions.push(QuestionResult {
            id: q.id,
            kind: q.kind,
            prompt: q.prompt.clone(),
            answers: mine.len(),
            average: if scale { rules::average(&numbers) } else { None },
            nps: if q.kind == Kind::Scale10 { rules::nps(&numbers) } else { None },
            counts,
            comments,
        });
    }
    Ok(Results { invited, answered, response_rate: (invited > 0).then(|| answered as f64 / invited as f64), questions })
}
