//! Where Code42 puts each user: the mapping is run as a first sync into an empty Code42 app
//! (users, then groups and their members, by the same engine as `map`), and Code42's
//! organization, role and deactivation rules are applied to what it receives
//! (docs/code42.md#how-the-preview-applies-them).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::Value as Json;

use super::config::{Config, OrgMethod};
use crate::diagnostic::Code;
use crate::eval::Env;
use crate::provision::run::Input;
use crate::provision::target::TargetStore;
use crate::provision::{Engine, Outcome, RecordError, RunState};
use crate::scim::path::TargetPath;
use crate::scim::{Body, Method, ObjectRef, OpPath, OpValue, ResourceKind};

/// One user's place in Code42.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserPreview {
    /// The line of the users input the record starts on.
    pub line: usize,
    /// The file, when the users were a directory of files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The SCIM `userName` Code42 receives (its username).
    pub user_name: Option<String>,
    /// The SCIM `externalId` (Entra's objectId with the usual mapping).
    pub external_id: Option<String>,
    /// The organization after Actions > Apply org and role settings; `None` when Code42
    /// does not get the user.
    pub organization: Option<String>,
    /// Why, as text: the group and its priority, the attribute's value, or why the user is
    /// unmapped ([`UserPreview::placement`] says it in types).
    pub organization_why: String,
    /// What placed the user.
    #[serde(skip)]
    pub placement: Placement,
    /// Where the user is when a first sync creates them, before memberships arrive and Apply
    /// org and role settings runs.
    pub first_sync_organization: Option<String>,
    /// The roles from the user's mapped groups (their union), in the configuration's order;
    /// `None`: the organization's default roles, or the user does not reach Code42.
    pub roles: Option<Vec<String>>,
    /// The mapped groups the roles come from, or "organization defaults"; `None` when the
    /// user does not reach Code42.
    pub roles_from: Option<RolesFrom>,
    /// The SCIM groups the user is a member of in Code42, as provisioned.
    pub groups: Vec<String>,
    /// Active, deactivated (and when), or not provisioned.
    pub status: Status,
    /// Why the status, when it is not active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_why: Option<String>,
    /// When Code42 blocks the user (plans that back up): at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_at: Option<String>,
    /// When Code42 deactivates the user: after the deactivation delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deactivated_at: Option<String>,
    /// Whether the user gets the basic roles the plan needs.
    pub basic_roles: BasicRoles,
}

/// What placed a user in their organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Placement {
    /// The single organization.
    Single,
    /// A value the user was sent with (`c42OrgName`, or the configured attribute).
    Value {
        /// The attribute.
        attribute: String,
    },
    /// The mapped group of highest priority.
    Group {
        /// The group.
        group: String,
        /// Its priority (1 is the highest).
        priority: usize,
        /// The user's other mapped groups, with their priorities.
        others: Vec<(String, usize)>,
    },
    /// No rule: the organization for unmapped users.
    Unmapped {
        /// Why.
        why: String,
    },
    /// The user does not reach Code42.
    #[default]
    NotPlaced,
}

/// Where a user's roles come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RolesFrom {
    /// These mapped groups.
    Groups(Vec<String>),
    /// "organization defaults": no mapped group.
    Defaults(&'static str),
}

/// What Code42 does with the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Created and active.
    Active,
    /// Entra deactivates the user: blocked at once on plans that back up, deactivated after
    /// the delay.
    Deactivated,
    /// Code42 does not get the user (out of scope, or skipped).
    NotProvisioned,
}

impl Status {
    /// As JSON and the table write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Deactivated => "deactivated",
            Status::NotProvisioned => "not-provisioned",
        }
    }
}

/// Whether a user gets the basic roles the plan needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BasicRoles {
    /// The mapped roles include them.
    Ok,
    /// Incydr Professional or Enterprise, and the mapped roles lack Agent User.
    Missing,
    /// Plans that back up: Desktop User or PROe User, not both (a user who backs up needs
    /// both).
    Partial,
    /// Cannot be told: the organization's defaults, or (plans that back up) neither Desktop
    /// User nor PROe User, right only for users who do not back up.
    Check,
    /// The user does not reach Code42.
    NotApplicable,
}

