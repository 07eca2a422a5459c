//! One HTTP exchange with the app: the [`Transport`] a cycle sends through (an embedder may
//! bring its own), and the bundled one, [`HttpClient`] — ureq over rustls (the ring provider),
//! trusting the operating system's certificates and `--ca-file`, through `HTTPS_PROXY` when
//! one is set (docs/sync.md#safety).

use std::time::Duration;

use super::target::TargetUrl;

/// A request as sent: the method, the whole URL, and a JSON body.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// `GET`, `POST`, `PATCH`, `DELETE`.
    pub method: &'a str,
    /// The URL, query included.
    pub url: &'a str,
    /// The JSON body of a POST or a PATCH.
    pub body: Option<&'a [u8]>,
}

/// What the app answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// `Retry-After`, as sent (seconds or an HTTP date).
    pub retry_after: Option<String>,
    /// `Content-Type`, as sent.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No answer within the timeout.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The connection could not be made, or broke (refused, reset, not HTTP).
    #[error("{0}")]
    Connection(String),
    /// TLS failed: the certificate is not trusted, or the handshake failed. Retrying cannot
    /// help, so the run stops.
    #[error("{0}")]
    Tls(String),
}

/// Sends one request and waits for its answer. Implemented by [`HttpClient`]; a library user
/// with its own HTTP stack implements it to drive a cycle ([`super::Cycle`]).
pub trait Transport {
    /// Send `request`, with the bearer token the transport holds.
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError>;
}

/// The bearer token: never printed (its `Debug` is redacted), never in a URL.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// A token, trimmed of the line end a file or a shell leaves.
    pub fn new(text: &str) -> Option<Token> {
        let token = text.trim();
        (!token.is_empty()).then(|| Token(token.to_string()))
    }

    /// `text` with every occurrence of the token replaced by `[redacted]`, also where JSON
    /// wrote its `/` as `\/`.
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        let escaped = self.0.replace('/', "\\/");
        let mut out = std::borrow::Cow::Borrowed(text);
        for form in [self.0.as_str(), escaped.as_str()] {
            if out.contains(form) {
                out = std::borrow::Cow::Owned(out.replace(form, "[redacted]"));
            }
        }
        out
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// How the bundled client connects.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// The bearer token sent with every request.
    pub token: Option<Token>,
    /// The longest wait for one answer (connecting, sending, receiving). Default 30 s.
    pub timeout: Duration,
    /// PEM certificates trusted besides the operating system's (`--ca-file`).
    pub ca_pem: Option<Vec<u8>>,
}

impl Default for ClientSettings {
    fn default() -> ClientSettings {
        ClientSettings {
            token: None,
            timeout: Duration::from_secs(30),
            ca_pem: None,
        }
    }
}

/// The bundled [`Transport`]: one keep-alive connection pool to the app.
pub struct HttpClient {
    agent: ureq::Agent,
    authorization: Option<String>,
    timeout: Duration,
}

/// The largest answer read (a page of users is far smaller).
const MAX_ANSWER_BYTES: u64 = 64 << 20;

impl HttpClient {
    /// A client for `target`. Fails when `--ca-file` holds no certificate.
    pub fn new(target: &TargetUrl, settings: &ClientSettings) -> Result<HttpClient, String> {
        use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
        let mut roots: Vec<Certificate<'static>> = Vec::new();
        if target.is_https() {
            // The OS store (unreadable certificates in it are skipped, as every TLS client
            // does), then --ca-file.
            let native = rustls_native_certs::load_native_certs();
            roots.extend(
                native
                    .certs
                    .iter()
                    .map(|der| Certificate::from_der(der.as_ref()).to_owned()),
            );
            if let Some(pem) = &settings.ca_pem {
                let before = roots.len();
                for item in ureq::tls::parse_pem(pem) {
                    match item {
                        Ok(PemItem::Certificate(cert)) => roots.push(cert),
                        Ok(_) => {}
                        Err(e) => return Err(format!("--ca-file: {e}")),
                    }
                }
                if roots.len() == before {
                    return Err(
                        "--ca-file holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
                    );
                }
            }
        }
        // A loopback app is never reached through a proxy; others through HTTPS_PROXY (and
        // NO_PROXY) when set.
        let proxy = if target.is_loopback() {
            None
        } else {
            ureq::Proxy::try_from_env()
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(settings.timeout))
            .max_redirects(0)
            .proxy(proxy)
            .user_agent(concat!("entramap/", env!("CARGO_PKG_VERSION")))
            .tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::new_with_certs(&roots))
                    .build(),
            )
            .build();
        Ok(HttpClient {
            agent: config.new_agent(),
            authorization: settings.token.as_ref().map(|t| format!("Bearer {}", t.0)),
            timeout: settings.timeout,
        })
    }
}

impl Transport for HttpClient {
    fn send(&mut self, request: &HttpRequest<'_>) -> Result<HttpResponse, TransportError> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(request.url)
            .header("Accept", "application/scim+json, application/json");
        if let Some(authorization) = &self.authorization {
            builder = builder.header("Authorization", authorization);
        }
        let answer = match request.body {
            Some(body) => {
                let built = builder
                    .header("Content-Type", "application/scim+json")
                    .body(body)
                    .map_err(|e| TransportError::Connection(format!("bad request: {e}")))?;
                self.agent.run(built)
            }
            None => {
                let built = builder
                    .body(())
                    .map_err(|e| TransportError::Connection(format!("bad request: {e}")))?;
                self.agent.run(built)
            }
        };
        let mut response = answer.map_err(|e| self.classify(e))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header("Retry-After");
        let content_type = header("Content-Type");
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER_BYTES)
            .read_to_vec()
            .map_err(|e| self.classify(e))?;
        Ok(HttpResponse {
            status,
            retry_after,
            content_type,
            body,
        })
    }
}

impl HttpClient {
    /// Sort ureq's errors into what retrying can and cannot help.
    fn classify(&self, error: ureq::Error) -> TransportError {
        match error {
            ureq::Error::Timeout(_) => TransportError::Timeout(self.timeout),
            ureq::Error::Tls(e) => TransportError::Tls(format!("TLS: {e}")),
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                TransportError::Timeout(self.timeout)
            }
            ureq::Error::Io(e) => {
                let text = e.to_string();
                if text.contains("certificate") || text.contains("handshake") {
                    TransportError::Tls(format!("TLS: {text}"))
                } else {
                    TransportError::Connection(text)
                }
            }
            ureq::Error::HostNotFound => TransportError::Connection("host not found".into()),
            other => TransportError::Connection(other.to_string()),
        }
    }
}
