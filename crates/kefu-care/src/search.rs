//! Search in one box, the way agents search: a name or part of it, its
//! pinyin or initials (张伟 by "zhangwei" or "zw"), a mobile number or its
//! last four digits, a customer number — and, from the packs, plates and VIN
//! tails.
//!
//! Every searchable value is written as keys into `search_keys`, each key
//! prefixed with a letter for its kind; `search_key_sets` records which
//! keys each source (the customer record, a contact, a vehicle) gave, so
//! they can be replaced or moved without a second index on the keys. A query is turned into probes — exact
//! keys and key prefixes — and answered by index lookups, so a search costs
//! a few B-tree descents whatever the size of the archive.

use crate::customers::{self, Customer};
use crate::pinyin_name::syllables;
use kefu_core::Scope;
use kefu_core::ids::CustomerId;
use kefu_store::bulk::{self, Cell};
use kefu_store::{Db, Failure, RowExt, Tx};
use serde::Serialize;

type Result<T> = std::result::Result<T, Failure>;

/// Kinds of key, by their prefix letter.
pub mod kind {
    pub const NAME: char = 'n';
    pub const PINYIN: char = 'p';
    pub const INITIALS: char = 'i';
    pub const MOBILE: char = 'm';
    pub const MOBILE_TAIL: char = 't';
    pub const CUSTOMER_NO: char = 'c';
    pub const PLATE: char = 'l';
    /// The VIN written back to front: its tails are prefixes.
    pub const VIN_REVERSED: char = 'v';
}

/// Longest key suffix kept for names: long company names are found by any
/// part of their first dozen characters.
const NAME_SUFFIXES: usize = 12;

pub fn key(kind: char, value: &str) -> String {
    let mut k = String::with_capacity(value.len() + 1);
    k.push(kind);
    k.push_str(value);
    k
}

/// A name as its keys hold it: lowercase, without spaces.
fn normalized(name: &str) -> String {
    name.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase()
}

/// The key of a whole name (as far as its keys go): the one key every
/// namesake shares.
pub fn full_name_key(name: &str) -> String {
    key(kind::NAME, &normalized(name).chars().take(NAME_SUFFIXES).collect::<String>())
}

