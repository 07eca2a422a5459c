//! Matching and the decision for one record (docs/mapping.md#decisions, #matching-queries, #updates): which GETs Entra sends, whether
//! the record creates, updates, disables, deletes or skips, the create body, update diffs.

use serde_json::Value as Json;

use super::target::TargetStore;
use super::{CompiledMapping, CompiledObject, Computed, Decision, Engine, Plan};
use crate::mapping::{Action, Apply, Flow, TargetType};
use crate::scim::patch::{Change, OpKind};
use crate::scim::{Body, Out, Request, get_path};

impl Engine {
    /// Matching (docs/mapping.md#matching-queries) and the decision: create, update, disable, delete or skip.
    pub(super) fn decide(
        &self,
        plan: &mut Plan,
        values: &[Computed<'_>],
        current: &TargetStore,
    ) -> Result<(), String> {
        let kind = plan.kind;
        let Some(object) = self.object(kind) else {
            return Err("the mapping set has no mapping for this object type".into());
        };
        if !object.def.enabled {
            plan.decision = Decision::Skip("the object mapping is disabled".into());
            return Ok(());
        }
        let mut target: Option<usize> = None;
        for (i, query) in &object.matching {
            let (Some(m), Some(computed)) = (object.mappings.get(*i), values.get(*i)) else {
                continue;
            };
            let value = match computed {
                Computed::Text(t) => t.to_string(),
                Computed::Json(Json::String(s)) => s.clone(),
                Computed::Json(other) => other.to_string(),
                Computed::Null | Computed::Drop => continue,
            };
            // `/Users?filter=userName eq "value"` (docs/mapping.md#matching-queries).
            let quoted = Json::String(value.clone()).to_string();
            let mut path = String::with_capacity(query.len() + quoted.len());
            path.push_str(query);
            path.push_str(&quoted);
            plan.queries.push(Request {
                method: "GET",
                path,
                body: None,
            });
            if let Some(found) = current.find_index(kind, &m.path, &value) {
                target = Some(found);
                break;
            }
        }
        if plan.queries.is_empty() {
            return Err(
                "every matching attribute is empty, so the object cannot be matched or created"
                    .into(),
            );
        }
        let can = |a: Action| object.def.actions.contains(&a);
        let resource = target.and_then(|t| current.get(kind, t));
        let id = resource
            .and_then(|t| t.get("id"))
            .and_then(Json::as_str)
            .map(str::to_string);
        plan.decision = match (resource, id, target) {
            (Some(_), None, _) => return Err("the matched target object has no \"id\"".into()),
            (Some(_), Some(id), _) if plan.delete => {
                if can(Action::Delete) {
                    Decision::Delete { id }
                } else {
                    Decision::Skip(
                        "deleted in Entra, but Delete is not a target object action".into(),
                    )
                }
            }
            (None, _, _) if plan.delete => {
                Decision::Skip("deleted in Entra and not in the target".into())
            }
            (Some(t), Some(id), _) if plan.soft_deleted || !plan.in_scope => {
                let changes = self.diff(object, values, t, |m| m.reads_soft_deleted);
                if !can(Action::Delete) {
                    Decision::Skip(
                        "disabled in Entra, but Delete is not a target object action".into(),
                    )
                } else if changes.is_empty() {
                    Decision::Skip("already disabled in the target".into())
                } else {
                    Decision::Disable { id, changes }
                }
            }
            (None, _, _) if !plan.in_scope => {
                Decision::Skip("out of scope and not in the target".into())
            }
            (None, _, _) if plan.soft_deleted => {
                Decision::Skip("disabled or soft-deleted in Entra and not in the target".into())
            }
            (None, _, _) if !can(Action::Add) => {
                Decision::Skip("not in the target, and Add is not a target object action".into())
            }
            (None, _, _) => Decision::Create(self.create_body(object, values)),
            (Some(_), Some(_), _) if !can(Action::Update) => {
                Decision::Skip("Update is not a target object action".into())
            }
            (Some(t), Some(id), Some(index)) => Decision::Update {
                target: index,
                id,
                changes: self.diff(object, values, t, |m| m.def.apply == Apply::Always),
            },
            (Some(_), Some(_), None) => Decision::Skip(String::new()),
        };
        Ok(())
    }

    /// The create body (docs/mapping.md#create-bodies), written once in the parallel phase so applying it is a copy.
    pub(super) fn create_body(&self, object: &CompiledObject, values: &[Computed<'_>]) -> Body {
        let outs: Vec<Option<Out<'_>>> = object
            .mappings
            .iter()
            .zip(values)
            .map(|(m, computed)| match computed {
                Computed::Null => m.default.as_ref().map(Out::Json),
                other => other.out(),
            })
            .collect();
        let mut out = Vec::with_capacity(512);
        object.layout.write(&outs, &mut out);
        Body::Text(String::from_utf8(out).unwrap_or_default())
    }

    /// Changes for an existing object (docs/mapping.md#updates): mappings selected by `include`; Null and
    /// Drop never clear; FlowWhenChanged skips equal values.
    pub(super) fn diff(
        &self,
        object: &CompiledObject,
        values: &[Computed<'_>],
        target: &Json,
        include: impl Fn(&CompiledMapping) -> bool,
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        for (m, computed) in object.mappings.iter().zip(values) {
            if !include(m) || m.def.target_type == TargetType::Reference {
                continue;
            }
            let Some(new) = computed.to_json() else {
                continue;
            };
            let new = &new;
            let current = get_path(target, &m.path);
            if m.def.flow == Flow::WhenChanged
                && current.is_some_and(|c| same(c, new, m.def.case_exact))
            {
                continue;
            }
            let kind = if current.is_some() {
                OpKind::Replace
            } else {
                OpKind::Add
            };
            changes.push(Change::Attribute {
                kind,
                path: m.path.clone(),
                value: new.clone(),
            });
        }
        changes
    }
}

/// Equal for FlowWhenChanged: text compared ignoring case unless caseExact.
fn same(current: &Json, new: &Json, case_exact: bool) -> bool {
    match (current, new) {
        (Json::String(a), Json::String(b)) if !case_exact => a.to_lowercase() == b.to_lowercase(),
        (Json::String(a), Json::Bool(b)) => crate::eval::value::parse_bool(a) == Some(*b),
        (a, b) => a == b,
    }
}
