//! GUID → a number (what the run knows of the object): the part of a run's memory that grows with its objects, kept near
//! 19 bytes a slot and about 87 % full (docs/architecture.md#memory).

/// A GUID mixed for the table ([`key()`]): the top byte picks the segment, the other 15 are
/// kept in the slot.
pub(super) type Key = u128;

/// An odd multiplier (PCG's 128-bit one) and its inverse mod 2^128: mixing is a bijection, so
/// a slot keeps the key's bits, not a lossy hash of them.
const MULTIPLIER: u128 = 0x2360_ED05_1FC6_5DA4_4385_DF64_9FCC_F645;
const INVERSE: u128 = {
    // Newton's iteration doubles the correct low bits each step (3 → 192).
    let mut inverse = MULTIPLIER;
    let mut step = 0;
    while step < 6 {
        inverse = inverse.wrapping_mul(2u128.wrapping_sub(MULTIPLIER.wrapping_mul(inverse)));
        step += 1;
    }
    inverse
};
const _: () = assert!(MULTIPLIER.wrapping_mul(INVERSE) == 1);

/// `guid` (as one number) mixed for the table; `None` for the few whose kept 15 bytes would be
/// zero, the mark of an empty slot (the nil GUID among them): those are kept beside the table.
pub(super) fn key(guid: u128) -> Option<Key> {
    let a = guid ^ (guid >> 64);
    let b = a.wrapping_mul(MULTIPLIER);
    let key = b ^ (b >> 64);
    (kept(key) != EMPTY).then_some(key)
}

/// The GUID a key was mixed from.
pub(super) fn guid(key: Key) -> u128 {
    let b = key ^ (key >> 64);
    let a = b.wrapping_mul(INVERSE);
    a ^ (a >> 64)
}

/// The 15 bytes of a key a slot keeps (the 16th is the segment's number).
#[inline]
fn kept(key: Key) -> [u8; 15] {
    key.to_le_bytes()
        .first_chunk::<15>()
        .copied()
        .unwrap_or(EMPTY)
}

const EMPTY: [u8; 15] = [0; 15];

/// 15 bytes as two words that overlap by a byte (0..8 and 7..15): two loads to compare keys.
#[inline]
fn words(key: &[u8; 15]) -> (u64, u64) {
    let low = key.first_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
    let high = key.last_chunk::<8>().map_or(0, |w| u64::from_le_bytes(*w));
    (low, high)
}
const SEGMENTS: usize = 256;
/// Percent full at which a segment grows (by a quarter). Linear probing stays short enough
/// here: inserts take about 6 probes on average on the way there, and the last ones scan
/// about 80 slots, a kilobyte and a half of adjacent memory.
const MAX_LOAD: usize = 92;

/// A key's 15 bytes and its value: 19 bytes, no padding.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
struct Slot {
    key: [u8; 15],
    value: [u8; 4],
}

/// Where a key went: good until the next insert, which may move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    segment: usize,
    slot: usize,
}

/// Key → a number: open addressing with linear probing in 256 segments, each grown
/// on its own by a quarter. Not a `HashMap`: its power-of-two tables leave a map of 2 million
/// entries under half full; here slots end 72–90 % full, and growing copies one segment at a
/// time, so memory never doubles at once.
#[derive(Debug)]
pub(super) struct GuidTable {
    segments: Vec<Segment>,
}

#[derive(Debug, Default)]
struct Segment {
    slots: Vec<Slot>,
    len: usize,
}

impl Default for GuidTable {
    fn default() -> GuidTable {
        GuidTable {
            segments: (0..SEGMENTS).map(|_| Segment::default()).collect(),
        }
    }
}

impl GuidTable {
    fn segment(key: Key) -> usize {
        (key >> 120) as usize
    }

    #[inline]
    pub(super) fn get(&self, key: Key) -> Option<u32> {
        let segment = self.segments.get(GuidTable::segment(key))?;
        let i = segment.find(kept(key)).ok()?;
        segment.slots.get(i).map(|s| u32::from_le_bytes(s.value))
    }

    /// Give `key` the value `value`, if it has none: where it went. `Err`: the value it has.
    #[inline]
    pub(super) fn insert_new(&mut self, key: Key, value: u32) -> Result<Place, u32> {
        let segment = GuidTable::segment(key);
        let slot = self
            .segments
            .get_mut(segment)
            .ok_or(u32::MAX)?
            .insert_new(kept(key), value)?;
        Ok(Place { segment, slot })
    }

    /// Change the value at `place`, which no insert has moved since.
    #[inline]
    pub(super) fn set(&mut self, place: Place, value: u32) {
        if let Some(slot) = self
            .segments
            .get_mut(place.segment)
            .and_then(|s| s.slots.get_mut(place.slot))
        {
            slot.value = value.to_le_bytes();
        }
    }

