//! What the live service itself writes, read as the service reads it: a Cloud Sync schema
//! (its dialect from its directories, every object mapping kept and accounted for), and one
//! app role as one text (docs/mapping.md#which-service-a-schema-is-for,
//! docs/functions.md#singleapproleassignment).

mod common;
use common::run;

use entramap::mapping::graph_schema::{Service, SynchronizationSchema};

const CLOUD_SYNC: &str = "fixtures/schemas/cloud-sync-user.graph.json";

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn microsofts_default_cloud_sync_mappings_load_and_check_clean_without_a_dialect_flag() {
    let (code, out, err) = run(&["check", "-m", CLOUD_SYNC, "--format", "json"], b"");
    assert_eq!(code, 0, "{out}{err}");
    let report = json(&out);
    assert_eq!(report["errors"], 0, "{out}");
    assert_eq!(report["warnings"], 0, "{out}");
    assert_eq!(report["file_warnings"], serde_json::json!([]));
    assert_eq!(report["service"], "cloud-sync");
    assert_eq!(report["dialect"], "cloud-sync");
    let uses = report["object_mappings"].as_array().unwrap();
    assert_eq!(uses[0]["used_as"], "users");
    assert_eq!(uses[0]["name"], "Provision Active Directory users");
    assert_eq!(uses[1]["used_as"], serde_json::Value::Null);
    assert_eq!(uses[1]["target_object"], "SyncCredentialsChangeItem");
    assert_eq!(uses[1]["why_not"], "disabled; it names no source object");

    // The text report names the service and every object mapping's use.
    let (_, text, _) = run(&["check", "-m", CLOUD_SYNC], b"");
    assert!(text.contains("note: a Cloud Sync schema (its rule reads Active Directory → Microsoft Entra ID): read in the cloud-sync dialect"), "{text}");
    assert!(text.contains(r#"note: objectMappings[0] "Provision Active Directory users" (user → User): used for users"#), "{text}");
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
}

#[test]
fn a_dialect_flag_still_overrides_the_schemas_service() {
    let (code, out, _) = run(
        &[
            "check",
            "-m",
            CLOUD_SYNC,
            "--dialect",
            "provisioning",
            "--format",
            "json",
        ],
        b"",
    );
    assert_eq!(code, 1);
    let report = json(&out);
    assert!(report["errors"].as_u64().unwrap() > 0, "{out}");
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"cloud-sync-function"), "{codes:?}");
}

#[test]
fn the_service_is_told_by_the_rules_directories() {
    let cases = [
        (
            Some("Active Directory"),
            Some("Azure Active Directory"),
            Service::CloudSync,
        ),
        (
            Some("Active Directory"),
            Some("Microsoft Entra ID"),
            Service::CloudSync,
        ),
        (
            Some("Microsoft Entra ID"),
            Some("Active Directory"),
            Service::CloudSync,
        ),
        (
            Some("Azure Active Directory"),
            Some("customappsso"),
            Service::AppProvisioning,
        ),
        (
            Some("Azure Active Directory"),
            Some("salesforce.com"),
            Service::AppProvisioning,
        ),
        (Some("Workday"), Some("Active Directory"), Service::Inbound),
        (Some("API"), Some("Microsoft Entra ID"), Service::Inbound),
        (None, None, Service::AppProvisioning),
    ];
    for (source, target, service) in cases {
        assert_eq!(
            Service::of(source, target),
            service,
            "{source:?} → {target:?}"
        );
    }
}

