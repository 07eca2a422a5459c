//! Applying a planned record in input order: ids for created objects, manager and member
//! links resolved against the run's state, and the requests in the order Entra sends them.

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;

use super::{
    Applied, AttributeChange, CompiledObject, Decision, Engine, Facts, Outcome, Patch, Plan,
    RecordError, RunState, TargetId, warning,
};
use crate::diagnostic::Code;
use crate::scim::patch::{self, Change};
use crate::scim::{Body, Method, ObjectRef, Request, Resolve, SimulatedIds, get_path};

impl Engine {
    /// Read ahead the run-state slots that applying `plan` will look up (its object and its
    /// references): a run calls this for a whole block first (docs/architecture.md#a-map-run).
    /// The value means nothing; pass it to `std::hint::black_box`.
    pub(crate) fn touch(&self, plan: &Plan, state: &RunState) -> u64 {
        let facts = &plan.facts;
        let own = facts.object_id.as_ref().map_or(0, |o| state.ids.touch(o));
        facts
            .references
            .iter()
            .flatten()
            .flatten()
            .fold(own, |sum, r| sum ^ state.ids.touch(&r.object_id))
    }

    /// Give ids, link references, and list the record's requests in Entra's order: its
    /// matching GETs, then its POST, PATCH or DELETE, then a created object's links.
    pub fn apply(&self, plan: Plan, state: &mut RunState) -> Result<Applied, RecordError> {
        let Plan {
            mut facts,
            queries: mut requests,
            decision,
        } = plan;
        let kind = facts.kind;
        let Some(object) = self.object(kind) else {
            return Err(RecordError::new(
                kind,
                facts.line,
                crate::diagnostic::Code::NoObjectMapping,
                format!("the mapping set has no {kind} mapping"),
            ));
        };
        let mut warnings = std::mem::take(&mut facts.warnings);
        // A source object listed twice in one input is provisioned once: the first time.
        if let Some(oid) = &facts.object_id
            && let Some(first) = state.ids.first_seen(kind, oid, facts.line)
        {
            warnings.push(warning(
                Code::DuplicateObject,
                format!(
                    "{oid} is the same source object as line {first}, which is provisioned; line {} is skipped",
                    facts.line
                ),
            ));
            return Ok(Applied {
                requests: Vec::new(),
                outcome: Outcome::Skipped(format!("the same object as line {first}")),
                warnings,
                out_of_scope: facts.out_of_scope,
                changed: Vec::new(),
                created: None,
                expected: None,
            });
        }
        let mode = self.options.scim.patch_mode;
        let disabling = matches!(decision, Decision::Disable(_));
        let mut changed = Vec::new();
        let mut created_ref = None;
        let outcome = match decision {
            Decision::Skip(reason) => Outcome::Skipped(reason),
            Decision::Delete(delete) => {
                if let Some(oid) = &facts.object_id {
                    state.ids.insert(kind, oid, TargetId::Deleted);
                }
                requests.push(delete);
                Outcome::Deleted
            }
            Decision::Create(post) => {
                let created = state.ids.create(kind, facts.object_id.as_ref(), facts.line);
                created_ref = created.object();
                requests.push(post);
                let mut links = std::mem::take(&mut state.links);
                self.reference_changes(object, &facts, None, state, &mut warnings, &mut links);
                if let Some(body) = patch::message(&links, mode) {
                    requests.push(Request::new(
                        Method::Patch,
                        kind,
                        created_ref.clone(),
                        Some(body),
                    ));
                }
                links.clear();
                state.links = links;
                Outcome::Created
            }
            Decision::Update(patch) | Decision::Disable(patch) => {
                let Patch {
                    target,
                    id,
                    mut changes,
                    mut ops,
                } = patch;
                if let Some(oid) = &facts.object_id {
                    state
                        .ids
                        .insert(kind, oid, TargetId::Known(id.as_str().into()));
                }
                // A disable sends only what reads IsSoftDeleted (docs/mapping.md#disable): no
                // links. An update's attribute operations were built while planning; its
                // links follow them.
                if !disabling {
                    let references = target.as_ref().map(|t| t.references.as_slice());
                    let attributes = changes.len();
                    self.reference_changes(
                        object,
                        &facts,
                        references,
                        state,
                        &mut warnings,
                        &mut changes,
                    );
                    patch::link_ops(
                        changes.get(attributes..).unwrap_or_default(),
                        mode,
                        &mut ops,
                    );
                }
                if self.explain {
                    let resource = target.as_ref().and_then(|t| t.resource.as_deref());
                    changed = Engine::explain_changes(
                        state.simulated_ids(&self.options.scim.id_prefix),
                        &changes,
                        resource,
                    );
                }
                if ops.is_empty() {
                    Outcome::Skipped("no changes".into())
                } else {
                    requests.push(Request::new(
                        Method::Patch,
                        kind,
                        Some(ObjectRef::Id(id)),
                        Some(Body::Patch(ops)),
                    ));
                    if disabling {
                        Outcome::Disabled
                    } else {
                        Outcome::Updated
                    }
                }
            }
        };
        let expected = facts.expected.take().map(|attributes| super::Expected {
            attributes,
            references: if disabling {
                Vec::new()
            } else {
                self.expected_references(object, &facts, state)
            },
        });
        Ok(Applied {
            requests,
            outcome,
            warnings,
            out_of_scope: facts.out_of_scope,
            changed,
            created: created_ref,
            expected,
        })
    }

