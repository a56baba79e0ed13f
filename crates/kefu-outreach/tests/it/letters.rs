//! The letter channel end to end: a batch becomes a PDF, and poppler — the
//! tools a print room would use — reads it back.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use kefu_core::time::{BusinessZone, TestClock};
use kefu_outreach::channels::letter::{LetterChannel, LetterConfig};
use kefu_outreach::channels::template::Template;
use kefu_outreach::channels::{Channel, ChannelKind, ConfigError, Letterhead, Message, Outcome, Recipient};

const BODY: &str = "尊敬的{name}：\n　　感谢您一直以来对本店的信任与支持。根据您的保养记录，您的爱车{plate}将于{due_date}到期保养。\
为保障行车安全，请您在到期前预约进店，我们将为您安排专属服务顾问，并为您准备免费的二十项安全检测与洗车服务。\
预约电话：020-8888 6666（每日8:30—18:00）。\n　　如您已完成保养，请忽略本函。祝您用车愉快！";

fn letterhead() -> Letterhead {
    Letterhead {
        name: "广州宝骏汽车4S店客户服务中心".into(),
        address: "广州市天河区黄埔大道西188号".into(),
        phone: "020-8888 6666".into(),
    }
}

fn letter(task_id: i64, name: &str, address: &str, plate: &str, due_date: &str) -> Message {
    let template = Template::parse("body", BODY, &["name", "plate", "due_date"]).expect("the template is valid");
    let vars: BTreeMap<String, String> = [("name", name), ("plate", plate), ("due_date", due_date)]
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    Message {
        task_id,
        from: letterhead(),
        to: Recipient::Postal { name: name.into(), address: address.into() },
        subject: "爱车保养到期提醒".into(),
        body: template.render(&vars).expect("every variable has a value"),
        template: "maintenance_due".into(),
        vars,
    }
}

fn channel(dir: &Path) -> LetterChannel {
    let clock = TestClock::at("2026-11-29T01:00:00Z".parse().unwrap());
    LetterChannel::new(&LetterConfig::new(dir), Arc::new(clock), BusinessZone::shanghai())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs a poppler tool, failing the test with how to get it when missing.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run {tool}: {e}; install poppler-utils (apt-get install poppler-utils; scripts/test does)")
    });
    assert!(out.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("poppler writes UTF-8")
}

fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test]
async fn a_batch_of_three_is_three_a4_pages_with_extractable_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let channel = channel(dir.path());
    assert_eq!(channel.kind(), ChannelKind::Letter);
    let batch = [
        letter(11, "张伟", "广东省广州市天河区体育西路103号维多利广场A座2201室", "粤A·D12345", "2026年12月8日"),
        letter(12, "欧阳娜娜", "广东省佛山市南海区桂城街道南海大道北88号", "粤E·5Z789", "2026年12月15日"),
        letter(13, "李明", "广东省深圳市南山区科技园科苑路15号", "粤B·88888", "2027年1月3日"),
    ];

    let deliveries = channel.deliver(&batch).await;

    assert_eq!(deliveries.len(), 3);
    let mut file = None;
    for (n, (delivery, message)) in deliveries.iter().zip(&batch).enumerate() {
        assert_eq!(delivery.task_id, message.task_id);
        let Outcome::Printed { file: f, page } = &delivery.outcome else { panic!("not printed: {delivery:?}") };
        assert_eq!(*page, n + 1);
        assert!(file.get_or_insert(f.clone()) == f, "one file for the batch");
    }
    let file = file.unwrap();
    assert_eq!(file.file_name().unwrap(), "letters-20261129-0900.pdf");
    let path = file.to_str().unwrap();

    let info = poppler("pdfinfo", &[path]);
    assert!(info.lines().any(|l| l.split_whitespace().eq(["Pages:", "3"])), "{info}");
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");

    // The Chinese font is in the file, as a subset: a few hundred kilobytes
    // where the whole collection is about twenty megabytes.
    let fonts = poppler("pdffonts", &[path]);
    let noto = fonts.lines().find(|l| l.contains("NotoSansCJK")).unwrap_or_else(|| panic!("{fonts}"));
    let columns: Vec<&str> = noto.split_whitespace().collect();
    assert!(columns[0].chars().nth(6) == Some('+'), "subset fonts are named ABCDEF+Name: {noto}");
    assert!(columns.windows(3).any(|w| w == ["yes", "yes", "yes"]), "embedded, subset, with ToUnicode: {noto}");
    assert!(std::fs::metadata(&file).unwrap().len() < 1_000_000);

    let text = poppler("pdftotext", &["-enc", "UTF-8", path, "-"]);
    let pages: Vec<String> = text.split('\u{c}').map(without_spaces).filter(|p| !p.is_empty()).collect();
    assert_eq!(pages.len(), 3, "{text}");
    for (page, message) in pages.iter().zip(&batch) {
        let Recipient::Postal { name, address } = &message.to else { unreachable!() };
        for expected in [name, address, &message.vars["due_date"], &message.vars["plate"]] {
            assert!(page.contains(&without_spaces(expected)), "page lacks {expected}:\n{page}");
        }
        for expected in
            ["广州宝骏汽车4S店客户服务中心", "广州市天河区黄埔大道西188号", "2026年11月29日", "爱车保养到期提醒"]
        {
            assert!(page.contains(&without_spaces(expected)), "page lacks {expected}:\n{page}");
        }
        assert!(page.contains("祝您用车愉快！"), "the body's end is on the page:\n{page}");
    }
}

