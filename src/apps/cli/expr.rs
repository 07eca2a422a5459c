//! `entramap parse`, `fmt` and `check`: one expression (or a mapping set, for `check`) in,
//! text out.

use clap::{Args, ValueEnum};
use serde_json::json;

use super::findings::{self, Checked};
use super::map::check_mapping;
use super::{ExprInput, FAILED, Io, OK, OptionArgs, ReportFormat, Usage};
use super::{graph_to_text, plural, pretty, report};
use crate::diagnostic::render_all;
use crate::expression::analyze;
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
    /// `{"canonical", "graph", "diagnostics"}`.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
    Github,
    Sarif,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum InputKind {
    Text,
    Graph,
}

/// One expression, or many files and directories of them.
#[derive(Args)]
pub(super) struct ManyInputs {
    /// The expression, or `-` to read it from standard input.
    #[arg(value_name = "EXPR", conflicts_with = "files")]
    expr: Option<String>,
    /// Expression files, or directories searched recursively for `*.expr` files.
    #[arg(short = 'f', long = "file", value_name = "FILE", num_args = 1..)]
    files: Vec<std::path::PathBuf>,
}

impl ManyInputs {
    /// Each input's text and origin, in order.
    fn read(&self, stdin: &mut dyn std::io::Read) -> Result<Vec<(String, String)>, Usage> {
        if self.files.is_empty() {
            let single = ExprInput {
                expr: self.expr.clone(),
                file: None,
            };
            return single.read(stdin).map(|one| vec![one]);
        }
        let mut paths = Vec::new();
        for path in &self.files {
            if path.is_dir() {
                expr_files(path, &mut paths)?;
            } else {
                paths.push(path.clone());
            }
        }
        if paths.is_empty() {
            return Err(Usage("no *.expr files in the directories given".into()));
        }
        paths
            .into_iter()
            .map(|path| {
                ExprInput {
                    expr: None,
                    file: Some(path),
                }
                .read(stdin)
            })
            .collect()
    }
}

/// The `*.expr` files under `dir`, sorted.
fn expr_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), Usage> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Usage(format!("cannot read {}: {e}", dir.display())))?;
    let mut found: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    found.sort();
    for path in found {
        if path.is_dir() {
            expr_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "expr") {
            out.push(path);
        }
    }
    Ok(())
}

#[derive(Args)]
#[command(after_help = "Examples:
  entramap fmt 'iif(isnull([a]),\"x\",[a])'
  entramap fmt --check -f mappings/          # exit 1 listing files not in canonical form
  entramap fmt --write -f mappings/          # rewrite them in place")]
pub(super) struct FmtArgs {
    #[command(flatten)]
    input: ManyInputs,
    /// Exit 1 (printing the canonical form to stderr) if an input is not canonical.
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// Rewrite files that are not in canonical form.
    #[arg(long)]
    write: bool,
    /// Text, or JSON: `{"origin", "canonical", "is_canonical"}` per input (an array for several).
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    #[command(flatten)]
    options: OptionArgs,
}

#[derive(Args)]
#[command(after_help = "Examples:
  entramap check 'ToLower([userPrincipleName])'
  entramap check -f mappings/ --format github   # annotations on a pull request
  entramap check -f mappings/ --format sarif > entramap.sarif
  entramap check -m code42 --deny-warnings")]
