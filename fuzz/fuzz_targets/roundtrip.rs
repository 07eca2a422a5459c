#![no_main]
//! Whatever parses prints to text that parses to the same tree (and survives Graph JSON).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options = entramap::Options { limits: entramap::options::Limits { max_expression_length: usize::MAX, ..Default::default() }, ..Default::default() };
    let Ok(parsed) = entramap::syntax::parse(text, &options) else { return };
    let printed = entramap::syntax::print::canonical(&parsed.expr);
    let reparsed = entramap::syntax::parse(&printed, &options).expect("canonical text must parse");
    assert!(reparsed.expr.same_as(&parsed.expr), "{text:?} -> {printed:?}");
    assert_eq!(entramap::syntax::print::canonical(&reparsed.expr), printed);
    let node = entramap::graph::to_graph(&parsed.expr);
    if let Ok(back) = entramap::graph::read_tree(&node, &options).map(|r| r.expr) {
        assert!(entramap::graph::same_tree(&entramap::graph::to_graph(&back), &node));
    }
});
