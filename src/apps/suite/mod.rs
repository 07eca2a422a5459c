//! `entramap test`: a team's own mapping tests, kept as `*.test.toml` files beside their
//! mappings (docs/testing.md). Each case evaluates one expression, one user's target
//! attributes, or one user's SCIM requests (compared with a snapshot file), and says how its
//! result differs from what was expected.

// Reads input: no panics, whatever the input (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod report;

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::eval::Env;
use crate::eval::value::Value;
use crate::expression::Expression;
use crate::mapping::MappingSet;
use crate::options::Options;
use crate::provision::{Engine, RunState};
use crate::scim::ResourceKind;

/// A test file that cannot be run at all (unreadable, not the documented format, a mapping
/// that does not load): reported once, before any of its cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct SuiteError {
    /// The test file (or the path given).
    pub file: String,
    /// What is wrong and what to do.
    pub reason: String,
}

/// The `*.test.toml` files under `paths` (files are taken as given; directories are searched
/// recursively, skipping hidden directories and `target`), sorted.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut found = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found)?;
        } else if path.is_file() {
            found.push(path.clone());
        } else {
            return Err(SuiteError {
                file: path.display().to_string(),
                reason: "no such file or directory".into(),
            });
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), SuiteError> {
    let entries = std::fs::read_dir(dir).map_err(|e| SuiteError {
        file: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        // file_type does not follow symbolic links, so a link back up cannot loop.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if !name.starts_with('.') && name != "target" {
                walk(&path, found)?;
            }
        } else if name.ends_with(".test.toml") {
            found.push(path);
        }
    }
    Ok(())
}

/// What a case expects.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Expected {
    /// One text value.
    One(String),
    /// Several values, in order.
    Many(Vec<String>),
}

impl Expected {
    fn texts(&self) -> Vec<String> {
        match self {
            Expected::One(s) => vec![s.clone()],
            Expected::Many(v) => v.clone(),
        }
    }
}

/// "Nothing flows", the one spelling: `expect_null = true` for an expression case,
/// `expect_null = ["title", ...]` (target attributes) for a user case.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum NothingFlows {
    Value(bool),
    Attributes(Vec<String>),
}

/// Settings a file or a case may give; a case's override its file's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    /// `--option` keys and values.
    #[serde(default)]
    options: Map<String, Json>,
    /// The clock (`Now()`).
    now: Option<String>,
    /// The random seed (`RandomString`, `Guid`).
    seed: Option<u64>,
    /// Values already used in the target (SelectUniqueValue).
    taken: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    mapping: Option<String>,
    #[serde(flatten)]
    settings: Settings,
    #[serde(default)]
    case: Vec<CaseSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseSpec {
    name: String,
    expression: Option<String>,
    input: Option<Map<String, Json>>,
    user: Option<Map<String, Json>>,
    expect: Option<Expected>,
    expect_null: Option<NothingFlows>,
    expect_error: Option<String>,
    expect_attributes: Option<Map<String, Json>>,
    #[serde(default)]
    snapshot: bool,
    #[serde(flatten)]
    settings: Settings,
}

/// How one case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// As expected.
    Passed,
    /// Not as expected: what was expected, what came.
    Failed {
        /// What the case expected (several lines for a snapshot).
        expected: String,
        /// What entramap gave.
        got: String,
    },
    /// The case itself is wrong (no expectation, an expression that does not compile where a
    /// value was expected, an attribute the mapping does not have).
    Broken(String),
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case's `name`.
    pub name: String,
    /// The test file.
    pub file: PathBuf,
    /// The line of its `[[case]]` header.
    pub line: usize,
    /// How it ended.
    pub verdict: Verdict,
}

impl CaseResult {
    /// Passed.
    pub fn passed(&self) -> bool {
        self.verdict == Verdict::Passed
    }
}

