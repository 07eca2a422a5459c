//! Synthetic Entra users for benchmarks and demos (`entramap sample-users`): deterministic for
//! a seed, with the mess real exports have: diacritics, guests, managers, missing attributes,
//! Booleans as text, soft-deleted users, and country names in many spellings and languages.

use std::io::Write;

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng};
use serde_json::{Map, Value as Json, json};

const GIVEN: &[&str] = &[
    "Alice",
    "Bob",
    "Zoë",
    "François",
    "Søren",
    "Łukasz",
    "María",
    "José",
    "Björn",
    "Chloé",
    "Mei",
    "Hiroshi",
    "Aisha",
    "Oluwaseun",
    "Nguyễn",
    "İlkay",
    "Dvořák",
    "Ana",
    "Liam",
    "Olivia",
    "Noah",
    "Emma",
    "Ærin",
    "Ștefan",
    "Mary Ann",
];
const SURNAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Müller",
    "García",
    "O'Neil",
    "Dubois",
    "Nowak",
    "Rossi",
    "Kowalczyk",
    "Novák",
    "Øberg",
    "Yılmaz",
    "Tanaka",
    "Okafor",
    "van der Berg",
    "de la Cruz",
    "Żółć",
    "Lefèvre",
    "MacDonald",
    "PINTO-DE'SILVA",
];
const TITLES: &[&str] = &[
    "Engineer",
    "Security Analyst",
    "Account Manager",
    "CISO",
    "Designer",
    "Nurse",
    "Paralegal",
    "Contractor",
];
const DEPARTMENTS: &[&str] = &[
    "Information Security",
    "Sales",
    "Engineering",
    "Finance",
    "Legal",
    "Operations",
    "",
];
const CITIES: &[(&str, &str)] = &[
    ("Minneapolis", "MN"),
    ("München", "BY"),
    ("São Paulo", "SP"),
    ("Göteborg", ""),
    ("Kraków", ""),
    ("Tokyo", ""),
];
/// Country spellings people type: ISO names, codes, other languages, old names, noise.
const COUNTRIES: &[(&str, &str)] = &[
    ("United States", "US"),
    ("USA", "US"),
    ("us", "US"),
    ("Germany", "DE"),
    ("Deutschland", "DE"),
    ("GERMANY", "DE"),
    ("France", "FR"),
    ("Brasil", "BR"),
    ("Brazil", "BR"),
    ("Sweden", "SE"),
    ("SWE", "SE"),
    ("Poland", "PL"),
    ("Polska", "PL"),
    ("Japan", "JP"),
    ("日本", "JP"),
    ("Czech Republic", "CZ"),
    ("Czechia", "CZ"),
    ("Türkiye", "TR"),
    ("Turkey", "TR"),
    ("Côte d'Ivoire", "CI"),
    ("Ivory Coast", "CI"),
    ("curaçao", "CW"),
    ("RÉUNION", "RE"),
    ("United Kingdom", "GB"),
    ("UK", "GB"),
    ("  united   states ", "US"),
    ("Korea", "KR"),
    ("South Korea", "KR"),
    ("Atlantis", "US"),
    ("840", "US"),
    ("Nigeria", "NG"),
];

/// Write `count` users as NDJSON.
pub fn write_users(count: usize, seed: u64, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut object_ids: Vec<String> = Vec::new();
    let mut line = Vec::with_capacity(1024);
    for i in 0..count {
        let user = user(i, &mut rng, &object_ids);
        if let Some(Json::String(id)) = user.get("objectId") {
            if object_ids.len() < 1000 {
                object_ids.push(id.clone());
            } else {
                let slot = rng.random_range(0..object_ids.len());
                if let Some(entry) = object_ids.get_mut(slot) {
                    entry.clone_from(id);
                }
            }
        }
        line.clear();
        serde_json::to_writer(&mut line, &user)?;
        line.push(b'\n');
        out.write_all(&line)?;
    }
    Ok(())
}

/// A random element (the tables are constants and never empty; `fallback` keeps this total).
fn pick<T: Copy>(rng: &mut StdRng, items: &[T], fallback: T) -> T {
    items
        .get(rng.random_range(0..items.len().max(1)))
        .copied()
        .unwrap_or(fallback)
}

fn uuid(rng: &mut StdRng) -> String {
    let b: [u8; 16] = rng.random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn user(i: usize, rng: &mut StdRng, managers: &[String]) -> Map<String, Json> {
    let given = pick(rng, GIVEN, "Ada");
    let surname = pick(rng, SURNAMES, "Lovelace");
    let alias: String = format!("{}.{}{}", given, surname, i)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect::<String>()
        .to_lowercase();
    let guest = rng.random_range(0..100) < 5;
    let upn = if guest {
        format!("{alias}_fabrikam.com#EXT#@contoso.onmicrosoft.com")
    } else {
        format!("{alias}@contoso.com")
    };
    let (city, state) = pick(rng, CITIES, ("Minneapolis", "MN"));
    let (country, usage) = pick(rng, COUNTRIES, ("United States", "US"));
    let mut u = Map::new();
    u.insert("objectId".into(), json!(uuid(rng)));
    u.insert("userPrincipalName".into(), json!(upn));
    u.insert("mail".into(), json!(format!("{alias}@contoso.com")));
    u.insert("mailNickname".into(), json!(alias));
    u.insert("displayName".into(), json!(format!("{given} {surname}")));
    if rng.random_range(0..100) >= 3 {
        u.insert("givenName".into(), json!(given));
    }
    u.insert("surname".into(), json!(surname));
    if rng.random_range(0..100) >= 10 {
        u.insert("jobTitle".into(), json!(pick(rng, TITLES, "Engineer")));
    }
    u.insert("department".into(), json!(pick(rng, DEPARTMENTS, "Sales")));
    u.insert("city".into(), json!(city));
    if !state.is_empty() {
        u.insert("state".into(), json!(state));
    }
    if rng.random_range(0..100) >= 10 {
        u.insert("country".into(), json!(country));
    }
    u.insert("usageLocation".into(), json!(usage));
    u.insert(
        "telephoneNumber".into(),
        json!(format!("+1 (612) 555-{:04}", i % 10_000)),
    );
    u.insert("employeeId".into(), json!(format!("E{:06}", i)));
    u.insert(
        "preferredLanguage".into(),
        json!(if rng.random_range(0..2) == 0 {
            "en-US"
        } else {
            "de-DE"
        }),
    );
    u.insert(
        "proxyAddresses".into(),
        json!([format!("SMTP:{alias}@contoso.com")]),
    );
    // Graph's test inputs give Booleans as text; exports give real Booleans.
    let disabled = rng.random_range(0..100) < 3;
    if rng.random_range(0..2) == 0 {
        u.insert("accountEnabled".into(), json!(!disabled));
        u.insert("IsSoftDeleted".into(), json!(disabled));
    } else {
        u.insert(
            "accountEnabled".into(),
            json!(if disabled { "false" } else { "true" }),
        );
        u.insert(
            "IsSoftDeleted".into(),
            json!(if disabled { "True" } else { "False" }),
        );
    }
    if !managers.is_empty()
        && rng.random_range(0..100) < 70
        && let Some(m) = managers.get(rng.random_range(0..managers.len()))
    {
        u.insert("manager".into(), json!({ "objectId": m }));
    }
    u
}
