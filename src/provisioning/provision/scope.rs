//! Scoping filters exactly as Entra documents them (docs/mapping.md#scoping-filters): an object
//! is in scope when any group has all its clauses true. Clauses are compiled once with the
//! mapping set — operators resolved, regexes compiled, integers parsed — and every
//! configuration error is refused then, never evaluated as false per record.
//!
//! Rules: comparisons are case-sensitive and ordinal; every operator except IS NULL is false on
//! a null or empty value (NOT EQUALS and NOT REGEX MATCH included); Includes is substring
//! containment; regexes are .NET's, searched unanchored; Greater_Than compares integers;
//! `&` and `!&` are undocumented in meaning, so they leave the object undetermined.

use serde::Serialize;

use crate::eval::value::{Value, parse_bool};
use crate::eval::{Lookup, Source};
use crate::functions::regex::NetRegex;
use crate::mapping::{ScopeClause, ScopeGroup};
use crate::options::{Options, ScopeAmpersand, ScopeRegexAnchor};

/// A scoping operator, by its Graph name or portal label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equals,
    NotEquals,
    IsTrue,
    IsFalse,
    IsNull,
    IsNotNull,
    RegexMatch,
    NotRegexMatch,
    GreaterThan,
    GreaterThanOrEquals,
    Includes,
    EndsWith,
    Ampersand,
    NotAmpersand,
}

impl Op {
    /// Names match ignoring case, spaces and underscores (`NOT EQUALS`, `Greater_Than`,
    /// `REGEX Match`); `&` and `!&` literally.
    fn parse(name: &str) -> Option<Op> {
        let folded: String = name
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .flat_map(char::to_uppercase)
            .collect();
        Some(match folded.as_str() {
            "EQUALS" => Op::Equals,
            "NOTEQUALS" => Op::NotEquals,
            "ISTRUE" => Op::IsTrue,
            "ISFALSE" => Op::IsFalse,
            "ISNULL" => Op::IsNull,
            "ISNOTNULL" => Op::IsNotNull,
            "REGEXMATCH" => Op::RegexMatch,
            "NOTREGEXMATCH" => Op::NotRegexMatch,
            "GREATERTHAN" => Op::GreaterThan,
            "GREATERTHANOREQUALS" => Op::GreaterThanOrEquals,
            "INCLUDES" => Op::Includes,
            "ENDSWITH" => Op::EndsWith,
            "&" => Op::Ampersand,
            "!&" => Op::NotAmpersand,
            _ => return None,
        })
    }

    fn unary(self) -> bool {
        matches!(self, Op::IsTrue | Op::IsFalse | Op::IsNull | Op::IsNotNull)
    }
}

/// The operators Entra documents, as the portal labels them.
const OPERATORS: &str = "EQUALS, NOT EQUALS, IS TRUE, IS FALSE, IS NULL, IS NOT NULL, REGEX MATCH, NOT REGEX MATCH, Greater_Than, Greater_Than_OR_EQUALS, Includes, ENDS_WITH, &, !&";

/// Source attributes Entra does not support in scoping filters (its known-issues page and the
/// scoping page): references, app roles, userType, group members, multi-valued and date
/// attributes.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("manager", "a reference"),
    ("members", "group membership"),
    ("appRoleAssignments", "app role assignments"),
    ("userType", "not supported by Entra"),
    ("proxyAddresses", "multi-valued"),
    ("otherMails", "multi-valued"),
    ("StatusHireDate", "a date"),
    ("StatusTerminationDate", "a date"),
    ("startDate", "a date"),
    ("endDate", "a date"),
    ("accountExpires", "a date"),
    ("employeeHireDate", "a date"),
];

/// A compiled scoping filter.
#[derive(Debug, Default)]
pub(super) struct Scope {
    groups: Vec<Group>,
    ampersand: ScopeAmpersand,
    /// The step budget a REGEX MATCH may spend (option max_eval_steps).
    max_steps: u64,
}

#[derive(Debug)]
struct Group {
    name: String,
    clauses: Vec<Clause>,
}

#[derive(Debug)]
struct Clause {
    attribute: String,
    op: Op,
    /// As written, for reports.
    operator: String,
    value: String,
    regex: Option<NetRegex>,
    integer: Option<i64>,
}

/// A clause's, group's or filter's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Cannot be decided without guessing what an operator means (`&`, `!&`), or the value is
    /// multi-valued: no action is taken.
    Undetermined,
}

/// Why an object is in or out of scope: each group and clause with its result.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeReport {
    /// The filter's result (True when there is no filter).
    pub verdict: Verdict,
    /// Each group, in order.
    pub groups: Vec<GroupReport>,
}