/// Run every case of `file` with `base` options under the file's and case's own settings.
/// With `update`, snapshot cases write what they got instead of comparing.
pub fn run_file(file: &Path, base: &Options, update: bool) -> Result<Vec<CaseResult>, SuiteError> {
    let fail = |reason: String| SuiteError {
        file: file.display().to_string(),
        reason,
    };
    let text = crate::source::decode::read_text(file).map_err(|e| fail(e.to_string()))?;
    let spec: FileSpec = toml::from_str(&text).map_err(|e| {
        fail(format!(
            "not a test file: {} — see docs/testing.md for the format",
            e.to_string().trim_end()
        ))
    })?;
    let file_options = apply(base, &spec.settings).map_err(fail)?;
    let set = match &spec.mapping {
        Some(name) => Some(load_mapping(file, name, &file_options).map_err(fail)?),
        None => None,
    };
    let lines = case_lines(&text);
    // Two snapshot cases must not share a snapshot file (one would overwrite the other).
    let mut snapshot_owner: std::collections::HashMap<PathBuf, &str> = Default::default();
    let mut collides: Vec<Option<String>> = spec
        .case
        .iter()
        .map(|case| {
            if !case.snapshot {
                return None;
            }
            let path = snapshot_path(file, &case.name);
            if path.file_name().is_some_and(|n| n == ".json") {
                return Some(
                    "give the case a name with letters or digits: its snapshot file is named after it"
                        .to_string(),
                );
            }
            snapshot_owner
                .insert(path.clone(), &case.name)
                .map(|other| {
                    format!(
                        "its snapshot file {} is also case {other:?}'s; rename one of them",
                        path.display()
                    )
                })
        })
        .collect();
    let mut results = Vec::with_capacity(spec.case.len());
    for (i, case) in spec.case.iter().enumerate() {
        if let Some(why) = collides.get_mut(i).and_then(Option::take) {
            results.push(CaseResult {
                name: case.name.clone(),
                file: file.to_path_buf(),
                line: lines.get(i).copied().unwrap_or(1),
                verdict: Verdict::Broken(why),
            });
            continue;
        }
        let options = apply(&file_options, &case.settings);
        let taken = case
            .settings
            .taken
            .as_ref()
            .or(spec.settings.taken.as_ref());
        let verdict = match options {
            Err(e) => Verdict::Broken(e),
            Ok(options) => run_case(file, case, set.as_ref(), &options, taken, update),
        };
        results.push(CaseResult {
            name: case.name.clone(),
            file: file.to_path_buf(),
            line: lines.get(i).copied().unwrap_or(1),
            verdict,
        });
    }
    Ok(results)
}

/// Options with a file's or case's settings on top.
fn apply(base: &Options, settings: &Settings) -> Result<Options, String> {
    let mut changes = settings.options.clone();
    if let Some(now) = &settings.now {
        changes.insert("now".into(), Json::String(now.clone()));
    }
    if let Some(seed) = settings.seed {
        changes.insert("rng_seed".into(), Json::from(seed));
    }
    if changes.is_empty() {
        return Ok(base.clone());
    }
    base.with_changes(changes).map_err(|e| e.to_string())
}

/// A built-in set's name, or a file relative to the test file.
fn load_mapping(file: &Path, name: &str, options: &Options) -> Result<MappingSet, String> {
    let beside = file.parent().unwrap_or(Path::new(".")).join(name);
    let target = if beside.is_file() {
        beside.to_string_lossy().into_owned()
    } else {
        name.to_string()
    };
    crate::mapping::load(&target, options)
        .map(|loaded| loaded.set)
        .map_err(|e| format!("mapping `{name}`: {e}"))
}

/// The line of each `[[case]]` header, in order.
fn case_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            l.strip_prefix("[[")
                .and_then(|r| r.trim_start().strip_prefix("case"))
                .is_some_and(|r| r.trim_start().starts_with("]]"))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

