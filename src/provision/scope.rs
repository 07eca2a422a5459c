//! Scoping filters (docs/mapping.md#scoping-filters): in scope if any group has all its clauses true.

use crate::eval::value::Value;
use crate::eval::{Lookup, Source};
use crate::mapping::{ObjectMapping, ScopeClause};
use crate::source::SlotSource;

/// Scoping filter (docs/mapping.md#scoping-filters): in scope if there is no filter, or any group's clauses all hold.
pub(super) fn in_scope(def: &ObjectMapping, source: &SlotSource<'_>) -> bool {
    def.scope.is_empty()
        || def
            .scope
            .iter()
            .any(|g| g.clauses.iter().all(|c| clause_holds(c, source)))
}

fn clause_holds(c: &ScopeClause, source: &SlotSource<'_>) -> bool {
    let value = match source.lookup(0, &c.attribute) {
        Ok(Lookup::Found(v)) | Ok(Lookup::FoundIgnoringCase(v, _)) => v,
        _ => Value::Null,
    };
    let text = value.text().map(|t| t.into_owned());
    let first = c.values.first().map(String::as_str).unwrap_or("");
    let op = c.operator.to_ascii_uppercase().replace('_', " ");
    match op.as_str() {
        "IS NULL" => text.as_deref().is_none_or(str::is_empty),
        "IS NOT NULL" => text.as_deref().is_some_and(|t| !t.is_empty()),
        "IS TRUE" => {
            matches!(value, Value::Bool(true))
                || text.as_deref().and_then(crate::eval::value::parse_bool) == Some(true)
        }
        "IS FALSE" => {
            matches!(value, Value::Bool(false))
                || text.as_deref().and_then(crate::eval::value::parse_bool) == Some(false)
        }
        "EQUALS" => text.is_some_and(|t| t.eq_ignore_ascii_case(first)),
        "NOT EQUALS" => text.is_none_or(|t| !t.eq_ignore_ascii_case(first)),
        "INCLUDES" => text.is_some_and(|t| c.values.iter().any(|v| v.eq_ignore_ascii_case(&t))),
        "NOT INCLUDES" => text.is_none_or(|t| !c.values.iter().any(|v| v.eq_ignore_ascii_case(&t))),
        "STARTS WITH" => text.is_some_and(|t| t.to_lowercase().starts_with(&first.to_lowercase())),
        "NOT STARTS WITH" => {
            text.is_none_or(|t| !t.to_lowercase().starts_with(&first.to_lowercase()))
        }
        "ENDS WITH" => text.is_some_and(|t| t.to_lowercase().ends_with(&first.to_lowercase())),
        "GREATER THAN" => text
            .and_then(|t| t.parse::<i64>().ok())
            .zip(first.parse::<i64>().ok())
            .is_some_and(|(a, b)| a > b),
        "LESS THAN" => text
            .and_then(|t| t.parse::<i64>().ok())
            .zip(first.parse::<i64>().ok())
            .is_some_and(|(a, b)| a < b),
        "REGEX MATCH" => text.is_some_and(|t| {
            fancy_regex::Regex::new(first)
                .ok()
                .and_then(|r| r.is_match(&t).ok())
                .unwrap_or(false)
        }),
        "NOT REGEX MATCH" => text.is_none_or(|t| {
            !fancy_regex::Regex::new(first)
                .ok()
                .and_then(|r| r.is_match(&t).ok())
                .unwrap_or(false)
        }),
        _ => false,
    }
}
