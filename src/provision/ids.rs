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

/// What a run knows of each source object, by objectId: the target id this run gave it (or
/// the target's own id), and the line the object was first seen on (so one listed twice is
/// provisioned once). GUID objectIds (nearly all) are kept in one entry of 24 bytes, so a run
/// over millions of users stays small.
#[derive(Debug, Default)]
pub(super) struct IdMap {
    guids: HashMap<[u8; 16], Entry, GuidHash>,
    /// Target ids that are not this run's packed numbers, and every non-GUID objectId.
    others: HashMap<Box<str>, (ResourceKind, TargetId)>,
    /// First lines of non-GUID objectIds, by kind.
    others_seen: [HashMap<Box<str>, u32>; 2],
}

/// One GUID objectId: a packed created id (`GROUP_BIT` for groups) or `NONE`, and the first
/// line it was seen on (`GROUP_BIT` for groups) or `NONE`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    created: u32,
    seen: u32,
}

const NONE: u32 = u32::MAX;

impl Default for Entry {
    fn default() -> Entry {
        Entry {
            created: NONE,
            seen: NONE,
        }
    }
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

/// Top bit of a packed created id or seen line: a group.
const GROUP_BIT: u32 = 1 << 31;

fn kind_bit(kind: ResourceKind) -> u32 {
    if kind == ResourceKind::Group {
        GROUP_BIT
    } else {
        0
    }
}

impl IdMap {
    /// The 16 bytes of a GUID in its 36-character text form (either case); `None` otherwise.
    /// Called for every record, so it parses in place without allocating.
    fn guid(id: &str) -> Option<[u8; 16]> {
        let b = id.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut value: u128 = 0;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return None;
                }
                continue;
            }
            let digit = char::from(c).to_digit(16)?;
            value = (value << 4) | u128::from(digit);
        }
        Some(value.to_be_bytes())
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        self.guids.reserve(additional);
    }

    /// Remember that source object `object_id` is `target` in the target.
    pub(super) fn insert(&mut self, kind: ResourceKind, object_id: &str, target: TargetId) {
        let packed = match &target {
            TargetId::User(n) if *n < GROUP_BIT => Some(*n),
            TargetId::Group(n) if *n < GROUP_BIT => Some(*n | GROUP_BIT),
            _ => None,
        };
        match (IdMap::guid(object_id), packed) {
            (Some(g), Some(p)) => {
                self.guids.entry(g).or_default().created = p;
                self.others.remove(object_id);
            }
            _ => {
                if let Some(entry) = IdMap::guid(object_id).and_then(|g| self.guids.get_mut(&g)) {
                    entry.created = NONE;
                }
                self.others.insert(object_id.into(), (kind, target));
            }
        }
    }

    /// The target id of source object `object_id`, if this run knows it.
    pub(super) fn get(&self, object_id: &str) -> Option<TargetId> {
        let created = IdMap::guid(object_id)
            .and_then(|g| self.guids.get(&g))
            .map(|e| e.created)
            .filter(|p| *p != NONE);
        if let Some(p) = created {
            return Some(if p & GROUP_BIT != 0 {
                TargetId::Group(p & !GROUP_BIT)
            } else {
                TargetId::User(p)
            });
        }
        self.others
            .get(object_id)
            .map(|(_, t)| t.clone())
            .filter(|t| !matches!(t, TargetId::Deleted))
    }

    /// Note that `object_id` (a `kind`) is on `line`; the line it was first seen on, if it was
    /// seen before.
    pub(super) fn first_seen(
        &mut self,
        kind: ResourceKind,
        object_id: &str,
        line: usize,
    ) -> Option<usize> {
        let mark = u32::try_from(line)
            .unwrap_or(GROUP_BIT - 1)
            .min(GROUP_BIT - 1)
            | kind_bit(kind);
        if let Some(g) = IdMap::guid(object_id) {
            let entry = self.guids.entry(g).or_default();
            if entry.seen == NONE {
                entry.seen = mark;
                return None;
            }
            return (entry.seen & GROUP_BIT == kind_bit(kind))
                .then_some((entry.seen & !GROUP_BIT) as usize);
        }
        let seen = self
            .others_seen
            .get_mut(usize::from(kind == ResourceKind::Group))?;
        match seen.get(object_id) {
            Some(first) => Some(*first as usize),
            None => {
                seen.insert(object_id.into(), mark & !GROUP_BIT);
                None
            }
        }
    }

    /// Every link: (kind, source objectId, target id, or `None` when the object was deleted),
    /// GUIDs in lower case.
    pub(super) fn links(&self, prefix: &str) -> Vec<(ResourceKind, String, Option<String>)> {
        let mut out: Vec<(ResourceKind, String, Option<String>)> = self
            .guids
            .iter()
            .filter(|(_, e)| e.created != NONE)
            .map(|(guid, e)| {
                let (kind, target) = if e.created & GROUP_BIT != 0 {
                    (ResourceKind::Group, TargetId::Group(e.created & !GROUP_BIT))
                } else {
                    (ResourceKind::User, TargetId::User(e.created))
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
