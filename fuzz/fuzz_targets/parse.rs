#![no_main]
//! Any text: parsing and checking never panic, and every diagnostic renders.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let analysis = entramap::analyze(text, &entramap::Options::default());
    for d in &analysis.diagnostics {
        let _ = d.render(text, "<fuzz>");
    }
});
