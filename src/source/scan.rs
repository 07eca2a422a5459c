//! The fast path of reading an NDJSON line: split one JSON object into its keys and the raw
//! text of their values, validating as it goes but building nothing. Reading was a third of a
//! `map` run's instructions through serde's visitor; this does the same job in a few
//! instructions a byte (docs/architecture.md#one-reader-one-body-builder).
//!
//! It only vouches for what it fully checks. Anything else — escapes in a top-level key, deep
//! nesting, or input that is not valid JSON — gives `None`, and the caller reads the line with
//! serde_json, which decides and words any error. So a line it accepts is one serde_json
//! accepts, with the same keys and value texts (a differential test holds it to that).

/// Nesting this deep is left to serde_json (its own limit is 128).
const MAX_DEPTH: usize = 64;

/// Call `entry(key, raw_value, unescaped)` for each member of the object that is the whole
/// of `text` (surrounding whitespace allowed), in order; `unescaped`: the value is a string
/// without escapes. `None` when the line is not one this scanner vouches for (the caller must
/// then discard what `entry` saw and read it the slow way).
pub(crate) fn object_entries<'a>(
    text: &'a str,
    mut entry: impl FnMut(&'a str, &'a str, bool),
) -> Option<()> {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, 0);
    (byte(bytes, at)? == b'{').then_some(())?;
    at = skip_space(bytes, at + 1);
    if byte(bytes, at)? == b'}' {
        at += 1;
    } else {
        loop {
            (byte(bytes, at)? == b'"').then_some(())?;
            let (end, escaped) = string_end(bytes, at + 1)?;
            // A key with escapes must be decoded to be compared: serde_json does that.
            if escaped {
                return None;
            }
            let key = text.get(at + 1..end)?;
            at = skip_space(bytes, end + 1);
            (byte(bytes, at)? == b':').then_some(())?;
            let start = skip_space(bytes, at + 1);
            let unescaped;
            (at, unescaped) = if byte(bytes, start)? == b'"' {
                let (end, escaped) = string_end(bytes, start + 1)?;
                (end + 1, !escaped)
            } else {
                (value_end(bytes, start, 1)?, false)
            };
            entry(key, text.get(start..at)?, unescaped);
            at = skip_space(bytes, at);
            match byte(bytes, at)? {
                b',' => at = skip_space(bytes, at + 1),
                b'}' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip_space(bytes, at) == bytes.len()).then_some(())
}

fn byte(bytes: &[u8], at: usize) -> Option<u8> {
    bytes.get(at).copied()
}

/// JSON's whitespace: space, tab, line feed, carriage return.
fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// Where the value starting at `at` ends (one past its last byte).
fn value_end(bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
    match byte(bytes, at)? {
        b'"' => string_end(bytes, at + 1).map(|(end, _)| end + 1),
        b'{' => container_end(bytes, at + 1, depth + 1, b'}'),
        b'[' => container_end(bytes, at + 1, depth + 1, b']'),
        b't' => literal_end(bytes, at, b"true"),
        b'f' => literal_end(bytes, at, b"false"),
        b'n' => literal_end(bytes, at, b"null"),
        b'-' | b'0'..=b'9' => number_end(bytes, at),
        _ => None,
    }
}

fn literal_end(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    bytes
        .get(at..)?
        .starts_with(word)
        .then_some(at + word.len())
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
fn number_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |at: usize| {
        bytes.get(at..).map_or(0, |rest| {
            rest.iter().take_while(|b| b.is_ascii_digit()).count()
        })
    };
    if byte(bytes, at) == Some(b'-') {
        at += 1;
    }
    match byte(bytes, at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at += digits(at),
        _ => return None,
    }
    if byte(bytes, at) == Some(b'.') {
        let n = digits(at + 1);
        (n > 0).then_some(())?;
        at += 1 + n;
    }
    if let Some(b'e' | b'E') = byte(bytes, at) {
        at += 1;
        if let Some(b'+' | b'-') = byte(bytes, at) {
            at += 1;
        }
        let n = digits(at);
        (n > 0).then_some(())?;
        at += n;
    }
    Some(at)
}

/// An object's or array's end, `at` just inside its opening bracket.
fn container_end(bytes: &[u8], at: usize, depth: usize, close: u8) -> Option<usize> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut at = skip_space(bytes, at);
    if byte(bytes, at)? == close {
        return Some(at + 1);
    }
    loop {
        if close == b'}' {
            (byte(bytes, at)? == b'"').then_some(())?;
            let (end, _) = string_end(bytes, at + 1)?;
            at = skip_space(bytes, end + 1);
            (byte(bytes, at)? == b':').then_some(())?;
            at = skip_space(bytes, at + 1);
        }
        at = skip_space(bytes, value_end(bytes, at, depth)?);
        match byte(bytes, at)? {
            b',' => at = skip_space(bytes, at + 1),
            b if b == close => return Some(at + 1),
            _ => return None,
        }
    }
}

