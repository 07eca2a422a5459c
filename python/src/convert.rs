//! Python values ↔ JSON, the one conversion of the package: Python objects are written as
//! JSON text (what the engine reads, `map`'s NDJSON included), and JSON is read straight
//! into Python objects (no `serde_json::Value` in between; docs/python.md#values).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// Deeper than this is refused: a list that holds itself would otherwise recurse forever.
const MAX_DEPTH: usize = 128;

/// Why a Python value is not JSON, and where in it (`["manager"]["objectId"]`).
#[derive(Debug)]
pub struct NotJson {
    path: Vec<String>,
    message: String,
}

impl fmt::Display for NotJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Read after what holds it: `users[3]["manager"]: ...`, `users[3]: ...`.
        for step in self.path.iter().rev() {
            f.write_str(step)?;
        }
        write!(f, ": {}", self.message)
    }
}

fn not_json(message: impl Into<String>) -> NotJson {
    NotJson {
        path: Vec::new(),
        message: message.into(),
    }
}

/// `e`, one step further in: the step is only formatted when there is an error.
fn at(mut e: NotJson, step: impl FnOnce() -> String) -> NotJson {
    e.path.push(step());
    e
}

/// Write `value` (dicts with str keys, lists, tuples, str, int, float, bool, None) as JSON.
pub fn write_json(value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> Result<(), NotJson> {
    write(value, out, 0, &KeyTexts::default())
}

/// [`write_json`] for a run's records, which share their keys: each key's JSON text is made
/// once and found again by the str's hash and equality, with no UTF-8 copy (which abi3 for
/// Python 3.9 cannot borrow); a record's own keys that `keys` says are not read are left out
/// (the engine would skip them; their values are not converted).
pub fn write_record<'py>(
    record: &Bound<'py, PyAny>,
    out: &mut Vec<u8>,
    keys: &KeyTexts<'py>,
) -> Result<(), NotJson> {
    write(record, out, 0, keys)
}

/// Dict keys written so far, by their str's hash: the str, its JSON text, and whether a
/// record's own key of that name is read.
pub struct KeyTexts<'py> {
    texts: RefCell<HashMap<isize, Vec<KeyText<'py>>, foldhash::fast::RandomState>>,
    reads: Box<dyn Fn(&str) -> bool + 'py>,
}

struct KeyText<'py> {
    key: Bound<'py, PyString>,
    json: Box<[u8]>,
    read: bool,
}

impl Default for KeyTexts<'_> {
    fn default() -> Self {
        KeyTexts::new(|_| true)
    }
}

/// A record's keys are few; past this many, keys are written each time.
const KEY_TEXTS: usize = 4096;

impl<'py> KeyTexts<'py> {
    /// Keys for records of which only the keys `reads` accepts are written.
    pub fn new(reads: impl Fn(&str) -> bool + 'py) -> KeyTexts<'py> {
        KeyTexts {
            texts: RefCell::default(),
            reads: Box::new(reads),
        }
    }

    /// Write `key` (with the comma before it unless `first`) and `:`, unless it is a record's
    /// own key (`top`) that is not read; whether it was written.
    fn write(
        &self,
        key: &Bound<'py, PyString>,
        top: bool,
        first: bool,
        out: &mut Vec<u8>,
    ) -> Result<bool, NotJson> {
        let put = |out: &mut Vec<u8>, json: &[u8], read: bool| {
            if top && !read {
                return false;
            }
            if !first {
                out.push(b',');
            }
            out.extend_from_slice(json);
            out.push(b':');
            true
        };
        let hash = key.hash().map_err(|e| not_json(e.to_string()))?;
        if let Some(known) = self.texts.borrow().get(&hash) {
            for k in known {
                if k.key.is(key) || PyAnyMethods::eq(k.key.as_any(), key).unwrap_or(false) {
                    return Ok(put(out, &k.json, k.read));
                }
            }
        }
        let text = utf8(key)?;
        let json = serde_json::to_vec(&*text).map_err(|e| not_json(e.to_string()))?;
        let read = (self.reads)(&text);
        let written = put(out, &json, read);
        let mut texts = self.texts.borrow_mut();
        if texts.len() < KEY_TEXTS {
            texts.entry(hash).or_default().push(KeyText {
                key: key.clone(),
                json: json.into(),
                read,
            });
        }
        Ok(written)
    }
}

/// A str's text. abi3 for Python 3.9 has no borrowed UTF-8 view, so it may be a copy
/// (borrowing it on 3.10 and later measured no faster).
fn utf8<'a>(s: &'a Bound<'_, PyString>) -> Result<std::borrow::Cow<'a, str>, NotJson> {
    s.to_cow()
        .map_err(|_| not_json("a str that is not valid Unicode"))
}

fn write<'py>(
    value: &Bound<'py, PyAny>,
    out: &mut Vec<u8>,
    depth: usize,
    keys: &KeyTexts<'py>,
) -> Result<(), NotJson> {
    if depth > MAX_DEPTH {
        return Err(not_json(format!("nested deeper than {MAX_DEPTH} levels")));
    }
    let text = |out: &mut Vec<u8>, s: &str| {
        serde_json::to_writer(out, s).map_err(|e| not_json(e.to_string()))
    };
    if let Ok(s) = value.cast::<PyString>() {
        return text(out, &utf8(s)?);
    }
    if value.is_none() {
        out.extend_from_slice(b"null");
        return Ok(());
    }
    // bool before int: Python's True is an int too.
    if let Ok(b) = value.cast::<PyBool>() {
        out.extend_from_slice(if b.is_true() { b"true" } else { b"false" });
        return Ok(());
    }
    if value.is_instance_of::<PyInt>() {
        let digits = match value.extract::<i64>() {
            Ok(i) => i.to_string(),
            Err(_) => value
                .str()
                .map_err(|e| not_json(e.to_string()))?
                .to_string(),
        };
        out.extend_from_slice(digits.as_bytes());
        return Ok(());
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let f = f.value();
        if !f.is_finite() {
            return Err(not_json(format!("{f} is not a JSON number")));
        }
        return serde_json::to_writer(out, &f).map_err(|e| not_json(e.to_string()));
    }
    if let Ok(dict) = value.cast::<PyDict>() {
        out.push(b'{');
        let mut first = true;
        for (key, item) in dict.iter() {
            let key = key.cast::<PyString>().map_err(|_| {
                not_json(format!(
                    "a key is a {}, not a str",
                    key.get_type()
                        .name()
                        .map_or_else(|_| "value".into(), |n| n.to_string())
                ))
            })?;
            if !keys.write(key, depth == 0, first, out)? {
                continue;
            }
            first = false;
            write(&item, out, depth + 1, keys)
                .map_err(|e| at(e, || format!("[{:?}]", key.to_cow().unwrap_or_default())))?;
        }
        out.push(b'}');
        return Ok(());
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        out.push(b'[');
        for (i, item) in value
            .try_iter()
            .map_err(|e| not_json(e.to_string()))?
            .enumerate()
        {
            if i > 0 {
                out.push(b',');
            }
            let item = item.map_err(|e| not_json(e.to_string()))?;
            write(&item, out, depth + 1, keys).map_err(|e| at(e, || format!("[{i}]")))?;
        }
        out.push(b']');
        return Ok(());
    }
    Err(not_json(format!(
        "a {} is not JSON (give dicts of str, int, float, bool, None and lists of them)",
        value
            .get_type()
            .name()
            .map_or_else(|_| "value".into(), |n| n.to_string())
    )))
}

