//! Applying a planned record in input order: ids for created objects, manager and member
//! links resolved against the run's state, and the requests in the order Entra sends them.

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;

use super::{
    Applied, AttributeChange, CompiledObject, Decision, Engine, Outcome, Plan, RecordError,
    RunState, TargetId, warning,
};
use crate::options::PatchMode;
use crate::scim::patch::{self, Change};
use crate::scim::{Body, Request, ResourceKind, get_path, write_envelope};

/// Each change with the value the target held before it (`map --explain`).
fn explain_changes(changes: &[Change], resource: Option<&Json>) -> Vec<AttributeChange> {
    changes
        .iter()
        .map(|change| match change {
            Change::Attribute { path, value, .. } => AttributeChange {
                path: path.to_string(),
                old: resource.and_then(|r| get_path(r, path)).cloned(),
                new: value.clone(),
            },
            Change::Manager(id) => AttributeChange {
                path: "manager".into(),
                old: resource
                    .and_then(|r| r.get(crate::scim::ENTERPRISE_SCHEMA))
                    .and_then(|e| e.get("manager"))
                    .and_then(|m| m.get("value"))
                    .cloned(),
                new: Json::String(id.clone()),
            },
            Change::AddMembers(ids) => AttributeChange {
                path: "members (add)".into(),
                old: None,
                new: ids.iter().cloned().map(Json::String).collect(),
            },
            Change::RemoveMembers(ids) => AttributeChange {
                path: "members (remove)".into(),
                old: None,
                new: ids.iter().cloned().map(Json::String).collect(),
            },
        })
        .collect()
}

/// Write `requests` as JSON lines and empty the list.
fn write_requests(out: &mut Vec<u8>, requests: &mut Vec<Request>) {
    for request in requests.drain(..) {
        // Only a body that is not JSON can fail, and bodies are built as JSON.
        let _ = request.write_json(out);
        out.push(b'\n');
    }
}

/// Where a run's serial stage puts a record's requests after its head: bytes, and the manager
/// link of a create, which is left for the writer thread to write (docs/architecture.md#a-map-run).
pub(super) struct RunSink<'a> {
    pub(super) bytes: &'a mut Vec<u8>,
    pub(super) links: &'a mut Vec<ManagerLink>,
}

/// A create's manager link, decided on the serial stage (the created id, the manager's target
/// id) and written later, off it: `PATCH /Users/{created}` setting the manager.
#[derive(Debug)]
pub(super) struct ManagerLink {
    kind: ResourceKind,
    created: TargetId,
    manager: String,
}

impl ManagerLink {
    /// The PATCH request as a JSON line, as [`patch::write_request`] writes it.
    pub(super) fn write(&self, out: &mut Vec<u8>, id_prefix: &str, mode: PatchMode) {
        let id = self.created.render(id_prefix);
        patch::write_manager_link(out, self.kind.endpoint(), &id, &self.manager, mode);
    }
}

impl Engine {
    /// Write the requests of `plan` that need none of the run's state — the matching GETs, and
    /// a create's POST — as JSON lines into its head, so the serial stage of a run only copies
    /// them (docs/architecture.md#a-map-run); it is sent before what [`Engine::apply`] adds.
    pub(crate) fn render_head(&self, plan: &mut Plan) -> serde_json::Result<()> {
        // Room for it all at once: envelopes and escapes are about 64 bytes a request.
        let body = match &plan.decision {
            Decision::Create(Some(body)) => body.len(),
            _ => 0,
        };
        let queries: usize = plan.queries.iter().map(|q| q.path.len() + 64).sum();
        plan.head.reserve(body + queries + 64);
        // Taken, not drained: the list is freed here, on the parallel stage.
        for query in std::mem::take(&mut plan.queries) {
            query.write_json(&mut plan.head)?;
            plan.head.push(b'\n');
        }
        if let Decision::Create(body) = &mut plan.decision
            && let Some(body) = body.take()
        {
            let path = [plan.kind.endpoint()];
            write_envelope(&mut plan.head, "POST", &path, |out| {
                out.extend_from_slice(&body);
            });
            plan.head.push(b'\n');
        }
        Ok(())
    }

