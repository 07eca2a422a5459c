//! Lints on a whole mapping set (`entramap check --mapping`): expression warnings, matching
//! priorities, SelectUniqueValue placement, and the country Switch lint
//! (docs/mapping.md#country-resolution). What stops the set from running is the engine's to
//! say (`provision::check`, which reports its configuration errors and these lints on top).

use crate::country::{self, Resolution};
use crate::diagnostic::Code;
use crate::diagnostic::{Diagnostic, render_all};
use crate::mapping::{Apply, MappingSet, ObjectMapping, TargetType};
use crate::options::Options;
use crate::scim::path::TargetPath;
use crate::syntax::ast::{Expr, ExprKind};

/// One finding, with the mapping it belongs to.
#[derive(Debug, Clone)]
pub struct Finding {
    /// `users.mappings[3] (active)`.
    pub place: String,
    /// The mapping's source text, when the finding points into it.
    pub source: Option<String>,
    /// The mapping's target attribute, when the finding is about one mapping.
    pub target: Option<String>,
    /// The finding.
    pub diagnostic: Diagnostic,
}

impl Finding {
    /// Rendered with the expression snippet when there is one.
    pub fn render(&self) -> String {
        match &self.source {
            Some(text) => render_all(std::slice::from_ref(&self.diagnostic), text, &self.place),
            None => format!(
                "{}[{}]: {}: {}\n{}\n",
                if self.diagnostic.is_error() {
                    "error"
                } else {
                    "warning"
                },
                self.diagnostic.code,
                self.place,
                self.diagnostic.message,
                self.diagnostic
                    .help
                    .as_deref()
                    .map(|h| format!("  = help: {h}\n"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// One expression checked as `entramap check -f` checks it: parse and check
/// ([`crate::analyze`]), plus the mapping-level lints that need only the expression (the
/// country table lint), in source order.
pub fn check_expression(text: &str, options: &Options) -> crate::check::Analysis {
    let mut analysis = crate::expression::analyze(text, options);
    if let Some(expr) = &analysis.expr {
        analysis.diagnostics.extend(country_table_lint(expr));
        analysis.diagnostics.sort_by_key(|d| d.span.start);
    }
    analysis
}

/// Where byte `offset` of a mapping's source text is in the mapping file's text. The text is
/// looked for as the file writes it — verbatim (a TOML literal string), escaped as in a JSON or
/// TOML basic string, or, for a direct mapping (`[name]`), as the quoted bare name — and, of the
/// places it is written, the one nearest the mapping's `target` (TOML writes the expression
/// after it, Graph JSON before it). `None` when it is not found.
pub fn locate(file_text: &str, source_text: &str, offset: usize, target: &str) -> Option<usize> {
    let escaped = |s: &str| {
        let quoted = serde_json::to_string(s).unwrap_or_default();
        quoted
            .get(1..quoted.len().saturating_sub(1))
            .unwrap_or("")
            .to_string()
    };
    // Where the mapping is: its target, as TOML writes it (the source follows) or as Graph JSON
    // writes it (the source precedes it).
    let toml_anchor = [
        format!("target = \"{}\"", escaped(target)),
        format!("target = '{target}'"),
    ]
    .iter()
    .find_map(|form| file_text.find(form.as_str()));
    let json_anchor = file_text.find(&format!("\"targetAttributeName\": \"{}\"", escaped(target)));
    let nearest = |form: &str| -> Option<usize> {
        let after = |at: usize| file_text.get(at..)?.find(form).map(|i| at + i);
        let before = |at: usize| file_text.get(..at)?.rfind(form);
        match (toml_anchor, json_anchor) {
            (Some(at), _) => after(at).or_else(|| before(at)),
            (None, Some(at)) => before(at).or_else(|| after(at)),
            (None, None) => file_text.find(form),
        }
    };
    let prefix = source_text.get(..offset)?;
    for (form, before) in [
        (source_text.to_string(), prefix.to_string()),
        (escaped(source_text), escaped(prefix)),
    ] {
        if let Some(at) = nearest(&form) {
            return Some(at + before.len());
        }
    }
    // A direct mapping's text is `[name]`; a TOML file holds `source = "name"`.
    let bare = source_text.strip_prefix('[')?.strip_suffix(']')?;
    let at = nearest(&format!("\"{bare}\""))? + 1;
    Some(at + offset.saturating_sub(1).min(bare.len()))
}

/// Every lint about `set`: what the engine's configuration errors do not say. `failed(object,
/// index)` says which mappings' expressions the engine already reported (their errors are not
/// repeated).
pub fn lint_set(
    set: &MappingSet,
    options: &Options,
    failed: &dyn Fn(&str, usize) -> bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let schema = set.graph_schema.as_deref().and_then(source_attributes);
    for (name, object, source_object) in [
        ("users", &set.users, "User"),
        ("groups", &set.groups, "Group"),
    ] {
        if let Some(object) = object {
            // Cloud Sync's Active Directory spells its objects in lower case (`user`).
            let known = schema
                .as_ref()
                .and_then(|s| {
                    s.iter()
                        .find(|(object, _)| object.eq_ignore_ascii_case(source_object))
                })
                .map(|(_, attributes)| attributes.as_slice());
            lint_object(name, object, known, options, failed, &mut out);
        }
    }
    out
}

/// The attribute names of each object (`User`, `Group`) of a Graph schema's source directory
/// (the one its synchronization rules read from).
fn source_attributes(schema_json: &str) -> Option<std::collections::HashMap<String, Vec<String>>> {
    let schema: serde_json::Value = serde_json::from_str(schema_json).ok()?;
    let source = schema
        .get("synchronizationRules")?
        .as_array()?
        .first()?
        .get("sourceDirectoryName")?
        .as_str()?;
    let directory = schema
        .get("directories")?
        .as_array()?
        .iter()
        .find(|d| d.get("name").and_then(|n| n.as_str()) == Some(source))?;
    let objects = directory.get("objects")?.as_array()?;
    Some(
        objects
            .iter()
            .filter_map(|o| {
                let name = o.get("name")?.as_str()?.to_string();
                let attributes = o
                    .get("attributes")?
                    .as_array()?
                    .iter()
                    .filter_map(|a| a.get("name")?.as_str().map(str::to_string))
                    .collect();
                Some((name, attributes))
            })
            .collect(),
    )
}

/// Attributes an expression reads that the schema's source object does not define.
fn schema_lint(expr: &Expr, known: &[String], object: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    expr.walk(&mut |e| {
        let ExprKind::Attribute(name) = &e.kind else {
            return;
        };
        if known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            return;
        }
        let mut d = Diagnostic::warning(
            Code::UnknownAttribute,
            e.span,
            format!("[{name}] is not an attribute of the schema's source {object} object, so it is Null"),
        )
        .with_label("not in the schema");
        d = match crate::diagnostic::suggest::nearest(name, known.iter().map(String::as_str), 3) {
            Some(near) => d.with_help(format!("did you mean [{near}]?")),
            None => d.with_help("add it to the source object's attribute list (Edit attribute list in the portal), or fix the name"),
        };
        out.push(d);
    });
    out
}

fn plain(place: &str, d: Diagnostic) -> Finding {
    Finding {
        place: place.to_string(),
        source: None,
        target: None,
        diagnostic: d,
    }
}

fn lint_object(
    name: &str,
    object: &ObjectMapping,
    schema_attributes: Option<&[String]>,
    options: &Options,
    failed: &dyn Fn(&str, usize) -> bool,
    out: &mut Vec<Finding>,
) {
    let zero = crate::diagnostic::span::Span::default();
    let matching: Vec<u32> = object
        .mappings
        .iter()
        .map(|m| m.matching)
        .filter(|&p| p > 0)
        .collect();
    let mut sorted = matching.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != matching.len() {
        out.push(plain(
            name,
            Diagnostic::warning(
                Code::MatchingPriority,
                zero,
                "two mappings have the same matching priority",
            )
            .with_help("give each matching attribute its own priority: 1, 2, ..."),
        ));
    }
    for (i, m) in object.mappings.iter().enumerate() {
        let place = format!("{name}.mappings[{i}] ({})", m.target);
        let kinds = [
            m.source.is_some(),
            m.expression.is_some(),
            m.constant.is_some(),
        ]
        .iter()
        .filter(|b| **b)
        .count();
        // (More than one is the engine's error.)
        if kinds == 0 && m.default.is_none() {
            out.push(plain(
                &place,
                Diagnostic::warning(
                    Code::MappingSource,
                    zero,
                    "the mapping has no source and no default, so it never sends anything",
                ),
            ));
        }
        // (A target path that does not parse is the engine's error.)
        if TargetPath::parse(&m.target)
            .is_ok_and(|p| p.to_string().ends_with(":manager") || p.to_string() == "members")
            && m.target_type != TargetType::Reference
        {
            out.push(plain(
                &place,
                Diagnostic::warning(
                    Code::ReferenceType,
                    zero,
                    "manager and members are references; set type = \"Reference\"",
                ),
            ));
        }
        let Some(text) = m.source_text() else {
            continue;
        };
        let analysis = crate::check::analyze(&text, options);
        // The engine reported this expression's errors; its warnings are still the lint's.
        let mut diagnostics = analysis.diagnostics;
        if failed(name, i) {
            diagnostics.retain(|d| !d.is_error());
        }
        if let (Some(known), Some(expr)) = (schema_attributes, &analysis.expr) {
            // The schema's own attribute list replaces the generic list of Entra's names.
            diagnostics.retain(|d| d.code != "unknown-attribute");
            let object = if name == "groups" { "Group" } else { "User" };
            diagnostics.extend(schema_lint(expr, known, object));
        }
        for d in diagnostics {
            out.push(Finding {
                place: place.clone(),
                source: Some(text.clone()),
                target: Some(m.target.clone()),
                diagnostic: d,
            });
        }
        let Some(expr) = analysis.expr else { continue };
        // A Cloud Sync placeholder (`%DomainFQDN%`) is the tenant's value, which a constant
        // mapping cannot say.
        let literal = match &expr.kind {
            ExprKind::Str(_) | ExprKind::Number(_) => true,
            ExprKind::Ident(name) => !crate::syntax::ast::is_placeholder(name),
            _ => false,
        };
        if m.expression.is_some() && literal {
            out.push(Finding {
                place: place.clone(),
                source: Some(text.clone()),
                target: Some(m.target.clone()),
                diagnostic: Diagnostic::warning(
                    Code::ConstantExpression,
                    expr.span,
                    "this expression is a constant",
                )
                .with_label("always the same value")
                .with_help("use a Constant mapping (constant = \"...\") instead"),
            });
        }
        let mut unique = false;
        expr.walk(&mut |e| {
            unique |= e
                .as_call()
                .is_some_and(|c| c.name.eq_ignore_ascii_case("SelectUniqueValue"))
        });
        if unique {
            let mut why = Vec::new();
            if m.matching > 0 {
                why.push("it is used for matching");
            }
            if m.apply != Apply::OnCreate {
                why.push("it should apply only on create (apply = \"on-create\")");
            }
            why.push("Entra supports it only for Workday/SuccessFactors/API-driven provisioning to Active Directory");
            out.push(Finding {
                place: place.clone(),
                source: Some(text.clone()),
                target: Some(m.target.clone()),
                diagnostic: Diagnostic::warning(
                    Code::SelectUniqueValue,
                    expr.span,
                    format!("SelectUniqueValue: {}", why.join("; ")),
                ),
            });
        }
        for d in country_table_lint(&expr) {
            out.push(Finding {
                place: place.clone(),
                source: Some(text.clone()),
                target: Some(m.target.clone()),
                diagnostic: d,
            });
        }
    }
}

/// A Switch whose values are alpha-2 codes: keys that name another country, ambiguous keys,
/// and current ISO names the table misses. The table is recognised by its values, whatever
/// the target attribute, so `check -f` and `check --mapping` report the same.
pub fn country_table_lint(expr: &Expr) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    expr.walk(&mut |e| {
        let Some(call) = e.as_call() else { return };
        if !call.name.eq_ignore_ascii_case("Switch") || call.args.len() < 6 {
            return;
        }
        let pairs: Vec<(&Expr, &str)> = call
            .args
            .get(2..)
            .unwrap_or(&[])
            .chunks(2)
            .filter_map(|p| match (p.first()?.value.as_ref()?, &p.get(1)?.value.as_ref()?.kind) {
                (k, ExprKind::Str(v)) => Some((k, v.as_str())),
                _ => None,
            })
            .collect();
        let codes = pairs.iter().filter(|(_, v)| country::is_alpha2(v)).count();
        if codes < 10 || codes * 10 < pairs.len() * 8 {
            return;
        }
        let mut covered = std::collections::HashSet::new();
        for (key, code) in &pairs {
            let ExprKind::Str(key_text) = &key.kind else { continue };
            covered.insert(country::normalize(key_text));
            match country::resolve(key_text) {
                Resolution::Code(c) if c != *code && country::is_alpha2(code) => out.push(
                    Diagnostic::warning(Code::CountryWrongCode, key.span, format!("{key_text:?} is {c}, but this Switch maps it to {code}")).with_label(format!("ISO 3166: {c}")),
                ),
                Resolution::Ambiguous(candidates) => out.push(
                    Diagnostic::warning(Code::CountryAmbiguousKey, key.span, format!("{key_text:?} names several countries ({}); this Switch sends {code}", candidates.join(", "))).with_label("ambiguous"),
                ),
                _ => {}
            }
        }
        // A country is missing when neither its ISO short name nor its common name is a key.
        let missing: Vec<&str> = country::countries()
            .iter()
            .filter(|c| ![Some(c.name), c.common_name].into_iter().flatten().any(|n| covered.contains(&country::normalize(n))))
            .map(|c| c.common_name.unwrap_or(c.name))
            .collect();
        if !missing.is_empty() {
            out.push(
                Diagnostic::warning(Code::CountryMissingNames, call.name_span, format!("{} current ISO 3166 names have no key: {}", missing.len(), missing.join("; ")))
                    .with_label("country table")
                    .with_help("`entramap country switch --source country` prints a table generated from ISO 3166"),
            );
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::locate;

    #[test]
    fn expressions_are_found_where_the_file_writes_them() {
        let toml = "[[users.mappings]]\nexpression = 'ToLower([userPrincipleName])'\n";
        assert_eq!(
            locate(toml, "ToLower([userPrincipleName])", 8, "x"),
            Some(41)
        );
        let json = r#"{"expression": "Join(\", \", [a], [b])"}"#;
        let at = locate(json, r#"Join(", ", [a], [b])"#, 11, "x").unwrap();
        assert_eq!(&json[at..at + 3], "[a]");
        let direct = "source = \"mial\"";
        assert_eq!(locate(direct, "[mial]", 1, "x"), Some(10));
        // The same expression twice: each finding points at its own mapping.
        let twice =
            "[[m]]\ntarget = \"a\"\nsource = \"mial\"\n[[m]]\ntarget = \"b\"\nsource = \"mial\"\n";
        let second = locate(twice, "[mial]", 1, "b").unwrap();
        assert!(second > twice.find("target = \"b\"").unwrap());
    }
}
