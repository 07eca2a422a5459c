//! What each target attribute receives for one record (docs/values.md): the values `map`
//! sends on create, through the same evaluation (target-type conversion, country resolution,
//! scope, default values for Null). `entramap test`'s attribute cases, the workbench and the
//! library read them here, so they cannot disagree with `map`.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::{Map, Value as Json};

use super::{Computed, Engine, RecordError};
use crate::diagnostic::Code;
use crate::eval::Env;
use crate::scim::ResourceKind;
use crate::source::SlotSource;
use crate::value::{Nothing, Value};

/// One target attribute and what it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeValue {
    /// The target attribute (`userName`, `addresses[type eq "work"].country`).
    pub target: String,
    /// The mapping's source as expression text, when it has one.
    pub source: Option<String>,
    /// The value, or why the mapping failed (which fails the record in `map`).
    pub value: Result<Value, AttributeError>,
}

/// Why a mapping failed for a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeError {
    /// An evaluation error's code (`type-mismatch`, …), or `target-type` when the value does
    /// not convert to the target attribute's type.
    pub code: Code,
    /// What `map` reports for the record.
    pub message: String,
}

/// `{"target":…,"source":…,"value":{"type":…,"value":…}}`, or `"error":{"code":…,"message":…}`
/// in place of `value`.
impl Serialize for AttributeValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(Some(3))?;
        out.serialize_entry("target", &self.target)?;
        out.serialize_entry("source", &self.source)?;
        match &self.value {
            Ok(value) => out.serialize_entry("value", value)?,
            Err(error) => out.serialize_entry("error", error)?,
        }
        out.end()
    }
}

impl Engine {
    /// What each target attribute of the `kind` object mapping receives for `record` on
    /// create, in the mappings' order: what `map` sends, with a default value in place of
    /// Null. A manager or member reference shows the target id the record gives for it
    /// (`targetId`), else its objectId. Fails only when the mapping set has no `kind`
    /// mapping or the `now` option is not a time.
    pub fn values(
        &self,
        kind: ResourceKind,
        record: &Map<String, Json>,
    ) -> Result<Vec<AttributeValue>, RecordError> {
        let mut env = Env::new(&self.options)
            .map_err(|e| RecordError::new(kind, 1, Code::BadOption, e.to_string()))?;
        self.values_in(kind, record, &mut env)
    }

    /// [`Engine::values`] in `env`: its clock, seed, and the values SelectUniqueValue finds
    /// taken (`entramap test`'s `taken`).
    pub fn values_in(
        &self,
        kind: ResourceKind,
        record: &Map<String, Json>,
        env: &mut Env<'_>,
    ) -> Result<Vec<AttributeValue>, RecordError> {
        let Some(object) = self.object(kind) else {
            return Err(RecordError::new(
                kind,
                1,
                Code::NoObjectMapping,
                format!("the mapping set has no {kind} mapping"),
            ));
        };
        let record = self.projection.record_from_map(record);
        let source = SlotSource::new(&record, &self.projection, &self.options);
        let (facts, values) = self.evaluate(kind, 1, &source, env)?;
        let attributes = object
            .mappings
            .iter()
            .zip(values)
            .zip(&facts.references)
            .enumerate()
            .map(|(i, ((m, computed), references))| {
                let value = match (computed, references) {
                    (Computed::Failed(failure), _) => Err(AttributeError {
                        code: failure.code(),
                        message: self.reason(kind, i, &failure),
                    }),
                    (_, Some(references)) => {
                        let mut ids = references.iter().map(|r| {
                            r.target_id
                                .clone()
                                .unwrap_or_else(|| r.object_id.to_string())
                        });
                        Ok(match (m.def.multivalued, ids.next()) {
                            (_, None) => Value::Nothing(Nothing::Null),
                            (false, Some(id)) => Value::Text(id),
                            (true, Some(id)) => {
                                Value::List(std::iter::once(id).chain(ids).collect())
                            }
                        })
                    }
                    (Computed::Null, None) => Ok(m
                        .default
                        .as_ref()
                        .map_or(Value::Nothing(Nothing::Null), Value::from_json)),
                    (Computed::Drop, None) => Ok(Value::Nothing(Nothing::Dropped)),
                    (Computed::Text(text), None) => Ok(Value::Text(text.into_owned())),
                    (Computed::Json(json), None) => Ok(Value::from_json(&json)),
                };
                AttributeValue {
                    target: m.def.target.clone(),
                    source: m.def.source_text(),
                    value,
                }
            })
            .collect();
        Ok(attributes)
    }
}