/// The closing quote of the string whose text starts at `at`, and whether it has escapes.
/// Control characters and unknown escapes are refused, as JSON requires; `\u` needs four hex
/// digits (which code point they name is serde_json's concern, as when it skips a value).
fn string_end(bytes: &[u8], mut at: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        at = special_byte(bytes, at)?;
        match byte(bytes, at)? {
            b'"' => return Some((at, escaped)),
            b'\\' => {
                escaped = true;
                at += match byte(bytes, at + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => 2,
                    b'u' => {
                        let hex = bytes.get(at + 2..at + 6)?;
                        hex.iter().all(u8::is_ascii_hexdigit).then_some(6)?
                    }
                    _ => return None,
                };
            }
            _ => return None, // a control character
        }
    }
}

/// The first `"`, `\` or control character at or after `at`, eight bytes at a time: where
/// a string read ends or has an escape, and where a string written needs one.
pub(crate) fn special_byte(bytes: &[u8], mut at: usize) -> Option<usize> {
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let hits = special_lanes(u64::from_le_bytes(word));
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    // The last few bytes, padded with spaces (never special) to one more word.
    let rest = bytes.get(at..)?;
    let mut word = [b' '; 8];
    word.iter_mut().zip(rest).for_each(|(w, b)| *w = *b);
    let hits = special_lanes(u64::from_le_bytes(word));
    (hits != 0).then(|| at + (hits.trailing_zeros() / 8) as usize)
}

