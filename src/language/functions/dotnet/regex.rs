//! Replace (docs/functions.md#replace) and the .NET regular-expression behaviour it needs: `(?'name')` groups,
//! look-around and back-references through a backtracking engine with a step limit, .NET
//! substitutions (`$1`, `${name}`, `$$`, `$&`, ...) translated here, and .NET's rule that an
//! empty match may directly follow a non-empty one.

use std::borrow::Cow;

use fancy_regex::{Captures, Regex, RegexBuilder};

use crate::compile::{CallNode, Prepared};
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::eval::value::Value;
use crate::eval::{Ctx, EvalError};
use crate::options::Options;

type R<'a> = Result<Value<'a>, EvalError>;

const SOURCE: usize = 0;
const OLD_VALUE: usize = 1;
const PATTERN: usize = 2;
const GROUP: usize = 3;
const REPLACEMENT: usize = 4;
const REPLACEMENT_ATTRIBUTE: usize = 5;
const TEMPLATE: usize = 6;

/// A compiled .NET pattern.
#[derive(Debug)]
pub(crate) struct NetRegex {
    regex: Regex,
    /// How far one match attempt may scan (docs/language.md#limits): `None` when unbounded
    /// (a repeat or a back-reference inside look-around); `linear` when the pattern has no
    /// look-around or back-reference, so the whole search is one linear pass.
    reach: Option<usize>,
    linear: bool,
}

impl NetRegex {
    /// Compile a .NET pattern with a backtracking limit.
    #[cfg(test)]
    pub(crate) fn new(pattern: &str, backtrack_limit: usize) -> Result<NetRegex, String> {
        Self::with_limits(pattern, backtrack_limit, 2 << 20)
    }

    /// Compile with a backtracking limit and a compiled-size limit.
    pub(crate) fn with_limits(
        pattern: &str,
        backtrack_limit: usize,
        size_limit: usize,
    ) -> Result<NetRegex, String> {
        let translated = translate_pattern(pattern)?;
        let regex = RegexBuilder::new(&translated)
            .backtrack_limit(backtrack_limit)
            .delegate_size_limit(size_limit)
            .build()
            .map_err(|e| e.to_string())?;
        let (linear, reach) = match fancy_regex::Expr::parse_tree(&translated) {
            Ok(tree) => {
                let mut linear = true;
                let reach = reach(&tree.expr, &mut linear);
                (linear, reach)
            }
            Err(_) => (false, None),
        };
        Ok(NetRegex {
            regex,
            reach,
            linear,
        })
    }

    /// The steps a search of `text` is charged (docs/language.md#limits): its length when the
    /// search is one linear pass; otherwise its length times how far one attempt may scan
    /// (at most the length again), since an attempt is made at every position. Known before
    /// the search runs, so the same input always passes or fails.
    pub(crate) fn cost(&self, text: &str) -> u64 {
        let n = text.chars().count() as u64;
        if self.linear {
            return n.max(1);
        }
        let reach = self.reach.map_or(n, |r| (r as u64).min(n));
        n.saturating_mul(reach.max(1)).saturating_add(n).max(1)
    }

    /// Does the pattern match anywhere in `text` (.NET `Regex.IsMatch`)?
    pub(crate) fn is_match(&self, text: &str) -> Result<bool, String> {
        self.regex.is_match(text).map_err(|e| e.to_string())
    }

    fn has_group(&self, name: &str) -> bool {
        self.regex.capture_names().flatten().any(|n| n == name)
            || name
                .parse::<usize>()
                .is_ok_and(|i| i < self.regex.captures_len())
    }

    /// Group `name` of a match: a name, or a number in .NET's numbering ([`net_group_order`]).
    fn group<'t>(&self, caps: &Captures<'t>, name: &str) -> Option<fancy_regex::Match<'t>> {
        match name.parse::<usize>() {
            Ok(n) => net_group_order(&self.regex)
                .get(n)
                .and_then(|&index| caps.get(index)),
            Err(_) => caps.name(name),
        }
    }

    /// Every match, with .NET's empty-match rule (docs/functions.md#replace).
    fn matches<'t>(&self, text: &'t str) -> Result<Vec<Captures<'t>>, fancy_regex::Error> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos <= text.len() {
            let Some(caps) = self.regex.captures_from_pos(text, pos)? else {
                break;
            };
            let Some(m) = caps.get(0) else { break };
            let (start, end) = (m.start(), m.end());
            out.push(caps);
            pos = if start == end {
                // After an empty match, the next attempt starts one character later.
                match text.get(end..).and_then(|rest| rest.chars().next()) {
                    Some(c) => end + c.len_utf8(),
                    None => break,
                }
            } else {
                end
            };
        }
        Ok(out)
    }
}

