//! The `entramap` command line, callable in-process: [`run`] takes the arguments and the three
//! standard streams and returns the exit code (0 ok, 1 the input has errors, 2 usage error).
//! Everything it does is a library call; this file only reads input and prints.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::check::analyze;
use crate::diagnostic::{Diagnostic, render_all};
use crate::eval::Env;
use crate::expression::{Expression, ExpressionError};
use crate::options::Options;
use crate::syntax::{print, tree};
use crate::{builtins, graph};

mod eval;
mod map;
use eval::{batch_eval, describe, read_json, render_trace};
use map::{MapArgs, check_mapping, map};

#[derive(Parser)]
#[command(
    name = "entramap",
    version,
    about = "Run Entra ID provisioning attribute-mapping expressions offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse an expression and print it as canonical text, a tree, or Graph JSON.
    Parse {
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
    },
    /// Print an expression in canonical form; with --check, fail if it is not already.
    Fmt {
        #[command(flatten)]
        input: ExprInput,
        /// Exit 1 (printing the canonical form to stderr) if the input is not canonical.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// Report every error and warning in an expression (exit 0 clean, 1 if errors).
    Check {
        #[command(flatten)]
        input: ExprInput,
        /// Check a whole mapping set (built-in name or file) instead of one expression.
        #[arg(long, value_name = "NAME|FILE", conflicts_with_all = ["expr", "file"])]
        mapping: Option<String>,
        /// Human-readable text or JSON for machines.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// Evaluate an expression against a source object (or answer a file of requests with --batch).
    Eval {
        #[command(flatten)]
        input: ExprInput,
        /// The source object: a JSON file of attributes, or Graph's testInputObject (`-` = stdin).
        #[arg(long = "input", short = 'i', value_name = "FILE")]
        source: Option<PathBuf>,
        /// The clock for Now(): RFC 3339 or a date (overrides the option `now`).
        #[arg(long)]
        now: Option<String>,
        /// Seed for Guid() and RandomString() (overrides the option `rng_seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// A value already used in the target, for SelectUniqueValue (repeatable).
        #[arg(long, value_name = "VALUE")]
        taken: Vec<String>,
        /// Print every sub-expression with its value, as a tree.
        #[arg(long)]
        trace: bool,
        /// Text, or Graph's parseExpressionResponse JSON.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
        /// Answer one JSON request per line of FILE (`-` = stdin) with one response per line.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["expr", "file", "source", "trace"])]
        batch: Option<PathBuf>,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// Turn source users (and groups) into the SCIM requests Entra would send.
    Map {
        #[command(flatten)]
        args: MapArgs,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// List the built-in mapping sets, or show or convert one.
    Mappings {
        #[command(subcommand)]
        action: Option<MappingsAction>,
    },
    /// ISO 3166 country names and codes.
    Country {
        #[command(subcommand)]
        action: CountryAction,
    },
    /// Write synthetic Entra users (NDJSON) for benchmarks and demos.
    SampleUsers {
        /// How many.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Seed: the same seed gives the same users.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write here instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// List the built-in functions.
    Functions {
        /// Plain text, a Markdown table, or JSON.
        #[arg(long, value_enum, default_value_t = FunctionsFormat::Text)]
        format: FunctionsFormat,
    },
}

#[derive(Subcommand)]
enum MappingsAction {
    /// Print a mapping set (built-in or file) in the native TOML format or as Graph JSON.
    Show {
        /// Built-in name or file.
        name: String,
        /// native (TOML) or graph (synchronizationSchema JSON).
        #[arg(long, value_enum, default_value_t = MappingFormat::Native)]
        format: MappingFormat,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MappingFormat {
    Native,
    Graph,
}

#[derive(Subcommand)]
enum CountryAction {
    /// Resolve names to ISO 3166-1 alpha-2 codes; without names, one per line from stdin,
    /// printing exactly one line (the code, or empty) per input line.
    Resolve {
        /// Names or codes.
        names: Vec<String>,
    },
    /// Print an Entra Switch expression that maps country text to alpha-2 codes.
    Switch {
        /// The source attribute.
        #[arg(long, default_value = "country")]
        source: String,
        /// Longest expression, in characters (Entra accepts 10,000).
        #[arg(long, default_value_t = 10_000)]
        max_length: usize,
    },
}

#[derive(Args)]
struct ExprInput {
    /// The expression, or `-` to read it from standard input.
    #[arg(value_name = "EXPR", conflicts_with = "file")]
    expr: Option<String>,
    /// Read the expression from a file.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
}

#[derive(Args)]
struct OptionArgs {
    /// Set a dialect option, e.g. --option function_name_case=strict (repeatable).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    option: Vec<String>,
    /// Read options from a JSON file (fields of entramap::Options).
    #[arg(long = "options", value_name = "FILE")]
    options_file: Option<PathBuf>,
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FunctionsFormat {
    Text,
    Markdown,
    Json,
}

/// Exit codes.
const OK: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;

/// Run the command line. Returns the process exit code.
pub fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { USAGE } else { OK };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                stderr.write_all(text.as_bytes())
            } else {
                stdout.write_all(text.as_bytes())
            };
            return code;
        }
    };
    let mut io = Io {
        stdin,
        stdout,
        stderr,
    };
    match execute(cli.command, &mut io) {
        Ok(code) => code,
        Err(Usage(message)) => {
            let _ = writeln!(io.stderr, "error: {message}");
            USAGE
        }
    }
}

struct Io<'a> {
    stdin: &'a mut dyn Read,
    stdout: &'a mut dyn Write,
    stderr: &'a mut dyn Write,
}

/// A problem with how the command was called (exit 2), as opposed to with its input.
struct Usage(String);

fn execute(command: Command, io: &mut Io<'_>) -> Result<u8, Usage> {
    match command {
        Command::Parse {
            input,
            format,
            from,
            options,
        } => {
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
        Command::Fmt {
            input,
            check,
            options,
        } => {
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
        Command::Check {
            input,
            mapping,
            format,
            deny_warnings,
            options,
        } => {
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
        Command::Eval {
            input,
            source,
            now,
            seed,
            taken,
            trace,
            format,
            batch,
            options,
        } => {
            let mut options = options.load()?;
            if now.is_some() {
                options.run.now = now;
            }
            if seed.is_some() {
                options.run.rng_seed = seed;
            }
            if let Some(path) = batch {
                return batch_eval(&path, &options, io);
            }
            let (text, origin) = input.read(io.stdin)?;
            let record = match &source {
                None => serde_json::Map::new(),
                Some(path) => {
                    let json = read_json(path, io.stdin)?;
                    crate::parse_expression::input_object(&json)
                        .map_err(|e| Usage(format!("{}: {e}", path.display())))?
                }
            };
            let taken_set: std::collections::HashSet<String> = taken.into_iter().collect();
            let is_taken = |v: &str| taken_set.contains(v);
            let mut env = Env::new(&options)
                .map_err(|e| Usage(e.to_string()))?
                .with_taken(&is_taken);
            if trace {
                env = env.with_trace();
            }
            let expression = match Expression::compile(&text, &options) {
                Ok(e) => e,
                Err(ExpressionError {
                    diagnostics: errors,
                    ..
                }) => {
                    if format == ReportFormat::Json {
                        let _ = io.stdout.write_all(
                            pretty(&crate::parse_expression::parse_failure(&text, &errors))
                                .as_bytes(),
                        );
                    }
                    report(io, &errors, &text, &origin);
                    return Ok(FAILED);
                }
            };
            if format == ReportFormat::Json {
                let response = crate::parse_expression::evaluate(&expression, &record, &mut env);
                let _ = io.stdout.write_all(pretty(&response).as_bytes());
                return Ok(if response.error.is_none() { OK } else { FAILED });
            }
            report(io, expression.warnings(), &text, &origin);
            let result = expression.eval_object(&record, &mut env);
            if let Some(trace) = &env.trace {
                let _ = io.stdout.write_all(render_trace(trace, &text).as_bytes());
            }
            report(io, &env.warnings, &text, &origin);
            match result {
                Ok(value) => {
                    let _ = writeln!(io.stdout, "{}", describe(&value));
                    Ok(OK)
                }
                Err(e) => {
                    report(io, &[e.to_diagnostic()], &text, &origin);
                    Ok(FAILED)
                }
            }
        }
        Command::Map { args, options } => map(args, &options.load()?, io),
        Command::Mappings { action: None } => {
            for name in crate::mapping::builtin::names() {
                let set = crate::mapping::load(name, &Options::default())
                    .map_err(|e| Usage(e.to_string()))?
                    .set;
                let _ = writeln!(io.stdout, "{name:<28} {}", set.description);
            }
            Ok(OK)
        }
        Command::Mappings {
            action: Some(MappingsAction::Show { name, format }),
        } => {
            let options = Options::default();
            let loaded = crate::mapping::load(&name, &options).map_err(|e| Usage(e.to_string()))?;
            for w in &loaded.warnings {
                let _ = writeln!(io.stderr, "warning: {}", w.message);
            }
            let text = match (format, loaded.graph) {
                (MappingFormat::Native, _) => loaded.set.to_native(),
                (MappingFormat::Graph, Some(graph)) => pretty(&graph),
                (MappingFormat::Graph, None) => pretty(
                    &crate::mapping::graph_schema::SynchronizationSchema::from_mapping_set(
                        &loaded.set,
                        &options,
                    ),
                ),
            };
            let _ = io.stdout.write_all(text.as_bytes());
            Ok(OK)
        }
        Command::Country {
            action: CountryAction::Resolve { names },
        } => {
            let resolve_line = |name: &str, io: &mut Io<'_>| {
                let code = match crate::country::resolve(name) {
                    crate::country::Resolution::Code(c) => c.to_string(),
                    crate::country::Resolution::Ambiguous(c) => {
                        let _ = writeln!(
                            io.stderr,
                            "{name:?} names several countries: {}",
                            c.join(", ")
                        );
                        String::new()
                    }
                    crate::country::Resolution::Unknown => String::new(),
                };
                let _ = writeln!(io.stdout, "{code}");
            };
            if names.is_empty() {
                use std::io::BufRead;
                let mut reader = std::io::BufReader::new(&mut *io.stdin);
                let mut line = Vec::new();
                loop {
                    line.clear();
                    match reader.read_until(b'\n', &mut line) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) => return Err(Usage(format!("cannot read standard input: {e}"))),
                    }
                    let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
                    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
                    let name = String::from_utf8_lossy(bytes).into_owned();
                    let mut sub = Io {
                        stdin: &mut std::io::empty(),
                        stdout: &mut *io.stdout,
                        stderr: &mut *io.stderr,
                    };
                    resolve_line(&name, &mut sub);
                }
            } else {
                for name in &names {
                    resolve_line(name, io);
                }
            }
            Ok(OK)
        }
        Command::Country {
            action: CountryAction::Switch { source, max_length },
        } => {
            let _ = writeln!(
                io.stdout,
                "{}",
                crate::country::switch_expression(&source, max_length)
            );
            Ok(OK)
        }
        Command::SampleUsers { count, seed, out } => {
            let result = match out {
                Some(path) => {
                    let file = std::fs::File::create(&path)
                        .map_err(|e| Usage(format!("cannot write {}: {e}", path.display())))?;
                    let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
                    crate::sample::write_users(count, seed, &mut w).and_then(|_| w.flush())
                }
                None => crate::sample::write_users(count, seed, &mut *io.stdout),
            };
            result.map_err(|e| Usage(format!("cannot write users: {e}")))?;
            Ok(OK)
        }
        Command::Functions { format } => {
            let out = match format {
                FunctionsFormat::Text => builtins::reference(false),
                FunctionsFormat::Markdown => builtins::reference(true),
                FunctionsFormat::Json => pretty(&builtins::BUILTINS),
            };
            let _ = io.stdout.write_all(out.as_bytes());
            Ok(OK)
        }
    }
}

impl ExprInput {
    /// The expression text and a name for it in messages.
    fn read(&self, stdin: &mut dyn Read) -> Result<(String, String), Usage> {
        let (bytes, origin) = match (&self.expr, &self.file) {
            (_, Some(path)) => (
                std::fs::read(path)
                    .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?,
                path.display().to_string(),
            ),
            (Some(dash), None) if dash == "-" => {
                let mut buf = Vec::new();
                stdin
                    .read_to_end(&mut buf)
                    .map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
                (buf, "<stdin>".to_string())
            }
            (Some(expr), None) => return Ok((expr.clone(), "<expr>".to_string())),
            (None, None) => {
                return Err(Usage(
                    "give an expression, -f FILE, or - to read standard input".into(),
                ));
            }
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            Usage(format!(
                "{origin} is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        Ok((
            text.strip_prefix('\u{FEFF}').unwrap_or(&text).to_string(),
            origin,
        ))
    }
}

impl OptionArgs {
    fn load(&self) -> Result<Options, Usage> {
        let base = match &self.options_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
                serde_json::from_str(&text)
                    .map_err(|e| Usage(format!("{}: {e}", path.display())))?
            }
            None => Options::default(),
        };
        base.with_settings(self.option.iter().map(String::as_str))
            .map_err(|e| Usage(e.to_string()))
    }
}

/// Read a Graph tree (a bare node, an attributeMapping's `source`, or a parseExpression
/// response's `parsedExpression`) and return its canonical expression text.
fn graph_to_text(json: &str, options: &Options) -> Result<String, Usage> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Usage(format!("not JSON: {e}")))?;
    let node = ["source", "parsedExpression"]
        .iter()
        .find_map(|k| value.get(k).filter(|v| v.is_object()))
        .unwrap_or(&value);
    let node: graph::Node = serde_json::from_value(node.clone())
        .map_err(|e| Usage(format!("not an attributeMappingSource tree: {e}")))?;
    let expr = graph::from_graph(&node, options).map_err(|e| Usage(e.to_string()))?;
    Ok(print::canonical(&expr))
}

fn report(io: &mut Io<'_>, diagnostics: &[Diagnostic], text: &str, origin: &str) {
    let _ = io
        .stderr
        .write_all(render_all(diagnostics, text, origin).as_bytes());
}

fn diagnostic_json(d: &Diagnostic, text: &str) -> serde_json::Value {
    let (line, column) = d.line_col(text);
    let end = crate::diagnostic::span::LineIndex::new(text).line_col(text, d.span.end as usize);
    json!({
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "line": line,
        "column": column,
        "end_line": end.0,
        "end_column": end.1,
        "span": d.span,
        "label": d.label,
        "help": d.help,
    })
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value)
        .map_or_else(|e| format!("{{\"error\": \"{e}\"}}"), |s| s + "\n")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
