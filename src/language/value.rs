//! The one public value (docs/values.md): what an expression or an attribute mapping gives, as
//! the library, the workbench's JSON, `entramap eval --format json` and `entramap test` show
//! it. Evaluation's own value ((`eval::value::Value`, internal)) borrows from the record and
//! carries references and role lists; this one owns its text and says why nothing flows.

use std::fmt;

use serde::Serialize;

use crate::eval::value::Value as Evaluated;

/// A value as the library hands it out.
///
/// Serialized with its type: `{"type":"text","value":"DE"}`, `{"type":"boolean","value":false}`,
/// `{"type":"nothing","value":"null"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// Text.
    Text(String),
    /// Several texts: a multi-valued result (emails, proxyAddresses, app roles).
    List(Vec<String>),
    /// `True` or `False`.
    Boolean(bool),
    /// A whole number.
    Integer(i64),
    /// A date and time, written as Entra writes one (`3/7/2026 2:05:09 PM`).
    Date(String),
    /// Nothing flows, and why.
    Nothing(Nothing),
}

/// Why nothing flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Nothing {
    /// The result is Null: a default value, where the mapping has one, is sent instead (on
    /// create).
    Null,
    /// IgnoreFlowIfNullOrEmpty dropped it: nothing is sent, not even a default value.
    Dropped,
}

impl Value {
    /// The value of an evaluation.
    pub(crate) fn from_evaluated(value: &Evaluated<'_>) -> Value {
        match value {
            Evaluated::Null => Value::Nothing(Nothing::Null),
            Evaluated::Drop => Value::Nothing(Nothing::Dropped),
            Evaluated::Bool(b) => Value::Boolean(*b),
            Evaluated::Int(i) => Value::Integer(*i),
            Evaluated::Date(d) => Value::Date(d.to_string()),
            Evaluated::Multi(_) | Evaluated::Roles(_) => Value::List(value.texts()),
            Evaluated::Str(_) | Evaluated::Ref(_) | Evaluated::Role(_) => {
                Value::Text(value.text().map(|t| t.into_owned()).unwrap_or_default())
            }
        }
    }

    /// The value a request's JSON holds (`null` is nothing).
    pub(crate) fn from_json(value: &serde_json::Value) -> Value {
        use serde_json::Value as Json;
        match value {
            Json::Null => Value::Nothing(Nothing::Null),
            Json::Bool(b) => Value::Boolean(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Integer(i),
                None => Value::Text(n.to_string()),
            },
            Json::String(s) => Value::Text(s.clone()),
            Json::Array(items) => Value::List(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect(),
            ),
            Json::Object(_) => Value::Text(value.to_string()),
        }
    }

    /// Whether something flows.
    pub fn flows(&self) -> bool {
        !matches!(self, Value::Nothing(_))
    }

    /// The texts a target attribute receives, as `entramap test` compares them: one for a
    /// single value (`True`/`False` for a Boolean), each of a list, none when nothing flows.
    pub fn texts(&self) -> Vec<String> {
        match self {
            Value::Text(t) | Value::Date(t) => vec![t.clone()],
            Value::List(items) => items.clone(),
            Value::Boolean(b) => vec![if *b { "True" } else { "False" }.to_string()],
            Value::Integer(i) => vec![i.to_string()],
            Value::Nothing(_) => Vec::new(),
        }
    }
}

impl From<&serde_json::Value> for Value {
    fn from(value: &serde_json::Value) -> Value {
        Value::from_json(value)
    }
}

/// As `entramap eval` prints it: the text, `["a", "b"]` for a list, `Null` or `Drop` when
/// nothing flows.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(t) | Value::Date(t) => f.write_str(t),
            Value::Boolean(b) => f.write_str(if *b { "True" } else { "False" }),
            Value::Integer(i) => write!(f, "{i}"),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(|t| format!("{t:?}")).collect();
                write!(f, "[{}]", items.join(", "))
            }
            Value::Nothing(Nothing::Null) => f.write_str("Null"),
            Value::Nothing(Nothing::Dropped) => f.write_str("Drop"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_value_is_serialized_with_its_type() {
        let cases = [
            (Value::Text("DE".into()), r#"{"type":"text","value":"DE"}"#),
            (
                Value::List(vec!["a".into(), "b".into()]),
                r#"{"type":"list","value":["a","b"]}"#,
            ),
            (Value::Boolean(false), r#"{"type":"boolean","value":false}"#),
            (Value::Integer(7), r#"{"type":"integer","value":7}"#),
            (
                Value::Nothing(Nothing::Dropped),
                r#"{"type":"nothing","value":"dropped"}"#,
            ),
        ];
        for (value, json) in cases {
            assert_eq!(serde_json::to_string(&value).unwrap(), json);
        }
        // Null is not the text "Null".
        assert_ne!(
            Value::Nothing(Nothing::Null),
            Value::Text("Null".to_string())
        );
        assert_eq!(Value::Boolean(true).texts(), ["True"]);
        assert!(Value::Nothing(Nothing::Null).texts().is_empty());
    }
}
