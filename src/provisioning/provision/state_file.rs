//! State files: the links between source objects and target objects that one cycle hands to
//! the next (`map --state-out` writes one, `map --state` reads it; docs/mapping.md#state-files).
//!
//! A state file is NDJSON: a first line naming the format and its version, one link a line,
//! and a closing record with the number of links and the SHA-256 of every byte before it.
//! A file that was cut, emptied or edited after entramap wrote it is refused, because a run
//! that trusts it would create objects a second time. Files are written atomically: into a
//! temporary file beside the target, synced, then renamed over it.

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

use std::io::{BufRead, Read, Write};

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Link;
use crate::scim::ResourceKind;

/// The format version this entramap writes and reads.
pub const VERSION: u32 = 2;

/// The name the first line gives the format.
const FORMAT: &str = "entramap-state";

/// The first line: `{"format":"entramap-state","version":2}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
    version: u32,
}

/// The last line: `{"links":N,"sha256":"…"}`, the SHA-256 of every byte before it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Closing {
    links: usize,
    sha256: String,
}

/// The links of a state file, and how whole the file was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    /// One link a source object, in the file's order.
    pub links: Vec<Link>,
    /// What the file's first line and closing record say about it.
    pub integrity: Integrity,
}

/// Whether a state file is the one entramap wrote, whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    /// Its closing record matches every line before it.
    Whole,
    /// Written by an entramap before version 2: no first line and no closing record, so a cut
    /// or edited file cannot be told from a whole one. Read with a warning.
    Unsealed,
    /// Cut, emptied or edited (the error says which). [`read`] refuses such a file;
    /// [`inspect`] and [`rehash`] report it.
    Damaged(StateFileError),
}

/// Why a state file cannot be read or written. Every message names the file (and the line
/// where there is one) and says how to go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateFileError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
    /// The file (or its temporary file) could not be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's reason.
        reason: String,
    },
    /// A line that is not a link, or a link that breaks the one-to-one rule.
    #[error(
        "{path}:{line}: {problem}; a state file links each source object to one target object, and each target to one source: fix the line and run `entramap state rehash {path}`, or run without --state"
    )]
    Line {
        /// The file.
        path: PathBuf,
        /// Its line, from 1.
        line: usize,
        /// What is wrong there.
        problem: String,
    },
    /// Written by a newer entramap.
    #[error(
        "{path}:1: a state file of version {found}; this entramap reads version {VERSION}: use the entramap that wrote it, or a newer one"
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version its first line gives.
        found: u32,
    },
    /// No bytes at all.
    #[error(
        "{path} is empty: a state file has at least its first line and its closing record, so this one lost its links; restore it from the cycle that wrote it, or run without --state (objects are then found by their matching attributes, as in a first cycle)"
    )]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file ends before its closing record.
    #[error(
        "{path} ends after line {lines} {}: it was cut short (a copy or a write that did not finish), so links may be missing; restore it from the cycle that wrote it, or, if these links are all you have, accept them with `entramap state rehash {path}`",
        if *.midway { "in the middle of a line" } else { "without its closing record" }
    )]
    Cut {
        /// The file.
        path: PathBuf,
        /// The whole lines it has.
        lines: usize,
        /// Whether the last line stops midway.
        midway: bool,
    },
    /// The closing record does not match the lines before it.
    #[error(
        "{path}:{line}: the closing record says {expected_links} links with SHA-256 {expected_sha256}, but the lines before it hold {links} links with SHA-256 {sha256}: the file was changed after entramap wrote it; if you edited it on purpose, run `entramap state rehash {path}`, otherwise restore it from the cycle that wrote it"
    )]
    Changed {
        /// The file.
        path: PathBuf,
        /// The closing record's line.
        line: usize,
        /// The links the closing record counts.
        expected_links: usize,
        /// The hash the closing record gives.
        expected_sha256: String,
        /// The links the file holds.
        links: usize,
        /// The hash of the lines before the closing record.
        sha256: String,
    },
}

impl StateFileError {
    /// A short name for the kind of problem (`state check --format json`).
    pub fn kind(&self) -> &'static str {
        match self {
            StateFileError::Read { .. } => "read",
            StateFileError::Write { .. } => "write",
            StateFileError::Line { .. } => "line",
            StateFileError::Version { .. } => "version",
            StateFileError::Empty { .. } => "empty",
            StateFileError::Cut { .. } => "cut",
            StateFileError::Changed { .. } => "changed",
        }
    }
}

/// Read a state file, refusing one that is cut, emptied or edited. A file without a closing
/// record (written before version 2) is read: its [`Integrity::Unsealed`] asks for a warning.
/// Lines longer than `max_line_bytes` are refused.
pub fn read(path: &Path, max_line_bytes: usize) -> Result<StateFile, StateFileError> {
    let file = inspect(path, max_line_bytes)?;
    match file.integrity {
        Integrity::Damaged(e) => Err(e),
        _ => Ok(file),
    }
}

