//! What an app should hold against what it holds, attribute by attribute (`entramap target
//! diff`, docs/sync.md#verifying-a-cycle). SCIM's own leniencies are applied, and no others:
//! - objects are paired by `externalId`, else by `userName` (users) or `displayName` (groups);
//! - attribute names compare ignoring case;
//! - `"True"`/`"False"` text equals the Boolean;
//! - a bare-string manager equals `{"value": …}`;
//! - multi-valued attributes compare as sets: each element matched by the attributes the
//!   expected one gives (`type`, `value`, …); an empty list equals no value;
//! - what a server adds (`id`, `meta`, `schemas`, `$ref`) and sub-attributes the expected
//!   object does not give (`primary`, `display`) are ignored.

use serde::Serialize;
use serde_json::{Map, Value as Json};

use super::ResourceKind;

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// `users` or `groups`.
    pub kind: ResourceKind,
    /// How the object is named: `externalId 2819c223`, `userName ada@contoso.com`.
    pub object: String,
    /// What differs.
    #[serde(flatten)]
    pub what: What,
}

/// What differs about an object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "difference", rename_all = "snake_case")]
pub enum What {
    /// Expected, and the app does not hold it.
    Missing,
    /// The app holds it more than once.
    Duplicate {
        /// How many.
        count: usize,
    },
    /// The app holds it, and nothing expected it.
    Unexpected,
    /// An attribute's value differs (`current` is `None` when the app lacks it).
    Attribute {
        /// Its path: `title`, `name.givenName`, `emails`, `urn:…:User.department`.
        path: String,
        /// The value expected.
        expected: Json,
        /// The app's value.
        current: Option<Json>,
    },
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: ", self.kind, self.object)?;
        match &self.what {
            What::Missing => f.write_str("expected, and the app does not hold it"),
            What::Duplicate { count } => write!(f, "the app holds it {count} times"),
            What::Unexpected => f.write_str("the app holds it, and nothing expected it"),
            What::Attribute {
                path,
                expected,
                current: Some(current),
            } => write!(f, "{path}: expected {expected}, the app holds {current}"),
            What::Attribute {
                path,
                expected,
                current: None,
            } => write!(f, "{path}: expected {expected}, the app holds none"),
        }
    }
}

/// Every difference between `expected` and `current` (SCIM resources), expected objects in
/// their order, then the app's objects nothing expected.
pub fn diff(expected: &[Json], current: &[Json]) -> Vec<Difference> {
    let mut differences = Vec::new();
    let mut paired = vec![0usize; current.len()];
    for want in expected {
        let kind = kind_of(want);
        let (key, name) = keys(want, kind);
        let object = key
            .clone()
            .or(name.clone())
            .unwrap_or_else(|| "(no externalId or name)".into());
        let holding: Vec<usize> = current
            .iter()
            .enumerate()
            .filter(|(_, have)| kind_of(have) == kind)
            .filter(|(_, have)| {
                let (k, n) = keys(have, kind);
                match (&key, &k) {
                    (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                    _ => {
                        name.is_some()
                            && n.as_ref()
                                .zip(name.as_ref())
                                .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b))
                    }
                }
            })
            .map(|(i, _)| i)
            .collect();
        for &i in &holding {
            if let Some(count) = paired.get_mut(i) {
                *count += 1;
            }
        }
        let difference = |what| Difference {
            kind,
            object: object.clone(),
            what,
        };
        match holding.as_slice() {
            [] => differences.push(difference(What::Missing)),
            [one] => {
                if let Some(have) = current.get(*one) {
                    let mut found = Vec::new();
                    compare_object(want, have, "", &mut found);
                    differences.extend(found.into_iter().map(difference));
                }
            }
            many => differences.push(difference(What::Duplicate { count: many.len() })),
        }
    }
    for (have, count) in current.iter().zip(&paired) {
        if *count == 0 {
            let kind = kind_of(have);
            let (key, name) = keys(have, kind);
            differences.push(Difference {
                kind,
                object: key.or(name).unwrap_or_else(|| {
                    have.get("id")
                        .and_then(Json::as_str)
                        .map_or("(no id)".into(), |id| format!("id {id}"))
                }),
                what: What::Unexpected,
            });
        }
    }
    differences
}

/// A user or a group: by `schemas`, else by what only groups have.
fn kind_of(resource: &Json) -> ResourceKind {
    let group_schema = resource
        .get("schemas")
        .and_then(Json::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|s| s.as_str().is_some_and(|s| s.ends_with(":Group")))
        });
    if group_schema || (resource.get("members").is_some() && resource.get("userName").is_none()) {
        ResourceKind::Group
    } else {
        ResourceKind::User
    }
}

