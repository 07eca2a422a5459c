//! State files carry the links between cycles (docs/mapping.md#state-files): a file that was
//! cut, emptied or edited is refused, an older one without a closing record is read with a
//! warning, and a write killed at any point leaves the old file or the new one, whole.

mod common;

use common::run;
use entramap::provision::Link;
use entramap::provision::state_file;
use entramap::scim::ResourceKind;

fn dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("entramap-state-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn user(n: usize) -> String {
    format!(r#"{{"objectId":"source-{n}","userPrincipalName":"u{n}@contoso.com"}}"#)
}

/// `users` links `source-N` → `user-N`.
fn links(users: std::ops::Range<usize>) -> Vec<Link> {
    users
        .map(|n| Link {
            kind: ResourceKind::User,
            source_id: format!("source-{n}"),
            target_id: format!("user-{n}"),
        })
        .collect()
}

/// `entramap map -m code42 USERS --state STATE -q`: (exit code, stdout, stderr).
fn map_with_state(dir: &std::path::Path, state: &str) -> (u8, String, String) {
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    run(
        &[
            "map",
            "-m",
            "code42",
            &path("users.ndjson"),
            "--state",
            &path(state),
            "-q",
        ],
        b"",
    )
}

/// Each way a file can lose its integrity is refused by `map --state` (exit 2, nothing sent)
/// and by `state check` (exit 1), with a message that says how to go on; `state rehash`
/// accepts a deliberate edit.
#[test]
fn a_cut_emptied_or_edited_state_file_is_refused() {
    let dir = dir("refused");
    std::fs::write(dir.join("users.ndjson"), user(0) + "\n").unwrap();
    state_file::write(&dir.join("whole"), &links(0..3)).unwrap();
    let whole = std::fs::read_to_string(dir.join("whole")).unwrap();
    let lines: Vec<&str> = whole.lines().collect();
    assert_eq!(lines.len(), 5, "a first line, 3 links, a closing record");
    let edited = whole.replace("user-1\"", "user-7\"");
    let cases = [
        ("emptied", String::new(), "empty", "is empty"),
        (
            "cut-at-a-line",
            lines[..3].join("\n") + "\n",
            "cut",
            "ends after line 3 without its closing record",
        ),
        (
            "cut-midway",
            whole[..whole.len() - 30].to_string(),
            "cut",
            "in the middle of a line",
        ),
        (
            "edited",
            edited.clone(),
            "changed",
            "the file was changed after entramap wrote it",
        ),
        (
            "line-removed",
            [lines[0], lines[1], lines[3], lines[4]].join("\n") + "\n",
            "changed",
            "says 3 links",
        ),
        (
            "after-the-end",
            whole.clone() + lines[1] + "\n",
            "line",
            ":6: a line after the closing record",
        ),
    ];
    for (name, text, kind, says) in cases {
        std::fs::write(dir.join(name), &text).unwrap();
        let (code, out, err) = map_with_state(&dir, name);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(says), "{name}: {err}");
        assert!(out.is_empty(), "{name}: nothing is sent: {out}");
        let file = dir.join(name).to_str().unwrap().to_string();
        let (code, out, _) = run(&["state", "check", &file, "--format", "json"], b"");
        assert_eq!(code, 1, "{name}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["integrity"], kind, "{name}: {out}");
        assert!(
            report["message"].as_str().unwrap().contains("rehash")
                || report["message"].as_str().unwrap().contains("restore"),
            "{name}: says how to go on: {out}"
        );
    }
    // A deliberate edit, accepted: the file is sealed again, and read.
    let file = dir.join("edited").to_str().unwrap().to_string();
    let (code, _, err) = run(&["state", "rehash", &file], b"");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("sealed with 3 links"), "{err}");
    let (code, out, _) = run(&["state", "check", &file], b"");
    assert_eq!(
        (code, out.trim_end()),
        (
            0,
            format!("{file}: whole, 3 links (3 users, 0 groups)").as_str()
        )
    );
    let read = state_file::read(&dir.join("edited"), 1 << 20).unwrap();
    assert_eq!(read.links[1].target_id, "user-7");
    // Rehash never accepts what is not a link.
    std::fs::write(
        dir.join("junk"),
        whole.replace(lines[2], "{\"kind\":\"users\"}"),
    )
    .unwrap();
    let file = dir.join("junk").to_str().unwrap().to_string();
    let (code, _, err) = run(&["state", "rehash", &file], b"");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("junk:3: missing field"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A file written before state files had a closing record is read, with a warning that
/// says how to seal it; a file of a newer version is refused.
#[test]
fn an_older_state_file_is_read_with_a_warning_and_a_newer_one_refused() {
    let dir = dir("versions");
    std::fs::write(dir.join("users.ndjson"), user(0) + "\n").unwrap();
    std::fs::write(
        dir.join("old"),
        "{\"kind\":\"users\",\"sourceId\":\"source-0\",\"targetId\":\"user-0\"}\n",
    )
    .unwrap();
    let (code, out, err) = map_with_state(&dir, "old");
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("has no closing record"), "{err}");
    assert!(err.contains("entramap state rehash"), "{err}");
    assert!(
        out.contains("PATCH /Users/user-0") || out.contains("\"/Users/user-0\""),
        "{out}"
    );
    let old = dir.join("old").to_str().unwrap().to_string();
    let (code, out, err) = run(&["state", "check", &old], b"");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 link (1 user, 0 groups), no closing record"),
        "{out}"
    );
    std::fs::write(
        dir.join("newer"),
        "{\"format\":\"entramap-state\",\"version\":3}\n{\"links\":0,\"sha256\":\"\"}\n",
    )
    .unwrap();
    let (code, _, err) = map_with_state(&dir, "newer");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a state file of version 3"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A tiny deterministic generator (xorshift64*): the kill points are the same on every run.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// `map --state old --state-out state` over 200,000 links, killed at 20 random points while
/// it writes the state file: every time, `state` is the old file or the new one, whole; a
/// temporary file left behind is refused unless it is the new file whole; and no cut of a
/// state file is ever accepted.
#[test]
fn a_killed_write_leaves_the_old_state_file_or_the_new_one() {
    const LINKS: usize = 200_000;
    let dir = dir("crash");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    // The run adds 1,000 users to the 200,000 linked ones.
    let users: String = (LINKS..LINKS + 1000).map(|n| user(n) + "\n").collect();
    std::fs::write(dir.join("users.ndjson"), users).unwrap();
    state_file::write(&dir.join("old"), &links(0..LINKS)).unwrap();
    let old = std::fs::read(dir.join("old")).unwrap();
    let spawn = || {
        std::fs::copy(dir.join("old"), dir.join("state")).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_entramap"))
            .args([
                "map",
                "-m",
                "code42",
                &path("users.ndjson"),
                "-q",
                "-o",
                &path("requests"),
            ])
            .args(["--state", &path("old"), "--state-out", &path("state")])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let temporary = |child: &std::process::Child| dir.join(format!(".state.tmp-{}", child.id()));
    // Once whole, timing how long the write takes: from its temporary file's first appearance
    // to the end.
    let mut child = spawn();
    let tmp = temporary(&child);
    while !tmp.exists() && child.try_wait().unwrap().is_none() {
        std::thread::sleep(std::time::Duration::from_micros(200));
    }
    let writing = std::time::Instant::now();
    assert!(child.wait().unwrap().success());
    let window = writing.elapsed().as_micros() as u64 + 1;
    let new = std::fs::read(dir.join("state")).unwrap();
    assert_ne!(new, old);
    let whole = state_file::read(&dir.join("state"), 1 << 20).unwrap();
    assert_eq!(whole.links.len(), LINKS + 1000);
    let mut random = Random(0x5EED_2026);
    let (mut old_left, mut new_left) = (0, 0);
    for kill in 0..20 {
        let mut child = spawn();
        let tmp = temporary(&child);
        while !tmp.exists() && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_micros(100));
        }
        std::thread::sleep(std::time::Duration::from_micros(random.below(window)));
        let _ = child.kill();
        child.wait().unwrap();
        let left = std::fs::read(dir.join("state")).unwrap();
        if left == old {
            old_left += 1;
        } else if left == new {
            new_left += 1;
        } else {
            panic!("kill {kill}: the state file is neither the old one nor the new one");
        }
        // A temporary file the kill left behind (the new file, cut) is never taken for a
        // state file, unless it is the new one, whole.
        if let Ok(bytes) = std::fs::read(&tmp) {
            assert!(new.starts_with(&bytes), "kill {kill}");
            let read = state_file::read(&tmp, 1 << 20);
            assert!(
                bytes == new || read.is_err(),
                "kill {kill}: a cut temporary file was accepted"
            );
            std::fs::remove_file(&tmp).unwrap();
        }
    }
    eprintln!("20 kills: {old_left} left the old file, {new_left} the new one");
    // However a copy is cut, the cut is refused: at every 7th byte of a smaller file.
    state_file::write(&dir.join("small"), &links(0..200)).unwrap();
    let small = std::fs::read(dir.join("small")).unwrap();
    for at in (0..small.len()).step_by(7).chain([small.len() - 1]) {
        std::fs::write(dir.join("cut"), &small[..at]).unwrap();
        assert!(
            state_file::read(&dir.join("cut"), 1 << 20).is_err(),
            "a cut after byte {at} of {} was accepted",
            small.len()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
