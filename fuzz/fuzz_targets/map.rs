#![no_main]
//! Arbitrary NDJSON users through the code42 mapping: every line ends as an outcome or an
//! error record, and the counts add up.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Lines as the reader sees them: after the decoding layer (a byte order mark is not a line,
    // UTF-16 is transcoded).
    let mut text = Vec::new();
    let decoded = entramap::source::decode::reader(Box::new(std::io::Cursor::new(data.to_vec())))
        .and_then(|mut r| std::io::Read::read_to_end(&mut r, &mut text));
    if decoded.is_err() {
        return;
    }
    let lines = text.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count();
    let options = entramap::Options { run: entramap::options::RunOptions { now: Some("2021-01-01".into()), rng_seed: Some(1), ..Default::default() }, ..Default::default() };
    let set = entramap::mapping::load("code42", &options).unwrap().set;
    let engine = entramap::provision::Engine::new(&set, &options).unwrap();
    let mut state = entramap::provision::RunState::new(Default::default());
    let mut out = Vec::new();
    let mut on_error = |_: &entramap::provision::RecordError| {};
    let mut on_warning = |_: &entramap::provision::run::At<'_>, _: &entramap::Diagnostic| {};
    let mut on_applied = |_: &entramap::provision::run::At<'_>, _: &entramap::provision::Applied| {};
    let mut on_progress = |_| {};
    let mut sinks = entramap::provision::run::Sinks {
        requests: &mut out,
        on_error: &mut on_error,
        on_warning: &mut on_warning,
        on_applied: &mut on_applied,
        on_progress: &mut on_progress,
        pool: None,
    };
    let reader = Box::new(std::io::Cursor::new(data.to_vec()));
    let Ok(records) = entramap::source::input::records(reader, entramap::source::input::InputFormat::Ndjson, 1 << 20) else {
        return;
    };
    let users = vec![entramap::provision::run::Input::new(records)];
    let summary = entramap::provision::run::run(&engine, users, Vec::new(), &mut state, &mut sinks).unwrap();
    assert_eq!(summary.total(), lines);
});
