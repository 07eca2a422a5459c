//! Reading source records: a JSON array or NDJSON (one object per line), with a line number
//! for every record so errors can say where. A record that cannot be read is still yielded, as
//! an error, so the counts add up.

use serde_json::{Map, Value as Json};

use super::{Projection, SlotRecord};

/// Why one record could not be read (not UTF-8, not JSON, not an object, a key twice).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ReadError(pub String);

/// An object key, borrowed from the input unless it had escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// Reads one object keeping only the attributes of a projection, by slot. Other values are
/// skipped without being built, which is most of the cost of reading a record.
struct Projected<'p>(&'p Projection);

impl<'de> serde::de::DeserializeSeed<'de> for Projected<'_> {
    type Value = Result<SlotRecord<'de>, String>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Projected<'_> {
    type Value = Result<SlotRecord<'de>, String>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> Result<Self::Value, A::Error> {
        let mut filling = Filling::new(self.0);
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            // Every value is captured as its raw text (no dearer than skipping it); only the
            // projection's attributes keep it.
            let raw = access.next_value::<&'de serde_json::value::RawValue>()?;
            filling.offer(key, raw.get(), false);
        }
        Ok(filling.finish())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Err("expected a JSON object, found an array".into()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err("expected a JSON object, found a Boolean".into()))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err("expected a JSON object, found a number".into()))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err("expected a JSON object, found a number".into()))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err("expected a JSON object, found a number".into()))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Err("expected a JSON object, found a string".into()))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err("expected a JSON object, found null".into()))
    }
}

/// A [`SlotRecord`] being filled from an object's members, by either reader.
struct Filling<'p, 'a> {
    projection: &'p Projection,
    record: SlotRecord<'a>,
    duplicate: Option<String>,
}

impl<'p, 'a> Filling<'p, 'a> {
    fn new(projection: &'p Projection) -> Self {
        Filling {
            projection,
            record: SlotRecord::new(projection.names().len()),
            duplicate: None,
        }
    }

    /// One member: its key, the raw JSON text of its value, and whether that is a string
    /// without escapes.
    fn offer(&mut self, key: std::borrow::Cow<'a, str>, raw: &'a str, unescaped: bool) {
        if self
            .projection
            .offer_raw(&mut self.record, key.clone(), raw, unescaped)
            == Some(false)
        {
            self.duplicate.get_or_insert_with(|| key.into_owned());
        }
    }

    fn finish(self) -> Result<SlotRecord<'a>, String> {
        match self.duplicate {
            // Never guess which of two values was meant.
            Some(key) => Err(format!("attribute `{key}` appears twice in the object")),
            None => Ok(self.record),
        }
    }
}

/// One JSON document as people paste it: strict JSON (an object with the same key twice is
/// refused), or, when it is not valid JSON, JSON5 — Microsoft's docs show request bodies with
/// unquoted keys (`{ key: "objectId", value: "..." }`), and people keep trailing commas.
pub fn parse_document(text: &str) -> Result<Json, String> {
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => parse_json_strict(text),
        Err(strict) => json5::from_str::<Json>(text).map_err(|_| format!("not JSON: {strict}")),
    }
}

/// A JSON value that rejects an object with the same key twice, at any depth.
pub fn parse_json_strict(text: &str) -> Result<Json, String> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_str(text);
    Strict
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|_| v))
        .map_err(|e| format!("not JSON: {e}"))?
}

struct Strict;

impl<'de> serde::de::DeserializeSeed<'de> for Strict {
    type Value = Result<Json, String>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strict {
    type Value = Result<Json, String>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        let mut problem = None;
        while let Some(Key(key)) = access.next_key::<Key<'de>>()? {
            let value = access.next_value_seed(Strict)?;
            match value {
                Err(e) => {
                    problem.get_or_insert(e);
                }
                Ok(_) if map.contains_key(key.as_ref()) => {
                    problem
                        .get_or_insert_with(|| format!("key `{key}` appears twice in an object"));
                }
                Ok(v) => {
                    map.insert(key.into_owned(), v);
                }
            }
        }
        Ok(match problem {
            Some(e) => Err(e),
            None => Ok(Json::Object(map)),
        })
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        let mut problem = None;
        while let Some(item) = seq.next_element_seed(Strict)? {
            match item {
                Ok(v) => items.push(v),
                Err(e) => {
                    problem.get_or_insert(e);
                }
            }
        }
        Ok(match problem {
            Some(e) => Err(e),
            None => Ok(Json::Array(items)),
        })
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Ok(Json::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Ok(Json::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Ok(Json::from(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Ok(Json::from(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(Json::String(v.to_string())))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Ok(Json::Null))
    }
}

/// Why text with an invalid byte (`at`: where) cannot be read, and how to save it so it can:
/// files entramap reads are UTF-8 (or UTF-16 with a byte order mark).
pub fn not_utf8(at: &str) -> String {
    format!(
        "not UTF-8 text ({at}): save the file as UTF-8 — in Excel \"CSV UTF-8 (Comma delimited)\", in PowerShell `Out-File -Encoding utf8` or `Export-Csv -Encoding UTF8`",
    )
}

/// Parse one NDJSON line into a [`SlotRecord`] of the projection's attributes.
pub fn parse_line_slots<'a>(
    line_number: usize,
    bytes: &'a [u8],
    projection: &Projection,
) -> Result<SlotRecord<'a>, ReadError> {
    use serde::de::DeserializeSeed;
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let bytes = if line_number == 1 {
        bytes.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(bytes)
    } else {
        bytes
    };
    // Validated with SIMD (a few times faster than the standard library on this text); the
    // standard library says where, for the error.
    let text = simdutf8::basic::from_utf8(bytes)
        .or_else(|_| std::str::from_utf8(bytes))
        .map_err(|e| {
            ReadError(not_utf8(&format!(
                "invalid byte at column {}",
                e.valid_up_to() + 1
            )))
        })?;
    // The fast reader, when it vouches for the line; serde_json for anything else, and for
    // every error's wording.
    let mut filling = Filling::new(projection);
    if super::scan::object_entries(text, |key, raw, unescaped| {
        filling.offer(key.into(), raw, unescaped)
    })
    .is_some()
    {
        return filling.finish().map_err(ReadError);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    match Projected(projection)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|_| v))
    {
        Ok(result) => result.map_err(ReadError),
        Err(e) => Err(ReadError(format!("not JSON: {e}"))),
    }
}
