//! Record streams: what admins export, split into one JSON text per record without loading the
//! input whole (docs/mapping.md#input-formats).
//!
//! * NDJSON: one record per line (a broken line is one error record; the next line reads on).
//! * JSON: an array of records (`az ad user list`), concatenated documents, and collection
//!   pages — Graph's `{"@odata.context", "value": [...], "@odata.nextLink"}` and SCIM's
//!   `ListResponse` (`"Resources": [...]`) — pretty-printed or not, one after another as a
//!   paging loop writes them. A page's records are streamed out of its array.
//! * CSV, as the Entra admin center's "Download users" writes it: a header row, then one row
//!   per user; headers are mapped to attribute names, empty cells are absent attributes.
//!
//! Every record comes with the line it starts on, and a record that cannot be split out (too
//! long, cut off) is still yielded, as an error, so counts add up.

use std::io::BufRead;

use super::block::{Block, Lines, too_long};

/// How an input is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// Decide from the first bytes: `[` → JSON; `{` → NDJSON when the first line is one whole
    /// record, else JSON (pretty-printed documents, or pages); anything else → CSV.
    #[default]
    Auto,
    /// One JSON object per line.
    Ndjson,
    /// Arrays, concatenated documents, Graph and SCIM collection pages.
    Json,
    /// A header row and one row per record.
    Csv,
}

impl std::str::FromStr for InputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<InputFormat, String> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(InputFormat::Auto),
            "ndjson" | "jsonl" => Ok(InputFormat::Ndjson),
            "json" | "graph" => Ok(InputFormat::Json),
            "csv" => Ok(InputFormat::Csv),
            _ => Err(format!(
                "unknown input format `{s}`; use auto, ndjson, json or csv"
            )),
        }
    }
}

/// One record's JSON text as found in the input, and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// The line the record starts on.
    pub line: usize,
    /// The record's JSON text, or why it could not be taken from the input.
    pub text: Result<Vec<u8>, String>,
}

/// The records of one input, in order.
pub struct Records<'r> {
    inner: Inner<'r>,
}

enum Inner<'r> {
    Lines(Box<LineRecords<'r>>),
    Json(Box<JsonRecords<'r>>),
    Csv(Box<CsvRecords<'r>>),
}

/// Split `reader` into records. `max_record_bytes` bounds one record's text (the option
/// max_line_bytes); a longer one is consumed and yielded as an error.
pub fn records<'r>(
    reader: Box<dyn BufRead + Send + 'r>,
    format: InputFormat,
    max_record_bytes: usize,
) -> std::io::Result<Records<'r>> {
    let mut reader = super::decode::reader(reader)?;
    let format = match format {
        InputFormat::Auto => detect(&mut *reader)?,
        other => other,
    };
    let inner = match format {
        InputFormat::Ndjson | InputFormat::Auto => Inner::Lines(Box::new(LineRecords {
            lines: Lines::new(reader, max_record_bytes),
            block: Block::default(),
            next: 0,
        })),
        InputFormat::Json => Inner::Json(Box::new(JsonRecords {
            cursor: Cursor {
                reader,
                line: 1,
                eof: false,
            },
            state: State::Top,
            max: max_record_bytes,
        })),
        InputFormat::Csv => Inner::Csv(Box::new(CsvRecords::new(reader, max_record_bytes))),
    };
    Ok(Records { inner })
}

impl Records<'_> {
    /// Refill `block` with the next records, about `target` bytes of them (at least one
    /// record, unless the input is at its end: then the block is empty).
    pub fn fill_block(&mut self, block: &mut Block, target: usize) -> std::io::Result<()> {
        if let Inner::Lines(lines) = &mut self.inner
            && lines.next >= lines.block.records().len()
        {
            return lines.lines.fill(block, target);
        }
        block.clear();
        while block.byte_len() < target || block.records().is_empty() {
            match self.next() {
                None => break,
                Some(record) => {
                    let record = record?;
                    block.push(record.line, record.text.as_deref().map_err(Clone::clone));
                }
            }
        }
        Ok(())
    }
}

/// NDJSON read a record at a time: a block of lines, handed out one by one.
struct LineRecords<'r> {
    lines: Lines<'r>,
    block: Block,
    next: usize,
}

impl LineRecords<'_> {
    fn next(&mut self) -> Option<std::io::Result<RawRecord>> {
        if self.next >= self.block.records().len() {
            self.next = 0;
            if let Err(e) = self.lines.fill(&mut self.block, 1 << 16) {
                return Some(Err(e));
            }
        }
        let record = self.block.records().get(self.next)?;
        self.next += 1;
        Some(Ok(RawRecord {
            line: record.line,
            text: self
                .block
                .text(record)
                .map(<[u8]>::to_vec)
                .map_err(str::to_string),
        }))
    }
}

