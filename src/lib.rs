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
//! 3. [`graph`] — Graph's `attributeMappingSource` JSON, both ways.
//! 4. [`cli`] — the `entramap` command, a thin layer over the above.
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
pub use options::Options;

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
