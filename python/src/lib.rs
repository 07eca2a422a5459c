//! `entramap._entramap`: the Python face of the entramap library (docs/python.md). Every
//! function here converts Python values to the library's, calls its public API and converts
//! back; the engine is the one the command runs. A Rust panic is caught and raised as
//! `entramap.Error`, never as an interpreter crash.

mod convert;
mod run;

use std::panic::{AssertUnwindSafe, catch_unwind};

use entramap::provision::target::TargetStore;
use entramap::provision::{Link, RunState};
use entramap::{Diagnostic as RustDiagnostic, Environment, Options, ResourceKind, Severity, Value};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use serde::de::DeserializeSeed;
use serde_json::Value as Json;

use convert::{SharedStrs, ToPython, write_json};

create_exception!(entramap, Error, PyException, "Every error entramap raises.");
create_exception!(
    entramap,
    ExpressionError,
    Error,
    "An expression does not parse, check or compile; `diagnostics` says what and where."
);
create_exception!(
    entramap,
    EvaluationError,
    Error,
    "Evaluating an expression, or one mapping of a set, failed for a record."
);
create_exception!(
    entramap,
    MappingError,
    Error,
    "A mapping set cannot be loaded or does not compile."
);
create_exception!(
    entramap,
    InputError,
    Error,
    "An argument is not what it should be: a user that is not a dict, unknown options, an unreadable state record."
);

/// Run `f`, turning a panic into `entramap.Error`.
fn guarded<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("a panic");
        Err(Error::new_err(format!(
            "internal error in entramap ({what}); please report it with the input that caused it"
        )))
    })
}

// ---- Python values in and out -------------------------------------------------------------

