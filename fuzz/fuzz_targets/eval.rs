#![no_main]
//! An arbitrary expression (first line) against an arbitrary JSON user (the rest): compiling
//! and evaluating never panic or hang.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (expression, user) = text.split_once('\n').unwrap_or((text, "{}"));
    let options = entramap::Options { run: entramap::options::RunOptions { now: Some("2021-08-25T17:41:18Z".into()), rng_seed: Some(1), ..Default::default() }, limits: entramap::options::Limits { regex_backtrack_limit: 10_000, max_string_length: 1 << 16, ..Default::default() }, ..Default::default() };
    let Ok(expr) = entramap::Expression::compile(expression, &options) else { return };
    let user: serde_json::Value = serde_json::from_str(user).unwrap_or(serde_json::json!({}));
    let mut env = entramap::eval::Env::new(&options).unwrap().with_trace();
    if let Ok(value) = expr.eval_json(&user, &mut env) {
        let _ = value.to_string();
    }
});
