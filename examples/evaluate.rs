//! Evaluate an expression against a user, the way the Entra portal's "Test expression" does,
//! and print its trace.
//!
//! Run: `cargo run --example evaluate`

use entramap::{Environment, Options};

fn main() -> Result<(), entramap::Error> {
    // Fix the clock so Now() and date defaults are reproducible.
    let options = Options::default().with_settings(["now=2025-07-30T12:00:00Z"])?;
    let env = Environment::with_options(options);

    let text = r#"IIF(IsPresent([country]), Switch(ToLower([country]), [country], "germany", "DE", "france", "FR"), "US")"#;
    let expr = env.compile(text)?;
    for warning in expr.warnings() {
        eprintln!("{}", warning.render(text, "expression"));
    }

    for user in [
        serde_json::json!({"country": "Germany"}),
        serde_json::json!({"country": "Narnia"}),
        serde_json::json!({}),
    ] {
        let mut eval_env = env.eval_env()?.with_trace();
        let value = expr.eval_json(&user, &mut eval_env)?;
        println!("{user} => {value}");
        for entry in eval_env.trace.iter().flatten() {
            let snippet = text.get(entry.span.range()).unwrap_or("");
            println!("  {}{snippet} => {}", "  ".repeat(entry.depth), entry.value);
        }
    }
    Ok(())
}
