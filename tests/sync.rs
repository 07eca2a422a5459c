//! `entramap sync` against loopback peers written for these tests: the errors a live app can
//! give (a 429, a 5xx, a lost POST answer, a 4xx, a closed port, an HTML page, a slow answer,
//! an untrusted certificate, a refused token), the token's safety, stale links, the journal,
//! and --dry-run. The real SCIM servers are driven by tests/sync_live.rs.

mod common;
#[path = "common/http_peer.rs"]
mod http_peer;

use http_peer::{Peer, Reply, TinyApp};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const TOKEN: &str = "s3cret-token-4711";

/// A scratch folder with a token file and a users file of `n` users.
fn scratch(name: &str, users: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entramap-sync-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("token"), format!("{TOKEN}\n")).unwrap();
    let lines: Vec<String> = (1..=users)
        .map(|i| {
            json!({"objectId": format!("o{i}"), "userPrincipalName": format!("user{i}@contoso.com"),
                   "accountEnabled": true, "givenName": "Ada", "surname": format!("L{i}"),
                   "department": "R&D", "country": "Germany"})
            .to_string()
        })
        .collect();
    std::fs::write(dir.join("users.ndjson"), lines.join("\n") + "\n").unwrap();
    dir
}

/// `entramap sync -m code42 DIR/users.ndjson --target URL --token-file DIR/token ARGS`.
fn sync(dir: &Path, url: &str, args: &[&str]) -> (u8, String, String) {
    let users = dir.join("users.ndjson");
    let token = dir.join("token");
    let mut all = vec![
        "sync",
        "-m",
        "code42",
        users.to_str().unwrap(),
        "--target",
        url,
        "--token-file",
        token.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    common::run(&all, b"")
}

fn report(stderr: &str) -> Value {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .expect(stderr);
    serde_json::from_str(line).unwrap()
}

fn state_links(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l.get("sourceId").is_some())
        .collect()
}

fn app_peer(
    wrap: impl Fn(&http_peer::Seen, usize, &TinyApp) -> Option<Reply> + Send + Sync + 'static,
) -> (Peer, Arc<TinyApp>) {
    let app = Arc::new(TinyApp::default());
    let inner = Arc::clone(&app);
    let peer =
        Peer::start(move |seen, n| wrap(seen, n, &inner).unwrap_or_else(|| inner.answer(seen)));
    (peer, app)
}

