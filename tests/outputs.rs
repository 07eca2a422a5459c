//! What `map` writes never destroys what it reads, and a write that failed is never reported
//! as success (exit 2).

mod common;

use common::run;

fn dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("entramap-outputs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const USER: &str = "{\"objectId\":\"1\",\"userPrincipalName\":\"a@contoso.com\"}\n";

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = dir("same");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(dir.join("users.ndjson"), USER).unwrap();
    std::fs::create_dir_all(dir.join("pages")).unwrap();
    std::fs::write(dir.join("pages/1.ndjson"), USER).unwrap();
    for (args, says) in [
        (vec!["-o", "users.ndjson"], "-o"),
        (vec!["--errors", "users.ndjson"], "--errors"),
        (vec!["--state-out", "users.ndjson"], "--state-out"),
        (vec!["--current", "c.ndjson", "-o", "c.ndjson"], "-o"),
    ] {
        std::fs::write(dir.join("c.ndjson"), "").unwrap();
        let mut argv = vec![
            "map".to_string(),
            "-m".into(),
            "code42".into(),
            path("users.ndjson"),
        ];
        argv.extend(args.iter().map(|a| {
            if a.ends_with(".ndjson") {
                path(a)
            } else {
                a.to_string()
            }
        }));
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let (code, _, err) = run(&argv, b"");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(&format!("error: {says} ")), "{args:?}: {err}");
        assert!(err.contains("write somewhere else"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.join("users.ndjson")).unwrap(),
            USER
        );
    }
    let (code, _, err) = run(
        &[
            "map",
            "-m",
            "code42",
            &path("pages"),
            "-o",
            &path("pages/out.ndjson"),
        ],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("inside the input"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `/dev/full` answers every write with "no space left on device".
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_under_errors_or_the_output_fails_the_run() {
    let dir = dir("full");
    let path = |f: &str| dir.join(f).to_str().unwrap().to_string();
    std::fs::write(dir.join("users.ndjson"), format!("{USER}{{broken\n")).unwrap();
    let (code, _, err) = run(
        &[
            "map",
            "-m",
            "code42",
            &path("users.ndjson"),
            "-q",
            "--errors",
            "/dev/full",
            "-o",
            &path("o"),
        ],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cannot write /dev/full: No space left on device"),
        "{err}"
    );
    let (code, _, err) = run(
        &[
            "map",
            "-m",
            "code42",
            &path("users.ndjson"),
            "-q",
            "-o",
            "/dev/full",
        ],
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
