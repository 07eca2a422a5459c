//! `entramap state`: check a state file, or seal it again after a deliberate hand edit
//! (docs/mapping.md#state-files).

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;

use super::{FAILED, Io, OK, ReportFormat, Usage};
use crate::options::Options;
use crate::provision::state_file::{self, Integrity, StateFile, StateFileError};
use crate::scim::ResourceKind;

#[derive(Subcommand)]
pub(super) enum StateAction {
    /// Say whether a state file is whole: exit 0 when it is (or has no closing record, with a
    /// warning), 1 when it is cut, emptied, edited or has a line that is not a link.
    Check {
        /// The state file (what `map --state-out` wrote).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// A line of text, or one JSON object.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// After a deliberate hand edit, accept the file's links as they are: write it again with
    /// a closing record that matches them. Every line must still be a link, and no source or
    /// target linked twice.
    Rehash {
        /// The state file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

pub(super) fn state(action: StateAction, io: &mut Io<'_>) -> Result<u8, Usage> {
    let max = Options::default().limits.max_line_bytes;
    match action {
        StateAction::Check { file, format } => {
            let inspected = state_file::inspect(&file, max);
            if let Err(e @ StateFileError::Read { .. }) = &inspected {
                return Err(Usage(e.to_string()));
            }
            if format == ReportFormat::Json {
                let _ = writeln!(io.stdout, "{}", report_json(&file, &inspected));
            } else {
                report_text(&file, &inspected, io);
            }
            Ok(match inspected {
                Ok(StateFile {
                    integrity: Integrity::Whole | Integrity::Unsealed,
                    ..
                }) => OK,
                _ => FAILED,
            })
        }
        StateAction::Rehash { file } => match state_file::rehash(&file, max) {
            Ok(before) => {
                let was = match &before.integrity {
                    Integrity::Whole => "it was whole already".to_string(),
                    Integrity::Unsealed => "it had no closing record".to_string(),
                    Integrity::Damaged(e) => format!("it was {}", e.kind()),
                };
                let _ = writeln!(
                    io.stderr,
                    "{}: sealed with {} ({was})",
                    file.display(),
                    counted(&before)
                );
                Ok(OK)
            }
            Err(e @ (StateFileError::Read { .. } | StateFileError::Write { .. })) => {
                Err(Usage(e.to_string()))
            }
            Err(e) => {
                let _ = writeln!(io.stderr, "error: {e}");
                Ok(FAILED)
            }
        },
    }
}

/// How many of a file's links are users', and how many groups'.
fn users_and_groups(file: &StateFile) -> (usize, usize) {
    let users = file
        .links
        .iter()
        .filter(|l| l.kind == ResourceKind::User)
        .count();
    (users, file.links.len() - users)
}

/// `3 links (2 users, 1 group)`.
fn counted(file: &StateFile) -> String {
    let (users, groups) = users_and_groups(file);
    format!(
        "{} link{} ({users} user{}, {groups} group{})",
        file.links.len(),
        super::plural(file.links.len()),
        super::plural(users),
        super::plural(groups)
    )
}

fn report_text(
    path: &std::path::Path,
    inspected: &Result<StateFile, StateFileError>,
    io: &mut Io<'_>,
) {
    match inspected {
        Ok(file) => match &file.integrity {
            Integrity::Whole => {
                let _ = writeln!(io.stdout, "{}: whole, {}", path.display(), counted(file));
            }
            Integrity::Unsealed => {
                let _ = writeln!(
                    io.stdout,
                    "{}: {}, no closing record",
                    path.display(),
                    counted(file)
                );
                let _ = writeln!(io.stderr, "warning: {}", state_file::unsealed_warning(path));
            }
            Integrity::Damaged(e) => {
                let _ = writeln!(io.stderr, "error: {e}");
            }
        },
        Err(e) => {
            let _ = writeln!(io.stderr, "error: {e}");
        }
    }
}

fn report_json(
    path: &std::path::Path,
    inspected: &Result<StateFile, StateFileError>,
) -> serde_json::Value {
    let file = path.display().to_string();
    match inspected {
        Ok(state) => {
            let (users, groups) = users_and_groups(state);
            let (integrity, error) = match &state.integrity {
                Integrity::Whole => ("whole", None),
                Integrity::Unsealed => ("unsealed", Some(state_file::unsealed_warning(path))),
                Integrity::Damaged(e) => (e.kind(), Some(e.to_string())),
            };
            json!({
                "file": file,
                "integrity": integrity,
                "links": state.links.len(),
                "users": users,
                "groups": groups,
                "message": error,
            })
        }
        Err(e) => {
            let line = match e {
                StateFileError::Line { line, .. } => Some(*line),
                _ => None,
            };
            json!({"file": file, "integrity": e.kind(), "line": line, "message": e.to_string()})
        }
    }
}