    /// Read the slot where `key`'s search starts, so that it is in the cache when it is
    /// needed: the serial stage touches a whole block's slots first, and the CPU overlaps
    /// those misses instead of waiting for each in turn.
    pub(super) fn touch(&self, key: Key) -> u8 {
        let kept = kept(key);
        self.segments
            .get(GuidTable::segment(key))
            .and_then(|s| s.slots.get(Segment::start(s.slots.len(), &kept)))
            .map_or(0, |slot| slot.key[0])
    }

    /// Room for about `additional` more keys without growing.
    pub(super) fn reserve(&mut self, additional: usize) {
        // Segments get a little more or less than their share: leave room for two standard
        // deviations, so that few segments grow (and copy themselves) mid-run.
        let per_segment = additional.div_ceil(SEGMENTS);
        let spread = 2 * per_segment.isqrt() + 8;
        for segment in &mut self.segments {
            let wanted = (segment.len + per_segment + spread) * 100 / MAX_LOAD + 1;
            if wanted > segment.slots.len() {
                segment.resize(wanted);
            }
        }
    }

    /// Every key and its value.
    pub(super) fn iter(&self) -> impl Iterator<Item = (Key, u32)> + '_ {
        self.segments.iter().enumerate().flat_map(|(n, segment)| {
            segment
                .slots
                .iter()
                .filter(|s| s.key != EMPTY)
                .map(move |s| {
                    let mut bytes = [0; 16];
                    if let Some(kept) = bytes.first_chunk_mut::<15>() {
                        *kept = s.key;
                    }
                    let key = u128::from_le_bytes(bytes) | (n as u128) << 120;
                    (key, u32::from_le_bytes(s.value))
                })
        })
    }

    /// Bytes held (docs/architecture.md#memory).
    #[cfg(test)]
    pub(super) fn bytes(&self) -> usize {
        self.segments
            .iter()
            .map(|s| s.slots.capacity() * std::mem::size_of::<Slot>())
            .sum::<usize>()
            + SEGMENTS * std::mem::size_of::<Segment>()
    }
}

impl Segment {
    /// Where the search for `kept` starts in `n` slots: its top 8 bytes, scaled to the
    /// segment.
    fn start(n: usize, kept: &[u8; 15]) -> usize {
        ((u128::from(words(kept).1) * n as u128) >> 64) as usize
    }

    /// The slot of `kept`, or the empty slot where it would go.
    #[inline]
    fn find(&self, kept: [u8; 15]) -> Result<usize, usize> {
        let n = self.slots.len();
        if n == 0 {
            return Err(0);
        }
        let wanted = words(&kept);
        let mut i = Segment::start(n, &kept);
        loop {
            match self.slots.get(i).map(|s| words(&s.key)) {
                Some(words) if words == wanted => return Ok(i),
                Some((0, 0)) => return Err(i),
                _ => i = if i + 1 >= n { 0 } else { i + 1 },
            }
        }
    }

    #[inline]
    fn insert_new(&mut self, kept: [u8; 15], value: u32) -> Result<usize, u32> {
        if (self.len + 1) * 100 > self.slots.len() * MAX_LOAD {
            self.resize((self.slots.len() * 5 / 4).max(16));
        }
        match self.find(kept) {
            Ok(i) => Err(self
                .slots
                .get(i)
                .map_or(u32::MAX, |s| u32::from_le_bytes(s.value))),
            Err(i) => {
                if let Some(slot) = self.slots.get_mut(i) {
                    self.len += 1;
                    *slot = Slot {
                        key: kept,
                        value: value.to_le_bytes(),
                    };
                }
                Ok(i)
            }
        }
    }

    fn resize(&mut self, slots: usize) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); slots]);
        for slot in old.into_iter().filter(|s| s.key != EMPTY) {
            if let Err(i) = self.find(slot.key)
                && let Some(free) = self.slots.get_mut(i)
            {
                *free = slot;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixing_loses_nothing() {
        for guid in [1u128, 2, u128::MAX, 0x0123_4567_89ab_cdef << 64, 12_345] {
            let key = key(guid).expect("not an empty slot's mark");
            assert_eq!(super::guid(key), guid);
        }
        assert_eq!(key(0), None);
    }

    #[test]
    fn a_key_found_again_keeps_its_first_value() {
        let mut table = GuidTable::default();
        let keys: Vec<Key> = (1..=5_000u128).filter_map(key).collect();
        for (n, &k) in keys.iter().enumerate() {
            assert!(table.insert_new(k, n as u32).is_ok());
        }
        for (n, &k) in keys.iter().enumerate() {
            assert_eq!(table.insert_new(k, 0), Err(n as u32));
            assert_eq!(table.get(k), Some(n as u32));
        }
        let place = table.insert_new(1_000_000, 7).expect("a new key");
        table.set(place, 8);
        assert_eq!(table.get(1_000_000), Some(8));
        let mut all: Vec<(Key, u32)> = table.iter().filter(|(k, _)| *k != 1_000_000).collect();
        all.sort_by_key(|(_, n)| *n);
        assert_eq!(all.iter().map(|(k, _)| *k).collect::<Vec<_>>(), keys);
    }
}
