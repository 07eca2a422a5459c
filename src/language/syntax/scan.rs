//! A single pass over the raw text before pest: length limit, balance of `(`, `[` and `"`,
//! nesting depth, and characters that come from word processors (curly quotes, no-break spaces).
//! Each problem is reported where the user must edit: the unclosed opener, the stray closer.

use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::options::Options;

/// Errors are boxed: they are rare and the `Ok` path should stay small.
type Scan = Result<(), Box<Diagnostic>>;

fn fail(d: Diagnostic) -> Scan {
    Err(Box::new(d))
}

pub(crate) fn scan(src: &str, options: &Options) -> Scan {
    check_length(src, options.limits.max_expression_length)?;
    let mut parens: Vec<usize> = Vec::new();
    let mut brackets: Vec<usize> = Vec::new();
    let mut string_start: Option<usize> = None;
    // Where a string contained `\"`: the usual cause of a string that never ends ("C:\").
    let mut escaped_quote: Option<usize> = None;
    let mut chars = src.char_indices();
    while let Some((i, c)) = chars.next() {
        if string_start.is_some() {
            match c {
                '\\' => {
                    if let Some((_, '"')) = chars.next() {
                        escaped_quote.get_or_insert(i);
                    }
                }
                '"' => string_start = None,
                _ => {}
            }
            continue;
        }
        if !brackets.is_empty() {
            match c {
                '[' => {
                    brackets.push(i);
                    check_depth(src, i, brackets.len(), options.limits.max_nesting_depth)?;
                }
                ']' => {
                    brackets.pop();
                }
                '"' => string_start = Some(i),
                _ => {}
            }
            continue;
        }
        match c {
            '"' => string_start = Some(i),
            '[' => brackets.push(i),
            ']' => {
                return fail(
                    Diagnostic::error(
                        Code::Unbalanced,
                        Span::new(i, i + 1),
                        "this `]` has no matching `[`",
                    )
                    .with_label("unmatched `]`")
                    .with_help(
                        "attribute names are written [name]; remove the `]` or add the missing `[`",
                    ),
                );
            }
            '(' => {
                parens.push(i);
                check_depth(src, i, parens.len(), options.limits.max_nesting_depth)?;
            }
            ')' if parens.pop().is_none() => {
                return fail(
                    Diagnostic::error(
                        Code::Unbalanced,
                        Span::new(i, i + 1),
                        "this `)` has no matching `(`",
                    )
                    .with_label("unmatched `)`")
                    .with_help("remove this `)` or add the `(` it should close"),
                );
            }
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{FF02}'
            | '\u{00AB}' | '\u{00BB}' => {
                return fail(Diagnostic::error(
                    Code::CurlyQuote,
                    Span::new(i, i + c.len_utf8()),
                    format!("`{c}` (U+{:04X}) is not a string quote", c as u32),
                )
                .with_label("typographic quote")
                .with_help(format!("replace `{c}` with a straight double quote `\"`; word processors and some web pages change quotes")));
            }
            '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => {
                return fail(
                    Diagnostic::error(
                        Code::SingleQuote,
                        Span::new(i, i + c.len_utf8()),
                        format!("strings are written in double quotes, not `{c}`"),
                    )
                    .with_label("single quote")
                    .with_help(format!("replace `{c}` and its partner with `\"`: \"text\"")),
                );
            }
            c if c.is_whitespace() && !matches!(c, ' ' | '\t' | '\r' | '\n') => {
                return fail(Diagnostic::error(
                    Code::UnusualSpace,
                    Span::new(i, i + c.len_utf8()),
                    format!("U+{:04X} is a space character Entra does not accept between tokens", c as u32),
                )
                .with_label("unusual space")
                .with_help("replace it with a normal space (text copied from web pages often has no-break spaces)"));
            }
            _ => {}
        }
    }
    if let Some(start) = string_start {
        let d = Diagnostic::error(
            Code::UnterminatedString,
            Span::new(start, start + 1),
            "this string is never closed",
        )
        .with_label("string starts here");
        return fail(match escaped_quote {
            Some(at) => d
                .with_related(Span::new(at, at + 2), "`\\\"` is a quote inside a string, not its end")
                .with_help("to end a string with a backslash write `\\\\\"` (an escaped backslash, then the closing quote)"),
            None => d.with_help("add the closing `\"`"),
        });
    }
    if let Some(&open) = brackets.first() {
        return fail(
            Diagnostic::error(
                Code::Unbalanced,
                Span::new(open, open + 1),
                "this `[` is never closed",
            )
            .with_label("attribute name starts here")
            .with_help("close the attribute name with `]`"),
        );
    }
    if let Some(&innermost) = parens.last() {
        let message = if parens.len() == 1 {
            "this `(` is never closed".to_string()
        } else {
            format!(
                "{} parentheses are never closed; the innermost is here",
                parens.len()
            )
        };
        let mut d = Diagnostic::error(
            Code::Unbalanced,
            Span::new(innermost, innermost + 1),
            message,
        )
        .with_label("unclosed `(`")
        .with_help("add the missing `)`; each call needs one");
        for &outer in parens.iter().rev().skip(1) {
            d = d.with_related(Span::new(outer, outer + 1), "also unclosed");
        }
        return fail(d);
    }
    Ok(())
}

fn check_length(src: &str, max: usize) -> Scan {
    // Count characters only as far as needed: the text may be huge.
    if let Some((cut, _)) = src.char_indices().nth(max) {
        let total = src.chars().count();
        return fail(Diagnostic::error(
            Code::TooLong,
            Span::new(cut, src.len()),
            format!("the expression is {total} characters long; Entra accepts at most {max}"),
        )
        .with_label(format!("characters after the {max}th"))
        .with_help("shorten it: move logic into separate mappings or use a shorter Switch table (`entramap country switch` prints a compact one)"));
    }
    Ok(())
}

fn check_depth(src: &str, at: usize, depth: usize, max: usize) -> Scan {
    if depth > max {
        let c = src[at..].chars().next().map_or(1, char::len_utf8);
        return fail(Diagnostic::error(
            Code::TooDeep,
            Span::new(at, at + c),
            format!("nesting is deeper than {max} levels"),
        )
        .with_label(format!("level {depth}"))
        .with_help("flatten the expression (Switch instead of nested IIF, Coalesce instead of nested IsNull); the limit is the option max_nesting_depth"));
    }
    Ok(())
}
