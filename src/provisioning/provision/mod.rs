//! From source records and a mapping set to the SCIM requests Entra would send (docs/mapping.md#from-records-to-requests).
//!
//! Each record goes through two steps. [`Engine::plan`] evaluates every mapping (pure, so
//! records can be planned in parallel); [`Engine::apply`] then decides, against the run's
//! state (ids given so far, the target's current objects), whether the record creates,
//! updates, disables or skips, and writes the requests in the order Entra sends them.

mod apply;
pub mod check;
mod decide;
mod ids;
pub mod run;
mod scope;
pub mod state_file;
pub mod target;
mod values;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::compile::AttributeTable;
use crate::country::{self, Resolution};
use crate::diagnostic::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::eval::value::Value;
use crate::eval::{Env, Lookup, Source};
use crate::expression::Expression;
use crate::mapping::{AttributeMapping, MappingSet, ObjectMapping, TargetType};
use crate::options::{CountryResolution, Options};
use crate::scim::patch::Change;
use crate::scim::path::TargetPath;
use crate::scim::{CreateLayout, Op, Out, Request, ResourceKind, SimulatedIds};
use crate::source::{Known, Projection, SlotRecord, SlotSource};
use ids::{IdMap, ObjectId, TargetId};
use scope::Scope;
pub use scope::{GroupReport, ScopeReport, Verdict};
use target::TargetStore;
pub use values::{AttributeError, AttributeValue};

/// A compiled mapping set, ready for any number of records. `Send + Sync`.
#[derive(Debug)]
pub struct Engine {
    options: Options,
    users: Option<CompiledObject>,
    groups: Option<CompiledObject>,
    /// Every source attribute the engine reads, by slot; records keep only these.
    table: AttributeTable,
    /// How records are read into `table`'s slots.
    projection: Projection,
    /// Fill [`Applied::changed`] (`map --explain`); off, applying allocates nothing for it.
    explain: bool,
    /// Fill [`Applied::expected`] (`--expect-out`).
    expect: bool,
    /// The ids `map` gives created objects (the `id_prefix` option).
    ids: SimulatedIds,
}

#[derive(Debug)]
struct CompiledObject {
    def: ObjectMapping,
    /// The scoping filter, compiled.
    scope: Scope,
    mappings: Vec<CompiledMapping>,
    /// Where each mapping's value goes in a create body.
    layout: CreateLayout,
    /// The matching mappings in precedence order: (index in `mappings`, the target attribute
    /// the GET filters on). Fixed per mapping set.
    matching: Vec<(usize, String)>,
    /// The mapping that sends `externalId` (the last, when several do).
    external_id: Option<usize>,
}

#[derive(Debug)]
struct CompiledMapping {
    def: AttributeMapping,
    path: TargetPath,
    /// `None` for mapping type None (default value only).
    expr: Option<Expression>,
    /// Reads [IsSoftDeleted]: sent when the object is disabled (docs/mapping.md#disable).
    reads_soft_deleted: bool,
    /// The target is an `addresses[...].country`: country resolution applies.
    address_country: bool,
    /// The target is a `.display` sub-attribute: one app role sends its display name.
    display: bool,
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
    /// The mapping failed: the record fails with its reason (a plan never holds one).
    Failed(Box<Failure>),
}

/// Why a mapping failed for one record, kept as it came: it is written out ([`Engine::reason`])
/// only where it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    /// Evaluating the expression failed.
    Eval(crate::eval::EvalError),
    /// The value does not convert to the target attribute's type.
    Conversion(String),
}

impl Failure {
    /// An evaluation error's code, or `target-type`.
    fn code(&self) -> Code {
        match self {
            Failure::Eval(e) => e.code,
            Failure::Conversion(_) => Code::TargetType,
        }
    }
}

impl Computed<'_> {
    /// The value as JSON (for update diffs and PATCH values).
    fn to_json(&self) -> Option<Json> {
        match self {
            Computed::Text(t) => Some(Json::String(t.to_string())),
            Computed::Json(j) => Some(j.clone()),
            Computed::Null | Computed::Drop | Computed::Failed(_) => None,
        }
    }

    /// The value as written into a create body.
    fn out(&self) -> Option<Out<'_>> {
        match self {
            Computed::Text(t) => Some(Out::Text(t)),
            Computed::Json(j) => Some(Out::Json(j)),
            Computed::Null | Computed::Drop | Computed::Failed(_) => None,
        }
    }
}

/// A referenced object: its Entra objectId and, if the input knows it, its target id.
#[derive(Debug, Clone, PartialEq)]
struct RefTarget {
    object_id: ObjectId,
    target_id: Option<String>,
}

/// What evaluating a record's mappings found, before the decision.
#[derive(Debug, Clone)]
struct Facts {
    line: usize,
    kind: ResourceKind,
    object_id: Option<ObjectId>,
    in_scope: bool,
    /// The scoping filter cannot decide (`&`, multi-valued): no action.
    undetermined: bool,
    /// Why the object is not in scope (the group and clause that decided), when it is not.
    out_of_scope: Option<String>,
    soft_deleted: bool,
    delete: bool,
    references: Vec<Option<Vec<RefTarget>>>,
    warnings: Vec<Diagnostic>,
    /// What the target object should hold after this cycle, without its references; only
    /// for an engine made with [`Engine::expecting`].
    expected: Option<Json>,
}

