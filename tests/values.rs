//! One evaluator: what `Engine::values` says a user's attributes receive (what `entramap
//! test` and the workbench show) is what `map` sends in the create body, for every sample and
//! tenant user, every built-in mapping set and every option that changes values
//! (docs/values.md).

use entramap::provision::RunState;
use entramap::scim::path::TargetPath;
use entramap::scim::{Method, get_path};
use entramap::{Environment, Nothing, Options, ResourceKind, Value};
use serde_json::{Map, Value as Json};

/// The fixtures' users, and 300 synthetic ones (`entramap sample-users`: country names in
/// many spellings, Booleans as text, disabled and unassigned users).
fn users() -> Vec<Map<String, Json>> {
    let mut synthetic = Vec::new();
    entramap::sample::write_users(300, 7, &mut synthetic).unwrap();
    let files = [
        "fixtures/users/sample.ndjson",
        "fixtures/tenant/users.ndjson",
    ]
    .map(|file| std::fs::read_to_string(file).unwrap());
    files
        .iter()
        .flat_map(|text| text.lines())
        .chain(std::str::from_utf8(&synthetic).unwrap().lines())
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .filter_map(|json| json.as_object().cloned())
        .collect()
}

/// Option sets that change what a mapping gives.
fn option_sets() -> Vec<(&'static str, Options)> {
    let with = |settings: &[&str]| {
        Options::default()
            .with_settings(settings.iter().copied())
            .unwrap()
    };
    vec![
        ("defaults", Options::default()),
        ("country normalize", with(&["country_resolution=normalize"])),
        ("country off", with(&["country_resolution=off"])),
        (
            "SCIM-compliant PATCH",
            with(&["patch_mode=aadOptscim062020"]),
        ),
        ("lazy IIF", with(&["iif_null=lazy"])),
    ]
}

#[test]
fn attribute_values_are_what_map_sends() {
    let users = users();
    assert!(users.len() >= 20, "{} users", users.len());
    let mut compared = 0;
    for (label, options) in option_sets() {
        let env = Environment::with_options(options);
        for set in ["code42", "scim-default", "code42-country-expression"] {
            let engine = env
                .provisioner(&env.load_mappings(set).unwrap().set)
                .unwrap();
            for user in &users {
                let Ok(values) = engine.values(ResourceKind::User, user) else {
                    continue;
                };
                let applied = engine
                    .provision(ResourceKind::User, 1, user, &mut RunState::default())
                    .unwrap_or_else(|e| panic!("{label} {set}: {e}"));
                let Some(body) = applied
                    .requests
                    .iter()
                    .find(|r| r.method == Method::Post)
                    .and_then(|r| r.body.as_ref())
                    .map(|b| b.to_json(engine.simulated_ids()))
                else {
                    continue;
                };
                for attribute in &values {
                    // The last mapping of a target is the one in the body.
                    if values.iter().rev().find(|a| a.target == attribute.target) != Some(attribute)
                        // References are sent in a PATCH after the create.
                        || attribute.target.to_ascii_lowercase().ends_with("manager")
                    {
                        continue;
                    }
                    let path = TargetPath::parse(&attribute.target).unwrap();
                    let sent = get_path(&body, &path);
                    let value = attribute.value.as_ref().unwrap_or_else(|e| {
                        panic!(
                            "{label} {set} {}: {e:?} for a created user",
                            attribute.target
                        )
                    });
                    let context = || format!("{label}, {set}, {}: {user:?}", attribute.target);
                    match (value, sent) {
                        (Value::Nothing(_), None) => {}
                        (Value::Text(t), Some(Json::String(s))) => {
                            assert_eq!(t, s, "{}", context());
                        }
                        (Value::Boolean(b), Some(Json::Bool(s))) => {
                            assert_eq!(b, s, "{}", context());
                        }
                        (value, Some(sent)) => {
                            assert_eq!(value.texts(), Value::from(sent).texts(), "{}", context());
                        }
                        (value, None) => panic!("{value:?} is not sent: {}", context()),
                    }
                    compared += 1;
                }
            }
        }
    }
    assert!(compared > 1000, "{compared} attributes compared");
}

