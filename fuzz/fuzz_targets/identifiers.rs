//! Any text as a mobile number, plate, VIN or resident ID number. A value a
//! validator accepts must come out the same when validated again (what is
//! stored is what a later check accepts); nothing may panic.
#![no_main]

use kefu_core::ident::{Mobile, Plate, ResidentId, Vin};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let today = jiff::civil::date(2026, 11, 29);
    if let Ok(m) = Mobile::parse("mobile", text) {
        assert_eq!(Mobile::parse("mobile", m.as_str()).map(|again| again.as_str().to_string()), Ok(m.as_str().into()));
    }
    if let Ok(p) = Plate::parse("plate", text) {
        assert_eq!(Plate::parse("plate", p.as_str()).map(|again| again.as_str().to_string()), Ok(p.as_str().into()));
    }
    if let Ok(v) = Vin::parse("vin", text) {
        assert_eq!(Vin::parse("vin", v.as_str()).map(|again| again.as_str().to_string()), Ok(v.as_str().into()));
    }
    if let Ok(id) = ResidentId::parse("id_number", text, today) {
        let again = ResidentId::parse("id_number", id.as_str(), today).map(|again| again.as_str().to_string());
        assert_eq!(again, Ok(id.as_str().into()));
    }
});
