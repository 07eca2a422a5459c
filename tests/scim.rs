//! `map` scenarios from `fixtures/scim/*/scenario.json`: the full request sequence is
//! snapshotted, every create body is validated as RFC 7643 SCIM by an independent crate
//! (`scim_v2`, strict create-request context), and the outcome counts add up to the records.

use std::fmt::Write as _;
use std::path::Path;

use entramap::Options;
use entramap::provision::{Engine, RunState, run, target::TargetStore};
use entramap::source::input::{InputFormat, records};
use serde_json::Value as Json;

fn open(
    dir: &Path,
    name: Option<&Json>,
    default: &str,
) -> Option<std::io::BufReader<std::fs::File>> {
    let path = dir.join(name.and_then(Json::as_str).unwrap_or(default));
    std::fs::File::open(path).ok().map(std::io::BufReader::new)
}

/// The records of a file, through the one reader (`map`'s).
fn file_records(
    reader: impl std::io::BufRead + Send + 'static,
) -> entramap::provision::run::Records<'static> {
    entramap::provision::run::records(
        Box::new(reader),
        entramap::provision::run::InputFormat::Auto,
        16 << 20,
    )
    .unwrap()
}

/// A file's records as objects (a state or target file: every record is one).
fn read_objects(
    reader: impl std::io::BufRead + Send + 'static,
) -> Vec<serde_json::Map<String, Json>> {
    entramap::provision::run::objects(file_records(reader)).unwrap()
}

/// How many records a file has, readable or not.
fn count_records(dir: &Path, name: Option<&Json>, default: &str) -> usize {
    open(dir, name, default).map_or(0, |r| file_records(r).count())
}

fn validate(request: &Json, normalize: bool) {
    let (Some(body), Some(path)) = (request.get("body"), request["path"].as_str()) else {
        return;
    };
    if request["method"] != "POST" {
        return;
    }
    let text = body.to_string();
    if path == "/Users" {
        if let Err(e) = serde_json::from_str::<
            scim_v2::Strict<scim_v2::models::user::User, scim_v2::CreateRequest>,
        >(&text)
        {
            panic!("invalid SCIM user ({e}): {text}");
        }
        if normalize {
            for address in body["addresses"].as_array().into_iter().flatten() {
                if let Some(c) = address["country"].as_str() {
                    assert!(
                        entramap::country::is_alpha2(c) || ["Korea"].contains(&c),
                        "not alpha-2: {c}"
                    );
                }
            }
        }
    } else if let Err(e) = serde_json::from_str::<
        scim_v2::Strict<scim_v2::models::group::Group, scim_v2::CreateRequest>,
    >(&text)
    {
        panic!("invalid SCIM group ({e}): {text}");
    }
}

fn run_scenario(dir: &Path, scenario: &Json, settings: &Json, out: &mut String) {
    let mut options: Options = serde_json::from_value(settings.clone()).unwrap();
    options.run.now = Some("2021-08-25T17:41:18Z".into());
    options.run.rng_seed = Some(1);
    let loaded = entramap::mapping::load(scenario["mapping"].as_str().unwrap(), &options).unwrap();
    let engine = Engine::new(&loaded.set, &options).unwrap();
    let current = open(dir, scenario.get("current"), "current.ndjson")
        .map(|r| TargetStore::new(read_objects(r).into_iter().map(Json::Object)))
        .unwrap_or_default();
    // Links from an earlier cycle (`state.ndjson`, what `map --state-out` writes).
    let state_path = dir.join(
        scenario
            .get("state")
            .and_then(Json::as_str)
            .unwrap_or("state.ndjson"),
    );
    let links = if state_path.exists() {
        entramap::provision::state_file::read(&state_path, 1 << 20)
            .unwrap()
            .links
    } else {
        Vec::new()
    };
    let mut state = RunState::new(current.with_links(links));
    let users = open(dir, scenario.get("users"), "users.ndjson");
    let groups = open(dir, scenario.get("groups"), "groups.ndjson");
    let mut requests = Vec::new();
    let mut log = String::new();
    let log = std::cell::RefCell::new(&mut log);
    let mut on_error = |e: &entramap::provision::RecordError| {
        writeln!(
            log.borrow_mut(),
            "error: {} line {}: {}",
            e.kind,
            e.line,
            e.reason
        )
        .unwrap()
    };
    let mut on_warning = |at: &run::At<'_>, w: &entramap::Diagnostic| {
        writeln!(log.borrow_mut(), "warning: {at}: {}", w.message).unwrap()
    };
    let mut on_progress = |_| {};
    let mut on_applied = |_: &run::At<'_>, _: &entramap::provision::Applied| {};
    let mut sinks = run::Sinks {
        requests: &mut requests,
        on_error: &mut on_error,
        on_warning: &mut on_warning,
        on_applied: &mut on_applied,
        on_progress: &mut on_progress,
        pool: None,
    };
    let input = |r: Option<std::io::BufReader<std::fs::File>>| -> Vec<run::Input<'static>> {
        r.map(|r| run::Input::new(records(Box::new(r), InputFormat::Auto, 1 << 20).unwrap()))
            .into_iter()
            .collect()
    };
    let summary = run::run(&engine, input(users), input(groups), &mut state, &mut sinks).unwrap();
    let records = count_records(dir, scenario.get("users"), "users.ndjson")
        + count_records(dir, scenario.get("groups"), "groups.ndjson");
    assert_eq!(
        summary.total(),
        records,
        "{}: outcomes must add up to the records",
        dir.display()
    );
    writeln!(out, "options: {settings}").unwrap();
    for line in String::from_utf8(requests).unwrap().lines() {
        let request: Json = serde_json::from_str(line).unwrap();
        validate(
            &request,
            options.scim.country_resolution == entramap::options::CountryResolution::Normalize,
        );
        writeln!(out, "{line}").unwrap();
    }
    write!(out, "{}", log.borrow()).unwrap();
    writeln!(out, "summary: {}", serde_json::to_string(&summary).unwrap()).unwrap();
    // The links `map --state-out` would write, for the next cycle.
    for link in state.links(state.simulated_ids(&options.scim.id_prefix)) {
        writeln!(out, "state: {}", serde_json::to_string(&link).unwrap()).unwrap();
    }
    writeln!(out).unwrap();
}

