//! The signature table of the built-in functions (docs/functions.md): names, parameters,
//! Graph keys, results, null rules, dialects and help. Plain data, low in the pipeline: the
//! parser's printer, `check`, `compile` and the Graph reader read it; the implementations live
//! in `functions`, one row per row of [`BUILTINS`].

use std::fmt::Write as _;

use serde::Serialize;

/// Whether an argument slot must be supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// Must be supplied (not empty).
    Required,
    /// May be left empty (`F(x, , y)`) or, at the end, left out.
    Optional,
    /// Repeats to the end of the call, at least `min` times.
    Repeated {
        /// Fewest occurrences.
        min: u8,
    },
    /// Required, except in the Cloud Sync dialect, where it may be left empty: FormatDateTime's
    /// inputFormat when the source is already a date, an IIF branch that gives Null (both
    /// in Cloud Sync's own default mappings).
    RequiredOutsideCloudSync,
}

/// One parameter of a function.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Param {
    /// Name used in messages and docs, as Microsoft's reference writes it (`regexPattern`).
    pub name: &'static str,
    /// The `key` the service stores in `parameters[]` (`RegularExpression`), from its
    /// function list, its exports, or its convention (docs/mapping.md#graph-parameter-keys).
    pub key: &'static str,
    /// Required, optional, or repeating.
    pub presence: Presence,
    /// The service declares it an integer: its argument is printed unquoted in a stored
    /// tree's expression text (`Mid([x], 1, 8)`).
    pub integer: bool,
}

impl Param {
    /// The same parameter, declared an integer.
    const fn integer(mut self) -> Param {
        self.integer = true;
        self
    }
}

/// What a function returns (docs/functions.md#all-functions "Result").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Returns {
    /// Text.
    Str,
    /// `True` / `False`.
    Bool,
    /// A 64-bit integer.
    Int,
    /// A UTC instant (renders `M/d/yyyy h:mm:ss tt`).
    DateTime,
    /// Several values.
    Multi,
    /// Whatever its chosen argument is.
    Any,
    /// App role assignment(s).
    Roles,
}

/// Which dialect a function belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Dialect {
    /// Documented for app provisioning.
    Provisioning,
    /// Listed only in Graph's function list (older names still accepted by the service).
    Legacy,
    /// Entra Cloud Sync only; rejected unless `allow_cloud_sync_extensions`.
    CloudSync,
    /// Not in Microsoft's reference, but accepted by the live service (reported by admins).
    Undocumented,
}

/// How a Null argument affects the result (docs/language.md#null-per-function). Used by the null lints and evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum NullRule {
    /// A Null data argument makes the result Null.
    Propagate,
    /// The result is never Null (IsNull, Count, Left, Word, Not, CBool...).
    NeverNull,
    /// Null only when every repeated argument is Null (Coalesce, Join).
    AllNull,
    /// IIF and Switch: the result is one of the value arguments.
    Branches,
    /// IgnoreFlowIfNullOrEmpty: Null becomes "do not flow".
    Drop,
}

/// One built-in function.
#[derive(Debug, Serialize)]
pub struct FnSpec {
    /// Canonical casing (`ToLower`, `IIF`).
    pub name: &'static str,
    /// Accepted parameter lists; most functions have one, FormatDateTime has its 4-argument
    /// form first and the legacy 3-argument form second.
    pub forms: &'static [&'static [Param]],
    /// Result kind.
    pub returns: Returns,
    /// Null behaviour.
    pub nulls: NullRule,
    /// Dialect.
    pub dialect: Dialect,
    /// One line of help.
    pub help: &'static str,
}

const fn param(name: &'static str, key: &'static str, presence: Presence) -> Param {
    Param {
        name,
        key,
        presence,
        integer: false,
    }
}
const fn req(name: &'static str) -> Param {
    param(name, name, Presence::Required)
}
/// A required parameter the service stores under another key than the reference's name.
const fn req_key(name: &'static str, key: &'static str) -> Param {
    param(name, key, Presence::Required)
}
const fn opt(name: &'static str) -> Param {
    param(name, name, Presence::Optional)
}
const fn opt_key(name: &'static str, key: &'static str) -> Param {
    param(name, key, Presence::Optional)
}
const fn many(name: &'static str, key: &'static str, min: u8) -> Param {
    param(name, key, Presence::Repeated { min })
}

