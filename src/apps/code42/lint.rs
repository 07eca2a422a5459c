//! What a Code42 configuration gets wrong against the mapping set that feeds it
//! (docs/code42.md#lints): `entramap check -m SET --code42 FILE`, and before every preview.

use super::config::{Config, GUIDE_ROLES, OrgMethod};
use crate::diagnostic::Code;
use crate::mapping::MappingSet;
use crate::options::Options;
use crate::provision::{Engine, Verdict};
use crate::scim::ResourceKind;
use crate::scim::path::TargetPath;

/// One finding, at a line and column of the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lint {
    /// Its code (docs/codes.md).
    #[serde(serialize_with = "code_text")]
    pub code: Code,
    /// The configuration file.
    pub file: String,
    /// The line (from 1).
    pub line: usize,
    /// The column (from 1).
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

fn code_text<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.as_str())
}

/// `warning[code42-unknown-role]: code42.toml:12:10: …`
impl std::fmt::Display for Lint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}[{}]: {}:{}:{}: {}",
            match self.code.severity() {
                crate::diagnostic::Severity::Error => "error",
                crate::diagnostic::Severity::Warning => "warning",
            },
            self.code,
            self.file,
            self.line,
            self.column,
            self.message
        )
    }
}

/// Every finding of `config` against `set` (its scoping filter read with `options`), in the
/// file's order.
pub fn lint(config: &Config, set: &MappingSet, options: &Options) -> Vec<Lint> {
    let mut out = Vec::new();
    let mut at = |code: Code, line: usize, column: usize, message: String| {
        out.push(Lint {
            code,
            file: config.origin.clone(),
            line,
            column,
            message,
        });
    };
    let method = &config.method_at;
    match &config.method {
        OrgMethod::C42OrgName => at(
            Code::C42OrgName,
            method.line,
            method.column,
            format!(
                "Code42's Entra guide says not to choose the c42OrgName method: Microsoft Entra ID does not support it{}. Use \"attribute\" (a SCIM attribute the mapping sends) or \"scim-groups\"",
                if sends_c42_org_name(set) {
                    " (this set sends a c42OrgName attribute, which the preview follows; check Code42 reads it)"
                } else {
                    ", and this set never sends c42OrgName: users go to the organization for unmapped users"
                }
            ),
        ),
        OrgMethod::Attribute { attribute, path } => {
            if !sends(set, path) {
                at(
                    Code::Code42AttributeNotSent,
                    attribute.line,
                    attribute.column,
                    format!(
                        "the mapping set `{}` never sends `{}`: every user would go to the organization for unmapped users. Name a target attribute its user mapping sends",
                        set.name, attribute.value
                    ),
                );
            }
        }
        OrgMethod::Single { .. } | OrgMethod::ScimGroups { .. } => {}
    }
    let provisions_groups = set.groups.as_ref().is_some_and(|g| g.enabled);
    if !provisions_groups {
        let uses_groups = matches!(config.method, OrgMethod::ScimGroups { .. });
        if uses_groups || !config.roles.is_empty() {
            // At the method when it is the one that needs groups, else at the first role mapping.
            let (line, column) = match config.roles.first().and_then(|r| r.groups.first()) {
                Some(group) if !uses_groups => (group.line, group.column),
                _ => (method.line, method.column),
            };
            at(
                Code::Code42NoGroups,
                line,
                column,
                format!(
                    "{} SCIM groups, and the mapping set `{}` provisions none (it has no enabled group mapping): Code42 would see no groups. Provision groups, or use another method without role mapping",
                    match (uses_groups, config.roles.is_empty()) {
                        (true, false) => "the method \"scim-groups\" and role mapping need",
                        (true, true) => "the method \"scim-groups\" needs",
                        _ => "role mapping needs",
                    },
                    set.name
                ),
            );
        }
        for group in config.named_groups() {
            at(
                Code::Code42GroupNotProvisioned,
                group.line,
                group.column,
                format!(
                    "the group \"{}\" never reaches Code42: the mapping set `{}` provisions no groups",
                    group.value, set.name
                ),
            );
        }
    } else {
        for (group, why) in out_of_scope(config, set, options) {
            at(
                Code::Code42GroupNotProvisioned,
                group.line,
                group.column,
                format!(
                    "the group \"{}\" never reaches Code42: the group mapping's scoping filter leaves it out ({why})",
                    group.value
                ),
            );
        }
    }
    for role in config.roles.iter().flat_map(|r| &r.roles) {
        if !GUIDE_ROLES.contains(&role.value.as_str()) {
            let near = GUIDE_ROLES
                .iter()
                .find(|known| known.eq_ignore_ascii_case(role.value.trim()))
                .map(|known| format!(" (did you mean `{known}`?)"))
                .unwrap_or_else(|| {
                    crate::diagnostic::suggest::did_you_mean(&role.value, GUIDE_ROLES)
                });
            at(
                Code::Code42UnknownRole,
                role.line,
                role.column,
                format!(
                    "the role \"{}\" is not one Code42's provisioning guides name{near}; a tenant may define its own, so check it exists in the Code42 console",
                    role.value
                ),
            );
        }
    }
    out.sort_by_key(|l| (l.line, l.column));
    out
}

/// The named groups a group scoping filter that reads only `displayName` leaves out, with the
/// group and clause that decided (the name is all that is known of a group before data).
fn out_of_scope<'c>(
    config: &'c Config,
    set: &MappingSet,
    options: &Options,
) -> Vec<(&'c super::config::Located<String>, String)> {
    let Some(groups) = set.groups.as_ref().filter(|g| !g.scope.is_empty()) else {
        return Vec::new();
    };
    let by_name_only = groups
        .scope
        .iter()
        .flat_map(|g| &g.clauses)
        .all(|c| c.attribute.eq_ignore_ascii_case("displayName"));
    let Some(engine) = by_name_only
        .then(|| Engine::new(set, options).ok())
        .flatten()
    else {
        return Vec::new();
    };
    config
        .named_groups()
        .filter_map(|group| {
            let mut record = serde_json::Map::new();
            record.insert("displayName".into(), group.value.clone().into());
            let report = engine.scope(ResourceKind::Group, &record)?;
            (report.verdict == Verdict::False).then(|| (group, report.reason()))
        })
        .collect()
}

/// The target paths of the set's enabled user mappings.
fn targets(set: &MappingSet) -> impl Iterator<Item = TargetPath> + '_ {
    set.users
        .iter()
        .filter(|u| u.enabled)
        .flat_map(|users| &users.mappings)
        .filter_map(|m| TargetPath::parse(&m.target).ok())
}

/// Whether the set's user mapping sends `attribute` (compared as SCIM paths, ignoring case).
fn sends(set: &MappingSet, attribute: &TargetPath) -> bool {
    let wanted = attribute.to_string().to_ascii_lowercase();
    targets(set).any(|t| t.to_string().to_ascii_lowercase() == wanted)
}

/// Whether the set sends `c42OrgName`, at the top or in an extension (where the preview
/// looks for it).
fn sends_c42_org_name(set: &MappingSet) -> bool {
    targets(set).any(|t| match t {
        TargetPath::Simple(a) | TargetPath::Extension { attr: a, .. } => {
            a.eq_ignore_ascii_case("c42OrgName")
        }
        _ => false,
    })
}