impl Iterator for Records<'_> {
    type Item = std::io::Result<RawRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Lines(lines) => lines.next(),
            Inner::Json(json) => json.next_record().transpose(),
            Inner::Csv(csv) => csv.next(),
        }
    }
}

/// The format of an input from its first bytes (see [`InputFormat::Auto`]).
fn detect(reader: &mut dyn BufRead) -> std::io::Result<InputFormat> {
    let buf = reader.fill_buf()?;
    let Some(start) = buf.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Ok(InputFormat::Ndjson);
    };
    let rest = buf.get(start..).unwrap_or_default();
    Ok(match rest.first() {
        Some(b'[') => InputFormat::Json,
        Some(b'{') => match first_value_end(rest) {
            // One whole value on the first line: NDJSON, unless that value is a page.
            Some(end) if !rest.get(..end).unwrap_or_default().contains(&b'\n') => {
                if looks_like_page(rest.get(..end).unwrap_or_default()) {
                    InputFormat::Json
                } else {
                    InputFormat::Ndjson
                }
            }
            _ => InputFormat::Json,
        },
        _ => InputFormat::Csv,
    })
}

/// The end (exclusive) of the JSON value `bytes` starts with, if it ends within `bytes`.
fn first_value_end(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// A one-line object that is a collection page: it has a `value` or `Resources` array, or
/// Graph's `@odata.context`.
fn looks_like_page(object: &[u8]) -> bool {
    let text = String::from_utf8_lossy(object);
    serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&text).is_ok_and(|map| {
        map.contains_key("@odata.context")
            || PAGE_KEYS
                .iter()
                .any(|k| map.get(*k).is_some_and(serde_json::Value::is_array))
    })
}

/// The keys under which a collection page holds its records.
const PAGE_KEYS: &[&str] = &["value", "Resources"];

/// A byte cursor over a buffered reader that counts lines.
struct Cursor<'r> {
    reader: Box<dyn BufRead + Send + 'r>,
    line: usize,
    eof: bool,
}

impl Cursor<'_> {
    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        if self.eof {
            return Ok(None);
        }
        let buf = self.reader.fill_buf()?;
        match buf.first() {
            Some(&b) => Ok(Some(b)),
            None => {
                self.eof = true;
                Ok(None)
            }
        }
    }

    fn bump(&mut self) {
        if let Ok(buf) = self.reader.fill_buf()
            && let Some(&b) = buf.first()
        {
            if b == b'\n' {
                self.line += 1;
            }
            self.reader.consume(1);
        }
    }

    /// Skip whitespace; the next byte, if any.
    fn skip_ws(&mut self) -> std::io::Result<Option<u8>> {
        loop {
            if self.eof {
                return Ok(None);
            }
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                self.eof = true;
                return Ok(None);
            }
            let n = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let lines = buf
                .get(..n)
                .map_or(0, |s| memchr::memchr_iter(b'\n', s).count());
            let next = buf.get(n).copied();
            self.line += lines;
            self.reader.consume(n);
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    /// Read one whole JSON value (the cursor is at its first byte), appending its bytes to
    /// `out`. A value longer than `max` bytes is read to its end but not kept (`out` is left
    /// as it was). Returns the value's length, or `None` when the input ends inside it.
    fn value(&mut self, out: &mut Vec<u8>, max: usize) -> std::io::Result<Option<usize>> {
        let start = out.len();
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let mut total = 0usize;
        let scalar = !matches!(self.peek()?, Some(b'{' | b'[' | b'"'));
        loop {
            if self.eof {
                return Ok(if scalar && total > 0 {
                    Some(total)
                } else {
                    None
                });
            }
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                self.eof = true;
                continue;
            }
            let end = if scalar {
                buf.iter()
                    .position(|&b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace())
            } else {
                scan(buf, &mut depth, &mut in_string, &mut escaped)
            };
            let take = end.unwrap_or(buf.len());
            let span = buf.get(..take).unwrap_or_default();
            self.line += memchr::memchr_iter(b'\n', span).count();
            if total + take <= max {
                out.extend_from_slice(span);
            } else {
                out.truncate(start);
            }
            total += take;
            self.reader.consume(take);
            if end.is_some() {
                return Ok(Some(total));
            }
        }
    }

    /// Read a JSON string (the cursor is at its opening quote) and return its text.
    fn key(&mut self) -> std::io::Result<Option<String>> {
        let mut raw = Vec::new();
        match self.value(&mut raw, 1 << 16)? {
            Some(_) => Ok(serde_json::from_slice::<String>(&raw).ok()),
            None => Ok(None),
        }
    }
}

