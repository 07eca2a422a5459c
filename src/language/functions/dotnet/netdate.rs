//! .NET date format strings, both ways: `DateTime.ParseExact` and `DateTime.ToString` with the
//! invariant culture on a UTC host (docs/functions.md#formatdatetime). A one-character format is a standard format
//! (`o`, `s`, `d`, ...); anything longer is custom (`yyyy-MM-ddTHH:mm:ss.fffK`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Weekday};

use crate::eval::value::{Date, DateKind};

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(String),
    Day(usize),
    Month(usize),
    Year(usize),
    Hour12(usize),
    Hour24(usize),
    Minute(usize),
    Second(usize),
    /// `f` (exact digits) or `F` (trailing zeros dropped).
    Fraction(usize, bool),
    AmPm(usize),
    Offset(usize),
    Kind,
    Era,
    /// An unquoted `Z`: a literal `Z` when formatting; when parsing it takes `Z`, `z` or `GMT`
    /// and marks the date as UTC.
    Zulu,
    /// An unquoted `GMT`: a literal when formatting; when parsing it gives an offset of zero.
    Gmt,
    /// An unquoted `.` directly before `F`s: when parsing, the dot and the fraction may both be
    /// missing.
    DotFraction(usize),
}

/// A tokenized format string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Format {
    tokens: Vec<Token>,
}

/// The .NET `DateTimeStyles` that matter on a UTC host.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Styles {
    leading_white: bool,
    trailing_white: bool,
    inner_white: bool,
    no_current_date_default: bool,
    adjust_to_universal: bool,
    assume_universal: bool,
    assume_local: bool,
    roundtrip_kind: bool,
}

impl Styles {
    /// F's default: `RoundtripKind | AllowLeadingWhite | AllowTrailingWhite`.
    pub(crate) fn default_for_format_date_time() -> Styles {
        Styles {
            leading_white: true,
            trailing_white: true,
            roundtrip_kind: true,
            ..Styles::default()
        }
    }

    /// What .NET's `Enum.Parse(typeof(DateTimeStyles), text)` accepts: a comma- (or `|`-)
    /// separated list of names (case-insensitive, `DateTimeStyles.` optional) or numbers, the
    /// flags or-ed together (`"32"` is AssumeLocal, `"3"` AllowLeadingWhite|AllowTrailingWhite).
    /// Combinations `DateTime.ParseExact` refuses are errors, as they are in .NET.
    pub(crate) fn parse(text: &str) -> Result<Styles, String> {
        let mut bits: u64 = 0;
        for name in text
            .split([',', '|'])
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            let bare = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
            bits |= match bare.as_str() {
                "none" => 0,
                "allowleadingwhite" => 1,
                "allowtrailingwhite" => 2,
                "allowinnerwhite" => 4,
                "allowwhitespaces" => 7,
                "nocurrentdatedefault" => 8,
                "adjusttouniversal" => 16,
                "assumelocal" => 32,
                "assumeuniversal" => 64,
                "roundtripkind" => 128,
                digits => digits
                    .parse::<u64>()
                    .map_err(|_| format!("unknown DateTimeStyles value `{name}`"))?,
            };
        }
        Styles::from_bits(bits)
    }

    fn from_bits(bits: u64) -> Result<Styles, String> {
        if bits > 255 {
            return Err(format!(
                "{bits} is not a DateTimeStyles value (undefined flags)"
            ));
        }
        let s = Styles {
            leading_white: bits & 1 != 0,
            trailing_white: bits & 2 != 0,
            inner_white: bits & 4 != 0,
            no_current_date_default: bits & 8 != 0,
            adjust_to_universal: bits & 16 != 0,
            assume_local: bits & 32 != 0,
            assume_universal: bits & 64 != 0,
            roundtrip_kind: bits & 128 != 0,
        };
        if s.assume_local && s.assume_universal {
            return Err("AssumeLocal and AssumeUniversal cannot be combined".into());
        }
        if s.roundtrip_kind && (s.assume_local || s.assume_universal || s.adjust_to_universal) {
            return Err(
                "RoundtripKind cannot be combined with AssumeLocal, AssumeUniversal or AdjustToUniversal"
                    .into(),
            );
        }
        Ok(s)
    }
}

