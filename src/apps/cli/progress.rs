//! What `map` shows while it runs: a progress bar on a terminal, and warnings tallied by kind so
//! a million identical ones read as one line with a count.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::provision::run::Progress;

/// A one-line progress bar redrawn in place (`\r`): records and bytes done, the rate, and,
/// when the input's size is known, the share done and the time left.
pub(super) struct ProgressBar {
    started: Instant,
    last: Option<Instant>,
    /// The input's size in bytes, when it is files.
    total_bytes: Option<u64>,
    /// Anything drawn yet (the closing summary then clears the line).
    pub(super) drawn: bool,
}

/// How often the bar is redrawn.
const EVERY: Duration = Duration::from_millis(200);

impl ProgressBar {
    pub(super) fn new(total_bytes: Option<u64>) -> ProgressBar {
        ProgressBar {
            started: Instant::now(),
            last: None,
            total_bytes: total_bytes.filter(|&b| b > 0),
            drawn: false,
        }
    }

    /// The line to draw now, or `None` if the last one is recent enough.
    pub(super) fn line(&mut self, p: Progress) -> Option<String> {
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < EVERY) {
            return None;
        }
        self.last = Some(now);
        self.drawn = true;
        let seconds = (now - self.started).as_secs_f64().max(1e-3);
        let rate = p.records as f64 / seconds;
        let mut line = format!(
            "\r{} records, {} ({}/s)",
            thousands(p.records as u64),
            bytes(p.bytes),
            thousands(rate as u64)
        );
        if let Some(total) = self.total_bytes {
            let share = (p.bytes as f64 / total as f64).min(1.0);
            let filled = (share * 24.0).round() as usize;
            let left = if share > 0.0 {
                seconds * (1.0 - share) / share
            } else {
                0.0
            };
            line = format!(
                "\r[{}{}] {:>3.0}% {} — about {} left",
                "#".repeat(filled),
                ".".repeat(24 - filled),
                share * 100.0,
                line.trim_start_matches('\r'),
                clock(left)
            );
        }
        // Clear what a longer earlier line left behind.
        line.push_str("\x1b[K");
        Some(line)
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 30 => format!("{:.1} GB", n as f64 / f64::from(1u32 << 30)),
        n if n >= 1 << 20 => format!("{:.0} MB", n as f64 / f64::from(1u32 << 20)),
        n => format!("{} kB", n / 1024),
    }
}

fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// Warnings counted by kind: the first few of each are printed as they come, the rest only
/// counted, and the closing summary lists every kind with its count and first example.
#[derive(Default)]
pub(super) struct WarningTally {
    kinds: BTreeMap<&'static str, (usize, String)>,
}

/// Warnings of one kind printed as they come; the rest are only counted.
pub(super) const SHOWN_PER_KIND: usize = 3;

impl WarningTally {
    /// Count one; returns the lines to print now (the warning, and once a note that more of
    /// its kind will only be counted).
    pub(super) fn add(&mut self, code: crate::diagnostic::Code, text: String) -> Vec<String> {
        let entry = self
            .kinds
            .entry(code.as_str())
            .or_insert((0, String::new()));
        entry.0 += 1;
        match entry.0 {
            1 => {
                entry.1.clone_from(&text);
                vec![text]
            }
            n if n <= SHOWN_PER_KIND => vec![text],
            n if n == SHOWN_PER_KIND + 1 => vec![format!(
                "warning: more `{code}` warnings are counted in the closing summary"
            )],
            _ => Vec::new(),
        }
    }

    /// Each kind, its count and its first warning.
    pub(super) fn kinds(&self) -> impl Iterator<Item = (&'static str, usize, &str)> {
        self.kinds
            .iter()
            .map(|(code, (count, first))| (*code, *count, first.trim_start_matches("warning: ")))
    }

    /// `warnings: 20,593 unresolved-manager (first: users line 3: ...)`, a line per kind.
    pub(super) fn summary(&self) -> Vec<String> {
        self.kinds
            .iter()
            .map(|(code, (count, first))| {
                format!(
                    "warnings: {} {code} (first: {})",
                    thousands(*count as u64),
                    first.trim_start_matches("warning: ")
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_prints_a_few_then_counts() {
        let mut tally = WarningTally::default();
        let printed: Vec<String> = (0..10)
            .flat_map(|i| {
                tally.add(
                    crate::diagnostic::Code::UnresolvedReference,
                    format!("warning: users line {i}: x"),
                )
            })
            .collect();
        assert_eq!(printed.len(), SHOWN_PER_KIND + 1);
        assert_eq!(
            tally.summary(),
            ["warnings: 10 unresolved-reference (first: users line 0: x)"]
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        assert_eq!(bytes(600 << 20), "600 MB");
        assert_eq!(clock(125.0), "2:05");
    }
}
