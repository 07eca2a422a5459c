//! Errors knowable without a user (docs/language.md#errors-known-before-any-user): evaluation
//! refuses some calls whatever the record holds — `Mid([mail], "a", 2)` (a count that is not
//! a number), `CDate("not a date")`. `check` and compilation find them by running the same
//! evaluator on each call, so they can never disagree with `eval`:
//!
//! * a call whose arguments are all constants is evaluated once (fixed clock and seed);
//! * a call with attributes is evaluated with each attribute given each of a few sample values
//!   of different kinds (text, a number, a date, a Boolean, an address); an error that every
//!   sample gives alike, pointing into one of the call's constant arguments, is the constant's
//!   fault, not the data's.

use std::borrow::Cow;

use super::{Ctx, EvalError, Lookup, Program, Source};
use crate::compile::{Node, NodeKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::value::Value;
use crate::options::Options;

/// Sample values standing for any attribute: one of each kind a function may want.
const SAMPLES: &[&str] = &[
    "x",
    "12",
    "2020-01-02T03:04:05Z",
    "True",
    "ada.lovelace@contoso.com",
];

/// Errors that are about the argument they point at, whatever the others hold: a count that
/// is not a number, a pattern, format, interval, culture, encoding or group name that does not
/// exist. A date that does not parse, a value too large, a missing role are about the data,
/// and are never reported from samples.
const ABOUT_THE_ARGUMENT: &[Code] = &[
    Code::NotANumber,
    Code::NotABoolean,
    Code::BadRegex,
    Code::BadDateFormat,
    Code::BadInterval,
    Code::BadCulture,
    Code::ReplaceMode,
    Code::UnknownGroup,
    Code::BadArgument,
];

/// Every attribute has the same sample value.
struct Sample(&'static str);

impl<'a> Source<'a> for Sample {
    fn lookup(&self, _: Option<usize>, _: &str) -> Result<Lookup<'a>, String> {
        Ok(Lookup::Found(Value::Str(Cow::Borrowed(self.0))))
    }
}

impl Program {
    /// The errors evaluation gives every record (see the module's documentation), in the
    /// order their calls appear; one per place.
    pub(crate) fn knowable_errors(&self, options: &Options) -> Vec<Diagnostic> {
        // A fixed clock and seed: what is found does not depend on when `check` runs.
        let mut options = options.clone();
        options
            .run
            .now
            .get_or_insert_with(|| "2020-01-02T03:04:05Z".into());
        options.run.rng_seed.get_or_insert(1);
        let mut errors: Vec<EvalError> = Vec::new();
        let mut calls = Vec::new();
        calls_of(&self.root, &mut calls);
        for node in calls {
            let Some(error) = self.knowable(node, &options) else {
                continue;
            };
            if !errors
                .iter()
                .any(|e| e.span == error.span && e.code == error.code)
            {
                errors.push(error);
            }
        }
        errors.iter().map(EvalError::to_diagnostic).collect()
    }

    /// The error `node` (a call) gives whatever its attributes hold, if any.
    fn knowable(&self, node: &Node, options: &Options) -> Option<EvalError> {
        let NodeKind::Call(call) = &node.kind else {
            return None;
        };
        if is_constant(node) {
            // Error() fails on purpose (Cloud Sync): that is its job, not a mistake.
            return self
                .run_node(node, &Sample(""), options)
                .err()
                .filter(|e| e.code != Code::ErrorFunction);
        }
        let constants: Vec<&Node> = call
            .args
            .iter()
            .flatten()
            .filter(|a| is_constant(a))
            .collect();
        let mut first: Option<EvalError> = None;
        for sample in SAMPLES {
            let error = self.run_node(node, &Sample(sample), options).err()?;
            match &first {
                None => first = Some(error),
                Some(e) if e.code == error.code && e.span == error.span => {}
                Some(_) => return None,
            }
        }
        first.filter(|e| {
            // Which arguments are supplied is known without a user: Replace's modes.
            e.code == Code::ReplaceMode
                || ABOUT_THE_ARGUMENT.contains(&e.code)
                    && constants
                        .iter()
                        .any(|c| c.span.start <= e.span.start && e.span.end <= c.span.end)
        })
    }

    fn run_node<'a>(
        &'a self,
        node: &'a Node,
        source: &dyn Source<'a>,
        options: &'a Options,
    ) -> Result<Value<'a>, EvalError> {
        let mut env = super::Env::new(options).map_err(|e| {
            EvalError::new(
                node.span,
                crate::diagnostic::Code::BadArgument,
                e.to_string(),
            )
        })?;
        let mut ctx = Ctx {
            source,
            options,
            attrs: &self.attrs,
            natives: self.natives,
            env: &mut env,
            depth: 0,
            steps: options.limits.max_eval_steps,
        };
        ctx.eval(node)
    }
}

/// Whether `node` reads no attribute.
fn is_constant(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Attr(_) => false,
        NodeKind::Text(_) | NodeKind::Int(_) => true,
        NodeKind::Call(call) => call.args.iter().flatten().all(is_constant),
        NodeKind::Compare(_, a, b) | NodeKind::Concat(a, b) => is_constant(a) && is_constant(b),
    }
}

/// Every call in `node`, outermost first.
fn calls_of<'n>(node: &'n Node, out: &mut Vec<&'n Node>) {
    match &node.kind {
        NodeKind::Attr(_) | NodeKind::Text(_) | NodeKind::Int(_) => {}
        NodeKind::Call(call) => {
            out.push(node);
            for arg in call.args.iter().flatten() {
                calls_of(arg, out);
            }
        }
        NodeKind::Compare(_, a, b) | NodeKind::Concat(a, b) => {
            calls_of(a, out);
            calls_of(b, out);
        }
    }
}
