//! The options of docs/language.md#options: every reading the docs leave open is a field here, with
//! the spec's default. The library, the CLI (`--option key=value`, `--options FILE`) and the
//! tests share this one struct.

// Reads input: no panics, whatever the input (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// Why options could not be built from settings or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// A `--option` argument without `=`.
    #[error("option `{0}` should look like key=value")]
    Malformed(String),
    /// A key that is not a field of [`Options`].
    #[error(
        "unknown option `{key}`{}; known options: {known}",
        crate::diagnostic::suggest::did_you_mean(key, known.split(", "))
    )]
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

/// How function names are matched against the built-in table (docs/language.md#function-names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NameCase {
    /// Only the canonical casing (`ToLower`) is accepted.
    Strict,
    /// Any casing resolves, with a warning (default: the docs themselves write `switch(`).
    #[default]
    InsensitiveWarn,
}

/// What to do with a backslash escape other than `\"` and `\\` (docs/language.md#strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum UnknownEscape {
    /// Reject the expression.
    Error,
    /// Keep both characters (`\d` stays `\d`) and warn (default).
    #[default]
    KeepWarn,
}

/// How attribute names are matched against the source record (docs/language.md#attribute-names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum AttributeNameCase {
    /// Exact name first, then a case-insensitive match with a warning (default).
    #[default]
    ExactThenInsensitive,
    /// Exact name only.
    Strict,
}

/// How IIF treats Null arguments (docs/language.md#iif-and-null).
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

/// What Join skips (docs/functions.md#join).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum JoinSkip {
    /// Null and `""` values (default; needed for the docs' `Join(", ", "", [surname], [givenName])`).
    #[default]
    NullAndEmpty,
    /// Null values only.
    NullOnly,
}

/// What string, date and number functions do with a Null source (docs/language.md#null-per-function).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum NullPropagation {
    /// Null in, Null out: the mapping flows nothing (default).
    #[default]
    Strict,
    /// Null is read as `""`.
    CoalesceToEmpty,
}

/// What `map` does with SCIM `addresses[...].country` values (docs/mapping.md#country-resolution).
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

/// Which PATCH dialect `map` writes (docs/mapping.md#patch-modes). Defined here, with the other
/// option values, so that options need nothing from the SCIM stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PatchMode {
    /// Entra's default SCIM job, without the compliance flag.
    #[default]
    #[serde(rename = "legacy-scim")]
    LegacyScim,
    /// With the `aadOptscim062020` feature flag.
    #[serde(rename = "aadOptscim062020")]
    AadOptScim062020,
    /// The pre-2018 `customappsso` job (for comparing with old logs).
    #[serde(rename = "customappsso")]
    CustomAppSso,
}

/// Every knob, grouped by concern. In files and on the command line the keys are flat
/// (`--option iif_null=lazy`, `{"max_values": 10}`): each group is flattened into one map.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// How the language is read and what its functions do with Null.
    #[serde(flatten)]
    pub dialect: DialectOptions,
    /// Sizes past which input is refused, so no input can exhaust time or memory.
    #[serde(flatten)]
    pub limits: Limits,
    /// The clock, randomness and the tenant facts an offline run stands in for.
    #[serde(flatten)]
    pub run: RunOptions,
    /// What `map` writes.
    #[serde(flatten)]
    pub scim: ScimOptions,
    /// The flat keys given explicitly (recorded by [`Options::with_changes`]): a mapping set's
    /// own dialect does not override them ([`Options::for_dialect`]). Insert `"dialect"` to
    /// keep options built field by field from following a Cloud Sync schema.
    #[serde(skip)]
    pub given: std::collections::BTreeSet<String>,
}

/// Which Entra service the expressions are written for (docs/language.md#dialects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Dialect {
    /// App provisioning (the default): IIF is strict about Null, Cloud Sync functions and
    /// placeholders are refused.
    #[default]
    Provisioning,
    /// Entra Cloud Sync (AD to Entra and Entra to AD): IIF evaluates only the branch it picks,
    /// Cloud Sync functions, `&` and placeholders such as `%DomainFQDN%` are accepted.
    CloudSync,
}