/// Scan `buf` for the end of an object, array or string whose scanning state is `depth`,
/// `in_string` and `escaped` (carried over from the previous buffer). Jumps from one
/// interesting byte to the next with memchr: inside strings only `"` and `\` matter.
/// Returns the offset just past the value's last byte, if it ends in `buf`.
fn scan(buf: &[u8], depth: &mut usize, in_string: &mut bool, escaped: &mut bool) -> Option<usize> {
    let mut i = 0;
    while i < buf.len() {
        if *in_string {
            if *escaped {
                *escaped = false;
                i += 1;
                continue;
            }
            let k = memchr::memchr2(b'"', b'\\', buf.get(i..)?)?;
            let j = i + k;
            if buf.get(j) == Some(&b'\\') {
                *escaped = true;
                i = j + 1;
                continue;
            }
            *in_string = false;
            i = j + 1;
            if *depth == 0 {
                return Some(i);
            }
            continue;
        }
        let rest = buf.get(i..)?;
        let k = rest
            .iter()
            .position(|b| matches!(b, b'"' | b'{' | b'}' | b'[' | b']'))?;
        let j = i + k;
        match buf.get(j) {
            Some(b'"') => *in_string = true,
            Some(b'{' | b'[') => *depth += 1,
            _ => {
                *depth = depth.saturating_sub(1);
                if *depth == 0 {
                    return Some(j + 1);
                }
            }
        }
        i = j + 1;
    }
    None
}

/// Where the JSON splitter is between records.
enum State {
    /// Between top-level documents.
    Top,
    /// Inside an array of records (a top-level array, or a page's); `first` until the first
    /// element is read.
    Array { page: bool, first: bool },
    /// After a page's record array: the page's other members, up to its closing brace.
    PageRest,
    /// The input cannot be split further.
    Done,
}

/// JSON arrays, concatenated documents and collection pages.
struct JsonRecords<'r> {
    cursor: Cursor<'r>,
    state: State,
    max: usize,
}

