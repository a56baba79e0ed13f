//! Hostile uploads: workbooks made to exhaust the server — two cells far
//! apart, a part that inflates to hundreds of megabytes (honestly declared
//! or not) — are refused by the API and the import page, naming the limit,
//! and the server keeps answering. The files are made here, small on disk.

use crate::support::{Backend, TestApp};
use serde_json::Value;
use std::io::{Cursor, Read, Write};

const SHEET: &str = "xl/worksheets/sheet1.xml";

/// One cell at A1 and one at XFD1048576, the last cell Excel has.
fn sparse_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(1_048_575, 16_383, "远").unwrap();
    book.save_to_buffer().unwrap()
}

/// A real workbook whose sheet holds `mb` megabytes of spaces before its
/// rows. With `lie`, the archive declares the sheet's original size.
fn whitespace_bomb(mb: usize, lie: bool) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "姓名").unwrap();
    let plain = book.save_to_buffer().unwrap();
    let mut source = zip::ZipArchive::new(Cursor::new(plain)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let mut sheet_size = 0;
    for i in 0..source.len() {
        let mut part = source.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut text = String::new();
        part.read_to_string(&mut text).unwrap();
        out.start_file(name.as_str(), options).unwrap();
        if name == SHEET {
            sheet_size = text.len() as u32;
            let (head, rows) = text.split_at(text.find("<sheetData>").unwrap() + "<sheetData>".len());
            out.write_all(head.as_bytes()).unwrap();
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..mb {
                out.write_all(&spaces).unwrap();
            }
            out.write_all(rows.as_bytes()).unwrap();
        } else {
            out.write_all(text.as_bytes()).unwrap();
        }
    }
    let mut bytes = out.finish().unwrap().into_inner();
    if lie {
        // The uncompressed size sits 8 bytes before the name in the local
        // header and 22 bytes before it in the central directory's entry.
        let name = SHEET.as_bytes();
        let at: Vec<usize> =
            bytes.windows(name.len()).enumerate().filter(|(_, w)| *w == name).map(|(i, _)| i).collect();
        assert_eq!(at.len(), 2, "the sheet is named in its local header and in the central directory");
        for (pos, back) in [(at[0], 8), (at[1], 22)] {
            bytes[pos - back..pos - back + 4].copy_from_slice(&sheet_size.to_le_bytes());
        }
    }
    bytes
}

/// Uploads `bytes` through the API and through the import page; both
/// refuse it naming `limit`, and the server still answers /healthz.
async fn refused(app: &TestApp, bytes: &[u8], limit: &str) {
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let form = || {
        let file = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("客户.xlsx");
        reqwest::multipart::Form::new().text("branch_id", app.fx.store_a.to_string()).part("file", file)
    };
    let res =
        client.post(app.at("/api/v1/imports")).header("x-csrf-token", &csrf).multipart(form()).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["field"], "file", "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains(limit), "the refusal names the limit {limit}: {problem}");
    assert_eq!(app.client().get(app.at("/healthz")).send().await.unwrap().status(), 200);

    let res =
        client.post(app.at("/customers/import")).multipart(form().text("_csrf", csrf.clone())).send().await.unwrap();
    let page = res.text().await.unwrap();
    assert!(page.contains(limit), "the page names the limit {limit}");
    assert_eq!(app.client().get(app.at("/healthz")).send().await.unwrap().status(), 200);
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_jobs").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(jobs, 0, "nothing was kept of a refused file");
}

on_both!(a_sparse_workbook_is_refused_for_its_extent, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    let bytes = sparse_workbook();
    assert!(bytes.len() < 10_000, "a small file ({} bytes)", bytes.len());
    refused(&app, &bytes, "1000000 行").await;
    // Far to the right of a small sheet, and a long text in many cells
    // (stored once in the workbook, copied into each cell when read).
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(1, 300, "远").unwrap();
    refused(&app, &book.save_to_buffer().unwrap(), "256 列").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let long = "长".repeat(20_000);
    for row in 0..5_000 {
        sheet.write_string(row, 0, &long).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    assert!(bytes.len() < 100_000, "a small file ({} bytes)", bytes.len());
    refused(&app, &bytes, "256 MB").await;
});

on_both!(a_whitespace_bomb_is_refused_whatever_it_declares, |backend: Backend| async move {
    let app = TestApp::start(backend).await;
    for (lie, limit) in [(false, "256 MB"), (true, "大于它声明的大小")] {
        let bomb = whitespace_bomb(300, lie);
        assert!(bomb.len() < 1_000_000, "a small file ({} bytes)", bomb.len());
        refused(&app, &bomb, limit).await;
    }
    // The same workbook without the padding is read.
    let client = app.login("agent_a").await;
    let csrf = app.csrf(&client).await;
    let file = reqwest::multipart::Part::bytes(whitespace_bomb(0, false)).file_name("客户.xlsx");
    let form = reqwest::multipart::Form::new().text("branch_id", app.fx.store_a.to_string()).part("file", file);
    let res =
        client.post(app.at("/api/v1/imports")).header("x-csrf-token", &csrf).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
});
