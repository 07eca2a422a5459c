//! Hostile sizes: deep nesting and long text are rejected with a clear error, never a crash.

use entramap::{Options, analyze};

#[test]
fn hundred_thousand_nested_calls_are_rejected_not_overflowing() {
    let depth = 100_000;
    let text = format!("{}[a]{}", "Not(".repeat(depth), ")".repeat(depth));
    let options = Options {
        limits: entramap::options::Limits {
            max_expression_length: usize::MAX,
            ..Default::default()
        },
        ..Default::default()
    };
    let analysis = analyze(&text, &options);
    assert_eq!(analysis.diagnostics.len(), 1);
    assert_eq!(analysis.diagnostics[0].code, "too-deep");
    // The error points at the first parenthesis past the limit.
    assert_eq!(analysis.diagnostics[0].span.start as usize, 4 * 101 - 1);
}

#[test]
fn deep_attribute_brackets_are_rejected() {
    let depth = 100_000;
    let text = format!("[{}x{}]", "[".repeat(depth), "]".repeat(depth));
    let options = Options {
        limits: entramap::options::Limits {
            max_expression_length: usize::MAX,
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(analyze(&text, &options).diagnostics[0].code, "too-deep");
}

#[test]
fn nesting_up_to_the_limit_parses() {
    let options = Options::default();
    let depth = options.limits.max_nesting_depth;
    let text = format!("{}[a]{}", "Not(".repeat(depth), ")".repeat(depth));
    assert!(!analyze(&text, &options).has_errors());
}

#[test]
fn length_limit_counts_characters() {
    let options = Options::default();
    // 10,000 characters of multi-byte text inside a string: allowed.
    let inner = "é".repeat(10_000 - 2);
    assert!(!analyze(&format!("\"{inner}\""), &options).has_errors());
    let inner = "é".repeat(10_000 - 1);
    let analysis = analyze(&format!("\"{inner}\""), &options);
    assert_eq!(analysis.diagnostics[0].code, "too-long");
}

#[test]
fn many_arguments_parse() {
    let args: Vec<String> = (0..2_000).map(|i| format!("\"k{i}\", \"v{i}\"")).collect();
    let text = format!("Switch([x], , {})", args.join(", "));
    let options = Options {
        limits: entramap::options::Limits {
            max_expression_length: usize::MAX,
            ..Default::default()
        },
        ..Default::default()
    };
    assert!(!analyze(&text, &options).has_errors());
}

/// A regular expression whose every attempt may rescan the text is charged for it before it
/// runs: `(?=(a|aa)+b)x` over 120,000 characters (40 s of backtracking, quadratic) is the
/// `step-budget` error at once, and a linear pattern over the same text runs.
#[test]
fn a_quadratic_regex_is_refused_by_the_step_budget() {
    let env = entramap::Environment::new();
    let user = serde_json::json!({ "s": "a".repeat(120_000) });
    let mut eval = env.eval_env().unwrap();
    let quadratic = env
        .compile(r#"Replace([s], , "(?=(a|aa)+b)x", , "y", , )"#)
        .unwrap();
    let error = quadratic.eval_json(&user, &mut eval).unwrap_err();
    assert_eq!(error.code, "step-budget", "{error}");
    assert!(
        error.message.contains("max_eval_steps (50000000)"),
        "{error}"
    );
    let linear = env.compile(r#"Replace([s], , "a+", , "y", , )"#).unwrap();
    assert_eq!(linear.eval_json(&user, &mut eval).unwrap().to_string(), "y");
    // A bounded look-behind scans a character or two per position: allowed.
    let bounded = env
        .compile(r#"Replace([s], , "(?<=a)a", , "b", , )"#)
        .unwrap();
    assert!(bounded.eval_json(&user, &mut eval).is_ok());
}

/// Every call is a step: a budget of 3 refuses the fourth call, whatever the input.
#[test]
fn every_call_counts_against_the_budget() {
    let options = Options::default()
        .with_settings(["max_eval_steps=3"])
        .unwrap();
    let env = entramap::Environment::with_options(options);
    let mut eval = env.eval_env().unwrap();
    let user = serde_json::json!({ "s": "abc" });
    let three = env.compile("Left(ToUpper(ToLower([s])), 2)").unwrap();
    assert_eq!(three.eval_json(&user, &mut eval).unwrap().to_string(), "AB");
    let four = env
        .compile("Left(ToUpper(ToLower(ToUpper([s]))), 2)")
        .unwrap();
    assert_eq!(
        four.eval_json(&user, &mut eval).unwrap_err().code,
        "step-budget"
    );
}

/// The budget is counted, never timed: in `map`, the same records pass or fail at 1, 2 and 8
/// threads.
#[test]
fn the_budget_gives_the_same_answer_at_every_thread_count() {
    let dir = std::env::temp_dir().join(format!("entramap-budget-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let users: String = (0..40)
        .map(|n| {
            let description = if n % 3 == 0 { "a".repeat(20_000) } else { "ab".to_string() };
            format!(
                "{{\"objectId\":\"{n}\",\"userPrincipalName\":\"u{n}@contoso.com\",\"description\":\"{description}\"}}\n"
            )
        })
        .collect();
    let file = dir.join("users.ndjson");
    std::fs::write(&file, users).unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2", "8"] {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = entramap::cli::run(
            [
                "entramap",
                "map",
                "-m",
                "fixtures/limits/quadratic-regex.toml",
                file.to_str().unwrap(),
                "--threads",
                threads,
            ],
            &mut std::io::empty(),
            &mut out,
            &mut err,
        );
        let err = String::from_utf8(err).unwrap();
        assert_eq!(code, 1, "{err}");
        assert_eq!(err.matches("step-budget").count(), 14, "{err}");
        let err: Vec<String> = err
            .lines()
            .filter(|l| !l.contains("records/s"))
            .map(str::to_string)
            .collect();
        outputs.push((out, err));
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
    std::fs::remove_dir_all(&dir).unwrap();
}