pub(super) struct CheckArgs {
    #[command(flatten)]
    input: ManyInputs,
    /// Check a whole mapping set (built-in name or file) instead of expressions.
    #[arg(long, short = 'm', value_name = "NAME|FILE", conflicts_with_all = ["expr", "files"])]
    mapping: Option<String>,
    /// With -m: also check a Code42 provisioning configuration against the set
    /// (docs/code42.md#lints).
    #[arg(long, value_name = "FILE", requires = "mapping")]
    code42: Option<std::path::PathBuf>,
    /// Text for people, JSON, GitHub workflow annotations, or SARIF for code scanning.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
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
        InputKind::Graph => graph_to_text(&text, &options, &mut *io.stderr)?,
    };
    let analysis = analyze(&text, &options);
    if let ParseFormat::Json = format {
        let out = json!({
            "origin": origin,
            "canonical": analysis.expr.as_ref().map(print::canonical),
            "graph": analysis.expr.as_ref().map(graph::to_graph),
            "diagnostics": analysis.diagnostics.iter().map(|d| d.to_json(&text)).collect::<Vec<_>>(),
        });
        let _ = io.stdout.write_all(pretty(&out).as_bytes());
        return Ok(if analysis.has_errors() { FAILED } else { OK });
    }
    report(io, &analysis.diagnostics, &text, &origin);
    if let Some(expr) = &analysis.expr {
        let out = match format {
            ParseFormat::Json => String::new(),
            ParseFormat::Canonical => print::canonical(expr) + "\n",
            ParseFormat::Tree => tree::dump(expr),
            ParseFormat::Graph => {
                let node = graph::to_graph(expr);
                if graph::has_engine_local_nodes(&node) {
                    let _ = writeln!(
                        io.stderr,
                        "note: a comparison outside an IIF condition, or `&`, has no known form in the service's trees; it is written as a Function node named by the operator, with keys left and right"
                    );
                }
                pretty(&node)
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
        write,
        format,
        options,
    } = args;
    let options = options.load()?;
    if write && input.files.is_empty() {
        return Err(Usage("--write rewrites files: give them with -f".into()));
    }
    let inputs = input.read(io.stdin)?;
    if format == ReportFormat::Json {
        let mut reports = Vec::new();
        let mut code = OK;
        for (text, origin) in &inputs {
            let analysis = analyze(text, &options);
            let canonical = analysis.expr.as_ref().map(print::canonical);
            let is_canonical = canonical
                .as_deref()
                .is_some_and(|c| text.trim_end_matches(['\r', '\n']) == c);
            if canonical.is_none() || (check && !is_canonical) {
                code = FAILED;
            }
            if let (true, false, Some(c)) = (write, is_canonical, &canonical) {
                std::fs::write(origin, format!("{c}\n"))
                    .map_err(|e| Usage(format!("cannot write {origin}: {e}")))?;
            }
            reports.push(
                json!({"origin": origin, "canonical": canonical, "is_canonical": is_canonical}),
            );
        }
        let out = match <[_; 1]>::try_from(reports) {
            Ok([one]) => one,
            Err(many) => serde_json::Value::Array(many),
        };
        let _ = io.stdout.write_all(pretty(&out).as_bytes());
        return Ok(code);
    }
    if inputs.len() > 1 && !check && !write {
        return Err(Usage("with several files, give --check or --write".into()));
    }
    let mut code = OK;
    for (text, origin) in &inputs {
        let analysis = analyze(text, &options);
        let Some(expr) = &analysis.expr else {
            report(io, &analysis.diagnostics, text, origin);
            code = FAILED;
            continue;
        };
        let canonical = print::canonical(expr);
        let is_canonical = text.trim_end_matches(['\r', '\n']) == canonical;
        if check {
            if !is_canonical {
                let _ = writeln!(
                    io.stderr,
                    "{origin}: not in canonical form; canonical form:\n{canonical}"
                );
                code = FAILED;
            }
        } else if write {
            if !is_canonical {
                std::fs::write(origin, format!("{canonical}\n"))
                    .map_err(|e| Usage(format!("cannot write {origin}: {e}")))?;
                let _ = writeln!(io.stderr, "formatted {origin}");
            }
        } else {
            let _ = writeln!(io.stdout, "{canonical}");
        }
    }
    Ok(code)
}

/// `entramap check`.
pub(super) fn check(args: CheckArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let CheckArgs {
        input,
        mapping,
        code42,
        format,
        deny_warnings,
        options,
    } = args;
    let options = options.load()?;
    if let Some(mapping) = mapping {
        let format = match format {
            CheckFormat::Text => ReportFormat::Text,
            CheckFormat::Json => ReportFormat::Json,
            CheckFormat::Github | CheckFormat::Sarif => {
                return Err(Usage(
                    "--format github and sarif apply to expression files (-f); use text or json with -m".into(),
                ));
            }
        };
        return check_mapping(
            &mapping,
            code42.as_deref(),
            format,
            deny_warnings,
            &options,
            io,
        );
    }
    let checked: Vec<Checked> = input
        .read(io.stdin)?
        .into_iter()
        .map(|(text, origin)| {
            let diagnostics = crate::mapping::check::check_expression(&text, &options).diagnostics;
            Checked {
                diagnostics,
                origin,
                text,
            }
        })
        .collect();
    let errors: usize = checked
        .iter()
        .map(|c| c.diagnostics.iter().filter(|d| d.is_error()).count())
        .sum();
    let warnings = checked.iter().map(|c| c.diagnostics.len()).sum::<usize>() - errors;
    match format {
        CheckFormat::Text => {
            for c in &checked {
                let _ = io
                    .stdout
                    .write_all(render_all(&c.diagnostics, &c.text, &c.origin).as_bytes());
                let e = c.diagnostics.iter().filter(|d| d.is_error()).count();
                let w = c.diagnostics.len() - e;
                let _ = writeln!(
                    io.stdout,
                    "{}: {e} error{}, {w} warning{}",
                    c.origin,
                    plural(e),
                    plural(w)
                );
            }
            if checked.len() > 1 {
                let _ = writeln!(
                    io.stdout,
                    "{} files: {errors} error{}, {warnings} warning{}",
                    checked.len(),
                    plural(errors),
                    plural(warnings)
                );
            }
        }
        CheckFormat::Json => {
            let reports: Vec<_> = checked
                .iter()
                .map(|c| {
                    let e = c.diagnostics.iter().filter(|d| d.is_error()).count();
                    let list: Vec<_> = c
                        .diagnostics
                        .iter()
                        .map(|d| d.to_json(&c.text))
                        .collect();
                    json!({"origin": c.origin, "ok": e == 0, "errors": e, "warnings": c.diagnostics.len() - e, "diagnostics": list})
                })
                .collect();
            // One input: its report; several: an array of them.
            let out = match <[_; 1]>::try_from(reports) {
                Ok([one]) => one,
                Err(many) => serde_json::Value::Array(many),
            };
            let _ = io.stdout.write_all(pretty(&out).as_bytes());
        }
        CheckFormat::Github => {
            let _ = io.stdout.write_all(findings::github(&checked).as_bytes());
        }
        CheckFormat::Sarif => {
            let _ = io
                .stdout
                .write_all(pretty(&findings::sarif(&checked)).as_bytes());
        }
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        FAILED
    } else {
        OK
    })
}
