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
        // (By hand, not `format!`: a run renders one or two ids per record on its serial stage.)
        let numbered = |kind: &str, n: u32| {
            let mut id = String::with_capacity(prefix.len() + kind.len() + 10);
            id.push_str(prefix);
            id.push_str(kind);
            let digits = n.to_string();
            for _ in digits.len()..4 {
                id.push('0');
            }
            id.push_str(&digits);
            id
        };
        match self {
            TargetId::User(n) => numbered("user-", *n),
            TargetId::Group(n) => numbered("group-", *n),
            TargetId::Known(id) => id.to_string(),
            TargetId::Deleted => String::new(),
        }
    }
}

/// A source objectId, its GUID parsed once (on the parallel stage of a run, not the serial).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ObjectId {
    text: String,
    guid: Option<[u64; 2]>,
}

impl ObjectId {
    pub(super) fn new(text: String) -> ObjectId {
        let guid = IdMap::guid(&text);
        ObjectId { text, guid }
    }

    pub(super) fn as_str(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// What a run knows of each source object, by objectId: the target id this run gave it (or
/// the target's own id), and the line the object was first seen on (so one listed twice is
/// provisioned once). GUID objectIds (nearly all) are kept in a [`GuidTable`], 24 bytes a
/// slot, so a run over millions of users stays small (docs/architecture.md#memory).
#[derive(Debug, Default)]
pub(super) struct IdMap {
    guids: GuidTable,
    /// Target ids that are not this run's packed numbers, and every non-GUID objectId.
    others: HashMap<Box<str>, (ResourceKind, TargetId)>,
    /// First lines of non-GUID objectIds, by kind.
    others_seen: [HashMap<Box<str>, u32>; 2],
}

/// One GUID objectId: a packed created id (`GROUP_BIT` for groups) or `NONE`, and the first
/// line it was seen on (`GROUP_BIT` for groups) or `NONE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// GUID → [`Entry`]: open addressing with linear probing in 256 segments, each grown on its
/// own by a quarter. Not a `HashMap`: its power-of-two tables leave a map of 2 million entries
/// under half full (4 million buckets, ~100 MB); here slots stay 64–85 % full, and growing
/// copies one segment at a time, so memory never doubles at once.
#[derive(Debug)]
struct GuidTable {
    segments: Vec<Segment>,
}

#[derive(Debug, Default)]
struct Segment {
    slots: Vec<Slot>,
    len: usize,
}

/// A GUID as two numbers (never both zero: the nil GUID is kept with the other objectIds)
/// and its entry: 24 bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    key: [u64; 2],
    entry: Entry,
}

const SEGMENTS: usize = 256;
const EMPTY: [u64; 2] = [0, 0];

impl Default for GuidTable {
    fn default() -> GuidTable {
        GuidTable {
            segments: (0..SEGMENTS).map(|_| Segment::default()).collect(),
        }
    }
}

impl GuidTable {
    /// The key's hash: GUIDs are mostly random already, but sequential ones exist.
    fn hash(key: [u64; 2]) -> u64 {
        (key[0] ^ key[1].rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn segment(hash: u64) -> usize {
        (hash >> 56) as usize % SEGMENTS
    }

    fn get(&self, key: [u64; 2]) -> Option<Entry> {
        let hash = GuidTable::hash(key);
        let segment = self.segments.get(GuidTable::segment(hash))?;
        let i = segment.find(key, hash).ok()?;
        segment.slots.get(i).map(|s| s.entry)
    }

    /// Read the slot where `key`'s search starts, so that it is in the cache when it is
    /// needed: the serial stage touches a whole block's slots first, and the CPU overlaps
    /// those misses instead of waiting for each in turn.
    fn touch(&self, key: [u64; 2]) -> u64 {
        let hash = GuidTable::hash(key);
        self.segments
            .get(GuidTable::segment(hash))
            .and_then(|s| s.slots.get(Segment::start(s.slots.len(), hash)))
            .map_or(0, |slot| slot.key[0])
    }

    /// The entry of `key`, added (empty) if it is not there.
    /// (`None` cannot happen: the segment index is in range.)
    fn entry(&mut self, key: [u64; 2]) -> Option<&mut Entry> {
        let hash = GuidTable::hash(key);
        let index = GuidTable::segment(hash);
        self.segments.get_mut(index)?.entry(key, hash)
    }

    /// Room for about `additional` more GUIDs without growing.
    fn reserve(&mut self, additional: usize) {
        // Segments get a little more or less than their share: leave room for three standard
        // deviations, so that no segment grows (and copies itself) mid-run.
        let per_segment = additional.div_ceil(SEGMENTS);
        let spread = 3 * per_segment.isqrt() + 8;
        for segment in &mut self.segments {
            let wanted = (segment.len + per_segment + spread) * 100 / 85 + 1;
            if wanted > segment.slots.len() {
                segment.resize(wanted);
            }
        }
    }

    fn iter(&self) -> impl Iterator<Item = ([u64; 2], Entry)> + '_ {
        self.segments
            .iter()
            .flat_map(|s| s.slots.iter())
            .filter(|s| s.key != EMPTY)
            .map(|s| (s.key, s.entry))
    }

    /// Bytes held (docs/architecture.md#memory).
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.segments
            .iter()
            .map(|s| s.slots.capacity() * std::mem::size_of::<Slot>())
            .sum::<usize>()
            + SEGMENTS * std::mem::size_of::<Segment>()
    }
}

impl Segment {
    /// Where the search for `hash` starts in `n` slots: the hash's low bits (the top ones
    /// chose the segment), scaled to the segment.
    fn start(n: usize, hash: u64) -> usize {
        ((u128::from(hash << 8) * n as u128) >> 64) as usize
    }

