//! Mapping sets embedded in the binary, selectable by name.

/// (name, one-line description, native TOML).
const SETS: &[(&str, &str)] = &[
    ("code42", include_str!("builtin/code42.toml")),
    (
        "code42-country-expression",
        include_str!("builtin/code42-country-expression.toml"),
    ),
    ("scim-default", include_str!("builtin/scim-default.toml")),
];

/// The native text of a built-in set.
pub fn get(name: &str) -> Option<&'static str> {
    SETS.iter().find(|(n, _)| *n == name).map(|(_, text)| *text)
}

/// Names of the built-in sets.
pub fn names() -> Vec<&'static str> {
    SETS.iter().map(|(n, _)| *n).collect()
}