impl BasicRoles {
    /// As JSON and the table write it.
    pub fn as_str(self) -> &'static str {
        match self {
            BasicRoles::Ok => "ok",
            BasicRoles::Missing => "missing",
            BasicRoles::Partial => "partial",
            BasicRoles::Check => "check",
            BasicRoles::NotApplicable => "not-applicable",
        }
    }
}

/// A user in several mapped groups, and the priority that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeveralGroups {
    /// The user's `userName`.
    pub user_name: Option<String>,
    /// The user's line.
    pub line: usize,
    /// The mapped groups, highest priority first.
    pub groups: Vec<GroupPriority>,
    /// The organization the first gives.
    pub organization: String,
}

/// A mapped group and its priority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupPriority {
    /// The group's display name.
    pub group: String,
    /// Its priority (1 is the highest).
    pub priority: usize,
}

/// What the whole preview comes to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Records read: users, groups, and those that failed (they add up).
    pub records: usize,
    /// User records previewed.
    pub users: usize,
    /// Group records read that did not fail.
    pub groups: usize,
    /// Records that failed (their errors are in [`Preview::errors`]).
    pub failed: usize,
    /// Users by status.
    pub statuses: BTreeMap<&'static str, usize>,
    /// Users per organization after Apply org and role settings.
    pub organizations: BTreeMap<String, usize>,
    /// Organizations Code42 creates if missing (the c42OrgName and attribute methods).
    pub organizations_created_if_missing: Vec<String>,
    /// Organizations that must exist before the first sync (the single and group methods,
    /// and the organization for unmapped users).
    pub organizations_that_must_exist: Vec<String>,
    /// Users that reach Code42 but no rule places (by `userName`, else line).
    pub unmapped_users: Vec<String>,
    /// Users in several mapped groups, and which priority decided.
    pub several_groups: Vec<SeveralGroups>,
    /// Groups the mapping provisions that the configuration does not map.
    pub groups_without_mapping: Vec<String>,
    /// Groups the configuration names that this run does not provision to Code42.
    pub groups_not_provisioned: Vec<String>,
    /// Incydr Professional/Enterprise users whose mapped roles lack Agent User.
    pub missing_basic_roles: Vec<String>,
    /// Users of plans that back up with Desktop User or PROe User, not both.
    pub partial_basic_roles: Vec<String>,
    /// Users whose basic roles cannot be told (organization defaults; plans that back up:
    /// neither Desktop User nor PROe User): check who backs up.
    pub check_basic_roles: Vec<String>,
}

/// The preview: every user, the summary, and the records that failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// Every user record that did not fail, in input order.
    pub users: Vec<UserPreview>,
    /// The summary.
    pub summary: Summary,
    /// Every record that failed.
    pub errors: Vec<RecordError>,
}

/// A user as the first sync leaves it: its SCIM resource when created, its number among
/// created users, and what became of it.
struct SyncedUser {
    line: usize,
    file: Option<String>,
    /// What the rules read of the created user's SCIM resource (for a user not created, of
    /// its text values), taken when it is synced: the resource itself is not kept.
    sent: Option<Sent>,
    created_now: bool,
    created: Option<ObjectRef>,
    soft_deleted: bool,
    in_scope: bool,
    outcome: Outcome,
}

/// What the rules read of a user's SCIM resource.
struct Sent {
    user_name: Option<String>,
    external_id: Option<String>,
    /// Sent with `active` false.
    inactive: bool,
    /// The value that names the organization (the c42OrgName and attribute methods), or why
    /// there is none.
    value: Option<Result<String, String>>,
}

impl Sent {
    fn read(resource: &Json, method: &OrgMethod) -> Sent {
        let text = |key: &str| resource.get(key).and_then(Json::as_str).map(str::to_string);
        Sent {
            user_name: text("userName"),
            external_id: text("externalId"),
            inactive: resource.get("active") == Some(&Json::Bool(false)),
            value: match method {
                OrgMethod::C42OrgName => Some(c42_org_name(resource)),
                OrgMethod::Attribute { path, .. } => Some(text_at(resource, path)),
                OrgMethod::Single { .. } | OrgMethod::ScimGroups { .. } => None,
            },
        }
    }
}