impl Dialect {
    /// As options and `--dialect` write it: `provisioning`, `cloud-sync`.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Provisioning => "provisioning",
            Dialect::CloudSync => "cloud-sync",
        }
    }

    /// The options whose defaults this dialect changes, as flat keys.
    fn defaults(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Dialect::Provisioning => &[
                ("iif_null", "strict"),
                ("allow_cloud_sync_extensions", "false"),
            ],
            Dialect::CloudSync => &[
                ("iif_null", "lazy"),
                ("allow_cloud_sync_extensions", "true"),
            ],
        }
    }
}

/// How expressions are read and evaluated (docs/language.md#options).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DialectOptions {
    /// `provisioning` (default) or `cloud-sync`: setting it also sets the defaults that
    /// differ (`iif_null`, `allow_cloud_sync_extensions`) unless they are given too.
    pub dialect: Dialect,
    /// Function-name matching. Default `insensitive-warn`.
    pub function_name_case: NameCase,
    /// Unknown string escapes. Default `keep-warn`.
    pub unknown_escape: UnknownEscape,
    /// Accept the Cloud Sync dialect's `&` operator and functions (Trim, Error, ...). Default false.
    pub allow_cloud_sync_extensions: bool,
    /// Attribute-name matching. Default `exact-then-insensitive`.
    pub attribute_name_case: AttributeNameCase,
    /// IIF and Null. Default `strict`.
    pub iif_null: IifNull,
    /// A Null Switch source matches the key `""`. Default true.
    pub switch_null_matches_empty_key: bool,
    /// What Join skips. Default `null-and-empty`.
    pub join_skip_empty: JoinSkip,
    /// Null sources of string/date/number functions. Default `strict`.
    pub null_propagation: NullPropagation,
    /// Guests' `userPrincipalName` (`alias_theirdomain#EXT#@yours`) is seen as `alias@theirdomain`.
    /// Default true.
    pub b2b_upn_rewrite: bool,
    /// REGEX MATCH in scoping filters: `search` anywhere (.NET `Regex.IsMatch`, default) or
    /// match the `full` value.
    pub scope_regex_anchor: ScopeRegexAnchor,
    /// What the scoping operators `&` and `!&` mean: `refuse` to guess (the object is
    /// undetermined and nothing is sent, default), `reverse-contains`, `bitwise-and`.
    pub scope_ampersand: ScopeAmpersand,
}

/// REGEX MATCH in scoping filters (docs/mapping.md#scoping-filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeRegexAnchor {
    /// Anywhere in the value, as .NET's `Regex.IsMatch` (default).
    #[default]
    Search,
    /// The whole value.
    Full,
}

/// The scoping operators `&` and `!&`, documented only as "exists in" (docs/mapping.md#scoping-filters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeAmpersand {
    /// Do not guess: the object is undetermined, nothing is sent, a warning says why (default).
    #[default]
    Refuse,
    /// `&`: the clause value contains the attribute's value.
    ReverseContains,
    /// `&`: the integers share a bit.
    BitwiseAnd,
}

impl Default for DialectOptions {
    fn default() -> Self {
        DialectOptions {
            dialect: Dialect::default(),
            function_name_case: NameCase::default(),
            unknown_escape: UnknownEscape::default(),
            allow_cloud_sync_extensions: false,
            attribute_name_case: AttributeNameCase::default(),
            iif_null: IifNull::default(),
            switch_null_matches_empty_key: true,
            join_skip_empty: JoinSkip::default(),
            null_propagation: NullPropagation::default(),
            b2b_upn_rewrite: true,
            scope_regex_anchor: ScopeRegexAnchor::default(),
            scope_ampersand: ScopeAmpersand::default(),
        }
    }
}

/// Limits on input size and work (docs/language.md#limits).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Longest accepted expression, in characters (Entra's limit: 10,000).
    pub max_expression_length: usize,
    /// Deepest accepted nesting of calls or brackets; deeper input is rejected before parsing,
    /// so no input can exhaust the stack.
    pub max_nesting_depth: usize,
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
    /// Most steps one evaluation may take: a step a function call, and a regular expression
    /// its text's length (times how far one attempt may scan, for look-around and
    /// back-references). Default 50,000,000 (docs/language.md#limits).
    pub max_eval_steps: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_expression_length: 10_000,
            max_nesting_depth: 100,
            regex_backtrack_limit: 1_000_000,
            max_string_length: 1 << 20,
            max_arguments: 5_000,
            regex_size_limit: 2 << 20,
            max_line_bytes: 1 << 20,
            max_values: 10_000,
            max_eval_steps: 50_000_000,
        }
    }
}

