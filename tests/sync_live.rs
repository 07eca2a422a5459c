//! `entramap sync` against a real SCIM server: PyPI scim2-server, started by `.ci/run`
//! (tests/servers/scim2-server.sh), which exports ENTRAMAP_SCIM2_URL and ENTRAMAP_SCIM2_TOKEN.
//! Each test works in a tenant of its own (`--dynamic-tenants`).
//!
//! Two cycles of 200 users in both PATCH modes: cycle 1 creates; cycle 2 renames 10, disables
//! 5, soft-deletes 5, moves 20 to another department and 10 to another country, and adds 10.
//! Read back with `GET /Users`: one object per source user, every change applied, no 409, and
//! the state holds the server's ids; the same cycle again sends only GETs. Then cycle 2 killed
//! (SIGKILL) at 12 points and rerun: no duplicate user.
//!
//! The users carry no manager: scim2-server refuses Entra's bare-string manager (400), which
//! the sync (2/2) tests cover.

mod common;

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

struct Server {
    url: String,
    token: String,
}

/// The two real servers `.ci/run` starts.
#[derive(Clone, Copy)]
enum Which {
    /// PyPI scim2-server (tests/servers/scim2-server.sh).
    Scim2Server,
    /// npm SCIMMY behind its express routers, our storage (tests/servers/scimmy.sh).
    Scimmy,
}

fn server_of(which: Which) -> Server {
    let (url, token, script) = match which {
        Which::Scim2Server => (
            "ENTRAMAP_SCIM2_URL",
            "ENTRAMAP_SCIM2_TOKEN",
            "scim2-server.sh",
        ),
        Which::Scimmy => ("ENTRAMAP_SCIMMY_URL", "ENTRAMAP_SCIMMY_TOKEN", "scimmy.sh"),
    };
    let need = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: start the server first with `. tests/servers/{script}` (as .ci/run does)")
        })
    };
    Server {
        url: need(url),
        token: need(token),
    }
}