    /// The slot of `key`, or the empty slot where it would go.
    fn find(&self, key: [u64; 2], hash: u64) -> Result<usize, usize> {
        let n = self.slots.len();
        if n == 0 {
            return Err(0);
        }
        let mut i = Segment::start(n, hash);
        loop {
            match self.slots.get(i) {
                Some(slot) if slot.key == key => return Ok(i),
                Some(slot) if slot.key == EMPTY => return Err(i),
                _ => i = if i + 1 >= n { 0 } else { i + 1 },
            }
        }
    }

    fn entry(&mut self, key: [u64; 2], hash: u64) -> Option<&mut Entry> {
        if (self.len + 1) * 100 > self.slots.len() * 85 {
            self.resize((self.slots.len() * 5 / 4).max(16));
        }
        let i = match self.find(key, hash) {
            Ok(i) => i,
            Err(i) => {
                self.len += 1;
                if let Some(slot) = self.slots.get_mut(i) {
                    *slot = Slot {
                        key,
                        entry: Entry::default(),
                    };
                }
                i
            }
        };
        self.slots.get_mut(i).map(|s| &mut s.entry)
    }

    fn resize(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); slots]);
        for slot in old.into_iter().filter(|s| s.key != EMPTY) {
            if let Err(i) = self.find(slot.key, GuidTable::hash(slot.key))
                && let Some(free) = self.slots.get_mut(i)
            {
                *free = slot;
            }
        }
    }
}

