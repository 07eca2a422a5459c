//! The library's front door: one [`Environment`] holds the options and owns what it loads —
//! mapping sets and their compiled engines, cached by name — and hands out checked and
//! compiled expressions. Modelled on minijinja's `Environment`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;

use crate::check::Analysis;
use crate::eval::Env;
use crate::expression::analyze;
use crate::expression::{Expression, ExpressionError};
use crate::mapping::{self, LoadError, Loaded, MappingSet};
use crate::options::{Options, OptionsError};
use crate::provision::{Applied, AttributeValue, ConfigError, Engine, RecordError, RunState};
use crate::scim::{ResourceKind, SimulatedIds};

/// Options plus the operations that use them.
///
/// ```
/// use entramap::Environment;
/// let env = Environment::new();
/// let expr = env.compile(r#"ToLower([mail])"#)?;
/// let user = serde_json::json!({"mail": "Ada@Contoso.com"});
/// assert_eq!(expr.eval_json(&user, &mut env.eval_env()?)?.to_string(), "ada@contoso.com");
/// # Ok::<(), entramap::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Environment {
    options: Options,
    /// Mapping sets loaded and compiled, by the name or path they were asked for; shared by
    /// clones.
    mappings: Arc<Mutex<HashMap<String, Mapping>>>,
}

impl Environment {
    /// An environment with the default options (Entra's documented behaviour).
    pub fn new() -> Environment {
        Environment::default()
    }

    /// An environment with these options.
    pub fn with_options(options: Options) -> Environment {
        Environment {
            options,
            mappings: Arc::default(),
        }
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Parse and check `text` without compiling it: every error and warning, by position.
    pub fn analyze(&self, text: &str) -> Analysis {
        analyze(text, &self.options)
    }

    /// Parse, check and compile an expression.
    pub fn compile(&self, text: &str) -> Result<Expression, ExpressionError> {
        Expression::compile(text, &self.options)
    }

    /// What one evaluation reads besides the record: the clock and the seed from the options.
    pub fn eval_env(&self) -> Result<Env<'static>, OptionsError> {
        Env::new(&self.options)
    }

    /// A built-in mapping set by name (`code42`, `scim-default`, ...) or a mapping file:
    /// a Graph synchronizationSchema (JSON) or the native TOML format.
    pub fn load_mappings(&self, name_or_path: &str) -> Result<Loaded, LoadError> {
        mapping::load(name_or_path, &self.options)
    }

    /// A mapping set from text in either format; `origin` names it in messages.
    pub fn parse_mappings(&self, text: &str, origin: &str) -> Result<Loaded, LoadError> {
        mapping::parse_any(text, origin, &self.options)
    }

    /// Compile every mapping of `set` into the engine that turns records into requests.
    /// Every configuration error is reported here, before any record is read.
    pub fn provisioner(&self, set: &MappingSet) -> Result<Engine, ConfigError> {
        Engine::new(set, &self.options)
    }

    /// A mapping set from its text (native TOML or a Graph synchronizationSchema), loaded and
    /// compiled (not kept: each call compiles anew). `origin` names it in messages.
    pub fn mapping_from_text(&self, text: &str, origin: &str) -> Result<Mapping, crate::Error> {
        self.compiled(self.parse_mappings(text, origin)?)
    }

    /// A loaded set with its engine.
    fn compiled(&self, loaded: Loaded) -> Result<Mapping, crate::Error> {
        let engine = self.provisioner(&loaded.set)?;
        Ok(Mapping {
            inner: Arc::new(Compiled { loaded, engine }),
        })
    }

