//! Checks on a parsed tree against the function table: unknown functions (with "did you
//! mean"), name casing, arity, empty required arguments, and the lints of docs/language.md#check-errors-and-warnings, §2.4 and
//! §2.6 (Switch pairs and duplicate keys, IIF branches that may be Null, functions that belong at
//! the top level).

mod attributes;

use crate::builtins::{self, Dialect, FnSpec, NullRule, Presence};
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::options::{NameCase, Options};
use crate::syntax::ast::{Call, Expr, ExprKind};

/// Every error and warning about `expr` that the text alone does not show.
pub fn check(expr: &Expr, options: &Options) -> Vec<Diagnostic> {
    let mut checker = Checker {
        options,
        out: Vec::new(),
    };
    checker.visit(expr, true);
    checker.out
}

/// Resolve a call's function under the options, as checking and compiling do.
pub fn resolve(name: &str, options: &Options) -> Option<(usize, &'static FnSpec)> {
    builtins::row(name).or_else(|| match options.dialect.function_name_case {
        NameCase::InsensitiveWarn => builtins::row_ignore_case(name),
        NameCase::Strict => None,
    })
}

struct Checker<'o> {
    options: &'o Options,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn visit(&mut self, expr: &Expr, top_level: bool) {
        match &expr.kind {
            ExprKind::Call(call) => {
                if let Some(spec) = self.function(call) {
                    self.arity(spec, call, expr.span);
                    self.lints(spec, call, expr.span, top_level);
                }
                for arg in call.supplied() {
                    self.visit(arg, false);
                }
            }
            ExprKind::Binary(b) => {
                self.visit(&b.left, false);
                self.visit(&b.right, false);
            }
            ExprKind::Ident(name) if crate::syntax::ast::is_placeholder(name) => {
                self.placeholder(name, expr.span)
            }
            // Entra's attribute names are app provisioning's sources; Cloud Sync reads Active
            // Directory's (a schema's own list is checked by `check -m`).
            ExprKind::Attribute(name)
                if self.options.dialect.dialect == crate::options::Dialect::CloudSync => {}
            ExprKind::Attribute(name) => {
                if let Some(meant) = attributes::misspelling_of(name) {
                    self.out.push(
                        Diagnostic::warning(
                            Code::UnknownAttribute,
                            expr.span,
                            format!("[{name}] is not an attribute Entra provides, so it is Null for every user"),
                        )
                        .with_label("unknown attribute")
                        .with_help(format!("did you mean [{meant}]?")),
                    );
                }
            }
            _ => {}
        }
    }

    /// `%DomainFQDN%`: Cloud Sync only, and its value must be known (option placeholders).
    fn placeholder(&mut self, name: &str, span: Span) {
        if !self.options.dialect.allow_cloud_sync_extensions {
            self.out.push(
                Diagnostic::error(
                    Code::CloudSyncPlaceholder,
                    span,
                    format!("`{name}` is a Cloud Sync placeholder"),
                )
                .with_label("not available in app provisioning")
                .with_help("app provisioning has no placeholders; use --dialect cloud-sync if this expression is for Cloud Sync"),
            );
            return;
        }
        let key = name.trim_matches('%');
        if !self.options.run.placeholders.contains_key(key) {
            let known: Vec<&str> = self
                .options
                .run
                .placeholders
                .keys()
                .map(String::as_str)
                .collect();
            self.out.push(
                Diagnostic::error(
                    Code::UnknownPlaceholder,
                    span,
                    format!("no value for `{name}`"),
                )
                .with_label("unknown placeholder")
                .with_help(format!(
                    "give it one: --option 'placeholders={{\"{key}\": \"...\"}}' (known: {})",
                    known.join(", ")
                )),
            );
        }
    }

    fn function(&mut self, call: &Call) -> Option<&'static FnSpec> {
        let name = call.name.as_str();
        let spec = match builtins::lookup(name) {
            Some(spec) => spec,
            None => match builtins::lookup_ignore_case(name) {
                Some(spec)
                    if self.options.dialect.function_name_case == NameCase::InsensitiveWarn =>
                {
                    self.out.push(
                        Diagnostic::warning(
                            Code::FunctionCase,
                            call.name_span,
                            format!(
                                "`{name}` is written `{}` in Entra's function list",
                                spec.name
                            ),
                        )
                        .with_label(format!("did you mean `{}`?", spec.name))
                        .with_help(format!(
                            "write `{}`; Entra's docs call function names case-sensitive",
                            spec.name
                        )),
                    );
                    spec
                }
                Some(spec) => {
                    self.out.push(
                        Diagnostic::error(Code::UnknownFunction, call.name_span, format!("unknown function `{name}`"))
                            .with_label(format!("did you mean `{}`?", spec.name))
                            .with_help(format!("function names are case-sensitive (option function_name_case=strict): write `{}`", spec.name)),
                    );
                    return None;
                }
                None => {
                    let d = Diagnostic::error(
                        Code::UnknownFunction,
                        call.name_span,
                        format!("unknown function `{name}`"),
                    );
                    self.out.push(match builtins::suggest(name) {
                        Some(s) => d.with_label(format!("did you mean `{s}`?")).with_help(format!("`entramap functions` lists every function; `{s}` is {}", builtins::lookup(s).map_or(String::new(), |f| f.signature()))),
                        None => d.with_label("not an Entra function").with_help("`entramap functions` lists every function Entra's provisioning service knows"),
                    });
                    return None;
                }
            },
        };
        if spec.dialect == Dialect::CloudSync && !self.options.dialect.allow_cloud_sync_extensions {
            self.out.push(
                Diagnostic::error(Code::CloudSyncFunction, call.name_span, format!("`{}` exists only in Entra Cloud Sync expressions", spec.name))
                    .with_label("not available in app provisioning")
                    .with_help("app provisioning rejects it; set allow_cloud_sync_extensions=true if this expression is for Cloud Sync"),
            );
            return None;
        }
        if spec.dialect == Dialect::Undocumented {
            self.out.push(
                Diagnostic::warning(
                    Code::UndocumentedFunction,
                    call.name_span,
                    format!("`{}` is not in Microsoft's function reference", spec.name),
                )
                .with_label("undocumented")
                .with_help("admins report that the provisioning service accepts it; Microsoft may change or remove it"),
            );
        }
        Some(spec)
    }

    fn arity(&mut self, spec: &FnSpec, call: &Call, span: Span) {
        let argc = call.args.len();
        let Some(form) = spec.form_for(argc) else {
            let (min, max) = spec.arity();
            let expected = match max {
                Some(max) if max == min => format!("{min}"),
                Some(max) if spec.forms.len() > 1 => format!("{min} or {max}"),
                Some(max) => format!("{min} to {max}"),
                None => format!("at least {min}"),
            };
            let plural = if expected == "1" { "" } else { "s" };
            let params: Vec<String> = spec
                .forms
                .iter()
                .map(|f| format!("({})", builtins::param_names(f)))
                .collect();
            self.out.push(
                Diagnostic::error(
                    Code::Arity,
                    span,
                    format!(
                        "`{}` takes {expected} argument{plural} {}, found {argc}",
                        spec.name,
                        params.join(" or ")
                    ),
                )
                .with_label(format!(
                    "{argc} argument{}",
                    if argc == 1 { "" } else { "s" }
                ))
                .with_help(format!("write {}", spec.signature())),
            );
            return;
        };
        for (i, arg) in call.args.iter().enumerate() {
            if arg.value.is_some() {
                continue;
            }
            let Some(param) = builtins::param_at(form, i) else {
                continue;
            };
            let required = match param.presence {
                Presence::Required => true,
                Presence::RequiredOutsideCloudSync => {
                    !self.options.dialect.allow_cloud_sync_extensions
                }
                Presence::Optional | Presence::Repeated { .. } => false,
            };
            match param.presence {
                _ if required => self.out.push(
                    Diagnostic::error(Code::MissingArgument, arg.span, format!("argument {} of `{}` ({}) is required but empty", i + 1, spec.name, param.name))
                        .with_label(format!("{} goes here", param.name))
                        .with_help(match param.presence {
                            Presence::RequiredOutsideCloudSync => format!("write {}; Cloud Sync may leave it empty (--dialect cloud-sync)", spec.signature()),
                            _ => format!("write {}", spec.signature()),
                        }),
                ),
                Presence::Repeated { .. } => self.out.push(
                    Diagnostic::warning(Code::EmptyArgument, arg.span, format!("empty argument {} of `{}` is dropped", i + 1, spec.name))
                        .with_label("empty")
                        .with_help("Entra stores only supplied arguments here, so later arguments move up one place; remove the extra comma"),
                ),
                Presence::Optional
                | Presence::Required
                | Presence::RequiredOutsideCloudSync => {}
            }
        }
    }

    fn lints(&mut self, spec: &FnSpec, call: &Call, span: Span, top_level: bool) {
        match spec.name {
            "Switch" => self.switch(call),
            "IIF" => self.iif(call),
            // Microsoft's reference: SelectUniqueValue "can't be nested" — the service refuses it.
            "SelectUniqueValue" if !top_level => self.out.push(
                Diagnostic::error(
                    Code::NotTopLevel,
                    span,
                    "`SelectUniqueValue` cannot be nested: it must be the whole expression",
                )
                .with_label("nested here")
                .with_help("make `SelectUniqueValue(...)` the outermost call; put the other functions inside its arguments"),
            ),
            "IgnoreFlowIfNullOrEmpty" if !top_level => self.out.push(
                Diagnostic::warning(
                    Code::NotTopLevel,
                    span,
                    format!("`{}` only has an effect as the whole expression", spec.name),
                )
                .with_label("nested here")
                .with_help(format!(
                    "make `{}(...)` the outermost call of the mapping",
                    spec.name
                )),
            ),
            _ => {}
        }
    }

    fn switch(&mut self, call: &Call) {
        if let Some(source) = call.arg(0).and_then(Expr::as_call)
            && ["IsPresent", "IsNull", "IsNullOrEmpty"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&source.name))
        {
            self.out.push(
                Diagnostic::warning(
                    Code::SwitchOnTest,
                    source.name_span,
                    format!(
                        "Switch over `{}` compares the text True/False with the keys",
                        source.name
                    ),
                )
                .with_label("Entra's docs advise against this")
                .with_help(
                    "use IIF for a yes/no test, or Coalesce to take the first present value",
                ),
            );
        }
        let pairs = call.args.get(2..).unwrap_or(&[]);
        if pairs.len() % 2 == 1
            && let Some(last) = pairs.last()
        {
            self.out.push(
                    Diagnostic::warning(Code::SwitchPairs, last.span, "Switch has a key without a value")
                        .with_label("this key has no value")
                        .with_help("Switch(source, defaultValue, key1, value1, key2, value2, ...): add the value, or an empty defaultValue `Switch(x, , ...)` if the default is missing"),
                );
        }
        let mut seen: Vec<(String, Span)> = Vec::new();
        for key in pairs.iter().step_by(2) {
            let Some(text) = key.value.as_ref().and_then(constant_text) else {
                continue;
            };
            match seen.iter().find(|(k, _)| *k == text) {
                Some((_, first)) => self.out.push(
                    Diagnostic::warning(
                        Code::SwitchDuplicateKey,
                        key.span,
                        format!(
                            "Switch key {} appears twice; the second is never used",
                            crate::syntax::print::quote(&text)
                        ),
                    )
                    .with_label("never matches")
                    .with_related(*first, "first used here")
                    .with_help("remove one of the pairs, or fix the key"),
                ),
                None => seen.push((text, key.span)),
            }
        }
    }

    /// docs/language.md#iif-and-null: Entra evaluates all three arguments; a Null branch makes the whole IIF Null.
    fn iif(&mut self, call: &Call) {
        // Under iif_null=lazy (the Cloud Sync dialect) only the chosen branch matters.
        if self.options.dialect.iif_null == crate::options::IifNull::Lazy {
            return;
        }
        // An empty branch (Cloud Sync allows one) is Null, so under strict the IIF always is.
        if let Some(empty) = call.args.iter().skip(1).find(|a| a.value.is_none()) {
            self.out.push(
                Diagnostic::warning(Code::IifNull, empty.span, "an empty IIF branch is Null, and with iif_null=strict every argument counts: this IIF always gives Null")
                    .with_label("empty")
                    .with_help("Cloud Sync evaluates only the branch it picks: leave iif_null to the cloud-sync dialect (lazy), or give the branch a value"),
            );
            return;
        }
        let tested = call.arg(0).map(tested_for_null).unwrap_or_default();
        let mut nullable: Vec<(MaybeNull<'_>, Span)> = Vec::new();
        for branch in [call.arg(1), call.arg(2)].into_iter().flatten() {
            nullable_parts(branch, &mut nullable);
        }
        // Lead with an attribute the condition tests for Null: that is the documented failure.
        let documented = nullable
            .iter()
            .position(|(n, _)| matches!(n, MaybeNull::Attribute(a) if tested.contains(a)));
        if let Some(i) = documented {
            nullable.swap(0, i);
        }
        let Some(&(first, span)) = nullable.first() else {
            return;
        };
        let evaluates =
            "whichever branch the condition picks (app provisioning: IIF evaluates every argument)";
        let (message, help) = match first {
            MaybeNull::SwitchWithoutDefault => (
                format!(
                    "if no key of this Switch matches, it is Null (it has no default), and then this IIF gives Null (nothing flows), {evaluates}"
                ),
                "give the Switch a default (its second argument), e.g. \"\" or a fallback code"
                    .to_string(),
            ),
            MaybeNull::Attribute(name) => (
                format!(
                    "if [{name}] has no value, this IIF gives Null (nothing flows), {evaluates}"
                ),
                if documented.is_some() {
                    format!(
                        "this is a pattern Entra's docs list as unsupported; write Switch([{name}], [{name}], \"\", \"<fallback>\") instead"
                    )
                } else {
                    format!(
                        "guard the branch with Coalesce([{name}], \"\") or use Switch; option iif_null=lazy models the other reading of the docs"
                    )
                },
            ),
        };
        let mut d = Diagnostic::warning(Code::IifNull, span, message)
            .with_label("may be Null")
            .with_help(help);
        for &(other, other_span) in nullable.iter().skip(1) {
            let note = match other {
                MaybeNull::Attribute(name) => format!("[{name}] may be Null too"),
                MaybeNull::SwitchWithoutDefault => {
                    "this Switch has no default, so it is Null when no key matches too".to_string()
                }
            };
            d = d.with_related(other_span, note);
        }
        self.out.push(d);
    }
}