    /// Read ahead the run-state slots that applying `plan` will look up (its object and its
    /// references): a run calls this for a whole block first (docs/architecture.md#a-map-run).
    /// The value means nothing; pass it to `std::hint::black_box`.
    pub(crate) fn touch(&self, plan: &Plan, state: &RunState) -> u64 {
        let own = plan.object_id.as_ref().map_or(0, |o| state.ids.touch(o));
        plan.references
            .iter()
            .flatten()
            .flatten()
            .fold(own, |sum, r| sum ^ state.ids.touch(&r.object_id))
    }

    /// Give ids, link references, and write the record's requests in Entra's order.
    pub fn apply(&self, mut plan: Plan, state: &mut RunState) -> Result<Applied, RecordError> {
        self.apply_in_place(&mut plan, state, None)
    }

    /// [`Engine::apply`], leaving what it does not hand on in `plan`, to be freed elsewhere (a
    /// run's serial stage frees nothing it did not allocate). With `out`, the requests after the
    /// plan's head are written there as JSON lines instead of returned, a create's links without
    /// building a `Request` (its manager link, the last of its requests, handed on as a
    /// [`ManagerLink`]); `Applied::head` says whether the head is sent before them
    /// (docs/architecture.md#a-map-run).
    pub(super) fn apply_in_place(
        &self,
        plan: &mut Plan,
        state: &mut RunState,
        mut out: Option<RunSink<'_>>,
    ) -> Result<Applied, RecordError> {
        let kind = plan.kind;
        let Some(object) = self.object(kind) else {
            return Err(RecordError::new(
                kind,
                plan.line,
                format!("the mapping set has no {kind} mapping"),
            ));
        };
        let collection = kind.endpoint();
        let mut warnings = std::mem::take(&mut plan.warnings);
        // A source object listed twice in one input is provisioned once: the first time.
        if let Some(oid) = &plan.object_id
            && let Some(first) = state.ids.first_seen(kind, oid, plan.line)
        {
            warnings.push(warning(
                "duplicate-object",
                format!(
                    "{oid} is the same source object as line {first}, which is provisioned; line {} is skipped",
                    plan.line
                ),
            ));
            return Ok(Applied {
                requests: Vec::new(),
                head: false,
                outcome: Outcome::Skipped(format!("the same object as line {first}")),
                warnings,
                out_of_scope: plan.out_of_scope.take(),
                changed: Vec::new(),
            });
        }
        let mut requests = std::mem::take(&mut plan.queries);
        let decision = std::mem::replace(&mut plan.decision, Decision::Pending);
        let patch = |id: &str, changes: Vec<Change>| {
            patch::message(changes, self.options.scim.patch_mode).map(|body| Request {
                method: "PATCH",
                path: [collection, "/", id].concat(),
                body: Some(body),
            })
        };
        let mut changed = Vec::new();
        let outcome = match decision {
            Decision::Skip(reason) => Outcome::Skipped(reason),
            Decision::Pending => Outcome::Skipped("not planned".into()),
            Decision::Delete { id } => {
                if let Some(oid) = &plan.object_id {
                    state.ids.insert(kind, oid, TargetId::Deleted);
                }
                requests.push(Request {
                    method: "DELETE",
                    path: [collection, "/", &id].concat(),
                    body: None,
                });
                Outcome::Deleted
            }
            Decision::Disable {
                target,
                id,
                changes,
                ops,
            } => {
                if let Some(oid) = &plan.object_id {
                    state
                        .ids
                        .insert(kind, oid, TargetId::Known(id.as_str().into()));
                }
                if self.explain {
                    let resource = target.as_ref().and_then(|t| t.resource.as_deref());
                    changed = explain_changes(&changes, resource);
                }
                match out.as_mut() {
                    Some(sink) => {
                        write_requests(sink.bytes, &mut requests);
                        let mode = self.options.scim.patch_mode;
                        patch::write_update(sink.bytes, collection, &id, &ops, &[], mode);
                    }
                    None => requests.extend(patch(&id, changes)),
                }
                Outcome::Disabled
            }
            Decision::Create(body) => {
                let created = state.ids.create(kind, plan.object_id.as_ref(), plan.line);
                if let Some(body) = body {
                    requests.push(Request {
                        method: "POST",
                        path: collection.to_string(),
                        // Written only from text: always UTF-8 (and never dropped if not).
                        body: Some(Body::Text(String::from_utf8(body).unwrap_or_else(|e| {
                            String::from_utf8_lossy(e.as_bytes()).into_owned()
                        }))),
                    });
                }
                let mut links = std::mem::take(&mut state.links);
                self.reference_changes(object, plan, None, state, &mut warnings, &mut links);
                let prefix = &self.options.scim.id_prefix;
                match out.as_mut() {
                    // On a run, links are written in place (nearly every user has one), and a
                    // lone manager link by the writer thread.
                    Some(sink) => {
                        write_requests(sink.bytes, &mut requests);
                        if let [Change::Manager(manager)] = links.as_mut_slice() {
                            sink.links.push(ManagerLink {
                                kind,
                                created,
                                manager: std::mem::take(manager),
                            });
                            links.clear();
                        } else if !links.is_empty() {
                            patch::write_request(
                                sink.bytes,
                                collection,
                                &created.render(prefix),
                                &mut links,
                                self.options.scim.patch_mode,
                            );
                        }
                    }
                    None => {
                        requests.extend(patch(&created.render(prefix), std::mem::take(&mut links)))
                    }
                }
                state.links = links;
                Outcome::Created
            }
            Decision::Update {
                target,
                id,
                mut changes,
                ops,
            } => {
                if let Some(oid) = &plan.object_id {
                    state
                        .ids
                        .insert(kind, oid, TargetId::Known(id.as_str().into()));
                }
                let references = target.as_ref().map(|t| t.references.as_slice());
                self.reference_changes(
                    object,
                    plan,
                    references,
                    state,
                    &mut warnings,
                    &mut changes,
                );
                if self.explain {
                    let resource = target.as_ref().and_then(|t| t.resource.as_deref());
                    changed = explain_changes(&changes, resource);
                }
                let sent = match out.as_mut() {
                    // On a run, only the links are written here: the attribute operations
                    // were written while planning.
                    Some(sink) => {
                        write_requests(sink.bytes, &mut requests);
                        let mode = self.options.scim.patch_mode;
                        patch::write_update(sink.bytes, collection, &id, &ops, &changes, mode)
                    }
                    None => patch(&id, changes).map(|r| requests.push(r)).is_some(),
                };
                if sent {
                    Outcome::Updated
                } else {
                    Outcome::Skipped("no changes".into())
                }
            }
        };
        if let Some(sink) = out {
            write_requests(sink.bytes, &mut requests);
        }
        Ok(Applied {
            requests,
            head: !plan.head.is_empty(),
            outcome,
            warnings,
            out_of_scope: plan.out_of_scope.take(),
            changed,
        })
    }

