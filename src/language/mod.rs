//! The expression language, from text to value: the signature table of the built-in functions,
//! the syntax (pest grammar, typed tree), Graph's JSON form of a tree, the checks, compilation,
//! evaluation, the functions' implementations (.NET's behaviour among them) and the public
//! value. Nothing here knows records, mapping sets or SCIM.
//!
//! The stages, in the order data flows through them; each imports only from those above it.

pub mod builtins;
pub mod syntax;
pub mod graph;
pub mod check;
pub mod compile;
pub mod eval;
pub mod functions;
pub mod value;