impl Format {
    /// Tokenize a .NET format string.
    pub(crate) fn new(format: &str) -> Result<Format, String> {
        let mut chars = format.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Format::custom(
                standard(c).ok_or_else(|| format!("`{c}` is not a standard .NET date format"))?,
            );
        }
        if format.is_empty() {
            return Err("the date format is empty".into());
        }
        Format::custom(format)
    }

    fn custom(format: &str) -> Result<Format, String> {
        let chars: Vec<char> = format.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        let literal = |tokens: &mut Vec<Token>, s: &str| match tokens.last_mut() {
            Some(Token::Literal(l)) => l.push_str(s),
            _ => tokens.push(Token::Literal(s.to_string())),
        };
        while let Some(&c) = chars.get(i) {
            let run = chars
                .get(i..)
                .unwrap_or(&[])
                .iter()
                .take_while(|&&x| x == c)
                .count();
            let token = match c {
                'd' => Token::Day(run),
                'M' => Token::Month(run),
                'y' => Token::Year(run),
                'h' => Token::Hour12(run.min(2)),
                'H' => Token::Hour24(run.min(2)),
                'm' => Token::Minute(run.min(2)),
                's' => Token::Second(run.min(2)),
                'f' | 'F' if run > 7 => {
                    return Err(format!(
                        "`{}` has more than 7 fraction digits",
                        c.to_string().repeat(run)
                    ));
                }
                'f' => Token::Fraction(run, false),
                'F' => Token::Fraction(run, true),
                't' => Token::AmPm(run.min(2)),
                'z' => Token::Offset(run.min(3)),
                'K' => Token::Kind,
                'g' => Token::Era,
                'Z' => Token::Zulu,
                'G' if chars.get(i..i + 3) == Some(&['G', 'M', 'T']) => {
                    tokens.push(Token::Gmt);
                    i += 3;
                    continue;
                }
                '.' if chars.get(i + 1) == Some(&'F') => {
                    let fs = chars
                        .get(i + 1..)
                        .unwrap_or(&[])
                        .iter()
                        .take_while(|&&x| x == 'F')
                        .count();
                    if fs > 7 {
                        return Err(format!(
                            "`{}` has more than 7 fraction digits",
                            "F".repeat(fs)
                        ));
                    }
                    tokens.push(Token::DotFraction(fs));
                    i += 1 + fs;
                    continue;
                }
                ':' => Token::Literal(":".into()),
                '/' => Token::Literal("/".into()),
                '"' | '\'' => {
                    let mut text = String::new();
                    let mut j = i + 1;
                    loop {
                        match chars.get(j) {
                            None => return Err(format!("unclosed quote {c} in date format")),
                            Some('\\') => {
                                if let Some(n) = chars.get(j + 1) {
                                    text.push(*n);
                                }
                                j += 2;
                            }
                            Some(q) if *q == c => break,
                            Some(other) => {
                                text.push(*other);
                                j += 1;
                            }
                        }
                    }
                    literal(&mut tokens, &text);
                    i = j + 1;
                    continue;
                }
                '%' => {
                    // `%d`: one specifier on its own; the rest of the run is read normally.
                    i += 1;
                    continue;
                }
                '\\' => {
                    match chars.get(i + 1) {
                        Some(n) => literal(&mut tokens, &n.to_string()),
                        None => return Err("the date format ends with a lone backslash".into()),
                    }
                    i += 2;
                    continue;
                }
                other => {
                    literal(&mut tokens, &other.to_string());
                    i += 1;
                    continue;
                }
            };
            tokens.push(token);
            i += run;
        }
        Ok(Format { tokens })
    }

    /// `DateTime.ToString(format, InvariantCulture)`.
    pub(crate) fn format(&self, date: &Date) -> String {
        let t = date.at;
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(s) => out.push_str(s),
                Token::Day(1) => out.push_str(&t.day().to_string()),
                Token::Day(2) => out.push_str(&format!("{:02}", t.day())),
                Token::Day(3) => out.push_str(day_name(t).get(..3).unwrap_or("")),
                Token::Day(_) => out.push_str(day_name(t)),
                Token::Month(1) => out.push_str(&t.month().to_string()),
                Token::Month(2) => out.push_str(&format!("{:02}", t.month())),
                Token::Month(3) => out.push_str(month_name(t).get(..3).unwrap_or("")),
                Token::Month(_) => out.push_str(month_name(t)),
                Token::Year(1) => out.push_str(&(t.year() % 100).to_string()),
                Token::Year(2) => out.push_str(&format!("{:02}", t.year() % 100)),
                Token::Year(n) => out.push_str(&format!("{:0width$}", t.year(), width = *n)),
                Token::Hour12(n) => {
                    let h = match t.hour() % 12 {
                        0 => 12,
                        h => h,
                    };
                    out.push_str(&pad(h, *n));
                }
                Token::Hour24(n) => out.push_str(&pad(t.hour(), *n)),
                Token::Minute(n) => out.push_str(&pad(t.minute(), *n)),
                Token::Second(n) => out.push_str(&pad(t.second(), *n)),
                Token::Fraction(n, optional) => push_fraction(&mut out, t, *n, *optional),
                Token::DotFraction(n) => {
                    out.push('.');
                    push_fraction(&mut out, t, *n, true);
                }
                Token::Zulu => out.push('Z'),
                Token::Gmt => out.push_str("GMT"),
                Token::AmPm(n) => {
                    let tt = if t.hour() < 12 { "AM" } else { "PM" };
                    out.push_str(if *n == 1 { &tt[..1] } else { tt });
                }
                // The host is UTC: every offset is zero.
                Token::Offset(1) => out.push_str("+0"),
                Token::Offset(2) => out.push_str("+00"),
                Token::Offset(_) => out.push_str("+00:00"),
                Token::Kind => out.push_str(match date.kind {
                    DateKind::Utc => "Z",
                    DateKind::Local => "+00:00",
                    DateKind::Unspecified => "",
                }),
                Token::Era => out.push_str("A.D."),
            }
        }
        out
    }

    /// `DateTime.ParseExact(text, format, InvariantCulture, styles)`. `today` fills the date
    /// when the format has no date fields (unless NoCurrentDateDefault).
    pub(crate) fn parse(
        &self,
        text: &str,
        styles: Styles,
        today: NaiveDate,
    ) -> Result<Date, String> {
        let fail = |what: &str| format!("{text:?} does not match the format ({what})");
        let mut rest = if styles.leading_white {
            text.trim_start()
        } else {
            text
        };
        let mut f = Fields::default();
        for token in &self.tokens {
            if styles.inner_white && !matches!(token, Token::Literal(_)) {
                rest = rest.trim_start();
            }
            match token {
                Token::Literal(lit) => {
                    for lc in lit.chars() {
                        if lc.is_whitespace() && rest.starts_with(char::is_whitespace) {
                            // One white-space character matches another; more with AllowInnerWhite.
                            let one = rest.chars().next().map_or(0, char::len_utf8);
                            rest = if styles.inner_white {
                                rest.trim_start()
                            } else {
                                &rest[one..]
                            };
                        } else if lc.is_whitespace() && styles.inner_white {
                        } else if let Some(r) = rest.strip_prefix(lc) {
                            rest = r;
                        } else {
                            return Err(fail(&format!("expected `{lc}`")));
                        }
                    }
                }
                Token::Day(n @ (1 | 2)) => {
                    f.day = Some(digits(&mut rest, *n).ok_or_else(|| fail("day"))?)
                }
                Token::Day(n) => {
                    f.weekday =
                        Some(name(&mut rest, &DAYS, *n == 3).ok_or_else(|| fail("day name"))?)
                }
                Token::Month(n @ (1 | 2)) => {
                    f.month = Some(digits(&mut rest, *n).ok_or_else(|| fail("month"))?)
                }
                Token::Month(n) => {
                    f.month = Some(
                        name(&mut rest, &MONTHS, *n == 3).ok_or_else(|| fail("month name"))? + 1,
                    )
                }
                Token::Year(n @ (1 | 2)) => {
                    let y = digits(&mut rest, *n).ok_or_else(|| fail("year"))?;
                    // .NET's two-digit year window: 00–29 → 20xx, 30–99 → 19xx.
                    f.year = Some(if y < 30 { 2000 + y } else { 1900 + y });
                }
                Token::Year(n) => {
                    f.year = Some(
                        digits_between(&mut rest, *n, (*n).max(4)).ok_or_else(|| fail("year"))?,
                    )
                }
                Token::Hour12(n) => {
                    f.hour12 = Some(digits(&mut rest, *n).ok_or_else(|| fail("hour"))?)
                }
                Token::Hour24(n) => {
                    f.hour = Some(digits(&mut rest, *n).ok_or_else(|| fail("hour"))?)
                }
                Token::Minute(n) => {
                    f.minute = digits(&mut rest, *n).ok_or_else(|| fail("minute"))?
                }
                Token::Second(n) => {
                    f.second = digits(&mut rest, *n).ok_or_else(|| fail("second"))?
                }
                Token::Fraction(n, optional) => {
                    f.ticks = fraction(&mut rest, *n, *optional)
                        .ok_or_else(|| fail(&format!("{n} fraction digits")))?;
                }
                Token::DotFraction(n) => {
                    // `.FFF` where the text has no dot: both are skipped.
                    if let Some(r) = rest.strip_prefix('.') {
                        rest = r;
                        f.ticks = fraction(&mut rest, *n, true).unwrap_or(0);
                    }
                }
                Token::AmPm(1) => {
                    // A single `t` compares one character, case-sensitively; `tt` ignores case.
                    if let Some(r) = rest.strip_prefix('A') {
                        f.pm = Some(false);
                        rest = r;
                    } else if let Some(r) = rest.strip_prefix('P') {
                        f.pm = Some(true);
                        rest = r;
                    } else {
                        return Err(fail("A or P"));
                    }
                }
                Token::AmPm(_) => {
                    if let Some(r) = strip_prefix_ignore_case(rest, "AM") {
                        f.pm = Some(false);
                        rest = r;
                    } else if let Some(r) = strip_prefix_ignore_case(rest, "PM") {
                        f.pm = Some(true);
                        rest = r;
                    } else {
                        return Err(fail("AM or PM"));
                    }
                }
                Token::Offset(n) => {
                    f.offset = Some(offset(&mut rest, *n).ok_or_else(|| fail("time zone offset"))?)
                }
                Token::Kind => {
                    // Only an upper-case `Z` (ordinal match), an offset, or nothing.
                    if let Some(r) = rest.strip_prefix('Z') {
                        f.set_utc()
                            .map_err(|()| fail("Z after a non-zero offset"))?;
                        rest = r;
                    } else if rest.starts_with(['+', '-']) {
                        f.offset =
                            Some(offset(&mut rest, 3).ok_or_else(|| fail("time zone offset"))?);
                    }
                }
                Token::Zulu => {
                    rest = utc_designator(rest).ok_or_else(|| fail("Z or GMT"))?;
                    f.set_utc()
                        .map_err(|()| fail("Z after a non-zero offset"))?;
                }
                Token::Gmt => {
                    rest = rest.strip_prefix("GMT").ok_or_else(|| fail("GMT"))?;
                    f.offset = Some(0);
                }
                Token::Era => {
                    rest = strip_prefix_ignore_case(rest, "A.D.")
                        .or_else(|| strip_prefix_ignore_case(rest, "AD"))
                        .ok_or_else(|| fail("era"))?;
                }
            }
        }
        if styles.trailing_white {
            rest = rest.trim_end();
        }
        if !rest.is_empty() {
            return Err(fail(&format!("unexpected {rest:?} at the end")));
        }
        f.build(text, styles, today)
    }
}