/// A Python value as JSON (dicts with string keys, lists, tuples, str, int, float, bool,
/// None); `what` names it in the error (`users[3]`).
fn to_json(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Json> {
    let mut text = Vec::new();
    write_json(value, &mut text).map_err(|e| InputError::new_err(format!("{what}{e}")))?;
    serde_json::from_slice(&text).map_err(|e| InputError::new_err(format!("{what}: {e}")))
}

/// A user record: a dict, as JSON.
fn record(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Json> {
    if !value.is_instance_of::<PyDict>() {
        return Err(InputError::new_err(format!(
            "{what} is a {}, not a dict of attributes",
            type_name(value)
        )));
    }
    to_json(value, what)
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| "value".to_string(), |n| n.to_string())
}

fn to_python(py: Python<'_>, value: &Json) -> PyResult<Py<PyAny>> {
    let strs = SharedStrs::default();
    ToPython { py, strs: &strs }
        .deserialize(value)
        .map(Bound::unbind)
        .map_err(|e| Error::new_err(e.to_string()))
}

/// The library's value in Python terms: text `str`, a list `list[str]`, a Boolean `bool`, an
/// integer `int`, a date the `str` Entra shows, nothing `None`.
fn value_to_python(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    Ok(match value {
        Value::Text(t) | Value::Date(t) => PyString::new(py, t).into_any().unbind(),
        Value::List(items) => PyList::new(py, items)?.into_any().unbind(),
        Value::Boolean(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Integer(i) => i.into_pyobject(py)?.into_any().unbind(),
        Value::Nothing(_) => py.None(),
    })
}

/// Options from a dict of flat keys (`{"iif_null": "lazy"}`), and `now` over them.
fn options(given: Option<&Bound<'_, PyDict>>, now: Option<&str>) -> PyResult<Options> {
    options_over(&Options::default(), given, now)
}

/// `base` with a dict of flat keys and `now` over it.
fn options_over(
    base: &Options,
    given: Option<&Bound<'_, PyDict>>,
    now: Option<&str>,
) -> PyResult<Options> {
    let mut changes = match given {
        Some(dict) => match to_json(dict.as_any(), "options")? {
            Json::Object(map) => map,
            _ => serde_json::Map::new(),
        },
        None => serde_json::Map::new(),
    };
    if let Some(now) = now {
        changes.insert("now".into(), Json::String(now.to_string()));
    }
    base.with_changes(changes)
        .map_err(|e| InputError::new_err(format!("options: {e}")))
}

fn expression_error(py: Python<'_>, e: &entramap::ExpressionError) -> PyErr {
    let err = ExpressionError::new_err(e.render("<expr>").trim_end().to_string());
    let diagnostics: Vec<Diagnostic> = e
        .diagnostics
        .iter()
        .map(|d| Diagnostic::new(d, &e.text))
        .collect();
    if let Ok(list) = PyList::new(py, diagnostics) {
        let _ = err.value(py).setattr("diagnostics", list);
    }
    err
}

fn library_error(py: Python<'_>, e: entramap::Error) -> PyErr {
    match e {
        entramap::Error::Expression(e) => expression_error(py, &e),
        entramap::Error::Eval(e) => EvaluationError::new_err(e.message.clone()),
        entramap::Error::Config(e) => MappingError::new_err(e.to_string()),
        entramap::Error::Mapping(e) => MappingError::new_err(e.to_string()),
        entramap::Error::Options(e) => InputError::new_err(format!("options: {e}")),
        entramap::Error::Record(e) => InputError::new_err(e.to_string()),
        other => Error::new_err(other.to_string()),
    }
}

// ---- check and Diagnostic ------------------------------------------------------------------

/// One finding about an expression: its `code` (docs/codes.md), `severity` (`"error"`,
/// `"warning"`), `message`, 1-based `line` and `column`, `help`; `str(d)` is the rendered,
/// caret-underlined text.
#[pyclass(module = "entramap", frozen, get_all)]
struct Diagnostic {
    code: String,
    severity: String,
    message: String,
    line: usize,
    column: usize,
    help: Option<String>,
    rendered: String,
}

impl Diagnostic {
    fn new(d: &RustDiagnostic, text: &str) -> Diagnostic {
        let (line, column) = d.line_col(text);
        Diagnostic {
            code: d.code.to_string(),
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            }
            .to_string(),
            message: d.message.clone(),
            line,
            column,
            help: d.help.clone(),
            rendered: d.render(text, "<expr>"),
        }
    }
}

#[pymethods]
impl Diagnostic {
    fn __str__(&self) -> String {
        self.rendered.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "Diagnostic(code={:?}, severity={:?}, line={}, column={}, message={:?})",
            self.code, self.severity, self.line, self.column, self.message
        )
    }
}

