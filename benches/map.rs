//! The full `code42` mapping for one user: the compiled engine (read the NDJSON line, evaluate
//! the 12 mappings, match, write the SCIM create body) next to a hand-written Rust function
//! that produces the same body from the same bytes — the "how close to native" baseline.
//! Also the country Switch of Code42's guide through the engine versus the built-in resolver.
//! Run: `cargo bench --bench map`.

use std::borrow::Cow;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use entramap::Options;
use entramap::provision::{Engine, target::TargetStore};
use entramap::{Env, Expression};
use serde::Deserialize;

// The allocator the `entramap` binary ships with, for both sides of the comparison.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct User<'a> {
    #[serde(borrow)]
    objectId: Option<Cow<'a, str>>,
    #[serde(borrow)]
    userPrincipalName: Option<Cow<'a, str>>,
    #[serde(borrow)]
    givenName: Option<Cow<'a, str>>,
    #[serde(borrow)]
    surname: Option<Cow<'a, str>>,
    #[serde(borrow)]
    jobTitle: Option<Cow<'a, str>>,
    #[serde(borrow)]
    department: Option<Cow<'a, str>>,
    #[serde(borrow)]
    city: Option<Cow<'a, str>>,
    #[serde(borrow)]
    state: Option<Cow<'a, str>>,
    #[serde(borrow)]
    usageLocation: Option<Cow<'a, str>>,
    IsSoftDeleted: Option<serde_json::Value>,
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).unwrap();
}

/// What the `code42` mapping sends on create, written by hand (docs/mapping.md#worked-example-code42).
fn handwritten_body(line: &[u8], out: &mut Vec<u8>) -> bool {
    let Ok(u) = serde_json::from_slice::<User>(line) else {
        return false;
    };
    let soft_deleted = match &u.IsSoftDeleted {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    let Some(upn) = u.userPrincipalName.as_deref() else {
        return false;
    };
    if soft_deleted {
        return false;
    }
    let upn: Cow<str> = match upn.split_once("#EXT#") {
        Some((local, _)) => match local.rfind('_') {
            Some(at) => Cow::Owned(format!("{}@{}", &local[..at], &local[at + 1..])),
            None => Cow::Borrowed(upn),
        },
        None => Cow::Borrowed(upn),
    };
    out.extend_from_slice(br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]"#);
    if let Some(id) = &u.objectId {
        out.extend_from_slice(br#","externalId":"#);
        push_str(out, id);
    }
    out.extend_from_slice(br#","userName":"#);
    push_str(out, &upn);
    out.extend_from_slice(br#","active":true"#);
    if u.city.is_some() || u.state.is_some() || u.usageLocation.is_some() {
        out.extend_from_slice(br#","addresses":[{"#);
        let mut first = true;
        for (k, v) in [
            ("country", &u.usageLocation),
            ("locality", &u.city),
            ("region", &u.state),
        ] {
            if let Some(v) = v {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                push_str(out, k);
                out.push(b':');
                push_str(out, v);
            }
        }
        out.extend_from_slice(br#","type":"work"}]"#);
    }
    out.extend_from_slice(br#","emails":[{"primary":true,"type":"work","value":"#);
    push_str(out, &upn);
    out.extend_from_slice(br#"}],"meta":{"resourceType":"User"}"#);
    if u.givenName.is_some() || u.surname.is_some() {
        out.extend_from_slice(br#","name":{"#);
        let mut first = true;
        for (k, v) in [("familyName", &u.surname), ("givenName", &u.givenName)] {
            if let Some(v) = v {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                push_str(out, k);
                out.push(b':');
                push_str(out, v);
            }
        }
        out.push(b'}');
    }
    if let Some(t) = &u.jobTitle {
        out.extend_from_slice(br#","title":"#);
        push_str(out, t);
    }
    if let Some(d) = &u.department {
        out.extend_from_slice(
            br#","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"#,
        );
        push_str(out, d);
        out.push(b'}');
    }
    out.push(b'}');
    true
}

fn sample_lines(count: usize) -> Vec<Vec<u8>> {
    let mut buf = Vec::new();
    entramap::sample::write_users(count, 7, &mut buf).unwrap();
    buf.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn engine_body(
    engine: &Engine,
    env: &mut Env<'_>,
    store: &TargetStore,
    line: &[u8],
    n: usize,
    out: &mut Vec<u8>,
) -> bool {
    let Ok(object) = engine.read_record(n, line) else {
        return false;
    };
    match engine.create_body_for(&object, env, store) {
        Some(body) => body.write_json(out, engine.simulated_ids()).is_ok(),
        None => false,
    }
}

fn code42_user(c: &mut Criterion) {
    let options = Options {
        scim: entramap::options::ScimOptions {
            country_resolution: entramap::options::CountryResolution::Off,
            ..Default::default()
        },
        ..Default::default()
    };
    let set = entramap::mapping::load("code42", &options).unwrap().set;
    let engine = Engine::new(&set, &options).unwrap();
    let mut env = Env::new(&options).unwrap();
    let store = TargetStore::default();
    let lines = sample_lines(1000);
    // Same bytes in, same body out: the baseline must do the same job.
    let mut created = 0;
    for (n, line) in lines.iter().enumerate() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        let ea = engine_body(&engine, &mut env, &store, line, n + 1, &mut a);
        let hb = handwritten_body(line, &mut b);
        assert_eq!(ea, hb, "line {n}");
        assert_eq!(
            String::from_utf8_lossy(&a),
            String::from_utf8_lossy(&b),
            "line {n}"
        );
        created += usize::from(ea);
    }
    assert!(created > 900);
    let mut group = c.benchmark_group("code42_user");
    group
        .sample_size(20)
        .throughput(Throughput::Elements(lines.len() as u64));
    let mut out = Vec::with_capacity(1 << 20);
    group.bench_function("engine", |b| {
        b.iter(|| {
            out.clear();
            for (n, line) in lines.iter().enumerate() {
                engine_body(&engine, &mut env, &store, black_box(line), n + 1, &mut out);
            }
            out.len()
        })
    });
    group.bench_function("handwritten", |b| {
        b.iter(|| {
            out.clear();
            for line in &lines {
                handwritten_body(black_box(line), &mut out);
            }
            out.len()
        })
    });
    group.finish();
}

fn country(c: &mut Criterion) {
    let options = Options::default();
    let text = include_str!("../fixtures/parse/ok/seed_code42_country_option1.expr");
    let expr = Expression::compile(text, &options).unwrap();
    let names = [
        "Germany",
        "united kingdom",
        "Atlantis",
        "ZIMBABWE",
        "curaçao",
        "Japan",
    ];
    let users: Vec<serde_json::Map<String, serde_json::Value>> = names
        .iter()
        .map(|n| {
            serde_json::json!({ "country": n })
                .as_object()
                .unwrap()
                .clone()
        })
        .collect();
    let mut env = Env::new(&options).unwrap();
    let mut group = c.benchmark_group("country");
    group
        .sample_size(30)
        .throughput(Throughput::Elements(names.len() as u64));
    group.bench_function("engine_switch258", |b| {
        b.iter(|| {
            users
                .iter()
                .filter(|u| {
                    expr.eval_object(black_box(u), &mut env)
                        .is_ok_and(|v| !v.is_null())
                })
                .count()
        })
    });
    group.bench_function("resolver", |b| {
        b.iter(|| {
            names
                .iter()
                .filter(|n| {
                    matches!(
                        entramap::country::resolve(black_box(n)),
                        entramap::country::Resolution::Code(_)
                    )
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, code42_user, country);
criterion_main!(benches);
