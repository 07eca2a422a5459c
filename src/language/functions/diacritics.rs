//! NormalizeDiacritics: NFC, then the replacement table of Microsoft's function reference
//! (`functions-for-customizing-application-data.md`, section NormalizeDiacritics), longest
//! match first, because some entries are a letter plus combining marks (ā́ = ā + U+0301).
//! Characters not in the table are left as they are (docs/functions.md#normalizediacritics).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::compile::CallNode;
use crate::diagnostic::span::Span;
use crate::eval::value::Value;
use crate::eval::{Ctx, EvalError};

/// (characters with diacritics, replacement), as in the reference table.
const TABLE: &[(&str, &str)] = &[
    ("ä à â ã å á ą ă ā ā́ ā̀ ā̂ ā̃ ǟ ā̈ ǡ a̱ å̄", "a"),
    ("Ä À Â Ã Å Á Ą Ă Ā Ā́ Ā̀ Ā̂ Ā̃ Ǟ Ā̈ Ǡ A̱ Å̄", "A"),
    ("æ ǣ", "ae"),
    ("Æ Ǣ", "AE"),
    ("ç č ć c̄ c̱", "c"),
    ("Ç Č Ć C̄ C̱", "C"),
    ("ď d̄ ḏ", "d"),
    ("Ď D̄ Ḏ", "D"),
    ("ë è é ê ę ě ė ē ḗ ḕ ē̂ ē̃ ê̄ e̱ ë̄ e̊̄", "e"),
    ("Ë È É Ê Ę Ě Ė Ē Ḗ Ḕ Ē̂ Ē̃ Ê̄ E̱ Ë̄ E̊̄", "E"),
    ("ğ ḡ g̱", "g"),
    ("Ğ Ḡ G̱", "G"),
    ("ï î ì í ı ī ī́ ī̀ ī̂ ī̃ i̱", "i"),
    ("Ï Î Ì Í İ Ī Ī́ Ī̀ Ī̂ Ī̃ I̱", "I"),
    ("ľ ł l̄ ḹ ḻ", "l"),
    ("Ł Ľ L̄ Ḹ Ḻ", "L"),
    ("ñ ń ň n̄ ṉ", "n"),
    ("Ñ Ń Ň N̄ Ṉ", "N"),
    ("ö ò ő õ ô ó ō ṓ ṑ ō̂ ō̃ ȫ ō̈ ǭ ȭ ȱ o̱", "o"),
    ("Ö Ò Ő Õ Ô Ó Ō Ṓ Ṑ Ō̂ Ō̃ Ȫ Ō̈ Ǭ Ȭ Ȱ O̱", "O"),
    ("ø ø̄ œ̄", "oe"),
    ("Ø Ø̄ Œ̄", "OE"),
    ("ř r̄ ṟ ṝ", "r"),
    ("Ř R̄ Ṟ Ṝ", "R"),
    ("ß", "ss"),
    ("š ś ș ş s̄ s̱", "s"),
    ("Š Ś Ș Ş S̄ S̱", "S"),
    ("ť ț t̄ ṯ", "t"),
    ("Ť Ț T̄ Ṯ", "T"),
    ("ü ù û ú ů ű ū ū́ ū̀ ū̂ ū̃ u̇̄ ǖ ṻ ṳ̄ u̱", "u"),
    ("Ü Ù Û Ú Ů Ű Ū Ū́ Ū̀ Ū̂ Ū̃ U̇̄ Ǖ Ṻ Ṳ̄ U̱", "U"),
    ("ÿ ý ȳ ȳ́ ȳ̀ ȳ̃ y̱", "y"),
    ("Ÿ Ý Ȳ Ȳ́ Ȳ̀ Ȳ̃ Y̱", "Y"),
    ("ź ž ż z̄ ẕ", "z"),
    ("Ź Ž Ż Z̄ Ẕ", "Z"),
];

struct Replacements {
    map: HashMap<String, &'static str>,
    /// Longest key, in characters.
    longest: usize,
}

fn replacements() -> &'static Replacements {
    static TABLE_NFC: OnceLock<Replacements> = OnceLock::new();
    TABLE_NFC.get_or_init(|| {
        let mut map = HashMap::new();
        for (from, to) in TABLE {
            for key in from.split(' ') {
                map.insert(key.nfc().collect::<String>(), *to);
            }
        }
        let longest = map.keys().map(|k| k.chars().count()).max().unwrap_or(1);
        Replacements { map, longest }
    })
}

/// Replace every table entry in `text` (NFC first).
pub(crate) fn normalize(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    let table = replacements();
    let chars: Vec<char> = text.nfc().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut key = String::new();
    'outer: while i < chars.len() {
        for len in (1..=table.longest.min(chars.len() - i)).rev() {
            key.clear();
            key.extend(chars.get(i..i + len).unwrap_or(&[]));
            if let Some(to) = table.map.get(&key) {
                out.push_str(to);
                i += len;
                continue 'outer;
            }
        }
        out.extend(chars.get(i));
        i += 1;
    }
    Cow::Owned(out)
}

pub(crate) fn normalize_diacritics<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> Result<Value<'a>, EvalError> {
    let Some(text) = ctx.text(call, 0, span)? else {
        return Ok(Value::Null);
    };
    Ok(Value::Str(match normalize(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => Cow::Owned(s),
    }))
}
