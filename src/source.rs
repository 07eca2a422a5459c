//! Source objects: where `[attribute]` values come from, and the normalisation Entra applies
//! before mappings see them (SPEC §2.1, §2.2, §4.8): Boolean attributes given as text become
//! Booleans, `IsSoftDeleted` is derived when absent, guests' UPNs are rewritten, empty arrays
//! are Null, `manager` objects are references.

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use crate::eval::value::{Reference, Role, Value};
use crate::options::{AttributeNameCase, Options};

/// The result of looking up one attribute.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// Found under exactly this name (or derived).
    Found(Value<'a>),
    /// Found only ignoring case, under `actual`.
    FoundIgnoringCase(Value<'a>, String),
    /// Not present: Null.
    Missing,
}

/// Anything attributes can be read from.
pub trait Source<'a> {
    /// The value of attribute `name`. `slot` is the attribute's index in the compiled
    /// expression's attribute table, for sources that store values by slot.
    fn lookup(&self, slot: usize, name: &str) -> Result<Lookup<'a>, String>;
}

/// Attributes Entra types as Boolean (SPEC §2.1); text `"false"` is read as a Boolean.
const BOOLEAN_ATTRIBUTES: &[&str] = &["IsSoftDeleted", "accountEnabled", "showInAddressList"];

/// A source object given as a JSON object (a user or group export, a test input).
pub struct JsonSource<'a> {
    map: &'a Map<String, Json>,
    name_case: AttributeNameCase,
    upn_rewrite: bool,
    max_values: usize,
}

impl<'a> JsonSource<'a> {
    /// Read attributes from `map` with the normalisation options of `options`.
    pub fn new(map: &'a Map<String, Json>, options: &Options) -> Self {
        JsonSource {
            map,
            name_case: options.attribute_name_case,
            upn_rewrite: options.b2b_upn_rewrite,
            max_values: options.max_values,
        }
    }

    fn find(&self, name: &str) -> Option<(&'a str, &'a Json)> {
        if let Some((k, v)) = self.map.get_key_value(name) {
            return Some((k.as_str(), v));
        }
        match self.name_case {
            AttributeNameCase::Strict => None,
            AttributeNameCase::ExactThenInsensitive => self
                .map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(k, v)| (k.as_str(), v)),
        }
    }
}

impl<'a> Source<'a> for JsonSource<'a> {
    fn lookup(&self, _slot: usize, name: &str) -> Result<Lookup<'a>, String> {
        match self.find(name) {
            Some((actual, json)) => found(name, actual, json, self.upn_rewrite, self.max_values),
            None if name.eq_ignore_ascii_case("IsSoftDeleted") => {
                Ok(Lookup::Found(Value::Bool(derived_soft_deleted(|k| {
                    self.map.get(k)
                }))))
            }
            None => Ok(Lookup::Missing),
        }
    }
}

/// A found attribute, normalised (SPEC §2.1, §4.8): JSON → Value, guests' UPN rewritten.
fn found<'a>(
    name: &str,
    actual: &str,
    json: &'a Json,
    upn_rewrite: bool,
    max_values: usize,
) -> Result<Lookup<'a>, String> {
    if let Json::Array(items) = json
        && items.len() > max_values
    {
        return Err(format!(
            "attribute `{actual}` has {} values; the limit is {max_values} (option max_values)",
            items.len()
        ));
    }
    Ok(finish(name, actual, json_value(actual, json)?, upn_rewrite))
}

/// The guest UPN rewrite (SPEC §4.8), and whether the name matched exactly.
fn finish<'a>(name: &str, actual: &str, mut value: Value<'a>, upn_rewrite: bool) -> Lookup<'a> {
    if upn_rewrite
        && actual == "userPrincipalName"
        && let Value::Str(upn) = &value
        && let Some(original) = guest_upn(upn)
    {
        value = Value::Str(Cow::Owned(original));
    }
    if actual == name {
        Lookup::Found(value)
    } else {
        Lookup::FoundIgnoringCase(value, actual.to_string())
    }
}

/// SPEC §2.2: IsSoftDeleted is true when the account is disabled, the user is soft-deleted,
/// or the input says the user is out of scope.
fn derived_soft_deleted<'j>(get: impl Fn(&str) -> Option<&'j Json>) -> bool {
    let is_false = |k: &str| match get(k) {
        Some(Json::Bool(b)) => !b,
        Some(Json::String(s)) => crate::eval::value::parse_bool(s) == Some(false),
        _ => false,
    };
    is_false("accountEnabled")
        || is_false("inScope")
        || get("deletedDateTime").is_some_and(|v| !v.is_null())
}

/// A record reduced to the attributes an engine reads, stored by slot of its attribute table:
/// reading an attribute is an index, not a search by name. Values stay as the input's raw
/// JSON text (`'a` borrows the input line) until read; strings without escapes are then used
/// in place, without copying.
#[derive(Debug, Default)]
pub struct SlotRecord<'a> {
    /// By slot: the key as written in the input, and its value.
    values: Vec<Option<(Cow<'a, str>, SlotValue<'a>)>>,
}

