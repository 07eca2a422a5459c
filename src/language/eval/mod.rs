//! Evaluation of compiled expressions against a source object. Nothing here reads source text
//! or pest: it walks the compiled tree (`crate::compile`) and calls the functions of the table.

mod knowable;
pub mod value;

use std::borrow::Cow;

use chrono::NaiveDateTime;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::compile::{AttributeTable, CallNode, Node, NodeKind, PrepareFn};
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::options::{Options, OptionsError};
use crate::syntax::ast::BinOp;
use value::{Date, DateKind, Value, parse_bool};

/// The result of looking up one attribute.
#[derive(Debug)]
pub enum Lookup<'a> {
    /// Found under exactly this name (or derived).
    Found(Value<'a>),
    /// Found only ignoring case, under `actual`.
    FoundIgnoringCase(Value<'a>, String),
    /// Not present: Null.
    Missing,
}

/// What evaluation needs from a record: the value of an attribute. The record reader of the
/// `source` stage implements it; evaluation names no reader.
pub trait Source<'a> {
    /// The value of attribute `name`. `slot` is the attribute's index in the compiled
    /// expression's attribute table, for sources that store values by slot; `None` when the
    /// caller knows only the name (a scoping clause, the engine's own reads).
    fn lookup(&self, slot: Option<usize>, name: &str) -> Result<Lookup<'a>, String>;
}

/// How a function is evaluated: it gets the call (arguments unevaluated, so IIF, Switch and
/// Coalesce choose what to evaluate) and the call's span for errors.
pub(crate) type EvalFn =
    for<'a, 'e, 'x> fn(&mut Ctx<'a, 'e, 'x>, &'a CallNode, Span) -> Result<Value<'a>, EvalError>;

/// One function's implementation: a row of the `functions` stage's table, in the order of the
/// signature table (`crate::builtins::BUILTINS`).
pub(crate) struct Native {
    /// The function's name (checked against the signature table's row by a test).
    pub name: &'static str,
    /// Evaluates a call.
    pub eval: EvalFn,
    /// Work done once per call site when compiling.
    pub prepare: Option<PrepareFn>,
}

/// A compiled expression tree with the implementations it calls: what [`Ctx`] walks.
/// `Send + Sync`: share one across threads.
#[derive(Debug)]
pub(crate) struct Program {
    pub root: Node,
    pub attrs: AttributeTable,
    natives: &'static [Native],
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Program {
    /// A program calling the implementations in `natives` (by row of the signature table).
    pub fn new(root: Node, attrs: AttributeTable, natives: &'static [Native]) -> Program {
        Program {
            root,
            attrs,
            natives,
        }
    }

    /// Evaluate against one source object.
    pub fn run<'a>(
        &'a self,
        source: &dyn Source<'a>,
        options: &'a Options,
        env: &mut Env<'_>,
    ) -> Result<Value<'a>, EvalError> {
        let mut ctx = Ctx {
            source,
            options,
            attrs: &self.attrs,
            natives: self.natives,
            env,
            depth: 0,
            steps: options.limits.max_eval_steps,
        };
        ctx.eval(&self.root)
    }
}

/// An evaluation failure, pointing into the expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct EvalError {
    /// Where in the expression.
    pub span: Span,
    /// Stable identifier, e.g. `bad-date`.
    pub code: crate::diagnostic::Code,
    /// What went wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
}

impl EvalError {
    pub(crate) fn new(
        span: Span,
        code: crate::diagnostic::Code,
        message: impl Into<String>,
    ) -> Self {
        EvalError {
            span,
            code,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// As a diagnostic, to render against the expression's text.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::error(self.code, self.span, self.message.clone())
            .with_label("evaluation failed here");
        match &self.help {
            Some(h) => d.with_help(h.clone()),
            None => d,
        }
    }
}

/// One line of `--trace`: a sub-expression and what it gave.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    /// Nesting depth (0 = the whole expression).
    pub depth: usize,
    /// The sub-expression's span.
    pub span: Span,
    /// Its value as text (`[Redact]` under Redact), or the error.
    pub value: String,
}

/// Everything an evaluation reads besides the source object: the clock, randomness, values
/// already taken in the target (SelectUniqueValue), and where traces and warnings go.
pub struct Env<'e> {
    /// The current time for Now() (UTC).
    pub now: NaiveDateTime,
    rng: Option<StdRng>,
    seed: Option<u64>,
    /// Is this value already used in the target? (SelectUniqueValue)
    pub taken: &'e dyn Fn(&str) -> bool,
    /// When set, every evaluated sub-expression is recorded here, in evaluation order.
    pub trace: Option<Vec<TraceEntry>>,
    /// Warnings found while evaluating (attribute names matched ignoring case).
    pub warnings: Vec<Diagnostic>,
}

