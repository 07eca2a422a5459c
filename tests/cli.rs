//! The command line, run in-process through `entramap::cli::run` (and once as a real process).

mod common;

fn run(args: &[&str], stdin: &str) -> (u8, String, String) {
    common::run(args, stdin.as_bytes())
}

#[test]
fn check_exit_codes() {
    assert_eq!(run(&["check", "Not([IsSoftDeleted])"], "").0, 0);
    let (code, out, _) = run(&["check", "Mid([a], 1)"], "");
    assert_eq!(code, 1);
    assert!(out.contains("error[arity]"), "{out}");
    assert!(out.ends_with("<expr>: 1 error, 0 warnings\n"), "{out}");
    // Warnings alone pass, unless denied.
    assert_eq!(run(&["check", "tolower([a])"], "").0, 0);
    assert_eq!(run(&["check", "--deny-warnings", "tolower([a])"], "").0, 1);
    // Usage errors: no input, unknown option, unknown flag.
    assert_eq!(run(&["check"], "").0, 2);
    assert_eq!(run(&["check", "--option", "nope=1", "[a]"], "").0, 2);
    assert_eq!(run(&["check", "--bogus"], "").0, 2);
}

#[test]
fn check_json_gives_line_and_column() {
    let (code, out, _) = run(
        &["check", "--format", "json", "-"],
        "IIF(\r\n  [a] = ,\r\n  1, 2)",
    );
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["ok"], false);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "missing-operand");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(7))
    );
}

#[test]
fn options_change_the_dialect() {
    assert_eq!(
        run(
            &[
                "check",
                "--option",
                "function_name_case=strict",
                "tolower([a])"
            ],
            ""
        )
        .0,
        1
    );
    assert_eq!(
        run(
            &[
                "check",
                "--option",
                "allow_cloud_sync_extensions=true",
                "Trim([a])"
            ],
            ""
        )
        .0,
        0
    );
}

#[test]
fn parse_formats() {
    let (code, out, _) = run(&["parse", "switch([x], , \"a\",  \"b\")"], "");
    assert_eq!((code, out.as_str()), (0, "Switch([x], , \"a\", \"b\")\n"));
    let (_, out, _) = run(&["parse", "--format", "tree", "Not([a])"], "");
    assert_eq!(out, "Call Not @0..8 args=1\n  Attribute \"a\" @4..7\n");
    let (_, out, _) = run(&["parse", "--format", "graph", "Not([a])"], "");
    let node: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(node["parameters"][0]["key"], "source");
}

#[test]
fn parse_reads_graph_json() {
    let json = r#"{"source": {"name": "Replace", "type": "Function", "parameters": [
        {"key": "source", "value": {"name": "preferredLanguage", "type": "Attribute"}},
        {"key": "Find", "value": {"name": "-", "type": "Constant"}},
        {"key": "Replacement", "value": {"name": "_", "type": "Constant"}}]}}"#;
    let (code, out, err) = run(&["parse", "--from", "graph", "-"], json);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Replace([preferredLanguage], \"-\", , , \"_\", , )\n");
}

#[test]
fn fmt_and_fmt_check() {
    let (code, out, _) = run(&["fmt", "-"], "IIF( [a]  = \"x\" ,\n\"y\",\"z\" )");
    assert_eq!((code, out.as_str()), (0, "IIF([a]=\"x\", \"y\", \"z\")\n"));
    assert_eq!(
        run(&["fmt", "--check", "-"], "IIF([a]=\"x\", \"y\", \"z\")\n").0,
        0
    );
    let (code, _, err) = run(&["fmt", "--check", "-"], "IIF([a] = \"x\", \"y\", \"z\")");
    assert_eq!(code, 1);
    assert!(err.contains("not in canonical form"));
}

