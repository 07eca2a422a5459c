//! Scoping filters as Entra documents them: every clause vector, the configuration errors
//! refused at load, multi-group filters through `entramap scope`, and what a filter does in a
//! provisioning run. Fixtures in `fixtures/scope/`.

mod common;

use common::run;
use entramap::mapping::{AttributeMapping, MappingSet, ObjectMapping, ScopeClause, ScopeGroup};
use entramap::provision::{Engine, Verdict};
use entramap::{Options, ResourceKind};
use serde_json::Value as Json;

fn set(groups: Vec<ScopeGroup>) -> MappingSet {
    let user_name = AttributeMapping {
        target: "userName".into(),
        source: Some("userPrincipalName".into()),
        expression: None,
        constant: None,
        default: None,
        matching: 1,
        apply: Default::default(),
        flow: Default::default(),
        target_type: Default::default(),
        multivalued: false,
        case_exact: false,
    };
    MappingSet {
        name: "scope".into(),
        description: String::new(),
        dialect: None,
        users: Some(ObjectMapping {
            name: "users".into(),
            enabled: true,
            target_object: String::new(),
            actions: vec![
                entramap::mapping::Action::Add,
                entramap::mapping::Action::Update,
                entramap::mapping::Action::Delete,
            ],
            scope: groups,
            mappings: vec![user_name],
        }),
        groups: None,
        graph_schema: None,
    }
}

fn lines(path: &str) -> Vec<Json> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_documented_clause_vector() {
    let mut report = String::new();
    let mut failures = Vec::new();
    for case in lines("fixtures/scope/clauses.jsonl") {
        let clause: ScopeClause = serde_json::from_value(case["clause"].clone()).unwrap();
        let options = match case.get("options") {
            Some(Json::Object(o)) => Options::default().with_changes(o.clone()).unwrap(),
            _ => Options::default(),
        };
        let engine = Engine::new(
            &set(vec![ScopeGroup {
                name: None,
                clauses: vec![clause.clone()],
            }]),
            &options,
        )
        .unwrap();
        let user = case["user"].as_object().unwrap();
        let got = match engine.scope(ResourceKind::User, user).unwrap().verdict {
            Verdict::True => "true",
            Verdict::False => "false",
            Verdict::Undetermined => "undetermined",
        };
        let id = case["id"].as_str().unwrap();
        report.push_str(&format!(
            "{id}: {} {} {:?} with {} => {got}\n",
            clause.attribute,
            clause.operator,
            clause.values,
            Json::Object(user.clone())
        ));
        if got != case["expect"] {
            failures.push(format!("{id}: expected {}, got {got}", case["expect"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    insta::assert_snapshot!(report);
}

#[test]
fn configuration_errors_are_refused_at_load() {
    let mut report = String::new();
    for case in lines("fixtures/scope/config-errors.jsonl") {
        let groups: Vec<ScopeGroup> = serde_json::from_value(case["groups"].clone()).unwrap();
        let id = case["id"].as_str().unwrap();
        match Engine::new(&set(groups), &Options::default()) {
            Ok(_) => panic!("{id}: a broken scoping filter must not load"),
            Err(e) => report.push_str(&format!("{id}: {e}\n")),
        }
    }
    insta::assert_snapshot!(report);
}

#[test]
fn scope_explains_multi_group_filters() {
    for (mapping, users) in [("w1", "w1-users"), ("w3", "w3-users")] {
        let (code, out, err) = run(
            &[
                "scope",
                "-m",
                &format!("fixtures/scope/{mapping}.toml"),
                &format!("fixtures/scope/{users}.ndjson"),
            ],
            b"",
        );
        assert_eq!(code, 0, "{err}");
        insta::assert_snapshot!(format!("scope_{mapping}"), out);
    }
    let (code, out, _) = run(
        &[
            "scope",
            "-m",
            "fixtures/scope/w1.toml",
            "fixtures/scope/w1-users.ndjson",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(code, 0);
    let first: Json = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["verdict"], "true");
    assert_eq!(first["groups"][0]["name"], "New York Engineering");
    assert_eq!(first["groups"][0]["clauses"].as_array().unwrap().len(), 4);
}

/// `map --explain` says what each record came to and, out of scope, which clause decided.
#[test]
fn map_explain_names_the_deciding_clause() {
    let (code, _, err) = run(
        &[
            "map",
            "-m",
            "fixtures/scope/w3.toml",
            "fixtures/scope/w3-users.ndjson",
            "--explain",
            "-q",
        ],
        b"",
    );
    assert_eq!(code, 1, "line 5 has no matching attribute and fails: {err}");
    let explained: Vec<&str> = err.lines().filter(|l| l.starts_with("explain:")).collect();
    insta::assert_snapshot!(explained.join("\n"));
}

/// `map` over the W1 users with one of them (line 2, now out of scope) already in the target.
#[test]
fn out_of_scope_objects_are_disabled_never_created_and_undetermined_ones_left_alone() {
    let current = r#"{"id": "t-2", "externalId": "w1-2", "userName": "ny.notitle@contoso.com", "active": true}"#;
    let dir = std::env::temp_dir().join(format!("entramap-scope-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let current_path = dir.join("current.ndjson");
    std::fs::write(&current_path, current).unwrap();
    let (code, out, err) = run(
        &[
            "map",
            "-m",
            "fixtures/scope/w1.toml",
            "fixtures/scope/w1-users.ndjson",
            "--current",
            current_path.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    // Line 2 fails the filter and is in the target: disabled (IsSoftDeleted is true).
    assert!(
        out.contains(r#"{"method":"PATCH","path":"/Users/t-2","body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}}"#),
        "{out}"
    );
    // Out of scope and not in the target: never created.
    for user in [
        "ny.lower@contoso.com",
        "unassigned@contoso.com",
        "amp@contoso.com",
    ] {
        assert!(
            !out.contains(&format!("\"userName\":\"{user}\"")),
            "{user}: {out}"
        );
    }
    assert!(err.contains("3 created, 0 updated, 1 disabled"), "{err}");

    // `&` is not guessed: the object is left alone, with a warning.
    let amp = r#"name = "amp"
[users]
[[users.scope]]
clauses = [{ attribute = "department", operator = "&", values = ["Sales,Marketing"] }]
[[users.mappings]]
target = "userName"
source = "userPrincipalName"
matching = 1
"#;
    let amp_path = dir.join("amp.toml");
    std::fs::write(&amp_path, amp).unwrap();
    let (code, out, err) = run(
        &["map", "-m", amp_path.to_str().unwrap(), "-"],
        br#"{"objectId": "1", "userPrincipalName": "a@x", "department": "Sales"}"#,
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("POST"), "{out}");
    assert!(err.contains("the scoping filter cannot decide"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