/// What an offline run stands in for: the clock, randomness, the tenant's domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunOptions {
    /// The clock for Now() and date defaults: RFC 3339 (`2021-08-25T17:41:18Z`) or a date
    /// (`2025-07-30`). Unset: the system clock.
    pub now: Option<String>,
    /// Seed for Guid() and RandomString(). Unset: the operating system's random source.
    pub rng_seed: Option<u64>,
    /// What DefaultDomain() returns. Default `contoso.com`.
    pub default_domain: String,
    /// Cloud Sync placeholders (`%DomainFQDN%` in an expression) and their values. Default
    /// `{"DomainFQDN": "contoso.com", "DomainNetBios": "CONTOSO"}`.
    pub placeholders: std::collections::BTreeMap<String, String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            now: None,
            rng_seed: None,
            default_domain: "contoso.com".to_string(),
            placeholders: [
                ("DomainFQDN".to_string(), "contoso.com".to_string()),
                ("DomainNetBios".to_string(), "CONTOSO".to_string()),
            ]
            .into(),
        }
    }
}

/// What `map` writes (docs/mapping.md).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScimOptions {
    /// PATCH dialect. Default `legacy-scim`.
    pub patch_mode: PatchMode,
    /// Mark the work address `primary` on create, as emails are. Default false.
    pub emit_primary_on_work_address: bool,
    /// Country values in SCIM addresses. Default `validate`.
    pub country_resolution: CountryResolution,
    /// Prefix of the ids `map` gives created objects (`c42-` → `c42-user-0001`), standing in
    /// for the ids the app would return. Default empty.
    pub id_prefix: String,
}

impl Options {
    /// Options from a JSON object of flat keys (an `--options` file). Unknown keys are an
    /// error, as on the command line.
    pub fn from_json(text: &str) -> Result<Options, OptionsError> {
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text).map_err(|e| OptionsError::Invalid(e.to_string()))?;
        Options::default().with_changes(map)
    }

    /// Apply `key=value` settings on top of these options. The value is read as JSON when it
    /// parses as JSON (`true`, `12`), otherwise as a string (`strict`).
    pub fn with_settings<'a>(
        &self,
        settings: impl IntoIterator<Item = &'a str>,
    ) -> Result<Options, OptionsError> {
        let mut changes = serde_json::Map::new();
        for setting in settings {
            let (key, value) = setting
                .split_once('=')
                .ok_or_else(|| OptionsError::Malformed(setting.to_string()))?;
            let value = serde_json::from_str(value.trim())
                .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
            changes.insert(key.trim().replace('-', "_"), value);
        }
        self.with_changes(changes)
    }

    /// These options with `changes` (flat keys, as in an options file) applied; every key must
    /// be known.
    pub fn with_changes(
        &self,
        mut changes: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Options, OptionsError> {
        // A dialect brings its defaults, unless they are given too.
        let dialect = changes
            .get("dialect")
            .cloned()
            .map(serde_json::from_value::<Dialect>)
            .transpose()
            .map_err(|e| OptionsError::Invalid(format!("dialect: {e}")))?;
        if let Some(dialect) = dialect {
            for (key, value) in dialect.defaults() {
                if !changes.contains_key(*key) {
                    let value = serde_json::from_str(value)
                        .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
                    changes.insert(key.to_string(), value);
                }
            }
        }
        let mut given = self.given.clone();
        given.extend(changes.keys().cloned());
        let mut map = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => {
                return Err(OptionsError::Invalid(
                    "options could not be represented as JSON".into(),
                ));
            }
        };
        for (key, value) in changes {
            if !map.contains_key(&key) {
                let known: Vec<&str> = map.keys().map(String::as_str).collect();
                return Err(OptionsError::Unknown {
                    key,
                    known: known.join(", "),
                });
            }
            map.insert(key, value);
        }
        let mut options: Options = serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| OptionsError::Invalid(e.to_string()))?;
        options.given = given;
        Ok(options)
    }

    /// These options for a mapping set written for `dialect` (a Cloud Sync schema says so by
    /// its directories, docs/mapping.md#which-service-a-schema-is-for): the dialect and the
    /// defaults it brings, except where a dialect or those keys were given explicitly.
    pub fn for_dialect(&self, dialect: Option<Dialect>) -> std::borrow::Cow<'_, Options> {
        use std::borrow::Cow;
        let Some(dialect) = dialect else {
            return Cow::Borrowed(self);
        };
        if self.given.contains("dialect") || self.dialect.dialect == dialect {
            return Cow::Borrowed(self);
        }
        // The dialect with its defaults, keeping the values of those keys given explicitly.
        let current = serde_json::to_value(self).unwrap_or_default();
        let mut changes = serde_json::Map::new();
        changes.insert("dialect".into(), serde_json::json!(dialect));
        for (key, _) in dialect.defaults() {
            if let Some(value) = current.get(*key).filter(|_| self.given.contains(*key)) {
                changes.insert(key.to_string(), value.clone());
            }
        }
        let Ok(mut out) = self.with_changes(changes) else {
            return Cow::Borrowed(self);
        };
        out.given = self.given.clone();
        Cow::Owned(out)
    }

    /// The clock for Now(): the `now` option, else the system clock.
    pub fn clock(&self) -> Result<NaiveDateTime, OptionsError> {
        match &self.run.now {
            Some(text) => parse_clock(text),
            None => Ok(chrono::Utc::now().naive_utc()),
        }
    }
}

