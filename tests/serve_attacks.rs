//! What a web page (or a careless script) can send the workbench, and what it gets
//! (docs/workbench.md#safe-by-default): cross-site requests refused, limits never loosened,
//! deep or slow expressions answered with an error while every other request is still
//! answered, slow clients cut off.

#[path = "common/workbench.rs"]
mod workbench;

use std::io::{Read, Write};
use std::time::Duration;

use workbench::Served;

const EVAL: &str = r#"{"expression": "ToUpper([givenName])", "input": {"givenName": "ada"}}"#;

fn post(served: &Served, headers: &str, body: &str) -> workbench::Reply {
    served.raw(&format!(
        "POST /api/eval HTTP/1.1\r\nHost: {}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        served.address,
        body.len()
    ))
}

#[test]
fn a_cross_site_request_is_refused_and_the_own_page_and_scripts_are_answered() {
    let served = Served::start();
    let own = format!("http://{}", served.address);
    // A form or a no-cors fetch from any page: not JSON.
    post(
        &served,
        "Content-Type: text/plain\r\nOrigin: https://evil.example\r\n",
        EVAL,
    )
    .assert_error(403, "https://evil.example");
    post(&served, "Content-Type: text/plain\r\n", EVAL).assert_error(415, "application/json");
    post(
        &served,
        "Content-Type: application/json\r\nOrigin: https://evil.example\r\n",
        EVAL,
    )
    .assert_error(403, "only the workbench's own page");
    post(
        &served,
        "Content-Type: application/json\r\nSec-Fetch-Site: cross-site\r\n",
        EVAL,
    )
    .assert_error(403, "cross-site");
    // The page itself, and curl (neither header).
    let page = post(
        &served,
        &format!(
            "Content-Type: application/json\r\nOrigin: {own}\r\nSec-Fetch-Site: same-origin\r\n"
        ),
        EVAL,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.json()["evaluationResult"][0], "ADA");
    assert_eq!(
        post(
            &served,
            "Content-Type: application/json; charset=utf-8\r\n",
            EVAL
        )
        .status,
        200
    );
    // A Host with something after the port is not this machine.
    let tricked = served.raw(&format!(
        "GET /api/functions HTTP/1.1\r\nHost: {}@evil.com\r\nConnection: close\r\n\r\n",
        served.address
    ));
    tricked.assert_error(403, "is not a host and port");
}

#[test]
fn per_request_options_never_loosen_a_limit() {
    let served = Served::start();
    for key in [
        "max_nesting_depth",
        "max_expression_length",
        "regex_backtrack_limit",
        "max_eval_steps",
    ] {
        let body = format!(r#"{{"expression": "[a]", "options": {{"{key}": 100000000000}}}}"#);
        for path in [
            "/api/eval",
            "/api/check",
            "/api/map",
            "/api/parseExpression",
        ] {
            let body = if path == "/api/map" {
                format!(r#"{{"user": {{"objectId": "1"}}, "options": {{"{key}": 100000000000}}}}"#)
            } else {
                body.clone()
            };
            served
                .post(path, &body)
                .assert_error(400, &format!("{key} cannot be raised here"));
        }
    }
    // Lowering is fine.
    let lowered = served.post(
        "/api/eval",
        r#"{"expression": "Not(Not(Not([a])))", "options": {"max_nesting_depth": 2}}"#,
    );
    assert_eq!(lowered.status, 200);
    assert_eq!(lowered.json()["parsingSucceeded"], false);
}

#[test]
fn a_3000_deep_expression_is_answered_with_an_error_and_the_server_lives() {
    let served = Served::start();
    let deep = format!("{}[a]{}", "(".repeat(3000), ")".repeat(3000));
    let reply = served.post(
        "/api/eval",
        &serde_json::json!({ "expression": deep }).to_string(),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], "too-deep", "{}", reply.body);
    assert_eq!(served.get("/api/functions").status, 200);
}

/// A quadratic regular expression is the step-budget error, at once.
#[test]
fn a_slow_regex_is_answered_within_its_budget() {
    let served = Served::start();
    let body = serde_json::json!({
        "expression": r#"Replace([s], , "(?=(a|aa)+b)x", , "y", , )"#,
        "input": { "s": "a".repeat(120_000) },
    });
    let reply = served.post("/api/eval", &body.to_string());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json()["error"]["code"],
        "step-budget",
        "{}",
        reply.body
    );
}

