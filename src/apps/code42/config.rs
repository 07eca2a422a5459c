//! The Code42 provisioning configuration file (TOML): the product plan, the deactivation
//! delay, the organization mapping and the role mapping, as an admin sets them in the Code42
//! console (docs/code42.md#the-configuration-file). Every error names the file's line and
//! column.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::span::LineIndex;

/// The product plan: which basic roles users need, and whether a deactivation blocks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Plan {
    /// Incydr Professional.
    IncydrProfessional,
    /// Incydr Enterprise.
    IncydrEnterprise,
    /// Incydr Basic.
    IncydrBasic,
    /// Incydr Advanced.
    IncydrAdvanced,
    /// CrashPlan Cloud.
    CrashplanCloud,
    /// Any other plan.
    Other,
}

impl Plan {
    const NAMES: [(&'static str, Plan); 6] = [
        ("incydr-professional", Plan::IncydrProfessional),
        ("incydr-enterprise", Plan::IncydrEnterprise),
        ("incydr-basic", Plan::IncydrBasic),
        ("incydr-advanced", Plan::IncydrAdvanced),
        ("crashplan-cloud", Plan::CrashplanCloud),
        ("other", Plan::Other),
    ];

    /// Incydr Professional and Enterprise: every user needs Agent User, and nobody backs up
    /// (so a deactivation does not block first).
    pub fn is_agent_plan(self) -> bool {
        matches!(self, Plan::IncydrProfessional | Plan::IncydrEnterprise)
    }

    /// The basic roles the guides name for this plan.
    pub fn basic_roles(self) -> &'static [&'static str] {
        if self.is_agent_plan() {
            &[AGENT_USER]
        } else {
            &[DESKTOP_USER, PROE_USER]
        }
    }

    /// Whether Code42 blocks a user at once when Entra deactivates them (plans that back up).
    pub fn blocks_on_deactivation(self) -> bool {
        !self.is_agent_plan()
    }
}

/// The basic role of Incydr Professional and Enterprise.
pub const AGENT_USER: &str = "Agent User";
/// A basic role of the plans that back up.
pub const DESKTOP_USER: &str = "Desktop User";
/// A basic role of the plans that back up.
pub const PROE_USER: &str = "PROe User";
/// The roles Code42's provisioning guides name; a tenant may define others.
pub const GUIDE_ROLES: [&str; 3] = [AGENT_USER, DESKTOP_USER, PROE_USER];

/// How users are placed in organizations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgMethod {
    /// Every user to one organization (which must exist).
    Single {
        /// The organization.
        organization: Located<String>,
    },
    /// By the provider's `c42OrgName` attribute (organizations created as needed).
    C42OrgName,
    /// By the value of a SCIM attribute (organizations created as needed).
    Attribute {
        /// The SCIM attribute path, as the mapping's targets name it.
        attribute: Located<String>,
        /// The same, parsed.
        path: crate::scim::path::TargetPath,
    },
    /// By SCIM group, highest priority first (organizations must exist).
    ScimGroups {
        /// The group mappings in priority order (1 is the highest).
        groups: Vec<GroupOrganization>,
    },
}

impl OrgMethod {
    /// The method as the file names it.
    pub fn name(&self) -> &'static str {
        match self {
            OrgMethod::Single { .. } => "single",
            OrgMethod::C42OrgName => "c42-org-name",
            OrgMethod::Attribute { .. } => "attribute",
            OrgMethod::ScimGroups { .. } => "scim-groups",
        }
    }
}

/// A value and the line and column of the file where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Its line (from 1).
    pub line: usize,
    /// Its column (from 1).
    pub column: usize,
}

/// One `[[organizations.groups]]` entry: these groups' members go to this organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOrganization {
    /// Its priority: 1 is the highest (the first entry).
    pub priority: usize,
    /// The SCIM groups, by display name.
    pub groups: Vec<Located<String>>,
    /// The organization.
    pub organization: String,
}

