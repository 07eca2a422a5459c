//! One compiled expression shared by several threads: an `Expression` is `Send + Sync`, and
//! each thread keeps its own `Env` (clock, seeded randomness, trace).
//!
//! Run: `cargo run --example threads`

use entramap::{Environment, Options};

fn main() -> Result<(), entramap::Error> {
    let options = Options::default().with_settings(["rng_seed=7"])?;
    let env = Environment::with_options(options);
    let expr = env.compile(r#"NormalizeDiacritics(ToLower(Join(".", [givenName], [surname])))"#)?;
    let users: Vec<serde_json::Value> = ["Zoë Müller", "José Núñez", "Ægir Ødegård", "Łucja Żak"]
        .iter()
        .map(|name| {
            let (given, sur) = name.split_once(' ').unwrap_or((name, ""));
            serde_json::json!({"givenName": given, "surname": sur})
        })
        .collect();

    let results: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = users
            .chunks(2)
            .map(|chunk| {
                let (expr, env) = (&expr, &env);
                scope.spawn(move || -> Result<Vec<String>, entramap::Error> {
                    let mut eval_env = env.eval_env()?;
                    chunk
                        .iter()
                        .map(|u| Ok(expr.eval_json(u, &mut eval_env)?.to_string()))
                        .collect()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker panicked").unwrap_or_default())
            .collect()
    });
    for (user, alias) in users.iter().zip(&results) {
        println!("{} {} => {alias}", user["givenName"], user["surname"]);
    }
    assert_eq!(results.len(), users.len());
    Ok(())
}