impl<'e> Env<'e> {
    /// An environment from the options' clock and seed; nothing is taken.
    pub fn new(options: &Options) -> Result<Env<'static>, OptionsError> {
        Ok(Env {
            now: options.clock()?,
            rng: None,
            seed: options.run.rng_seed,
            taken: &|_| false,
            trace: None,
            warnings: Vec::new(),
        })
    }

    /// Use `taken` to decide which SelectUniqueValue candidates are already used.
    pub fn with_taken(self, taken: &'e dyn Fn(&str) -> bool) -> Env<'e> {
        Env { taken, ..self }
    }

    /// Record a trace of every sub-expression.
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Vec::new());
        self
    }

    /// Restart the seeded random sequence for record `n`, so a record's Guid() and
    /// RandomString() do not depend on which thread or in which order records are evaluated.
    pub fn reseed_for_record(&mut self, n: u64) {
        if let Some(seed) = self.seed {
            self.rng = Some(StdRng::seed_from_u64(seed.wrapping_add(n)));
        }
    }

    pub(crate) fn rng(&mut self) -> &mut StdRng {
        let seed = self.seed;
        self.rng.get_or_insert_with(|| match seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => rand::make_rng(),
        })
    }
}

/// State of one evaluation, handed to every function.
pub(crate) struct Ctx<'a, 'e, 'x> {
    source: &'x dyn Source<'a>,
    pub options: &'a Options,
    attrs: &'a AttributeTable,
    natives: &'static [Native],
    pub env: &'x mut Env<'e>,
    depth: usize,
    /// Steps left in this evaluation's budget (option max_eval_steps): every call costs one,
    /// a regular expression what [`Ctx::charge`] is told.
    steps: u64,
}