const SOURCE: &[Param] = &[req("source")];
const EXPRESSION: &[Param] = &[req_key("expression", "source")];
const NONE: &[Param] = &[];
const CASE: &[Param] = &[req("source"), opt("culture")];
const CLOUD_SYNC_OPTIONAL_INPUT_FORMAT: Param = param(
    "inputFormat",
    "inputFormat",
    Presence::RequiredOutsideCloudSync,
);

macro_rules! f {
    ($name:literal, [$($form:expr),+], $returns:ident, $nulls:ident, $dialect:ident, $help:literal) => {
        FnSpec {
            name: $name,
            forms: &[$($form),+],
            returns: Returns::$returns,
            nulls: NullRule::$nulls,
            dialect: Dialect::$dialect,
            help: $help,
        }
    };
}

/// Every built-in function, in alphabetical order.
pub static BUILTINS: &[FnSpec] = &[
    f!(
        "Append",
        [&[req("source"), req("suffix")]],
        Str,
        Propagate,
        Provisioning,
        "Adds suffix to the end of source."
    ),
    f!(
        "AppRoleAssignments",
        [SOURCE],
        Str,
        Propagate,
        Legacy,
        "Older name of SingleAppRoleAssignment."
    ),
    f!(
        "AppRoleAssignmentsComplex",
        [SOURCE],
        Roles,
        Propagate,
        Provisioning,
        "Every app role assignment as a SCIM role object; PATCH adds, never removes."
    ),
    f!(
        "AssertiveAppRoleAssignmentsComplex",
        [SOURCE],
        Roles,
        Propagate,
        Provisioning,
        "Like AppRoleAssignmentsComplex, but updates replace roles so removed roles are removed."
    ),
    f!(
        "BitAnd",
        [&[
            req_key("value1", "left").integer(),
            req_key("value2", "right").integer()
        ]],
        Int,
        Propagate,
        Provisioning,
        "Bitwise AND of two integers (decimal or &H hex)."
    ),
    f!(
        "CBool",
        [EXPRESSION],
        Bool,
        NeverNull,
        Provisioning,
        "Boolean of a comparison, bool text or number; Null gives False."
    ),
    f!(
        "CDate",
        [EXPRESSION],
        DateTime,
        Propagate,
        Provisioning,
        "Parses a date string and converts it to UTC."
    ),
    f!(
        "Coalesce",
        [&[many("source", "source", 1)]],
        Any,
        AllNull,
        Provisioning,
        "First argument that is not Null (\"\" counts as a value)."
    ),
    f!(
        "ConvertFromBase64",
        [&[req("source"), opt("encoding")]],
        Str,
        Propagate,
        CloudSync,
        "Cloud Sync only: decodes base64 text."
    ),
    f!(
        "ConvertToBase64",
        [SOURCE],
        Str,
        Propagate,
        Provisioning,
        "Base64 of the UTF-16LE bytes of source."
    ),
    f!(
        "ConvertToUTF8Hex",
        [SOURCE],
        Str,
        Propagate,
        Provisioning,
        "Uppercase hex of the UTF-8 bytes of source."
    ),
    f!(
        "Count",
        [&[req_key("attribute", "source")]],
        Int,
        NeverNull,
        Provisioning,
        "Number of values of a multi-valued attribute; Null gives 0."
    ),
    f!(
        "CStr",
        [&[req_key("value", "source")]],
        Str,
        Propagate,
        Provisioning,
        "Text form of a value (True/False, digits, M/d/yyyy h:mm:ss tt)."
    ),
    f!(
        "DateAdd",
        [&[req("interval"), req("value").integer(), req("dateTime")]],
        DateTime,
        Propagate,
        Provisioning,
        "Adds value intervals (yyyy, m, d, ww, h, n, s) to a date."
    ),
    f!(
        "DateDiff",
        [&[req("interval"), req("date1"), req("date2")]],
        Int,
        Propagate,
        Provisioning,
        "Number of intervals from date1 to date2 (VB.NET DateDiff rules)."
    ),
    f!(
        "DateFromNum",
        [&[req_key("value", "source")]],
        DateTime,
        Propagate,
        Provisioning,
        "Date from a Windows FILETIME number (100-ns ticks since 1601)."
    ),
    f!(
        "DefaultDomain",
        [NONE],
        Str,
        NeverNull,
        Legacy,
        "The tenant's default verified domain (an option offline)."
    ),
    f!(
        "DNComponent",
        [&[req("source"), req("ComponentNumber").integer()]],
        Str,
        Propagate,
        CloudSync,
        "Cloud Sync only: one component of a distinguished name."
    ),
    f!(
        "Error",
        [&[req("message")]],
        Str,
        NeverNull,
        CloudSync,
        "Cloud Sync only: fails the object with a message."
    ),
    f!(
        "FormatDateTime",
        [
            &[
                req("source"),
                opt("dateTimeStyles"),
                CLOUD_SYNC_OPTIONAL_INPUT_FORMAT,
                req("outputFormat")
            ],
            &[
                req("source"),
                CLOUD_SYNC_OPTIONAL_INPUT_FORMAT,
                req("outputFormat")
            ]
        ],
        Str,
        Propagate,
        Provisioning,
        "Parses source with a .NET date format and prints it with another."
    ),
    f!(
        "Guid",
        [NONE],
        Str,
        NeverNull,
        Provisioning,
        "A new random GUID (seeded offline)."
    ),
    f!(
        "IgnoreFlowIfNullOrEmpty",
        [EXPRESSION],
        Any,
        Drop,
        Provisioning,
        "Skips the whole mapping when its argument is Null or \"\"."
    ),
    f!(
        "IIF",
        [&[
            req_key("condition", "one"),
            param("valueIfTrue", "four", Presence::RequiredOutsideCloudSync),
            param("valueIfFalse", "five", Presence::RequiredOutsideCloudSync)
        ]],
        Any,
        Branches,
        Provisioning,
        "valueIfTrue if condition is True, else valueIfFalse; Null if any argument is Null."
    ),
    f!(
        "InStr",
        [&[
            req("value1"),
            req("value2"),
            opt("start").integer(),
            opt("compareType")
        ]],
        Int,
        Propagate,
        Provisioning,
        "1-based position of value2 in value1 (0 if absent); vbTextCompare ignores case."
    ),
    f!(
        "IsNothing",
        [SOURCE],
        Bool,
        NeverNull,
        Legacy,
        "Older name of IsNull."
    ),
    f!(
        "IsNull",
        [EXPRESSION],
        Bool,
        NeverNull,
        Provisioning,
        "True if the value is Null (absent)."
    ),
    f!(
        "IsNullOrEmpty",
        [EXPRESSION],
        Bool,
        NeverNull,
        Provisioning,
        "True if the value is Null or \"\"."
    ),
    f!(
        "IsPresent",
        [EXPRESSION],
        Bool,
        NeverNull,
        Provisioning,
        "True if the value is neither Null nor \"\"."
    ),
    f!(
        "IsString",
        [EXPRESSION],
        Bool,
        NeverNull,
        Provisioning,
        "True if the value is a single non-Null value."
    ),
    f!(
        "Item",
        [&[req_key("attribute", "source"), req("index").integer()]],
        Any,
        Propagate,
        Provisioning,
        "The index-th value (1-based) of a multi-valued attribute."
    ),
    f!(
        "Join",
        [&[req("separator"), many("source", "source", 1)]],
        Str,
        AllNull,
        Provisioning,
        "Joins the values with separator, skipping Null and \"\"."
    ),
    f!(
        "Left",
        [&[
            req_key("string", "source"),
            req_key("numChars", "length").integer()
        ]],
        Str,
        NeverNull,
        Provisioning,
        "The first numChars characters; Null gives \"\"."
    ),
    f!(
        "Len",
        [SOURCE],
        Int,
        Propagate,
        Undocumented,
        "Undocumented (accepted by the service, reported by admins): the number of UTF-16 characters of source, as .NET's String.Length."
    ),
    f!(
        "Mid",
        [&[
            req("source"),
            req("start").integer(),
            req("length").integer()
        ]],
        Str,
        Propagate,
        Provisioning,
        "length characters from the 1-based start."
    ),
    f!(
        "NormalizeDiacritics",
        [SOURCE],
        Str,
        Propagate,
        Provisioning,
        "Replaces accented letters with plain ones (Zoë → Zoe, ß → ss)."
    ),
    f!(
        "Not",
        [SOURCE],
        Bool,
        NeverNull,
        Provisioning,
        "False for True, True for anything else (including Null)."
    ),
    f!(
        "Now",
        [NONE],
        DateTime,
        NeverNull,
        Provisioning,
        "The current UTC time (an option offline)."
    ),
    f!(
        "NumFromDate",
        [&[req_key("value", "source")]],
        Int,
        Propagate,
        Provisioning,
        "Windows FILETIME number of a date (100-ns ticks since 1601)."
    ),
    f!(
        "PCase",
        [&[req("source"), opt("wordSeparators")]],
        Str,
        Propagate,
        Provisioning,
        "Proper case: first letter of each word upper, the rest lower."
    ),
    f!(
        "Prepend",
        [&[req("prefix"), req("source")]],
        Str,
        Propagate,
        Legacy,
        "prefix followed by source."
    ),
    f!(
        "RandomString",
        [&[
            req("length").integer(),
            req("minimumNumbers").integer(),
            req("minimumSpecialCharacters").integer(),
            req("minimumCapital").integer(),
            req("minimumLowerCase").integer(),
            opt("charactersToAvoid")
        ]],
        Str,
        NeverNull,
        Provisioning,
        "A random password-like string with minimum counts per character class."
    ),
    f!(
        "Redact",
        [SOURCE],
        Any,
        Propagate,
        Provisioning,
        "The value unchanged, shown as [Redact] in logs and traces."
    ),
    f!(
        "RemoveDuplicates",
        [&[req_key("attribute", "source")]],
        Multi,
        Propagate,
        Provisioning,
        "The values without repeats, in first-seen order."
    ),
    f!(
        "Replace",
        [&[
            req("source"),
            opt_key("oldValue", "Find"),
            opt_key("regexPattern", "RegularExpression"),
            opt_key("regexGroupName", "RegularExpressionGroupName"),
            opt_key("replacementValue", "Replacement"),
            opt_key("replacementAttributeName", "ReplacementPropertyName"),
            opt_key("template", "Template")
        ]],
        Str,
        Propagate,
        Provisioning,
        "Replaces text or .NET regex matches; the mode depends on which arguments are given."
    ),
    f!(
        "SelectUniqueValue",
        [&[many("uniqueValueRule", "uniqueValueRule", 2)]],
        Str,
        Propagate,
        Provisioning,
        "The first rule whose value is not taken in the target (top level only)."
    ),
    f!(
        "SingleAppRoleAssignment",
        [SOURCE],
        Str,
        Propagate,
        Provisioning,
        "The user's one app role as text: its value (its display name to a .display target); several: the first, with a warning."
    ),
    f!(
        "Split",
        [&[req("source"), req("delimiter")]],
        Multi,
        Propagate,
        Provisioning,
        "Splits text on a delimiter string into several values."
    ),
    f!(
        "StringFromSID",
        [SOURCE],
        Str,
        Propagate,
        CloudSync,
        "Cloud Sync only: text form of a binary SID."
    ),
    f!(
        "StripSpaces",
        [SOURCE],
        Str,
        Propagate,
        Provisioning,
        "Removes every space (U+0020)."
    ),
    f!(
        "Switch",
        [&[
            req("source"),
            opt("defaultValue"),
            many("switchValue", "switchValue", 1)
        ]],
        Any,
        Branches,
        Provisioning,
        "The value paired with the first key equal to source, else defaultValue."
    ),
    f!(
        "ToLower",
        [CASE],
        Str,
        Propagate,
        Provisioning,
        "Lower case (invariant, or the given culture)."
    ),
    f!(
        "ToUpper",
        [CASE],
        Str,
        Propagate,
        Provisioning,
        "Upper case (invariant, or the given culture)."
    ),
    f!(
        "Trim",
        [SOURCE],
        Str,
        Propagate,
        CloudSync,
        "Cloud Sync only: removes leading and trailing white space."
    ),
    f!(
        "Word",
        [&[
            req_key("string", "source"),
            req("wordNumber").integer(),
            req("delimiters")
        ]],
        Str,
        NeverNull,
        Provisioning,
        "The wordNumber-th word, words split on any of the delimiter characters."
    ),
];