/// Keys for a name: every suffix (so any part of the name is a key prefix),
/// the pinyin from each syllable on, and the initials from each on.
pub fn name_keys(name: &str) -> Vec<String> {
    let name = normalized(name);
    let chars: Vec<char> = name.chars().collect();
    let mut keys: Vec<String> = (0..chars.len().min(NAME_SUFFIXES))
        .map(|i| key(kind::NAME, &chars[i..].iter().take(NAME_SUFFIXES).collect::<String>()))
        .collect();
    let syl = syllables(&name);
    if !syl.is_empty() && syl.iter().any(|s| s.chars().count() > 1 || !s.chars().all(|c| c.is_ascii_digit())) {
        for i in 0..syl.len().min(6) {
            keys.push(key(kind::PINYIN, &syl[i..].concat()));
            let initials: String = syl[i..].iter().filter_map(|s| s.chars().next()).collect();
            if initials.chars().count() >= 2 {
                keys.push(key(kind::INITIALS, &initials));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Keys for a mobile number: the whole number and its last four digits.
pub fn mobile_keys(mobile: &str) -> Vec<String> {
    let tail = &mobile[mobile.len().saturating_sub(4)..];
    vec![key(kind::MOBILE, mobile), key(kind::MOBILE_TAIL, tail)]
}

/// How a probe matches keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Exact,
    Prefix,
}

/// One lookup a query turns into; `rank` orders the kinds of hit (lower
/// first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub key: String,
    pub how: Match,
    pub rank: u8,
    /// What matched, for the result list ("mobile", "plate"…).
    pub label: &'static str,
}

impl Probe {
    pub fn exact(kind: char, value: &str, rank: u8, label: &'static str) -> Probe {
        Probe { key: key(kind, value), how: Match::Exact, rank, label }
    }
    pub fn prefix(kind: char, value: &str, rank: u8, label: &'static str) -> Probe {
        Probe { key: key(kind, value), how: Match::Prefix, rank, label }
    }
}

/// The probes of the common core for a query: names, pinyin, initials,
/// mobiles and customer numbers. Packs add their own (plates, VINs).
pub fn core_probes(query: &str) -> Vec<Probe> {
    let q: String = query.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let lower = q.to_lowercase();
    let mut probes = Vec::new();
    if q.is_empty() {
        return probes;
    }
    let digits = q.chars().all(|c| c.is_ascii_digit());
    let ascii_letters = q.chars().all(|c| c.is_ascii_alphabetic());
    let has_cjk = q.chars().any(|c| ('\u{3400}'..='\u{9fff}').contains(&c));
    if digits {
        let number = lower.strip_prefix("86").filter(|r| r.len() == 11).unwrap_or(&lower);
        match number.len() {
            4 => probes.push(Probe::exact(kind::MOBILE_TAIL, number, 1, "mobile")),
            11 => probes.push(Probe::exact(kind::MOBILE, number, 0, "mobile")),
            5..=10 => probes.push(Probe::prefix(kind::MOBILE, number, 2, "mobile")),
            _ => {}
        }
    }
    if q.len() >= 3 && q.chars().all(|c| c.is_ascii_alphanumeric()) && !ascii_letters {
        probes.push(Probe::exact(kind::CUSTOMER_NO, &q.to_uppercase(), 0, "customer_no"));
    }
    if has_cjk {
        probes.push(Probe::exact(kind::NAME, &lower, 0, "name"));
        probes.push(Probe::prefix(kind::NAME, &lower, 3, "name"));
    }
    if ascii_letters && lower.len() >= 2 {
        probes.push(Probe::exact(kind::PINYIN, &lower, 1, "pinyin"));
        probes.push(Probe::exact(kind::INITIALS, &lower, 2, "initials"));
        probes.push(Probe::prefix(kind::PINYIN, &lower, 4, "pinyin"));
        probes.push(Probe::prefix(kind::INITIALS, &lower, 5, "initials"));
        // Latin company or English names are stored as name keys too.
        probes.push(Probe::prefix(kind::NAME, &lower, 5, "name"));
    }
    probes
}

/// The keys of a set are stored one per line (no key holds a control
/// character: every text field refuses them).
const KEY_SEPARATOR: char = '\n';

/// A source's keys as its set stores them.
pub fn key_list(keys: &[String]) -> String {
    keys.join(&KEY_SEPARATOR.to_string())
}

fn keys_in(list: &str) -> Vec<String> {
    list.split(KEY_SEPARATOR).map(str::to_string).collect()
}

/// Replaces the keys one source contributed for a customer.
pub async fn replace_keys(tx: &mut Tx, customer: CustomerId, source: &str, keys: &[String]) -> Result<()> {
    let old = stored_keys(tx, customer, source).await?;
    delete_keys(tx, customer, source, &old).await?;
    insert_keys(tx, customer, source, keys).await
}

/// Adds keys (a fresh record has none to replace).
pub async fn insert_keys(tx: &mut Tx, customer: CustomerId, source: &str, keys: &[String]) -> Result<()> {
    insert_many(tx, vec![Keys { customer, source: source.to_string(), keys: keys.to_vec() }]).await
}

/// Hands every key that `from`'s records other than the customer record
/// itself (contacts, vehicles…) contributed over to `into`: a merge, after
/// which those records belong to `into`.
pub async fn move_keys(tx: &mut Tx, from: CustomerId, into: CustomerId) -> Result<()> {
    let rows =
        sqlx::query("SELECT source, key_list FROM search_key_sets WHERE customer_id = $1 AND source <> 'customer'")
            .bind(from.0)
            .fetch_all(tx.conn())
            .await?;
    let mut sets = Vec::with_capacity(rows.len());
    for r in rows {
        let source = r.text("source")?;
        let keys = keys_in(&r.text("key_list")?);
        delete_keys(tx, from, &source, &keys).await?;
        sets.push(Keys { customer: into, source, keys });
    }
    insert_many(tx, sets).await
}

/// The keys a source contributed for a customer, as its set records them.
async fn stored_keys(tx: &mut Tx, customer: CustomerId, source: &str) -> Result<Vec<String>> {
    let list: Option<String> =
        sqlx::query_scalar("SELECT key_list FROM search_key_sets WHERE customer_id = $1 AND source = $2")
            .bind(customer.0)
            .bind(source.to_string())
            .fetch_optional(tx.conn())
            .await?;
    Ok(list.as_deref().map(keys_in).unwrap_or_default())
}

/// Deletes a source's keys and its set; each key by the primary key of
/// `search_keys`, which has no index by customer.
async fn delete_keys(tx: &mut Tx, customer: CustomerId, source: &str, keys: &[String]) -> Result<()> {
    for key in keys {
        sqlx::query("DELETE FROM search_keys WHERE key = $1 AND customer_id = $2 AND source = $3")
            .bind(key.clone())
            .bind(customer.0)
            .bind(source.to_string())
            .execute(tx.conn())
            .await?;
    }
    sqlx::query("DELETE FROM search_key_sets WHERE customer_id = $1 AND source = $2")
        .bind(customer.0)
        .bind(source.to_string())
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The keys one source contributes for a customer.
pub struct Keys {
    pub customer: CustomerId,
    pub source: String,
    pub keys: Vec<String>,
}

/// Adds the keys of many fresh records, and their sets, in as few
/// statements as possible.
pub async fn insert_many(tx: &mut Tx, sets: Vec<Keys>) -> Result<()> {
    let sets: Vec<Keys> = sets.into_iter().filter(|s| !s.keys.is_empty()).collect();
    let lists = sets
        .iter()
        .map(|set| vec![Cell::from(set.customer.0), Cell::from(set.source.as_str()), Cell::from(key_list(&set.keys))])
        .collect();
    let (inserted, cells) =
        bulk::insert_while(tx.conn(), "search_key_sets", &["customer_id", "source", "key_list"], lists, "", || {
            let mut rows: Vec<(String, i64, String)> = Vec::new();
            for set in sets {
                rows.extend(set.keys.into_iter().map(|k| (k, set.customer.0, set.source.clone())));
            }
            // In key order the inserts walk the index instead of jumping about it.
            rows.sort_unstable();
            rows.dedup();
            rows.into_iter().map(|(k, c, s)| vec![Cell::from(k), Cell::from(c), Cell::from(s)]).collect()
        })
        .await;
    inserted?;
    // No conflict to allow for: a source's set went in just now, which its
    // primary key refuses when the source already had keys, and each set's
    // keys are distinct. Without an ON CONFLICT clause each key is one
    // descent of the index, not a check and then the insert. Nothing that
    // adds keys reads them back before its commit.
    bulk::insert_at_commit(tx, "search_keys", &["key", "customer_id", "source"], cells).await?;
    Ok(())
}

/// A customer found, with what matched.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub customer: Customer,
    pub matched: &'static str,
    pub rank: u8,
}

/// Runs the probes within `scope`; the best `limit` customers, best first,
/// each read with its hit (their tags are left out). Merged-away records
/// are never found.
pub async fn run(db: &Db, scope: &Scope, probes: &[Probe], limit: usize) -> Result<Vec<Hit>> {
    let mut probes = probes.to_vec();
    probes.sort_by_key(|p| (p.rank, p.how == Match::Prefix));
    let mut hits: Vec<Hit> = Vec::new();
    for probe in &probes {
        // Each row is a different customer for this probe, so `limit` rows
        // hold every customer still wanted unless earlier probes' hits come
        // back among them; then it asks again for more.
        let mut room = limit;
        while hits.len() < limit {
            let rows = probe_rows(db, scope, probe, room).await?;
            let filled = rows.len() == room;
            for r in &rows {
                let customer = customers::from_row(r, Vec::new())?;
                if hits.len() < limit && !hits.iter().any(|h| h.customer.id == customer.id) {
                    hits.push(Hit { customer, matched: probe.label, rank: probe.rank });
                }
            }
            if !filled {
                break;
            }
            room *= 2;
        }
    }
    Ok(hits)
}

/// The first `room` customers in key order that `probe` leads to, each once
/// per key, with their columns: one statement per probe, no second one to
/// read the customers found.
async fn probe_rows(db: &Db, scope: &Scope, probe: &Probe, room: usize) -> Result<Vec<sqlx::any::AnyRow>> {
    let condition = match probe.how {
        Match::Exact => "k.key = $1",
        // Keys sort bytewise; every key starting with the prefix lies below
        // the prefix followed by the highest code point.
        Match::Prefix => "k.key >= $1 AND k.key < $2",
    };
    // The key range must drive the join and be read in key order, so the
    // scan stops at the limit. Without statistics SQLite may rather walk
    // every customer of the branches and look up their keys — at a million
    // customers, hundreds of milliseconds for a prefix — and it never
    // reorders a CROSS JOIN. PostgreSQL plans it as a plain join. The
    // customers found are read again by id outside the limited part, where
    // their pages are in memory already. The limit is written into the
    // statement, not bound: with a bound one, PostgreSQL found the plan for
    // the values at hand cheaper than its shared plan every time, and spent
    // longer planning each search than running it.
    let sql = format!(
        "SELECT {} FROM (SELECT DISTINCT k.key, k.customer_id FROM search_keys k CROSS JOIN customers c \
         WHERE c.id = k.customer_id AND {condition} AND c.branch_id IN ({}) AND c.merged_into IS NULL \
         ORDER BY k.key, k.customer_id LIMIT {room}) h CROSS JOIN customers c WHERE c.id = h.customer_id \
         ORDER BY h.key, h.customer_id",
        customers::columns_of("c"),
        scope.sql_list()
    );
    let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(probe.key.clone());
    let query = match probe.how {
        Match::Exact => query,
        Match::Prefix => query.bind(format!("{}\u{10FFFF}", probe.key)),
    };
    Ok(query.fetch_all(db.pool()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_found_by_any_part_its_pinyin_and_initials() {
        let keys = name_keys("张伟");
        for k in ["n张伟", "n伟", "pzhangwei", "pwei", "izw"] {
            assert!(keys.contains(&k.to_string()), "{k} in {keys:?}");
        }
        let company = name_keys("北京华宇商贸有限公司");
        assert!(company.iter().any(|k| k.starts_with("n华宇")), "a middle part is a key prefix");
        for name in ["Li Jie", "北京华宇商贸有限公司第一分公司"] {
            assert!(
                name_keys(name).contains(&full_name_key(name)),
                "{name}: namesakes share the key of the whole name"
            );
        }
    }

    #[test]
    fn queries_become_the_probes_agents_mean() {
        let labels = |q: &str| core_probes(q).iter().map(|p| (p.key.clone(), p.how.clone())).collect::<Vec<_>>();
        assert!(labels("8000").contains(&("t8000".into(), Match::Exact)));
        assert!(labels("138 0013 8000").contains(&("m13800138000".into(), Match::Exact)));
        assert!(labels("zw").contains(&("izw".into(), Match::Exact)));
        assert!(labels("zhangwei").contains(&("pzhangwei".into(), Match::Exact)));
        assert!(labels("张").contains(&("n张".into(), Match::Prefix)));
        assert!(labels("kh0000012").contains(&("cKH0000012".into(), Match::Exact)));
        assert!(core_probes("   ").is_empty());
    }
}
