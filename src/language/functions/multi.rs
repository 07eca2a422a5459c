//! Multi-valued attributes and app roles: Count, Item, RemoveDuplicates,
//! SingleAppRoleAssignment, AppRoleAssignmentsComplex.

use crate::compile::CallNode;
use crate::diagnostic::span::Span;
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::value::Value;
use crate::eval::{Ctx, EvalError};

type R<'a> = Result<Value<'a>, EvalError>;

/// Number of values; a single value is 1, Null is 0 (DECISION).
pub(crate) fn count<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, _: Span) -> R<'a> {
    Ok(Value::Int(match ctx.arg(call, 0)? {
        Value::Null | Value::Drop => 0,
        Value::Multi(v) => v.len() as i64,
        Value::Roles(v) => v.len() as i64,
        _ => 1,
    }))
}

/// Item(attribute, index): 1-based; out of range is an error (DECISION, as Cloud Sync documents).
pub(crate) fn item<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let values = match ctx.arg(call, 0)? {
        Value::Null => return Ok(Value::Null),
        Value::Multi(v) => v,
        Value::Roles(roles) => roles.into_iter().map(|r| Value::Str(r.value)).collect(),
        single => vec![single],
    };
    let Some(index) = ctx.int(call, 1, span)? else {
        return Ok(Value::Null);
    };
    if index < 1 || index as usize > values.len() {
        return Err(EvalError::new(
            ctx.arg_span(call, 1, span),
            Code::IndexOutOfRange,
            format!("Item index {index} is outside 1..{}", values.len()),
        )
        .help("indexes start at 1; check Count([attr]) first"));
    }
    Ok(values
        .into_iter()
        .nth(index as usize - 1)
        .unwrap_or(Value::Null))
}

/// Order-preserving, case-sensitive removal of repeated values.
pub(crate) fn remove_duplicates<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    _: Span,
) -> R<'a> {
    Ok(match ctx.arg(call, 0)? {
        Value::Multi(values) => {
            let mut seen: Vec<Value<'a>> = Vec::with_capacity(values.len());
            for v in values {
                if !seen.contains(&v) {
                    seen.push(v);
                }
            }
            Value::Multi(seen)
        }
        other => other,
    })
}

/// The user's one app role assignment, as one text (its value; a `.display` target takes its
/// display name). None → Null; several, which Microsoft says are not supported → the first,
/// with a warning (docs/functions.md#singleapproleassignment).
pub(crate) fn single_role<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    match ctx.arg(call, 0)? {
        Value::Null => Ok(Value::Null),
        Value::Role(role) => Ok(Value::Role(role)),
        Value::Roles(roles) => {
            let count = roles.len();
            let Some(first) = roles.into_iter().next() else {
                return Ok(Value::Null);
            };
            if count > 1 {
                ctx.env.warnings.push(
                    Diagnostic::warning(
                        Code::SeveralRoles,
                        span,
                        format!(
                            "the user has {count} app role assignments; {} takes one, so the first ({:?}) is used",
                            call.spec.name,
                            first.value
                        ),
                    )
                    .with_help("Microsoft supports one role per user here; use AppRoleAssignmentsComplex([appRoleAssignments]) to send them all"),
                );
            }
            Ok(Value::Role(Box::new(first)))
        }
        other => Err(not_roles(ctx, call, span, &other)),
    }
}

/// Every app role assignment.
pub(crate) fn roles_complex<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> R<'a> {
    match ctx.arg(call, 0)? {
        Value::Null => Ok(Value::Null),
        roles @ Value::Roles(_) => Ok(roles),
        other => Err(not_roles(ctx, call, span, &other)),
    }
}

fn not_roles(ctx: &Ctx<'_, '_, '_>, call: &CallNode, span: Span, value: &Value<'_>) -> EvalError {
    EvalError::new(
        ctx.arg_span(call, 0, span),
        Code::NotRoles,
        format!(
            "`{}` needs [appRoleAssignments], got a {} value",
            call.spec.name,
            value.kind_name()
        ),
    )
    .help("pass [appRoleAssignments]: a list of {\"id\", \"value\", \"displayName\"} objects")
}
