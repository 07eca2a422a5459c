//! ISO 3166 resolution (docs/mapping.md#country-resolution vectors), the generated table against Debian's iso-codes,
//! and the generated Switch expression.

use entramap::country::{self, Resolution};

#[test]
fn spec_vectors() {
    let code = |name: &str| match country::resolve(name) {
        Resolution::Code(c) => Some(c),
        _ => None,
    };
    for (name, expected) in [
        ("US", "US"),
        ("us", "US"),
        ("USA", "US"),
        ("840", "US"),
        ("United States", "US"),
        ("Sweden", "SE"),
        ("SWE", "SE"),
        ("Deutschland", "DE"),
        ("Cote d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("  united   STATES ", "US"),
        ("the Netherlands", "NL"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Eswatini", "SZ"),
        ("North Macedonia", "MK"),
        ("Cabo Verde", "CV"),
        ("Allemagne", "DE"),
        ("Alemania", "DE"),
        ("Германия", "DE"),
        ("ドイツ", "DE"),
        ("德国", "DE"),
        ("ألمانيا", "DE"),
        ("Curaçao", "CW"),
        ("curacao", "CW"),
        ("RÉUNION", "RE"),
        ("4", "AF"),
        ("004", "AF"),
        ("Bosnia & Herzegovina", "BA"),
        ("Korea, Republic of", "KR"),
        ("Åland Islands", "AX"),
        ("ＵＳＡ", "US"),
    ] {
        assert_eq!(code(name), Some(expected), "{name:?}");
    }
    assert_eq!(
        country::resolve("Korea"),
        Resolution::Ambiguous(vec!["KR", "KP"])
    );
    // An exact ISO short name is never ambiguous.
    assert_eq!(country::resolve("Congo"), Resolution::Code("CG"));
    assert_eq!(country::resolve("Guinea"), Resolution::Code("GN"));
    for unknown in [
        "Atlantis", "EMEA", "Europe", "N/A", "Remote", "Kosovo", "", "XX", "999",
    ] {
        assert_eq!(
            country::resolve(unknown),
            Resolution::Unknown,
            "{unknown:?}"
        );
    }
}

#[test]
fn table_matches_debian_iso_codes() {
    assert_eq!(country::countries().len(), 249);
    let Ok(text) = std::fs::read_to_string("/usr/share/iso-codes/json/iso_3166-1.json") else {
        eprintln!("iso-codes is not installed; skipping the comparison");
        return;
    };
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entries = json["3166-1"].as_array().unwrap();
    assert_eq!(entries.len(), country::countries().len());
    for e in entries {
        let c = country::by_alpha2(e["alpha_2"].as_str().unwrap()).unwrap();
        assert_eq!(c.alpha3, e["alpha_3"].as_str().unwrap());
        assert_eq!(c.numeric, e["numeric"].as_str().unwrap());
        assert_eq!(c.name, e["name"].as_str().unwrap());
        assert_eq!(
            c.official_name,
            e.get("official_name").and_then(|v| v.as_str())
        );
        assert_eq!(c.common_name, e.get("common_name").and_then(|v| v.as_str()));
    }
}

#[test]
fn every_iso_name_and_code_resolves_to_itself() {
    for c in country::countries() {
        for text in [c.alpha2, c.alpha3, c.numeric, c.name] {
            assert_eq!(country::resolve(text), Resolution::Code(c.alpha2), "{text}");
        }
        // Official and common names too (`Bolivia`, `Plurinational State of Bolivia`).
        for text in [c.official_name, c.common_name].into_iter().flatten() {
            assert_eq!(country::resolve(text), Resolution::Code(c.alpha2), "{text}");
        }
    }
}

/// The lines of a fixture, without `# ` comments and blank lines.
fn fixture_lines(name: &str) -> Vec<String> {
    let path = format!("{}/fixtures/country/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && *l != "#" && !l.starts_with("# "))
        .map(str::to_string)
        .collect()
}

/// The score on country text as HR systems and directories hold it (fixtures/country/
/// realistic.tsv: `input<TAB>alpha-2 or AMBIGUOUS`), and no code at all for the strings of
/// fixtures/country/not-countries.txt. Run with `-- --nocapture` to see the score and the misses.
#[test]
fn realistic_inputs_score_and_no_false_positives() {
    let mut total = 0;
    let mut misses = Vec::new();
    for line in fixture_lines("realistic.tsv") {
        let (input, expected) = line
            .split_once('\t')
            .unwrap_or_else(|| panic!("no tab in {line:?}"));
        total += 1;
        let got = country::resolve(input);
        let ok = match (&got, expected) {
            (Resolution::Ambiguous(_), "AMBIGUOUS") => true,
            (Resolution::Code(c), e) => *c == e,
            _ => false,
        };
        if !ok {
            misses.push(format!("{input:?}: expected {expected}, got {got:?}"));
        }
    }
    let matches = total - misses.len();
    println!(
        "realistic.tsv: {matches}/{total} ({:.1} %)",
        100.0 * matches as f64 / total as f64
    );
    for miss in &misses {
        println!("  miss {miss}");
    }
    assert!(total >= 600, "{total} lines");
    assert!(
        matches * 100 >= total * 99,
        "{matches}/{total} under 99 %:\n{}",
        misses.join("\n")
    );

    let mut hits = Vec::new();
    let not_countries = fixture_lines("not-countries.txt");
    for input in &not_countries {
        let got = country::resolve(input);
        if got != Resolution::Unknown {
            hits.push(format!("{input:?}: {got:?}"));
        }
    }
    println!(
        "not-countries.txt: {} false positives in {}",
        hits.len(),
        not_countries.len()
    );
    assert!(not_countries.len() >= 150);
    assert!(hits.is_empty(), "false positives:\n{}", hits.join("\n"));
}

#[test]
fn generated_switch_is_a_valid_entra_expression_under_the_limit() {
    let text = country::switch_expression("country", 10_000);
    assert!(text.chars().count() <= 10_000, "{}", text.len());
    let options = entramap::Options {
        run: entramap::options::RunOptions {
            now: Some("2021-01-01".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let analysis = entramap::analyze(&text, &options);
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let expr = entramap::Expression::compile(&text, &options).unwrap();
    for (input, expected) in [
        ("Germany", Some("DE")),
        ("  united states ", Some("US")),
        ("Côte d'Ivoire", Some("CI")),
        ("USA", Some("US")),
        ("Great Britain", Some("GB")),
        ("czechia", Some("CZ")),
        ("Atlantis", None),
    ] {
        let user = serde_json::json!({ "country": input });
        let value = expr
            .eval_json(&user, &mut entramap::Env::new(&options).unwrap())
            .unwrap();
        assert_eq!(value.text().as_deref(), expected, "{input}");
    }
}