/// Everything evaluation found for one record, and what it does; applying it needs no
/// evaluation.
#[derive(Debug, Clone)]
pub struct Plan {
    facts: Facts,
    /// The matching GETs Entra sends, up to the one that matched (room for the requests
    /// applying adds).
    queries: Vec<Request>,
    decision: Decision,
}

impl Plan {
    /// The record's kind.
    pub fn kind(&self) -> ResourceKind {
        self.facts.kind
    }

    /// The source object's objectId, when the record has one.
    pub fn object_id(&self) -> Option<&str> {
        self.facts.object_id.as_ref().map(ObjectId::as_str)
    }

    /// Whether the source object is in the object mapping's scope.
    pub fn in_scope(&self) -> bool {
        self.facts.in_scope
    }

    /// Whether Entra has the source object disabled or soft-deleted (IsSoftDeleted).
    pub fn soft_deleted(&self) -> bool {
        self.facts.soft_deleted
    }

    /// The matching GETs Entra sends for this record, in precedence order, up to the one that
    /// found the object in the target store it was planned against.
    pub fn queries(&self) -> &[Request] {
        &self.queries
    }
}

/// What the record does, decided without the run's state (the target store is read-only
/// during a run); only ids and reference links are left for [`Engine::apply`].
#[derive(Debug, Clone)]
enum Decision {
    /// Send this POST (its body the create body); links follow in a PATCH to the new object.
    Create(Request),
    /// PATCH these attribute changes (plus reference links) to the matched object.
    Update(Patch),
    /// PATCH `active` off (and what else reads IsSoftDeleted).
    Disable(Patch),
    /// Send this DELETE.
    Delete(Request),
    /// Nothing to send.
    Skip(String),
}

/// An update or a disable, before its links.
#[derive(Debug, Clone)]
struct Patch {
    /// The object in --current, when it is there (a linked object may not be).
    target: Option<MatchedTarget>,
    /// The object's id in the target.
    id: String,
    /// The attribute changes (`map --explain` says them).
    changes: Vec<Change>,
    /// `changes`' operations in the run's PATCH mode, built while planning.
    ops: Vec<Op>,
}

/// What applying needs of the matched object in `--current`, taken from it while planning:
/// the serial stage neither reads nor frees the object itself (docs/architecture.md#a-map-run).
#[derive(Debug, Clone)]
struct MatchedTarget {
    /// Its reference values (manager, members) as target ids, by mapping (empty for the
    /// others).
    references: Vec<Vec<String>>,
    /// The whole object, kept only for `--explain`.
    resource: Option<Box<Json>>,
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

/// `created`, `skipped: no changes`, as `map --explain` prints it.
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Created => f.write_str("created"),
            Outcome::Updated => f.write_str("updated"),
            Outcome::Disabled => f.write_str("disabled"),
            Outcome::Deleted => f.write_str("deleted"),
            Outcome::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

/// The requests for one record, and how it ended.
#[derive(Debug, Clone)]
pub struct Applied {
    /// Requests in the order Entra sends them ([`Engine::apply`]); created objects named by
    /// reference ([`crate::scim::ObjectRef::Created`]), resolved when they are written.
    pub requests: Vec<Request>,
    /// The outcome.
    pub outcome: Outcome,
    /// Warnings (unresolved references, country values, ...).
    pub warnings: Vec<Diagnostic>,
    /// Why the object is out of scope (or its scope undetermined): the group and clause that
    /// decided, as `entramap scope` says it. `None` when it is in scope; filled only by an
    /// engine made with [`Engine::explaining`].
    pub out_of_scope: Option<String>,
    /// For an update or a disable, each attribute sent with the target's value before it;
    /// filled only by an engine made with [`Engine::explaining`] (`map --explain`).
    pub changed: Vec<AttributeChange>,
    /// For a create, how this run's later requests name the new object
    /// ([`crate::scim::ObjectRef::Created`]): a sender maps it to the id the app returns.
    pub created: Option<crate::scim::ObjectRef>,
    /// What the target object should hold after this cycle (`--expect-out`): only from an
    /// engine made with [`Engine::expecting`], and only for an object the target holds after
    /// it (not one deleted, skipped out of scope, …).
    pub expected: Option<Expected>,
}

/// What a target object should hold after a cycle: the attributes the mapping sends to it
/// (a create's all; an update's those applied always; a disable's those that read
/// IsSoftDeleted) and its references, named as requests name them.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// The attributes, laid out as a create body.
    pub attributes: Json,
    /// Each reference mapping's target path, whether it is multi-valued, and its objects.
    pub references: Vec<(String, bool, Vec<crate::scim::ObjectRef>)>,
}

