//! Dates with .NET and VB.NET behaviour (docs/functions.md#dates-and-times, #formatdatetime, #datediff): CDate, DateAdd, DateDiff,
//! DateFromNum, NumFromDate, FormatDateTime. The host zone is UTC.

use std::borrow::Cow;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

use super::netdate::{Format, Styles};
use crate::compile::{CallNode, Prepared};
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::eval::value::{Date, Value};
use crate::eval::{Ctx, EvalError};
use crate::options::Options;

type R<'a> = Result<Value<'a>, EvalError>;

const TICKS_PER_SECOND: i64 = 10_000_000;
const TICKS_PER_DAY: i64 = 86_400 * TICKS_PER_SECOND;

/// CDate's input forms (docs/functions.md#dates-and-times): ISO dates with optional time, fraction and offset (also
/// an offset glued to a bare date, `2020-03-16-07:00`), and `M/d/yyyy h:mm:ss AM`. With an
/// offset the instant is converted to UTC; without one it is taken as UTC.
pub(crate) fn cdate(text: &str) -> Option<Date> {
    let t = text.trim();
    if let Some(d) = us_date(t) {
        return Some(Date::utc(d));
    }
    let date = NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d")
        .ok()
        .filter(|d| d.year() >= 1)?;
    let mut rest = t.get(10..)?;
    let mut time = NaiveTime::MIN;
    if let Some(r) = rest.strip_prefix(['T', 't', ' ']) {
        let end = r.find(['Z', 'z', '+', '-']).unwrap_or(r.len());
        time = parse_time(&r[..end])?;
        rest = &r[end..];
    }
    let at = NaiveDateTime::new(date, time);
    let offset_minutes = match rest {
        "" | "Z" | "z" => 0,
        _ => parse_offset(rest)?,
    };
    let utc = at - TimeDelta::minutes(offset_minutes);
    // An offset can push the instant out of .NET's years 1–9999.
    (1..=9999).contains(&utc.year()).then(|| Date::utc(utc))
}

/// A DateTime from a value: a date, or text in one of CDate's forms.
fn to_date(value: &Value<'_>) -> Option<Date> {
    match value {
        Value::Date(d) => Some(*d),
        Value::Str(s) => cdate(s),
        _ => None,
    }
}

/// `HH:mm`, `HH:mm:ss`, `HH:mm:ss.fffffff`.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let (hms, fraction) = match text.split_once('.') {
        Some((a, f)) if !f.is_empty() && f.len() <= 7 && f.chars().all(|c| c.is_ascii_digit()) => {
            (a, f)
        }
        Some(_) => return None,
        None => (text, ""),
    };
    let time = NaiveTime::parse_from_str(hms, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(hms, "%H:%M"))
        .ok()
        // chrono reads `:60` as a leap second; .NET accepts one only at a leap second the
        // operating system knows of, which an HR export never names.
        .filter(|t| t.nanosecond() < 1_000_000_000)?;
    let nanos = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse::<i64>().ok()?
    };
    Some(time + TimeDelta::nanoseconds(nanos))
}

/// `+08:00`, `-07:00`, `+0800`: minutes east of UTC.
fn parse_offset(text: &str) -> Option<i64> {
    let sign = match text.chars().next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let digits: String = text[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) || text[1..].len() > 5 {
        return None;
    }
    let (h, m) = (
        digits[..2].parse::<i64>().ok()?,
        digits[2..].parse::<i64>().ok()?,
    );
    // .NET refuses offsets beyond ±14:00.
    (m < 60 && h * 60 + m <= 14 * 60).then_some(sign * (h * 60 + m))
}

/// `M/d/yyyy` with an optional `h:mm[:ss] AM|PM` (the engine's own output form).
/// `M/d/yyyy`; a one- or two-digit year is read as .NET reads it (two-digit year max 2049:
/// `00`–`49` are 2000–2049, `50`–`99` are 1950–1999), so `03/31/00` is 31 March 2000.
fn us_day(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('/');
    let (m, d, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let number = |s: &str, max_len: usize| -> Option<u32> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let year = number(y, 4)?;
    let year = match y.len() {
        1 | 2 if year < 50 => 2000 + year,
        1 | 2 => 1900 + year,
        _ => year,
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, number(m, 2)?, number(d, 2)?)
}

fn us_date(text: &str) -> Option<NaiveDateTime> {
    let (date, time) = match text.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (text, None),
    };
    let date = us_day(date)?;
    let time = match time {
        None => NaiveTime::MIN,
        Some(t) => NaiveTime::parse_from_str(t, "%I:%M:%S %p")
            .or_else(|_| NaiveTime::parse_from_str(t, "%I:%M %p"))
            .ok()?,
    };
    Some(NaiveDateTime::new(date, time))
}

