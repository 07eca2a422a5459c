//! Target attribute paths (docs/mapping.md#target-paths): `userName`, `name.givenName`,
//! `emails[type eq "work"].value`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department`.

use std::fmt;

/// A parsed target attribute path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetPath {
    /// A top-level attribute.
    Simple(String),
    /// `attr.sub`.
    Sub(String, String),
    /// `attr[filterAttr eq "value"].sub`: the element of a multi-valued attribute whose
    /// `filterAttr` equals `value`.
    Filtered {
        /// `emails`
        attr: String,
        /// `type` (or `primary`)
        filter_attr: String,
        /// `work`
        filter_value: String,
        /// `value`; `None` for `roles[primary eq "True"]` as a whole.
        sub: Option<String>,
    },
    /// An extension schema attribute: the URN is everything before the last `:`.
    Extension {
        /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
        urn: String,
        /// `department`
        attr: String,
    },
}

/// Sub-attributes RFC 7643 spells in camelCase; Entra's docs sometimes capitalise them.
const KNOWN_SUBS: &[&str] = &[
    "value",
    "display",
    "type",
    "primary",
    "formatted",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "$ref",
];

/// The RFC spelling of a known sub-attribute (`Formatted` → `formatted`), else as written.
fn rfc_sub(sub: &str) -> String {
    KNOWN_SUBS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(sub))
        .map_or_else(|| sub.to_string(), |k| k.to_string())
}

/// A target attribute that is not a SCIM path entramap can write, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathError(pub String);

impl TargetPath {
    /// Parse a target attribute name.
    pub fn parse(text: &str) -> Result<TargetPath, PathError> {
        Self::parse_text(text).map_err(PathError)
    }

    fn parse_text(text: &str) -> Result<TargetPath, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("the target attribute is empty".into());
        }
        // `get`, not `[..4]`: the fourth byte may be inside a character (found by fuzzing).
        if t.len() > 4 && t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("urn:")) {
            let (urn, attr) = t
                .rsplit_once(':')
                .ok_or("an extension attribute needs `urn:...:Attribute`")?;
            if attr.is_empty() || urn.len() <= 4 {
                return Err(format!("`{t}` has no attribute after the schema URN"));
            }
            return Ok(TargetPath::Extension {
                urn: urn.to_string(),
                attr: attr.to_string(),
            });
        }
        if let Some(open) = t.find('[') {
            let close = t
                .find(']')
                .ok_or_else(|| format!("`{t}` has `[` without `]`"))?;
            if close < open {
                return Err(format!("`{t}` has `]` before `[`"));
            }
            let attr = &t[..open];
            let filter = &t[open + 1..close];
            let mut parts = filter.splitn(3, ' ').map(str::trim);
            let (Some(filter_attr), Some(op), Some(value)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "the filter `[{filter}]` should look like [type eq \"work\"]"
                ));
            };
            if !op.eq_ignore_ascii_case("eq") {
                return Err(format!(
                    "the filter `[{filter}]` uses `{op}`; target paths only support `eq`"
                ));
            }
            let value = value.trim().trim_matches('"').to_string();
            let rest = &t[close + 1..];
            let sub = match rest.strip_prefix('.') {
                Some(s) if !s.is_empty() => Some(rfc_sub(s)),
                None if rest.is_empty() => None,
                _ => return Err(format!("`{t}`: expected `.subAttribute` after the filter")),
            };
            if attr.is_empty() {
                return Err(format!("`{t}` has no attribute before the filter"));
            }
            return Ok(TargetPath::Filtered {
                attr: attr.to_string(),
                filter_attr: filter_attr.to_string(),
                filter_value: value,
                sub,
            });
        }
        if let Some((attr, sub)) = t.split_once('.') {
            if attr.is_empty() || sub.is_empty() || sub.contains('.') {
                return Err(format!("`{t}` should be attribute.subAttribute"));
            }
            return Ok(TargetPath::Sub(attr.to_string(), rfc_sub(sub)));
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '-')
        {
            return Err(format!("`{t}` is not a SCIM attribute name"));
        }
        Ok(TargetPath::Simple(t.to_string()))
    }

    /// Is this a filtered multi-valued path (`emails[type eq "work"].value`)?
    pub fn is_filtered(&self) -> bool {
        matches!(self, TargetPath::Filtered { .. })
    }

    /// The top-level key this path writes under (`emails`, `name`, the URN).
    pub fn top(&self) -> &str {
        match self {
            TargetPath::Simple(a) | TargetPath::Sub(a, _) => a,
            TargetPath::Filtered { attr, .. } => attr,
            TargetPath::Extension { urn, .. } => urn,
        }
    }

    /// Is this `addresses[...].country` (checked against ISO 3166 alpha-2)?
    pub fn is_address_country(&self) -> bool {
        matches!(self, TargetPath::Filtered { attr, sub: Some(sub), .. } if attr.eq_ignore_ascii_case("addresses") && sub == "country")
    }

    /// Does the path ask for a `display` sub-attribute (`roles[primary eq "True"].display`)?
    /// SingleAppRoleAssignment sends the role's display name there, its value elsewhere.
    pub fn is_display(&self) -> bool {
        matches!(self, TargetPath::Sub(_, sub) | TargetPath::Filtered { sub: Some(sub), .. } if sub == "display")
    }
}

impl fmt::Display for TargetPath {
    /// The path as a SCIM PATCH `path` (and as written in the mapping).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetPath::Simple(a) => f.write_str(a),
            TargetPath::Sub(a, s) => write!(f, "{a}.{s}"),
            TargetPath::Filtered {
                attr,
                filter_attr,
                filter_value,
                sub,
            } => {
                write!(f, "{attr}[{filter_attr} eq \"{filter_value}\"]")?;
                match sub {
                    Some(s) => write!(f, ".{s}"),
                    None => Ok(()),
                }
            }
            TargetPath::Extension { urn, attr } => write!(f, "{urn}:{attr}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `mapping` fuzz target: a character straddling the fourth byte.
    #[test]
    fn a_wide_character_near_the_start_is_an_attribute_not_a_panic() {
        let path =
            TargetPath::parse("ur\u{feff}etf:params:scim:schemas:extension:enterprise:2.0:User:x");
        assert!(!matches!(path, Ok(TargetPath::Extension { .. })));
    }

    #[test]
    fn forms() {
        assert_eq!(
            TargetPath::parse("userName").unwrap(),
            TargetPath::Simple("userName".into())
        );
        assert_eq!(
            TargetPath::parse("name.givenName").unwrap(),
            TargetPath::Sub("name".into(), "givenName".into())
        );
        let p = TargetPath::parse("addresses[type eq \"other\"].Formatted").unwrap();
        assert_eq!(p.to_string(), "addresses[type eq \"other\"].formatted");
        assert!(
            TargetPath::parse("addresses[type eq \"work\"].country")
                .unwrap()
                .is_address_country()
        );
        let p = TargetPath::parse(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        )
        .unwrap();
        assert_eq!(
            p.top(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        );
        assert_eq!(
            TargetPath::parse("roles[primary eq \"True\"].value")
                .unwrap()
                .to_string(),
            "roles[primary eq \"True\"].value"
        );
        for bad in [
            "",
            "emails[type ne \"work\"].value",
            "emails[type eq \"work\"",
            "a..b",
            "urn:x",
            "user name",
        ] {
            assert!(TargetPath::parse(bad).is_err(), "{bad}");
        }
    }
}
