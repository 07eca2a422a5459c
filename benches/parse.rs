//! Parsing and checking cost: the 5,224-character Code42 country expression and a short one.
//! Run: `cargo bench --bench parse`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const COUNTRY: &str = include_str!("../fixtures/parse/ok/seed_code42_country_option1.expr");
const ACTIVE: &str = r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#;

fn parse(c: &mut Criterion) {
    let options = entramap::Options::default();
    let mut group = c.benchmark_group("parse");
    group.sample_size(30);
    group.bench_function("country_switch_5k", |b| {
        b.iter(|| entramap::syntax::parse(black_box(COUNTRY), &options))
    });
    group.bench_function("active_switch", |b| {
        b.iter(|| entramap::syntax::parse(black_box(ACTIVE), &options))
    });
    group.bench_function("country_switch_5k_parse_and_check", |b| {
        b.iter(|| entramap::analyze(black_box(COUNTRY), &options))
    });
    group.bench_function("country_switch_5k_parse_check_compile", |b| {
        b.iter(|| {
            entramap::Expression::compile(black_box(COUNTRY), &options)
                .map(|e| e.attributes().len())
        })
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