/// Every error and warning of `expression`, as `entramap check -f` finds them.
#[pyfunction]
#[pyo3(signature = (expression, *, options=None))]
fn check(expression: &str, options: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<Diagnostic>> {
    guarded(|| {
        let options = self::options(options, None)?;
        let analysis = entramap::mapping::check::check_expression(expression, &options);
        Ok(analysis
            .diagnostics
            .iter()
            .map(|d| Diagnostic::new(d, expression))
            .collect())
    })
}

// ---- Expression and evaluate ---------------------------------------------------------------

/// An expression compiled once: `evaluate(user)` as often as needed.
#[pyclass(module = "entramap", frozen)]
struct Expression {
    inner: entramap::Expression,
}

impl Expression {
    /// The record the expression reads: only its attributes, when the dict has each under
    /// its exact name (any other spelling is matched by the engine on the whole record).
    fn user(&self, user: &Bound<'_, PyAny>) -> PyResult<Json> {
        let dict = user.cast::<PyDict>().map_err(|_| {
            InputError::new_err(format!(
                "user is a {}, not a dict of attributes",
                type_name(user)
            ))
        })?;
        let mut map = serde_json::Map::with_capacity(self.inner.attributes().len());
        for name in self.inner.attributes() {
            match dict.get_item(name)? {
                Some(value) => {
                    map.insert(name.clone(), to_json(&value, &format!("user[{name:?}]"))?);
                }
                None if dict.len() > map.len() => return record(user, "user"),
                None => {}
            }
        }
        Ok(Json::Object(map))
    }
}

#[pymethods]
impl Expression {
    #[new]
    #[pyo3(signature = (expression, *, options=None))]
    fn new(
        py: Python<'_>,
        expression: &str,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guarded(|| {
            let options = self::options(options, None)?;
            entramap::Expression::compile(expression, &options)
                .map(|inner| Expression { inner })
                .map_err(|e| expression_error(py, &e))
        })
    }

    /// The value for one user (a dict): `str`, `list[str]`, `bool`, `int`, or `None` when
    /// nothing flows.
    fn evaluate(&self, py: Python<'_>, user: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        guarded(|| {
            let user = self.user(user)?;
            let value = self.inner.eval(&user).map_err(|e| library_error(py, e))?;
            value_to_python(py, &value)
        })
    }

    /// The tree the service stores for it (Graph's attributeMappingSource) as a dict.
    fn to_graph(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guarded(|| to_python(py, &self.inner.to_graph()))
    }

    /// The text as written.
    #[getter]
    fn text(&self) -> String {
        self.inner.text().to_string()
    }

    /// Warnings found when compiling.
    #[getter]
    fn warnings(&self) -> Vec<Diagnostic> {
        self.inner
            .warnings()
            .iter()
            .map(|d| Diagnostic::new(d, self.inner.text()))
            .collect()
    }

    /// The canonical text.
    fn __str__(&self) -> String {
        self.inner.canonical_text()
    }

    fn __repr__(&self) -> String {
        format!("Expression({:?})", self.inner.text())
    }
}

/// Compile `expression` and evaluate it for one user.
#[pyfunction]
#[pyo3(signature = (expression, user, *, options=None, now=None))]
fn evaluate(
    py: Python<'_>,
    expression: &str,
    user: &Bound<'_, PyAny>,
    options: Option<&Bound<'_, PyDict>>,
    now: Option<&str>,
) -> PyResult<Py<PyAny>> {
    guarded(|| {
        let options = self::options(options, now)?;
        let compiled = entramap::Expression::compile(expression, &options)
            .map_err(|e| expression_error(py, &e))?;
        Expression { inner: compiled }.evaluate(py, user)
    })
}

// ---- Mapping and map -----------------------------------------------------------------------

/// Where a mapping set comes from, to compile it again under other options.
#[derive(Clone)]
enum Source {
    Named(String),
    Text(String),
}

/// A mapping set (built in, a file, or a Graph schema given as a dict), compiled.
#[pyclass(module = "entramap", frozen)]
struct Mapping {
    source: Source,
    options: Options,
    inner: entramap::Mapping,
}

impl Mapping {
    /// `source` loaded and compiled under `options`.
    fn compile(source: Source, options: Options, py: Python<'_>) -> PyResult<Mapping> {
        let env = Environment::with_options(options.clone());
        let inner = match &source {
            Source::Named(name) => env.mapping(name),
            Source::Text(text) => env.mapping_from_text(text, "graph.json"),
        }
        .map_err(|e| library_error(py, e))?;
        Ok(Mapping {
            source,
            options,
            inner,
        })
    }
}

/// The result of `Mapping.map`: `requests` (what the command prints, in order), `summary`,
/// `state` (the links, as the state file's records) and `errors` (the error records).
#[pyclass(module = "entramap", frozen)]
struct Run {
    #[pyo3(get)]
    requests: Py<PyList>,
    #[pyo3(get)]
    summary: Py<PyDict>,
    /// The links, made into records when `state` is first read: like the command, which
    /// writes them only for `--state-out`, a run whose state is not wanted does not pay for it.
    links: std::sync::Mutex<Vec<Link>>,
    state: std::sync::OnceLock<Py<PyList>>,
    #[pyo3(get)]
    errors: Py<PyList>,
    #[pyo3(get)]
    warnings: Py<PyList>,
}

