//! What the run knows of the target before it starts: the app's current objects (`--current`:
//! SCIM resources with their `id`) and the links Entra keeps from earlier cycles (`--state`:
//! source objectId → target id). Read-only while records are planned.
//!
//! An object is found in the target the way Entra finds it (docs/mapping.md#cycles): by its
//! link from an earlier cycle, else by the matching attributes (the GET queries), else by its
//! anchor — the resource whose `externalId` is the source's objectId.

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

use std::borrow::Cow;
use std::sync::OnceLock;

use foldhash::{HashMap, HashMapExt};

use serde_json::Value as Json;

use crate::scim::{ResourceKind, get_path, path::TargetPath};

/// Users and groups already in the target app, and the links from earlier cycles.
#[derive(Debug, Default, Clone)]
pub struct TargetStore {
    /// By kind (users, groups).
    resources: [Resources; 2],
    /// By kind: resource `id` → index.
    by_id: [HashMap<String, usize>; 2],
    /// By kind: resource `externalId` → index.
    by_external_id: [HashMap<String, usize>; 2],
    /// Source objectId → (kind, target id), from earlier cycles.
    links: HashMap<String, (ResourceKind, String)>,
    /// The matching attributes' indexes, each built before a run plans (or on its first
    /// query); planning threads read them without locking. More distinct paths than slots
    /// are searched one by one.
    matching: [OnceLock<MatchIndex>; MATCH_PATHS],
}

/// One kind's resources as compact JSON text, read again when a record needs one: a
/// `serde_json::Value` costs about 6 KB a user, its text about 600 bytes
/// (docs/architecture.md#the-targets-current-objects).
#[derive(Debug, Default, Clone)]
struct Resources {
    text: Vec<Box<str>>,
    /// Each one's `id`, for links and anchors without reading the resource.
    ids: Vec<Option<Box<str>>>,
}

impl Resources {
    fn get(&self, index: usize) -> Option<Json> {
        serde_json::from_str(self.text.get(index)?).ok()
    }

    fn id(&self, index: usize) -> Option<&str> {
        self.ids.get(index)?.as_deref()
    }
}

const MATCH_PATHS: usize = 8;

/// One kind's resources by their text at one path, ASCII-lowercased (SCIM `eq` on text):
/// the first resource that has each.
#[derive(Debug, Clone)]
struct MatchIndex {
    kind: ResourceKind,
    path: TargetPath,
    first: HashMap<String, usize>,
}

impl MatchIndex {
    /// Read every resource: on every core of the current rayon pool when `parallel` (the run
    /// builds its indexes before planning, [`TargetStore::index_matching`]); on this thread
    /// alone inside a `OnceLock`'s initializer, where a rayon wait could run another query of
    /// the same lock on this thread.
    fn new(
        kind: ResourceKind,
        path: &TargetPath,
        resources: &Resources,
        parallel: bool,
    ) -> MatchIndex {
        use rayon::prelude::*;
        let key = |index: usize| match get_path(&resources.get(index)?, path) {
            Some(Json::String(text)) => Some(text.to_ascii_lowercase()),
            _ => None,
        };
        let indices = 0..resources.text.len();
        let keys: Vec<Option<String>> = if parallel {
            indices.into_par_iter().map(key).collect()
        } else {
            indices.map(key).collect()
        };
        let mut first = HashMap::with_capacity(keys.len());
        for (index, key) in keys.into_iter().enumerate() {
            if let Some(key) = key {
                first.entry(key).or_insert(index);
            }
        }
        MatchIndex {
            kind,
            path: path.clone(),
            first,
        }
    }
}

/// One resource of the target, ready to be added to a [`TargetStore`]: sorted into users and
/// groups (by `schemas`, else by `userName` vs `members`), its text compact.
#[derive(Debug)]
pub struct Resource {
    kind: ResourceKind,
    text: Box<str>,
    id: Option<Box<str>>,
    external_id: Option<String>,
}