/// The high bit of each byte of `word` that is `"`, `\` or below 0x20 (the "has a byte less
/// than n" trick: a lane above a real hit may be marked too, never one below, so the lowest
/// mark is exact).
pub(crate) fn special_lanes(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    below(word, 0x20)
        | below(word ^ (ONES * u64::from(b'"')), 1)
        | below(word ^ (ONES * u64::from(b'\\')), 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What serde_json makes of `text` read as an object of raw values, members in order and
    /// duplicates kept: what ours must match.
    fn serde_entries(text: &str) -> Option<Vec<(String, String)>> {
        struct Entries(Vec<(String, String)>);
        impl<'de> serde::Deserialize<'de> for Entries {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = Entries;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut a: A,
                    ) -> Result<Entries, A::Error> {
                        let mut out = Vec::new();
                        while let Some(k) = a.next_key::<String>()? {
                            let v: &serde_json::value::RawValue = a.next_value()?;
                            out.push((k, v.get().to_string()));
                        }
                        Ok(Entries(out))
                    }
                }
                d.deserialize_map(V)
            }
        }
        serde_json::from_str::<Entries>(text).ok().map(|e| e.0)
    }

    fn ours(text: &str) -> Option<Vec<(String, String)>> {
        let mut out = Vec::new();
        object_entries(text, |k, v, unescaped| {
            assert_eq!(unescaped, v.starts_with('"') && !v.contains('\\'), "{v}");
            out.push((k.to_string(), v.to_string()));
        })?;
        Some(out)
    }

    #[test]
    fn reads_keys_and_raw_values() {
        let text = r#" {"a": 1, "b" :"x\"y", "c":[true, {"d": null}], "e":-0.5e+3 }  "#;
        assert_eq!(
            ours(text).unwrap(),
            [
                ("a", "1"),
                ("b", r#""x\"y""#),
                ("c", r#"[true, {"d": null}]"#),
                ("e", "-0.5e+3"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(ours("{}").unwrap(), []);
    }

    #[test]
    fn leaves_what_it_does_not_vouch_for_to_serde() {
        for text in [
            r#"{"a\u0062": 1}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": "tab	inside"}"#,
            r#"{"a": "\x"}"#,
            r#"{"a": 1,}"#,
            r#"{"a": 1} x"#,
            r#"{"a": tru}"#,
            r#"[1]"#,
            "",
        ] {
            assert_eq!(ours(text), None, "{text}");
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
        assert_eq!(ours(&deep), None);
    }

    /// A line made of JSON-ish pieces, so mutations land near the syntax that matters.
    fn jsonish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("{".to_string()),
            Just("}".to_string()),
            Just("[".to_string()),
            Just("]".to_string()),
            Just(",".to_string()),
            Just(":".to_string()),
            Just(" ".to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just("\\u00e9".to_string()),
            Just("\\ud800".to_string()),
            "[a-z]{1,3}".prop_map(|s| format!("\"{s}\"")),
            "-?[0-9]{1,3}(\\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?",
            Just("true".to_string()),
            Just("nul".to_string()),
            Just("é".to_string()),
            Just("\t".to_string()),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|p| p.concat())
    }

    /// Any JSON value, nested a few levels.
    fn any_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as J;
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            (-1e6f64..1e6).prop_map(J::from),
            "\\PC{0,8}|[\"\\\\\\x00-\\x1f/]{0,4}".prop_map(J::String),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
                prop::collection::btree_map("[a-z\"]{0,3}", inner, 0..4)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Valid objects, compact or pretty, with one byte changed, inserted or removed: the
        /// edits that turn real input into almost-JSON.
        #[test]
        fn agrees_with_serde_on_objects_with_one_edit(
            members in prop::collection::vec(("[a-zA-Z]{1,6}", any_json()), 0..6),
            pretty in any::<bool>(),
            edit in 0usize..4,
            at in any::<prop::sample::Index>(),
            with in prop::sample::select(b"{}[],:\" \\tfnue0-.9+\n\x01".to_vec()),
        ) {
            let object = serde_json::Value::Object(members.into_iter().collect());
            let text = if pretty {
                serde_json::to_string_pretty(&object).unwrap()
            } else {
                object.to_string()
            };
            let mut bytes = text.into_bytes();
            let i = at.index(bytes.len() + 1);
            match edit {
                0 => {}
                1 if i < bytes.len() => bytes[i] = with,
                2 => bytes.insert(i, with),
                _ if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => {}
            }
            if let Ok(text) = String::from_utf8(bytes) {
                let (a, b) = (ours(&text), serde_entries(&text));
                if edit == 0 {
                    prop_assert!(a.is_some(), "{}", text);
                }
                if a.is_some() {
                    prop_assert_eq!(a, b, "{}", text);
                }
            }
        }

        #[test]
        fn accepts_only_what_serde_accepts_and_reads_it_the_same(body in jsonish()) {
            let text = format!("{{{body}}}");
            if let Some(entries) = ours(&text) {
                prop_assert_eq!(Some(entries), serde_entries(&text), "{}", text);
            }
        }

        #[test]
        fn reads_every_well_formed_object(value in "\\PC{0,12}", n in -1000i64..1000) {
            let text = serde_json::json!({"s": value, "n": n, "a": [value, {"k": n}]}).to_string();
            prop_assert_eq!(ours(&text), serde_entries(&text));
        }
    }
}