impl<'a> Ctx<'a, '_, '_> {
    /// Evaluate a node (recording it when tracing).
    pub fn eval(&mut self, node: &'a Node) -> Result<Value<'a>, EvalError> {
        if self.env.trace.is_none() {
            return self.eval_node(node);
        }
        let index = self.env.trace.as_ref().map_or(0, Vec::len);
        if let Some(trace) = &mut self.env.trace {
            trace.push(TraceEntry {
                depth: self.depth,
                span: node.span,
                value: String::new(),
            });
        }
        self.depth += 1;
        let result = self.eval_node(node);
        self.depth -= 1;
        let shown = match &result {
            _ if node.redacted => "[Redact]".to_string(),
            Ok(Value::Str(s)) => format!("{s:?}"),
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {}", e.message),
        };
        if let Some(entry) = self.env.trace.as_mut().and_then(|t| t.get_mut(index)) {
            entry.value = shown;
        }
        result
    }

    fn eval_node(&mut self, node: &'a Node) -> Result<Value<'a>, EvalError> {
        match &node.kind {
            NodeKind::Attr(slot) => self.attribute(*slot, node.span),
            NodeKind::Text(s) => Ok(Value::Str(Cow::Borrowed(s))),
            NodeKind::Int(i) => Ok(Value::Int(*i)),
            NodeKind::Call(call) => match self.natives.get(call.row) {
                Some(native) => {
                    self.charge(1, node.span)?;
                    (native.eval)(self, call, node.span)
                }
                None => Err(EvalError::new(
                    node.span,
                    Code::UnknownFunction,
                    format!("`{}` has no implementation", call.spec.name),
                )),
            },
            NodeKind::Compare(op, left, right) => {
                let left = self.eval(left)?;
                let right = self.eval(right)?;
                compare(*op, &left, &right, node.span)
            }
            NodeKind::Concat(left, right) => {
                let left = self.eval(left)?;
                let right = self.eval(right)?;
                let text = |v: &Value<'a>| v.text().map(Cow::into_owned).unwrap_or_default();
                Ok(Value::Str(Cow::Owned(text(&left) + &text(&right))))
            }
        }
    }

    fn attribute(&mut self, slot: usize, span: Span) -> Result<Value<'a>, EvalError> {
        let name = self
            .attrs
            .names()
            .get(slot)
            .expect("compiled attribute slots index the program's attribute table");
        match self.source.lookup(Some(slot), name) {
            Ok(Lookup::Found(v)) => Ok(v),
            Ok(Lookup::Missing) => Ok(Value::Null),
            Ok(Lookup::FoundIgnoringCase(v, actual)) => {
                self.env.warnings.push(
                    Diagnostic::warning(
                        Code::AttributeCase,
                        span,
                        format!(
                            "[{name}] matched the source attribute `{actual}` only ignoring case"
                        ),
                    )
                    .with_label("case differs")
                    .with_help(format!(
                        "write [{actual}]; extension attribute names are case-sensitive in Entra"
                    )),
                );
                Ok(v)
            }
            Err(message) => Err(EvalError::new(span, Code::BadSourceValue, message)),
        }
    }

    /// Argument `i` of `call`, Null when the slot is empty or absent.
    pub fn arg(&mut self, call: &'a CallNode, i: usize) -> Result<Value<'a>, EvalError> {
        match call.args.get(i).and_then(Option::as_ref) {
            Some(node) => self.eval(node),
            None => Ok(Value::Null),
        }
    }

    /// Was argument `i` supplied (not an empty slot)?
    pub fn has_arg(&self, call: &CallNode, i: usize) -> bool {
        call.args.get(i).is_some_and(Option::is_some)
    }

    /// The span of argument `i`, or of the call if the slot is empty.
    pub fn arg_span(&self, call: &CallNode, i: usize, call_span: Span) -> Span {
        call.args
            .get(i)
            .and_then(Option::as_ref)
            .map_or(call_span, |n| n.span)
    }

    /// Is argument `i` under Redact (so messages must not show its value)?
    pub fn arg_redacted(&self, call: &CallNode, i: usize) -> bool {
        call.args
            .get(i)
            .and_then(Option::as_ref)
            .is_some_and(|n| n.redacted)
    }

    /// Argument `i` as single-valued text. `None` for Null (or `""` under
    /// null_propagation=coalesce-to-empty); an error for several values.
    pub fn text(
        &mut self,
        call: &'a CallNode,
        i: usize,
        call_span: Span,
    ) -> Result<Option<Cow<'a, str>>, EvalError> {
        let value = self.arg(call, i)?;
        self.as_text(value, call, i, call_span)
    }

    /// A value as single-valued text (see [`Ctx::text`]).
    pub fn as_text(
        &self,
        value: Value<'a>,
        call: &CallNode,
        i: usize,
        call_span: Span,
    ) -> Result<Option<Cow<'a, str>>, EvalError> {
        match value {
            Value::Str(s) => Ok(Some(s)),
            Value::Null | Value::Drop => Ok(match self.options.dialect.null_propagation {
                crate::options::NullPropagation::Strict => None,
                crate::options::NullPropagation::CoalesceToEmpty => Some(Cow::Borrowed("")),
            }),
            Value::Multi(_) | Value::Roles(_) => Err(self.multi_error(call, i, call_span)),
            other => Ok(other.text().map(|t| Cow::Owned(t.into_owned()))),
        }
    }

    /// The error for several values where one is expected (docs/language.md#null-empty-and-absent).
    pub fn multi_error(&self, call: &CallNode, i: usize, call_span: Span) -> EvalError {
        EvalError::new(
            self.arg_span(call, i, call_span),
            Code::MultiValued,
            format!(
                "`{}` needs a single value here, but this has several",
                call.spec.name
            ),
        )
        .help("pick one value with Item([attr], 1), or combine them with Join(\",\", [attr])")
    }

    /// Argument `i` as an integer (decimal text and decimals truncate toward zero).
    pub fn int(
        &mut self,
        call: &'a CallNode,
        i: usize,
        call_span: Span,
    ) -> Result<Option<i64>, EvalError> {
        let span = self.arg_span(call, i, call_span);
        let redacted = self.arg_redacted(call, i);
        match self.arg(call, i)? {
            Value::Null => Ok(None),
            Value::Int(n) => Ok(Some(n)),
            Value::Bool(_)
            | Value::Date(_)
            | Value::Drop
            | Value::Ref(_)
            | Value::Roles(_)
            | Value::Multi(_) => Err(EvalError::new(
                span,
                Code::NotANumber,
                format!("`{}` needs a whole number here", call.spec.name),
            )),
            Value::Role(role) => self.int_text(role.value, redacted, span).map(Some),
            Value::Str(s) => self.int_text(s, redacted, span).map(Some),
        }
    }