impl JsonRecords<'_> {
    fn next_record(&mut self) -> std::io::Result<Option<RawRecord>> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Top => {
                    let Some(b) = self.cursor.skip_ws()? else {
                        self.state = State::Done;
                        return Ok(None);
                    };
                    match b {
                        b'[' => {
                            self.cursor.bump();
                            self.state = State::Array {
                                page: false,
                                first: true,
                            };
                        }
                        b'{' => {
                            if let Some(record) = self.object()? {
                                return Ok(Some(record));
                            }
                        }
                        other => {
                            let line = self.cursor.line;
                            self.state = State::Done;
                            return Ok(Some(RawRecord {
                                line,
                                text: Err(format!(
                                    "expected a JSON object, an array of objects or a collection page, found `{}`; nothing after this is read",
                                    char::from(other)
                                )),
                            }));
                        }
                    }
                }
                State::Array { page, first } => {
                    let Some(mut b) = self.cursor.skip_ws()? else {
                        return Ok(Some(self.cut_off("the input ends inside an array")));
                    };
                    if !first {
                        if b == b',' {
                            self.cursor.bump();
                            b = match self.cursor.skip_ws()? {
                                Some(b) => b,
                                None => {
                                    return Ok(Some(
                                        self.cut_off("the input ends inside an array"),
                                    ));
                                }
                            };
                        } else if b != b']' {
                            return Ok(Some(self.cut_off(&format!(
                                "expected `,` or `]` between records, found `{}`",
                                char::from(b)
                            ))));
                        }
                    }
                    if b == b']' {
                        self.cursor.bump();
                        self.state = if page { State::PageRest } else { State::Top };
                        continue;
                    }
                    self.state = State::Array { page, first: false };
                    return self.element().map(Some);
                }
                State::PageRest => {
                    if let Some(problem) = self.finish_object()? {
                        return Ok(Some(problem));
                    }
                    self.state = State::Top;
                }
            }
        }
    }

    /// One element of a record array.
    fn element(&mut self) -> std::io::Result<RawRecord> {
        let line = self.cursor.line;
        let mut text = Vec::new();
        match self.cursor.value(&mut text, self.max)? {
            None => Ok(self.cut_off_at(line, "the input ends inside this record")),
            Some(n) if n > self.max => Ok(RawRecord {
                line,
                text: Err(too_long(n, self.max)),
            }),
            Some(_) => Ok(RawRecord {
                line,
                text: Ok(text),
            }),
        }
    }

    /// A top-level object: a record (returned), or a collection page (its array becomes the
    /// state, and nothing is returned yet). Members are copied while it may be a record.
    fn object(&mut self) -> std::io::Result<Option<RawRecord>> {
        let line = self.cursor.line;
        let mut text = vec![b'{'];
        self.cursor.bump();
        let mut graph_page = false;
        let mut first = true;
        let mut overflow = 0usize;
        loop {
            let Some(b) = self.cursor.skip_ws()? else {
                return Ok(Some(
                    self.cut_off_at(line, "the input ends inside this object"),
                ));
            };
            if b == b'}' {
                self.cursor.bump();
                text.push(b'}');
                return Ok(Some(if overflow > 0 || text.len() > self.max {
                    RawRecord {
                        line,
                        text: Err(too_long(text.len() + overflow, self.max)),
                    }
                } else {
                    RawRecord {
                        line,
                        text: Ok(text),
                    }
                }));
            }
            if !first {
                if b != b',' {
                    return Ok(Some(self.cut_off_at(
                        line,
                        &format!(
                            "expected `,` or `}}` in this object, found `{}`",
                            char::from(b)
                        ),
                    )));
                }
                self.cursor.bump();
                text.push(b',');
                if self.cursor.skip_ws()?.is_none() {
                    return Ok(Some(
                        self.cut_off_at(line, "the input ends inside this object"),
                    ));
                }
            }
            first = false;
            if self.cursor.peek()? != Some(b'"') {
                return Ok(Some(self.cut_off_at(line, "expected a key in this object")));
            }
            let Some(key) = self.cursor.key()? else {
                return Ok(Some(
                    self.cut_off_at(line, "the input ends inside this object"),
                ));
            };
            graph_page |= key.starts_with("@odata.");
            if self.cursor.skip_ws()? != Some(b':') {
                return Ok(Some(self.cut_off_at(line, "expected `:` after a key")));
            }
            self.cursor.bump();
            let next = self.cursor.skip_ws()?;
            if PAGE_KEYS.contains(&key.as_str()) {
                if next == Some(b'[') {
                    self.cursor.bump();
                    self.state = State::Array {
                        page: true,
                        first: true,
                    };
                    return Ok(None);
                }
                if graph_page {
                    // Skip the rest of the page and say why nothing came of it.
                    let mut ignored = Vec::new();
                    self.cursor.value(&mut ignored, 0)?;
                    let problem = RawRecord {
                        line,
                        text: Err(format!(
                            "this page's `{key}` is not an array of records; the page is skipped"
                        )),
                    };
                    self.state = State::PageRest;
                    return Ok(Some(problem));
                }
            }
            serde_json::to_writer(&mut text, &key).map_err(std::io::Error::other)?;
            text.push(b':');
            let budget = self.max.saturating_sub(text.len());
            match self.cursor.value(&mut text, budget)? {
                None => {
                    return Ok(Some(
                        self.cut_off_at(line, "the input ends inside this object"),
                    ));
                }
                // Too long: keep reading to the object's end, keep none of it.
                Some(n) if n > budget => overflow += n,
                Some(_) => {}
            }
        }
    }

    /// Skip a page's remaining members up to its closing brace. `Some` when the page is broken.
    fn finish_object(&mut self) -> std::io::Result<Option<RawRecord>> {
        loop {
            match self.cursor.skip_ws()? {
                None => return Ok(Some(self.cut_off("the input ends inside a page"))),
                Some(b'}') => {
                    self.cursor.bump();
                    return Ok(None);
                }
                Some(b',') => self.cursor.bump(),
                Some(b'"') => {
                    let line = self.cursor.line;
                    let key = self.cursor.key()?;
                    if key.is_none() || self.cursor.skip_ws()? != Some(b':') {
                        return Ok(Some(self.cut_off("a page member is broken")));
                    }
                    self.cursor.bump();
                    if self.cursor.skip_ws()?.is_none() {
                        return Ok(Some(self.cut_off("the input ends inside a page")));
                    }
                    let mut ignored = Vec::new();
                    if self.cursor.value(&mut ignored, 0)?.is_none() {
                        return Ok(Some(self.cut_off("the input ends inside a page")));
                    }
                    // Never guess which of two record arrays was meant (a record with a key
                    // twice is refused the same way).
                    if let Some(key) = key.filter(|k| PAGE_KEYS.contains(&k.as_str())) {
                        return Ok(Some(RawRecord {
                            line,
                            text: Err(format!(
                                "this page has a second `{key}`: a page holds its records in one array, so its records cannot be told apart; fix the page (the records of the first `{key}` were read)"
                            )),
                        }));
                    }
                }
                Some(other) => {
                    return Ok(Some(self.cut_off(&format!(
                        "unexpected `{}` in a page",
                        char::from(other)
                    ))));
                }
            }
        }
    }

    /// The input cannot be split any further: one error record, then the end.
    fn cut_off(&mut self, why: &str) -> RawRecord {
        let line = self.cursor.line;
        self.cut_off_at(line, why)
    }

    fn cut_off_at(&mut self, line: usize, why: &str) -> RawRecord {
        self.state = State::Done;
        RawRecord {
            line,
            text: Err(format!("{why}; nothing after line {line} is read")),
        }
    }
}

