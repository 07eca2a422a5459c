//! Source records: the one reader of user and group records, and the normalisation Entra applies
//! before mappings see them (docs/language.md#source-attributes): Boolean attributes given as
//! text become Booleans, `IsSoftDeleted` is derived when absent, guests' UPNs are rewritten,
//! empty arrays are Null, `manager` objects are references.
//!
//! Every path in — an NDJSON line, an element of a JSON array, an object a library caller
//! already parsed — goes through one projection ([`Projection`]) into a [`SlotRecord`], and is
//! read through one [`SlotSource`], so `eval`, `eval --batch` and `map` see the same values.

// Reads input: no panics, whatever the input (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod block;
pub mod decode;
mod graph_names;
pub mod input;
pub mod read;
pub(crate) mod scan;

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use crate::eval::value::{Reference, Role, Value};
use crate::eval::{Lookup, Source};
use crate::options::{AttributeNameCase, Options};
use graph_names::{GRAPH_NAMES, Shape};

/// Attributes Entra types as Boolean; text `"false"` is read as a Boolean.
const BOOLEAN_ATTRIBUTES: &[&str] = &["IsSoftDeleted", "accountEnabled", "showInAddressList"];

/// Which attributes a reader keeps (the names an engine reads, by slot) and how a record's
/// keys match them: the exact name, a Microsoft Graph property name for it
/// (`graph_names.rs`), or the name ignoring case (the option attribute_name_case). Built once
/// per engine or expression.
#[derive(Debug, Clone)]
pub struct Projection {
    names: Vec<String>,
    /// What a key may be: an attribute's name, or a Graph property that feeds attributes.
    entries: Vec<Entry>,
    /// Entries by bucket: bit `i` of `buckets[h]` is set when entry `i` hashes to `h`
    /// (ignoring ASCII case). Most keys of a record are not attributes anyone reads: one
    /// table look-up turns them away without comparing text, and a key that is one is
    /// compared with its entry alone. With more than 64 entries every bucket is all ones and
    /// each entry is compared.
    buckets: Box<[u64; 256]>,
    case: AttributeNameCase,
    /// The slot of each [`Known`] attribute, found once.
    known: [Option<usize>; Known::ALL.len()],
    /// By slot: Entra types the attribute as Boolean (text `"false"` reads as false).
    boolean: Vec<bool>,
}

/// Attributes read by the engine itself, not only by expressions: IsSoftDeleted's inputs, an
/// object's id, its event. Their slots are found once per projection, not per record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// `accountEnabled`: false makes `IsSoftDeleted` true.
    AccountEnabled,
    /// `inScope`: false (not assigned) makes `IsSoftDeleted` true.
    InScope,
    /// `deletedDateTime`: set makes `IsSoftDeleted` true.
    DeletedDateTime,
    /// `objectId`: the source object's id.
    ObjectId,
    /// `_event`: `delete` deletes the object.
    Event,
}

impl Known {
    /// Every one of them.
    pub const ALL: [Known; 5] = [
        Known::AccountEnabled,
        Known::InScope,
        Known::DeletedDateTime,
        Known::ObjectId,
        Known::Event,
    ];

    /// The attribute's name.
    pub const fn name(self) -> &'static str {
        match self {
            Known::AccountEnabled => "accountEnabled",
            Known::InScope => "inScope",
            Known::DeletedDateTime => "deletedDateTime",
            Known::ObjectId => "objectId",
            Known::Event => "_event",
        }
    }
}

/// One key a projection knows.
#[derive(Debug, Clone)]
struct Entry {
    key: String,
    /// The slot it fills; none for [`Shape::Members`] (members are read into a slot of
    /// their own).
    slot: Option<usize>,
    /// `None`: the attribute's own name; `Some`: a Graph property name of this shape.
    graph: Option<Shape>,
}

/// How well a key matched a slot; a better match replaces a worse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// The name, ignoring case (with a warning when read).
    IgnoringCase,
    /// A Microsoft Graph property name for the attribute.
    GraphName,
    /// The name itself.
    Exact,
}

