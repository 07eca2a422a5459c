//! A request Entra would send, as a value (docs/mapping.md#from-records-to-requests), and its
//! one serializer. Objects are named symbolically ([`ObjectRef`]): "created #n in this run",
//! or an id the target already has. They are resolved when the request is written, by a
//! [`Resolve`]: `map` resolves a created object to its simulated id (`user-0001`); a sender
//! resolves it to the id the server returned. The matching filter is a field of its own, so
//! `map` can print it unencoded and a sender can encode it.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::{PATCH_SCHEMA, ResourceKind};

/// An HTTP method Entra uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A matching query.
    Get,
    /// A create.
    Post,
    /// An update, a disable, or links.
    Patch,
    /// A delete.
    Delete,
}

impl Method {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The target object a request, a manager link or a group member names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    /// The `number`th `kind` object this run creates (from 1): its id is known only once its
    /// POST is answered.
    Created {
        /// Users or groups (numbered apart).
        kind: ResourceKind,
        /// Its place among this run's creations of its kind.
        number: u32,
    },
    /// An id the target already has (matched in it, or linked in an earlier cycle).
    Id(String),
}

/// Turns object references into target ids when requests are written.
pub trait Resolve {
    /// The target id `object` stands for.
    fn id<'a>(&'a self, object: &'a ObjectRef) -> Cow<'a, str>;
}

/// `map`'s stand-ins for the ids an app would return: the `n`th created user is
/// `{prefix}user-{n:04}` (`user-0001`, …, `user-12345`), a group `{prefix}group-{n:04}`.
/// Numbered after the ids the target already has ([`SimulatedIds::avoiding`]), so a created
/// object never gets the id of one linked or held there.
#[derive(Debug, Clone, Default)]
pub struct SimulatedIds {
    /// Put before every simulated id (the `id_prefix` option).
    pub prefix: String,
    /// The highest number already taken in the target, users' and groups'.
    taken: [u32; 2],
}

impl SimulatedIds {
    /// Simulated ids with `prefix`, for an empty target.
    pub fn new(prefix: &str) -> SimulatedIds {
        SimulatedIds {
            prefix: prefix.to_string(),
            taken: [0; 2],
        }
    }

    /// Simulated ids with `prefix` that none of `ids` (the target's ids, and those linked
    /// from earlier cycles) can equal: a created object's number starts after the highest
    /// `{prefix}user-N` (or `group-N`) among them.
    pub fn avoiding<'a>(prefix: &str, ids: impl IntoIterator<Item = &'a str>) -> SimulatedIds {
        let mut simulated = SimulatedIds::new(prefix);
        for id in ids {
            let Some(rest) = id.strip_prefix(prefix) else {
                continue;
            };
            for (kind, name) in [
                (ResourceKind::User, "user-"),
                (ResourceKind::Group, "group-"),
            ] {
                let Some(digits) = rest.strip_prefix(name) else {
                    continue;
                };
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    // A number past u32 (never created here) takes every number.
                    let n = digits.parse::<u32>().unwrap_or(u32::MAX);
                    let taken = &mut simulated.taken[usize::from(kind == ResourceKind::Group)];
                    *taken = (*taken).max(n);
                }
            }
        }
        simulated
    }

    /// The simulated id of the `number`th created `kind` object.
    pub fn created(&self, kind: ResourceKind, number: u32) -> String {
        let name = match kind {
            ResourceKind::User => "user-",
            ResourceKind::Group => "group-",
        };
        let taken = self.taken[usize::from(kind == ResourceKind::Group)];
        let number = taken.saturating_add(number);
        // (By hand, not `format!`: a run writes one or two ids a record.)
        let mut digits: u32 = 4;
        while digits < 10 && number >= 10u32.saturating_pow(digits) {
            digits += 1;
        }
        let mut id = String::with_capacity(self.prefix.len() + name.len() + 10);
        id.push_str(&self.prefix);
        id.push_str(name);
        for d in (0..digits).rev() {
            let digit = number / 10u32.saturating_pow(d) % 10;
            id.push(char::from(b'0' + digit as u8));
        }
        id
    }
}

impl Resolve for SimulatedIds {
    fn id<'a>(&'a self, object: &'a ObjectRef) -> Cow<'a, str> {
        match object {
            ObjectRef::Created { kind, number } => Cow::Owned(self.created(*kind, *number)),
            ObjectRef::Id(id) => Cow::Borrowed(id),
        }
    }
}

/// A matching query: `filter=attribute eq "value"`, and for groups
/// `excludedAttributes=members` before it, as Entra sends them.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `excludedAttributes=members` (Entra's group queries) before the filter.
    pub exclude_members: bool,
    /// The target attribute compared (`userName`, `externalId`, `displayName`).
    pub attribute: String,
    /// The value it must equal.
    pub value: String,
}

