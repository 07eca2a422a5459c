//! SCIM 2.0 output (SPEC §5): request envelopes, create bodies in the canonical key order, and
//! PATCH messages in the modes Entra uses.

pub mod patch;
pub mod path;

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value as Json};

use path::TargetPath;

/// Core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Enterprise User extension URN.
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The second schema Entra lists on group creation (SPEC §5.3).
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
        out.extend_from_slice(b"{\"method\":");
        serde_json::to_writer(&mut *out, self.method)?;
        out.extend_from_slice(b",\"path\":");
        serde_json::to_writer(&mut *out, &self.path)?;
        match &self.body {
            None => {}
            Some(Body::Text(text)) => {
                out.extend_from_slice(b",\"body\":");
                out.extend_from_slice(text.as_bytes());
            }
            Some(body) => {
                out.extend_from_slice(b",\"body\":");
                serde_json::to_writer(&mut *out, body)?;
            }
        }
        out.push(b'}');
        Ok(())
    }
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

/// Kind of resource being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// `/Users`
    User,
    /// `/Groups`
    Group,
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

/// Collects `(path, value)` pairs and renders a create body (SPEC §5.3).
#[derive(Debug, Default)]
pub struct ResourceBuilder {
    top: Map<String, Json>,
    name: Map<String, Json>,
    extensions: Vec<(String, Map<String, Json>)>,
    /// attr → elements (filter attr/value identify an element).
    multi: Vec<(String, Vec<Map<String, Json>>)>,
}

impl ResourceBuilder {
    /// Set the value at `path`; filtered paths share one element per filter value.
    pub fn set(
        &mut self,
        path: &TargetPath,
        value: Json,
        primary_for: &dyn Fn(&str, &str) -> bool,
    ) {
        match path {
            TargetPath::Simple(a) => {
                self.top.insert(a.clone(), value);
            }
            TargetPath::Sub(a, s) if a == "name" => {
                self.name.insert(s.clone(), value);
            }
            TargetPath::Sub(a, s) => {
                let entry = self
                    .top
                    .entry(a.clone())
                    .or_insert_with(|| Json::Object(Map::new()));
                if let Json::Object(obj) = entry {
                    obj.insert(s.clone(), value);
                }
            }
            TargetPath::Extension { urn, attr } => {
                if let Some(obj) = entry(&mut self.extensions, urn) {
                    obj.insert(attr.clone(), value);
                }
            }
            TargetPath::Filtered {
                attr,
                filter_attr,
                filter_value,
                sub,
            } => {
                let Some(elements) = entry(&mut self.multi, attr) else {
                    return;
                };
                // `primary eq "True"` marks the element with a boolean primary (SPEC §5.2).
                let filter_json = if filter_attr.eq_ignore_ascii_case("primary") {
                    Json::Bool(filter_value.eq_ignore_ascii_case("true"))
                } else {
                    Json::String(filter_value.clone())
                };
                let pos = elements
                    .iter()
                    .position(|e| e.get(filter_attr) == Some(&filter_json));
                if pos.is_none() {
                    let mut e = Map::new();
                    e.insert(filter_attr.clone(), filter_json);
                    if filter_attr == "type" && primary_for(attr, filter_value) {
                        e.insert("primary".into(), Json::Bool(true));
                    }
                    elements.push(e);
                }
                let index = pos.unwrap_or(elements.len().saturating_sub(1));
                let Some(element) = elements.get_mut(index) else {
                    return;
                };
                match (sub, value) {
                    (Some(s), v) => {
                        element.insert(s.clone(), v);
                    }
                    (None, Json::Object(fields)) => element.extend(fields),
                    (None, v) => {
                        element.insert("value".into(), v);
                    }
                }
            }
        }
    }

    /// The create body: `schemas`, `externalId`, `userName`, `active`, the other core keys
    /// (with `meta`) in ordinal order, then extension objects by URN (SPEC §5.3).
    pub fn build(mut self, kind: ResourceKind) -> Body {
        let schemas = match kind {
            ResourceKind::User => vec![USER_SCHEMA, ENTERPRISE_SCHEMA],
            ResourceKind::Group => vec![GROUP_SCHEMA, AD_GROUP_SCHEMA],
        };
        let resource_type = if kind == ResourceKind::User {
            "User"
        } else {
            "Group"
        };
        let mut out: Vec<(String, Body)> =
            vec![("schemas".into(), Body::Json(serde_json::json!(schemas)))];
        let first: &[&str] = if kind == ResourceKind::User {
            &["externalId", "userName", "active"]
        } else {
            &["externalId", "displayName"]
        };
        for key in first {
            if let Some(v) = self.top.remove(*key) {
                out.push((key.to_string(), Body::Json(v)));
            }
        }
        let mut rest: Vec<(String, Body)> = self
            .top
            .into_iter()
            .map(|(k, v)| (k, Body::Json(v)))
            .collect();
        rest.push((
            "meta".into(),
            Body::Json(serde_json::json!({ "resourceType": resource_type })),
        ));
        if !self.name.is_empty() {
            let mut name: Vec<(String, Body)> = Vec::new();
            for key in NAME_ORDER {
                if let Some(v) = self.name.remove(*key) {
                    name.push((key.to_string(), Body::Json(v)));
                }
            }
            name.extend(self.name.into_iter().map(|(k, v)| (k, Body::Json(v))));
            rest.push(("name".into(), Body::Object(name)));
        }
        for (attr, elements) in self.multi {
            rest.push((
                attr,
                Body::Array(
                    elements
                        .into_iter()
                        .map(|e| Body::Json(Json::Object(e)))
                        .collect(),
                ),
            ));
        }
        rest.sort_by(|a, b| a.0.cmp(&b.0));
        out.extend(rest);
        self.extensions.sort_by(|a, b| a.0.cmp(&b.0));
        for (urn, obj) in self.extensions {
            out.push((urn, Body::Json(Json::Object(obj))));
        }
        Body::Object(out)
    }
}

