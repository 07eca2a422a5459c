//! Guid() and RandomString(): randomness comes from the environment (seeded by the option
//! rng_seed, else the operating system), so snapshots are stable.

use std::borrow::Cow;

use rand::RngExt as _;

use crate::compile::CallNode;
use crate::diagnostic::Code;
use crate::diagnostic::span::Span;
use crate::eval::value::Value;
use crate::eval::{Ctx, EvalError};

type R<'a> = Result<Value<'a>, EvalError>;

/// A version-4 GUID, lowercase `8-4-4-4-12`.
pub(crate) fn guid<'a>(ctx: &mut Ctx<'a, '_, '_>, _: &'a CallNode, _: Span) -> R<'a> {
    let mut b: [u8; 16] = ctx.env.rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(Value::Str(Cow::Owned(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))))
}

/// The special characters of Windows' password complexity rules (docs/functions.md#randomstring).
const SPECIALS: &str = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/";
const MAX_LENGTH: i64 = 256;

/// RandomString(length, minNumbers, minSpecial, minCapital, minLower, charactersToAvoid).
pub(crate) fn random_string<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> R<'a> {
    let mut numbers = [0i64; 5];
    for (i, n) in numbers.iter_mut().enumerate() {
        *n = ctx.int(call, i, span)?.unwrap_or(0);
        if *n < 0 {
            return Err(EvalError::new(
                ctx.arg_span(call, i, span),
                Code::BadArgument,
                "RandomString's counts cannot be negative",
            ));
        }
    }
    let [length, digits, specials, capitals, lowers] = numbers;
    if length > MAX_LENGTH {
        return Err(EvalError::new(
            ctx.arg_span(call, 0, span),
            Code::BadArgument,
            format!("RandomString's length is at most {MAX_LENGTH}, not {length}"),
        ));
    }
    let minimums = digits
        .saturating_add(specials)
        .saturating_add(capitals)
        .saturating_add(lowers);
    if minimums > length {
        return Err(EvalError::new(
            span,
            Code::BadArgument,
            format!("the minimums add up to {minimums}, more than the length {length}"),
        )
        .help("make length at least the sum of the four minimums"));
    }
    let avoid = ctx.text(call, 5, span)?.unwrap_or_default();
    let class = |chars: &mut dyn Iterator<Item = char>| -> Vec<char> {
        chars.filter(|c| !avoid.contains(*c)).collect()
    };
    let classes = [
        (class(&mut ('0'..='9')), digits, "numbers"),
        (class(&mut SPECIALS.chars()), specials, "special characters"),
        (class(&mut ('A'..='Z')), capitals, "capital letters"),
        (class(&mut ('a'..='z')), lowers, "lower-case letters"),
    ];
    let rng = ctx.env.rng();
    let mut out: Vec<char> = Vec::with_capacity(length as usize);
    for (chars, minimum, name) in &classes {
        if *minimum > 0 && chars.is_empty() {
            return Err(EvalError::new(
                span,
                Code::BadArgument,
                format!(
                    "charactersToAvoid removes every {name}, but at least {minimum} are required"
                ),
            ));
        }
        for _ in 0..*minimum {
            out.extend(chars.get(rng.random_range(0..chars.len())));
        }
    }
    let all: Vec<char> = classes
        .iter()
        .flat_map(|(c, _, _)| c.iter().copied())
        .collect();
    while (out.len() as i64) < length {
        if all.is_empty() {
            return Err(EvalError::new(
                span,
                Code::BadArgument,
                "charactersToAvoid removes every allowed character",
            ));
        }
        out.extend(all.get(rng.random_range(0..all.len())));
    }
    // Fisher–Yates, so the required characters are not always first.
    for i in (1..out.len()).rev() {
        out.swap(i, rng.random_range(0..=i));
    }
    Ok(Value::Str(Cow::Owned(out.into_iter().collect())))
}
