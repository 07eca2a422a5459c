#![no_main]
//! Arbitrary bytes as a state file: no panic; a file the reader accepts as whole has links
//! that `write` writes and `read` reads back, whole.
use libfuzzer_sys::fuzz_target;

use entramap::provision::state_file::{self, Integrity};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("entramap-fuzz-state-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("state");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(file) = state_file::read(&path, 4096) else { return };
    if file.integrity == Integrity::Whole {
        // What is accepted can be written and read back unchanged.
        let again = dir.join("again");
        state_file::write(&again, &file.links).unwrap();
        let reread = state_file::read(&again, 4096).unwrap();
        assert_eq!(reread.links, file.links);
        assert_eq!(reread.integrity, Integrity::Whole);
    }
});
