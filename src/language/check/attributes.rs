//! The source attributes Entra's provisioning service reads from users and groups — the
//! legacy Azure AD Graph names its schema uses (docs/mapping.md#source-attributes). `check`
//! warns when an expression names one of these but misspells it, so `[userPrincipleName]`
//! does not quietly evaluate to Null. Other names (Workday, SuccessFactors, directory
//! extensions) are not judged.

/// Users' source attributes.
pub(super) const USER: &[&str] = &[
    "accountEnabled",
    "ageGroup",
    "appRoleAssignments",
    "city",
    "companyName",
    "consentProvidedForMinor",
    "country",
    "createdDateTime",
    "deletionTimestamp",
    "department",
    "dirSyncEnabled",
    "displayName",
    "employeeHireDate",
    "employeeId",
    "employeeLeaveDateTime",
    "employeeOrgData.costCenter",
    "employeeOrgData.division",
    "employeeType",
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
    "facsimileTelephoneNumber",
    "givenName",
    "immutableId",
    "IsSoftDeleted",
    "jobTitle",
    "lastDirSyncTime",
    "legalAgeGroupClassification",
    "mail",
    "mailNickname",
    "manager",
    "mobile",
    "objectId",
    "onPremisesDistinguishedName",
    "onPremisesDomainName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "onPremisesUserPrincipalName",
    "otherMails",
    "passwordPolicies",
    "physicalDeliveryOfficeName",
    "postalCode",
    "preferredDataLocation",
    "preferredLanguage",
    "proxyAddresses",
    "refreshTokensValidFromDateTime",
    "showInAddressList",
    "sipProxyAddress",
    "state",
    "streetAddress",
    "surname",
    "telephoneNumber",
    "usageLocation",
    "userIdentities",
    "userPrincipalName",
    "userState",
    "userStateChangedOn",
    "userType",
];

/// Groups' source attributes.
pub(super) const GROUP: &[&str] = &[
    "appRoleAssignments",
    "description",
    "dirSyncEnabled",
    "displayName",
    "groupTypes",
    "IsSoftDeleted",
    "mail",
    "mailEnabled",
    "mailNickname",
    "members",
    "objectId",
    "onPremisesDomainName",
    "onPremisesSamAccountName",
    "onPremisesSecurityIdentifier",
    "proxyAddresses",
    "securityEnabled",
    "visibility",
];

/// The documented name `name` misspells, if it is not itself one (ignoring case) and one is
/// within two edits (one for names under eight letters).
pub(super) fn misspelling_of(name: &str) -> Option<&'static str> {
    let known = USER.iter().chain(GROUP);
    if known.clone().any(|k| k.eq_ignore_ascii_case(name)) || name.starts_with("extension_") {
        return None;
    }
    let limit = if name.chars().count() < 8 { 1 } else { 2 };
    crate::diagnostic::suggest::nearest(name, known.copied(), limit)
}

#[cfg(test)]
mod tests {
    use super::misspelling_of;

    #[test]
    fn misspellings_and_not() {
        assert_eq!(
            misspelling_of("userPrincipleName"),
            Some("userPrincipalName")
        );
        assert_eq!(misspelling_of("surName"), None, "case only");
        assert_eq!(misspelling_of("jobTitel"), Some("jobTitle"));
        assert_eq!(misspelling_of("BusinessTitle"), None, "Workday, not judged");
        assert_eq!(misspelling_of("extension_9d98_costCenter"), None);
    }
}
