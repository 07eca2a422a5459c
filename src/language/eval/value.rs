//! Runtime values (docs/language.md#values) and their text forms. Null (no value) and `""` (empty) are
//! different values; `Drop` is IgnoreFlowIfNullOrEmpty's "do not flow" marker (docs/language.md#ignoreflowifnullorempty-and-drop).

use std::borrow::Cow;
use std::fmt;

use chrono::{Datelike, NaiveDateTime, Timelike};

/// A value during evaluation. Text borrows from the source record or the compiled expression
/// where it can (`'a`), so reading an attribute does not copy it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// No value: absent attribute, JSON null, empty array, or a function result with no value.
    Null,
    /// Text.
    Str(Cow<'a, str>),
    /// `True` / `False`.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A date and time.
    Date(Date),
    /// Several values (never empty: an empty list is Null).
    Multi(Vec<Value<'a>>),
    /// A reference to another object (manager, group member).
    Ref(Reference<'a>),
    /// App role assignments.
    Roles(Vec<Role<'a>>),
    /// One app role assignment (SingleAppRoleAssignment): text as its `value`; a mapping to a
    /// `.display` target sends its display name (docs/functions.md#singleapproleassignment).
    Role(Box<Role<'a>>),
    /// IgnoreFlowIfNullOrEmpty's marker: the mapping contributes nothing (not even its default).
    Drop,
}

/// What a parsed date said about its zone; decides what .NET's `K` and `z` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateKind {
    /// No zone information: printed as is.
    Unspecified,
    /// Known to be UTC (`Z`, CDate, Now).
    Utc,
    /// Parsed with a numeric offset and converted to UTC (a "local" time on a UTC host).
    Local,
}

/// A date and time with 100-nanosecond precision, always in UTC (docs/language.md#conventions: the host zone is UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// The instant (wall clock for `Unspecified`).
    pub at: NaiveDateTime,
    /// Zone information.
    pub kind: DateKind,
}

/// A reference-typed value: the source object's id and, if known, its id in the target app.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference<'a> {
    /// The Entra objectId.
    pub object_id: Cow<'a, str>,
    /// The id the target app gave the referenced object, when it has been provisioned.
    pub target_id: Option<Cow<'a, str>>,
}

/// One app role assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Role<'a> {
    /// The role's id.
    pub id: Cow<'a, str>,
    /// The role's value.
    pub value: Cow<'a, str>,
    /// The role's display name.
    pub display_name: Cow<'a, str>,
}

impl Role<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Role<'static> {
        Role {
            id: Cow::Owned(self.id.into_owned()),
            value: Cow::Owned(self.value.into_owned()),
            display_name: Cow::Owned(self.display_name.into_owned()),
        }
    }
}

impl<'a> Value<'a> {
    /// Text value from anything string-like.
    pub fn str(s: impl Into<Cow<'a, str>>) -> Value<'a> {
        Value::Str(s.into())
    }

    /// Is this Null?
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Null or `""` (IsNullOrEmpty).
    pub fn is_null_or_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            Value::Role(role) => role.value.is_empty(),
            _ => false,
        }
    }

    /// The single-value text form (docs/functions.md#all-functions CStr): `True`, `1000`, `3/16/2020 7:00:00 AM`, a
    /// reference's target id. `None` for Null, Drop and several values.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        Some(match self {
            Value::Str(s) => Cow::Borrowed(s.as_ref()),
            Value::Bool(b) => Cow::Borrowed(bool_text(*b)),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Date(d) => Cow::Owned(d.to_string()),
            Value::Ref(r) => Cow::Borrowed(r.target_id.as_deref().unwrap_or(&r.object_id)),
            Value::Roles(roles) if roles.len() == 1 => {
                Cow::Borrowed(roles.first().map_or("", |r| r.value.as_ref()))
            }
            Value::Role(role) => Cow::Borrowed(role.value.as_ref()),
            Value::Null | Value::Drop | Value::Multi(_) | Value::Roles(_) => return None,
        })
    }

    /// Every value as text, flattening several values (Join, Graph's evaluationResult).
    pub fn texts(&self) -> Vec<String> {
        match self {
            Value::Multi(values) => values.iter().flat_map(Value::texts).collect(),
            Value::Roles(roles) => roles.iter().map(|r| r.value.to_string()).collect(),
            other => other.text().map(|t| t.into_owned()).into_iter().collect(),
        }
    }

    /// A copy that owns all its text (for values kept beyond the source record).
    pub fn into_owned(self) -> Value<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        match self {
            Value::Null => Value::Null,
            Value::Drop => Value::Drop,
            Value::Str(s) => Value::Str(own(s)),
            Value::Bool(b) => Value::Bool(b),
            Value::Int(i) => Value::Int(i),
            Value::Date(d) => Value::Date(d),
            Value::Multi(v) => Value::Multi(v.into_iter().map(Value::into_owned).collect()),
            Value::Ref(r) => Value::Ref(Reference {
                object_id: own(r.object_id),
                target_id: r.target_id.map(own),
            }),
            Value::Roles(v) => Value::Roles(v.into_iter().map(Role::into_owned).collect()),
            Value::Role(r) => Value::Role(Box::new(r.into_owned())),
        }
    }

    /// A short name of the value's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Str(_) => "text",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "integer",
            Value::Date(_) => "date",
            Value::Multi(_) => "multi-valued",
            Value::Ref(_) => "reference",
            Value::Roles(_) => "app role assignments",
            Value::Role(_) => "app role assignment",
            Value::Drop => "dropped",
        }
    }
}

/// `True` / `False`, as .NET's `Boolean.ToString()`.
pub fn bool_text(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// .NET `Boolean.Parse`: `true`/`false` in any case, surrounding white space ignored.
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("true") {
        Some(true)
    } else if t.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `M/d/yyyy h:mm:ss tt` with invariant `AM`/`PM` (docs/functions.md#dates-and-times).
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.at;
        let hour12 = match t.hour() % 12 {
            0 => 12,
            h => h,
        };
        let tt = if t.hour() < 12 { "AM" } else { "PM" };
        write!(
            f,
            "{}/{}/{:04} {}:{:02}:{:02} {}",
            t.month(),
            t.day(),
            t.year(),
            hour12,
            t.minute(),
            t.second(),
            tt
        )
    }
}

impl fmt::Display for Value<'_> {
    /// The value as `entramap eval` shows it: text, `[a, b]` for several values, `Null`, `Drop`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Drop => f.write_str("Drop"),
            Value::Multi(_) | Value::Roles(_) => {
                let texts = self.texts();
                write!(
                    f,
                    "[{}]",
                    texts
                        .iter()
                        .map(|t| format!("{t:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            other => f.write_str(other.text().as_deref().unwrap_or("")),
        }
    }
}