/// CSV rows as JSON records. One pass over the bytes finds where each row ends (a quoted cell
/// may span lines), so each record knows the lines it spans and the work stays linear however
/// long a cell is; the `csv` crate then splits the row into cells.
///
/// A quote opens a quoted cell only at the start of a cell (elsewhere it is text, as in the
/// `csv` crate). A quoted cell never closed, or one that swallows the rows after it (the row
/// then has the wrong number of cells), is an error record for the line where the row starts,
/// and the lines after it are read again as rows: no line vanishes.
struct CsvRecords<'r> {
    reader: Box<dyn BufRead + Send + 'r>,
    /// Attribute name per column (`None`: the column is not an attribute); read from the
    /// first row.
    columns: Option<Vec<Option<String>>>,
    /// Why the header cannot be used (two columns for one attribute): every row is an error.
    header_error: Option<(usize, String)>,
    /// Bytes read and not yet taken as rows.
    pending: Vec<u8>,
    /// The input is read to its end.
    eof: bool,
    /// Lines taken so far.
    line: usize,
    max: usize,
}

/// Where the row scanner is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CsvState {
    /// At the start of a cell.
    CellStart,
    /// In an unquoted cell.
    Unquoted,
    /// In a quoted cell.
    Quoted,
    /// Just after a quote inside a quoted cell: the cell's end, or the first of `""`.
    QuoteInQuoted,
}

/// One row as scanned: where it ends in `pending`, and what the error report needs.
struct CsvRow {
    /// Just past the row's newline (or the input's end).
    end: usize,
    /// Just past the first line's newline.
    first_line_end: usize,
    /// Lines the row spans.
    lines: usize,
    /// The line (counted from the row's first, 0-based) where an unclosed quote opened.
    unclosed: Option<usize>,
    /// Bytes the row had beyond the limit, dropped while scanning.
    dropped: usize,
}