#[test]
fn a_429_is_retried_after_its_retry_after() {
    let dir = scratch("429", 1);
    let (peer, app) = app_peer(|_, n, _| {
        (n == 1).then(|| {
            Reply::json(429, json!({"detail": "slow down"})).with_header("Retry-After", "1")
        })
    });
    let (code, _, err) = sync(&dir, &peer.url, &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let r = report(&err);
    assert_eq!(r["statuses"]["429"], 1);
    assert_eq!(r["waiting_to_retry"], 1000, "{r}");
    assert_eq!(app.count(), 1);
}

#[test]
fn a_5xx_is_retried_with_backoff() {
    let dir = scratch("5xx", 1);
    let (peer, app) =
        app_peer(|_, n, _| (n <= 2).then(|| Reply::json(500, json!({"detail": "oops"}))));
    let (code, _, err) = sync(&dir, &peer.url, &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report(&err)["statuses"]["500"], 2);
    assert_eq!(app.count(), 1);
}

#[test]
fn a_post_whose_answer_was_lost_is_not_sent_again_when_the_get_finds_its_object() {
    let dir = scratch("lost-post", 1);
    let (peer, app) = app_peer(|seen, _, app| {
        // The app creates the user, but the answer is a 502 from a proxy.
        (seen.method == "POST" && app.count() == 0).then(|| {
            app.answer(seen);
            Reply::json(502, json!({"detail": "bad gateway"}))
        })
    });
    let state = dir.join("links.ndjson");
    let (code, _, err) = sync(&dir, &peer.url, &["--state-out", state.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let posts = peer.seen().iter().filter(|s| s.method == "POST").count();
    assert_eq!(posts, 1, "a POST was sent again: {:?}", peer.seen());
    assert_eq!(app.count(), 1);
    assert_eq!(state_links(&state)[0]["targetId"], "app-1");
}

#[test]
fn a_post_refused_with_a_5xx_is_sent_again_once_the_get_finds_nothing() {
    let dir = scratch("retry-post", 1);
    let (peer, app) = app_peer(|seen, _, _| {
        // The first POST is refused before the app creates anything.
        (seen.method == "POST" && FIRST.swap(false, std::sync::atomic::Ordering::SeqCst))
            .then(|| Reply::json(503, json!({"detail": "busy"})).with_header("Retry-After", "0"))
    });
    let (code, _, err) = sync(&dir, &peer.url, &[]);
    assert_eq!(code, 0, "{err}");
    let methods: Vec<String> = peer.seen().iter().map(|s| s.method.clone()).collect();
    // GET, POST (503), the matching GET again (nothing), POST.
    assert_eq!(methods, ["GET", "POST", "GET", "POST"], "{err}");
    assert_eq!(app.count(), 1);
}

static FIRST: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

#[test]
fn a_4xx_fails_that_object_and_the_others_go_on() {
    let dir = scratch("4xx", 3);
    let (peer, app) = app_peer(|seen, _, _| {
        (seen.method == "POST" && seen.body.contains("user2@")).then(|| {
            Reply::json(
                409,
                json!({"status": "409", "scimType": "uniqueness", "detail": "userName taken"}),
            )
        })
    });
    let state = dir.join("links.ndjson");
    let errors = dir.join("errors.ndjson");
    let (code, _, err) = sync(
        &dir,
        &peer.url,
        &[
            "--state-out",
            state.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("POST /Users answered 409: userName taken"),
        "{err}"
    );
    let failed: Value =
        serde_json::from_str(std::fs::read_to_string(&errors).unwrap().trim()).unwrap();
    assert_eq!(failed["status"], 409);
    assert_eq!(failed["line"], 2);
    assert_eq!(failed["source_id"], "o2");
    assert_eq!(app.count(), 2);
    // A rejected POST leaves no link.
    let links: Vec<String> = state_links(&state)
        .iter()
        .map(|l| l["sourceId"].to_string())
        .collect();
    assert_eq!(links, ["\"o1\"", "\"o3\""]);
}

#[test]
fn a_closed_port_stops_the_run_after_five_failures_in_a_row() {
    let dir = scratch("closed", 3);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let state = dir.join("links.ndjson");
    let (code, _, err) = sync(
        &dir,
        &format!("http://127.0.0.1:{port}"),
        &["--state-out", state.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("stopped after 5 attempts in a row without a usable answer"),
        "{err}"
    );
    // The record in progress is reported, and the rest counted: 3 records in all.
    assert!(
        err.contains("users line 2 (o2): not finished: stopped after 5 attempts"),
        "{err}"
    );
    assert!(err.contains("3 records: 0 created, 0 updated, 0 disabled, 0 deleted, 0 skipped, 2 failed, 1 not attempted"), "{err}");
    // The state is written all the same.
    assert!(state_links(&state).is_empty());
}

#[test]
fn an_html_page_is_not_a_scim_app() {
    let dir = scratch("html", 6);
    let peer = Peer::start(|_, _| Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: "<html><body>Sign in</body></html>".into(),
        ..Reply::json(200, json!({}))
    });
    let (code, _, err) = sync(&dir, &peer.url, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("(text/html) is not SCIM JSON"), "{err}");
    assert!(
        err.contains("answers in a row that are not SCIM JSON"),
        "{err}"
    );
}

#[test]
fn a_slow_answer_times_out_and_fails_the_object() {
    let dir = scratch("slow", 1);
    let peer = Peer::start(|_, _| Reply {
        delay: std::time::Duration::from_secs(4),
        ..Reply::json(200, json!({"Resources": []}))
    });
    let (code, _, err) = sync(&dir, &peer.url, &["--timeout", "1", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no answer within 1s"), "{err}");
    assert_eq!(report(&err)["no_answer"], 4);
}

#[test]
fn tls_needs_a_trusted_certificate() {
    let dir = scratch("tls", 1);
    let app = Arc::new(TinyApp::default());
    let inner = Arc::clone(&app);
    let peer = Peer::start_tls(move |seen, _| inner.answer(seen));
    let (code, _, err) = sync(&dir, &peer.url, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("certificate") && err.contains("--ca-file"),
        "{err}"
    );
    assert_eq!(app.count(), 0);
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sync/test-ca.pem");
    let (code, _, err) = sync(&dir, &peer.url, &["--ca-file", ca]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(app.count(), 1);
}

#[test]
fn the_token_is_sent_and_never_logged() {
    let dir = scratch("token", 1);
    // A careless app echoes the header it got.
    let (peer, _) = app_peer(|seen, _, _| {
        (seen.method == "POST").then(|| {
            Reply::json(400, json!({"detail": format!("bad request from {}", seen.authorization.clone().unwrap_or_default())}))
        })
    });
    let log = dir.join("log.ndjson");
    let (code, out, err) = sync(&dir, &peer.url, &["--log", log.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        peer.seen()
            .iter()
            .all(|s| s.authorization.as_deref() == Some(&*format!("Bearer {TOKEN}")))
    );
    let log = std::fs::read_to_string(&log).unwrap();
    for text in [&log, &out, &err] {
        assert!(!text.contains(TOKEN), "the token leaked: {text}");
    }
    assert!(log.contains("[redacted]"), "{log}");
    assert!(log.contains(r#""origin":"entra","method":"GET""#), "{log}");
}

#[test]
fn a_refused_token_stops_the_run() {
    let dir = scratch("401", 2);
    let peer = Peer::start(|_, _| Reply::json(401, json!({"detail": "invalid token"})));
    let (code, _, err) = sync(&dir, &peer.url, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("refused the token (401: invalid token)"),
        "{err}"
    );
    assert_eq!(peer.seen().len(), 1);
}

#[test]
fn another_machine_needs_https_a_token_and_a_yes() {
    let dir = scratch("remote", 1);
    let (code, _, err) = sync(&dir, "http://192.0.2.1/scim", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("plain http to another machine"), "{err}");
    let (code, _, err) = sync(&dir, "https://192.0.2.1/scim", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("Give --yes to go on"), "{err}");
    let (code, _, err) = common::run(
        &[
            "sync",
            "-m",
            "code42",
            dir.join("users.ndjson").to_str().unwrap(),
            "--target",
            "https://192.0.2.1/scim",
            "--yes",
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("no token"), "{err}");
}

#[test]
fn a_stale_link_is_dropped_and_the_matching_get_runs() {
    let dir = scratch("stale", 1);
    let (peer, app) = app_peer(|_, _, _| None);
    let state = dir.join("links.ndjson");
    std::fs::write(
        &state,
        "{\"kind\":\"users\",\"sourceId\":\"o1\",\"targetId\":\"gone\"}\n",
    )
    .unwrap();
    let (code, _, err) = sync(
        &dir,
        &peer.url,
        &[
            "--state",
            state.to_str().unwrap(),
            "--state-out",
            state.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("answers 404 for"), "{err}");
    assert_eq!(app.count(), 1);
    assert_eq!(state_links(&state)[0]["targetId"], "app-1");
}

#[test]
fn dry_run_sends_only_gets_and_prints_the_writes() {
    let dir = scratch("dry", 2);
    let (peer, app) = app_peer(|_, _, _| None);
    let (code, out, err) = sync(&dir, &peer.url, &["--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(peer.seen().iter().all(|s| s.method == "GET"));
    assert_eq!(app.count(), 0);
    assert!(out.contains(r#"{"method":"POST","path":"/Users""#), "{out}");
    assert!(
        out.lines().all(|l| !l.contains(r#""method":"GET""#)),
        "{out}"
    );
    assert!(err.contains("dry run"), "{err}");
}

#[test]
fn a_journal_left_by_a_killed_run_is_picked_up() {
    let dir = scratch("journal", 1);
    let (peer, app) = app_peer(|_, _, _| None);
    // The killed run created user1 under an old name; this cycle renames it.
    app.answer(&http_peer::Seen {
        method: "POST".into(),
        path: "/Users".into(),
        authorization: None,
        body: json!({"userName": "old-name@contoso.com", "externalId": "o1"}).to_string(),
    });
    let state = dir.join("links.ndjson");
    let journal = dir.join("links.ndjson.journal");
    std::fs::write(
        &journal,
        "{\"format\":\"entramap-sync-journal\",\"version\":1}\n{\"kind\":\"users\",\"sourceId\":\"o1\",\"targetId\":\"app-1\"}\n{\"kind\":\"us",
    )
    .unwrap();
    let (code, _, err) = sync(&dir, &peer.url, &["--state-out", state.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("holds 1 link change the app confirmed to a run that did not finish"),
        "{err}"
    );
    assert!(err.contains("last line was cut"), "{err}");
    // The linked object's GET by id, then the rename: no POST.
    let methods: Vec<String> = peer.seen().iter().map(|s| s.method.clone()).collect();
    assert_eq!(methods, ["GET", "PATCH"], "{err}");
    assert_eq!(app.count(), 1);
    assert!(!journal.exists());
    assert_eq!(state_links(&state)[0]["targetId"], "app-1");
}

/// The library's face: a cycle driven from Rust with the bundled client.
mod library {
    use super::*;
    use entramap::provision::run::{Input, InputFormat, records};
    use entramap::scim::ResourceKind;
    use entramap::sync::{
        ClientSettings, Cycle, CycleSettings, HttpClient, Observer, RetryPolicy, Step, TargetUrl,
        Transport,
    };
    use std::time::Duration;

    struct Quiet;
    impl Observer for Quiet {}

    #[test]
    fn a_long_retry_after_is_cut_to_the_cap() {
        let (peer, app) = app_peer(|_, n, _| {
            (n == 1).then(|| {
                Reply::json(429, json!({"detail": "come back in an hour"}))
                    .with_header("Retry-After", "3600")
            })
        });
        let env = entramap::Environment::new();
        let engine = env
            .provisioner(&env.load_mappings("code42").unwrap().set)
            .unwrap();
        let target = TargetUrl::parse(&peer.url).unwrap();
        let mut client = HttpClient::new(&target, &ClientSettings::default()).unwrap();
        let settings = CycleSettings {
            retry: RetryPolicy {
                retry_after_cap: Duration::from_millis(300),
                ..RetryPolicy::default()
            },
            ..CycleSettings::default()
        };
        let mut cycle = Cycle::new(&engine, &target, &mut client, Vec::new(), settings).unwrap();
        let users =
            br#"{"objectId":"o1","userPrincipalName":"ada@contoso.com","accountEnabled":true}"#;
        let input = records(Box::new(&users[..]), InputFormat::Auto, 1 << 20).unwrap();
        cycle
            .run(ResourceKind::User, vec![Input::new(input)], &mut Quiet)
            .unwrap();
        let (report, links, _) = cycle.finish();
        // The one wait was the cap, not the hour asked for.
        assert_eq!(report.waiting_to_retry, Duration::from_millis(300));
        assert_eq!(report.summary.created, 1);
        assert_eq!(links[0].target_id, "app-1");
        assert_eq!(app.count(), 1);
    }

    #[test]
    fn a_cycle_runs_without_io_through_its_steps() {
        let (peer, app) = app_peer(|_, n, _| {
            (n == 1).then(|| {
                Reply::json(429, json!({"detail": "later"})).with_header("Retry-After", "2")
            })
        });
        let env = entramap::Environment::new();
        let engine = env
            .provisioner(&env.load_mappings("code42").unwrap().set)
            .unwrap();
        let target = TargetUrl::parse(&peer.url).unwrap();
        let mut cycle =
            Cycle::sans_io(&engine, &target, Vec::new(), CycleSettings::default()).unwrap();
        // Without a transport, the blocking driver refuses, and says what to do.
        let nothing = records(Box::new(&b""[..]), InputFormat::Auto, 1 << 20).unwrap();
        let refused = cycle.run(ResourceKind::User, vec![Input::new(nothing)], &mut Quiet);
        assert!(refused.unwrap_err().0.contains("Cycle::steps"));
        // The embedder's own HTTP stack (here a second client) sends; waits are its to wait.
        let mut http = HttpClient::new(&target, &ClientSettings::default()).unwrap();
        let users =
            br#"{"objectId":"o1","userPrincipalName":"ada@contoso.com","accountEnabled":true}"#;
        let input = records(Box::new(&users[..]), InputFormat::Auto, 1 << 20).unwrap();
        let mut observer = Quiet;
        let mut steps = cycle.steps(ResourceKind::User, vec![Input::new(input)], &mut observer);
        let (mut sent, mut waits) = (Vec::new(), Vec::new());
        while let Some(step) = steps.next_request() {
            match step {
                Step::Send(request) => {
                    sent.push(request.method.clone());
                    steps.on_response(http.send(&request.as_http()));
                }
                Step::Wait(duration) => {
                    waits.push(duration);
                    steps.on_waited();
                }
            }
        }
        steps.result().unwrap();
        let (report, links, _) = cycle.finish();
        assert_eq!(waits, [Duration::from_secs(2)]);
        assert_eq!(sent, ["GET", "GET", "POST"]);
        assert_eq!(report.summary.created, 1);
        assert_eq!(links[0].target_id, "app-1");
        assert_eq!(app.count(), 1);
    }
}

#[test]
fn an_app_on_another_machine_is_reached_through_https_proxy() {
    let dir = scratch("proxy", 1);
    // The proxy is a loopback peer: it sees the CONNECT, and refuses it.
    let proxy = Peer::start(|_, _| Reply::json(502, json!({})));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args([
            "sync",
            "-m",
            "code42",
            dir.join("users.ndjson").to_str().unwrap(),
            "--target",
            "https://scim.example.invalid/scim",
            "--yes",
            "--timeout",
            "2",
        ])
        .env("ENTRAMAP_SCIM_TOKEN", TOKEN)
        .env("HTTPS_PROXY", &proxy.url)
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    let seen = proxy.seen();
    assert!(!seen.is_empty(), "{err}");
    assert!(
        seen.iter()
            .all(|s| s.method == "CONNECT" && s.path == "scim.example.invalid:443"),
        "{seen:?}"
    );
    // The token never went to the proxy.
    assert!(seen.iter().all(|s| s.authorization.is_none()));
}

#[test]
fn a_401_that_echoes_the_token_does_not_print_it() {
    let dir = scratch("401-echo", 1);
    let peer = Peer::start(|seen, _| {
        Reply::json(
            401,
            json!({"detail": format!("{} is not valid", seen.authorization.clone().unwrap_or_default())}),
        )
    });
    let (code, out, err) = sync(&dir, &peer.url, &["--format", "json"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("refused the token (401: Bearer [redacted] is not valid)"),
        "{err}"
    );
    assert!(!err.contains(TOKEN) && !out.contains(TOKEN), "{err}");
}

#[test]
fn a_404_page_that_is_not_scim_keeps_the_link() {
    let dir = scratch("html-404", 1);
    // A gateway in front of the app answers its own HTML 404.
    let peer = Peer::start(|_, _| Reply {
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: "<html>Not Found</html>".into(),
        ..Reply::json(404, json!({}))
    });
    let state = dir.join("links.ndjson");
    std::fs::write(
        &state,
        "{\"kind\":\"users\",\"sourceId\":\"o1\",\"targetId\":\"app-7\"}\n",
    )
    .unwrap();
    let out = dir.join("out.ndjson");
    let (code, _, err) = sync(
        &dir,
        &peer.url,
        &[
            "--state",
            state.to_str().unwrap(),
            "--state-out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("GET /Users/app-7 answered 404"), "{err}");
    assert_eq!(state_links(&out)[0]["targetId"], "app-7");
    assert_eq!(peer.seen().len(), 1);
}

#[test]
fn a_post_whose_connection_broke_is_found_by_its_get_not_sent_again() {
    let dir = scratch("reset-post", 1);
    let (peer, app) = app_peer(|seen, _, app| {
        // The app creates the user; the connection breaks before the answer.
        (seen.method == "POST" && app.count() == 0).then(|| {
            app.answer(seen);
            Reply::hang_up()
        })
    });
    let state = dir.join("links.ndjson");
    let log = dir.join("log.ndjson");
    let (code, _, err) = sync(
        &dir,
        &peer.url,
        &[
            "--state-out",
            state.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let methods: Vec<String> = peer.seen().iter().map(|s| s.method.clone()).collect();
    assert_eq!(methods, ["GET", "POST", "GET"], "{err}");
    assert_eq!(app.count(), 1);
    assert_eq!(state_links(&state)[0]["targetId"], "app-1");
    // The GET after the lost answer is sync's own.
    let last = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(last.contains(r#""origin":"sync","method":"GET""#), "{last}");
}

#[test]
fn a_post_that_never_succeeds_leaves_no_link() {
    let dir = scratch("failed-post", 2);
    let (peer, app) = app_peer(|seen, _, _| {
        (seen.method == "POST" && seen.body.contains("user1@"))
            .then(|| Reply::json(500, json!({"detail": "database down"})))
    });
    let state = dir.join("links.ndjson");
    let (code, _, err) = sync(&dir, &peer.url, &["--state-out", state.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("POST /Users answered 500: database down"),
        "{err}"
    );
    // 1 + 3 retries, each after its matching GET found nothing.
    let posts = peer
        .seen()
        .iter()
        .filter(|s| s.method == "POST" && s.body.contains("user1@"))
        .count();
    assert_eq!(posts, 4);
    let links: Vec<String> = state_links(&state)
        .iter()
        .map(|l| l["sourceId"].to_string())
        .collect();
    assert_eq!(links, ["\"o2\""]);
    assert_eq!(app.count(), 1);
}

#[test]
fn a_groups_members_are_read_by_its_id_and_only_the_difference_is_sent() {
    let dir = scratch("groups", 2);
    let (peer, app) = app_peer(|_, _, _| None);
    // The app holds user1 and a group whose only member is someone Entra does not assign.
    for body in [
        json!({"userName": "user1@contoso.com", "externalId": "o1"}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Team",
               "externalId": "g1", "members": [{"value": "stranger"}]}),
    ] {
        app.answer(&http_peer::Seen {
            method: "POST".into(),
            path: if body.get("displayName").is_some() {
                "/Groups"
            } else {
                "/Users"
            }
            .into(),
            authorization: None,
            body: body.to_string(),
        });
    }
    let groups = dir.join("groups.ndjson");
    std::fs::write(
        &groups,
        json!({"objectId": "g1", "displayName": "Team", "members": [{"objectId": "o1"}, {"objectId": "o2"}]}).to_string(),
    )
    .unwrap();
    let log = dir.join("log.ndjson");
    let expect = dir.join("expect.ndjson");
    let (code, _, err) = sync(
        &dir,
        &peer.url,
        &[
            "--groups",
            groups.to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--expect-out",
            expect.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let seen = peer.seen();
    let group_requests: Vec<String> = seen
        .iter()
        .filter(|s| s.path.contains("/Groups"))
        .map(|s| format!("{} {}", s.method, s.path.split('?').next().unwrap()))
        .collect();
    // Entra's GET (members excluded), sync's own GET by id for the members, one PATCH.
    assert_eq!(
        group_requests,
        ["GET /Groups", "GET /Groups/app-2", "PATCH /Groups/app-2"]
    );
    let patch = &seen
        .iter()
        .find(|s| s.method == "PATCH" && s.path.contains("/Groups"))
        .unwrap()
        .body;
    // user1 was there as app-1, user2 was created as app-3; the stranger is removed.
    assert!(patch.contains(r#""op":"Add","path":"members","value":[{"$ref":null,"value":"app-1"},{"$ref":null,"value":"app-3"}]"#), "{patch}");
    assert!(
        patch.contains(
            r#""op":"Remove","path":"members","value":[{"$ref":null,"value":"stranger"}]"#
        ),
        "{patch}"
    );
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains(r#""origin":"sync","method":"GET","url":""#) && log.contains("/Groups/app-2"),
        "{log}"
    );
    // What the app should hold: the group's members by the app's ids.
    let expected = std::fs::read_to_string(&expect).unwrap();
    assert!(
        expected.contains(r#""members":[{"value":"app-1"},{"value":"app-3"}]"#),
        "{expected}"
    );
    assert_eq!(app.count(), 3);
}

#[test]
fn a_manager_further_down_the_input_is_linked_at_the_end_of_the_cycle() {
    let dir = scratch("forward-manager", 0);
    std::fs::write(
        dir.join("users.ndjson"),
        [
            json!({"objectId": "o1", "userPrincipalName": "ada@contoso.com", "accountEnabled": true, "manager": {"objectId": "o2"}}),
            json!({"objectId": "o2", "userPrincipalName": "boss@contoso.com", "accountEnabled": true}),
        ]
        .map(|u| u.to_string())
        .join("\n"),
    )
    .unwrap();
    let (peer, app) = app_peer(|_, _, _| None);
    let (code, _, err) = sync(&dir, &peer.url, &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let r = report(&err);
    assert_eq!(
        (r["created"].as_u64(), r["second_pass"].as_u64()),
        (Some(2), Some(1)),
        "{r}"
    );
    assert!(
        !err.contains("unresolved-reference") && !err.contains("not provisioned"),
        "{err}"
    );
    let seen: Vec<String> = peer
        .seen()
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.split('?').next().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            "GET /Users",
            "POST /Users",
            "GET /Users",
            "POST /Users",
            "GET /Users/app-1",
            "PATCH /Users/app-1"
        ]
    );
    let patch = &peer.seen()[5].body;
    assert!(patch.contains(r#""value":"app-2""#), "{patch}");
    assert_eq!(app.count(), 2);
}

#[test]
fn with_concurrency_every_user_is_created_once_and_managers_are_linked_across_workers() {
    let dir = scratch("concurrency", 0);
    // Each user's manager is the next one: most managers land on another worker.
    let users: Vec<String> = (1..=12)
        .map(|i| {
            let mut user = json!({"objectId": format!("o{i}"), "userPrincipalName": format!("user{i}@contoso.com"), "accountEnabled": true});
            if i < 12 {
                user["manager"] = json!({"objectId": format!("o{}", i + 1)});
            }
            user.to_string()
        })
        .collect();
    std::fs::write(dir.join("users.ndjson"), users.join("\n")).unwrap();
    let (peer, app) = app_peer(|_, _, _| None);
    let state = dir.join("links.ndjson");
    let (code, _, err) = sync(
        &dir,
        &peer.url,
        &[
            "--concurrency",
            "4",
            "--state-out",
            state.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let r = report(&err);
    assert_eq!(r["created"], 12, "{r}");
    assert_eq!(r["workers"], 4, "{r}");
    assert_eq!(app.count(), 12);
    assert_eq!(state_links(&state).len(), 12);
    // Every manager link went out, by the manager's id in the app: 11 PATCHes naming an app id.
    let patches: Vec<String> = peer
        .seen()
        .into_iter()
        .filter(|s| s.method == "PATCH")
        .map(|s| s.body)
        .collect();
    assert_eq!(patches.len(), 11, "{patches:?}");
    assert!(
        patches.iter().all(|p| p.contains(r#""value":"app-"#)),
        "{patches:?}"
    );
    assert!(!err.contains("not provisioned"), "{err}");
}

#[test]
fn a_stopped_concurrent_run_still_counts_every_record_users_and_groups() {
    let dir = scratch("concurrent-stop", 6);
    let groups = dir.join("groups.ndjson");
    std::fs::write(
        &groups,
        [
            json!({"objectId": "g1", "displayName": "A"}),
            json!({"objectId": "g2", "displayName": "B"}),
        ]
        .map(|g| g.to_string())
        .join("\n"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, err) = sync(
        &dir,
        &format!("http://127.0.0.1:{port}"),
        &[
            "--concurrency",
            "2",
            "--groups",
            groups.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 2, "{err}");
    let r = report(&err);
    // 6 users and 2 groups: each failed (reported) or not attempted (counted), none lost.
    assert_eq!(r["records"], 8, "{r}");
    assert_eq!(
        r["failed"].as_u64().unwrap() + r["not_attempted"].as_u64().unwrap(),
        8,
        "{r}"
    );
    assert!(r["stopped"].as_str().unwrap().contains("in a row"), "{r}");
}
