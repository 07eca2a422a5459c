//! From source records and a mapping set to the SCIM requests Entra would send (SPEC §4–5).
//!
//! Each record goes through two steps. [`Engine::plan`] evaluates every mapping (pure, so
//! records can be planned in parallel); [`Engine::apply`] then decides, against the run's
//! state (ids given so far, the target's current objects), whether the record creates,
//! updates, disables or skips, and writes the requests in the order Entra sends them.

pub mod run;
pub mod target;

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::country::{self, Resolution};
use crate::diagnostic::render_all;
use crate::eval::value::Value;
use crate::eval::{Env, Expression};
use crate::mapping::{
    Action, Apply, AttributeMapping, Flow, MappingSet, ObjectMapping, ScopeClause, TargetType,
};
use crate::options::{CountryResolution, Options};
use crate::scim::patch::{self, Change, OpKind};
use crate::scim::path::TargetPath;
use crate::scim::{Body, CreateLayout, Out, Request, ResourceKind, get_path};
use crate::source::{Lookup, SlotRecord, SlotSource, Source};
use target::TargetStore;

/// A compiled mapping set, ready for any number of records. `Send + Sync`.
#[derive(Debug)]
pub struct Engine {
    options: Options,
    users: Option<CompiledObject>,
    groups: Option<CompiledObject>,
    /// Every source attribute the engine reads, by slot; records keep only these.
    table: crate::compile::AttributeTable,
}

#[derive(Debug)]
struct CompiledObject {
    def: ObjectMapping,
    mappings: Vec<CompiledMapping>,
    /// Where each mapping's value goes in a create body.
    layout: CreateLayout,
}

#[derive(Debug)]
struct CompiledMapping {
    def: AttributeMapping,
    path: TargetPath,
    /// `None` for mapping type None (default value only).
    expr: Option<Expression>,
    /// Reads [IsSoftDeleted]: sent when the object is disabled (SPEC §4.5).
    reads_soft_deleted: bool,
    /// The default value converted for the target type (sent on create when the value is Null).
    default: Option<Json>,
}

/// What a mapping produced for one record. Text borrows from the record where it can, so
/// the usual direct mapping copies nothing until the body is written.
#[derive(Debug, Clone, PartialEq)]
enum Computed<'a> {
    Text(std::borrow::Cow<'a, str>),
    Json(Json),
    Null,
    Drop,
}

impl Computed<'_> {
    /// The value as JSON (for update diffs and PATCH values).
    fn to_json(&self) -> Option<Json> {
        match self {
            Computed::Text(t) => Some(Json::String(t.to_string())),
            Computed::Json(j) => Some(j.clone()),
            Computed::Null | Computed::Drop => None,
        }
    }

    /// The value as written into a create body.
    fn out(&self) -> Option<Out<'_>> {
        match self {
            Computed::Text(t) => Some(Out::Text(t)),
            Computed::Json(j) => Some(Out::Json(j)),
            Computed::Null | Computed::Drop => None,
        }
    }
}

/// A referenced object: its Entra objectId and, if the input knows it, its target id.
#[derive(Debug, Clone, PartialEq)]
struct RefTarget {
    object_id: String,
    target_id: Option<String>,
}

/// Everything evaluation found for one record; applying it needs no evaluation.
#[derive(Debug, Clone)]
pub struct Plan {
    line: usize,
    group: bool,
    object_id: Option<String>,
    in_scope: bool,
    soft_deleted: bool,
    delete: bool,
    references: Vec<Option<Vec<RefTarget>>>,
    warnings: Vec<String>,
    /// The matching GETs Entra sends, up to the one that matched.
    queries: Vec<Request>,
    decision: Decision,
}