/// Run `engine` over the users and groups as a first sync into an empty Code42 app, and apply
/// `config`'s rules. The clock `now` dates deactivations. `Err` only for I/O failures; a
/// record that fails is an error record, and the summary's counts add up to the records read.
pub fn preview(
    engine: &Engine,
    users: Vec<Input<'_>>,
    groups: Vec<Input<'_>>,
    config: &Config,
    now: NaiveDateTime,
) -> std::io::Result<Preview> {
    // One clock and seed for the whole run, as `map`'s; a bad `now` fails before any record.
    let mut env = Env::new(engine.options()).map_err(std::io::Error::other)?;
    let current = TargetStore::default();
    let mut state = RunState::new(TargetStore::default());
    let mut errors = Vec::new();
    let mut synced = Vec::new();
    let mut group_records = 0;
    // The users' SCIM groups, by the created user's reference.
    let mut members: HashMap<ObjectRef, Vec<String>> = HashMap::new();
    let mut provisioned_groups = Vec::new();
    let mut group_names: HashMap<ObjectRef, String> = HashMap::new();
    for (kind, inputs) in [(ResourceKind::User, users), (ResourceKind::Group, groups)] {
        for input in inputs {
            for record in input.records {
                let record = record?;
                let line = record.line;
                let text = record
                    .text
                    .map_err(|reason| RecordError::new(kind, line, Code::UnreadableRecord, reason));
                let planned = text.as_deref().map_err(Clone::clone).and_then(|text| {
                    let slots = engine
                        .read_record(line, text)
                        .map_err(|e| RecordError::new(kind, line, Code::UnreadableRecord, e.0))?;
                    engine.plan_record(kind, line, &slots, &mut env, &current)
                });
                let applied = planned.and_then(|plan| {
                    let flags = (plan.soft_deleted(), plan.in_scope());
                    engine
                        .apply(plan, &mut state)
                        .map(|applied| (applied, flags))
                });
                let (applied, (soft_deleted, in_scope)) = match applied {
                    Ok(done) => done,
                    Err(mut error) => {
                        error.file.clone_from(&input.name);
                        errors.push(error);
                        continue;
                    }
                };
                match kind {
                    ResourceKind::User => synced.push(SyncedUser {
                        line,
                        file: input.name.clone(),
                        sent: created_resource(&applied.requests, ResourceKind::User)
                            .or_else(|| would_send(engine, text.as_deref().ok(), &mut env))
                            .map(|resource| Sent::read(&resource, &config.method)),
                        created_now: applied.outcome == Outcome::Created,
                        created: applied.created.clone(),
                        soft_deleted,
                        in_scope,
                        outcome: applied.outcome.clone(),
                    }),
                    ResourceKind::Group => {
                        group_records += 1;
                        // A group matched to one created earlier in this run (the same
                        // display name) is that group: its members join it.
                        let created = created_resource(&applied.requests, kind)
                            .as_ref()
                            .and_then(|g| g.get("displayName"))
                            .and_then(Json::as_str)
                            .map(str::to_string);
                        let name = match (created, &applied.created) {
                            (Some(name), Some(object)) => {
                                group_names.insert(object.clone(), name.clone());
                                provisioned_groups.push(name.clone());
                                Some(name)
                            }
                            _ => applied
                                .requests
                                .iter()
                                .filter(|r| r.kind == kind)
                                .find_map(|r| group_names.get(r.object.as_ref()?).cloned()),
                        };
                        let Some(name) = name else { continue };
                        for member in added_members(&applied.requests) {
                            let groups = members.entry(member.clone()).or_default();
                            if !groups.contains(&name) {
                                groups.push(name.clone());
                            }
                        }
                    }
                }
            }
        }
    }
    let users: Vec<UserPreview> = synced
        .into_iter()
        .map(|user| {
            let groups = user
                .created
                .as_ref()
                .and_then(|r| members.get(r))
                .cloned()
                .unwrap_or_default();
            place(user, groups, config, now)
        })
        .collect();
    let summary = summarize(
        &users,
        group_records,
        errors.len(),
        &provisioned_groups,
        config,
    );
    Ok(Preview {
        users,
        summary,
        errors,
    })
}

/// What a user not created would be sent (its values laid out by target path), to name it.
fn would_send(engine: &Engine, text: Option<&[u8]>, env: &mut Env<'_>) -> Option<Json> {
    let record: serde_json::Map<String, Json> = serde_json::from_slice(text?).ok()?;
    let values = engine.values_in(ResourceKind::User, &record, env).ok()?;
    let mut resource = serde_json::Map::new();
    for value in values {
        if let Ok(crate::Value::Text(text)) = value.value {
            resource.insert(value.target, Json::String(text));
        }
    }
    Some(Json::Object(resource))
}

