//! SCIM 2.0 output (docs/mapping.md#from-records-to-requests): request envelopes, create bodies in the canonical key order, and
//! PATCH messages in the modes Entra uses.

mod escape;
pub(crate) use escape::concat_quoted;
pub mod patch;
pub mod path;

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use serde_json::Value as Json;

use path::TargetPath;

/// Core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Enterprise User extension URN.
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The second schema Entra lists on group creation (docs/mapping.md#create-bodies).
pub const AD_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// PatchOp message URN.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// One HTTP request Entra would send.
#[derive(Debug, Clone, Serialize)]
pub struct Request {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: &'static str,
    /// Path and query, e.g. `/Users?filter=userName eq "a@b"` (query shown unencoded).
    pub path: String,
    /// JSON body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
}

impl Request {
    /// Append this request as one JSON line (without the newline) to `out`.
    pub fn write_json(&self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        let mut failed = None;
        let path = [self.path.as_str()];
        let write_body = |out: &mut Vec<u8>| match &self.body {
            None => {}
            Some(Body::Text(text)) => out.extend_from_slice(text.as_bytes()),
            Some(body) => failed = serde_json::to_writer(&mut *out, body).err(),
        };
        match self.body {
            None => write_envelope_without_body(out, self.method, &path),
            Some(_) => write_envelope(out, self.method, &path, write_body),
        }
        failed.map_or(Ok(()), Err)
    }
}

/// A request line: `{"method":…,"path":…,"body":…}`, the path given in parts (written as one
/// string) and the body by `body`. The one writer of the envelope, for [`Request::write_json`]
/// and the requests a run writes in place.
pub(crate) fn write_envelope(
    out: &mut Vec<u8>,
    method: &str,
    path: &[&str],
    body: impl FnOnce(&mut Vec<u8>),
) {
    write_method_and_path(out, method, path);
    out.extend_from_slice(b",\"body\":");
    body(out);
    out.push(b'}');
}

fn write_envelope_without_body(out: &mut Vec<u8>, method: &str, path: &[&str]) {
    write_method_and_path(out, method, path);
    out.push(b'}');
}

fn write_method_and_path(out: &mut Vec<u8>, method: &str, path: &[&str]) {
    out.extend_from_slice(b"{\"method\":");
    escape::write_str(out, method);
    out.extend_from_slice(b",\"path\":\"");
    for part in path {
        escape::write_inner(out, part);
    }
    out.push(b'"');
}

/// A JSON body whose object keys keep the order they were built in.
#[derive(Debug, Clone)]
pub enum Body {
    /// Any JSON value (its own objects are key-sorted).
    Json(Json),
    /// An object in this key order.
    Object(Vec<(String, Body)>),
    /// An array.
    Array(Vec<Body>),
    /// Already serialised JSON text (written as is by [`Request::write_json`]).
    Text(String),
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Json(v) => v.serialize(s),
            Body::Text(text) => match serde_json::from_str::<&serde_json::value::RawValue>(text) {
                Ok(raw) => raw.serialize(s),
                Err(e) => Err(serde::ser::Error::custom(e)),
            },
            Body::Array(items) => items.serialize(s),
            Body::Object(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl Body {
    /// As a plain JSON value (key order becomes sorted).
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// Kind of resource: a user or a group. Serialised (and shown) as the name of its object
/// mapping and input: `users`, `groups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceKind {
    /// `/Users`
    #[serde(rename = "users")]
    User,
    /// `/Groups`
    #[serde(rename = "groups")]
    Group,
}

impl ResourceKind {
    /// `users` or `groups`.
    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::User => "users",
            ResourceKind::Group => "groups",
        }
    }

    /// The SCIM endpoint: `/Users` or `/Groups`.
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "/Users",
            ResourceKind::Group => "/Groups",
        }
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.plural())
    }
}

/// The order of `name`'s sub-attributes in RFC 7643.
const NAME_ORDER: &[&str] = &[
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
];

