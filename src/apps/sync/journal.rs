//! The journal of links the app has confirmed, written as each answer comes
//! (docs/sync.md#state-that-never-lies): a run killed mid-cycle leaves `STATE-OUT.journal`, and
//! the next run with the same `--state-out` reads it on top of `--state`, so no object it
//! created is ever created again. The final state file is written atomically and sealed
//! (`provision::state_file`); the journal is then removed.
//!
//! Lines: a header `{"format":"entramap-sync-journal","version":1}`, then one
//! `{"kind","sourceId","targetId"}` per change (`targetId` null: the link is gone). Each line
//! goes to the file in one write as soon as the app answers; a line cut by a kill is the last
//! one and is dropped with a warning.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use crate::provision::Link;
use crate::scim::ResourceKind;

const HEADER: &str = r#"{"format":"entramap-sync-journal","version":1}"#;

/// One change to the links, as the app confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Entry {
    /// `users` or `groups`.
    pub kind: ResourceKind,
    /// The source object's objectId.
    pub source_id: String,
    /// Its target object's id; `None`: the link is gone (deleted, or not found).
    pub target_id: Option<String>,
}

/// What an earlier run's journal held.
#[derive(Debug, Default)]
pub struct Recovered {
    /// The changes, in order.
    pub entries: Vec<Entry>,
    /// The last line was cut (the run was killed while writing it) and is dropped.
    pub torn: bool,
}

/// A journal being written.
#[derive(Debug)]
pub struct Journal {
    /// (Shared by a concurrent cycle's workers: one line at a time.)
    file: std::sync::Mutex<std::fs::File>,
    path: PathBuf,
}

/// `links.ndjson` → `links.ndjson.journal`.
pub fn path_for(state_out: &Path) -> PathBuf {
    let mut name = state_out.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// Read the journal at `path`, if there is one. A line that is not a journal entry (other
/// than a cut last line) is refused: the journal is not this tool's, or was edited.
pub fn recover(path: &Path) -> Result<Option<Recovered>, String> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut recovered = Recovered::default();
    let complete = text.ends_with(b"\n");
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let last = lines.len().saturating_sub(if complete { 2 } else { 1 });
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() && (i + 1 == lines.len()) {
            continue;
        }
        let refuse = |why: &str| {
            format!(
                "{}:{}: {why}; this journal was left by a sync run that did not finish. Remove it to start from --state alone (the matching GETs still find the objects that run created)",
                path.display(),
                i + 1
            )
        };
        if i == 0 {
            if *line != HEADER.as_bytes() {
                if !complete && lines.len() == 1 {
                    // Killed while writing the header: nothing was confirmed yet.
                    recovered.torn = true;
                    return Ok(Some(recovered));
                }
                return Err(refuse(
                    "not an entramap sync journal (its first line is not the journal header)",
                ));
            }
            continue;
        }
        match serde_json::from_slice::<Entry>(line) {
            Ok(entry) => recovered.entries.push(entry),
            Err(_) if i == last && !complete => recovered.torn = true,
            Err(e) => return Err(refuse(&format!("not a journal entry: {e}"))),
        }
    }
    Ok(Some(recovered))
}

impl Recovered {
    /// `links` (a state file's) with the journal's changes made, in order.
    pub fn applied_to(self, links: Vec<Link>) -> Vec<Link> {
        let mut map: BTreeMap<(ResourceKind, String), String> = links
            .into_iter()
            .map(|l| ((l.kind, l.source_id), l.target_id))
            .collect();
        for entry in self.entries {
            match entry.target_id {
                Some(id) => map.insert((entry.kind, entry.source_id), id),
                None => map.remove(&(entry.kind, entry.source_id)),
            };
        }
        map.into_iter()
            .map(|((kind, source_id), target_id)| Link {
                kind,
                source_id,
                target_id,
            })
            .collect()
    }
}

impl Journal {
    /// Open (or create) the journal at `path` for appending; a new one gets its header.
    pub fn open(path: &Path) -> Result<Journal, String> {
        let cannot =
            |e: std::io::Error| format!("cannot write the journal {}: {e}", path.display());
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(cannot)?;
        // A line cut by a kill is dropped before appending: a new line written onto it would
        // make it unreadable, and the journal with it.
        let text = std::fs::read(path).map_err(cannot)?;
        if !text.is_empty() && !text.ends_with(b"\n") {
            let whole = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
            file.set_len(whole as u64).map_err(cannot)?;
        }
        let len = file.metadata().map_err(cannot)?.len();
        if len == 0 {
            file.write_all(format!("{HEADER}\n").as_bytes())
                .map_err(cannot)?;
        }
        Ok(Journal {
            file: std::sync::Mutex::new(file),
            path: path.to_path_buf(),
        })
    }

    /// Append one confirmed change, in one write (a kill cuts at most this line).
    pub fn record(&self, entry: &Entry) -> Result<(), String> {
        let mut line = serde_json::to_vec(entry).map_err(|e| e.to_string())?;
        line.push(b'\n');
        let cannot = |e: &dyn std::fmt::Display| {
            format!("cannot write the journal {}: {e}", self.path.display())
        };
        let mut file = self.file.lock().map_err(|e| cannot(&e))?;
        file.write_all(&line).map_err(|e| cannot(&e))
    }

    /// Remove the journal: the state file it fed is written.
    pub fn remove(self) -> Result<(), String> {
        drop(self.file);
        std::fs::remove_file(&self.path)
            .map_err(|e| format!("cannot remove the journal {}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u32) -> Entry {
        Entry {
            kind: ResourceKind::User,
            source_id: format!("s{n}"),
            target_id: Some(format!("t{n}")),
        }
    }

    #[test]
    fn a_cut_last_line_is_dropped_and_an_edited_line_refused() {
        let dir = std::env::temp_dir().join(format!("entramap-journal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("links.journal");
        let _ = std::fs::remove_file(&path);
        let journal = Journal::open(&path).unwrap();
        journal.record(&entry(1)).unwrap();
        journal.record(&entry(2)).unwrap();
        drop(journal);
        let whole = std::fs::read(&path).unwrap();
        let got = recover(&path).unwrap().unwrap();
        assert_eq!(got.entries, vec![entry(1), entry(2)]);
        assert!(!got.torn);
        std::fs::write(&path, &whole[..whole.len() - 5]).unwrap();
        let got = recover(&path).unwrap().unwrap();
        assert_eq!(got.entries, vec![entry(1)]);
        assert!(got.torn);
        // A rerun appends after the cut line, which it drops first; a second cut is read too.
        let journal = Journal::open(&path).unwrap();
        journal.record(&entry(3)).unwrap();
        drop(journal);
        let got = recover(&path).unwrap().unwrap();
        assert_eq!(got.entries, vec![entry(1), entry(3)]);
        assert!(!got.torn);
        // Killed while the header was written: the rerun starts the journal again.
        std::fs::write(&path, &whole[..10]).unwrap();
        let journal = Journal::open(&path).unwrap();
        journal.record(&entry(4)).unwrap();
        drop(journal);
        assert_eq!(recover(&path).unwrap().unwrap().entries, vec![entry(4)]);
        let mut edited = whole.clone();
        edited.splice(HEADER.len() + 1..HEADER.len() + 2, *b"x");
        std::fs::write(&path, &edited).unwrap();
        let e = recover(&path).unwrap_err();
        assert!(e.contains("links.journal:2"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