/// The bucket of a name or key (see [`Projection::buckets`]): a hash of all its bytes, eight
/// at a time, with ASCII letters folded to lower case (bit 5 set: other bytes may fold
/// together too, which only costs a comparison), so a key and the same key in another case
/// share a bucket.
fn bucket(text: &str) -> usize {
    let mix = |hash: u64, word: u64| {
        let folded = word | 0x2020_2020_2020_2020;
        (hash.rotate_left(5) ^ folded).wrapping_mul(0x517c_c1b7_2722_0a95)
    };
    let mut chunks = text.as_bytes().chunks_exact(8);
    let mut hash = text.len() as u64;
    for chunk in &mut chunks {
        hash = chunk
            .first_chunk::<8>()
            .map_or(hash, |w| mix(hash, u64::from_le_bytes(*w)));
    }
    let last = (chunks.remainder().iter().enumerate())
        .fold(0, |word, (i, b)| word | u64::from(*b) << (8 * i));
    (mix(hash, last) >> 56) as usize
}

/// Whether two byte strings are equal, for the short names and keys of a record: eight bytes
/// at a time inline (the last eight overlapping), instead of a call to `memcmp`.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        (Some(a_last), Some(b_last)) => {
            a_last == b_last
                && a.chunks_exact(8)
                    .zip(b.chunks_exact(8))
                    .all(|(x, y)| x == y)
        }
        _ => a == b,
    }
}

impl Projection {
    /// Keep `names` (by slot), matching keys as `options` say.
    pub fn new(names: &[String], options: &Options) -> Projection {
        let mut entries: Vec<Entry> = names
            .iter()
            .enumerate()
            .map(|(slot, name)| Entry {
                key: name.clone(),
                slot: Some(slot),
                graph: None,
            })
            .collect();
        for (graph_key, name, shape) in GRAPH_NAMES {
            let wanted = *shape == Shape::Members || names.iter().any(|n| n == name);
            if wanted {
                entries.push(Entry {
                    key: graph_key.to_string(),
                    slot: names.iter().position(|n| n == name),
                    graph: Some(*shape),
                });
            }
        }
        let mut buckets = Box::new([0u64; 256]);
        if entries.len() <= 64 {
            for (i, entry) in entries.iter().enumerate() {
                if let Some(b) = buckets.get_mut(bucket(&entry.key)) {
                    *b |= 1 << i;
                }
            }
        } else {
            buckets.fill(u64::MAX);
        }
        Projection {
            names: names.to_vec(),
            entries,
            buckets,
            case: options.dialect.attribute_name_case,
            known: Known::ALL.map(|k| names.iter().position(|n| n == k.name())),
            boolean: names.iter().map(|n| is_boolean_attribute(n)).collect(),
        }
    }

    /// The names, by slot.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Whether a record's key `key` is read: it matches a name (or a Graph form of one) as
    /// the options say. Keys that are not may be left out of a record.
    pub fn reads(&self, key: &str) -> bool {
        self.each_entry(key, |_, _| {})
    }

    /// Call `found(entry, rank)` for every entry `key` matches; true if there was one.
    fn each_entry(&self, key: &str, mut found: impl FnMut(&Entry, Rank)) -> bool {
        let candidates = self.buckets.get(bucket(key)).copied().unwrap_or(0);
        if candidates == 0 {
            return false;
        }
        let insensitive = self.case == AttributeNameCase::ExactThenInsensitive;
        let mut any = false;
        let mut check = |i: usize| {
            if let Some(entry) = self.entries.get(i)
                && entry.key.len() == key.len()
            {
                let rank = if same_bytes(entry.key.as_bytes(), key.as_bytes()) {
                    Some(if entry.graph.is_some() {
                        Rank::GraphName
                    } else {
                        Rank::Exact
                    })
                } else if insensitive
                    && entry.graph.is_none()
                    && entry.key.eq_ignore_ascii_case(key)
                {
                    Some(Rank::IgnoringCase)
                } else {
                    None
                };
                if let Some(rank) = rank {
                    found(entry, rank);
                    any = true;
                }
            }
        };
        if self.entries.len() > 64 {
            (0..self.entries.len()).for_each(&mut check);
        } else {
            let mut bits = candidates;
            while bits != 0 {
                check(bits.trailing_zeros() as usize);
                bits &= bits - 1;
            }
        }
        any
    }

