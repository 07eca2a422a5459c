//! One record reader: `eval` (the library's `eval_json`), `eval --batch` and `map` read a record
//! the same way, so an attribute name option changes all of them alike.

use entramap::eval::value::Value;
use entramap::{Environment, Options, ResourceKind, provision::RunState};
use serde_json::json;

/// The job title as `eval` sees it and as `map` sends it, for a record that spells the
/// attribute `JOBTITLE`.
fn job_title(settings: &[&str]) -> (Option<String>, Option<String>) {
    let options = Options::default()
        .with_settings(settings.iter().copied())
        .unwrap();
    let env = Environment::with_options(options);
    let user = json!({
        "objectId": "7",
        "userPrincipalName": "ada@contoso.com",
        "JOBTITLE": "Engineer"
    });
    let expr = env.compile("[jobTitle]").unwrap();
    let evaluated = match expr.eval_json(&user, &mut env.eval_env().unwrap()).unwrap() {
        Value::Null => None,
        v => Some(v.to_string()),
    };
    let engine = env
        .provisioner(&env.load_mappings("code42").unwrap().set)
        .unwrap();
    let applied = engine
        .provision(
            ResourceKind::User,
            1,
            user.as_object().unwrap(),
            &mut RunState::default(),
        )
        .unwrap();
    let post = applied
        .requests
        .iter()
        .find(|r| r.method == entramap::scim::Method::Post)
        .and_then(|r| r.body.as_ref())
        .map(|b| b.to_json(engine.simulated_ids()))
        .unwrap();
    let sent = post["title"].as_str().map(str::to_string);
    (evaluated, sent)
}

#[test]
fn strict_attribute_names_apply_to_eval_and_map_alike() {
    assert_eq!(job_title(&["attribute_name_case=strict"]), (None, None));
}

#[test]
fn names_matched_ignoring_case_apply_to_eval_and_map_alike() {
    let same = Some("Engineer".to_string());
    assert_eq!(job_title(&[]), (same.clone(), same));
}

#[test]
fn an_exact_key_wins_over_one_that_matches_ignoring_case() {
    let env = Environment::new();
    let expr = env.compile("[mail]").unwrap();
    for user in [
        json!({"MAIL": "upper@x", "mail": "exact@x"}),
        json!({"mail": "exact@x", "MAIL": "upper@x"}),
    ] {
        let value = expr.eval_json(&user, &mut env.eval_env().unwrap()).unwrap();
        assert_eq!(value.to_string(), "exact@x", "{user}");
    }
}

#[test]
fn is_soft_deleted_is_derived_the_same_way_everywhere() {
    let env = Environment::new();
    let expr = env.compile("[IsSoftDeleted]").unwrap();
    let user = json!({"accountEnabled": false});
    let value = expr.eval_json(&user, &mut env.eval_env().unwrap()).unwrap();
    assert_eq!(value, Value::Bool(true));
}
