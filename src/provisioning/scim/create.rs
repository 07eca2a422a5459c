//! Create bodies (docs/mapping.md#create-bodies): their key order worked out once per object
//! mapping from its target paths, so writing a body is a walk over the values with no maps or
//! sorting. Keys are written by serde_json once, when the layout is made; values by
//! serde_json as they are written.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::path::TargetPath;
use super::{
    AD_GROUP_SCHEMA, ENTERPRISE_SCHEMA, GROUP_SCHEMA, JsonText, ResourceKind, USER_SCHEMA,
};

/// The order of `name`'s sub-attributes in RFC 7643.
const NAME_ORDER: &[&str] = &[
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
];

/// One value to write into a create body.
#[derive(Debug, Clone, Copy)]
pub enum Out<'v> {
    /// Text, escaped as a JSON string.
    Text(&'v str),
    /// Any JSON.
    Json(&'v Json),
}

impl Serialize for Out<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Out::Text(text) => s.serialize_str(text),
            Out::Json(value) => value.serialize(s),
        }
    }
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
/// writing a body is a walk over the values with no maps or sorting
/// (docs/mapping.md#create-bodies for the key order).
#[derive(Debug, Clone)]
pub struct CreateLayout {
    /// `"schemas":[…]`, written once.
    schemas: String,
    /// `,"meta":{"resourceType":…}`, written once.
    meta: String,
    /// Each top-level key, as written (`"key":`), and where its values go, in output order.
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
        let resource_type = match kind {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        };
        let mut meta = Map::new();
        meta.insert("resourceType".into(), Json::from(resource_type));
        CreateLayout {
            schemas: format!(
                "{}{}",
                rendered_key("schemas"),
                serde_json::to_string(&schemas).expect("a list of strings serializes")
            ),
            meta: format!(
                ",{}{}",
                rendered_key("meta"),
                serde_json::to_string(&meta).expect("a map of strings serializes")
            ),
            top: out
                .into_iter()
                .map(|(k, slot)| {
                    let rendered = rendered_key(&k);
                    (k, rendered, slot)
                })
                .collect(),
        }
    }

    /// The body for `values` (by mapping index; `None` = not sent) as JSON text: the keys as
    /// serde_json wrote them when the layout was made, each value written by serde_json.
    pub fn write(&self, values: &[Option<Out<'_>>]) -> serde_json::Result<JsonText> {
        JsonText::written(|out| {
            out.push(b'{');
            out.extend_from_slice(self.schemas.as_bytes());
            let mut meta_written = false;
            for (key, rendered, slot) in &self.top {
                // `meta` sits among the core keys in ordinal order (after `active`'s group).
                if !meta_written && is_after_meta(key) {
                    out.extend_from_slice(self.meta.as_bytes());
                    meta_written = true;
                }
                if present(slot, values) {
                    out.push(b',');
                    out.extend_from_slice(rendered.as_bytes());
                    write_slot(slot, values, out)?;
                }
            }
            if !meta_written {
                out.extend_from_slice(self.meta.as_bytes());
            }
            out.push(b'}');
            Ok(())
        })
    }
}

fn write_slot(
    slot: &Slot,
    values: &[Option<Out<'_>>],
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    match slot {
        Slot::Leaf(i) => {
            if let Some(Some(value)) = values.get(*i) {
                serde_json::to_writer(&mut *out, value)?;
            }
        }
        Slot::Object(entries) => {
            out.push(b'{');
            let mut first = true;
            for (key, slot) in entries {
                if present(slot, values) {
                    if !std::mem::take(&mut first) {
                        out.push(b',');
                    }
                    out.extend_from_slice(key.as_bytes());
                    write_slot(slot, values, out)?;
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
                for (key, value) in element {
                    let value = match value {
                        ElementValue::Constant(c) => Some(Out::Json(c)),
                        ElementValue::Mapped(i) => values.get(*i).copied().flatten(),
                    };
                    if let Some(value) = value {
                        if !std::mem::take(&mut first) {
                            out.push(b',');
                        }
                        out.extend_from_slice(key.as_bytes());
                        serde_json::to_writer(&mut *out, &value)?;
                    }
                }
                out.push(b'}');
            }
            out.push(b']');
        }
    }
    Ok(())
}

/// `"key":`, written by serde_json once, when the layout is made.
fn rendered_key(key: &str) -> String {
    let mut out = serde_json::to_string(key).expect("a string serializes");
    out.push(':');
    out
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