/// Reads JSON into Python objects: objects as dicts, arrays as lists, numbers as int or
/// float. Strings come from `strs`: object keys (`method`, `body`, `userName`, ...) and the
/// short values requests repeat (`POST`, `/Users`, schema URNs, `work`, a country, a
/// department) are made once per run, not once per request (a str is immutable, so sharing
/// it is safe), and keys keep their hash.
#[derive(Clone, Copy)]
pub struct ToPython<'k, 'py> {
    pub py: Python<'py>,
    pub strs: &'k SharedStrs<'py>,
}

/// The strs made so far, by their text: object keys, and values up to [`SHARED_VALUE`] bytes.
#[derive(Default)]
pub struct SharedStrs<'py> {
    keys: Strs<'py>,
    values: Strs<'py>,
}

/// Values longer than this are made each time: ids and paths, which do not repeat.
const SHARED_VALUE: usize = 48;

#[derive(Default)]
struct Strs<'py>(RefCell<HashMap<Box<str>, Bound<'py, PyString>, foldhash::fast::RandomState>>);

impl<'py> Strs<'py> {
    fn get(&self, py: Python<'py>, text: &str, bound: usize) -> Bound<'py, PyString> {
        if let Some(found) = self.0.borrow().get(text) {
            return found.clone();
        }
        let made = PyString::new(py, text);
        // Stop growing past a bound: what repeats has been seen by then.
        let mut strs = self.0.borrow_mut();
        if strs.len() < bound {
            strs.insert(text.into(), made.clone());
        }
        made
    }
}

impl<'py> SharedStrs<'py> {
    fn key(&self, py: Python<'py>, key: &str) -> Bound<'py, PyString> {
        self.keys.get(py, key, 4096)
    }

    fn value(&self, py: Python<'py>, value: &str) -> Bound<'py, PyString> {
        if value.len() > SHARED_VALUE {
            return PyString::new(py, value);
        }
        self.values.get(py, value, 1 << 16)
    }
}

impl<'de, 'py> DeserializeSeed<'de> for ToPython<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn custom<E: serde::de::Error>(e: PyErr) -> E {
    E::custom(e.to_string())
}

impl<'de, 'py> Visitor<'de> for ToPython<'_, 'py> {
    type Value = Bound<'py, PyAny>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        let Ok(int) = v.into_pyobject(self.py);
        Ok(int.into_any())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let Ok(int) = v.into_pyobject(self.py);
        Ok(int.into_any())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(PyFloat::new(self.py, v).into_any())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.strs.value(self.py, v).into_any())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let list = PyList::empty(self.py);
        while let Some(item) = seq.next_element_seed(self)? {
            list.append(item).map_err(custom)?;
        }
        Ok(list.into_any())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let dict = PyDict::new(self.py);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let key = self.strs.key(self.py, &key);
            let value = map.next_value_seed(self)?;
            dict.set_item(key, value).map_err(custom)?;
        }
        Ok(dict.into_any())
    }
}
