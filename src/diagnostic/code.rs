//! The registry of diagnostic codes: every code any command, the workbench or `entramap test`
//! reports, with its severity and a summary. `docs/codes.md` is generated from it
//! (`ENTRAMAP_UPDATE_DOCS=1 cargo test --test codes`), and a test fails when a code is missing
//! there.

use serde::Serialize;

use super::Severity;

macro_rules! codes {
    ($($variant:ident = $name:literal, $severity:ident, $summary:literal;)*) => {
        /// A diagnostic's stable identifier, such as `unknown-function`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $(
                #[doc = concat!("`", $name, "`: ", $summary, ".")]
                $variant,
            )*
        }

        impl Code {
            /// Every code.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as text: kebab-case, as JSON output and `expect_error` write it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// How it is reported (`mapping-source` is an error or a warning by case; this is
            /// the more severe).
            pub const fn severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$severity,)*
                }
            }

            /// What it means, in one line (docs/codes.md).
            pub const fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }
        }
    };
}

codes! {
    AppRefused = "app-refused", Error, "the SCIM app answered a request with an error status (`sync`)";
    AppUnreachable = "app-unreachable", Error, "the SCIM app gave no usable answer: no connection, a timeout, or not SCIM JSON (`sync`)";
    Arity = "arity", Error, "a function is called with too few or too many arguments";
    AttributeCase = "attribute-case", Warning, "an attribute name matched a record key only ignoring case";
    AttributeSpace = "attribute-space", Warning, "an attribute name starts or ends with a space";
    BadArgument = "bad-argument", Error, "an argument has a value the function cannot take";
    BadBase64 = "bad-base64", Error, "text is not valid Base64";
    BadCulture = "bad-culture", Error, "a culture name is not one .NET knows";
    BadDate = "bad-date", Error, "text is not a date the function can read";
    BadDateFormat = "bad-date-format", Error, "a .NET date format string is not valid";
    BadInterval = "bad-interval", Error, "a DateAdd/DateDiff interval is unknown";
    BadNumber = "bad-number", Error, "a token starts with a digit but is not a number";
    BadOption = "bad-option", Error, "an option (such as `now`) has a value that cannot be used";
    BadRegex = "bad-regex", Error, "a regular expression does not compile";
    BadRequest = "bad-request", Error, "a request to `eval --batch` or the workbench cannot be read";
    BadSid = "bad-sid", Error, "a value is not a security identifier";
    BadSourceValue = "bad-source-value", Error, "a source attribute holds a value that cannot be read as the function needs";
    C42OrgName = "c42-org-name", Warning, "a Code42 configuration maps organizations by c42OrgName, which Entra does not support (`code42`)";
    ChainedComparison = "chained-comparison", Error, "comparisons are chained (`a = b = c`)";
    CloudSyncFunction = "cloud-sync-function", Error, "a function exists only in Entra Cloud Sync expressions";
    CloudSyncPlaceholder = "cloud-sync-placeholder", Warning, "a `%...%` Cloud Sync placeholder in an app-provisioning expression";
    Code42AttributeNotSent = "code42-attribute-not-sent", Warning, "a Code42 configuration maps organizations by an attribute the mapping never sends (`code42`)";
    Code42GroupNotProvisioned = "code42-group-not-provisioned", Warning, "a Code42 configuration names a SCIM group the mapping does not provision (`code42`)";
    Code42NoGroups = "code42-no-groups", Warning, "a Code42 configuration maps by SCIM group, and the mapping provisions no groups (`code42`)";
    Code42UnknownRole = "code42-unknown-role", Warning, "a Code42 role mapping names a role Code42's provisioning guides do not name (`code42`)";
    CompileError = "compile-error", Error, "an expression does not compile (its diagnostics say why)";
    ConcatOperator = "concat-operator", Error, "`&` concatenation, which only Cloud Sync has";
    ConstantExpression = "constant-expression", Warning, "an expression mapping that is a constant";
    CountryAmbiguous = "country-ambiguous", Warning, "an address country names several countries; sent unchanged";
    CountryAmbiguousKey = "country-ambiguous-key", Warning, "a country Switch key names several countries";
    CountryCode = "country-code", Warning, "an address country is not an ISO 3166-1 alpha-2 code";
    CountryMissingNames = "country-missing-names", Warning, "a country Switch lacks current ISO 3166 names";
    CountryUnknown = "country-unknown", Warning, "an address country is not a country name or code; sent unchanged";
    CountryWrongCode = "country-wrong-code", Warning, "a country Switch maps a name to another country's code";
    CurlyQuote = "curly-quote", Error, "a typographic quote where a string quote belongs";
    DateOutOfRange = "date-out-of-range", Error, "a date falls outside the years 1 to 9999";
    DecimalLiteral = "decimal-literal", Warning, "a decimal number, which Entra does not document";
    DuplicateObject = "duplicate-object", Warning, "a source object is listed twice; the first is provisioned";
    EmptyArgument = "empty-argument", Warning, "an empty argument is dropped";
    EmptyAttribute = "empty-attribute", Error, "an attribute reference with no name (`[]`)";
    EmptyExpression = "empty-expression", Error, "the expression is empty";
    ErrorFunction = "error-function", Error, "the expression called Error()";
    FunctionCase = "function-case", Warning, "a function name is written in other letter case than Entra lists it";
    GraphTextUnparsed = "graph-text-unparsed", Warning, "a stored expression text does not parse; its tree is used";
    GraphTreeDiffers = "graph-tree-differs", Warning, "a stored tree disagrees with its expression text; the tree is used";
    GraphTreeUnreadable = "graph-tree-unreadable", Warning, "a stored tree cannot be read; its expression text is used";
    IifNull = "iif-null", Warning, "an IIF branch may be Null, which makes the whole IIF Null";
    IndexOutOfRange = "index-out-of-range", Error, "an Item index is outside the list";
    InternalError = "internal-error", Error, "entramap failed on this record; please report it";
    LinkedByExternalId = "linked-by-external-id", Warning, "an object found by the externalId its mapping sends, standing in for the link Entra would hold";
    LogicOperator = "logic-operator", Error, "an operator Entra expressions do not have (`And`, `Or`, ...)";
    MappingSource = "mapping-source", Error, "a mapping has more than one source (error) or none and no default (warning)";
    MatchingPriority = "matching-priority", Warning, "two matching attributes share a priority";
    MissingArgument = "missing-argument", Error, "a required argument is empty";
    MissingComma = "missing-comma", Error, "arguments are not separated by a comma";
    MissingOperand = "missing-operand", Error, "an operator has no value on one side";
    MultiValued = "multi-valued", Error, "a function needs one value but got several";
    NoMatching = "no-matching", Error, "an object mapping has no matching attribute";
    NoMatchingValue = "no-matching-value", Error, "every matching attribute of a record is empty";
    NoObjectMapping = "no-object-mapping", Error, "the mapping set has no object mapping for this kind of record";
    NoObjectMappings = "no-object-mappings", Warning, "a Graph schema has no synchronization rule with object mappings";
    NoUniqueValue = "no-unique-value", Error, "every SelectUniqueValue candidate is taken";
    NotABoolean = "not-a-boolean", Error, "a value is not True or False where one is needed";
    NotANumber = "not-a-number", Error, "a value is not a whole number where one is needed";
    NotRoles = "not-roles", Error, "a function needs the appRoleAssignments attribute";
    NotTopLevel = "not-top-level", Error, "SelectUniqueValue is nested inside another call";
    ObjectIdNotText = "object-id-not-text", Warning, "an objectId that is not a JSON string; kept as the text it is written as";
    OctalLiteral = "octal-literal", Error, "an `&O` octal literal";
    PlusOperator = "plus-operator", Error, "`+` used as an operator";
    ReferenceType = "reference-type", Warning, "a manager or members mapping is not of type Reference";
    RegexLimit = "regex-limit", Error, "a regular expression backtracked past the limit";
    ReplaceMode = "replace-mode", Error, "Replace is given an argument combination it has no mode for";
    ScopeFilter = "scope-filter", Error, "a scoping filter cannot be evaluated as Entra evaluates it";
    ScopeNotEvaluated = "scope-not-evaluated", Warning, "part of a Graph scope is kept but not evaluated";
    ScopeUndetermined = "scope-undetermined", Warning, "the scoping filter cannot decide for a record; nothing is sent";
    SecondUserMapping = "second-user-mapping", Warning, "a Graph schema has a second enabled user (or group) object mapping, which Entra would run too; it is ignored";
    SelectUniqueValue = "select-unique-value", Warning, "SelectUniqueValue where Entra does not support it";
    SeveralRoles = "several-roles", Warning, "SingleAppRoleAssignment on a user with several app role assignments; the first is used";
    SeveralValues = "several-values", Warning, "several values for a single-valued attribute; the first is sent";
    SingleQuote = "single-quote", Error, "a string in single quotes";
    SpaceBeforeParen = "space-before-paren", Warning, "a space between a function name and `(`";
    StaleLink = "stale-link", Warning, "a link from an earlier cycle names an id the target does not hold; the object the matching attributes find is followed";
    StaleLinkDropped = "stale-link-dropped", Warning, "the app answers 404 for a linked object's id: the link is dropped and the matching GETs run (`sync`)";
        StepBudget = "step-budget", Error, "an evaluation needs more steps than the budget (option max_eval_steps)";
    SwitchDuplicateKey = "switch-duplicate-key", Warning, "a Switch key appears twice";
    SwitchOnTest = "switch-on-test", Warning, "a Switch over a True/False test compares text";
    SwitchPairs = "switch-pairs", Error, "Switch has a key without a value";
    TargetPath = "target-path", Error, "a target attribute is not a SCIM path entramap can write";
    TargetType = "target-type", Error, "a value does not convert to its target attribute's type";
    TargetWithoutId = "target-without-id", Error, "the matched target object has no id";
    TooDeep = "too-deep", Error, "the expression nests deeper than max_nesting_depth";
    TooLarge = "too-large", Error, "a result would exceed max_string_length";
    TooLong = "too-long", Error, "the expression is longer than Entra accepts";
    TooManyArguments = "too-many-arguments", Error, "a call has more arguments than max_arguments";
    TrailingInput = "trailing-input", Error, "text follows a complete expression";
    Unbalanced = "unbalanced", Error, "a bracket or parenthesis has no partner";
    UndocumentedFunction = "undocumented-function", Warning, "a function Entra runs but does not document";
    UnexpectedEnd = "unexpected-end", Error, "the expression ends where a value was expected";
    UnexpectedToken = "unexpected-token", Error, "a token that cannot stand here";
    UnknownAttribute = "unknown-attribute", Warning, "an attribute Entra (or the schema) does not provide; it is Null";
    UnknownEscape = "unknown-escape", Warning, "a backslash escape Entra does not document; both characters are kept";
    UnknownFunction = "unknown-function", Error, "no function has this name";
    UnknownGroup = "unknown-group", Error, "a regular expression has no group of this name";
    UnknownPlaceholder = "unknown-placeholder", Error, "a Cloud Sync placeholder has no value";
    UnreadableRecord = "unreadable-record", Error, "a record cannot be read (not JSON, not an object)";
    UnresolvedReference = "unresolved-reference", Warning, "a manager or member is not provisioned yet; left out until a later cycle";
    UnterminatedString = "unterminated-string", Error, "a string is never closed";
    UnusualSpace = "unusual-space", Error, "a space character Entra does not accept between tokens";
}

impl Code {
    /// The code for `text`, if it is one.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }

    /// Where docs/codes.md describes it.
    pub fn anchor(self) -> String {
        format!("docs/codes.md#{}", self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
