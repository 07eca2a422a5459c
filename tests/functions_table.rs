//! The function table is consistent: names unique and sorted, forms well-formed, every
//! function's Graph keys distinct within a form, and the README's reference up to date.

use entramap::builtins::{BUILTINS, Presence, lookup_ignore_case};

#[test]
fn names_are_unique_and_sorted() {
    let names: Vec<&str> = BUILTINS.iter().map(|f| f.name).collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(names, sorted);
    sorted.dedup_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(sorted.len(), names.len());
}

#[test]
fn forms_are_well_formed() {
    for f in BUILTINS {
        assert!(!f.forms.is_empty(), "{}", f.name);
        assert!(!f.help.is_empty(), "{}", f.name);
        for form in f.forms {
            // Only the last parameter may repeat.
            for p in form.iter().rev().skip(1) {
                assert!(
                    !matches!(p.presence, Presence::Repeated { .. }),
                    "{}",
                    f.name
                );
            }
            let mut keys: Vec<&str> = form.iter().map(|p| p.key).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), form.len(), "{}: duplicate Graph keys", f.name);
        }
        assert_eq!(
            lookup_ignore_case(&f.name.to_uppercase()).map(|g| g.name),
            Some(f.name)
        );
    }
}

#[test]
fn documented_graph_keys() {
    // Keys confirmed by Graph's docs: its function list and stored samples.
    let keys = |name: &str| -> Vec<&str> {
        lookup_ignore_case(name).unwrap().forms[0]
            .iter()
            .map(|p| p.key)
            .collect()
    };
    assert_eq!(
        keys("Replace"),
        [
            "source",
            "Find",
            "RegularExpression",
            "RegularExpressionGroupName",
            "Replacement",
            "ReplacementPropertyName",
            "Template"
        ]
    );
    assert_eq!(keys("Switch"), ["source", "defaultValue", "switchValue"]);
    assert_eq!(keys("Mid"), ["source", "start", "length"]);
    assert_eq!(keys("Join"), ["separator", "source"]);
    // Seen in a Cloud Sync schema exported from a tenant (docs/mapping.md#graph-parameter-keys).
    assert_eq!(keys("Left"), ["source", "length"]);
    assert_eq!(keys("Item"), ["source", "index"]);
    assert_eq!(keys("BitAnd"), ["left", "right"]);
    assert_eq!(keys("IIF"), ["one", "four", "five"]);
    assert_eq!(keys("IsPresent"), ["source"]);
    assert_eq!(keys("Error"), ["message"]);
}

#[test]
fn readme_reference_is_current() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = entramap::builtins::reference(true);
    assert!(
        readme.contains(&table),
        "README.md's function table is stale: paste `entramap functions --format markdown`"
    );
}

#[test]
fn docs_graph_keys_table_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/mapping.md");
    let docs = std::fs::read_to_string(path).unwrap();
    let table = entramap::builtins::graph_keys_reference();
    if std::env::var_os("ENTRAMAP_UPDATE_DOCS").is_some() {
        let start = docs.find("| Function | Keys the service stores |").unwrap();
        let end = start + docs[start..].find("\n\n").unwrap() + 1;
        std::fs::write(path, format!("{}{}{}", &docs[..start], table, &docs[end..])).unwrap();
        return;
    }
    assert!(
        docs.contains(&table),
        "docs/mapping.md's Graph keys table is stale: run ENTRAMAP_UPDATE_DOCS=1 cargo test --test functions_table"
    );
}
