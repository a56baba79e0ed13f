//! The stored tariffs (migration 0039): one row per tariff holding its
//! file text, read back through the file's validation, so a stored tariff
//! is always one the file format accepts. The shipped tariffs are the
//! defaults: a code never saved reads as shipped (as the playbooks' defaults
//! do), and its first edit stores it.
//!
//! A version in force on the day of a change (its date today or earlier)
//! may already have been billed, so it is never changed or removed: a
//! change of prices is a new version with a later date (issue 20 §2,
//! "audited: a new version, never an edit of a billed one").

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::civil::Date;
use kefu_core::time::instant_text;
use kefu_core::{Actor, Invalid, Rule};
use kefu_store::{Change, Db, Failure, RowExt};
use serde_json::json;

use super::{Tariff, TariffDoc, VersionDoc, export, import, shipped};

type Result<T> = std::result::Result<T, Failure>;

/// Every tariff in force: the stored ones and the shipped ones never
/// saved, by code.
pub async fn all(db: &Db) -> Result<Vec<Tariff>> {
    let rows = sqlx::query("SELECT code, doc FROM power_tariffs").fetch_all(db.pool()).await?;
    let mut by_code: BTreeMap<String, Tariff> = shipped().into_iter().map(|t| (t.code().to_string(), t)).collect();
    for r in &rows {
        let code = r.text("code")?;
        // Only validated text is ever stored; a row that no longer reads
        // (a rule made stricter since) is reported, not skipped silently.
        let mut read = import(&r.text("doc")?).map_err(|mut e| Failure::Invalid(e.remove(0)))?;
        by_code.insert(code, read.remove(0));
    }
    Ok(by_code.into_values().collect())
}

/// The tariff of `code`, stored or shipped.
pub async fn by_code(db: &Db, code: &str) -> Result<Tariff> {
    all(db).await?.into_iter().find(|t| t.code() == code).ok_or(Failure::NotFound)
}

/// What a save did: how many tariffs it created or changed (unchanged ones
/// are left alone), or every error found, nothing written.
pub type Saved = std::result::Result<usize, Vec<Invalid>>;

/// Loads or updates the tariffs of a file (`kefu power tariffs import`, the
/// import form), all or nothing, each change audited; `today` decides which
/// versions are in force and so may no longer change.
///
/// A file updates a tariff there is version by version: its versions are
/// added (or replace those of the same day not yet in force) and the
/// versions it leaves out are kept, so a file with this year's prices
/// alone does not erase the history bills were made on. A source or note
/// left out keeps the one there is.
pub async fn import_file(db: &Db, actor: &Actor, text: &str, today: Date, now: Timestamp) -> Result<Saved> {
    let tariffs = match import(text) {
        Ok(t) => t,
        Err(errors) => return Ok(Err(errors)),
    };
    let current = all(db).await?;
    let mut merged = Vec::with_capacity(tariffs.len());
    let mut errors = Vec::new();
    for (i, new) in tariffs.iter().enumerate() {
        let Some(old) = current.iter().find(|t| t.code() == new.code()) else {
            merged.push(new.clone());
            continue;
        };
        let mut doc = TariffDoc::from(new);
        let kept =
            old.versions().iter().filter(|v| new.versions().iter().all(|n| n.effective_from != v.effective_from));
        doc.versions.extend(kept.map(VersionDoc::from));
        if doc.source.is_empty() {
            doc.source = old.source().to_string();
        }
        if doc.note.is_empty() {
            doc.note = old.note().to_string();
        }
        match doc.validate(&format!("tariff[{i}]")) {
            Ok(t) => merged.push(t),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    save(db, actor, merged, today, now, "import").await
}

/// Saves one tariff edited as its file text: the text must hold exactly
/// the tariff `code`.
pub async fn save_one(db: &Db, actor: &Actor, code: &str, text: &str, today: Date, now: Timestamp) -> Result<Saved> {
    let tariffs = match import(text) {
        Ok(t) => t,
        Err(errors) => return Ok(Err(errors)),
    };
    if tariffs.len() != 1 || tariffs[0].code() != code {
        return Ok(Err(vec![Invalid::new(
            "tariff",
            Rule::new(
                "tariff_code_changed",
                format!("须且只能包含代码为 {code} 的一个电价"),
                format!("must hold exactly the tariff {code}"),
            ),
        )]));
    }
    save(db, actor, tariffs, today, now, "update").await
}

async fn save(
    db: &Db,
    actor: &Actor,
    tariffs: Vec<Tariff>,
    today: Date,
    now: Timestamp,
    action: &str,
) -> Result<Saved> {
    // Read again: what is stored is what the changes are checked against.
    let current = all(db).await?;
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    for (i, new) in tariffs.iter().enumerate() {
        let old = current.iter().find(|t| t.code() == new.code());
        if old == Some(new) {
            continue;
        }
        if let Some(old) = old {
            errors.extend(check_in_force(&format!("tariff[{i}]"), old, new, today));
        }
        changed.push((old, new));
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    if changed.is_empty() {
        return Ok(Ok(0));
    }
    let mut tx = db.begin().await?;
    let at = instant_text(now);
    for (old, new) in &changed {
        let doc = export(std::slice::from_ref(*new));
        sqlx::query(
            "INSERT INTO power_tariffs (code, doc, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET doc = $2, updated_at = $3, updated_by = $4",
        )
        .bind(new.code().to_string())
        .bind(doc.clone())
        .bind(at.clone())
        .bind(actor.username.clone())
        .execute(tx.conn())
        .await?;
        let change = Change {
            entity: "power_tariff",
            entity_id: new.code().to_string(),
            action,
            branch: None,
            old: old.map(|o| json!(export(std::slice::from_ref(o)))),
            new: Some(json!(doc)),
        };
        tx.audit(actor, change).await?;
    }
    tx.commit().await?;
    Ok(Ok(changed.len()))
}

/// The versions of `old` in force by `today` must stay in `new` as they
/// were, and the basis under them with them.
fn check_in_force(at: &str, old: &Tariff, new: &Tariff, today: Date) -> Vec<Invalid> {
    let in_force: Vec<_> = old.versions().iter().filter(|v| v.effective_from <= today).collect();
    let mut errors = Vec::new();
    if !in_force.is_empty() && old.basis() != new.basis() {
        errors.push(Invalid::new(
            format!("{at}.basis"),
            Rule::new(
                "basis_in_force",
                "已生效的电价不能更改计价方式，请新建电价",
                "a tariff in force cannot change its basis; create a new tariff",
            ),
        ));
    }
    for v in in_force {
        if !new.versions().contains(v) {
            let day = v.effective_from;
            errors.push(Invalid::new(
                format!("{at}.version"),
                Rule::new(
                    "version_in_force",
                    format!("{day} 起生效的版本已在使用，可能已经计费，不能修改或删除；调价请新增一个以后生效的版本"),
                    format!(
                        "the version in force from {day} may have been billed and cannot be changed or removed; \
                         add a version taking effect later"
                    ),
                ),
            ));
        }
    }
    errors
}
