//! PATCH messages in Entra's modes (docs/mapping.md#patch-modes): the default SCIM job ("legacy": `Add`/`Replace`,
//! Booleans sent as "True"/"False" text), the SCIM-compliant `aadOptscim062020` flag (lower-case
//! ops, real Booleans, several plain replaces merged into one op without path), and the retired
//! `customappsso` job (only its manager form differs).

use serde::Serialize;
use serde_json::{Map, Value as Json, json};

pub use crate::options::PatchMode;

use super::path::TargetPath;
use super::{Body, PATCH_SCHEMA};

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// The target has no value yet.
    Add,
    /// The target has a different value.
    Replace,
    /// Take a value away (group members only: Entra never clears attributes).
    Remove,
}

/// One change, before it is written in a mode.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Set an attribute.
    Attribute {
        /// Add or Replace.
        kind: OpKind,
        /// Where.
        path: TargetPath,
        /// The new value; Booleans are written per mode.
        value: Json,
    },
    /// Point the enterprise manager at this target id.
    Manager(String),
    /// Add these group members (target ids).
    AddMembers(Vec<String>),
    /// Remove these group members (target ids).
    RemoveMembers(Vec<String>),
}

/// One written operation, keys in the order Entra writes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Op {
    op: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Json>,
}

fn op_name(kind: OpKind, mode: PatchMode) -> &'static str {
    match (kind, mode == PatchMode::AadOptScim062020) {
        (OpKind::Add, false) => "Add",
        (OpKind::Replace, false) => "Replace",
        (OpKind::Remove, false) => "Remove",
        (OpKind::Add, true) => "add",
        (OpKind::Replace, true) => "replace",
        (OpKind::Remove, true) => "remove",
    }
}

/// Legacy mode sends Booleans as "True"/"False" text (K: `"value":"False"` to disable).
fn mode_value(value: Json, mode: PatchMode) -> Json {
    match (value, mode) {
        (Json::Bool(b), PatchMode::LegacyScim | PatchMode::CustomAppSso) => {
            Json::String(if b { "True" } else { "False" }.into())
        }
        (v, _) => v,
    }
}

/// The PatchOp message for `changes`, or `None` if there is nothing to send.
pub fn message(changes: Vec<Change>, mode: PatchMode) -> Option<Body> {
    let attributes = attribute_ops(&changes, mode);
    let mut out = Vec::new();
    write_message(&mut out, |out| {
        out.extend_from_slice(&attributes);
        write_link_ops(out, &changes, mode, !attributes.is_empty());
    })
    .then(|| Body::Text(String::from_utf8(out).unwrap_or_default()))
}

/// The PATCH request carrying `changes` to the object at `collection/id`, as one JSON line
/// ([`super::Request::write_json`]'s envelope, and the newline) straight into `out`: what a
/// `Request` with [`message`] would give, without building either — a run writes one for
/// nearly every user on its serial stage (docs/architecture.md#a-map-run). False, writing
/// nothing, when there is nothing to send. `changes` is left empty, its room kept for the next.
pub fn write_request(
    out: &mut Vec<u8>,
    collection: &str,
    id: &str,
    changes: &mut Vec<Change>,
    mode: PatchMode,
) -> bool {
    let sent = write_update(
        out,
        collection,
        id,
        &attribute_ops(changes, mode),
        changes,
        mode,
    );
    changes.clear();
    sent
}

/// The PATCH request of an update or a disable as one JSON line into `out`: its attribute
/// operations written while planning ([`attribute_ops`]), then the links among `changes`
/// (its attribute changes are skipped). What a `Request` with [`message`] would give. False,
/// writing nothing, when there is nothing to send.
pub fn write_update(
    out: &mut Vec<u8>,
    collection: &str,
    id: &str,
    attributes: &[u8],
    changes: &[Change],
    mode: PatchMode,
) -> bool {
    if attributes.is_empty() && changes.is_empty() {
        return false;
    }
    write_patch(out, collection, id, |out| {
        out.extend_from_slice(attributes);
        write_link_ops(out, changes, mode, !attributes.is_empty());
    })
}

/// [`write_request`] for the one change nearly every create has, a manager link, filled into
/// its operation rendered once per mode.
pub fn write_manager_link(
    out: &mut Vec<u8>,
    collection: &str,
    id: &str,
    manager: &str,
    mode: PatchMode,
) {
    write_patch(out, collection, id, |out| {
        manager_op_template(mode).fill_into(out, manager);
    });
}

