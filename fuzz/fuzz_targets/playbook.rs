//! Any text as an administrator's playbook TOML: parsed into playbooks or
//! refused with a message, never a panic; what parses has steps to run, in
//! day order, within ten years of the anchor (what the daily run relies on).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(playbooks) = kefu_outreach::playbook::parse(text) {
        for p in &playbooks {
            assert!(!p.steps.is_empty(), "playbook {} parsed without steps", p.code);
            assert!(p.steps.windows(2).all(|w| w[0].offset_days <= w[1].offset_days), "{} out of order", p.code);
            assert!(p.steps.iter().all(|s| s.offset_days.abs() <= 3660), "{} offset out of range", p.code);
        }
    }
});