/// The body of the POST that creates a `kind` object among `requests`.
fn created_resource(requests: &[crate::scim::Request], kind: ResourceKind) -> Option<Json> {
    requests.iter().find_map(|r| match (&r.method, &r.body) {
        (Method::Post, Some(Body::Resource(body))) if r.kind == kind => Some(body.to_json()),
        _ => None,
    })
}

/// The members a group's requests add.
fn added_members(requests: &[crate::scim::Request]) -> impl Iterator<Item = &ObjectRef> {
    requests
        .iter()
        .filter_map(|r| match &r.body {
            Some(Body::Patch(ops)) => Some(ops),
            _ => None,
        })
        .flatten()
        .filter(|op| op.op.eq_ignore_ascii_case("add"))
        .filter(|op| matches!(&op.path, Some(OpPath::Attribute(p)) if p.eq_ignore_ascii_case("members")))
        .filter_map(|op| match &op.value {
            Some(OpValue::Members { ids, .. }) => Some(ids.iter()),
            _ => None,
        })
        .flatten()
}

/// The text at `path` in a resource, and why there is none.
fn text_at(resource: &Json, path: &TargetPath) -> Result<String, String> {
    match crate::scim::get_path(resource, path) {
        None | Some(Json::Null) => Err("not sent".into()),
        Some(Json::String(s)) if s.trim().is_empty() => Err("empty".into()),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(v @ (Json::Number(_) | Json::Bool(_))) => Ok(v.to_string()),
        Some(other) => Err(format!("{other}, not a name")),
    }
}

/// `c42OrgName`, at the top of the resource or in an extension.
fn c42_org_name(resource: &Json) -> Result<String, String> {
    let top = TargetPath::Simple("c42OrgName".into());
    text_at(resource, &top).or_else(|why| {
        resource
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(key, value)| key.starts_with("urn:") && value.is_object())
            .find_map(|(urn, _)| {
                text_at(
                    resource,
                    &TargetPath::Extension {
                        urn: urn.clone(),
                        attr: "c42OrgName".into(),
                    },
                )
                .ok()
            })
            .ok_or(why)
    })
}

/// The rules, for one user.
fn place(
    user: SyncedUser,
    groups: Vec<String>,
    config: &Config,
    now: NaiveDateTime,
) -> UserPreview {
    let (user_name, external_id) = user.sent.as_ref().map_or((None, None), |s| {
        (s.user_name.clone(), s.external_id.clone())
    });
    let mut out = UserPreview {
        line: user.line,
        file: user.file.clone(),
        user_name,
        external_id,
        organization: None,
        organization_why: String::new(),
        placement: Placement::NotPlaced,
        first_sync_organization: None,
        roles: None,
        roles_from: None,
        groups,
        status: Status::Active,
        status_why: None,
        blocked_at: None,
        deactivated_at: None,
        basic_roles: BasicRoles::NotApplicable,
    };
    let sent = match &user.sent {
        Some(sent) if user.created_now => sent,
        _ => {
            if user.soft_deleted && user.in_scope {
                out.organization_why = "not created: disabled in Entra".into();
                deactivate(
                    &mut out,
                    "disabled in Entra: a first sync does not create this user; if Code42 already holds them, Entra deactivates them",
                    config,
                    now,
                );
            } else {
                out.status = Status::NotProvisioned;
                out.organization_why = "not provisioned".into();
                out.status_why = Some(user.outcome.to_string());
            }
            return out;
        }
    };
    if sent.inactive {
        deactivate(&mut out, "created with active false", config, now);
    }
    let (organization, placement) = organization(sent.value.as_ref(), &out.groups, config);
    out.organization_why = why(&placement, organization.as_deref());
    // With SCIM groups, a user is created before Entra sends the groups and their members:
    // Code42 knows none of their groups then. The other methods decide from the create body.
    out.first_sync_organization = match config.method {
        OrgMethod::ScimGroups { .. } => config.unmapped.clone(),
        _ => organization.clone(),
    };
    out.organization = organization;
    out.placement = placement;
    let mut roles: Vec<String> = Vec::new();
    let mut from = Vec::new();
    for mapping in &config.roles {
        for group in mapping
            .groups
            .iter()
            .filter(|g| out.groups.contains(&g.value))
        {
            from.push(group.value.clone());
            for role in &mapping.roles {
                if !roles.contains(&role.value) {
                    roles.push(role.value.clone());
                }
            }
        }
    }
    out.basic_roles = basic_roles(config.plan, (!from.is_empty()).then_some(&roles));
    if from.is_empty() {
        out.roles_from = Some(RolesFrom::Defaults("organization defaults"));
    } else {
        out.roles = Some(roles);
        out.roles_from = Some(RolesFrom::Groups(from));
    }
    out
}

