//! PATCH messages in Entra's modes (docs/mapping.md#patch-modes): the default SCIM job ("legacy": `Add`/`Replace`,
//! Booleans sent as "True"/"False" text), the SCIM-compliant `aadOptscim062020` flag (lower-case
//! ops, real Booleans, several plain replaces merged into one op without path), and the retired
//! `customappsso` job (only its manager form differs).

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

pub use crate::options::PatchMode;

use super::path::TargetPath;
use super::request::{Body, ObjectRef, Op, OpPath, OpValue};

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
    /// Point the enterprise manager at this object.
    Manager(ObjectRef),
    /// Add these group members.
    AddMembers(Vec<ObjectRef>),
    /// Remove these group members.
    RemoveMembers(Vec<ObjectRef>),
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
pub fn message(changes: &[Change], mode: PatchMode) -> Option<Body> {
    let mut ops = attribute_ops(changes, mode);
    link_ops(changes, mode, &mut ops);
    (!ops.is_empty()).then_some(Body::Patch(ops))
}

/// The operations for the attribute changes among `changes` in `mode` (links are left out):
/// built on a run's parallel stage for an update, so that applying it only adds its links
/// ([`link_ops`]).
pub fn attribute_ops(changes: &[Change], mode: PatchMode) -> Vec<Op> {
    let attribute = |kind: OpKind, path: &TargetPath, value: Json| Op {
        op: op_name(kind, mode),
        path: Some(OpPath::Attribute(Cow::Owned(path.to_string()))),
        value: Some(OpValue::Json(value)),
    };
    let mut ops: Vec<Op> = Vec::new();
    if mode != PatchMode::AadOptScim062020 {
        for change in changes {
            if let Change::Attribute { kind, path, value } = change {
                ops.push(attribute(*kind, path, mode_value(value.clone(), mode)));
            }
        }
        return ops;
    }
    // Filtered paths first, each on its own; adds on their own; two or more plain replaces
    // merged into one op without a path (docs/mapping.md#patch-modes).
    let mut adds = Vec::new();
    let mut replaces: Vec<(&TargetPath, &Json)> = Vec::new();
    for change in changes {
        let Change::Attribute { kind, path, value } = change else {
            continue;
        };
        if path.is_filtered() {
            ops.push(attribute(*kind, path, value.clone()));
        } else if *kind == OpKind::Replace {
            replaces.push((path, value));
        } else {
            adds.push(attribute(*kind, path, value.clone()));
        }
    }
    ops.append(&mut adds);
    match replaces.as_slice() {
        [] => {}
        [(path, value)] => ops.push(attribute(OpKind::Replace, path, (*value).clone())),
        _ => ops.push(Op {
            op: "replace",
            path: None,
            value: Some(OpValue::Json(Json::Object(
                replaces
                    .iter()
                    .map(|(path, value)| (path.to_string(), (*value).clone()))
                    .collect::<Map<_, _>>(),
            ))),
        }),
    }
    ops
}