/// How many characters one match attempt of `expr` may scan, `None` when unbounded; clears
/// `linear` when the pattern needs the backtracking engine (look-around, back-references,
/// atomic groups, conditionals), whose attempts each rescan the text.
fn reach(expr: &fancy_regex::Expr, linear: &mut bool) -> Option<usize> {
    use fancy_regex::Expr;
    match expr {
        Expr::Empty | Expr::Assertion(_) | Expr::KeepOut | Expr::ContinueFromPreviousMatchEnd => {
            Some(0)
        }
        Expr::Any { .. } => Some(1),
        Expr::Literal { val, .. } => Some(val.chars().count()),
        Expr::Delegate { size, .. } => Some(*size),
        Expr::Concat(parts) => parts
            .iter()
            .map(|p| reach(p, linear))
            .try_fold(0usize, |sum, r| Some(sum.saturating_add(r?))),
        Expr::Alt(parts) => parts
            .iter()
            .map(|p| reach(p, linear))
            .try_fold(0usize, |max, r| Some(max.max(r?))),
        Expr::Group(inner) => reach(inner, linear),
        Expr::LookAround(inner, _) | Expr::AtomicGroup(inner) => {
            *linear = false;
            reach(inner, linear)
        }
        Expr::Repeat { child, hi, .. } => {
            let r = reach(child, linear)?;
            if *hi == usize::MAX {
                (r == 0).then_some(0)
            } else {
                Some(r.saturating_mul(*hi))
            }
        }
        // Back-references, conditionals and anything newer: as far as the text goes.
        _ => {
            *linear = false;
            None
        }
    }
}

/// What .NET's `\w` matches: letters, non-spacing marks, decimal digits, connector
/// punctuation (Rust's `\w` also takes spacing marks, `Mc`, which .NET does not), and only in
/// the Basic Multilingual Plane: .NET matches UTF-16 code units, and neither half of a
/// surrogate pair is a word character, so `[^\w]` strips `𠮷`.
const NET_WORD: &str = r"[\p{L}\p{Mn}\p{Nd}\p{Pc}&&\x{0}-\x{FFFF}]";

/// .NET's `\b` and `\B` also count the zero-width (non-)joiners U+200C and U+200D as word
/// characters.
const NET_BOUNDARY_WORD: &str = r"[\p{L}\p{Mn}\p{Nd}\p{Pc}\x{200C}\x{200D}&&\x{0}-\x{FFFF}]";