impl<'r> CsvRecords<'r> {
    fn new(reader: Box<dyn BufRead + Send + 'r>, max: usize) -> CsvRecords<'r> {
        CsvRecords {
            reader,
            columns: None,
            header_error: None,
            pending: Vec::new(),
            eof: false,
            line: 0,
            max,
        }
    }

    /// Scan the next row from the start of `pending`, reading more as needed. `None` at the
    /// end of the input. A row longer than the limit is scanned to its end, its bytes dropped.
    fn scan_row(&mut self) -> std::io::Result<Option<CsvRow>> {
        let mut state = CsvState::CellStart;
        let mut at = 0usize;
        let mut lines = 0usize;
        let mut first_line_end = None;
        let mut quote_line = 0usize;
        let mut dropped = 0usize;
        loop {
            if at == self.pending.len() {
                if self.eof {
                    if at == 0 && dropped == 0 {
                        return Ok(None);
                    }
                    return Ok(Some(CsvRow {
                        end: at,
                        first_line_end: first_line_end.unwrap_or(at),
                        lines: lines + 1,
                        unclosed: matches!(state, CsvState::Quoted).then_some(quote_line),
                        dropped,
                    }));
                }
                // Over the limit: keep scanning for the row's end, keep none of it.
                if at + dropped > self.max {
                    dropped += at;
                    self.pending.clear();
                    at = 0;
                    first_line_end = Some(0);
                }
                let chunk = self.reader.fill_buf()?;
                if chunk.is_empty() {
                    self.eof = true;
                    continue;
                }
                let n = chunk.len();
                self.pending.extend_from_slice(chunk);
                self.reader.consume(n);
                continue;
            }
            let Some(&byte) = self.pending.get(at) else {
                continue;
            };
            at += 1;
            state = match (state, byte) {
                (CsvState::Quoted, b'"') => CsvState::QuoteInQuoted,
                (CsvState::Quoted, b'\n') => {
                    lines += 1;
                    first_line_end.get_or_insert(at);
                    CsvState::Quoted
                }
                (CsvState::Quoted, _) => CsvState::Quoted,
                (CsvState::QuoteInQuoted, b'"') => CsvState::Quoted,
                (CsvState::CellStart, b'"') => {
                    quote_line = lines;
                    CsvState::Quoted
                }
                (_, b'\n') => {
                    return Ok(Some(CsvRow {
                        end: at,
                        first_line_end: first_line_end.unwrap_or(at),
                        lines: lines + 1,
                        unclosed: None,
                        dropped,
                    }));
                }
                (_, b',') => CsvState::CellStart,
                _ => CsvState::Unquoted,
            };
        }
    }

    /// Take `n` bytes (`lines` lines) of `pending` as read.
    fn take(&mut self, n: usize, lines: usize) {
        self.pending.drain(..n.min(self.pending.len()));
        self.line += lines;
    }

    fn cells(text: &[u8]) -> Result<Vec<String>, String> {
        // Windows line ends inside a quoted cell read as `\n`, as in a file saved on Unix.
        let text: std::borrow::Cow<'_, [u8]> = if text.contains(&b'\r') {
            let mut lf = Vec::with_capacity(text.len());
            let mut rest = text;
            while let Some(i) = memchr::memmem::find(rest, b"\r\n") {
                lf.extend_from_slice(rest.get(..i).unwrap_or_default());
                lf.push(b'\n');
                rest = rest.get(i + 2..).unwrap_or_default();
            }
            lf.extend_from_slice(rest);
            std::borrow::Cow::Owned(lf)
        } else {
            std::borrow::Cow::Borrowed(text)
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&*text);
        let mut record = csv::ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(false) => Ok(Vec::new()),
            Ok(true) => record
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    std::str::from_utf8(cell).map(str::to_string).map_err(|_| {
                        super::read::not_utf8(&format!("an invalid byte in cell {}", i + 1))
                    })
                })
                .collect(),
            Err(e) => Err(format!("not a CSV row: {e}")),
        }
    }

    fn next(&mut self) -> Option<std::io::Result<RawRecord>> {
        loop {
            let row = match self.scan_row() {
                Err(e) => return Some(Err(e)),
                Ok(None) => return None,
                Ok(Some(row)) => row,
            };
            let line = self.line + 1;
            if row.dropped > 0 {
                self.take(row.end, row.lines);
                let mut why = too_long(row.end + row.dropped, self.max);
                if let Some(q) = row.unclosed {
                    why.push_str(&format!(
                        "; a quote opened on line {} is never closed, so the rest of the input is in this row",
                        line + q
                    ));
                }
                return Some(Ok(RawRecord {
                    line,
                    text: Err(why),
                }));
            }
            if let Some(q) = row.unclosed {
                // Only this row's first line is given up; the lines after it are read again.
                self.take(row.first_line_end, 1);
                return Some(Ok(RawRecord {
                    line,
                    text: Err(format!(
                        "a quote opened on line {} is never closed: a quoted cell must end with a quote (write a quote inside a cell as \"\"); the lines after line {line} are read as rows again",
                        line + q
                    )),
                }));
            }
            let text = self.pending.get(..row.end).unwrap_or_default();
            let text = text.strip_suffix(b"\n").unwrap_or(text);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            let cells = match Self::cells(text) {
                Ok(cells) => cells,
                Err(e) => {
                    self.take(row.end, row.lines);
                    return Some(Ok(RawRecord { line, text: Err(e) }));
                }
            };
            if cells.iter().all(|c| c.trim().is_empty()) {
                self.take(row.end, row.lines);
                continue;
            }
            let Some(expected) = self.columns.as_ref().map(Vec::len) else {
                self.take(row.end, row.lines);
                if let [only] = cells.as_slice()
                    && !name_like(only)
                {
                    // Text in no layout entramap reads (a note, a log, a broken JSON
                    // document): one error, and nothing after it is read.
                    self.eof = true;
                    self.pending.clear();
                    return Some(Ok(RawRecord {
                        line,
                        text: Err(format!(
                            "not in a layout entramap reads: tried NDJSON (a JSON object a line), JSON (an array of objects, Graph or SCIM pages) and CSV (a header row naming a column per attribute), and this first line `{}` is none of them; nothing in this input is read",
                            only.chars().take(60).collect::<String>()
                        )),
                    }));
                }
                let columns: Vec<Option<String>> = cells
                    .iter()
                    .map(|h| super::graph_names::csv_column(h))
                    .collect();
                let problem = duplicate_column(&cells, &columns);
                self.columns = Some(columns);
                if let Some(problem) = problem {
                    self.header_error = Some((line, problem.clone()));
                    return Some(Ok(RawRecord {
                        line,
                        text: Err(problem),
                    }));
                }
                continue;
            };
            if cells.len() != expected {
                let mut why = format!(
                    "the row has {} fields, the header has {expected}",
                    cells.len()
                );
                if row.lines > 1 {
                    // A quote that closed rows later swallowed them: give up this line only.
                    why.push_str(&format!(
                        " (a quoted cell runs from line {line} to line {}: a quote that opens a cell must close it; the lines after line {line} are read as rows again)",
                        line + row.lines - 1
                    ));
                    self.take(row.first_line_end, 1);
                } else {
                    self.take(row.end, row.lines);
                }
                return Some(Ok(RawRecord {
                    line,
                    text: Err(why),
                }));
            }
            self.take(row.end, row.lines);
            if let Some((header_line, problem)) = &self.header_error {
                return Some(Ok(RawRecord {
                    line,
                    text: Err(format!(
                        "the header (line {header_line}) cannot be used: {problem}"
                    )),
                }));
            }
            let mut object = serde_json::Map::new();
            let columns = self.columns.as_deref().unwrap_or_default();
            for (column, cell) in columns.iter().zip(cells) {
                if let Some(name) = column
                    && !cell.is_empty()
                {
                    object.insert(name.clone(), serde_json::Value::String(cell));
                }
            }
            return Some(
                serde_json::to_vec(&object)
                    .map(|text| RawRecord {
                        line,
                        text: Ok(text),
                    })
                    .map_err(std::io::Error::other),
            );
        }
    }
}

