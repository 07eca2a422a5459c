//! Encodings and bits: ConvertToBase64 (UTF-16LE, as .NET `Encoding.Unicode`), ConvertToUTF8Hex
//! (uppercase), BitAnd, and Cloud Sync's ConvertFromBase64, StringFromSID, DNComponent.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::compile::CallNode;
use crate::diagnostic::Code;
use crate::diagnostic::span::Span;
use crate::eval::value::Value;
use crate::eval::{Ctx, EvalError};

type R<'a> = Result<Value<'a>, EvalError>;

pub(crate) fn to_base64<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    Ok(Value::Str(Cow::Owned(STANDARD.encode(bytes))))
}

pub(crate) fn to_utf8_hex<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        let _ = write!(out, "{b:02X}");
    }
    Ok(Value::Str(Cow::Owned(out)))
}

/// Cloud Sync: ConvertFromBase64(source, encoding) with encoding Unicode (default), UTF8 or ASCII.
pub(crate) fn from_base64<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let encoding = ctx.text(call, 1, span)?.unwrap_or(Cow::Borrowed("Unicode"));
    let bytes = STANDARD.decode(text.trim()).map_err(|e| {
        EvalError::new(
            ctx.arg_span(call, 0, span),
            Code::BadBase64,
            format!("not base64: {e}"),
        )
    })?;
    let decoded = if encoding.eq_ignore_ascii_case("unicode") {
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|c| {
                u16::from_le_bytes([
                    c.first().copied().unwrap_or(0),
                    c.get(1).copied().unwrap_or(0),
                ])
            })
            .collect();
        String::from_utf16_lossy(&units)
    } else if encoding.eq_ignore_ascii_case("utf8") || encoding.eq_ignore_ascii_case("ascii") {
        String::from_utf8_lossy(&bytes).into_owned()
    } else {
        return Err(EvalError::new(
            ctx.arg_span(call, 1, span),
            Code::BadArgument,
            format!("unknown encoding {encoding:?}"),
        )
        .help("use Unicode, UTF8 or ASCII"));
    };
    Ok(Value::Str(Cow::Owned(decoded)))
}

/// BitAnd(value1, value2): integers (decimal or `&H` hex).
pub(crate) fn bit_and<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let (Some(a), Some(b)) = (ctx.int(call, 0, span)?, ctx.int(call, 1, span)?) else {
        return Ok(Value::Null);
    };
    Ok(Value::Int(a & b))
}

/// Cloud Sync: StringFromSID(binary SID as base64) → `S-1-5-21-...`.
pub(crate) fn string_from_sid<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let bad = || {
        EvalError::new(
            ctx.arg_span(call, 0, span),
            Code::BadSid,
            "not a binary SID in base64",
        )
    };
    let bytes = STANDARD.decode(text.trim()).map_err(|_| bad())?;
    let (Some(&revision), Some(&count), Some(authority), Some(subs)) =
        (bytes.first(), bytes.get(1), bytes.get(2..8), bytes.get(8..))
    else {
        return Err(bad());
    };
    if subs.len() != 4 * count as usize {
        return Err(bad());
    }
    let authority = authority.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64);
    let mut sid = format!("S-{revision}-{authority}");
    for chunk in subs.chunks_exact(4) {
        let mut word = [0u8; 4];
        word.copy_from_slice(chunk);
        let _ = write!(sid, "-{}", u32::from_le_bytes(word));
    }
    Ok(Value::Str(Cow::Owned(sid)))
}

/// Cloud Sync: DNComponent(dn, n): the value of the n-th RDN (1-based).
pub(crate) fn dn_component<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(dn) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let n = ctx.int(call, 1, span)?.unwrap_or(1);
    let component = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| dn.split(',').nth(i))
        .and_then(|rdn| rdn.split_once('='))
        .map(|(_, v)| v.trim().to_string());
    Ok(component.map_or(Value::Null, |c| Value::Str(Cow::Owned(c))))
}
