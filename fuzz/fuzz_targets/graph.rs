#![no_main]
//! Graph JSON: attributeMappingSource trees and synchronizationSchema files are read without
//! panicking, and a schema that loads compiles or reports errors.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = entramap::Options::default();
    if let Ok(node) = serde_json::from_slice::<entramap::graph::Node>(data) {
        if let Ok(expr) = entramap::graph::read_tree(&node, &options).map(|r| r.expr) {
            let _ = entramap::syntax::print::canonical(&expr);
        }
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(loaded) = entramap::mapping::parse_any(text, "fuzz.json", &options) {
        let _ = entramap::provision::check::check_set(&loaded.set, &options);
        let _ = entramap::provision::Engine::new(&loaded.set, &options);
    }
});