#[test]
fn every_object_mapping_is_kept_and_the_one_used_is_said() {
    // A disabled user mapping first, then the enabled one, then a contact mapping and a
    // second enabled user mapping (which the service would run too: a warning).
    let schema = r#"{"synchronizationRules": [{"sourceDirectoryName": "Azure Active Directory",
      "targetDirectoryName": "app", "objectMappings": [
        {"name": "old users", "enabled": false, "sourceObjectName": "User", "targetObjectName": "User",
         "attributeMappings": [{"targetAttributeName": "userName", "matchingPriority": 1, "source": {"name": "mail", "type": "Attribute"}}]},
        {"name": "users", "enabled": true, "sourceObjectName": "User", "targetObjectName": "User",
         "attributeMappings": [{"targetAttributeName": "userName", "matchingPriority": 1, "source": {"name": "userPrincipalName", "type": "Attribute"}}]},
        {"name": "contacts", "enabled": true, "sourceObjectName": "contact", "targetObjectName": "Contact", "attributeMappings": []},
        {"name": "more users", "enabled": true, "sourceObjectName": "user", "targetObjectName": "User", "attributeMappings": []}]}]}"#;
    let env = entramap::Environment::new();
    let loaded = env.parse_mappings(schema, "app.json").unwrap();
    let users = loaded.set.users.as_ref().unwrap();
    assert_eq!(users.name, "users");
    assert_eq!(
        users.mappings[0].source.as_deref(),
        Some("userPrincipalName")
    );
    let unused: Vec<String> = loaded
        .unused_object_mappings()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        unused,
        [
            r#"objectMappings[0] "old users" (User → User): not used (disabled; objectMappings[1] is used for users)"#,
            r#"objectMappings[2] "contacts" (contact → Contact): not used (`contact` objects are not users or groups)"#,
            r#"objectMappings[3] "more users" (user → User): not used (objectMappings[1] is used for users)"#,
        ]
    );
    let warnings: Vec<&str> = loaded.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        warnings,
        [
            "objectMappings[3]: a second enabled `user` object mapping is ignored; objectMappings[1] is used"
        ]
    );
    // Written back, all four are there as they were.
    let back = SynchronizationSchema::from_mapping_set(&loaded.set, env.options());
    assert_eq!(
        serde_json::to_value(&back).unwrap(),
        serde_json::to_value(&loaded.graph.as_ref().unwrap().schema).unwrap()
    );
}

#[test]
fn mappings_show_gives_back_the_stored_trees_directly_and_through_native_toml() {
    let stored = json(&std::fs::read_to_string(CLOUD_SYNC).unwrap());
    let (code, out, err) = run(&["mappings", "show", CLOUD_SYNC, "--format", "graph"], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out), stored);
    assert!(
        err.contains("SyncCredentialsChangeItem): not used (disabled"),
        "{err}"
    );

    let (_, native, _) = run(&["mappings", "show", CLOUD_SYNC], b"");
    assert!(native.contains("dialect = \"cloud-sync\""), "{native}");
    let dir = std::env::temp_dir().join(format!("entramap-cloud-sync-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("cloud-sync.toml");
    std::fs::write(&toml, &native).unwrap();
    let (code, out, err) = run(
        &[
            "mappings",
            "show",
            toml.to_str().unwrap(),
            "--format",
            "graph",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(json(&out), stored);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cloud_sync_record_gives_what_microsofts_provision_on_demand_showed() {
    // Microsoft's provisionOnDemand sample (Cloud Sync): pwdLastSet 132772253564048004 became
    // LastPasswordChangeTimestamp "20210927140916.0Z"; userAccountControl 66048 is enabled.
    let user = br#"{"objectGUID": "Zm9vYmFy", "sAMAccountName": "adele", "userAccountControl": "66048", "pwdLastSet": "132772253564048004", "cn": "Adele Vest"}"#;
    let (code, out, err) = run(
        &[
            "map",
            "-m",
            CLOUD_SYNC,
            "-",
            "-q",
            "--option",
            r#"placeholders={"DomainFQDN": "esf.edu", "DomainNetBios": "ESF"}"#,
        ],
        user,
    );
    assert_eq!(code, 0, "{err}");
    let post = out
        .lines()
        .map(json)
        .find(|r| r["method"] == "POST")
        .unwrap();
    let body = &post["body"];
    assert_eq!(body["LastPasswordChangeTimestamp"], "20210927140916.0Z");
    assert_eq!(body["AccountEnabled"], true);
    assert_eq!(body["DisplayName"], "Adele Vest");
    assert_eq!(body["onPremisesUserPrincipalName"], "adele@esf.edu");
    assert_eq!(body["dnsDomainName"], "esf.edu");
    assert_eq!(body["netBiosName"], "ESF");
    assert!(
        err.contains("SyncCredentialsChangeItem): not used"),
        "{err}"
    );
}

#[test]
fn one_app_role_is_its_value_its_display_name_under_display_and_several_warn() {
    let (code, out, err) = run(
        &[
            "map",
            "-m",
            "fixtures/schemas/app-roles.toml",
            "fixtures/users/app-roles.ndjson",
            "-q",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let bodies: Vec<serde_json::Value> = out
        .lines()
        .map(json)
        .filter(|r| r["method"] == "POST")
        .map(|r| r["body"].clone())
        .collect();
    // id, value and display name all differ: the value and the display name are sent.
    assert_eq!(
        bodies[0]["roles"],
        serde_json::json!([{"display": "Tenant Administrator", "primary": true, "value": "admin-role"}])
    );
    assert_eq!(bodies[0]["title"], "Administrator");
    // Several: the first, with a warning.
    assert_eq!(bodies[1]["roles"][0]["value"], "reader-role");
    assert!(
        err.contains("users line 2: the user has 2 app role assignments; SingleAppRoleAssignment takes one, so the first (\"reader-role\") is used"),
        "{err}"
    );
    // None: Null, so no role is sent.
    assert_eq!(bodies[2].get("roles"), None);

    // eval gives the one text, and it is text to other functions.
    let input = r#"{"appRoleAssignments": [{"id": "8a6f", "value": "admin-role", "displayName": "Tenant Administrator"}]}"#;
    let (code, out, _) = run(
        &[
            "eval",
            "SingleAppRoleAssignment([appRoleAssignments])",
            "--input",
            input,
        ],
        b"",
    );
    assert_eq!((code, out.trim()), (0, "admin-role"));
    let (code, out, _) = run(
        &[
            "eval",
            "ToUpper(SingleAppRoleAssignment([appRoleAssignments]))",
            "--input",
            input,
        ],
        b"",
    );
    assert_eq!((code, out.trim()), (0, "ADMIN-ROLE"));
}

#[test]
fn an_object_mapping_without_a_name_or_with_a_null_one_is_written_back_as_it_was() {
    let schema = r#"{"synchronizationRules": [{"sourceDirectoryName": "Azure Active Directory",
      "targetDirectoryName": "app", "objectMappings": [
        {"enabled": true, "sourceObjectName": "User", "targetObjectName": "User",
         "attributeMappings": [{"targetAttributeName": "userName", "matchingPriority": 1, "source": {"name": "userPrincipalName", "type": "Attribute"}}]},
        {"name": null, "enabled": false, "sourceObjectName": "", "targetObjectName": "SyncCredentialsChangeItem", "attributeMappings": []}]}]}"#;
    let env = entramap::Environment::new();
    let loaded = env.parse_mappings(schema, "app.json").unwrap();
    let back = SynchronizationSchema::from_mapping_set(&loaded.set, env.options());
    let back = serde_json::to_value(&back).unwrap();
    let oms = &back["synchronizationRules"][0]["objectMappings"];
    assert!(oms[0].get("name").is_none(), "{oms}");
    assert_eq!(oms[1]["name"], serde_json::Value::Null);
    assert!(oms[1].as_object().unwrap().contains_key("name"));
}

#[test]
fn a_disabled_user_mapping_used_for_users_is_said_to_provision_nothing() {
    let schema = r#"{"synchronizationRules": [{"sourceDirectoryName": "Azure Active Directory",
      "targetDirectoryName": "app", "objectMappings": [
        {"name": "users", "enabled": false, "sourceObjectName": "User", "targetObjectName": "User",
         "attributeMappings": [{"targetAttributeName": "userName", "matchingPriority": 1, "source": {"name": "userPrincipalName", "type": "Attribute"}}]}]}]}"#;
    let loaded = entramap::Environment::new()
        .parse_mappings(schema, "app.json")
        .unwrap();
    let uses = &loaded.graph.as_ref().unwrap().object_mappings;
    assert_eq!(
        uses[0].to_string(),
        r#"objectMappings[0] "users" (User → User): used for users, but disabled: it provisions nothing"#
    );
}