/// `f`/`F` digits of the second's fraction. .NET drops a '.' directly before an empty F group.
fn push_fraction(out: &mut String, t: NaiveDateTime, n: usize, optional: bool) {
    let digits = format!("{:07}", t.nanosecond().min(999_999_999) / 100);
    let mut part = digits[..n].to_string();
    if optional {
        part.truncate(part.trim_end_matches('0').len());
        if part.is_empty() && out.ends_with('.') {
            out.pop();
        }
    }
    out.push_str(&part);
}

fn day_name(t: NaiveDateTime) -> &'static str {
    DAYS.get(t.weekday().num_days_from_sunday() as usize)
        .copied()
        .unwrap_or("")
}

fn month_name(t: NaiveDateTime) -> &'static str {
    MONTHS.get(t.month0() as usize).copied().unwrap_or("")
}

fn pad(v: u32, n: usize) -> String {
    if n >= 2 {
        format!("{v:02}")
    } else {
        v.to_string()
    }
}

/// .NET's ParseDigits: a one-letter field takes 1–2 digits, a two-letter field exactly 2.
fn digits(rest: &mut &str, n: usize) -> Option<i32> {
    if n == 1 {
        digits_between(rest, 1, 2)
    } else {
        digits_between(rest, n, n)
    }
}

