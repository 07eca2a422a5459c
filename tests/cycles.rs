//! Cycle after cycle, a created object never gets the id of one the target holds or an
//! earlier cycle linked (docs/mapping.md#cycles): one user's account is never overwritten with
//! another's, and nobody becomes their own manager.

mod common;

use common::run;
use entramap::provision::state_file;

fn user(n: u32, manager: Option<u32>) -> String {
    let manager = manager
        .map(|m| format!(r#","manager":{{"objectId":"00000000-0000-0000-0000-{m:012}"}}"#))
        .unwrap_or_default();
    format!(
        r#"{{"objectId":"00000000-0000-0000-0000-{n:012}","userPrincipalName":"u{n}@contoso.com"{manager}}}"#
    )
}

/// `entramap map ARGS`, which must succeed: (stdout, stderr).
fn map(args: &[&str]) -> (String, String) {
    let args: Vec<&str> = std::iter::once("map").chain(args.iter().copied()).collect();
    let (code, out, err) = run(&args, b"");
    assert_eq!(code, 0, "entramap {}: {err}", args.join(" "));
    (out, err)
}

fn dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("entramap-cycles-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `(source, target)` of every link of a state file, which must be whole.
fn links(path: &std::path::Path) -> Vec<(String, String)> {
    let file = state_file::read(path, 1 << 20).unwrap();
    assert_eq!(file.integrity, state_file::Integrity::Whole);
    file.links
        .into_iter()
        .map(|l| (l.source_id, l.target_id))
        .collect()
}

#[test]
fn new_objects_never_take_a_linked_id() {
    let dir = dir("state");
    let first: Vec<String> = vec![user(0, None), user(1, Some(0)), user(2, None)];
    let mut second = first.clone();
    second.extend([user(3, Some(0)), user(4, Some(3)), user(5, None)]);
    std::fs::write(dir.join("c1.ndjson"), first.join("\n")).unwrap();
    std::fs::write(dir.join("c2.ndjson"), second.join("\n")).unwrap();
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    map(&[
        "-m",
        "code42",
        &path("c1.ndjson"),
        "-q",
        "--state-out",
        &path("s1"),
        "-o",
        &path("o1"),
    ]);
    map(&[
        "-m",
        "code42",
        &path("c2.ndjson"),
        "-q",
        "--state",
        &path("s1"),
        "--state-out",
        &path("s2"),
        "-o",
        &path("o2"),
    ]);
    let links = links(&dir.join("s2"));
    assert_eq!(links.len(), 6);
    let targets: std::collections::BTreeSet<&str> = links.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(targets.len(), 6, "two sources share a target: {links:?}");
    // The new users are created as user-0004..6, and u4's manager is u3's new id.
    let out = std::fs::read_to_string(dir.join("o2")).unwrap();
    assert_eq!(out.matches(r#""method":"POST""#).count(), 3, "{out}");
    for line in out.lines().filter(|l| l.contains(":manager")) {
        let request: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = request["path"].as_str().unwrap();
        let manager = request["body"]["Operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|op| op["path"].as_str().unwrap_or("").ends_with(":manager"))
            .unwrap()["value"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(
            path,
            format!("/Users/{manager}"),
            "a manager link to itself: {line}"
        );
    }
    assert!(out.contains(r#""path":"/Users/user-0005","body":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"user-0004"}"#), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn new_objects_never_take_an_id_the_target_holds() {
    let dir = dir("current");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    // The app already has user-0001 (someone else) and c42-like ids of its own.
    std::fs::write(
        dir.join("current.ndjson"),
        concat!(
            r#"{"id":"user-0001","userName":"someone.else@contoso.com"}"#,
            "\n",
            r#"{"id":"7f3a","userName":"other@contoso.com"}"#,
            "\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("users.ndjson"),
        [user(0, None), user(1, Some(0))].join("\n"),
    )
    .unwrap();
    map(&[
        "-m",
        "code42",
        &path("users.ndjson"),
        "--current",
        &path("current.ndjson"),
        "-q",
        "--state-out",
        &path("s"),
        "-o",
        &path("o"),
    ]);
    let targets: Vec<String> = links(&dir.join("s")).into_iter().map(|(_, t)| t).collect();
    assert_eq!(targets, ["user-0002", "user-0003"]);
    let out = std::fs::read_to_string(dir.join("o")).unwrap();
    assert!(!out.contains("/Users/user-0001"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A disable PATCH carries only what the mappings that read [IsSoftDeleted] send
/// (docs/mapping.md#disable), not the user's other changes: a server that refuses one of those
/// would lose the disable.
#[test]
fn a_disable_carries_only_the_mappings_that_read_is_soft_deleted() {
    let dir = dir("disable");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(
        dir.join("current.ndjson"),
        r#"{"id":"user-0001","userName":"u0@contoso.com","active":true,"title":"Old","externalId":"00000000-0000-0000-0000-000000000000"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("users.ndjson"),
        r#"{"objectId":"00000000-0000-0000-0000-000000000000","userPrincipalName":"u0@contoso.com","accountEnabled":false,"jobTitle":"New","department":"Sales"}"#,
    )
    .unwrap();
    for set in ["code42", "scim-default"] {
        let (out, _) = map(&[
            "-m",
            set,
            &path("users.ndjson"),
            "--current",
            &path("current.ndjson"),
            "-q",
        ]);
        let patch = out
            .lines()
            .find(|l| l.contains(r#""method":"PATCH""#))
            .unwrap();
        let request: serde_json::Value = serde_json::from_str(patch).unwrap();
        let ops = request["body"]["Operations"].as_array().unwrap();
        assert_eq!(ops.len(), 1, "{set}: {patch}");
        assert_eq!(ops[0]["path"], "active", "{set}: {patch}");
        assert_eq!(ops[0]["value"], "False", "{set}: {patch}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A numeric objectId is kept as the text it is written as, digits and all: linked, and
/// followed in the next cycle (with a warning that it is not text).
#[test]
fn a_numeric_object_id_is_linked_as_written() {
    let dir = dir("numeric");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(
        dir.join("users.ndjson"),
        "{\"objectId\":17,\"userPrincipalName\":\"a@contoso.com\"}\n{\"objectId\":12345678901234567890123,\"userPrincipalName\":\"b@contoso.com\"}\n",
    )
    .unwrap();
    let (_, err) = map(&[
        "-m",
        "code42",
        &path("users.ndjson"),
        "-q",
        "--state-out",
        &path("s1"),
        "-o",
        &path("o1"),
    ]);
    assert!(err.contains("object-id-not-text"), "{err}");
    let sources: Vec<String> = links(&dir.join("s1")).into_iter().map(|(s, _)| s).collect();
    assert_eq!(sources, ["12345678901234567890123", "17"]);
    // What the mapping reads is the same text: externalId is not rounded through a float.
    let created = std::fs::read_to_string(dir.join("o1")).unwrap();
    assert!(
        created.contains(r#""externalId":"12345678901234567890123""#),
        "{created}"
    );
    let (_, err) = map(&[
        "-m",
        "code42",
        &path("users.ndjson"),
        "--state",
        &path("s1"),
        "-q",
        "-o",
        &path("o2"),
    ]);
    assert!(err.contains("0 created, 2 updated"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A link whose target the app does not hold, while the matching attributes find the object
/// there under another id: the object found is followed, with a warning, and the link
/// corrected in --state-out (not a full Replace to an id the app never had).
#[test]
fn a_stale_link_is_corrected_not_followed() {
    let dir = dir("stale");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(
        dir.join("current.ndjson"),
        r#"{"id":"app-9","userName":"u0@contoso.com","active":true}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("state.ndjson"),
        r#"{"kind":"users","sourceId":"00000000-0000-0000-0000-000000000000","targetId":"user-0001"}"#,
    )
    .unwrap();
    std::fs::write(dir.join("users.ndjson"), user(0, None)).unwrap();
    let (out, err) = map(&[
        "-m",
        "code42",
        &path("users.ndjson"),
        "--current",
        &path("current.ndjson"),
        "--state",
        &path("state.ndjson"),
        "--state-out",
        &path("s2"),
        "-q",
    ]);
    assert!(err.contains("stale-link"), "{err}");
    assert!(!out.contains("/Users/user-0001"), "{out}");
    assert!(out.contains(r#""path":"/Users/app-9""#), "{out}");
    let targets: Vec<String> = links(&dir.join("s2")).into_iter().map(|(_, t)| t).collect();
    assert_eq!(targets, ["app-9"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A state file that links two sources to one target, one source twice, or an empty id is
/// refused, naming both lines; the run sends nothing.
#[test]
fn a_state_file_with_a_shared_target_is_refused() {
    let dir = dir("refused");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(dir.join("users.ndjson"), user(0, None)).unwrap();
    for (lines, says) in [
        (
            [
                r#"{"kind":"users","sourceId":"a","targetId":"user-0001"}"#,
                r#"{"kind":"users","sourceId":"b","targetId":"user-0001"}"#,
            ],
            "state.ndjson:2: target user-0001 is linked to a second source (first on line 1)",
        ),
        (
            [
                r#"{"kind":"users","sourceId":"a","targetId":"user-0001"}"#,
                r#"{"kind":"users","sourceId":"a","targetId":"user-0002"}"#,
            ],
            "state.ndjson:2: source a is linked again (first on line 1)",
        ),
        (
            [
                r#"{"kind":"users","sourceId":"a","targetId":"user-0001"}"#,
                r#"{"kind":"users","sourceId":"b","targetId":""}"#,
            ],
            "state.ndjson:2: an empty sourceId or targetId",
        ),
    ] {
        std::fs::write(dir.join("state.ndjson"), lines.join("\n")).unwrap();
        let (code, out, err) = run(
            &[
                "map",
                "-m",
                "code42",
                &path("users.ndjson"),
                "--state",
                &path("state.ndjson"),
                "-q",
            ],
            b"",
        );
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(says), "{err}");
        assert!(out.is_empty(), "{out}");
    }
    // A user and a group may share an id.
    std::fs::write(
        dir.join("state.ndjson"),
        [
            r#"{"kind":"users","sourceId":"a","targetId":"1"}"#,
            r#"{"kind":"groups","sourceId":"a","targetId":"1"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    map(&[
        "-m",
        "code42",
        &path("users.ndjson"),
        "--state",
        &path("state.ndjson"),
        "-q",
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// --state-out is written whole or not at all (a temporary file beside it, renamed over it):
/// nothing is left behind, and a file that cannot be written fails the run.
#[test]
fn a_state_file_is_written_atomically() {
    let dir = dir("atomic");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(
        dir.join("users.ndjson"),
        [user(0, None), user(1, None)].join("\n"),
    )
    .unwrap();
    std::fs::write(dir.join("s"), "old").unwrap();
    map(&[
        "-m",
        "code42",
        &path("users.ndjson"),
        "-q",
        "--state-out",
        &path("s"),
        "-o",
        &path("o"),
    ]);
    assert_eq!(links(&dir.join("s")).len(), 2);
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let (code, _, err) = run(
        &[
            "map",
            "-m",
            "code42",
            &path("users.ndjson"),
            "-q",
            "--state-out",
            &path("missing/s"),
            "-o",
            &path("o"),
        ],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot write"), "{err}");
    // Checked before any record is read: nothing was written to the output.
    assert!(err.contains("checked before reading any record"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Without a link, a renamed user is found by the externalId its mapping sends (scim-default
/// sends mailNickname, code42 the objectId), and every object found that way is noted: Entra
/// holds a link there, and without it would create a second object.
#[test]
fn a_renamed_user_is_found_by_the_external_id_its_mapping_sends() {
    let dir = dir("rename");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let oid = "00000000-0000-0000-0000-000000000000";
    std::fs::write(
        dir.join("users.ndjson"),
        format!(r#"{{"objectId":"{oid}","userPrincipalName":"new.name@contoso.com","mailNickname":"ada","givenName":"Ada"}}"#),
    )
    .unwrap();
    for (set, external_id) in [("scim-default", "ada"), ("code42", oid)] {
        std::fs::write(
            dir.join("current.ndjson"),
            format!(r#"{{"id":"app-1","userName":"old.name@contoso.com","externalId":"{external_id}","active":true}}"#),
        )
        .unwrap();
        let (out, err) = map(&[
            "-m",
            set,
            &path("users.ndjson"),
            "--current",
            &path("current.ndjson"),
            "-q",
        ]);
        assert!(
            !out.contains(r#""method":"POST""#),
            "{set}: created again: {out}"
        );
        assert!(out.contains(r#""path":"/Users/app-1""#), "{set}: {out}");
        assert!(err.contains("linked-by-external-id"), "{set}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn user_with(n: u32, manager: Option<u32>, extra: &str) -> String {
    let base = user(n, manager);
    format!("{},{extra}}}", base.trim_end_matches('}'))
}

/// Three cycles — new users, a rename, a disable, a delete, a manager moved to a user created
/// in the same cycle — with both built-in sets: no target id is ever linked to two source
/// objects, and every thread count writes the same bytes.
#[test]
fn three_cycles_never_share_a_target_and_threads_agree() {
    let dir = dir("three");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let cycles: [Vec<String>; 3] = [
        (0..5).map(|n| user(n, (n == 1).then_some(0))).collect(),
        vec![
            user(0, None),
            user(1, Some(5)),
            // Renamed: a new userPrincipalName (the matching attribute).
            user_with(
                2,
                None,
                r#""mailNickname":"u2","userPrincipalName":"renamed2@contoso.com""#,
            )
            .replace(r#""userPrincipalName":"u2@contoso.com","#, ""),
            user_with(3, None, r#""accountEnabled":false"#),
            user(4, None),
            user(5, None),
            user(6, Some(5)),
        ],
        vec![
            user(0, None),
            user(1, Some(5)),
            user(3, None),
            user_with(4, None, r#""_event":"delete""#),
            user(5, None),
            user(6, Some(7)),
            user(7, None),
        ],
    ];
    for set in ["code42", "scim-default"] {
        let mut state: Option<String> = None;
        for (c, users) in cycles.iter().enumerate() {
            std::fs::write(dir.join(format!("c{c}.ndjson")), users.join("\n")).unwrap();
            let mut outputs = Vec::new();
            for threads in ["1", "2", "8"] {
                let out = path(&format!("{set}-o{c}-{threads}"));
                let state_out = path(&format!("{set}-s{c}-{threads}"));
                let mut args = vec![
                    "map",
                    "-m",
                    set,
                    "-q",
                    "--threads",
                    threads,
                    "-o",
                    &out,
                    "--state-out",
                    &state_out,
                ];
                let input = path(&format!("c{c}.ndjson"));
                args.push(&input);
                let previous;
                if let Some(s) = &state {
                    previous = s.clone();
                    args.extend(["--state", &previous]);
                }
                let (code, _, err) = run(&args, b"");
                assert_eq!(code, 0, "{set} cycle {c}: {err}");
                outputs.push((
                    std::fs::read_to_string(&out).unwrap(),
                    std::fs::read_to_string(&state_out).unwrap(),
                ));
                let links = links(std::path::Path::new(&state_out));
                let mut targets: Vec<&str> = links.iter().map(|(_, t)| t.as_str()).collect();
                let count = targets.len();
                targets.sort_unstable();
                targets.dedup();
                assert_eq!(
                    targets.len(),
                    count,
                    "{set} cycle {c}: a shared target: {links:?}"
                );
            }
            assert!(
                outputs.windows(2).all(|w| w[0] == w[1]),
                "{set} cycle {c}: threads disagree"
            );
            state = Some(path(&format!("{set}-s{c}-1")));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Standard output that goes away after its first write, as `| head -1` does.
struct Head {
    written: usize,
}

impl std::io::Write for Head {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written > 0 {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        self.written += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `map ... --state-out S | head -1`: the reader going away does not stop the run; S is
/// written with every link.
#[test]
fn a_closed_output_still_writes_the_state() {
    let dir = dir("head");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    let users: Vec<String> = (0..3000).map(|n| user(n, None)).collect();
    std::fs::write(dir.join("users.ndjson"), users.join("\n")).unwrap();
    let (mut out, mut err) = (Head { written: 0 }, Vec::new());
    let users = path("users.ndjson");
    let state = path("s");
    let code = entramap::cli::run(
        [
            "entramap",
            "map",
            "-m",
            "code42",
            &users,
            "-q",
            "--state-out",
            &state,
        ],
        &mut &b""[..],
        &mut out,
        &mut err,
    );
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert_eq!(links(&dir.join("s")).len(), 3000);
    std::fs::remove_dir_all(&dir).unwrap();
}