/// What the record does, decided without the run's state (the target store is read-only
/// during a run); only ids and reference links are left for [`Engine::apply`].
#[derive(Debug, Clone)]
enum Decision {
    /// Not decided yet (while planning).
    Pending,
    /// POST this body (built and serialised in the parallel phase).
    Create(Body),
    /// PATCH these attribute changes (plus reference links) to the matched object.
    Update {
        target: usize,
        id: String,
        changes: Vec<Change>,
    },
    /// PATCH `active` off.
    Disable { id: String, changes: Vec<Change> },
    /// DELETE the object.
    Delete { id: String },
    /// Nothing to send.
    Skip(String),
}

/// How one record ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "outcome", content = "reason")]
pub enum Outcome {
    /// POST sent.
    Created,
    /// PATCH with changes sent.
    Updated,
    /// Deprovisioned: `active` set false.
    Disabled,
    /// DELETE sent.
    Deleted,
    /// Nothing to send, and why.
    Skipped(String),
}

/// The requests for one record, and how it ended.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Requests in the order Entra sends them.
    pub requests: Vec<Request>,
    /// The outcome.
    pub outcome: Outcome,
    /// Warnings (unresolved references, country values, ...).
    pub warnings: Vec<String>,
}

/// A record that failed: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind} line {line}: {reason}")]
pub struct RecordError {
    /// `users` or `groups`.
    pub kind: &'static str,
    /// Line (or element) number in its input.
    pub line: usize,
    /// What went wrong.
    pub reason: String,
}

/// State carried from record to record in one run.
#[derive(Debug, Default)]
pub struct RunState {
    /// Entra objectId → id in the target (created or matched in this run, or known before).
    ids: IdMap,
    next_user: u32,
    next_group: u32,
    current: std::sync::Arc<TargetStore>,
}

impl RunState {
    /// Make room for about `records` created objects (avoids growing the id map mid-run).
    pub fn reserve(&mut self, records: usize) {
        self.ids.reserve(records);
    }

    /// A run against the target's current objects (empty: nothing provisioned yet).
    pub fn new(current: TargetStore) -> RunState {
        RunState {
            current: std::sync::Arc::new(current),
            ..RunState::default()
        }
    }
}

/// The target id of an object, kept small: a run over a million users remembers every id it
/// gave, so managers and members can be linked to users created earlier in the run.
#[derive(Debug, Clone)]
enum TargetId {
    /// `{prefix}user-{n:04}`, given by this run.
    User(u32),
    /// `{prefix}group-{n:04}`, given by this run.
    Group(u32),
    /// An id the target already had.
    Known(Box<str>),
}

impl TargetId {
    fn render(&self, prefix: &str) -> String {
        match self {
            TargetId::User(n) => format!("{prefix}user-{n:04}"),
            TargetId::Group(n) => format!("{prefix}group-{n:04}"),
            TargetId::Known(id) => id.to_string(),
        }
    }
}

/// Entra objectId → target id. Ids this run gave to objects with GUID objectIds (nearly all)
/// are kept in 20 bytes an entry, so a run over a million users stays small.
#[derive(Debug, Default)]
struct IdMap {
    created: HashMap<[u8; 16], u32, GuidHash>,
    others: HashMap<Box<str>, TargetId>,
}

/// GUIDs are random already: their first eight bytes are a good hash.
#[derive(Debug, Default, Clone, Copy)]
struct GuidHash;

impl std::hash::BuildHasher for GuidHash {
    type Hasher = GuidHasher;
    fn build_hasher(&self) -> GuidHasher {
        GuidHasher(0)
    }
}

#[derive(Debug)]
struct GuidHasher(u64);

impl std::hash::Hasher for GuidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            for (slot, byte) in b.iter_mut().zip(chunk) {
                *slot = *byte;
            }
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }
}

/// Top bit of a packed created id: a group.
const GROUP_BIT: u32 = 1 << 31;