/// A header cell that can name an attribute on its own: `userPrincipalName`, `[objectId]`,
/// `extension_1a2b_costCenter`; not a sentence or a fragment of JSON.
fn name_like(cell: &str) -> bool {
    let cell = cell.trim().trim_start_matches('\u{FEFF}');
    let cell = cell
        .strip_prefix('[')
        .and_then(|c| c.strip_suffix(']'))
        .unwrap_or(cell);
    !cell.is_empty()
        && cell
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Two header cells that name the same attribute (`Email` and `mail`, or `mail` twice): which
/// one a row means cannot be known.
fn duplicate_column(headers: &[String], columns: &[Option<String>]) -> Option<String> {
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, column) in columns.iter().enumerate() {
        let Some(name) = column else { continue };
        if let Some(first) = seen.insert(name.as_str(), i) {
            let header = |k: usize| headers.get(k).map_or("", String::as_str);
            return Some(format!(
                "columns {} (`{}`) and {} (`{}`) are both the attribute `{name}`: remove or rename one",
                first + 1,
                header(first),
                i + 1,
                header(i)
            ));
        }
    }
    None
}

/// What a path names: its records — one file's, or each file's of a directory, in name order
/// — and the directory entries that were not read, with why.
pub struct PathInputs {
    /// `(the file's name when there are several, its records)`.
    pub files: Vec<(Option<String>, Records<'static>)>,
    /// `(entry name, why it was not read)`: hidden files, subdirectories, links that lead
    /// nowhere, FIFOs and other special files. Reported, never dropped silently.
    pub skipped: Vec<(String, &'static str)>,
}

/// The records of a file, or of every regular file of a directory in name order (names
/// starting with `.` are skipped, and said to be).
pub fn open_path(
    path: &std::path::Path,
    format: InputFormat,
    max_record_bytes: usize,
) -> std::io::Result<PathInputs> {
    let open = |file: &std::path::Path| -> std::io::Result<Records<'static>> {
        let reader = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(file)?);
        records(Box::new(reader), format, max_record_bytes)
    };
    if !path.is_dir() {
        return Ok(PathInputs {
            files: vec![(None, open(path)?)],
            skipped: Vec::new(),
        });
    }
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        // Follows links: a link to a file is read, one that leads nowhere is said to.
        let why = match std::fs::metadata(&path) {
            _ if name.starts_with('.') => Some("a hidden file (its name starts with `.`)"),
            Err(_) => Some("a link that leads nowhere, or an entry that cannot be read"),
            Ok(meta) if meta.is_dir() => Some("a directory (directories are not read recursively)"),
            Ok(meta) if !meta.is_file() => Some("not a regular file (a FIFO, socket or device)"),
            Ok(_) => None,
        };
        match why {
            Some(why) => skipped.push((name, why)),
            None => files.push((name, path)),
        }
    }
    files.sort();
    skipped.sort();
    let files = files
        .into_iter()
        .map(|(name, path)| Ok((Some(name), open(&path)?)))
        .collect::<std::io::Result<_>>()?;
    Ok(PathInputs { files, skipped })
}