#[pymethods]
impl Run {
    #[getter]
    fn state(&self, py: Python<'_>) -> PyResult<Py<PyList>> {
        if let Some(state) = self.state.get() {
            return Ok(state.clone_ref(py));
        }
        let links = match self.links.lock() {
            Ok(mut links) => std::mem::take(&mut *links),
            Err(_) => return Err(Error::new_err("the run's links are unreadable")),
        };
        // Built holding the GIL throughout, so no other thread builds it meanwhile.
        let state = state_records(py, links)?;
        Ok(self.state.get_or_init(|| state).clone_ref(py))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Run(requests={}, summary={})",
            self.requests.bind(py).len(),
            self.summary
                .bind(py)
                .repr()
                .map_or_else(|_| String::new(), |r| r.to_string())
        )
    }
}

/// The state file's records, built directly: each key and kind made once.
fn state_records(py: Python<'_>, links: Vec<Link>) -> PyResult<Py<PyList>> {
    let keys = [
        pyo3::intern!(py, "kind"),
        pyo3::intern!(py, "sourceId"),
        pyo3::intern!(py, "targetId"),
    ];
    let kinds =
        [ResourceKind::User, ResourceKind::Group].map(|kind| PyString::new(py, kind.plural()));
    let state = PyList::empty(py);
    for link in links {
        let kind = &kinds[usize::from(link.kind == ResourceKind::Group)];
        let record = PyDict::new(py);
        record.set_item(keys[0], kind)?;
        record.set_item(keys[1], link.source_id)?;
        record.set_item(keys[2], link.target_id)?;
        state.append(record)?;
    }
    Ok(state.unbind())
}

#[pymethods]
impl Mapping {
    #[new]
    #[pyo3(signature = (name_or_path, *, options=None))]
    fn new(
        py: Python<'_>,
        name_or_path: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guarded(|| {
            let name: String = name_or_path
                .str()
                .map_err(|_| InputError::new_err("name_or_path must be a str or a path"))?
                .to_string();
            Mapping::compile(Source::Named(name), self::options(options, None)?, py)
        })
    }