/// One group of a scoping filter and its clauses' results.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    /// The group's name (the portal's scoping filter title), or `group N`.
    pub name: String,
    /// All clauses true → True.
    pub verdict: Verdict,
    /// Each clause: `department EQUALS "Sales"` and its result.
    pub clauses: Vec<(String, Verdict)>,
}

impl ScopeReport {
    /// The first group that holds, or (when none does) the first clause that failed each group.
    pub fn reason(&self) -> String {
        if self.groups.is_empty() {
            return match self.verdict {
                Verdict::True => "no scoping filter".to_string(),
                _ => "not assigned (the record says inScope: false)".to_string(),
            };
        }
        if let Some(g) = self.groups.iter().find(|g| g.verdict == Verdict::True) {
            return format!("group `{}` holds", g.name);
        }
        let failed: Vec<String> = self
            .groups
            .iter()
            .map(|g| {
                let clause = g
                    .clauses
                    .iter()
                    .find(|(_, v)| *v != Verdict::True)
                    .map_or("", |(c, _)| c.as_str());
                let verdict = match g.verdict {
                    Verdict::Undetermined => "is undetermined",
                    _ => "fails",
                };
                format!("group `{}`: {clause} {verdict}", g.name)
            })
            .collect();
        failed.join("; ")
    }
}

impl Scope {
    /// Compile `groups`; every configuration error, each naming its group and clause.
    pub(super) fn compile(groups: &[ScopeGroup], options: &Options) -> Result<Scope, Vec<String>> {
        let mut errors = Vec::new();
        let mut compiled = Vec::new();
        for (gi, group) in groups.iter().enumerate() {
            let name = group
                .name
                .clone()
                .unwrap_or_else(|| format!("group {}", gi + 1));
            if group.clauses.is_empty() {
                errors.push(format!(
                    "scope group `{name}` has no clauses; it would put every object in scope — give it a clause or remove it"
                ));
                continue;
            }
            let mut clauses = Vec::new();
            for clause in &group.clauses {
                match compile_clause(clause, options) {
                    Ok(c) => clauses.push(c),
                    Err(e) => errors.push(format!(
                        "scope group `{name}`, clause `{} {}`: {e}",
                        clause.attribute, clause.operator
                    )),
                }
            }
            compiled.push(Group { name, clauses });
        }
        if errors.is_empty() {
            Ok(Scope {
                groups: compiled,
                ampersand: options.dialect.scope_ampersand,
                max_steps: options.limits.max_eval_steps,
            })
        } else {
            Err(errors)
        }
    }

    /// Evaluate against one record.
    pub(super) fn evaluate(&self, source: &dyn Source<'_>) -> ScopeReport {
        let mut groups = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let clauses: Vec<(String, Verdict)> = g
                .clauses
                .iter()
                .map(|c| (c.describe(), self.clause(c, source)))
                .collect();
            let verdict = all(clauses.iter().map(|(_, v)| *v));
            groups.push(GroupReport {
                name: g.name.clone(),
                verdict,
                clauses,
            });
        }
        let verdict = if groups.is_empty() {
            Verdict::True
        } else {
            any(groups.iter().map(|g| g.verdict))
        };
        ScopeReport { verdict, groups }
    }

    /// Is the object in scope? (The fast path: no report.)
    pub(super) fn verdict(&self, source: &dyn Source<'_>) -> Verdict {
        if self.groups.is_empty() {
            return Verdict::True;
        }
        any(self
            .groups
            .iter()
            .map(|g| all(g.clauses.iter().map(|c| self.clause(c, source)))))
    }

    fn clause(&self, c: &Clause, source: &dyn Source<'_>) -> Verdict {
        let value = match source.lookup(None, &c.attribute) {
            Ok(Lookup::Found(v) | Lookup::FoundIgnoringCase(v, _)) => v,
            Ok(Lookup::Missing) | Err(_) => Value::Null,
        };
        let text = match &value {
            Value::Multi(_) | Value::Roles(_) | Value::Ref(_) => return Verdict::Undetermined,
            v => v.text().map(|t| t.into_owned()),
        };
        // Null or empty: only IS NULL holds.
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            return verdict(c.op == Op::IsNull);
        };
        verdict(match c.op {
            Op::IsNull => false,
            Op::IsNotNull => true,
            Op::IsTrue => as_bool(&value, &text) == Some(true),
            Op::IsFalse => as_bool(&value, &text) == Some(false),
            Op::Equals => equals(&value, &text, &c.value),
            Op::NotEquals => !equals(&value, &text, &c.value),
            // A pattern over the step budget, or one that backtracks past its limit, decides
            // nothing: undetermined, never a silent "no match".
            Op::RegexMatch | Op::NotRegexMatch => {
                let Some(regex) = c.regex.as_ref() else {
                    return Verdict::Undetermined;
                };
                if regex.cost(&text) > self.max_steps {
                    return Verdict::Undetermined;
                }
                match regex.is_match(&text) {
                    Ok(found) => found == (c.op == Op::RegexMatch),
                    Err(_) => return Verdict::Undetermined,
                }
            }
            Op::GreaterThan => integer(&text).zip(c.integer).is_some_and(|(v, x)| v > x),
            Op::GreaterThanOrEquals => integer(&text).zip(c.integer).is_some_and(|(v, x)| v >= x),
            Op::Includes => text.contains(c.value.as_str()),
            Op::EndsWith => text.ends_with(c.value.as_str()),
            Op::Ampersand | Op::NotAmpersand => {
                let holds = match self.ampersand {
                    ScopeAmpersand::Refuse => return Verdict::Undetermined,
                    ScopeAmpersand::ReverseContains => c.value.contains(text.as_str()),
                    ScopeAmpersand::BitwiseAnd => integer(&text)
                        .zip(integer(&c.value))
                        .is_some_and(|(v, x)| v & x != 0),
                };
                holds == (c.op == Op::Ampersand)
            }
        })
    }
}

