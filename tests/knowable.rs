//! What evaluation refuses whatever the record holds, `check` reports, in the same words
//! (docs/language.md#errors-known-before-any-user). `fixtures/check/knowable/*.expr`: a file
//! named `ok-*` must check clean (the error, if any, depends on the data); any other must be
//! a check error whose code `eval` gives too.

mod common;

use common::run;

const USER: &[u8] =
    br#"{"mail":"ada@contoso.com","start":"2","employeeHireDate":"2020-01-02T00:00:00Z"}"#;

#[test]
fn check_reports_what_eval_refuses_for_every_user() {
    insta::glob!("../fixtures", "check/knowable/*.expr", |path| {
        let file = path.to_str().unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        let (code, out, err) = run(&["check", "--dialect", "cloud-sync", "-f", file], b"");
        let report = format!("{out}{err}");
        if name.starts_with("ok-") {
            assert_eq!(code, 0, "{name}: {report}");
        } else {
            assert_eq!(code, 1, "{name}: {report}");
            let checked = report
                .lines()
                .find_map(|l| l.strip_prefix("error["))
                .and_then(|l| l.split(']').next())
                .unwrap()
                .to_string();
            let (code, _, err) = run(
                &[
                    "eval",
                    "--dialect",
                    "cloud-sync",
                    "-f",
                    file,
                    "--input",
                    "-",
                ],
                USER,
            );
            assert_eq!(code, 1, "{name}: {err}");
            assert!(err.contains(&format!("error[{checked}]")), "{name}: {err}");
        }
        insta::assert_snapshot!(report.replace(file, name));
    });
}
