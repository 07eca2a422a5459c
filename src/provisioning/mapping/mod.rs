//! The mapping model (docs/mapping.md#mapping-model): which source attribute or expression flows to which target
//! attribute, how objects are matched, and when values flow. Read from a concise native TOML
//! file or from Graph's `synchronizationSchema` JSON ([`graph_schema`]); built-in sets are
//! embedded ([`builtin`]).

// Reads input: no panics, whatever the input (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod builtin;
pub mod check;
pub mod graph_schema;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::options::{Dialect, Options};

/// A whole mapping configuration: the user and group object mappings of one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingSet {
    /// Short name (`code42`).
    pub name: String,
    /// One line saying what it is and where it comes from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The service the set's expressions are written for: `cloud-sync` for Entra Cloud Sync
    /// (a Cloud Sync schema says so by its directories). Unset: app provisioning. A dialect
    /// given as an option wins (docs/mapping.md#which-service-a-schema-is-for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// Users (Entra `User` → SCIM `/Users`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<ObjectMapping>,
    /// Groups (Entra `Group` → SCIM `/Groups`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<ObjectMapping>,
    /// The Graph synchronizationSchema this set was read from, as JSON text. Writing the set
    /// back as Graph starts from it, so everything entramap does not model (ids, rule names,
    /// metadata, directories, a `null` scope, unknown fields) survives an edit of the native
    /// file (docs/mapping.md#graph-synchronizationschema). Edit the mappings above, not this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_schema: Option<String>,
}

/// One object mapping (Graph `objectMapping`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectMapping {
    /// "Synchronize Microsoft Entra ID Users to Code42".
    #[serde(default)]
    pub name: String,
    /// Disabled object mappings provision nothing.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The target object (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`).
    #[serde(default)]
    pub target_object: String,
    /// Target object actions: Add (create), Update, Delete.
    #[serde(default = "all_actions")]
    pub actions: Vec<Action>,
    /// Scoping filter: in scope if any group has all its clauses true. Empty: everyone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope: Vec<ScopeGroup>,
    /// The attribute mappings, in schema order.
    pub mappings: Vec<AttributeMapping>,
}

fn yes() -> bool {
    true
}

fn all_actions() -> Vec<Action> {
    vec![Action::Add, Action::Update, Action::Delete]
}

/// A target object action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Create objects.
    Add,
    /// Update objects.
    Update,
    /// Delete (and disable) objects.
    Delete,
}

/// One group of a scoping filter: every clause must hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeGroup {
    /// The group's name (the portal's scoping filter title, Graph `filterGroup.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The clauses.
    pub clauses: Vec<ScopeClause>,
}

/// One scoping clause (Graph `filterClause`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeClause {
    /// Source attribute.
    pub attribute: String,
    /// `EQUALS`, `NOT EQUALS`, `IS TRUE`, `IS FALSE`, `IS NULL`, `IS NOT NULL`, `REGEX MATCH`,
    /// `NOT REGEX MATCH`, `Includes`, `GREATER_THAN`, `LESS_THAN`, ... (case-insensitive).
    pub operator: String,
    /// Values compared with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// When a mapping applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Apply {
    /// Create and update (Graph `Always`).
    #[default]
    Always,
    /// Only when the object is created (Graph `ObjectAddOnly`).
    OnCreate,
}

/// When an update sends the value (Graph `flowBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    /// Only when it differs from the target (`FlowWhenChanged`).
    #[default]
    WhenChanged,
    /// Every time (`FlowAlways`).
    Always,
}

/// The target attribute's type (Graph `attributeDefinition.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum TargetType {
    /// Text.
    #[default]
    String,
    /// JSON true/false.
    Boolean,
    /// JSON number.
    Integer,
    /// Date text.
    DateTime,
    /// Another object's id in the target (manager, members).
    Reference,
    /// Base64 text.
    Binary,
}

/// One attribute mapping. Exactly one of `source`, `expression`, `constant` is set, or none
/// (mapping type None: only `default` on create).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMapping {
    /// Target attribute path (`emails[type eq "work"].value`).
    pub target: String,
    /// Direct mapping: the source attribute's name, without brackets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Expression mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Constant mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constant: Option<String>,
    /// "Default value if null": used on create only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Matching precedence: 0 = not used for matching; 1, 2, ... = order tried.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub matching: u32,
    /// Always, or only on create.
    #[serde(default, skip_serializing_if = "is_default")]
    pub apply: Apply,
    /// When updates send the value.
    #[serde(default, skip_serializing_if = "is_default")]
    pub flow: Flow,
    /// Target attribute type.
    #[serde(default, rename = "type", skip_serializing_if = "is_default")]
    pub target_type: TargetType,
    /// The target attribute holds several values.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub multivalued: bool,
    /// Compare case-sensitively when deciding whether the value changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub case_exact: bool,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