    /// A mapping set from a Graph synchronizationSchema given as a dict.
    #[staticmethod]
    #[pyo3(signature = (schema, *, options=None))]
    fn from_graph(
        py: Python<'_>,
        schema: &Bound<'_, PyAny>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guarded(|| {
            if !schema.is_instance_of::<PyDict>() {
                return Err(InputError::new_err(format!(
                    "schema is a {}, not a dict (a synchronizationSchema)",
                    type_name(schema)
                )));
            }
            let mut text = Vec::new();
            write_json(schema, &mut text).map_err(|e| InputError::new_err(format!("schema{e}")))?;
            let text = String::from_utf8(text).map_err(|e| InputError::new_err(e.to_string()))?;
            Mapping::compile(Source::Text(text), self::options(options, None)?, py)
        })
    }

    /// The set's name.
    #[getter]
    fn name(&self) -> String {
        self.inner.set().name.clone()
    }

    /// Warnings about the file it was read from.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.inner
            .warnings()
            .iter()
            .map(|w| w.message.clone())
            .collect()
    }

    /// What each user attribute receives for `user`, as `map` computes it on create; an
    /// attribute whose mapping fails raises `EvaluationError` naming it.
    fn values(&self, py: Python<'_>, user: &Bound<'_, PyAny>) -> PyResult<Py<PyDict>> {
        guarded(|| {
            let user = record(user, "user")?;
            let values = self.inner.values(&user).map_err(|e| library_error(py, e))?;
            let out = PyDict::new(py);
            for attribute in values {
                match attribute.value {
                    Ok(value) => out.set_item(&attribute.target, value_to_python(py, &value)?)?,
                    // The message names the attribute and shows where the expression failed.
                    Err(e) => return Err(EvaluationError::new_err(e.message)),
                }
            }
            Ok(out.unbind())
        })
    }

    /// Run `users` (any iterable of dicts) and `groups` as `entramap map` does, against
    /// `current` (the app's objects) and `state` (links of an earlier run).
    #[pyo3(signature = (users, *, groups=None, current=None, state=None, options=None))]
    fn map(
        &self,
        py: Python<'_>,
        users: &Bound<'_, PyAny>,
        groups: Option<&Bound<'_, PyAny>>,
        current: Option<&Bound<'_, PyAny>>,
        state: Option<&Bound<'_, PyAny>>,
        options: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Run> {
        guarded(|| {
            let _paused = run::GcPause::new(py)?;
            let mapping = match options {
                Some(given) => {
                    let options = options_over(&self.options, Some(given), None)?;
                    Mapping::compile(self.source.clone(), options, py)?.inner
                }
                None => self.inner.clone(),
            };
            let mut store = TargetStore::default();
            if let Some(current) = current {
                for (i, resource) in current.try_iter()?.enumerate() {
                    store.push(&record(&resource?, &format!("current[{i}]"))?);
                }
            }
            if let Some(state) = state {
                let mut links = Vec::new();
                for (i, link) in state.try_iter()?.enumerate() {
                    let what = format!("state[{i}]");
                    let json = record(&link?, &what)?;
                    links.push(serde_json::from_value::<Link>(json).map_err(|e| {
                        InputError::new_err(format!("{what}: not a state record ({e})"))
                    })?);
                }
                store = store.with_links(links);
            }
            let ran = run::run(py, &mapping, users, groups, RunState::new(store))?;
            let summary = PyDict::new(py);
            for (key, n) in [
                ("records", ran.summary.total()),
                ("created", ran.summary.created),
                ("updated", ran.summary.updated),
                ("disabled", ran.summary.disabled),
                ("deleted", ran.summary.deleted),
                ("skipped", ran.summary.skipped),
                ("failed", ran.summary.failed),
            ] {
                summary.set_item(key, n)?;
            }
            let errors = PyList::empty(py);
            for e in &ran.errors {
                errors.append(to_python(py, e)?)?;
            }
            Ok(Run {
                requests: ran.requests.unbind(),
                summary: summary.unbind(),
                links: std::sync::Mutex::new(ran.links),
                state: std::sync::OnceLock::new(),
                errors: errors.unbind(),
                warnings: PyList::new(py, ran.warnings)?.unbind(),
            })
        })
    }

    fn __repr__(&self) -> String {
        format!("Mapping({:?})", self.inner.set().name)
    }
}

// ---- the command ---------------------------------------------------------------------------

/// Run the `entramap` command with `argv` (its first item the program name) on the process's
/// standard streams; returns the exit code.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> PyResult<u8> {
    guarded(|| {
        Ok(py.detach(|| {
            use std::io::IsTerminal;
            let terminals = entramap::cli::Terminals {
                stdout: std::io::stdout().is_terminal(),
                stderr: std::io::stderr().is_terminal(),
                stdin: std::io::stdin().is_terminal(),
            };
            entramap::cli::run_on(
                argv,
                &mut std::io::stdin(),
                &mut std::io::stdout(),
                &mut std::io::stderr(),
                terminals,
            )
        }))
    })
}

#[pymodule]
fn _entramap(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("Error", py.get_type::<Error>())?;
    m.add("ExpressionError", py.get_type::<ExpressionError>())?;
    m.add("EvaluationError", py.get_type::<EvaluationError>())?;
    m.add("MappingError", py.get_type::<MappingError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add_class::<Diagnostic>()?;
    m.add_class::<Expression>()?;
    m.add_class::<Mapping>()?;
    m.add_class::<Run>()?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    Ok(())
}
