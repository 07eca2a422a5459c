#![no_main]
//! Arbitrary NDJSON users through the code42 mapping: every line ends as an outcome or an
//! error record, and the counts add up.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = entramap::Options { run: entramap::options::RunOptions { now: Some("2021-01-01".into()), rng_seed: Some(1), ..Default::default() }, ..Default::default() };
    let set = entramap::mapping::load("code42", &options).unwrap().set;
    let engine = entramap::provision::Engine::new(&set, &options).unwrap();
    let mut state = entramap::provision::RunState::new(Default::default());
    let mut out = Vec::new();
    let mut failed = 0;
    let mut on_error = |_: &entramap::provision::RecordError| failed += 1;
    let mut on_warning = |_: &str, _: usize, _: &str| {};
    let mut on_progress = |_| {};
    let mut sinks = entramap::provision::run::Sinks {
        requests: &mut out,
        on_error: &mut on_error,
        on_warning: &mut on_warning,
        on_progress: &mut on_progress,
        pool: None,
    };
    let mut input = data;
    let summary = entramap::provision::run::run(&engine, Some(&mut input), None, &mut state, &mut sinks).unwrap();
    let lines = data.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count();
    let array = data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    if !array {
        assert_eq!(summary.total(), lines);
    }
});