fn digits_between(rest: &mut &str, min: usize, max: usize) -> Option<i32> {
    let count = rest
        .chars()
        .take(max)
        .take_while(char::is_ascii_digit)
        .count();
    if count < min {
        return None;
    }
    let (d, r) = rest.split_at(count);
    *rest = r;
    d.parse().ok()
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A day or month name (full or 3-letter), case-insensitive: its index.
fn name(rest: &mut &str, names: &[&str], short: bool) -> Option<i32> {
    for (i, full) in names.iter().enumerate() {
        let n = if short { &full[..3] } else { full };
        if let Some(r) = strip_prefix_ignore_case(rest, n) {
            *rest = r;
            return Some(i as i32);
        }
    }
    None
}

/// Up to `n` fraction digits (exactly `n` unless `optional`) as ticks.
fn fraction(rest: &mut &str, n: usize, optional: bool) -> Option<u32> {
    let count = rest
        .chars()
        .take(n)
        .take_while(char::is_ascii_digit)
        .count();
    if !optional && count != n {
        return None;
    }
    let (d, r) = rest.split_at(count);
    *rest = r;
    format!("{d:0<7}").parse::<u32>().ok()
}

/// What an unquoted `Z` in the format takes: `Z`, `z` or `GMT` in any case, as a whole word.
fn utc_designator(rest: &str) -> Option<&str> {
    let r =
        strip_prefix_ignore_case(rest, "GMT").or_else(|| strip_prefix_ignore_case(rest, "Z"))?;
    (!r.starts_with(char::is_alphabetic)).then_some(r)
}

/// .NET's ParseTimeZoneOffset, in minutes east of UTC: `z` takes the hour (1–2 digits), `zz`
/// exactly two hour digits, `zzz` and `K` the hour (1–2 digits), an optional `:`, then two
/// minute digits (`+7:00`, `-0800`). The whole offset must be within ±14:00.
fn offset(rest: &mut &str, n: usize) -> Option<i32> {
    let sign = match rest.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    *rest = &rest[1..];
    let (hours, minutes) = match n {
        1 => (digits_between(rest, 1, 2)?, 0),
        2 => (digits_between(rest, 2, 2)?, 0),
        _ => {
            let hours = digits_between(rest, 1, 2)?;
            if let Some(r) = rest.strip_prefix(':') {
                *rest = r;
            }
            (hours, digits_between(rest, 2, 2)?)
        }
    };
    (minutes < 60 && hours * 60 + minutes <= 14 * 60).then_some(sign * (hours * 60 + minutes))
}

#[derive(Default)]
struct Fields {
    year: Option<i32>,
    month: Option<i32>,
    day: Option<i32>,
    weekday: Option<i32>,
    hour: Option<i32>,
    hour12: Option<i32>,
    pm: Option<bool>,
    minute: i32,
    second: i32,
    ticks: u32,
    offset: Option<i32>,
    zulu: bool,
}

impl Fields {
    /// A UTC designator: an offset of zero, and the date is UTC (not local) under RoundtripKind.
    fn set_utc(&mut self) -> Result<(), ()> {
        if self.offset.is_some_and(|o| o != 0) {
            return Err(());
        }
        self.offset = Some(0);
        self.zulu = true;
        Ok(())
    }

    fn build(self, text: &str, styles: Styles, today: NaiveDate) -> Result<Date, String> {
        let bad = |what: &str| format!("{text:?} is not a valid date ({what})");
        let no_date = self.year.is_none() && self.month.is_none() && self.day.is_none();
        let base = if no_date && styles.no_current_date_default {
            NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(today)
        } else {
            today
        };
        let year = self
            .year
            .unwrap_or(if no_date { base.year() } else { today.year() });
        let month = self
            .month
            .unwrap_or(if no_date { base.month() as i32 } else { 1 });
        let day = self
            .day
            .unwrap_or(if no_date { base.day() as i32 } else { 1 });
        let date = NaiveDate::from_ymd_opt(year, month as u32, day as u32)
            .ok_or_else(|| bad("no such day"))?;
        if !(1..=9999).contains(&year) {
            return Err(bad("year out of range"));
        }
        if let Some(w) = self.weekday
            && date.weekday() != weekday_from_sunday(w)
        {
            return Err(bad("the day name does not match the date"));
        }
        let hour = match (self.hour12, self.pm, self.hour) {
            (Some(h), _, _) if !(1..=12).contains(&h) => return Err(bad("hour must be 1–12")),
            (Some(h), pm, _) => h % 12 + if pm == Some(true) { 12 } else { 0 },
            (None, Some(true), Some(h)) if h < 12 => h + 12,
            (None, _, Some(h)) => h,
            (None, _, None) => 0,
        };
        let time = NaiveTime::from_hms_nano_opt(
            hour as u32,
            self.minute as u32,
            self.second as u32,
            self.ticks * 100,
        )
        .ok_or_else(|| bad("no such time"))?;
        let local = NaiveDateTime::new(date, time);
        // .NET's DetermineTimeZoneAdjustments on a UTC host: a parsed zone, or an assumed
        // universal one, gives a local date unless AdjustToUniversal, or RoundtripKind with a
        // UTC designator, makes it UTC.
        let kind = match self.offset {
            None if styles.assume_local || styles.assume_universal => {
                if styles.adjust_to_universal {
                    DateKind::Utc
                } else {
                    DateKind::Local
                }
            }
            None => DateKind::Unspecified,
            Some(_) if styles.adjust_to_universal || (styles.roundtrip_kind && self.zulu) => {
                DateKind::Utc
            }
            Some(_) => DateKind::Local,
        };
        let at = local - TimeDelta::minutes(i64::from(self.offset.unwrap_or(0)));
        Ok(Date { at, kind })
    }
}

fn weekday_from_sunday(i: i32) -> Weekday {
    match i {
        0 => Weekday::Sun,
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        _ => Weekday::Sat,
    }
}

/// Invariant-culture standard formats.
fn standard(c: char) -> Option<&'static str> {
    Some(match c {
        'd' => "MM/dd/yyyy",
        'D' => "dddd, dd MMMM yyyy",
        'f' => "dddd, dd MMMM yyyy HH:mm",
        'F' => "dddd, dd MMMM yyyy HH:mm:ss",
        'g' => "MM/dd/yyyy HH:mm",
        'G' => "MM/dd/yyyy HH:mm:ss",
        'M' | 'm' => "MMMM dd",
        'o' | 'O' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
        'r' | 'R' => "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        's' => "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
        't' => "HH:mm",
        'T' => "HH:mm:ss",
        'u' => "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
        'U' => "dddd, dd MMMM yyyy HH:mm:ss",
        'y' | 'Y' => "yyyy MMMM",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 8, 25).unwrap()
    }

    fn reformat(text: &str, input: &str, output: &str) -> Result<String, String> {
        let date =
            Format::new(input)?.parse(text, Styles::default_for_format_date_time(), today())?;
        Ok(Format::new(output)?.format(&date))
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            reformat("20150123105347.1Z", "yyyyMMddHHmmss.fZ", "yyyy-MM-dd").unwrap(),
            "2015-01-23"
        );
        assert_eq!(
            reformat("2020-12-31-08:00", "yyyy-MM-ddzzz", "yyyy-MM-dd").unwrap(),
            "2020-12-31"
        );
        assert_eq!(
            reformat(
                "12/31/2020 12:00:00 AM",
                "M/d/yyyy hh:mm:ss tt",
                "yyyy-MM-dd"
            )
            .unwrap(),
            "2020-12-31"
        );
        // docs/functions.md#formatdatetime: a positive offset moves the date back when converted to UTC.
        assert_eq!(
            reformat("2021-06-30+08:00", "yyyy-MM-ddzzz", "yyyy-MM-dd").unwrap(),
            "2021-06-29"
        );
    }

    #[test]
    fn standard_formats_and_kinds() {
        assert_eq!(
            reformat("2021-08-25T17:41:18.1234567Z", "o", "o").unwrap(),
            "2021-08-25T17:41:18.1234567Z"
        );
        assert_eq!(
            reformat("2021-08-25T17:41:18+02:00", "yyyy-MM-ddTHH:mm:ssK", "o").unwrap(),
            "2021-08-25T15:41:18.0000000+00:00"
        );
        assert_eq!(
            reformat("2021-08-25 17:41", "yyyy-MM-dd HH:mm", "s").unwrap(),
            "2021-08-25T17:41:00"
        );
        assert_eq!(
            reformat("2021-08-25", "yyyy-MM-dd", "D").unwrap(),
            "Wednesday, 25 August 2021"
        );
        assert_eq!(
            reformat("2021-08-25", "yyyy-MM-dd", "r").unwrap(),
            "Wed, 25 Aug 2021 00:00:00 GMT"
        );
        assert_eq!(
            reformat("2021-08-25", "yyyy-MM-dd", "M/d/yy h:mm tt zzz K").unwrap(),
            "8/25/21 12:00 AM +00:00 "
        );
    }

    #[test]
    fn custom_specifiers() {
        assert_eq!(
            reformat(
                "2021-08-05 09:07:03.5",
                "yyyy-MM-dd HH:mm:ss.F",
                "dddd d MMM yy, h:m:s.FFF \"o'clock\" \\t %d"
            )
            .unwrap(),
            "Thursday 5 Aug 21, 9:7:3.5 o'clock t 5"
        );
        assert_eq!(
            reformat("2021-08-05 09:07:03", "yyyy-MM-dd HH:mm:ss", "HH:mm:ss.FFF").unwrap(),
            "09:07:03"
        );
        assert_eq!(
            reformat("5 August 2021", "d MMMM yyyy", "yyyyMMdd").unwrap(),
            "20210805"
        );
        assert_eq!(
            reformat("09:30", "HH:mm", "yyyy-MM-dd HH:mm").unwrap(),
            "2021-08-25 09:30",
            "time only: today's date"
        );
    }

    #[test]
    fn parse_errors() {
        assert!(reformat("2021-13-01", "yyyy-MM-dd", "o").is_err());
        assert!(reformat("2021-02-30", "yyyy-MM-dd", "o").is_err());
        assert!(
            reformat("2021-1-01", "yyyy-MM-dd", "o").is_err(),
            "MM needs two digits"
        );
        assert!(reformat("2021-08-25x", "yyyy-MM-dd", "o").is_err());
        assert!(Format::new("q").is_err());
        assert!(Styles::parse("AssumeNothing").is_err());
        assert!(Styles::parse("DateTimeStyles.AdjustToUniversal, allowwhitespaces").is_ok());
    }
}