/// `externalId …` and `userName …`/`displayName …`, as they name the object.
fn keys(resource: &Json, kind: ResourceKind) -> (Option<String>, Option<String>) {
    let text = |name: &str| {
        field(resource, name)
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    let name_key = match kind {
        ResourceKind::User => "userName",
        ResourceKind::Group => "displayName",
    };
    (
        text("externalId").map(|k| format!("externalId {k}")),
        text(name_key).map(|n| format!("{name_key} {n}")),
    )
}

/// A member of an object by name, ignoring case (an exact name first).
fn field<'a>(object: &'a Json, name: &str) -> Option<&'a Json> {
    let map = object.as_object()?;
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// What a server adds: never compared.
fn server_added(name: &str) -> bool {
    ["id", "meta", "schemas", "$ref"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// Each of `want`'s attributes against `have`'s, recording the differing ones.
fn compare_object(want: &Json, have: &Json, prefix: &str, found: &mut Vec<What>) {
    let Some(want) = want.as_object() else {
        return;
    };
    for (name, expected) in want {
        if server_added(name) {
            continue;
        }
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let current = field(have, name);
        match (expected, current) {
            // No value and an empty list are the same in SCIM (an empty group's members).
            (Json::Array(items), None | Some(Json::Null)) if items.is_empty() => {}
            (Json::Null, None) => {}
            // An extension's attributes, or a complex attribute: each sub-attribute.
            (Json::Object(_), Some(current @ Json::Object(_))) if !is_reference(expected) => {
                compare_object(expected, current, &path, found);
            }
            (expected, Some(current)) if equal(expected, current) => {}
            (expected, current) => found.push(What::Attribute {
                path,
                expected: expected.clone(),
                current: current.cloned(),
            }),
        }
    }
}

/// `{"value": …}` (a manager): compared as its value.
fn is_reference(value: &Json) -> bool {
    value
        .as_object()
        .is_some_and(|o| o.contains_key("value") && o.len() <= 3)
}

/// Whether the app's `have` is what `want` says, with SCIM's leniencies.
fn equal(want: &Json, have: &Json) -> bool {
    match (want, have) {
        (Json::String(w), Json::String(h)) => w == h,
        (Json::String(w), Json::Bool(h)) | (Json::Bool(h), Json::String(w)) => {
            w.eq_ignore_ascii_case(if *h { "true" } else { "false" })
        }
        // A bare-string manager and `{"value": …}`.
        (Json::String(_), Json::Object(o)) => o.get("value").is_some_and(|v| equal(want, v)),
        (Json::Object(o), Json::String(_)) => o.get("value").is_some_and(|v| equal(v, have)),
        (Json::Object(w), Json::Object(h)) => subset(w, h),
        (Json::Array(w), Json::Array(h)) => same_set(w, h),
        // A single value against a list of one.
        (w, Json::Array(h)) if !w.is_array() => {
            h.len() == 1 && h.first().is_some_and(|h| equal(w, h))
        }
        (w, h) => w == h,
    }
}

/// Every attribute `want` gives (but what servers add) equals `have`'s.
fn subset(want: &Map<String, Json>, have: &Map<String, Json>) -> bool {
    let have = Json::Object(have.clone());
    want.iter()
        .filter(|(name, _)| !server_added(name))
        .all(|(name, w)| field(&have, name).is_some_and(|h| equal(w, h)))
}

/// The same elements, each matched by what the expected one gives; as many on each side.
fn same_set(want: &[Json], have: &[Json]) -> bool {
    if want.len() != have.len() {
        return false;
    }
    let mut used = vec![false; have.len()];
    want.iter().all(|w| {
        let hit = have
            .iter()
            .zip(used.iter_mut())
            .find(|(h, used)| !**used && equal(w, h));
        match hit {
            Some((_, used)) => {
                *used = true;
                true
            }
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scim_leniencies_apply() {
        let want = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": "e1",
            "userName": "ada@contoso.com", "active": "False",
            "emails": [{"type": "work", "value": "ada@contoso.com"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "manager": "m1"}});
        let have = json!({"id": "7", "meta": {"resourceType": "User"}, "externalId": "e1", "USERNAME": "ada@contoso.com",
            "active": false, "emails": [{"value": "ada@contoso.com", "type": "work", "primary": true}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D",
                "manager": {"value": "m1", "$ref": "../Users/m1", "displayName": "Boss"}}});
        assert_eq!(diff(&[want], &[have]), vec![]);
    }

    #[test]
    fn differences_missing_duplicates_and_unexpected_objects_are_named() {
        let want = vec![
            json!({"externalId": "e1", "userName": "a", "title": "Engineer"}),
            json!({"externalId": "e2", "userName": "b"}),
            json!({"externalId": "e3", "userName": "c"}),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": [{"value": "1"}]}),
        ];
        let have = vec![
            json!({"id": "1", "externalId": "e1", "userName": "a", "title": "Nurse"}),
            json!({"id": "2", "externalId": "e3", "userName": "c"}),
            json!({"id": "3", "externalId": "e3", "userName": "c"}),
            json!({"id": "4", "externalId": "e9", "userName": "z"}),
            json!({"id": "5", "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": [{"value": "1"}, {"value": "2"}]}),
        ];
        let text: Vec<String> = diff(&want, &have).iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "users externalId e1: title: expected \"Engineer\", the app holds \"Nurse\"",
                "users externalId e2: expected, and the app does not hold it",
                "users externalId e3: the app holds it 2 times",
                "groups displayName G: members: expected [{\"value\":\"1\"}], the app holds [{\"value\":\"1\"},{\"value\":\"2\"}]",
                "users externalId e9: the app holds it, and nothing expected it",
            ]
        );
    }
}