/// One request Entra would send.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: Method,
    /// The collection: `/Users` or `/Groups`.
    pub kind: ResourceKind,
    /// The object in it; `None` for the collection itself.
    pub object: Option<ObjectRef>,
    /// The matching query of a GET.
    pub query: Option<Query>,
    /// The JSON body of a POST or a PATCH.
    pub body: Option<Body>,
}

/// A request's body.
#[derive(Debug, Clone)]
pub enum Body {
    /// A create body, written once in Entra's key order (docs/mapping.md#create-bodies).
    Resource(JsonText),
    /// A PatchOp message's operations.
    Patch(Vec<Op>),
}

/// JSON text written by serde_json (a create body), kept as text and copied into a request
/// as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(String);

impl JsonText {
    /// What `write` writes into an empty buffer, which must be one JSON value whose strings
    /// serde_json wrote (so it is UTF-8).
    pub(crate) fn written(
        write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
    ) -> serde_json::Result<JsonText> {
        let mut out = Vec::with_capacity(1024);
        write(&mut out)?;
        String::from_utf8(out)
            .map(JsonText)
            .map_err(|e| serde::ser::Error::custom(e.utf8_error()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As a JSON value (object keys become sorted).
    pub fn to_json(&self) -> Json {
        serde_json::from_str(&self.0).unwrap_or(Json::Null)
    }
}

/// One PATCH operation, in the PATCH mode it was built for (docs/mapping.md#patch-modes).
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    /// `Add`, `Replace`, `Remove` (lower case in the SCIM-compliant mode).
    pub op: &'static str,
    /// The attribute it changes; `None` for a merged replace.
    pub path: Option<OpPath>,
    /// The value; `None` for a member removed by a filtered path.
    pub value: Option<OpValue>,
}

/// Where an operation applies.
#[derive(Debug, Clone, PartialEq)]
pub enum OpPath {
    /// An attribute path (`title`, `emails[type eq "work"].value`, `members`).
    Attribute(Cow<'static, str>),
    /// The enterprise extension's manager
    /// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`).
    Manager,
    /// `members[value eq "{id}"]`: one member.
    Member(ObjectRef),
}

/// An operation's value.
#[derive(Debug, Clone, PartialEq)]
pub enum OpValue {
    /// Any JSON (an attribute's value, or several merged into one object).
    Json(Json),
    /// The manager as a bare id string.
    Id(ObjectRef),
    /// The manager as `[{"$ref":"../Users/{id}","value":"{id}"}]` (the `customappsso` job).
    ManagerRef(ObjectRef),
    /// Members: `[{"value":id}, …]`, each with `"$ref":null` first in the legacy modes.
    Members {
        /// The members.
        ids: Vec<ObjectRef>,
        /// Write `"$ref":null` in each.
        null_ref: bool,
    },
}

impl Request {
    /// A matching GET on `kind`'s collection.
    pub fn get(kind: ResourceKind, query: Query) -> Request {
        Request {
            method: Method::Get,
            kind,
            object: None,
            query: Some(query),
            body: None,
        }
    }

    /// A request to `object` in `kind`'s collection (`None`: the collection).
    pub fn new(
        method: Method,
        kind: ResourceKind,
        object: Option<ObjectRef>,
        body: Option<Body>,
    ) -> Request {
        Request {
            method,
            kind,
            object,
            query: None,
            body,
        }
    }

    /// The path and query, unencoded, ids resolved by `ids`: `/Users/user-0001`,
    /// `/Users?filter=userName eq "ada@contoso.com"`.
    pub fn path(&self, ids: &dyn Resolve) -> String {
        self.path_with(ids, |path, text| path.push_str(text))
    }

    /// The path and query as sent over HTTP, each id and query value percent-encoded
    /// (`/Users?filter=userName%20eq%20%22ada%40contoso.com%22`), ids resolved by `ids`.
    pub fn url_path(&self, ids: &dyn Resolve) -> String {
        use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
        // RFC 3986's unreserved characters stay; everything else is encoded.
        const ENCODED: &percent_encoding::AsciiSet = &NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');
        self.path_with(ids, |path, text| {
            path.extend(utf8_percent_encode(text, ENCODED));
        })
    }

    /// The path and query, each id and the filter passed through `put` (as they are, or
    /// encoded).
    fn path_with(&self, ids: &dyn Resolve, put: impl Fn(&mut String, &str)) -> String {
        let query = self
            .query
            .as_ref()
            .map_or(0, |q| q.attribute.len() + q.value.len());
        let mut path = String::with_capacity(64 + query);
        path.push_str(self.kind.endpoint());
        if let Some(object) = &self.object {
            path.push('/');
            put(&mut path, &ids.id(object));
        }
        if let Some(query) = &self.query {
            path.push('?');
            if query.exclude_members {
                path.push_str("excludedAttributes=members&");
            }
            path.push_str("filter=");
            put(&mut path, &query.attribute);
            put(&mut path, " eq ");
            put(
                &mut path,
                &serde_json::to_string(&query.value).expect("a string serializes"),
            );
        }
        path
    }

    /// Append this request as one JSON line (without the newline) to `out`:
    /// `{"method":…,"path":…,"body":…}`, ids resolved by `ids`. The one writer of the wire
    /// format, for `map`, `test`, the workbench and the library: every string in it is
    /// escaped by serde_json; what never changes (keys, schemas) was written by serde_json
    /// once.
    pub fn write_json(&self, out: &mut Vec<u8>, ids: &dyn Resolve) -> serde_json::Result<()> {
        out.extend_from_slice(b"{\"method\":");
        serde_json::to_writer(&mut *out, self.method.as_str())?;
        out.extend_from_slice(b",\"path\":");
        serde_json::to_writer(&mut *out, &self.path(ids))?;
        if let Some(body) = &self.body {
            out.extend_from_slice(b",\"body\":");
            body.write_json(out, ids)?;
        }
        out.push(b'}');
        Ok(())
    }
}

impl Body {
    /// Append the body as JSON to `out`, ids resolved by `ids`.
    pub fn write_json(&self, out: &mut Vec<u8>, ids: &dyn Resolve) -> serde_json::Result<()> {
        match self {
            Body::Resource(text) => out.extend_from_slice(text.as_str().as_bytes()),
            Body::Patch(ops) => {
                out.extend_from_slice(patch_head().as_bytes());
                for (i, op) in ops.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut *out, &Resolved { value: op, ids })?;
                }
                out.extend_from_slice(b"]}");
            }
        }
        Ok(())
    }

    /// As a plain JSON value (object keys become sorted), ids resolved by `ids`.
    pub fn to_json(&self, ids: &dyn Resolve) -> Json {
        let mut text = Vec::new();
        self.write_json(&mut text, ids)
            .and_then(|()| serde_json::from_slice(&text))
            .unwrap_or(Json::Null)
    }
}

/// `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[`, written once.
fn patch_head() -> &'static str {
    static HEAD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let schemas = serde_json::to_string(&[PATCH_SCHEMA]).expect("a string list serializes");
        format!("{{\"schemas\":{schemas},\"Operations\":[")
    });
    &HEAD
}