impl Resource {
    /// Sort `resource` and take what the store keeps of it.
    pub fn new(resource: &Json) -> Resource {
        let is_group = resource
            .get("schemas")
            .and_then(Json::as_array)
            .is_some_and(|s| {
                s.iter()
                    .any(|u| u.as_str().is_some_and(|u| u.ends_with(":Group")))
            })
            || (resource.get("userName").is_none() && resource.get("displayName").is_some());
        let text = |key: &str| resource.get(key).and_then(Json::as_str);
        Resource {
            kind: if is_group {
                ResourceKind::Group
            } else {
                ResourceKind::User
            },
            // (`serde_json::to_string`, not `Display`, which goes through `fmt` a few bytes
            // at a time.)
            text: serde_json::to_string(resource)
                .unwrap_or_default()
                .into_boxed_str(),
            id: text("id").map(Box::from),
            external_id: text("externalId").map(str::to_string),
        }
    }
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
        for resource in resources {
            store.push(&resource);
        }
        store
    }

    /// Add one resource (a reader can hand them over one at a time, never holding them all
    /// parsed).
    pub fn push(&mut self, resource: &Json) {
        self.add(Resource::new(resource));
    }

    /// Add a resource prepared by [`Resource::new`] (which readers run in parallel).
    pub fn add(&mut self, resource: Resource) {
        let Resource {
            kind,
            text,
            id,
            external_id,
        } = resource;
        let k = slot(kind);
        let Some(list) = self.resources.get_mut(k) else {
            return;
        };
        let index = list.text.len();
        list.text.push(text);
        if let (Some(id), Some(map)) = (&id, self.by_id.get_mut(k)) {
            map.entry(id.to_string()).or_insert(index);
        }
        list.ids.push(id);
        if let (Some(external_id), Some(map)) = (external_id, self.by_external_id.get_mut(k)) {
            map.entry(external_id).or_insert(index);
        }
        // An index built before this resource came would miss it.
        self.matching = Default::default();
    }

    /// Add links from an earlier cycle (a state file's).
    pub fn with_links(mut self, links: impl IntoIterator<Item = super::Link>) -> TargetStore {
        for link in links {
            self.links
                .insert(link.source_id, (link.kind, link.target_id));
        }
        self
    }

    /// Forget the link of source object `object_id` (its target is gone).
    pub fn forget_link(&mut self, object_id: &str) {
        self.links.remove(object_id);
    }

    /// Every target id the store knows: its resources' ids and the targets of its links.
    pub fn target_ids(&self) -> impl Iterator<Item = &str> {
        self.by_id
            .iter()
            .flat_map(|ids| ids.keys().map(String::as_str))
            .chain(self.links.values().map(|(_, target)| target.as_str()))
    }

    /// The links from earlier cycles: (kind, source objectId, target id).
    pub fn links(&self) -> impl Iterator<Item = (ResourceKind, &str, &str)> {
        self.links
            .iter()
            .map(|(source, (kind, target))| (*kind, source.as_str(), target.as_str()))
    }

    /// The index of the resource whose value at `path` equals `value` (SCIM `eq`: text
    /// compared ignoring ASCII case; other values never equal). The first, if several do.
    pub fn find_index(&self, kind: ResourceKind, path: &TargetPath, value: &str) -> Option<usize> {
        let resources = self.resources.get(slot(kind))?;
        if resources.text.is_empty() {
            return None;
        }
        if let Some(index) = self.index(kind, path) {
            let folded = if value.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(value.to_ascii_lowercase())
            } else {
                Cow::Borrowed(value)
            };
            return index.first.get(folded.as_ref()).copied();
        }
        (0..resources.text.len()).find(|&i| {
            resources.get(i).is_some_and(|r| match get_path(&r, path) {
                Some(Json::String(s)) => s.eq_ignore_ascii_case(value),
                _ => false,
            })
        })
    }

    /// Build the index [`TargetStore::find_index`] uses for `path` now, on every core, not
    /// on its first query (a run does, before planning).
    pub fn index_matching(&self, kind: ResourceKind, path: &TargetPath) {
        let indexed = |slot: &OnceLock<MatchIndex>| {
            slot.get()
                .is_some_and(|index| index.kind == kind && index.path == *path)
        };
        if self.matching.iter().any(indexed) {
            return;
        }
        if let (Some(resources), Some(free)) = (
            self.resources.get(slot(kind)),
            self.matching.iter().find(|slot| slot.get().is_none()),
        ) {
            // (Should a query fill the slot first, its index is kept; this one is dropped.)
            let _ = free.set(MatchIndex::new(kind, path, resources, true));
        }
    }

    /// `path`'s index, built if a slot is free.
    fn index(&self, kind: ResourceKind, path: &TargetPath) -> Option<&MatchIndex> {
        let resources = self.resources.get(slot(kind))?;
        self.matching.iter().find_map(|slot| {
            // An empty slot is filled with this path's index; a full one may hold another's.
            let index = slot.get_or_init(|| MatchIndex::new(kind, path, resources, false));
            (index.kind == kind && index.path == *path).then_some(index)
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
        let id = self.id(kind, index)?.to_string();
        Some(Linked {
            id,
            index: Some(index),
        })
    }

    /// The resource at `index` (from [`TargetStore::find_index`]), read again from its text:
    /// call it once a record.
    pub fn get(&self, kind: ResourceKind, index: usize) -> Option<Json> {
        self.resources.get(slot(kind))?.get(index)
    }

    /// The `id` of the resource at `index`.
    pub fn id(&self, kind: ResourceKind, index: usize) -> Option<&str> {
        self.resources.get(slot(kind))?.id(index)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> TargetPath {
        TargetPath::parse(text).expect("a valid path")
    }

    #[test]
    fn a_resource_kept_as_text_reads_back_the_same() {
        // Numbers too: kept as the shortest text that round-trips, and read back exactly
        // (serde_json's float_roundtrip), so an update never sees a changed value.
        let text = r#"{"id":"u1","userName":"a","x":[0.30000000000000004,1.7976931348623157e308,
            5e-324,123456789012345678901234567890,-0.0,1.0715660391465826e-75,
            -1.81996730402717e-179],
            "name":{"givenName":"Zoë"}}"#;
        let original: Json = serde_json::from_str(text).unwrap();
        let store = TargetStore::new([original.clone()]);
        assert_eq!(store.get(ResourceKind::User, 0), Some(original));
        assert_eq!(store.id(ResourceKind::User, 0), Some("u1"));
    }

    #[test]
    fn matching_finds_the_first_resource_whose_text_equals_ignoring_case() {
        let store = TargetStore::new((0..20).map(|i| {
            serde_json::json!({
                "id": format!("u{i}"),
                "userName": format!("User{}@Contoso.com", i % 10),
                "emails": [{"type": "work", "value": format!("w{i}@x")}],
                "active": true,
            })
        }));
        let user = ResourceKind::User;
        let user_name = path("userName");
        assert_eq!(
            store.find_index(user, &user_name, "user3@contoso.COM"),
            Some(3)
        );
        assert_eq!(store.find_index(user, &user_name, "user3@contoso.co"), None);
        assert_eq!(
            store.find_index(ResourceKind::Group, &user_name, "user3@contoso.com"),
            None
        );
        let work = path("emails[type eq \"work\"].value");
        assert_eq!(store.find_index(user, &work, "W17@X"), Some(17));
        // Text only: `true` is not the text "true".
        assert_eq!(store.find_index(user, &path("active"), "true"), None);
        // More distinct paths than indexes: still found, by search.
        for extra in [
            "displayName",
            "title",
            "nickName",
            "locale",
            "timezone",
            "profileUrl",
        ] {
            assert_eq!(store.find_index(user, &path(extra), "x"), None);
        }
        assert_eq!(store.find_index(user, &path("id"), "U12"), Some(12));
        assert_eq!(
            store.find_index(user, &user_name, "USER9@contoso.com"),
            Some(9)
        );
    }
}
