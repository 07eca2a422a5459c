//! How `entramap test` reports its cases: for people (failures with a diff, then
//! `N passed, M failed`), JUnit XML for CI dashboards, GitHub annotations, or JSON lines.

use std::fmt::Write as _;

use super::{CaseResult, Verdict};

/// The closing line: `3 passed, 1 failed`.
pub fn summary_line(results: &[CaseResult]) -> String {
    let passed = results.iter().filter(|r| r.passed()).count();
    format!("{passed} passed, {} failed", results.len() - passed)
}

/// Each failing case: its name, `file:line`, and expected against got as a line diff.
pub fn text(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results.iter().filter(|r| !r.passed()) {
        let _ = writeln!(out, "FAIL {} ({}:{})", r.name, r.file.display(), r.line);
        match &r.verdict {
            Verdict::Failed { expected, got } => out.push_str(&diff(expected, got)),
            Verdict::Broken(why) => {
                let _ = writeln!(out, "  the case cannot run: {why}");
            }
            Verdict::Passed => {}
        }
        out.push('\n');
    }
    out.push_str(&summary_line(results));
    out.push('\n');
    out
}

/// `- expected` / `+ got` lines, unchanged lines kept for context.
pub fn diff(expected: &str, got: &str) -> String {
    let mut out = String::from("  --- expected\n  +++ got\n");
    let diff = similar::TextDiff::from_lines(expected, got);
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let line = change.value().trim_end_matches('\n');
        let _ = writeln!(out, "  {sign}{line}");
    }
    out
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one `<testsuite>` per test file, a `<failure>` (or `<error>` for a case that
/// cannot run) with the diff.
pub fn junit(results: &[CaseResult]) -> String {
    let mut files: Vec<&std::path::Path> = Vec::new();
    for r in results {
        if !files.contains(&r.file.as_path()) {
            files.push(&r.file);
        }
    }
    let (failures, errors) = counts(results.iter());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"entramap\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
        results.len()
    );
    for file in files {
        let cases: Vec<&CaseResult> = results.iter().filter(|r| r.file == file).collect();
        let name = xml_escape(&file.display().to_string());
        let (failed, broken) = counts(cases.iter().copied());
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failed}\" errors=\"{broken}\">",
            cases.len()
        );
        for r in cases {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{name}\" file=\"{name}\" line=\"{}\"",
                xml_escape(&r.name),
                r.line
            );
            match &r.verdict {
                Verdict::Passed => out.push_str("/>\n"),
                Verdict::Failed { expected, got } => {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"expected {} got {}\">{}</failure>\n    </testcase>",
                        xml_escape(first_line(expected)),
                        xml_escape(first_line(got)),
                        xml_escape(&diff(expected, got))
                    );
                }
                Verdict::Broken(why) => {
                    let _ = writeln!(
                        out,
                        ">\n      <error message=\"{}\"/>\n    </testcase>",
                        xml_escape(why)
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// (failed, cannot run): JUnit's failures and errors.
fn counts<'r>(results: impl Iterator<Item = &'r CaseResult>) -> (usize, usize) {
    results.fold((0, 0), |(f, e), r| match r.verdict {
        Verdict::Failed { .. } => (f + 1, e),
        Verdict::Broken(_) => (f, e + 1),
        Verdict::Passed => (f, e),
    })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// GitHub Actions workflow commands: `::error file=F,line=L,title=NAME::message`, then the
/// summary line.
pub fn github(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results.iter().filter(|r| !r.passed()) {
        let message = match &r.verdict {
            Verdict::Failed { expected, got } => diff(expected, got),
            Verdict::Broken(why) => format!("the case cannot run: {why}"),
            Verdict::Passed => String::new(),
        };
        out.push_str(&crate::diagnostic::workflow::annotation(
            "error",
            &[
                ("file", r.file.display().to_string()),
                ("line", r.line.to_string()),
                ("title", r.name.clone()),
            ],
            &message,
        ));
    }
    out.push_str(&summary_line(results));
    out.push('\n');
    out
}

/// One JSON object per case: `{"file","line","name","status","expected","got","reason"}`.
pub fn json(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results {
        let (status, expected, got, reason) = match &r.verdict {
            Verdict::Passed => ("passed", None, None, None),
            Verdict::Failed { expected, got } => ("failed", Some(expected), Some(got), None),
            Verdict::Broken(why) => ("broken", None, None, Some(why)),
        };
        let line = serde_json::json!({
            "file": r.file.display().to_string(),
            "line": r.line,
            "name": r.name,
            "status": status,
            "expected": expected,
            "got": got,
            "reason": reason,
        });
        let _ = writeln!(out, "{line}");
    }
    out
}
