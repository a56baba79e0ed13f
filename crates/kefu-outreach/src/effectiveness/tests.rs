use super::*;
use crate::playbook::parse;

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

const BOOKS: &str = r#"
[[playbook]]
code = "routine"
name = "保养招揽"
anchor = "service_due"
stop_when = ["came", "booked"]
[[playbook.step]]
offset_days = -14
channel = "letter"
template = "x"
[[playbook.step]]
offset_days = -7
channel = "sms"
template = "x"
[[playbook.step]]
offset_days = -3
channel = "call"
fallback = ["sms"]
template = "x"

[[playbook]]
code = "first"
name = "首保招揽"
anchor = "first_service_due"
stop_when = ["came", "booked"]
[[playbook.step]]
offset_days = -7
channel = "call"
template = "x"
[[playbook.step]]
offset_days = 7
channel = "call"
template = "x"

[[playbook]]
code = "lapsed"
name = "流失客户"
anchor = "last_visit"
stop_when = ["came"]
[[playbook.step]]
offset_days = 90
channel = "letter"
template = "x"
[[playbook.step]]
offset_days = 104
channel = "call"
template = "x"

[[playbook]]
code = "insurance"
name = "续保"
anchor = "insurance_expiry"
stop_when = ["booked"]
[[playbook.step]]
offset_days = -30
channel = "call"
template = "x"
"#;

fn books() -> Vec<Playbook> {
    parse(BOOKS).unwrap()
}

#[test]
fn windows_close_thirty_days_after_the_anchor_or_the_last_step() {
    let books = books();
    // playbook, anchor → measured, window end
    let table = [
        ("routine", "2026-03-01", true, "2026-03-31"),
        ("routine", "2028-02-29", true, "2028-03-30"),
        ("first", "2026-03-01", true, "2026-04-07"),
        ("lapsed", "2026-01-10", true, "2026-05-24"),
        ("insurance", "2026-03-01", false, "2026-03-31"),
    ];
    for (code, anchor, is_measured, end) in table {
        let p = books.iter().find(|p| p.code == code).unwrap();
        assert_eq!(measured(p), is_measured, "{code}");
        assert_eq!(window_end(p, d(anchor)), d(end), "{code} {anchor}");
    }
}

#[test]
fn a_visit_counts_from_the_first_touch_to_the_windows_end() {
    let (first, end) = (d("2026-02-15"), d("2026-03-31"));
    // arrivals, today → verdict
    let table: &[(&[&str], &str, Verdict)] = &[
        (&[], "2026-04-10", Verdict::NotCame),
        (&[], "2026-03-31", Verdict::Open),
        (&["2026-02-14"], "2026-04-10", Verdict::NotCame),
        (&["2026-02-15"], "2026-04-10", Verdict::Came { on: d("2026-02-15") }),
        (&["2026-03-31"], "2026-04-10", Verdict::Came { on: d("2026-03-31") }),
        (&["2026-04-01"], "2026-04-10", Verdict::NotCame),
        (&["2026-04-01"], "2026-03-20", Verdict::Open),
        (&["2026-03-20", "2026-02-20", "2026-01-01"], "2026-04-10", Verdict::Came { on: d("2026-02-20") }),
    ];
    for (arrivals, on, want) in table {
        let days: Vec<Date> = arrivals.iter().map(|a| d(a)).collect();
        assert_eq!(verdict(first, end, &days, d(on)), *want, "{arrivals:?} on {on}");
    }
}

fn touch(step: usize, channel: Channel, status: &str, outcome: Option<&str>, day: &str) -> Touch {
    Touch {
        task_id: step as i64,
        step,
        state: TouchState {
            channel,
            status: status.into(),
            outcome: outcome.map(str::to_string),
            due_date: d(day),
            retry_on: None,
        },
        notes: String::new(),
        attempts: 0,
    }
}

/// A routine cadence due 1 March: letter printed, SMS sent, call answered.
fn routine_touches() -> Vec<Touch> {
    vec![
        touch(0, Channel::Letter, "printed", None, "2026-02-15"),
        touch(1, Channel::Sms, "sent", None, "2026-02-22"),
        touch(2, Channel::Call, "done", Some("reached_declined"), "2026-02-26"),
    ]
}