impl Expected {
    /// The resource, references resolved by `ids`: a manager as `{"value": id}` in its
    /// extension, members as `[{"value": id}, …]`.
    pub fn to_json(&self, ids: &dyn crate::scim::Resolve) -> Json {
        let mut resource = self.attributes.clone();
        for (path, multivalued, objects) in &self.references {
            let Some(object) = resource.as_object_mut() else {
                break;
            };
            let value = |r: &crate::scim::ObjectRef| serde_json::json!({"value": ids.id(r)});
            if *multivalued {
                object.insert(path.clone(), objects.iter().map(value).collect());
            } else if let Some(first) = objects.first() {
                match path.rsplit_once(':') {
                    Some((schema, name)) => {
                        let extension = object
                            .entry(schema.to_string())
                            .or_insert_with(|| Json::Object(Map::new()));
                        if let Some(extension) = extension.as_object_mut() {
                            extension.insert(name.to_string(), value(first));
                        }
                    }
                    None => {
                        object.insert(path.clone(), value(first));
                    }
                }
            }
        }
        resource
    }
}

/// One attribute an update or a disable sends, and what the target held before.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeChange {
    /// The target attribute (`title`, `addresses[type eq "work"].country`, `manager`).
    pub path: String,
    /// Its value in the target before (`None`: absent, or the target object is known only by
    /// its link).
    pub old: Option<Json>,
    /// The value sent.
    pub new: Json,
}

/// `title: "Analyst" → "Senior Analyst"`.
impl std::fmt::Display for AttributeChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.old {
            Some(old) => write!(f, "{}: {old} → {}", self.path, self.new),
            None => write!(f, "{}: (absent) → {}", self.path, self.new),
        }
    }
}

/// A record that failed: where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{kind} {}line {line}: {reason}", .file.as_deref().map(|f| format!("{f} ")).unwrap_or_default())]
pub struct RecordError {
    /// `users` or `groups`.
    pub kind: ResourceKind,
    /// The file, when the input was several files (a directory of pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The line its record starts on.
    pub line: usize,
    /// What kind of failure (docs/codes.md).
    pub code: Code,
    /// What went wrong.
    pub reason: String,
}

impl RecordError {
    /// A record error without a file name.
    pub fn new(kind: ResourceKind, line: usize, code: Code, reason: String) -> RecordError {
        RecordError {
            kind,
            file: None,
            line,
            code,
            reason,
        }
    }
}

/// One link between a source object and the target object it was provisioned to: a line of
/// the state file `map --state-out` writes and `map --state` reads, so cycle N+1 follows
/// cycle N as Entra does (docs/mapping.md#cycles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Link {
    /// `users` or `groups`.
    pub kind: ResourceKind,
    /// The source object's objectId.
    pub source_id: String,
    /// The target object's id.
    pub target_id: String,
}

/// A mapping set that cannot run: every mapping that failed to compile. Reported once, before
/// any record is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the mapping set has {} error(s):\n{}", .errors.len(), .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ConfigError {
    /// One entry per failing mapping.
    pub errors: Vec<MappingError>,
}

/// One attribute mapping that does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    /// The object mapping it belongs to.
    pub kind: ResourceKind,
    /// Its position among that object's mappings.
    pub index: usize,
    /// Its target attribute.
    pub target: String,
    /// What is wrong.
    pub problem: MappingProblem,
}

/// Why an attribute mapping does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MappingProblem {
    /// The target attribute is not a SCIM path entramap can write.
    Target(crate::scim::path::PathError),
    /// The mapping has more than one of source, expression and constant: which one Entra
    /// would use is not known.
    Sources,
    /// The source expression does not compile.
    Expression(crate::expression::ExpressionError),
    /// The object mapping has no matching attribute, so no object can be matched or created.
    NoMatching,
    /// The scoping filter cannot be evaluated as Entra evaluates it.
    Scope(String),
}

impl std::error::Error for MappingError {}

impl MappingProblem {
    /// The diagnostic code `entramap check` reports it with (an expression's own
    /// diagnostics have theirs).
    pub fn code(&self) -> Code {
        match self {
            MappingProblem::Target(_) => Code::TargetPath,
            MappingProblem::Sources => Code::MappingSource,
            MappingProblem::Expression(_) => Code::CompileError,
            MappingProblem::NoMatching => Code::NoMatching,
            MappingProblem::Scope(_) => Code::ScopeFilter,
        }
    }

    /// What is wrong, in the one wording `map` and `check` share.
    pub fn message(&self) -> String {
        match self {
            MappingProblem::Target(e) => e.to_string(),
            MappingProblem::Sources => "give only one of source, expression and constant".to_string(),
            MappingProblem::Expression(e) => e.to_string(),
            MappingProblem::NoMatching => "no attribute mapping is a matching attribute, so Entra can neither match nor create objects; give one (usually userName, or displayName for groups) `matching = 1`".to_string(),
            MappingProblem::Scope(problem) => problem.clone(),
        }
    }
}