impl IdMap {
    fn guid(id: &str) -> Option<[u8; 16]> {
        let b = id.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
            return None;
        }
        let hex: String = id.chars().filter(|c| *c != '-').collect();
        u128::from_str_radix(&hex, 16).ok().map(u128::to_be_bytes)
    }

    fn reserve(&mut self, additional: usize) {
        self.created.reserve(additional);
    }

    fn insert(&mut self, object_id: &str, target: TargetId) {
        let packed = match &target {
            TargetId::User(n) if *n < GROUP_BIT => Some(*n),
            TargetId::Group(n) if *n < GROUP_BIT => Some(*n | GROUP_BIT),
            _ => None,
        };
        match (IdMap::guid(object_id), packed) {
            (Some(g), Some(p)) => {
                self.created.insert(g, p);
            }
            _ => {
                self.others.insert(object_id.into(), target);
            }
        }
    }

    fn get(&self, object_id: &str) -> Option<TargetId> {
        if let Some(p) = IdMap::guid(object_id).and_then(|g| self.created.get(&g)) {
            return Some(if p & GROUP_BIT != 0 {
                TargetId::Group(p & !GROUP_BIT)
            } else {
                TargetId::User(*p)
            });
        }
        self.others.get(object_id).cloned()
    }
}

/// Counts of outcomes; they add up to the records read.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Objects created.
    pub created: usize,
    /// Objects updated.
    pub updated: usize,
    /// Objects disabled.
    pub disabled: usize,
    /// Objects deleted.
    pub deleted: usize,
    /// Records with nothing to send.
    pub skipped: usize,
    /// Records that failed.
    pub failed: usize,
}

impl Summary {
    /// Count one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Disabled => self.disabled += 1,
            Outcome::Deleted => self.deleted += 1,
            Outcome::Skipped(_) => self.skipped += 1,
        }
    }

    /// Every record counted.
    pub fn total(&self) -> usize {
        self.created + self.updated + self.disabled + self.deleted + self.skipped + self.failed
    }
}

impl Engine {
    /// Compile every mapping of `set`. Fails with rendered errors naming the mapping.
    pub fn new(set: &MappingSet, options: &Options) -> Result<Engine, Vec<String>> {
        let mut errors = Vec::new();
        // One attribute table for every expression, so a record is read once into slots.
        let mut table = crate::compile::AttributeTable::default();
        let users = set.users.as_ref().map(|o| {
            compile_object(
                o,
                ResourceKind::User,
                "users",
                options,
                &mut table,
                &mut errors,
            )
        });
        let groups = set.groups.as_ref().map(|o| {
            compile_object(
                o,
                ResourceKind::Group,
                "groups",
                options,
                &mut table,
                &mut errors,
            )
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        // Also read what scoping filters and the deprovisioning rules use (SPEC §2.2, §4.5).
        for name in [
            "objectId",
            "_event",
            "inScope",
            "deletedDateTime",
            "accountEnabled",
            "IsSoftDeleted",
        ] {
            table.slot(name);
        }
        for object in [&users, &groups].into_iter().flatten() {
            for clause in object.def.scope.iter().flat_map(|g| &g.clauses) {
                table.slot(&clause.attribute);
            }
        }
        Ok(Engine {
            options: options.clone(),
            users,
            groups,
            table,
        })
    }

    /// The create body a user record would be sent with (no matching GETs, no ids, no
    /// references), or `None` if the record would not be created. For benchmarks and callers
    /// that only want bodies.
    pub fn create_body_for(
        &self,
        record: &SlotRecord<'_>,
        env: &mut Env<'_>,
        current: &TargetStore,
    ) -> Option<String> {
        let plan = self.plan_record(false, 0, record, env, current).ok()?;
        match plan.decision {
            Decision::Create(Body::Text(text)) => Some(text),
            _ => None,
        }
    }

    /// Read one NDJSON line, keeping only the attributes the mappings read.
    pub fn read_record<'a>(&self, line: usize, bytes: &'a [u8]) -> Result<SlotRecord<'a>, String> {
        crate::records::parse_line_slots(line, bytes, self.table.names())
    }

    /// The source attributes the engine reads, by slot.
    pub fn attribute_names(&self) -> &[String] {
        self.table.names()
    }