/// Read a state file's links and say how whole it is, without refusing a cut or edited one
/// (`entramap state check`). Lines that are not links, and links that break the one-to-one
/// rule, are errors all the same.
pub fn inspect(path: &Path, max_line_bytes: usize) -> Result<StateFile, StateFileError> {
    // A file saved again by an editor as UTF-16 is read as text; its closing record still
    // has to match.
    let mut reader = crate::source::decode::open(path).map_err(|e| StateFileError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut reading = Reading::new(path);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        // One byte more than the limit tells a line at the limit from a longer one.
        let limit = u64::try_from(max_line_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let n = (&mut reader)
            .take(limit)
            .read_until(b'\n', &mut buf)
            .map_err(|e| StateFileError::Read {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        if n == 0 {
            break;
        }
        if buf.len() > max_line_bytes && !buf.ends_with(b"\n") {
            return Err(reading.error(format!(
                "a line longer than {max_line_bytes} bytes (option max_line_bytes)"
            )));
        }
        reading.line(&buf)?;
    }
    reading.one_to_one()?;
    Ok(reading.finish())
}

/// Seal a state file again after a deliberate hand edit: read its links (whatever its closing
/// record says, or without one), and write it back with a first line and a closing record
/// that match them. Returns what [`inspect`] said of the file before.
pub fn rehash(path: &Path, max_line_bytes: usize) -> Result<StateFile, StateFileError> {
    let file = inspect(path, max_line_bytes)?;
    write(path, &file.links)?;
    Ok(file)
}

/// What to say of a file without a closing record ([`Integrity::Unsealed`]): how to seal it.
pub fn unsealed_warning(path: &Path) -> String {
    format!(
        "{} has no closing record (it was written before state files had one), so a cut or edited file cannot be told from a whole one: check its links, then seal it with `entramap state rehash {}` (--state-out writes sealed files)",
        path.display(),
        path.display()
    )
}

/// One line after another, with what has been seen so far.
struct Reading<'p> {
    path: &'p Path,
    links: Vec<Link>,
    /// The line of each link.
    link_lines: Vec<usize>,
    /// Lines read so far.
    lines: usize,
    /// Whether the first line named the format (a version 2 file).
    sealed: bool,
    /// The hash of every line before the closing record.
    hasher: Sha256,
    /// The closing record and its line, once read.
    closing: Option<(usize, Closing)>,
    /// Whether the last line stops midway (no `\n`, and not JSON).
    midway: bool,
}

impl<'p> Reading<'p> {
    fn new(path: &'p Path) -> Self {
        Reading {
            path,
            links: Vec::new(),
            link_lines: Vec::new(),
            lines: 0,
            sealed: false,
            hasher: Sha256::new(),
            closing: None,
            midway: false,
        }
    }

    fn error(&self, problem: String) -> StateFileError {
        StateFileError::Line {
            path: self.path.to_path_buf(),
            line: self.lines.max(1),
            problem,
        }
    }

    /// Take one line, its `\n` included when it has one.
    fn line(&mut self, bytes: &[u8]) -> Result<(), StateFileError> {
        self.lines += 1;
        let whole_line = bytes.ends_with(b"\n");
        let text = bytes.trim_ascii();
        if self.closing.is_some() {
            return Err(self.error("a line after the closing record".into()));
        }
        if self.lines == 1
            && let Ok(header) = serde_json::from_slice::<Header>(text)
            && header.format == FORMAT
        {
            if header.version > VERSION {
                return Err(StateFileError::Version {
                    path: self.path.to_path_buf(),
                    found: header.version,
                });
            }
            self.sealed = true;
            self.hasher.update(bytes);
            return Ok(());
        }
        if text.is_empty() {
            self.hasher.update(bytes);
            return Ok(());
        }
        let link = serde_json::from_slice::<Link>(text);
        if link.is_err()
            && self.sealed
            && let Ok(closing) = serde_json::from_slice::<Closing>(text)
        {
            // Even its final `\n` is part of a whole file.
            if whole_line {
                self.closing = Some((self.lines, closing));
            } else {
                self.lines -= 1;
                self.midway = true;
            }
            return Ok(());
        }
        self.hasher.update(bytes);
        match link {
            Ok(link) => self.link(link),
            // A last line without its end is where the file was cut.
            Err(_) if !whole_line => {
                self.lines -= 1;
                self.midway = true;
                Ok(())
            }
            Err(e) => Err(self.error(format!(
                "{e} (each line is {{\"kind\": \"users\", \"sourceId\": ..., \"targetId\": ...}})"
            ))),
        }
    }

    fn link(&mut self, link: Link) -> Result<(), StateFileError> {
        if link.source_id.is_empty() || link.target_id.is_empty() {
            return Err(self.error("an empty sourceId or targetId".into()));
        }
        self.links.push(link);
        self.link_lines.push(self.lines);
        Ok(())
    }

    /// One source object is one target object: no source linked twice, and no target linked
    /// to two sources, by kind (a user and a group may share an id).
    fn one_to_one(&self) -> Result<(), StateFileError> {
        type Seen<'l> = HashMap<(ResourceKind, &'l str), usize>;
        let (mut sources, mut targets) = (
            Seen::with_capacity(self.links.len()),
            Seen::with_capacity(self.links.len()),
        );
        let at = |line: usize, problem: String| StateFileError::Line {
            path: self.path.to_path_buf(),
            line,
            problem,
        };
        for (link, &line) in self.links.iter().zip(&self.link_lines) {
            if let Some(first) = sources.insert((link.kind, &link.source_id), line) {
                return Err(at(
                    line,
                    format!(
                        "source {} is linked again (first on line {first})",
                        link.source_id
                    ),
                ));
            }
            if let Some(first) = targets.insert((link.kind, &link.target_id), line) {
                return Err(at(
                    line,
                    format!(
                        "target {} is linked to a second source (first on line {first})",
                        link.target_id
                    ),
                ));
            }
        }
        Ok(())
    }

    fn finish(self) -> StateFile {
        let path = self.path.to_path_buf();
        let integrity = if self.lines == 0 {
            Integrity::Damaged(StateFileError::Empty { path })
        } else if self.midway || (self.sealed && self.closing.is_none()) {
            Integrity::Damaged(StateFileError::Cut {
                path,
                lines: self.lines,
                midway: self.midway,
            })
        } else if let Some((line, closing)) = self.closing {
            let sha256 = hex(&self.hasher.finalize());
            if closing.links == self.links.len() && closing.sha256 == sha256 {
                Integrity::Whole
            } else {
                Integrity::Damaged(StateFileError::Changed {
                    path,
                    line,
                    expected_links: closing.links,
                    expected_sha256: closing.sha256,
                    links: self.links.len(),
                    sha256,
                })
            }
        } else {
            Integrity::Unsealed
        };
        StateFile {
            links: self.links,
            integrity,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Write `links` as a state file at `path`, atomically: a crash leaves the old file or the new
/// one, whole, and never a part of either.
pub fn write(path: &Path, links: &[Link]) -> Result<(), StateFileError> {
    write_atomically(path, |file| {
        // Hashed below the buffer: the hash takes 64 KiB at a time, not each field.
        let mut out = std::io::BufWriter::with_capacity(
            1 << 16,
            Hashed {
                file,
                hasher: Sha256::new(),
            },
        );
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
        };
        serde_json::to_writer(&mut out, &header)?;
        out.write_all(b"\n")?;
        for link in links {
            serde_json::to_writer(&mut out, link)?;
            out.write_all(b"\n")?;
        }
        let hashed = out
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        let closing = Closing {
            links: links.len(),
            sha256: hex(&hashed.hasher.finalize()),
        };
        let mut line = serde_json::to_vec(&closing)?;
        line.push(b'\n');
        hashed.file.write_all(&line)
    })
}

/// A file that hashes what is written to it.
struct Hashed<'f> {
    file: &'f mut std::fs::File,
    hasher: Sha256,
}

impl Write for Hashed<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(buf.get(..n).unwrap_or(buf));
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Whether a state file can be written at `path`: its temporary file is created there, and
/// removed. `map` asks before it reads any record, so a run never ends unable to save.
pub fn check_writable(path: &Path) -> Result<(), StateFileError> {
    let temporary = temporary_beside(path, "probe");
    std::fs::File::create(&temporary)
        .and_then(|_| std::fs::remove_file(&temporary))
        .map_err(|e| StateFileError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

/// `.NAME.tmp-PID` beside `path` (`what`: `tmp`): where a file is written before it is
/// renamed.
fn temporary_beside(path: &Path, what: &str) -> PathBuf {
    let name = path.file_name().map_or_else(
        || std::ffi::OsString::from("state"),
        std::ffi::OsStr::to_os_string,
    );
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(&name);
    temporary.push(format!(".{what}-{}", std::process::id()));
    path.with_file_name(temporary)
}

/// Write a file through `fill`, atomically: into a temporary file beside `path`, synced to
/// disk, then renamed over it, and the directory synced so the rename itself survives a crash.
fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), StateFileError> {
    let temporary = temporary_beside(path, "tmp");
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        fill(&mut file)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        sync_directory(path);
        Ok(())
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(|e: std::io::Error| StateFileError::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Sync the directory holding `path` (Unix: makes a rename durable). Best effort: not every
/// file system can open a directory.
fn sync_directory(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
