//! The OpenAPI document tells the truth: every schema has a name of its own
//! (two types of one name left one of them out of the document, and the
//! complaint step endpoint described with the repair order's body), and the
//! example of every request body it documents is a request its endpoint
//! accepts — on SQLite and on PostgreSQL.

use crate::support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::{Backend, TestApp};

/// The Rust sources of the workspace's crates.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The schema names the `ToSchema` types of one source file take: the
/// type's name, or the name given by `#[schema(as = …)]`.
fn schema_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut pending: Option<Option<String>> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with("#[derive(") && line.contains("ToSchema") {
            pending = Some(None);
        } else if let Some(renamed) = pending.as_mut() {
            if let Some(rest) = line.strip_prefix("#[schema(").and_then(|l| l.split("as = ").nth(1)) {
                let path: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
                *renamed = path.rsplit("::").next().map(str::to_string);
            }
            let item = line.strip_prefix("pub ").unwrap_or(line);
            if let Some(rest) = item.strip_prefix("struct ").or_else(|| item.strip_prefix("enum ")) {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                names.push(renamed.take().unwrap_or(name));
                pending = None;
            }
        }
    }
    names
}

#[test]
fn every_schema_has_a_name_of_its_own() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    sources(&crates, &mut files);
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files.iter().filter(|f| f.components().any(|c| c.as_os_str() == "src")) {
        for name in schema_names(&std::fs::read_to_string(file).unwrap()) {
            by_name.entry(name).or_default().push(file.strip_prefix(&crates).unwrap().display().to_string());
        }
    }
    assert!(by_name.len() > 50, "the API's schemas are found: {by_name:?}");
    let shared: Vec<String> =
        by_name.iter().filter(|(_, at)| at.len() > 1).map(|(name, at)| format!("{name}: {}", at.join(", "))).collect();
    assert!(
        shared.is_empty(),
        "schemas sharing a name (one replaces the other in the document):\n{}",
        shared.join("\n")
    );
}

#[test]
fn the_name_check_sees_renamed_and_plain_schemas() {
    let text = "#[derive(Deserialize, ToSchema)]\n#[schema(as = api::StepBody)]\npub struct ComplaintStep {\n}\n\
                #[derive(Serialize, utoipa::ToSchema)]\n/// A note.\npub enum Kind {}\n#[derive(Debug)]\npub struct Plain;";
    assert_eq!(schema_names(text), ["StepBody", "Kind"]);
}

/// The documented example of a JSON request body: the media type's own, or
/// its schema's.
fn example<'a>(doc: &'a Value, body: &'a Value) -> Option<&'a Value> {
    let content = body.pointer("/content/application~1json")?;
    content.get("example").or_else(|| {
        let schema = &content["schema"];
        let schema = match schema["$ref"].as_str() {
            Some(r) => doc.pointer(&r.replacen('#', "", 1))?,
            None => schema,
        };
        schema.get("example")
    })
}

on_both!(every_documented_example_request_body_is_accepted, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    // The power pack's examples name account 0301000042 of store A.
    support::power::station_and_account(&app, (app.fx.store_a, "0301"), app.fx.customer_a, (42, "DTZY-4500000042"))
        .await;
    // The estate pack's examples name house 3-2-1502 of estate TA (store A).
    crate::estate::house_of(&app, app.fx.store_a, app.fx.customer_a).await;
    let token = app.token_with_every_role("example_sender").await;
    let client = reqwest::Client::new();
    let doc: Value = client.get(app.at("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let (mut sent, mut missing, mut refused) = (0, Vec::new(), Vec::new());
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, op) in operations.as_object().unwrap() {
            let Some(body) = op.get("requestBody") else { continue };
            if body.pointer("/content/application~1json").is_none() {
                continue; // a file upload (multipart) has no JSON example
            }
            let Some(example) = example(&doc, body) else {
                missing.push(format!("{method} {path}"));
                continue;
            };
            // Ids in the path name nothing: the body is judged by what the
            // endpoint checks of it before it looks the record up (and in
            // full where the path has no id), and no example changes
            // another's record.
            let url = app.at(&path
                .split('/')
                .map(|s| if s.starts_with('{') { "987654321" } else { s })
                .collect::<Vec<_>>()
                .join("/"));
            let request = match method.as_str() {
                "post" => client.post(url),
                "put" => client.put(url),
                "patch" => client.patch(url),
                other => panic!("{other} {path} takes a body"),
            };
            let res = request.bearer_auth(&token).json(example).send().await.unwrap();
            sent += 1;
            let status = res.status().as_u16();
            if status == 422 || status == 400 || status >= 500 {
                refused.push(format!("{method} {path} → {status}: {}\n  sent {example}", res.text().await.unwrap()));
            }
        }
    }
    assert!(missing.is_empty(), "request bodies documented without an example:\n{}", missing.join("\n"));
    assert!(sent > 30, "every JSON body is sent ({sent})");
    assert!(refused.is_empty(), "documented examples the API refuses:\n{}", refused.join("\n"));
});