    /// Text read as a whole number, or the error naming it (unless redacted).
    fn int_text(&self, s: Cow<'_, str>, redacted: bool, span: Span) -> Result<i64, EvalError> {
        parse_int(&s).ok_or_else(|| {
            let shown = if redacted {
                "[Redact]".to_string()
            } else {
                format!("{s:?}")
            };
            EvalError::new(
                span,
                Code::NotANumber,
                format!("{shown} is not a whole number"),
            )
            .help("write digits, optionally with a leading minus: 10, -10")
        })
    }

    /// Show a value in a message, unless it is redacted.
    pub fn show(&self, call: &CallNode, i: usize, text: &str) -> String {
        if self.arg_redacted(call, i) {
            "[Redact]".to_string()
        } else {
            format!("{text:?}")
        }
    }

    /// Fail if a produced text exceeds the option max_string_length.
    /// Spend `steps` of the evaluation's budget, or fail with `step-budget` when it has fewer
    /// left: counted, never timed, so the same input fails at every thread count.
    pub fn charge(&mut self, steps: u64, span: Span) -> Result<(), EvalError> {
        match self.steps.checked_sub(steps) {
            Some(left) => {
                self.steps = left;
                Ok(())
            }
            None => Err(EvalError::new(
                span,
                Code::StepBudget,
                format!(
                    "this evaluation needs more than max_eval_steps ({}) steps: a regular expression over this much text costs {steps} (at every position it may scan the rest of the text)",
                    self.options.limits.max_eval_steps
                ),
            )
            .help("make the pattern linear (no look-around or back-reference around a repeat), bound its repeats, or raise the option max_eval_steps")),
        }
    }

    pub fn limit(&self, text: String, call: &CallNode, span: Span) -> Result<Value<'a>, EvalError> {
        if text.len() > self.options.limits.max_string_length {
            return Err(EvalError::new(
                span,
                Code::TooLarge,
                format!(
                    "`{}` would produce {} bytes, more than max_string_length ({})",
                    call.spec.name,
                    text.len(),
                    self.options.limits.max_string_length
                ),
            ));
        }
        Ok(Value::Str(Cow::Owned(text)))
    }
}

/// An integer from text: optional sign and digits; decimals truncate toward zero (docs/language.md#integers-from-text).
pub(crate) fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(i);
    }
    let (whole, frac) = t.split_once('.')?;
    if !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match whole {
        "-" | "" | "+" => Some(0),
        w => w.parse().ok(),
    }
}

/// docs/language.md#comparisons: numbers compare numerically, dates chronologically, everything else as
/// case-sensitive ordinal text. A Null side gives Null.
fn compare<'a>(
    op: BinOp,
    left: &Value<'a>,
    right: &Value<'a>,
    span: Span,
) -> Result<Value<'a>, EvalError> {
    use std::cmp::Ordering;
    if left.is_null() || right.is_null() {
        return Ok(Value::Null);
    }
    let ordering: Ordering = match (left, right) {
        (Value::Date(a), Value::Date(b)) => a.at.cmp(&b.at),
        (Value::Multi(_), _) | (_, Value::Multi(_)) => {
            return Err(
                EvalError::new(span, Code::MultiValued, "cannot compare several values")
                    .help("compare one value: Item([attr], 1)"),
            );
        }
        _ => {
            let (a, b) = (
                left.text().unwrap_or_default(),
                right.text().unwrap_or_default(),
            );
            match (parse_int_exact(&a), parse_int_exact(&b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => a.as_ref().cmp(b.as_ref()),
            }
        }
    };
    let result = match op {
        BinOp::Eq => ordering.is_eq(),
        BinOp::Ne => ordering.is_ne(),
        BinOp::Lt => ordering.is_lt(),
        BinOp::Le => ordering.is_le(),
        BinOp::Gt => ordering.is_gt(),
        BinOp::Ge => ordering.is_ge(),
        BinOp::Concat => false,
    };
    Ok(Value::Bool(result))
}

fn parse_int_exact(s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty()
        || !t
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    t.parse().ok()
}

/// CBool rules (docs/functions.md#all-functions): Bool; Int ≠ 0; text that parses as a Boolean or an integer.
pub(crate) fn to_bool(value: &Value<'_>) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Int(i) => Some(*i != 0),
        Value::Str(s) => parse_bool(s).or_else(|| parse_int_exact(s).map(|i| i != 0)),
        Value::Role(role) => to_bool(&Value::Str(Cow::Borrowed(&role.value))),
        _ => None,
    }
}

impl Date {
    /// A UTC date.
    pub fn utc(at: NaiveDateTime) -> Date {
        Date {
            at,
            kind: DateKind::Utc,
        }
    }
}
