//! What a run learned at each sighting — an object's first line, and whether it was created
//! there — by sighting number, in columns of about a byte a sighting
//! (docs/architecture.md#memory).

/// Sightings are numbered in the order the run met them; every object this run created is one.
#[derive(Debug, Default)]
pub(super) struct Sightings {
    lines: Lines,
    /// Users and groups created, by sighting number: the rank of a sighting among its kind's
    /// is the number of the id it was given (`user-0001`, `user-0002`, …).
    created: [Ranked; 2],
}

impl Sightings {
    /// How many sightings there are: the number the next one gets.
    #[inline]
    pub(super) fn len(&self) -> u32 {
        u32::try_from(self.lines.steps.len()).unwrap_or(u32::MAX)
    }

    /// A new sighting, on `line`: its number.
    #[inline]
    pub(super) fn push(&mut self, line: u32) -> u32 {
        let number = self.len();
        self.lines.push(line);
        number
    }

    pub(super) fn line(&self, sighting: u32) -> Option<u32> {
        self.lines.get(sighting as usize)
    }

    /// Note that sighting `sighting` (the latest) created an object of `kind` (0 users, 1
    /// groups): its id's number.
    #[inline]
    pub(super) fn create(&mut self, kind: usize, sighting: u32) -> Option<u32> {
        self.created.get_mut(kind)?.insert(sighting)
    }

    /// The sighting that created id number `n` of `kind`.
    pub(super) fn creation(&self, kind: usize, n: u32) -> Option<u32> {
        self.created.get(kind)?.select(n)
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        self.lines.steps.reserve(additional);
        self.lines.every_256th.reserve(additional / 256 + 1);
        if let Some(users) = self.created.first_mut() {
            users.words.reserve(additional / 64 + 1);
            users.before.reserve(additional / 64 + 1);
        }
    }

    /// Bytes held.
    #[cfg(test)]
    pub(super) fn bytes(&self) -> usize {
        self.lines.steps.capacity()
            + self.lines.every_256th.capacity() * 4
            + self.lines.far.capacity() * 8
            + self
                .created
                .iter()
                .map(|r| r.words.capacity() * 8 + r.before.capacity() * 4)
                .sum::<usize>()
    }
}

/// Lines by sighting number: every 256th in full, each other as its step from the one
/// before in a byte. A step that does not fit (`FAR`: 255 lines or more, or back to an
/// earlier line, as in the next file) is kept whole in `far`.
#[derive(Debug, Default)]
struct Lines {
    steps: Vec<u8>,
    every_256th: Vec<u32>,
    far: Vec<(u32, u32)>,
    last: u32,
}

const FAR: u8 = u8::MAX;

impl Lines {
    #[inline]
    fn push(&mut self, line: u32) {
        let n = self.steps.len();
        if n.is_multiple_of(256) {
            self.every_256th.push(line);
            self.steps.push(0);
        } else {
            match u8::try_from(line.wrapping_sub(self.last)) {
                Ok(step) if step != FAR => self.steps.push(step),
                _ => {
                    self.steps.push(FAR);
                    self.far.push((u32::try_from(n).unwrap_or(u32::MAX), line));
                }
            }
        }
        self.last = line;
    }

    /// Summed from the 256th before: read only for an object listed twice.
    fn get(&self, n: usize) -> Option<u32> {
        let first = n / 256 * 256;
        let mut line = *self.every_256th.get(n / 256)?;
        for (i, &step) in self.steps.get(first + 1..=n)?.iter().enumerate() {
            line = if step == FAR {
                let i = u32::try_from(first + 1 + i).ok()?;
                let at = self.far.binary_search_by_key(&i, |(j, _)| *j).ok()?;
                self.far.get(at)?.1
            } else {
                line.wrapping_add(u32::from(step))
            };
        }
        Some(line)
    }
}

/// A set of numbers, added in increasing order, that finds its n-th member quickly: a bit a
/// number, and a running count every 64.
#[derive(Debug, Default)]
struct Ranked {
    words: Vec<u64>,
    /// Members below each word.
    before: Vec<u32>,
    len: u32,
}

impl Ranked {
    /// Add `n`, if it is above every member: its rank (1 for the first).
    #[inline]
    fn insert(&mut self, n: u32) -> Option<u32> {
        let word = n as usize / 64;
        let bit = 1u64 << (n % 64);
        let last = self.words.len();
        if word + 1 < last || (word + 1 == last && self.words.last().is_some_and(|w| *w >= bit)) {
            return None;
        }
        while self.words.len() <= word {
            self.before.push(self.len);
            self.words.push(0);
        }
        *self.words.last_mut()? |= bit;
        self.len += 1;
        Some(self.len)
    }

    /// The member of rank `rank` (1 for the first).
    fn select(&self, rank: u32) -> Option<u32> {
        // The last word with fewer members before it than `rank`, then the bit in it.
        let word = self.before.partition_point(|&b| b < rank).checked_sub(1)?;
        let mut bits = *self.words.get(word)?;
        for _ in 1..rank - self.before.get(word)? {
            bits &= bits.wrapping_sub(1);
        }
        (bits != 0).then(|| word as u32 * 64 + bits.trailing_zeros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_come_back_whatever_their_steps() {
        let mut lines = Lines::default();
        // Steps of 1 and 30, a page that starts again at line 1, one far step, and more than
        // 256 lines so that the 256th is kept whole.
        let mut expected = Vec::new();
        let mut line = 0u32;
        for i in 0..1_000u32 {
            line = match i {
                400 => 1,
                700 => line + 100_000,
                _ if i % 3 == 0 => line + 30,
                _ => line + 1,
            };
            expected.push(line);
            lines.push(line);
        }
        for (n, line) in expected.iter().enumerate() {
            assert_eq!(lines.get(n), Some(*line), "sighting {n}");
        }
        assert_eq!(lines.get(1_000), None);
    }

    #[test]
    fn members_are_found_by_rank() {
        let mut ranked = Ranked::default();
        let members = [0u32, 5, 63, 64, 200, 1_000];
        for (i, &n) in members.iter().enumerate() {
            assert_eq!(ranked.insert(n), Some(i as u32 + 1));
        }
        assert_eq!(ranked.insert(999), None, "below the last member");
        assert_eq!(ranked.insert(1_000), None, "already a member");
        for (i, &n) in members.iter().enumerate() {
            assert_eq!(ranked.select(i as u32 + 1), Some(n));
        }
        assert_eq!(ranked.select(0), None);
        assert_eq!(ranked.select(7), None);
    }
}
