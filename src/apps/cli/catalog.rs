//! `entramap mappings`, `country`, `sample-users` and `functions`: what is built in.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{Io, OK, ReportFormat, Usage, pretty};
use crate::builtins;
use crate::options::Options;

#[derive(Subcommand)]
pub(super) enum MappingsAction {
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
pub(super) enum MappingFormat {
    Native,
    Graph,
}

#[derive(Subcommand)]
pub(super) enum CountryAction {
    /// Resolve names to ISO 3166-1 alpha-2 codes; without names, one per line from stdin,
    /// printing exactly one line (the code, or empty) per input line.
    Resolve {
        /// Names or codes.
        names: Vec<String>,
        /// A line per name: the code (text), or `{"input","code","ambiguous"}` (json).
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
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
pub(super) struct SampleArgs {
    /// How many.
    #[arg(long, default_value_t = 1000)]
    count: usize,
    /// Seed: the same seed gives the same users.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(super) enum FunctionsFormat {
    Text,
    Markdown,
    Json,
}

/// `entramap mappings [show NAME]`.
pub(super) fn mappings(
    action: Option<MappingsAction>,
    list_format: ReportFormat,
    io: &mut Io<'_>,
) -> Result<u8, Usage> {
    let Some(MappingsAction::Show { name, format }) = action else {
        let mut list = Vec::new();
        for name in crate::mapping::builtin::names() {
            let set = crate::mapping::load(name, &Options::default())
                .map_err(|e| Usage(e.to_string()))?
                .set;
            match list_format {
                ReportFormat::Text => {
                    let _ = writeln!(io.stdout, "{name:<28} {}", set.description);
                }
                ReportFormat::Json => list.push(serde_json::json!({
                    "name": name,
                    "description": set.description,
                })),
            }
        }
        if list_format == ReportFormat::Json {
            let _ = io.stdout.write_all(pretty(&list).as_bytes());
        }
        return Ok(OK);
    };
    let options = Options::default();
    let loaded = crate::mapping::load(&name, &options).map_err(|e| Usage(e.to_string()))?;
    for w in &loaded.warnings {
        let _ = writeln!(io.stderr, "warning: {}", w.message);
    }
    for unused in loaded.unused_object_mappings() {
        let _ = writeln!(io.stderr, "note: {name}: {unused}");
    }
    let text = match (format, loaded.graph) {
        (MappingFormat::Native, _) => loaded.set.to_native(),
        (MappingFormat::Graph, Some(graph)) => pretty(&graph.schema),
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

/// `entramap country resolve|switch`.
pub(super) fn country(action: CountryAction, io: &mut Io<'_>) -> Result<u8, Usage> {
    match action {
        CountryAction::Resolve { names, format } => {
            let resolve_line = |name: &str, io: &mut Io<'_>| {
                let (code, ambiguous): (Option<&str>, Vec<&str>) =
                    match crate::country::resolve(name) {
                        crate::country::Resolution::Code(c) => (Some(c), Vec::new()),
                        crate::country::Resolution::Ambiguous(c) => (None, c.to_vec()),
                        crate::country::Resolution::Unknown => (None, Vec::new()),
                    };
                match format {
                    ReportFormat::Text => {
                        if !ambiguous.is_empty() {
                            let _ = writeln!(
                                io.stderr,
                                "{name:?} names several countries: {}",
                                ambiguous.join(", ")
                            );
                        }
                        let _ = writeln!(io.stdout, "{}", code.unwrap_or(""));
                    }
                    ReportFormat::Json => {
                        let line = serde_json::json!({
                            "input": name,
                            "code": code,
                            "ambiguous": ambiguous,
                        });
                        let _ = writeln!(io.stdout, "{line}");
                    }
                }
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
                        terminals: io.terminals,
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
        CountryAction::Switch { source, max_length } => {
            let _ = writeln!(
                io.stdout,
                "{}",
                crate::country::switch_expression(&source, max_length)
            );
            Ok(OK)
        }
    }
}

/// `entramap sample-users`.
pub(super) fn sample_users(args: SampleArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let SampleArgs { count, seed, out } = args;
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

/// `entramap functions`.
pub(super) fn functions(format: FunctionsFormat, io: &mut Io<'_>) -> Result<u8, Usage> {
    let out = match format {
        FunctionsFormat::Text => builtins::reference(false),
        FunctionsFormat::Markdown => builtins::reference(true),
        FunctionsFormat::Json => pretty(&builtins::BUILTINS),
    };
    let _ = io.stdout.write_all(out.as_bytes());
    Ok(OK)
}
