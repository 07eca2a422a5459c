//! Graph's `synchronizationSchema` JSON (docs/mapping.md#graph-synchronizationschema), read exactly as exported from Entra:
//! missing fields are tolerated, unknown fields are kept (so a schema written back is the one
//! read), and every stored expression tree is compared with its re-parsed text.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json, json};

use super::{
    Action, Apply, AttributeMapping, Flow, MappingSet, ObjectMapping, ScopeClause, ScopeGroup,
    TargetType,
};
use crate::diagnostic::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::graph::{self, Node, NodeType, TextVerdict};
use crate::options::{Dialect, Options};

/// `synchronizationSchema`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationSchema {
    /// Schema id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Rules; the first with object mappings is used.
    #[serde(default)]
    pub synchronization_rules: Vec<SynchronizationRule>,
    /// Source and target directory definitions (attribute types).
    #[serde(default)]
    pub directories: Vec<DirectoryDefinition>,
    /// Fields this crate does not interpret, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// `synchronizationRule`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SynchronizationRule {
    /// Rule name (`USERGROUP_OUTBOUND_USERGROUP`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Azure Active Directory`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_directory_name: Option<String>,
    /// The app's directory name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_directory_name: Option<String>,
    /// Object mappings.
    #[serde(default)]
    pub object_mappings: Vec<GraphObjectMapping>,
    /// Uninterpreted fields.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// `objectMapping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphObjectMapping {
    /// Name: absent (`None`), `null` (`Some(None)`, as exports have it for Cloud Sync's
    /// internal mappings) or a name; written back as it was.
    #[serde(
        default,
        deserialize_with = "present_or_null",
        skip_serializing_if = "Option::is_none"
    )]
    pub name: Option<Option<String>>,
    /// Enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `"Add, Update, Delete"` (spacing varies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_types: Option<String>,
    /// Scoping filter; `Some(null)` when the schema says `"scope": null` (kept as written).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub scope: Option<Json>,
    /// `User` / `Group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_object_name: Option<String>,
    /// Target object name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_object_name: Option<String>,
    /// Attribute mappings.
    #[serde(default)]
    pub attribute_mappings: Vec<GraphAttributeMapping>,
    /// Uninterpreted fields.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// A field that is present is `Some`, `Some(None)` when it is `null` (absent: `None`, by
/// `default`).
fn present_or_null<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A field that is present, even as `null`, is `Some` (absent: `None`, by `default`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Json>, D::Error> {
    Json::deserialize(d).map(Some)
}

/// `attributeMapping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphAttributeMapping {
    /// Default value if null.
    #[serde(default)]
    pub default_value: Option<String>,
    /// `FlowWhenChanged` / `FlowAlways`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_behavior: Option<String>,
    /// `Always` / `ObjectAddOnly` / ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_type: Option<String>,
    /// 0 = not matching.
    #[serde(default)]
    pub matching_priority: u32,
    /// The source tree; `null` for mapping type None.
    #[serde(default)]
    pub source: Option<Node>,
    /// Target attribute path.
    pub target_attribute_name: String,
    /// Uninterpreted fields.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// `directoryDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryDefinition {
    /// Directory name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Object definitions.
    #[serde(default)]
    pub objects: Vec<ObjectDefinition>,
    /// Uninterpreted fields.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// `objectDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectDefinition {
    /// Object name.
    #[serde(default)]
    pub name: String,
    /// Attribute definitions.
    #[serde(default)]
    pub attributes: Vec<AttributeDefinition>,
    /// Uninterpreted fields.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

/// `attributeDefinition`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeDefinition {
    /// Attribute name.
    #[serde(default)]
    pub name: String,
    /// `String`, `Boolean`, `Reference`, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Case-sensitive comparisons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_exact: Option<bool>,
    /// Several values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multivalued: Option<bool>,
    /// Uninterpreted fields.
    #[serde(flatten)]
    pub extra: Map<String, Json>,
}

fn target_type(kind: Option<&str>) -> TargetType {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        Some("boolean") => TargetType::Boolean,
        Some("integer") => TargetType::Integer,
        Some("datetime") => TargetType::DateTime,
        Some("reference") => TargetType::Reference,
        Some("binary") => TargetType::Binary,
        _ => TargetType::String,
    }
}

