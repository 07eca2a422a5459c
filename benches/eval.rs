//! Evaluation cost of compiled expressions: the seed's country Switch (first key, last key,
//! miss, Null) and one expression per function family. Run: `cargo bench --bench eval`.

use criterion::{Criterion, criterion_group, criterion_main};
use entramap::Options;
use entramap::{Env, Expression};
use serde_json::json;
use std::hint::black_box;

const COUNTRY: &str = include_str!("../fixtures/parse/ok/seed_code42_country_option1.expr");

fn options() -> Options {
    Options {
        run: entramap::options::RunOptions {
            now: Some("2021-08-25T17:41:18Z".into()),
            rng_seed: Some(1),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn bench_one(
    c: &mut Criterion,
    group: &str,
    name: &str,
    expression: &str,
    user: serde_json::Value,
) {
    let options = options();
    let expr = Expression::compile(expression, &options).unwrap();
    let map = user.as_object().unwrap().clone();
    let mut env = Env::new(&options).unwrap();
    c.benchmark_group(group)
        .sample_size(30)
        .bench_function(name, |b| {
            b.iter(|| {
                expr.eval_object(black_box(&map), &mut env)
                    .map(|v| v.text().map(|t| t.len()))
                    .ok()
            })
        });
}

fn country(c: &mut Criterion) {
    for (name, country) in [
        ("hit_first", json!("Afghanistan")),
        ("hit_last", json!("ZIMBABWE")),
        ("miss", json!("Atlantis")),
        ("null", json!(null)),
    ] {
        bench_one(c, "switch258", name, COUNTRY, json!({ "country": country }));
    }
}

fn families(c: &mut Criterion) {
    let user = json!({
        "givenName": "Zoë", "surname": "O'NEIL-SMITH", "mail": "zoe@contoso.com",
        "telephoneNumber": "+1 (999) 888-7777", "hire": "2020-03-16-07:00", "IsSoftDeleted": "false",
        "proxyAddresses": ["SMTP:a@x", "smtp:b@x", "SMTP:a@x"]
    });
    let cases = [
        ("direct", "[mail]"),
        ("not", "Not([IsSoftDeleted])"),
        (
            "text_join_lower",
            r#"ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com"))"#,
        ),
        ("text_pcase", "PCase([surname])"),
        ("logic_iif", r#"IIF(IsPresent([mail]), [mail], "none")"#),
        (
            "regex_replace",
            r#"Replace([telephoneNumber], , "[()\\s-]+", , "", , )"#,
        ),
        (
            "dates_format",
            r#"FormatDateTime([hire], , "yyyy-MM-ddzzz", "yyyyMMdd")"#,
        ),
        ("dates_diff", r#"DateDiff("d", Now(), CDate([hire]))"#),
        (
            "multi_dedup_join",
            r#"Join(",", RemoveDuplicates([proxyAddresses]))"#,
        ),
        ("encode_base64", "ConvertToBase64([mail])"),
    ];
    for (name, expression) in cases {
        bench_one(c, "family", name, expression, user.clone());
    }
}

criterion_group!(benches, country, families);
criterion_main!(benches);