/// Append the operations for the links among `changes` (managers and members; attribute
/// changes are skipped) in `mode`.
pub fn link_ops(changes: &[Change], mode: PatchMode, ops: &mut Vec<Op>) {
    let legacy = mode != PatchMode::AadOptScim062020;
    for change in changes {
        match change {
            Change::Attribute { .. } => {}
            Change::Manager(id) if mode == PatchMode::CustomAppSso => ops.push(Op {
                op: "Add",
                path: Some(OpPath::Attribute(Cow::Borrowed("manager"))),
                value: Some(OpValue::ManagerRef(id.clone())),
            }),
            Change::Manager(id) => ops.push(Op {
                op: op_name(OpKind::Add, mode),
                path: Some(OpPath::Manager),
                value: Some(OpValue::Id(id.clone())),
            }),
            Change::AddMembers(ids) if !ids.is_empty() => ops.push(Op {
                op: op_name(OpKind::Add, mode),
                path: Some(OpPath::Attribute(Cow::Borrowed("members"))),
                value: Some(OpValue::Members {
                    ids: ids.clone(),
                    null_ref: legacy,
                }),
            }),
            Change::RemoveMembers(ids) if !ids.is_empty() && legacy => ops.push(Op {
                op: "Remove",
                path: Some(OpPath::Attribute(Cow::Borrowed("members"))),
                value: Some(OpValue::Members {
                    ids: ids.clone(),
                    null_ref: true,
                }),
            }),
            Change::RemoveMembers(ids) => ops.extend(ids.iter().map(|id| Op {
                op: "remove",
                path: Some(OpPath::Member(id.clone())),
                value: None,
            })),
            Change::AddMembers(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::ResourceKind;
    use crate::scim::request::{Method, Request, SimulatedIds};
    use serde_json::json;

    /// The PATCH request line for `changes` to `/Users/u-1`, or "" when nothing is sent.
    fn line(changes: &[Change], mode: PatchMode) -> String {
        let Some(body) = message(changes, mode) else {
            return String::new();
        };
        let request = Request::new(
            Method::Patch,
            ResourceKind::User,
            Some(ObjectRef::Id("u-1".into())),
            Some(body),
        );
        let mut out = Vec::new();
        request
            .write_json(&mut out, &SimulatedIds::default())
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn operations_are_written_as_entra_writes_them_in_each_mode() {
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
        let manager = Change::Manager(ObjectRef::Id("user-0007".into()));
        let head = r#"{"method":"PATCH","path":"/Users/u-1","body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":["#;
        let title = r#"{"op":"Replace","path":"title","value":"Chef \"de\" cuisine"}"#;
        let link = r#"{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"user-0007"}"#;
        let legacy = PatchMode::LegacyScim;
        assert_eq!(
            line(&attributes[..1], legacy),
            format!("{head}{title}]}}}}")
        );
        assert_eq!(
            line(&[attributes[0].clone(), manager.clone()], legacy),
            format!("{head}{title},{link}]}}}}")
        );
        assert_eq!(
            line(std::slice::from_ref(&manager), legacy),
            format!("{head}{link}]}}}}")
        );
        assert_eq!(
            line(&[attributes[0].clone(), Change::AddMembers(vec![])], legacy),
            format!("{head}{title}]}}}}")
        );
        assert_eq!(line(&[Change::AddMembers(vec![])], legacy), "");
        // Legacy Booleans are text.
        assert!(line(&attributes[2..], legacy).contains(r#""value":"False""#));
        // The flagged mode merges plain replaces into one op without a path, after the
        // filtered and added ones, and sends real Booleans.
        let ops = attribute_ops(&attributes, PatchMode::AadOptScim062020);
        let ops = Request::new(
            Method::Patch,
            ResourceKind::User,
            None,
            Some(Body::Patch(ops)),
        );
        let text =
            ops.body.as_ref().unwrap().to_json(&SimulatedIds::default())["Operations"].to_string();
        assert_eq!(
            text,
            r#"[{"op":"add","path":"emails[type eq \"work\"].value","value":"a@b.c"},{"op":"replace","value":{"active":false,"title":"Chef \"de\" cuisine"}}]"#
        );
        // The retired customappsso job's manager.
        assert!(line(&[manager], PatchMode::CustomAppSso).contains(
            r#"{"op":"Add","path":"manager","value":[{"$ref":"../Users/user-0007","value":"user-0007"}]}"#
        ));
    }

    #[test]
    fn members_are_added_and_removed_per_mode() {
        let ids = |names: &[&str]| names.iter().map(|n| ObjectRef::Id(n.to_string())).collect();
        let changes = [
            Change::AddMembers(ids(&["a"])),
            Change::RemoveMembers(ids(&["b", "c"])),
        ];
        let legacy = line(&changes, PatchMode::LegacyScim);
        assert!(legacy.contains(r#"{"op":"Add","path":"members","value":[{"$ref":null,"value":"a"}]},{"op":"Remove","path":"members","value":[{"$ref":null,"value":"b"},{"$ref":null,"value":"c"}]}"#), "{legacy}");
        let flagged = line(&changes, PatchMode::AadOptScim062020);
        assert!(flagged.contains(r#"{"op":"add","path":"members","value":[{"value":"a"}]},{"op":"remove","path":"members[value eq \"b\"]"},{"op":"remove","path":"members[value eq \"c\"]"}"#), "{flagged}");
    }
}