/// Entra deactivates the user: when Code42 blocks (plans that back up) and deactivates them.
fn deactivate(out: &mut UserPreview, why: &str, config: &Config, now: NaiveDateTime) {
    out.status = Status::Deactivated;
    let blocked = config.plan.blocks_on_deactivation();
    out.status_why = Some(format!(
        "{why}; {}deactivated after the {} delay{}",
        if blocked { "blocked at once, " } else { "" },
        humanize(config.deactivation_delay),
        if blocked {
            " (a user on legal hold stays blocked instead)"
        } else {
            ""
        }
    ));
    out.blocked_at = blocked.then(|| timestamp(now));
    // The configuration bounds the delay (config::MAX_DELAY), so this adds up.
    out.deactivated_at = chrono::Duration::from_std(config.deactivation_delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .map(timestamp);
}

/// The organization the method gives a user Code42 holds, and what decided it.
fn organization(
    value: Option<&Result<String, String>>,
    groups: &[String],
    config: &Config,
) -> (Option<String>, Placement) {
    let unmapped = |why: String| (config.unmapped.clone(), Placement::Unmapped { why });
    match &config.method {
        OrgMethod::Single { organization } => (Some(organization.value.clone()), Placement::Single),
        OrgMethod::C42OrgName => match value.cloned().unwrap_or_else(|| Err("not sent".into())) {
            Ok(name) => (
                Some(name),
                Placement::Value {
                    attribute: "c42OrgName".into(),
                },
            ),
            Err(why) => unmapped(format!("c42OrgName {why}")),
        },
        OrgMethod::Attribute { attribute, .. } => {
            match value.cloned().unwrap_or_else(|| Err("not sent".into())) {
                Ok(name) => (
                    Some(name),
                    Placement::Value {
                        attribute: attribute.value.clone(),
                    },
                ),
                Err(why) => unmapped(format!("{} {why}", attribute.value)),
            }
        }
        OrgMethod::ScimGroups {
            groups: mapped_groups,
        } => {
            let mut mapped: Vec<(String, usize, &str)> = mapped_groups
                .iter()
                .flat_map(|g| {
                    g.groups
                        .iter()
                        .filter(|name| groups.contains(&name.value))
                        .map(|name| (name.value.clone(), g.priority, g.organization.as_str()))
                })
                .collect();
            mapped.sort_by_key(|(_, priority, _)| *priority);
            let mut mapped = mapped.into_iter();
            match mapped.next() {
                None if groups.is_empty() => unmapped("in no SCIM group".into()),
                None => unmapped(format!("no mapped group ({})", groups.join(", "))),
                Some((group, priority, organization)) => (
                    Some(organization.to_string()),
                    Placement::Group {
                        group,
                        priority,
                        others: mapped.map(|(g, p, _)| (g, p)).collect(),
                    },
                ),
            }
        }
    }
}

/// `organizationWhy`.
fn why(placement: &Placement, organization: Option<&str>) -> String {
    match placement {
        Placement::Single => "the single organization".into(),
        Placement::Value { attribute } => {
            format!("{attribute} = \"{}\"", organization.unwrap_or_default())
        }
        Placement::Group {
            group,
            priority,
            others,
        } => {
            let mut why = format!("group \"{group}\" (priority {priority})");
            if !others.is_empty() {
                let others: Vec<String> = others
                    .iter()
                    .map(|(g, p)| format!("\"{g}\" (priority {p})"))
                    .collect();
                why.push_str(&format!("; also in {}", others.join(", ")));
            }
            why
        }
        Placement::Unmapped { why } => format!("unmapped: {why}"),
        Placement::NotPlaced => "not provisioned".into(),
    }
}

/// Whether `roles` (`None`: the organization's defaults) hold the plan's basic roles.
fn basic_roles(plan: super::config::Plan, roles: Option<&Vec<String>>) -> BasicRoles {
    let Some(roles) = roles else {
        return BasicRoles::Check;
    };
    let has = |role: &str| roles.iter().any(|r| r == role);
    let basic = plan.basic_roles();
    let held = basic.iter().filter(|b| has(b)).count();
    match (plan.is_agent_plan(), held) {
        (_, n) if n == basic.len() => BasicRoles::Ok,
        (true, _) => BasicRoles::Missing,
        (false, 0) => BasicRoles::Check,
        (false, _) => BasicRoles::Partial,
    }
}

/// `2026-12-07T10:00:00Z`.
fn timestamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `15-minute`, `2-hour`, `90-second`.
fn humanize(d: std::time::Duration) -> String {
    let s = d.as_secs();
    for (unit, size) in [("day", 86_400), ("hour", 3600), ("minute", 60)] {
        if s >= size && s.is_multiple_of(size) {
            return format!("{}-{unit}", s / size);
        }
    }
    format!("{s}-second")
}

/// A user as lists name them: `userName`, else their line.
fn who(user: &UserPreview) -> String {
    user.user_name
        .clone()
        .unwrap_or_else(|| format!("users line {}", user.line))
}

fn summarize(
    users: &[UserPreview],
    groups: usize,
    failed: usize,
    provisioned_groups: &[String],
    config: &Config,
) -> Summary {
    let mut statuses = BTreeMap::new();
    let mut organizations = BTreeMap::new();
    for user in users {
        *statuses.entry(user.status.as_str()).or_insert(0) += 1;
        if let Some(org) = &user.organization {
            *organizations.entry(org.clone()).or_insert(0) += 1;
        }
    }
    let unmapped_users = users
        .iter()
        .filter(|u| matches!(u.placement, Placement::Unmapped { .. }))
        .map(who)
        .collect();
    let several_groups = users
        .iter()
        .filter_map(|u| match &u.placement {
            Placement::Group {
                group,
                priority,
                others,
            } if !others.is_empty() => Some(SeveralGroups {
                user_name: u.user_name.clone(),
                line: u.line,
                groups: std::iter::once((group, priority))
                    .chain(others.iter().map(|(g, p)| (g, p)))
                    .map(|(group, priority)| GroupPriority {
                        group: group.clone(),
                        priority: *priority,
                    })
                    .collect(),
                organization: u.organization.clone().unwrap_or_default(),
            }),
            _ => None,
        })
        .collect();
    let named: Vec<&str> = config.named_groups().map(|g| g.value.as_str()).collect();
    let mut groups_without_mapping: Vec<String> = provisioned_groups
        .iter()
        .filter(|g| !named.contains(&g.as_str()))
        .cloned()
        .collect();
    let mut groups_not_provisioned: Vec<String> = named
        .iter()
        .filter(|g| !provisioned_groups.iter().any(|p| p == *g))
        .map(|g| g.to_string())
        .collect();
    let (mut created, mut must_exist) = (Vec::new(), Vec::new());
    match &config.method {
        OrgMethod::Single { organization } => must_exist.push(organization.value.clone()),
        OrgMethod::ScimGroups { groups } => {
            must_exist.extend(groups.iter().map(|g| g.organization.clone()));
        }
        OrgMethod::C42OrgName | OrgMethod::Attribute { .. } => {
            created.extend(
                users
                    .iter()
                    .filter(|u| matches!(u.placement, Placement::Value { .. }))
                    .filter_map(|u| u.organization.clone()),
            );
        }
    }
    must_exist.extend(config.unmapped.clone());
    for list in [
        &mut created,
        &mut must_exist,
        &mut groups_without_mapping,
        &mut groups_not_provisioned,
    ] {
        list.sort();
        list.dedup();
    }
    created.retain(|c| !must_exist.contains(c));
    let with = |basic: BasicRoles| {
        users
            .iter()
            .filter(|u| u.basic_roles == basic)
            .map(who)
            .collect()
    };
    Summary {
        records: users.len() + groups + failed,
        users: users.len(),
        groups,
        failed,
        statuses,
        organizations,
        organizations_created_if_missing: created,
        organizations_that_must_exist: must_exist,
        unmapped_users,
        several_groups,
        groups_without_mapping,
        groups_not_provisioned,
        missing_basic_roles: with(BasicRoles::Missing),
        partial_basic_roles: with(BasicRoles::Partial),
        check_basic_roles: with(BasicRoles::Check),
    }
}
