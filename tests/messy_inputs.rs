//! Ordinary-but-messy and broken inputs (`fixtures/messy/`): nothing vanishes. Every line is a
//! record, an error record or blank; a broken row is an error naming its line, and the rows
//! after it are still read. One snapshot a file: what `map` sends and what it says.

mod common;

use common::run;

/// `map -m code42 FILE`: exit code, requests and messages, the speed left out.
fn map(path: &str) -> String {
    let (code, out, err) = run(
        &["map", "-m", "code42", "--option", "now=2025-07-30", path],
        b"",
    );
    // The speed, "(1234 records/s)", changes from run to run.
    let err: Vec<&str> = err
        .lines()
        .map(|l| match l.rfind(" (") {
            Some(i) if l.ends_with(" records/s)") => &l[..i],
            _ => l,
        })
        .collect();
    let requests: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("\"POST\""))
        .map(|l| l.get(..l.find(",\"body\"").unwrap_or(l.len())).unwrap_or(l))
        .collect();
    format!("exit {code}\n{}\n{}\n", requests.join("\n"), err.join("\n"))
}

#[test]
fn messy_inputs() {
    insta::glob!("../fixtures", "messy/*.*", |path| {
        insta::assert_snapshot!(map(path.to_str().unwrap()));
    });
}

/// A multi-line cell is read in one pass (a 6 MB cell was quadratic), and the record limit
/// applies to the whole row, not to each of its lines.
#[test]
fn a_long_multi_line_cell_is_read_in_linear_time_and_bounded_as_a_whole() {
    let dir = std::env::temp_dir().join(format!("entramap-messy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cell.csv");
    let cell = "x\n".repeat(3_000_000);
    std::fs::write(
        &file,
        format!("userPrincipalName,jobTitle\na@contoso.com,\"{cell}\"\nb@contoso.com,QA\n"),
    )
    .unwrap();
    let (code, _, err) = run(&["map", "-m", "code42", file.to_str().unwrap(), "-q"], b"");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("users line 2: the record is 6000017 bytes long; the limit is 1048576"),
        "{err}"
    );
    assert!(err.contains("2 records: 1 created"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A directory's entries that are not read are named: hidden files, subdirectories, links
/// that lead nowhere, FIFOs.
#[cfg(unix)]
#[test]
fn a_directory_names_the_entries_it_does_not_read() {
    let dir = std::env::temp_dir().join(format!("entramap-messy-dir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("users.ndjson"),
        "{\"objectId\":\"1\",\"userPrincipalName\":\"a@contoso.com\"}\n",
    )
    .unwrap();
    std::fs::write(dir.join(".users.ndjson.swp"), "x").unwrap();
    std::os::unix::fs::symlink(dir.join("gone.ndjson"), dir.join("dangling.ndjson")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.join("pipe"))
        .status()
        .unwrap();
    assert!(fifo.success());
    let (code, _, err) = run(&["map", "-m", "code42", dir.to_str().unwrap(), "-q"], b"");
    assert_eq!(code, 0, "{err}");
    for (name, why) in [
        (".users.ndjson.swp", "a hidden file"),
        ("dangling.ndjson", "a link that leads nowhere"),
        ("pipe", "not a regular file"),
        ("sub", "a directory"),
    ] {
        assert!(
            err.contains(&format!("{name} is not read: {why}")),
            "{name}: {err}"
        );
    }
    assert!(err.contains("1 records: 1 created"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