/// A PATCH request line whose operations `ops` writes; nothing, and false, if it writes none.
fn write_patch(
    out: &mut Vec<u8>,
    collection: &str,
    id: &str,
    ops: impl FnOnce(&mut Vec<u8>),
) -> bool {
    let start = out.len();
    let mut written = false;
    super::write_envelope(out, "PATCH", &[collection, "/", id], |out| {
        written = write_message(out, ops);
    });
    if written {
        out.push(b'\n');
    } else {
        out.truncate(start);
    }
    written
}

/// A PatchOp message whose operations (JSON text separated by commas) `ops` writes; nothing,
/// and false, if it writes none.
fn write_message(out: &mut Vec<u8>, ops: impl FnOnce(&mut Vec<u8>)) -> bool {
    let start = out.len();
    out.extend_from_slice(b"{\"schemas\":[");
    super::escape::write_str(out, PATCH_SCHEMA);
    out.extend_from_slice(b"],\"Operations\":[");
    let first = out.len();
    ops(out);
    if out.len() == first {
        out.truncate(start);
        return false;
    }
    out.extend_from_slice(b"]}");
    true
}

/// A message's text with holes for one id, each hole filled with the id JSON-escaped.
struct Template {
    parts: Vec<String>,
}

impl Template {
    /// `text` cut at the holes.
    fn cut(text: &str) -> Template {
        // The hole's control characters are written as `\u0001`, so it cannot be confused
        // with anything else in the text.
        let escaped = {
            let mut out = Vec::new();
            super::escape::write_inner(&mut out, HOLE);
            String::from_utf8(out).unwrap_or_default()
        };
        Template {
            parts: text.split(escaped.as_str()).map(str::to_string).collect(),
        }
    }

    fn fill_into(&self, out: &mut Vec<u8>, id: &str) {
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                super::escape::write_inner(out, id);
            }
            out.extend_from_slice(part.as_bytes());
        }
    }
}

/// Where the id goes in a [`Template`].
const HOLE: &str = "\u{1}entramap-id\u{1}";

/// The manager-link operation of each PATCH mode, rendered once: nearly every user has one.
fn manager_op_template(mode: PatchMode) -> &'static Template {
    static OPS: [std::sync::OnceLock<Template>; 3] = [const { std::sync::OnceLock::new() }; 3];
    let [legacy, flagged, custom] = &OPS;
    match mode {
        PatchMode::LegacyScim => legacy,
        PatchMode::AadOptScim062020 => flagged,
        PatchMode::CustomAppSso => custom,
    }
    .get_or_init(|| {
        let mut out = Vec::new();
        write_ops(
            &mut out,
            &link_ops(&Change::Manager(HOLE.to_string()), mode),
        );
        Template::cut(&String::from_utf8(out).unwrap_or_default())
    })
}

/// The operations for attribute changes in `mode`, as JSON text separated by commas: written
/// on a run's parallel stage for an update, so that applying it only adds its links
/// ([`write_update`]). Links in `changes` are left out.
pub fn attribute_ops(changes: &[Change], mode: PatchMode) -> Vec<u8> {
    let mut ops: Vec<Op> = Vec::new();
    if mode == PatchMode::AadOptScim062020 {
        // Filtered paths first, each on its own; adds on their own; two or more plain
        // replaces merged into one op without a path (docs/mapping.md#patch-modes).
        let mut filtered = Vec::new();
        let mut adds = Vec::new();
        let mut replaces: Vec<(String, Json)> = Vec::new();
        for change in changes {
            let Change::Attribute { kind, path, value } = change else {
                continue;
            };
            let op = || Op {
                op: op_name(*kind, mode),
                path: Some(path.to_string()),
                value: Some(value.clone()),
            };
            if path.is_filtered() {
                filtered.push(op());
            } else if *kind == OpKind::Replace {
                replaces.push((path.to_string(), value.clone()));
            } else {
                adds.push(op());
            }
        }
        ops.extend(filtered);
        ops.extend(adds);
        match replaces.len() {
            0 => {}
            1 => {
                let (path, value) = replaces.remove(0);
                ops.push(Op {
                    op: "replace",
                    path: Some(path),
                    value: Some(value),
                });
            }
            _ => ops.push(Op {
                op: "replace",
                path: None,
                value: Some(Json::Object(replaces.into_iter().collect::<Map<_, _>>())),
            }),
        }
    } else {
        for change in changes {
            if let Change::Attribute { kind, path, value } = change {
                ops.push(Op {
                    op: op_name(*kind, mode),
                    path: Some(path.to_string()),
                    value: Some(mode_value(value.clone(), mode)),
                });
            }
        }
    }
    let mut out = Vec::new();
    write_ops(&mut out, &ops);
    out
}