#[test]
fn a_visit_is_credited_to_the_touches_before_it() {
    let all = routine_touches();
    let mut unanswered = routine_touches();
    unanswered[2] = touch(2, Channel::Call, "done", Some("no_answer"), "2026-02-26");
    let mut retried = routine_touches();
    retried[2].state.retry_on = Some(d("2026-02-28"));
    let mut pending_sms = routine_touches();
    pending_sms[1].state.status = "pending".into();
    // touches, visit day → credited touches, last
    type Row<'a> = (&'a [Touch], &'a str, &'a [usize], Option<usize>);
    let table: &[Row] = &[
        (&all, "2026-02-14", &[], None),
        (&all, "2026-02-15", &[0], Some(0)),
        (&all, "2026-02-24", &[0, 1], Some(1)),
        (&all, "2026-02-26", &[0, 1, 2], Some(2)),
        (&all, "2026-03-20", &[0, 1, 2], Some(2)),
        (&unanswered, "2026-03-01", &[0, 1], Some(1)),
        (&retried, "2026-02-27", &[0, 1], Some(1)),
        (&retried, "2026-02-28", &[0, 1, 2], Some(2)),
        (&pending_sms, "2026-02-24", &[0], Some(0)),
    ];
    for (i, (touches, visit, want_all, want_last)) in table.iter().enumerate() {
        let c = credit(touches, d(visit));
        assert_eq!((c.all.as_slice(), c.last), (*want_all, *want_last), "row {i}: visit {visit}");
    }
}

#[test]
fn rates_per_playbook_step_and_channel() {
    let books = books();
    let measured_books: Vec<&Playbook> = books.iter().filter(|p| measured(p)).collect();
    let full = routine_touches();
    let letter_only = vec![touch(0, Channel::Letter, "printed", None, "2026-02-15")];
    let mut sms_fallback = routine_touches();
    // "No phone calls": the call step went out as an SMS.
    sms_fallback[2] = touch(2, Channel::Sms, "sent", None, "2026-02-26");
    let nothing_sent = vec![touch(0, Channel::Letter, "pending", None, "2026-02-15")];
    let first_call = vec![touch(0, Channel::Call, "done", Some("reached_booked"), "2026-02-22")];
    let judged = [
        // Came after the call: all three share the credit, the call is last.
        Judged { playbook: "routine", touches: &full, verdict: Verdict::Came { on: d("2026-02-28") } },
        // Came after the letter alone.
        Judged { playbook: "routine", touches: &letter_only, verdict: Verdict::Came { on: d("2026-02-20") } },
        // Reached three times and did not come.
        Judged { playbook: "routine", touches: &full, verdict: Verdict::NotCame },
        // Came after the SMS that stood in for the call.
        Judged { playbook: "routine", touches: &sms_fallback, verdict: Verdict::Came { on: d("2026-03-02") } },
        // Came though nothing reached them.
        Judged { playbook: "routine", touches: &nothing_sent, verdict: Verdict::Came { on: d("2026-02-16") } },
        Judged { playbook: "first", touches: &first_call, verdict: Verdict::Open },
        // Not a measured playbook: ignored.
        Judged { playbook: "insurance", touches: &first_call, verdict: Verdict::NotCame },
    ];
    let (playbooks, steps, channels) = tally(&measured_books, &judged);
    let rates: Vec<(&str, Tally, i64)> =
        playbooks.iter().map(|p| (p.code.as_str(), p.tally, p.came_untouched)).collect();
    assert_eq!(
        rates,
        vec![
            ("routine", Tally { due: 5, came: 4, not_came: 1, open: 0 }, 1),
            ("first", Tally { due: 1, came: 0, not_came: 0, open: 1 }, 0),
            ("lapsed", Tally::default(), 0),
        ]
    );
    assert_eq!(playbooks[0].tally.rate(), Some(0.8));
    assert_eq!(playbooks[2].tally.rate(), None);
    let a = |touched, came_after, last_touch| Attribution { touched, came_after, last_touch };
    let step_rows: Vec<(&str, usize, Channel, Attribution)> =
        steps.iter().map(|s| (s.playbook.as_str(), s.step, s.channel, s.attribution)).collect();
    assert_eq!(
        step_rows,
        vec![
            ("routine", 1, Channel::Letter, a(4, 3, 1)),
            ("routine", 2, Channel::Sms, a(3, 2, 0)),
            ("routine", 3, Channel::Call, a(3, 2, 2)),
            ("first", 1, Channel::Call, a(1, 0, 0)),
            ("first", 2, Channel::Call, a(0, 0, 0)),
            ("lapsed", 1, Channel::Letter, a(0, 0, 0)),
            ("lapsed", 2, Channel::Call, a(0, 0, 0)),
        ]
    );
    assert_eq!(steps[0].attribution.rate(), Some(0.75));
    // Per channel the fallback SMS counts as SMS, and an event with two SMS
    // counts once.
    let channel_rows: Vec<(Channel, Attribution)> = channels.iter().map(|c| (c.channel, c.attribution)).collect();
    assert_eq!(
        channel_rows,
        vec![(Channel::Letter, a(4, 3, 1)), (Channel::Sms, a(3, 2, 1)), (Channel::Call, a(3, 1, 1))]
    );
}