/// `users.mappings[3] (userName): ...`, with the expression's diagnostics rendered below.
impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let here = format!("{}.mappings[{}] ({})", self.kind, self.index, self.target);
        match &self.problem {
            MappingProblem::Scope(_) | MappingProblem::NoMatching => {
                write!(f, "{}: {}", self.kind, self.problem.message())
            }
            MappingProblem::Target(e) => write!(f, "{here}: {e}"),
            MappingProblem::Sources => write!(f, "{here}: {}", self.problem.message()),
            MappingProblem::Expression(e) => write!(f, "{here}:\n{}", e.render(&here)),
        }
    }
}

/// A record seen through its scope: out of scope, its IsSoftDeleted is true.
struct InScope<'s> {
    source: &'s SlotSource<'s>,
    out_of_scope: bool,
}

impl<'s> Source<'s> for InScope<'s> {
    fn lookup(&self, slot: Option<usize>, name: &str) -> Result<Lookup<'s>, String> {
        if self.out_of_scope && name.eq_ignore_ascii_case("IsSoftDeleted") {
            return Ok(Lookup::Found(Value::Bool(true)));
        }
        self.source.lookup(slot, name)
    }
}

/// A warning about a record's values (not about an expression, so it has no span).
fn warning(code: crate::diagnostic::Code, message: String) -> Diagnostic {
    Diagnostic::warning(code, Span::default(), message)
}

/// State carried from record to record in one run.
#[derive(Debug, Default)]
pub struct RunState {
    /// Entra objectId → id in the target (created or matched in this run).
    ids: IdMap,
    current: std::sync::Arc<TargetStore>,
    /// A create's reference links, reused from record to record: no allocation for them on
    /// the serial stage of a run.
    links: Vec<Change>,
    /// The ids created objects get, after those `current` holds or links
    /// ([`RunState::simulated_ids`]).
    simulated: std::sync::OnceLock<SimulatedIds>,
}

impl RunState {
    /// Every link between a source object and its target object after this run: the links
    /// from earlier cycles, updated with this run's (what `map --state-out` writes), sorted;
    /// objects created in this run have the ids `ids` gives them
    /// ([`RunState::simulated_ids`]).
    pub fn links(&self, ids: &SimulatedIds) -> Vec<Link> {
        // This run's links replace the earlier ones of the same source; a source unlinked
        // (deleted) drops its earlier link. By kind: users first, then groups.
        let mut changed: [foldhash::HashMap<String, Option<String>>; 2] = Default::default();
        let by_kind = |kind: ResourceKind| usize::from(kind == ResourceKind::Group);
        for (kind, source, target) in self.ids.links(ids) {
            if let Some(map) = changed.get_mut(by_kind(kind)) {
                map.insert(source, target);
            }
        }
        let mut links: Vec<Link> = self
            .current
            .links()
            .filter_map(|(kind, source, target)| {
                let now = changed.get_mut(by_kind(kind))?.remove(source);
                Some(Link {
                    kind,
                    source_id: source.to_string(),
                    target_id: match now {
                        Some(now) => now?,
                        None => target.to_string(),
                    },
                })
            })
            .collect();
        for (kind, map) in [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .zip(changed)
        {
            links.extend(map.into_iter().filter_map(|(source_id, target)| {
                Some(Link {
                    kind,
                    source_id,
                    target_id: target?,
                })
            }));
        }
        links.sort_unstable_by(|a, b| (a.kind, &a.source_id).cmp(&(b.kind, &b.source_id)));
        links
    }

    /// The ids this run gives created objects (`map`'s stand-ins, with the `id_prefix`
    /// option `prefix`): numbered after every `{prefix}user-N`/`group-N` the target holds or
    /// an earlier cycle linked, so none is given twice. Worked out on the first call; a run
    /// state serves one engine.
    pub fn simulated_ids(&self, prefix: &str) -> &SimulatedIds {
        self.simulated
            .get_or_init(|| SimulatedIds::avoiding(prefix, self.current.target_ids()))
    }

    /// Make room for about `records` created objects (avoids growing the id map mid-run).
    pub fn reserve(&mut self, records: usize) {
        self.ids.reserve(records);
    }

    /// Forget `object_id`'s link from an earlier cycle (the app no longer holds its target):
    /// later records' manager and member references no longer resolve to it.
    pub fn forget_link(&mut self, object_id: &str) {
        std::sync::Arc::make_mut(&mut self.current).forget_link(object_id);
    }

    /// A run against the target's current objects (empty: nothing provisioned yet).
    pub fn new(current: TargetStore) -> RunState {
        RunState {
            current: std::sync::Arc::new(current),
            ..RunState::default()
        }
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
        *self.count(outcome) += 1;
    }

    /// Take back one outcome counted before (a record that then failed is counted as failed).
    pub fn remove(&mut self, outcome: &Outcome) {
        let count = self.count(outcome);
        *count = count.saturating_sub(1);
    }

    /// Add another run's counts (the workers of a concurrent `sync`).
    pub fn absorb(&mut self, other: &Summary) {
        self.created += other.created;
        self.updated += other.updated;
        self.disabled += other.disabled;
        self.deleted += other.deleted;
        self.skipped += other.skipped;
        self.failed += other.failed;
    }

    /// The count `outcome` goes to.
    fn count(&mut self, outcome: &Outcome) -> &mut usize {
        match outcome {
            Outcome::Created => &mut self.created,
            Outcome::Updated => &mut self.updated,
            Outcome::Disabled => &mut self.disabled,
            Outcome::Deleted => &mut self.deleted,
            Outcome::Skipped(_) => &mut self.skipped,
        }
    }

    /// Every record counted.
    pub fn total(&self) -> usize {
        self.created + self.updated + self.disabled + self.deleted + self.skipped + self.failed
    }
}

impl Engine {
    /// Compile every mapping of `set`. Fails with every configuration error, each naming its
    /// mapping, before any record is read.
    pub fn new(set: &MappingSet, options: &Options) -> Result<Engine, ConfigError> {
        // The set's own dialect (a Cloud Sync schema's), unless the options name one.
        let options = &*options.for_dialect(set.dialect);
        let mut errors = Vec::new();
        // One attribute table for every expression, so a record is read once into slots.
        let mut table = AttributeTable::default();
        let users = set
            .users
            .as_ref()
            .map(|o| compile_object(o, ResourceKind::User, options, &mut table, &mut errors));
        let groups = set
            .groups
            .as_ref()
            .map(|o| compile_object(o, ResourceKind::Group, options, &mut table, &mut errors));
        if !errors.is_empty() {
            return Err(ConfigError { errors });
        }
        // Also read what scoping filters and the deprovisioning rules use (docs/language.md#issoftdeleted, docs/mapping.md#disable).
        for name in Known::ALL.map(Known::name) {
            table.slot(name);
        }
        table.slot("IsSoftDeleted");
        for object in [&users, &groups].into_iter().flatten() {
            for clause in object.def.scope.iter().flat_map(|g| &g.clauses) {
                table.slot(&clause.attribute);
            }
        }
        Ok(Engine {
            options: options.clone(),
            users,
            groups,
            projection: Projection::new(table.names(), options),
            table,
            explain: false,
            expect: false,
            ids: SimulatedIds::new(&options.scim.id_prefix),
        })
    }