/// The current value at `path` in a SCIM resource as the app returns it.
pub fn get_path<'r>(resource: &'r Json, path: &TargetPath) -> Option<&'r Json> {
    let found = match path {
        TargetPath::Simple(a) => get_ci(resource, a),
        TargetPath::Sub(a, s) => get_ci(resource, a).and_then(|o| get_ci(o, s)),
        TargetPath::Extension { urn, attr } => get_ci(resource, urn).and_then(|o| get_ci(o, attr)),
        TargetPath::Filtered {
            attr,
            filter_attr,
            filter_value,
            sub,
        } => {
            let element = get_ci(resource, attr)?.as_array()?.iter().find(|e| {
                get_ci(e, filter_attr).is_some_and(|v| match v {
                    Json::String(s) => s.eq_ignore_ascii_case(filter_value),
                    Json::Bool(b) => {
                        filter_value.eq_ignore_ascii_case(if *b { "true" } else { "false" })
                    }
                    _ => false,
                })
            })?;
            match sub {
                Some(s) => get_ci(element, s),
                None => Some(element),
            }
        }
    };
    found.filter(|v| !v.is_null())
}

/// SCIM attribute names are case-insensitive.
fn get_ci<'r>(obj: &'r Json, key: &str) -> Option<&'r Json> {
    let map = obj.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// One value to write into a create body.
