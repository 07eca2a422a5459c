//! `entramap serve`: a local expression workbench in the browser (docs/workbench.md). One page
//! whose assets are embedded in the binary, and a JSON API under `/api/` that the page uses and
//! scripts can call. It listens on 127.0.0.1 unless told otherwise, reads and writes no file a
//! client names, caps request bodies, sends a Content-Security-Policy, and allows no other
//! origin (no CORS headers; a request whose `Host` is not this machine is refused, against DNS
//! rebinding).

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

mod api;
mod assets;

use std::sync::Arc;

use serde_json::{Map, Value as Json};

use crate::mapping::{Loaded, MappingSet};
use crate::options::{Options, PatchMode};
use crate::provision::{ConfigError, Engine};

/// Largest request body the API reads (1 MiB); a larger one is refused with 413.
pub const BODY_LIMIT: usize = 1 << 20;

/// Users offered by the page's user picker (`GET /api/users`), at most.
const USERS_LISTED: usize = 500;

/// What the workbench serves: options, the mapping set it was started with, and sample users.
pub struct Workbench {
    options: Options,
    mapping: MappingSet,
    /// That set compiled once for each PATCH mode the map view shows, for requests that
    /// change neither the set nor the options.
    engines: [(PatchMode, Engine); 2],
    users: Vec<Map<String, Json>>,
    /// Refuse requests whose `Host` is not a loopback name (when listening on loopback).
    loopback_only: bool,
}

impl Workbench {
    /// A workbench for `mapping` (a loaded set; `--mapping`) and `users` (`--users`). Fails when
    /// the set does not compile, as `map` would, before anything is served.
    pub fn new(
        options: Options,
        mapping: Loaded,
        users: Vec<Map<String, Json>>,
    ) -> Result<Workbench, ConfigError> {
        let compile = |mode| {
            let mut options = options.clone();
            options.scim.patch_mode = mode;
            Engine::new(&mapping.set, &options).map(|engine| (mode, engine))
        };
        let engines = [
            compile(PatchMode::LegacyScim)?,
            compile(PatchMode::AadOptScim062020)?,
        ];
        Ok(Workbench {
            options,
            mapping: mapping.set,
            engines,
            users,
            loopback_only: true,
        })
    }

    /// Accept any `Host` header: for `--listen` on another interface, where the address the
    /// browser uses is not known in advance.
    pub fn allow_any_host(mut self) -> Workbench {
        self.loopback_only = false;
        self
    }
}

/// The workbench's routes: the page, its assets, and the API.
pub fn router(workbench: Arc<Workbench>) -> axum::Router {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/app.css", get(assets::style))
        .route("/api/check", post(api::check))
        .route("/api/eval", post(api::eval))
        .route("/api/parseExpression", post(api::parse_expression))
        .route("/api/map", post(api::map_user))
        .route("/api/mapping", get(api::mapping))
        .route("/api/users", get(api::users))
        .route("/api/functions", get(api::functions))
        .fallback(api::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&workbench),
            guard,
        ))
        .with_state(workbench)
}

/// Serve until `shutdown` completes (Ctrl-C for the command), finishing requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    workbench: Arc<Workbench>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(workbench))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Every response: security headers; every request: a loopback `Host` when so configured.
async fn guard(
    axum::extract::State(workbench): axum::extract::State<Arc<Workbench>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, StatusCode, header};
    use axum::response::IntoResponse;
    if workbench.loopback_only {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if !is_loopback_host(host) {
            return api::error(
                StatusCode::FORBIDDEN,
                format!("the Host header `{host}` is not this machine; open the workbench at http://127.0.0.1"),
            )
            .into_response();
        }
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `127.0.0.1:8177`, `localhost`, `[::1]:8177`.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn only_this_machine_s_names_are_loopback_hosts() {
        for host in [
            "127.0.0.1:8177",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "127.1.2.3",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "evil.example:8177",
            "10.0.0.1",
            "[2001:db8::1]:80",
            "localhost.evil",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
