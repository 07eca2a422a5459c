//! # entramap
//!
//! Runs Microsoft Entra ID's provisioning attribute-mapping language offline.
//!
//! The data's path, one module per stage:
//!
//! 1. [`syntax`] — text → typed tree with spans (pest grammar in `grammar/entra.pest`),
//!    canonical printer, tree dump.
//! 2. [`check`] — the tree against the one table of built-ins in [`functions`]: unknown names,
//!    arity, lints.
//! 3. `compile` — names → table entries, attributes → slots, constant work done once.
//! 4. [`eval`] — values and Null rules; the functions by family live in [`functions`];
//!    [`source`] reads user records with Entra's normalisation.
//! 5. [`mapping`] — mapping sets (native TOML, Graph synchronizationSchema, built-ins).
//! 6. [`provision`] — records → plans (parallel) → SCIM requests ([`scim`]) in Entra's order;
//!    [`country`] resolves ISO 3166 names.
//! 7. [`graph`], [`parse_expression`] — Graph JSON both ways; [`cli`] — the `entramap` command,
//!    a thin layer over the above.
//!
//! Errors and warnings are [`Diagnostic`]s with byte spans; [`Diagnostic::render`] prints them
//! rustc-style with the source line and a caret.
//!
//! ```
//! let options = entramap::Options::default();
//! let analysis = entramap::analyze(r#"switch([IsSoftDeleted], , "False", "True", "True", "False")"#, &options);
//! let expr = analysis.expr.as_ref().unwrap();
//! assert_eq!(
//!     entramap::syntax::print::canonical(expr),
//!     r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#
//! );
//! assert_eq!(analysis.diagnostics[0].code, "function-case");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod check;
pub mod cli;
mod compile;
pub mod country;
pub mod diagnostic;
pub mod eval;
pub mod functions;
pub mod graph;
pub mod mapping;
pub mod options;
pub mod parse_expression;
pub mod provision;
pub mod records;
pub mod sample;
pub mod scim;
pub mod source;
pub mod syntax;

pub use diagnostic::{Diagnostic, Severity};
pub use options::{Options, OptionsError};

/// Every error the library's operations return, for callers that want one type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The expression does not parse or check; each diagnostic has its span.
    #[error("the expression has {} error(s); the first: {}", .0.len(), .0.first().map_or(String::new(), |d| d.to_string()))]
    Expression(Vec<Diagnostic>),
    /// Evaluation failed.
    #[error(transparent)]
    Eval(#[from] eval::EvalError),
    /// A mapping file could not be loaded.
    #[error(transparent)]
    Mapping(#[from] mapping::LoadError),
    /// A Graph tree could not be read.
    #[error(transparent)]
    Graph(#[from] graph::GraphError),
    /// A source record failed.
    #[error(transparent)]
    Record(#[from] provision::RecordError),
    /// The options are invalid (an unknown key, a bad value, an unreadable clock).
    #[error(transparent)]
    Options(#[from] options::OptionsError),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl From<Vec<Diagnostic>> for Error {
    fn from(diagnostics: Vec<Diagnostic>) -> Self {
        Error::Expression(diagnostics)
    }
}

/// Compile `text` and evaluate it against one JSON object: the shortest path from an
/// expression and a user to a value.
///
/// ```
/// let options = entramap::Options::default();
/// let user = serde_json::json!({"givenName": "Zoë", "surname": "Müller"});
/// let value = entramap::evaluate(r#"NormalizeDiacritics(Join(".", [givenName], [surname]))"#, &user, &options)?;
/// assert_eq!(value, "Zoe.Muller");
/// # Ok::<(), entramap::Error>(())
/// ```
pub fn evaluate(text: &str, user: &serde_json::Value, options: &Options) -> Result<String, Error> {
    let expr = eval::Expression::compile(text, options)?;
    let empty = serde_json::Map::new();
    let map = user.as_object().unwrap_or(&empty);
    let source = source::JsonSource::new(map, options);
    let mut env = eval::Env::new(options)?;
    let value = expr.eval(&source, options, &mut env)?;
    Ok(value.to_string())
}

/// The result of reading and checking one expression.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The tree, when the text parsed (it may still have check errors).
    pub expr: Option<syntax::ast::Expr>,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Are there any errors?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and check `src`: every error and warning, sorted by position.
pub fn analyze(src: &str, options: &Options) -> Analysis {
    let (expr, mut diagnostics) = match syntax::parse(src, options) {
        Ok(parsed) => {
            let mut diagnostics = parsed.warnings;
            diagnostics.extend(check::check(&parsed.expr, options));
            (Some(parsed.expr), diagnostics)
        }
        Err(diagnostics) => (None, diagnostics),
    };
    diagnostics.sort_by_key(|d| (d.span.start, std::cmp::Reverse(d.severity)));
    Analysis { expr, diagnostics }
}
