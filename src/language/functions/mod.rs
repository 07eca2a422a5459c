//! The implementations of the built-in functions, one row per row of the signature table
//! (`crate::builtins::BUILTINS`, docs/functions.md), grouped by family. `compile` and `eval`
//! reach them only through [`NATIVES`], which the expression stage hands them.

mod diacritics;
mod dotnet;
mod encode;
mod logic;
mod multi;
mod random;
mod text;

pub(crate) use dotnet::regex;
use dotnet::{casing, dates};

pub(crate) use casing::simple_lower as simple_lower_char;
pub(crate) use diacritics::normalize as normalize_diacritics_text;

use crate::eval::Native;

macro_rules! natives {
    ($(($name:literal, $eval:path, $prepare:expr)),* $(,)?) => {
        &[$(Native { name: $name, eval: $eval, prepare: $prepare }),*]
    };
}

/// Every implementation, in the order of `BUILTINS` (a test checks that the names agree).
pub(crate) static NATIVES: &[Native] = natives![
    ("Append", text::append, None),
    ("AppRoleAssignments", multi::single_role, None),
    ("AppRoleAssignmentsComplex", multi::roles_complex, None),
    (
        "AssertiveAppRoleAssignmentsComplex",
        multi::roles_complex,
        None
    ),
    ("BitAnd", encode::bit_and, None),
    ("CBool", logic::cbool, None),
    ("CDate", dates::cdate_fn, None),
    ("Coalesce", logic::coalesce, None),
    ("ConvertFromBase64", encode::from_base64, None),
    ("ConvertToBase64", encode::to_base64, None),
    ("ConvertToUTF8Hex", encode::to_utf8_hex, None),
    ("Count", multi::count, None),
    ("CStr", text::cstr, None),
    ("DateAdd", dates::date_add, None),
    ("DateDiff", dates::date_diff, None),
    ("DateFromNum", dates::date_from_num, None),
    ("DefaultDomain", logic::default_domain, None),
    ("DNComponent", encode::dn_component, None),
    ("Error", logic::error, None),
    (
        "FormatDateTime",
        dates::format_date_time,
        Some(dates::prepare_format_date_time)
    ),
    ("Guid", random::guid, None),
    ("IgnoreFlowIfNullOrEmpty", logic::ignore_flow, None),
    ("IIF", logic::iif, None),
    ("InStr", text::instr, None),
    ("IsNothing", logic::is_null, None),
    ("IsNull", logic::is_null, None),
    ("IsNullOrEmpty", logic::is_null_or_empty, None),
    ("IsPresent", logic::is_present, None),
    ("IsString", logic::is_string, None),
    ("Item", multi::item, None),
    ("Join", text::join, None),
    ("Left", text::left, None),
    ("Len", text::len, None),
    ("Mid", text::mid, None),
    (
        "NormalizeDiacritics",
        diacritics::normalize_diacritics,
        None
    ),
    ("Not", logic::not, None),
    ("Now", logic::now, None),
    ("NumFromDate", dates::num_from_date, None),
    ("PCase", casing::pcase, None),
    ("Prepend", text::prepend, None),
    ("RandomString", random::random_string, None),
    ("Redact", logic::redact, None),
    ("RemoveDuplicates", multi::remove_duplicates, None),
    ("Replace", regex::replace, Some(regex::prepare_replace)),
    ("SelectUniqueValue", logic::select_unique_value, None),
    ("SingleAppRoleAssignment", multi::single_role, None),
    ("Split", text::split, None),
    ("StringFromSID", encode::string_from_sid, None),
    ("StripSpaces", text::strip_spaces, None),
    ("Switch", logic::switch, Some(logic::prepare_switch)),
    ("ToLower", casing::to_lower, None),
    ("ToUpper", casing::to_upper, None),
    ("Trim", text::trim, None),
    ("Word", text::word, None),
];

#[cfg(test)]
mod tests {
    #[test]
    fn one_implementation_per_signature_row() {
        let names: Vec<&str> = super::NATIVES.iter().map(|n| n.name).collect();
        let rows: Vec<&str> = crate::builtins::BUILTINS.iter().map(|f| f.name).collect();
        assert_eq!(names, rows);
    }
}
