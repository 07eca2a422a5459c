//! Every file entramap reads goes through one decoding layer (docs/mapping.md#encodings): the
//! same users as UTF-8, UTF-8 with a byte order mark, UTF-16 LE from Windows PowerShell 5.1
//! (`ConvertTo-Json | Out-File`, `Export-Csv -Encoding Unicode`) and UTF-16 BE give
//! byte-identical requests (`fixtures/encodings/`); Excel's Windows-1252 CSV is refused with
//! how to save it as UTF-8.

mod common;

use common::run;

const DIR: &str = "fixtures/encodings";

fn map(mapping: &str, input: &str) -> (u8, String, String) {
    run(
        &["map", "-m", mapping, "--option", "now=2025-07-30", input],
        b"",
    )
}

#[test]
fn every_encoding_gives_the_requests_of_the_utf8_file() {
    for mapping in ["code42", "scim-default"] {
        let (code, expected, err) = map(mapping, &format!("{DIR}/users.ndjson"));
        assert_eq!(code, 0, "{err}");
        assert!(
            expected.contains("Zoë") && expected.contains("Åsen"),
            "{expected}"
        );
        for file in [
            "users-utf8-bom.ndjson",
            "users-powershell-utf16le.json",
            "users-utf16be.json",
            "users.csv",
            "users-export-csv-unicode.csv",
        ] {
            let (code, out, err) = map(mapping, &format!("{DIR}/{file}"));
            assert_eq!(code, 0, "{file}: {err}");
            assert_eq!(out, expected, "{mapping}: {file} differs from users.ndjson");
        }
    }
}

#[test]
fn a_schema_saved_as_utf16_reads_like_the_utf8_one() {
    let users = format!("{DIR}/users.ndjson");
    let (code, expected, err) = map("fixtures/schemas/code42.schema.json", &users);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = map(&format!("{DIR}/code42.schema-utf16le.json"), &users);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, expected);
}

#[test]
fn windows_1252_says_how_to_save_the_file_as_utf8() {
    let (code, out, err) = map("code42", &format!("{DIR}/users-excel-windows-1252.csv"));
    assert_eq!(code, 1, "{err}");
    assert!(!out.contains("POST"), "{out}");
    assert!(
        err.contains("users line 2: not UTF-8 text (an invalid byte in cell 3)"),
        "{err}"
    );
    assert!(err.contains("CSV UTF-8 (Comma delimited)"), "{err}");
    assert!(err.contains("2 records: 0 created"), "{err}");
}
