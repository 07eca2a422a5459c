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
