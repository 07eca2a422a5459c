//! The `entramap` command line, callable in-process: [`run`] takes the arguments and the three
//! standard streams and returns the exit code (0 ok, 1 the input has errors, 2 usage error).
//! Everything it does is a library call; this file only reads input and prints.

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

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Diagnostic, render_all};
use crate::graph;
use crate::options::Options;
use crate::syntax::print;

#[cfg(feature = "sync")]
mod app;
mod catalog;
mod code42;
mod eval;
mod expr;
mod map;
mod findings;
mod progress;
mod scope;
mod serve;
mod state;
#[cfg(feature = "sync")]
mod sync;
#[cfg(feature = "sync")]
mod target;
mod test;
use catalog::{CountryAction, FunctionsFormat, MappingsAction, SampleArgs};
use eval::EvalArgs;
use expr::{CheckArgs, FmtArgs, ParseArgs};
use map::{MapArgs, map};
use scope::ScopeArgs;

#[derive(Parser)]
#[command(
    name = "entramap",
    version,
    about = "Run Entra ID provisioning attribute-mapping expressions offline",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse an expression and print it as canonical text, a tree, or Graph JSON.
    #[command(after_help = "Examples:
  entramap parse 'mid([userPrincipalName],1,8)'            # canonical text
  entramap parse --format graph 'Mid([userPrincipalName], 1, 8)'
  entramap parse --from graph -f tree.json                  # Graph attributeMappingSource JSON → text")]
    Parse(ParseArgs),
    /// Print an expression in canonical form; with --check, fail if it is not already.
    Fmt(FmtArgs),
    /// Report every error and warning in an expression (exit 0 clean, 1 if errors).
    Check(CheckArgs),
    /// Evaluate an expression against a source object (or answer a file of requests with --batch).
    #[command(after_help = "Examples:
  entramap eval 'Join(\", \", [surname], [givenName])' --input '{\"surname\":\"Smith\",\"givenName\":\"Ann\"}'
  entramap eval -f expr.txt --input user.json --trace        # every sub-expression's value
  entramap eval --format json 'Now()' --now 2021-08-25T17:41:18Z
  entramap eval --batch requests.jsonl                       # Graph parseExpression request bodies

The value goes to stdout; Null and dropped values print nothing there and a note on stderr.")]
    Eval(EvalArgs),
    /// Turn source users (and groups) into the SCIM requests Entra would send.
    #[command(after_help = "Examples:
  entramap map -m code42 users.ndjson --groups groups.ndjson > requests.ndjson
  entramap map -m schema.json pages/ --current target.ndjson --explain   # a directory of Graph pages
  entramap map -m code42 users.ndjson --state links.ndjson --state-out links.ndjson