/// The value for `key` in a small ordered list of pairs, inserted empty if missing.
fn entry<'v, V: Default>(list: &'v mut Vec<(String, V)>, key: &str) -> Option<&'v mut V> {
    if !list.iter().any(|(k, _)| k == key) {
        list.push((key.to_string(), V::default()));
    }
    list.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
}

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
        Out::Text(t) => serde_json::to_writer(&mut *out, t),
        Out::Json(j) => serde_json::to_writer(&mut *out, j),
    };
}

/// Where one mapping's value goes in a create body.
#[derive(Debug, Clone)]
enum Slot {
    Leaf(usize),
    /// An object of keys in output order.
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
/// writing a body is a walk over the values with no maps or sorting (SPEC §5.3 key order).
#[derive(Debug, Clone)]
pub struct CreateLayout {
    kind: ResourceKind,
    /// (raw key, rendered `"key":`, slot).
    top: Vec<(String, String, Slot)>,
}

impl CreateLayout {
    /// The layout for `paths` (mapping index → path; `None` for mappings that are not part of
    /// the body, such as references). `primary_for(attr, type)` marks elements `primary`.
    pub fn new(
        kind: ResourceKind,
        paths: &[Option<TargetPath>],
        primary_for: &dyn Fn(&str, &str) -> bool,
    ) -> CreateLayout {
        // Build the same structure ResourceBuilder does, with mapping indexes as leaves.
        let mut builder = ResourceBuilder::default();
        for (i, path) in paths.iter().enumerate() {
            if let Some(path) = path {
                builder.set(path, Json::from(i as u64), primary_for);
            }
        }
        let Body::Object(entries) = builder.build(kind) else {
            return CreateLayout {
                kind,
                top: Vec::new(),
            };
        };
        let top = entries
            .into_iter()
            .filter(|(k, _)| k != "schemas" && k != "meta")
            .map(|(k, b)| {
                let rendered = rendered_key(&k);
                (k, rendered, slot(b))
            })
            .collect();
        CreateLayout { kind, top }
    }

    /// Write the body for `values` (by mapping index; `None` = not sent).
    pub fn write(&self, values: &[Option<Out<'_>>], out: &mut Vec<u8>) {
        let (schemas, resource_type) = match self.kind {
            ResourceKind::User => (
                concat!(
                    "[\"",
                    "urn:ietf:params:scim:schemas:core:2.0:User",
                    "\",\"",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                    "\"]"
                ),
                "User",
            ),
            ResourceKind::Group => (
                concat!(
                    "[\"",
                    "urn:ietf:params:scim:schemas:core:2.0:Group",
                    "\",\"",
                    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
                    "\"]"
                ),
                "Group",
            ),
        };
        out.extend_from_slice(b"{\"schemas\":");
        out.extend_from_slice(schemas.as_bytes());
        let mut meta_written = false;
        for (key, rendered, slot) in &self.top {
            // `meta` sits among the core keys in ordinal order (after `active`'s group).
            if !meta_written && is_after_meta(key) {
                write_meta(out, resource_type);
                meta_written = true;
            }
            if present(slot, values) {
                out.push(b',');
                write_key(out, rendered);
                write_slot(slot, values, out);
            }
        }
        if !meta_written {
            write_meta(out, resource_type);
        }
        out.push(b'}');
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

fn slot(body: Body) -> Slot {
    match body {
        Body::Json(Json::Number(n)) => Slot::Leaf(n.as_u64().unwrap_or(0) as usize),
        Body::Json(Json::Object(map)) => Slot::Object(
            map.into_iter()
                .map(|(k, v)| (rendered_key(&k), slot(Body::Json(v))))
                .collect(),
        ),
        Body::Object(entries) => Slot::Object(
            entries
                .into_iter()
                .map(|(k, v)| (rendered_key(&k), slot(v)))
                .collect(),
        ),
        Body::Array(items) => Slot::Elements(
            items
                .into_iter()
                .map(|item| match item {
                    Body::Json(Json::Object(map)) => map
                        .into_iter()
                        .map(|(k, v)| {
                            let value = match (k.as_str(), v) {
                                ("primary", v) | ("type", v) if !v.is_number() => {
                                    ElementValue::Constant(v)
                                }
                                (_, Json::Number(n)) => {
                                    ElementValue::Mapped(n.as_u64().unwrap_or(0) as usize)
                                }
                                (_, v) => ElementValue::Constant(v),
                            };
                            (rendered_key(&k), value)
                        })
                        .collect(),
                    _ => Vec::new(),
                })
                .collect(),
        ),
        _ => Slot::Object(Vec::new()),
    }
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