    /// Offer one key of a record to `record`: `None` when no slot takes it, else whether it
    /// is new (false: the object has this key twice).
    #[expect(
        clippy::ptr_arg,
        reason = "each slot stores the key; cloning the Cow keeps a borrowed key borrowed"
    )]
    fn offer<'a>(
        &self,
        record: &mut SlotRecord<'a>,
        key: &Cow<'a, str>,
        value: &SlotValue<'a>,
    ) -> Option<bool> {
        let mut fresh = true;
        self.each_entry(key, |entry, rank| match entry.graph {
            None | Some(Shape::Same) => {
                fresh &= record.offer(entry.slot, rank, || (key.clone(), value.clone()));
            }
            Some(Shape::First) => {
                if let Some(first) = value.json().as_array().and_then(|a| a.first()) {
                    let first = SlotValue::Owned(first.clone());
                    record.offer(entry.slot, rank, || (key.clone(), first));
                }
            }
            Some(Shape::Members) => {
                if let Some(members) = value.json().as_object() {
                    for (name, member) in members {
                        if let Some(slot) = self.names.iter().position(|n| n == name) {
                            let member = SlotValue::Owned(member.clone());
                            record.offer(Some(slot), rank, || (Cow::Owned(name.clone()), member));
                        }
                    }
                }
            }
        })
        .then_some(fresh)
    }

    /// [`Projection::offer`] for a member read from text: its key, and its value's raw JSON
    /// text (`unescaped`: a string without escapes). A key that is exactly the name of the
    /// one entry in its bucket (most keys a mapping reads) goes straight to its slot.
    pub(crate) fn offer_raw<'a>(
        &self,
        record: &mut SlotRecord<'a>,
        key: Cow<'a, str>,
        raw: &'a str,
        unescaped: bool,
    ) -> Option<bool> {
        let bits = self.buckets.get(bucket(&key)).copied().unwrap_or(0);
        if bits == 0 {
            return None;
        }
        let value = || match raw.get(1..raw.len().saturating_sub(1)) {
            Some(text) if unescaped => SlotValue::Text(text, std::cell::OnceCell::new()),
            _ => SlotValue::Raw(raw, std::cell::OnceCell::new()),
        };
        if self.entries.len() <= 64
            && bits.is_power_of_two()
            && let Some(entry) = self.entries.get(bits.trailing_zeros() as usize)
            && entry.graph.is_none()
            && same_bytes(entry.key.as_bytes(), key.as_bytes())
        {
            return Some(record.offer(entry.slot, Rank::Exact, || (key, value())));
        }
        self.offer(record, &key, &value())
    }

    /// A record from an object already parsed (a JSON array's element, a library caller's
    /// value).
    pub fn record_from_map<'a>(&self, map: &'a Map<String, Json>) -> SlotRecord<'a> {
        let mut record = SlotRecord::new(self.names.len());
        for (key, value) in map {
            self.offer(&mut record, &Cow::Borrowed(key), &SlotValue::Json(value));
        }
        record
    }
}

/// A record reduced to the attributes an engine reads, stored by slot of its attribute table:
/// reading an attribute is an index, not a search by name. Values stay as the input's raw
/// JSON text (`'a` borrows the input line) until read; strings without escapes are then used
/// in place, without copying.
#[derive(Debug, Default)]
pub struct SlotRecord<'a> {
    values: Vec<Option<Slot<'a>>>,
}

/// What fills one slot: the key as written in the input, its value, and how well the key
/// matched the slot's name.
#[derive(Debug)]
struct Slot<'a> {
    key: Cow<'a, str>,
    value: SlotValue<'a>,
    rank: Rank,
}

