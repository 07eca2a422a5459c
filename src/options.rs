//! The dialect knobs of SPEC §0.3: every DECISION the spec leaves open is a field here, with
//! the spec's default. The library, the CLI (`--option key=value`, `--options FILE`) and the
//! tests share this one struct.

use serde::{Deserialize, Serialize};

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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            function_name_case: NameCase::default(),
            unknown_escape: UnknownEscape::default(),
            allow_cloud_sync_extensions: false,
            max_expression_length: 10_000,
            max_nesting_depth: 100,
        }
    }
}

impl Options {
    /// Apply `key=value` settings on top of these options. The value is read as JSON when it
    /// parses as JSON (`true`, `12`), otherwise as a string (`strict`).
    pub fn with_settings<'a>(
        &self,
        settings: impl IntoIterator<Item = &'a str>,
    ) -> Result<Options, String> {
        let mut map = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => return Err("options could not be represented as JSON".into()),
        };
        for setting in settings {
            let (key, value) = setting
                .split_once('=')
                .ok_or_else(|| format!("option `{setting}` should look like key=value"))?;
            let key = key.trim().replace('-', "_");
            if !map.contains_key(&key) {
                let known: Vec<&str> = map.keys().map(String::as_str).collect();
                return Err(format!(
                    "unknown option `{key}`; known options: {}",
                    known.join(", ")
                ));
            }
            let value = serde_json::from_str(value.trim())
                .unwrap_or_else(|_| serde_json::Value::String(value.trim().to_string()));
            map.insert(key, value);
        }
        serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| format!("bad option: {e}"))
    }
}
