//! The one validator of a mapping set (`entramap check --mapping`, the workbench): the
//! engine's configuration errors — what stops `map` — in the words `map` uses, then the
//! lints on top ([`crate::mapping::check::lint_set`]).

use super::{ConfigError, Engine, MappingProblem};
use crate::diagnostic::{Diagnostic, Span};
use crate::mapping::MappingSet;
use crate::mapping::check::{Finding, lint_set};
use crate::options::Options;

/// Every error and warning about `set`: `map` refuses to run exactly when one is an error of
/// the engine's.
pub fn check_set(set: &MappingSet, options: &Options) -> Vec<Finding> {
    let options = &*options.for_dialect(set.dialect);
    let errors = match Engine::new(set, options) {
        Ok(_) => Vec::new(),
        Err(ConfigError { errors }) => errors,
    };
    let failed = |object: &str, index: usize| {
        errors.iter().any(|e| {
            e.kind.plural() == object
                && e.index == index
                && matches!(e.problem, MappingProblem::Expression(_))
        })
    };
    let mut findings: Vec<Finding> = errors.iter().flat_map(findings_of).collect();
    findings.extend(lint_set(set, options, &failed));
    findings
}

/// A configuration error as findings: one, or an expression's every diagnostic.
fn findings_of(error: &super::MappingError) -> Vec<Finding> {
    let mapping = format!(
        "{}.mappings[{}] ({})",
        error.kind, error.index, error.target
    );
    let plain = |place: String, diagnostic: Diagnostic| Finding {
        place,
        source: None,
        target: None,
        diagnostic,
    };
    let problem = &error.problem;
    match problem {
        MappingProblem::Expression(e) => e
            .diagnostics
            .iter()
            .map(|d| Finding {
                place: mapping.clone(),
                source: Some(e.text.clone()),
                target: Some(error.target.clone()),
                diagnostic: d.clone(),
            })
            .collect(),
        MappingProblem::Sources => vec![plain(
            mapping,
            Diagnostic::error(problem.code(), Span::default(), problem.message()),
        )],
        MappingProblem::Target(_) => vec![plain(
            mapping,
            Diagnostic::error(problem.code(), Span::default(), problem.message()).with_help(
                "target paths look like userName, name.givenName, emails[type eq \"work\"].value or urn:...:User:department",
            ),
        )],
        MappingProblem::NoMatching | MappingProblem::Scope(_) => vec![plain(
            error.kind.to_string(),
            Diagnostic::error(problem.code(), Span::default(), problem.message()),
        )],
    }
}
