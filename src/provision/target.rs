//! What the run knows of the target before it starts: the app's current objects (`--current`:
//! SCIM resources with their `id`) and the links Entra keeps from earlier cycles (`--state`:
//! source objectId → target id). Read-only while records are planned.
//!
//! An object is found in the target the way Entra finds it (docs/mapping.md#cycles): by its
//! link from an earlier cycle, else by the matching attributes (the GET queries), else by its
//! anchor — the resource whose `externalId` is the source's objectId.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::scim::{ResourceKind, get_path, path::TargetPath};

/// Users and groups already in the target app, and the links from earlier cycles.
#[derive(Debug, Default, Clone)]
pub struct TargetStore {
    users: Vec<Json>,
    groups: Vec<Json>,
    /// By kind: resource `id` → index.
    by_id: [HashMap<String, usize>; 2],
    /// By kind: resource `externalId` → index.
    by_external_id: [HashMap<String, usize>; 2],
    /// Source objectId → (kind, target id), from earlier cycles.
    links: HashMap<String, (ResourceKind, String)>,
}

/// Where a source object's linked target is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// The target id.
    pub id: String,
    /// The resource in `--current`, when it is there.
    pub index: Option<usize>,
}

fn slot(kind: ResourceKind) -> usize {
    usize::from(kind == ResourceKind::Group)
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
            let kind = if is_group {
                ResourceKind::Group
            } else {
                ResourceKind::User
            };
            let list = store.list_mut(kind);
            list.push(r);
            let index = list.len() - 1;
            let text = |key: &str| {
                store
                    .get(kind, index)
                    .and_then(|r| r.get(key))
                    .and_then(Json::as_str)
                    .map(str::to_string)
            };
            let (id, external_id) = (text("id"), text("externalId"));
            if let (Some(id), Some(map)) = (id, store.by_id.get_mut(slot(kind))) {
                map.entry(id).or_insert(index);
            }
            if let (Some(external_id), Some(map)) =
                (external_id, store.by_external_id.get_mut(slot(kind)))
            {
                map.entry(external_id).or_insert(index);
            }
        }
        store
    }

    /// Add links from an earlier cycle: (kind, source objectId, target id).
    pub fn with_links(
        mut self,
        links: impl IntoIterator<Item = (ResourceKind, String, String)>,
    ) -> TargetStore {
        for (kind, source, target) in links {
            self.links.insert(source, (kind, target));
        }
        self
    }

    /// The links from earlier cycles: (kind, source objectId, target id).
    pub fn links(&self) -> impl Iterator<Item = (ResourceKind, &str, &str)> {
        self.links
            .iter()
            .map(|(source, (kind, target))| (*kind, source.as_str(), target.as_str()))
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

    /// The target object source object `object_id` was linked to in an earlier cycle.
    pub fn link(&self, kind: ResourceKind, object_id: &str) -> Option<Linked> {
        let (link_kind, id) = self.links.get(object_id)?;
        if *link_kind != kind {
            return None;
        }
        let index = self.by_id.get(slot(kind)).and_then(|m| m.get(id)).copied();
        Some(Linked {
            id: id.clone(),
            index,
        })
    }

    /// The resource whose `externalId` is `object_id` (the anchor Entra writes), with its id.
    pub fn anchor(&self, kind: ResourceKind, object_id: &str) -> Option<Linked> {
        let index = *self.by_external_id.get(slot(kind))?.get(object_id)?;
        let id = self.get(kind, index)?.get("id")?.as_str()?.to_string();
        Some(Linked {
            id,
            index: Some(index),
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

    fn list_mut(&mut self, kind: ResourceKind) -> &mut Vec<Json> {
        match kind {
            ResourceKind::Group => &mut self.groups,
            ResourceKind::User => &mut self.users,
        }
    }

    /// The target id of the object (a manager or member) whose source objectId is
    /// `object_id`, from an earlier cycle: its link, else its anchor.
    pub fn target_id(&self, object_id: &str) -> Option<String> {
        if let Some((_, id)) = self.links.get(object_id) {
            return Some(id.clone());
        }
        [ResourceKind::User, ResourceKind::Group]
            .into_iter()
            .find_map(|kind| self.anchor(kind, object_id))
            .map(|l| l.id)
    }
}
