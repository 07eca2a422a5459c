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

/// A JSON body whose object keys keep the order they were built in.
#[derive(Debug, Clone)]
pub enum Body {
    /// Any JSON value (its own objects are key-sorted).
    Json(Json),
    /// An object in this key order.
    Object(Vec<(String, Body)>),
    /// An array.
    Array(Vec<Body>),
    /// Already serialised JSON, written as is.
    Raw(Box<serde_json::value::RawValue>),
}

impl Serialize for Body {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Json(v) => v.serialize(s),
            Body::Raw(raw) => raw.serialize(s),
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
    /// Serialise once now; later writes copy the bytes.
    pub fn into_raw(self) -> Body {
        match serde_json::value::to_raw_value(&self) {
            Ok(raw) => Body::Raw(raw),
            Err(_) => self,
        }
    }

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
                let i = match self.extensions.iter().position(|(u, _)| u == urn) {
                    Some(i) => i,
                    None => {
                        self.extensions.push((urn.clone(), Map::new()));
                        self.extensions.len() - 1
                    }
                };
                if let Some((_, obj)) = self.extensions.get_mut(i) {
                    obj.insert(attr.clone(), value);
                }
            }
            TargetPath::Filtered {
                attr,
                filter_attr,
                filter_value,
                sub,
            } => {
                let i = match self.multi.iter().position(|(a, _)| a == attr) {
                    Some(i) => i,
                    None => {
                        self.multi.push((attr.clone(), Vec::new()));
                        self.multi.len() - 1
                    }
                };
                let Some((_, elements)) = self.multi.get_mut(i) else {
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
                let element = match pos {
                    Some(p) => &mut elements[p],
                    None => {
                        let mut e = Map::new();
                        e.insert(filter_attr.clone(), filter_json);
                        if filter_attr == "type" && primary_for(attr, filter_value) {
                            e.insert("primary".into(), Json::Bool(true));
                        }
                        elements.push(e);
                        let last = elements.len() - 1;
                        &mut elements[last]
                    }
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