/// A slot's value: raw JSON text (parsed on first use when it is not a plain string), or a
/// value already parsed by the caller.
#[derive(Debug)]
pub enum SlotValue<'a> {
    /// JSON text borrowed from the input, and its parse once needed.
    Raw(&'a serde_json::value::RawValue, std::cell::OnceCell<Json>),
    /// A parsed value.
    Json(&'a Json),
}

impl<'a> SlotValue<'a> {
    /// The value as parsed JSON.
    fn json(&self) -> &Json {
        match self {
            SlotValue::Json(j) => j,
            SlotValue::Raw(raw, parsed) => {
                parsed.get_or_init(|| serde_json::from_str(raw.get()).unwrap_or(Json::Null))
            }
        }
    }

    /// The string itself when the raw text is a string without escapes.
    fn plain_str(&self) -> Option<&'a str> {
        match self {
            SlotValue::Raw(raw, _) => {
                let text = raw.get();
                let inner = text.strip_prefix('"')?.strip_suffix('"')?;
                (!inner.contains('\\')).then_some(inner)
            }
            SlotValue::Json(_) => None,
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

    /// Set slot `slot` (the input's key `key`) to `value`; the first key for a slot wins.
    pub fn set(&mut self, slot: usize, key: Cow<'a, str>, value: SlotValue<'a>) {
        if let Some(entry @ None) = self.values.get_mut(slot) {
            *entry = Some((key, value));
        }
    }

    /// Has `slot` been set (even to null)?
    pub fn has_key(&self, slot: usize) -> bool {
        self.values.get(slot).is_some_and(Option::is_some)
    }

    /// The JSON at `slot`.
    pub fn get(&self, slot: usize) -> Option<&Json> {
        self.values
            .get(slot)
            .and_then(Option::as_ref)
            .map(|(_, v)| v.json())
    }
}

/// A [`SlotRecord`] read through an attribute table.
pub struct SlotSource<'a> {
    record: &'a SlotRecord<'a>,
    names: &'a [String],
    upn_rewrite: bool,
    max_values: usize,
}

impl<'a> SlotSource<'a> {
    /// Read `record`, whose slots follow `names`.
    pub fn new(record: &'a SlotRecord<'a>, names: &'a [String], options: &Options) -> Self {
        SlotSource {
            record,
            names,
            upn_rewrite: options.b2b_upn_rewrite,
            max_values: options.max_values,
        }
    }

    /// The raw JSON of attribute `name` (exact name, else ignoring case).
    pub fn raw(&self, name: &str) -> Option<&'a Json> {
        crate::records::slot_of(self.names, name).and_then(|i| self.record.get(i))
    }
}

impl<'a> Source<'a> for SlotSource<'a> {
    fn lookup(&self, slot: usize, name: &str) -> Result<Lookup<'a>, String> {
        let slot = if self.names.get(slot).is_some_and(|n| n == name) {
            Some(slot)
        } else {
            crate::records::slot_of(self.names, name)
        };
        match slot
            .and_then(|i| self.record.values.get(i))
            .and_then(Option::as_ref)
        {
            Some((actual, value)) => match value.plain_str() {
                // A plain string: used in place (the common case).
                Some(text) => Ok(finish(
                    name,
                    actual,
                    string_value(actual, text),
                    self.upn_rewrite,
                )),
                None => found(
                    name,
                    actual,
                    value.json(),
                    self.upn_rewrite,
                    self.max_values,
                ),
            },
            None if name.eq_ignore_ascii_case("IsSoftDeleted") => {
                Ok(Lookup::Found(Value::Bool(derived_soft_deleted(|k| {
                    self.raw(k)
                }))))
            }
            None => Ok(Lookup::Missing),
        }
    }
}

/// `alias_theirdomain#EXT#@yourdomain` → `alias@theirdomain` (the last `_` becomes `@`).
pub fn guest_upn(upn: &str) -> Option<String> {
    let (local, _) = upn.split_once("#EXT#")?;
    let at = local.rfind('_')?;
    Some(format!("{}@{}", &local[..at], &local[at + 1..]))
}

/// A text attribute → Value: Boolean-typed attributes given as text become Booleans (SPEC §2.2).
fn string_value<'a>(name: &str, s: &'a str) -> Value<'a> {
    if BOOLEAN_ATTRIBUTES
        .iter()
        .any(|b| b.eq_ignore_ascii_case(name))
        && let Some(b) = crate::eval::value::parse_bool(s)
    {
        return Value::Bool(b);
    }
    Value::Str(Cow::Borrowed(s))
}

/// One JSON attribute value → Value (SPEC §2.1).
pub fn json_value<'a>(name: &str, json: &'a Json) -> Result<Value<'a>, String> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::String(s) => string_value(name, s),
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
                .map(|v| json_value(name, v))
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

fn role(json: &Json) -> Result<Role<'_>, String> {
    let obj = json
        .as_object()
        .ok_or("appRoleAssignments entries must be objects")?;
    Ok(Role {
        id: text(obj, &["id", "appRoleId"]).unwrap_or_default(),
        value: text(obj, &["value", "appRoleValue"]).unwrap_or_default(),
        display_name: text(obj, &["displayName", "display"]).unwrap_or_default(),
    })
}