fn compile_clause(clause: &ScopeClause, options: &Options) -> Result<Clause, String> {
    let op = Op::parse(&clause.operator).ok_or_else(|| {
        format!(
            "`{}` is not a scoping operator; Entra's are {OPERATORS}",
            clause.operator
        )
    })?;
    if let Some((_, why)) = UNSUPPORTED
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&clause.attribute))
    {
        return Err(format!(
            "Entra does not support `{}` in scoping filters ({why})",
            clause.attribute
        ));
    }
    let value = if op.unary() {
        String::new()
    } else {
        match clause.values.as_slice() {
            [one] => one.clone(),
            values => {
                return Err(format!(
                    "the operator compares with exactly one value; this clause has {}",
                    values.len()
                ));
            }
        }
    };
    let integer_value = match op {
        Op::GreaterThan | Op::GreaterThanOrEquals => Some(integer(&value).ok_or_else(|| {
            format!("{value:?} is not an integer; Greater_Than compares whole numbers")
        })?),
        _ => None,
    };
    let regex = match op {
        Op::RegexMatch | Op::NotRegexMatch => {
            let pattern = match options.dialect.scope_regex_anchor {
                ScopeRegexAnchor::Search => value.clone(),
                ScopeRegexAnchor::Full => format!("\\A(?:{value})\\z"),
            };
            Some(
                NetRegex::with_limits(
                    &pattern,
                    options.limits.regex_backtrack_limit,
                    options.limits.regex_size_limit,
                )
                .map_err(|e| format!("the regular expression {value:?} does not compile: {e}"))?,
            )
        }
        _ => None,
    };
    Ok(Clause {
        attribute: clause.attribute.clone(),
        op,
        operator: clause.operator.clone(),
        value,
        regex,
        integer: integer_value,
    })
}

impl Clause {
    fn describe(&self) -> String {
        if self.op.unary() {
            format!("{} {}", self.attribute, self.operator)
        } else {
            format!("{} {} {:?}", self.attribute, self.operator, self.value)
        }
    }
}

fn verdict(holds: bool) -> Verdict {
    if holds { Verdict::True } else { Verdict::False }
}

/// AND: any False → False, else any Undetermined → Undetermined, else True.
fn all(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut result = Verdict::True;
    for v in verdicts {
        match v {
            Verdict::False => return Verdict::False,
            Verdict::Undetermined => result = Verdict::Undetermined,
            Verdict::True => {}
        }
    }
    result
}

/// OR: any True → True, else any Undetermined → Undetermined, else False.
fn any(verdicts: impl Iterator<Item = Verdict>) -> Verdict {
    let mut result = Verdict::False;
    for v in verdicts {
        match v {
            Verdict::True => return Verdict::True,
            Verdict::Undetermined => result = Verdict::Undetermined,
            Verdict::False => {}
        }
    }
    result
}

/// A Boolean value, or text that .NET's `Boolean.Parse` reads (trimmed, any case).
fn as_bool(value: &Value<'_>, text: &str) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        _ => parse_bool(text),
    }
}

/// EQUALS: a Boolean attribute compares with the clause value read as a Boolean; anything
/// else compares its text ordinally (integers by their decimal text).
fn equals(value: &Value<'_>, text: &str, clause: &str) -> bool {
    match value {
        Value::Bool(b) => parse_bool(clause) == Some(*b),
        _ => text == clause,
    }
}

/// An integer as .NET's `Int64.Parse` with `NumberStyles.Integer` reads it: surrounding
/// whitespace, an optional sign, ASCII digits (leading zeros allowed).
fn integer(text: &str) -> Option<i64> {
    let t = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.strip_prefix('+').unwrap_or(t).parse().ok()
}
