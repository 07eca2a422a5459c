//! Matching and the decision for one record (docs/mapping.md#decisions, #matching-queries, #updates): which GETs Entra sends, whether
//! the record creates, updates, disables, deletes or skips, the create body, update diffs.

use serde_json::Value as Json;

use super::target::TargetStore;
use super::{
    CompiledMapping, CompiledObject, Computed, Decision, Engine, Facts, MatchedTarget, Patch,
};
use crate::diagnostic::Code;
use crate::mapping::{Action, Apply, Flow, TargetType};
use crate::scim::patch::{self, Change, OpKind};
use crate::scim::{Body, Method, ObjectRef, Out, Query, Request, ResourceKind, get_path};

impl Engine {
    /// Matching (docs/mapping.md#matching-queries) and the decision: create, update, disable,
    /// delete or skip. Gives the matching GETs (with room for the requests applying adds) and
    /// the decision.
    pub(super) fn decide(
        &self,
        plan: &mut Facts,
        values: &[Computed<'_>],
        current: &TargetStore,
    ) -> Result<(Vec<Request>, Decision), (Code, String)> {
        let kind = plan.kind;
        let Some(object) = self.object(kind) else {
            return Err((
                Code::NoObjectMapping,
                "the mapping set has no mapping for this object type".into(),
            ));
        };
        if !object.def.enabled {
            let skip = Decision::Skip("the object mapping is disabled".into());
            return Ok((Vec::new(), skip));
        }
        if plan.undetermined {
            plan.warnings.push(super::warning(
                Code::ScopeUndetermined,
                "the scoping filter cannot decide (an `&`/`!&` clause, or a multi-valued attribute); nothing is sent — `entramap scope` shows the clause".into(),
            ));
            let skip = Decision::Skip("the scoping filter is undetermined".into());
            return Ok((Vec::new(), skip));
        }
        // The GETs, then a create's POST and its links' PATCH: one allocation.
        let mut queries = Vec::with_capacity(object.matching.len() + 2);
        let mut target: Option<usize> = None;
        for (i, attribute) in &object.matching {
            let (Some(m), Some(computed)) = (object.mappings.get(*i), values.get(*i)) else {
                continue;
            };
            let value = match computed {
                Computed::Text(t) => t.to_string(),
                Computed::Json(Json::String(s)) => s.clone(),
                Computed::Json(other) => other.to_string(),
                Computed::Null | Computed::Drop | Computed::Failed(_) => continue,
            };
            let found = current.find_index(kind, &m.path, &value);
            // `/Users?filter=userName eq "value"` (docs/mapping.md#matching-queries).
            let query = Query {
                exclude_members: kind == ResourceKind::Group,
                attribute: attribute.clone(),
                value,
            };
            queries.push(Request::get(kind, query));
            if let Some(found) = found {
                target = Some(found);
                break;
            }
        }
        if queries.is_empty() {
            return Err((
                Code::NoMatchingValue,
                "every matching attribute is empty, so the object cannot be matched or created"
                    .into(),
            ));
        }
        let can = |a: Action| object.def.actions.contains(&a);
        // The target object: its link from an earlier cycle, else the one the matching
        // attributes found, else — an approximation of the link Entra would hold — the one
        // whose externalId is what this mapping sends as externalId (docs/mapping.md#cycles).
        let oid = plan.object_id.as_ref().map(super::ObjectId::as_str);
        let request = |method, id: &str| {
            Request::new(method, kind, Some(ObjectRef::Id(id.to_string())), None)
        };
        let link = oid.and_then(|o| current.link(kind, o));
        // A stale link: its target is not in --current, but the matching attributes find the
        // object there under another id. The object found is the one to follow (and the link
        // --state-out writes is corrected).
        let stale = match (&link, target) {
            (Some(link), Some(found)) if link.index.is_none() => current
                .id(kind, found)
                .filter(|id| *id != link.id)
                .map(|id| (link.id.clone(), id.to_string())),
            _ => None,
        };
        let (index, id) = if let Some((linked, found)) = stale {
            plan.warnings.push(super::warning(
                Code::StaleLink,
                format!("the link from an earlier cycle names {linked}, which the target does not hold; the matching attributes find {found}, which is followed (and linked in --state-out)"),
            ));
            (target, Some(found))
        } else if let Some(link) = link {
            (link.index, Some(link.id))
        } else if let Some(found) = target {
            let Some(id) = current.id(kind, found) else {
                return Err((
                    Code::TargetWithoutId,
                    "the matched target object has no \"id\"".into(),
                ));
            };
            (Some(found), Some(id.to_string()))
        } else if let Some(anchor) =
            external_id(object, values).and_then(|external_id| current.anchor(kind, external_id))
        {
            plan.warnings.push(super::warning(
                Code::LinkedByExternalId,
                format!("linked by externalId to {}: Entra holds this link from an earlier cycle; without it Entra would create a second object (give --state to follow the links --state-out wrote)", anchor.id),
            ));
            (anchor.index, Some(anchor.id))
        } else {
            (None, None)
        };
        // `None` while the target object is known only by its link (not in --current). Read
        // once, here on the parallel stage, where applying's part of it is taken.
        let resource = index.and_then(|i| current.get(kind, i));
        let mode = self.options.scim.patch_mode;
        let target = |resource: Option<Json>| {
            resource.map(|r| MatchedTarget {
                references: current_references(object, &r),
                resource: self.explain.then(|| Box::new(r)),
            })
        };
        let id_known = id.is_some();
        let disabled = plan.soft_deleted || !plan.in_scope;
        let decision = match id {
            Some(id) if plan.delete => {
                if can(Action::Delete) {
                    Decision::Delete(request(Method::Delete, &id))
                } else {
                    Decision::Skip(
                        "deleted in Entra, but Delete is not a target object action".into(),
                    )
                }
            }
            None if plan.delete => Decision::Skip("deleted in Entra and not in the target".into()),
            Some(id) if plan.soft_deleted || !plan.in_scope => {
                let changes =
                    self.diff(object, values, resource.as_ref(), |m| m.reads_soft_deleted);
                if !can(Action::Delete) {
                    Decision::Skip(
                        "disabled in Entra, but Delete is not a target object action".into(),
                    )
                } else if changes.is_empty() {
                    Decision::Skip("already disabled in the target".into())
                } else {
                    Decision::Disable(Patch {
                        ops: patch::attribute_ops(&changes, mode),
                        target: target(resource),
                        id,
                        changes,
                    })
                }
            }
            None if !plan.in_scope => Decision::Skip("out of scope and not in the target".into()),
            None if plan.soft_deleted => {
                Decision::Skip("disabled or soft-deleted in Entra and not in the target".into())
            }
            None if !can(Action::Add) => {
                Decision::Skip("not in the target, and Add is not a target object action".into())
            }
            None => Decision::Create(Request::new(
                Method::Post,
                kind,
                None,
                Some(
                    self.create_body(object, values)
                        .map_err(|reason| (Code::InternalError, reason))?,
                ),
            )),
            Some(_) if !can(Action::Update) => {
                Decision::Skip("Update is not a target object action".into())
            }
            Some(id) => {
                let changes = self.diff(object, values, resource.as_ref(), |m| {
                    m.def.apply == Apply::Always
                });
                Decision::Update(Patch {
                    ops: patch::attribute_ops(&changes, mode),
                    target: target(resource),
                    id,
                    changes,
                })
            }
        };
        if self.expect {
            plan.expected = self.expected(object, values, &decision, id_known, disabled);
        }
        Ok((queries, decision))
    }

    /// What the target object should hold after the cycle (`--expect-out`), references
    /// aside: the attributes the decision sends to it, laid out as a create body. `None` when
    /// the target does not hold the object after it.
    fn expected(
        &self,
        object: &CompiledObject,
        values: &[Computed<'_>],
        decision: &Decision,
        exists: bool,
        disabled: bool,
    ) -> Option<Json> {
        // A disable sends only what reads IsSoftDeleted; the object is still named by its
        // externalId and matching attributes, which the disable leaves as they were.
        let names = |i: usize| {
            object.external_id == Some(i) || object.matching.iter().any(|(m, _)| *m == i)
        };
        let keep = |(i, m): (usize, &CompiledMapping)| match decision {
            Decision::Create(_) => true,
            Decision::Disable(_) => m.reads_soft_deleted || names(i),
            Decision::Update(_) | Decision::Skip(_) if disabled => m.reads_soft_deleted || names(i),
            Decision::Update(_) | Decision::Skip(_) => m.def.apply == Apply::Always,
            Decision::Delete(_) => false,
        };
        match decision {
            Decision::Delete(_) => return None,
            Decision::Skip(_) if !exists => return None,
            _ => {}
        }
        let kept: Vec<Computed<'_>> = object
            .mappings
            .iter()
            .enumerate()
            .zip(values)
            .map(|(m, v)| if keep(m) { v.clone() } else { Computed::Drop })
            .collect();
        match self.create_body(object, &kept).ok()? {
            Body::Resource(text) => Some(text.to_json()),
            Body::Patch(_) => None,
        }
    }

    /// The create body (docs/mapping.md#create-bodies), written as JSON text once, on the
    /// parallel stage of a run.
    pub(super) fn create_body(
        &self,
        object: &CompiledObject,
        values: &[Computed<'_>],
    ) -> Result<Body, String> {
        let outs: Vec<Option<Out<'_>>> = object
            .mappings
            .iter()
            .zip(values)
            .map(|(m, computed)| match computed {
                Computed::Null => m.default.as_ref().map(Out::Json),
                other => other.out(),
            })
            .collect();
        object
            .layout
            .write(&outs)
            .map(Body::Resource)
            .map_err(|e| format!("the create body cannot be written: {e}"))
    }

    /// Changes for an existing object (docs/mapping.md#updates): mappings selected by `include`; Null and
    /// Drop never clear; FlowWhenChanged skips equal values. With `target` unknown (linked
    /// from an earlier cycle, not in --current) every value is sent as a Replace.
    pub(super) fn diff(
        &self,
        object: &CompiledObject,
        values: &[Computed<'_>],
        target: Option<&Json>,
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
            let current = target.and_then(|t| get_path(t, &m.path));
            if m.def.flow == Flow::WhenChanged
                && current.is_some_and(|c| same(c, new, m.def.case_exact))
            {
                continue;
            }
            let kind = if current.is_some() || target.is_none() {
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

/// What the mapping sends as `externalId` for this record, when it sends text.
fn external_id<'v>(object: &CompiledObject, values: &'v [Computed<'_>]) -> Option<&'v str> {
    match values.get(object.external_id?)? {
        Computed::Text(t) => Some(t),
        Computed::Json(Json::String(s)) => Some(s),
        _ => None,
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

/// The target ids `resource` holds at each reference mapping's path (a manager's `value`,
/// members' `value`s); empty for the other mappings.
fn current_references(object: &CompiledObject, resource: &Json) -> Vec<Vec<String>> {
    object
        .mappings
        .iter()
        .map(|m| {
            if m.def.target_type != TargetType::Reference {
                return Vec::new();
            }
            match get_path(resource, &m.path) {
                Some(Json::Array(items)) => items
                    .iter()
                    .filter_map(|i| i.get("value").and_then(Json::as_str).or(i.as_str()))
                    .map(str::to_string)
                    .collect(),
                Some(Json::Object(o)) => o
                    .get("value")
                    .and_then(Json::as_str)
                    .map(str::to_string)
                    .into_iter()
                    .collect(),
                Some(Json::String(s)) => vec![s.clone()],
                _ => Vec::new(),
            }
        })
        .collect()
}
