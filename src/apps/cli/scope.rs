//! `entramap scope`: for each record, in or out of the mapping set's scope, and the group or
//! clause that decided it.

use std::path::PathBuf;

use clap::Args;

use super::{FAILED, Io, OK, OptionArgs, ReportFormat, Usage};
use crate::provision::Verdict;
use crate::scim::ResourceKind;
use crate::source::input::InputFormat;

#[derive(Args)]
pub(super) struct ScopeArgs {
    /// A built-in mapping set or a file (native TOML or Graph JSON).
    #[arg(long, short = 'm', value_name = "NAME|FILE")]
    mapping: String,
    /// Source users (`-` = stdin), in any format `map` reads.
    #[arg(value_name = "USERS")]
    users: Option<PathBuf>,
    /// Source groups.
    #[arg(long, value_name = "GROUPS")]
    groups: Option<PathBuf>,
    /// One line per record, or JSON (one object per record, every group and clause).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    #[command(flatten)]
    options: OptionArgs,
}

/// `entramap scope`. Exit 0 when every record was read, 1 when one could not be.
pub(super) fn scope(args: ScopeArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let options = args.options.load()?;
    let has_records = args.users.is_some() || args.groups.is_some();
    let (_, engine) = super::map::load_engine(&args.mapping, has_records, false, &options, io)?;
    let max = options.limits.max_line_bytes;
    let mut failed = false;
    let mut empty = std::io::empty();
    for (kind, path) in [
        (ResourceKind::User, &args.users),
        (ResourceKind::Group, &args.groups),
    ] {
        let Some(path) = path else { continue };
        let cannot = |e: std::io::Error| Usage(format!("cannot read {}: {e}", path.display()));
        let stdin: &mut (dyn std::io::Read + Send) = if kind == ResourceKind::User {
            &mut *io.stdin
        } else {
            &mut empty
        };
        let inputs = super::map::inputs(path, stdin, InputFormat::Auto, max, &mut *io.stderr)?;
        for crate::provision::run::Input {
            name: file,
            records,
        } in inputs
        {
            for record in records {
                let record = record.map_err(cannot)?;
                let at = format!(
                    "{kind} {}line {}",
                    file.as_deref().map(|f| format!("{f} ")).unwrap_or_default(),
                    record.line
                );
                let object = record
                    .text
                    .and_then(|t| {
                        crate::source::read::parse_json_strict(&String::from_utf8_lossy(&t))
                    })
                    .and_then(|json| match json {
                        serde_json::Value::Object(map) => Ok(map),
                        _ => Err("expected a JSON object".to_string()),
                    });
                let object = match object {
                    Ok(o) => o,
                    Err(e) => {
                        failed = true;
                        let _ = writeln!(io.stderr, "error: {at}: {e}");
                        continue;
                    }
                };
                let Some(report) = engine.scope(kind, &object) else {
                    return Err(Usage(format!(
                        "{}: the mapping set has no {kind} mapping",
                        args.mapping
                    )));
                };
                let name = ["userPrincipalName", "displayName", "objectId", "id"]
                    .iter()
                    .find_map(|k| object.get(*k).and_then(serde_json::Value::as_str))
                    .unwrap_or("");
                match args.format {
                    ReportFormat::Text => {
                        let verdict = match report.verdict {
                            Verdict::True => "in",
                            Verdict::False => "out",
                            Verdict::Undetermined => "undetermined",
                        };
                        let _ = writeln!(io.stdout, "{at} {name}: {verdict} — {}", report.reason());
                    }
                    ReportFormat::Json => {
                        let line = serde_json::json!({
                            "kind": kind,
                            "file": file,
                            "line": record.line,
                            "name": name,
                            "verdict": report.verdict,
                            "groups": report.groups,
                        });
                        let _ = writeln!(io.stdout, "{line}");
                    }
                }
            }
        }
    }
    Ok(if failed { FAILED } else { OK })
}