Exit status: 0 when every record was mapped, 1 when one failed, 2 when called wrongly or the
mapping set does not load.")]
    Map {
        #[command(flatten)]
        args: MapArgs,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// Run one provisioning cycle against a live SCIM app: the requests `map` would print,
    /// sent, with the app's own ids (docs/sync.md).
    #[cfg(feature = "sync")]
    #[command(after_help = "Examples:
  ENTRAMAP_SCIM_TOKEN=… entramap sync -m code42 users.ndjson --target http://127.0.0.1:8080 --state-out links.ndjson
  entramap sync -m code42 users.ndjson --target https://app.example.com/scim --state links.ndjson --state-out links.ndjson --yes
  entramap sync -m code42 users.ndjson --target https://app.example.com/scim --dry-run   # GETs only; prints the writes

The bearer token comes from ENTRAMAP_SCIM_TOKEN or --token-file, never from an argument.
?aadOptscim062020 on the target URL selects that PATCH mode, as in Entra, and is not sent.

Exit status: 0 when every record's requests succeeded, 1 when one failed, 2 when called
wrongly, the app cannot be reached or refuses the token (the state is written all the same).")]
    Sync {
        #[command(flatten)]
        args: sync::SyncArgs,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// What a live SCIM app holds (`export`), and how it differs from what a cycle should
    /// have left (`diff`).
    #[cfg(feature = "sync")]
    #[command(after_help = "Examples:
  entramap target export --target http://127.0.0.1:8080/scim -o current.ndjson
  entramap target diff expected.ndjson current.ndjson      # exit 1 when anything differs")]
    Target {
        #[command(subcommand)]
        action: target::TargetAction,
    },
    /// Code42's side of provisioning: where Code42 puts each user the mapping sends
    /// (organization, roles, deactivation), from its organization and role mapping
    /// (docs/code42.md).
    Code42 {
        #[command(subcommand)]
        action: code42::Code42Action,
    },
    /// Check a state file (what `map --state-out` wrote), or seal it again after a hand edit.
    #[command(after_help = "Examples:
  entramap state check links.ndjson                 # whole, cut, emptied or edited?
  entramap state rehash links.ndjson                # accept a deliberate hand edit

A state file ends with the number of its links and the SHA-256 of its lines, so a file that
was cut short or changed is refused by `map --state` instead of creating objects again.")]
    State {
        #[command(subcommand)]
        action: state::StateAction,
    },
    /// For each user (and group): in or out of the mapping set's scope, and the group or clause
    /// that decided it.
    #[command(after_help = "Examples:
  entramap scope -m schema.json users.ndjson
  entramap scope -m code42 users.ndjson --format json   # every group and clause with its result")]
    Scope(ScopeArgs),
    /// Run mapping tests: `*.test.toml` files of expressions, users and expected values or
    /// request snapshots (docs/testing.md).
    Test(test::TestArgs),
    /// List the built-in mapping sets, or show or convert one.
    #[command(after_help = "Examples:
  entramap mappings
  entramap mappings show code42 --format graph > code42.schema.json")]
    Mappings {
        #[command(subcommand)]
        action: Option<MappingsAction>,
        /// The list as text or JSON.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// ISO 3166 country names and codes.
    #[command(after_help = "Examples:
  entramap country resolve Deutschland \"Korea, Rep.\" 840     # DE KR US
  entramap country resolve < countries.txt                   # one line out per line in
  entramap country switch --source country                   # an Entra Switch from ISO 3166")]
    Country {
        #[command(subcommand)]
        action: CountryAction,
    },
    /// Write synthetic Entra users (NDJSON) for benchmarks and demos.
    #[command(after_help = "Example:
  entramap sample-users --count 1000000 --seed 1 > users.ndjson")]
    SampleUsers(SampleArgs),
    /// Print a shell completion script.
    #[command(after_help = "Example:
  entramap completions bash > ~/.local/share/bash-completion/completions/entramap")]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Open the expression workbench in the browser: live diagnostics, values, traces, and a
    /// mapping set's SCIM requests for one user, served on 127.0.0.1.
    #[command(after_help = "Examples:
  entramap serve                                   # http://127.0.0.1:8177/ with code42
  entramap serve -m schema.json --users fixtures/users/sample.ndjson --port 9000

Nothing leaves the machine: the page and its script are in the binary, and the server listens
on 127.0.0.1 unless --listen says otherwise.")]
    Serve {
        #[command(flatten)]
        args: serve::ServeArgs,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// List the built-in functions.
    #[command(after_help = "Examples:
  entramap functions
  entramap functions --format json")]
    Functions {
        /// Plain text, a Markdown table, or JSON.
        #[arg(long, value_enum, default_value_t = FunctionsFormat::Text)]
        format: FunctionsFormat,
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
    /// The Entra service the expressions are for: app provisioning (default) or Cloud Sync
    /// (IIF picks one branch, Cloud Sync functions and `%DomainFQDN%` placeholders are accepted).
    #[arg(long, value_enum, value_name = "DIALECT")]
    dialect: Option<DialectArg>,
    /// Set a dialect option, e.g. --option function_name_case=strict (repeatable).
    #[arg(long = "option", value_name = "KEY=VALUE")]
    option: Vec<String>,
    /// Read options from a JSON file (fields of entramap::Options).
    #[arg(long = "options", value_name = "FILE")]
    options_file: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DialectArg {
    Provisioning,
    CloudSync,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

/// Exit codes.
const OK: u8 = 0;
const FAILED: u8 = 1;
const USAGE: u8 = 2;

/// The exit codes, the same for every command (README's table says the same).
const EXIT_CODES: &str = "Exit codes (every command):
  0  success: the input was read and has no problems
  1  the input has problems: records failed (map; sync: also a request the app refused),
     differences found (target diff), errors found (check, fmt --check),
     cases failed (test), requests failed (eval --batch), a state file cut, emptied or
     edited (state check, state rehash)
  2  called wrongly, a mapping set that cannot run, or a file that could not be read or
     written (--state — also one cut, emptied or edited —, --state-out, -o); sync: the app
     cannot be reached, refuses the token or fails TLS";

/// Run the command line. Returns the process exit code.
pub fn run(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    stdin: &mut (dyn Read + Send),
    stdout: &mut (dyn Write + Send),
    stderr: &mut dyn Write,
) -> u8 {
    run_on(args, stdin, stdout, stderr, Terminals::default())
}

/// Which of the output streams are terminals (the `entramap` binary asks): `map` draws its
/// progress bar on a terminal stderr, unless its requests go to the same terminal.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminals {
    /// Standard output is a terminal.
    pub stdout: bool,
    /// Standard error is a terminal.
    pub stderr: bool,
    /// Standard input is a terminal (`sync` asks before writing to a remote app).
    pub stdin: bool,
}

/// [`run`], saying which streams are terminals.
pub fn run_on(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
    stdin: &mut (dyn Read + Send),
    stdout: &mut (dyn Write + Send),
    stderr: &mut dyn Write,
    terminals: Terminals,
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
        terminals,
    };
    match execute(cli.command, &mut io) {
        Ok(code) => code,
        Err(Usage(message)) => {
            let _ = writeln!(io.stderr, "error: {message}");
            USAGE
        }
    }
}

/// (Standard input and output are `Send`: `map` reads and writes on threads of their own.)
struct Io<'a> {
    stdin: &'a mut (dyn Read + Send),
    stdout: &'a mut (dyn Write + Send),
    stderr: &'a mut dyn Write,
    /// Progress bars are drawn only on a terminal.
    terminals: Terminals,
}

/// A problem with how the command was called (exit 2), as opposed to with its input.
struct Usage(String);

fn execute(command: Command, io: &mut Io<'_>) -> Result<u8, Usage> {
    match command {
        Command::Parse(args) => expr::parse(args, io),
        Command::Fmt(args) => expr::fmt(args, io),
        Command::Check(args) => expr::check(args, io),
        Command::Eval(args) => eval::eval(args, io),
        Command::Map { args, options } => map(args, &options.load()?, io),
        Command::Scope(args) => scope::scope(args, io),
        Command::Code42 { action } => code42::code42(action, io),
        Command::State { action } => state::state(action, io),
        #[cfg(feature = "sync")]
        Command::Sync { args, options } => sync::sync(args, options.load()?, io),
        #[cfg(feature = "sync")]
        Command::Target { action } => target::target(action, io),
        Command::Test(args) => test::test(args, io),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "entramap", io.stdout);
            Ok(OK)
        }
        Command::Mappings { action, format } => catalog::mappings(action, format, io),
        Command::Country { action } => catalog::country(action, io),
        Command::SampleUsers(args) => catalog::sample_users(args, io),
        Command::Functions { format } => catalog::functions(format, io),
        Command::Serve { args, options } => serve::serve(args, &options.load()?, io),
    }
}

impl ExprInput {
    /// Was no expression given?
    fn is_empty(&self) -> bool {
        self.expr.is_none() && self.file.is_none()
    }

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
        let text = crate::source::decode::text(bytes, std::path::Path::new(&origin))
            .map_err(|e| Usage(e.to_string()))?;
        Ok((text, origin))
    }
}

