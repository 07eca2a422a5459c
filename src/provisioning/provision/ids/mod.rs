//! Target ids a run remembers: Entra objectId → the id the target gave (or this run gave),
//! and which source objects the run has seen (so one listed twice is provisioned once).

mod sightings;
mod table;

// (foldhash: std's SipHash was a sixth of an update's serial stage.)
use foldhash::{HashMap, HashSet};

use crate::scim::{ObjectRef, ResourceKind, SimulatedIds};
use sightings::Sightings;
use table::{GuidTable, Key, Place};

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
    /// The object this id names in requests; `None` once deleted.
    pub(super) fn object(self) -> Option<ObjectRef> {
        match self {
            TargetId::User(number) => Some(ObjectRef::Created {
                kind: ResourceKind::User,
                number,
            }),
            TargetId::Group(number) => Some(ObjectRef::Created {
                kind: ResourceKind::Group,
                number,
            }),
            TargetId::Known(id) => Some(ObjectRef::Id(id.into())),
            TargetId::Deleted => None,
        }
    }

    /// The id as text, a created one as `map` simulates it; empty once deleted.
    pub(super) fn render(&self, ids: &SimulatedIds) -> String {
        match self {
            TargetId::User(n) => ids.created(ResourceKind::User, *n),
            TargetId::Group(n) => ids.created(ResourceKind::Group, *n),
            TargetId::Known(id) => id.to_string(),
            TargetId::Deleted => String::new(),
        }
    }
}

/// A source objectId, its GUID parsed and mixed once (on the parallel stage of a run, not
/// the serial).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ObjectId {
    text: String,
    key: Option<Key>,
}

