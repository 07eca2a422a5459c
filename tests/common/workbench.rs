//! Shared by the workbench tests: a workbench served in-process on a free loopback port, and
//! a minimal HTTP/1.1 client (one request per connection) to talk to it.
// Each test file that includes this uses part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::sync::Arc;

/// A running workbench; stopped when dropped.
pub struct Served {
    pub address: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    /// The workbench with the `code42` set and the bundled sample users.
    pub fn start() -> Served {
        Served::start_with(entramap::Options::default(), Default::default())
    }

    /// [`Served::start`] with other options and timeouts.
    pub fn start_with(options: entramap::Options, timeouts: entramap::serve::Timeouts) -> Served {
        let loaded = entramap::mapping::load("code42", &options).unwrap();
        let text = std::fs::read_to_string("fixtures/users/sample.ndjson").unwrap();
        let users = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let workbench = entramap::serve::Workbench::new(options, loaded, users)
            .unwrap()
            .with_timeouts(timeouts);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                ready_tx.send(listener.local_addr().unwrap()).unwrap();
                entramap::serve::serve(listener, Arc::new(workbench), async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
        });
        let address = ready_rx.recv().unwrap();
        Served {
            address,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Send one request; (status, headers in lower case, body).
    pub fn request(&self, method: &str, path: &str, host: Option<&str>, body: &[u8]) -> Reply {
        let mut stream = std::net::TcpStream::connect(self.address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let host = host.map_or_else(|| self.address.to_string(), str::to_string);
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        // A server may answer (413) before reading a large body, and close: that is fine.
        let _ = stream.write_all(body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        Reply::parse(&raw)
    }

    /// Send `raw` as it is (a request with headers of the test's choosing); the reply.
    pub fn raw(&self, raw: &str) -> Reply {
        let mut stream = std::net::TcpStream::connect(self.address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        Reply::parse(&reply)
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None, b"")
    }

    pub fn post(&self, path: &str, body: &str) -> Reply {
        self.request("POST", path, None, body.as_bytes())
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An HTTP response.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    fn parse(raw: &[u8]) -> Reply {
        let text = String::from_utf8_lossy(raw);
        // Skip any interim `100 Continue`.
        let text = match text.strip_prefix("HTTP/1.1 100 Continue\r\n\r\n") {
            Some(rest) => rest.to_string(),
            None => text.into_owned(),
        };
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            unchunk(body)
        } else {
            body.to_string()
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Assert an error reply: this status, and `{"error": "..."}` saying `saying`.
    pub fn assert_error(&self, status: u16, saying: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let json = self.json();
        let error = json["error"].as_str().unwrap_or_default();
        assert!(error.contains(saying), "{error:?} does not say {saying:?}");
    }
}

fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = &rest[n + 2..];
    }
    out
}
