#![no_main]
//! What `sync` and `target` read that a user, an app or a crash wrote: arbitrary bytes as a
//! journal (no panic; what is recovered is applied to links), as a tenant URL (no panic; a URL
//! that is accepted builds request URLs under its base), and as two lists of resources for
//! `target diff` (no panic; a list compared with itself has no attribute difference).
use libfuzzer_sys::fuzz_target;

use entramap::scim::compare::{What, diff};
use entramap::sync::{TargetUrl, journal};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("entramap-fuzz-sync-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("links.journal");
    if std::fs::write(&path, data).is_ok()
        && let Ok(Some(recovered)) = journal::recover(&path)
    {
        let _ = recovered.applied_to(Vec::new());
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(target) = TargetUrl::parse(text)
    {
        let url = target.url("/Users?filter=x");
        assert!(url.starts_with(target.base()));
        let _ = target.is_loopback();
    }
    if let Ok(serde_json::Value::Array(pair)) = serde_json::from_slice::<serde_json::Value>(data)
        && let [serde_json::Value::Array(expected), serde_json::Value::Array(current)] = pair.as_slice()
    {
        let _ = diff(expected, current);
        for d in diff(expected, expected) {
            assert!(!matches!(d.what, What::Attribute { .. }), "{d}");
        }
    }
});
