//! Conditions, Null tests and choices: IIF, Switch, Coalesce, Is*, Not, CBool,
//! IgnoreFlowIfNullOrEmpty, SelectUniqueValue, Redact, Now, DefaultDomain, Error.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::compile::{CallNode, Prepared};
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::eval::value::{Date, Value, parse_bool};
use crate::eval::{Ctx, EvalError, to_bool};
use crate::options::{IifNull, Options};

type R<'a> = Result<Value<'a>, EvalError>;

/// docs/language.md#iif-and-null: with iif_null=strict all three arguments are evaluated and any Null gives Null.
pub(crate) fn iif<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let condition = ctx.arg(call, 0)?;
    let strict = ctx.options.dialect.iif_null == IifNull::Strict;
    let (when_true, when_false) = if strict {
        (Some(ctx.arg(call, 1)?), Some(ctx.arg(call, 2)?))
    } else {
        (None, None)
    };
    if condition.is_null() {
        return Ok(Value::Null);
    }
    let Some(chosen) = to_bool(&condition) else {
        let shown = condition.text().map_or_else(
            || condition.kind_name().to_string(),
            |t| ctx.show(call, 0, &t),
        );
        return Err(EvalError::new(
            ctx.arg_span(call, 0, span),
            Code::NotABoolean,
            format!("IIF's condition must be True or False, not {shown}"),
        )
        .help("compare with `=` (IIF([a]=\"x\", ...)) or use a test such as IsPresent([a])"));
    };
    match (when_true, when_false) {
        (Some(t), Some(f)) if t.is_null() || f.is_null() => Ok(Value::Null),
        (Some(t), Some(f)) => Ok(if chosen { t } else { f }),
        _ => ctx.arg(call, if chosen { 1 } else { 2 }),
    }
}

/// Switch(source, defaultValue, key1, value1, ...): case-sensitive text comparison; a Null
/// source matches the key `""` (docs/language.md#switch-and-null).
pub(crate) fn switch<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    if call.args.len() % 2 == 1 {
        return Err(EvalError::new(
            span,
            Code::SwitchPairs,
            "Switch expects key/value pairs after the default, but a key has no value",
        )
        .help("Switch(source, defaultValue, key1, value1, ...): add the missing value"));
    }
    let source = ctx.arg(call, 0)?;
    let text: Option<Cow<'_, str>> = match &source {
        Value::Null | Value::Drop if ctx.options.dialect.switch_null_matches_empty_key => {
            Some(Cow::Borrowed(""))
        }
        Value::Null | Value::Drop => None,
        Value::Multi(_) | Value::Roles(_) => return Err(ctx.multi_error(call, 0, span)),
        other => other.text(),
    };
    let Some(text) = text else {
        return ctx.arg(call, 1);
    };
    if let Some(table) = call.prepared::<SwitchTable>() {
        return match table.get(text.as_ref()) {
            Some(&value_index) => ctx.arg(call, value_index),
            None => ctx.arg(call, 1),
        };
    }
    let mut i = 2;
    while i + 1 < call.args.len() {
        let key = ctx.arg(call, i)?;
        let key_text = match &key {
            Value::Null => Cow::Borrowed(""),
            k => k.text().unwrap_or_default(),
        };
        if key_text == text {
            return ctx.arg(call, i + 1);
        }
        i += 2;
    }
    ctx.arg(call, 1)
}

/// Constant keys → hash table (first occurrence wins, like the linear scan).
/// Constant Switch keys → index of the value argument.
type SwitchTable = HashMap<Box<str>, usize>;

pub(crate) fn prepare_switch(
    call: &CallNode,
    _: &Options,
) -> Result<Option<Prepared>, Box<Diagnostic>> {
    let keys: Vec<(usize, Option<String>)> = (2..call.args.len())
        .step_by(2)
        .map(|i| (i, call.constant_arg(i)))
        .collect();
    if call.args.len() % 2 == 1 || keys.iter().any(|(_, k)| k.is_none()) {
        return Ok(None);
    }
    let mut table: SwitchTable = HashMap::with_capacity(keys.len());
    for (i, key) in keys.into_iter().rev() {
        table.insert(key.unwrap_or_default().into_boxed_str(), i + 1);
    }
    Ok(Some(Prepared::new(table)))
}