impl OptionArgs {
    fn load(&self) -> Result<Options, Usage> {
        let base = match &self.options_file {
            Some(path) => {
                let text =
                    crate::source::decode::read_text(path).map_err(|e| Usage(e.to_string()))?;
                Options::from_json(&text).map_err(|e| Usage(format!("{}: {e}", path.display())))?
            }
            None => Options::default(),
        };
        let dialect = self.dialect.map(|d| match d {
            DialectArg::Provisioning => "dialect=provisioning",
            DialectArg::CloudSync => "dialect=cloud-sync",
        });
        base.with_settings(
            dialect
                .into_iter()
                .chain(self.option.iter().map(String::as_str)),
        )
        .map_err(|e| Usage(e.to_string()))
    }
}

/// Read a Graph tree (a bare node, an attributeMapping's `source`, or a parseExpression
/// response's `parsedExpression`) and return its canonical expression text.
fn graph_to_text(json: &str, options: &Options, stderr: &mut dyn Write) -> Result<String, Usage> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| Usage(format!("not JSON: {e}")))?;
    let node = ["source", "parsedExpression"]
        .iter()
        .find_map(|k| value.get(k).filter(|v| v.is_object()))
        .unwrap_or(&value);
    let node: graph::Node = serde_json::from_value(node.clone())
        .map_err(|e| Usage(format!("not an attributeMappingSource tree: {e}")))?;
    let read = graph::read_tree(&node, options).map_err(|e| Usage(e.to_string()))?;
    let text = print::canonical(&read.expr);
    match read.text {
        graph::TextVerdict::Differs => {
            let _ = writeln!(
                stderr,
                "warning: the tree's expression text disagrees with the tree; using the tree: {text}"
            );
        }
        graph::TextVerdict::Unparsed => {
            let _ = writeln!(
                stderr,
                "warning: the tree's expression text does not parse; using the tree: {text}"
            );
        }
        graph::TextVerdict::Agrees | graph::TextVerdict::Absent => {}
    }
    Ok(text)
}

fn report(io: &mut Io<'_>, diagnostics: &[Diagnostic], text: &str, origin: &str) {
    let _ = io
        .stderr
        .write_all(render_all(diagnostics, text, origin).as_bytes());
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value)
        .map_or_else(|e| format!("{{\"error\": \"{e}\"}}"), |s| s + "\n")
}

/// An output file the command writes (`--errors`, `--log`, `-o`), created before any
/// record is read; `None` when not asked for.
fn create_output(
    path: Option<&std::path::Path>,
) -> Result<Option<std::io::BufWriter<std::fs::File>>, Usage> {
    path.map(|path| {
        std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .map_err(|e| Usage(format!("cannot write {}: {e}", path.display())))
    })
    .transpose()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
