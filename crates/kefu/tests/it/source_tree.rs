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