    /// Manager and member links, resolved to target ids, added to `changes`; unresolved ones
    /// are reported. `current`: the matched object's reference values by mapping, when it is
    /// in `--current`.
    pub(super) fn reference_changes(
        &self,
        object: &CompiledObject,
        plan: &Plan,
        current: Option<&[Vec<String>]>,
        state: &RunState,
        warnings: &mut Vec<Diagnostic>,
        changes: &mut Vec<Change>,
    ) {
        for (i, (m, refs)) in object.mappings.iter().zip(&plan.references).enumerate() {
            let Some(refs) = refs else { continue };
            // A single-valued reference (a manager, nearly always) keeps its first id without
            // a list: this runs for nearly every user on the serial stage.
            let mut ids = Vec::new();
            let mut first = None;
            for r in refs {
                match r.target_id.clone().or_else(|| state.ids.get(&r.object_id).map(|t| t.render(&self.options.scim.id_prefix))).or_else(|| state.current.target_id(r.object_id.as_str())) {
                    Some(id) if m.def.multivalued => ids.push(id),
                    Some(id) => {
                        first.get_or_insert(id);
                    }
                    None => warnings.push(warning("unresolved-reference", format!("{}: {} is not provisioned in the target; the reference is left out until a later cycle", m.def.target, r.object_id))),
                }
            }
            let had: &[String] = current.and_then(|c| c.get(i)).map_or(&[], Vec::as_slice);
            if m.def.multivalued {
                let added: Vec<String> =
                    ids.iter().filter(|id| !had.contains(id)).cloned().collect();
                let removed: Vec<String> = if current.is_some() {
                    had.iter().filter(|c| !ids.contains(c)).cloned().collect()
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
                && !had.contains(&id)
            {
                changes.push(Change::Manager(id));
            }
        }
    }
}