fn date_arg<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    i: usize,
    span: Span,
) -> Result<Option<Date>, EvalError> {
    let value = ctx.arg(call, i)?;
    date_of(ctx, value, call, i, span)
}

/// A value as a date, as CDate reads it (`None` for Null).
fn date_of<'a>(
    ctx: &Ctx<'a, '_, '_>,
    value: Value<'a>,
    call: &'a CallNode,
    i: usize,
    span: Span,
) -> Result<Option<Date>, EvalError> {
    if value.is_null() {
        return Ok(None);
    }
    if let Value::Multi(_) = value {
        return Err(ctx.multi_error(call, i, span));
    }
    to_date(&value).map(Some).ok_or_else(|| {
        let shown = value.text().map_or_else(|| value.kind_name().to_string(), |t| ctx.show(call, i, &t));
        EvalError::new(ctx.arg_span(call, i, span), Code::BadDate, format!("{shown} is not a date CDate can read"))
            .help("use yyyy-MM-dd, yyyy-MM-ddTHH:mm:ssZ, yyyy-MM-dd±hh:mm or M/d/yyyy h:mm:ss AM; FormatDateTime converts other forms")
    })
}

pub(crate) fn cdate_fn<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    Ok(date_arg(ctx, call, 0, span)?.map_or(Value::Null, |d| Value::Date(Date::utc(d.at))))
}

fn interval<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> Result<String, EvalError> {
    let text = ctx.text(call, 0, span)?.unwrap_or_default();
    let known = ["yyyy", "q", "m", "y", "d", "w", "ww", "h", "n", "s"];
    let lower = text.trim().to_ascii_lowercase();
    if known.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(EvalError::new(ctx.arg_span(call, 0, span), Code::BadInterval, format!("unknown interval {text:?}"))
            .help("use yyyy (years), q (quarters), m (months), d (days), ww (weeks), h (hours), n (minutes) or s (seconds)"))
    }
}

/// DateAdd(interval, value, dateTime): month and year steps clamp to the month's last day.
pub(crate) fn date_add<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let unit = interval(ctx, call, span)?;
    let Some(n) = ctx.int(call, 1, span)? else {
        return Ok(Value::Null);
    };
    let Some(date) = date_arg(ctx, call, 2, span)? else {
        return Ok(Value::Null);
    };
    let months = |m: i64| -> Option<NaiveDateTime> {
        let m32 = u32::try_from(m.unsigned_abs()).ok()?;
        if m >= 0 {
            date.at.checked_add_months(Months::new(m32))
        } else {
            date.at.checked_sub_months(Months::new(m32))
        }
    };
    let seconds = |s: i64| {
        s.checked_mul(1)
            .and_then(TimeDelta::try_seconds)
            .and_then(|d| date.at.checked_add_signed(d))
    };
    let result = match unit.as_str() {
        "yyyy" => n.checked_mul(12).and_then(months),
        "q" => n.checked_mul(3).and_then(months),
        "m" => months(n),
        "d" | "y" | "w" => n.checked_mul(86_400).and_then(seconds),
        "ww" => n.checked_mul(7 * 86_400).and_then(seconds),
        "h" => n.checked_mul(3_600).and_then(seconds),
        "n" => n.checked_mul(60).and_then(seconds),
        _ => seconds(n),
    };
    match result.filter(|d| (1..=9999).contains(&d.year())) {
        Some(at) => Ok(Value::Date(Date {
            at,
            kind: date.kind,
        })),
        None => Err(EvalError::new(
            span,
            Code::DateOutOfRange,
            "DateAdd goes outside the years 1 to 9999",
        )),
    }
}