/// .NET pattern syntax → fancy-regex, so a pattern means what it means in .NET or is refused:
/// `(?'name'...)`; `\Z`; `$` outside multiline mode (also before a final newline); `\w`, `\W`,
/// `\b`, `\B` with .NET's word characters; class subtraction `[a-z-[aeiou]]`; `(?n)`
/// (explicit capture) at the start of the pattern, by making every unnamed group
/// non-capturing. `(?n)` anywhere else has no equivalent and is refused.
fn translate_pattern(pattern: &str) -> Result<String, String> {
    let (pattern, explicit_capture) = leading_explicit_capture(pattern);
    if pattern.contains("(?n") || pattern.contains("(?-n") {
        return Err(
            "the (?n) option (explicit capture) is supported only at the start of the pattern"
                .into(),
        );
    }
    let multiline = pattern.contains("(?m") || pattern.contains("(?im") || pattern.contains("(?sm");
    let word = NET_WORD;
    let bword = NET_BOUNDARY_WORD;
    let boundary = format!("(?:(?<={bword})(?!{bword})|(?<!{bword})(?={bword}))");
    let not_boundary = format!("(?:(?<={bword})(?={bword})|(?<!{bword})(?!{bword}))");
    let mut out = String::with_capacity(pattern.len() + 16);
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    // Depth of character classes (`[`), and where a subtraction opened one.
    let mut class_depth = 0usize;
    let mut subtraction_at: Vec<usize> = Vec::new();
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => {
                match next {
                    Some('Z') if class_depth == 0 => out.push_str("(?=\n?\\z)"),
                    Some('w') => out.push_str(word),
                    Some('W') if class_depth == 0 => {
                        out.push_str("[^");
                        out.push_str(word);
                        out.push(']');
                    }
                    Some('b') if class_depth == 0 => out.push_str(&boundary),
                    Some('B') if class_depth == 0 => out.push_str(&not_boundary),
                    Some(n) => {
                        out.push('\\');
                        out.push(n);
                    }
                    None => out.push('\\'),
                }
                i += 2;
                continue;
            }
            '[' if class_depth == 0 => {
                class_depth = 1;
                out.push('[');
                // A `]` or `^]` right after the opening bracket is a literal.
                if next == Some('^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            // `-[` inside a class: .NET's subtraction, `[X-[Y]]` → `[X--[Y]]`.
            '-' if class_depth > 0 && next == Some('[') => {
                out.push_str("--[");
                class_depth += 1;
                subtraction_at.push(class_depth);
                i += 2;
                continue;
            }
            '[' if class_depth > 0 => {
                out.push_str("\\[");
            }
            ']' if class_depth > 0 => {
                out.push(']');
                if subtraction_at.last() == Some(&class_depth) {
                    subtraction_at.pop();
                }
                class_depth -= 1;
            }
            '$' if class_depth == 0 && !multiline => out.push_str("(?=\n?\\z)"),
            '(' if explicit_capture && class_depth == 0 && next != Some('?') => {
                out.push_str("(?:");
            }
            '(' if next == Some('?') && chars.get(i + 2) == Some(&'\'') => {
                // (?'name'...) → (?<name>...)
                out.push_str("(?<");
                i += 3;
                while let Some(&n) = chars.get(i) {
                    i += 1;
                    if n == '\'' {
                        out.push('>');
                        break;
                    }
                    out.push(n);
                }
                continue;
            }
            c => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// A leading `(?n)` or `(?in)`-style option group: the pattern with `n` taken out of it, and
/// whether it was there.
fn leading_explicit_capture(pattern: &str) -> (Cow<'_, str>, bool) {
    let Some(rest) = pattern.strip_prefix("(?") else {
        return (Cow::Borrowed(pattern), false);
    };
    let Some(end) = rest.find(')') else {
        return (Cow::Borrowed(pattern), false);
    };
    let flags = &rest[..end];
    if !flags.contains('n') || !flags.chars().all(|c| "imnsx".contains(c)) {
        return (Cow::Borrowed(pattern), false);
    }
    let kept: String = flags.chars().filter(|&c| c != 'n').collect();
    let body = &rest[end + 1..];
    let translated = if kept.is_empty() {
        body.to_owned()
    } else {
        format!("(?{kept}){body}")
    };
    (Cow::Owned(translated), true)
}

/// .NET numbers unnamed groups first, left to right, then named groups: in
/// `(?<Suffix>@(.)*)` group 1 is `(.)` and `Suffix` is group 2. Returns the fancy-regex
/// index of each .NET group number (index 0 is the whole match).
fn net_group_order(regex: &Regex) -> Vec<usize> {
    let names: Vec<Option<&str>> = regex.capture_names().collect();
    let mut order = vec![0];
    order.extend((1..names.len()).filter(|&i| names.get(i).is_some_and(Option::is_none)));
    order.extend((1..names.len()).filter(|&i| names.get(i).is_some_and(Option::is_some)));
    order
}

/// One piece of a .NET replacement string.
#[derive(Debug, PartialEq)]
enum Piece {
    Text(String),
    /// A group, by its fancy-regex index.
    Group(usize),
    /// A named group.
    Named(String),
    Whole,
    Before,
    After,
    /// `$+`: the group with the highest .NET number, by its fancy-regex index.
    LastGroup(usize),
    Input,
}

/// Parse a .NET replacement: `$1`, `${name}`, `$$`, `$&`, `` $` ``, `$'`, `$+`, `$_`. Group
/// numbers follow .NET's numbering ([`net_group_order`]); `$10` is group 10 or, when there is
/// none, the literal text `$10` (all the digits are read, as .NET reads them).
fn substitution(replacement: &str, regex: &Regex) -> Vec<Piece> {
    let order = net_group_order(regex);
    let named = |name: &str| regex.capture_names().flatten().any(|n| n == name);
    let numbered = |digits: &str| {
        digits
            .parse::<usize>()
            .ok()
            .and_then(|n| order.get(n).copied())
    };
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = replacement;
    while let Some(i) = rest.find('$') {
        text.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (piece, used) = match after.chars().next() {
            Some('$') => (Some(Piece::Text("$".into())), 1),
            Some('&') => (Some(Piece::Whole), 1),
            Some('`') => (Some(Piece::Before), 1),
            Some('\'') => (Some(Piece::After), 1),
            Some('+') => (
                Some(Piece::LastGroup(order.last().copied().unwrap_or(0))),
                1,
            ),
            Some('_') => (Some(Piece::Input), 1),
            Some('{') => match after.find('}').map(|close| (close, &after[1..close])) {
                Some((close, inner)) if numbered(inner).is_some() && !inner.is_empty() => {
                    (numbered(inner).map(Piece::Group), close + 1)
                }
                Some((close, inner)) if named(inner) => {
                    (Some(Piece::Named(inner.to_string())), close + 1)
                }
                _ => (None, 0),
            },
            Some(d) if d.is_ascii_digit() => {
                let digits = after.chars().take_while(char::is_ascii_digit).count();
                match numbered(&after[..digits]) {
                    Some(index) => (Some(Piece::Group(index)), digits),
                    None => (None, 0),
                }
            }
            _ => (None, 0),
        };
        match piece {
            Some(Piece::Text(t)) => text.push_str(&t),
            Some(p) => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(p);
            }
            None => text.push('$'),
        }
        rest = &after[used..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

fn substitute(out: &mut String, pieces: &[Piece], caps: &Captures<'_>, input: &str) {
    let Some(whole) = caps.get(0) else { return };
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Group(index) => out.push_str(caps.get(*index).map_or("", |m| m.as_str())),
            Piece::Named(name) => out.push_str(caps.name(name).map_or("", |m| m.as_str())),
            Piece::Whole => out.push_str(whole.as_str()),
            Piece::Before => out.push_str(&input[..whole.start()]),
            Piece::After => out.push_str(&input[whole.end()..]),
            Piece::LastGroup(index) => {
                out.push_str(caps.get(*index).map_or("", |m| m.as_str()));
            }
            Piece::Input => out.push_str(input),
        }
    }
}

/// Compile a constant pattern once, and check a constant group name exists.
pub(crate) fn prepare_replace(
    call: &CallNode,
    options: &Options,
) -> Result<Option<Prepared>, Box<Diagnostic>> {
    let Some(pattern) = call.constant_arg(PATTERN) else {
        return Ok(None);
    };
    let span = call
        .args
        .get(PATTERN)
        .and_then(Option::as_ref)
        .map(|n| n.span)
        .unwrap_or_default();
    let regex = NetRegex::with_limits(
        &pattern,
        options.limits.regex_backtrack_limit,
        options.limits.regex_size_limit,
    )
    .map_err(|e| {
        Diagnostic::error(
            Code::BadRegex,
            span,
            "this regular expression does not compile",
        )
        .with_label(first_line(&e))
        .with_help("patterns follow .NET syntax; inside an expression string write \\\\d for \\d")
        .into_boxed()
    })?;
    if let Some(name) = call.constant_arg(GROUP)
        && !regex.has_group(&name)
    {
        let gspan = call
            .args
            .get(GROUP)
            .and_then(Option::as_ref)
            .map(|n| n.span)
            .unwrap_or_default();
        return Err(Diagnostic::error(
            Code::UnknownGroup,
            gspan,
            format!("the pattern has no group named {name:?}"),
        )
        .with_related(span, "the pattern")
        .with_help("name a group in the pattern: (?<name>...)")
        .into_boxed());
    }
    Ok(Some(Prepared::new(regex)))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").to_string()
}

/// Replace(source, oldValue, regexPattern, regexGroupName, replacementValue,
/// replacementAttributeName, template): the mode is chosen by which slots are supplied.
pub(crate) fn replace<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let has = |i| ctx.has_arg(call, i);
    let (old, pattern, group_name, replacement, attribute, template) = (
        has(OLD_VALUE),
        has(PATTERN),
        has(GROUP),
        has(REPLACEMENT),
        has(REPLACEMENT_ATTRIBUTE),
        has(TEMPLATE),
    );
    if old && template {
        let Some(source) = ctx.text(call, SOURCE, span)? else {
            return Ok(Value::Null);
        };
        let old_value = non_empty_old(ctx, call, span)?;
        let template = ctx.text(call, TEMPLATE, span)?.unwrap_or_default();
        return ctx.limit(template.replace(old_value.as_ref(), &source), call, span);
    }
    if old && replacement {
        let Some(source) = ctx.text(call, SOURCE, span)? else {
            return Ok(Value::Null);
        };
        let old_value = non_empty_old(ctx, call, span)?;
        let new_value = ctx.text(call, REPLACEMENT, span)?.unwrap_or_default();
        return ctx.limit(source.replace(old_value.as_ref(), &new_value), call, span);
    }
    if pattern && group_name && attribute {
        let source = ctx.arg(call, SOURCE)?;
        if !source.is_null_or_empty() {
            return Ok(source);
        }
        let other = ctx.text(call, REPLACEMENT_ATTRIBUTE, span)?;
        let name = ctx.text(call, GROUP, span)?.unwrap_or_default();
        let Some(other) = other else {
            return Ok(Value::Null);
        };
        return with_regex(ctx, call, span, |ctx, regex| {
            ctx.charge(regex.cost(&other), span)?;
            let first = regex
                .regex
                .captures(&other)
                .map_err(|e| regex_error(ctx, call, span, e))?;
            Ok(first
                .and_then(|c| {
                    regex
                        .group(&c, &name)
                        .map(|m| Value::Str(Cow::Owned(m.as_str().to_string())))
                })
                .unwrap_or(Value::Null))
        });
    }
    if pattern && replacement {
        let Some(source) = ctx.text(call, SOURCE, span)? else {
            return Ok(Value::Null);
        };
        let new_value = ctx.text(call, REPLACEMENT, span)?.unwrap_or_default();
        let name = if group_name {
            ctx.text(call, GROUP, span)?
        } else {
            None
        };
        let out = with_regex(ctx, call, span, |ctx, regex| {
            ctx.charge(regex.cost(&source), span)?;
            let matches = regex
                .matches(&source)
                .map_err(|e| regex_error(ctx, call, span, e))?;
            let mut out = String::with_capacity(source.len());
            let mut last = 0;
            match &name {
                // Mode 4: only the named group's span is replaced; the rest of the match stays.
                Some(name) => {
                    for caps in &matches {
                        if let Some(g) = regex.group(caps, name)
                            && g.start() >= last
                        {
                            out.push_str(&source[last..g.start()]);
                            out.push_str(&new_value);
                            last = g.end();
                        }
                    }
                }
                // Mode 5: Regex.Replace with .NET substitutions.
                None => {
                    let pieces = substitution(&new_value, &regex.regex);
                    for caps in &matches {
                        let Some(m) = caps.get(0) else { continue };
                        out.push_str(&source[last..m.start()]);
                        substitute(&mut out, &pieces, caps, &source);
                        last = m.end();
                        if out.len() > ctx.options.limits.max_string_length {
                            break;
                        }
                    }
                }
            }
            out.push_str(&source[last.min(source.len())..]);
            Ok(out)
        })?;
        return ctx.limit(out, call, span);
    }
    Err(EvalError::new(span, Code::ReplaceMode, "unsupported Replace argument combination")
        .help("supply oldValue + replacementValue, oldValue + template, regexPattern + replacementValue, regexPattern + regexGroupName + replacementValue, or regexPattern + regexGroupName + replacementAttributeName"))
}

fn non_empty_old<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> Result<Cow<'a, str>, EvalError> {
    match ctx.text(call, OLD_VALUE, span)? {
        Some(old) if !old.is_empty() => Ok(old),
        _ => Err(EvalError::new(
            ctx.arg_span(call, OLD_VALUE, span),
            Code::BadArgument,
            "Replace's oldValue is empty",
        )
        .help("give the text to look for")),
    }
}

/// Run `f` with the call's regex: the prepared one, or one compiled now from a computed pattern.
fn with_regex<'a, T>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
    f: impl FnOnce(&mut Ctx<'a, '_, '_>, &NetRegex) -> Result<T, EvalError>,
) -> Result<T, EvalError> {
    if let Some(regex) = call.prepared::<NetRegex>() {
        return f(ctx, regex);
    }
    let pattern = ctx.text(call, PATTERN, span)?.unwrap_or_default();
    let regex = NetRegex::with_limits(
        &pattern,
        ctx.options.limits.regex_backtrack_limit,
        ctx.options.limits.regex_size_limit,
    )
    .map_err(|e| {
        EvalError::new(
            ctx.arg_span(call, PATTERN, span),
            Code::BadRegex,
            format!(
                "the regular expression does not compile: {}",
                first_line(&e)
            ),
        )
    })?;
    f(ctx, &regex)
}

fn regex_error(
    ctx: &Ctx<'_, '_, '_>,
    call: &CallNode,
    span: Span,
    e: fancy_regex::Error,
) -> EvalError {
    EvalError::new(ctx.arg_span(call, PATTERN, span), Code::RegexLimit, format!("the regular expression gave up: {e}"))
        .help("the pattern backtracks too much on this input (nested quantifiers such as (a+)+); simplify it")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace_all(text: &str, pattern: &str, replacement: &str) -> String {
        let regex = NetRegex::new(pattern, 1_000_000).unwrap();
        let pieces = substitution(replacement, &regex.regex);
        let mut out = String::new();
        let mut last = 0;
        for caps in regex.matches(text).unwrap() {
            let m = caps.get(0).unwrap();
            out.push_str(&text[last..m.start()]);
            substitute(&mut out, &pieces, &caps, text);
            last = m.end();
        }
        out.push_str(&text[last..]);
        out
    }

    #[test]
    fn dotnet_empty_match_rule() {
        assert_eq!(replace_all("abc", "b*", "-"), "-a--c-");
        assert_eq!(replace_all("john_doe72", "[a-zA-Z_]*", "-"), "--7-2-");
        assert_eq!(replace_all("abc", "x*", "-"), "-a-b-c-");
        assert_eq!(replace_all("john_doe72", "[a-zA-Z_]*", ""), "72");
    }

    #[test]
    fn dotnet_substitutions() {
        assert_eq!(
            replace_all(
                "+91 9998887777",
                r"\+(?<isdCode>\d* )(?<phoneNumber>\d{10})",
                "${phoneNumber}"
            ),
            "9998887777"
        );
        assert_eq!(replace_all("ab", "(a)(b)", "$2$1"), "ba");
        assert_eq!(replace_all("ab", "(a)(b)", "$$1"), "$1");
        assert_eq!(
            replace_all("ab", "(a)(b)", "$12"),
            "$12",
            ".NET reads every digit: group 12 does not exist, so the text stays"
        );
        assert_eq!(
            replace_all("john.doe@contoso.com", "(?<Suffix>@(.)*)", "$1|$2"),
            "john.doem|@contoso.com",
            "unnamed groups are numbered before named ones"
        );
        assert_eq!(
            replace_all("ac", "(a)(b)?", "[$+]"),
            "[]c",
            "$+ is the last group"
        );
        assert_eq!(replace_all("ab", "(a)(b)", "${nope}"), "${nope}");
        assert_eq!(replace_all("xaby", "ab", "[$`|$&|$']"), "x[x|ab|y]y");
        assert_eq!(replace_all("ab", "(a)(b)?", "$+"), "b");
        assert_eq!(replace_all("ab", "b", "$_"), "aab");
        assert_eq!(replace_all("a", "a", "$"), "$");
    }

    #[test]
    fn dotnet_pattern_syntax() {
        assert_eq!(replace_all("ab", "(?'x'a)", "${x}${x}"), "aab");
        assert_eq!(replace_all("abab", "(?<=a)b", "X"), "aXaX", "look-behind");
        assert_eq!(
            replace_all("aa-bb", r"(\w)\1", "D"),
            "D-D",
            "back-reference"
        );
        assert_eq!(replace_all("ab\n", r"b\Z", "X"), "aX\n");
    }

    #[test]
    fn catastrophic_backtracking_is_bounded() {
        // A back-reference forces the backtracking engine; the limit stops it.
        let regex = NetRegex::new(r"^(a+)+\1$", 10_000).unwrap();
        let input = format!("{}b", "a".repeat(64));
        assert!(regex.matches(&input).is_err());
    }
}
