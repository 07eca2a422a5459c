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
    /// Why: the group and its priority, the attribute's value, or why the user is unmapped.
    pub organization_why: String,
    /// Where a first sync creates the user, before Apply org and role settings.
    pub first_sync_organization: Option<String>,
    /// The roles from the user's mapped groups (their union), in the configuration's order;
    /// `None`: the organization's default roles.
    pub roles: Option<Vec<String>>,
    /// The mapped groups the roles come from, or "organization defaults".
    pub roles_from: RolesFrom,
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
    /// Whether the user gets the plan's basic roles.
    pub basic_roles: BasicRoles,
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
    /// Cannot be told: the organization's defaults, or (plans that back up) not both Desktop
    /// User and PROe User, which only users who back up need.
    Check,
    /// The user does not reach Code42.
    NotApplicable,
}

/// A user in several mapped groups, and the priority that decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeveralGroups {
    /// The user's `userName`.
    pub user_name: Option<String>,
    /// The user's line.
    pub line: usize,
    /// The mapped groups, with their priorities, highest first.
    pub groups: Vec<(String, usize)>,
    /// The organization the first gives.
    pub organization: String,
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
    /// Users whose basic roles cannot be told (organization defaults; plans that back up:
    /// not both Desktop User and PROe User): check who backs up.
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
    /// The created user's SCIM resource; for a user not created, its text values.
    resource: Option<Json>,
    created_now: bool,
    created: Option<ObjectRef>,
    soft_deleted: bool,
    in_scope: bool,
    outcome: Outcome,
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
    let current = TargetStore::default();
    let mut state = RunState::new(TargetStore::default());
    let mut errors = Vec::new();
    let mut synced = Vec::new();
    let mut group_records = 0;
    // The users' SCIM groups, by the created user's reference.
    let mut members: HashMap<ObjectRef, Vec<String>> = HashMap::new();
    let mut provisioned_groups = Vec::new();
    for (kind, inputs) in [(ResourceKind::User, users), (ResourceKind::Group, groups)] {
        for input in inputs {
            for record in input.records {
                let record = record?;
                let line = record.line;
                let text = record
                    .text
                    .map_err(|reason| RecordError::new(kind, line, Code::UnreadableRecord, reason));
                let planned = text
                    .as_deref()
                    .map_err(Clone::clone)
                    .and_then(|text| plan(engine, kind, line, text, &current));
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
                        resource: created_resource(&applied.requests, ResourceKind::User)
                            .or_else(|| would_send(engine, text.as_deref().ok())),
                        created_now: applied.outcome == Outcome::Created,
                        created: applied.created.clone(),
                        soft_deleted,
                        in_scope,
                        outcome: applied.outcome.clone(),
                    }),
                    ResourceKind::Group => {
                        group_records += 1;
                        let Some(name) = created_resource(&applied.requests, kind)
                            .as_ref()
                            .and_then(|g| g.get("displayName"))
                            .and_then(Json::as_str)
                            .map(str::to_string)
                        else {
                            continue;
                        };
                        for member in added_members(&applied.requests) {
                            let groups = members.entry(member.clone()).or_default();
                            if !groups.contains(&name) {
                                groups.push(name.clone());
                            }
                        }
                        provisioned_groups.push(name);
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

/// A record planned against the empty app.
fn plan(
    engine: &Engine,
    kind: ResourceKind,
    line: usize,
    text: &[u8],
    current: &TargetStore,
) -> Result<crate::provision::Plan, RecordError> {
    let slots = engine
        .read_record(line, text)
        .map_err(|e| RecordError::new(kind, line, Code::UnreadableRecord, e.0))?;
    let mut env = crate::eval::Env::new(engine.options())
        .map_err(|e| RecordError::new(kind, line, Code::BadOption, e.to_string()))?;
    engine.plan_record(kind, line, &slots, &mut env, current)
}

/// What a user not created would be sent (its values laid out by target path), to name it.
fn would_send(engine: &Engine, text: Option<&[u8]>) -> Option<Json> {
    let record: serde_json::Map<String, Json> = serde_json::from_slice(text?).ok()?;
    let values = engine.values(ResourceKind::User, &record).ok()?;
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
    let text = |key: &str| {
        user.resource
            .as_ref()
            .and_then(|r| r.get(key))
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    let mut out = UserPreview {
        line: user.line,
        file: user.file.clone(),
        user_name: text("userName"),
        external_id: text("externalId"),
        organization: None,
        organization_why: String::new(),
        first_sync_organization: None,
        roles: None,
        roles_from: RolesFrom::Defaults("organization defaults"),
        groups,
        status: Status::Active,
        status_why: None,
        blocked_at: None,
        deactivated_at: None,
        basic_roles: BasicRoles::NotApplicable,
    };
    let deactivate = |out: &mut UserPreview, why: &str| {
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
        let delay = chrono::Duration::from_std(config.deactivation_delay).unwrap_or_default();
        out.deactivated_at = Some(timestamp(now + delay));
    };
    let resource = match &user.resource {
        Some(resource) if user.created_now => resource,
        _ => {
            if user.soft_deleted && user.in_scope {
                out.organization_why = "not created: disabled in Entra".into();
                deactivate(
                    &mut out,
                    "disabled in Entra: a first sync does not create this user; if Code42 already holds them, Entra deactivates them",
                );
            } else {
                out.status = Status::NotProvisioned;
                out.organization_why = "not provisioned".into();
                out.status_why = Some(user.outcome.to_string());
            }
            return out;
        }
    };
    if resource.get("active") == Some(&Json::Bool(false)) {
        deactivate(&mut out, "created with active false");
    }
    let unmapped = config.unmapped.clone();
    let (organization, why, first_sync) = match &config.method {
        OrgMethod::Single { organization } => (
            Some(organization.value.clone()),
            "the single organization".to_string(),
            Some(organization.value.clone()),
        ),
        OrgMethod::C42OrgName => match c42_org_name(resource) {
            Ok(name) => (Some(name.clone()), "c42OrgName".into(), Some(name)),
            Err(why) => (
                unmapped.clone(),
                format!("unmapped: c42OrgName {why}"),
                unmapped,
            ),
        },
        OrgMethod::Attribute { attribute } => {
            let path = TargetPath::parse(&attribute.value).ok();
            match path.map(|p| text_at(resource, &p)) {
                Some(Ok(name)) => (
                    Some(name.clone()),
                    format!("{} = \"{name}\"", attribute.value),
                    Some(name),
                ),
                Some(Err(why)) => (
                    unmapped.clone(),
                    format!("unmapped: {} {why}", attribute.value),
                    unmapped,
                ),
                None => (unmapped.clone(), "unmapped".into(), unmapped),
            }
        }
        OrgMethod::ScimGroups { groups } => {
            let mut mapped: Vec<(&str, usize, &str)> = groups
                .iter()
                .flat_map(|g| {
                    g.groups
                        .iter()
                        .filter(|name| out.groups.contains(&name.value))
                        .map(|name| (name.value.as_str(), g.priority, g.organization.as_str()))
                })
                .collect();
            mapped.sort_by_key(|(_, priority, _)| *priority);
            // Entra creates users before it sends groups and their members: when a user is
            // created, Code42 knows none of their groups.
            let first_sync = unmapped.clone();
            match mapped.split_first() {
                None => (
                    unmapped,
                    if out.groups.is_empty() {
                        "unmapped: in no SCIM group".into()
                    } else {
                        format!("unmapped: no mapped group ({})", out.groups.join(", "))
                    },
                    first_sync,
                ),
                Some(((group, priority, organization), rest)) => {
                    let mut why = format!("group \"{group}\" (priority {priority})");
                    if !rest.is_empty() {
                        let others: Vec<String> = rest
                            .iter()
                            .map(|(g, p, _)| format!("\"{g}\" (priority {p})"))
                            .collect();
                        why.push_str(&format!("; also in {}", others.join(", ")));
                    }
                    (Some(organization.to_string()), why, first_sync)
                }
            }
        }
    };
    out.organization = organization;
    out.organization_why = why;
    out.first_sync_organization = first_sync;
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
    out.basic_roles = if from.is_empty() {
        BasicRoles::Check
    } else if config.plan.is_agent_plan() {
        if roles.iter().any(|r| r == super::config::AGENT_USER) {
            BasicRoles::Ok
        } else {
            BasicRoles::Missing
        }
    } else if config
        .plan
        .basic_roles()
        .iter()
        .all(|basic| roles.iter().any(|r| r == basic))
    {
        BasicRoles::Ok
    } else {
        BasicRoles::Check
    };
    if !from.is_empty() {
        out.roles = Some(roles);
        out.roles_from = RolesFrom::Groups(from);
    }
    out
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
    let reached = |u: &&UserPreview| u.organization.is_some();
    let unmapped_users = users
        .iter()
        .filter(reached)
        .filter(|u| u.organization_why.starts_with("unmapped"))
        .map(who)
        .collect();
    let several_groups = users
        .iter()
        .filter(|u| u.organization_why.contains("; also in"))
        .filter_map(|u| {
            let OrgMethod::ScimGroups { groups } = &config.method else {
                return None;
            };
            let mut mapped: Vec<(String, usize)> = groups
                .iter()
                .flat_map(|g| {
                    g.groups
                        .iter()
                        .filter(|name| u.groups.contains(&name.value))
                        .map(|name| (name.value.clone(), g.priority))
                })
                .collect();
            mapped.sort_by_key(|(_, p)| *p);
            Some(SeveralGroups {
                user_name: u.user_name.clone(),
                line: u.line,
                groups: mapped,
                organization: u.organization.clone().unwrap_or_default(),
            })
        })
        .collect();
    let named: Vec<&str> = config.named_groups().map(|g| g.value.as_str()).collect();
    let mut groups_without_mapping: Vec<String> = provisioned_groups
        .iter()
        .filter(|g| !named.contains(&g.as_str()))
        .cloned()
        .collect();
    groups_without_mapping.sort();
    groups_without_mapping.dedup();
    let mut groups_not_provisioned: Vec<String> = named
        .iter()
        .filter(|g| !provisioned_groups.iter().any(|p| p == *g))
        .map(|g| g.to_string())
        .collect();
    groups_not_provisioned.sort();
    groups_not_provisioned.dedup();
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
                    .filter(reached)
                    .filter(|u| !u.organization_why.starts_with("unmapped"))
                    .filter_map(|u| u.organization.clone()),
            );
        }
    }
    must_exist.extend(config.unmapped.clone());
    for list in [&mut created, &mut must_exist] {
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
        check_basic_roles: with(BasicRoles::Check),
    }
}