/// The first argument that is not Null; `""` counts as a value.
pub(crate) fn coalesce<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    for i in 0..call.args.len() {
        let v = ctx.arg(call, i)?;
        if !v.is_null() {
            return Ok(v);
        }
    }
    Ok(Value::Null)
}

pub(crate) fn is_null<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    Ok(Value::Bool(ctx.arg(call, 0)?.is_null()))
}

pub(crate) fn is_null_or_empty<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    _: Span,
) -> R<'a> {
    Ok(Value::Bool(ctx.arg(call, 0)?.is_null_or_empty()))
}

pub(crate) fn is_present<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    Ok(Value::Bool(!ctx.arg(call, 0)?.is_null_or_empty()))
}

/// DECISION (docs/functions.md#isstring): True for any single non-Null value.
pub(crate) fn is_string<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    let v = ctx.arg(call, 0)?;
    Ok(Value::Bool(v.text().is_some()))
}

/// True → False; anything else, Null included, → True (the docs' wording).
pub(crate) fn not<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    let v = ctx.arg(call, 0)?;
    let is_true = match &v {
        Value::Bool(b) => *b,
        Value::Str(s) => parse_bool(s) == Some(true),
        Value::Role(role) => parse_bool(&role.value) == Some(true),
        _ => false,
    };
    Ok(Value::Bool(!is_true))
}

/// Null → False (DECISION); text must read as a Boolean or an integer.
pub(crate) fn cbool<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let v = ctx.arg(call, 0)?;
    if v.is_null() {
        return Ok(Value::Bool(false));
    }
    match to_bool(&v) {
        Some(b) => Ok(Value::Bool(b)),
        None => {
            let shown = v
                .text()
                .map_or_else(|| v.kind_name().to_string(), |t| ctx.show(call, 0, &t));
            Err(EvalError::new(
                ctx.arg_span(call, 0, span),
                Code::NotABoolean,
                format!("CBool cannot read {shown} as True or False"),
            ))
        }
    }
}

/// Null or `""` → Drop: the mapping flows nothing and its default is not used (docs/language.md#ignoreflowifnullorempty-and-drop).
pub(crate) fn ignore_flow<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    let v = ctx.arg(call, 0)?;
    Ok(if v.is_null_or_empty() { Value::Drop } else { v })
}

/// The first rule whose value is not taken in the target; all taken → the object is escrowed.
pub(crate) fn select_unique_value<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> R<'a> {
    let mut tried = Vec::new();
    for i in 0..call.args.len() {
        let v = ctx.arg(call, i)?;
        let Some(text) = ctx.as_text(v, call, i, span)? else {
            continue;
        };
        if !(ctx.env.taken)(&text) {
            return Ok(Value::Str(text));
        }
        tried.push(ctx.show(call, i, &text));
    }
    Err(EvalError::new(
        span,
        Code::NoUniqueValue,
        format!(
            "every SelectUniqueValue candidate is taken in the target ({})",
            tried.join(", ")
        ),
    )
    .help("Entra escrows the object; add another rule that generates a different value"))
}

/// The value unchanged; only traces and messages hide it (the node is marked when compiled).
pub(crate) fn redact<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    ctx.arg(call, 0)
}

pub(crate) fn now<'a>(ctx: &mut Ctx<'a, '_, '_>, _: &'a CallNode, _: Span) -> R<'a> {
    Ok(Value::Date(Date::utc(ctx.env.now)))
}

pub(crate) fn default_domain<'a>(ctx: &mut Ctx<'a, '_, '_>, _: &'a CallNode, _: Span) -> R<'a> {
    Ok(Value::Str(Cow::Borrowed(
        ctx.options.run.default_domain.as_str(),
    )))
}

/// Cloud Sync's Error(message): fail the object with the message.
pub(crate) fn error<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let message = ctx.text(call, 0, span)?.unwrap_or_default();
    Err(EvalError::new(
        span,
        Code::ErrorFunction,
        format!("Error(): {message}"),
    ))
}
