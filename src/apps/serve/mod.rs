//! `entramap serve`: a local expression workbench in the browser (docs/workbench.md). One page
//! whose assets are embedded in the binary, and a JSON API under `/api/` that the page uses and
//! scripts can call. Any web page the user opens can send requests to it, so
//! (docs/workbench.md#safe-by-default): it listens on 127.0.0.1 unless told otherwise; it
//! refuses a request from another origin (`Origin`, `Sec-Fetch-Site`), a POST that is not
//! JSON, and a `Host` that is not exactly this address; per-request options never loosen a
//! limit; evaluation runs on a bounded pool of blocking threads with a step budget and a
//! deadline, so the async workers always answer; headers, bodies and answers have timeouts, and
//! connections a cap. It reads and writes no file a client names.

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

/// Connections served at once; more are closed as soon as they are accepted.
pub const MAX_CONNECTIONS: usize = 64;

/// How long each step of a request may take (docs/workbench.md#safe-by-default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To send a request's headers; a slower connection is closed. Default 10 s.
    pub header: std::time::Duration,
    /// From the headers to the answer, reading the body included (408 beyond). Default 20 s.
    pub request: std::time::Duration,
    /// For an answer's work (check, evaluate, map) on the blocking pool (503 beyond).
    /// Default 10 s.
    pub answer: std::time::Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header: std::time::Duration::from_secs(10),
            request: std::time::Duration::from_secs(20),
            answer: std::time::Duration::from_secs(10),
        }
    }
}

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
    /// The blocking threads answers are computed on, at most one a core: a request beyond
    /// them is answered 503 with `Retry-After`.
    pool: Arc<tokio::sync::Semaphore>,
    /// Where [`serve`] listens: `Host` and `Origin` must name this port.
    listening: std::sync::OnceLock<std::net::SocketAddr>,
    timeouts: Timeouts,
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
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Ok(Workbench {
            options,
            mapping: mapping.set,
            engines,
            users,
            loopback_only: true,
            pool: Arc::new(tokio::sync::Semaphore::new(cores)),
            listening: std::sync::OnceLock::new(),
            timeouts: Timeouts::default(),
        })
    }

    /// Other timeouts than the defaults (tests use short ones).
    pub fn with_timeouts(mut self, timeouts: Timeouts) -> Workbench {
        self.timeouts = timeouts;
        self
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
/// Each connection must send its headers within [`Timeouts::header`]; at most
/// [`MAX_CONNECTIONS`] are served at once.
pub async fn serve(
    listener: tokio::net::TcpListener,
    workbench: Arc<Workbench>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(address) = listener.local_addr() {
        let _ = workbench.listening.set(address);
    }
    let timeouts = workbench.timeouts;
    let service = hyper_util::service::TowerToHyperService::new(router(workbench));
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // A connection that failed while being accepted (reset, out of descriptors).
                Err(_) => continue,
            },
            () = &mut shutdown => break,
        };
        // Over the cap: closed at once (dropped), never queued.
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            continue;
        };
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(timeouts.header);
        let connection =
            builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service.clone());
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    // Requests in flight finish; connections idle in keep-alive are closed.
    let _ = tokio::time::timeout(timeouts.request, graceful.shutdown()).await;
    Ok(())
}

/// Every request: a `Host` that is exactly this address, no other origin, JSON for a POST,
/// an answer within [`Timeouts::request`]; every response: security headers.
async fn guard(
    axum::extract::State(workbench): axum::extract::State<Arc<Workbench>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    if let Err(refused) = admit(&workbench, &request) {
        return refused.into_response();
    }
    let limit = workbench.timeouts.request;
    let mut response = match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => api::error(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request took longer than {} s (its body was not sent in time)",
                limit.as_secs_f64()
            ),
        )
        .into_response(),
    };
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

