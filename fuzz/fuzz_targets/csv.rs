#![no_main]
//! Arbitrary bytes through the CSV reader: no panic, no hang; every record starts on a line
//! the input has, records come in line order, and no line is counted twice.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    // A small record limit, so rows over it are exercised too.
    let Ok(records) = entramap::source::input::records(
        reader,
        entramap::source::input::InputFormat::Csv,
        256,
    ) else {
        return;
    };
    let lines = data.split(|b| *b == b'\n').count();
    let mut last = 0;
    for record in records {
        let Ok(record) = record else { return };
        assert!(record.line >= 1 && record.line <= lines, "line {} of {lines}", record.line);
        assert!(record.line > last, "line {} after {last}", record.line);
        last = record.line;
        if let Ok(text) = record.text {
            // A record is a JSON object of text cells.
            let value: serde_json::Value = serde_json::from_slice(&text).unwrap();
            assert!(value.as_object().unwrap().values().all(serde_json::Value::is_string));
        }
    }
});
