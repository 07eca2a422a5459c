//! "Did you mean …?": the known name nearest to a mistyped one.

/// The candidate nearest to `wanted` (ignoring case, Damerau–Levenshtein), if it is within
/// `max_edits` and is not `wanted` itself.
pub fn nearest<'c>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    max_edits: usize,
) -> Option<&'c str> {
    let lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|&(d, c)| d <= max_edits && c != wanted)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// ` (did you mean `x`?)` for a message, or nothing.
pub fn did_you_mean<'c>(wanted: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    nearest(wanted, candidates, 3)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_names() {
        assert_eq!(
            nearest("code24", ["code42", "scim-default"], 2),
            Some("code42")
        );
        assert_eq!(nearest("zzz", ["code42"], 2), None);
        assert_eq!(
            did_you_mean("iif_nul", ["iif_null", "now"]),
            " (did you mean `iif_null`?)"
        );
    }
}
