#![no_main]
//! What `sync` reads that a user or a crash wrote: arbitrary bytes as a journal (no panic; what
//! is recovered is applied to links), and as a tenant URL (no panic; a URL that is accepted
//! builds request URLs under its base).
use libfuzzer_sys::fuzz_target;

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
});