/// A slot's value: raw JSON text (parsed on first use when it is not a plain string), or a
/// value already parsed by the caller.
#[derive(Debug, Clone)]
pub enum SlotValue<'a> {
    /// JSON text borrowed from the input, and its parse once needed.
    Raw(&'a str, std::cell::OnceCell<Json>),
    /// A parsed value.
    Json(&'a Json),
    /// A value made while reading (a Graph property reshaped: `businessPhones[0]`).
    Owned(Json),
    /// A JSON string the fast reader found without escapes: the text between its quotes,
    /// used in place (and its parse once needed).
    Text(&'a str, std::cell::OnceCell<Json>),
}

static JSON_TRUE: Json = Json::Bool(true);
static JSON_FALSE: Json = Json::Bool(false);

impl<'a> SlotValue<'a> {
    /// The value as parsed JSON.
    fn json(&self) -> &Json {
        match self {
            SlotValue::Json(j) => j,
            SlotValue::Owned(j) => j,
            // The literals (Booleans such as accountEnabled, most of all) need no parser.
            SlotValue::Raw("true", _) => &JSON_TRUE,
            SlotValue::Raw("false", _) => &JSON_FALSE,
            SlotValue::Raw("null", _) => &Json::Null,
            SlotValue::Raw(raw, parsed) => {
                parsed.get_or_init(|| serde_json::from_str(raw).unwrap_or(Json::Null))
            }
            SlotValue::Text(text, parsed) => parsed.get_or_init(|| Json::String(text.to_string())),
        }
    }

    /// A number's text exactly as the input writes it.
    fn number_text(&self) -> Option<&'a str> {
        match self {
            SlotValue::Raw(raw, _) if raw.starts_with(|c: char| c == '-' || c.is_ascii_digit()) => {
                Some(raw)
            }
            _ => None,
        }
    }

    /// The string itself when the raw text is a string without escapes.
    fn plain_str(&self) -> Option<&'a str> {
        match self {
            SlotValue::Raw(text, _) => {
                let inner = text.strip_prefix('"')?.strip_suffix('"')?;
                (!inner.contains('\\')).then_some(inner)
            }
            SlotValue::Text(text, _) => Some(text),
            SlotValue::Json(_) | SlotValue::Owned(_) => None,
        }
    }
}

impl<'a> SlotRecord<'a> {
    /// An empty record for a table of `slots` attributes.
    pub fn new(slots: usize) -> SlotRecord<'a> {
        SlotRecord {
            values: (0..slots).map(|_| None).collect(),
        }
    }

    /// Fill `slot` from `key`: a better match replaces a worse one (the name itself, then a
    /// Graph property name, then the name ignoring case); among equal ones the first wins.
    /// False when the name itself is there already (the object has the same key twice).
    fn offer(
        &mut self,
        slot: Option<usize>,
        rank: Rank,
        member: impl FnOnce() -> (Cow<'a, str>, SlotValue<'a>),
    ) -> bool {
        let Some(entry) = slot.and_then(|slot| self.values.get_mut(slot)) else {
            return true;
        };
        match entry {
            Some(existing) if existing.rank == Rank::Exact && rank == Rank::Exact => false,
            Some(existing) if existing.rank >= rank => true,
            _ => {
                let (key, value) = member();
                *entry = Some(Slot { key, value, rank });
                true
            }
        }
    }

    /// The JSON at `slot`.
    pub fn get(&self, slot: usize) -> Option<&Json> {
        self.values
            .get(slot)
            .and_then(Option::as_ref)
            .map(|s| s.value.json())
    }
}

/// A [`SlotRecord`] read through its projection's names: the one [`Source`] of evaluation.
pub struct SlotSource<'a> {
    record: &'a SlotRecord<'a>,
    names: &'a [String],
    known: &'a [Option<usize>; Known::ALL.len()],
    boolean: &'a [bool],
    upn_rewrite: bool,
    max_values: usize,
}

impl<'a> SlotSource<'a> {
    /// Read `record`, read by `projection`.
    pub fn new(record: &'a SlotRecord<'a>, projection: &'a Projection, options: &Options) -> Self {
        SlotSource {
            record,
            names: &projection.names,
            known: &projection.known,
            boolean: &projection.boolean,
            upn_rewrite: options.dialect.b2b_upn_rewrite,
            max_values: options.limits.max_values,
        }
    }

    fn slot(&self, slot: Option<usize>, name: &str) -> Option<usize> {
        slot.filter(|&slot| {
            self.names
                .get(slot)
                .is_some_and(|n| same_bytes(n.as_bytes(), name.as_bytes()))
        })
        .or_else(|| self.names.iter().position(|n| n == name))
    }