/// The text a constant Switch key compares as, if the key is a constant.
fn constant_text(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Str(s) | ExprKind::Number(s) | ExprKind::Hex(s) | ExprKind::Ident(s) => {
            Some(s.clone())
        }
        _ => None,
    }
}

/// Attributes the condition tests for Null/empty: IsNull([x]), IsNullOrEmpty([x]), IsPresent([x]), [x]="".
fn tested_for_null(cond: &Expr) -> Vec<&str> {
    let mut out = Vec::new();
    cond.walk(&mut |node| match &node.kind {
        ExprKind::Call(c)
            if ["IsNull", "IsNullOrEmpty", "IsPresent", "IsNothing"]
                .iter()
                .any(|n| n.eq_ignore_ascii_case(&c.name)) =>
        {
            if let Some(Expr {
                kind: ExprKind::Attribute(a),
                ..
            }) = c.arg(0)
            {
                out.push(a.as_str());
            }
        }
        ExprKind::Binary(b) => {
            for (side, other) in [(&b.left, &b.right), (&b.right, &b.left)] {
                if let (ExprKind::Attribute(a), ExprKind::Str(s)) = (&side.kind, &other.kind)
                    && s.is_empty()
                {
                    out.push(a.as_str());
                }
            }
        }
        _ => {}
    });
    out
}