fn server() -> Server {
    server_of(Which::Scim2Server)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("entramap-live-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `count` sample users (seed 11), enabled, without managers.
fn sample(count: usize) -> Vec<Map<String, Value>> {
    let (code, out, err) = common::run(
        &[
            "sample-users",
            "--count",
            &count.to_string(),
            "--seed",
            "11",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| {
            let mut user: Map<String, Value> = serde_json::from_str(l).unwrap();
            user.remove("manager");
            // Everyone enabled at first: cycle 2 disables whom it names.
            user.insert("accountEnabled".into(), true.into());
            user.insert("IsSoftDeleted".into(), false.into());
            user
        })
        .collect()
}

/// Cycle 2's users from cycle 1's: what changed, and who is disabled.
fn second_cycle(first: &[Map<String, Value>]) -> Vec<Map<String, Value>> {
    let mut users: Vec<Map<String, Value>> = first.to_vec();
    for (i, user) in users.iter_mut().enumerate() {
        match i {
            0..10 => {
                let upn = format!("renamed.{}", user["userPrincipalName"].as_str().unwrap());
                user.insert("userPrincipalName".into(), upn.into());
            }
            10..15 => {
                user.insert("accountEnabled".into(), false.into());
            }
            15..20 => {
                user.insert("IsSoftDeleted".into(), true.into());
            }
            20..40 => {
                user.insert("department".into(), format!("Department {i}").into());
            }
            40..50 => {
                let country = ["Japan", "Brazil", "Deutschland", "Korea, Rep.", "Canada"][i % 5];
                user.insert("country".into(), country.into());
            }
            _ => {}
        }
    }
    // 10 new users (the next ones of the same seed), spread through the input so that a
    // cycle killed anywhere may have created some of them.
    let new = sample(first.len() + 10).into_iter().skip(first.len());
    for (k, user) in new.enumerate() {
        users.insert(20 * k + 5, user);
    }
    users
}

fn write_users(path: &Path, users: &[Map<String, Value>]) {
    let text: String = users
        .iter()
        .map(|u| format!("{}\n", Value::Object(u.clone())))
        .collect();
    std::fs::write(path, text).unwrap();
}

/// `sync -m code42 USERS --target TARGET [--state STATE] --state-out OUT [--log LOG]`.
fn cycle(
    users: &Path,
    target: &str,
    state: Option<&Path>,
    out: &Path,
    log: Option<&Path>,
) -> Vec<String> {
    let mut args: Vec<String> = ["sync", "-m", "code42"].map(String::from).to_vec();
    args.push(users.display().to_string());
    args.extend(["--target".to_string(), target.to_string()]);
    for (flag, path) in [
        ("--state", state),
        ("--state-out", Some(out)),
        ("--log", log),
    ] {
        if let Some(path) = path {
            args.extend([flag.to_string(), path.display().to_string()]);
        }
    }
    args
}

/// Run the `entramap` binary (a process of its own: the token goes in its environment).
fn entramap(server: &Server, args: &[String]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_entramap"));
    command.args(args).env("ENTRAMAP_SCIM_TOKEN", &server.token);
    command
}

/// `sync` to completion; the JSON report.
fn sync(server: &Server, args: &[String], expect_exit: i32) -> Value {
    sync_exiting(server, args, &[expect_exit])
}

/// `sync` to completion with one of `exits`; the JSON report.
fn sync_exiting(server: &Server, args: &[String], exits: &[i32]) -> Value {
    let output = entramap(server, args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(exits.contains(&output.status.code().unwrap_or(-1)), "{err}");
    let line = err.lines().rev().find(|l| l.starts_with('{')).expect(&err);
    serde_json::from_str(line).unwrap()
}

/// Every user the server holds (`GET /Users`, paged).
fn server_users(server: &Server, tenant_url: &str) -> Vec<Value> {
    let mut all = Vec::new();
    loop {
        let url = format!("{tenant_url}/Users?startIndex={}&count=100", all.len() + 1);
        let output = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys,urllib.request;r=urllib.request.Request(sys.argv[1],headers={'Authorization':'Bearer '+sys.argv[2]});print(urllib.request.urlopen(r).read().decode())",
                &url,
                &server.token,
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let page: Value = serde_json::from_slice(&output.stdout).unwrap();
        let resources = page["Resources"].as_array().cloned().unwrap_or_default();
        let total = page["totalResults"].as_u64().unwrap() as usize;
        all.extend(resources.clone());
        if resources.is_empty() || all.len() >= total {
            return all;
        }
    }
}

/// What `map` would create for each user (all enabled) against an empty app: the values the
/// server must hold.
fn expected_bodies(users: &[Map<String, Value>], dir: &Path) -> HashMap<String, Value> {
    let enabled: Vec<Map<String, Value>> = users
        .iter()
        .map(|u| {
            let mut u = u.clone();
            u.insert("accountEnabled".into(), true.into());
            u.insert("IsSoftDeleted".into(), false.into());
            u
        })
        .collect();
    let path = dir.join("expected-input.ndjson");
    write_users(&path, &enabled);
    let (code, out, err) = common::run(&["map", "-m", "code42", path.to_str().unwrap(), "-q"], b"");
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["method"] == "POST")
        .map(|r| {
            (
                r["body"]["externalId"].as_str().unwrap().to_string(),
                r["body"].clone(),
            )
        })
        .collect()
}

/// `target export` of `target` into DIR/current.ndjson, then `target diff EXPECTED` against
/// it: (exit code, stdout, stderr) of the diff.
fn export_and_diff(
    server: &Server,
    target: &str,
    dir: &Path,
    expected: &Path,
    json: bool,
) -> (u8, String, String) {
    let current = dir.join("current.ndjson");
    let export = entramap(
        server,
        &[
            "target",
            "export",
            "--target",
            target,
            "-o",
            current.to_str().unwrap(),
        ]
        .map(String::from),
    )
    .output()
    .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let mut args = vec![
        "target",
        "diff",
        expected.to_str().unwrap(),
        current.to_str().unwrap(),
    ];
    if json {
        args.extend(["--format", "json"]);
    }
    common::run(&args, b"")
}

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// One server object per source user, each as the cycle left it, and the state's links
/// naming them.
fn verify(server: &Server, tenant: &str, dir: &Path, users: &[Map<String, Value>], state: &Path) {
    let held = server_users(server, tenant);
    let mut by_external: HashMap<String, Vec<&Value>> = HashMap::new();
    for user in &held {
        by_external
            .entry(user["externalId"].as_str().unwrap_or("").to_string())
            .or_default()
            .push(user);
    }
    assert_eq!(
        held.len(),
        users.len(),
        "the server holds {} users for {} source users",
        held.len(),
        users.len()
    );
    let expected = expected_bodies(users, dir);
    let links: HashMap<String, String> = std::fs::read_to_string(state)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l.get("sourceId").is_some())
        .map(|l| {
            (
                l["sourceId"].as_str().unwrap().to_string(),
                l["targetId"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (i, user) in users.iter().enumerate() {
        let oid = user["objectId"].as_str().unwrap();
        let objects = by_external.get(oid).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(objects.len(), 1, "user {oid}: {objects:?}");
        let object = objects[0];
        assert_eq!(
            links.get(oid).map(String::as_str),
            object["id"].as_str(),
            "the state's link for {oid}"
        );
        let disabled =
            user["accountEnabled"] == json!(false) || user["IsSoftDeleted"] == json!(true);
        assert_eq!(object["active"], json!(!disabled), "active of {oid} (#{i})");
        let want = &expected[oid];
        assert_eq!(object["userName"], want["userName"], "userName of #{i}");
        if disabled {
            continue;
        }
        let want = &expected[oid];
        assert_eq!(
            object[ENTERPRISE]["department"], want[ENTERPRISE]["department"],
            "department of #{i}"
        );
        assert_eq!(
            object["addresses"][0]["country"], want["addresses"][0]["country"],
            "country of #{i}"
        );
        assert_eq!(object["title"], want["title"], "title of #{i}");
    }
}

/// Cycles 1, 2 and 2 again against a fresh tenant with `mode` on the URL.
fn two_cycles(which: Which, name: &str, query: &str) {
    let server = server_of(which);
    let dir = scratch(name);
    let tenant = format!("{}/{name}-{}", server.url, std::process::id());
    let target = format!("{tenant}{query}");
    let first = sample(200);
    let second = second_cycle(&first);
    let (c1, c2) = (dir.join("cycle1.ndjson"), dir.join("cycle2.ndjson"));
    write_users(&c1, &first);
    write_users(&c2, &second);
    let (s1, s2, s3) = (
        dir.join("s1.ndjson"),
        dir.join("s2.ndjson"),
        dir.join("s3.ndjson"),
    );
    let report = sync(&server, &cycle(&c1, &target, None, &s1, None), 0);
    assert_eq!(report["created"], 200, "{report}");
    let log = dir.join("cycle2.log");
    let expected = dir.join("expected.ndjson");
    let mut args = cycle(&c2, &target, Some(&s1), &s2, Some(&log));
    args.extend(["--expect-out".to_string(), expected.display().to_string()]);
    let report = sync(&server, &args, 0);
    assert_eq!(
        (report["created"].as_u64(), report["disabled"].as_u64()),
        (Some(10), Some(10)),
        "{report}"
    );
    assert!(report["statuses"].get("409").is_none(), "{report}");
    verify(&server, &tenant, &dir, &second, &s2);
    // The same, in three commands: what the cycle expected, what the app holds, no difference.
    let (code, out, err) = export_and_diff(&server, &target, &dir, &expected, false);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(
        err.contains("210 expected, 210 held: 0 differences"),
        "{err}"
    );
    // Linked users are read by id (sync's own GET), new ones found by Entra's matching GET;
    // the mode's switch on the URL is never sent.
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(log_text.contains(r#""origin":"sync","method":"GET""#));
    assert!(log_text.contains(r#""origin":"entra","method":"GET""#));
    assert!(!log_text.to_lowercase().contains("aadoptscim062020"));
    // Nothing left to change: only GETs.
    let again = dir.join("again.log");
    let report = sync(
        &server,
        &cycle(&c2, &target, Some(&s2), &s3, Some(&again)),
        0,
    );
    let methods: Vec<String> = std::fs::read_to_string(&again)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["method"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(methods.iter().all(|m| m == "GET"), "{report}");
    assert_eq!(methods.len(), second.len());
}

#[test]
fn two_cycles_in_entras_default_patch_mode() {
    two_cycles(Which::Scim2Server, "legacy", "");
}

#[test]
fn two_cycles_against_scimmy_with_aad_opt_scim062020() {
    two_cycles(Which::Scimmy, "scimmy-scim062020", "?aadOptscim062020");
}

#[test]
fn two_cycles_with_aad_opt_scim062020() {
    two_cycles(Which::Scim2Server, "scim062020", "?aadOptscim062020");
}

/// `command` started with no output, to be killed.
fn quiet(mut command: std::process::Command) -> std::process::Child {
    command
        .arg("-q")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_cycle_killed_anywhere_and_rerun_creates_no_duplicate() {
    let server = server();
    let name = "killed";
    let dir = scratch(name);
    let tenant = format!("{}/{name}-{}", server.url, std::process::id());
    let first = sample(200);
    let second = second_cycle(&first);
    let (c1, c2) = (dir.join("cycle1.ndjson"), dir.join("cycle2.ndjson"));
    write_users(&c1, &first);
    write_users(&c2, &second);
    let (s1, s2) = (dir.join("s1.ndjson"), dir.join("s2.ndjson"));
    sync(&server, &cycle(&c1, &tenant, None, &s1, None), 0);
    let cycle2 = cycle(&c2, &tenant, Some(&s1), &s2, None);
    // Killed at 12 points drawn at random (a fixed seed) over the cycle's length, about a
    // second here; the journal grows as the creations are confirmed.
    let mut journaled = Vec::new();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..12 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let delay_ms = 20 + (seed >> 33) % 1500;
        let mut child = quiet(entramap(&server, &cycle2));
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let journal = std::fs::read_to_string(dir.join("s2.ndjson.journal")).unwrap_or_default();
        journaled.push(journal.lines().count());
    }
    // The kills fell at different points of the cycle, with links journaled before them.
    let mut points = journaled.clone();
    points.dedup();
    assert!(
        points.len() >= 3,
        "journal lines after each kill: {journaled:?}"
    );
    // A run killed late may have finished first (a fast machine): one more, killed once its
    // journal has a link, so the last run surely has something to pick up.
    let journal = dir.join("s2.ndjson.journal");
    let mut child = quiet(entramap(&server, &cycle2));
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&journal).map_or(0, |j| j.lines().count()) == 0
        && started.elapsed() < std::time::Duration::from_secs(30)
    {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(journal.exists(), "killed with links journaled");
    let report = sync(&server, &cycle2, 0);
    // The last run picked up what the killed ones confirmed.
    assert!(report["recovered_links"].as_u64().unwrap() > 0, "{report}");
    assert!(!dir.join("s2.ndjson.journal").exists());
    verify(&server, &tenant, &dir, &second, &s2);
}

#[test]
fn groups_follow_the_users_and_a_refused_entra_shape_is_counted() {
    let server = server();
    let tenant = format!("{}/groups-{}", server.url, std::process::id());
    let dir = scratch("groups");
    let users = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/users/sample.ndjson");
    let groups = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/groups/sample.ndjson");
    let expected = dir.join("expected.ndjson");
    let args = [
        "sync",
        "-m",
        "code42",
        users,
        "--groups",
        groups,
        "--target",
        &tenant,
        "--expect-out",
        expected.to_str().unwrap(),
    ]
    .map(String::from);
    // scim2-server refuses Entra's group schema and its bare-string manager: exit 1, each
    // refusal counted by shape, and what the refused PATCHes carried named.
    let report = sync(&server, &args, 1);
    assert_eq!(
        report["refused_shapes"]["adscim-group-schema"], 3,
        "{report}"
    );
    assert_eq!(report["refused_shapes"]["bare-manager"], 2, "{report}");
    assert_eq!(report["changes_not_applied"], 2, "{report}");
    // target diff lists exactly what was refused: the managers and the groups.
    let (code, out, _) = export_and_diff(&server, &tenant, &dir, &expected, false);
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(
        lines.iter().filter(|l| l.contains("manager")).count(),
        2,
        "{out}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("groups ") && l.ends_with("the app does not hold it"))
            .count(),
        3,
        "{out}"
    );
}

/// `count` groups over `users`: group k holds the users i with i % count == k.
fn groups_of(users: &[Map<String, Value>], count: usize) -> Vec<Map<String, Value>> {
    (0..count)
        .map(|k| {
            let members: Vec<Value> = users
                .iter()
                .enumerate()
                .filter(|(i, _)| i % count == k)
                .map(|(_, u)| json!({"objectId": u["objectId"]}))
                .collect();
            let group = json!({"objectId": format!("00000000-0000-0000-0000-{k:012}"),
                "displayName": format!("Team {k}"), "members": members});
            group.as_object().unwrap().clone()
        })
        .collect()
}

/// Two cycles with managers and groups against `which`: cycle 2 also moves managers (five
/// of them to a user created in that cycle), removes group members and renames a group.
/// `target diff` against `--expect-out` finds nothing but what the server refused: every
/// object it names failed with a refused request, each refusal counted by Entra's shape.
fn cycles_with_groups_and_managers(
    which: Which,
    name: &str,
    query: &str,
    concurrency: usize,
) -> Value {
    let server = server_of(which);
    let dir = scratch(name);
    let tenant = format!("{}/{name}-{}", server.url, std::process::id());
    let target = format!("{tenant}{query}");
    // Sample users with their managers (the sample gives them, most earlier in the input).
    let (code, out, err) = common::run(&["sample-users", "--count", "200", "--seed", "5"], b"");
    assert_eq!(code, 0, "{err}");
    let first: Vec<Map<String, Value>> = out
        .lines()
        .map(|l| {
            let mut u: Map<String, Value> = serde_json::from_str(l).unwrap();
            u.insert("accountEnabled".into(), true.into());
            u.insert("IsSoftDeleted".into(), false.into());
            u
        })
        .collect();
    let mut second = second_cycle(&first);
    // Five managers move to the first user created in cycle 2 (it comes before them).
    let newcomer = second[5]["objectId"].clone();
    for user in second.iter_mut().skip(60).take(5) {
        user.insert("manager".into(), json!({"objectId": newcomer}));
    }
    let groups1 = groups_of(&first, 6);
    let mut groups2 = groups1.clone();
    if let Some(Value::Array(members)) = groups2[0].get_mut("members") {
        members.truncate(members.len() / 2);
    }
    groups2[1].insert("displayName".into(), "Team 1 (renamed)".into());
    let files: Vec<PathBuf> = ["u1", "u2", "g1", "g2"]
        .iter()
        .map(|f| dir.join(format!("{f}.ndjson")))
        .collect();
    write_users(&files[0], &first);
    write_users(&files[1], &second);
    write_users(&files[2], &groups1);
    write_users(&files[3], &groups2);
    let (s1, s2) = (dir.join("s1.ndjson"), dir.join("s2.ndjson"));
    let (expected, errors) = (dir.join("expected.ndjson"), dir.join("errors.ndjson"));
    let mut args1 = cycle(&files[0], &target, None, &s1, None);
    args1.extend(["--groups".into(), files[2].display().to_string()]);
    args1.extend(["--concurrency".into(), concurrency.to_string()]);
    sync_exiting(&server, &args1, &[0, 1]);
    let mut args2 = cycle(&files[1], &target, Some(&s1), &s2, None);
    args2.extend(
        [
            "--groups",
            files[3].to_str().unwrap(),
            "--expect-out",
            expected.to_str().unwrap(),
            "--errors",
            errors.to_str().unwrap(),
        ]
        .map(String::from),
    );
    args2.extend(["--concurrency".into(), concurrency.to_string()]);
    let report = sync_exiting(&server, &args2, &[0, 1]);
    let (_, out, _) = export_and_diff(&server, &target, &dir, &expected, true);
    let diff: Value = serde_json::from_str(out.trim()).unwrap();
    let failed: std::collections::HashSet<String> = std::fs::read_to_string(&errors)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            serde_json::from_str::<Value>(l).ok()?["source_id"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    for d in diff["differences"].as_array().unwrap() {
        // No duplicate, nothing unexpected; every difference is a refused object's.
        assert!(
            !matches!(d["difference"].as_str(), Some("duplicate" | "unexpected")),
            "{d}"
        );
        let object = d["object"].as_str().unwrap();
        let external_id = object.strip_prefix("externalId ").unwrap_or(object);
        assert!(
            failed.contains(external_id),
            "{d} is not explained by a refused request; report: {report}"
        );
    }
    // Both servers refuse Entra's bare-string manager; the report counts it.
    assert!(
        report["refused_shapes"]["bare-manager"]
            .as_u64()
            .unwrap_or(0)
            > 0,
        "{report}"
    );
    assert_eq!(report["not_attempted"], 0);
    // Not a cycle where everything failed: the new users were created, others updated.
    assert_eq!(report["created"], 10, "{report}");
    assert!(report["updated"].as_u64().unwrap() > 0, "{report}");
    report
}

#[test]
fn managers_and_groups_against_scim2_server() {
    let report = cycles_with_groups_and_managers(Which::Scim2Server, "mg-scim2", "", 1);
    // scim2-server refuses every group Entra creates (the ADSCIM schema).
    assert_eq!(
        report["refused_shapes"]["adscim-group-schema"], 6,
        "{report}"
    );
}

#[test]
fn managers_and_groups_against_scim2_server_with_aad_opt_scim062020() {
    cycles_with_groups_and_managers(Which::Scim2Server, "mg-scim2-2020", "?aadOptscim062020", 1);
}

#[test]
fn managers_and_groups_against_scimmy() {
    let report = cycles_with_groups_and_managers(Which::Scimmy, "mg-scimmy", "", 1);
    // SCIMMY also refuses the default job's "False" text Boolean: the 10 disables.
    assert_eq!(report["refused_shapes"]["text-boolean"], 10, "{report}");
}

#[test]
fn managers_and_groups_against_scimmy_with_aad_opt_scim062020() {
    cycles_with_groups_and_managers(Which::Scimmy, "mg-scimmy-2020", "?aadOptscim062020", 1);
}

#[test]
fn managers_and_groups_with_eight_requests_at_once() {
    for which in [Which::Scim2Server, Which::Scimmy] {
        let report =
            cycles_with_groups_and_managers(which, "mg-concurrent", "?aadOptscim062020", 8);
        assert_eq!(report["workers"], 8, "{report}");
    }
}