/// VB.NET `DateAndTime.DateDiff(interval, date1, date2)`: the sign is date2 − date1.
pub(crate) fn date_diff<'a>(ctx: &mut Ctx<'a, '_, '_>, call: &'a CallNode, span: Span) -> R<'a> {
    let unit = interval(ctx, call, span)?;
    let Some(d1) = date_arg(ctx, call, 1, span)? else {
        return Ok(Value::Null);
    };
    let Some(d2) = date_arg(ctx, call, 2, span)? else {
        return Ok(Value::Null);
    };
    let (a, b) = (d1.at, d2.at);
    let ticks = |x: NaiveDateTime, y: NaiveDateTime| {
        (y - x)
            .num_nanoseconds()
            .map_or_else(|| (y - x).num_seconds() * TICKS_PER_SECOND, |n| n / 100)
    };
    let total = ticks(a, b);
    Ok(Value::Int(match unit.as_str() {
        "d" | "y" => total / TICKS_PER_DAY,
        "w" => total / TICKS_PER_DAY / 7,
        "h" => total / (3_600 * TICKS_PER_SECOND),
        "n" => total / (60 * TICKS_PER_SECOND),
        "s" => total / TICKS_PER_SECOND,
        // Both dates move back to the Saturday before their week's Sunday (docs/functions.md#datediff).
        "ww" => {
            let back =
                |d: NaiveDateTime| d - TimeDelta::days(d.weekday().number_from_sunday() as i64);
            ticks(back(a), back(b)) / TICKS_PER_DAY / 7
        }
        "m" => (b.year() as i64 - a.year() as i64) * 12 + (b.month() as i64 - a.month() as i64),
        "q" => {
            (b.year() as i64 - a.year() as i64) * 4
                + (b.month0() as i64 / 3 - a.month0() as i64 / 3)
        }
        _ => b.year() as i64 - a.year() as i64,
    }))
}

fn filetime_epoch() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(1601, 1, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN)
}

/// DateFromNum: Windows FILETIME (100-ns ticks since 1601-01-01 UTC) → date.
pub(crate) fn date_from_num<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> R<'a> {
    let arg_span = ctx.arg_span(call, 0, span);
    let out_of_range = || {
        EvalError::new(arg_span, Code::DateOutOfRange, "the number is not a FILETIME between 1601 and 9999")
        .help("0 is 1601-01-01; 9223372036854775807 is Active Directory's \"never\", which has no date")
    };
    let Some(n) = ctx.int(call, 0, span).map_err(|_| out_of_range())? else {
        return Ok(Value::Null);
    };
    if n < 0 {
        return Err(out_of_range());
    }
    let at = filetime_epoch()
        .checked_add_signed(
            TimeDelta::seconds(n / TICKS_PER_SECOND)
                + TimeDelta::nanoseconds((n % TICKS_PER_SECOND) * 100),
        )
        .filter(|d| d.year() <= 9999)
        .ok_or_else(out_of_range)?;
    Ok(Value::Date(Date::utc(at)))
}

/// NumFromDate: date (or ISO 8601 text, e.g. `2020-12-31 23:59:59-08:00`) → FILETIME ticks.
pub(crate) fn num_from_date<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> R<'a> {
    let Some(date) = date_arg(ctx, call, 0, span)? else {
        return Ok(Value::Null);
    };
    let delta = date.at - filetime_epoch();
    let ticks = delta.num_seconds() * TICKS_PER_SECOND + delta.subsec_nanos() as i64 / 100;
    if ticks < 0 {
        return Err(EvalError::new(
            ctx.arg_span(call, 0, span),
            Code::DateOutOfRange,
            "dates before 1601 have no FILETIME number",
        ));
    }
    Ok(Value::Int(ticks))
}

/// Argument positions of (styles, inputFormat, outputFormat) for the 4- and 3-argument forms.
fn format_positions(call: &CallNode) -> (Option<usize>, usize, usize) {
    if call.args.len() == 4 {
        (Some(1), 2, 3)
    } else {
        (None, 1, 2)
    }
}

