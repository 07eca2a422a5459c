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

/// `code42 preview` over fixture files (a mapping that ends in `.toml` is a fixture too).
fn run_preview(
    mapping: &str,
    users: &str,
    groups: &str,
    config: &str,
    format: &str,
) -> (u8, String, String) {
    let path = |name: &str| fixtures().join(name).to_str().unwrap().to_string();
    let mapping = if mapping.ends_with(".toml") {
        path(mapping)
    } else {
        mapping.to_string()
    };
    let (users, groups, config) = (path(users), path(groups), path(config));
    let args = [
        "code42", "preview", "-m", &mapping, &users, "--groups", &groups, "--config", &config,
        "--now", NOW, "--format", format,
    ];
    common::run(&args, b"")
}

/// With `--format json`: the users (a JSON object a line) and stderr's one JSON object (the
/// summary, the lints, the errors).
fn preview(
    mapping: &str,
    users: &str,
    groups: &str,
    config: &str,
) -> (u8, Vec<Value>, Value, String) {
    let (code, out, err) = run_preview(mapping, users, groups, config, "json");
    let users = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = serde_json::from_str(&err).unwrap_or_else(|e| panic!("{e}: {err}"));
    (code, users, summary, err)
}

/// `check -m SET --code42 FILE --format json` over fixtures: the exit code, each lint's code and
/// line, and the report.
fn check_lints(set: &str, config: &str) -> (u8, Vec<(String, u64)>, Value) {
    let path = |name: &str| fixtures().join(name).to_str().unwrap().to_string();
    let set = if set.ends_with(".toml") {
        path(set)
    } else {
        set.to_string()
    };
    let config = path(config);
    let args = ["check", "-m", &set, "--code42", &config, "--format", "json"];
    let (code, out, _) = common::run(&args, b"");
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let lints = report["code42"]
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
    (code, lints, report)
}

fn lints(expected: &[(&str, u64)]) -> Vec<(String, u64)> {
    expected.iter().map(|(c, l)| (c.to_string(), *l)).collect()
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
        let config = format!("{case}.toml");
        let (code, users, summary, err) =
            preview("code42", "users.ndjson", "groups.ndjson", &config);
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
        let codes: Vec<&str> = summary["lints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["code"].as_str().unwrap())
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
    let (code, users, summary, err) = preview(
        "code42",
        "users-broken.ndjson",
        "groups.ndjson",
        "attribute.toml",
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(users.len(), 2);
    assert_eq!(summary["errors"][0]["line"], 2, "{err}");
    assert_eq!(summary["errors"][0]["code"], "unreadable-record", "{err}");
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
    let (code, found, report) = check_lints("users-only.toml", "lints.toml");
    assert_eq!(code, 0, "warnings only: {report}");
    let expected = [
        ("code42-attribute-not-sent", 4),
        ("code42-no-groups", 7),
        ("code42-group-not-provisioned", 7),
        ("code42-unknown-role", 8),
    ];
    assert_eq!(found, lints(&expected));
    assert_eq!(report["warnings"], 4);
    let users_only = fixtures().join("users-only.toml");
    let lints_file = fixtures().join("lints.toml");
    let (code, out, _) = common::run(
        &[
            "check",
            "-m",
            users_only.to_str().unwrap(),
            "--code42",
            lints_file.to_str().unwrap(),
            "--deny-warnings",
        ],
        b"",
    );
    assert_eq!(code, 1);
    assert!(out.contains("did you mean `Agent User`?"), "{out}");
    // The same configuration against the code42 set, which sends groups: only the attribute
    // (it never sends the division) and the role.
    let (_, found, _) = check_lints("code42", "lints.toml");
    assert_eq!(
        found,
        lints(&[("code42-attribute-not-sent", 4), ("code42-unknown-role", 8)])
    );
}

#[test]
fn table_and_csv_show_the_same_users() {
    for (format, header) in [("table", "LINE  USER"), ("csv", "line,file,userName")] {
        let (code, out, err) = run_preview(
            "code42",
            "users.ndjson",
            "groups.ndjson",
            "scim-groups.toml",
            format,
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

#[test]
fn a_group_entra_matches_to_one_created_earlier_adds_its_members_to_it() {
    // Two Entra groups named Engineering: Entra matches the second to the first by display
    // name, so Code42 has one Engineering with both members.
    let (code, users, summary, _) = preview(
        "code42",
        "users.ndjson",
        "groups-same-name.ndjson",
        "scim-groups.toml",
    );
    assert_eq!(code, 0);
    for user in &users[..2] {
        assert_eq!(user["groups"], serde_json::json!(["Engineering"]), "{user}");
        assert_eq!(user["organization"], "Staff", "{user}");
    }
    assert_eq!(summary["groups"], 2);
}

#[test]
fn c42_org_name_is_followed_when_the_set_sends_it_and_the_lint_says_so() {
    let (_, users, summary, _) = preview(
        "c42-org-name-set.toml",
        "users.ndjson",
        "groups.ndjson",
        "c42-org-name.toml",
    );
    assert_eq!(users[0]["organization"], "Engineering");
    assert_eq!(users[0]["organizationWhy"], "c42OrgName = \"Engineering\"");
    assert_eq!(
        users[2]["organization"], "Unassigned",
        "Cy's department is empty"
    );
    let lint = summary["lints"][0]["message"].as_str().unwrap();
    assert!(
        lint.contains("this set sends a c42OrgName attribute"),
        "{lint}"
    );
    assert_eq!(
        summary["organizationsCreatedIfMissing"],
        serde_json::json!(["Engineering", "Legal", "Sales"])
    );
}

#[test]
fn groups_cannot_come_from_standard_input() {
    let users = fixtures().join("users.ndjson");
    let config = fixtures().join("scim-groups.toml");
    let (code, _, err) = common::run(
        &[
            "code42",
            "preview",
            "-m",
            "code42",
            users.to_str().unwrap(),
            "--groups",
            "-",
            "--config",
            config.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("--groups cannot be standard input"), "{err}");
}

#[test]
fn a_group_scoping_filter_on_the_name_is_checked_before_any_data() {
    // scoped-groups.toml provisions only the groups named Engineering or Sales.
    let (code, found, report) = check_lints("scoped-groups.toml", "scim-groups.toml");
    assert_eq!(code, 0, "{report}");
    let expected = [
        ("code42-group-not-provisioned", 10), // Executives, its organization mapping
        ("code42-group-not-provisioned", 18), // Finance
        ("code42-group-not-provisioned", 26), // Executives, its role mapping
        ("code42-unknown-role", 27),
    ];
    assert_eq!(found, lints(&expected));
    // With data: Ada is no longer in Executives, so Engineering places her.
    let (_, users, summary, _) = preview(
        "scoped-groups.toml",
        "users.ndjson",
        "groups.ndjson",
        "scim-groups.toml",
    );
    assert_eq!(users[0]["organization"], "Staff");
    assert_eq!(
        summary["groupsNotProvisioned"],
        serde_json::json!(["Executives", "Finance"])
    );
}