fn run_case(
    file: &Path,
    case: &CaseSpec,
    set: Option<&MappingSet>,
    options: &Options,
    taken: Option<&Vec<String>>,
    update: bool,
) -> Verdict {
    let taken: std::collections::HashSet<&str> = taken
        .map(|t| t.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let is_taken = |v: &str| taken.contains(v);
    let mut env = match Env::new(options) {
        Ok(env) => env.with_taken(&is_taken),
        Err(e) => return Verdict::Broken(e.to_string()),
    };
    if let Some(expression) = &case.expression {
        let input = Json::Object(case.input.clone().unwrap_or_default());
        return expression_case(case, expression, &input, options, &mut env);
    }
    let Some(user) = &case.user else {
        return Verdict::Broken("give `expression` (with `input`) or `user`".into());
    };
    let Some(set) = set else {
        return Verdict::Broken(
            "a `user` case needs `mapping = \"...\"` at the top of the file".into(),
        );
    };
    let null_attributes = match &case.expect_null {
        None => &[][..],
        Some(NothingFlows::Attributes(names)) => names.as_slice(),
        Some(NothingFlows::Value(_)) => {
            return Verdict::Broken(
                "in a `user` case, list the attributes: expect_null = [\"title\"]".into(),
            );
        }
    };
    if case.expect_attributes.is_some() || !null_attributes.is_empty() {
        let expected = case.expect_attributes.clone().unwrap_or_default();
        return attributes_case(set, user, &expected, null_attributes, options, &mut env);
    }
    if case.snapshot {
        return snapshot_case(file, case, set, user, options, update);
    }
    Verdict::Broken(
        "a `user` case needs `expect_attributes`, `expect_null` or `snapshot = true`".into(),
    )
}

/// Null and a dropped value (IgnoreFlowIfNullOrEmpty) both mean the attribute is not sent.
fn nothing_flows(value: &Value<'_>) -> bool {
    matches!(value, Value::Null | Value::Drop)
}

/// What a value shows as in a failure: `"DE"`, `["a", "b"]`, `Null`.
fn shown(texts: &[String]) -> String {
    match texts {
        [one] => format!("{one:?}"),
        many => format!("{many:?}"),
    }
}

fn expression_case(
    case: &CaseSpec,
    text: &str,
    input: &Json,
    options: &Options,
    env: &mut Env<'_>,
) -> Verdict {
    let outcome = Expression::compile(text, options)
        .map_err(|e| {
            let first = e.diagnostics.iter().find(|d| d.is_error());
            first
                .map_or(crate::diagnostic::Code::CompileError, |d| d.code)
                .to_string()
        })
        .and_then(|expr| expr.eval_json(input, env).map_err(|e| e.code.to_string()));
    let got = match &outcome {
        Ok(v) if nothing_flows(v) => "Null (nothing flows)".to_string(),
        Ok(v) => shown(&v.texts()),
        Err(code) => format!("error `{code}`"),
    };
    let expected = match (&case.expect, &case.expect_null, &case.expect_error) {
        (Some(e), None, None) => shown(&e.texts()),
        (None, Some(NothingFlows::Value(true)), None) => "Null (nothing flows)".to_string(),
        (None, None, Some(code)) => format!("error `{code}`"),
        _ => {
            return Verdict::Broken(
                "give exactly one of `expect`, `expect_null = true` or `expect_error`".into(),
            );
        }
    };
    if got == expected {
        Verdict::Passed
    } else {
        Verdict::Failed { expected, got }
    }
}

/// What the user's attributes receive, as `map` would send them on create
/// ([`Engine::values`]: type conversion, country resolution, scope, defaults).
fn attributes_case(
    set: &MappingSet,
    user: &Map<String, Json>,
    expected: &Map<String, Json>,
    null_attributes: &[String],
    options: &Options,
    env: &mut Env<'_>,
) -> Verdict {
    let Some(object) = &set.users else {
        return Verdict::Broken(format!("mapping `{}` has no user mapping", set.name));
    };
    let engine = match Engine::new(set, options) {
        Ok(engine) => engine,
        Err(e) => return Verdict::Broken(e.to_string()),
    };
    let got = match engine.values_in(ResourceKind::User, user, env) {
        Ok(got) => got,
        Err(e) => return Verdict::Broken(e.reason),
    };
    let (mut want, mut have) = (Vec::new(), Vec::new());
    let nothing = Json::Null;
    let wanted = expected
        .iter()
        .chain(null_attributes.iter().map(|name| (name, &nothing)));
    for (target, value) in wanted {
        if !object.mappings.iter().any(|m| &m.target == target) {
            let names: Vec<&str> = object.mappings.iter().map(|m| m.target.as_str()).collect();
            let hint = crate::diagnostic::suggest::nearest(target, names.iter().copied(), 3)
                .map(|s| format!(" — did you mean `{s}`?"))
                .unwrap_or_default();
            return Verdict::Broken(format!(
                "mapping `{}` has no target attribute `{target}`{hint}",
                set.name
            ));
        }
        let expected_text = match value {
            Json::String(s) => shown(std::slice::from_ref(s)),
            Json::Array(items) => shown(
                &items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>(),
            ),
            Json::Null => "Null (nothing flows)".to_string(),
            other => {
                let text = match other {
                    Json::Bool(true) => "True".to_string(),
                    Json::Bool(false) => "False".to_string(),
                    other => other.to_string(),
                };
                return Verdict::Broken(format!(
                    "write `{target}`'s expected value as text (\"{text}\"); for nothing flows list it in expect_null"
                ));
            }
        };
        // The last mapping of a target wins, as in a create body.
        let got_text = match got
            .iter()
            .rev()
            .find(|v| &v.target == target)
            .map(|v| &v.value)
        {
            Some(Ok(value)) if value.flows() => shown(&value.texts()),
            Some(Err(error)) => format!("error `{}`", error.code),
            Some(Ok(_)) | None => "Null (nothing flows)".to_string(),
        };
        if expected_text != got_text {
            want.push(format!("{target} = {expected_text}"));
            have.push(format!("{target} = {got_text}"));
        }
    }
    if want.is_empty() {
        Verdict::Passed
    } else {
        Verdict::Failed {
            expected: want.join("\n"),
            got: have.join("\n"),
        }
    }
}

/// `<dir>/<stem>.snapshots/<case name as a file name>.json` beside the test file: the case's
/// requests as a pretty-printed JSON array, in the order Entra sends them.
pub fn snapshot_path(file: &Path, case_name: &str) -> PathBuf {
    let stem = file
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .trim_end_matches(".test.toml")
                .to_string()
        })
        .unwrap_or_default();
    let slug: String = case_name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    file.parent()
        .unwrap_or(Path::new("."))
        .join(format!("{stem}.snapshots"))
        .join(format!("{slug}.json"))
}