/// Compile constant formats once; a format .NET would reject is a compile error.
pub(crate) fn prepare_format_date_time(
    call: &CallNode,
    _: &Options,
) -> Result<Option<Prepared>, Box<Diagnostic>> {
    let (_, input, output) = format_positions(call);
    // No input format (Cloud Sync, the source a date): only the output format is compiled.
    let in_text = match call.args.get(input).and_then(Option::as_ref) {
        None => None,
        Some(_) => match call.constant_arg(input) {
            Some(text) => Some(text),
            None => return Ok(None),
        },
    };
    let Some(out_text) = call.constant_arg(output) else {
        return Ok(None);
    };
    let compile = |text: &str, i: usize| {
        Format::new(text).map_err(|e| {
            let span = call.args.get(i).and_then(Option::as_ref).map(|n| n.span).unwrap_or_default();
            Diagnostic::error(Code::BadDateFormat, span, e).with_label("not a .NET date format").with_help("see .NET custom date and time format strings: yyyy, MM, dd, HH, mm, ss, fff, zzz, K, tt")
                .into_boxed()
        })
    };
    Ok(Some(Prepared::new((
        in_text.map(|t| compile(&t, input)).transpose()?,
        compile(&out_text, output)?,
    ))))
}

fn compile_format(
    ctx: &Ctx<'_, '_, '_>,
    text: &str,
    call: &CallNode,
    i: usize,
    span: Span,
) -> Result<Format, EvalError> {
    Format::new(text)
        .map_err(|e| EvalError::new(ctx.arg_span(call, i, span), Code::BadDateFormat, e))
}

/// FormatDateTime without an input format (Cloud Sync: `FormatDateTime(DateFromNum([pwdLastSet]),
/// , "yyyyMMddHHmmss.0Z")`): the source is a date, or text CDate reads, and is printed with the
/// output format (docs/functions.md#formatdatetime).
fn format_date<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    source: Value<'a>,
    call: &'a CallNode,
    output: usize,
    span: Span,
) -> R<'a> {
    let Some(date) = date_of(ctx, source, call, 0, span)? else {
        return Ok(Value::Null);
    };
    let formatted = match call.prepared::<(Option<Format>, Format)>() {
        Some((_, out_format)) => out_format.format(&date),
        None => {
            let out_text = ctx.text(call, output, span)?.unwrap_or_default();
            compile_format(ctx, &out_text, call, output, span)?.format(&date)
        }
    };
    Ok(Value::Str(Cow::Owned(formatted)))
}

/// FormatDateTime(source, [dateTimeStyles], inputFormat, outputFormat).
pub(crate) fn format_date_time<'a>(
    ctx: &mut Ctx<'a, '_, '_>,
    call: &'a CallNode,
    span: Span,
) -> R<'a> {
    let source = ctx.arg(call, 0)?;
    let (styles_at, input, output) = format_positions(call);
    if !ctx.has_arg(call, input) {
        return format_date(ctx, source, call, output, span);
    }
    let Some(text) = ctx.as_text(source, call, 0, span)? else {
        return Ok(Value::Null);
    };
    let styles = match styles_at
        .map(|i| ctx.text(call, i, span))
        .transpose()?
        .flatten()
    {
        Some(names) if !names.trim().is_empty() => Styles::parse(&names)
            .map_err(|e| EvalError::new(ctx.arg_span(call, 1, span), Code::BadArgument, e))?,
        _ => Styles::default_for_format_date_time(),
    };
    let today = ctx.env.now.date();
    let formats;
    let (in_format, out_format) = match call.prepared::<(Option<Format>, Format)>() {
        Some((Some(i), o)) => (i, o),
        _ => {
            let in_text = ctx.text(call, input, span)?.unwrap_or_default();
            let out_text = ctx.text(call, output, span)?.unwrap_or_default();
            formats = (
                compile_format(ctx, &in_text, call, input, span)?,
                compile_format(ctx, &out_text, call, output, span)?,
            );
            (&formats.0, &formats.1)
        }
    };
    let date = in_format.parse(&text, styles, today).map_err(|e| {
        let e = if ctx.arg_redacted(call, 0) {
            "[Redact] does not match the format".to_string()
        } else {
            e
        };
        EvalError::new(ctx.arg_span(call, 0, span), Code::BadDate, e)
            .help("the input format must describe the whole text (DateTime.ParseExact)")
    })?;
    Ok(Value::Str(Cow::Owned(out_format.format(&date))))
}