/// Ops as JSON text separated by commas.
fn write_ops(out: &mut Vec<u8>, ops: &[Op]) {
    for (i, op) in ops.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // (An `Op` of text and JSON values always serializes.)
        let _ = serde_json::to_writer(&mut *out, op);
    }
}

/// The operations for the links among `changes` (managers and members; attribute changes
/// are skipped), each after a comma if `comma` or if one was written before it.
fn write_link_ops(out: &mut Vec<u8>, changes: &[Change], mode: PatchMode, mut comma: bool) {
    for change in changes {
        let start = out.len();
        if comma {
            out.push(b',');
        }
        let op = out.len();
        match change {
            Change::Attribute { .. } => {}
            Change::Manager(id) => manager_op_template(mode).fill_into(out, id),
            other => write_ops(out, &link_ops(other, mode)),
        }
        if out.len() == op {
            out.truncate(start);
        } else {
            comma = true;
        }
    }
}

/// The operations of one link change in `mode` (none for an attribute change or an empty
/// member list).
fn link_ops(change: &Change, mode: PatchMode) -> Vec<Op> {
    let member = |id: String, legacy: bool| {
        if legacy {
            json!({"$ref": null, "value": id})
        } else {
            json!({"value": id})
        }
    };
    let mut ops = Vec::new();
    push_reference_ops(&mut ops, change.clone(), mode, &member);
    ops
}

fn push_reference_ops(
    ops: &mut Vec<Op>,
    change: Change,
    mode: PatchMode,
    member: &dyn Fn(String, bool) -> Json,
) {
    let legacy = mode != PatchMode::AadOptScim062020;
    match change {
        Change::Manager(id) if mode == PatchMode::CustomAppSso => ops.push(Op {
            op: "Add",
            path: Some("manager".into()),
            value: Some(json!([{ "$ref": format!("../Users/{id}"), "value": id }])),
        }),
        Change::Manager(id) => ops.push(Op {
            op: op_name(OpKind::Add, mode),
            path: Some(format!("{}:manager", super::ENTERPRISE_SCHEMA)),
            value: Some(Json::String(id)),
        }),
        Change::AddMembers(ids) if !ids.is_empty() => ops.push(Op {
            op: op_name(OpKind::Add, mode),
            path: Some("members".into()),
            value: Some(Json::Array(
                ids.into_iter().map(|id| member(id, legacy)).collect(),
            )),
        }),
        Change::RemoveMembers(ids) if !ids.is_empty() && legacy => ops.push(Op {
            op: "Remove",
            path: Some("members".into()),
            value: Some(Json::Array(
                ids.into_iter().map(|id| member(id, true)).collect(),
            )),
        }),
        Change::RemoveMembers(ids) => {
            for id in ids {
                ops.push(Op {
                    op: "remove",
                    path: Some(format!("members[value eq \"{id}\"]")),
                    value: None,
                });
            }
        }
        Change::AddMembers(_) | Change::Attribute { .. } => {}
    }
}

#[cfg(test)]
mod template_tests {
    use super::*;

    #[test]
    fn a_patch_written_in_place_is_the_request_line() {
        let cases = || {
            vec![
                vec![Change::Manager("m\"1".into())],
                vec![Change::AddMembers(vec!["u-1".into(), "u-2".into()])],
                vec![],
            ]
        };
        for mode in [
            PatchMode::LegacyScim,
            PatchMode::AadOptScim062020,
            PatchMode::CustomAppSso,
        ] {
            for (changes, same) in cases().into_iter().zip(cases()) {
                let body = message(same, mode);
                let mut expected = Vec::new();
                if body.is_some() {
                    let request = crate::scim::Request {
                        method: "PATCH",
                        path: "/Users/x-user-0001".into(),
                        body,
                    };
                    request.write_json(&mut expected).unwrap();
                    expected.push(b'\n');
                }
                let mut written = Vec::new();
                let mut changes = changes;
                let sent = write_request(&mut written, "/Users", "x-user-0001", &mut changes, mode);
                assert!(changes.is_empty());
                assert_eq!(sent, !expected.is_empty());
                assert_eq!(String::from_utf8(written), String::from_utf8(expected));
            }
        }
    }

