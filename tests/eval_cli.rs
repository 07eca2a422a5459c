//! `entramap eval`: single expressions, traces, Graph JSON, and `--batch` request files.

use std::io::Write as _;

mod common;
use common::run;

fn temp(name: &str, contents: &[u8]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("entramap-eval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(contents)
        .unwrap();
    path
}

const COUNTRY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/parse/ok/seed_code42_country_option1.expr"
);

#[test]
fn the_code42_country_expression_resolves_countries() {
    for (country, expected) in [
        ("Germany", "DE\n"),
        ("curaçao", "CW\n"),
        ("RÉUNION", "RE\n"),
        ("Atlantis", ""),
    ] {
        let input = format!("{{\"country\": \"{country}\"}}");
        let (code, out, err) = run(&["eval", "-f", COUNTRY, "--input", "-"], input.as_bytes());
        assert_eq!((code, out.as_str()), (0, expected), "{country}: {err}");
        // Null prints nothing on stdout and says so on stderr.
        assert_eq!(
            expected.is_empty(),
            err.contains("note: Null: the attribute would not flow")
        );
    }
    // No country: the Switch in IIF's false branch is Null too, so under iif_null=strict (every
    // argument evaluated) the whole IIF is Null; the guard only works under the lazy reading.
    let (_, out, err) = run(&["eval", "-f", COUNTRY, "--input", "-"], b"{}");
    assert_eq!(out, "");
    assert!(err.contains("note: Null"), "{err}");
    let (_, out, _) = run(
        &[
            "eval",
            "-f",
            COUNTRY,
            "--input",
            "-",
            "--option",
            "iif_null=lazy",
        ],
        b"{}",
    );
    assert_eq!(out, "\n");
}

#[test]
fn trace_shows_every_sub_expression_and_hides_redacted_values() {
    let (code, out, _) = run(
        &[
            "eval",
            "--trace",
            r#"Join(" ", Redact([password]), ToUpper([name]))"#,
            "--input",
            "-",
        ],
        br#"{"password": "hunter2", "name": "ada"}"#,
    );
    assert_eq!(code, 0);
    let expected = "Join(\" \", Redact([password]), ToUpper([name])) => [Redact]\n  \" \" => \" \"\n  Redact([password]) => [Redact]\n    [password] => [Redact]\n  ToUpper([name]) => \"ADA\"\n    [name] => \"ada\"\nhunter2 ADA\n";
    assert_eq!(out, expected);
}

#[test]
fn errors_point_into_the_expression() {
    let (code, _, err) = run(
        &["eval", "Mid([a], 0, 2)", "--input", "-"],
        br#"{"a": "xyz"}"#,
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("error[bad-argument]: Mid's start must be 1 or more, not 0"),
        "{err}"
    );
    assert!(err.contains("<expr>:1:10"), "{err}");
}

#[test]
fn clock_seed_and_taken_values_come_from_flags() {
    let (_, out, _) = run(&["eval", "Now()", "--now", "2021-07-02T15:33:38Z"], b"");
    assert_eq!(out, "7/2/2021 3:33:38 PM\n");
    let a = run(&["eval", "RandomString(12,2,2,2,2)", "--seed", "5"], b"").1;
    let b = run(&["eval", "RandomString(12,2,2,2,2)", "--seed", "5"], b"").1;
    assert_eq!(a, b);
    let (_, out, _) = run(
        &["eval", r#"SelectUniqueValue("a", "b")"#, "--taken", "a"],
        b"",
    );
    assert_eq!(out, "b\n");
}

#[test]
fn json_format_is_a_parse_expression_response() {
    let input = br#"{"properties": [{"key": "IsSoftDeleted", "value": "false"}]}"#;
    let (code, out, _) = run(
        &[
            "eval",
            "--format",
            "json",
            r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#,
            "-i",
            "-",
        ],
        input,
    );
    assert_eq!(code, 0);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["evaluationResult"], serde_json::json!(["True"]));
    assert_eq!(r["parsedExpression"]["parameters"][1]["key"], "switchValue");
    let (code, out, _) = run(&["eval", "--format", "json", "Mid([a], 1)"], b"");
    assert_eq!(code, 1);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["parsingSucceeded"], false);
    assert_eq!(r["error"]["code"], "arity");
    assert!(r["error"]["message"].as_str().unwrap().starts_with("1:1: "));
}