/// The function with exactly this name.
pub fn lookup(name: &str) -> Option<&'static FnSpec> {
    row(name).map(|(_, f)| f)
}

/// The function whose name matches ignoring ASCII case.
pub fn lookup_ignore_case(name: &str) -> Option<&'static FnSpec> {
    row_ignore_case(name).map(|(_, f)| f)
}

/// The row of the function with exactly this name, and the function.
pub fn row(name: &str) -> Option<(usize, &'static FnSpec)> {
    BUILTINS.iter().enumerate().find(|(_, f)| f.name == name)
}

/// The row of the function whose name matches ignoring ASCII case, and the function.
pub fn row_ignore_case(name: &str) -> Option<(usize, &'static FnSpec)> {
    BUILTINS
        .iter()
        .enumerate()
        .find(|(_, f)| f.name.eq_ignore_ascii_case(name))
}

/// The canonical casing of a function name, or the name itself if it is not built in.
pub fn canonical_name(name: &str) -> &str {
    lookup_ignore_case(name).map_or(name, |f| f.name)
}

/// The closest built-in name to an unknown one, if any is close enough to suggest.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    BUILTINS
        .iter()
        .map(|f| {
            (
                strsim::damerau_levenshtein(&lower, &f.name.to_ascii_lowercase()),
                f.name,
            )
        })
        .filter(|&(distance, candidate)| distance <= 2.max(candidate.len() / 4))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

