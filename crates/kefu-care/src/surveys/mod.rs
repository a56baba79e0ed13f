//! Surveys: questionnaires built from single and multiple choices, 1–5 and
//! 0–10 scales and free text; invitations reached by a link with a signed,
//! single-use token (no sign-in), or answered on the phone with an agent;
//! results per store and period; and a low score opens a complaint in the
//! same transaction as the answers.

pub mod results;
pub mod rules;

use crate::complaints::{self, ComplaintInput, Deadlines};
use crate::timeline::{self, NewEvent};
use kefu_core::ids::{BranchId, ComplaintId, CustomerId, SurveyId};
use kefu_core::time::instant_text;
use kefu_core::validation::{optional_text, required_text};
use kefu_core::{Actor, Invalid, Rule, Scope};
use kefu_store::{Change, Db, Failure, RowExt, Tx};
pub use rules::LinkSettings;
use rules::{Kind, Question, QuestionInput};
use serde::{Deserialize, Serialize};
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// How an invitation reaches the customer.
pub const CHANNELS: [&str; 3] = ["sms", "email", "phone"];
/// The channels that carry a link to the survey (by phone the agent asks).
pub const LINK_CHANNELS: [&str; 2] = ["sms", "email"];

/// A questionnaire as the builder form gives it; question rows left blank
/// are skipped.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SurveyInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub questions: Vec<QuestionInput>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StoredQuestion {
    pub id: i64,
    pub kind: Kind,
    pub prompt: String,
    pub options: Vec<String>,
}

