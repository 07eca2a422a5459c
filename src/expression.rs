//! The one way to get a runnable expression: parse → check → compile → a program that calls the
//! function implementations. This stage is where the signature table's rows meet their
//! implementations (`functions::NATIVES`), so nothing below it needs to know them.

use serde_json::Value as Json;

use crate::compile::{self, AttributeTable};
use crate::diagnostic::{Diagnostic, render_all};
use crate::eval::value::Value;
use crate::eval::{Env, EvalError, Program, Source};
use crate::functions::NATIVES;
use crate::options::Options;
use crate::source::{Projection, SOFT_DELETE_INPUTS, SlotSource};

/// Every error and warning in `src`, sorted by position: parsing and checking
/// (the `check` stage) and, when they find no error, what compiling finds — the
/// errors evaluation would give every record (docs/language.md#errors-known-before-any-user).
/// `entramap check` reports exactly what `eval` would refuse without a user.
pub fn analyze(src: &str, options: &Options) -> crate::check::Analysis {
    let mut analysis = crate::check::analyze(src, options);
    if !analysis.has_errors()
        && let Err(error) = Expression::compile(src, options)
    {
        for d in error.diagnostics {
            if d.is_error() && !analysis.diagnostics.contains(&d) {
                analysis.diagnostics.push(d);
            }
        }
        analysis
            .diagnostics
            .sort_by_key(|d| (d.span.start, std::cmp::Reverse(d.severity)));
    }
    analysis
}

/// A compiled expression: parse and check once, evaluate against many source objects.
/// `Send + Sync`: share one across threads.
///
/// ```
/// use entramap::{Env, Expression, Options};
/// let options = Options::default();
/// let expr = Expression::compile(r#"Join(" ", [givenName], [surname])"#, &options)?;
/// let user = serde_json::json!({"givenName": "Ada", "surname": "Lovelace"});
/// let mut env = Env::new(&options)?;
/// assert_eq!(expr.eval_json(&user, &mut env)?.to_string(), "Ada Lovelace");
/// # Ok::<(), entramap::Error>(())
/// ```
#[derive(Debug)]
pub struct Expression {
    text: String,
    program: Program,
    warnings: Vec<Diagnostic>,
    options: Options,
    /// How `eval_json` reads a record into the program's slots.
    projection: Projection,
}

/// An expression that does not parse, check or compile: every error, with its span.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.summary())]
pub struct ExpressionError {
    /// The expression's text (spans point into it).
    pub text: String,
    /// The errors (and any warnings found with them), in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl ExpressionError {
    /// Every diagnostic rendered rustc-style against the text, `name` heading each snippet.
    pub fn render(&self, name: &str) -> String {
        render_all(&self.diagnostics, &self.text, name)
    }

    fn summary(&self) -> String {
        let errors: Vec<&Diagnostic> = self.diagnostics.iter().filter(|d| d.is_error()).collect();
        match errors.first() {
            Some(first) => {
                let (line, column) = first.line_col(&self.text);
                format!(
                    "the expression has {} error(s); the first, at {line}:{column}: {first}",
                    errors.len()
                )
            }
            None => "the expression does not compile".to_string(),
        }
    }
}

impl Expression {
    /// Parse, check and compile `text`. Warnings are kept ([`Expression::warnings`]); any error
    /// fails the compilation.
    pub fn compile(text: &str, options: &Options) -> Result<Expression, ExpressionError> {
        Self::compile_with(text, options, AttributeTable::default())
    }

