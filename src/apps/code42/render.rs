//! The preview's output formats: a table for people, JSON lines (one object per user, the
//! keys docs/code42.md#json-output lists), CSV for a spreadsheet; and the summary as text.

use std::io::Write;

use super::preview::{Preview, RolesFrom, Summary, UserPreview};

/// One JSON object per user, a line each.
pub fn write_json_lines(preview: &Preview, out: &mut dyn Write) -> std::io::Result<()> {
    for user in &preview.users {
        serde_json::to_writer(&mut *out, user)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The columns of the table and the CSV.
const COLUMNS: [&str; 8] = [
    "line",
    "user",
    "organization",
    "why",
    "first sync",
    "roles",
    "status",
    "basic roles",
];

fn roles_cell(user: &UserPreview) -> String {
    match (&user.roles, &user.roles_from) {
        (Some(roles), Some(RolesFrom::Groups(groups))) => {
            format!("{} (from {})", roles.join(", "), groups.join(", "))
        }
        (_, Some(RolesFrom::Defaults(text))) => (*text).to_string(),
        _ => "-".into(),
    }
}

/// A cell on one line: control characters (a line break in a name) shown escaped.
fn one_line(cell: String) -> String {
    if !cell.chars().any(char::is_control) {
        return cell;
    }
    cell.chars().flat_map(char::escape_default).collect()
}

fn status_cell(user: &UserPreview) -> String {
    let mut cell = user.status.as_str().to_string();
    if let Some(at) = &user.blocked_at {
        cell.push_str(&format!(" (blocked {at}"));
        if let Some(d) = &user.deactivated_at {
            cell.push_str(&format!(", deactivated {d}"));
        }
        cell.push(')');
    } else if let Some(d) = &user.deactivated_at {
        cell.push_str(&format!(" ({d})"));
    }
    cell
}

fn row(user: &UserPreview) -> [String; 8] {
    let line = match &user.file {
        Some(file) => format!("{file}:{}", user.line),
        None => user.line.to_string(),
    };
    [
        line,
        user.user_name.clone().unwrap_or_else(|| "-".into()),
        user.organization.clone().unwrap_or_else(|| "-".into()),
        user.organization_why.clone(),
        user.first_sync_organization
            .clone()
            .unwrap_or_else(|| "-".into()),
        roles_cell(user),
        status_cell(user),
        user.basic_roles.as_str().to_string(),
    ]
    .map(one_line)
}

/// Aligned columns, a header first.
pub fn write_table(preview: &Preview, out: &mut dyn Write) -> std::io::Result<()> {
    let rows: Vec<[String; 8]> = preview.users.iter().map(row).collect();
    let mut widths = COLUMNS.map(|c| c.chars().count());
    for r in &rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header = COLUMNS.map(|c| c.to_uppercase());
    for cells in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// CSV with every key of the JSON output (lists joined by `; `; the JSON keeps names that
/// hold `; ` apart).
pub fn write_csv(preview: &Preview, out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "line",
        "file",
        "userName",
        "externalId",
        "organization",
        "organizationWhy",
        "firstSyncOrganization",
        "roles",
        "rolesFrom",
        "groups",
        "status",
        "statusWhy",
        "blockedAt",
        "deactivatedAt",
        "basicRoles",
    ])?;
    for user in &preview.users {
        let roles_from = match &user.roles_from {
            Some(RolesFrom::Groups(groups)) => groups.join("; "),
            Some(RolesFrom::Defaults(text)) => (*text).to_string(),
            None => String::new(),
        };
        w.write_record([
            user.line.to_string(),
            user.file.clone().unwrap_or_default(),
            user.user_name.clone().unwrap_or_default(),
            user.external_id.clone().unwrap_or_default(),
            user.organization.clone().unwrap_or_default(),
            user.organization_why.clone(),
            user.first_sync_organization.clone().unwrap_or_default(),
            user.roles
                .as_ref()
                .map(|r| r.join("; "))
                .unwrap_or_default(),
            roles_from,
            user.groups.join("; "),
            user.status.as_str().to_string(),
            user.status_why.clone().unwrap_or_default(),
            user.blocked_at.clone().unwrap_or_default(),
            user.deactivated_at.clone().unwrap_or_default(),
            user.basic_roles.as_str().to_string(),
        ])?;
    }
    w.flush()
}

/// The summary, for people.
pub fn summary_text(summary: &Summary) -> String {
    let mut out = format!(
        "{} records: {} users, {} groups, {} failed\n",
        summary.records, summary.users, summary.groups, summary.failed
    );
    let statuses: Vec<String> = summary
        .statuses
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    out.push_str(&format!("users: {}\n", statuses.join(", ")));
    for (org, n) in &summary.organizations {
        out.push_str(&format!("organization \"{org}\": {n} user{}\n", plural(*n)));
    }
    let list = |out: &mut String, label: &str, items: &[String]| {
        if !items.is_empty() {
            out.push_str(&format!("{label}: {}\n", items.join(", ")));
        }
    };
    list(
        &mut out,
        "organizations created if missing",
        &summary.organizations_created_if_missing,
    );
    list(
        &mut out,
        "organizations that must exist before the first sync",
        &summary.organizations_that_must_exist,
    );
    list(&mut out, "unmapped users", &summary.unmapped_users);
    for several in &summary.several_groups {
        let groups: Vec<String> = several
            .groups
            .iter()
            .map(|g| format!("\"{}\" ({})", g.group, g.priority))
            .collect();
        out.push_str(&format!(
            "in several mapped groups: {} (users line {}): {} → \"{}\" by priority\n",
            several.user_name.as_deref().unwrap_or("-"),
            several.line,
            groups.join(", "),
            several.organization
        ));
    }
    list(
        &mut out,
        "groups provisioned without a mapping",
        &summary.groups_without_mapping,
    );
    list(
        &mut out,
        "groups in the configuration that this run does not provision",
        &summary.groups_not_provisioned,
    );
    list(&mut out, "missing Agent User", &summary.missing_basic_roles);
    list(
        &mut out,
        "Desktop User or PROe User but not both",
        &summary.partial_basic_roles,
    );
    list(
        &mut out,
        "check basic roles (organization defaults, or neither Desktop User nor PROe User)",
        &summary.check_basic_roles,
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
