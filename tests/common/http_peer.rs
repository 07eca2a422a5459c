//! A loopback HTTP listener written for the tests (plain or TLS): each request is answered
//! by a handler the test gives, after an optional delay, one request per connection. It is
//! the misbehaving peer `sync` must survive (an HTML page, a slow answer, a 429, a 500, a
//! certificate no one trusts) — never a stand-in for the real SCIM servers, which
//! tests/sync_live.rs drives.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as the peer saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: String,
}

/// What to answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Close the connection without answering (a reset, a crashed proxy).
    pub hang_up: bool,
}

impl Reply {
    pub fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/scim+json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
            hang_up: false,
        }
    }

    /// No answer at all: the connection is closed.
    pub fn hang_up() -> Reply {
        Reply {
            hang_up: true,
            ..Reply::json(200, serde_json::Value::Null)
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

pub type Handler = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

/// A running peer; it stops with the test process.
pub struct Peer {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl Peer {
    /// A plain HTTP peer on 127.0.0.1.
    pub fn start(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Peer {
        Peer::spawn(None, Arc::new(handler))
    }

    /// A TLS peer serving fixtures/sync/localhost.pem (signed by fixtures/sync/test-ca.pem).
    pub fn start_tls(handler: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Peer {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sync/");
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(format!("{dir}localhost.pem"))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let key = PrivateKeyDer::from_pem_file(format!("{dir}localhost.key")).unwrap();
        // (ring: what the client uses too; the post-quantum notice does not matter here.)
        #[allow(deprecated)]
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
        Peer::spawn(Some(Arc::new(config)), Arc::new(handler))
    }

    fn spawn(tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (handler, log, tls) = (Arc::clone(&handler), Arc::clone(&log), tls.clone());
                std::thread::spawn(move || {
                    let _ = match tls {
                        Some(config) => {
                            let Ok(conn) = rustls::ServerConnection::new(config) else {
                                return;
                            };
                            let mut stream = rustls::StreamOwned::new(conn, stream);
                            serve(&mut stream, &*handler, &log)
                        }
                        None => {
                            let mut stream: TcpStream = stream;
                            serve(&mut stream, &*handler, &log)
                        }
                    };
                });
            }
        });
        Peer { url, seen }
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Read one request, answer it, close.
fn serve(
    stream: &mut (impl Read + Write),
    handler: &Handler,
    log: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut *stream);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or_default().to_string(),
        parts.next().unwrap_or_default().to_string(),
    );
    let (mut length, mut authorization) = (0usize, None);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim().to_string();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let seen = Seen {
        method,
        path,
        authorization,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(seen.clone());
        log.len()
    };
    let reply = handler(&seen, n);
    std::thread::sleep(reply.delay);
    if reply.hang_up {
        return Ok(());
    }
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&reply.body);
    stream.write_all(out.as_bytes())?;
    stream.flush()
}

/// A small in-memory SCIM app for the retry tests: users and groups, matching GETs by
/// `userName`/`displayName`, POST, GET and DELETE by id. A PATCH is answered 204 and not
/// applied (the tests read what was sent). Its answers are what a test's handler falls back
/// to.
#[derive(Default)]
pub struct TinyApp {
    users: Mutex<Vec<(String, serde_json::Value)>>,
}

impl TinyApp {
    pub fn answer(&self, seen: &Seen) -> Reply {
        let mut all = self.users.lock().unwrap();
        let (collection, path) = ["/Users", "/Groups"]
            .iter()
            .find_map(|c| seen.path.split_once(c).map(|(_, p)| (*c, p)))
            .unwrap_or(("/Users", ""));
        let name = if collection == "/Users" {
            "userName"
        } else {
            "displayName"
        };
        let in_collection = |u: &serde_json::Value| {
            u.get("schemas")
                .map(|s| s.to_string().contains("Group"))
                .unwrap_or(false)
                == (collection == "/Groups")
        };
        match seen.method.as_str() {
            "GET" if path.starts_with('?') => {
                let decoded = percent_decode(path);
                let found: Vec<_> = all
                    .iter()
                    .filter(|(_, u)| in_collection(u))
                    .filter(|(_, u)| {
                        let value = u[name].as_str().unwrap_or_default();
                        decoded
                            .to_lowercase()
                            .contains(&format!("\"{}\"", value.to_lowercase()))
                    })
                    .map(|(_, u)| {
                        let mut u = u.clone();
                        if decoded.contains("excludedAttributes=members") {
                            u.as_object_mut().unwrap().remove("members");
                        }
                        u
                    })
                    .collect();
                Reply::json(
                    200,
                    serde_json::json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                    "totalResults": found.len(), "Resources": found}),
                )
            }
            "POST" => {
                let mut user: serde_json::Value = serde_json::from_str(&seen.body).unwrap();
                let id = format!("app-{}", all.len() + 1);
                user["id"] = id.clone().into();
                all.push((id, user.clone()));
                Reply::json(201, user)
            }
            "GET" | "PATCH" | "DELETE" => {
                let id = path.trim_start_matches('/');
                match all.iter().position(|(i, _)| i == id) {
                    Some(at) if seen.method == "DELETE" => {
                        all.remove(at);
                        Reply::json(204, serde_json::Value::Null).no_body()
                    }
                    Some(at) if seen.method == "GET" => Reply::json(200, all[at].1.clone()),
                    Some(_) => Reply::json(204, serde_json::Value::Null).no_body(),
                    None => Reply::json(
                        404,
                        serde_json::json!({"status": "404", "detail": "no such object"}),
                    ),
                }
            }
            _ => Reply::json(405, serde_json::json!({"detail": "method"})),
        }
    }

    /// Objects held, users and groups.
    pub fn count(&self) -> usize {
        self.users.lock().unwrap().len()
    }
}

impl Reply {
    fn no_body(mut self) -> Reply {
        self.body.clear();
        self
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