    /// The options the engine was built with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Evaluate every mapping for one record and decide what it does against the target's
    /// current objects. `group` selects the group object mapping. Pure: records may be planned
    /// in parallel.
    pub fn plan(
        &self,
        group: bool,
        line: usize,
        record: &Map<String, Json>,
        env: &mut Env<'_>,
        current: &TargetStore,
    ) -> Result<Plan, RecordError> {
        let record = crate::records::slots_from_map(record, self.table.names());
        self.plan_record(group, line, &record, env, current)
    }

    /// [`Engine::plan`] for a record already read into slots ([`Engine::read_record`]).
    pub fn plan_record(
        &self,
        group: bool,
        line: usize,
        record: &SlotRecord<'_>,
        env: &mut Env<'_>,
        current: &TargetStore,
    ) -> Result<Plan, RecordError> {
        let source = SlotSource::new(record, self.table.names(), &self.options);
        let (mut plan, values) = self.evaluate(group, line, &source, env)?;
        self.decide(&mut plan, &values, current)
            .map_err(|reason| RecordError {
                kind: if group { "groups" } else { "users" },
                line,
                reason,
            })?;
        Ok(plan)
    }

    fn evaluate<'s>(
        &'s self,
        group: bool,
        line: usize,
        source: &'s SlotSource<'s>,
        env: &mut Env<'_>,
    ) -> Result<(Plan, Vec<Computed<'s>>), RecordError> {
        let kind = if group { "groups" } else { "users" };
        let fail = |reason: String| RecordError { kind, line, reason };
        let object = if group { &self.groups } else { &self.users };
        let Some(object) = object else {
            return Err(fail(format!("the mapping set has no {kind} mapping")));
        };
        let options = &self.options;
        env.reseed_for_record(line as u64);
        let soft_deleted = matches!(
            source.lookup(0, "IsSoftDeleted"),
            Ok(Lookup::Found(Value::Bool(true)))
        );
        let in_scope = source
            .raw("inScope")
            .is_none_or(|v| v != &Json::Bool(false))
            && in_scope(&object.def, source);
        let mut plan = Plan {
            line,
            group,
            object_id: source
                .raw("objectId")
                .and_then(Json::as_str)
                .map(str::to_string),
            in_scope,
            soft_deleted,
            delete: source
                .raw("_event")
                .and_then(Json::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case("delete")),
            references: Vec::with_capacity(object.mappings.len()),
            warnings: Vec::new(),
            queries: Vec::new(),
            decision: Decision::Pending,
        };
        let mut values = Vec::with_capacity(object.mappings.len());
        for m in &object.mappings {
            let Some(expr) = &m.expr else {
                values.push(Computed::Null);
                plan.references.push(None);
                continue;
            };
            let value = expr.eval(source, options, env).map_err(|e| {
                let rendered = render_all(
                    &[e.to_diagnostic()],
                    expr.text(),
                    &format!("mapping {}", m.def.target),
                );
                fail(format!("{}: {}\n{rendered}", m.def.target, e.message))
            })?;
            if m.def.target_type == TargetType::Reference {
                plan.references.push(Some(references(&value)));
                values.push(Computed::Null);
                continue;
            }
            plan.references.push(None);
            let computed = match value {
                Value::Null => Computed::Null,
                Value::Drop => Computed::Drop,
                v => self
                    .computed(m, v, &mut plan.warnings)
                    .map_err(|e| fail(format!("{}: {e}", m.def.target)))?,
            };
            values.push(computed);
        }
        for w in env.warnings.drain(..) {
            plan.warnings.push(w.message);
        }
        Ok((plan, values))
    }

    /// SPEC §3.2: the final value converted for the target attribute's type.
    fn computed<'v>(
        &self,
        m: &CompiledMapping,
        value: Value<'v>,
        warnings: &mut Vec<String>,
    ) -> Result<Computed<'v>, String> {
        // The common case: one text value into a String target, borrowed, not copied.
        if m.def.target_type == TargetType::String
            && !m.def.multivalued
            && !m.path.is_address_country()
            && let Value::Str(text) = value {
                return Ok(Computed::Text(text));
            }
        self.to_json(m, value, warnings).map(Computed::Json)
    }

    fn to_json(
        &self,
        m: &CompiledMapping,
        value: Value<'_>,
        warnings: &mut Vec<String>,
    ) -> Result<Json, String> {
        let target = &m.def.target;
        if m.def.multivalued {
            return Ok(Json::Array(
                value.texts().into_iter().map(Json::String).collect(),
            ));
        }
        if let (Some(text), TargetType::String) = (value.text(), m.def.target_type)
            && !m.path.is_address_country()
        {
            return Ok(Json::String(text.into_owned()));
        }
        let texts = value.texts();
        let text = match (&value, texts.len()) {
            (_, 1) => texts.into_iter().next().unwrap_or_default(),
            (_, 0) => return Err("the value has no text form".into()),
            // DECISION (SPEC §4.10): several values into one single-valued target → the first.
            (_, n) => {
                warnings.push(format!(
                    "{target}: {n} values for a single-valued attribute; the first is sent"
                ));
                texts.into_iter().next().unwrap_or_default()
            }
        };
        Ok(match m.def.target_type {
            TargetType::Boolean => match value {
                Value::Bool(b) => Json::Bool(b),
                _ => Json::Bool(crate::eval::value::parse_bool(&text).ok_or_else(|| {
                    format!("{text:?} is not True or False, but the target is Boolean")
                })?),
            },
            TargetType::Integer => match value {
                Value::Int(i) => Json::from(i),
                _ => Json::from(text.trim().parse::<i64>().map_err(|_| {
                    format!("{text:?} is not a whole number, but the target is Integer")
                })?),
            },
            _ if m.path.is_address_country() => Json::String(self.country(target, text, warnings)),
            _ => Json::String(text),
        })
    }

    /// SPEC §5.6: validate or normalise an address country.
    fn country(&self, target: &str, text: String, warnings: &mut Vec<String>) -> String {
        match self.options.country_resolution {
            CountryResolution::Off => text,
            CountryResolution::Validate => {
                if !country::is_alpha2(&text) {
                    let hint = match country::resolve(&text) {
                        Resolution::Code(c) => {
                            format!(" (country_resolution=normalize would send {c})")
                        }
                        Resolution::Ambiguous(c) => format!(" (ambiguous: {})", c.join(", ")),
                        Resolution::Unknown => String::new(),
                    };
                    warnings.push(format!(
                        "{target}: {text:?} is not an ISO 3166-1 alpha-2 code{hint}"
                    ));
                }
                text
            }
            CountryResolution::Normalize => match country::resolve(&text) {
                Resolution::Code(c) => c.to_string(),
                Resolution::Ambiguous(c) => {
                    warnings.push(format!(
                        "{target}: {text:?} names several countries ({}); sent unchanged",
                        c.join(", ")
                    ));
                    text
                }
                Resolution::Unknown => {
                    warnings.push(format!(
                        "{target}: {text:?} is not a country name or code; sent unchanged"
                    ));
                    text
                }
            },
        }
    }

    /// Matching (SPEC §4.3) and the decision: create, update, disable, delete or skip.
    fn decide(
        &self,
        plan: &mut Plan,
        values: &[Computed<'_>],
        current: &TargetStore,
    ) -> Result<(), String> {
        let group = plan.group;
        let Some(object) = self.object(group) else {
            return Err("the mapping set has no mapping for this object type".into());
        };
        if !object.def.enabled {
            plan.decision = Decision::Skip("the object mapping is disabled".into());
            return Ok(());
        }
        let mut order: Vec<(usize, &CompiledMapping)> = object
            .mappings
            .iter()
            .enumerate()
            .filter(|(_, m)| m.def.matching > 0)
            .collect();
        order.sort_by_key(|(_, m)| m.def.matching);
        let mut target: Option<usize> = None;
        for (i, m) in order {
            let value = match values.get(i) {
                Some(Computed::Text(t)) => t.to_string(),
                Some(Computed::Json(Json::String(s))) => s.clone(),
                Some(Computed::Json(other)) => other.to_string(),
                _ => continue,
            };
            // `/Users?filter=userName eq "value"` (SPEC §4.3), built without format!.
            let path_text = m.path.to_string();
            let quoted = Json::String(value.clone()).to_string();
            let mut path = String::with_capacity(64 + path_text.len() + quoted.len());
            path.push_str(if group {
                "/Groups?excludedAttributes=members&filter="
            } else {
                "/Users?filter="
            });
            path.push_str(&path_text);
            path.push_str(" eq ");
            path.push_str(&quoted);
            plan.queries.push(Request {
                method: "GET",
                path,
                body: None,
            });
            if let Some(found) = current.find_index(group, &m.path, &value) {
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
        let resource = target.and_then(|t| current.get(group, t));
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

    fn object(&self, group: bool) -> Option<&CompiledObject> {
        if group {
            self.groups.as_ref()
        } else {
            self.users.as_ref()
        }
    }

    /// Give ids, link references, and write the record's requests in Entra's order.
    pub fn apply(&self, plan: Plan, state: &mut RunState) -> Result<Applied, RecordError> {
        let group = plan.group;
        let kind = if group { "groups" } else { "users" };
        let Some(object) = self.object(group) else {
            return Err(RecordError {
                kind,
                line: plan.line,
                reason: format!("the mapping set has no {kind} mapping"),
            });
        };
        let collection = if group { "/Groups" } else { "/Users" };
        let mut plan = plan;
        let mut warnings = std::mem::take(&mut plan.warnings);
        let mut requests = std::mem::take(&mut plan.queries);
        let decision = std::mem::replace(&mut plan.decision, Decision::Pending);
        let patch = |id: &str, changes: Vec<Change>| {
            patch::message(changes, self.options.patch_mode).map(|body| Request {
                method: "PATCH",
                path: format!("{collection}/{id}"),
                body: Some(body),
            })
        };
        let outcome = match decision {
            Decision::Skip(reason) => Outcome::Skipped(reason),
            Decision::Pending => Outcome::Skipped("not planned".into()),
            Decision::Delete { id } => {
                requests.push(Request {
                    method: "DELETE",
                    path: format!("{collection}/{id}"),
                    body: None,
                });
                Outcome::Deleted
            }
            Decision::Disable { id, changes } => {
                requests.extend(patch(&id, changes));
                Outcome::Disabled
            }
            Decision::Create(body) => {
                let created = if group {
                    state.next_group += 1;
                    TargetId::Group(state.next_group)
                } else {
                    state.next_user += 1;
                    TargetId::User(state.next_user)
                };
                let id = created.render(&self.options.id_prefix);
                if let Some(oid) = &plan.object_id {
                    state.ids.insert(oid, created);
                }
                requests.push(Request {
                    method: "POST",
                    path: collection.to_string(),
                    body: Some(body),
                });
                let links = self.reference_changes(object, &plan, None, state, &mut warnings);
                requests.extend(patch(&id, links));
                Outcome::Created
            }
            Decision::Update {
                target,
                id,
                mut changes,
            } => {
                if let Some(oid) = &plan.object_id {
                    state.ids.insert(oid, TargetId::Known(id.as_str().into()));
                }
                let resource = state.current.get(group, target).cloned();
                changes.extend(self.reference_changes(
                    object,
                    &plan,
                    resource.as_ref(),
                    state,
                    &mut warnings,
                ));
                match patch(&id, changes) {
                    Some(request) => {
                        requests.push(request);
                        Outcome::Updated
                    }
                    None => Outcome::Skipped("no changes".into()),
                }
            }
        };
        Ok(Applied {
            requests,
            outcome,
            warnings,
        })
    }

    /// The create body (SPEC §5.3), written once in the parallel phase so applying it is a copy.
    fn create_body(&self, object: &CompiledObject, values: &[Computed<'_>]) -> Body {
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

    /// Changes for an existing object (SPEC §4.4): mappings selected by `include`; Null and
    /// Drop never clear; FlowWhenChanged skips equal values.
    fn diff(
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

    /// Manager and member links, resolved to target ids; unresolved ones are reported.
    fn reference_changes(
        &self,
        object: &CompiledObject,
        plan: &Plan,
        target: Option<&Json>,
        state: &RunState,
        warnings: &mut Vec<String>,
    ) -> Vec<Change> {
        let mut changes = Vec::new();
        for (m, refs) in object.mappings.iter().zip(&plan.references) {
            let Some(refs) = refs else { continue };
            let mut ids = Vec::new();
            for r in refs {
                match r.target_id.clone().or_else(|| state.ids.get(&r.object_id).map(|t| t.render(&self.options.id_prefix))).or_else(|| state.current.user_id_by_external_id(&r.object_id)) {
                    Some(id) => ids.push(id),
                    None => warnings.push(format!("{}: {} is not provisioned in the target; the reference is left out until a later cycle", m.def.target, r.object_id)),
                }
            }
            let current: Vec<String> = target
                .and_then(|t| get_path(t, &m.path))
                .map(|v| match v {
                    Json::Array(items) => items
                        .iter()
                        .filter_map(|i| i.get("value").and_then(Json::as_str).or(i.as_str()))
                        .map(str::to_string)
                        .collect(),
                    Json::Object(o) => o
                        .get("value")
                        .and_then(Json::as_str)
                        .map(str::to_string)
                        .into_iter()
                        .collect(),
                    Json::String(s) => vec![s.clone()],
                    _ => Vec::new(),
                })
                .unwrap_or_default();
            if m.def.multivalued {
                let added: Vec<String> = ids
                    .iter()
                    .filter(|id| !current.contains(id))
                    .cloned()
                    .collect();
                let removed: Vec<String> = if target.is_some() {
                    current
                        .iter()
                        .filter(|c| !ids.contains(c))
                        .cloned()
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
            } else if let Some(id) = ids.into_iter().next()
                && !current.contains(&id)
            {
                changes.push(Change::Manager(id));
            }
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

fn references(value: &Value<'_>) -> Vec<RefTarget> {
    let one = |v: &Value<'_>| match v {
        Value::Ref(r) => Some(RefTarget {
            object_id: r.object_id.to_string(),
            target_id: r.target_id.as_deref().map(str::to_string),
        }),
        Value::Str(s) => Some(RefTarget {
            object_id: s.to_string(),
            target_id: None,
        }),
        _ => None,
    };
    match value {
        Value::Multi(items) => items.iter().filter_map(one).collect(),
        v => one(v).into_iter().collect(),
    }
}

/// Scoping filter (SPEC §4.1): in scope if there is no filter, or any group's clauses all hold.
fn in_scope(def: &ObjectMapping, source: &SlotSource<'_>) -> bool {
    def.scope.is_empty()
        || def
            .scope
            .iter()
            .any(|g| g.clauses.iter().all(|c| clause_holds(c, source)))
}

fn clause_holds(c: &ScopeClause, source: &SlotSource<'_>) -> bool {
    let value = match source.lookup(0, &c.attribute) {
        Ok(Lookup::Found(v)) | Ok(Lookup::FoundIgnoringCase(v, _)) => v,
        _ => Value::Null,
    };
    let text = value.text().map(|t| t.into_owned());
    let first = c.values.first().map(String::as_str).unwrap_or("");
    let op = c.operator.to_ascii_uppercase().replace('_', " ");
    match op.as_str() {
        "IS NULL" => text.as_deref().is_none_or(str::is_empty),
        "IS NOT NULL" => text.as_deref().is_some_and(|t| !t.is_empty()),
        "IS TRUE" => {
            matches!(value, Value::Bool(true))
                || text.as_deref().and_then(crate::eval::value::parse_bool) == Some(true)
        }
        "IS FALSE" => {
            matches!(value, Value::Bool(false))
                || text.as_deref().and_then(crate::eval::value::parse_bool) == Some(false)
        }
        "EQUALS" => text.is_some_and(|t| t.eq_ignore_ascii_case(first)),
        "NOT EQUALS" => text.is_none_or(|t| !t.eq_ignore_ascii_case(first)),
        "INCLUDES" => text.is_some_and(|t| c.values.iter().any(|v| v.eq_ignore_ascii_case(&t))),
        "NOT INCLUDES" => text.is_none_or(|t| !c.values.iter().any(|v| v.eq_ignore_ascii_case(&t))),
        "STARTS WITH" => text.is_some_and(|t| t.to_lowercase().starts_with(&first.to_lowercase())),
        "NOT STARTS WITH" => {
            text.is_none_or(|t| !t.to_lowercase().starts_with(&first.to_lowercase()))
        }
        "ENDS WITH" => text.is_some_and(|t| t.to_lowercase().ends_with(&first.to_lowercase())),
        "GREATER THAN" => text
            .and_then(|t| t.parse::<i64>().ok())
            .zip(first.parse::<i64>().ok())
            .is_some_and(|(a, b)| a > b),
        "LESS THAN" => text
            .and_then(|t| t.parse::<i64>().ok())
            .zip(first.parse::<i64>().ok())
            .is_some_and(|(a, b)| a < b),
        "REGEX MATCH" => text.is_some_and(|t| {
            fancy_regex::Regex::new(first)
                .ok()
                .and_then(|r| r.is_match(&t).ok())
                .unwrap_or(false)
        }),
        "NOT REGEX MATCH" => text.is_none_or(|t| {
            !fancy_regex::Regex::new(first)
                .ok()
                .and_then(|r| r.is_match(&t).ok())
                .unwrap_or(false)
        }),
        _ => false,
    }
}

fn compile_object(
    def: &ObjectMapping,
    kind: ResourceKind,
    name: &str,
    options: &Options,
    table: &mut crate::compile::AttributeTable,
    errors: &mut Vec<String>,
) -> CompiledObject {
    let mut mappings = Vec::new();
    for (i, m) in def.mappings.iter().enumerate() {
        let here = format!("{name}.mappings[{i}] ({})", m.target);
        let path = match TargetPath::parse(&m.target) {
            Ok(p) => p,
            Err(e) => {
                errors.push(format!("{here}: {e}"));
                continue;
            }
        };
        let expr = match m.source_text() {
            None => None,
            Some(text) => match Expression::compile_with(&text, options, table.clone()) {
                Ok(e) => {
                    *table = e.attributes().clone();
                    Some(e)
                }
                Err(diags) => {
                    errors.push(format!("{here}:\n{}", render_all(&diags, &text, &here)));
                    continue;
                }
            },
        };
        let reads_soft_deleted = expr.as_ref().is_some_and(|e| {
            e.attributes()
                .names()
                .iter()
                .any(|n| n.eq_ignore_ascii_case("IsSoftDeleted"))
        });
        let default = m.def_default_json();
        mappings.push(CompiledMapping {
            def: m.clone(),
            path,
            expr,
            reads_soft_deleted,
            default,
        });
    }
    let paths: Vec<Option<TargetPath>> = mappings
        .iter()
        .map(|m| (m.def.target_type != TargetType::Reference).then(|| m.path.clone()))
        .collect();
    let primary_work_address = options.emit_primary_on_work_address;
    let primary = |attr: &str, value: &str| {
        value == "work" && (attr == "emails" || (attr == "addresses" && primary_work_address))
    };
    let layout = CreateLayout::new(kind, &paths, &primary);
    CompiledObject {
        def: def.clone(),
        mappings,
        layout,
    }
}

impl AttributeMapping {
    /// The default value as JSON for the target type.
    fn def_default_json(&self) -> Option<Json> {
        let default = self.default.as_ref()?;
        Some(match self.target_type {
            TargetType::Boolean => crate::eval::value::parse_bool(default)
                .map_or_else(|| Json::String(default.clone()), Json::Bool),
            _ => Json::String(default.clone()),
        })
    }
}