/// A record that should be a JSON object and is not.
#[derive(Debug, thiserror::Error)]
pub enum ObjectsError {
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The record on this line is not a JSON object.
    #[error("line {line}: {reason}")]
    NotAnObject {
        /// The line the record starts on.
        line: usize,
        /// Why.
        reason: String,
    },
}

/// Every record of `records` as a JSON object (small inputs read whole: state files); the
/// first record that is not one is an error.
pub fn objects(
    records: Records<'_>,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, ObjectsError> {
    let mut out = Vec::new();
    each_object(records, |_, map| {
        out.push(map);
        std::ops::ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// Hand each record of `records` to `f` as a JSON object with the line it starts on, one at
/// a time (state files, which may be as large as the users), until `f` breaks; the first
/// record that is not one is an error.
pub fn each_object(
    records: Records<'_>,
    mut f: impl FnMut(usize, serde_json::Map<String, serde_json::Value>) -> std::ops::ControlFlow<()>,
) -> Result<(), ObjectsError> {
    for record in records {
        let record = record?;
        let line = record.line;
        if f(line, object(record)?).is_break() {
            break;
        }
    }
    Ok(())
}

/// [`each_object`], reading a chunk of records at a time on every core: each object goes
/// through `prepare` in parallel, and its result to `f` in input order (`--current`, whose
/// objects are read whole and kept).
pub fn each_object_parallel<T: Send>(
    records: Records<'_>,
    prepare: impl Fn(serde_json::Map<String, serde_json::Value>) -> T + Sync,
    mut f: impl FnMut(T),
) -> Result<(), ObjectsError> {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let mut records = records.peekable();
    while records.peek().is_some() {
        // Errors, of reading too, stay in their place: the first in input order is reported.
        let chunk: Vec<std::io::Result<RawRecord>> = records.by_ref().take(CHUNK).collect();
        let prepared: Vec<Result<T, ObjectsError>> = chunk
            .into_par_iter()
            .map(|record| object(record?).map(&prepare))
            .collect();
        for item in prepared {
            f(item?);
        }
    }
    Ok(())
}

/// A record as a JSON object, or why it is not one.
fn object(record: RawRecord) -> Result<serde_json::Map<String, serde_json::Value>, ObjectsError> {
    let parsed = record
        .text
        .and_then(|text| super::read::parse_json_strict(&String::from_utf8_lossy(&text)));
    let reason = match parsed {
        Ok(serde_json::Value::Object(map)) => return Ok(map),
        Ok(_) => "expected a JSON object".to_string(),
        Err(e) => e,
    };
    Err(ObjectsError::NotAnObject {
        line: record.line,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ndjson(text: String) -> Records<'static> {
        let reader = Box::new(std::io::Cursor::new(text.into_bytes()));
        records(reader, InputFormat::Ndjson, 1 << 20).expect("an NDJSON reader")
    }

    #[test]
    fn objects_read_in_parallel_come_in_order_and_the_first_bad_one_is_reported() {
        let good: String = (1..=5_000).map(|n| format!("{{\"n\":{n}}}\n")).collect();
        let mut seen = Vec::new();
        each_object_parallel(ndjson(good), |o| o["n"].as_u64(), |n| seen.push(n))
            .expect("all objects");
        assert_eq!(seen, (1..=5_000).map(Some).collect::<Vec<_>>());

        // Two bad records in the second chunk: the earlier one is the error.
        let bad: String = (1..=5_000)
            .map(|n| match n {
                4_500 => "[1]\n".to_string(),
                4_501 => "{oops\n".to_string(),
                _ => format!("{{\"n\":{n}}}\n"),
            })
            .collect();
        let mut count = 0;
        let error = each_object_parallel(ndjson(bad), |_| (), |()| count += 1).unwrap_err();
        assert!(
            matches!(error, ObjectsError::NotAnObject { line: 4_500, .. }),
            "{error}"
        );
        assert_eq!(count, 4_499);
    }
}