fn type_name(t: TargetType) -> &'static str {
    match t {
        TargetType::String => "String",
        TargetType::Boolean => "Boolean",
        TargetType::Integer => "Integer",
        TargetType::DateTime => "DateTime",
        TargetType::Reference => "Reference",
        TargetType::Binary => "Binary",
    }
}

/// `"Add, Update, Delete"` → actions (lenient about spacing and case).
fn parse_actions(text: Option<&str>) -> Vec<Action> {
    let Some(text) = text else {
        return super::all_actions();
    };
    text.split(',')
        .filter_map(|t| match t.trim().to_ascii_lowercase().as_str() {
            "add" => Some(Action::Add),
            "update" => Some(Action::Update),
            "delete" => Some(Action::Delete),
            _ => None,
        })
        .collect()
}

fn parse_scope(scope: Option<&Json>) -> Vec<ScopeGroup> {
    let groups = scope.and_then(|s| s.get("groups")).and_then(Json::as_array);
    groups
        .map(|groups| {
            groups
                .iter()
                .map(|g| ScopeGroup {
                    name: g.get("name").and_then(Json::as_str).map(str::to_string),
                    clauses: g
                        .get("clauses")
                        .and_then(Json::as_array)
                        .map(|cs| {
                            cs.iter()
                                .map(|c| ScopeClause {
                                    attribute: c
                                        .get("sourceOperandName")
                                        .and_then(Json::as_str)
                                        .unwrap_or("")
                                        .to_string(),
                                    operator: c
                                        .get("operatorName")
                                        .and_then(Json::as_str)
                                        .unwrap_or("")
                                        .to_string(),
                                    values: c
                                        .pointer("/targetOperand/values")
                                        .and_then(Json::as_array)
                                        .map(|vs| {
                                            vs.iter()
                                                .filter_map(|v| v.as_str().map(str::to_string))
                                                .collect()
                                        })
                                        .unwrap_or_default(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One object mapping, converted; warnings name `objectMappings[oi]`.
fn object_mapping(
    oi: usize,
    om: &GraphObjectMapping,
    target_dir: Option<&DirectoryDefinition>,
    options: &Options,
    warnings: &mut Vec<Diagnostic>,
) -> ObjectMapping {
    // The experimental filter sets are kept (the schema is written back with them) but not
    // evaluated: only `groups` decides scope (docs/mapping.md#scoping-filters).
    for set in ["inputFilterGroups", "categoryFilterGroups"] {
        let used = om
            .scope
            .as_ref()
            .and_then(|s| s.get(set))
            .and_then(Json::as_array)
            .is_some_and(|groups| !groups.is_empty());
        if used {
            warnings.push(schema_warning(
                Code::ScopeNotEvaluated,
                format!("objectMappings[{oi}]: the scope's {set} are kept but not evaluated; only its groups decide scope"),
            ));
        }
    }
    let target_object = om.target_object_name.clone().unwrap_or_default();
    let definitions = target_dir.and_then(|d| d.objects.iter().find(|o| o.name == target_object));
    let mut mappings = Vec::new();
    for (ai, am) in om.attribute_mappings.iter().enumerate() {
        let here = format!(
            "objectMappings[{oi}].attributeMappings[{ai}] ({})",
            am.target_attribute_name
        );
        let def = definitions.and_then(|d| {
            d.attributes
                .iter()
                .find(|a| a.name.eq_ignore_ascii_case(&am.target_attribute_name))
        });
        let mut m = AttributeMapping {
            target: am.target_attribute_name.clone(),
            source: None,
            expression: None,
            constant: None,
            default: am.default_value.clone().filter(|d| !d.is_empty()),
            matching: am.matching_priority,
            apply: if am
                .flow_type
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case("ObjectAddOnly"))
            {
                Apply::OnCreate
            } else {
                Apply::Always
            },
            flow: if am
                .flow_behavior
                .as_deref()
                .is_some_and(|f| f.eq_ignore_ascii_case("FlowAlways"))
            {
                Flow::Always
            } else {
                Flow::WhenChanged
            },
            target_type: target_type(def.and_then(|d| d.kind.as_deref())),
            multivalued: def.and_then(|d| d.multivalued).unwrap_or(false),
            case_exact: def.and_then(|d| d.case_exact).unwrap_or(false),
        };
        match &am.source {
            None => {}
            Some(node) => match node.kind {
                NodeType::Attribute => m.source = Some(node.name.clone()),
                // A Cloud Sync placeholder (`%DomainFQDN%`) is its value, not its name.
                NodeType::Constant if graph::is_placeholder_node(node) => {
                    m.expression = Some(node.name.clone());
                }
                NodeType::Constant => m.constant = Some(node.name.clone()),
                NodeType::Function => match graph::read_tree(node, options) {
                    Ok(read) => {
                        let rebuilt = crate::syntax::print::canonical(&read.expr);
                        match read.text {
                            TextVerdict::Agrees | TextVerdict::Absent => {}
                            TextVerdict::Differs => warnings.push(schema_warning(Code::GraphTreeDiffers, format!("{here}: the stored tree disagrees with its expression text; using the tree: {rebuilt}"))),
                            TextVerdict::Unparsed => warnings.push(schema_warning(Code::GraphTextUnparsed, format!("{here}: the stored expression text does not parse; using the tree: {rebuilt}"))),
                        }
                        m.expression = Some(rebuilt);
                    }
                    // Without text to fall back on, the attribute would silently never be sent:
                    // the set cannot be loaded.
                    Err(e)
                        if node
                            .expression
                            .as_deref()
                            .is_none_or(|t| t.trim().is_empty()) =>
                    {
                        warnings.push(Diagnostic::error(Code::GraphTreeUnreadable, Span::default(), format!("{here}: the stored tree cannot be read ({e}) and there is no expression text to use instead, so this attribute would never be sent; fix the tree, or give the mapping its `expression` text")));
                    }
                    Err(e) => {
                        warnings.push(schema_warning(Code::GraphTreeUnreadable, format!("{here}: the stored tree cannot be read ({e}); using its expression text")));
                        m.expression = node.expression.clone();
                    }
                },
            },
        }
        mappings.push(m);
    }
    ObjectMapping {
        name: om.name.clone().flatten().unwrap_or_default(),
        enabled: om.enabled.unwrap_or(true),
        target_object,
        actions: parse_actions(om.flow_types.as_deref()),
        scope: parse_scope(om.scope.as_ref()),
        mappings,
    }
}

/// Object mapping `original` (the `i`th of its rule) brought up to date with `object`: kept
/// as it was where `object` says what it said, else rewritten from `fresh` (the generated
/// form of `object`), keeping the original's unknown fields.
fn merge_object(
    i: usize,
    original: &GraphObjectMapping,
    object: &ObjectMapping,
    fresh: GraphObjectMapping,
    target_dir: Option<&DirectoryDefinition>,
    options: &Options,
) -> GraphObjectMapping {
    let mut ignored = Vec::new();
    let converted = object_mapping(i, original, target_dir, options, &mut ignored);
    if converted == *object {
        return original.clone();
    }
    let mut out = original.clone();
    if original
        .name
        .as_ref()
        .and_then(|n| n.as_deref())
        .unwrap_or("")
        != object.name
    {
        out.name = Some(Some(object.name.clone()));
    }
    out.enabled = Some(object.enabled);
    out.target_object_name = Some(object.target_object.clone());
    if converted.actions != object.actions {
        out.flow_types = fresh.flow_types;
    }
    if converted.scope != object.scope {
        out.scope = fresh.scope;
    }
    let mut used = vec![false; original.attribute_mappings.len()];
    out.attribute_mappings = object
        .mappings
        .iter()
        .zip(fresh.attribute_mappings)
        .map(|(m, fresh_am)| {
            let found = original
                .attribute_mappings
                .iter()
                .enumerate()
                .find(|(j, am)| {
                    !used.get(*j).copied().unwrap_or(true)
                        && am.target_attribute_name.eq_ignore_ascii_case(&m.target)
                });
            let Some((j, am)) = found else {
                return fresh_am;
            };
            if let Some(u) = used.get_mut(j) {
                *u = true;
            }
            if converted.mappings.get(j) == Some(m) {
                am.clone()
            } else {
                GraphAttributeMapping {
                    extra: am.extra.clone(),
                    ..fresh_am
                }
            }
        })
        .collect();
    out
}

/// A warning about a schema file (not about one expression's text, so it has no span).
fn schema_warning(code: crate::diagnostic::Code, message: String) -> Diagnostic {
    Diagnostic::warning(code, Span::default(), message)
}

/// Which service a synchronization rule is for, by its source and target directory names
/// (docs/mapping.md#which-service-a-schema-is-for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    /// Entra ID to an app (or a rule that names no directories, as abbreviated samples).
    AppProvisioning,
    /// Entra Cloud Sync: Active Directory to Entra ID, or Entra ID to Active Directory.
    CloudSync,
    /// An HR system or API-driven inbound provisioning into Active Directory or Entra ID: the
    /// app provisioning language.
    Inbound,
}

impl Service {
    /// The service of a rule from `source` to `target`.
    pub fn of(source: Option<&str>, target: Option<&str>) -> Service {
        let is = |name: Option<&str>, names: &[&str]| {
            name.is_some_and(|n| names.iter().any(|m| n.trim().eq_ignore_ascii_case(m)))
        };
        const ENTRA: &[&str] = &["Azure Active Directory", "Microsoft Entra ID", "AAD"];
        const AD: &[&str] = &["Active Directory", "AD"];
        match (
            is(source, AD),
            is(source, ENTRA),
            is(target, AD),
            is(target, ENTRA),
        ) {
            (true, _, _, true) | (_, true, true, _) => Service::CloudSync,
            (false, false, _, _) if source.is_some() && (is(target, AD) || is(target, ENTRA)) => {
                Service::Inbound
            }
            _ => Service::AppProvisioning,
        }
    }

    /// The dialect its expressions are written in (`None`: app provisioning's, the default).
    pub fn dialect(self) -> Option<Dialect> {
        match self {
            Service::CloudSync => Some(Dialect::CloudSync),
            Service::AppProvisioning | Service::Inbound => None,
        }
    }
}

/// What one object mapping of the rule read is used for, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectMappingUse {
    /// Its place in the rule's `objectMappings`.
    pub index: usize,
    /// Its name, when it has one.
    pub name: Option<String>,
    /// `sourceObjectName` → `targetObjectName`.
    pub source_object: String,
    /// The target object.
    pub target_object: String,
    /// `users` or `groups`; `None` when not used.
    pub used_as: Option<&'static str>,
    /// Enabled (a disabled mapping used for users provisions nothing, as in Entra).
    pub enabled: bool,
    /// Why it is not used.
    pub why_not: Option<String>,
    /// An enabled mapping of the kind another one is used for: Entra runs it too, entramap
    /// does not (a `second-user-mapping` warning names the one used).
    pub also_runs_beside: Option<usize>,
}

impl std::fmt::Display for ObjectMappingUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "objectMappings[{}]", self.index)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        match self.source_object.is_empty() {
            true => write!(f, " (→ {})", self.target_object)?,
            false => write!(f, " ({} → {})", self.source_object, self.target_object)?,
        }
        match (self.used_as, &self.why_not) {
            (Some(kind), _) if !self.enabled => {
                write!(f, ": used for {kind}, but disabled: it provisions nothing")
            }
            (Some(kind), _) => write!(f, ": used for {kind}"),
            (None, Some(why)) => write!(f, ": not used ({why})"),
            (None, None) => write!(f, ": not used"),
        }
    }
}

/// What a schema reads as: the mapping set, its warnings, the service, and each object
/// mapping's use.
#[derive(Debug, Clone)]
pub struct SchemaReading {
    /// The mapping set.
    pub set: MappingSet,
    /// Trees that disagree with their text, unreadable trees, a second enabled mapping.
    pub warnings: Vec<Diagnostic>,
    /// The service the rule read is for.
    pub service: Service,
    /// Every object mapping of the rule read, used or not.
    pub object_mappings: Vec<ObjectMappingUse>,
}

/// The object mappings a rule's `users` and `groups` come from, and each one's use: groups
/// are the first enabled `group` mapping; users the first enabled `user` mapping, else the
/// first enabled mapping of another source object (an HR `worker`), else a disabled `user`
/// mapping (which provisions nothing, as in Entra); the rest are reported.
fn object_mapping_uses(
    rule: &SynchronizationRule,
) -> (Option<usize>, Option<usize>, Vec<ObjectMappingUse>) {
    let oms = &rule.object_mappings;
    let source = |om: &GraphObjectMapping| {
        om.source_object_name
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let enabled = |om: &GraphObjectMapping| om.enabled.unwrap_or(true);
    // Cloud Sync's other Active Directory objects are neither users nor groups.
    let neither = |s: &str| matches!(s, "" | "group" | "contact" | "inetorgperson");
    let first = |pred: &dyn Fn(&GraphObjectMapping) -> bool| oms.iter().position(pred);
    let group_at = first(&|om| source(om) == "group" && enabled(om))
        .or_else(|| first(&|om| source(om) == "group"));
    let user_at = first(&|om| source(om) == "user" && enabled(om))
        .or_else(|| first(&|om| !neither(&source(om)) && enabled(om)))
        .or_else(|| first(&|om| source(om) == "user"));
    let why_not = |om: &GraphObjectMapping| {
        let mut why = Vec::new();
        if !enabled(om) {
            why.push("disabled".to_string());
        }
        let used = |kind: &str, at: Option<usize>| {
            at.map(|i| format!("objectMappings[{i}] is used for {kind}"))
        };
        why.extend(match source(om).as_str() {
            "" => Some("it names no source object".to_string()),
            "group" => used("groups", group_at),
            "contact" | "inetorgperson" => Some(format!(
                "`{}` objects are not users or groups",
                om.source_object_name.as_deref().unwrap_or("")
            )),
            _ => used("users", user_at),
        });
        why.join("; ")
    };
    let uses = oms
        .iter()
        .enumerate()
        .map(|(i, om)| {
            let used_as = if Some(i) == user_at {
                Some("users")
            } else if Some(i) == group_at {
                Some("groups")
            } else {
                None
            };
            ObjectMappingUse {
                index: i,
                name: om.name.clone().flatten().filter(|n| !n.is_empty()),
                source_object: om.source_object_name.clone().unwrap_or_default(),
                target_object: om.target_object_name.clone().unwrap_or_default(),
                used_as,
                enabled: enabled(om),
                why_not: used_as.is_none().then(|| why_not(om)),
                also_runs_beside: match source(om).as_str() {
                    _ if used_as.is_some() || !enabled(om) => None,
                    "user" => user_at,
                    "group" => group_at,
                    _ => None,
                },
            }
        })
        .collect();
    (user_at, group_at, uses)
}

impl SynchronizationSchema {
    /// The rule entramap reads: the first with object mappings.
    fn rule(&self) -> Option<usize> {
        self.synchronization_rules
            .iter()
            .position(|r| !r.object_mappings.is_empty())
    }

    /// The directory that defines the target's attribute types for `rule`.
    fn target_directory(&self, rule: &SynchronizationRule) -> Option<&DirectoryDefinition> {
        self.directories
            .iter()
            .find(|d| d.name.is_some() && d.name == rule.target_directory_name)
            .or_else(|| self.directories.get(1))
    }

    /// `Active Directory → Microsoft Entra ID`: the directories of the rule read.
    pub fn rule_directories(&self) -> String {
        let rule = self.rule().and_then(|r| self.synchronization_rules.get(r));
        let name = |n: Option<&String>| n.map_or("?", String::as_str).to_string();
        format!(
            "{} → {}",
            name(rule.and_then(|r| r.source_directory_name.as_ref())),
            name(rule.and_then(|r| r.target_directory_name.as_ref()))
        )
    }

    /// The service the schema is for: its rule's, by directory names.
    pub fn service(&self) -> Service {
        self.rule()
            .and_then(|r| self.synchronization_rules.get(r))
            .map_or(Service::AppProvisioning, |rule| {
                Service::of(
                    rule.source_directory_name.as_deref(),
                    rule.target_directory_name.as_deref(),
                )
            })
    }

    /// The mapping set, read with the dialect of the schema's service (unless `options` name
    /// one), and what else reading found.
    pub fn to_mapping_set(&self, origin: &str, options: &Options) -> SchemaReading {
        let service = self.service();
        let options = options.for_dialect(service.dialect());
        let mut warnings = Vec::new();
        let mut set = MappingSet {
            name: std::path::Path::new(origin)
                .file_stem()
                .map_or_else(|| origin.to_string(), |s| s.to_string_lossy().to_string()),
            description: format!(
                "read from Graph synchronizationSchema {}",
                self.id.as_deref().unwrap_or(origin)
            ),
            dialect: service.dialect(),
            users: None,
            groups: None,
            graph_schema: serde_json::to_string_pretty(self).ok(),
        };
        let Some(rule) = self.rule().and_then(|r| self.synchronization_rules.get(r)) else {
            warnings.push(schema_warning(
                Code::NoObjectMappings,
                "the schema has no synchronizationRules with objectMappings".into(),
            ));
            return SchemaReading {
                set,
                warnings,
                service,
                object_mappings: Vec::new(),
            };
        };
        let target_dir = self.target_directory(rule);
        let (user_at, group_at, uses) = object_mapping_uses(rule);
        for (oi, om) in rule.object_mappings.iter().enumerate() {
            let slot = if Some(oi) == user_at {
                &mut set.users
            } else if Some(oi) == group_at {
                &mut set.groups
            } else {
                continue;
            };
            *slot = Some(object_mapping(oi, om, target_dir, &options, &mut warnings));
        }
        for used in &uses {
            if let Some(beside) = used.also_runs_beside {
                warnings.push(schema_warning(
                    Code::SecondUserMapping,
                    format!("objectMappings[{}]: a second enabled `{}` object mapping is ignored; objectMappings[{beside}] is used", used.index, used.source_object),
                ));
            }
        }
        SchemaReading {
            set,
            warnings,
            service,
            object_mappings: uses,
        }
    }

    /// A Graph schema for a mapping set. A set read from a Graph schema is written back into
    /// that schema: what the set still says the way the schema said it is kept as it was
    /// (byte for byte), edited mappings and object mappings are rewritten in place (keeping
    /// their unknown fields), added ones appended, removed ones removed; everything else (ids,
    /// rule names, metadata, directories, scope) is untouched.
    pub fn from_mapping_set(set: &MappingSet, options: &Options) -> SynchronizationSchema {
        let options = &*options.for_dialect(set.dialect);
        let fresh = Self::generate(set, options);
        let base = set
            .graph_schema
            .as_deref()
            .and_then(|text| serde_json::from_str::<SynchronizationSchema>(text).ok());
        let Some(mut base) = base else {
            return fresh;
        };
        let Some(r) = base.rule() else {
            return fresh;
        };
        let target_dir = base
            .synchronization_rules
            .get(r)
            .and_then(|rule| base.target_directory(rule))
            .cloned();
        let mut fresh_oms = fresh
            .synchronization_rules
            .into_iter()
            .flat_map(|rule| rule.object_mappings);
        let fresh_user = set.users.as_ref().and_then(|_| fresh_oms.next());
        let fresh_group = set.groups.as_ref().and_then(|_| fresh_oms.next());
        let Some(rule) = base.synchronization_rules.get_mut(r) else {
            return base;
        };
        // Which object mapping holds users and which groups, as `to_mapping_set` reads them.
        let (user_at, group_at, _) = object_mapping_uses(rule);
        let mut removed = Vec::new();
        for (at, object, fresh_om) in [
            (user_at, &set.users, fresh_user),
            (group_at, &set.groups, fresh_group),
        ] {
            match (at, object, fresh_om) {
                (Some(i), Some(object), Some(fresh_om)) => {
                    if let Some(om) = rule.object_mappings.get_mut(i) {
                        *om = merge_object(i, om, object, fresh_om, target_dir.as_ref(), options);
                    }
                }
                (None, Some(_), Some(fresh_om)) => rule.object_mappings.push(fresh_om),
                (Some(i), None, _) => removed.push(i),
                _ => {}
            }
        }
        removed.sort_unstable();
        for i in removed.into_iter().rev() {
            rule.object_mappings.remove(i);
        }
        base
    }

    /// A new Graph schema for a mapping set (what Entra would export for it).
    fn generate(set: &MappingSet, options: &Options) -> SynchronizationSchema {
        let mut object_mappings = Vec::new();
        let mut definitions = Vec::new();
        // Cloud Sync's Active Directory names its objects in lower case.
        let (user, group) = match set.dialect {
            Some(Dialect::CloudSync) => ("user", "group"),
            _ => ("User", "Group"),
        };
        for (source_object, object) in [(user, &set.users), (group, &set.groups)] {
            let Some(object) = object else { continue };
            let mut attrs = Vec::new();
            let attribute_mappings = object
                .mappings
                .iter()
                .map(|m| {
                    attrs.push(AttributeDefinition {
                        name: m.target.clone(),
                        kind: Some(type_name(m.target_type).into()),
                        case_exact: Some(m.case_exact),
                        multivalued: Some(m.multivalued),
                        extra: Map::new(),
                    });
                    GraphAttributeMapping {
                        default_value: m.default.clone(),
                        flow_behavior: Some(
                            if m.flow == Flow::Always {
                                "FlowAlways"
                            } else {
                                "FlowWhenChanged"
                            }
                            .into(),
                        ),
                        flow_type: Some(
                            if m.apply == Apply::OnCreate {
                                "ObjectAddOnly"
                            } else {
                                "Always"
                            }
                            .into(),
                        ),
                        matching_priority: m.matching,
                        source: m
                            .source_text()
                            .and_then(|t| crate::syntax::parse(&t, options).ok())
                            .map(|p| graph::to_graph(&p.expr)),
                        target_attribute_name: m.target.clone(),
                        extra: Map::from_iter([(
                            "exportMissingReferences".to_string(),
                            json!(false),
                        )]),
                    }
                })
                .collect();
            let flow_types = object
                .actions
                .iter()
                .map(|a| format!("{a:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            let scope = (!object.scope.is_empty()).then(|| {
                json!({"groups": object.scope.iter().map(|g| json!({"name": g.name, "clauses": g.clauses.iter().map(|c| json!({
                    "operatorName": c.operator, "sourceOperandName": c.attribute,
                    "targetOperand": {"values": c.values}})).collect::<Vec<_>>()})).collect::<Vec<_>>()})
            });
            object_mappings.push(GraphObjectMapping {
                name: Some(Some(object.name.clone())),
                enabled: Some(object.enabled),
                flow_types: Some(flow_types),
                scope,
                source_object_name: Some(source_object.into()),
                target_object_name: Some(object.target_object.clone()),
                attribute_mappings,
                extra: Map::new(),
            });
            definitions.push(ObjectDefinition {
                name: object.target_object.clone(),
                attributes: attrs,
                extra: Map::new(),
            });
        }
        // A Cloud Sync set is written as Cloud Sync's rule, so it reads back as one.
        let (rule, source_dir, target_dir) = match set.dialect {
            Some(Dialect::CloudSync) => (
                "AD2AADProvisioning",
                "Active Directory",
                "Microsoft Entra ID".to_string(),
            ),
            _ => (
                "USERGROUP_OUTBOUND_USERGROUP",
                "Azure Active Directory",
                set.name.clone(),
            ),
        };
        SynchronizationSchema {
            id: Some(format!("{}.entramap", set.name)),
            synchronization_rules: vec![SynchronizationRule {
                name: Some(rule.into()),
                source_directory_name: Some(source_dir.into()),
                target_directory_name: Some(target_dir.clone()),
                object_mappings,
                extra: Map::new(),
            }],
            directories: vec![
                DirectoryDefinition {
                    name: Some(source_dir.into()),
                    objects: Vec::new(),
                    extra: Map::new(),
                },
                DirectoryDefinition {
                    name: Some(target_dir),
                    objects: definitions,
                    extra: Map::new(),
                },
            ],
            extra: Map::new(),
        }
    }
}