impl ObjectId {
    pub(super) fn new(text: String) -> ObjectId {
        let key = parse_guid(&text).and_then(table::key);
        ObjectId { text, key }
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
/// provisioned once). GUID objectIds (nearly all) are kept in a [`GuidTable`] of 19-byte
/// slots, each with its object's created id or the number of its sighting, whose line is kept
/// in [`Sightings`] in about a byte: a run over millions of users stays small
/// (docs/architecture.md#memory).
#[derive(Debug, Default)]
pub(super) struct IdMap {
    guids: GuidTable,
    sightings: Sightings,
    /// The slot of the latest sighting (and its kind), while it is the latest: an object is
    /// created on its first sighting, and its slot then takes the created id.
    latest: Option<(Key, ResourceKind, Place)>,
    /// Target ids that are not this run's numbers, and every objectId the table does not
    /// hold.
    others: HashMap<Box<str>, (ResourceKind, TargetId)>,
    /// First lines of objectIds the table does not hold, by kind.
    others_seen: [HashMap<Box<str>, u32>; 2],
    /// Created ids (table values) replaced by one in `others`. (Never on a run, where an
    /// object's first sighting decides its target once; kept so that the last word wins.)
    replaced: HashSet<u32>,
}

/// A table value: the kind (`GROUP`), and either the object's created id number (`CREATED`)
/// or the number of the sighting it was first seen at (its line is in `sightings`).
const GROUP: u32 = 1 << 31;
const CREATED: u32 = 1 << 30;
const NUMBER: u32 = CREATED - 1;

fn kind_bit(kind: ResourceKind) -> u32 {
    if kind == ResourceKind::Group {
        GROUP
    } else {
        0
    }
}

fn kind_of(value: u32) -> ResourceKind {
    if value & GROUP != 0 {
        ResourceKind::Group
    } else {
        ResourceKind::User
    }
}

fn kind_index(kind: ResourceKind) -> usize {
    usize::from(kind == ResourceKind::Group)
}

fn numbered(kind: ResourceKind, n: u32) -> TargetId {
    match kind {
        ResourceKind::Group => TargetId::Group(n),
        ResourceKind::User => TargetId::User(n),
    }
}

impl IdMap {
    /// Bytes the GUID table and its sightings hold: the part of a run's memory that grows
    /// with its objects.
    #[cfg(test)]
    fn guid_bytes(&self) -> usize {
        self.guids.bytes() + self.sightings.bytes()
    }

    /// Bring `object_id`'s slot into the cache ([`GuidTable::touch`]).
    pub(super) fn touch(&self, object_id: &ObjectId) -> u64 {
        object_id.key.map_or(0, |k| u64::from(self.guids.touch(k)))
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        self.guids.reserve(additional);
        self.sightings.reserve(additional);
    }

    /// The created id a table value holds, unless `others` has the last word.
    fn created(&self, value: u32) -> Option<TargetId> {
        (value & CREATED != 0 && (self.replaced.is_empty() || !self.replaced.contains(&value)))
            .then(|| numbered(kind_of(value), value & NUMBER))
    }

    /// A new id for a `kind` object this run creates on `line` (`user-0001`, `user-0002`, …),
    /// remembered for `object_id`.
    pub(super) fn create(
        &mut self,
        kind: ResourceKind,
        object_id: Option<&ObjectId>,
        line: usize,
    ) -> TargetId {
        let index = kind_index(kind);
        // On a run, an object is created on its first sighting, the latest one; the id's
        // number is that sighting's rank among its kind's creations.
        if let Some((key, seen_as, place)) = self.latest.take()
            && object_id.and_then(|o| o.key) == Some(key)
            && seen_as == kind
            && let Some(sighting) = self.sightings.len().checked_sub(1)
            && let Some(n) = self.sightings.create(index, sighting)
        {
            let target = numbered(kind, n);
            if n > NUMBER {
                // Past the numbers a table value holds: kept beside the table.
                if let Some(oid) = object_id {
                    self.insert(kind, oid, target.clone());
                }
                return target;
            }
            self.guids.set(place, n | CREATED | kind_bit(kind));
            if let Some(oid) = object_id
                && !self.others.is_empty()
            {
                self.others.remove(oid.as_str());
            }
            return target;
        }
        // Otherwise (no objectId, one the table does not hold, one seen before) the creation
        // is a sighting of its own, and the id is kept in `others`.
        let sighting = self.sightings.push(u32::try_from(line).unwrap_or(u32::MAX));
        let n = self.sightings.create(index, sighting).unwrap_or(u32::MAX);
        let target = numbered(kind, n);
        if let Some(oid) = object_id {
            self.insert(kind, oid, target.clone());
        }
        target
    }

    /// Remember that source object `object_id` is `target` in the target: an object matched
    /// to one the target has, or deleted.
    pub(super) fn insert(&mut self, kind: ResourceKind, object_id: &ObjectId, target: TargetId) {
        if let Some(value) = object_id.key.and_then(|k| self.guids.get(k))
            && value & CREATED != 0
        {
            self.replaced.insert(value);
        }
        self.others
            .insert(object_id.as_str().into(), (kind, target));
    }

    /// The target id of source object `object_id`, if this run knows it.
    pub(super) fn get(&self, object_id: &ObjectId) -> Option<TargetId> {
        if let Some(created) = object_id
            .key
            .and_then(|k| self.guids.get(k))
            .and_then(|v| self.created(v))
        {
            return Some(created);
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
        let line = u32::try_from(line).unwrap_or(u32::MAX);
        let next = self.sightings.len();
        self.latest = None;
        if let Some(key) = object_id.key
            && let Some(value) = if next <= NUMBER {
                match self.guids.insert_new(key, next | kind_bit(kind)) {
                    Ok(place) => {
                        self.sightings.push(line);
                        self.latest = Some((key, kind, place));
                        return None;
                    }
                    Err(value) => Some(value),
                }
            } else {
                // No numbers left for new sightings (they go beside the table), but the
                // table's own objects are still found.
                self.guids.get(key)
            }
        {
            // A user's objectId seen again as a group is not the same object.
            if value & GROUP != kind_bit(kind) {
                return None;
            }
            let sighting = if value & CREATED != 0 {
                self.sightings.creation(kind_index(kind), value & NUMBER)?
            } else {
                value & NUMBER
            };
            return self.sightings.line(sighting).map(|line| line as usize);
        }
        let seen = self.others_seen.get_mut(kind_index(kind))?;
        match seen.get(object_id.as_str()) {
            Some(first) => Some(*first as usize),
            None => {
                seen.insert(object_id.as_str().into(), line);
                None
            }
        }
    }

    /// Every link: (kind, source objectId, target id, or `None` when the object was deleted),
    /// GUIDs in lower case.
    pub(super) fn links(&self, ids: &SimulatedIds) -> Vec<(ResourceKind, String, Option<String>)> {
        let mut out: Vec<(ResourceKind, String, Option<String>)> = self
            .guids
            .iter()
            .filter_map(|(key, value)| {
                let target = self.created(value)?.render(ids);
                Some((kind_of(value), render_guid(table::guid(key)), Some(target)))
            })
            .collect();
        out.extend(self.others.iter().map(|(oid, (kind, t))| {
            let target = (!matches!(t, TargetId::Deleted)).then(|| t.render(ids));
            (*kind, oid.to_string(), target)
        }));
        out
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

/// A GUID in its 36-character text form (either case) as a number; `None` otherwise. Called
/// for every objectId a record names, so it parses in place without allocating.
fn parse_guid(id: &str) -> Option<u128> {
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
    // Only the four dashes checked above: a fifth would leave 31 digits, read as another
    // GUID.
    (invalid & INVALID == 0 && dashes == 4).then_some(value)
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case.
fn render_guid(guid: u128) -> String {
    let hex = format!("{guid:032x}");
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
            let line = n as usize + 1;
            assert_eq!(ids.first_seen(ResourceKind::User, &oid, line), None);
            if n % 3 == 0 {
                ids.create(ResourceKind::User, Some(&oid), line);
            }
        }
        for n in 0..50_000u32 {
            let oid = ObjectId::new(guid(u64::from(n)).as_str().to_uppercase());
            assert_eq!(
                ids.first_seen(ResourceKind::User, &oid, 99),
                Some(n as usize + 1)
            );
            let expected = (n % 3 == 0).then_some(n / 3 + 1);
            assert_eq!(
                ids.get(&oid).map(|t| t.render(&SimulatedIds::new(""))),
                expected.map(|n| TargetId::User(n).render(&SimulatedIds::new("")))
            );
        }
        // A user's objectId seen again as a group is not the same object.
        assert_eq!(ids.first_seen(ResourceKind::Group, &guid(7), 5), None);
        let links = ids.links(&SimulatedIds::new(""));
        assert_eq!(links.len(), 16_667);
        assert!(
            links
                .iter()
                .any(|(_, source, target)| source == guid(3).as_str()
                    && target.as_deref() == Some("user-0002"))
        );
    }

    #[test]
    fn ids_are_numbered_by_every_creation_of_their_kind() {
        let mut ids = IdMap::default();
        let (a, b, c) = (guid(1), guid(2), guid(3));
        assert_eq!(ids.first_seen(ResourceKind::User, &a, 1), None);
        ids.create(ResourceKind::User, Some(&a), 1);
        // A user with no objectId, a group, and a user from another file, on line 1 again.
        ids.create(ResourceKind::User, None, 2);
        assert_eq!(ids.first_seen(ResourceKind::Group, &b, 3), None);
        ids.create(ResourceKind::Group, Some(&b), 3);
        assert_eq!(ids.first_seen(ResourceKind::User, &c, 1), None);
        ids.create(ResourceKind::User, Some(&c), 1);
        let render = |ids: &IdMap, oid| ids.get(oid).map(|t| t.render(&SimulatedIds::new("")));
        assert_eq!(render(&ids, &a).as_deref(), Some("user-0001"));
        assert_eq!(render(&ids, &b).as_deref(), Some("group-0001"));
        assert_eq!(render(&ids, &c).as_deref(), Some("user-0003"));
        assert_eq!(ids.first_seen(ResourceKind::Group, &b, 9), Some(3));
        assert_eq!(ids.first_seen(ResourceKind::User, &c, 9), Some(1));
        // The last word wins: matched to an existing object after being created.
        ids.insert(ResourceKind::User, &a, TargetId::Known("existing".into()));
        assert_eq!(render(&ids, &a).as_deref(), Some("existing"));
        let links = ids.links(&SimulatedIds::new(""));
        assert_eq!(links.len(), 3);
    }

    #[test]
    fn only_the_36_character_form_with_four_dashes_is_a_guid() {
        let good = "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
        assert!(parse_guid(good).is_some());
        assert_eq!(parse_guid(good), parse_guid(&good.to_uppercase()));
        for bad in [
            "-aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeee-",
            "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeeg",
            "0aaaaaaa-bbbb-cccc-dddd-eeeeeeeeeee",
            "0aaaaaaabbbb-cccc-dddd-eeeeeeeeeeeee",
        ] {
            assert_eq!(parse_guid(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_nil_guid_and_other_ids_are_kept_beside_the_table() {
        let mut ids = IdMap::default();
        let nil = &ObjectId::new("00000000-0000-0000-0000-000000000000".into());
        let employee = &ObjectId::new("emp-42".into());
        assert_eq!(nil.key, None);
        assert_eq!(ids.first_seen(ResourceKind::User, nil, 1), None);
        assert_eq!(ids.first_seen(ResourceKind::User, nil, 2), Some(1));
        ids.create(ResourceKind::User, Some(nil), 1);
        ids.create(ResourceKind::User, Some(employee), 3);
        assert_eq!(
            ids.get(nil).map(|t| t.render(&SimulatedIds::new(""))),
            Some("user-0001".into())
        );
        assert_eq!(
            ids.get(employee).map(|t| t.render(&SimulatedIds::new(""))),
            Some("user-0002".into())
        );
    }

    #[test]
    fn ids_render_with_at_least_four_digits() {
        assert_eq!(
            TargetId::User(7).render(&SimulatedIds::new("x-")),
            "x-user-0007"
        );
        assert_eq!(
            TargetId::Group(123_456).render(&SimulatedIds::new("")),
            "group-123456"
        );
    }

    #[test]
    fn reserved_the_table_costs_under_24_bytes_an_object() {
        let mut ids = IdMap::default();
        let n = 200_000;
        ids.reserve(n);
        for i in 0..n {
            let oid = guid(i as u64);
            ids.first_seen(ResourceKind::User, &oid, i + 1);
            ids.create(ResourceKind::User, Some(&oid), i + 1);
        }
        let per_object = ids.guid_bytes() as f64 / n as f64;
        assert!(per_object < 24.0, "{per_object} bytes an object");
    }

    /// What the id map should answer, kept the plain way: one map of first sightings, one of
    /// targets, and a counter a kind.
    #[derive(Default)]
    struct Model {
        seen: HashMap<(Option<ResourceKind>, String), (ResourceKind, usize)>,
        targets: HashMap<String, (ResourceKind, TargetId)>,
        counters: [u32; 2],
    }

    impl Model {
        /// GUIDs are one object whatever the kind they are seen as; other ids one a kind.
        fn seen_key(kind: ResourceKind, oid: &ObjectId) -> (Option<ResourceKind>, String) {
            let kind = oid.key.is_none().then_some(kind);
            (kind, oid.as_str().to_string())
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        FirstSeen(bool, usize, usize),
        Create(bool, Option<usize>, usize),
        Match(bool, usize),
        Delete(bool, usize),
        Get(usize),
    }

    fn kind(group: bool) -> ResourceKind {
        if group {
            ResourceKind::Group
        } else {
            ResourceKind::User
        }
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        let object = 0..12usize;
        prop_oneof![
            4 => (any::<bool>(), object.clone(), 1..400usize).prop_map(|(g, o, l)| Op::FirstSeen(g, o, l)),
            3 => (any::<bool>(), proptest::option::weighted(0.9, object.clone()), 1..400usize)
                .prop_map(|(g, o, l)| Op::Create(g, o, l)),
            1 => (any::<bool>(), object.clone()).prop_map(|(g, o)| Op::Match(g, o)),
            1 => (any::<bool>(), object.clone()).prop_map(|(g, o)| Op::Delete(g, o)),
            3 => object.prop_map(Op::Get),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Any order of calls (a run makes only some of them) answers as the plain model does.
        #[test]
        fn the_id_map_answers_as_plain_maps_do(ops in proptest::collection::vec(op(), 1..80)) {
            let mut objects: Vec<ObjectId> = (0..8).map(|n| guid(n * 7 + 1)).collect();
            objects.push(ObjectId::new("00000000-0000-0000-0000-000000000000".into()));
            objects.extend(["emp-1", "emp-2", "x"].map(|t| ObjectId::new(t.into())));
            let mut ids = IdMap::default();
            let mut model = Model::default();
            let rendered = |t: Option<TargetId>| t.map(|t| t.render(&SimulatedIds::new("p-")));
            for op in ops {
                match op {
                    Op::FirstSeen(g, o, line) => {
                        let oid = &objects[o];
                        let key = Model::seen_key(kind(g), oid);
                        let expected = match model.seen.get(&key) {
                            Some((k, first)) => (*k == kind(g)).then_some(*first),
                            None => {
                                model.seen.insert(key, (kind(g), line));
                                None
                            }
                        };
                        proptest::prop_assert_eq!(ids.first_seen(kind(g), oid, line), expected);
                    }
                    Op::Create(g, o, line) => {
                        let counter = &mut model.counters[usize::from(g)];
                        *counter += 1;
                        let target = numbered(kind(g), *counter);
                        if let Some(o) = o {
                            model.targets.insert(objects[o].to_string(), (kind(g), target.clone()));
                        }
                        let created = ids.create(kind(g), o.map(|o| &objects[o]), line);
                        proptest::prop_assert_eq!(rendered(Some(created)), rendered(Some(target)));
                    }
                    Op::Match(g, o) | Op::Delete(g, o) => {
                        let target = match op {
                            Op::Match(..) => TargetId::Known(format!("known-{o}").into()),
                            _ => TargetId::Deleted,
                        };
                        model.targets.insert(objects[o].to_string(), (kind(g), target.clone()));
                        ids.insert(kind(g), &objects[o], target);
                    }
                    Op::Get(o) => {
                        let expected = model
                            .targets
                            .get(objects[o].as_str())
                            .map(|(_, t)| t.clone())
                            .filter(|t| !matches!(t, TargetId::Deleted));
                        proptest::prop_assert_eq!(rendered(ids.get(&objects[o])), rendered(expected));
                    }
                }
            }
            let mut links = ids.links(&SimulatedIds::new("p-"));
            links.sort();
            let mut expected: Vec<_> = model
                .targets
                .iter()
                .map(|(oid, (k, t))| {
                    let target = (!matches!(t, TargetId::Deleted)).then(|| t.render(&SimulatedIds::new("p-")));
                    (*k, oid.clone(), target)
                })
                .collect();
            expected.sort();
            proptest::prop_assert_eq!(links, expected);
        }
    }
}
