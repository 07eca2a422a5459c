//! The target app's current state, as `--current` gives it: SCIM resources with their `id`,
//! used for matching (the GET queries Entra sends) and for update diffs.

use serde_json::Value as Json;

use crate::scim::{ResourceKind, get_path, path::TargetPath};

/// Users and groups already in the target app.
#[derive(Debug, Default, Clone)]
pub struct TargetStore {
    users: Vec<Json>,
    groups: Vec<Json>,
}

impl TargetStore {
    /// Sort resources into users and groups (by `schemas`, else by `userName` vs `members`).
    pub fn new(resources: impl IntoIterator<Item = Json>) -> TargetStore {
        let mut store = TargetStore::default();
        for r in resources {
            let is_group = r.get("schemas").and_then(Json::as_array).is_some_and(|s| {
                s.iter()
                    .any(|u| u.as_str().is_some_and(|u| u.ends_with(":Group")))
            }) || (r.get("userName").is_none() && r.get("displayName").is_some());
            if is_group {
                store.groups.push(r)
            } else {
                store.users.push(r)
            }
        }
        store
    }

    /// The index of the resource whose value at `path` equals `value` (SCIM `eq`: case-insensitive for text).
    pub fn find_index(&self, kind: ResourceKind, path: &TargetPath, value: &str) -> Option<usize> {
        self.list(kind)
            .iter()
            .position(|r| match get_path(r, path) {
                Some(Json::String(s)) => s.eq_ignore_ascii_case(value),
                Some(other) => *other == value,
                None => false,
            })
    }

    /// The resource at `index` (from [`TargetStore::find_index`]).
    pub fn get(&self, kind: ResourceKind, index: usize) -> Option<&Json> {
        self.list(kind).get(index)
    }

    fn list(&self, kind: ResourceKind) -> &[Json] {
        match kind {
            ResourceKind::Group => &self.groups,
            ResourceKind::User => &self.users,
        }
    }

    /// The target id of the user whose `externalId` is `object_id` (a manager or member that
    /// was provisioned in an earlier cycle).
    pub fn user_id_by_external_id(&self, object_id: &str) -> Option<String> {
        self.users
            .iter()
            .find(|r| r.get("externalId").and_then(Json::as_str) == Some(object_id))
            .and_then(|r| r.get("id").and_then(Json::as_str))
            .map(str::to_string)
    }
}
