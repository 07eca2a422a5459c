//! `entramap serve`: start the workbench (the library's `serve` module) and wait for Ctrl-C.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Io, OK, Usage};
use crate::options::Options;
use crate::source::input::{self, InputFormat};

#[derive(clap::Args, Debug)]
pub(super) struct ServeArgs {
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8177)]
    port: u16,
    /// Listen on this address instead (`0.0.0.0:8177`): the workbench has no login, so anyone
    /// who can reach the address can use it.
    #[arg(long, value_name = "ADDR", conflicts_with = "port")]
    listen: Option<std::net::SocketAddr>,
    /// The mapping set the mapping view starts with: a built-in set or a file.
    #[arg(long, short = 'm', value_name = "NAME|FILE", default_value = "code42")]
    mapping: String,
    /// Users to pick from (any format `map` reads; the first 500 are listed).
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
}

pub(super) fn serve(args: ServeArgs, options: &Options, io: &mut Io<'_>) -> Result<u8, Usage> {
    let loaded = crate::mapping::load(&args.mapping, options).map_err(|e| Usage(e.to_string()))?;
    let users = match &args.users {
        None => Vec::new(),
        Some(path) => read_users(path, options)?,
    };
    let workbench = crate::serve::Workbench::new(options.clone(), loaded, users).map_err(|e| {
        let errors: Vec<String> = e
            .errors
            .iter()
            .map(|e| format!("{}: {e}", args.mapping))
            .collect();
        Usage(errors.join("\nerror: "))
    })?;
    let (address, workbench) = match args.listen {
        Some(address) if !address.ip().is_loopback() => {
            let _ = writeln!(
                io.stderr,
                "warning: listening on {address}: anyone who can reach it can use the workbench (it has no login)"
            );
            (address, workbench.allow_any_host())
        }
        Some(address) => (address, workbench),
        None => (
            std::net::SocketAddr::from(([127, 0, 0, 1], args.port)),
            workbench,
        ),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Usage(format!("cannot start the server: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| Usage(format!("cannot listen on {address}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Usage(format!("cannot listen on {address}: {e}")))?;
        let _ = writeln!(
            io.stdout,
            "entramap workbench on http://{bound}/ (Ctrl-C to stop)"
        );
        let _ = io.stdout.flush();
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        crate::serve::serve(listener, Arc::new(workbench), shutdown)
            .await
            .map_err(|e| Usage(format!("the server stopped: {e}")))
    })?;
    let _ = writeln!(io.stderr, "stopped");
    Ok(OK)
}

/// Every user of a file, as objects; records that are not objects are reported and left out.
fn read_users(
    path: &std::path::Path,
    options: &Options,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, Usage> {
    let cannot = |e: std::io::Error| Usage(format!("cannot read {}: {e}", path.display()));
    let mut users = Vec::new();
    let opened =
        input::open_path(path, InputFormat::Auto, options.limits.max_line_bytes).map_err(cannot)?;
    if let Some((name, why)) = opened.skipped.first() {
        return Err(Usage(format!(
            "{}: {name} is not read: {why} (give the workbench one file of users)",
            path.display()
        )));
    }
    for (_, records) in opened.files {
        let objects =
            input::objects(records).map_err(|e| Usage(format!("{}: {e}", path.display())))?;
        users.extend(objects);
    }
    Ok(users)
}
