//! `entramap test`: the project's own test files pass, and a failing case is reported as a
//! diff, a closing count, exit 1, JUnit XML that parses, and GitHub annotations.

mod common;

use common::run;

#[test]
fn the_bundled_test_files_pass() {
    let (code, out, err) = run(&["test", "fixtures/tests/"], b"");
    assert_eq!(code, 0, "{out}{err}");
    let last = out.lines().last().unwrap();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 10 && last.ends_with(", 0 failed"), "{last}");
}

/// A directory holding one test file with `text`, unique to the calling test.
/// `entramap test` over a directory holding `text` as its one test file: (exit code, stdout,
/// stderr).
fn run_test_file(name: &str, text: &str) -> (u8, String, String) {
    let dir = test_dir(name, text);
    run(&["test", dir.to_str().unwrap()], b"")
}

fn test_dir(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("entramap-suite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("nested/mine.test.toml"), text).unwrap();
    dir
}

const FAILING: &str = r#"# one case passes, one fails
[[case]]
name = "germany"
expression = 'Switch([c], , "Germany", "DE")'
input = { c = "Germany" }
expect = "DE"

[[case]]
name = "france & co <wrong>"
expression = 'Switch([c], , "Germany", "DE", "France", "FR")'
input = { c = "France" }
expect = "DE"
"#;

#[test]
fn a_failing_case_shows_a_diff_the_count_and_exits_1() {
    let dir = test_dir("text", FAILING);
    let (code, out, _) = run(&["test", dir.to_str().unwrap()], b"");
    assert_eq!(code, 1, "{out}");
    let file = dir.join("nested/mine.test.toml");
    assert!(
        out.contains(&format!("FAIL france & co <wrong> ({}:8)", file.display())),
        "{out}"
    );
    assert!(out.contains("  -\"DE\"\n  +\"FR\"\n"), "{out}");
    assert_eq!(out.lines().last(), Some("1 passed, 1 failed"));
}

#[test]
fn junit_github_and_json_reports() {
    let dir = test_dir("formats", FAILING);
    let path = dir.to_str().unwrap();

    let (code, xml, _) = run(&["test", path, "--format", "junit"], b"");
    assert_eq!(code, 1);
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("2"));
    assert_eq!(root.attribute("failures"), Some("1"));
    let cases: Vec<_> = root
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    let failed = cases
        .iter()
        .find(|c| c.attribute("name") == Some("france & co <wrong>"))
        .unwrap();
    assert_eq!(failed.attribute("line"), Some("8"));
    let failure = failed
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure.text().unwrap().contains("+\"FR\""));

    let (code, annotations, _) = run(&["test", path, "--format", "github"], b"");
    assert_eq!(code, 1);
    let first = annotations.lines().next().unwrap();
    assert!(
        first.starts_with("::error file=") && first.contains(",line=8,title=france & co <wrong>::"),
        "{first}"
    );
    assert!(
        first.contains("%0A"),
        "the diff's newlines are escaped: {first}"
    );
    assert_eq!(annotations.lines().last(), Some("1 passed, 1 failed"));

    let (code, lines, _) = run(&["test", path, "--format", "json"], b"");
    assert_eq!(code, 1);
    let statuses: Vec<String> = lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["status"].to_string())
        .collect();
    assert_eq!(statuses, ["\"passed\"", "\"failed\""]);
}

#[test]
fn snapshots_are_written_by_update_and_compared_after() {
    let text = r#"mapping = "code42"
[[case]]
name = "Requests for Alice"
user = { objectId = "1", userPrincipalName = "alice@contoso.com", givenName = "Alice", accountEnabled = true }
snapshot = true
"#;
    let dir = test_dir("snapshot", text);
    let path = dir.to_str().unwrap();
    let (code, out, _) = run(&["test", path], b"");
    assert_eq!(code, 1, "no snapshot yet: {out}");
    assert!(out.contains("entramap test --update"), "{out}");

    let (code, out, _) = run(&["test", path, "--update"], b"");
    assert_eq!(code, 0, "{out}");
    let snapshot = dir.join("nested/mine.snapshots/requests-for-alice.json");
    let written = std::fs::read_to_string(&snapshot).unwrap();
    assert!(written.contains("\"method\": \"POST\""), "{written}");

    let (code, _, _) = run(&["test", path], b"");
    assert_eq!(code, 0);

    // The target changes: the case fails with the changed line.
    std::fs::write(&snapshot, written.replace("Alice", "Alicia")).unwrap();
    let (code, out, _) = run(&["test", path], b"");
    assert_eq!(code, 1);
    let changed: Vec<String> = out
        .lines()
        .filter(|l| l.starts_with("  -") || l.starts_with("  +"))
        .filter(|l| !l.starts_with("  ---") && !l.starts_with("  +++"))
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        changed,
        ["- \"givenName\": \"Alicia\"", "+ \"givenName\": \"Alice\""],
        "{out}"
    );
}

#[test]
fn attribute_cases_name_unknown_targets_and_broken_files_exit_2() {
    let text = r#"mapping = "code42"
[[case]]
name = "typo"
user = { objectId = "1", userPrincipalName = "a@contoso.com" }
expect_attributes = { userNmae = "a@contoso.com" }
"#;
    let (code, out, _) = run_test_file("attrs", text);
    assert_eq!(code, 1);
    assert!(out.contains("did you mean `userName`?"), "{out}");

    let text = r#"mapping = "code42"
[[case]]
name = "booleans are text"
user = { objectId = "1", userPrincipalName = "a@contoso.com" }
expect_attributes = { active = true }
"#;
    let (code, out, _) = run_test_file("bool", text);
    assert_eq!(code, 1);
    assert!(
        out.contains(r#"write `active`'s expected value as text ("True")"#),
        "{out}"
    );

    let (code, _, err) = run_test_file("broken", "[[case]]\nname = \"x\"\nexpresion = \"1\"\n");
    assert_eq!(code, 2);
    assert!(
        err.contains("mine.test.toml") && err.contains("expresion"),
        "{err}"
    );
}

#[test]
fn two_cases_never_share_a_snapshot_file() {
    let text = r#"mapping = "code42"
[[case]]
name = "Bob's requests"
user = { objectId = "1", userPrincipalName = "bob@contoso.com" }
snapshot = true

[[case]]
name = "bob s requests"
user = { objectId = "2", userPrincipalName = "bob2@contoso.com" }
snapshot = true
"#;
    let dir = test_dir("collide", text);
    let (code, out, _) = run(&["test", dir.to_str().unwrap(), "--update"], b"");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("is also case \"Bob's requests\"'s; rename one of them"),
        "{out}"
    );
}