/// A workbench whose owner loosened its limits, with a 2 s answer deadline, and a request
/// that keeps a pool thread busy for about 5 s: past the deadline, short enough to finish.
fn loose_workbench() -> (std::sync::Arc<Served>, String) {
    let options = entramap::Options::default()
        .with_settings([
            "regex_backtrack_limit=100000000000",
            "max_eval_steps=100000000000000",
        ])
        .unwrap();
    let served = std::sync::Arc::new(Served::start_with(
        options,
        entramap::serve::Timeouts {
            answer: Duration::from_secs(2),
            ..Default::default()
        },
    ));
    let body = serde_json::json!({
        "expression": r#"Replace([s], , "(?=(a|aa)+b)x", , "y", , )"#,
        "input": { "s": "a".repeat(80_000) },
    })
    .to_string();
    (served, body)
}

/// A workbench started with loose limits (its owner's choice) can be kept busy: the work
/// runs on the blocking pool, so other requests are answered meanwhile, and the busy request
/// gets 503 with Retry-After at its deadline.
#[test]
fn a_long_evaluation_never_holds_up_other_requests() {
    let (served, body) = loose_workbench();
    let slow = {
        let served = std::sync::Arc::clone(&served);
        std::thread::spawn(move || served.post("/api/eval", &body))
    };
    std::thread::sleep(Duration::from_millis(300));
    // Answered while the slow one still runs.
    let quick = served.post("/api/eval", EVAL);
    assert_eq!(quick.status, 200, "{}", quick.body);
    assert!(!slow.is_finished(), "the slow request was not slow");
    assert_eq!(served.get("/api/functions").status, 200);
    let slow = slow.join().unwrap();
    slow.assert_error(503, "took longer than 2 s");
    assert_eq!(slow.header("retry-after"), Some("1"));
}

/// Connections that send their headers a byte at a time are closed at the header timeout.
#[test]
fn slowloris_sockets_are_closed_after_the_header_timeout() {
    let served = Served::start_with(
        entramap::Options::default(),
        entramap::serve::Timeouts {
            header: Duration::from_secs(1),
            ..Default::default()
        },
    );
    let mut sockets: Vec<std::net::TcpStream> = (0..50)
        .map(|_| {
            let mut s = std::net::TcpStream::connect(served.address).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: ").unwrap();
            s
        })
        .collect();
    // Keep dribbling bytes for longer than the timeout.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(500));
        for s in &mut sockets {
            let _ = s.write_all(b"a");
        }
    }
    for s in &mut sockets {
        let mut buf = [0u8; 512];
        // Closed by the server: end of stream (possibly after a 408), never a hang.
        let mut total = 0;
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        assert!(total < 512, "a slow client was answered with a page");
    }
    // The server still answers a well-behaved client.
    assert_eq!(served.get("/api/functions").status, 200);
}

/// When every pool thread is busy, a request is told to come back: 503 with Retry-After, at
/// once, instead of queueing behind the work.
#[test]
fn a_full_pool_answers_503_with_retry_after() {
    let (served, body) = loose_workbench();
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let slow: Vec<_> = (0..cores)
        .map(|_| {
            let served = std::sync::Arc::clone(&served);
            let body = body.clone();
            std::thread::spawn(move || served.post("/api/eval", &body))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let turned_away = served.post("/api/eval", EVAL);
    turned_away.assert_error(503, "every evaluation thread is busy");
    assert_eq!(turned_away.header("retry-after"), Some("1"));
    // Requests that evaluate nothing are still answered.
    assert_eq!(served.get("/api/functions").status, 200);
    for slow in slow {
        slow.join()
            .unwrap()
            .assert_error(503, "took longer than 2 s");
    }
}
