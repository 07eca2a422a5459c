//! SCIM 2.0 output (docs/mapping.md#from-records-to-requests): request envelopes, create bodies in the canonical key order, and
//! PATCH messages in the modes Entra uses.

pub mod compare;
mod create;
pub mod patch;
pub mod path;
mod request;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

pub use create::{CreateLayout, Out};
use path::TargetPath;
pub use request::{
    Body, JsonText, Method, ObjectRef, Op, OpPath, OpValue, Query, Request, Resolve, SimulatedIds,
};

/// Core User schema URN.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Enterprise User extension URN.
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Core Group schema URN.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The second schema Entra lists on group creation (docs/mapping.md#create-bodies).
pub const AD_GROUP_SCHEMA: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
/// PatchOp message URN.
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// Kind of resource: a user or a group. Serialised (and shown) as the name of its object
/// mapping and input: `users`, `groups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum ResourceKind {
    /// `/Users`
    #[serde(rename = "users")]
    User,
    /// `/Groups`
    #[serde(rename = "groups")]
    Group,
}

impl ResourceKind {
    /// `users` or `groups`.
    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::User => "users",
            ResourceKind::Group => "groups",
        }
    }

    /// The SCIM endpoint: `/Users` or `/Groups`.
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "/Users",
            ResourceKind::Group => "/Groups",
        }
    }
}

impl std::fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.plural())
    }
}

/// The current value at `path` in a SCIM resource as the app returns it.
pub fn get_path<'r>(resource: &'r Json, path: &TargetPath) -> Option<&'r Json> {
    let found = match path {
        TargetPath::Simple(a) => get_ci(resource, a),
        TargetPath::Sub(a, s) => get_ci(resource, a).and_then(|o| get_ci(o, s)),
        TargetPath::Extension { urn, attr } => get_ci(resource, urn).and_then(|o| get_ci(o, attr)),
        TargetPath::Filtered {
            attr,
            filter_attr,
            filter_value,
            sub,
        } => {
            let element = get_ci(resource, attr)?.as_array()?.iter().find(|e| {
                get_ci(e, filter_attr).is_some_and(|v| match v {
                    Json::String(s) => s.eq_ignore_ascii_case(filter_value),
                    Json::Bool(b) => {
                        filter_value.eq_ignore_ascii_case(if *b { "true" } else { "false" })
                    }
                    _ => false,
                })
            })?;
            match sub {
                Some(s) => get_ci(element, s),
                None => Some(element),
            }
        }
    };
    found.filter(|v| !v.is_null())
}

/// SCIM attribute names are case-insensitive.
fn get_ci<'r>(obj: &'r Json, key: &str) -> Option<&'r Json> {
    let map = obj.as_object()?;
    map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}