    /// The raw JSON of a [`Known`] attribute.
    pub fn known(&self, attribute: Known) -> Option<&'a Json> {
        self.known_value(attribute).map(SlotValue::json)
    }

    /// A [`Known`] attribute when it is a JSON string: borrowed from the record, not parsed,
    /// when it has no escapes (as objectIds have none).
    pub fn known_str(&self, attribute: Known) -> Option<&'a str> {
        let value = self.known_value(attribute)?;
        value.plain_str().or_else(|| value.json().as_str())
    }

    /// A [`Known`] attribute as text exactly as the input writes it — a string's text, or a
    /// number's digits (never rounded through a float) — and whether it was a string. `None`
    /// for null, Booleans, arrays and objects.
    pub fn known_text(&self, attribute: Known) -> Option<(Cow<'a, str>, bool)> {
        if let Some(text) = self.known_str(attribute) {
            return Some((Cow::Borrowed(text), true));
        }
        let value = self.known_value(attribute)?;
        match (value.number_text(), value.json()) {
            (Some(text), _) => Some((Cow::Borrowed(text), false)),
            (None, Json::Number(n)) => Some((Cow::Owned(n.to_string()), false)),
            _ => None,
        }
    }

    fn known_value(&self, attribute: Known) -> Option<&'a SlotValue<'a>> {
        let slot = self.known.get(attribute as usize).copied().flatten()?;
        self.slot_value(slot)
    }

    fn slot_value(&self, slot: usize) -> Option<&'a SlotValue<'a>> {
        self.record.values.get(slot)?.as_ref().map(|s| &s.value)
    }

    /// IsSoftDeleted is true when the account is disabled, the user is soft-deleted, or the
    /// input says the user is out of scope (docs/language.md#issoftdeleted).
    fn derived_soft_deleted(&self) -> bool {
        let is_false = |k: Known| match self.known_value(k) {
            Some(v) => match v.plain_str() {
                Some(text) => crate::eval::value::parse_bool(text) == Some(false),
                None => match v.json() {
                    Json::Bool(b) => !b,
                    Json::String(s) => crate::eval::value::parse_bool(s) == Some(false),
                    _ => false,
                },
            },
            None => false,
        };
        is_false(Known::AccountEnabled)
            || is_false(Known::InScope)
            || self
                .known_value(Known::DeletedDateTime)
                .is_some_and(|v| v.plain_str().is_some() || !v.json().is_null())
    }
}

impl<'a> Source<'a> for SlotSource<'a> {
    fn lookup(&self, slot: Option<usize>, name: &str) -> Result<Lookup<'a>, String> {
        let slot = self.slot(slot, name);
        match slot
            .and_then(|i| self.record.values.get(i))
            .and_then(Option::as_ref)
        {
            Some(Slot { key, value, rank }) => {
                let boolean = slot.and_then(|i| self.boolean.get(i)).copied() == Some(true);
                // The attribute's name as the record spells it (a Graph property: as the
                // provisioning service spells it), for the rules that depend on the name.
                let attr: &str = if *rank == Rank::GraphName { name } else { key };
                let value = match value.plain_str() {
                    // A plain string: used in place (the common case).
                    Some(text) => string_value(boolean, text),
                    None => match (value.number_text(), value.json()) {
                        // A number no i64 holds keeps the digits it is written with, never
                        // rounded through a float (docs/language.md#values).
                        (Some(text), Json::Number(n)) if n.as_i64().is_none() => {
                            Value::Str(Cow::Borrowed(text))
                        }
                        (_, json) => json_value(attr, json, self.max_values)?,
                    },
                };
                let mut value = self.rewrite_upn(attr, value);
                // Entra computes IsSoftDeleted: a record that says false for a disabled or
                // deleted user is overruled (docs/language.md#issoftdeleted).
                if matches!(value, Value::Bool(false))
                    && name.eq_ignore_ascii_case("IsSoftDeleted")
                    && self.derived_soft_deleted()
                {
                    value = Value::Bool(true);
                }
                Ok(if *rank == Rank::IgnoringCase {
                    Lookup::FoundIgnoringCase(value, key.to_string())
                } else {
                    Lookup::Found(value)
                })
            }
            None if name.eq_ignore_ascii_case("IsSoftDeleted") => {
                Ok(Lookup::Found(Value::Bool(self.derived_soft_deleted())))
            }
            None => Ok(Lookup::Missing),
        }
    }
}

impl SlotSource<'_> {
    /// The guest UPN rewrite (docs/language.md#guest-upns).
    fn rewrite_upn<'v>(&self, key: &str, value: Value<'v>) -> Value<'v> {
        if self.upn_rewrite
            && key == "userPrincipalName"
            && let Value::Str(upn) = &value
            && let Some(original) = guest_upn(upn)
        {
            return Value::Str(Cow::Owned(original));
        }
        value
    }
}