impl FnSpec {
    /// The parameter list that accepts `argc` arguments, if any.
    pub fn form_for(&self, argc: usize) -> Option<&'static [Param]> {
        self.forms.iter().copied().find(|form| accepts(form, argc))
    }

    /// Fewest and most arguments over all forms (`None` = unbounded).
    pub fn arity(&self) -> (usize, Option<usize>) {
        let min = self.forms.iter().map(|f| min_args(f)).min().unwrap_or(0);
        let max = self
            .forms
            .iter()
            .map(|f| max_args(f))
            .try_fold(0, |acc, m| m.map(|m| acc.max(m)));
        (min, max)
    }

    /// `Name(a, b[, c])` for every form, joined by " or ".
    pub fn signature(&self) -> String {
        self.forms
            .iter()
            .map(|form| signature(self.name, form))
            .collect::<Vec<_>>()
            .join(" or ")
    }
}

/// The Graph key of argument `position` in a call using `form`.
pub fn graph_key(form: &[Param], position: usize) -> &'static str {
    form.get(position)
        .or_else(|| {
            form.iter()
                .rev()
                .find(|p| matches!(p.presence, Presence::Repeated { .. }))
        })
        .map_or("arg", |p| p.key)
}

/// The parameter at `position` of `form` (a repeated parameter covers every later position).
pub fn param_at(form: &[Param], position: usize) -> Option<&Param> {
    form.get(position).or_else(|| {
        form.last()
            .filter(|p| matches!(p.presence, Presence::Repeated { .. }))
    })
}