    /// This engine, also saying for each update and disable which attributes change, from
    /// what ([`Applied::changed`]).
    pub fn explaining(mut self, on: bool) -> Engine {
        self.explain = on;
        self
    }

    /// This engine, also saying for each record what its target object should hold after the
    /// cycle ([`Applied::expected`], `--expect-out`).
    pub fn expecting(mut self, on: bool) -> Engine {
        self.expect = on;
        self
    }

    /// The create body a user record would be sent with (no matching GETs, no ids, no
    /// references), or `None` if the record would not be created. For benchmarks and callers
    /// that only want bodies.
    pub fn create_body_for(
        &self,
        record: &SlotRecord<'_>,
        env: &mut Env<'_>,
        current: &TargetStore,
    ) -> Option<crate::scim::Body> {
        let plan = self
            .plan_record(ResourceKind::User, 0, record, env, current)
            .ok()?;
        match plan.decision {
            Decision::Create(post) => post.body,
            _ => None,
        }
    }

    /// The ids this engine gives created objects against an empty target (`map`'s simulated
    /// ids, with the `id_prefix` option); against a target with objects,
    /// [`RunState::simulated_ids`].
    pub fn simulated_ids(&self) -> &SimulatedIds {
        &self.ids
    }

    /// Read one NDJSON line, keeping only the attributes the mappings read.
    pub fn read_record<'a>(
        &self,
        line: usize,
        bytes: &'a [u8],
    ) -> Result<SlotRecord<'a>, crate::source::read::ReadError> {
        crate::source::read::parse_line_slots(line, bytes, &self.projection)
    }

    /// How records are read for this engine: its attributes, matched as the options say.
    pub fn projection(&self) -> &Projection {
        &self.projection
    }

    /// Whether this engine reads a record's key `key` (an attribute a mapping, the scope or
    /// the matching reads, in any spelling the options accept). A caller that builds records
    /// may leave out the keys it does not read: the requests are the same.
    pub fn reads_key(&self, key: &str) -> bool {
        self.projection.reads(key)
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
    /// current objects, with the object mapping for `kind`. Pure: records may be planned in
    /// parallel.
    pub fn plan(
        &self,
        kind: ResourceKind,
        line: usize,
        record: &Map<String, Json>,
        env: &mut Env<'_>,
        current: &TargetStore,
    ) -> Result<Plan, RecordError> {
        let record = self.projection.record_from_map(record);
        self.plan_record(kind, line, &record, env, current)
    }

    /// Evaluate, decide and apply one record in one step: the requests Entra would send for it
    /// now, given what `state` knows (the target's objects, ids given earlier in this run).
    /// `line` numbers the record in messages.
    ///
    /// ```
    /// use entramap::{Environment, provision::RunState, scim::{Method, ResourceKind}};
    /// let env = Environment::new();
    /// let engine = env.provisioner(&env.load_mappings("code42")?.set)?;
    /// let user = serde_json::json!({"objectId": "1", "userPrincipalName": "ada@contoso.com"});
    /// let mut state = RunState::default();
    /// let applied = engine.provision(ResourceKind::User, 1, user.as_object().unwrap(), &mut state)?;
    /// assert_eq!(applied.requests[0].method, Method::Get);
    /// assert_eq!(applied.requests[1].method, Method::Post);
    /// # Ok::<(), entramap::Error>(())
    /// ```
    pub fn provision(
        &self,
        kind: ResourceKind,
        line: usize,
        record: &Map<String, Json>,
        state: &mut RunState,
    ) -> Result<Applied, RecordError> {
        let mut env = Env::new(&self.options)
            .map_err(|e| RecordError::new(kind, line, Code::BadOption, e.to_string()))?;
        let current = std::sync::Arc::clone(&state.current);
        let plan = self.plan(kind, line, record, &mut env, &current)?;
        self.apply(plan, state)
    }

    /// Why `record` is in or out of the `kind` object mapping's scope: each group and clause
    /// with its result (`entramap scope`). `inScope: false` in the record (unassigned) puts it
    /// out of scope before any clause.
    pub fn scope(&self, kind: ResourceKind, record: &Map<String, Json>) -> Option<ScopeReport> {
        let object = self.object(kind)?;
        let record = self.projection.record_from_map(record);
        let source = SlotSource::new(&record, &self.projection, &self.options);
        if source.known(Known::InScope) == Some(&Json::Bool(false)) {
            return Some(ScopeReport {
                verdict: Verdict::False,
                groups: Vec::new(),
            });
        }
        Some(object.scope.evaluate(&source))
    }

    /// [`Engine::plan`] for a record already read into slots ([`Engine::read_record`]).
    pub fn plan_record(
        &self,
        kind: ResourceKind,
        line: usize,
        record: &SlotRecord<'_>,
        env: &mut Env<'_>,
        current: &TargetStore,
    ) -> Result<Plan, RecordError> {
        let source = SlotSource::new(record, &self.projection, &self.options);
        let (mut facts, values) = self.evaluate(kind, line, &source, env)?;
        let failed = values.iter().enumerate().find_map(|(i, v)| match v {
            Computed::Failed(failure) => Some((i, failure)),
            _ => None,
        });
        if let Some((i, failure)) = failed {
            let reason = self.reason(kind, i, failure);
            return Err(RecordError::new(kind, line, failure.code(), reason));
        }
        let (queries, decision) = self
            .decide(&mut facts, &values, current)
            .map_err(|(code, reason)| RecordError::new(kind, line, code, reason))?;
        Ok(Plan {
            facts,
            queries,
            decision,
        })
    }

    fn evaluate<'s>(
        &'s self,
        kind: ResourceKind,
        line: usize,
        source: &'s SlotSource<'s>,
        env: &mut Env<'_>,
    ) -> Result<(Facts, Vec<Computed<'s>>), RecordError> {
        let fail = |reason: String| RecordError::new(kind, line, Code::NoObjectMapping, reason);
        let Some(object) = self.object(kind) else {
            return Err(fail(format!("the mapping set has no {kind} mapping")));
        };
        env.reseed_for_record(line as u64);
        let assigned = source
            .known(Known::InScope)
            .is_none_or(|v| v != &Json::Bool(false));
        let verdict = if assigned {
            object.scope.verdict(source)
        } else {
            Verdict::False
        };
        let in_scope = verdict == Verdict::True;
        // The report is built only when explaining, and only for objects out of scope, so a
        // plain run keeps the fast path.
        let out_of_scope = match verdict {
            _ if !self.explain => None,
            Verdict::True => None,
            _ if !assigned => Some("not assigned (the record says inScope: false)".to_string()),
            _ => Some(object.scope.evaluate(source).reason()),
        };
        // Entra's IsSoftDeleted is true for an object out of scope too (unassigned, or failing
        // the scoping filter), so mappings that read it see that (docs/language.md#issoftdeleted).
        let scoped = InScope {
            source,
            out_of_scope: verdict == Verdict::False,
        };
        let source: &dyn Source<'s> = &scoped;
        let soft_deleted = matches!(
            source.lookup(None, "IsSoftDeleted"),
            Ok(Lookup::Found(Value::Bool(true)))
        );
        let object_id = scoped.source.known_text(Known::ObjectId);
        let mut plan = Facts {
            line,
            kind,
            object_id: object_id
                .as_ref()
                .map(|(id, _)| ObjectId::new(id.to_string())),
            in_scope,
            undetermined: verdict == Verdict::Undetermined,
            out_of_scope,
            soft_deleted,
            delete: scoped
                .source
                .known_str(Known::Event)
                .is_some_and(|e| e.eq_ignore_ascii_case("delete")),
            references: Vec::with_capacity(object.mappings.len()),
            warnings: Vec::new(),
            expected: None,
        };
        if let Some((id, false)) = &object_id {
            plan.warnings.push(warning(
                Code::ObjectIdNotText,
                format!("objectId {id} is a number, not text; it is kept as the text \"{id}\", exactly as written"),
            ));
        }
        let mut values = Vec::with_capacity(object.mappings.len());
        for m in &object.mappings {
            let Some(expr) = &m.expr else {
                values.push(Computed::Null);
                plan.references.push(None);
                continue;
            };
            // A failed mapping fails the record (its first failure is the record's error),
            // but the others are still evaluated, for `Engine::values`.
            let value = match expr.run(source, env) {
                Ok(value) => value,
                Err(e) => {
                    values.push(Computed::Failed(Box::new(Failure::Eval(e))));
                    plan.references.push(None);
                    continue;
                }
            };
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
                    .unwrap_or_else(|e| Computed::Failed(Box::new(Failure::Conversion(e)))),
            };
            values.push(computed);
        }
        plan.warnings.append(&mut env.warnings);
        Ok((plan, values))
    }

    /// What `map` reports for mapping `i` of the `kind` object failing: the target attribute,
    /// the message, and the expression with the failing part underlined.
    fn reason(&self, kind: ResourceKind, i: usize, failure: &Failure) -> String {
        let mapping = self.object(kind).and_then(|o| o.mappings.get(i));
        let target = mapping.map_or("", |m| m.def.target.as_str());
        match failure {
            Failure::Conversion(message) => format!("{target}: {message}"),
            Failure::Eval(e) => {
                let text = mapping
                    .and_then(|m| m.expr.as_ref())
                    .map_or("", |x| x.text());
                let rendered = crate::diagnostic::render_all(
                    &[e.to_diagnostic()],
                    text,
                    &format!("mapping {target}"),
                );
                format!("{target}: {}\n{rendered}", e.message)
            }
        }
    }

    /// docs/mapping.md#target-type-conversion: the final value converted for the target attribute's type.
    fn computed<'v>(
        &self,
        m: &CompiledMapping,
        value: Value<'v>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Computed<'v>, String> {
        // SingleAppRoleAssignment's role: its display name where the path asks for `.display`
        // (docs/functions.md#singleapproleassignment), else its value, as any text.
        let value = match value {
            Value::Role(role) if m.display => Value::Str(role.display_name),
            Value::Role(role) => Value::Str(role.value),
            other => other,
        };
        // The common case: one text value into a String target, borrowed, not copied.
        if m.def.target_type == TargetType::String
            && !m.def.multivalued
            && !m.address_country
            && let Value::Str(text) = value
        {
            return Ok(Computed::Text(text));
        }
        self.to_json(m, value, warnings).map(Computed::Json)
    }

    fn to_json(
        &self,
        m: &CompiledMapping,
        value: Value<'_>,
        warnings: &mut Vec<Diagnostic>,
    ) -> Result<Json, String> {
        let target = &m.def.target;
        if m.def.multivalued {
            return Ok(Json::Array(
                value.texts().into_iter().map(Json::String).collect(),
            ));
        }
        let text = match value.text() {
            Some(text) if m.def.target_type == TargetType::String && !m.address_country => {
                return Ok(Json::String(text.into_owned()));
            }
            Some(text) => text.into_owned(),
            None => {
                let texts = value.texts();
                match texts.len() {
                    0 => return Err("the value has no text form".into()),
                    // DECISION (docs/mapping.md#target-type-conversion): several values into one single-valued target → the first.
                    n => {
                        if n > 1 {
                            warnings.push(warning(
                                Code::SeveralValues,
                                format!(
                                    "{target}: {n} values for a single-valued attribute; the first is sent"
                                ),
                            ));
                        }
                        texts.into_iter().next().unwrap_or_default()
                    }
                }
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
            _ if m.address_country => Json::String(self.country(target, text, warnings)),
            _ => Json::String(text),
        })
    }

    /// docs/mapping.md#country-resolution: validate or normalise an address country.
    fn country(&self, target: &str, text: String, warnings: &mut Vec<Diagnostic>) -> String {
        match self.options.scim.country_resolution {
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
                    warnings.push(warning(
                        Code::CountryCode,
                        format!("{target}: {text:?} is not an ISO 3166-1 alpha-2 code{hint}"),
                    ));
                }
                text
            }
            CountryResolution::Normalize => match country::resolve(&text) {
                Resolution::Code(c) => c.to_string(),
                Resolution::Ambiguous(c) => {
                    warnings.push(warning(
                        Code::CountryAmbiguous,
                        format!(
                            "{target}: {text:?} names several countries ({}); sent unchanged",
                            c.join(", ")
                        ),
                    ));
                    text
                }
                Resolution::Unknown => {
                    warnings.push(warning(
                        Code::CountryUnknown,
                        format!("{target}: {text:?} is not a country name or code; sent unchanged"),
                    ));
                    text
                }
            },
        }
    }

    fn object(&self, kind: ResourceKind) -> Option<&CompiledObject> {
        match kind {
            ResourceKind::Group => self.groups.as_ref(),
            ResourceKind::User => self.users.as_ref(),
        }
    }

    /// The target paths the matching attributes query, by kind.
    fn matching_paths(
        &self,
    ) -> impl Iterator<Item = (ResourceKind, &crate::scim::path::TargetPath)> {
        [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .filter_map(|kind| Some((kind, self.object(kind)?)))
            .flat_map(|(kind, object)| {
                object
                    .matching
                    .iter()
                    .filter_map(move |(i, _)| Some((kind, &object.mappings.get(*i)?.path)))
            })
    }
}

