//! `entramap parse`, `fmt` and `check`: one expression (or a mapping set, for `check`) in,
//! text out.

use clap::{Args, ValueEnum};
use serde_json::json;

use super::map::check_mapping;
use super::{ExprInput, FAILED, Io, OK, OptionArgs, ReportFormat, Usage};
use super::{diagnostic_json, graph_to_text, plural, pretty, report};
use crate::check::analyze;
use crate::diagnostic::render_all;
use crate::graph;
use crate::syntax::{print, tree};

#[derive(Args)]
pub(super) struct ParseArgs {
    #[command(flatten)]
    input: ExprInput,
    /// What to print.
    #[arg(long, value_enum, default_value_t = ParseFormat::Canonical)]
    format: ParseFormat,
    /// Read the input as expression text or as a Graph attributeMappingSource JSON tree.
    #[arg(long, value_enum, default_value_t = InputKind::Text)]
    from: InputKind,
    #[command(flatten)]
    options: OptionArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ParseFormat {
    Canonical,
    Tree,
    Graph,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputKind {
    Text,
    Graph,
}

#[derive(Args)]
pub(super) struct FmtArgs {
    #[command(flatten)]
    input: ExprInput,
    /// Exit 1 (printing the canonical form to stderr) if the input is not canonical.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    options: OptionArgs,
}

#[derive(Args)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    input: ExprInput,
    /// Check a whole mapping set (built-in name or file) instead of one expression.
    #[arg(long, short = 'm', value_name = "NAME|FILE", conflicts_with_all = ["expr", "file"])]
    mapping: Option<String>,
    /// Human-readable text or JSON for machines.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    #[command(flatten)]
    options: OptionArgs,
}

/// `entramap parse`.
pub(super) fn parse(args: ParseArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let ParseArgs {
        input,
        format,
        from,
        options,
    } = args;
    let options = options.load()?;
    let (text, origin) = input.read(io.stdin)?;
    let text = match from {
        InputKind::Text => text,
        InputKind::Graph => graph_to_text(&text, &options)?,
    };
    let analysis = analyze(&text, &options);
    report(io, &analysis.diagnostics, &text, &origin);
    if let Some(expr) = &analysis.expr {
        let out = match format {
            ParseFormat::Canonical => print::canonical(expr) + "\n",
            ParseFormat::Tree => tree::dump(expr),
            ParseFormat::Graph => {
                if graph::has_engine_local_nodes(expr) {
                    let _ = writeln!(
                        io.stderr,
                        "note: comparisons have no documented Graph form; they are written as Function nodes named by the operator"
                    );
                }
                pretty(&graph::to_graph(expr))
            }
        };
        let _ = io.stdout.write_all(out.as_bytes());
    }
    Ok(if analysis.has_errors() { FAILED } else { OK })
}

/// `entramap fmt`.
pub(super) fn fmt(args: FmtArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let FmtArgs {
        input,
        check,
        options,
    } = args;
    let options = options.load()?;
    let (text, origin) = input.read(io.stdin)?;
    let analysis = analyze(&text, &options);
    let Some(expr) = &analysis.expr else {
        report(io, &analysis.diagnostics, &text, &origin);
        return Ok(FAILED);
    };
    let canonical = print::canonical(expr);
    if check {
        if text.trim_end_matches(['\r', '\n']) != canonical {
            let _ = writeln!(
                io.stderr,
                "{origin}: not in canonical form; canonical form:\n{canonical}"
            );
            return Ok(FAILED);
        }
        return Ok(OK);
    }
    let _ = writeln!(io.stdout, "{canonical}");
    Ok(OK)
}

/// `entramap check`.
pub(super) fn check(args: CheckArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let CheckArgs {
        input,
        mapping,
        format,
        deny_warnings,
        options,
    } = args;
    let options = options.load()?;
    if let Some(mapping) = mapping {
        return check_mapping(&mapping, format, deny_warnings, &options, io);
    }
    let (text, origin) = input.read(io.stdin)?;
    let analysis = analyze(&text, &options);
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = analysis.diagnostics.len() - errors;
    match format {
        ReportFormat::Text => {
            let _ = io
                .stdout
                .write_all(render_all(&analysis.diagnostics, &text, &origin).as_bytes());
            let _ = writeln!(
                io.stdout,
                "{origin}: {errors} error{}, {warnings} warning{}",
                plural(errors),
                plural(warnings)
            );
        }
        ReportFormat::Json => {
            let list: Vec<_> = analysis
                .diagnostics
                .iter()
                .map(|d| diagnostic_json(d, &text))
                .collect();
            let out = json!({"origin": origin, "ok": errors == 0, "errors": errors, "warnings": warnings, "diagnostics": list});
            let _ = io.stdout.write_all(pretty(&out).as_bytes());
        }
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        FAILED
    } else {
        OK
    })
}