/// What can make a branch Null.
#[derive(Clone, Copy)]
enum MaybeNull<'e> {
    /// An attribute without a value.
    Attribute(&'e str),
    /// A Switch with no default, when no key matches.
    SwitchWithoutDefault,
}

/// What could make `expr` Null, following each function's null rule: absent attributes and
/// Switches without a default.
fn nullable_parts<'e>(expr: &'e Expr, out: &mut Vec<(MaybeNull<'e>, Span)>) {
    match &expr.kind {
        ExprKind::Attribute(name) => out.push((MaybeNull::Attribute(name), expr.span)),
        ExprKind::Binary(b) => {
            nullable_parts(&b.left, out);
            nullable_parts(&b.right, out);
        }
        ExprKind::Call(call) => {
            let Some(spec) = builtins::lookup_ignore_case(&call.name) else {
                return;
            };
            match spec.nulls {
                NullRule::NeverNull | NullRule::Drop => {}
                NullRule::Propagate => call.supplied().for_each(|a| nullable_parts(a, out)),
                NullRule::AllNull => {
                    let skip = usize::from(spec.name == "Join");
                    let mut all = Vec::new();
                    for arg in call.args.iter().skip(skip).filter_map(|a| a.value.as_ref()) {
                        let before = all.len();
                        nullable_parts(arg, &mut all);
                        if all.len() == before {
                            return; // one argument that is never Null keeps the result non-Null
                        }
                    }
                    out.extend(all);
                }
                NullRule::Branches if spec.name == "Switch" => {
                    // No default: when no key matches, the Switch itself is Null.
                    if call.arg(1).is_none() {
                        out.push((MaybeNull::SwitchWithoutDefault, expr.span));
                    }
                    // The source is compared as "" when Null; only the chosen values matter.
                    let values = call
                        .args
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i == 1 || (*i >= 3 && i % 2 == 1));
                    for (_, arg) in values {
                        if let Some(v) = &arg.value {
                            nullable_parts(v, out);
                        }
                    }
                }
                NullRule::Branches => call.supplied().for_each(|a| nullable_parts(a, out)),
            }
        }
        _ => {}
    }
}

/// The result of reading and checking one expression.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// The tree, when the text parsed (it may still have check errors).
    pub expr: Option<crate::syntax::ast::Expr>,
    /// Errors and warnings, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Are there any errors?
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse and check `src`: every error and warning, sorted by position.
pub fn analyze(src: &str, options: &Options) -> Analysis {
    let (expr, mut diagnostics) = match crate::syntax::parse(src, options) {
        Ok(parsed) => {
            let mut diagnostics = parsed.warnings;
            diagnostics.extend(check(&parsed.expr, options));
            (Some(parsed.expr), diagnostics)
        }
        Err(diagnostics) => (None, diagnostics),
    };
    diagnostics.sort_by_key(|d| (d.span.start, std::cmp::Reverse(d.severity)));
    Analysis { expr, diagnostics }
}
