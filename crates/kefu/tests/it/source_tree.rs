//! Checks over the tracked files of the repository itself, so that what a
//! reviewer would catch by eye fails the build instead.

use std::path::Path;
use std::process::Command;

/// The workspace's tracked files, as git lists them.
fn tracked_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["ls-files", "-z"])
        .output()
        .expect("git must be installed to check the source tree");
    assert!(out.status.success(), "git ls-files failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .expect("file names are UTF-8")
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(|p| root.join(p).to_string_lossy().into_owned())
        .collect()
}

/// A merge left unfinished: the three marker lines git writes into a file
/// it could not merge. Built from parts so that this file does not hold them.
fn conflict_marker(line: &str) -> bool {
    let open = "<".repeat(7) + " ";
    let close = ">".repeat(7) + " ";
    let middle = "=".repeat(7);
    line.starts_with(&open) || line.starts_with(&close) || line.trim_end() == middle
}

#[test]
fn no_tracked_file_holds_a_merge_conflict() {
    let mut found = Vec::new();
    for path in tracked_files() {
        let Ok(text) = std::fs::read_to_string(&path) else { continue }; // binary files
        for (n, line) in text.lines().enumerate() {
            if conflict_marker(line) {
                found.push(format!("{path}:{}: {line}", n + 1));
            }
        }
    }
    assert!(found.is_empty(), "merge conflict markers are committed:\n{}", found.join("\n"));
}

#[test]
fn the_conflict_check_sees_each_marker() {
    assert!(conflict_marker(&("<".repeat(7) + " HEAD")));
    assert!(conflict_marker(&"=".repeat(7)));
    assert!(conflict_marker(&(">".repeat(7) + " topic")));
    assert!(!conflict_marker("a <<<<<<< in the middle"));
}

/// axum's own `Query` answers a query it cannot read with the parser's text
/// and reads `branch=` as a number to parse; every handler reads its query
/// through `kefu_web::extract::QueryParams` instead.
#[test]
fn every_handler_reads_its_query_through_query_params() {
    let axum_query = |line: &str| {
        let words: Vec<&str> = line.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
        (line.trim_start().starts_with("use axum") && words.contains(&"Query")) || line.contains(" Query<")
    };
    let mut found = Vec::new();
    for path in tracked_files().into_iter().filter(|p| p.contains("/crates/kefu-web/src/") && p.ends_with(".rs")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| axum_query(l)) {
            found.push(format!("{path}:{}: {line}", n + 1));
        }
    }
    assert!(found.is_empty(), "use crate::extract::QueryParams:\n{}", found.join("\n"));
}

/// The industry packs: `kefu_<pack>` is the crate, `packs::<pack>` its web
/// half in kefu-web.
const PACKS: &[&str] = &["auto", "power", "estate"];

/// The packs a source text names, by crate or by web module.
fn packs_named(text: &str) -> Vec<&'static str> {
    let names = |needle: &str| {
        text.match_indices(needle).any(|(at, _)| {
            let next = text[at + needle.len()..].chars().next();
            !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    PACKS.iter().copied().filter(|p| names(&format!("kefu_{p}")) || names(&format!("packs::{p}"))).collect()
}

/// The pack whose folder holds `path` (relative to the workspace): its crate
/// or its web half.
fn folder_of(path: &str) -> Option<&'static str> {
    PACKS.iter().copied().find(|p| {
        path.starts_with(&format!("crates/kefu-{p}/")) || path.starts_with(&format!("crates/kefu-web/src/packs/{p}/"))
    })
}

/// The one place packs are registered.
const REGISTRY: &str = "crates/kefu-web/src/packs/mod.rs";

#[test]
fn only_a_packs_own_folder_and_the_registry_name_a_pack() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").to_string_lossy().into_owned() + "/";
    let mut found = Vec::new();
    for path in tracked_files() {
        let rel = path.strip_prefix(&root).unwrap_or(&path);
        // The product's code: tests and the benchmark exercise the packs
        // themselves and may name them.
        let product = rel.starts_with("crates/") && rel.contains("/src/") && !rel.starts_with("crates/kefu-bench/");
        if !product || !rel.ends_with(".rs") || rel == REGISTRY {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let own = folder_of(rel);
        for pack in packs_named(&text).into_iter().filter(|p| Some(*p) != own) {
            found.push(format!("{rel} names the {pack} pack"));
        }
    }
    assert!(
        found.is_empty(),
        "the shell and the other packs reach a pack only through the registry:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_pack_check_sees_crates_and_web_modules() {
    assert_eq!(packs_named("use kefu_auto::vehicles;"), ["auto"]);
    assert_eq!(packs_named("crate::packs::power::pages::meters"), ["power"]);
    assert_eq!(packs_named("let kefu_automatic = 1; // kefu-auto"), Vec::<&str>::new());
    assert_eq!(folder_of("crates/kefu-web/src/packs/auto/pages/lounge.rs"), Some("auto"));
    assert_eq!(folder_of("crates/kefu-estate/src/lib.rs"), Some("estate"));
    assert_eq!(folder_of("crates/kefu-web/src/pages/customers.rs"), None);
}

/// The fields a source text refuses by name: `Invalid::new("field", …)`
/// outside its unit tests.
fn refused_fields(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut fields = Vec::new();
    for part in code.split("Invalid::new(").skip(1) {
        let part = part.trim_start();
        let Some(rest) = part.strip_prefix('"') else { continue };
        let name: String =
            rest.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
        if rest[name.len()..].starts_with('"') && !name.is_empty() {
            fields.push(name);
        }
    }
    fields
}

/// An error names its field by the field's label (`field_<name>`), in each
/// language: a missing label shows the user the key itself ("field_reader：…").
#[test]
fn every_refused_field_has_a_label_in_both_languages() {
    let files = tracked_files();
    for lang in ["zh-CN", "en"] {
        let mut labels = std::collections::BTreeSet::new();
        for catalogue in
            files.iter().filter(|p| p.contains("/crates/kefu-web/src/") && p.ends_with(&format!("/{lang}.toml")))
        {
            let table: toml::Table = std::fs::read_to_string(catalogue).unwrap().parse().unwrap();
            labels.extend(table.keys().cloned());
        }
        let mut missing = Vec::new();
        for path in files.iter().filter(|p| p.contains("/crates/") && p.contains("/src/") && p.ends_with(".rs")) {
            for field in refused_fields(&std::fs::read_to_string(path).unwrap()) {
                if !labels.contains(&format!("field_{field}")) {
                    missing.push(format!("field_{field} ({path})"));
                }
            }
        }
        assert!(missing.is_empty(), "labels missing from the {lang} catalogues:\n{}", missing.join("\n"));
    }
}

#[test]
fn the_label_check_sees_each_refused_field() {
    let text = "Invalid::new(\"house\", r)\nInvalid::new(\n  \"as_of\", r)\nInvalid::new(field, r)\n#[cfg(test)]\nInvalid::new(\"x\", r)";
    assert_eq!(refused_fields(text), ["house", "as_of"]);
}