/// One `[[roles]]` entry: these groups' members get these roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleMapping {
    /// The SCIM groups, by display name.
    pub groups: Vec<Located<String>>,
    /// The roles.
    pub roles: Vec<Located<String>>,
}

/// A Code42 provisioning configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The file it was read from (messages name it).
    pub origin: String,
    /// The product plan.
    pub plan: Plan,
    /// How long Code42 waits before deactivating a user Entra deactivates.
    pub deactivation_delay: std::time::Duration,
    /// The organization mapping method.
    pub method: OrgMethod,
    /// Where users no rule places go (and, with SCIM groups, where a first sync puts
    /// everyone); `None` only for the single method.
    pub unmapped: Option<String>,
    /// Role mapping by SCIM group; empty: every user has their organization's default roles.
    pub roles: Vec<RoleMapping>,
    /// Where `[organizations]` starts, for lints about the method.
    pub method_at: Located<()>,
}

/// A configuration that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}:{column}: {message}")]
pub struct ConfigError {
    /// The file.
    pub origin: String,
    /// The line (from 1).
    pub line: usize,
    /// The column (from 1).
    pub column: usize,
    /// What is wrong and what to do.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    plan: Spanned<String>,
    deactivation_delay: Option<Spanned<String>>,
    organizations: Spanned<RawOrganizations>,
    #[serde(default)]
    roles: Vec<RawRoles>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganizations {
    method: Spanned<String>,
    unmapped: Option<Spanned<String>>,
    organization: Option<Spanned<String>>,
    attribute: Option<Spanned<String>>,
    groups: Option<Spanned<Vec<RawGroupOrganization>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroupOrganization {
    groups: Spanned<Vec<Spanned<String>>>,
    organization: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoles {
    groups: Spanned<Vec<Spanned<String>>>,
    roles: Spanned<Vec<Spanned<String>>>,
}

/// The methods, as the file names them.
const METHODS: [&str; 4] = ["single", "c42-org-name", "attribute", "scim-groups"];

impl Config {
    /// Read a configuration from its text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let index = LineIndex::new(text);
        let at = |offset: usize, message: String| {
            let (line, column) = index.line_col(text, offset);
            ConfigError {
                origin: origin.to_string(),
                line,
                column,
                message,
            }
        };
        let located = |s: &Spanned<String>| {
            let (line, column) = index.line_col(text, s.span().start);
            Located {
                value: s.get_ref().clone(),
                line,
                column,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e.message().trim_end();
            // A top-level key written under a [table] header belongs to that table.
            let hint = if ["`plan`", "`deactivation_delay`"]
                .iter()
                .any(|key| message.starts_with(&format!("unknown field {key}")))
            {
                ": `plan` and `deactivation_delay` go at the top of the file, before [organizations]"
            } else {
                ""
            };
            at(
                offset,
                format!("{message}{hint} (docs/code42.md#the-configuration-file)"),
            )
        })?;
        let name = |value: &Spanned<String>, what: &str| -> Result<Located<String>, ConfigError> {
            if value.get_ref().trim().is_empty() {
                return Err(at(
                    value.span().start,
                    format!("{what} is empty: write the name as the Code42 console shows it"),
                ));
            }
            Ok(located(value))
        };
        let plan = Plan::NAMES
            .iter()
            .find(|(name, _)| *name == raw.plan.get_ref())
            .map(|(_, plan)| *plan)
            .ok_or_else(|| {
                let names: Vec<&str> = Plan::NAMES.iter().map(|(n, _)| *n).collect();
                at(
                    raw.plan.span().start,
                    format!(
                        "unknown plan `{}`{}; the plans are {}",
                        raw.plan.get_ref(),
                        crate::diagnostic::suggest::did_you_mean(
                            raw.plan.get_ref(),
                            names.iter().copied()
                        ),
                        names.join(", ")
                    ),
                )
            })?;
        let deactivation_delay = match &raw.deactivation_delay {
            None => std::time::Duration::from_secs(15 * 60),
            Some(delay) => parse_delay(delay.get_ref()).ok_or_else(|| {
                at(
                    delay.span().start,
                    format!(
                        "`{}` is not a delay: write a whole number and a unit, such as \"15m\", \"2h\" or \"1d\", up to 365 days",
                        delay.get_ref()
                    ),
                )
            })?,
        };
        let organizations_at = raw.organizations.span().start;
        let organizations = raw.organizations.into_inner();
        let method_name = organizations.method.get_ref().as_str();
        let method_at = organizations.method.span().start;
        let unknown_method = || {
            at(
                method_at,
                format!(
                    "unknown organization mapping method `{method_name}`{}; the methods are {}",
                    crate::diagnostic::suggest::did_you_mean(method_name, METHODS),
                    METHODS.join(", ")
                ),
            )
        };
        // First: a mistyped method would otherwise be reported as keys it does not read.
        if !METHODS.contains(&method_name) {
            return Err(unknown_method());
        }
        // A key the chosen method does not read would be silently ignored: refused, naming it.
        let span_of = |s: &Option<Spanned<String>>| s.as_ref().map(Spanned::span);
        for (key, span, method) in [
            (
                "organization",
                span_of(&organizations.organization),
                "single",
            ),
            ("attribute", span_of(&organizations.attribute), "attribute"),
            (
                "groups",
                organizations.groups.as_ref().map(Spanned::span),
                "scim-groups",
            ),
        ] {
            if let Some(span) = span
                && method_name != method
            {
                return Err(at(
                    span.start,
                    format!(
                        "`{key}` is read only by the method \"{method}\", and the method is \"{method_name}\": remove it, or change the method"
                    ),
                ));
            }
        }
        let required = |key: &str, value: &Option<Spanned<String>>| match value {
            Some(value) => name(value, &format!("`{key}`")),
            None => Err(at(
                method_at,
                format!("the method \"{method_name}\" needs `{key}` in [organizations]"),
            )),
        };
        let method = match method_name {
            "single" => OrgMethod::Single {
                organization: required("organization", &organizations.organization)?,
            },
            "c42-org-name" => OrgMethod::C42OrgName,
            "attribute" => {
                let attribute = required("attribute", &organizations.attribute)?;
                let offset = span_of(&organizations.attribute).map_or(0, |s| s.start);
                let path = crate::scim::path::TargetPath::parse(&attribute.value)
                    .map_err(|e| at(offset, format!("`attribute`: {e}")))?;
                OrgMethod::Attribute { attribute, path }
            }
            "scim-groups" => OrgMethod::ScimGroups {
                groups: group_organizations(organizations.groups, &at, &name)?,
            },
            _ => return Err(unknown_method()),
        };
        let unmapped = match (&method, &organizations.unmapped) {
            (OrgMethod::Single { .. }, Some(u)) => {
                return Err(at(
                    u.span().start,
                    "`unmapped` is not read by the method \"single\" (every user goes to its organization): remove it, or change the method".into(),
                ));
            }
            (OrgMethod::Single { .. }, None) => None,
            (_, Some(u)) => Some(name(u, "`unmapped`")?.value),
            (_, None) => {
                return Err(at(
                    organizations_at,
                    format!(
                        "the method \"{method_name}\" needs `unmapped` in [organizations]: the organization for users no rule places (Code42 asks for it with this method)"
                    ),
                ));
            }
        };
        let roles = role_mappings(raw.roles, &at, &name)?;
        let (line, column) = index.line_col(text, method_at);
        Ok(Config {
            origin: origin.to_string(),
            plan,
            deactivation_delay,
            method,
            unmapped,
            roles,
            method_at: Located {
                value: (),
                line,
                column,
            },
        })
    }

    /// Every group the configuration names, with where.
    pub fn named_groups(&self) -> impl Iterator<Item = &Located<String>> {
        let organization_groups = match &self.method {
            OrgMethod::ScimGroups { groups } => groups.as_slice(),
            _ => &[],
        };
        organization_groups
            .iter()
            .flat_map(|g| &g.groups)
            .chain(self.roles.iter().flat_map(|r| &r.groups))
    }
}

/// Reads a name (not empty) with where it is; the `&str` says what it is in messages.
type Name<'a> = dyn Fn(&Spanned<String>, &str) -> Result<Located<String>, ConfigError> + 'a;

/// `[[organizations.groups]]`: a group may be listed under one priority only.
fn group_organizations(
    raw: Option<Spanned<Vec<RawGroupOrganization>>>,
    at: &dyn Fn(usize, String) -> ConfigError,
    name: &Name<'_>,
) -> Result<Vec<GroupOrganization>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut out = Vec::new();
    for (i, entry) in raw.into_inner().into_iter().enumerate() {
        let priority = i + 1;
        if entry.groups.get_ref().is_empty() {
            return Err(at(
                entry.groups.span().start,
                "`groups` is empty: name at least one SCIM group".into(),
            ));
        }
        let mut groups = Vec::new();
        for group in entry.groups.get_ref() {
            let g = name(group, "a group name")?;
            if let Some((other, line)) = seen.insert(g.value.clone(), (priority, g.line)) {
                return Err(at(
                    group.span().start,
                    format!(
                        "the group \"{}\" is listed under priority {other} (line {line}) and priority {priority}: Code42 maps a group to one organization; keep one",
                        g.value
                    ),
                ));
            }
            groups.push(g);
        }
        let organization = name(&entry.organization, "`organization`")?.value;
        out.push(GroupOrganization {
            priority,
            groups,
            organization,
        });
    }
    Ok(out)
}

/// `[[roles]]`: a group may be in one role mapping only (Code42 offers only unmapped groups).
fn role_mappings(
    raw: Vec<RawRoles>,
    at: &dyn Fn(usize, String) -> ConfigError,
    name: &Name<'_>,
) -> Result<Vec<RoleMapping>, ConfigError> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for entry in raw {
        for (key, list) in [("groups", &entry.groups), ("roles", &entry.roles)] {
            if list.get_ref().is_empty() {
                return Err(at(
                    list.span().start,
                    format!("`{key}` is empty in a [[roles]] entry: name at least one"),
                ));
            }
        }
        let mut groups = Vec::new();
        for group in entry.groups.get_ref() {
            let g = name(group, "a group name")?;
            if let Some(line) = seen.insert(g.value.clone(), g.line) {
                return Err(at(
                    group.span().start,
                    format!(
                        "the group \"{}\" is in two role mappings (lines {line} and {}): Code42 maps a group's roles once; list all its roles in one entry",
                        g.value, g.line
                    ),
                ));
            }
            groups.push(g);
        }
        let roles = entry
            .roles
            .get_ref()
            .iter()
            .map(|role| name(role, "a role name"))
            .collect::<Result<_, _>>()?;
        out.push(RoleMapping { groups, roles });
    }
    Ok(out)
}

/// The longest deactivation delay read: a year (a longer one is surely a typo, and the time
/// it gives must stay a date).
const MAX_DELAY_SECONDS: u64 = 365 * 86_400;

/// `15m`, `2h`, `1d`, `90s`, `0m`: a whole number and one unit, up to a year.
fn parse_delay(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    number
        .checked_mul(seconds)
        .filter(|s| *s <= MAX_DELAY_SECONDS)
        .map(std::time::Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::parse_delay;

    #[test]
    fn delays() {
        assert_eq!(parse_delay("15m").map(|d| d.as_secs()), Some(900));
        assert_eq!(parse_delay("1d").map(|d| d.as_secs()), Some(86_400));
        assert_eq!(parse_delay("365d").map(|d| d.as_secs()), Some(365 * 86_400));
        for bad in [
            "",
            "m",
            "15",
            "15 minutes",
            "-5m",
            "1.5h",
            "366d",
            "100000000000d",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_delay(bad), None, "{bad}");
        }
    }
}
