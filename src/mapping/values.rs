//! What each target attribute of an object mapping comes to for one record, evaluated one
//! mapping at a time: `entramap test`'s attribute cases and the workbench's mapping view
//! (`entramap serve`). A default fills in for Null only; a dropped value
//! (IgnoreFlowIfNullOrEmpty) sends nothing, as `map` does.

use serde_json::Value as Json;

use crate::eval::Env;
use crate::eval::value::Value;
use crate::expression::Expression;
use crate::mapping::ObjectMapping;
use crate::options::Options;

/// One target attribute and what flows into it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttributeValue {
    /// The target attribute (`userName`, `addresses[type eq "work"].country`).
    pub target: String,
    /// The mapping's source as expression text, when it has one.
    pub source: Option<String>,
    /// What flows.
    #[serde(flatten)]
    pub flow: Flows,
}

/// What flows into a target attribute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase", tag = "flows", content = "values")]
pub enum Flows {
    /// These values (one, or several for a multi-valued result), as text.
    Values(Vec<String>),
    /// Nothing: Null without a default, or a dropped value.
    Nothing,
    /// Evaluation failed with this error code.
    Error(String),
}

/// Every mapping of `object` evaluated for `record`, in the mapping's order.
pub fn attribute_values(
    object: &ObjectMapping,
    record: &Json,
    options: &Options,
    env: &mut Env<'_>,
) -> Vec<AttributeValue> {
    object
        .mappings
        .iter()
        .map(|mapping| {
            let source = mapping.source_text();
            let flow = match &source {
                None => Flows::Nothing,
                Some(text) => match Expression::compile(text, options)
                    .map_err(|e| e.to_string())
                    .and_then(|expr| expr.eval_json(record, env).map_err(|e| e.code.to_string()))
                {
                    Ok(Value::Null) => match &mapping.default {
                        Some(default) => Flows::Values(vec![default.clone()]),
                        None => Flows::Nothing,
                    },
                    Ok(Value::Drop) => Flows::Nothing,
                    Ok(v) => Flows::Values(v.texts()),
                    Err(code) => Flows::Error(code),
                },
            };
            AttributeValue {
                target: mapping.target.clone(),
                source,
                flow,
            }
        })
        .collect()
}