    #[test]
    fn an_update_written_from_its_planned_operations_is_the_request_line() {
        let path = |p: &str| TargetPath::parse(p).unwrap();
        let attributes = vec![
            Change::Attribute {
                kind: OpKind::Replace,
                path: path("title"),
                value: json!("Chef \"de\" cuisine"),
            },
            Change::Attribute {
                kind: OpKind::Add,
                path: path("emails[type eq \"work\"].value"),
                value: json!("a@b.c"),
            },
            Change::Attribute {
                kind: OpKind::Replace,
                path: path("active"),
                value: json!(false),
            },
        ];
        let links = vec![Change::Manager("user-0007".into())];
        for mode in [
            PatchMode::LegacyScim,
            PatchMode::AadOptScim062020,
            PatchMode::CustomAppSso,
        ] {
            for (attributes, links) in [
                (attributes.clone(), links.clone()),
                (attributes.clone(), vec![]),
                (vec![], links.clone()),
                (vec![], vec![]),
            ] {
                let all: Vec<Change> = attributes.iter().chain(&links).cloned().collect();
                let mut expected = Vec::new();
                if let Some(body) = message(all, mode) {
                    let request = crate::scim::Request {
                        method: "PATCH",
                        path: "/Users/u-1".into(),
                        body: Some(body),
                    };
                    request.write_json(&mut expected).unwrap();
                    expected.push(b'\n');
                }
                let ops = attribute_ops(&attributes, mode);
                let mut written = b"before\n".to_vec();
                let sent = write_update(&mut written, "/Users", "u-1", &ops, &links, mode);
                assert_eq!(sent, !expected.is_empty());
                assert_eq!(
                    String::from_utf8_lossy(&written[7..]),
                    String::from_utf8_lossy(&expected)
                );
            }
        }
        // The text itself, not only its agreement with `message`.
        let legacy = |attributes: &[Change], links: &[Change]| {
            let ops = attribute_ops(attributes, PatchMode::LegacyScim);
            let mut out = Vec::new();
            write_update(
                &mut out,
                "/Users",
                "u-1",
                &ops,
                links,
                PatchMode::LegacyScim,
            );
            String::from_utf8(out).unwrap()
        };
        let head = r#"{"method":"PATCH","path":"/Users/u-1","body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":["#;
        let title = r#"{"op":"Replace","path":"title","value":"Chef \"de\" cuisine"}"#;
        let manager = r#"{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"user-0007"}"#;
        assert_eq!(
            legacy(&attributes[..1], &[]),
            format!("{head}{title}]}}}}\n")
        );
        assert_eq!(
            legacy(&attributes[..1], &links),
            format!("{head}{title},{manager}]}}}}\n")
        );
        assert_eq!(legacy(&[], &links), format!("{head}{manager}]}}}}\n"));
        assert_eq!(
            legacy(&attributes[..1], &[Change::AddMembers(vec![])]),
            format!("{head}{title}]}}}}\n")
        );
        assert_eq!(legacy(&[], &[Change::AddMembers(vec![])]), "");
        // The flagged mode merges plain replaces into one op without a path, after the
        // filtered and added ones, and sends real Booleans.
        let ops = attribute_ops(&attributes, PatchMode::AadOptScim062020);
        assert_eq!(
            String::from_utf8_lossy(&ops),
            r#"{"op":"add","path":"emails[type eq \"work\"].value","value":"a@b.c"},{"op":"replace","value":{"active":false,"title":"Chef \"de\" cuisine"}}"#
        );
    }

    #[test]
    fn a_manager_link_from_its_template_is_the_built_message() {
        for mode in [
            PatchMode::LegacyScim,
            PatchMode::AadOptScim062020,
            PatchMode::CustomAppSso,
        ] {
            for id in ["user-0001", "odd \"id\" \\ é\u{7}"] {
                // Built by serde, as every other link is.
                let built = {
                    let ops = link_ops(&Change::Manager(id.to_string()), mode);
                    let mut out = Vec::new();
                    write_message(&mut out, |out| write_ops(out, &ops));
                    Some(Body::Text(String::from_utf8(out).unwrap()))
                };
                let filled = message(vec![Change::Manager(id.to_string())], mode);
                let text = |b: Option<Body>| match b {
                    Some(Body::Text(t)) => t,
                    other => panic!("{other:?}"),
                };
                assert_eq!(text(filled), text(built), "{mode:?} {id}");
            }
        }
    }
}
