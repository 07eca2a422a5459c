//! Entra's own request shapes, which some SCIM apps refuse (docs/sync.md#entras-shapes): when
//! the app answers a request with a 4xx, the report names the shapes the request carried and
//! what the other PATCH mode would send instead. `sync` never changes them: it sends what
//! Entra sends.

use serde_json::Value as Json;

use crate::options::PatchMode;
use crate::scim::{Body, OpPath, OpValue, Request};

/// One of Entra's shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// A Boolean sent as `"True"`/`"False"` text (the default SCIM job).
    TextBoolean,
    /// `"op": "Add"`/`"Replace"`/`"Remove"` capitalized (the default SCIM job).
    CapitalizedOp,
    /// The enterprise manager as a bare id string (both modes).
    BareManager,
    /// Group members written with `"$ref": null` (the default SCIM job).
    NullMemberRef,
    /// Members removed with a value list instead of one filtered path each (the default job).
    MemberRemoveList,
    /// Several attributes replaced in one op without a path (`aadOptscim062020`).
    PathlessReplace,
    /// A group created with Microsoft's ADSCIM group schema besides the core one (both modes).
    AdscimGroupSchema,
}

impl Shape {
    /// What the shape is, and what the other mode sends.
    pub fn explain(self) -> &'static str {
        match self {
            Shape::TextBoolean => {
                "a Boolean sent as \"True\"/\"False\" text, as Entra's default SCIM job sends it; with ?aadOptscim062020 on the tenant URL Entra sends true/false"
            }
            Shape::CapitalizedOp => {
                "op names written \"Add\"/\"Replace\", as Entra's default SCIM job writes them; with ?aadOptscim062020 Entra writes them in lower case"
            }
            Shape::BareManager => {
                "the manager sent as a bare id string, as Entra sends it in both modes; SCIM's enterprise schema defines {\"value\": id}, and no mode changes it"
            }
            Shape::NullMemberRef => {
                "members written with \"$ref\": null, as Entra's default SCIM job writes them; with ?aadOptscim062020 Entra leaves $ref out"
            }
            Shape::MemberRemoveList => {
                "members removed with a value list, as Entra's default SCIM job removes them; with ?aadOptscim062020 Entra sends one remove with a members[value eq \"id\"] path each"
            }
            Shape::PathlessReplace => {
                "several attributes replaced in one op without a path, as Entra does with ?aadOptscim062020; without the flag Entra sends one op per attribute"
            }
            Shape::AdscimGroupSchema => {
                "a group created with Microsoft's ADSCIM group schema (http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group) besides the core Group schema, as Entra creates groups in both modes; no mode changes it"
            }
        }
    }

    /// The shape's name, as the JSON report writes it.
    pub fn name(self) -> &'static str {
        match self {
            Shape::TextBoolean => "text-boolean",
            Shape::CapitalizedOp => "capitalized-op",
            Shape::BareManager => "bare-manager",
            Shape::NullMemberRef => "null-member-ref",
            Shape::MemberRemoveList => "member-remove-list",
            Shape::PathlessReplace => "pathless-replace",
            Shape::AdscimGroupSchema => "adscim-group-schema",
        }
    }
}

/// The shapes `request` carries in `mode`, in a fixed order.
pub fn shapes(request: &Request, mode: PatchMode) -> Vec<Shape> {
    let mut found = Vec::new();
    let ops = match &request.body {
        Some(Body::Patch(ops)) => ops,
        Some(Body::Resource(text)) => {
            if text.as_str().contains(crate::scim::AD_GROUP_SCHEMA) {
                found.push(Shape::AdscimGroupSchema);
            }
            return found;
        }
        None => return found,
    };
    let legacy = mode != PatchMode::AadOptScim062020;
    for op in ops {
        if legacy && op.op.starts_with(|c: char| c.is_ascii_uppercase()) {
            found.push(Shape::CapitalizedOp);
        }
        match (&op.path, &op.value) {
            (_, Some(OpValue::Json(Json::String(s))))
                if legacy && (s == "True" || s == "False") =>
            {
                found.push(Shape::TextBoolean);
            }
            (_, Some(OpValue::Id(_))) => found.push(Shape::BareManager),
            (Some(OpPath::Attribute(_)), Some(OpValue::Members { null_ref, .. })) => {
                if *null_ref {
                    found.push(Shape::NullMemberRef);
                }
                if op.op == "Remove" {
                    found.push(Shape::MemberRemoveList);
                }
            }
            (None, Some(OpValue::Json(Json::Object(_)))) => found.push(Shape::PathlessReplace),
            _ => {}
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::{Method, ObjectRef, Op, ResourceKind};
    use std::borrow::Cow;

    #[test]
    fn names_the_shapes_of_a_legacy_disable_and_a_manager_link() {
        let ops = vec![
            Op {
                op: "Replace",
                path: Some(OpPath::Attribute(Cow::Borrowed("active"))),
                value: Some(OpValue::Json(Json::String("False".into()))),
            },
            Op {
                op: "Add",
                path: Some(OpPath::Manager),
                value: Some(OpValue::Id(ObjectRef::Id("7".into()))),
            },
        ];
        let request = Request::new(
            Method::Patch,
            ResourceKind::User,
            Some(ObjectRef::Id("1".into())),
            Some(Body::Patch(ops)),
        );
        assert_eq!(
            shapes(&request, PatchMode::LegacyScim),
            vec![Shape::TextBoolean, Shape::CapitalizedOp, Shape::BareManager]
        );
    }
}