#[test]
fn scenarios() {
    insta::glob!("../fixtures", "scim/*/scenario.json", |path| {
        let dir = path.parent().unwrap();
        let scenario: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let runs = match scenario.get("runs") {
            Some(Json::Array(runs)) => runs.clone(),
            _ => vec![
                scenario
                    .get("options")
                    .cloned()
                    .unwrap_or(serde_json::json!({})),
            ],
        };
        let mut out = String::new();
        for settings in &runs {
            run_scenario(dir, &scenario, settings, &mut out);
        }
        insta::assert_snapshot!(out);
    });
}

#[test]
fn worked_example_matches_the_spec_byte_for_byte() {
    // docs/mapping.md#worked-example-code42 step 2, with the spec's key order.
    let snapshot = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/snapshots/scim__scenarios@worked_example_create__scenario.json.snap"
    ))
    .unwrap();
    let expected = r#"{"method":"POST","path":"/Users","body":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"3f6b1d2e-5a4c-4e8b-9f1a-2c7d8e9f0a1b","userName":"alice.smith@contoso.com","active":true,"addresses":[{"country":"US","locality":"Minneapolis","region":"MN","type":"work"}],"emails":[{"primary":true,"type":"work","value":"alice.smith@contoso.com"}],"meta":{"resourceType":"User"},"name":{"familyName":"Smith","givenName":"Alice"},"title":"Security Analyst","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Information Security"}}}"#;
    assert!(
        snapshot.contains(expected),
        "the create request differs from docs/mapping.md#worked-example-code42"
    );
    let link = r#"{"method":"PATCH","path":"/Users/c42-user-0001","body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"c42-user-0002"}]}}"#;
    assert!(snapshot.contains(link));
}

#[test]
fn builtin_sets_compile_and_check_clean_of_errors() {
    for name in entramap::mapping::builtin::names() {
        let options = Options::default();
        let loaded = entramap::mapping::load(name, &options).unwrap();
        Engine::new(&loaded.set, &options).unwrap();
        let findings = entramap::provision::check::check_set(&loaded.set, &options);
        assert!(
            findings.iter().all(|f| !f.diagnostic.is_error()),
            "{name}: {:?}",
            findings
        );
    }
}

#[test]
fn native_and_graph_formats_convert_both_ways() {
    let options = Options::default();
    for name in entramap::mapping::builtin::names() {
        let set = entramap::mapping::load(name, &options).unwrap().set;
        let graph = entramap::mapping::graph_schema::SynchronizationSchema::from_mapping_set(
            &set, &options,
        );
        let json = serde_json::to_string_pretty(&graph).unwrap();
        let back = entramap::mapping::parse_any(&json, name, &options).unwrap();
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
        let (a, b) = (
            set.users.as_ref().unwrap(),
            back.set.users.as_ref().unwrap(),
        );
        assert_eq!(a.mappings.len(), b.mappings.len());
        for (x, y) in a.mappings.iter().zip(&b.mappings) {
            assert_eq!(x.target, y.target);
            assert_eq!(
                (x.matching, x.target_type, x.apply),
                (y.matching, y.target_type, y.apply)
            );
            assert_eq!(
                x.source_text().map(|t| entramap::syntax::print::canonical(
                    &entramap::syntax::parse(&t, &options).unwrap().expr
                )),
                y.source_text()
            );
        }
        let native = set.to_native();
        assert_eq!(
            entramap::mapping::parse_any(&native, name, &options)
                .unwrap()
                .set,
            set
        );
    }
}
