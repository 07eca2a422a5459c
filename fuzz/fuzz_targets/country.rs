#![no_main]
//! Any text resolves to a code, an ambiguity or nothing; a code is always an ISO alpha-2.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = entramap::country::normalize(text);
    match entramap::country::resolve(text) {
        entramap::country::Resolution::Code(c) => assert!(entramap::country::is_alpha2(c)),
        entramap::country::Resolution::Ambiguous(list) => assert!(list.len() > 1),
        entramap::country::Resolution::Unknown => {}
    }
});