#[test]
fn a_country_name_is_the_code_map_sends_and_scope_makes_a_user_inactive() {
    let env = Environment::with_options(
        Options::default()
            .with_settings(["country_resolution=normalize"])
            .unwrap(),
    );
    let engine = env
        .provisioner(&env.load_mappings("code42").unwrap().set)
        .unwrap();
    let user = |extra: Json| {
        let mut user = serde_json::json!({"objectId": "1", "userPrincipalName": "a@contoso.com"});
        user.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        user.as_object().unwrap().clone()
    };
    let value = |record: &Map<String, Json>, target: &str| {
        engine
            .values(ResourceKind::User, record)
            .unwrap()
            .into_iter()
            .find(|a| a.target == target)
            .unwrap()
            .value
            .unwrap()
    };
    let czech = user(serde_json::json!({"usageLocation": "Czech Republic"}));
    assert_eq!(
        value(&czech, r#"addresses[type eq "work"].country"#),
        Value::Text("CZ".into())
    );
    assert_eq!(value(&czech, "active"), Value::Boolean(true));
    let unassigned = user(serde_json::json!({"inScope": false}));
    assert_eq!(value(&unassigned, "active"), Value::Boolean(false));
    assert_eq!(value(&czech, "title"), Value::Nothing(Nothing::Null));
}

/// A mapping that fails for a record: its attribute shows the error `map` reports for the
/// record (code and words), and the other attributes still show their values.
#[test]
fn a_failing_mapping_is_the_record_error_map_reports() {
    let env = Environment::new();
    let set = env
        .parse_mappings(
            r#"
name = "failing"
[users]
name = "users"
[[users.mappings]]
target = "userName"
source = "userPrincipalName"
matching = 1
[[users.mappings]]
target = "active"
source = "enabled"
type = "Boolean"
[[users.mappings]]
target = "title"
expression = 'FormatDateTime([hired], , "yyyyMMdd", "yyyy")'
"#,
            "failing.toml",
        )
        .unwrap()
        .set;
    let engine = env.provisioner(&set).unwrap();
    let user = serde_json::json!({"objectId": "1", "userPrincipalName": "a@contoso.com", "enabled": "maybe", "hired": "not a date"});
    let user = user.as_object().unwrap();
    let values = engine.values(ResourceKind::User, user).unwrap();
    assert_eq!(values[0].value, Ok(Value::Text("a@contoso.com".into())));
    let active = values[1].value.as_ref().unwrap_err();
    assert_eq!(active.code, "target-type");
    let title = values[2].value.as_ref().unwrap_err();
    assert_eq!(title.code, "bad-date");
    let failed = engine
        .provision(ResourceKind::User, 1, user, &mut RunState::default())
        .unwrap_err();
    // The record fails with its first failing mapping, in the same words.
    assert_eq!(failed.code, active.code);
    assert_eq!(failed.reason, active.message);
    assert!(
        title.message.contains("FormatDateTime"),
        "{}",
        title.message
    );
}

#[test]
fn a_mapping_set_is_loaded_once_per_environment() {
    let env = Environment::new();
    let first = env.mapping("code42").unwrap();
    let again = env.clone().mapping("code42").unwrap();
    assert!(std::ptr::eq(first.engine(), again.engine()));
    let file = env.mapping("fixtures/schemas/code42.schema.json").unwrap();
    let same_file = env
        .mapping("./fixtures/schemas/code42.schema.json")
        .unwrap();
    assert!(std::ptr::eq(file.engine(), same_file.engine()));
    assert!(!std::ptr::eq(first.engine(), file.engine()));
}

/// Without nulls (TOML has none; a null attribute is read as a missing one).
fn toml_value(json: &Json) -> Option<toml::Value> {
    Some(match json {
        Json::Null => return None,
        Json::Bool(b) => toml::Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => toml::Value::Integer(i),
            None => toml::Value::Float(n.as_f64()?),
        },
        Json::String(s) => toml::Value::String(s.clone()),
        Json::Array(items) => toml::Value::Array(items.iter().filter_map(toml_value).collect()),
        Json::Object(map) => toml::Value::Table(
            map.iter()
                .filter_map(|(k, v)| Some((k.clone(), toml_value(v)?)))
                .collect(),
        ),
    })
}