/// Whether the workbench answers `request` at all (docs/workbench.md#safe-by-default).
fn admit(workbench: &Workbench, request: &axum::extract::Request) -> Result<(), api::ApiError> {
    use axum::http::{Method, StatusCode, header};
    let value = |name| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("\u{FFFD}"))
    };
    let port = workbench.listening.get().map(std::net::SocketAddr::port);
    let host = value(header::HOST).unwrap_or("");
    let Some(authority) = parse_host(host, port) else {
        return Err(api::error(
            StatusCode::FORBIDDEN,
            format!(
                "the Host header `{host}` is not a host and port; open the workbench at the address it printed"
            ),
        ));
    };
    if workbench.loopback_only && !authority.loopback {
        return Err(api::error(
            StatusCode::FORBIDDEN,
            format!(
                "the Host header `{host}` is not this machine; open the workbench at http://127.0.0.1"
            ),
        ));
    }
    // A page on another site may send requests here; its browser says so. Requests that say
    // nothing (curl, scripts) are not from a browser page and are answered.
    let own_origin = format!("http://{host}");
    if let Some(origin) = value(header::ORIGIN)
        && !origin.eq_ignore_ascii_case(&own_origin)
    {
        return Err(api::error(
            StatusCode::FORBIDDEN,
            format!(
                "a request from the origin `{origin}` is refused: only the workbench's own page ({own_origin}) may call it"
            ),
        ));
    }
    if let Some(site) = value(axum::http::HeaderName::from_static("sec-fetch-site"))
        && !matches!(site, "same-origin" | "none")
    {
        return Err(api::error(
            StatusCode::FORBIDDEN,
            format!("a {site} request is refused: only the workbench's own page may call it"),
        ));
    }
    if request.method() == Method::POST {
        let json = value(header::CONTENT_TYPE).is_some_and(|t| {
            t.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
        if !json {
            return Err(api::error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "POST bodies must be sent with Content-Type: application/json".to_string(),
            ));
        }
    }
    Ok(())
}

/// A `Host` header's name, read strictly.
struct Authority {
    /// `localhost` or a loopback address.
    loopback: bool,
}

/// `name[:port]` and nothing else: `name` is a DNS name (`localhost`), an IPv4 address or a
/// bracketed IPv6 address, and the port, when the workbench knows where it listens, is its own
/// (80 when none is given). `127.0.0.1:8177@evil.com` and `127.0.0.1:8177/x` are not hosts.
fn parse_host(host: &str, listening: Option<u16>) -> Option<Authority> {
    let bracketed = host.starts_with('[');
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']')?,
        None => match host.find(':') {
            Some(i) => (host.get(..i)?, host.get(i..)?),
            None => (host, ""),
        },
    };
    let port = match port {
        "" => None,
        text => {
            let digits = text.strip_prefix(':')?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(digits.parse::<u16>().ok()?)
        }
    };
    let ip: Option<std::net::IpAddr> = if bracketed {
        Some(std::net::IpAddr::V6(name.parse().ok()?))
    } else {
        name.parse().ok()
    };
    let dns_name = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if ip.is_none() && !dns_name {
        return None;
    }
    if let Some(listening) = listening
        && port.unwrap_or(80) != listening
    {
        return None;
    }
    Some(Authority {
        loopback: ip.map_or(name.eq_ignore_ascii_case("localhost"), |ip| {
            ip.is_loopback()
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_host;

    #[test]
    fn a_host_is_a_name_and_this_port_and_nothing_else() {
        let loopback = |host| parse_host(host, Some(8177)).map(|a| a.loopback);
        for host in [
            "127.0.0.1:8177",
            "localhost:8177",
            "LOCALHOST:8177",
            "[::1]:8177",
            "127.1.2.3:8177",
        ] {
            assert_eq!(loopback(host), Some(true), "{host}");
        }
        for host in [
            "evil.example:8177",
            "10.0.0.1:8177",
            "[2001:db8::1]:8177",
            "localhost.evil:8177",
        ] {
            assert_eq!(loopback(host), Some(false), "{host}");
        }
        for host in [
            "",
            "127.0.0.1:8177@evil.com",
            "127.0.0.1:8177/x",
            "127.0.0.1:9999",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:+8177",
            "::1",
            "[::1",
            "user@127.0.0.1:8177",
            "127.0.0.1:8177 ",
        ] {
            assert!(parse_host(host, Some(8177)).is_none(), "{host}");
        }
        // Not knowing its port (a router served by a caller), any port is accepted.
        assert!(parse_host("localhost", None).is_some());
        assert!(parse_host("localhost:1", None).is_some());
    }
}
