//! The dialect knobs of SPEC §0.3: every DECISION the spec leaves open is a field here, with
//! the spec's default. The library, the CLI (`--option key=value`, `--options FILE`) and the
//! tests share this one struct.

use serde::{Deserialize, Serialize};

/// Why options could not be built from settings or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// A `--option` argument without `=`.
    #[error("option `{0}` should look like key=value")]
    Malformed(String),
    /// A key that is not a field of [`Options`].
    #[error("unknown option `{key}`; known options: {known}")]
    Unknown {
        /// The key as given (dashes turned into underscores).
        key: String,
        /// Every known key, comma separated.
        known: String,
    },
    /// A known key with a value of the wrong type or an unknown variant.
    #[error("bad option: {0}")]
    Invalid(String),
    /// `now` (or a record's clock) is not a date or time.
    #[error("`{0}` is not a date or an RFC 3339 time (e.g. 2021-08-25T17:41:18Z)")]
    Clock(String),
}

/// How function names are matched against the built-in table (SPEC S1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NameCase {
    /// Only the canonical casing (`ToLower`) is accepted.
    Strict,
    /// Any casing resolves, with a warning (default: the docs themselves write `switch(`).
    #[default]
    InsensitiveWarn,
}

/// What to do with a backslash escape other than `\"` and `\\` (SPEC §1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownEscape {
    /// Reject the expression.
    Error,
    /// Keep both characters (`\d` stays `\d`) and warn (default).
    #[default]
    KeepWarn,
}

/// How attribute names are matched against the source record (SPEC S2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AttributeNameCase {
    /// Exact name first, then a case-insensitive match with a warning (default).
    #[default]
    ExactThenInsensitive,
    /// Exact name only.
    Strict,
}

/// How IIF treats Null arguments (SPEC §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum IifNull {
    /// All three arguments are evaluated; any Null makes the result Null (default; explains
    /// every failure Entra's docs list).
    #[default]
    Strict,
    /// Only the chosen branch matters (the reading of the HR troubleshooting guide).
    Lazy,
}

/// What Join skips (SPEC §0.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum JoinSkip {
    /// Null and `""` values (default; needed for the docs' `Join(", ", "", [surname], [givenName])`).
    #[default]
    NullAndEmpty,
    /// Null values only.
    NullOnly,
}

/// What string, date and number functions do with a Null source (SPEC §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NullPropagation {
    /// Null in, Null out: the mapping flows nothing (default).
    #[default]
    Strict,
    /// Null is read as `""`.
    CoalesceToEmpty,
}

/// What `map` does with SCIM `addresses[...].country` values (SPEC §5.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CountryResolution {
    /// Send values verbatim, say nothing (what Entra does).
    Off,
    /// Send values verbatim; warn per record when one is not an ISO 3166-1 alpha-2 code (default).
    #[default]
    Validate,
    /// Rewrite values to alpha-2 with the built-in resolver; unresolved values are kept, with a warning.
    Normalize,
}

