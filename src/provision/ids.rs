//! Target ids a run remembers: Entra objectId → the id the target gave (or this run gave),
//! and which source objects the run has seen (so one listed twice is provisioned once).

use std::collections::HashMap;

use crate::scim::ResourceKind;

/// The target id of an object, kept small: a run over a million users remembers every id it
/// gave, so managers and members can be linked to users created earlier in the run.
#[derive(Debug, Clone)]
pub(super) enum TargetId {
    /// `{prefix}user-{n:04}`, given by this run.
    User(u32),
    /// `{prefix}group-{n:04}`, given by this run.
    Group(u32),
    /// An id the target already had.
    Known(Box<str>),
    /// The object was deleted in this run: no longer linked.
    Deleted,
}

impl TargetId {
    pub(super) fn render(&self, prefix: &str) -> String {
        match self {
            TargetId::User(n) => format!("{prefix}user-{n:04}"),
            TargetId::Group(n) => format!("{prefix}group-{n:04}"),
            TargetId::Known(id) => id.to_string(),
            TargetId::Deleted => String::new(),
        }
    }
}

/// Entra objectId → target id. Ids this run gave to objects with GUID objectIds (nearly all)
/// are kept in 20 bytes an entry, so a run over a million users stays small.
#[derive(Debug, Default)]
pub(super) struct IdMap {
    created: HashMap<[u8; 16], u32, GuidHash>,
    others: HashMap<Box<str>, (ResourceKind, TargetId)>,
}

/// GUIDs are random already: their first eight bytes are a good hash.
#[derive(Debug, Default, Clone, Copy)]
struct GuidHash;

impl std::hash::BuildHasher for GuidHash {
    type Hasher = GuidHasher;
    fn build_hasher(&self) -> GuidHasher {
        GuidHasher(0)
    }
}

#[derive(Debug)]
struct GuidHasher(u64);

impl std::hash::Hasher for GuidHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            for (slot, byte) in b.iter_mut().zip(chunk) {
                *slot = *byte;
            }
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(b);
        }
    }
}

/// Top bit of a packed created id: a group.
const GROUP_BIT: u32 = 1 << 31;

impl IdMap {
    fn guid(id: &str) -> Option<[u8; 16]> {
        let b = id.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
            return None;
        }
        let hex: String = id.chars().filter(|c| *c != '-').collect();
        u128::from_str_radix(&hex, 16).ok().map(u128::to_be_bytes)
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        self.created.reserve(additional);
    }

    pub(super) fn insert(&mut self, kind: ResourceKind, object_id: &str, target: TargetId) {
        let packed = match &target {
            TargetId::User(n) if *n < GROUP_BIT => Some(*n),
            TargetId::Group(n) if *n < GROUP_BIT => Some(*n | GROUP_BIT),
            _ => None,
        };
        match (IdMap::guid(object_id), packed) {
            (Some(g), Some(p)) => {
                self.created.insert(g, p);
            }
            _ => {
                self.others.insert(object_id.into(), (kind, target));
            }
        }
    }

    pub(super) fn get(&self, object_id: &str) -> Option<TargetId> {
        self.lookup(object_id)
            .filter(|t| !matches!(t, TargetId::Deleted))
    }

    fn lookup(&self, object_id: &str) -> Option<TargetId> {
        if let Some(p) = IdMap::guid(object_id).and_then(|g| self.created.get(&g)) {
            return Some(if p & GROUP_BIT != 0 {
                TargetId::Group(p & !GROUP_BIT)
            } else {
                TargetId::User(*p)
            });
        }
        self.others.get(object_id).map(|(_, t)| t.clone())
    }

    /// Every link: (kind, source objectId, target id, or `None` when the object was deleted),
    /// GUIDs in lower case.
    pub(super) fn links(&self, prefix: &str) -> Vec<(ResourceKind, String, Option<String>)> {
        let mut out: Vec<(ResourceKind, String, Option<String>)> = self
            .created
            .iter()
            .map(|(guid, packed)| {
                let (kind, target) = if packed & GROUP_BIT != 0 {
                    (ResourceKind::Group, TargetId::Group(packed & !GROUP_BIT))
                } else {
                    (ResourceKind::User, TargetId::User(*packed))
                };
                (kind, render_guid(guid), Some(target.render(prefix)))
            })
            .collect();
        out.extend(self.others.iter().map(|(oid, (kind, t))| {
            let target = (!matches!(t, TargetId::Deleted)).then(|| t.render(prefix));
            (*kind, oid.to_string(), target)
        }));
        out
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case.
fn render_guid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let part = |a: usize, b: usize| hex.get(a..b).unwrap_or("");
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// The source objects a run has seen, by kind, and the line each was first seen on.
#[derive(Debug, Default)]
pub(super) struct Seen {
    guids: [HashMap<[u8; 16], u32, GuidHash>; 2],
    others: [HashMap<Box<str>, u32>; 2],
}

impl Seen {
    /// Note `object_id` on `line`; the line it was first seen on, if it was seen before.
    pub(super) fn first_seen(
        &mut self,
        kind: ResourceKind,
        object_id: &str,
        line: usize,
    ) -> Option<usize> {
        let k = usize::from(kind == ResourceKind::Group);
        let line32 = u32::try_from(line).unwrap_or(u32::MAX);
        let earlier = match IdMap::guid(object_id) {
            Some(g) => self.guids.get_mut(k).and_then(|m| {
                let earlier = m.get(&g).copied();
                m.entry(g).or_insert(line32);
                earlier
            }),
            None => self.others.get_mut(k).and_then(|m| {
                let earlier = m.get(object_id).copied();
                m.entry(object_id.into()).or_insert(line32);
                earlier
            }),
        };
        earlier.map(|l| l as usize)
    }
}
