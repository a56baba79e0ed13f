//! The playbooks in force: each pack's defaults, with an administrator's
//! saved edits in their place. Saving checks the whole file first and keeps
//! the old and new text in the audit log.

use crate::playbook::{self, Playbook};
use kefu_core::Actor;
use kefu_core::time::instant_text;
use kefu_store::{Change, Db, Failure, RowExt};
use serde_json::json;

type Result<T> = std::result::Result<T, Failure>;

/// The defaults, each replaced by its saved edit when there is one.
pub async fn effective(db: &Db, defaults: &[Playbook]) -> Result<Vec<Playbook>> {
    let rows = sqlx::query("SELECT code, source FROM playbooks").fetch_all(db.pool()).await?;
    let mut saved = std::collections::HashMap::new();
    for r in &rows {
        saved.insert(r.text("code")?, r.text("source")?);
    }
    let mut out = Vec::with_capacity(defaults.len());
    for d in defaults {
        match saved.get(&d.code).map(|src| playbook::parse(src)) {
            // An edit that no longer parses (a newer release changed the
            // rules) falls back to the default rather than stopping the run.
            Some(Ok(mut edited)) if edited.len() == 1 => {
                let mut edited = edited.remove(0);
                // An edit saved before playbooks had a customer-facing
                // title keeps the shipped one.
                if edited.title.is_empty() {
                    edited.title.clone_from(&d.title);
                }
                out.push(edited)
            }
            _ => out.push(d.clone()),
        }
    }
    Ok(out)
}

/// The TOML text of one playbook as in force.
pub fn to_toml(p: &Playbook) -> String {
    toml::to_string_pretty(&playbook::PlaybookFile { playbooks: vec![p.clone()] }).unwrap_or_default()
}

/// Saves an administrator's edit of the playbook `code`.
pub async fn save(db: &Db, actor: &Actor, code: &str, defaults: &[Playbook], source: &str) -> Result<Playbook> {
    let mut parsed = playbook::parse(source)?;
    if parsed.len() != 1 || parsed[0].code != code {
        return Err(kefu_core::Invalid::new(
            "playbooks",
            kefu_core::Rule::new(
                "playbook_code_changed",
                format!("须且只能包含编码为 {code} 的一个方案"),
                format!("must hold exactly the playbook {code}"),
            ),
        )
        .into());
    }
    let old = effective(db, defaults).await?.into_iter().find(|p| p.code == code).ok_or(Failure::NotFound)?;
    let new = parsed.remove(0);
    if new.anchor != old.anchor {
        return Err(kefu_core::Invalid::new(
            "playbooks",
            kefu_core::Rule::new(
                "playbook_anchor_changed",
                "不能更改方案的锚点",
                "the anchor of a playbook cannot change",
            ),
        )
        .into());
    }
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO playbooks (code, source, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (code) DO UPDATE SET source = $2, updated_at = $3, updated_by = $4",
    )
    .bind(code.to_string())
    .bind(source.to_string())
    .bind(instant_text(tx.now()))
    .bind(actor.username.clone())
    .execute(tx.conn())
    .await?;
    tx.audit(
        actor,
        Change {
            entity: "playbook",
            entity_id: code.to_string(),
            action: "update",
            branch: None,
            old: Some(json!(to_toml(&old))),
            new: Some(json!(source)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(new)
}