/// The attributes `IsSoftDeleted` is derived from when a record does not give it: a reader
/// that keeps `IsSoftDeleted` keeps these too.
pub const SOFT_DELETE_INPUTS: &[&str] = &[
    Known::AccountEnabled.name(),
    Known::InScope.name(),
    Known::DeletedDateTime.name(),
];

/// `alias_theirdomain#EXT#@yourdomain` → `alias@theirdomain` (the last `_` becomes `@`).
pub fn guest_upn(upn: &str) -> Option<String> {
    // Found by its `#` (rare in a UPN) rather than a substring search set up per call: this
    // runs for every user.
    let bytes = upn.as_bytes();
    let cut = memchr::memchr_iter(b'#', bytes).find(|&i| {
        bytes
            .get(i..)
            .is_some_and(|rest| rest.starts_with(b"#EXT#"))
    })?;
    let local = upn.get(..cut)?;
    let at = local.rfind('_')?;
    Some(format!("{}@{}", &local[..at], &local[at + 1..]))
}

/// Whether Entra types the attribute `name` as Boolean.
fn is_boolean_attribute(name: &str) -> bool {
    BOOLEAN_ATTRIBUTES
        .iter()
        .any(|b| b.eq_ignore_ascii_case(name))
}

/// A text attribute → Value: Boolean-typed attributes given as text become Booleans (docs/language.md#null-empty-and-absent).
fn string_value(boolean: bool, s: &str) -> Value<'_> {
    if boolean && let Some(b) = crate::eval::value::parse_bool(s) {
        return Value::Bool(b);
    }
    Value::Str(Cow::Borrowed(s))
}

/// One JSON attribute value → Value (docs/language.md#values), refusing more than `max_values`
/// values.
fn json_value<'a>(name: &str, json: &'a Json, max_values: usize) -> Result<Value<'a>, String> {
    if let Json::Array(items) = json
        && items.len() > max_values
    {
        return Err(format!(
            "attribute `{name}` has {} values; the limit is {max_values} (option max_values)",
            items.len()
        ));
    }
    json_item(name, json)
}

fn json_item<'a>(name: &str, json: &'a Json) -> Result<Value<'a>, String> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::String(s) => string_value(is_boolean_attribute(name), s),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Str(Cow::Owned(n.to_string())),
        },
        Json::Array(items) if items.is_empty() => Value::Null,
        Json::Array(items) if name.eq_ignore_ascii_case("appRoleAssignments") => {
            Value::Roles(items.iter().map(role).collect::<Result<_, _>>()?)
        }
        Json::Array(items) => Value::Multi(
            items
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| json_item(name, v))
                .collect::<Result<_, _>>()?,
        ),
        Json::Object(obj) => {
            if let Some(r) = reference(obj) {
                Value::Ref(r)
            } else {
                return Err(format!(
                    "attribute `{name}` is a JSON object; only references ({{\"objectId\", \"targetId\"}}) may be objects"
                ));
            }
        }
    })
}

fn text<'a>(obj: &'a Map<String, Json>, keys: &[&str]) -> Option<Cow<'a, str>> {
    keys.iter()
        .find_map(|k| obj.get(*k).and_then(Json::as_str))
        .map(Cow::Borrowed)
}

/// `{"objectId": "...", "targetId": "..."}` (also `value`/`id` for the ids).
fn reference(obj: &Map<String, Json>) -> Option<Reference<'_>> {
    let object_id = text(obj, &["objectId", "id", "value"])?;
    Some(Reference {
        object_id,
        target_id: text(obj, &["targetId"]),
    })
}

/// One app role assignment: an object (`{"id", "value", "displayName"}`, Graph's
/// `appRoleId`), or a role's name as a string (Graph's parseExpression test objects give
/// `#Collection(String)`, e.g. `["Default Assignment"]`).
fn role(json: &Json) -> Result<Role<'_>, String> {
    if let Json::String(name) = json {
        return Ok(Role {
            id: Cow::Borrowed(""),
            value: Cow::Borrowed(name),
            display_name: Cow::Borrowed(name),
        });
    }
    let obj = json
        .as_object()
        .ok_or("appRoleAssignments entries must be objects or role names")?;
    Ok(Role {
        id: text(obj, &["id", "appRoleId"]).unwrap_or_default(),
        value: text(obj, &["value", "appRoleValue"]).unwrap_or_default(),
        display_name: text(obj, &["displayName", "display"]).unwrap_or_default(),
    })
}