#[test]
fn a_native_cloud_sync_set_reads_active_directory_names_without_warnings() {
    // Written as native TOML, the set keeps its dialect; its AD source names (objectSid is one
    // letter from Entra's objectId) are not judged against Entra's attribute list.
    let (_, native, _) = run(&["mappings", "show", CLOUD_SYNC], b"");
    let mut set: toml::Table = toml::from_str(&native).unwrap();
    assert!(set.remove("graph_schema").is_some());
    let dir = std::env::temp_dir().join(format!("entramap-native-cs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let toml = dir.join("cloud-sync.toml");
    std::fs::write(&toml, toml::to_string(&set).unwrap()).unwrap();
    let (code, out, err) = run(
        &["check", "-m", toml.to_str().unwrap(), "--deny-warnings"],
        b"",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn parse_from_graph_says_when_the_text_disagrees_with_the_tree() {
    let mut tree =
        json(&std::fs::read_to_string("fixtures/graph/service/left_trim_448.json").unwrap());
    tree["expression"] = serde_json::json!("Left(Trim([info]), 448)");
    let (code, out, err) = run(
        &["parse", "--from", "graph", "--dialect", "cloud-sync", "-"],
        tree.to_string().as_bytes(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), r#"Left(Trim([description]), "448")"#);
    assert!(
        err.contains("warning: the tree's expression text disagrees with the tree"),
        "{err}"
    );
}
