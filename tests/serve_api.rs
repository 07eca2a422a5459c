//! The workbench's JSON API (`entramap serve`, docs/workbench.md#api): every endpoint, and what
//! a bad request gets — a 4xx with a JSON error saying what to fix — while the server keeps
//! serving.

#[path = "common/workbench.rs"]
mod workbench;

use workbench::Served;

#[test]
fn the_page_and_its_assets_are_served_with_a_content_security_policy_and_no_cors() {
    let served = Served::start();
    let page = served.get("/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<title>entramap workbench</title>"));
    assert!(
        page.body
            .contains(r#"<script src="/app.js" defer></script>"#)
    );
    let csp = page.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("access-control-allow-origin"), None);
    let script = served.get("/app.js");
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(script.body.contains("/api/check"));
    assert!(
        served
            .get("/app.css")
            .header("content-type")
            .unwrap()
            .starts_with("text/css")
    );
}

#[test]
fn check_reports_diagnostics_with_spans_and_help_as_check_json_does() {
    let served = Served::start();
    let reply = served.post("/api/check", r#"{"expression": "ToLowr([givenName])"}"#);
    assert_eq!(reply.status, 200);
    let report = reply.json();
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "unknown-function");
    assert_eq!(d["span"]["start"], 0);
    assert_eq!(d["span"]["end"], 6);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(d["label"].as_str().unwrap().contains("ToLower"), "{d}");
    // The same report as `entramap check --format json` gives for the same text.
    let (_, stdout, _) = entramap_check_json("ToLowr([givenName])");
    let cli: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["diagnostics"], cli["diagnostics"]);

    let clean = served
        .post("/api/check", r#"{"expression": "tolower( [givenName] )"}"#)
        .json();
    assert_eq!(clean["ok"], true);
    assert_eq!(clean["canonical"], "ToLower([givenName])");
    assert_eq!(clean["graph"]["name"], "ToLower");
}