fn min_args(form: &[Param]) -> usize {
    let mut min = 0;
    for (i, p) in form.iter().enumerate() {
        match p.presence {
            Presence::Required | Presence::RequiredOutsideCloudSync => min = i + 1,
            Presence::Repeated { min: m } => min = i + m as usize,
            Presence::Optional => {}
        }
    }
    min
}

fn max_args(form: &[Param]) -> Option<usize> {
    match form.last().map(|p| p.presence) {
        Some(Presence::Repeated { .. }) => None,
        _ => Some(form.len()),
    }
}

fn accepts(form: &[Param], argc: usize) -> bool {
    argc >= min_args(form) && max_args(form).is_none_or(|max| argc <= max)
}

fn signature(name: &str, form: &[Param]) -> String {
    let mut out = format!("{name}(");
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !std::mem::take(&mut first) {
            out.push_str(", ");
        }
    };
    for p in form {
        sep(&mut out);
        match p.presence {
            Presence::Required | Presence::RequiredOutsideCloudSync => out.push_str(p.name),
            Presence::Optional => {
                let _ = write!(out, "[{}]", p.name);
            }
            Presence::Repeated { .. } if p.name == "switchValue" => {
                out.push_str("key1, value1, ...")
            }
            Presence::Repeated { .. } => {
                let _ = write!(out, "{0}1, {0}2, ...", p.name);
            }
        }
    }
    out.push(')');
    out
}

