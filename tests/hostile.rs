//! Hostile input files for `map` and `eval --batch`: every bad record becomes an error record
//! naming its line, the good records around it still produce output, and the counts add up.

mod common;
use common::run;

fn temp(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("entramap-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_string()
}

/// Lines of a hostile users file; `None` marks the 10 MB line.
fn hostile_users() -> Vec<u8> {
    let mut f: Vec<u8> = Vec::new();
    f.extend_from_slice("\u{FEFF}".as_bytes());
    f.extend_from_slice(
        br#"{"objectId": "u1", "userPrincipalName": "good1@x", "IsSoftDeleted": "false"}"#,
    ); // 1
    f.extend_from_slice(b"\r\n");
    f.extend_from_slice(&[b'{', 0xff, 0xfe, b'}', b'\n']); // 2 invalid UTF-8
    f.extend_from_slice(b"{\"objectId\": \"u3\", \"userPrincipalName\": \"a@\n"); // 3 truncated
    f.extend_from_slice(b"42\n"); // 4 not an object
    f.extend_from_slice(br#"{"objectId": 5, "userPrincipalName": 12345}"#); // 5 numbers where text is expected
    f.push(b'\n');
    f.extend_from_slice(
        br#"{"objectId": "u6", "userPrincipalName": "c@x", "manager": {"nested": {"deep": 1}}}"#,
    ); // 6 object, not a reference
    f.push(b'\n');
    f.extend_from_slice(
        br#"{"objectId": "u7", "userPrincipalName": "d@x", "userPrincipalName": "e@x"}"#,
    ); // 7 duplicate key
    f.push(b'\n');
    f.extend_from_slice(b"{\"objectId\": \"u8\", \"jobTitle\": \""); // 8: a 10 MB line
    f.extend(std::iter::repeat_n(b'x', 10 << 20));
    f.extend_from_slice(b"\"}\n");
    f.extend_from_slice(b"\n   \n"); // 9, 10 blank: skipped, not records
    f.extend_from_slice(br#"{"objectId": "u11", "userPrincipalName": "good2@x", "manager": "u1"}"#); // 11
    f.extend_from_slice(b"\r\n");
    f.extend_from_slice(br#"[{"objectId": "u12"}]"#); // 12 an array line
    f
}

#[test]
fn map_survives_hostile_users() {
    let users = temp("users.ndjson", &hostile_users());
    let errors = temp("errors.ndjson", b"");
    let (code, out, err) = run(
        &[
            "map",
            "--mapping",
            "code42",
            &users,
            "--errors",
            &errors,
            "-q",
        ],
        b"",
    );
    assert_eq!(code, 1, "{err}");
    // Good records around the bad ones still produce requests.
    for upn in ["good1@x", "12345", "good2@x"] {
        assert!(
            out.contains(&format!("\"userName\":\"{upn}\"")),
            "{upn}: {out}"
        );
    }
    // The manager of line 11 is the user created from line 1.
    assert!(out.contains(r#""value":"user-0001""#), "{out}");
    assert!(
        err.contains(
            "10 records: 3 created, 0 updated, 0 disabled, 0 deleted, 0 skipped, 7 failed"
        ),
        "{err}"
    );
    let reported: Vec<(u64, String)> = std::fs::read_to_string(&errors)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["line"].as_u64().unwrap(),
                v["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let lines: Vec<u64> = reported.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 3, 4, 6, 7, 8, 12]);
    let reason = |line: u64| reported.iter().find(|(l, _)| *l == line).unwrap().1.clone();
    assert!(reason(2).contains("not UTF-8"));
    assert!(reason(3).contains("not JSON"));
    assert!(reason(4).contains("expected a JSON object, found a number"));
    assert!(reason(6).contains("only references"));
    assert!(reason(7).contains("appears twice"));
    assert!(reason(8).contains("bytes long; the limit is"));
    assert!(reason(12).contains("found an array"));
}

#[test]
fn map_accepts_empty_files_and_array_files() {
    let empty = temp("empty.ndjson", b"");
    let (code, out, err) = run(&["map", "--mapping", "code42", &empty], b"");
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("0 records"), "{err}");
    let array = temp(
        "users.json",
        br#"[{"objectId": "a", "userPrincipalName": "a@x"}, 7, {"objectId": "b"}]"#,
    );
    let (code, _, err) = run(&["map", "--mapping", "code42", &array, "-q"], b"");
    assert_eq!(code, 1);
    assert!(
        err.contains("3 records: 1 created, 0 updated, 0 disabled, 0 deleted, 0 skipped, 2 failed"),
        "{err}"
    );
    let truncated = temp(
        "truncated.json",
        br#"[{"objectId": "a", "userPrincipalName": "a@x"}, {"objectId""#,
    );
    let (code, _, err) = run(&["map", "--mapping", "code42", &truncated, "-q"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("1 failed"), "{err}");
}

#[test]
fn multi_valued_attributes_are_bounded() {
    let values: Vec<String> = (0..10_001).map(|i| format!("\"v{i}\"")).collect();
    let user = format!(
        "{{\"objectId\": \"a\", \"userPrincipalName\": \"a@x\", \"proxyAddresses\": [{}]}}",
        values.join(",")
    );
    let (code, _, err) = run(
        &["map", "--mapping", "scim-default", "-", "-q"],
        user.as_bytes(),
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("has 10001 values; the limit is 10000"),
        "{err}"
    );
}

#[test]
fn batch_answers_every_hostile_line() {
    let mut f = Vec::new();
    f.extend_from_slice(
        br#"{"expression": "Not([IsSoftDeleted])", "input": {"IsSoftDeleted": "true"}}"#,
    );
    f.extend_from_slice(b"\r\n");
    f.extend_from_slice(&[0xc3, 0x28, b'\n']); // invalid UTF-8
    f.extend_from_slice(b"{\"expression\": \"Mid(\n"); // truncated
    f.extend_from_slice(b"[]\n"); // not an object
    f.extend_from_slice(br#"{"expression": 42}"#); // wrong type
    f.push(b'\n');
    f.extend_from_slice(br#"{"expression": "[a]", "expression": "[b]"}"#); // duplicate key
    f.push(b'\n');
    f.extend_from_slice(b"{\"expression\": \""); // 10 MB line
    f.extend(std::iter::repeat_n(b'y', 10 << 20));
    f.extend_from_slice(b"\"}\n");
    f.extend_from_slice(b"\n"); // a blank line separates requests; it is not one
    f.extend_from_slice(br#"{"expression": "Join(\" \", [a], [b])", "input": {"a": "x", "b": 5}}"#);
    let path = temp("batch.jsonl", &f);
    let (code, out, err) = run(&["eval", "--batch", &path], b"");
    assert_eq!(code, 1, "some requests failed");
    let responses: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(responses.len(), 8, "one response per request");
    assert_eq!(
        responses[0]["evaluationResult"],
        serde_json::json!(["False"])
    );
    for (i, needle) in [
        (1, "line 2: not UTF-8"),
        (2, "line 3: not JSON"),
        (4, "line 5: the request has no \"expression\""),
        (5, "line 6: key `expression` appears twice"),
        (6, "line 7: the record is"),
    ] {
        let message = responses[i]["error"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.starts_with(needle), "{i}: {message}");
    }
    assert_eq!(responses[7]["evaluationResult"], serde_json::json!(["x 5"]));
    assert!(
        err.contains("8 requests, 2 answered, 6 with errors"),
        "{err}"
    );
}

#[test]
fn expression_limits_have_clear_errors() {
    let args: Vec<String> = (0..5_001).map(|i| format!("\"{i}\"")).collect();
    let text = format!("Coalesce({})", args.join(","));
    let (code, out, _) = run(
        &["check", "--option", "max_expression_length=1000000", "-"],
        text.as_bytes(),
    );
    assert_eq!(code, 1);
    assert!(out.contains("error[too-many-arguments]"), "{out}");
    let (code, _, err) = run(
        &[
            "eval",
            r#"Replace([x], , "^(a+)+\\1$", , "", , )"#,
            "--input",
            "-",
            "--option",
            "regex_backtrack_limit=10000",
        ],
        format!("{{\"x\": \"{}b\"}}", "a".repeat(40)).as_bytes(),
    );
    assert_eq!(code, 1);
    assert!(err.contains("regex-limit"), "{err}");
    let (code, _, err) = run(
        &[
            "eval",
            r#"Replace([x], , "(a{1000}){1000}", , "", , )"#,
            "--input",
            "-",
        ],
        br#"{"x": "a"}"#,
    );
    assert_eq!(code, 1);
    assert!(err.contains("bad-regex"), "{err}");
    let (code, _, err) = run(
        &[
            "eval",
            r#"Join("", [x], [x], [x], [x])"#,
            "--input",
            "-",
            "--option",
            "max_string_length=10",
        ],
        br#"{"x": "abc"}"#,
    );
    assert_eq!(code, 1);
    assert!(err.contains("too-large"), "{err}");
    let (code, _, err) = run(&["eval", "RandomString(257,0,0,0,0)"], b"");
    assert_eq!(code, 1);
    assert!(err.contains("at most 256"), "{err}");
}

#[test]
fn fuzzer_findings_stay_fixed() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fuzz");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "ndjson") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let lines = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
            .count();
        let (code, _, err) = run(
            &["map", "--mapping", "code42", path.to_str().unwrap(), "-q"],
            b"",
        );
        assert!(code <= 1, "{}: {err}", path.display());
        assert!(
            err.contains(&format!("{lines} records:")),
            "{}: {err}",
            path.display()
        );
    }
}