#[derive(Debug, Clone, Copy)]
pub enum Out<'v> {
    /// Text, escaped as a JSON string.
    Text(&'v str),
    /// Any JSON.
    Json(&'v Json),
}

fn write_out(out: &mut Vec<u8>, value: Out<'_>) {
    let _ = match value {
        Out::Text(t) => {
            escape::write_str(out, t);
            Ok(())
        }
        Out::Json(Json::String(t)) => {
            escape::write_str(out, t);
            Ok(())
        }
        // `"primary":true` in nearly every body.
        Out::Json(Json::Bool(b)) => {
            out.extend_from_slice(if *b { b"true" } else { b"false" });
            Ok(())
        }
        Out::Json(j) => serde_json::to_writer(&mut *out, j),
    };
}

/// Where one mapping's value goes in a create body.
#[derive(Debug, Clone)]
enum Slot {
    Leaf(usize),
    /// An object of keys (rendered `"key":`) in output order.
    Object(Vec<(String, Slot)>),
    /// Array elements: each element's keys in output order; constant entries (filter value,
    /// `primary`) are written only when the element has a mapped value.
    Elements(Vec<Vec<(String, ElementValue)>>),
}

#[derive(Debug, Clone)]
enum ElementValue {
    Constant(Json),
    Mapped(usize),
}

/// The shape of a create body, worked out once per object mapping from its target paths, so
/// writing a body is a walk over the values with no maps or sorting
/// (docs/mapping.md#create-bodies for the key order).
#[derive(Debug, Clone)]
pub struct CreateLayout {
    /// `"schemas":[...]`, rendered once.
    schemas: String,
    resource_type: &'static str,
    /// (raw key, rendered `"key":`, slot).
    top: Vec<(String, String, Slot)>,
}

/// A top-level attribute while the layout is drafted: one mapping, or sub-attributes by name.
enum Draft {
    Leaf(usize),
    Object(BTreeMap<String, usize>),
}

impl CreateLayout {
    /// The layout for `paths` (mapping index → path; `None` for mappings that are not part of
    /// the body, such as references). `primary_for(attr, type)` marks elements `primary`.
    /// When several mappings write the same place, the last one wins.
    pub fn new(
        kind: ResourceKind,
        paths: &[Option<TargetPath>],
        primary_for: &dyn Fn(&str, &str) -> bool,
    ) -> CreateLayout {
        let mut top: BTreeMap<String, Draft> = BTreeMap::new();
        let mut name: BTreeMap<String, usize> = BTreeMap::new();
        let mut extensions: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        // Multi-valued attributes in order of first appearance; elements likewise.
        let mut multi: Vec<(String, Vec<BTreeMap<String, ElementValue>>)> = Vec::new();
        for (i, path) in paths.iter().enumerate() {
            match path {
                None => {}
                Some(TargetPath::Simple(a)) => {
                    top.insert(a.clone(), Draft::Leaf(i));
                }
                Some(TargetPath::Sub(a, s)) if a == "name" => {
                    name.insert(s.clone(), i);
                }
                Some(TargetPath::Sub(a, s)) => {
                    let entry = top
                        .entry(a.clone())
                        .or_insert_with(|| Draft::Object(BTreeMap::new()));
                    if let Draft::Object(fields) = entry {
                        fields.insert(s.clone(), i);
                    }
                }
                Some(TargetPath::Extension { urn, attr }) => {
                    extensions
                        .entry(urn.clone())
                        .or_default()
                        .insert(attr.clone(), i);
                }
                Some(TargetPath::Filtered {
                    attr,
                    filter_attr,
                    filter_value,
                    sub,
                }) => {
                    let at = match multi.iter().position(|(a, _)| a == attr) {
                        Some(at) => at,
                        None => {
                            multi.push((attr.clone(), Vec::new()));
                            multi.len() - 1
                        }
                    };
                    let Some((_, elements)) = multi.get_mut(at) else {
                        continue;
                    };
                    let filter = filter_json(filter_attr, filter_value);
                    let same = |e: &BTreeMap<String, ElementValue>| matches!(e.get(filter_attr), Some(ElementValue::Constant(c)) if *c == filter);
                    let at = match elements.iter().position(same) {
                        Some(at) => at,
                        None => {
                            let mut element = BTreeMap::new();
                            if filter_attr == "type" && primary_for(attr, filter_value) {
                                element.insert(
                                    "primary".into(),
                                    ElementValue::Constant(Json::Bool(true)),
                                );
                            }
                            element.insert(filter_attr.clone(), ElementValue::Constant(filter));
                            elements.push(element);
                            elements.len() - 1
                        }
                    };
                    if let Some(element) = elements.get_mut(at) {
                        let key = sub.clone().unwrap_or_else(|| "value".to_string());
                        element.insert(key, ElementValue::Mapped(i));
                    }
                }
            }
        }
        let leaf_object = |fields: BTreeMap<String, usize>| {
            Slot::Object(
                fields
                    .into_iter()
                    .map(|(k, i)| (rendered_key(&k), Slot::Leaf(i)))
                    .collect(),
            )
        };
        let first: &[&str] = match kind {
            ResourceKind::User => &["externalId", "userName", "active"],
            ResourceKind::Group => &["externalId", "displayName"],
        };
        let mut out: Vec<(String, Slot)> = Vec::new();
        for key in first {
            if let Some(draft) = top.remove(*key) {
                out.push((key.to_string(), draft_slot(draft, &leaf_object)));
            }
        }
        let mut rest: Vec<(String, Slot)> = top
            .into_iter()
            .map(|(k, d)| (k, draft_slot(d, &leaf_object)))
            .collect();
        if !name.is_empty() {
            let mut fields: Vec<(String, Slot)> = Vec::new();
            for key in NAME_ORDER {
                if let Some(i) = name.remove(*key) {
                    fields.push((rendered_key(key), Slot::Leaf(i)));
                }
            }
            fields.extend(
                name.into_iter()
                    .map(|(k, i)| (rendered_key(&k), Slot::Leaf(i))),
            );
            rest.push(("name".into(), Slot::Object(fields)));
        }
        for (attr, elements) in multi {
            let elements = elements
                .into_iter()
                .map(|e| e.into_iter().map(|(k, v)| (rendered_key(&k), v)).collect())
                .collect();
            rest.push((attr, Slot::Elements(elements)));
        }
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        out.extend(rest);
        out.extend(
            extensions
                .into_iter()
                .map(|(urn, fields)| (urn, leaf_object(fields))),
        );
        let schemas = match kind {
            ResourceKind::User => [USER_SCHEMA, ENTERPRISE_SCHEMA],
            ResourceKind::Group => [GROUP_SCHEMA, AD_GROUP_SCHEMA],
        };
        CreateLayout {
            schemas: format!(
                "\"schemas\":{}",
                serde_json::to_string(&schemas).unwrap_or_default()
            ),
            resource_type: match kind {
                ResourceKind::User => "User",
                ResourceKind::Group => "Group",
            },
            top: out
                .into_iter()
                .map(|(k, slot)| {
                    let rendered = rendered_key(&k);
                    (k, rendered, slot)
                })
                .collect(),
        }
    }

    /// Write the body for `values` (by mapping index; `None` = not sent).
    pub fn write(&self, values: &[Option<Out<'_>>], out: &mut Vec<u8>) {
        out.push(b'{');
        out.extend_from_slice(self.schemas.as_bytes());
        let mut meta_written = false;
        for (key, rendered, slot) in &self.top {
            // `meta` sits among the core keys in ordinal order (after `active`'s group).
            if !meta_written && is_after_meta(key) {
                write_meta(out, self.resource_type);
                meta_written = true;
            }
            if present(slot, values) {
                out.push(b',');
                write_key(out, rendered);
                write_slot(slot, values, out);
            }
        }
        if !meta_written {
            write_meta(out, self.resource_type);
        }
        out.push(b'}');
    }
}

fn draft_slot(draft: Draft, leaf_object: &dyn Fn(BTreeMap<String, usize>) -> Slot) -> Slot {
    match draft {
        Draft::Leaf(i) => Slot::Leaf(i),
        Draft::Object(fields) => leaf_object(fields),
    }
}

/// The value a `[attr eq "value"]` filter gives its element: `primary eq "True"` is a Boolean.
fn filter_json(filter_attr: &str, filter_value: &str) -> Json {
    if filter_attr.eq_ignore_ascii_case("primary") {
        Json::Bool(filter_value.eq_ignore_ascii_case("true"))
    } else {
        Json::String(filter_value.to_string())
    }
}

fn is_after_meta(key: &str) -> bool {
    !matches!(key, "externalId" | "userName" | "active" | "displayName")
        && (key > "meta" || key.starts_with("urn:") || key.contains(':'))
}

fn write_meta(out: &mut Vec<u8>, resource_type: &str) {
    out.extend_from_slice(b",\"meta\":{\"resourceType\":\"");
    out.extend_from_slice(resource_type.as_bytes());
    out.extend_from_slice(b"\"}");
}

fn present(slot: &Slot, values: &[Option<Out<'_>>]) -> bool {
    match slot {
        Slot::Leaf(i) => values.get(*i).is_some_and(Option::is_some),
        Slot::Object(entries) => entries.iter().any(|(_, s)| present(s, values)),
        Slot::Elements(elements) => elements.iter().any(|e| element_present(e, values)),
    }
}

fn element_present(element: &[(String, ElementValue)], values: &[Option<Out<'_>>]) -> bool {
    element.iter().any(|(_, v)| matches!(v, ElementValue::Mapped(i) if values.get(*i).is_some_and(Option::is_some)))
}

/// `"key":`, rendered once when the layout is built.
fn rendered_key(key: &str) -> String {
    let mut out = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
    out.push(':');
    out
}

fn write_key(out: &mut Vec<u8>, rendered: &str) {
    out.extend_from_slice(rendered.as_bytes());
}

fn write_slot(slot: &Slot, values: &[Option<Out<'_>>], out: &mut Vec<u8>) {
    match slot {
        Slot::Leaf(i) => {
            if let Some(Some(v)) = values.get(*i) {
                write_out(out, *v);
            }
        }
        Slot::Object(entries) => {
            out.push(b'{');
            let mut first = true;
            for (k, s) in entries {
                if present(s, values) {
                    if !std::mem::take(&mut first) {
                        out.push(b',');
                    }
                    write_key(out, k);
                    write_slot(s, values, out);
                }
            }
            out.push(b'}');
        }
        Slot::Elements(elements) => {
            out.push(b'[');
            let mut first_element = true;
            for element in elements.iter().filter(|e| element_present(e, values)) {
                if !std::mem::take(&mut first_element) {
                    out.push(b',');
                }
                out.push(b'{');
                let mut first = true;
                for (k, v) in element {
                    let value = match v {
                        ElementValue::Constant(c) => Some(Out::Json(c)),
                        ElementValue::Mapped(i) => values.get(*i).copied().flatten(),
                    };
                    if let Some(value) = value {
                        if !std::mem::take(&mut first) {
                            out.push(b',');
                        }
                        write_key(out, k);
                        write_out(out, value);
                    }
                }
                out.push(b'}');
            }
            out.push(b']');
        }
    }
}
