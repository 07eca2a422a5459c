#![no_main]
//! Arbitrary bytes through the JSON reader (arrays, Graph pages, SCIM ListResponse, documents
//! one after another) and `--current`'s object reader: no panic; records in line order.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let open = || {
        entramap::source::input::records(
            Box::new(std::io::Cursor::new(data.to_vec())),
            entramap::source::input::InputFormat::Json,
            512,
        )
    };
    let Ok(records) = open() else { return };
    let mut last = 0;
    for record in records {
        let Ok(record) = record else { return };
        assert!(record.line >= last, "line {} after {last}", record.line);
        last = record.line;
    }
    // `--current` reads every record as an object, or stops at the first that is not one.
    if let Ok(records) = open() {
        let _ = entramap::source::input::objects(records);
    }
});
