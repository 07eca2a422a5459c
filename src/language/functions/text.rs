//! Text functions: Append, Prepend, Join, Left, Mid, InStr, StripSpaces, Trim, Word, Split, CStr.
//! Positions are 1-based and count Unicode scalar values (docs/functions.md#string-positions).

use std::borrow::Cow;

use crate::compile::CallNode;
use crate::diagnostic::Code;
use crate::diagnostic::span::Span;
use crate::eval::value::Value;
use crate::eval::{Ctx, EvalError};
use crate::options::JoinSkip;

type R<'a> = Result<Value<'a>, EvalError>;

/// source + suffix; Null source → Null.
pub(crate) fn append<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(source) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let suffix = ctx.text(call, 1, span)?.unwrap_or_default();
    ctx.limit(format!("{source}{suffix}"), call, span)
}

/// Len(source): .NET `String.Length`, UTF-16 code units (`😀` is 2). Undocumented.
pub(crate) fn len<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(source) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let units = source.encode_utf16().count();
    Ok(Value::Int(i64::try_from(units).unwrap_or(i64::MAX)))
}

/// prefix + source; Null source → Null.
pub(crate) fn prepend<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let prefix = ctx.text(call, 0, span)?.unwrap_or_default();
    let Some(source) = ctx.text(call, 1, span)? else {
        return Ok(Value::Null);
    };
    ctx.limit(format!("{prefix}{source}"), call, span)
}

/// Join(separator, source1, ...): several values are flattened; Null (and, by default, `""`)
/// values are skipped; nothing left → Null (DECISION).
pub(crate) fn join<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let separator = ctx.text(call, 0, span)?.unwrap_or_default();
    let skip_empty = ctx.options.dialect.join_skip_empty == JoinSkip::NullAndEmpty;
    let mut parts: Vec<String> = Vec::new();
    for i in 1..call.args.len() {
        let value = ctx.arg(call, i)?;
        for text in value.texts() {
            if !(skip_empty && text.is_empty()) {
                parts.push(text);
            }
        }
    }
    if parts.is_empty() {
        return Ok(Value::Null);
    }
    let joined = parts.join(&separator);
    ctx.limit(joined, call, span)
}

/// The first numChars characters; Null → `""`; 0 → `""`; negative → the whole string.
pub(crate) fn left<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let text = ctx.text(call, 0, span)?.unwrap_or_default();
    let n = ctx.int(call, 1, span)?.unwrap_or(0);
    if n < 0 {
        return Ok(Value::Str(text));
    }
    Ok(Value::Str(prefix_chars(text, n as usize)))
}

fn prefix_chars(text: Cow<'_, str>, n: usize) -> Cow<'_, str> {
    match text.char_indices().nth(n) {
        None => text,
        Some((end, _)) => match text {
            Cow::Borrowed(s) => Cow::Borrowed(&s[..end]),
            Cow::Owned(s) => Cow::Owned(s[..end].to_string()),
        },
    }
}

/// Mid(source, start, length): 1-based; past the end gives what is there.
pub(crate) fn mid<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let start = ctx.int(call, 1, span)?.unwrap_or(1);
    let length = ctx.int(call, 2, span)?.unwrap_or(0);
    if start < 1 {
        return Err(EvalError::new(
            ctx.arg_span(call, 1, span),
            Code::BadArgument,
            format!("Mid's start must be 1 or more, not {start}"),
        )
        .help("positions are 1-based: the first character is 1"));
    }
    if length < 0 {
        return Err(EvalError::new(
            ctx.arg_span(call, 2, span),
            Code::BadArgument,
            format!("Mid's length cannot be negative ({length})"),
        ));
    }
    let result: String = text
        .chars()
        .skip(start as usize - 1)
        .take(length as usize)
        .collect();
    Ok(Value::Str(Cow::Owned(result)))
}

