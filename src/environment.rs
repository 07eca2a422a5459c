//! The library's front door: one [`Environment`] holds the options and hands out everything a
//! caller needs — checked and compiled expressions, mapping sets, and the engine that turns
//! records into SCIM requests. Modelled on minijinja's `Environment`.

use crate::check::{Analysis, analyze};
use crate::eval::Env;
use crate::expression::{Expression, ExpressionError};
use crate::mapping::{self, LoadError, Loaded, MappingSet};
use crate::options::{Options, OptionsError};
use crate::provision::{ConfigError, Engine};

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
}

impl Environment {
    /// An environment with the default options (Entra's documented behaviour).
    pub fn new() -> Environment {
        Environment::default()
    }

    /// An environment with these options.
    pub fn with_options(options: Options) -> Environment {
        Environment { options }
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
}