/// Parameter names of a form, for messages: `source, start, length`.
pub fn param_names(form: &[Param]) -> String {
    form.iter()
        .map(|p| match p.presence {
            Presence::Repeated { .. } => format!("{}...", p.name),
            _ => p.name.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a function's Graph parameter keys come from (docs/mapping.md#graph-parameter-keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeySource {
    /// Seen in trees the service stored: a synchronizationSchema export, or a stored schema
    /// Microsoft's Graph documentation shows.
    Export,
    /// Declared by the service's function list (`GET .../schema/functions`).
    FunctionList,
    /// Neither: the service's convention (the value worked on is `source`, other parameters
    /// keep their reference names).
    Convention,
}

/// Functions whose keys were seen in stored trees.
const KEYS_SEEN_IN_EXPORT: &[&str] = &[
    "BitAnd",
    "DateFromNum",
    "Error",
    "FormatDateTime",
    "IIF",
    "IsPresent",
    "Item",
    "Join",
    "Left",
    "Mid",
    "Not",
    "RemoveDuplicates",
    "Replace",
    "SingleAppRoleAssignment",
    "Switch",
    "Trim",
];

/// Functions whose keys only the service's function list declares.
const KEYS_IN_FUNCTION_LIST: &[&str] = &[
    "Append",
    "AppRoleAssignments",
    "DefaultDomain",
    "IsNothing",
    "Prepend",
    "Split",
    "StripSpaces",
];

impl FnSpec {
    /// Where this function's Graph keys come from.
    pub fn key_source(&self) -> KeySource {
        if KEYS_SEEN_IN_EXPORT.contains(&self.name) {
            KeySource::Export
        } else if KEYS_IN_FUNCTION_LIST.contains(&self.name) {
            KeySource::FunctionList
        } else {
            KeySource::Convention
        }
    }
}

/// The Markdown table of every function's Graph parameter keys, for docs/mapping.md.
pub fn graph_keys_reference() -> String {
    let mut out = String::from(
        "| Function | Keys the service stores | Reference names, where different | Keys known from |\n|---|---|---|---|\n",
    );
    for f in BUILTINS {
        let Some(form) = f.forms.first() else {
            continue;
        };
        let keys: Vec<String> = form
            .iter()
            .map(|p| {
                let repeat = if matches!(p.presence, Presence::Repeated { .. }) {
                    "…"
                } else {
                    ""
                };
                let int = if p.integer { " (integer)" } else { "" };
                format!("`{}`{repeat}{int}", p.key)
            })
            .collect();
        let keys = if f.name == "IIF" {
            "`one`, `four`, `five`; a comparison condition: `one` (left), `two` (the operator, a constant), `three` (right), `four`, `five`".to_string()
        } else if keys.is_empty() {
            "none".to_string()
        } else {
            keys.join(", ")
        };
        let renamed: Vec<String> = form
            .iter()
            .filter(|p| p.key != p.name)
            .map(|p| format!("`{}` = {}", p.key, p.name))
            .collect();
        let source = match f.key_source() {
            KeySource::Export => "seen in a service export",
            KeySource::FunctionList => "the service's function list",
            KeySource::Convention => "by the service's convention",
        };
        let _ = writeln!(
            out,
            "| {} | {keys} | {} | {source} |",
            f.name,
            renamed.join(", ")
        );
    }
    out
}

/// The reference of all built-ins as text (`entramap functions`) or Markdown (`--markdown`).
pub fn reference(markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        out.push_str(
            "| Function | Signature | Returns | Dialect | What it does |\n|---|---|---|---|---|\n",
        );
    }
    for f in BUILTINS {
        if markdown {
            let _ = writeln!(
                out,
                "| {} | `{}` | {:?} | {:?} | {} |",
                f.name,
                f.signature(),
                f.returns,
                f.dialect,
                f.help
            );
        } else {
            let _ = writeln!(
                out,
                "{}\n    -> {:?}{}\n    {}",
                f.signature(),
                f.returns,
                dialect_note(f.dialect),
                f.help
            );
        }
    }
    out
}

fn dialect_note(d: Dialect) -> &'static str {
    match d {
        Dialect::Provisioning => "",
        Dialect::Legacy => " (legacy name)",
        Dialect::Undocumented => " (undocumented)",
        Dialect::CloudSync => " (Cloud Sync only)",
    }
}
