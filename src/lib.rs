//! # entramap
//!
//! Runs Microsoft Entra ID's provisioning attribute-mapping language offline: parse and check
//! expressions the way the Entra portal does, evaluate them against user records with .NET's
//! behaviour, and turn records into the SCIM 2.0 requests Entra's provisioning service sends.
//!
//! Start from an [`Environment`]: it holds the options and owns what it loads.
//!
//! ```
//! use entramap::{Environment, Value};
//! let env = Environment::new();
//!
//! // 1. An expression, checked and compiled once, evaluated against a user.
//! let expr = env.compile(r#"Switch([country], "", "Germany", "DE", "France", "FR")"#)?;
//! assert_eq!(expr.eval(&serde_json::json!({"country": "Germany"}))?, Value::Text("DE".into()));
//!
//! // 2. What a user's attributes receive from a mapping set: what `map` sends.
//! let code42 = env.mapping("code42")?; // loaded, compiled and checked once
//! let user = serde_json::json!({"objectId": "42", "userPrincipalName": "ada@contoso.com"});
//! let values = code42.values(&user)?;
//! assert!(values.iter().any(|a| a.target == "userName"));
//!
//! // 3. The SCIM requests Entra would send for that user against an empty app.
//! let applied = code42.provision(&user)?;
//! let mut line = Vec::new();
//! applied.requests[1].write_json(&mut line, code42.simulated_ids())?;
//! assert!(line.starts_with(br#"{"method":"POST","path":"/Users","body":{"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Many records at once, as `entramap map` runs them (in parallel, in input order, with
//! sinks for requests, errors and progress): [`Mapping::run`]. Values are described in
//! docs/values.md.
//!
//! Errors and warnings are [`Diagnostic`]s with byte spans; [`Diagnostic::render`] prints them
//! rustc-style with the source line and a caret. Every error converts into [`Error`].
//!
//! The stages, in the order data flows through them (docs/architecture.md has the module
//! graph): `diagnostic` and [`options`] → [`builtins`] (the signature table) → syntax → check
//! → compile → eval → functions (the implementations) → source (the one record reader) →
//! [`Expression`] → [`country`] → [`scim`] → [`mapping`] → [`provision`] → [`Environment`] → CLI.
//! The stages' internals (syntax, check, eval, source, ...) are private; the `unstable`
//! feature makes them public for this crate's tests, benchmarks and fuzz targets, with no
//! promise of stability.
//!
//! Cargo features: `cli` (default) builds the `entramap` command (clap, mimalloc); a library
//! user can leave it out with `default-features = false`. `serve` is the workbench.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Internal invariants are asserted (`expect("why it holds")`, `debug_assert!`), never turned
// into silent defaults; the modules that read input deny panics of every kind (each says so
// at its top).
#![cfg_attr(not(test), deny(clippy::unwrap_used))]
// Without the command (and without `unstable`), what only the command uses is compiled but
// not called: the library alone.
#![cfg_attr(not(any(feature = "cli", feature = "unstable")), allow(dead_code))]

// The stages, in the order data flows through them; each imports only from those above it
// (tests/layering.rs checks this, inside the folders too; docs/architecture.md draws it). The
// folders group them: the language, the provisioning model, the applications. Each stage is
// reached by its own name (`crate::syntax`, `entramap::scim`) through the uses below.
pub mod diagnostic;
pub mod options;
mod language;
#[cfg(feature = "unstable")]
pub mod source;
#[cfg(not(feature = "unstable"))]
mod source;
mod expression;
#[cfg(feature = "unstable")]
pub mod graph_api;
#[cfg(not(feature = "unstable"))]
mod graph_api;
mod provisioning;
mod environment;
mod apps;

#[cfg(feature = "cli")]
#[doc(hidden)]
pub use apps::cli;
pub use apps::code42;
#[cfg(feature = "unstable")]
pub use apps::sample;
#[cfg(all(feature = "cli", not(feature = "unstable")))]
use apps::sample;
#[cfg(feature = "serve")]
pub use apps::serve;
pub use apps::suite;
#[cfg(feature = "sync")]
pub use apps::sync;
pub use language::{builtins, value};
#[cfg(feature = "unstable")]
pub use language::{check, eval, graph, syntax};
#[cfg(not(feature = "unstable"))]
use language::{check, eval, graph, syntax};
use language::{compile, functions};
pub use provisioning::{country, mapping, provision, scim};

// README's Rust snippets are compiled and run as doc tests, so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use check::Analysis;
pub use diagnostic::{Diagnostic, LineIndex, Severity, Span};
pub use environment::{Environment, Mapping};
pub use eval::{Env, EvalError, TraceEntry};
pub use expression::{Expression, ExpressionError, analyze};
pub use options::{Options, OptionsError};
pub use scim::ResourceKind;
pub use value::{Nothing, Value};

/// `Result` with the library's umbrella [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Every error the library's operations return, for callers that want one type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The expression does not parse, check or compile; each diagnostic has its span.
    #[error(transparent)]
    Expression(#[from] expression::ExpressionError),
    /// Evaluation failed.
    #[error(transparent)]
    Eval(#[from] eval::EvalError),
    /// A mapping set does not compile.
    #[error(transparent)]
    Config(#[from] provision::ConfigError),
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

/// Compile `text` and evaluate it against one JSON object: the shortest path from an
/// expression and a user to a value.
///
/// ```
/// let options = entramap::Options::default();
/// let user = serde_json::json!({"givenName": "Zoë", "surname": "Müller"});
/// let value = entramap::evaluate(r#"NormalizeDiacritics(Join(".", [givenName], [surname]))"#, &user, &options)?;
/// assert_eq!(value, entramap::Value::Text("Zoe.Muller".into()));
/// # Ok::<(), entramap::Error>(())
/// ```
pub fn evaluate(text: &str, user: &serde_json::Value, options: &Options) -> Result<Value, Error> {
    Expression::compile(text, options)?.eval(user)
}
