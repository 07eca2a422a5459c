//! ToLower, ToUpper and PCase with .NET's rules: simple (1:1) case mapping so the length never
//! changes (`ß` stays `ß`), the tr/az dotted and dotless i (docs/functions.md#case-mapping), and
//! `TextInfo.ToTitleCase` after lowering for PCase (docs/functions.md#pcase).

use std::borrow::Cow;

use unicode_general_category::{GeneralCategory as G, get_general_category};

use crate::compile::CallNode;
use crate::diagnostic::Code;
use crate::diagnostic::span::Span;
use crate::eval::value::Value;
use crate::eval::{Ctx, EvalError};

type R<'a> = Result<Value<'a>, EvalError>;

/// Unicode simple lowercase of one character (the character itself if the full mapping is
/// not a single character).
pub(crate) fn simple_lower(c: char) -> char {
    // The one letter whose full lowercase is longer but whose simple lowercase exists.
    if c == 'İ' {
        return 'i';
    }
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Unicode simple uppercase of one character. Where the full mapping is several characters,
/// the simple one (UnicodeData.txt) is kept: the Greek letters with ypogegrammeni
/// (`ᾀ` → `ᾈ`, 27 of them) have one; others (`ß`, `ŉ`) stay as they are.
pub(crate) fn simple_upper(c: char) -> char {
    let code = u32::from(c);
    let iota = match code {
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => Some(code + 8),
        0x1FB3 | 0x1FC3 | 0x1FF3 => Some(code + 9),
        _ => None,
    };
    if let Some(upper) = iota.and_then(char::from_u32) {
        return upper;
    }
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Titlecase of a letter that starts a word: the digraphs DŽ/Lj/Nj/Dz have their own form.
fn title(c: char) -> char {
    match c {
        '\u{01C4}'..='\u{01C6}' => '\u{01C5}',
        '\u{01C7}'..='\u{01C9}' => '\u{01C8}',
        '\u{01CA}'..='\u{01CC}' => '\u{01CB}',
        '\u{01F1}'..='\u{01F3}' => '\u{01F2}',
        c => upper_in(c, Culture::Invariant),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Culture {
    /// .NET's invariant culture: simple case mapping, except that the Turkish letters `ı` and
    /// `İ` are left as they are.
    Invariant,
    /// A named culture other than Turkish and Azerbaijani: simple case mapping (`İ` → `i`,
    /// `ı` → `I`).
    Other,
    /// Turkish and Azerbaijani: I ↔ ı, İ ↔ i.
    Turkic,
}

fn culture<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> Result<Culture, EvalError> {
    let Some(name) = ctx.text(call, 1, span)? else {
        return Ok(Culture::Invariant);
    };
    let name = name.trim();
    if name.is_empty() {
        return Ok(Culture::Invariant);
    }
    // RFC 4646 shape: language (2–3 letters), then subtags.
    let mut parts = name.split(['-', '_']);
    let language = parts.next().unwrap_or("");
    let well_formed = (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(EvalError::new(ctx.arg_span(call, 1, span), Code::BadCulture, format!("{name:?} is not a culture name"))
            .help("write an RFC 4646 name such as en-US, tr-TR or ja-JP, or leave the argument out for the invariant culture"));
    }
    Ok(
        if language.eq_ignore_ascii_case("tr") || language.eq_ignore_ascii_case("az") {
            Culture::Turkic
        } else {
            Culture::Other
        },
    )
}

fn lower_in(c: char, culture: Culture) -> char {
    match (culture, c) {
        (Culture::Turkic, 'I') => 'ı',
        (Culture::Turkic, 'İ') => 'i',
        (Culture::Invariant, 'İ') => 'İ',
        _ => simple_lower(c),
    }
}

fn upper_in(c: char, culture: Culture) -> char {
    match (culture, c) {
        (Culture::Turkic, 'i') => 'İ',
        (Culture::Turkic, 'ı') => 'I',
        (Culture::Invariant, 'ı') => 'ı',
        _ => simple_upper(c),
    }
}

/// Map every character, borrowing when nothing changes.
fn map_chars(text: Cow<'_, str>, f: impl Fn(char) -> char) -> Cow<'_, str> {
    if text.chars().all(|c| f(c) == c) {
        return text;
    }
    Cow::Owned(text.chars().map(f).collect())
}

pub(crate) fn to_lower<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let culture = culture(ctx, call, span)?;
    Ok(Value::Str(map_chars(text, |c| lower_in(c, culture))))
}

pub(crate) fn to_upper<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let culture = culture(ctx, call, span)?;
    Ok(Value::Str(map_chars(text, |c| upper_in(c, culture))))
}

/// PCase(source, wordSeparators).
pub(crate) fn pcase<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    let separators = if ctx.has_arg(call, 1) {
        ctx.text(call, 1, span)?
    } else {
        None
    };
    // PCase runs in the invariant culture: `İ` stays `İ` and `ı` is not uppercased.
    let lowered: String = text
        .chars()
        .map(|c| lower_in(c, Culture::Invariant))
        .collect();
    Ok(Value::Str(Cow::Owned(match separators {
        Some(separators) => proper_case_with(&lowered, &separators),
        None => title_case(&lowered),
    })))
}

/// With explicit separators: the first character, and each one after a separator, upper case.
fn proper_case_with(lowered: &str, separators: &str) -> String {
    let mut out = String::with_capacity(lowered.len());
    let mut start = true;
    for c in lowered.chars() {
        out.push(if start {
            upper_in(c, Culture::Invariant)
        } else {
            c
        });
        start = separators.contains(c);
    }
    out
}

/// .NET `TextInfo.ToTitleCase` on already-lowered text.
pub(crate) fn title_case(lowered: &str) -> String {
    let mut out = String::with_capacity(lowered.len());
    let mut in_word = false;
    for c in lowered.chars() {
        if in_word {
            // Digits, marks and the apostrophe stay inside the word; separators end it.
            in_word = !is_word_separator(c);
            out.push(c);
        } else if is_letter(c) {
            out.push(title(c));
            in_word = true;
        } else {
            out.push(c);
        }
    }
    out
}

fn is_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::UppercaseLetter
            | G::LowercaseLetter
            | G::TitlecaseLetter
            | G::ModifierLetter
            | G::OtherLetter
    )
}

fn is_word_separator(c: char) -> bool {
    if c == '\'' {
        return false;
    }
    matches!(
        get_general_category(c),
        G::SpaceSeparator
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::Control
            | G::Format
            | G::ConnectorPunctuation
            | G::DashPunctuation
            | G::OpenPunctuation
            | G::ClosePunctuation
            | G::InitialPunctuation
            | G::FinalPunctuation
            | G::OtherPunctuation
            | G::MathSymbol
            | G::CurrencySymbol
            | G::ModifierSymbol
            | G::OtherSymbol
    )
}