#[test]
fn batch_answers_every_line_in_order() {
    let mut requests = Vec::new();
    requests.extend_from_slice("\u{FEFF}".as_bytes());
    requests.extend_from_slice(br#"{"expression": "Replace([preferredLanguage], \"-\", , , \"_\", ,  )", "testInputObject": {"properties": [{"key": "preferredLanguage", "value": "EN-US"}]}}"#);
    requests.extend_from_slice(b"\r\n");
    requests.extend_from_slice(br#"{"expression": "DateDiff(\"d\", Now(), CDate([hire]))", "input": {"hire": "2012-03-16-07:00"}, "now": "2021-08-25T17:41:18Z"}"#);
    requests.extend_from_slice(b"\nnot json\n\n");
    requests.extend_from_slice(&[0xff, 0xfe, b'\n']);
    requests.extend_from_slice(br#"{"expression": "Coalese([a])"}"#);
    requests.push(b'\n');
    requests.extend_from_slice(
        br#"{"expression": "[proxyAddresses]", "input": {"proxyAddresses": ["a", "b"]}}"#,
    );
    requests.push(b'\n');
    requests.extend_from_slice(br#"{"expression": "[missing]"}"#);
    let path = temp("requests.jsonl", &requests);
    let (code, out, err) = run(&["eval", "--batch", path.to_str().unwrap()], b"");
    assert_eq!(code, 1, "some requests failed");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // A blank line separates documents; it is not a request.
    assert_eq!(lines.len(), 7, "one response per request: {out}");
    assert_eq!(lines[0]["evaluationResult"], serde_json::json!(["EN_US"]));
    assert_eq!(lines[1]["evaluationResult"], serde_json::json!(["-3449"]));
    assert_eq!(lines[2]["error"]["code"], "bad-request");
    assert!(
        lines[2]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 3: not JSON")
    );
    assert!(
        lines[3]["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 5: not UTF-8")
    );
    assert_eq!(lines[4]["error"]["code"], "unknown-function");
    assert_eq!(lines[5]["evaluationResult"], serde_json::json!(["a", "b"]));
    assert_eq!(lines[6]["evaluationResult"], serde_json::json!([]));
    assert_eq!(lines[6]["evaluationSucceeded"], true);
    assert!(
        err.contains("7 requests, 4 answered, 3 with errors"),
        "{err}"
    );
}

#[test]
fn compiled_expressions_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<entramap::Expression>();
}

#[test]
fn batch_requests_take_values_taken_and_options_and_refuse_unknown_fields() {
    let requests = br#"{"expression": "SelectUniqueValue(Join(\"@\", [a], \"x.com\"), Join(\"@\", [b], \"x.com\"))", "input": {"a": "ada", "b": "lovelace"}, "taken": ["ada@x.com"]}
{"expression": "IIF(IsPresent([a]), \"yes\", [missing])", "input": {"a": "1"}, "options": {"iif_null": "lazy"}}
{"expression": "IIF(IsPresent([a]), \"yes\", [missing])", "input": {"a": "1"}}
{"expression": "[a]", "inputs": {"a": "typo"}}
{"expression": "[a]", "options": {"no_such_option": 1}}
"#;
    let path = temp("batch-fields.jsonl", requests);
    let (code, out, _) = run(&["eval", "--batch", path.to_str().unwrap()], b"");
    assert_eq!(code, 1);
    let r: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        r[0]["evaluationResult"],
        serde_json::json!(["lovelace@x.com"])
    );
    assert_eq!(r[1]["evaluationResult"], serde_json::json!(["yes"]));
    assert_eq!(
        r[2]["evaluationResult"],
        serde_json::json!([]),
        "strict IIF: Null"
    );
    let message = |i: usize| r[i]["error"]["message"].as_str().unwrap().to_string();
    assert!(
        message(3).contains("unknown field `inputs`"),
        "{}",
        message(3)
    );
    assert!(
        message(4).contains("unknown option `no_such_option`"),
        "{}",
        message(4)
    );
}

#[test]
fn an_attribute_the_input_nearly_has_is_named() {
    let (code, out, err) = run(
        &["eval", "[jobTitel]", "--input", r#"{"jobTitle":"CISO"}"#],
        b"",
    );
    assert_eq!(code, 0);
    assert!(out.is_empty() && err.contains("note: Null"), "{out}");
    assert!(
        err.contains("the input has no [jobTitel] (did you mean [jobTitle]?)"),
        "{err}"
    );
}

/// A page or an array of users names how many records it holds (it printed Null), and
/// `--index N` picks one.
#[test]
fn an_input_with_several_records_asks_which_one() {
    let page = r#"{"@odata.context":"x","value":[{"givenName":"Ada"},{"givenName":"Grace"}]}"#;
    let (code, out, err) = run(&["eval", "[givenName]", "--input", page], b"");
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("holds 2 records (a page): pick one with --index N (1 to 2)"),
        "{err}"
    );
    let (code, out, _) = run(
        &["eval", "[givenName]", "--input", page, "--index", "2"],
        b"",
    );
    assert_eq!((code, out.as_str()), (0, "Grace\n"));
    let (code, _, err) = run(
        &[
            "eval",
            "[givenName]",
            "--input",
            "[{\"givenName\":\"Ada\"}]",
            "--index",
            "3",
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("--index 3 is out of range (1 to 1)"), "{err}");
    let (code, out, _) = run(
        &[
            "eval",
            "[givenName]",
            "--input",
            "[{\"givenName\":\"Ada\"}]",
        ],
        b"",
    );
    assert_eq!((code, out.as_str()), (0, "Ada\n"));
}