/// Every word poppler finds lies inside the margins (25 mm left, 20 mm
/// right): the body was broken into lines by the font's real widths.
#[tokio::test]
async fn lines_are_broken_inside_the_margins() {
    let dir = tempfile::tempdir().unwrap();
    let long_name = "欧阳娜娜".repeat(3);
    let deliveries = channel(dir.path())
        .deliver(&[letter(21, &long_name, "广东省佛山市南海区桂城街道南海大道北88号", "粤E·5Z789", "2026年12月15日")])
        .await;
    let Outcome::Printed { file, .. } = &deliveries[0].outcome else { panic!("{deliveries:?}") };

    let boxes = poppler("pdftotext", &["-bbox", file.to_str().unwrap(), "-"]);
    let mm = 72.0 / 25.4;
    let mut words = 0;
    for word in boxes.lines().filter(|l| l.trim_start().starts_with("<word")) {
        let attr = |name: &str| -> f32 {
            let at = word.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            word[at..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(attr("xMin") >= 25.0 * mm - 0.5, "left of the margin: {word}");
        assert!(attr("xMax") <= (210.0 - 20.0) * mm + 0.5, "right of the margin: {word}");
        words += 1;
    }
    assert!(words > 10, "{boxes}");
}

#[tokio::test]
async fn a_letter_that_cannot_be_printed_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let good = letter(31, "张伟", "广东省广州市天河区体育西路103号", "粤A·D12345", "2026年12月8日");
    let mut to_mobile = good.clone();
    to_mobile.task_id = 32;
    to_mobile.to = Recipient::Mobile("13800138000".into());
    let mut too_long = good.clone();
    too_long.task_id = 33;
    too_long.body = "感谢您的支持。\n".repeat(60);
    let mut rare = good.clone();
    rare.task_id = 34;
    rare.to = Recipient::Postal { name: "张\u{E000}".into(), address: "广州".into() };

    let deliveries = channel(dir.path()).deliver(&[to_mobile, good, too_long, rare]).await;

    let reason = |n: usize| match &deliveries[n].outcome {
        Outcome::Failed(e) => {
            assert!(!e.retry, "{e:?}");
            e.reason.clone()
        }
        other => panic!("not failed: {other:?}"),
    };
    assert!(reason(0).contains("cannot send to a mobile number"), "{}", reason(0));
    assert!(matches!(deliveries[1].outcome, Outcome::Printed { page: 1, .. }), "{deliveries:?}");
    assert!(reason(2).contains("the body takes 60 lines"), "{}", reason(2));
    assert!(reason(3).contains("U+E000"), "{}", reason(3));
    let Outcome::Printed { file, .. } = &deliveries[1].outcome else { unreachable!() };
    let info = poppler("pdfinfo", &[file.to_str().unwrap()]);
    assert!(info.lines().any(|l| l.split_whitespace().eq(["Pages:", "1"])), "{info}");
}

#[tokio::test]
async fn a_second_batch_in_the_same_minute_gets_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    let channel = channel(dir.path());
    let batch = [letter(41, "张伟", "广东省广州市天河区体育西路103号", "粤A·D12345", "2026年12月8日")];
    let first = channel.deliver(&batch).await;
    let second = channel.deliver(&batch).await;
    let file = |d: &[kefu_outreach::channels::Delivery]| match &d[0].outcome {
        Outcome::Printed { file, .. } => file.file_name().unwrap().to_str().unwrap().to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(file(&first), "letters-20261129-0900.pdf");
    assert_eq!(file(&second), "letters-20261129-0900-2.pdf");
}

#[test]
fn a_missing_font_is_named_with_how_to_get_it() {
    let clock = Arc::new(TestClock::at("2026-11-29T01:00:00Z".parse().unwrap()));
    let dir = tempfile::tempdir().unwrap();
    let mut config = LetterConfig::new(dir.path());
    config.font_path = "/nonexistent/fonts/NotoSansCJK-Regular.ttc".into();
    let Err(e) = LetterChannel::new(&config, clock.clone(), BusinessZone::shanghai()) else { panic!("accepted") };
    let text = e.to_string();
    assert!(text.contains("/nonexistent/fonts/NotoSansCJK-Regular.ttc"), "{text}");
    assert!(text.contains("apt-get install fonts-noto-cjk"), "{text}");

    let mut config = LetterConfig::new(dir.path());
    config.font_index = 42;
    let Err(e) = LetterChannel::new(&config, clock, BusinessZone::shanghai()) else { panic!("accepted") };
    assert!(matches!(e, ConfigError::FontIndex { index: 42, .. }), "{e}");
}