impl StoredQuestion {
    fn question(&self) -> Question {
        Question { kind: self.kind, prompt: self.prompt.clone(), options: self.options.clone() }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Survey {
    pub id: SurveyId,
    pub branch_id: BranchId,
    pub title: String,
    pub intro: String,
    pub created_at: String,
    pub created_by: String,
    pub questions: Vec<StoredQuestion>,
}

/// Creates a survey for a branch in the actor's scope.
pub async fn create(db: &Db, actor: &Actor, branch: BranchId, input: &SurveyInput) -> Result<Survey> {
    actor.scope.check(branch)?;
    let title = required_text("title", &input.title, 100)?;
    let intro = optional_text("intro", &input.intro, 1000)?;
    let questions: Vec<Question> = input
        .questions
        .iter()
        .filter(|q| !q.prompt.trim().is_empty() || !q.options.trim().is_empty())
        .enumerate()
        .map(|(i, q)| q.validate(i + 1))
        .collect::<std::result::Result<_, _>>()?;
    if questions.is_empty() {
        return Err(Invalid::new(
            "question_1",
            Rule::new("survey_questions", "问卷至少要有一道题", "a survey needs at least one question"),
        )
        .into());
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO surveys (branch_id, title, intro, created_at, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(branch.0)
    .bind(title.to_string())
    .bind(intro)
    .bind(instant_text(tx.now()))
    .bind(actor.display_name.clone())
    .fetch_one(tx.conn())
    .await?;
    for (position, q) in questions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO survey_questions (survey_id, position, kind, prompt, options) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(q.kind.code())
        .bind(q.prompt.clone())
        .bind(serde_json::to_string(&q.options).unwrap_or_default())
        .execute(tx.conn())
        .await?;
    }
    tx.audit(
        actor,
        Change {
            entity: "survey",
            entity_id: id.to_string(),
            action: "create",
            branch: Some(branch),
            old: None,
            new: Some(json!({ "title": title, "questions": questions })),
        },
    )
    .await?;
    tx.commit().await?;
    load(db, SurveyId(id)).await
}

/// A survey, whoever asks (the public page reaches it through a verified
/// invitation).
async fn load(db: &Db, id: SurveyId) -> Result<Survey> {
    let row = sqlx::query("SELECT id, branch_id, title, intro, created_at, created_by FROM surveys WHERE id = $1")
        .bind(id.0)
        .fetch_optional(db.pool())
        .await?
        .ok_or(Failure::NotFound)?;
    let questions = sqlx::query(
        "SELECT id, kind, prompt, options FROM survey_questions WHERE survey_id = $1 ORDER BY position, id",
    )
    .bind(id.0)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let kind = r.text("kind")?;
        Ok(StoredQuestion {
            id: r.i64("id")?,
            kind: Kind::from_code("kind", &kind)
                .map_err(|_| kefu_store::StoreError::Other(format!("question kind {kind:?}")))?,
            prompt: r.text("prompt")?,
            options: serde_json::from_str(&r.text("options")?).unwrap_or_default(),
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Survey {
        id: SurveyId(row.i64("id")?),
        branch_id: BranchId(row.i64("branch_id")?),
        title: row.text("title")?,
        intro: row.text("intro")?,
        created_at: row.text("created_at")?,
        created_by: row.text("created_by")?,
        questions,
    })
}

/// A survey in the actor's scope.
pub async fn get(db: &Db, scope: &Scope, id: SurveyId) -> Result<Survey> {
    let survey = load(db, id).await?;
    scope.check(survey.branch_id)?;
    Ok(survey)
}

/// The surveys in scope, newest first.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<Survey>> {
    let sql = format!("SELECT id FROM surveys WHERE branch_id IN ({}) ORDER BY id DESC LIMIT 200", scope.sql_list());
    let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(db.pool()).await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(load(db, SurveyId(id)).await?);
    }
    Ok(out)
}

/// The key that signs survey links, made on first use.
pub async fn link_key(db: &Db) -> Result<Vec<u8>> {
    let found: Option<String> = sqlx::query_scalar("SELECT value FROM app_secrets WHERE name = 'survey_links'")
        .fetch_optional(db.pool())
        .await?;
    if let Some(key) = found {
        return Ok(key.into_bytes());
    }
    // Not a change to anyone's records; two servers racing keep the first key.
    let mut tx = db.begin_housekeeping().await?;
    sqlx::query("INSERT INTO app_secrets (name, value) VALUES ('survey_links', $1) ON CONFLICT (name) DO NOTHING")
        .bind(hex::encode(rand::random::<[u8; 32]>()))
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    let key: String =
        sqlx::query_scalar("SELECT value FROM app_secrets WHERE name = 'survey_links'").fetch_one(db.pool()).await?;
    Ok(key.into_bytes())
}

/// An invitation with the token of its link.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: i64,
    pub customer_id: CustomerId,
    pub token: String,
}

async fn insert_invitation(
    tx: &mut Tx,
    actor: &Actor,
    survey: &Survey,
    (branch, customer): (BranchId, CustomerId),
    channel: &str,
    now: jiff::Timestamp,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO survey_invitations (survey_id, branch_id, customer_id, channel, invited_at, invited_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(survey.id.0)
    .bind(branch.0)
    .bind(customer.0)
    .bind(channel.to_string())
    .bind(instant_text(now))
    .bind(actor.display_name.clone())
    .fetch_one(tx.conn())
    .await?;
    audit_invitation(tx, actor, (id, "create"), survey, (branch, customer), channel).await?;
    Ok(id)
}

async fn audit_invitation(
    tx: &mut Tx,
    actor: &Actor,
    (id, action): (i64, &'static str),
    survey: &Survey,
    (branch, customer): (BranchId, CustomerId),
    channel: &str,
) -> Result<()> {
    let new = json!({ "survey": survey.id, "customer": customer, "channel": channel });
    let change = Change {
        entity: "survey_invitation",
        entity_id: id.to_string(),
        action,
        branch: Some(branch),
        old: None,
        new: Some(new),
    };
    Ok(tx.audit(actor, change).await?)
}

/// Invites a customer to answer a survey through a link sent by SMS or
/// e-mail; returns the link's token.
pub async fn invite(
    db: &Db,
    actor: &Actor,
    survey: SurveyId,
    customer: CustomerId,
    channel: &str,
    (links, now): (&LinkSettings, jiff::Timestamp),
) -> Result<Invitation> {
    let owner = crate::customers::get(db, &actor.scope, customer).await?;
    let survey = get(db, &actor.scope, survey).await?;
    if !LINK_CHANNELS.contains(&channel) {
        return Err(
            Invalid::new("channel", Rule::new("survey_channel", "须为 短信 或 邮件", "must be SMS or e-mail")).into()
        );
    }
    let key = link_key(db).await?;
    let mut tx = db.begin().await?;
    let invitation =
        invite_in(&mut tx, actor, &survey, (owner.branch_id, customer), channel, (&key, links, now)).await?;
    tx.commit().await?;
    Ok(invitation)
}

/// Invites a customer of `branch` within a transaction, with the link signed
/// by `key` ([`link_key`]): a distribution writes the invitation in the
/// transaction that queues the message carrying its link. A customer has at
/// most one open link a survey: while one is unanswered and unexpired,
/// inviting them again gives that link, so what was sent before stays the
/// one link that works.
pub async fn invite_in(
    tx: &mut Tx,
    actor: &Actor,
    survey: &Survey,
    (branch, customer): (BranchId, CustomerId),
    channel: &str,
    (key, links, now): (&[u8], &LinkSettings, jiff::Timestamp),
) -> Result<Invitation> {
    // The customer's lock (their row on PostgreSQL, the write lock on
    // SQLite) until commit: two invitations at once find each other's link.
    sqlx::query("UPDATE customers SET updated_at = updated_at WHERE id = $1")
        .bind(customer.0)
        .execute(tx.conn())
        .await?;
    // Open: sent by link after this instant (unexpired), and not answered.
    let sent_since = now - links.lifetime();
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM survey_invitations WHERE survey_id = $1 AND customer_id = $2 AND channel <> 'phone' \
         AND answered_at IS NULL AND invited_at > $3 ORDER BY id DESC LIMIT 1",
    )
    .bind(survey.id.0)
    .bind(customer.0)
    .bind(instant_text(sent_since))
    .fetch_optional(tx.conn())
    .await?;
    let id = match open {
        Some(id) => {
            audit_invitation(tx, actor, (id, "resend"), survey, (branch, customer), channel).await?;
            id
        }
        None => insert_invitation(tx, actor, survey, (branch, customer), channel, now).await?,
    };
    Ok(Invitation { id, customer_id: customer, token: rules::token(key, id, customer.0) })
}

/// What the public page shows for a valid token: the survey, and whether it
/// was already answered or has expired unanswered. Nothing of anyone's
/// answers.
#[derive(Debug, Clone, Serialize)]
pub struct Opened {
    pub invitation: i64,
    pub customer: CustomerId,
    pub branch: BranchId,
    pub answered: bool,
    pub expired: bool,
    pub survey: Survey,
}

/// The invitation a link's token names, if the token was signed for it.
pub async fn open(db: &Db, token: &str, (links, now): (&LinkSettings, jiff::Timestamp)) -> Result<Opened> {
    let id = rules::claimed(token).ok_or(Failure::NotFound)?;
    let row = sqlx::query(
        "SELECT survey_id, branch_id, customer_id, channel, invited_at, answered_at FROM survey_invitations \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .ok_or(Failure::NotFound)?;
    let customer = CustomerId(row.i64("customer_id")?);
    // Phone surveys have no link.
    if row.text("channel")? == "phone" || !rules::verify(&link_key(db).await?, token, id, customer.0) {
        return Err(Failure::NotFound);
    }
    let invited = row.text("invited_at")?;
    let invited = kefu_core::time::parse_instant(&invited)
        .ok_or_else(|| kefu_store::StoreError::Other(format!("stored instant {invited:?}")))?;
    let answered = row.opt_text("answered_at")?.is_some();
    Ok(Opened {
        invitation: id,
        customer,
        branch: BranchId(row.i64("branch_id")?),
        answered,
        expired: !answered && now >= links.expires_at(invited),
        survey: load(db, SurveyId(row.i64("survey_id")?)).await?,
    })
}

/// Form values: `q<question id>` → the value(s) given.
pub type Values = [(String, String)];

/// Reads every question's answer out of the values given.
fn read_answers(survey: &Survey, values: &Values) -> std::result::Result<Vec<rules::Answer>, Invalid> {
    survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let name = format!("q{}", q.id);
            let given: Vec<String> = values.iter().filter(|(k, _)| *k == name).map(|(_, v)| v.clone()).collect();
            rules::answer(i + 1, &q.question(), &given)
        })
        .collect()
}

/// What answering did.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Answered {
    pub invitation: i64,
    /// The complaint a low score opened.
    pub complaint: Option<ComplaintId>,
}