fn entramap_check_json(expression: &str) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = entramap::cli::run(
        ["entramap", "check", "--format", "json", expression],
        &mut &b""[..],
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn eval_answers_as_parse_expression_does_with_a_trace() {
    let served = Served::start();
    let reply = served.post(
        "/api/eval",
        r#"{"expression": "Join(\" \", [givenName], ToUpper([surname]))", "input": {"givenName": "Ada", "surname": "Lovelace"}}"#,
    );
    assert_eq!(reply.status, 200);
    let answer = reply.json();
    assert_eq!(answer["evaluationSucceeded"], true);
    assert_eq!(
        answer["evaluationResult"],
        serde_json::json!(["Ada LOVELACE"])
    );
    assert_eq!(answer["parsedExpression"]["name"], "Join");
    let trace = answer["trace"].as_array().unwrap();
    assert!(
        trace.iter().any(|t| t["text"] == "ToUpper([surname])"
            && t["value"] == "\"LOVELACE\""
            && t["depth"] == 1),
        "{trace:?}"
    );

    // Graph's testInputObject shape, and a whole parseExpression request as the input.
    let graph = served
        .post(
            "/api/eval",
            r#"{"expression": "[givenName]", "testInputObject": {"definitions": null, "properties": [{"key": "givenName", "value": "Grace"}]}}"#,
        )
        .json();
    assert_eq!(graph["evaluationResult"], serde_json::json!(["Grace"]));

    let broken = served.post("/api/eval", r#"{"expression": "Mid([a], 1"}"#);
    assert_eq!(broken.status, 200);
    let broken = broken.json();
    assert_eq!(broken["parsingSucceeded"], false);
    assert!(!broken["diagnostics"].as_array().unwrap().is_empty());
}

#[test]
fn parse_expression_takes_graph_s_request_body() {
    let served = Served::start();
    let reply = served.post(
        "/api/parseExpression",
        r#"{"expression": "Append(\"x\", \"y\")", "testInputObject": null, "targetAttributeDefinition": null}"#,
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["evaluationResult"], serde_json::json!(["xy"]));
    let unknown = served.post("/api/parseExpression", r#"{"expression": "1", "bogus": 1}"#);
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `bogus`")
    );
}

#[test]
fn map_gives_each_attribute_and_the_requests_in_both_patch_modes() {
    let served = Served::start();
    let user = std::fs::read_to_string("fixtures/users/sample.ndjson")
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let reply = served.post("/api/map", &format!(r#"{{"user": {user}}}"#));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["mapping"], "code42");
    assert_eq!(answer["outcome"]["outcome"], "created");
    let user_name = answer["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["target"] == "userName")
        .unwrap();
    assert_eq!(user_name["value"]["type"], "text");
    for mode in ["legacy-scim", "aadOptscim062020"] {
        let requests = answer["requests"][mode].as_array().unwrap();
        assert_eq!(requests[0]["method"], "GET", "{mode}");
        assert_eq!(requests[1]["method"], "POST", "{mode}");
        assert_eq!(requests[1]["body"]["userName"], user_name["value"]["value"]);
    }
    // Requests keep the wire's key order.
    assert!(
        reply
            .body
            .contains(r#"{"method":"GET","path":"/Users?filter="#),
        "{}",
        reply.body
    );

    let scim_default = served
        .post(
            "/api/map",
            &format!(r#"{{"user": {user}, "mapping": "scim-default"}}"#),
        )
        .json();
    assert_eq!(scim_default["mapping"], "scim-default");
    let file = served.post(
        "/api/map",
        &format!(r#"{{"user": {user}, "mapping": "/etc/passwd"}}"#),
    );
    file.assert_error(404, "built-in sets");
    let no_user = served.post("/api/map", "{}");
    assert_eq!(no_user.status, 400);
}

#[test]
fn mapping_users_and_functions_list_what_the_page_shows() {
    let served = Served::start();
    let mapping = served.get("/api/mapping").json();
    assert_eq!(mapping["name"], "code42");
    assert!(mapping["builtin"].as_array().unwrap().len() >= 3);
    let first = &mapping["users"]["mappings"][0];
    assert!(
        first["target"].is_string() && first["canonical"].is_string(),
        "{first}"
    );
    assert_eq!(
        served.get("/api/mapping?name=scim-default").json()["name"],
        "scim-default"
    );
    assert_eq!(served.get("/api/mapping?name=nope").status, 404);
    let users = served.get("/api/users").json();
    assert!(users["total"].as_u64().unwrap() >= 5);
    assert_eq!(
        users["users"].as_array().unwrap().len() as u64,
        users["total"].as_u64().unwrap()
    );
    let functions = served.get("/api/functions").json();
    assert!(
        functions
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "ToLower")
    );
}

#[test]
fn bad_requests_get_clear_4xx_errors_and_the_server_keeps_serving() {
    let served = Served::start();
    let malformed = served.post("/api/check", r#"{"expression": "#);
    malformed.assert_error(400, "not JSON");
    let array = served.post("/api/eval", "[1, 2]");
    array.assert_error(400, "JSON object");
    let missing = served.post("/api/check", r#"{"text": "x"}"#);
    missing.assert_error(400, "\"expression\"");
    let not_utf8 = served.request("POST", "/api/check", None, b"{\"expression\": \"\xff\"}");
    assert_eq!(not_utf8.status, 400);
    let options = served.post(
        "/api/check",
        r#"{"expression": "1", "options": {"no_such_option": 1}}"#,
    );
    assert_eq!(options.status, 400);
    let huge = format!(
        r#"{{"expression": "{}"}}"#,
        "a".repeat(entramap::serve::BODY_LIMIT + 10)
    );
    let too_big = served.post("/api/check", &huge);
    too_big.assert_error(413, "over 1048576 bytes");
    let deep = format!("{}1{}", "Trim(".repeat(5000), ")".repeat(5000));
    let limited = served.post(
        "/api/eval",
        &serde_json::json!({ "expression": deep }).to_string(),
    );
    assert_eq!(limited.status, 200);
    assert_eq!(limited.json()["parsingSucceeded"], false);
    assert_eq!(served.get("/api/nothing").status, 404);
    assert_eq!(served.post("/api/users", "{}").status, 405);
    // Another site's page pointing at this port through DNS rebinding is refused.
    let rebound = served.request("GET", "/api/users", Some("evil.example:8177"), b"");
    assert_eq!(rebound.status, 403);
    // And after all that, it still answers.
    let fine = served.post("/api/check", r#"{"expression": "[a]"}"#);
    assert_eq!(fine.status, 200);
    assert_eq!(fine.json()["ok"], true);
}

#[test]
fn the_command_prints_its_url_serves_and_stops_cleanly_on_ctrl_c() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args([
            "serve",
            "--port",
            "0",
            "--users",
            "fixtures/users/sample.ndjson",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    // `entramap workbench on http://127.0.0.1:PORT/ (Ctrl-C to stop)`
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"));
    let address = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let mut stream = std::net::TcpStream::connect(&address).unwrap();
    use std::io::{Read, Write};
    write!(
        stream,
        "GET /api/users HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("\"total\":"), "{reply}");
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("stopped"), "{stderr}");
}

#[test]
fn a_mapping_set_that_does_not_load_stops_serve_before_it_listens() {
    let (code, _, stderr) = {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = entramap::cli::run(
            ["entramap", "serve", "--mapping", "no-such-set"],
            &mut &b""[..],
            &mut out,
            &mut err,
        );
        (code, out, String::from_utf8(err).unwrap())
    };
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no mapping set or file named `no-such-set`"),
        "{stderr}"
    );
}
