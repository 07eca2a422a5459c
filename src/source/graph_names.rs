//! Microsoft Graph property names → the provisioning service's source attribute names.
//!
//! Entra's provisioning service names source attributes as Azure AD Graph did (`objectId`,
//! `telephoneNumber`, `mobile`, ...), while Graph exports (`GET /users`, Graph Explorer,
//! `az ad user list`) use Microsoft Graph's names (`id`, `businessPhones`, `mobilePhone`, ...).
//! Microsoft's page "Property differences between Azure AD Graph and Microsoft Graph"
//! (microsoft-graph-docs, concepts/migrate-azure-ad-graph-property-differences.md) lists the
//! renamed properties; docs/mapping.md#graph-property-names has the table and what is inferred.
//! A record may use either name; the provisioning name wins when both are present.

/// How a Graph property's value becomes an attribute's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// The same value under another name.
    Same,
    /// The first element of an array (`businessPhones` → `telephoneNumber`).
    First,
    /// An object whose members are attributes (`onPremisesExtensionAttributes` →
    /// `extensionAttribute1`...`extensionAttribute15`).
    Members,
}

/// (Graph property, provisioning attribute, shape). A property may feed several attributes.
pub(super) const GRAPH_NAMES: &[(&str, &str, Shape)] = &[
    // directoryObject: objectId → id.
    ("id", "objectId", Shape::Same),
    ("deletedDateTime", "deletionTimestamp", Shape::Same),
    // user: the page's user table.
    ("businessPhones", "telephoneNumber", Shape::First),
    ("faxNumber", "facsimileTelephoneNumber", Shape::Same),
    ("mobilePhone", "mobile", Shape::Same),
    ("onPremisesImmutableId", "immutableId", Shape::Same),
    ("onPremisesSyncEnabled", "dirSyncEnabled", Shape::Same),
    ("onPremisesLastSyncDateTime", "lastDirSyncTime", Shape::Same),
    (
        "onPremisesLastSyncDateTime",
        "lastDirSyncDateTime",
        Shape::Same,
    ),
    ("externalUserState", "userState", Shape::Same),
    (
        "externalUserStateChangeDateTime",
        "userStateChangedOn",
        Shape::Same,
    ),
    (
        "signInSessionsValidFromDateTime",
        "refreshTokensValidFromDateTime",
        Shape::Same,
    ),
    ("identities", "userIdentities", Shape::Same),
    // Not in the page's user table, but renamed all the same (the page's contact table has
    // officeLocation; the provisioning schema keeps physicalDeliveryOfficeName).
    ("officeLocation", "physicalDeliveryOfficeName", Shape::Same),
    ("onPremisesExtensionAttributes", "", Shape::Members),
];

/// The attribute name for a CSV column header: the Entra admin center's "Download users"
/// writes attribute names (`userPrincipalName`, `objectId`); bulk templates write
/// `Label [attributeName]`; newer exports write labels. `None` for an empty header.
pub(super) fn csv_column(header: &str) -> Option<String> {
    let header = header.trim().trim_start_matches('\u{FEFF}').trim();
    if header.is_empty() {
        return None;
    }
    if let Some(open) = header.rfind('[')
        && let Some(inner) = header.get(open + 1..).and_then(|s| s.strip_suffix(']'))
        && !inner.trim().is_empty()
    {
        return Some(inner.trim().to_string());
    }
    let folded: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if let Some((_, name)) = CSV_LABELS.iter().find(|(label, _)| *label == folded) {
        return Some(name.to_string());
    }
    Some(camel_case(header))
}

/// `Employee hire date` → `employeeHireDate`, `City` → `city`; a name already in camel case
/// (`extensionAttribute3`, `IsSoftDeleted`) is kept.
fn camel_case(header: &str) -> String {
    let words: Vec<&str> = header.split_whitespace().collect();
    if let [word] = words.as_slice() {
        let mut chars = word.chars();
        let first = chars.next().map(|c| c.to_lowercase().to_string());
        let rest: String = chars.collect();
        if rest.chars().any(char::is_uppercase) {
            return word.to_string();
        }
        return first.unwrap_or_default() + &rest;
    }
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            if i == 0 {
                out.extend(first.to_lowercase());
            } else {
                out.extend(first.to_uppercase());
            }
            out.extend(chars.flat_map(char::to_lowercase));
        }
    }
    out
}

/// Column labels (lower case, letters and digits only) → attribute names.
const CSV_LABELS: &[(&str, &str)] = &[
    ("userprincipalname", "userPrincipalName"),
    ("username", "userPrincipalName"),
    ("displayname", "displayName"),
    ("name", "displayName"),
    ("objectid", "objectId"),
    ("id", "objectId"),
    ("firstname", "givenName"),
    ("givenname", "givenName"),
    ("lastname", "surname"),
    ("surname", "surname"),
    ("email", "mail"),
    ("mail", "mail"),
    ("jobtitle", "jobTitle"),
    ("department", "department"),
    ("accountenabled", "accountEnabled"),
    ("usagelocation", "usageLocation"),
    ("streetaddress", "streetAddress"),
    ("stateorprovince", "state"),
    ("countryorregion", "country"),
    ("office", "physicalDeliveryOfficeName"),
    ("officelocation", "physicalDeliveryOfficeName"),
    ("ziporpostalcode", "postalCode"),
    ("postalcode", "postalCode"),
    ("officephone", "telephoneNumber"),
    ("businessphone", "telephoneNumber"),
    ("mobilephone", "mobile"),
    ("faxnumber", "facsimileTelephoneNumber"),
    ("employeeid", "employeeId"),
    ("usertype", "userType"),
    ("companyname", "companyName"),
    ("manager", "manager"),
];