    /// Each change with the value the target held before it (`map --explain`).
    fn explain_changes(
        ids: &SimulatedIds,
        changes: &[Change],
        resource: Option<&Json>,
    ) -> Vec<AttributeChange> {
        let id = |r: &ObjectRef| Json::String(ids.id(r).into_owned());
        changes
            .iter()
            .map(|change| match change {
                Change::Attribute { path, value, .. } => AttributeChange {
                    path: path.to_string(),
                    old: resource.and_then(|r| get_path(r, path)).cloned(),
                    new: value.clone(),
                },
                Change::Manager(manager) => AttributeChange {
                    path: "manager".into(),
                    old: resource
                        .and_then(|r| r.get(crate::scim::ENTERPRISE_SCHEMA))
                        .and_then(|e| e.get("manager"))
                        .and_then(|m| m.get("value"))
                        .cloned(),
                    new: id(manager),
                },
                Change::AddMembers(members) => AttributeChange {
                    path: "members (add)".into(),
                    old: None,
                    new: members.iter().map(id).collect(),
                },
                Change::RemoveMembers(members) => AttributeChange {
                    path: "members (remove)".into(),
                    old: None,
                    new: members.iter().map(id).collect(),
                },
            })
            .collect()
    }

    /// Every reference of the record, resolved (what the target object should hold after the
    /// cycle): (target path, multi-valued, objects). Unresolved ones are left out, as the
    /// requests leave them out.
    fn expected_references(
        &self,
        object: &CompiledObject,
        facts: &Facts,
        state: &RunState,
    ) -> Vec<(String, bool, Vec<ObjectRef>)> {
        object
            .mappings
            .iter()
            .zip(&facts.references)
            .filter_map(|(m, refs)| {
                let objects: Vec<ObjectRef> = refs
                    .as_ref()?
                    .iter()
                    .filter_map(|r| resolve(r, state))
                    .collect();
                Some((m.def.target.clone(), m.def.multivalued, objects))
            })
            .collect()
    }

    /// Manager and member links, resolved to target objects, added to `changes`; unresolved
    /// ones are reported. `current`: the matched object's reference values by mapping, when
    /// it is in `--current`.
    fn reference_changes(
        &self,
        object: &CompiledObject,
        facts: &Facts,
        current: Option<&[Vec<String>]>,
        state: &RunState,
        warnings: &mut Vec<Diagnostic>,
        changes: &mut Vec<Change>,
    ) {
        for (i, (m, refs)) in object.mappings.iter().zip(&facts.references).enumerate() {
            let Some(refs) = refs else { continue };
            // A single-valued reference (a manager, nearly always) keeps its first target
            // without a list: this runs for nearly every user on the serial stage.
            let mut ids = Vec::new();
            let mut first = None;
            for r in refs {
                match resolve(r, state) {
                    Some(id) if m.def.multivalued => ids.push(id),
                    Some(id) => {
                        first.get_or_insert(id);
                    }
                    None => warnings.push(warning(Code::UnresolvedReference, format!("{}: {} is not provisioned in the target; the reference is left out until a later cycle", m.def.target, r.object_id))),
                }
            }
            let had: &[String] = current.and_then(|c| c.get(i)).map_or(&[], Vec::as_slice);
            // The target's values are ids; an object created in this run is in none of them
            // (its id is numbered after every id the target has).
            let held = |r: &ObjectRef| matches!(r, ObjectRef::Id(id) if had.contains(id));
            if m.def.multivalued {
                let added: Vec<ObjectRef> = ids.iter().filter(|id| !held(id)).cloned().collect();
                let removed: Vec<ObjectRef> = if current.is_some() {
                    had.iter()
                        .filter(|c| {
                            !ids.iter()
                                .any(|id| matches!(id, ObjectRef::Id(x) if x == *c))
                        })
                        .map(|c| ObjectRef::Id(c.clone()))
                        .collect()
                } else {
                    Vec::new()
                };
                if !added.is_empty() {
                    changes.push(Change::AddMembers(added));
                }
                if !removed.is_empty() {
                    changes.push(Change::RemoveMembers(removed));
                }
            } else if let Some(id) = first
                && !held(&id)
            {
                changes.push(Change::Manager(id));
            }
        }
    }
}

/// The target object a reference names: the id the input gives, else the object this run
/// created or matched for it, else its link or anchor from an earlier cycle.
fn resolve(r: &super::RefTarget, state: &RunState) -> Option<ObjectRef> {
    match &r.target_id {
        Some(id) => Some(ObjectRef::Id(id.clone())),
        None => state
            .ids
            .get(&r.object_id)
            .and_then(TargetId::object)
            .or_else(|| {
                state
                    .current
                    .target_id(r.object_id.as_str())
                    .map(ObjectRef::Id)
            }),
    }
}