fn expired() -> Failure {
    Failure::Conflict(Rule::new(
        "survey_expired",
        "该问卷链接已过期，感谢您的关注",
        "this survey link has expired; thank you for your interest",
    ))
}

fn already_answered() -> Failure {
    Failure::Conflict(Rule::new(
        "survey_answered",
        "该问卷已经提交过，感谢您的参与",
        "this survey was already answered; thank you",
    ))
}

/// Records the answers of an invitation, once: the invitation is marked
/// answered only if it was not, so a token works a single time even when
/// two submissions race. A low score opens a complaint with them.
async fn record_answers(
    tx: &mut Tx,
    actor: &Actor,
    survey: &Survey,
    (invitation, branch, customer): (i64, BranchId, CustomerId),
    answers: &[rules::Answer],
    deadlines: &Deadlines,
    now: jiff::Timestamp,
) -> Result<Answered> {
    let marked = sqlx::query("UPDATE survey_invitations SET answered_at = $1 WHERE id = $2 AND answered_at IS NULL")
        .bind(instant_text(now))
        .bind(invitation)
        .execute(tx.conn())
        .await?
        .rows_affected();
    if marked == 0 {
        return Err(already_answered());
    }
    for (q, a) in survey.questions.iter().zip(answers) {
        sqlx::query("INSERT INTO survey_answers (invitation_id, question_id, number, text) VALUES ($1, $2, $3, $4)")
            .bind(invitation)
            .bind(q.id)
            .bind(a.number)
            .bind(a.text.clone())
            .execute(tx.conn())
            .await?;
    }
    let low: Vec<String> = survey
        .questions
        .iter()
        .zip(answers)
        .filter(|(q, a)| rules::is_low(q.kind, a))
        .map(|(q, a)| format!("{}：{}", q.prompt, a.number.unwrap_or_default()))
        .collect();
    let comments: Vec<&str> = answers
        .iter()
        .zip(&survey.questions)
        .filter(|(_, q)| q.kind == Kind::Text)
        .map(|(a, _)| a.text.as_str())
        .collect();
    timeline::record(
        tx,
        NewEvent {
            branch,
            customer,
            asset: None,
            at: now,
            kind: timeline::kind::SURVEY,
            summary: survey.title.clone(),
            detail: json!({ "survey_id": survey.id, "invitation_id": invitation, "low": low }),
            actor: &actor.display_name,
        },
    )
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "survey_invitation",
            entity_id: invitation.to_string(),
            action: "answer",
            branch: Some(branch),
            old: None,
            new: Some(json!({ "answers": answers })),
        },
    )
    .await?;
    let complaint = if low.is_empty() {
        None
    } else {
        let input = ComplaintInput {
            source: "survey".into(),
            category: "other".into(),
            severity: "normal".into(),
            department: "customer_service".into(),
            subject: format!("问卷低分：{}", survey.title).chars().take(200).collect(),
            detail: low.iter().map(String::as_str).chain(comments).collect::<Vec<_>>().join("\n"),
        };
        let c = complaints::intake_in(tx, actor, (branch, customer), &input, deadlines, now).await?;
        sqlx::query("UPDATE survey_invitations SET complaint_id = $1 WHERE id = $2")
            .bind(c.id.0)
            .bind(invitation)
            .execute(tx.conn())
            .await?;
        Some(c.id)
    };
    Ok(Answered { invitation, complaint })
}