impl AttributeMapping {
    /// The mapping's source as expression text: `[attr]`, the expression, or a quoted constant.
    pub fn source_text(&self) -> Option<String> {
        if let Some(attr) = &self.source {
            return Some(format!("[{attr}]"));
        }
        if let Some(e) = &self.expression {
            return Some(e.clone());
        }
        self.constant.as_deref().map(crate::syntax::print::quote)
    }
}

/// Why a mapping file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Not readable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Neither a valid native TOML mapping nor a Graph synchronizationSchema.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong, with line and column where the parser gives them.
        message: String,
    },
    /// No built-in set and no file has this name.
    #[error(
        "no mapping set or file named `{0}`{hint}; built-in sets: {1}",
        hint = crate::diagnostic::suggest::did_you_mean(.0, .1.split(", "))
    )]
    Unknown(String, String),
}

/// A mapping set and the warnings found while loading it (stored Graph trees that disagree
/// with their expression text, for example).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The set.
    pub set: MappingSet,
    /// Warnings about the file.
    pub warnings: Vec<Diagnostic>,
    /// What the Graph schema it was read from says, when read from one.
    pub graph: Option<GraphOrigin>,
}

/// A mapping set's Graph schema, as read.
#[derive(Debug, Clone)]
pub struct GraphOrigin {
    /// The schema (kept to write it back unchanged).
    pub schema: graph_schema::SynchronizationSchema,
    /// The service its rule is for, by its directories.
    pub service: graph_schema::Service,
    /// Every object mapping of the rule read: which is used for users and groups, and why
    /// the others are not.
    pub object_mappings: Vec<graph_schema::ObjectMappingUse>,
}

impl Loaded {
    /// The object mappings of the schema read that are not used, each with why
    /// (`objectMappings[1] (→ SyncCredentialsChangeItem): not used (disabled; ...)`).
    pub fn unused_object_mappings(&self) -> impl Iterator<Item = &graph_schema::ObjectMappingUse> {
        self.graph
            .iter()
            .flat_map(|g| &g.object_mappings)
            .filter(|u| u.used_as.is_none())
    }
}

/// Load a built-in set by name, or a file: Graph JSON (`.json`, or text starting with `{`) or
/// native TOML.
pub fn load(name_or_path: &str, options: &Options) -> Result<Loaded, LoadError> {
    if let Some(text) = builtin::get(name_or_path) {
        let set = parse_native(text, name_or_path)?;
        return Ok(Loaded {
            set,
            warnings: Vec::new(),
            graph: None,
        });
    }
    let path = std::path::Path::new(name_or_path);
    if !path.exists() {
        return Err(LoadError::Unknown(
            name_or_path.to_string(),
            builtin::names().join(", "),
        ));
    }
    let text = crate::source::decode::read_text(path).map_err(|e| match e {
        crate::source::decode::TextError::Io { source, .. } => LoadError::Io {
            path: name_or_path.to_string(),
            source,
        },
        not_text => LoadError::Format {
            path: name_or_path.to_string(),
            message: not_text.to_string(),
        },
    })?;
    parse_any(&text, name_or_path, options)
}

/// Parse mapping text in either format.
pub fn parse_any(text: &str, origin: &str, options: &Options) -> Result<Loaded, LoadError> {
    let text = text.trim_start_matches('\u{FEFF}');
    if text.trim_start().starts_with('{') {
        let schema: graph_schema::SynchronizationSchema =
            serde_json::from_str(text).map_err(|e| LoadError::Format {
                path: origin.to_string(),
                message: format!("not a Graph synchronizationSchema: {e}"),
            })?;
        let graph_schema::SchemaReading {
            set,
            warnings,
            service,
            object_mappings,
        } = schema.to_mapping_set(origin, options);
        let errors: Vec<&str> = warnings
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.as_str())
            .collect();
        if !errors.is_empty() {
            return Err(LoadError::Format {
                path: origin.to_string(),
                message: errors.join("\n"),
            });
        }
        return Ok(Loaded {
            set,
            warnings,
            graph: Some(GraphOrigin {
                schema,
                service,
                object_mappings,
            }),
        });
    }
    Ok(Loaded {
        set: parse_native(text, origin)?,
        warnings: Vec::new(),
        graph: None,
    })
}

fn parse_native(text: &str, origin: &str) -> Result<MappingSet, LoadError> {
    toml::from_str(text).map_err(|e| LoadError::Format {
        path: origin.to_string(),
        message: e.to_string(),
    })
}

impl MappingSet {
    /// The native TOML text of this set.
    pub fn to_native(&self) -> String {
        toml::to_string(self).unwrap_or_else(|e| format!("# cannot write TOML: {e}\n"))
    }
}