/// Each byte's value as a hex digit; `INVALID` for the others, `DASH` for `-`.
#[allow(clippy::indexing_slicing)] // Evaluated at compile time: a bad index fails the build.
const HEX_VALUE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table[b'-' as usize] = DASH;
    table
};
const INVALID: u8 = 0x10;
const DASH: u8 = 0x20;

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
    /// A GUID in its 36-character text form (either case) as two numbers; `None` otherwise,
    /// and for the nil GUID (kept with the other objectIds). Called several times for every
    /// record, so it parses in place without allocating.
    fn guid(id: &str) -> Option<[u64; 2]> {
        let b = id.as_bytes();
        if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b.get(i) != Some(&b'-')) {
            return None;
        }
        let mut value: u128 = 0;
        let mut invalid = 0u8;
        let mut dashes = 0;
        for &c in b {
            // Table lookup, no branches: 0x10 marks a non-hex byte (the dashes are skipped).
            let digit = HEX_VALUE.get(usize::from(c)).copied().unwrap_or(INVALID);
            if digit == DASH {
                dashes += 1;
                continue;
            }
            invalid |= digit;
            value = (value << 4) | u128::from(digit & 0xF);
        }
        let key = [(value >> 64) as u64, value as u64];
        // Only the four dashes checked above: a fifth would leave 31 digits, read as another
        // GUID's key.
        (invalid & INVALID == 0 && dashes == 4 && key != EMPTY).then_some(key)
    }

    /// Bytes the GUID table holds: the part of a run's memory that grows with its objects.
    #[cfg(test)]
    fn guid_bytes(&self) -> usize {
        self.guids.bytes()
    }

    /// Bring `object_id`'s slot into the cache ([`GuidTable::touch`]).
    pub(super) fn touch(&self, object_id: &ObjectId) -> u64 {
        object_id.guid.map_or(0, |g| self.guids.touch(g))
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        self.guids.reserve(additional);
    }

    /// Remember that source object `object_id` is `target` in the target.
    pub(super) fn insert(&mut self, kind: ResourceKind, object_id: &ObjectId, target: TargetId) {
        let guid = object_id.guid;
        let object_id = object_id.as_str();
        let packed = match &target {
            TargetId::User(n) if *n < GROUP_BIT => Some(*n),
            TargetId::Group(n) if *n < GROUP_BIT => Some(*n | GROUP_BIT),
            _ => None,
        };
        match (guid, packed) {
            (Some(g), Some(p)) => {
                if let Some(entry) = self.guids.entry(g) {
                    entry.created = p;
                }
                // (Checked first: hashing the id for an empty map costs as much as the rest.)
                if !self.others.is_empty() {
                    self.others.remove(object_id);
                }
            }
            _ => {
                if let Some(g) = guid
                    && self.guids.get(g).is_some()
                    && let Some(entry) = self.guids.entry(g)
                {
                    entry.created = NONE;
                }
                self.others.insert(object_id.into(), (kind, target));
            }
        }
    }

    /// The target id of source object `object_id`, if this run knows it.
    pub(super) fn get(&self, object_id: &ObjectId) -> Option<TargetId> {
        let created = object_id
            .guid
            .and_then(|g| self.guids.get(g))
            .map(|e| e.created)
            .filter(|p| *p != NONE);
        if let Some(p) = created {
            return Some(if p & GROUP_BIT != 0 {
                TargetId::Group(p & !GROUP_BIT)
            } else {
                TargetId::User(p)
            });
        }
        if self.others.is_empty() {
            return None;
        }
        self.others
            .get(object_id.as_str())
            .map(|(_, t)| t.clone())
            .filter(|t| !matches!(t, TargetId::Deleted))
    }

    /// Note that `object_id` (a `kind`) is on `line`; the line it was first seen on, if it was
    /// seen before.
    pub(super) fn first_seen(
        &mut self,
        kind: ResourceKind,
        object_id: &ObjectId,
        line: usize,
    ) -> Option<usize> {
        let mark = u32::try_from(line)
            .unwrap_or(GROUP_BIT - 1)
            .min(GROUP_BIT - 1)
            | kind_bit(kind);
        if let Some(g) = object_id.guid {
            let entry = self.guids.entry(g)?;
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
        match seen.get(object_id.as_str()) {
            Some(first) => Some(*first as usize),
            None => {
                seen.insert(object_id.as_str().into(), mark & !GROUP_BIT);
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
                (kind, render_guid(&guid), Some(target.render(prefix)))
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
fn render_guid(key: &[u64; 2]) -> String {
    let hex = format!("{:016x}{:016x}", key[0], key[1]);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn guid(n: u64) -> ObjectId {
        let hex = format!("{:016x}{:016x}", n.wrapping_mul(0x2545_F491_4F6C_DD1D), n);
        ObjectId::new(format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        ))
    }

    #[test]
    fn the_guid_table_keeps_every_object_through_growth() {
        let mut ids = IdMap::default();
        for n in 0..50_000u32 {
            let oid = guid(u64::from(n));
            assert_eq!(
                ids.first_seen(ResourceKind::User, &oid, n as usize + 1),
                None
            );
            if n % 3 == 0 {
                ids.insert(ResourceKind::User, &oid, TargetId::User(n));
            }
        }
        for n in 0..50_000u32 {
            let oid = ObjectId::new(guid(u64::from(n)).as_str().to_uppercase());
            assert_eq!(
                ids.first_seen(ResourceKind::User, &oid, 99),
                Some(n as usize + 1)
            );
            let expected = (n % 3 == 0).then_some(n);
            assert_eq!(
                ids.get(&oid).map(|t| t.render("")),
                expected.map(|n| TargetId::User(n).render(""))
            );
        }
        // A user's objectId seen again as a group is not the same object.
        assert_eq!(ids.first_seen(ResourceKind::Group, &guid(7), 5), None);
        let links = ids.links("");
        assert_eq!(links.len(), 16_667);
        assert!(
            links
                .iter()
                .any(|(_, source, _)| source == guid(3).as_str())
        );
    }

    #[test]
    fn only_the_36_character_form_with_four_dashes_is_a_guid() {
        let good = "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
        assert!(IdMap::guid(good).is_some());
        assert_eq!(IdMap::guid(good), IdMap::guid(&good.to_uppercase()));
        for bad in [
            "-aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeee-",
            "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeeg",
            "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeee",
            "0aaaaaaabbbb-cccc-dddd-eeeeeeeeeeeee",
            "00000000-0000-0000-0000-000000000000",
        ] {
            assert_eq!(IdMap::guid(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_nil_guid_and_other_ids_are_kept_beside_the_table() {
        let mut ids = IdMap::default();
        let nil = &ObjectId::new("00000000-0000-0000-0000-000000000000".into());
        let employee = &ObjectId::new("emp-42".into());
        assert_eq!(nil.guid, None);
        assert_eq!(ids.first_seen(ResourceKind::User, nil, 1), None);
        assert_eq!(ids.first_seen(ResourceKind::User, nil, 2), Some(1));
        ids.insert(ResourceKind::User, nil, TargetId::User(1));
        ids.insert(ResourceKind::User, employee, TargetId::User(2));
        assert_eq!(ids.get(nil).map(|t| t.render("")), Some("user-0001".into()));
        assert_eq!(
            ids.get(employee).map(|t| t.render("")),
            Some("user-0002".into())
        );
    }

    #[test]
    fn ids_render_with_at_least_four_digits() {
        assert_eq!(TargetId::User(7).render("x-"), "x-user-0007");
        assert_eq!(TargetId::Group(123_456).render(""), "group-123456");
    }

    #[test]
    fn reserved_the_table_costs_under_32_bytes_an_object() {
        let mut ids = IdMap::default();
        let n = 200_000;
        ids.reserve(n);
        for i in 0..n {
            ids.first_seen(ResourceKind::User, &guid(i as u64), i + 1);
        }
        let per_object = ids.guid_bytes() as f64 / n as f64;
        assert!(per_object < 32.0, "{per_object} bytes an object");
    }
}