    /// Compile with a shared attribute table (all expressions of a mapping set use one, so a
    /// record is read once for all of them).
    pub(crate) fn compile_with(
        text: &str,
        options: &Options,
        mut attrs: AttributeTable,
    ) -> Result<Expression, ExpressionError> {
        let fail = |diagnostics| ExpressionError {
            text: text.to_string(),
            diagnostics,
        };
        let parsed = crate::syntax::parse(text, options).map_err(fail)?;
        let mut warnings = parsed.warnings;
        let (errors, checked): (Vec<Diagnostic>, Vec<Diagnostic>) =
            crate::check::check(&parsed.expr, options)
                .into_iter()
                .partition(Diagnostic::is_error);
        if !errors.is_empty() {
            return Err(fail(errors));
        }
        warnings.extend(checked);
        let prepare_for = |row: usize| NATIVES.get(row).and_then(|n| n.prepare);
        let root =
            compile::compile(&parsed.expr, options, &mut attrs, &prepare_for).map_err(fail)?;
        // IsSoftDeleted is derived from other attributes when a record lacks it, so a reader
        // for this expression must keep those too (docs/language.md#issoftdeleted).
        if attrs
            .names()
            .iter()
            .any(|n| n.eq_ignore_ascii_case("IsSoftDeleted"))
        {
            for name in SOFT_DELETE_INPUTS {
                attrs.slot(name);
            }
        }
        let program = Program::new(root, attrs, NATIVES);
        // What evaluation would refuse for every record is refused now (docs/language.md#errors-known-before-any-user).
        let knowable = program.knowable_errors(options);
        if !knowable.is_empty() {
            return Err(fail(knowable));
        }
        Ok(Expression {
            text: text.to_string(),
            projection: Projection::new(program.attrs.names(), options),
            program,
            warnings,
            options: options.clone(),
        })
    }

    /// The expression's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The expression's [canonical text](docs/language.md#canonical-text).
    pub fn canonical_text(&self) -> String {
        crate::syntax::parse(&self.text, &self.options).map_or_else(
            |_| self.text.clone(),
            |p| crate::syntax::print::canonical(&p.expr),
        )
    }

    /// The expression's tree as the service stores it (Graph's `attributeMappingSource`,
    /// docs/mapping.md#attributemappingsource), as JSON.
    pub fn to_graph(&self) -> Json {
        crate::syntax::parse(&self.text, &self.options)
            .ok()
            .and_then(|p| serde_json::to_value(crate::graph::to_graph(&p.expr)).ok())
            .unwrap_or(Json::Null)
    }

    /// Warnings found when compiling.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The options it was compiled with (and evaluates with).
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Every source attribute the expression reads, by slot (plus those `IsSoftDeleted` is
    /// derived from).
    pub fn attributes(&self) -> &[String] {
        self.program.attrs.names()
    }

    /// The attribute table, for compiling the next expression of a mapping set against it.
    pub(crate) fn attribute_table(&self) -> &AttributeTable {
        &self.program.attrs
    }

    /// Evaluate against one record given as a JSON object (anything else reads as an empty
    /// record). The record is read the way `map` reads one: same projection, same
    /// normalisation. Warnings (attribute names matched ignoring case) go to `env.warnings`.
    pub fn eval_json(&self, user: &Json, env: &mut Env<'_>) -> Result<Value<'static>, EvalError> {
        let empty = serde_json::Map::new();
        self.eval_object(user.as_object().unwrap_or(&empty), env)
    }

    /// [`Expression::eval_json`] for an object already in hand.
    pub fn eval_object(
        &self,
        map: &serde_json::Map<String, Json>,
        env: &mut Env<'_>,
    ) -> Result<Value<'static>, EvalError> {
        let record = self.projection.record_from_map(map);
        let source = SlotSource::new(&record, &self.projection, &self.options);
        self.run(&source, env).map(Value::into_owned)
    }

    /// Evaluate against one user (a JSON object), with the clock and seed of the options it
    /// was compiled with: the value as the library hands it out (docs/values.md).
    ///
    /// ```
    /// use entramap::{Environment, Nothing, Value};
    /// let expr = Environment::new().compile("IIF(IsNull([title]), Null, ToUpper([title]))")?;
    /// assert_eq!(expr.eval(&serde_json::json!({"title": "cto"}))?, Value::Text("CTO".into()));
    /// assert_eq!(expr.eval(&serde_json::json!({}))?, Value::Nothing(Nothing::Null));
    /// # Ok::<(), entramap::Error>(())
    /// ```
    pub fn eval(&self, user: &Json) -> Result<crate::value::Value, crate::Error> {
        let mut env = Env::new(&self.options)?;
        let value = self.eval_json(user, &mut env)?;
        Ok(crate::value::Value::from_evaluated(&value))
    }

    /// Evaluate against a source whose slots follow this expression's attribute table (or a
    /// table it is a prefix of).
    pub(crate) fn run<'a>(
        &'a self,
        source: &dyn Source<'a>,
        env: &mut Env<'_>,
    ) -> Result<Value<'a>, EvalError> {
        self.program.run(source, &self.options, env)
    }
}