/// The enterprise manager's path, as JSON written once: nearly every create links one.
fn manager_path() -> &'static RawValue {
    static PATH: std::sync::LazyLock<Box<RawValue>> = std::sync::LazyLock::new(|| {
        serde_json::value::to_raw_value(MANAGER_PATH).expect("a string serializes")
    });
    &PATH
}

/// The enterprise extension's manager, as Entra's PATCH paths name it.
const MANAGER_PATH: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager";

/// A value with the resolver its object references need to be written.
struct Resolved<'a, T> {
    value: &'a T,
    ids: &'a dyn Resolve,
}

impl<'a, T> Resolved<'a, T> {
    fn with<U>(&self, value: &'a U) -> Resolved<'a, U> {
        Resolved {
            value,
            ids: self.ids,
        }
    }
}

impl Serialize for Resolved<'_, Op> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let op = self.value;
        let fields = 1 + usize::from(op.path.is_some()) + usize::from(op.value.is_some());
        let mut out = s.serialize_struct("Op", fields)?;
        out.serialize_field("op", op.op)?;
        match &op.path {
            Some(OpPath::Attribute(path)) => out.serialize_field("path", path)?,
            Some(OpPath::Manager) => out.serialize_field("path", manager_path())?,
            Some(OpPath::Member(id)) => out.serialize_field(
                "path",
                &format!("members[value eq \"{}\"]", self.ids.id(id)),
            )?,
            None => {}
        }
        if let Some(value) = &op.value {
            out.serialize_field("value", &self.with(value))?;
        }
        out.end()
    }
}

impl Serialize for Resolved<'_, OpValue> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ids = self.ids;
        match self.value {
            OpValue::Json(value) => value.serialize(s),
            OpValue::Id(id) => s.serialize_str(&ids.id(id)),
            OpValue::ManagerRef(id) => {
                let id = ids.id(id);
                let mut list = s.serialize_seq(Some(1))?;
                list.serialize_element(&Member {
                    reference: Some(&format!("../Users/{id}")),
                    id: &id,
                    null_ref: false,
                })?;
                list.end()
            }
            OpValue::Members {
                ids: members,
                null_ref,
            } => {
                let mut list = s.serialize_seq(Some(members.len()))?;
                for member in members {
                    list.serialize_element(&Member {
                        reference: None,
                        id: &ids.id(member),
                        null_ref: *null_ref,
                    })?;
                }
                list.end()
            }
        }
    }
}

