//! Shared by the CLI test files: run `entramap` in-process.

/// Run the CLI with `args` and `stdin`; returns (exit code, stdout, stderr).
pub fn run(args: &[&str], stdin: &[u8]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["entramap"];
    argv.extend_from_slice(args);
    let code = entramap::cli::run(argv, &mut &stdin[..], &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}
