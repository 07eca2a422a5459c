//! .NET's behaviour, emulated where Entra's functions show it: dates and their format strings
//! (`DateTime.ParseExact`/`ToString`, VB.NET's DateAdd and DateDiff), regular expressions and
//! their substitutions, and case mapping (simple 1:1 mapping, the Turkish i, title case).
//! Each file also holds the functions built on it.

pub(crate) mod casing;
pub(crate) mod dates;
pub(crate) mod netdate;
pub(crate) mod regex;