/// `{"$ref":…,"value":id}`: a manager or member, `$ref` first as Entra writes it.
struct Member<'a> {
    reference: Option<&'a str>,
    id: &'a str,
    null_ref: bool,
}

impl Serialize for Member<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(None)?;
        match self.reference {
            Some(reference) => out.serialize_entry("$ref", reference)?,
            None if self.null_ref => out.serialize_entry("$ref", &())?,
            None => {}
        }
        out.serialize_entry("value", self.id)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(request: &Request) -> String {
        let mut out = Vec::new();
        request
            .write_json(&mut out, &SimulatedIds::new("p-"))
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_query_is_written_unencoded_with_its_value_as_a_json_string() {
        let get = Request::get(
            ResourceKind::Group,
            Query {
                exclude_members: true,
                attribute: "displayName".into(),
                value: "R&D \"core\"".into(),
            },
        );
        assert_eq!(
            line(&get),
            r#"{"method":"GET","path":"/Groups?excludedAttributes=members&filter=displayName eq \"R&D \\\"core\\\"\""}"#
        );
    }

    #[test]
    fn created_objects_are_resolved_when_written() {
        let created = ObjectRef::Created {
            kind: ResourceKind::User,
            number: 7,
        };
        let ops = vec![
            Op {
                op: "Add",
                path: Some(OpPath::Attribute(Cow::Borrowed("manager"))),
                value: Some(OpValue::ManagerRef(ObjectRef::Id("m\"1".into()))),
            },
            Op {
                op: "remove",
                path: Some(OpPath::Member(created.clone())),
                value: None,
            },
            Op {
                op: "Add",
                path: Some(OpPath::Attribute(Cow::Borrowed("members"))),
                value: Some(OpValue::Members {
                    ids: vec![created.clone()],
                    null_ref: true,
                }),
            },
        ];
        let patch = Request::new(
            Method::Patch,
            ResourceKind::User,
            Some(created),
            Some(Body::Patch(ops)),
        );
        assert_eq!(patch.path(&SimulatedIds::new("p-")), "/Users/p-user-0007");
        assert_eq!(
            line(&patch),
            concat!(
                r#"{"method":"PATCH","path":"/Users/p-user-0007","body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":["#,
                r#"{"op":"Add","path":"manager","value":[{"$ref":"../Users/m\"1","value":"m\"1"}]},"#,
                r#"{"op":"remove","path":"members[value eq \"p-user-0007\"]"},"#,
                r#"{"op":"Add","path":"members","value":[{"$ref":null,"value":"p-user-0007"}]}]}}"#
            )
        );
    }

    #[test]
    fn a_query_is_percent_encoded_for_http() {
        let get = Request::get(
            ResourceKind::Group,
            Query {
                exclude_members: true,
                attribute: "displayName".into(),
                value: "R&D \"core\" é".into(),
            },
        );
        assert_eq!(
            get.url_path(&SimulatedIds::default()),
            "/Groups?excludedAttributes=members&filter=displayName%20eq%20%22R%26D%20%5C%22core%5C%22%20%C3%A9%22"
        );
        let patch = Request::new(
            Method::Patch,
            ResourceKind::User,
            Some(ObjectRef::Id("a/b c".into())),
            None,
        );
        assert_eq!(patch.url_path(&SimulatedIds::default()), "/Users/a%2Fb%20c");
    }

    #[test]
    fn simulated_ids_come_after_the_ids_the_target_has() {
        let ids = SimulatedIds::avoiding(
            "c42-",
            [
                "c42-user-0007",
                "c42-group-12",
                "user-0099",
                "c42-user-x",
                "c42-user-",
            ],
        );
        assert_eq!(ids.created(ResourceKind::User, 1), "c42-user-0008");
        assert_eq!(ids.created(ResourceKind::Group, 1), "c42-group-0013");
        let none = SimulatedIds::avoiding("", ["7f3a", "user-12a"]);
        assert_eq!(none.created(ResourceKind::User, 1), "user-0001");
    }

    #[test]
    fn simulated_ids_have_four_digits_at_least() {
        let ids = SimulatedIds::new("");
        assert_eq!(ids.created(ResourceKind::User, 1), "user-0001");
        assert_eq!(ids.created(ResourceKind::Group, 123_456), "group-123456");
        for n in [0, 9, 999, 9_999, 10_000, 99_999, 1_000_000_000, u32::MAX] {
            assert_eq!(ids.created(ResourceKind::User, n), format!("user-{n:04}"));
        }
    }
}