/// Options shared by parsing, checking and evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Options {
    /// Function-name matching (SPEC S1). Default `insensitive-warn`.
    pub function_name_case: NameCase,
    /// Unknown string escapes (SPEC §1.3). Default `keep-warn`.
    pub unknown_escape: UnknownEscape,
    /// Accept the Cloud Sync dialect's `&` operator and functions (Trim, Error, ...). Default false.
    pub allow_cloud_sync_extensions: bool,
    /// Longest accepted expression, in characters (Entra's limit: 10,000).
    pub max_expression_length: usize,
    /// Deepest accepted nesting of calls or brackets; deeper input is rejected before parsing,
    /// so no input can exhaust the stack.
    pub max_nesting_depth: usize,
    /// Attribute-name matching (SPEC S2). Default `exact-then-insensitive`.
    pub attribute_name_case: AttributeNameCase,
    /// IIF and Null (SPEC §2.4). Default `strict`.
    pub iif_null: IifNull,
    /// A Null Switch source matches the key `""` (SPEC §2.6). Default true.
    pub switch_null_matches_empty_key: bool,
    /// What Join skips. Default `null-and-empty`.
    pub join_skip_empty: JoinSkip,
    /// Null sources of string/date/number functions. Default `strict`.
    pub null_propagation: NullPropagation,
    /// Guests' `userPrincipalName` (`alias_theirdomain#EXT#@yours`) is seen as `alias@theirdomain`
    /// (SPEC §4.8). Default true.
    pub b2b_upn_rewrite: bool,
    /// The clock for Now() and date defaults: RFC 3339 (`2021-08-25T17:41:18Z`) or a date
    /// (`2025-07-30`). Unset: the system clock.
    pub now: Option<String>,
    /// Seed for Guid() and RandomString(). Unset: the operating system's random source.
    pub rng_seed: Option<u64>,
    /// What DefaultDomain() returns. Default `contoso.com`.
    pub default_domain: String,
    /// Most backtracking steps one regular-expression match may take before failing, so no
    /// pattern can hang evaluation. Default 1,000,000.
    pub regex_backtrack_limit: usize,
    /// Longest text a function may produce (Join, Replace, Append ...), in bytes. Default 1 MiB.
    pub max_string_length: usize,
    /// Most arguments one call may have (the longest documented Switch has about 520). Default 5,000.
    pub max_arguments: usize,
    /// Largest compiled regular expression, in bytes. Default 2 MiB.
    pub regex_size_limit: usize,
    /// Longest input line (`map`, `eval --batch`) in bytes; longer lines are error records.
    /// Default 1 MiB.
    pub max_line_bytes: usize,
    /// Most values one multi-valued attribute may have. Default 10,000.
    pub max_values: usize,
    /// PATCH dialect (SPEC §5.4). Default `legacy-scim`.
    pub patch_mode: crate::scim::patch::PatchMode,
    /// Mark the work address `primary` on create, as emails are (SPEC §5.3). Default false.
    pub emit_primary_on_work_address: bool,
    /// Country values in SCIM addresses (SPEC §5.6). Default `validate`.
    pub country_resolution: CountryResolution,
    /// Prefix of the ids `map` gives created objects (`c42-` → `c42-user-0001`), standing in
    /// for the ids the app would return. Default empty.
    pub id_prefix: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            function_name_case: NameCase::default(),
            unknown_escape: UnknownEscape::default(),
            allow_cloud_sync_extensions: false,
            max_expression_length: 10_000,
            max_nesting_depth: 100,
            attribute_name_case: AttributeNameCase::default(),
            iif_null: IifNull::default(),
            switch_null_matches_empty_key: true,
            join_skip_empty: JoinSkip::default(),
            null_propagation: NullPropagation::default(),
            b2b_upn_rewrite: true,
            now: None,
            rng_seed: None,
            default_domain: "contoso.com".to_string(),
            regex_backtrack_limit: 1_000_000,
            max_string_length: 1 << 20,
            max_arguments: 5_000,
            regex_size_limit: 2 << 20,
            max_line_bytes: 1 << 20,
            max_values: 10_000,
            patch_mode: crate::scim::patch::PatchMode::default(),
            emit_primary_on_work_address: false,
            country_resolution: CountryResolution::default(),
            id_prefix: String::new(),
        }
    }
}

impl Options {
    /// Apply `key=value` settings on top of these options. The value is read as JSON when it
    /// parses as JSON (`true`, `12`), otherwise as a string (`strict`).
    pub fn with_settings<'a>(
        &self,
        settings: impl IntoIterator<Item = &'a str>,
    ) -> Result<Options, OptionsError> {
        let mut map = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(OptionsError::Invalid(
                    "options could not be represented as JSON".into(),
                ));
            }
        };
        for setting in settings {
            let (key, value) = setting
                .split_once('=')
                .ok_or_else(|| OptionsError::Malformed(setting.to_string()))?;
            let key = key.trim().replace('-', "_");
            if !map.contains_key(&key) {
                let known: Vec<&str> = map.keys().map(String::as_str).collect();
                return Err(OptionsError::Unknown {
                    key,
                    known: known.join(", "),
                });
            }
            let value = serde_json::from_str(value.trim())
                .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
            map.insert(key, value);
        }
        serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| OptionsError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::{Options, OptionsError};

    #[test]
    fn settings_apply_and_fail_with_typed_errors() -> Result<(), OptionsError> {
        let options = Options::default().with_settings(["rng-seed=7", "id_prefix=t-"])?;
        assert_eq!(options.rng_seed, Some(7));
        assert_eq!(options.id_prefix, "t-");

        let malformed = Options::default().with_settings(["rng_seed"]);
        assert_eq!(malformed, Err(OptionsError::Malformed("rng_seed".into())));
        match Options::default().with_settings(["no_such=1"]) {
            Err(OptionsError::Unknown { key, known }) => {
                assert_eq!(key, "no_such");
                assert!(known.contains("rng_seed"), "{known}");
            }
            other => panic!("expected Unknown, got {other:?}"),
        }
        let invalid = Options::default().with_settings(["rng_seed=abc"]);
        assert!(
            matches!(invalid, Err(OptionsError::Invalid(_))),
            "{invalid:?}"
        );
        Ok(())
    }

    #[test]
    fn a_bad_clock_is_an_options_error() {
        let options = Options {
            now: Some("yesterday".into()),
            ..Options::default()
        };
        let error = crate::eval::Env::new(&options).err();
        assert_eq!(error, Some(OptionsError::Clock("yesterday".into())));
    }
}