/// `2021-08-25T17:41:18Z`, `2021-08-25T17:41:18+02:00`, `2021-08-25 17:41:18` or `2021-08-25`.
pub fn parse_clock(text: &str) -> Result<NaiveDateTime, OptionsError> {
    let t = text.trim();
    if let Ok(dt) = chrono::DateTime::parse_from_rfc3339(t) {
        return Ok(dt.naive_utc());
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(dt);
        }
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(|d| d.and_time(chrono::NaiveTime::MIN))
        .map_err(|_| OptionsError::Clock(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::{Options, OptionsError};

    #[test]
    fn settings_apply_and_fail_with_typed_errors() -> Result<(), OptionsError> {
        let options = Options::default().with_settings(["rng-seed=7", "id_prefix=t-"])?;
        assert_eq!(options.run.rng_seed, Some(7));
        assert_eq!(options.scim.id_prefix, "t-");

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
    fn a_dialect_brings_its_defaults_unless_they_are_given() -> Result<(), OptionsError> {
        use super::{Dialect, IifNull};
        let cloud = Options::default().with_settings(["dialect=cloud-sync"])?;
        assert_eq!(cloud.dialect.dialect, Dialect::CloudSync);
        assert_eq!(cloud.dialect.iif_null, IifNull::Lazy);
        assert!(cloud.dialect.allow_cloud_sync_extensions);
        let strict = Options::default().with_settings(["iif_null=strict", "dialect=cloud-sync"])?;
        assert_eq!(strict.dialect.iif_null, IifNull::Strict);
        let back = cloud.with_settings(["dialect=provisioning"])?;
        assert_eq!(back.dialect, Options::default().dialect);
        Ok(())
    }

    #[test]
    fn a_mapping_sets_dialect_gives_way_to_explicit_keys() -> Result<(), OptionsError> {
        use super::{Dialect, IifNull};
        let plain = Options::default();
        let cloud = plain.for_dialect(Some(Dialect::CloudSync));
        assert_eq!(cloud.dialect.dialect, Dialect::CloudSync);
        assert_eq!(cloud.dialect.iif_null, IifNull::Lazy);
        assert!(cloud.dialect.allow_cloud_sync_extensions);
        assert_eq!(*plain.for_dialect(None), plain);
        // A dialect given explicitly wins; so does one of the keys a dialect brings.
        let named = Options::default().with_settings(["dialect=provisioning"])?;
        assert_eq!(*named.for_dialect(Some(Dialect::CloudSync)), named);
        let strict = Options::default().with_settings(["iif_null=strict"])?;
        let mixed = strict.for_dialect(Some(Dialect::CloudSync));
        assert_eq!(mixed.dialect.iif_null, IifNull::Strict);
        assert!(mixed.dialect.allow_cloud_sync_extensions);
        Ok(())
    }

    #[test]
    fn a_bad_clock_is_an_options_error() {
        let mut options = Options::default();
        options.run.now = Some("yesterday".into());
        let error = options.clock().err();
        assert_eq!(error, Some(OptionsError::Clock("yesterday".into())));
    }
}
