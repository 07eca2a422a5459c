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
    assert!(matches!(
        country::resolve("Congo"),
        Resolution::Ambiguous(_)
    ));
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
            let got = country::resolve(text);
            if ["Congo", "Guinea"].contains(&text) {
                assert!(
                    matches!(got, Resolution::Ambiguous(ref v) if v.contains(&c.alpha2)),
                    "{text}"
                );
            } else {
                assert_eq!(got, Resolution::Code(c.alpha2), "{text}");
            }
        }
    }
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