/// The requests as a pretty-printed JSON array, keys in the order they are sent, so a change
/// shows in review as the lines it touches.
fn pretty_requests(
    requests: &[crate::scim::Request],
    ids: &dyn crate::scim::Resolve,
) -> serde_json::Result<String> {
    let mut compact = b"[".to_vec();
    for (i, request) in requests.iter().enumerate() {
        if i > 0 {
            compact.push(b',');
        }
        request.write_json(&mut compact, ids)?;
    }
    compact.push(b']');
    let mut out = Vec::with_capacity(compact.len() * 2);
    serde_transcode::transcode(
        &mut serde_json::Deserializer::from_slice(&compact),
        &mut serde_json::Serializer::pretty(&mut out),
    )?;
    out.push(b'\n');
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn snapshot_case(
    file: &Path,
    case: &CaseSpec,
    set: &MappingSet,
    user: &Map<String, Json>,
    options: &Options,
    update: bool,
) -> Verdict {
    let engine = match Engine::new(set, options) {
        Ok(engine) => engine,
        Err(e) => return Verdict::Broken(e.to_string()),
    };
    let mut state = RunState::new(Default::default());
    let got = match engine.provision(ResourceKind::User, 1, user, &mut state) {
        Ok(applied) => match pretty_requests(&applied.requests, engine.simulated_ids()) {
            Ok(text) => text,
            Err(e) => return Verdict::Broken(e.to_string()),
        },
        Err(e) => format!("error: {}\n", e.reason),
    };
    let path = snapshot_path(file, &case.name);
    if update {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &got));
        return match written {
            Ok(()) => Verdict::Passed,
            Err(e) => Verdict::Broken(format!("cannot write {}: {e}", path.display())),
        };
    }
    match crate::source::decode::read_text(&path) {
        // A checkout may have turned the snapshot's line ends into CRLF.
        Ok(expected) if expected.replace("\r\n", "\n") == got => Verdict::Passed,
        Ok(expected) => Verdict::Failed { expected, got },
        Err(_) => Verdict::Broken(format!(
            "no snapshot {} yet — run `entramap test --update` to write it",
            path.display()
        )),
    }
}