#[test]
fn files_with_bom_and_crlf() {
    let dir = std::env::temp_dir().join(format!("entramap-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("expr.txt");
    std::fs::write(
        &path,
        "\u{FEFF}Join(\" \",\r\n\t[givenName],\r\n\t[surname])\r\n",
    )
    .unwrap();
    let (code, out, _) = run(&["fmt", "-f", path.to_str().unwrap()], "");
    assert_eq!(
        (code, out.as_str()),
        (0, "Join(\" \", [givenName], [surname])\n")
    );
    // Windows-1252 (`Mé`), as Notepad or Excel may save it: how to save it again.
    std::fs::write(&path, [b'M', 0xe9, b'\n']).unwrap();
    let (code, _, err) = run(&["check", "-f", path.to_str().unwrap()], "");
    assert_eq!(code, 2);
    assert!(err.contains("expr.txt:1:2: not UTF-8 text"), "{err}");
    assert!(err.contains("Out-File -Encoding utf8"), "{err}");
    // A UTF-16 mark before something that is not UTF-16.
    std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
    let (code, _, err) = run(&["check", "-f", path.to_str().unwrap()], "");
    assert_eq!(code, 2);
    assert!(err.contains("not UTF-16 text"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn functions_lists_the_table() {
    let (_, out, _) = run(&["functions"], "");
    for f in entramap::builtins::BUILTINS {
        assert!(out.contains(&f.signature()), "{}", f.name);
    }
    let (_, out, _) = run(&["functions", "--format", "json"], "");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        entramap::builtins::BUILTINS.len()
    );
}

#[test]
fn the_real_binary_runs() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_entramap"))
        .args(["check", "Coalese([mail], [userPrincipalName])"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("did you mean `Coalesce`?"));
}

#[test]
fn options_files_use_the_flat_keys_and_refuse_unknown_ones() {
    let dir = std::env::temp_dir().join(format!("entramap-options-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        r#"{"iif_null": "lazy", "max_values": 5, "now": "2021-01-01"}"#,
    )
    .unwrap();
    let (code, out, err) = run(
        &[
            "eval",
            "--options",
            good.to_str().unwrap(),
            r#"IIF(True, "a", [missing])"#,
        ],
        "",
    );
    assert_eq!((code, out.trim()), (0, "a"), "{err}");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, r#"{"iif_nul": "lazy"}"#).unwrap();
    let (code, _, err) = run(&["eval", "--options", bad.to_str().unwrap(), "1"], "");
    assert_eq!(code, 2);
    assert!(err.contains("unknown option `iif_nul`"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, out, err) = run(&["completions", shell], "");
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(out.contains("entramap") && out.contains("scope"), "{shell}");
    }
}

#[test]
fn mistyped_mapping_names_and_option_keys_get_a_suggestion() {
    let (code, _, err) = run(&["map", "-m", "code24", "-"], "");
    assert_eq!(code, 2);
    assert!(err.contains("(did you mean `code42`?)"), "{err}");
    let (code, _, err) = run(&["eval", "1", "--option", "iif_nul=lazy"], "");
    assert_eq!(code, 2);
    assert!(err.contains("(did you mean `iif_null`?)"), "{err}");
}

#[test]
fn check_many_files_as_github_annotations_and_sarif() {
    let files = [
        "-f",
        "fixtures/parse/ok/lint_misspelled_attribute.expr",
        "fixtures/parse/ok/T01_append.expr",
    ];
    let (code, out, _) = run(&[&["check", "--format", "github"][..], &files].concat(), "");
    assert_eq!(code, 0);
    assert_eq!(
        out.lines()
            .next()
            .unwrap()
            .split("::")
            .take(2)
            .collect::<Vec<_>>(),
        [
            "",
            "warning file=fixtures/parse/ok/lint_misspelled_attribute.expr,line=1,col=9,endLine=1,endColumn=28,title=unknown-attribute"
        ]
    );
    let (code, out, _) = run(
        &[
            &["check", "--format", "sarif", "--deny-warnings"][..],
            &files,
        ]
        .concat(),
        "",
    );
    assert_eq!(code, 1, "a warning with --deny-warnings");
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "unknown-attribute");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startColumn"],
        9
    );

    let (code, out, _) = run(&["check", "-f", "fixtures/parse/ok/"], "");
    assert_eq!(code, 0);
    assert!(
        out.lines().last().unwrap().contains(" files: 0 errors"),
        "{out}"
    );
}

#[test]
fn fmt_checks_and_rewrites_many_files() {
    let dir = std::env::temp_dir().join(format!("entramap-fmt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.expr"), "Not([IsSoftDeleted])\n").unwrap();
    std::fs::write(dir.join("sub/b.expr"), "iif( isnull([a]),\"x\" ,[a])").unwrap();
    let d = dir.to_str().unwrap();
    let (code, _, err) = run(&["fmt", "--check", "-f", d], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("b.expr: not in canonical form") && !err.contains("a.expr"),
        "{err}"
    );
    let (code, _, err) = run(&["fmt", "--write", "-f", d], "");
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/b.expr")).unwrap(),
        "IIF(IsNull([a]), \"x\", [a])\n"
    );
    assert_eq!(run(&["fmt", "--check", "-f", d], "").0, 0);
}

#[test]
fn every_command_shows_examples_in_its_help() {
    for command in [
        "parse",
        "fmt",
        "check",
        "eval",
        "map",
        "scope",
        "test",
        "mappings",
        "country",
        "sample-users",
        "completions",
        "functions",
    ] {
        let (code, out, _) = run(&[command, "--help"], "");
        assert_eq!(code, 0);
        assert!(out.contains("Example"), "{command} --help has no examples");
    }
}

#[test]
fn data_commands_speak_json() {
    let (code, _, err) = run(
        &[
            "map",
            "-m",
            "code42",
            "fixtures/users/sample.ndjson",
            "--format",
            "json",
            "-q",
        ],
        "",
    );
    assert_eq!(code, 0);
    let summary: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    let parts = [
        "created", "updated", "disabled", "deleted", "skipped", "failed",
    ];
    let sum: u64 = parts.iter().map(|k| summary[k].as_u64().unwrap()).sum();
    assert_eq!(summary["records"].as_u64(), Some(sum), "counts add up");
    assert_eq!(summary["warnings"]["country-code"]["count"], 1);

    let (code, out, _) = run(
        &[
            "country",
            "resolve",
            "--format",
            "json",
            "Korea",
            "Deutschland",
        ],
        "",
    );
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["ambiguous"], serde_json::json!(["KR", "KP"]));
    assert_eq!(lines[1]["code"], "DE");

    let (code, out, _) = run(&["mappings", "--format", "json"], "");
    assert_eq!(code, 0);
    let sets: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        sets.as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "code42")
    );
}

