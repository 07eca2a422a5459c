//! A sync tool's view: load a Graph synchronizationSchema (as `az rest` exports it), and turn a
//! user into the SCIM requests Entra would send, cycle after cycle.
//!
//! Run: `cargo run --example graph_schema [SCHEMA.json]`
//! (default: fixtures/schemas/code42.schema.json)

use entramap::provision::{RunState, target::TargetStore};
use entramap::{Environment, Options, ResourceKind};

fn main() -> Result<(), entramap::Error> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "fixtures/schemas/code42.schema.json".to_string());
    let env = Environment::with_options(Options::default().with_settings(["id_prefix=c42-"])?);
    let loaded = env.load_mappings(&path)?;
    for warning in &loaded.warnings {
        eprintln!("warning: {}", warning.message);
    }
    // Every mapping compiles here, or every error is reported here: before any record.
    let engine = env.provisioner(&loaded.set)?;

    let user = serde_json::json!({
        "objectId": "5e1a3b6c-0000-4000-8000-000000000001",
        "userPrincipalName": "ada@contoso.com",
        "givenName": "Ada",
        "surname": "Lovelace",
        "country": "DE",
        "accountEnabled": true
    });
    let user = user.as_object().expect("an object");

    // First cycle: the app is empty, so the user is created.
    let mut state = RunState::default();
    let applied = engine.provision(ResourceKind::User, 1, user, &mut state)?;
    println!("cycle 1: {:?}", applied.outcome);
    for request in &applied.requests {
        let mut line = Vec::new();
        request
            .write_json(&mut line, engine.simulated_ids())
            .map_err(std::io::Error::from)?;
        println!("  {}", String::from_utf8_lossy(&line));
    }

    // Second cycle: the app now holds the user, with an old surname.
    let mut in_app = applied
        .requests
        .iter()
        .find(|r| r.method == entramap::scim::Method::Post)
        .and_then(|r| r.body.as_ref())
        .map(|b| b.to_json(engine.simulated_ids()))
        .unwrap_or_default();
    in_app["id"] = "c42-user-0001".into();
    in_app["name"]["familyName"] = "Byron".into();
    let mut state = RunState::new(TargetStore::new([in_app]));
    let applied = engine.provision(ResourceKind::User, 1, user, &mut state)?;
    println!("cycle 2: {:?}", applied.outcome);
    for request in &applied.requests {
        let mut line = Vec::new();
        request
            .write_json(&mut line, engine.simulated_ids())
            .map_err(std::io::Error::from)?;
        println!("  {}", String::from_utf8_lossy(&line));
    }
    Ok(())
}