/// A test file written from `map`'s own create bodies passes in `entramap test`, for every
/// user `map` creates, in each option set that changes values.
#[test]
fn a_test_written_from_maps_output_passes() {
    let users = users();
    let dir = std::env::temp_dir().join(format!("entramap-values-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = 0;
    for (label, settings) in [
        ("defaults", vec![]),
        ("normalize", vec!["country_resolution=normalize"]),
        ("off", vec!["country_resolution=off"]),
        ("lazy", vec!["iif_null=lazy"]),
    ] {
        let options = Options::default()
            .with_settings(settings.iter().copied())
            .unwrap();
        let env = Environment::with_options(options);
        for set in ["code42", "scim-default"] {
            let mapping = env.mapping(set).unwrap();
            let mut cases = Vec::new();
            for (n, user) in users.iter().enumerate() {
                let Ok(applied) = mapping.provision(&Json::Object(user.clone())) else {
                    continue;
                };
                let Some(body) = applied
                    .requests
                    .iter()
                    .find(|r| r.method == Method::Post)
                    .and_then(|r| r.body.as_ref())
                    .map(|b| b.to_json(mapping.simulated_ids()))
                else {
                    continue;
                };
                let mut expected = toml::Table::new();
                let mut null = Vec::new();
                for m in &mapping.set().users.as_ref().unwrap().mappings {
                    if m.target.to_ascii_lowercase().ends_with("manager") {
                        continue;
                    }
                    let path = TargetPath::parse(&m.target).unwrap();
                    let text = match get_path(&body, &path) {
                        None => {
                            null.push(toml::Value::String(m.target.clone()));
                            expected.remove(&m.target);
                            continue;
                        }
                        Some(sent) => Value::from(sent).texts(),
                    };
                    null.retain(|t| t.as_str() != Some(&m.target));
                    let value = match text.as_slice() {
                        [one] => toml::Value::String(one.clone()),
                        many => toml::Value::Array(
                            many.iter().cloned().map(toml::Value::String).collect(),
                        ),
                    };
                    expected.insert(m.target.clone(), value);
                }
                let mut case = toml::Table::new();
                case.insert("name".into(), format!("{label} {set} user {n}").into());
                case.insert(
                    "user".into(),
                    toml_value(&Json::Object(user.clone())).unwrap(),
                );
                case.insert("expect_attributes".into(), expected.into());
                if !null.is_empty() {
                    case.insert("expect_null".into(), null.into());
                }
                cases.push(toml::Value::Table(case));
            }
            assert!(cases.len() > 100, "{label} {set}: {} cases", cases.len());
            let mut file = toml::Table::new();
            file.insert("mapping".into(), set.into());
            let options: toml::Table = settings
                .iter()
                .map(|s| {
                    let (k, v) = s.split_once('=').unwrap();
                    (k.to_string(), toml::Value::String(v.to_string()))
                })
                .collect();
            file.insert("options".into(), options.into());
            file.insert("case".into(), cases.into());
            let path = dir.join(format!("{label}-{set}.test.toml"));
            std::fs::write(&path, toml::to_string(&file).unwrap()).unwrap();
            let results = entramap::suite::run_file(&path, &Options::default(), false).unwrap();
            let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
            assert!(failed.is_empty(), "{label} {set}: {:#?}", failed.first());
            files += 1;
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(files, 8);
}