/// InStr(value1, value2, start, compareType): 1-based position, 0 when absent.
pub(crate) fn instr<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(haystack) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let Some(needle) = ctx.text(call, 1, span)? else {
        return Ok(Value::Null);
    };
    let start = ctx.int(call, 2, span)?.unwrap_or(1);
    if start < 1 {
        return Err(EvalError::new(
            ctx.arg_span(call, 2, span),
            Code::BadArgument,
            format!("InStr's start must be 1 or more, not {start}"),
        ));
    }
    let ignore_case = match ctx.text(call, 3, span)?.as_deref().map(str::trim) {
        None | Some("") => false,
        Some(t) if t.eq_ignore_ascii_case("vbBinaryCompare") || t == "0" => false,
        Some(t) if t.eq_ignore_ascii_case("vbTextCompare") || t == "1" => true,
        Some(other) => {
            return Err(EvalError::new(
                ctx.arg_span(call, 3, span),
                Code::BadArgument,
                format!("unknown compareType {other:?}"),
            )
            .help("use vbBinaryCompare (case-sensitive) or vbTextCompare (ignores case)"));
        }
    };
    let fold = |s: &str| -> Vec<char> {
        s.chars()
            .map(|c| {
                if ignore_case {
                    super::casing::simple_lower(c)
                } else {
                    c
                }
            })
            .collect()
    };
    let (hay, needle) = (fold(&haystack), fold(&needle));
    let from = start as usize - 1;
    // VB's InStr: an empty string1 gives 0 (even for an empty string2), then an empty string2
    // gives start.
    if hay.is_empty() || from > hay.len() {
        return Ok(Value::Int(0));
    }
    if needle.is_empty() {
        return Ok(Value::Int(start));
    }
    let found = hay.get(from..).and_then(|rest| {
        rest.windows(needle.len())
            .position(|w| w == needle.as_slice())
    });
    Ok(Value::Int(found.map_or(0, |p| (from + p + 1) as i64)))
}

/// Removes every U+0020 (not tabs or no-break spaces).
pub(crate) fn strip_spaces<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    if !text.contains(' ') {
        return Ok(Value::Str(text));
    }
    Ok(Value::Str(Cow::Owned(text.replace(' ', ""))))
}

/// Cloud Sync's Trim: leading and trailing white space, per value.
pub(crate) fn trim<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    match ctx.arg(call, 0)? {
        Value::Multi(values) => Ok(Value::Multi(
            values
                .into_iter()
                .map(|v| {
                    v.text().map_or(Value::Null, |t| {
                        Value::Str(Cow::Owned(t.trim().to_string()))
                    })
                })
                .collect(),
        )),
        v => {
            let Some(text) = ctx.as_text(v, call, 0, span)? else {
                return Ok(Value::Null);
            };
            Ok(Value::Str(Cow::Owned(text.trim().to_string())))
        }
    }
}

/// Word(string, n, delimiters): words are runs of characters not in delimiters.
pub(crate) fn word<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let text = ctx.text(call, 0, span)?.unwrap_or_default();
    let n = ctx.int(call, 1, span)?.unwrap_or(0);
    let delimiters = ctx.text(call, 2, span)?.unwrap_or_default();
    if n < 1 {
        return Ok(Value::str(""));
    }
    let word = text
        .split(|c| delimiters.contains(c))
        .filter(|w| !w.is_empty())
        .nth(n as usize - 1);
    Ok(Value::Str(Cow::Owned(word.unwrap_or("").to_string())))
}

/// Split(source, delimiter): .NET `String.Split` on a delimiter string, no trimming, empty
/// parts kept; `""` → Null (DECISION).
pub(crate) fn split<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    if text.is_empty() {
        return Ok(Value::Null);
    }
    let delimiter = ctx.text(call, 1, span)?.unwrap_or_default();
    if delimiter.is_empty() {
        return Ok(Value::Multi(vec![Value::Str(text)]));
    }
    Ok(Value::Multi(
        text.split(delimiter.as_ref())
            .map(|p| Value::Str(Cow::Owned(p.to_string())))
            .collect(),
    ))
}

/// CStr: the text form of a single value.
pub(crate) fn cstr<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let v = ctx.arg(call, 0)?;
    Ok(ctx
        .as_text(v, call, 0, span)?
        .map_or(Value::Null, Value::Str))
}