#[test]
fn check_file_and_check_mapping_agree_on_the_country_expression() {
    let count = |args: &[&str]| {
        let (_, out, _) = run(&[&["check", "--format", "json"][..], args].concat(), "");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        report["warnings"].as_u64().unwrap()
    };
    let file = count(&["-f", "fixtures/parse/ok/seed_code42_country_option1.expr"]);
    let mapping = count(&["-m", "code42-country-expression"]);
    assert_eq!(file, mapping);
    assert!(
        file >= 3,
        "the IIF Null lint and the country table lints: {file}"
    );
}

#[test]
fn parse_and_fmt_speak_json() {
    let (code, out, _) = run(&["parse", "--format", "json", "mid([a],1,2)"], "");
    assert_eq!(code, 0);
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed["canonical"], "Mid([a], 1, 2)");
    assert_eq!(parsed["graph"]["name"], "Mid");
    let (code, out, _) = run(&["fmt", "--format", "json", "--check", "mid([a],1,2)"], "");
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["is_canonical"], false);
}

/// `check --mapping` reports every configuration error `map` refuses a set for, in `map`'s
/// words: one validator (docs/mapping.md).
#[test]
fn check_refuses_what_map_refuses_in_its_words() {
    let set = "fixtures/check/refused-by-map.toml";
    let (code, out, _) = run(&["check", "--mapping", set], "");
    assert_eq!(code, 1, "{out}");
    let (map_code, _, map_err) = run(
        &["map", "--mapping", set, "fixtures/users/sample.ndjson"],
        "",
    );
    assert_eq!(map_code, 2, "{map_err}");
    for code in ["scope-filter", "no-matching"] {
        assert!(out.contains(&format!("error[{code}]")), "{code}: {out}");
    }
    // Each of map's error lines is in check's report, word for word.
    let messages: Vec<&str> = map_err
        .lines()
        .filter_map(|l| l.split_once("users: ").map(|(_, message)| message))
        .collect();
    assert_eq!(messages.len(), 2, "{map_err}");
    for message in messages {
        assert!(out.contains(message), "{message:?} not in:\n{out}");
    }
}

/// `--help` and README list the same exit codes.
#[test]
fn help_and_readme_list_the_exit_codes() {
    let (code, out, _) = run(&["--help"], "");
    assert_eq!(code, 0);
    let readme = std::fs::read_to_string("README.md").unwrap();
    for (number, first_words) in [
        ("0", "success:"),
        ("1", "the input has problems"),
        ("2", "called wrongly"),
    ] {
        assert!(
            out.contains(&format!("  {number}  {first_words}")),
            "--help: {out}"
        );
        assert!(
            readme.contains(&format!("| {number} | {first_words}")),
            "README lacks code {number}"
        );
    }
}