    /// A mapping set by name (`code42`, `scim-default`, …) or path, loaded and compiled once
    /// and kept: every configuration error is reported here, before any record is read. A
    /// file is kept by its canonical path and read once per environment (and its clones): to
    /// see later edits, make a new `Environment`.
    ///
    /// ```
    /// use entramap::{Environment, Value};
    /// let env = Environment::new();
    /// let code42 = env.mapping("code42")?;
    /// let user = serde_json::json!({"objectId": "1", "userPrincipalName": "ada@contoso.com"});
    /// let user_name = code42.values(&user)?.into_iter().find(|a| a.target == "userName");
    /// assert_eq!(user_name.unwrap().value, Ok(Value::Text("ada@contoso.com".into())));
    /// let applied = code42.provision(&user)?; // the GET and the POST, against an empty app
    /// assert_eq!(applied.requests.len(), 2);
    /// # Ok::<(), entramap::Error>(())
    /// ```
    pub fn mapping(&self, name_or_path: &str) -> Result<Mapping, crate::Error> {
        let key = match mapping::builtin::get(name_or_path) {
            Some(_) => name_or_path.to_string(),
            None => std::fs::canonicalize(name_or_path)
                .map_or_else(|_| name_or_path.to_string(), |p| p.display().to_string()),
        };
        let cached = |mappings: &HashMap<String, Mapping>| mappings.get(&key).cloned();
        if let Some(mapping) = self.mappings.lock().ok().and_then(|m| cached(&m)) {
            return Ok(mapping);
        }
        // Loaded and compiled outside the lock: another thread may do the same meanwhile,
        // and the first one kept is the one every caller gets.
        let mapping = self.compiled(self.load_mappings(name_or_path)?)?;
        Ok(match self.mappings.lock() {
            Ok(mut mappings) => mappings.entry(key).or_insert(mapping).clone(),
            Err(_) => mapping,
        })
    }
}

/// A mapping set and its compiled engine, from [`Environment::mapping`]. Cheap to clone;
/// `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Mapping {
    inner: Arc<Compiled>,
}

#[derive(Debug)]
struct Compiled {
    loaded: Loaded,
    engine: Engine,
}

impl Mapping {
    /// The mapping set.
    pub fn set(&self) -> &MappingSet {
        &self.inner.loaded.set
    }

    /// Warnings about the file it was loaded from.
    pub fn warnings(&self) -> &[crate::Diagnostic] {
        &self.inner.loaded.warnings
    }

    /// The compiled engine: planning, applying and whole runs
    /// ([`crate::provision::run::run`]).
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The ids `map` gives created objects, to write requests with
    /// ([`crate::scim::Request::write_json`]).
    pub fn simulated_ids(&self) -> &SimulatedIds {
        self.inner.engine.simulated_ids()
    }

    /// Many records, as `entramap map` runs them: users then groups, planned in parallel,
    /// applied and written in input order; requests go to `sinks.requests` as JSON lines, each
    /// failed record to `sinks.on_error`. `state` holds the target's current objects and
    /// links, and the ids given in this run (`RunState::links` for `--state-out`). The
    /// summary's counts add up to the records read; `Err` only for I/O failures.
    pub fn run(
        &self,
        users: Vec<crate::provision::run::Input<'_>>,
        groups: Vec<crate::provision::run::Input<'_>>,
        state: &mut RunState,
        sinks: &mut crate::provision::run::Sinks<'_>,
    ) -> std::io::Result<crate::provision::Summary> {
        crate::provision::run::run(&self.inner.engine, users, groups, state, sinks)
    }

    /// What each user attribute receives for `user` (a JSON object): what `map` sends on
    /// create (docs/values.md).
    pub fn values(&self, user: &Json) -> Result<Vec<AttributeValue>, crate::Error> {
        let user = record(user)?;
        Ok(self.inner.engine.values(ResourceKind::User, user)?)
    }

    /// The requests Entra would send for `user` (a JSON object) against an empty app, with
    /// `map`'s simulated ids, and how it ends.
    pub fn provision(&self, user: &Json) -> Result<Applied, crate::Error> {
        let user = record(user)?;
        let mut state = RunState::default();
        Ok(self
            .inner
            .engine
            .provision(ResourceKind::User, 1, user, &mut state)?)
    }
}

fn record(user: &Json) -> Result<&serde_json::Map<String, Json>, RecordError> {
    user.as_object().ok_or_else(|| {
        RecordError::new(
            ResourceKind::User,
            1,
            crate::diagnostic::Code::UnreadableRecord,
            "a user is a JSON object of attributes".into(),
        )
    })
}
