//! `entramap code42 preview` and `check --code42` over fixtures/code42: each `<case>.toml`
//! with a `<case>.expected.json` is a configuration whose outcome for the bundled users and
//! groups was worked out by hand from Code42's rules (docs/code42.md); each file in
//! `errors/` is a configuration refused with the line, column and message its first line
//! names.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

const NOW: &str = "2026-12-07T09:00:00Z";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/code42")
}

fn preview(config: &Path, users: &str) -> (u8, Vec<Value>, Value, String) {
    let users = fixtures().join(users);
    let groups = fixtures().join("groups.ndjson");
    let args = [
        "code42",
        "preview",
        "-m",
        "code42",
        users.to_str().unwrap(),
        "--groups",
        groups.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ];
    let (code, out, err) = common::run(&args, b"");
    let users = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The summary is the last JSON value on stderr, after any warnings.
    let start = err.find("\n{").map_or(0, |i| i + 1);
    let start = if err.starts_with('{') { 0 } else { start };
    let summary = serde_json::from_str(&err[start..]).unwrap_or_else(|e| panic!("{e}: {err}"));
    (code, users, summary, err)
}

#[test]
fn every_configuration_places_users_as_worked_out_by_hand() {
    let mut cases = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(case) = name.strip_suffix(".expected.json") else {
            continue;
        };
        cases += 1;
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let config = fixtures().join(format!("{case}.toml"));
        let (code, users, summary, err) = preview(&config, "users.ndjson");
        assert_eq!(code, 0, "{case}: {err}");
        // Every record yields a user or a group, none fails.
        assert_eq!(users.len(), 6, "{case}");
        for (user_name, keys) in expected["users"].as_object().unwrap() {
            let user = users
                .iter()
                .find(|u| u["userName"] == *user_name)
                .unwrap_or_else(|| panic!("{case}: no row for {user_name}"));
            for (key, value) in keys.as_object().unwrap() {
                assert_eq!(&user[key], value, "{case}: {user_name}: {key}: {user}");
            }
        }
        for (user_name, keys) in expected
            .get("absent")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let user = users.iter().find(|u| u["userName"] == *user_name).unwrap();
            for key in keys.as_array().unwrap() {
                assert!(user.get(key.as_str().unwrap()).is_none(), "{case}: {user}");
            }
        }
        for (key, value) in expected["summary"].as_object().unwrap() {
            assert_eq!(&summary[key], value, "{case}: summary {key}");
        }
        let codes: Vec<&str> = err
            .lines()
            .filter_map(|l| l.strip_prefix("warning[")?.split(']').next())
            .collect();
        let wanted: Vec<&str> = expected["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert_eq!(codes, wanted, "{case}: {err}");
    }
    assert!(cases >= 4, "{cases} cases");
}

#[test]
fn a_record_that_fails_is_an_error_record_and_the_counts_add_up() {
    let config = fixtures().join("attribute.toml");
    let (code, users, summary, err) = preview(&config, "users-broken.ndjson");
    assert_eq!(code, 1, "{err}");
    assert_eq!(users.len(), 2);
    assert!(err.contains("error: users line 2:"), "{err}");
    assert_eq!(summary["failed"], 1);
    assert_eq!(
        summary["records"], 7,
        "2 users, 4 groups, 1 failed: {summary}"
    );
    // Bo's line is 3: a failed record does not shift the others.
    assert_eq!(users[1]["line"], 3);
}

#[test]
fn configuration_errors_name_the_line_and_stop_before_any_record() {
    let mut cases = 0;
    for entry in std::fs::read_dir(fixtures().join("errors")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let wanted = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# error: "))
            .unwrap_or_else(|| panic!("{}: first line `# error: L:C: message`", path.display()));
        cases += 1;
        // A users file that does not exist: the configuration is refused before it is opened.
        let (code, _, err) = common::run(
            &[
                "code42",
                "preview",
                "-m",
                "code42",
                "no-such-users.ndjson",
                "--config",
                path.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(code, 2, "{}: {err}", path.display());
        let expected = format!("error: {}:{}", path.display(), wanted.trim_end());
        assert!(
            err.starts_with(&expected),
            "{}\nwanted {expected}\ngot {err}",
            path.display()
        );
        // check --code42 refuses it the same way.
        let (code, _, err) = common::run(
            &["check", "-m", "code42", "--code42", path.to_str().unwrap()],
            b"",
        );
        assert_eq!(code, 2);
        assert!(err.starts_with(&expected), "{err}");
    }
    assert!(cases >= 8);
}

#[test]
fn check_lints_a_configuration_against_the_mapping_set() {
    let users_only = fixtures().join("users-only.toml");
    let lints = fixtures().join("lints.toml");
    let (code, out, _) = common::run(
        &[
            "check",
            "-m",
            users_only.to_str().unwrap(),
            "--code42",
            lints.to_str().unwrap(),
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(code, 0, "warnings only: {out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, u64)> = report["code42"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["code"].as_str().unwrap().to_string(),
                l["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("code42-attribute-not-sent", 4),
        ("code42-no-groups", 7),
        ("code42-group-not-provisioned", 7),
        ("code42-unknown-role", 8),
    ];
    let expected: Vec<(String, u64)> = expected.iter().map(|(c, l)| (c.to_string(), *l)).collect();
    assert_eq!(found, expected);
    assert_eq!(report["warnings"], 4);
    let (code, out, _) = common::run(
        &[
            "check",
            "-m",
            users_only.to_str().unwrap(),
            "--code42",
            lints.to_str().unwrap(),
            "--deny-warnings",
        ],
        b"",
    );
    assert_eq!(code, 1);
    assert!(out.contains("did you mean `Agent User`?"), "{out}");
    // The same configuration against the code42 set, which sends groups: only the role.
    let (_, out, _) = common::run(
        &[
            "check",
            "-m",
            "code42",
            "--code42",
            lints.to_str().unwrap(),
            "--format",
            "json",
        ],
        b"",
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    let codes: Vec<&str> = report["code42"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["code42-attribute-not-sent", "code42-unknown-role"]);
}

#[test]
fn table_and_csv_show_the_same_users() {
    let config = fixtures().join("scim-groups.toml");
    let users = fixtures().join("users.ndjson");
    let groups = fixtures().join("groups.ndjson");
    for (format, header) in [("table", "LINE  USER"), ("csv", "line,file,userName")] {
        let (code, out, err) = common::run(
            &[
                "code42",
                "preview",
                "-m",
                "code42",
                users.to_str().unwrap(),
                "--groups",
                groups.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
                "--now",
                NOW,
                "--format",
                format,
            ],
            b"",
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.starts_with(header), "{out}");
        assert_eq!(out.lines().count(), 7, "a header and 6 users: {out}");
        assert!(out.contains("Exec"), "{out}");
        assert!(
            err.contains("in several mapped groups: ada@contoso.com"),
            "{err}"
        );
    }
}
