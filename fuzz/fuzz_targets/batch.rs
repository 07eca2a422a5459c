#![no_main]
//! Arbitrary bytes as `eval --batch` lines (Graph parseExpression request bodies): every line
//! gets a response, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = entramap::Options {
        run: entramap::options::RunOptions {
            now: Some("2021-01-01".into()),
            rng_seed: Some(1),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut batch = entramap::graph_api::Batch::new(&options);
    for (i, line) in data.split(|b| *b == b'\n').enumerate() {
        let response = batch.respond(line, i + 1);
        serde_json::to_string(&response).unwrap();
    }
});