/// Answers through a link: the customer acts for themselves.
pub async fn answer_link(
    db: &Db,
    token: &str,
    values: &Values,
    (deadlines, links): (&Deadlines, &LinkSettings),
    now: jiff::Timestamp,
) -> Result<Answered> {
    let opened = open(db, token, (links, now)).await?;
    if opened.answered {
        return Err(already_answered());
    }
    if opened.expired {
        return Err(expired());
    }
    let answers = read_answers(&opened.survey, values)?;
    let customer = Actor { display_name: "客户本人".into(), ..Actor::system(Scope::new(vec![opened.branch])) };
    let mut tx = db.begin().await?;
    let done = record_answers(
        &mut tx,
        &customer,
        &opened.survey,
        (opened.invitation, opened.branch, opened.customer),
        &answers,
        deadlines,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

/// Answers on the phone: the agent asks the questions and fills them in.
pub async fn answer_by_phone(
    db: &Db,
    actor: &Actor,
    survey: SurveyId,
    customer: CustomerId,
    values: &Values,
    deadlines: &Deadlines,
    now: jiff::Timestamp,
) -> Result<Answered> {
    let survey = get(db, &actor.scope, survey).await?;
    let owner = crate::customers::get(db, &actor.scope, customer).await?;
    let answers = read_answers(&survey, values)?;
    let mut tx = db.begin().await?;
    let id = insert_invitation(&mut tx, actor, &survey, (owner.branch_id, customer), "phone", now).await?;
    let done =
        record_answers(&mut tx, actor, &survey, (id, owner.branch_id, customer), &answers, deadlines, now).await?;
    tx.commit().await?;
    Ok(done)
}
