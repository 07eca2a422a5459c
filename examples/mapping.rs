//! What a mapping set does to one user, through the library's front door: each attribute's
//! value (what `map` sends), then the requests, written as `map` writes them.
//!
//! Run: `cargo run --example mapping [NAME|FILE]` (default: the built-in `code42` set)

use entramap::{Environment, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "code42".to_string());
    let env = Environment::with_options(
        Options::default().with_settings(["country_resolution=normalize"])?,
    );
    // Loaded, compiled and checked once; asking again is a lookup.
    let mapping = env.mapping(&name)?;
    let user = serde_json::json!({
        "objectId": "5e1a3b6c-0000-4000-8000-000000000001",
        "userPrincipalName": "petr.novak@contoso.com",
        "givenName": "Petr",
        "surname": "Novák",
        "usageLocation": "Czech Republic",
        "accountEnabled": "true"
    });
    for attribute in mapping.values(&user)? {
        match attribute.value {
            Ok(value) => println!("{} = {value}", attribute.target),
            Err(error) => println!("{} fails: {}", attribute.target, error.code),
        }
    }
    let applied = mapping.provision(&user)?;
    println!("{}", applied.outcome);
    for request in &applied.requests {
        let mut line = Vec::new();
        request.write_json(&mut line, mapping.simulated_ids())?;
        println!("{}", String::from_utf8_lossy(&line));
    }
    Ok(())
}
