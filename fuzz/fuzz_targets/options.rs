#![no_main]
//! Arbitrary text as an options file and as `--option KEY=VALUE` lines: never a panic, and
//! options that load make an evaluation environment or say why not.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(options) = entramap::Options::from_json(text) {
        let _ = entramap::Env::new(&options);
    }
    if let Ok(options) = entramap::Options::default().with_settings(text.lines()) {
        let _ = entramap::Env::new(&options);
        let _ = entramap::Expression::compile("Left([a], 2)", &options);
    }
});