fn references(value: &Value<'_>) -> Vec<RefTarget> {
    let one = |v: &Value<'_>| match v {
        Value::Ref(r) => Some(RefTarget {
            object_id: ObjectId::new(r.object_id.to_string()),
            target_id: r.target_id.as_deref().map(str::to_string),
        }),
        Value::Str(s) => Some(RefTarget {
            object_id: ObjectId::new(s.to_string()),
            target_id: None,
        }),
        _ => None,
    };
    match value {
        Value::Multi(items) => items.iter().filter_map(one).collect(),
        v => one(v).into_iter().collect(),
    }
}

fn compile_object(
    def: &ObjectMapping,
    kind: ResourceKind,
    options: &Options,
    table: &mut AttributeTable,
    errors: &mut Vec<MappingError>,
) -> CompiledObject {
    let mut mappings = Vec::new();
    for (i, m) in def.mappings.iter().enumerate() {
        let fail = |problem| MappingError {
            kind,
            index: i,
            target: m.target.clone(),
            problem,
        };
        let path = match TargetPath::parse(&m.target) {
            Ok(p) => p,
            Err(e) => {
                errors.push(fail(MappingProblem::Target(e)));
                continue;
            }
        };
        let sources = [
            m.source.is_some(),
            m.expression.is_some(),
            m.constant.is_some(),
        ];
        if sources.iter().filter(|&&given| given).count() > 1 {
            errors.push(fail(MappingProblem::Sources));
            continue;
        }
        let expr = match m.source_text() {
            None => None,
            Some(text) => match Expression::compile_with(&text, options, table.clone()) {
                Ok(e) => {
                    *table = e.attribute_table().clone();
                    Some(e)
                }
                Err(e) => {
                    errors.push(fail(MappingProblem::Expression(e)));
                    continue;
                }
            },
        };
        // From the expression's own tree: its attribute table is the whole set's so far.
        let reads_soft_deleted = expr
            .as_ref()
            .is_some_and(|e| reads_soft_deleted(e.text(), options));
        let default = m.def_default_json();
        mappings.push(CompiledMapping {
            def: m.clone(),
            address_country: path.is_address_country(),
            display: path.is_display(),
            path,
            expr,
            reads_soft_deleted,
            default,
        });
    }
    let scope = match Scope::compile(&def.scope, options) {
        Ok(scope) => scope,
        Err(problems) => {
            for problem in problems {
                errors.push(MappingError {
                    kind,
                    index: 0,
                    target: String::new(),
                    problem: MappingProblem::Scope(problem),
                });
            }
            Scope::default()
        }
    };
    let paths: Vec<Option<TargetPath>> = mappings
        .iter()
        .map(|m| (m.def.target_type != TargetType::Reference).then(|| m.path.clone()))
        .collect();
    let primary_work_address = options.scim.emit_primary_on_work_address;
    let primary = |attr: &str, value: &str| {
        value == "work" && (attr == "emails" || (attr == "addresses" && primary_work_address))
    };
    let layout = CreateLayout::new(kind, &paths, &primary);
    let mut matching: Vec<(usize, String)> = mappings
        .iter()
        .enumerate()
        .filter(|(_, m)| m.def.matching > 0)
        .map(|(i, m)| (i, m.path.to_string()))
        .collect();
    if def.enabled && !def.mappings.iter().any(|m| m.matching > 0) {
        errors.push(MappingError {
            kind,
            index: 0,
            target: String::new(),
            problem: MappingProblem::NoMatching,
        });
    }
    matching.sort_by_key(|&(i, _)| mappings.get(i).map(|m| m.def.matching));
    let external_id = mappings
        .iter()
        .rposition(|m| matches!(&m.path, TargetPath::Simple(a) if a == "externalId"));
    CompiledObject {
        def: def.clone(),
        scope,
        mappings,
        layout,
        matching,
        external_id,
    }
}

/// Whether the expression `text` reads [IsSoftDeleted] itself (docs/mapping.md#disable).
fn reads_soft_deleted(text: &str, options: &Options) -> bool {
    let Ok(parsed) = crate::syntax::parse(text, options) else {
        return false;
    };
    let mut reads = false;
    parsed.expr.walk(&mut |e| {
        if let crate::syntax::ast::ExprKind::Attribute(name) = &e.kind {
            reads |= name.eq_ignore_ascii_case("IsSoftDeleted");
        }
    });
    reads
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
